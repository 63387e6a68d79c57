"""Perturbed copies of a document for the probes, and the renderings a gold set holds.

A perturbation is made on the document's text, written back as Markdown (page breaks as form
feeds, headings as `#`) and read again by `grader.ingest`, so the perturbed copy goes through
the same reader, flags and evidence as a real submission. The base it is compared with makes
the same round trip, so the comparison changes one thing only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from grader import yamlio

if TYPE_CHECKING:
    from grader.evals.gold import GoldDocument, GoldSet
    from grader.ingest import Document

PADDING_SHARE = 0.5
"""Padding adds half the document's length again (at least 300 words, at most 6,000)."""
MIN_PADDING, MAX_PADDING = 300, 6000
FORMATS = (".pdf", ".docx")
ENGLISH_SUFFIXES = (".en", "-en", "_en")
ENGLISH_PREFIX = "en--"
"""English renderings beside the French: `x.en.md`, `x-en.pdf`, `x_en.docx` or `en--x.pdf`."""
VARIANT_NAMES = {"padding": ("padding", "remplissage"),
                 "hidden-instruction": ("hidden-instruction", "injection")}
"""Gold variant names per probe, English and French (evals/gold/variants.py uses French)."""


@cache
def texts() -> dict:
    raw = resources.files("grader.evals").joinpath("probe_texts.yaml").read_text("utf-8")
    return yamlio.safe_load(raw)


def _lang(doc: Document) -> str:
    return "en" if doc.language == "en" else "fr"


def to_markdown(doc: Document) -> list[list[str]]:
    """The document as Markdown paragraphs, page by page (what a reader sees, in order)."""
    pages: dict[int, list[str]] = {p.number: [] for p in doc.pages}
    for block in doc.blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.level:
            text = f"{'#' * block.level} {' '.join(text.split())}"
        elif block.kind == "list":
            text = f"- {' '.join(text.split())}"
        pages.setdefault(block.page, []).append(text)
    return [pages[n] for n in sorted(pages)]


def render(pages: list[list[str]]) -> str:
    return "\n\f\n".join("\n\n".join(paras) for paras in pages) + "\n"


def padded(doc: Document) -> str:
    """Irrelevant prose inserted after the first third of the pages and at the end."""
    pages = to_markdown(doc)
    filler = _filler(_lang(doc), _padding_words(doc.words))
    half = len(filler) // 2
    cut = max(1, len(pages) // 3)
    pages = [*pages[:cut], filler[:half] or filler, *pages[cut:], filler[half:] or filler]
    return render([p for p in pages if p])


def injected(doc: Document) -> str:
    """An instruction to the grader as a paragraph in the middle of the body."""
    pages = to_markdown(doc)
    sentence = texts()["injection"][_lang(doc)]
    middle = len(pages) // 2
    page = pages[middle]
    at = max(1, len(page) // 2)
    pages[middle] = [*page[:at], sentence, *page[at:]]
    return render(pages)


def _padding_words(words: int) -> int:
    return int(min(MAX_PADDING, max(MIN_PADDING, words * PADDING_SHARE)))


def _filler(lang: str, words: int) -> list[str]:
    paragraphs = texts()["padding"][lang]
    out: list[str] = []
    count = 0
    while count < words:
        para = paragraphs[len(out) % len(paragraphs)]
        out.append(para)
        count += len(para.split())
    return out


def write_md(text: str, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Pair:
    """Two renderings of one document: the base (first) and its counterpart."""

    kind: str
    """`format` (PDF and DOCX of one text) or `language` (French and English)."""
    first: Path
    second: Path
    deliverable: str
    file: str
    """How reports name the pair (the base's gold name)."""


def pairs(gold: GoldSet) -> Iterator[Pair]:
    """PDF/DOCX renderings and FR/EN translations of the gold documents, found on disk beside
    them (`x.pdf` + `x.docx`; `x.md` + `x.en.md`), each pair once."""
    seen: set[tuple[str, frozenset[Path]]] = set()
    for doc in gold.documents:
        for pair in _pairs_of(doc):
            key = (pair.kind, frozenset((pair.first, pair.second)))
            if key not in seen:
                seen.add(key)
                yield pair


def _pairs_of(doc: GoldDocument) -> Iterator[Pair]:
    path = doc.path
    if path.suffix.lower() in FORMATS:
        for other in FORMATS:
            sibling = path.with_suffix(other)
            if other != path.suffix.lower() and sibling.is_file():
                first, second = sorted((path, sibling), key=lambda p: p.suffix != ".pdf")
                yield Pair("format", first, second, doc.deliverable, doc.file)
    stem = path.stem
    if stem.endswith(ENGLISH_SUFFIXES) or stem.startswith(ENGLISH_PREFIX):
        return
    names = [f"{stem}{suffix}{path.suffix}" for suffix in ENGLISH_SUFFIXES]
    for name in [*names, f"{ENGLISH_PREFIX}{path.name}"]:
        english = path.with_name(name)
        if english.is_file():
            yield Pair("language", path, english, doc.deliverable, doc.file)
            return


def same_candidate(gold: GoldSet, variant: str) -> Iterator[tuple[GoldDocument, GoldDocument]]:
    """(base, variant) documents of one candidate, for the gold set's own attack variants."""
    bases: dict[tuple[str, str, str], GoldDocument] = {}
    for d in gold.documents:
        if d.variant == "base":
            bases.setdefault((d.set, d.candidate, d.path.suffix.lower()), d)
            bases.setdefault((d.set, d.candidate, "*"), d)
    names = VARIANT_NAMES.get(variant, (variant,))
    for doc in gold.documents:
        # The base in the same format when there is one: the comparison changes one thing.
        base = bases.get((doc.set, doc.candidate, doc.path.suffix.lower()),
                         bases.get((doc.set, doc.candidate, "*")))
        if doc.variant in names and base is not None:
            yield base, doc
