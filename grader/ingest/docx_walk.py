"""Walking a WordprocessingML body in document order: paragraphs, tables, content controls
(the TOC lives in a `w:sdt`), text boxes, tracked insertions (kept) and deletions (dropped),
page breaks, footnote references, and runs nobody can see (kept apart as hidden passages).

Pages come from Word's own rendering marks (`w:lastRenderedPageBreak`) when the file has them;
otherwise from explicit breaks only, and docx.py estimates the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from grader.ingest.clean import clean, squash
from grader.ingest.docx_styles import VAL, RunProps, Styles, W, hex_colour, on, run_props
from grader.ingest.parts import Deadline, RawBlock

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_WPS_TXBX = "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}txbx"
_V_TEXTBOX = "{urn:schemas-microsoft-com:vml}textbox"

P, R, T, TBL, SDT = f"{W}p", f"{W}r", f"{W}t", f"{W}tbl", f"{W}sdt"
_CONTAINERS = {f"{W}{t}" for t in ("ins", "moveTo", "hyperlink", "smartTag", "customXml",
                                   "fldSimple", "bdo", "dir")}
_DROPPED = {f"{W}{t}" for t in ("del", "moveFrom", "pPr", "rPr")}
_MIN_HALF_POINTS = 4  # 2 pt
_MAX_COLOUR_GAP = 24
WHY_VANISH = "texte masqué (attribut Word « masqué »)"
WHY_TINY = "police de moins de 2 pt"
WHY_COLOUR = "couleur du fond"


@dataclass(slots=True)
class Anchor:
    """Where something sits: the page counter then, and the index of the next body block."""

    page: int
    block: int


@dataclass(slots=True)
class HiddenRun:
    text: str
    reason: str
    at: Anchor


@dataclass
class _Para:
    pieces: list[tuple[int, list[str]]]  # (page, texts): a page break starts a new piece
    boxes: list[etree._Element] = field(default_factory=list)


class Walker:
    def __init__(self, styles: Styles, rendered: bool, deadline: Deadline,
                 page_colour: str = "FFFFFF", live_fields: bool = False) -> None:
        self.styles = styles
        self.rendered = rendered
        self.deadline = deadline
        self.page = 1
        self.blocks: list[RawBlock] = []
        self.hidden: list[HiddenRun] = []
        self.note_refs: list[tuple[str, str, Anchor]] = []  # (kind, id, anchor)
        self.comment_refs: dict[str, Anchor] = {}
        self.section_ends: list[tuple[int, etree._Element]] = []  # (block index, sectPr)
        self._backgrounds: list[str | None] = [page_colour]
        self._para: _Para | None = None
        self._hidden_open: HiddenRun | None = None
        self._count = 0
        self._in_box = 0  # text boxes float: their rendered breaks say nothing of the body's pages
        # Headers and footers show PAGE/NUMPAGES fields whose cached result is stale: emit a
        # placeholder instead, filled in per page by docx.py.
        self._live_fields = live_fields
        self._fields: list[list[str]] = []  # per open field: [instruction, state]

    # -- body level -------------------------------------------------------------------------

    def body(self, container: etree._Element, kind: str = "paragraph") -> None:
        for child in container:
            self._tick()
            if child.tag == P:
                self.paragraph(child, kind)
            elif child.tag == TBL:
                self.table(child)
            elif child.tag == SDT:
                self._sdt(child, kind)
            elif child.tag in _CONTAINERS:
                self.body(child, kind)
            elif child.tag == f"{W}sectPr":
                self.section_ends.append((len(self.blocks), child))

    def _tick(self) -> None:
        self._count += 1
        if self._count % 256 == 0:
            self.deadline.check()

    def _sdt(self, sdt: etree._Element, kind: str) -> None:
        gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
        is_toc = gallery is not None and "contents" in gallery.get(VAL, "").lower()
        content = sdt.find(f"{W}sdtContent")
        if content is not None:
            self.body(content, "toc" if is_toc else kind)

    def paragraph(self, p: etree._Element, kind: str = "paragraph") -> None:
        para, level, kind = self.read_paragraph(p, kind)
        for page, texts in para.pieces:
            text = _tidy("".join(texts))
            if text:
                self.blocks.append(RawBlock(text, page, level, "heading" if level else kind))
        self._boxes(para.boxes)
        self._section_break(p)

    def _section_break(self, p: etree._Element) -> None:
        sect = p.find(f"{W}pPr/{W}sectPr")
        if sect is None:
            return
        self.section_ends.append((len(self.blocks), sect))
        kind = sect.find(f"{W}type")
        if not self.rendered and (kind is None or kind.get(VAL) != "continuous"):
            self.page += 1

    def _boxes(self, boxes: list[etree._Element]) -> None:
        """Text boxes after their anchor paragraph; their fill is unknown, so no colour check."""
        for box in boxes:
            self._backgrounds.append(None)
            self._in_box += 1
            self.body(box, "textbox")
            self._in_box -= 1
            self._backgrounds.pop()

    def table(self, tbl: etree._Element) -> None:
        style = tbl.find(f"{W}tblPr/{W}tblStyle")
        styled = style is not None and self.styles.shaded(style.get(VAL))
        self._backgrounds.append(None if styled else self._backgrounds[-1])
        groups: list[tuple[int, list[str]]] = []
        boxes: list[etree._Element] = []
        for row in tbl.iterfind(f"{W}tr"):
            self._tick()
            cells = [self._cell(tc, boxes) for tc in row.iterfind(f"{W}tc")]
            line = " | ".join(cell for cell in cells)
            if not groups or groups[-1][0] != self.page:
                groups.append((self.page, []))
            if line.strip(" |"):
                groups[-1][1].append(line)
        self._backgrounds.pop()
        for page, rows in groups:
            if rows:
                self.blocks.append(RawBlock("\n".join(rows), page, 0, "table"))
        self._boxes(boxes)

    def _cell(self, tc: etree._Element, boxes: list[etree._Element]) -> str:
        shd = tc.find(f"{W}tcPr/{W}shd")
        fill = hex_colour(shd.get(f"{W}fill")) if shd is not None else None
        self._backgrounds.append(fill or self._backgrounds[-1])
        texts = []
        for child in tc:
            if child.tag == P:
                para, _, _ = self.read_paragraph(child, "paragraph")
                texts += [_tidy("".join(t)) for _, t in para.pieces]
                boxes += para.boxes
            elif child.tag == TBL:  # nested table: flattened into the cell
                texts.append(" ".join(self._flat_table(child, boxes)))
        self._backgrounds.pop()
        return " ".join(t for t in texts if t)

    def _flat_table(self, tbl: etree._Element, boxes: list[etree._Element]) -> list[str]:
        return [" | ".join(self._cell(tc, boxes) for tc in row.iterfind(f"{W}tc"))
                for row in tbl.iterfind(f"{W}tr")]

    # -- paragraph level ----------------------------------------------------------------------

    def read_paragraph(self, p: etree._Element, kind: str) -> tuple[_Para, int, str]:
        ppr = p.find(f"{W}pPr")
        sid, shading = _paragraph_props(ppr)
        if kind == "toc" and self.styles.is_toc_heading(sid):
            kind = "paragraph"  # the table's title ("Sommaire") is a heading on the page
        level = self.styles.heading_level(sid) if kind == "paragraph" else 0
        level = _outline_override(ppr, level) if kind == "paragraph" else 0
        if kind == "paragraph" and self.styles.toc_level(sid):
            kind = "toc"
        elif kind == "paragraph" and (_numbered(ppr) or self.styles.is_list(sid)):
            kind = "list"
        if not self.rendered and ppr is not None and _flag(ppr, "pageBreakBefore"):
            self.page += 1
        self._para = _Para([(self.page, [])])
        self._backgrounds.append(shading or self._backgrounds[-1])
        self._inline(p, sid)
        self._backgrounds.pop()
        self._close_hidden()
        para, self._para = self._para, None
        return para, level, kind

    def _inline(self, el: etree._Element, sid: str | None) -> None:
        for child in el:
            tag = child.tag
            if tag == R:
                self._run(child, sid)
            elif tag in _CONTAINERS:
                self._inline(child, sid)
            elif tag == SDT:
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self._inline(content, sid)
            elif tag == f"{W}commentRangeStart":
                self.comment_refs.setdefault(child.get(f"{W}id", ""), self._anchor())
            elif tag in (f"{_M}oMath", f"{_M}oMathPara"):
                self._emit("".join(t.text or "" for t in child.iter(f"{_M}t")))

    def _run(self, r: etree._Element, sid: str | None) -> None:
        direct, char_sid = run_props(r.find(f"{W}rPr"))
        why = self._why_hidden(direct.over(self.styles.resolve_run(sid, char_sid)))
        for child in r:
            tag = child.tag
            if tag == T:
                self._text(child.text or "", why)
            elif tag in (f"{W}tab", f"{W}ptab"):
                self._text("\t", why)
            elif tag in (f"{W}br", f"{W}cr"):
                self._break(child)
            elif tag == f"{W}noBreakHyphen":
                self._text("-", why)
            elif tag == f"{W}lastRenderedPageBreak" and self.rendered and not self._in_box:
                self._new_page()
            elif tag in (f"{W}footnoteReference", f"{W}endnoteReference"):
                self._note(tag, child.get(f"{W}id", ""))
            elif tag == f"{W}commentReference":
                self.comment_refs.setdefault(child.get(f"{W}id", ""), self._anchor())
            elif tag in (f"{W}drawing", f"{W}pict", f"{_MC}AlternateContent"):
                self._collect_boxes(child)
            elif self._live_fields and tag in (f"{W}fldChar", f"{W}instrText"):
                self._field(child)

    def _why_hidden(self, props: RunProps) -> str | None:
        if props.vanish:
            return WHY_VANISH
        if props.size is not None and props.size < _MIN_HALF_POINTS:
            return WHY_TINY
        colour = hex_colour(props.colour)
        background = props.shading or self._backgrounds[-1]
        if colour and background and _close(colour, background):
            return WHY_COLOUR
        return None

    def _field(self, el: etree._Element) -> None:
        if el.tag == f"{W}instrText":
            if self._fields:
                self._fields[-1][0] += el.text or ""
            return
        kind = el.get(f"{W}fldCharType")
        if kind == "begin":
            self._fields.append(["", "code"])
        elif kind == "separate" and self._fields:
            code = self._fields[-1][0].split()
            name = code[0].upper() if code else ""
            if name in ("PAGE", "NUMPAGES", "SECTIONPAGES"):
                self._emit("{PAGE}" if name == "PAGE" else "{NUMPAGES}")
                self._fields[-1][1] = "skip"
        elif kind == "end" and self._fields:
            self._fields.pop()

    def _text(self, text: str, why: str | None) -> None:
        if self._fields and self._fields[-1][1] == "skip":
            return
        if why is None:
            self._close_hidden()
            self._emit(text)
        elif self._hidden_open is not None and self._hidden_open.reason == why:
            self._hidden_open.text += text
        else:
            self._close_hidden()
            self._hidden_open = HiddenRun(text, why, self._anchor())

    def _close_hidden(self) -> None:
        run, self._hidden_open = self._hidden_open, None
        if run is not None and (text := squash(clean(run.text))):
            self.hidden.append(HiddenRun(text, run.reason, run.at))

    def _emit(self, text: str) -> None:
        if self._para is not None:
            self._para.pieces[-1][1].append(text)

    def _break(self, br: etree._Element) -> None:
        if br.get(f"{W}type") == "page":
            if not self.rendered:
                self._new_page()
        else:
            self._emit("\n")

    def _new_page(self) -> None:
        self.page += 1
        if self._para is not None:
            self._para.pieces.append((self.page, []))

    def _note(self, tag: str, note_id: str) -> None:
        kind = "footnote" if tag == f"{W}footnoteReference" else "endnote"
        self.note_refs.append((kind, note_id, self._anchor()))
        self._emit(f"{len(self.note_refs)}")

    def _collect_boxes(self, el: etree._Element) -> None:
        """Text boxes inside a drawing; `mc:Fallback` repeats the `mc:Choice`, so skip it."""
        stack = [el]
        while stack:
            node = stack.pop()
            if node.tag == f"{_MC}Fallback":
                continue
            if node.tag == f"{W}txbxContent" and self._para is not None:
                self._para.boxes.append(node)
                continue
            stack.extend(reversed(node))

    def _anchor(self) -> Anchor:
        return Anchor(self.page, len(self.blocks))


def _paragraph_props(ppr: etree._Element | None) -> tuple[str | None, str | None]:
    if ppr is None:
        return None, None
    style = ppr.find(f"{W}pStyle")
    shd = ppr.find(f"{W}shd")
    return (style.get(VAL) if style is not None else None,
            hex_colour(shd.get(f"{W}fill")) if shd is not None else None)


def _outline_override(ppr: etree._Element | None, level: int) -> int:
    outline = ppr.find(f"{W}outlineLvl") if ppr is not None else None
    if outline is None:
        return level
    value = outline.get(VAL, "9")
    return min(6, int(value) + 1) if value.isdigit() and int(value) < 9 else 0


def _numbered(ppr: etree._Element | None) -> bool:
    return ppr is not None and ppr.find(f"{W}numPr") is not None


def _flag(ppr: etree._Element, name: str) -> bool:
    el = ppr.find(f"{W}{name}")
    return el is not None and on(el)


def _close(a: str, b: str) -> bool:
    return max(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) for i in (0, 2, 4)) <= _MAX_COLOUR_GAP


def _tidy(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in clean(text).split("\n")).strip()
