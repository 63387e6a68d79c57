"""The jury's workflow: import a draft sheet, confirm or override each criterion, reconcile two
jurors, lock, correct by a new version. Every step is one transaction on the review store.

The rules, in one place:
- a `draft` criterion is confirmed (the drafted level) or overridden (another level, comment
  required); a `jury_only` criterion, or a draft left unscored, is entered by the juror;
- in a blind cohort a juror enters a blind level before the draft is shown, then decides;
- a version locks by itself once every juror of the panel has decided every criterion and every
  gap wider than the policy's has a reconciliation (agreed level + note);
- a locked version never changes: a correction is a new version, with its reason and author.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.review import state as st
from grader.review.errors import DecisionError, LockedError, NotFoundError, ReviewError
from grader.review.policy import Policy, load_policy
from grader.review.scoring import sheet_note
from grader.review.store import NewEvent, ReviewStore, Writer
from grader.sheet.models import CriterionEntry, ScoringSheet


@dataclass(frozen=True)
class Entry:
    """One decision to record: a level (a blind one first, in a blind cohort) and a comment."""

    criterion: str
    level: int
    comment: str = ""
    blind_level: int | None = None


@dataclass(frozen=True)
class Result:
    state: st.SubmissionState
    recorded: int
    """Events appended by this step (0 when it changed nothing)."""
    locked: bool
    """True when this step locked the version."""


def slug(text: str) -> str:
    """`Camille Martin` → `camille-martin`: a candidate id that survives files and URLs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def submission_key(cohort: str, candidate: str, deliverable: str) -> str:
    return f"{cohort}/{candidate}/{deliverable}"


def clean_name(name: str) -> str:
    """Spaces collapsed; a NUL dropped (it means nothing, and PostgreSQL cannot store it)."""
    return " ".join((name or "").replace("\x00", "").split())


class Workflow:
    """The review steps over one store, under one policy."""

    def __init__(self, store: ReviewStore, policy: Policy | None = None) -> None:
        self.store, self.policy = store, policy or load_policy()

    # --- reading ------------------------------------------------------------------------

    def state(self, key: str, reader: ReviewStore | Writer | None = None) -> st.SubmissionState:
        source = reader or self.store
        events = source.events(submission=key)
        if not events:
            raise NotFoundError("review.error.unknown_submission", sheet=key)
        return st.fold(key, events, source.events(kinds=["cohort"]))

    def sheet(self, version: st.Version) -> ScoringSheet:
        return self.store.sheet(version.sheet_hash)

    def keys(self, cohort: str | None = None) -> list[str]:
        return [e.submission or "" for e in self.store.events(kinds=["import"])
                if cohort is None or e.cohort == cohort]

    def cohorts(self) -> list[str]:
        return sorted({e.cohort or "" for e in self.store.events(kinds=["import", "cohort"])})

    def pending(self, state: st.SubmissionState) -> st.Pending:
        return st.pending(state, state.current, self.policy, self.sheet(state.current))

    def keys_for(self, sheet: ScoringSheet, cohort: str | None = None) -> list[str]:
        """The submissions imported from this very document and deliverable."""
        return [e.submission or "" for e in self.store.events(kinds=["import"])
                if e.payload.get("sha256") == sheet.submission.sha256
                and e.payload.get("deliverable") == sheet.deliverable
                and (cohort is None or e.cohort == cohort)]

    def locate(self, target: str, cohort: str | None = None) -> str:
        """A submission from a sheet's path, its key `cohort/candidate/deliverable`, or the end
        of its key (`candidate/deliverable`) when that is unambiguous."""
        path = Path(target)
        if path.suffix == ".json" or path.is_file():
            from grader.sheet.store import read_sheet

            return self._one(self.keys_for(read_sheet(path), cohort), target)
        keys = self.keys(cohort)
        if target in keys:
            return target
        return self._one([k for k in keys if k.endswith("/" + target.strip("/"))], target)

    def _one(self, keys: list[str], target: str) -> str:
        if not keys:
            raise NotFoundError("review.error.not_imported", target=target)
        if len(keys) > 1:
            raise ReviewError("review.error.ambiguous", target=target, keys=", ".join(keys))
        return keys[0]

    # --- import and cohort settings -------------------------------------------------------

    def import_sheet(self, sheet: ScoringSheet, *, cohort: str, candidate: str | None = None,
                     jurors: Sequence[str] = (), sheet_path: str | None = None,
                     stem: str | None = None) -> Result:
        cand = clean_name(candidate or "") or slug(sheet.submission.candidate or "") or slug(
            stem or Path(sheet.submission.file).stem)
        names = _unique_names(jurors)
        if not clean_name(cohort) or not cand:
            raise ReviewError("review.error.no_candidate", file=sheet.submission.file)
        if len(names) > self.policy.jurors:
            raise DecisionError("review.error.too_many_jurors", n=self.policy.jurors,
                                jurors=", ".join(names))
        key = submission_key(clean_name(cohort), cand, sheet.deliverable)
        with self.store.writing() as w:
            digest = w.put_sheet(sheet)
            if not w.events(submission=key, kinds=["import"]):
                w.append(NewEvent("import", cohort=clean_name(cohort), submission=key, version=1,
                                  payload={"candidate": cand, "deliverable": sheet.deliverable,
                                           "sha256": sheet.submission.sha256,
                                           "file": sheet.submission.file, "sheet": digest,
                                           "sheet_path": sheet_path, "jurors": names}))
                return Result(self.state(key, w), len(w.appended), False)
            state = self.state(key, w)
            if state.versions[0].sheet_hash != digest:
                raise ReviewError("review.error.other_sheet", sheet=key)
            for name in names:
                self._juror(w, state, name)
            return Result(self.state(key, w), len(w.appended), False)

    def set_cohort(self, cohort: str, *, blind: bool, by: str) -> None:
        with self.store.writing() as w:
            w.append(NewEvent("cohort", cohort=clean_name(cohort), juror=clean_name(by) or None,
                              payload={"blind": blind}))

    def is_blind(self, cohort: str) -> bool:
        found = [e for e in self.store.events(kinds=["cohort"]) if e.cohort == cohort]
        return bool(found and found[-1].payload.get("blind"))

    # --- decisions -----------------------------------------------------------------------

    def record_blind(self, key: str, juror: str, criterion: str, level: int,
                     source: str = "terminal") -> Result:
        with self.store.writing() as w:
            state = self.state(key, w)
            self._blind(w, state, juror, criterion, level, source)
            return Result(self.state(key, w), len(w.appended), False)

    def decide(self, key: str, juror: str, criterion: str, level: int, comment: str = "",
               source: str = "terminal") -> Result:
        return self.apply(key, juror, [Entry(criterion, level, comment)], source)

    def apply(self, key: str, juror: str, entries: Iterable[Entry], source: str) -> Result:
        """Record `entries` for `juror` in one transaction: all of them, or none."""
        with self.store.writing() as w:
            for entry in entries:
                state = self.state(key, w)
                if entry.blind_level is not None:
                    self._blind(w, state, juror, entry.criterion, entry.blind_level, source)
                    state = self.state(key, w)
                self._decide(w, state, juror, entry, source)
            return self._finish(w, key)

    def reconcile(self, key: str, criterion: str, level: int, note: str, by: str) -> Result:
        """The agreed level of two jurors too far apart, with the note that explains it."""
        with self.store.writing() as w:
            state = self.state(key, w)
            version = self._open_version(state)
            entry = self._entry(state, criterion)
            self._on_scale(state, level)
            decided = {j: version.decisions.get(j, {}).get(criterion)
                       for j in st.panel(state, self.policy)}
            if len(decided) < self.policy.jurors or None in decided.values():
                raise DecisionError("review.error.reconcile_early", criterion=entry.id)
            if not note.strip() or not clean_name(by):
                raise DecisionError("review.error.reconcile_note", criterion=entry.id)
            w.append(NewEvent("reconcile", cohort=state.cohort, submission=key,
                              version=version.number, juror=clean_name(by), criterion=entry.id,
                              level=level, comment=note.strip(),
                              payload={"levels": {j: d.level for j, d in decided.items()
                                                  if d is not None}}))
            return self._finish(w, key)

    def correct(self, key: str, changes: dict[str, int], reason: str, by: str) -> Result:
        """A new version of a locked sheet: its levels with `changes` applied, locked at once."""
        with self.store.writing() as w:
            state = self.state(key, w)
            base = state.current
            if not base.locked:
                raise DecisionError("review.error.correct_unlocked", sheet=key)
            if not reason.strip() or not clean_name(by) or not changes:
                raise DecisionError("review.error.correct_reason", sheet=key)
            for criterion, level in changes.items():
                self._entry(state, criterion)
                self._on_scale(state, level)
            w.append(NewEvent("correct", cohort=state.cohort, submission=key,
                              version=base.number + 1, juror=clean_name(by),
                              comment=reason.strip(),
                              payload={"base": base.number, "changes": changes,
                                       "sheet": base.sheet_hash}))
            return self._finish(w, key)

    # --- the checks -----------------------------------------------------------------------

    def _open_version(self, state: st.SubmissionState) -> st.Version:
        version = state.current
        if version.locked:
            raise LockedError("review.error.locked", sheet=state.key, version=version.number)
        return version

    def _entry(self, state: st.SubmissionState, criterion: str) -> CriterionEntry:
        sheet = self.sheet(state.current)
        try:
            return sheet.criterion(criterion)
        except KeyError:
            known = ", ".join(e.id for e in sheet.criteria)
            raise NotFoundError("review.error.unknown_criterion", criterion=criterion,
                                known=known) from None

    def _on_scale(self, state: st.SubmissionState, level: int) -> None:
        scale = self.sheet(state.current).scale
        if level not in scale:
            raise DecisionError("review.error.off_scale", level=level, low=min(scale),
                                high=max(scale))

    def _juror(self, w: Writer, state: st.SubmissionState, name: str) -> str:
        """The juror's name as assigned; a new juror takes a free seat of the panel."""
        wanted = clean_name(name)
        if not wanted:
            raise DecisionError("review.error.no_juror")
        for known in state.jurors:
            if known.casefold() == wanted.casefold():
                return known
        if len(state.jurors) >= self.policy.jurors:
            raise DecisionError("review.error.not_assigned", juror=wanted, sheet=state.key,
                                jurors=", ".join(state.jurors))
        w.append(NewEvent("assign", cohort=state.cohort, submission=state.key, juror=wanted))
        state.jurors.append(wanted)
        return wanted

    def _blind(self, w: Writer, state: st.SubmissionState, juror: str, criterion: str,
               level: int, source: str) -> None:
        version = self._open_version(state)
        entry = self._entry(state, criterion)
        self._on_scale(state, level)
        name = self._juror(w, state, juror)
        if criterion in version.decisions.get(name, {}):
            raise DecisionError("review.error.blind_late", criterion=criterion)
        if version.blind.get(name, {}).get(criterion) == level:
            return
        w.append(NewEvent("blind", cohort=state.cohort, submission=state.key,
                          version=version.number, juror=name, criterion=entry.id, level=level,
                          payload={"source": source}))

    def _decide(self, w: Writer, state: st.SubmissionState, juror: str, item: Entry,
                source: str) -> None:
        version = self._open_version(state)
        entry = self._entry(state, item.criterion)
        self._on_scale(state, item.level)
        name = self._juror(w, state, juror)
        action, comment = st.entry_action(entry, item.level), item.comment.strip()
        if action == "overridden" and not comment:
            raise DecisionError("review.error.no_comment", criterion=entry.id,
                                draft=entry.draft.level if entry.draft else "—",
                                level=item.level)
        blind = version.blind.get(name, {}).get(entry.id)
        if state.blind and action != "entered" and blind is None:
            raise DecisionError("review.error.blind_first", criterion=entry.id)
        previous = version.decisions.get(name, {}).get(entry.id)
        if previous is not None and (previous.level, previous.comment) == (item.level, comment):
            return
        w.append(NewEvent("decision", cohort=state.cohort, submission=state.key,
                          version=version.number, juror=name, criterion=entry.id,
                          level=item.level, action=action, comment=comment,
                          draft_level=entry.draft.level if entry.draft else None,
                          payload={"source": source, "blind_level": blind}))

    def _finish(self, w: Writer, key: str) -> Result:
        """Lock the version if nothing is pending any more; the lock records the agreement."""
        state = self.state(key, w)
        version = state.current
        sheet = self.sheet(version)
        if version.locked or not st.pending(state, version, self.policy, sheet).done:
            return Result(state, len(w.appended), False)
        levels = st.final_levels(state, version, self.policy)
        note = sheet_note(sheet, levels, self.policy)
        w.append(NewEvent("lock", cohort=state.cohort, submission=key, version=version.number,
                          payload={"rows": st.lock_rows(state, version, sheet, self.policy),
                                   "levels": levels, "note": note.note,
                                   "notes": note.by_juror, "note_problem": note.problem,
                                   "policy": self.policy.model_dump(mode="json"),
                                   "backend": sheet.backend.model_dump(mode="json"),
                                   "sheet": version.sheet_hash}))
        return Result(self.state(key, w), len(w.appended), True)


def _unique_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        clean = clean_name(name)
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return list(seen.values())


__all__ = ["Entry", "Result", "Workflow", "clean_name", "slug", "submission_key"]
