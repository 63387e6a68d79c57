"""Ingest: faithful text, pages and warnings out of PDF, DOCX, TXT and Markdown deliverables.

    from grader.ingest import read
    doc = read("memoire.pdf", length=(40, 50))
    doc.pages[0].text, doc.sections, doc.words, doc.language, doc.flags
"""

from grader.ingest.document import Block, Document, Flag, Limits, Metadata, Page, Section
from grader.ingest.errors import IngestError
from grader.ingest.reader import read

__all__ = [
    "Block", "Document", "Flag", "IngestError", "Limits", "Metadata", "Page", "Section", "read",
]
