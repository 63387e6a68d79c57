"""`grader review --from-docx FILLED.docx --juror NAME`: the Word sheet a juror filled in.

The "Décision du jury" and "Commentaire" cells are read back with the sheet's anchors
(`grader.sheet.render_docx.read_docx_decisions`), then checked as a whole: every problem of the
file is listed in one message (missing level, unreadable level, level off the scale, override
without comment), and nothing is recorded until the file is clean.
"""

from __future__ import annotations

from pathlib import Path

from grader.review import state as st
from grader.review.errors import InputError, Message
from grader.review.workflow import Entry
from grader.sheet.models import ScoringSheet
from grader.sheet.render_docx import DocxDecision, read_docx_decisions


def read_anchor_sha(path: Path) -> tuple[str, str]:
    """The document hash and deliverable a filled sheet was rendered for."""
    anchor = read_docx_decisions(path).anchor
    return anchor.sha256, anchor.deliverable


def docx_entries(path: Path, sheet: ScoringSheet, already: set[str]) -> list[Entry]:
    """The juror's decisions in the DOCX; a blank row is allowed only for a criterion the juror
    already decided (in the terminal or from a CSV)."""
    read = read_docx_decisions(path, sheet=sheet)
    if (read.anchor.deliverable, read.anchor.rubric_version) != (sheet.deliverable,
                                                                   sheet.rubric_version):
        raise InputError("review.docx.other_grid", at=path, found=read.anchor.deliverable,
                         expected=sheet.deliverable)
    problems: dict[str, list[str | Message]] = {}
    entries = []
    for entry in sheet.criteria:
        got = read.decisions.get(entry.id)
        kind = _problem(entry.id, got, sheet, already)
        if kind:
            problems.setdefault(kind, []).append(
                entry.id if kind != "unreadable" or got is None
                else Message("review.docx.quoted", {"criterion": entry.id,
                                                    "text": got.level_text}))
        elif got is not None and got.level is not None:
            entries.append(Entry(entry.id, got.level, got.comment))
    if problems:
        raise InputError.several(
            (Message(f"review.docx.{kind}", {"criteria": ids, "low": min(sheet.scale),
                                             "high": max(sheet.scale)})
             for kind, ids in problems.items()), at=path)
    if not entries:
        raise InputError("review.docx.empty", at=path)
    return entries


def _problem(ident: str, got: DocxDecision | None, sheet: ScoringSheet,
             already: set[str]) -> str | None:
    if got is None or got.level is None:
        if got is not None and got.level_text:
            return "unreadable"
        return None if ident in already else "missing"
    if got.level not in sheet.scale:
        return "off_scale"
    if st.entry_action(sheet.criterion(ident), got.level) == "overridden" and not got.comment:
        return "no_comment"
    return None


__all__ = ["docx_entries", "read_anchor_sha"]
