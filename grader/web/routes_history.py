"""A submission's history (every event of the log, the chain checked) and the coordinator's
correction of a locked sheet — `Workflow.correct`, the call behind `grader review correct`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from grader.i18n import Lang, t
from grader.review import state as st
from grader.review.errors import ReviewError
from grader.review.views import fmt_note
from grader.review.workflow import Workflow
from grader.web import history
from grader.web.access import juror_name, visible_state
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash, require_coordinator
from grader.web.csrf import checked_form
from grader.web.routes_sheet import sheet_context

router = APIRouter()


def _flow(request: Request) -> Workflow:
    return request.app.state.flow  # type: ignore[no-any-return]


def _chain(request: Request) -> history.ChainCheck:
    return request.app.state.chain_check  # type: ignore[no-any-return]


@router.get("/history/{key:path}", response_class=HTMLResponse)
async def history_page(request: Request, key: str) -> Response:
    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    flow, lang = _flow(request), lang_of(request)
    # A juror sees what the sheet page shows them; the coordinator sees everything.
    me = None if user.coordinator else juror_name(state, user)
    rows = history.rows(flow, state, me, lang)
    checked = await run_in_threadpool(_chain(request).check, flow.store, lang)
    report = checked.report
    when = history.local_time(checked.at.isoformat(), lang)
    chain = (t("web.history.chain_ok", lang, when=when, events=report.events) if report.ok
             else t("web.history.chain_broken", lang, when=when, n=len(report.problems),
                    events=report.events))
    # The problems name other submissions and jurors: only the coordinator reads them.
    problems = [p.message for p in report.problems] if user.coordinator else []
    return render(request, "history.html", key=key, state=state, rows=rows, chain=chain,
                  chain_ok=report.ok, checked_at=checked.at.isoformat(), problems=problems,
                  sheet=flow.sheet(state.current), juror_view=me is not None)


class Refused(Exception):
    """A correction the page refuses before the library sees it, worded for the visitor."""


def _typed(form: Any, state: st.SubmissionState, flow: Workflow) -> dict[str, str]:
    """The level chosen per criterion, as posted ("" for « unchanged »): kept for the form."""
    sheet = flow.sheet(state.current)
    return {e.id: str(form.get(f"level-{e.id}", "")).strip() for e in sheet.criteria}


def _changes(typed: dict[str, str], state: st.SubmissionState, flow: Workflow, lang: Lang
             ) -> dict[str, int]:
    """The changes that count: a level chosen for a criterion that differs from the current
    level of at least one juror (re-choosing the level it has changes nothing)."""
    final = st.final_levels(state, state.current, flow.policy)
    changes: dict[str, int] = {}
    for criterion, value in typed.items():
        if not value:
            continue
        try:
            level = int(value)
        except ValueError:
            raise Refused(t("web.correct.bad_level", lang, criterion=criterion)) from None
        if any(levels.get(criterion) != level for levels in final.values()):
            changes[criterion] = level
    return changes


@router.post("/correct/{key:path}")
async def correct(request: Request, key: str) -> Response:
    user = request.state.user = current_user(request)
    form = await checked_form(request)
    require_coordinator(user)  # 403 to a juror, before the submission is even looked at
    state = visible_state(request, key, user)
    flow, lang = _flow(request), lang_of(request)
    reason = str(form.get("reason", ""))
    kept: dict[str, Any] = {"levels": _typed(form, state, flow), "reason": reason}
    try:
        # The form was made for one version: a correction posted from a page that another
        # coordinator's correction has since overtaken would silently stack on it.
        if str(form.get("version", "")) != str(state.current.number):
            raise Refused(t("web.correct.stale", lang, version=state.current.number))
        changes = _changes(kept["levels"], state, flow, lang)
        problems = [t("web.correct.no_change", lang)] if not changes else []
        if not reason.strip():
            problems.append(t("web.correct.reason_needed", lang))
        if problems:
            raise Refused(" ".join(problems))
        result = flow.correct(key, changes, reason, by=user.name)
    except Refused as exc:
        return _refused(request, key, str(exc), kept)
    except ReviewError as exc:  # off the scale, an unknown criterion, not locked...
        return _refused(request, key, exc.render(lang), kept)
    version = result.state.current
    note = version.lock.payload.get("note") if version.lock else None
    flash(request, t("web.correct.done", lang, version=version.number,
                     note=fmt_note(note, lang)))
    return RedirectResponse(f"/sheet/{quote(key)}#correction", status_code=303)


def _refused(request: Request, key: str, message: str, kept: dict[str, Any]) -> Response:
    """The sheet again, the correction form open with the levels and reason as typed."""
    context = sheet_context(request, key)
    context["correcting"] = {"message": message, **kept}
    return render(request, "sheet.html", status_code=400, here=f"/sheet/{quote(key)}",
                  **context)


__all__ = ["router"]
