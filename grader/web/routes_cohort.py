"""The coordinator's pages: cohorts and their progress, importing a cohort, juror assignment,
the QCM/TOEIC results and the procès-verbal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader.errors import GraderError
from grader.i18n import t
from grader.review import state as st
from grader.review.errors import ReviewError, describe
from grader.review.views import describe_pending, fmt_note
from grader.review.workflow import Workflow
from grader.web import results as results_files
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash, require_coordinator
from grader.web.csrf import checked_form
from grader.web.imports import (
    MAX_FILES,
    MAX_UPLOAD_BYTES,
    ImportLimitError,
    Upload,
    check_cohort,
    import_uploads,
)
from grader.web.seating import Seating, fill_seats
from grader.web.users import Accounts, UserError

router = APIRouter()


def _coordinator_flow(request: Request) -> Workflow:
    user = request.state.user = current_user(request)
    require_coordinator(user)
    return request.app.state.flow  # type: ignore[no-any-return]


def _accounts(request: Request) -> Accounts:
    return request.app.state.accounts  # type: ignore[no-any-return]


def _row(flow: Workflow, state: st.SubmissionState, lang: Any) -> dict[str, Any]:
    total = len(flow.sheet(state.current).criteria)
    lock = state.current.lock
    return {"state": state, "total": total,
            "done": {j: len(state.current.decisions.get(j, {})) for j in state.jurors},
            "locked": lock is not None,
            "note": fmt_note(lock.payload.get("note"), lang) if lock else "—",
            "status": "" if lock else describe_pending(flow, state, lang)}


def _cohorts_page(request: Request, flow: Workflow, status_code: int = 200,
                  error: str | None = None, cohort: str = "") -> Response:
    summary = []
    for name in flow.cohorts():
        states = [flow.state(k) for k in flow.keys(name)]
        summary.append({"name": name, "total": len(states),
                        "locked": sum(1 for s in states if s.current.locked)})
    return render(request, "cohorts.html", status_code=status_code, cohorts=summary,
                  jurors=_accounts(request).jurors(), error=error, cohort=cohort,
                  max_files=MAX_FILES, max_mb=MAX_UPLOAD_BYTES >> 20)


@router.get("/cohorts", response_class=HTMLResponse)
async def cohorts(request: Request) -> Response:
    return _cohorts_page(request, _coordinator_flow(request))


def _declared_length(request: Request) -> int:
    """The body's announced size; uvicorn never delivers more than that, so it bounds the
    upload before Starlette spools a single byte. None announced counts as too large."""
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else MAX_UPLOAD_BYTES + 1


async def _uploads(request: Request, limit: int, lang: Any, too_big: str = ""
                   ) -> tuple[Any, list[Upload]]:
    """The posted files; `too_big` is the refusal when the request exceeds `limit` (the
    import's wording by default: a results CSV has its own)."""
    if _declared_length(request) > limit:
        raise ImportLimitError(too_big or t("web.import.too_big", lang, mb=limit >> 20))
    try:
        form = await checked_form(request, max_files=MAX_FILES)
    except StarletteHTTPException as exc:  # what Starlette raises past `max_files`
        if exc.status_code != 400:  # 403: a missing or foreign CSRF token stays a 403
            raise
        raise ImportLimitError(t("web.import.too_many", lang, n=MAX_FILES)) from None
    uploads = [Upload(item.filename or "", await item.read())
               for item in form.getlist("files") if isinstance(item, UploadFile)
               and item.filename]
    return form, uploads


@router.post("/import")
async def import_cohort(request: Request) -> Response:
    flow = _coordinator_flow(request)
    lang = lang_of(request)
    cohort = ""
    try:
        form, uploads = await _uploads(request, MAX_UPLOAD_BYTES, lang)
        cohort = str(form.get("cohort", ""))
        name = check_cohort(cohort, lang)
        jurors = _accounts(request).require_jurors(
            [str(v) for v in form.getlist("jurors")], lang)
        if not uploads:
            raise ImportLimitError(t("web.import.nothing", lang))
    except ImportLimitError as exc:
        status = 413 if _declared_length(request) > MAX_UPLOAD_BYTES else 400
        return _cohorts_page(request, flow, status, str(exc), cohort)
    except UserError as exc:
        return _cohorts_page(request, flow, 400, str(exc), cohort)
    try:
        # Reading documents (PDF text, DOCX) is slow work: off the event loop.
        report = await run_in_threadpool(import_uploads, flow, name, jurors, uploads, lang)
    except ImportLimitError as exc:
        return _cohorts_page(request, flow, 413, str(exc), cohort)
    return render(request, "import_result.html", report=report, here="/cohorts")


@router.get("/import")
async def import_again(request: Request) -> Response:
    """The report's URL reloaded, or shown in the other language: back to the import form
    (the report itself was the answer to the upload and is not kept)."""
    _coordinator_flow(request)
    lang = request.query_params.get("lang")
    return RedirectResponse("/cohorts" + (f"?lang={lang}" if lang in ("fr", "en") else ""),
                            status_code=303)


@router.get("/cohort/{name}", response_class=HTMLResponse)
async def cohort(request: Request, name: str) -> Response:
    flow = _coordinator_flow(request)
    keys = flow.keys(name)
    if not keys:
        raise HTTPException(404)
    lang = lang_of(request)
    rows = sorted((_row(flow, flow.state(k), lang) for k in keys),
                  key=lambda r: (r["state"].candidate, r["state"].deliverable))
    outcome: dict[str, Any] = {"report": None, "error": None, "head": [], "rows": []}
    try:
        report = results_files.certify_cohort(flow, name, lang)
    except GraderError as exc:
        outcome["error"] = describe(exc, lang)
    else:
        if report is not None:
            from grader.review.pv import summary_rows

            outcome["report"] = report
            outcome["head"], outcome["rows"] = summary_rows(report, lang)
    free = sum(max(0, flow.policy.jurors - len(r["state"].jurors)) for r in rows
               if not r["locked"])
    return render(request, "cohort.html", name=name, rows=rows, seats=flow.policy.jurors,
                  free_seats=free, blind=flow.is_blind(name),
                  jurors=_accounts(request).jurors(), outcome=outcome,
                  uploads=results_files.history(flow.store.engine, name))


def _to_cohort(name: str) -> RedirectResponse:
    return RedirectResponse(f"/cohort/{quote(name)}", status_code=303)


@router.post("/assign/{key:path}")
async def assign(request: Request, key: str) -> Response:
    flow = _coordinator_flow(request)
    form = await checked_form(request)
    state = None
    try:
        state = flow.state(key)
        jurors = _accounts(request).require_jurors([str(form.get("juror", ""))],
                                                   lang_of(request))
        if not jurors:
            raise UserError(t("web.users.no_juror", lang_of(request), name="—"))
        sheet = flow.sheet(state.versions[0])
        flow.import_sheet(sheet, cohort=state.cohort, candidate=state.candidate, jurors=jurors)
        flash(request, t("web.cohort.assigned", lang_of(request), juror=jurors[0],
                         candidate=state.candidate, deliverable=state.deliverable))
    except (ReviewError, UserError) as exc:
        flash(request, describe(exc, lang_of(request)), "error")
    return _to_cohort(state.cohort if state else key.split("/", 1)[0])


def _seats(value: object, most: int) -> int | None:
    try:
        seats = int(str(value))
    except ValueError:
        return None
    return seats if 1 <= seats <= most else None


@router.post("/cohort/{name}/blind")
async def set_blind(request: Request, name: str) -> Response:
    """Blind review on or off for the cohort: the same event as `grader review cohort`."""
    flow = _coordinator_flow(request)
    if name not in flow.cohorts():
        raise HTTPException(404)
    form = await checked_form(request)
    blind = form.get("blind") == "1"
    flow.set_cohort(name, blind=blind, by=request.state.user.name)
    flash(request, t("web.blind.on" if blind else "web.blind.off", lang_of(request)))
    return _to_cohort(name)


@router.post("/fill/{name}")
async def fill(request: Request, name: str) -> Response:
    """« Répartir les copies »: every free seat of the cohort, the load balanced."""
    flow = _coordinator_flow(request)
    if name not in flow.cohorts():
        raise HTTPException(404)
    form = await checked_form(request)
    lang = lang_of(request)
    most = flow.policy.jurors
    try:
        jurors = _accounts(request).require_jurors([str(v) for v in form.getlist("jurors")],
                                                   lang)
        seats = _seats(form.get("seats", most), most)
        if seats is None:
            raise UserError(t("web.fill.bad_seats", lang, max=most))
        if len(jurors) < seats:
            raise UserError(t("web.fill.too_few", lang, seats=seats))
    except UserError as exc:
        flash(request, str(exc), "error")
        return _to_cohort(name)
    done = await run_in_threadpool(fill_seats, flow, name, jurors, seats)
    flash(request, _fill_message(done, lang), "error" if done.failed else "ok")
    return _to_cohort(name)


def _fill_message(done: Seating, lang: Any) -> str:
    if not done.total and not done.failed:
        return t("web.fill.nothing", lang)
    detail = ", ".join(f"{juror} {n}" for juror, n in done.added.items())
    message = t("web.fill.done", lang, n=done.total, detail=detail)
    if done.failed:
        problems = " ; ".join(f"{key} : {why}" for key, why in done.failed)
        message = t("web.fill.partial", lang, done=message, problems=problems)
    return message


@router.post("/results/{name}")
async def upload_results(request: Request, name: str) -> Response:
    flow = _coordinator_flow(request)
    if name not in flow.cohorts():
        raise HTTPException(404)
    lang = lang_of(request)
    try:
        limit = results_files.MAX_RESULTS_BYTES
        form, uploads = await _uploads(request, limit, lang,
                                       t("web.results.too_big", lang, kb=limit >> 10))
        if len(uploads) != 1:
            raise ImportLimitError(t("web.results.one_file", lang))
        user = request.state.user.name
        await run_in_threadpool(results_files.upload, flow, name, uploads[0].name,
                                uploads[0].data, user, lang)
    except (ImportLimitError, results_files.ResultsUploadError) as exc:
        flash(request, str(exc), "error")
        return _to_cohort(name)
    flash(request, t("web.results.stored", lang, file=results_files.safe_name(uploads[0].name)))
    return _to_cohort(name)


@router.get("/pv/{name}.{fmt}")
async def pv(request: Request, name: str, fmt: str) -> Response:
    flow = _coordinator_flow(request)
    if fmt not in ("md", "docx") or name not in flow.cohorts():
        raise HTTPException(404)
    from grader.review.pv import render_docx, render_md

    lang = lang_of(request)
    try:
        report = results_files.certify_cohort(flow, name, lang)
    except GraderError as exc:
        flash(request, describe(exc, lang), "error")
        return _to_cohort(name)
    if report is None:
        raise HTTPException(404)
    disposition = {"Content-Disposition": f'attachment; filename="pv-{quote(name)}.{fmt}"'}
    if fmt == "md":
        return Response(render_md(report, lang), media_type="text/markdown; charset=utf-8",
                        headers=disposition)
    return Response(render_docx(report, lang), headers=disposition,
                    media_type="application/vnd.openxmlformats-officedocument."
                    "wordprocessingml.document")


__all__ = ["router"]
