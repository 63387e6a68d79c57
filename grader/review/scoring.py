"""The épreuve note of a locked sheet, from the jurors' final levels and the policy's rule."""

from __future__ import annotations

from dataclasses import dataclass

from grader.i18n import t
from grader.review.policy import Policy
from grader.rubric.note import MissingLevels, epreuve_note
from grader.sheet.models import ScoringSheet
from grader.sheet.render_md import matching_rubric


@dataclass(frozen=True)
class SheetNote:
    note: float | None
    """Note /20 that the épreuve takes; None when it cannot be computed (see `problem`)."""
    by_juror: dict[str, float]
    problem: str | None = None


def combine(levels: dict[str, dict[str, int]], rule: str) -> dict[str, dict[str, int]]:
    """Under `lower`/`higher` every juror takes the lower/higher of the levels on a criterion;
    under `mean_of_notes` each juror keeps their own."""
    if rule == "mean_of_notes" or len(levels) < 2:
        return levels
    pick = min if rule == "lower" else max
    criteria = set.intersection(*(set(own) for own in levels.values()))
    chosen = {c: pick(own[c] for own in levels.values()) for c in criteria}
    return {j: dict(chosen) for j in levels}


def sheet_note(sheet: ScoringSheet, levels: dict[str, dict[str, int]], policy: Policy
               ) -> SheetNote:
    """The mean of the jurors' notes, each computed on the grid the sheet was drafted with.

    The note is computed only with that very grid version: if the grid changed since, the
    sheet still locks, but the note is left for the certifier to settle (never guessed).
    """
    rubric = matching_rubric(sheet, None)
    if rubric is None:
        return SheetNote(None, {}, t("review.note.grid_changed", deliverable=sheet.deliverable,
                                     version=sheet.rubric_version))
    try:
        per_juror = {j: epreuve_note(rubric, own)
                     for j, own in combine(levels, policy.final_rule).items()}
    except MissingLevels as exc:
        return SheetNote(None, {}, t("review.note.missing", criteria=", ".join(exc.missing)))
    if not per_juror:
        return SheetNote(None, {}, t("review.note.missing", criteria="—"))
    return SheetNote(round(sum(per_juror.values()) / len(per_juror), 2), per_juror)


__all__ = ["SheetNote", "combine", "sheet_note"]
