"""The Document every later step quotes from: pages, blocks, sections, flags.

Pydantic at this boundary (it is serialised into sheets and the `extract` JSON). Invariant kept by
the readers: every block's text appears in its page's `text`, and text hidden from a human reader
appears in neither — only in the `hidden_text` flag's passages — so no quote can cite it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Format = Literal["pdf", "docx", "txt", "md"]
Language = Literal["fr", "en", "unknown"]
BlockKind = Literal[
    "paragraph", "heading", "table", "list", "footnote", "toc", "textbox", "comment"
]
FlagCode = Literal[
    "hidden_text",
    "no_text_layer",
    "possible_prompt_injection",
    "length_out_of_rule",
    "encrypted",
    "approximate_pages",
    "extension_mismatch",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Page(_Frozen):
    number: int = Field(ge=1)
    """1-based page number, as the jury counts pages in the file (not the printed folio)."""
    text: str
    """Body text as a human sees it: no running header/footer, no hidden text; footnotes last."""
    header: str = ""
    """Running header of the page (repeated lines at the top), kept apart from the body."""
    footer: str = ""
    """Running footer and page number, kept apart from the body."""
    approximate: bool = False
    """True when the page boundaries are estimated (DOCX without Word's rendered breaks, TXT)."""


class Block(_Frozen):
    text: str
    """One paragraph, heading, table, list item, footnote or TOC entry."""
    page: int = Field(ge=1)
    """Page on which the block starts."""
    level: int = Field(default=0, ge=0, le=6)
    """0 for body text, 1..6 for headings."""
    kind: BlockKind = "paragraph"
    """What the block is; footnotes are kept in the page text and marked here."""


class Section(_Frozen):
    title: str
    level: int = Field(ge=1, le=6)
    page: int = Field(ge=1)
    children: list[Section] = Field(default_factory=list)


class Flag(_Frozen):
    code: FlagCode
    """Stable identifier a program can test."""
    message: str
    """One French line for the jury."""
    pages: list[int] = Field(default_factory=list)
    """Pages concerned (1-based), sorted."""
    passages: list[str] = Field(default_factory=list)
    """The text concerned (hidden passages, injection-like sentences), verbatim."""


class Metadata(_Frozen):
    title: str | None = None
    author: str | None = None


class Document(_Frozen):
    source: str
    """File name (no directory: the path may hold a candidate's name)."""
    sha256: str
    format: Format
    pages: list[Page]
    blocks: list[Block]
    sections: list[Section]
    words: int = Field(ge=0)
    language: Language
    metadata: Metadata = Field(default_factory=Metadata)
    flags: list[Flag] = Field(default_factory=list)
    comments: list[Block] = Field(default_factory=list)
    """Reviewer comments (DOCX): not printed, so outside the pages' text."""

    @property
    def text(self) -> str:
        """All body text, pages separated by a form feed."""
        return "\f".join(page.text for page in self.pages)

    def flag(self, code: str) -> Flag | None:
        return next((f for f in self.flags if f.code == code), None)


class Limits(_Frozen):
    """Bounds per file, so one pathological upload never hangs or exhausts a batch."""

    max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    """Largest file accepted (default 50 MB)."""
    max_pages: int = Field(default=2000, gt=0)
    """Most pages read; a longer PDF is refused."""
    max_unzipped_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    """Most bytes a DOCX's parts may expand to, in total (zip bomb guard)."""
    max_zip_entries: int = Field(default=5000, gt=0)
    """Most files inside a DOCX."""
    max_seconds: float = Field(default=60.0, gt=0)
    """Wall-clock budget for parsing one file."""
Section.model_rebuild()
