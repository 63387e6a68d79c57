"""What a coordinator reads: the progress of a cohort, and the full history of one sheet."""

from __future__ import annotations

from grader.i18n import Lang, default_lang, t
from grader.review import state as st
from grader.review.store import Event
from grader.review.workflow import Workflow


def fmt_note(value: float | None, lang: Lang | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:g}"
    return text if (lang or default_lang()) == "en" else text.replace(".", ",")


def describe_pending(flow: Workflow, state: st.SubmissionState, lang: Lang | None = None) -> str:
    """Why a sheet is not locked yet, in one line."""
    sheet = flow.sheet(state.current)
    pend = flow.pending(state)
    total = len(sheet.criteria)
    parts = [t("review.status.juror_done", lang, juror=j,
               done=len(state.current.decisions.get(j, {})), total=total)
             for j in st.panel(state, flow.policy)]
    if pend.jurors_missing:
        parts.append(t("review.status.jurors_missing", lang, n=pend.jurors_missing))
    if pend.to_reconcile:
        parts.append(t("review.status.to_reconcile", lang,
                       criteria=", ".join(pend.to_reconcile)))
    return t("review.status.unlocked", lang, parts="; ".join(parts))


def status_text(flow: Workflow, cohort: str | None = None, lang: Lang | None = None) -> str:
    lines = []
    for key in flow.keys(cohort):
        state = flow.state(key)
        if state.current.locked:
            note = state.current.lock.payload.get("note") if state.current.lock else None
            line = t("review.status.locked", lang, version=state.current.number,
                     note=fmt_note(note, lang))
        else:
            line = describe_pending(flow, state, lang)
        blind = f" {t('review.status.blind', lang)}" if state.blind else ""
        lines.append(f"{key}{blind} — {line}")
    return "\n".join(lines or [t("review.status.empty", lang)]) + "\n"


def history_text(flow: Workflow, key: str, lang: Lang | None = None) -> str:
    """Every event of a submission, version by version, superseded decisions included."""
    lines = [t("review.history.head", lang, sheet=key)]
    for ev in flow.store.events(submission=key):
        when = ev.when.strftime("%d/%m/%Y %H:%M:%S" if (lang or "fr") == "fr"
                                else "%Y-%m-%d %H:%M:%S")
        version = f"v{ev.version}" if ev.version else "  "
        lines.append(f"#{ev.seq:<5} {when}  {version:<3} {_event_line(ev, lang)}")
    return "\n".join(lines) + "\n"


def _event_line(ev: Event, lang: Lang | None) -> str:
    p = ev.payload
    if ev.kind == "import":
        return t("review.history.import", lang, candidate=p["candidate"], file=p["file"],
                 jurors=", ".join(p.get("jurors", [])) or "—")
    if ev.kind == "assign":
        return t("review.history.assign", lang, juror=ev.juror)
    if ev.kind == "blind":
        return t("review.history.blind", lang, juror=ev.juror, criterion=ev.criterion,
                 level=ev.level)
    if ev.kind == "decision":
        return t("review.history.decision", lang, juror=ev.juror, criterion=ev.criterion,
                 level=ev.level, draft="—" if ev.draft_level is None else ev.draft_level,
                 action=t(f"review.action.{ev.action}", lang),
                 comment=f" — « {ev.comment} »" if ev.comment else "")
    if ev.kind == "reconcile":
        return t("review.history.reconcile", lang, by=ev.juror, criterion=ev.criterion,
                 level=ev.level, note=ev.comment,
                 levels=", ".join(f"{j} {lv}" for j, lv in p.get("levels", {}).items()))
    if ev.kind == "correct":
        changes = ", ".join(f"{c} → {lv}" for c, lv in p.get("changes", {}).items())
        return t("review.history.correct", lang, by=ev.juror, base=p.get("base"),
                 changes=changes, reason=ev.comment)
    if ev.kind == "lock":
        return t("review.history.lock", lang, note=fmt_note(p.get("note"), lang))
    return ev.kind


__all__ = ["describe_pending", "fmt_note", "history_text", "status_text"]
