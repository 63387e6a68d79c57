"""Plain text and Markdown: decoded whatever the encoding, split into blocks, pages estimated.

A text file has no pages; form feeds are honoured as page breaks, otherwise pages are estimated
(and flagged approximate) so that page-based rules and quotes still have a number to refer to.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from grader.ingest.clean import clean, join_lines
from grader.ingest.paginate import estimate_pages
from grader.ingest.parts import Deadline, Extraction, RawBlock

_BOM_CODECS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def decode(data: bytes) -> str:
    """UTF-8 when it is, the BOM's codec when there is one, else the detected charset."""
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode(_detect(data[:1_000_000]), errors="replace")


_WESTERN = {"cp1252", "latin_1", "iso8859_15", "mac_roman"}


def _detect(sample: bytes) -> str:
    """The detector's best guess, except that on a tie the Western codecs win: short French
    texts decode equally well as Czech cp1250, but a French jury's files come from Windows."""
    results = from_bytes(sample)
    best = results.best()
    if best is None:
        return "cp1252"
    for match in results:
        if match.chaos <= best.chaos + 0.01 and _WESTERN & set(match.could_be_from_charset):
            return next(c for c in match.could_be_from_charset if c in _WESTERN)
    return str(best.encoding)


def read_text(data: bytes, markdown: bool, deadline: Deadline) -> Extraction:
    text = clean(decode(data))
    segments = text.split("\f")
    exact = len(segments) > 1
    blocks: list[RawBlock] = []
    for number, segment in enumerate(segments, start=1):
        deadline.check()
        parse = _markdown_blocks if markdown else _text_blocks
        blocks += [RawBlock(b.text, number, b.level, b.kind) for b in parse(segment, deadline)]
    count = len(segments) if exact else estimate_pages(blocks)
    return Extraction(page_count=max(1, count), blocks=blocks, approximate=not exact)


def _paragraphs(text: str) -> list[list[str]]:
    return [p.split("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def _text_blocks(text: str, deadline: Deadline) -> list[RawBlock]:
    blocks = []
    for lines in _paragraphs(text):
        deadline.check()  # a file without form feeds is one segment: check within it too
        blocks.append(RawBlock(join_lines(lines, deadline), 1))
    return blocks


def _markdown_blocks(text: str, deadline: Deadline) -> list[RawBlock]:
    blocks: list[RawBlock] = []
    for lines in _paragraphs(_strip_inline(text)):
        deadline.check()
        blocks += _md_paragraph(lines, deadline)
    return [b for b in blocks if b.text]


def _md_paragraph(lines: list[str], deadline: Deadline) -> list[RawBlock]:
    if lines[0].lstrip().startswith("|"):
        rows = [_table_row(line) for line in lines if not _TABLE_RULE.match(line)]
        return [RawBlock("\n".join(rows), 1, kind="table")]
    if lines[0].startswith("```"):
        return [RawBlock("\n".join(x for x in lines if not x.startswith("```")), 1)]
    out: list[RawBlock] = []
    body: list[str] = []
    for line in lines:
        heading = _ATX.match(line)
        if heading or _LIST_ITEM.match(line) or (body and _SETEXT.match(line)):
            out += _flush(body, line, heading, deadline)
            body = []
        else:
            body.append(line)
    return out + _flush(body, None, None, deadline)


def _flush(body: list[str], line: str | None, heading: re.Match[str] | None,
           deadline: Deadline) -> list[RawBlock]:
    """Close the running paragraph on a heading, a list item or a setext underline."""
    out: list[RawBlock] = []
    if line is not None and _SETEXT.match(line) and body:
        level = 1 if line.strip().startswith("=") else 2
        title = body.pop()
        if body:
            out.append(RawBlock(join_lines(body, deadline), 1))
        return [*out, RawBlock(title.strip(), 1, level, "heading")]
    if body:
        out.append(RawBlock(join_lines(body, deadline), 1))
    if heading is not None:
        out.append(RawBlock(heading.group(2), 1, len(heading.group(1)), "heading"))
    elif line is not None:
        out.append(RawBlock(_LIST_ITEM.sub("", line, count=1).strip(), 1, kind="list"))
    return out


def _table_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return " | ".join(cells)


def _strip_inline(text: str) -> str:
    """Markup a reader does not see: emphasis marks, link targets, image sources."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub("", text)
