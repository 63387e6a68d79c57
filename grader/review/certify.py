"""`grader certify DIR_OR_DB --results CSV`: locked sheets + QCM/TOEIC results → the rules.

A written épreuve counts only through a locked sheet; an unlocked one is reported as missing
with what it still waits for, never as passed. The results CSV brings the épreuves that are not
texts (QCM, TOEIC); a written épreuve that has a sheet in the store cannot also come from the
CSV (one source of truth per note).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from grader.i18n import Lang, t
from grader.review import state as st
from grader.review.errors import InputError
from grader.review.policy import Policy
from grader.review.store import ReviewStore
from grader.review.views import describe_pending
from grader.review.workflow import Workflow
from grader.rubric.certification import Rules, load_rules
from grader.rubric.load import load_all
from grader.rules.outcomes import CandidateOutcome, Status, certify
from grader.rules.results import read_results


@dataclass
class CandidateReport:
    candidate: str
    outcome: CandidateOutcome
    sources: dict[str, str] = field(default_factory=dict)
    """Per épreuve with a score, where it comes from (locked sheet, CSV)."""
    missing: dict[str, str] = field(default_factory=dict)
    """Per incomplete épreuve, what it waits for."""


@dataclass
class CohortReport:
    cohort: str
    candidates: list[CandidateReport]
    rules: Rules
    policy: Policy
    store: str
    events: int
    head: str
    results: str | None


@dataclass
class _Found:
    scores: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def certify_store(store: ReviewStore, results: Path | None = None, cohort: str | None = None,
                  lang: Lang = "fr", rules_path: Path | None = None,
                  policy: Policy | None = None) -> list[CohortReport]:
    """One report per cohort (or for `cohort` only), every candidate certified."""
    flow = Workflow(store, policy)
    rules = load_rules(rules_path)
    found = _from_store(flow, rules, cohort, lang)
    if results is not None:
        _from_results(found, results, rules, cohort, lang)
    count, head = store.head()
    return [CohortReport(name, [_candidate(rules, cand, f, lang)
                                for cand, f in sorted(cands.items())],
                         rules, flow.policy, store.where, count, head,
                         str(results) if results else None)
            for name, cands in sorted(found.items())]


def _from_store(flow: Workflow, rules: Rules, cohort: str | None, lang: Lang
                ) -> dict[str, dict[str, _Found]]:
    found: dict[str, dict[str, _Found]] = defaultdict(dict)
    for key in flow.keys(cohort):
        state = flow.state(key)
        if state.deliverable not in rules.epreuves:
            continue
        slot = found[state.cohort].setdefault(state.candidate, _Found())
        locked = state.locked_version
        note = locked.lock.payload.get("note") if locked and locked.lock else None
        if locked is not None and locked.lock is not None and note is not None:
            slot.scores[state.deliverable] = float(note)
            slot.sources[state.deliverable] = _sheet_source(state, locked, lang)
        elif locked is not None and locked.lock is not None:
            slot.missing[state.deliverable] = str(locked.lock.payload.get("note_problem"))
        else:
            slot.missing[state.deliverable] = describe_pending(flow, state, lang)
    return found


def _sheet_source(state: st.SubmissionState, version: st.Version, lang: Lang) -> str:
    lock = version.lock
    assert lock is not None
    fmt = "%d/%m/%Y" if lang == "fr" else "%Y-%m-%d"
    jurors = ", ".join(lock.payload.get("levels", {})) or "—"
    return t("review.pv.from_sheet", lang, version=version.number,
             date=datetime.fromisoformat(lock.time).strftime(fmt), jurors=jurors)


def _from_results(found: dict[str, dict[str, _Found]], results: Path, rules: Rules,
                  cohort: str | None, lang: Lang) -> None:
    _, scored = load_all()
    scores = read_results(results, rules, scored, lang)
    homes = {cand: name for name, cands in found.items() for cand in cands}
    default = cohort or (next(iter(found)) if len(found) == 1 else t("review.pv.no_cohort", lang))
    for cand, by_epreuve in scores.items():
        home = homes.get(cand, default)
        if cohort is not None and home != cohort:
            continue
        slot = found.setdefault(home, {}).setdefault(cand, _Found())
        for epreuve, score in by_epreuve.items():
            if epreuve in slot.scores or epreuve in slot.missing:
                raise InputError("review.pv.conflict", at=results, lang=lang,
                                 candidate=cand, epreuve=epreuve)
            slot.scores[epreuve] = score
            slot.sources[epreuve] = t("review.pv.from_csv", lang, file=results.name)


def _candidate(rules: Rules, cand: str, found: _Found, lang: Lang) -> CandidateReport:
    outcome = certify(rules, cand, found.scores, lang)
    missing = {ep: found.missing.get(ep) or t("review.pv.no_result", lang)
               for ep, res in outcome.epreuves.items() if res.status is Status.incomplete}
    return CandidateReport(cand, outcome, found.sources, missing)


__all__ = ["CandidateReport", "CohortReport", "certify_store"]
