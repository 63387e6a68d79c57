"""The coordinator's pages: cohorts and their progress, juror assignment, the procès-verbal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.review import state as st
from grader.review.errors import ReviewError
from grader.review.views import describe_pending, fmt_note
from grader.review.workflow import Workflow
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash, require_coordinator
from grader.web.csrf import checked_form

router = APIRouter()


def _coordinator_flow(request: Request) -> Workflow:
    user = request.state.user = current_user(request)
    require_coordinator(user)
    return request.app.state.flow  # type: ignore[no-any-return]


def _row(flow: Workflow, state: st.SubmissionState, lang: Any) -> dict[str, Any]:
    total = len(flow.sheet(state.current).criteria)
    lock = state.current.lock
    return {"state": state, "total": total,
            "done": {j: len(state.current.decisions.get(j, {})) for j in state.jurors},
            "locked": lock is not None,
            "note": fmt_note(lock.payload.get("note"), lang) if lock else "—",
            "status": "" if lock else describe_pending(flow, state, lang)}


@router.get("/cohorts", response_class=HTMLResponse)
async def cohorts(request: Request) -> Response:
    flow = _coordinator_flow(request)
    summary = []
    for name in flow.cohorts():
        states = [flow.state(k) for k in flow.keys(name)]
        summary.append({"name": name, "total": len(states),
                        "locked": sum(1 for s in states if s.current.locked)})
    return render(request, "cohorts.html", cohorts=summary)


@router.get("/cohort/{name}", response_class=HTMLResponse)
async def cohort(request: Request, name: str) -> Response:
    flow = _coordinator_flow(request)
    keys = flow.keys(name)
    if not keys:
        raise HTTPException(404)
    lang = lang_of(request)
    rows = [_row(flow, flow.state(k), lang) for k in keys]
    return render(request, "cohort.html", name=name, rows=rows, seats=flow.policy.jurors)


@router.post("/assign/{key:path}")
async def assign(request: Request, key: str) -> Response:
    flow = _coordinator_flow(request)
    form = await checked_form(request)
    try:
        state = flow.state(key)
        sheet = flow.sheet(state.versions[0])
        flow.import_sheet(sheet, cohort=state.cohort, candidate=state.candidate,
                          jurors=[str(form.get("juror", ""))])
        flash(request, "✔")
    except ReviewError as exc:
        flash(request, str(exc), "error")
        state = None
    cohort_name = state.cohort if state else key.split("/", 1)[0]
    return RedirectResponse(f"/cohort/{quote(cohort_name)}", status_code=303)


@router.get("/pv/{name}.{fmt}")
async def pv(request: Request, name: str, fmt: str) -> Response:
    flow = _coordinator_flow(request)
    if fmt not in ("md", "docx") or name not in flow.cohorts():
        raise HTTPException(404)
    from grader.review.certify import certify_store
    from grader.review.pv import render_docx, render_md

    lang = lang_of(request)
    reports = certify_store(flow.store, cohort=name, lang=lang, policy=flow.policy)
    if not reports:
        raise HTTPException(404)
    disposition = {"Content-Disposition": f'attachment; filename="pv-{name}.{fmt}"'}
    if fmt == "md":
        return Response(render_md(reports[0], lang), media_type="text/markdown; charset=utf-8",
                        headers=disposition)
    return Response(render_docx(reports[0], lang), headers=disposition,
                    media_type="application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document")


__all__ = ["router"]
