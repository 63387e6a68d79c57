"""The state of a submission, folded from its events: versions, decisions, reconciliations, lock.

Nothing here writes. A juror who changes their mind appends a new decision that supersedes the
old one (both stay in the log); a locked version never changes; a correction is a new version
that starts from the locked one's levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.review.errors import NotFoundError
from grader.review.policy import Policy
from grader.review.store import Event
from grader.sheet.models import CriterionEntry, ScoringSheet


@dataclass(frozen=True)
class Decision:
    juror: str
    criterion: str
    level: int
    action: str
    """`confirmed` (the draft's level), `overridden` (another level), `entered` (no draft)."""
    comment: str
    draft_level: int | None
    seq: int
    time: str
    source: str


@dataclass(frozen=True)
class Reconciliation:
    criterion: str
    level: int
    note: str
    by: str
    seq: int
    time: str


@dataclass
class Version:
    number: int
    sheet_hash: str
    created: str
    base: int | None = None
    """The locked version a correction starts from (None for the first version)."""
    reason: str | None = None
    by: str | None = None
    corrections: dict[str, int] = field(default_factory=dict)
    blind: dict[str, dict[str, int]] = field(default_factory=dict)
    decisions: dict[str, dict[str, Decision]] = field(default_factory=dict)
    """The latest decision of each juror on each criterion."""
    trail: list[Decision] = field(default_factory=list)
    """Every decision in order, superseded ones included."""
    reconciliations: dict[str, Reconciliation] = field(default_factory=dict)
    lock: Event | None = None

    @property
    def locked(self) -> bool:
        return self.lock is not None


@dataclass
class SubmissionState:
    key: str
    cohort: str
    candidate: str
    deliverable: str
    sha256: str
    file: str
    sheet_path: str | None
    jurors: list[str]
    blind: bool
    versions: list[Version]

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def locked_version(self) -> Version | None:
        return next((v for v in reversed(self.versions) if v.locked), None)

    def version(self, number: int) -> Version:
        for version in self.versions:
            if version.number == number:
                return version
        raise NotFoundError("review.error.no_version", sheet=self.key, number=number)


def fold(key: str, events: Iterable[Event], cohort_events: Iterable[Event]) -> SubmissionState:
    """The submission `key` as its events leave it."""
    state: SubmissionState | None = None
    for ev in events:
        if ev.kind == "import":
            state = _imported(key, ev)
        elif state is not None:
            _apply(state, ev)
    if state is None:
        raise NotFoundError("review.error.unknown_submission", sheet=key)
    for ev in cohort_events:
        if ev.kind == "cohort" and ev.cohort == state.cohort:
            state.blind = bool(ev.payload.get("blind"))
    return state


def _imported(key: str, ev: Event) -> SubmissionState:
    p = ev.payload
    first = Version(number=1, sheet_hash=p["sheet"], created=ev.time)
    return SubmissionState(key=key, cohort=ev.cohort or "", candidate=p["candidate"],
                           deliverable=p["deliverable"], sha256=p["sha256"], file=p["file"],
                           sheet_path=p.get("sheet_path"), jurors=list(p.get("jurors", [])),
                           blind=False, versions=[first])


def _apply(state: SubmissionState, ev: Event) -> None:
    if ev.kind == "assign" and ev.juror and ev.juror not in state.jurors:
        state.jurors.append(ev.juror)
    elif ev.kind == "correct":
        state.versions.append(Version(
            number=ev.version or len(state.versions) + 1, sheet_hash=ev.payload["sheet"],
            created=ev.time, base=ev.payload["base"], reason=ev.comment, by=ev.juror,
            corrections={k: int(v) for k, v in ev.payload["changes"].items()}))
    elif ev.version is not None:
        _apply_to_version(state.version(ev.version), ev)


def _apply_to_version(version: Version, ev: Event) -> None:
    juror, crit = ev.juror or "", ev.criterion or ""
    if ev.kind == "blind" and ev.level is not None:
        version.blind.setdefault(juror, {})[crit] = ev.level
    elif ev.kind == "decision" and ev.level is not None:
        made = Decision(juror, crit, ev.level, ev.action or "", ev.comment or "", ev.draft_level,
                        ev.seq, ev.time, str(ev.payload.get("source", "")))
        version.decisions.setdefault(juror, {})[crit] = made
        version.trail.append(made)
    elif ev.kind == "reconcile" and ev.level is not None:
        version.reconciliations[crit] = Reconciliation(crit, ev.level, ev.comment or "",
                                                       juror, ev.seq, ev.time)
    elif ev.kind == "lock":
        version.lock = ev


# --- what a version still needs, and the levels it ends with ---------------------------------

@dataclass(frozen=True)
class Pending:
    jurors_missing: int = 0
    undecided: dict[str, list[str]] = field(default_factory=dict)
    """Per juror, the criteria they have not decided yet."""
    to_reconcile: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per criterion too far apart, each juror's level."""

    @property
    def done(self) -> bool:
        return not (self.jurors_missing or self.undecided or self.to_reconcile)


def panel(state: SubmissionState, policy: Policy) -> list[str]:
    """The jurors whose decisions count: the first `policy.jurors` assigned."""
    return state.jurors[:policy.jurors]


def pending(state: SubmissionState, version: Version, policy: Policy,
            sheet: ScoringSheet) -> Pending:
    if version.base is not None:
        return Pending()
    jurors = panel(state, policy)
    undecided = {j: [e.id for e in sheet.criteria if e.id not in version.decisions.get(j, {})]
                 for j in jurors}
    far: dict[str, dict[str, int]] = {}
    for entry in sheet.criteria:
        levels = {j: version.decisions[j][entry.id].level for j in jurors
                  if entry.id in version.decisions.get(j, {})}
        if (len(levels) == len(jurors) > 1 and entry.id not in version.reconciliations
                and max(levels.values()) - min(levels.values()) > policy.reconcile_gap):
            far[entry.id] = levels
    return Pending(jurors_missing=max(0, policy.jurors - len(jurors)),
                   undecided={j: c for j, c in undecided.items() if c}, to_reconcile=far)


def final_levels(state: SubmissionState, version: Version, policy: Policy
                 ) -> dict[str, dict[str, int]]:
    """Per juror, per criterion, the level that counts: their own, unless reconciled or
    corrected (then the agreed level, for every juror)."""
    if version.base is not None:
        levels = final_levels(state, state.version(version.base), policy)
        agreed = version.corrections
    else:
        levels = {j: {c: d.level for c, d in version.decisions.get(j, {}).items()}
                  for j in panel(state, policy)}
        agreed = {c: r.level for c, r in version.reconciliations.items()}
    return {j: {**own, **{c: lv for c, lv in agreed.items() if c in own}}
            for j, own in levels.items()}


def entry_action(entry: CriterionEntry, level: int) -> str:
    """How a level relates to the draft: confirmed, overridden, or entered (nothing drafted)."""
    drafted = entry.draft.level if entry.draft is not None else None
    if entry.mode == "jury_only" or drafted is None:
        return "entered"
    return "confirmed" if level == drafted else "overridden"


def lock_rows(state: SubmissionState, version: Version, sheet: ScoringSheet,
              policy: Policy) -> list[dict[str, Any]]:
    """What a lock records per criterion: the draft, each juror's blind and own final level
    (before reconciliation), and the agreed level if there is one."""
    if version.base is not None and (base := state.version(version.base)).lock is not None:
        rows = [dict(r) for r in base.lock.payload["rows"]]
        for row in rows:
            if row["criterion"] in version.corrections:
                row["agreed"] = version.corrections[row["criterion"]]
        return rows
    jurors = panel(state, policy)
    return [{"criterion": e.id, "mode": e.mode,
             "draft": e.draft.level if e.draft is not None else None,
             "blind": {j: version.blind[j][e.id] for j in jurors
                       if e.id in version.blind.get(j, {})},
             "final": {j: version.decisions[j][e.id].level for j in jurors},
             "agreed": version.reconciliations[e.id].level
             if e.id in version.reconciliations else None}
            for e in sheet.criteria]


__all__ = ["Decision", "Pending", "Reconciliation", "SubmissionState", "Version", "entry_action",
           "final_levels", "fold", "lock_rows", "panel", "pending"]
