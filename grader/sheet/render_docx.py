"""The scoring sheet as a Word document the jury can print or fill in, and reading it back.

Anchors for the read-back (`grader review --from-docx`): the sheet's identity is stored as
`grader-sheet:v1:<schema_version>:<sha256>:<deliverable>:<rubric_version>` in the document's
`identifier` property and, in case a tool drops the properties, in the footer; the `comments`
property holds the criterion ids and the scale as JSON. Each criterion row ends its first cell
with `[criterion-id]` in small grey type, so a row maps back to its criterion.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

from grader.evidence.text import fold
from grader.i18n import Lang, t
from grader.rubric.models import Rubric
from grader.sheet.models import CriterionDraft, CriterionEntry, ScoringSheet
from grader.sheet.render_md import SheetText, by_group, clip, find_rubric, page_list
from grader.sheet.store import ANCHOR_PREFIX, SheetAnchor, SheetError, pin_zip_dates, sheet_anchor

ROW_ANCHOR = re.compile(r"\[([a-z0-9][a-z0-9-]*)\]\s*$")
COLUMNS = (("criterion", 3.9), ("level", 4.4), ("justification", 9.4), ("confidence", 2.5),
           ("decision", 2.4), ("comment", 4.1))
"""Column keys and widths in cm (landscape A4 less 1.5 cm margins: 26.7 cm)."""
DECISION, COMMENT = 4, 5
PROP_MAX = 255
"""Longest text a core document property may hold."""
ROW_HEIGHT = Cm(2.2)
"""Room to write a decision and a comment by hand on the printed sheet."""
GREY, WARN = RGBColor(0x6E, 0x6E, 0x6E), RGBColor(0xB0, 0x3A, 0x00)
FLAG_FILL, HEAD_FILL, GROUP_FILL = "FCE9D9", "D9E2F3", "EEF2F8"


# --- rendering -------------------------------------------------------------------------------

def render_docx(sheet: ScoringSheet, lang: Lang = "fr", rubric: Rubric | None = None) -> bytes:
    """The jury's sheet as DOCX bytes: flags first, one table of criteria, note, signature."""
    text = SheetText.of(sheet, lang, rubric)
    document = _new_document(lang)
    _properties(document, text)
    _footer(document, text)
    document.add_heading(t("sheet.title", lang), level=1)
    _key_values(document, text)
    _para(document, t("sheet.notice", lang), italic=True, size=8.5)
    _flags_box(document, text)
    _para(document, f"{t('sheet.scale', lang)}{text.colon} {text.scale()}", bold=True)
    _criteria_table(document, text)
    _note(document, text)
    _para(document, t("sheet.signature_line", lang), size=10).paragraph_format.space_before = Pt(18)
    buffer = io.BytesIO()
    document.save(buffer)
    # Same sheet, same bytes: the zip entries carry the sheet's date, not the clock's.
    return pin_zip_dates(buffer.getvalue(), sheet.created.timetuple()[:6])


def _new_document(lang: Lang) -> DocxDocument:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(9.5)
    normal.paragraph_format.space_after = Pt(2)
    lang_tag = OxmlElement("w:lang")
    lang_tag.set(qn("w:val"), "fr-FR" if lang == "fr" else "en-GB")
    normal.element.get_or_add_rPr().append(lang_tag)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    return document


def _properties(document: DocxDocument, text: SheetText) -> None:
    sheet, props = text.sheet, document.core_properties
    who = sheet.submission.candidate or sheet.submission.file
    props.title = f"{t('sheet.title', text.lang)} — {who}"[:PROP_MAX]
    props.subject = text.title()[:PROP_MAX]
    props.identifier = sheet_anchor(sheet)
    props.keywords = "grader-sheet"
    scale = json.dumps({"grader_sheet": "v1", "scale": {str(k): v for k, v in sheet.scale.items()}},
                       ensure_ascii=False, separators=(",", ":"))
    props.comments = scale if len(scale) <= PROP_MAX else ""
    props.author = props.last_modified_by = "grader"
    props.created = props.modified = sheet.created.replace(tzinfo=None)
    props.language = "fr-FR" if text.lang == "fr" else "en-GB"


def _footer(document: DocxDocument, text: SheetText) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    _run(footer, f"{text.sheet.submission.file} — {text.title()}    ", size=7, color=GREY)
    _run(footer, sheet_anchor(text.sheet), size=5, color=GREY)


def _key_values(document: DocxDocument, text: SheetText) -> None:
    rows = text.header_rows()
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    _widths(table, [4.5, 22.2])
    for row, (key, value) in zip(table.rows, rows, strict=True):
        _cell_text(row.cells[0], key, bold=True)
        _cell_text(row.cells[1], value)
        _shade(row.cells[0], HEAD_FILL)


def _flags_box(document: DocxDocument, text: SheetText) -> None:
    lang = text.lang
    cell = _single_cell(document, FLAG_FILL if text.sheet.flags else GROUP_FILL)
    _cell_text(cell, t("sheet.flags.title", lang), bold=True, size=11)
    if not text.sheet.flags:
        _run(cell.add_paragraph(), t("sheet.flags.none", lang))
    for flag in text.sheet.flags:
        para = cell.add_paragraph()
        pages = f" ({text.pages(flag.pages)})" if flag.pages else ""
        _run(para, f"{text.flag_title(flag)}{pages}{text.colon} ", bold=True, color=WARN)
        _run(para, flag.message)
        for passage in flag.passages[:5]:
            quoted = cell.add_paragraph()
            quoted.paragraph_format.left_indent = Cm(0.6)
            _run(quoted, text.quote(clip(passage)), italic=True, size=8.5)
        if len(flag.passages) > 5:
            _run(cell.add_paragraph(), t("sheet.flags.more", lang, n=len(flag.passages) - 5),
                 size=8.5)
    document.add_paragraph()


def _criteria_table(document: DocxDocument, text: SheetText) -> None:
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    _widths(table, [w for _, w in COLUMNS])
    head = table.rows[0]
    _row_flag(head, "w:tblHeader")
    for cell, (key, _) in zip(head.cells, COLUMNS, strict=True):
        _cell_text(cell, t(f"sheet.col.{key}", text.lang), bold=True)
        _shade(cell, HEAD_FILL)
    hint = t("sheet.col.decision_hint", text.lang, low=min(text.sheet.scale),
             high=max(text.sheet.scale))
    _run(head.cells[DECISION].add_paragraph(), hint, size=7, color=GREY)
    for group, entries in by_group(text.sheet):
        if group:
            _group_row(table, text.group_label(entries[0]) or group)
        for entry in entries:
            _criterion_row(table, text, entry)


def _group_row(table: Table, label: str) -> None:
    row = table.add_row()
    cell = row.cells[0].merge(row.cells[-1])
    _cell_text(cell, label, bold=True)
    cell.paragraphs[0].paragraph_format.keep_with_next = True
    _shade(cell, GROUP_FILL)
    _row_flag(row, "w:cantSplit")


def _criterion_row(table: Table, text: SheetText, entry: CriterionEntry) -> None:
    row = table.add_row()
    row.height, row.height_rule = ROW_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = row.cells
    _cell_text(cells[0], text.label(entry), bold=True)
    if entry.group:
        _run(cells[0].add_paragraph(), text.group_label(entry) or "", size=7.5, color=GREY)
    if entry.mode == "jury_only":
        _run(cells[0].add_paragraph(), t("sheet.mode.jury_only", text.lang), size=7.5,
             italic=True, color=GREY)
    _run(cells[0].add_paragraph(), f"[{entry.id}]", size=6, color=GREY)
    _level_cell(cells[1], text, entry)
    _evidence_cell(cells[2], text, entry.draft)
    _cell_text(cells[3], text.confidence(entry.draft), size=8.5)
    if entry.decision is not None:
        _cell_text(cells[DECISION], str(entry.decision.level), bold=True)
        _cell_text(cells[COMMENT], entry.decision.comment)


def _level_cell(cell: _Cell, text: SheetText, entry: CriterionEntry) -> None:
    draft = entry.draft
    _cell_text(cell, text.status(entry), bold=True,
               color=None if draft is not None and draft.level is not None else WARN)
    if draft is not None and draft.level is not None:
        descriptor = text.descriptor(entry, draft.level)
        if descriptor:
            _run(cell.add_paragraph(), descriptor, size=7.5, italic=True, color=GREY)
    elif draft is not None:
        reason = draft.unscored_reason or t("sheet.unknown", text.lang)
        _run(cell.add_paragraph(), t("sheet.unscored_reason", text.lang, reason=reason), size=8)


def _evidence_cell(cell: _Cell, text: SheetText, draft: CriterionDraft | None) -> None:
    lang = text.lang
    if draft is None:
        _cell_text(cell, "—", color=GREY)
        return
    _cell_text(cell, draft.justification or "—")
    if draft.level is not None:
        _run(cell.add_paragraph(), t("sheet.quotes", lang) + text.colon, bold=True, size=8)
        if not draft.evidence:
            _run(cell.add_paragraph(), t("sheet.no_quote", lang), size=8, color=WARN)
    for ev in draft.evidence:
        para = cell.add_paragraph()
        _run(para, text.quote(ev.quote), italic=True, size=8.5)
        _run(para, f" ({text.pages([ev.page])})" if ev.page is not None else "", size=8.5)
        if not ev.verified:
            _run(para, f" {t('sheet.unverified', lang)}", bold=True, size=8, color=WARN)
    details = [f"{t('sheet.pages_read', lang)}{text.colon} {page_list(draft.pages_read) or '—'}"]
    details += [f"⚑ {w}" for w in text.criterion_flags(draft)]
    for line in details:
        _run(cell.add_paragraph(), line, size=7.5, color=WARN if line[0] == "⚑" else GREY)


def _note(document: DocxDocument, text: SheetText) -> None:
    sheet, lang = text.sheet, text.lang
    document.add_paragraph()
    if sheet.indicative_note is not None:
        first = t("sheet.note.indicative", lang, note=text.number(sheet.indicative_note, 2))
    else:
        missing = ", ".join(text.quote(m) for m in text.missing_for_note()) or "—"
        first = t("sheet.note.incomplete", lang, criteria=missing)
    _para(document, first, bold=True)
    if sheet.draft_note is not None and sheet.draft_note != sheet.indicative_note:
        _para(document, t("sheet.note.draft", lang, note=text.number(sheet.draft_note, 2)))


# --- python-docx helpers ---------------------------------------------------------------------

def _run(paragraph: Any, value: str, *, bold: bool = False, italic: bool = False,
         size: float | None = None, color: RGBColor | None = None) -> Any:
    run = paragraph.add_run(value)
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(document: DocxDocument, value: str, **style: Any) -> Any:
    paragraph = document.add_paragraph()
    _run(paragraph, value, **style)
    return paragraph


def _cell_text(cell: _Cell, value: str, **style: Any) -> None:
    """Write into the cell's first (empty) paragraph."""
    _run(cell.paragraphs[0], value, **style)


def _single_cell(document: DocxDocument, fill: str) -> _Cell:
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    _widths(table, [26.7])
    cell = table.rows[0].cells[0]
    _shade(cell, fill)
    return cell


def _widths(table: Table, widths_cm: list[float]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


def _row_flag(row: Any, tag: str) -> None:
    """`w:tblHeader` repeats the row on each page; `w:cantSplit` keeps a row on one page
    (group rows only: a criterion's long justification may run onto the next page)."""
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


# --- reading a filled sheet back -------------------------------------------------------------

@dataclass(frozen=True)
class DocxDecision:
    criterion: str
    level: int | None
    """The level written (a number or a level's name); None if blank or unreadable."""
    level_text: str
    comment: str


@dataclass(frozen=True)
class DocxDecisions:
    source: Path
    anchor: SheetAnchor
    decisions: dict[str, DocxDecision]
    """Per criterion id, in the table's order."""


def read_docx_decisions(path: Path | str, sheet: ScoringSheet | None = None) -> DocxDecisions:
    """The decision and comment cells of a sheet filled in Word, per criterion id.

    Raises `SheetError` when the file is not a grader sheet, has lost its criteria table, names
    an unknown criterion, or (given `sheet`) was rendered for another submission.
    """
    source = Path(path)
    document = _open(source)
    anchor, known, labels = _identity(document, source, sheet)
    decisions: dict[str, DocxDecision] = {}
    for ident, cells in _anchored_rows(document, source):
        if known and ident not in known:
            raise SheetError(source, t("sheet.error.unknown_criterion", criterion=ident,
                                       known=", ".join(known)))
        if ident in decisions:
            raise SheetError(source, t("sheet.error.duplicate_criterion", criterion=ident))
        level_text, comment = _cell_value(cells[DECISION]), _cell_value(cells[COMMENT])
        decisions[ident] = DocxDecision(ident, parse_level(level_text, labels), level_text, comment)
    return DocxDecisions(source, anchor, decisions)


def _open(source: Path) -> DocxDocument:
    if not source.is_file():
        raise SheetError(source, t("sheet.error.not_found"))
    try:
        return docx.Document(str(source))
    except Exception:  # python-docx raises zip, XML and package errors alike
        raise SheetError(source, t("sheet.error.not_docx")) from None


def _identity(document: DocxDocument, source: Path, sheet: ScoringSheet | None
              ) -> tuple[SheetAnchor, list[str], list[tuple[int, str]]]:
    """The anchor (properties, else footer), the criterion ids and the level names, taken from
    the sheet, else from the grid if unchanged, else (names only) from the properties."""
    footers = [p.text for s in document.sections for p in s.footer.paragraphs]
    anchors = [SheetAnchor.parse(v) for v in [document.core_properties.identifier, *footers]]
    anchor = next((a for a in anchors if a is not None), None)
    if anchor is None:
        raise SheetError(source, t("sheet.error.no_anchor"))
    if sheet is not None and sheet.submission.sha256 != anchor.sha256:
        raise SheetError(source, t("sheet.error.other_submission", found=anchor.sha256[:12],
                                   expected=sheet.submission.sha256[:12]))
    rubric = find_rubric(anchor.deliverable, anchor.rubric_version)
    labels = [(lv.value, getattr(lv.label, lang)) for lv in rubric.scale.levels
              for lang in ("fr", "en")] if rubric else []
    if sheet is not None:
        return anchor, [e.id for e in sheet.criteria], [*sheet.scale.items(), *labels]
    if rubric is not None:
        return anchor, [c.id for c in rubric.criteria], labels
    try:  # the grid changed since: ids go unchecked, level names come from the properties
        data = json.loads(document.core_properties.comments or "")
        return anchor, [], [(int(k), v) for k, v in data["scale"].items()]
    except (ValueError, KeyError, TypeError, AttributeError):
        return anchor, [], []


def _anchored_rows(document: DocxDocument, source: Path) -> list[tuple[str, list[_Cell]]]:
    for table in document.tables:
        rows = []
        for row in table.rows:
            cells = list(row.cells)
            found = ROW_ANCHOR.search(cells[0].text.strip()) if cells else None
            if found and len(cells) == len(COLUMNS):
                rows.append((found.group(1), cells))
        if rows:
            return rows
    raise SheetError(source, t("sheet.error.no_table"))


def _cell_value(cell: _Cell) -> str:
    lines = [p.text.strip() for p in cell.paragraphs]
    return "\n".join(line for line in lines if line)


def parse_level(value: str, labels: Iterable[tuple[int, str]]) -> int | None:
    """`2`, `Niveau 2`, `2 — Satisfaisant` or `satisfaisant` → 2; blank or unreadable → None."""
    folded = fold(value).strip(" _.-")
    if not folded:
        return None
    number = re.match(r"^(?:niveau|level|niv\.?)?\s*(\d{1,2})(?!\d|[.,]\d)", folded)
    if number:
        return int(number.group(1))
    for level, label in sorted(labels, key=lambda kv: -len(kv[1])):
        if label and folded.startswith(fold(label)):
            return level
    return None


__all__ = ["ANCHOR_PREFIX", "DocxDecision", "DocxDecisions", "SheetAnchor", "parse_level",
           "read_docx_decisions", "render_docx", "sheet_anchor"]
