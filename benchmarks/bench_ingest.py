"""Ingest benchmark: pages per second and peak memory on a 50-page French thesis (PDF) and its
DOCX twin, on one core, warm (modules imported and one read done before timing).

    python benchmarks/bench_ingest.py              # prints a table
    python benchmarks/bench_ingest.py --json       # machine-readable
    python benchmarks/bench_ingest.py --check      # exit 1 when a goal is missed

Goals (issue #3): at least 300 pages/s on text PDFs; a 50-page DOCX in under 0.2 s.
The fixtures come from tests/fixtures/ingest_build.py, so the numbers are reproducible.
The pypdf row (text only, no layout, no hidden-text checks) is there to justify the engine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.ingest import read  # noqa: E402
from tests.fixtures import ingest_build  # noqa: E402

GOAL_PDF_PAGES_PER_S = 300.0
GOAL_DOCX_SECONDS = 0.2


def _one_core() -> str:
    """Pin to one CPU so numbers do not depend on the machine's idle cores."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    return "unpinned"


def _time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm: caches, lazy imports, first-touch allocations
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _peak_python_mib(fn: Callable[[], object]) -> float:
    """Peak Python-heap allocation during one call (PDFium's own C heap is not seen here)."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _child_rss(path: Path) -> float:
    """Peak RSS (MiB) of a fresh process that imports grader and reads the file twice:
    PDFium's C heap included, which tracemalloc cannot see."""
    code = ("import resource, sys; from grader.ingest import read; "
            "read(sys.argv[1]); read(sys.argv[1]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    return round(int(out) / 1024, 1)


def _pypdf(path: Path) -> Callable[[], object]:
    def run() -> object:
        from pypdf import PdfReader

        return [page.extract_text() for page in PdfReader(path).pages]

    return run


def measure(folder: Path, repeat: int, pypdf: bool = True) -> list[dict[str, object]]:
    files = {"pdf": folder / "thesis.pdf", "docx": folder / "thesis.docx",
             "glyph": folder / "glyph.pdf"}
    spec = ingest_build.thesis_spec(50)
    ingest_build.thesis_pdf(spec, files["pdf"])
    ingest_build.thesis_docx(spec, files["docx"])
    ingest_build.glyph_pdf(spec, files["glyph"])
    rows = []
    for name, path, fn, times in [
        ("grader read() PDF (pypdfium2)", files["pdf"], lambda: read(files["pdf"]), repeat),
        ("grader read() DOCX twin", files["docx"], lambda: read(files["docx"]), repeat),
        ("pypdf extract_text (reference)", files["pdf"], _pypdf(files["pdf"]), 3),
        ("grader read() glyph-positioned PDF", files["glyph"], lambda: read(files["glyph"]), 3),
        ("pypdf on glyph-positioned PDF", files["glyph"], _pypdf(files["glyph"]), 1),
    ]:
        if name.startswith("pypdf") and not pypdf:
            continue
        seconds = _time(fn, times)
        row: dict[str, object] = {"case": name, "pages": 50, "seconds": round(seconds, 4),
                                  "pages_per_s": round(50 / seconds),
                                  "size_kib": path.stat().st_size // 1024}
        if name.startswith("grader"):  # tracemalloc slows pypdf tenfold: ours only
            row["peak_python_mib"] = round(_peak_python_mib(fn), 1)
            row["process_peak_rss_mib"] = _child_rss(path)
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-pypdf", action="store_true", help="skip the slow pypdf rows")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    pinned = _one_core()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp), args.repeat, pypdf=not args.no_pypdf)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ok = (rows[0]["pages_per_s"] >= GOAL_PDF_PAGES_PER_S  # type: ignore[operator]
          and rows[1]["seconds"] < GOAL_DOCX_SECONDS)  # type: ignore[operator]
    if args.json:
        print(json.dumps({"pinned": pinned, "max_rss_mib": round(rss), "goals_met": ok,
                          "rows": rows}, indent=2))
    else:
        print(f"ingest benchmark — 50-page French thesis, warm, median of {args.repeat}, {pinned}")
        print(f"{'case':36} {'s/doc':>8} {'pages/s':>8} {'KiB':>6} {'py peak MiB':>12} "
              f"{'proc RSS MiB':>13}")
        for row in rows:
            print(f"{row['case']:36} {row['seconds']:>8} {row['pages_per_s']:>8} "
                  f"{row['size_kib']:>6} {row.get('peak_python_mib', ''):>12} "
                  f"{row.get('process_peak_rss_mib', ''):>13}")
        print("py peak = Python heap during one read (tracemalloc); proc RSS = peak of a fresh "
              "process importing grader and reading the file twice (PDFium included)")
        print(f"this benchmark's own max RSS: {rss:.0f} MiB")
        print(f"goals (PDF >= {GOAL_PDF_PAGES_PER_S:g} pages/s, DOCX < {GOAL_DOCX_SECONDS} s): "
              f"{'met' if ok else 'MISSED'}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
