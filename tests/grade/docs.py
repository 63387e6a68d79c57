"""Small Documents built directly, for tests of the steps after ingest."""

from __future__ import annotations

import hashlib

from grader.ingest.document import Block, Document, Flag, Metadata, Page


def make_doc(pages: list[list[tuple[str, int]]], flags: list[Flag] | None = None,
             author: str | None = None) -> Document:
    """`pages`: for each page, its blocks as (text, heading level)."""
    page_models, blocks = [], []
    for number, page in enumerate(pages, start=1):
        page_models.append(Page(number=number, text="\n".join(text for text, _ in page)))
        blocks += [Block(text=text, page=number, level=level,
                         kind="heading" if level else "paragraph") for text, level in page]
    words = sum(len(b.text.split()) for b in blocks)
    sha = hashlib.sha256(repr(pages).encode()).hexdigest()
    return Document(source="doc.pdf", sha256=sha, format="pdf", pages=page_models,
                    blocks=blocks, sections=[], words=words, language="fr",
                    metadata=Metadata(author=author), flags=flags or [])
