"""From positioned PDF lines to what a reader sees: running headers and footers set apart,
paragraphs reflowed, headings, list items, table-of-contents entries and footnotes marked.

Pure Python over the dataclasses of pdf.py, so it runs outside the PDFium lock and can be tested
without a PDF. Thresholds are relative to the document itself (its body font size and usual line
spacing), because theses come from Word, LibreOffice and LaTeX with different settings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from grader.ingest.clean import join_lines
from grader.ingest.parts import Deadline, Extraction, RawBlock
from grader.ingest.pdf import Line, RawPage, RawPdf

_TOP_ZONE, _BOTTOM_ZONE = 0.90, 0.10  # share of the page height where running lines live
_FOOTNOTE_ZONE = 0.40
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|sur|of|de)\s*\d{1,4})?$", re.I)
_FOOTNOTE_START = re.compile(
    r"^(?:\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\*{1,3}|†)(?:(?:\s|\.\s|\)\s)?\S|$)")
_TOC_ENTRY = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|…+\s*\d{1,4}$")
_BULLET = re.compile(r"^[•▪◦‣●○■□–—\-*·]\s+")
_NUMBERED = re.compile(r"^(?:(\d{1,2}(?:\.\d{1,2}){0,5})[.)]?|([IVX]{1,5})[.)])\s+\S")
_SENTENCE_END = (".", "!", "?", ":", "»", ";")


@dataclass(slots=True)
class _Style:
    body_size: float
    leading: float


def build_extraction(raw: RawPdf, deadline: Deadline) -> Extraction:
    style = _document_style(raw.pages)
    running = _running_keys(raw.pages)
    out = Extraction(page_count=len(raw.pages), blocks=[], outline=raw.outline,
                     encrypted=raw.encrypted, title=raw.title, author=raw.author)
    sizes: dict[int, float] = {}
    for page in raw.pages:
        deadline.check()
        header, body, footer = _split_running(page, running)
        out.headers[page.number] = " ".join(line.text for line in header)
        out.footers[page.number] = " ".join(line.text for line in footer)
        body, notes = _split_footnotes(page, body, style)
        out.blocks += _blocks(page.number, body, style, sizes)
        out.blocks += _footnote_blocks(page.number, notes)
        out.hidden += page.hidden
        if page.scanned:
            out.scanned_pages.append(page.number)
    _demote_cover(out.blocks, sizes)
    _assign_heading_levels(out.blocks, sizes)
    return out


def _demote_cover(blocks: list[RawBlock], sizes: dict[int, float]) -> None:
    """A cover page sets subtitle, author and school large too; only its largest line is a
    heading (the title), or the section tree would open on « Jeanne Dupré »."""
    cover = [b for b in blocks if b.page == 1 and b.kind == "heading"]
    if len(cover) < 2 or blocks[-1].page < 4:
        return
    title = max(cover, key=lambda b: sizes[id(b)])
    for block in cover:
        if block is not title and not _numbering_depth(block.text):
            block.kind = "paragraph"


def _document_style(pages: list[RawPage]) -> _Style:
    sizes: Counter[float] = Counter()
    gaps: Counter[float] = Counter()
    for page in pages:
        for prev, line in zip([None, *page.lines], page.lines, strict=False):
            sizes[round(line.size * 2) / 2] += len(line.text)
            if prev is not None and abs(prev.size - line.size) < 0.5:
                gap = round(prev.bottom - line.top, 1)
                if 0 < gap < 3 * line.size:
                    gaps[gap] += 1
    body = sizes.most_common(1)[0][0] if sizes else 11.0
    leading = gaps.most_common(1)[0][0] if gaps else body * 1.2
    return _Style(body_size=body or 11.0, leading=max(leading, body * 0.8))


def _zone(page: RawPage, line: Line) -> str | None:
    if line.top >= page.height * _TOP_ZONE:
        return "top"
    if line.bottom <= page.height * _BOTTOM_ZONE:
        return "bottom"
    return None


def _key(line: Line) -> str:
    return " ".join(re.sub(r"\d+", "#", line.text.lower()).split())


def _marginal(page: RawPage) -> list[tuple[str, Line]]:
    """The three highest and three lowest lines, when they sit in the page margins."""
    ordered = sorted(page.lines, key=lambda line: -line.top)
    picks = ordered[:3] + ordered[3:][-3:]
    return [(zone, line) for line in picks if (zone := _zone(page, line))]


def _running_keys(pages: list[RawPage]) -> set[tuple[str, str]]:
    """Margin lines repeated on several pages: identical, or differing only by a folio that
    follows the page number (`Page 3 / 50`). Repeated footnotes (`1 Source …`) do not qualify."""
    seen: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for page in pages:
        for zone, line in _marginal(page):
            seen.setdefault((zone, _key(line)), []).append((page.number, line.text))
    need = max(2, min(3, len(pages) // 2))
    return {key for key, hits in seen.items()
            if len({page for page, _ in hits}) >= need and _is_running(hits)}


def _is_running(hits: list[tuple[int, str]]) -> bool:
    numbers = [(page, [int(n) for n in re.findall(r"\d+", text)[:6]]) for page, text in hits]
    if len({tuple(nums) for _, nums in numbers}) == 1:
        return True
    columns = list(zip(*[nums for _, nums in numbers], strict=False))
    pages = [page for page, _ in numbers]
    tracking = [len({n - p for n, p in zip(col, pages, strict=False)}) == 1 for col in columns]
    constant = [len(set(col)) == 1 for col in columns]
    return any(tracking) and all(t or c for t, c in zip(tracking, constant, strict=True))


def _split_running(page: RawPage, running: set[tuple[str, str]]
                   ) -> tuple[list[Line], list[Line], list[Line]]:
    header: list[Line] = []
    footer: list[Line] = []
    moved: set[int] = set()
    # A bare number is a folio only as the very first or last line of the page (a footnote
    # marker set on its own line sits above the footer).
    outermost = {id(max(page.lines, key=lambda line: line.top)),
                 id(min(page.lines, key=lambda line: line.bottom))} if page.lines else set()
    for zone, line in _marginal(page):
        folio = id(line) in outermost and _PAGE_NUMBER.match(line.text.strip())
        if (zone, _key(line)) in running or folio:
            (header if zone == "top" else footer).append(line)
            moved.add(id(line))
    header.sort(key=lambda line: -line.top)
    footer.sort(key=lambda line: -line.top)
    return header, [line for line in page.lines if id(line) not in moved], footer


def _split_footnotes(page: RawPage, body: list[Line], style: _Style
                     ) -> tuple[list[Line], list[Line]]:
    """Footnotes: the lines under a separator rule in the lower part of the page when the
    first of them starts with a note marker; without a rule, small-print lines at the foot of
    the body, the first starting with a marker."""
    for rule in sorted((y for y in page.rules if y < page.height * _FOOTNOTE_ZONE), reverse=True):
        below = sorted((line for line in body if line.top < rule), key=lambda line: -line.top)
        if below and _FOOTNOTE_START.match(below[0].text):
            ids = set(map(id, below))
            return [line for line in body if id(line) not in ids], below
    small = []
    for line in sorted(body, key=lambda line: line.bottom):
        if line.size > style.body_size * 0.9 or line.top > page.height * _FOOTNOTE_ZONE:
            break
        small.append(line)
    small.reverse()  # top to bottom
    first = next((i for i, line in enumerate(small) if _FOOTNOTE_START.match(line.text)), None)
    if first is None:
        return body, []
    notes = small[first:]
    ids = set(map(id, notes))
    return [line for line in body if id(line) not in ids], notes


def _footnote_blocks(page: int, notes: list[Line]) -> list[RawBlock]:
    groups: list[list[str]] = []
    for line in notes:
        if _FOOTNOTE_START.match(line.text) or not groups:
            groups.append([line.text])
        else:
            groups[-1].append(line.text)
    return [RawBlock(join_lines(lines), page, 0, "footnote") for lines in groups]


def _blocks(page: int, lines: list[Line], style: _Style, sizes: dict[int, float]
            ) -> list[RawBlock]:
    groups: list[list[Line]] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if prev is None or _breaks(prev, line, style):
            groups.append([line])
        else:
            groups[-1].append(line)
    blocks = []
    for group in groups:
        block = _block(page, group, style)
        sizes[id(block)] = round(max(line.size for line in group))
        blocks.append(block)
    return blocks


def _is_toc(text: str) -> bool:
    return text[-1:].isdigit() and _TOC_ENTRY.search(text) is not None


def _breaks(prev: Line, line: Line, style: _Style) -> bool:
    gap = prev.bottom - line.top
    if _is_toc(prev.text) or _is_toc(line.text) or _BULLET.match(line.text):
        return True
    if abs(prev.size - line.size) > 0.1 * max(prev.size, line.size) or prev.bold != line.bold:
        return True
    if gap <= 0 or gap > style.leading * 1.3:
        return True
    return line.x > prev.x + 8 and prev.text.rstrip().endswith(_SENTENCE_END)


def _block(page: int, group: list[Line], style: _Style) -> RawBlock:
    text = join_lines([line.text for line in group])
    if _is_toc(text):
        return RawBlock(text, page, 0, "toc")
    if _BULLET.match(text):
        return RawBlock(_BULLET.sub("", text, count=1), page, 0, "list")
    if _is_heading(text, group, style):
        # level 0 for now: levels need every heading of the document (size ranks)
        return RawBlock(text, page, 0, "heading")
    return RawBlock(text, page)


def _is_heading(text: str, group: list[Line], style: _Style) -> bool:
    if len(group) > 3 or len(text) > 200 or not text[0].isupper() and not text[0].isdigit():
        return False
    size = max(line.size for line in group)
    if size >= style.body_size * 1.15:
        return True
    # Bold at body size is a low-level heading; smaller bold text is a table header or a caption.
    bold = all(line.bold for line in group) and size >= style.body_size * 0.97
    return bold and len(text) <= 120 and not text.endswith((".", ",", ";"))


def _assign_heading_levels(blocks: list[RawBlock], sizes: dict[int, float]) -> None:
    """Numbering depth when a heading is numbered (1.2 -> 2); otherwise the depth numbered
    headings of the same size have, else the rank of its size among heading sizes."""
    headings = [b for b in blocks if b.kind == "heading"]
    numbered: dict[float, int] = {}
    for block in headings:
        block.level = _numbering_depth(block.text) or 0
        size = sizes[id(block)]
        if block.level:
            numbered[size] = min(numbered.get(size, 9), block.level)
    ranks = sorted({sizes[id(b)] for b in headings}, reverse=True)
    for block in headings:
        size = sizes[id(block)]
        block.level = min(6, block.level or numbered.get(size) or ranks.index(size) + 1)


def _numbering_depth(text: str) -> int | None:
    match = _NUMBERED.match(text)
    if not match:
        return None
    return match.group(1).count(".") + 1 if match.group(1) else 1
