"""The history of one submission as the web page shows it: its events from the log in order,
what a juror may not see yet masked, and whether `grader audit verify` finds the chain intact.

Read-only: every row comes from `ReviewStore.events`, the chain check from `audit.verify`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from grader.i18n import Lang, t
from grader.review import state as st
from grader.review.audit import AuditReport, verify
from grader.review.store import Event, ReviewStore
from grader.review.views import fmt_note
from grader.review.workflow import Workflow


@dataclass(frozen=True)
class Row:
    """One event of the log, worded for the page."""

    seq: int
    iso: str
    """The event's time as hashed (UTC, ISO 8601): the `datetime` of the page's `<time>`."""
    shown: str
    """The same instant in the server's local time, for people."""
    version: int | None
    who: str
    kind: str
    criterion: str = ""
    level: str = ""
    draft: str = ""
    text: str = ""
    """The juror's comment, the reconciliation note, the correction's reason."""
    detail: str = ""
    masked: bool = False


def local_time(iso: str, lang: Lang) -> str:
    """`2026-06-12T09:41:07+00:00` → `12/06/2026 11:41:07 CEST` on a server in Paris."""
    when = datetime.fromisoformat(iso).astimezone()
    pattern = "%d/%m/%Y %H:%M:%S %Z" if lang == "fr" else "%Y-%m-%d %H:%M:%S %Z"
    return when.strftime(pattern).strip()


def submission_events(flow: Workflow, state: st.SubmissionState) -> list[Event]:
    """The submission's events and its cohort's settings (blind or not), in log order."""
    own = flow.store.events(submission=state.key)
    cohort = [e for e in flow.store.events(kinds=["cohort"]) if e.cohort == state.cohort]
    return sorted([*own, *cohort], key=lambda e: e.seq)


def hidden_from(ev: Event, state: st.SubmissionState, me: str | None) -> bool:
    """Whether a juror (`me`; None for the coordinator) may not see this event's content yet.

    The sheet page's rule: before a version locks, a juror sees their own levels and comments,
    never the other juror's (only both levels of a gap to reconcile, which the reconciliation
    row repeats). Applied in every cohort, since the sheet page applies it in every cohort; in
    a blind one it also keeps the other juror's blind levels out of sight."""
    if me is None or ev.kind not in ("blind", "decision") or ev.version is None:
        return False
    if (ev.juror or "").casefold() == me.casefold():
        return False
    return not state.version(ev.version).locked


def rows(flow: Workflow, state: st.SubmissionState, me: str | None, lang: Lang) -> list[Row]:
    return [row(ev, lang, masked=hidden_from(ev, state, me))
            for ev in submission_events(flow, state)]


def row(ev: Event, lang: Lang, masked: bool = False) -> Row:
    base: dict[str, Any] = {"seq": ev.seq, "iso": ev.time, "shown": local_time(ev.time, lang),
                            "version": ev.version, "kind": ev.kind}
    if masked:  # who and when stay: the sheet page shows each juror's progress anyway
        return Row(**base, who=ev.juror or "", masked=True,
                   detail=t("web.history.masked", lang))
    return Row(**base, **_content(ev, lang))


def _level(value: object) -> str:
    return "" if value is None else str(value)


def _content(ev: Event, lang: Lang) -> dict[str, Any]:
    p = ev.payload
    if ev.kind == "import":
        return {"who": "", "detail": t("web.history.import", lang, candidate=p.get("candidate"),
                                       file=p.get("file"),
                                       jurors=", ".join(p.get("jurors", [])) or "—")}
    if ev.kind == "assign":
        return {"who": "", "detail": t("web.history.assign", lang, juror=ev.juror)}
    if ev.kind == "cohort":
        key = "web.history.blind_on" if p.get("blind") else "web.history.blind_off"
        return {"who": ev.juror or "", "detail": t(key, lang, cohort=ev.cohort)}
    if ev.kind == "blind":
        return {"who": ev.juror or "", "criterion": ev.criterion or "",
                "level": _level(ev.level)}
    if ev.kind == "decision":
        return {"who": ev.juror or "", "criterion": ev.criterion or "",
                "level": _level(ev.level), "draft": _level(ev.draft_level),
                "text": ev.comment or "", "detail": t(f"review.action.{ev.action}", lang)
                if ev.action in ("confirmed", "overridden", "entered") else ""}
    if ev.kind == "reconcile":
        levels = " · ".join(f"{j} {lv}" for j, lv in p.get("levels", {}).items())
        return {"who": ev.juror or "", "criterion": ev.criterion or "",
                "level": _level(ev.level), "text": ev.comment or "",
                "detail": t("web.history.jurors_levels", lang, levels=levels or "—")}
    if ev.kind == "correct":
        changes = ", ".join(f"{c} → {lv}" for c, lv in p.get("changes", {}).items())
        return {"who": ev.juror or "", "text": ev.comment or "",
                "detail": t("web.history.correct", lang, version=ev.version,
                            base=p.get("base"), changes=changes)}
    if ev.kind == "lock":
        notes = " · ".join(f"{j} {fmt_note(n, lang)}" for j, n in (p.get("notes") or {}).items())
        return {"who": "", "detail": t("web.history.lock", lang,
                                       note=fmt_note(p.get("note"), lang), notes=notes or "—")}
    return {"who": ev.juror or "", "detail": ev.kind}


# --- is the chain intact? ----------------------------------------------------------------------

@dataclass
class Checked:
    head: tuple[int, str]
    at: datetime
    report: AuditReport


@dataclass
class ChainCheck:
    """`audit.verify` over the whole store, reused while the chain's head is unchanged and the
    result younger than `max_age`.

    Verifying reads every event and every stored sheet: a few milliseconds for a few hundred
    events, but it grows with the whole store (every cohort), and a juror going through a
    cohort opens many history pages. So the page runs it at most once per `max_age` while
    nothing is appended, and says when it ran. An append moves the head, which forces a new
    check; an edit behind grader's back (which leaves the head alone) is caught at the next
    check, at most `max_age` later — `grader audit verify` is the immediate answer."""

    max_age: timedelta = timedelta(minutes=5)
    _done: dict[str, Checked] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, store: ReviewStore, lang: Lang) -> Checked:
        # One verification at a time: ten pages opened at once wait for one run, not ten.
        with self._lock:
            head = store.head()
            found = self._done.get(lang)
            now = datetime.now(UTC)
            if found is None or found.head != head or now - found.at > self.max_age:
                found = self._done[lang] = Checked(head, now, verify(store, lang))
            return found


__all__ = ["ChainCheck", "Checked", "Row", "hidden_from", "local_time", "row", "rows",
           "submission_events"]
