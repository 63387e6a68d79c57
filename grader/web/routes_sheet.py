"""The juror's pages: my submissions, the scoring sheet, the document page beside it, and the
decisions (confirm, change with a comment, enter, blind level, reconcile) — each one a call to
the review workflow, so it lands in the append-only log exactly as from the command line."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from grader.review import state as st
from grader.review.errors import ReviewError
from grader.review.workflow import Workflow
from grader.web.access import juror_name, my_keys, visible_state
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash
from grader.web.csrf import checked_form
from grader.web.documents import highlight, is_pdf, page_of, page_texts, pdf_bytes

router = APIRouter()


def _flow(request: Request) -> Workflow:
    return request.app.state.flow  # type: ignore[no-any-return]


def bucket(state: st.SubmissionState, me: str | None) -> str:
    """`locked`, `started` (I have decided something) or `todo`."""
    if state.current.locked:
        return "locked"
    return "started" if me and state.current.decisions.get(me) else "todo"


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    user = request.state.user = current_user(request)
    if user.coordinator:
        return RedirectResponse("/cohorts", status_code=303)
    groups: dict[str, list[dict[str, Any]]] = {"todo": [], "started": [], "locked": []}
    for state in my_keys(_flow(request), user):
        me = juror_name(state, user)
        total = len(_flow(request).sheet(state.current).criteria)
        groups[bucket(state, me)].append({"key": state.key, "state": state, "total": total,
                                          "done": len(state.current.decisions.get(me or "", {}))})
    return render(request, "home.html", groups=groups)


def sheet_context(request: Request, key: str) -> dict[str, Any]:
    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    flow = _flow(request)
    version = state.current
    me = juror_name(state, user)
    mine = version.decisions.get(me or "", {})
    blind_done = version.blind.get(me or "", {})
    pend = flow.pending(state)
    return {"key": key, "state": state, "sheet": flow.sheet(version), "version": version,
            "me": me, "mine": mine, "blind_done": blind_done, "pending": pend,
            "can_decide": me is not None and not version.locked,
            "can_reconcile": (user.coordinator or me is not None) and not version.locked,
            "note": version.lock.payload.get("note") if version.lock else None}


@router.get("/sheet/{key:path}", response_class=HTMLResponse)
async def sheet_page(request: Request, key: str) -> Response:
    return render(request, "sheet.html", **sheet_context(request, key))


def _back(key: str, criterion: str = "") -> RedirectResponse:
    anchor = f"#crit-{criterion}" if criterion else ""
    return RedirectResponse(f"/sheet/{quote(key)}{anchor}", status_code=303)


def _level(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(400) from None


async def _decision_request(request: Request, key: str) -> tuple[Any, str, Any]:
    user = request.state.user = current_user(request)
    form = await checked_form(request)
    state = visible_state(request, key, user)
    me = juror_name(state, user)
    if me is None:
        raise HTTPException(403)
    return form, me, state


@router.post("/decide/{key:path}")
async def decide(request: Request, key: str) -> Response:
    form, me, state = await _decision_request(request, key)
    criterion = str(form.get("criterion", ""))
    if form.get("action") == "confirm":
        entry = _flow(request).sheet(state.current).criterion(criterion)
        if entry.draft is None or entry.draft.level is None:
            raise HTTPException(400)
        level = entry.draft.level
    else:
        level = _level(form.get("level"))
    return _run(request, key, criterion, lambda: _flow(request).decide(
        key, me, criterion, level, str(form.get("comment", "")), source="web"))


@router.post("/blind/{key:path}")
async def blind(request: Request, key: str) -> Response:
    form, me, _ = await _decision_request(request, key)
    criterion = str(form.get("criterion", ""))
    level = _level(form.get("level"))
    return _run(request, key, criterion, lambda: _flow(request).record_blind(
        key, me, criterion, level, source="web"))


@router.post("/reconcile/{key:path}")
async def reconcile(request: Request, key: str) -> Response:
    user = request.state.user = current_user(request)
    form = await checked_form(request)
    state = visible_state(request, key, user)
    if not (user.coordinator or juror_name(state, user)):
        raise HTTPException(403)
    criterion = str(form.get("criterion", ""))
    level = _level(form.get("level"))
    return _run(request, key, criterion, lambda: _flow(request).reconcile(
        key, criterion, level, str(form.get("note", "")), by=user.name))


def _run(request: Request, key: str, criterion: str, step: Any) -> Response:
    """Do one workflow step; a refusal (no comment, locked...) comes back as a message."""
    lang = lang_of(request)
    try:
        result = step()
    except ReviewError as exc:
        flash(request, str(exc), "error")
        return _back(key, criterion)
    from grader.i18n import t

    flash(request, t("web.sheet.locked_now" if result.locked else "web.sheet.saved", lang))
    return _back(key, criterion)


MAX_QUOTE = 2000
"""Characters of a quote searched on the page image; a sheet's quotes are far shorter."""


# Declared before /doc/{key:path}, which would otherwise swallow these URLs.
@router.get("/doc/{key:path}/page/{number:int}.png")
async def page_image(request: Request, key: str, number: int, q: str = "") -> Response:
    """The PDF page as a PNG, the quote painted; 404 to whoever may not see the sheet."""
    from grader.web.page_image import render_page

    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    data = pdf_bytes(_flow(request).store.engine, state, request.app.state.doc_dirs)
    image = await run_in_threadpool(render_page, data, number, q[:MAX_QUOTE]) if data else None
    if image is None:
        raise HTTPException(404)
    return Response(image.png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=600",
                             "X-Quote-Found": "1" if image.found else "0"})


@router.get("/doc/{key:path}", response_class=HTMLResponse)
async def document_page(request: Request, key: str, page: int | None = None, q: str = "",
                        partial: bool = False) -> Response:
    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    texts = page_texts(_flow(request).store.engine, state, request.app.state.doc_dirs)
    context: dict[str, Any] = {"key": key, "state": state, "texts": texts, "quote": q}
    if texts:
        number = page_of(texts, q, page) if q else (page if page in texts else min(texts))
        context.update(number=number, body=highlight(texts[number], q) if q else None,
                       text=texts[number], image=is_pdf(state) and pdf_bytes(
                           _flow(request).store.engine, state, request.app.state.doc_dirs)
                       is not None)
    return render(request, "doc_partial.html" if partial else "doc.html", **context)


@router.get("/docx/{key:path}")
async def sheet_docx(request: Request, key: str) -> Response:
    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    from grader.sheet.render_docx import render_docx

    body = render_docx(_flow(request).sheet(state.current), lang_of(request))
    name = key.replace("/", "_") + ".docx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["bucket", "router"]
