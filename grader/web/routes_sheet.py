"""The juror's pages: my submissions, the scoring sheet, the document page beside it, and the
decisions (confirm, change with a comment, enter, blind level, reconcile) — each one a call to
the review workflow, so it lands in the append-only log exactly as from the command line."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from grader.i18n import Lang, t
from grader.review import state as st
from grader.review.errors import ReviewError
from grader.review.views import describe_pending, fmt_note
from grader.review.workflow import Workflow
from grader.web import history
from grader.web.access import juror_name, my_keys, visible_state
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash
from grader.web.csrf import checked_form
from grader.web.documents import (
    highlight,
    is_pdf,
    mismatch,
    page_of,
    page_texts,
    pdf_bytes,
    stored_mismatch,
)

router = APIRouter()


def _flow(request: Request) -> Workflow:
    return request.app.state.flow  # type: ignore[no-any-return]


def bucket(state: st.SubmissionState, me: str | None, total: int) -> str:
    """`locked`, `waiting` (I have decided everything: the other juror or a reconciliation is
    still to come), `started` (I have decided something) or `todo`."""
    if state.current.locked:
        return "locked"
    done = len(state.current.decisions.get(me or "", {})) if me else 0
    if done and done >= total:
        return "waiting"
    return "started" if done else "todo"


GROUPS = ("todo", "started", "waiting", "locked")


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    user = request.state.user = current_user(request)
    if user.coordinator:
        return RedirectResponse("/cohorts", status_code=303)
    flow, lang = _flow(request), lang_of(request)
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    for state in my_keys(flow, user):
        me = juror_name(state, user)
        sheet = flow.sheet(state.current)
        total = len(sheet.criteria)
        group = bucket(state, me, total)
        groups[group].append({
            "key": state.key, "state": state, "total": total, "title": sheet.deliverable_title,
            "done": len(state.current.decisions.get(me or "", {})),
            "status": describe_pending(flow, state, lang) if group == "waiting" else ""})
    for rows in groups.values():
        rows.sort(key=lambda r: (r["state"].cohort, r["state"].candidate, r["state"].deliverable))
    return render(request, "home.html", groups=groups, group_names=GROUPS)


def reviewed(state: st.SubmissionState, version: st.Version) -> st.Version:
    """The version that holds the jurors' own decisions: a correction (version 2 and later)
    records only its changes, on top of the first version's decisions."""
    while version.base is not None:
        version = state.version(version.base)
    return version


def sheet_context(request: Request, key: str) -> dict[str, Any]:
    user = request.state.user = current_user(request)
    state = visible_state(request, key, user)
    flow = _flow(request)
    lang = lang_of(request)
    version = state.current
    record = reviewed(state, version)
    me = juror_name(state, user)
    mine = record.decisions.get(me or "", {})
    blind_done = record.blind.get(me or "", {})
    pend = flow.pending(state)
    note = version.lock.payload.get("note") if version.lock else None
    sheet = flow.sheet(version)
    found = stored_mismatch(flow.store.engine, sheet.submission)
    return {"key": key, "state": state, "sheet": sheet, "version": version,
            "me": me, "mine": mine, "blind_done": blind_done, "pending": pend,
            "can_decide": me is not None and not version.locked,
            "can_reconcile": (user.coordinator or me is not None) and not version.locked,
            "status": "" if version.locked else describe_pending(flow, state, lang),
            "agreed": record.reconciliations, "decisions": record.decisions,
            "final": st.final_levels(state, version, flow.policy) if version.locked else {},
            "correction": correction_entry(flow, state, version, lang),
            "can_correct": user.coordinator and version.locked, "correcting": None,
            "refused": None, "note": fmt_note(note, lang) if version.lock else None,
            "mismatch": found.message(lang) if found else None}


def correction_entry(flow: Workflow, state: st.SubmissionState, version: st.Version,
                     lang: Lang) -> Any:
    """The history's row of the correction that made `version` (None for a first version)."""
    if version.base is None:
        return None
    made = [e for e in flow.store.events(submission=state.key, kinds=["correct"])
            if e.version == version.number]
    return history.row(made[-1], lang) if made else None


@router.get("/sheet/{key:path}", response_class=HTMLResponse)
async def sheet_page(request: Request, key: str) -> Response:
    return render(request, "sheet.html", **sheet_context(request, key))


def _back(key: str, criterion: str = "") -> RedirectResponse:
    anchor = f"#crit-{criterion}" if criterion else ""
    return RedirectResponse(f"/sheet/{quote(key)}{anchor}", status_code=303)


class Refused(Exception):
    """A decision the page refuses before the library sees it, with the visitor's message."""


def _level(value: object, lang: Lang) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Refused(t("web.sheet.pick_level", lang)) from None


async def _decision_request(request: Request, key: str) -> tuple[Any, str, Any]:
    user = request.state.user = current_user(request)
    form = await checked_form(request)
    state = visible_state(request, key, user)
    me = juror_name(state, user)
    if me is None:
        raise HTTPException(403)
    return form, me, state


def _open(state: st.SubmissionState, lang: Lang) -> None:
    # The library's own refusal names the correction command; a juror whose tab was open while
    # the other juror locked the sheet needs to know what happened, not a command line.
    if state.current.locked:
        raise Refused(t("web.sheet.already_locked", lang))


def _criterion(request: Request, state: st.SubmissionState, criterion: str) -> Any:
    try:
        return _flow(request).sheet(state.current).criterion(criterion)
    except KeyError:
        raise HTTPException(400) from None


@router.post("/decide/{key:path}")
async def decide(request: Request, key: str) -> Response:
    form, me, state = await _decision_request(request, key)
    lang = lang_of(request)
    criterion, comment = str(form.get("criterion", "")), str(form.get("comment", ""))
    entry = _criterion(request, state, criterion)
    kept: dict[str, Any] = {"form": "confirm" if form.get("action") == "confirm" else "level",
                            "level": None, "text": comment}
    try:
        _open(state, lang)
        if form.get("action") == "confirm":
            if entry.draft is None or entry.draft.level is None:
                raise HTTPException(400)
            level = entry.draft.level
        else:
            level = kept["level"] = _level(form.get("level"), lang)
        if st.entry_action(entry, level) == "overridden" and not comment.strip():
            raise Refused(t("web.sheet.comment_needed", lang, draft=entry.draft.level,
                            level=level))
    except Refused as exc:
        return _refused(request, key, criterion, str(exc), kept)
    return _run(request, key, criterion, kept, lambda: _flow(request).decide(
        key, me, criterion, level, comment, source="web"))


@router.post("/blind/{key:path}")
async def blind(request: Request, key: str) -> Response:
    form, me, state = await _decision_request(request, key)
    lang = lang_of(request)
    criterion = str(form.get("criterion", ""))
    _criterion(request, state, criterion)
    kept: dict[str, Any] = {"form": "blind", "level": None, "text": ""}
    try:
        _open(state, lang)
        level = kept["level"] = _level(form.get("level"), lang)
    except Refused as exc:
        return _refused(request, key, criterion, str(exc), kept)
    return _run(request, key, criterion, kept, lambda: _flow(request).record_blind(
        key, me, criterion, level, source="web"))


@router.post("/reconcile/{key:path}")
async def reconcile(request: Request, key: str) -> Response:
    user = request.state.user = current_user(request)
    form = await checked_form(request)
    state = visible_state(request, key, user)
    if not (user.coordinator or juror_name(state, user)):
        raise HTTPException(403)
    lang = lang_of(request)
    criterion, note = str(form.get("criterion", "")), str(form.get("note", ""))
    _criterion(request, state, criterion)
    kept: dict[str, Any] = {"form": "reconcile", "level": None, "text": note}
    try:
        _open(state, lang)
        level = kept["level"] = _level(form.get("level"), lang)
        if not note.strip():  # the library's message names the command-line flags
            raise Refused(t("web.sheet.note_needed", lang))
    except Refused as exc:
        return _refused(request, key, criterion, str(exc), kept)
    return _run(request, key, criterion, kept, lambda: _flow(request).reconcile(
        key, criterion, level, note, by=user.name))


def _refused(request: Request, key: str, criterion: str, message: str,
             kept: dict[str, Any]) -> Response:
    """The sheet again, the refused form open with what the juror typed and the reason beside
    it: a redirect would lose a comment that took minutes to write."""
    context = sheet_context(request, key)
    context["refused"] = {"criterion": criterion, "message": message, **kept}
    return render(request, "sheet.html", status_code=400, here=f"/sheet/{quote(key)}",
                  **context)


def _run(request: Request, key: str, criterion: str, kept: dict[str, Any], step: Any
         ) -> Response:
    """Do one workflow step; a refusal (third juror, off the scale...) comes back as a
    message on the sheet, nothing recorded."""
    lang = lang_of(request)
    try:
        result = step()
    except ReviewError as exc:
        return _refused(request, key, criterion, exc.render(lang_of(request)), kept)
    if result.locked:
        message = t("web.sheet.locked_now", lang)
    elif criterion in _flow(request).pending(result.state).to_reconcile:
        message = t("web.sheet.saved_gap", lang)
    else:
        message = t("web.sheet.saved", lang)
    flash(request, message)
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
    found = mismatch(texts, _flow(request).sheet(state.current).submission)
    context: dict[str, Any] = {"key": key, "state": state, "texts": texts, "quote": q,
                               "mismatch": found.message(lang_of(request)) if found else None}
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


__all__ = ["bucket", "reviewed", "router", "sheet_context"]
