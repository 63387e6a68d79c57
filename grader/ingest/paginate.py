"""Page estimate for formats that carry no page geometry (DOCX without rendered breaks, TXT).

The estimate assumes an A4 page of body text in Times 12 pt with 1.15 spacing (about 42 lines
of 88 characters); every page it produces is marked approximate and the document is flagged,
so a jury never mistakes an estimated page number for a real one.
"""

from __future__ import annotations

import math

from grader.ingest.parts import RawBlock

LINES_PER_PAGE = 42
CHARS_PER_LINE = 88
_EXTRA_LINES = {"heading": 2.5, "paragraph": 0.6, "list": 0.2, "table": 1.0, "toc": 0.0}


def block_lines(block: RawBlock) -> float:
    """Lines a block takes on paper, spacing after it included."""
    rows = block.text.split("\n")
    lines = sum(max(1, math.ceil(len(row) / CHARS_PER_LINE)) for row in rows)
    return lines + _EXTRA_LINES.get(block.kind, 0.5)


def estimate_pages(blocks: list[RawBlock]) -> int:
    """Renumber blocks in place; `block.page` holds hard-break segments (1-based) on entry.

    A hard break (explicit page break, section break, form feed) always starts a page; long
    stretches between them are cut every LINES_PER_PAGE lines. Returns the page count.
    """
    page, used, segment = 1, 0.0, 1
    for block in blocks:
        lines = block_lines(block)
        if block.page != segment:
            page += max(1, block.page - segment)
            segment, used = block.page, 0.0
        elif used > 0 and used + lines > LINES_PER_PAGE:
            page, used = page + 1, 0.0
        block.page = page
        used += lines
    return page
