"""`grader review SHEET --juror NAME --decisions FILE.csv`: decisions prepared elsewhere.

The file has a header `criterion,level,comment` (`,` or `;`, as a French spreadsheet saves it),
and a `blind_level` column in a blind cohort. A level is a number or a level's name. Every row is
checked before anything is recorded, and the rows are recorded in one transaction: a bad file
changes nothing, and its first bad line is named.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.csvtext import read_csv_text
from grader.review import state as st
from grader.review.errors import InputError, Message
from grader.review.workflow import Entry
from grader.sheet.models import ScoringSheet
from grader.sheet.render_docx import parse_level

COLUMNS = {"criterion": "criterion", "critere": "criterion", "critère": "criterion",
           "level": "level", "niveau": "level", "comment": "comment",
           "commentaire": "comment", "blind_level": "blind_level",
           "niveau_aveugle": "blind_level"}
"""Accepted headers (English or French) and the field each one fills."""


def read_decisions(path: Path, sheet: ScoringSheet) -> list[Entry]:
    """The entries of a decisions CSV, checked against the sheet's criteria and scale."""
    text = _read(path)
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",")
                        else ",")
    header = [COLUMNS.get(h.strip().lower(), h.strip()) for h in next(reader, [])]
    if "criterion" not in header or "level" not in header:
        raise InputError("review.csv.header", at=f"{path}:1", found=", ".join(header))
    entries: dict[str, Entry] = {}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        entry = _entry(path, reader.line_num, cells, sheet)
        if entry.criterion in entries:
            raise InputError("review.csv.duplicate", at=f"{path}:{reader.line_num}",
                             criterion=entry.criterion)
        entries[entry.criterion] = entry
    if not entries:
        raise InputError("review.csv.empty", at=f"{path}:1")
    return list(entries.values())


def _read(path: Path) -> str:
    try:
        return read_csv_text(path)
    except FileNotFoundError:
        raise InputError("review.csv.not_found", at=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("review.csv.unreadable", at=path, reason=str(exc)) from None


def _entry(path: Path, line: int, cells: dict[str, str], sheet: ScoringSheet) -> Entry:
    where = f"{path}:{line}"
    ident = cells.get("criterion", "")
    try:
        entry = sheet.criterion(ident)
    except KeyError:
        known = ", ".join(e.id for e in sheet.criteria)
        raise InputError("review.error.unknown_criterion", at=where, criterion=ident,
                         known=known) from None
    level = _level(where, cells.get("level", ""), sheet, ident)
    blind_text = cells.get("blind_level", "")
    blind = _level(where, blind_text, sheet, ident) if blind_text else None
    comment = cells.get("comment", "")
    if st.entry_action(entry, level) == "overridden" and not comment:
        raise InputError("review.error.no_comment", at=where, criterion=ident,
                         draft=entry.draft.level if entry.draft else "—", level=level)
    return Entry(ident, level, comment, blind)


def _level(where: str, text: str, sheet: ScoringSheet, ident: str) -> int:
    level = parse_level(text, sheet.scale.items())
    if level is None:
        if not text:
            raise InputError("review.docx.missing", at=where, criteria=ident)
        raise InputError("review.docx.unreadable", at=where,
                         criteria=Message("review.docx.quoted", {"criterion": ident, "text": text}))
    if level not in sheet.scale:
        raise InputError("review.error.off_scale", at=where, level=level, low=min(sheet.scale),
                         high=max(sheet.scale))
    return level


__all__ = ["COLUMNS", "read_decisions"]
