"""« Répartir les copies »: every free seat of a cohort's open submissions filled at once, from
the jurors the coordinator checked.

The plan is a pure function, so the same cohort and the same choice always give the same
seats: submissions by key, and for each free seat the checked juror with the fewest open
submissions of the cohort so far (ties by name), never one already on that panel. Each
submission's new jurors then go through `Workflow.import_sheet`, the per-row form's own call,
so the log holds the same `assign` events as if they had been given one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.review.errors import ReviewError
from grader.review.state import SubmissionState
from grader.review.workflow import Workflow


@dataclass
class Seating:
    added: dict[str, int]
    """Checked juror → seats given by this run (every checked juror, 0 included)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(submission key, reason) for a submission that changed under us and was left as is."""

    @property
    def total(self) -> int:
        return sum(self.added.values())


def plan(states: Sequence[SubmissionState], jurors: Sequence[str], seats: int
         ) -> dict[str, list[str]]:
    """Submission key → jurors to add, for the open submissions among `states`."""
    order = sorted(jurors, key=str.casefold)
    open_ = sorted((s for s in states if not s.current.locked), key=lambda s: s.key)
    # The load is the work still ahead: seats on open submissions of this cohort.
    load = {j.casefold(): 0 for j in order}
    for state in open_:
        for seated in state.jurors:
            if seated.casefold() in load:
                load[seated.casefold()] += 1
    out: dict[str, list[str]] = {}
    for state in open_:
        panel = {j.casefold() for j in state.jurors}
        for _ in range(seats - len(state.jurors)):
            free = [j for j in order if j.casefold() not in panel]
            if not free:
                break
            pick = min(free, key=lambda j: load[j.casefold()])  # min keeps the first on ties
            load[pick.casefold()] += 1
            panel.add(pick.casefold())
            out.setdefault(state.key, []).append(pick)
    return out


def fill_seats(flow: Workflow, cohort: str, jurors: Sequence[str], seats: int) -> Seating:
    """Seat `jurors` on every free seat of `cohort` up to `seats` per submission."""
    states = [flow.state(key) for key in flow.keys(cohort)]
    by_key = {s.key: s for s in states}
    result = Seating({j: 0 for j in sorted(jurors, key=str.casefold)})
    for key, names in plan(states, jurors, seats).items():
        state = by_key[key]
        try:
            flow.import_sheet(flow.sheet(state.versions[0]), cohort=state.cohort,
                              candidate=state.candidate, jurors=names)
        except ReviewError as exc:  # a juror seated meanwhile, a lock: the others go on
            result.failed.append((key, str(exc)))
            continue
        for name in names:
            result.added[name] += 1
    return result


__all__ = ["Seating", "fill_seats", "plan"]
