#!/usr/bin/env python3
"""Generate controlled variants of base deliverables for the gold set.

Usage:
    python evals/gold/build.py [--out DIR] [--variants a,b] [--format pdf,docx] [--keep-md] [BASES...]

BASES are Markdown files in the samples' convention (default: samples/src/*.md and
evals/gold/src/*.md). For each base and each applicable variant (see variants.py), writes

    <out>/<deliverable>/<variant>.pdf|.docx          when the base stem is the deliverable id
    <out>/<deliverable>/<suffix>--<variant>.pdf|.docx otherwise (suffix = stem minus the id,
                                                       e.g. memoire-fort.md -> fort--sans-sources.pdf)

and <out>/index.json describing every file (base, variant, description, expected effect, pages,
words, sha256). A variant that needs a part the base does not mark (e.g. no 'collecte' span) is
skipped and listed as such. Output is deterministic.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from variants import VARIANTS, applicable, apply_variant, split_front  # noqa: E402


def _load_samples_build():
    spec = importlib.util.spec_from_file_location("samples_build", ROOT / "samples" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["samples_build"] = mod
    spec.loader.exec_module(mod)
    return mod


def out_stem(base: Path, deliverable: str, variant: str) -> str:
    stem = base.stem
    if stem == deliverable:
        return variant
    suffix = stem[len(deliverable):].strip("-_") if stem.startswith(deliverable) else stem
    return f"{suffix or stem}--{variant}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE / "docs"))
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated; default: all")
    ap.add_argument("--format", default="pdf,docx")
    ap.add_argument("--keep-md", action="store_true", help="also write the variant Markdown next to the files")
    ap.add_argument("bases", nargs="*")
    a = ap.parse_args(argv)

    sb = _load_samples_build()
    bases = [Path(b) for b in a.bases] or sorted((ROOT / "samples" / "src").glob("*.md")) + sorted(
        (HERE / "src").glob("*.md"))
    wanted = [v.strip() for v in a.variants.split(",") if v.strip()]
    unknown = [v for v in wanted if v not in VARIANTS]
    if unknown:
        print(f"gold/build.py: unknown variant(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    formats = {f.strip() for f in a.format.split(",")}
    out_root = Path(a.out)
    index = []
    rc = 0
    for base in bases:
        text = base.read_text(encoding="utf-8")
        deliverable = str(sb.parse(text).meta.get("deliverable", "unknown"))
        for name in wanted:
            entry = {"base": str(base.relative_to(ROOT) if base.is_absolute() and ROOT in base.parents else base),
                     "deliverable": deliverable, "variant": name,
                     "description": VARIANTS[name].description, "expected": VARIANTS[name].expected}
            if not applicable(name, text):
                entry["skipped"] = f"base has no '{VARIANTS[name].requires_part}' part"
                index.append(entry)
                print(f"{base.name}: {name}: skipped ({entry['skipped']})")
                continue
            vtext = apply_variant(name, text)
            model = sb.parse(vtext)
            d = out_root / deliverable
            d.mkdir(parents=True, exist_ok=True)
            stem = out_stem(base, deliverable, name)
            try:
                info = sb.build_pdf(model, d / f"{stem}.pdf") if "pdf" in formats else None
                if "docx" in formats:
                    if info is None:
                        import io
                        info = sb.build_pdf(model, io.BytesIO())
                    sb.build_docx(model, d / f"{stem}.docx", heading_pages=info.heading_pages,
                                  total_pages=info.pages)
            except Exception as e:  # keep going with the others
                print(f"{base.name}: {name}: FAILED {type(e).__name__}: {e}", file=sys.stderr)
                rc = 1
                continue
            if a.keep_md:
                (d / f"{stem}.md").write_text(vtext, encoding="utf-8")
            entry["words"] = len(re.findall(r"\w+", split_front(vtext)[1]))
            entry["pages"] = info.pages if info else None
            entry["files"] = {}
            for ext in ("pdf", "docx"):
                f = d / f"{stem}.{ext}"
                if ext in formats and f.exists():
                    entry["files"][ext] = {"path": str(f.relative_to(out_root)),
                                           "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
            index.append(entry)
            print(f"{base.name}: {name}: {entry['pages']} pages -> {deliverable}/{stem}.*")
    out_root.mkdir(parents=True, exist_ok=True)
    (out_root / "index.json").write_text(json.dumps({"variants": {k: {"description": v.description,
                                                                       "expected": v.expected,
                                                                       "requires_part": v.requires_part}
                                                                   for k, v in VARIANTS.items()},
                                                      "files": index}, ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    return rc


if __name__ == "__main__":
    sys.exit(main())
