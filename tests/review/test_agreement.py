"""Machine–jury agreement from the locks (blind levels for the honest comparison), and
juror–juror agreement before reconciliation."""

from __future__ import annotations

import pytest

from grader.review.agreement import agreement, render, stats, weighted_kappa
from grader.review.workflow import Entry, Workflow
from grader.sheet.models import ScoringSheet
from tests.review.conftest import draft_levels


@pytest.mark.parametrize(("pairs", "low", "high", "kappa"), [
    ([(0, 0), (1, 1), (2, 2), (3, 3)], 0, 3, 1.0),
    ([(0, 3), (3, 0)], 0, 3, -1.0),
    ([(0, 0), (1, 1), (1, 2), (2, 2)], 0, 2, 0.8),
    ([(2, 2), (2, 2)], 0, 3, None),  # no spread at all: chance agreement leaves it undefined
    ([], 0, 3, None),
])
def test_quadratic_weighted_kappa(pairs: list[tuple[int, int]], low: int, high: int,
                                  kappa: float | None) -> None:
    assert weighted_kappa(pairs, low, high) == kappa


def test_exact_and_adjacent() -> None:
    found = stats([(2, 2), (2, 3), (0, 3)], 0, 3)
    assert (found.n, found.exact, found.adjacent) == (3, 0.333, 0.667)


def test_blind_levels_are_the_honest_comparison(flow: Workflow, sheet: ScoringSheet) -> None:
    flow.set_cohort("P2026", blind=True, by="Coordinatrice")
    key = flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                            jurors=["Alice", "Bruno"]).state.key
    finals = draft_levels(sheet)  # both jurors end up confirming every draft...
    drafted = {c for c, lv in finals.items()
               if sheet.criterion(c).draft and sheet.criterion(c).draft.level is not None}
    for juror, blind in (("Alice", 0), ("Bruno", 3)):  # ...after blind levels far from them
        entries = [Entry(c, lv, blind_level=blind if c in drafted else None)
                   for c, lv in finals.items()]
        result = flow.apply(key, juror, entries, "test")
    assert result.locked
    report = agreement(flow.store)
    machine = report["machine"]["fake"]
    assert machine["*"]["final"]["exact"] == 1.0  # anchored: the drafts were confirmed
    assert machine["*"]["blind"]["n"] == 2 * len(drafted)
    assert machine["*"]["blind"]["exact"] < 0.5  # blind, the jury disagreed
    assert report["jurors"]["*"]["exact"] == 1.0
    text = render(report)
    assert "vs jury à l'aveugle — la comparaison honnête" in text
    assert "(tous critères)" in text
