"""Split a Document into passages: windows of consecutive paragraphs, pages kept."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.backends.base import Passage
from grader.evidence.text import fold

if TYPE_CHECKING:
    from grader.ingest import Document

WINDOW_WORDS = 120
"""About a paragraph or two: long enough to carry an argument, short enough to quote."""
SKIPPED_KINDS = {"toc", "heading"}
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ0-9«\"(])")


def _pieces(text: str, limit: int) -> list[str]:
    """A long block cut at sentence ends into pieces of at most ~`limit` words."""
    if len(text.split()) <= limit:
        return [text]
    pieces, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        if current and len((current + " " + sentence).split()) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    return [*pieces, current] if current else pieces


_OPENING_WORDS, _REPEATS, _SHARE = 4, 3, 0.6


def boilerplate(blocks: list) -> set[int]:
    """Indices of blocks made of stock sentences: sentences whose opening words recur 3+ times
    in the document. Padding with boilerplate never counts as evidence, so it cannot pay."""
    def openings(text: str) -> list[str]:
        return [" ".join(fold(s).split()[:_OPENING_WORDS])
                for s in re.split(r"(?<=[.!?…])\s+", text) if len(s.split()) >= 6]

    per_block = [openings(b.text) for b in blocks]
    counts: dict[str, int] = {}
    for ops in per_block:
        for op in ops:
            counts[op] = counts.get(op, 0) + 1
    return {i for i, ops in enumerate(per_block)
            if len(ops) >= 2 and sum(counts[o] >= _REPEATS for o in ops) / len(ops) >= _SHARE}


def split_passages(doc: Document, window: int = WINDOW_WORDS) -> list[Passage]:
    """Body passages in document order; a passage never mixes two sections."""
    passages: list[Passage] = []
    buffer: list[tuple[str, int]] = []

    def flush() -> None:
        if buffer:
            text = "\n".join(t for t, _ in buffer)
            pages = tuple(sorted({p for _, p in buffer}))
            passages.append(Passage(text=text, page=buffer[0][1], index=len(passages),
                                    pages=pages))
            buffer.clear()

    for block in _body_blocks(doc):
        if block.level:  # a heading closes the current window
            flush()
            continue
        if block.kind in SKIPPED_KINDS:
            continue
        for piece in _pieces(block.text.strip(), window):
            if buffer and sum(len(t.split()) for t, _ in buffer) + len(piece.split()) > window:
                flush()
            buffer.append((piece, block.page))
    flush()
    return passages


def evidence_blocks(doc: Document) -> list:
    """The blocks that may count for or against a candidate: no stock padding, no flagged text."""
    return _body_blocks(doc)


def _body_blocks(doc: Document) -> list:
    if doc.blocks:
        blocks = [b for b in doc.blocks if b.text.strip()]
        stock = boilerplate(blocks)
        # A flagged sentence takes its own block out, not the window around it: the candidate's
        # neighbouring text must be judged as if the instruction were not there.
        flagged = flagged_texts(doc)
        return [b for i, b in enumerate(blocks) if i not in stock
                and not _holds_flagged(fold(b.text), flagged)]
    # No block structure (should not happen): fall back on paragraphs of each page.
    from types import SimpleNamespace

    return [SimpleNamespace(text=para, page=page.number, level=0, kind="paragraph")
            for page in doc.pages for para in re.split(r"\n\s*\n", page.text) if para.strip()]


def flagged_texts(doc: Document) -> list[str]:
    """Folded passages that ingest flagged (hidden text, instructions to the grader)."""
    return [fold(p) for flag in doc.flags for p in flag.passages if len(fold(p)) >= 12]


def _holds_flagged(text: str, flagged: list[str]) -> bool:
    return any(f in text or (len(text) >= 12 and text in f) for f in flagged)


def is_flagged(passage: Passage, flagged: list[str]) -> bool:
    """True when the passage holds or is part of a flagged passage: never evidence."""
    return _holds_flagged(fold(passage.text), flagged)
