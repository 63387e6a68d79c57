"""What each format reader hands to the assembler: plain dataclasses, no validation cost.

Readers (pdf, docx, text) only see bytes and produce an `Extraction`; the assembler in
`reader.py` turns it into the public `Document` (page texts, sections, words, flags).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from grader.ingest.errors import IngestTimeoutError


@dataclass(slots=True)
class RawBlock:
    text: str
    page: int
    level: int = 0
    kind: str = "paragraph"


@dataclass(slots=True)
class Hidden:
    """A passage a human reader cannot see, and why (French, for the jury)."""

    text: str
    page: int
    reason: str


@dataclass(slots=True)
class OutlineEntry:
    title: str
    level: int
    page: int


@dataclass
class Extraction:
    page_count: int
    blocks: list[RawBlock]
    headers: dict[int, str] = field(default_factory=dict)
    footers: dict[int, str] = field(default_factory=dict)
    hidden: list[Hidden] = field(default_factory=list)
    scanned_pages: list[int] = field(default_factory=list)
    comments: list[RawBlock] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)
    approximate: bool = False
    encrypted: bool = False
    title: str | None = None
    author: str | None = None


@dataclass
class Deadline:
    """A wall-clock budget checked between pages and elements (cooperative, no signals)."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def restart(self) -> None:
        """Start counting now: time spent waiting for the PDFium lock is not the file's fault."""
        self.start = time.monotonic()

    def check(self) -> None:
        if time.monotonic() - self.start > self.seconds:
            raise IngestTimeoutError(
                f"lecture interrompue après {self.seconds:g} s (fichier trop lourd ou "
                "pathologique) : exportez-le à nouveau en PDF ou DOCX standard"
            )
