"""The FastAPI application: one review store, its accounts, templates and routes.

`create_app` is what `grader serve` runs and what the tests drive; everything it needs comes in
as arguments, nothing from globals, so two apps over two stores never meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader.i18n import Lang, default_lang, t
from grader.review.policy import Policy
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from grader.web import csrf
from grader.web.auth import (
    LoginRequired,
    PasswordChangeRequired,
    RateLimiter,
    Sessions,
    session_middleware,
    take_flash,
)
from grader.web.history import ChainCheck
from grader.web.users import Accounts

HERE = Path(__file__).parent
LANG_COOKIE = "grader_lang"


def lang_of(request: Request) -> Lang:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or ""
    if chosen in ("fr", "en"):
        return chosen  # type: ignore[return-value]
    return default_lang()


def has_message(key: str) -> bool:
    from grader.i18n import _catalogue

    return key in _catalogue()


def lang_href(request: Request, lang: Lang, here: str | None = None) -> str:
    """The same page in `lang`. A page answered to a POST (an import report, a refused
    decision) has no URL of its own to reload — a GET there would be a 405 — so it names the
    page to go back to (`here`); a GET keeps its other parameters (the document's page)."""
    if here is None and request.method == "GET":
        path = request.url.path
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    else:
        path, params = here or "/", []
    return path + "?" + urlencode([*params, ("lang", lang)])


def render(request: Request, template: str, status_code: int = 200, here: str | None = None,
           **context: Any) -> HTMLResponse:
    """A page in the visitor's language, with the CSRF token and any flash message."""
    lang = lang_of(request)
    templates: Jinja2Templates = request.app.state.templates
    other: Lang = "en" if lang == "fr" else "fr"

    def tr_or(key: str, fallback: str, **kw: Any) -> str:
        # Codes from the sheet (flags) have a label only when the catalogue knows them.
        return t(key, lang, **kw) if has_message(key) else fallback

    base = {"lang": lang, "csrf_token": csrf.token(request), "flash": take_flash(request),
            "tr": lambda key, **kw: t(key, lang, **kw), "tr_or": tr_or,
            "colon": t("web.colon", lang), "lang_href": lang_href(request, other, here),
            "user": getattr(request.state, "user", None)}
    response = templates.TemplateResponse(request, template, {**base, **context},
                                          status_code=status_code)
    if request.query_params.get("lang") in ("fr", "en"):
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax")
    return response


def create_app(store: ReviewStore, *, doc_dirs: Sequence[Path] = (), policy: Policy | None = None,
               force_secure: bool = False, limiter: RateLimiter | None = None) -> FastAPI:
    app = FastAPI(title="grader", docs_url=None, redoc_url=None, openapi_url=None)
    accounts = Accounts(store.engine)
    app.state.flow = Workflow(store, policy)
    app.state.accounts = accounts
    app.state.limiter = limiter or RateLimiter(store.engine)
    app.state.doc_dirs = list(doc_dirs)
    app.state.chain_check = ChainCheck()
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.middleware("http")(session_middleware(Sessions(accounts.secret(), force_secure)))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _errors(app)
    from grader.web import (
        routes_accounts,
        routes_auth,
        routes_cohort,
        routes_history,
        routes_sheet,
    )

    for module in (routes_auth, routes_sheet, routes_history, routes_cohort, routes_accounts):
        app.include_router(module.router)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(request: Request, _: PasswordChangeRequired) -> Response:
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not hasattr(request.state, "session"):
            return HTMLResponse(str(exc.status_code), status_code=exc.status_code)
        key = {403: "web.error.403", 404: "web.error.404", 429: "web.error.429"}.get(
            exc.status_code, "web.error.other")
        response = render(request, "error.html", status_code=exc.status_code,
                          message=t(key, lang_of(request)), code=exc.status_code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response


__all__ = ["create_app", "has_message", "lang_href", "lang_of", "render"]
