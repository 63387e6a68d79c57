"""The document's page texts for the jury's side view, and the quote highlighted on its page.

The review store keeps the sheet, not the document. At the first view the submission file is
found (beside its sheet, one folder up, or in the `--docs` folders), checked against the sheet's
SHA-256 — a different file must never be shown as the candidate's — read with `grader.ingest`,
and its page texts are kept in `web_pages`, so later views need neither the file nor a re-read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape
from sqlalchemy import Engine, insert, select

from grader.i18n import Lang, t
from grader.review.schema import WRITE_OPTION
from grader.review.state import SubmissionState
from grader.sheet.models import Submission
from grader.web.tables import files, pages


@dataclass(frozen=True)
class Highlighted:
    html: Markup
    found: bool


def page_texts(engine: Engine, state: SubmissionState, doc_dirs: Sequence[Path] = ()
               ) -> dict[int, str] | None:
    """Page number → text, or None when the submission's file cannot be found."""
    known = _stored(engine, state.sha256)
    if known:
        return known
    path = _find_file(state, doc_dirs)
    if path is None:
        return None
    return store_document(engine, path)


@dataclass(frozen=True)
class Mismatch:
    """The document stored under the sheet's SHA-256 is not the one the sheet describes. The
    hash matching should make this impossible; it happens when a sheet was edited by hand or
    copied from another candidate's, and then quotes and pages would point into the wrong
    text — so the jury is told instead of being shown it silently."""

    found_pages: int
    expected_pages: int
    found_words: int
    expected_words: int

    @property
    def pages_differ(self) -> bool:
        return self.found_pages != self.expected_pages

    @property
    def words_differ(self) -> bool:
        # 1 %: the same text read by another version of ingest may count a few words apart.
        return (self.expected_words > 0
                and abs(self.found_words - self.expected_words) > WORDS_TOLERANCE
                * self.expected_words)

    def message(self, lang: Lang) -> str:
        parts = []
        if self.pages_differ:
            parts.append(t("web.doc.mismatch_pages", lang, found=self.found_pages,
                           expected=self.expected_pages))
        if self.words_differ:
            parts.append(t("web.doc.mismatch_words", lang, found=self.found_words,
                           expected=self.expected_words))
        return t("web.doc.mismatch", lang, what=", ".join(parts))


WORDS_TOLERANCE = 0.01


def mismatch(texts: dict[int, str] | None, submission: Submission) -> Mismatch | None:
    """How the document's `texts` differ from what the sheet says of it, if they do."""
    if not texts:
        return None
    from grader.ingest.structure import count_words  # ingest's own count, the sheet's source

    found = Mismatch(len(texts), submission.pages, count_words(list(texts.values())),
                     submission.words)
    return found if found.pages_differ or found.words_differ else None


def stored_mismatch(engine: Engine, submission: Submission) -> Mismatch | None:
    """The same, from the page texts already kept (nothing is read from disk)."""
    return mismatch(_stored(engine, submission.sha256), submission)


def store_document(engine: Engine, path: Path) -> dict[int, str]:
    """Read `path` and keep its page texts (e.g. at import time)."""
    from grader.ingest import read

    doc = read(path)
    texts = {p.number: p.text for p in doc.pages}
    if not _stored(engine, doc.sha256):
        with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
            conn.execute(insert(pages), [{"sha256": doc.sha256, "number": n, "text": text}
                                         for n, text in texts.items()])
    return texts


def has_pages(engine: Engine, sha256: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(pages.c.number).where(pages.c.sha256 == sha256)
                            .limit(1)).first() is not None


def keep_file(engine: Engine, sha256: str, name: str, data: bytes) -> None:
    """Keep an uploaded PDF's bytes: the page image needs them, and nothing else has them."""
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        if conn.execute(select(files.c.sha256).where(files.c.sha256 == sha256)).first() is None:
            conn.execute(insert(files).values(sha256=sha256, name=name.replace("\x00", ""),
                                              data=data))


def is_pdf(state: SubmissionState) -> bool:
    return state.file.lower().endswith(".pdf")


def pdf_bytes(engine: Engine, state: SubmissionState, doc_dirs: Sequence[Path] = ()
              ) -> bytes | None:
    """The submission's PDF (uploaded, or found on disk with the right SHA-256), or None."""
    if not is_pdf(state):
        return None
    with engine.connect() as conn:
        kept = conn.execute(select(files.c.data).where(files.c.sha256 == state.sha256)).scalar()
    if kept is not None:
        return bytes(kept)
    path = _find_file(state, doc_dirs)
    return path.read_bytes() if path is not None else None


def _stored(engine: Engine, sha256: str) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(pages.c.number, pages.c.text)
                            .where(pages.c.sha256 == sha256).order_by(pages.c.number))
        return {r.number: r.text for r in rows}


def _find_file(state: SubmissionState, doc_dirs: Sequence[Path]) -> Path | None:
    name = Path(state.file).name
    places = list(doc_dirs)
    if state.sheet_path:
        sheet_dir = Path(state.sheet_path).parent
        places += [sheet_dir, sheet_dir.parent]
    for place in places:
        candidate = place / name
        if candidate.is_file() and _sha256(candidate) == state.sha256:
            return candidate
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quote_pattern(quote: str) -> re.Pattern[str] | None:
    # Words in order, any spacing or punctuation between them: the quote was verified after
    # whitespace/ligature/case normalisation, so the page text may differ in exactly those.
    words = re.findall(r"\w+", quote)
    return re.compile(r"\W+".join(map(re.escape, words)), re.IGNORECASE) if words else None


def highlight(text: str, quote: str) -> Highlighted:
    """The page text, escaped, with the quote wrapped in `<mark id="hl">`."""
    pattern = quote_pattern(quote)
    match = pattern.search(text) if pattern else None
    if match is None:
        return Highlighted(escape(text), False)
    start, end = match.span()
    html = (escape(text[:start]) + Markup('<mark id="hl">') + escape(text[start:end])
            + Markup("</mark>") + escape(text[end:]))
    return Highlighted(Markup(html), True)


def page_of(texts: dict[int, str], quote: str, hint: int | None) -> int:
    """The page that holds the quote: the given one if it does, else the first that does."""
    pattern = quote_pattern(quote)
    order = ([hint] if hint in texts else []) + [n for n in sorted(texts) if n != hint]
    for number in order:
        if pattern and pattern.search(texts[number]):
            return number
    return hint if hint in texts else min(texts, default=1)


__all__ = ["WORDS_TOLERANCE", "Highlighted", "Mismatch", "has_pages", "highlight", "is_pdf",
           "keep_file", "mismatch", "page_of", "page_texts", "pdf_bytes", "quote_pattern",
           "store_document", "stored_mismatch"]
