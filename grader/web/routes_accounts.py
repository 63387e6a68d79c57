"""« Comptes »: the coordinator creates accounts, issues invitation links, disables and enables
accounts — the same library calls as `grader users` (`grader.web.admin`).

A one-time password or an invitation link is shown once, in the answer to the form that made
it: never in a redirect's flash message, which travels in the (signed, not encrypted) cookie.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.i18n import t
from grader.web import admin
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash, require_coordinator
from grader.web.csrf import checked_form
from grader.web.invites import DEFAULT_HOURS
from grader.web.users import ROLES, User, UserError

router = APIRouter()
HERE = "/accounts"


def _coordinator(request: Request) -> User:
    user = request.state.user = current_user(request)
    require_coordinator(user)
    return user


def base_url(request: Request) -> str:
    """Where the invited person will open the link: GRADER_BASE_URL when set (behind a proxy
    the server cannot know its public name), else the address this request came to."""
    return os.environ.get("GRADER_BASE_URL") or str(request.base_url)


def _page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    engine = request.app.state.flow.store.engine
    context: dict[str, Any] = {"accounts": admin.listing(engine), "events": admin.recent(engine),
                               "roles": ROLES, "handover": None, "error": None, "kept": {},
                               "hours": f"{DEFAULT_HOURS:g}", **extra}
    response = render(request, "accounts.html", status_code=status_code, here=HERE, **context)
    if context["handover"] is not None:
        response.headers["Cache-Control"] = "no-store"  # a password must not stay in a cache
    return response


@router.get(HERE, response_class=HTMLResponse)
async def accounts_page(request: Request) -> Response:
    _coordinator(request)
    return _page(request)


@router.post(HERE)
async def create_account(request: Request) -> Response:
    user = _coordinator(request)
    form = await checked_form(request)
    lang = lang_of(request)
    name, role = str(form.get("name", "")), str(form.get("role", ""))
    invite = form.get("handover") == "invite"
    try:
        handover = admin.create(request.app.state.flow.store.engine, name, role,
                                actor=user.name, invite=invite, base_url=base_url(request),
                                lang=lang)
    except UserError as exc:
        return _page(request, 400, error=str(exc),
                     kept={"name": name, "role": role, "invite": invite})
    return _page(request, handover=handover)


@router.post(HERE + "/invite")
async def reinvite(request: Request) -> Response:
    user = _coordinator(request)
    form = await checked_form(request)
    try:
        handover = admin.reinvite(request.app.state.flow.store.engine, str(form.get("name", "")),
                                  actor=user.name, base_url=base_url(request),
                                  lang=lang_of(request))
    except UserError as exc:
        return _page(request, 400, error=str(exc))
    return _page(request, handover=handover)


async def _switch(request: Request, step: Any, done_key: str) -> Response:
    user = _coordinator(request)
    form = await checked_form(request)
    lang = lang_of(request)
    try:
        target = step(request.app.state.flow.store.engine, str(form.get("name", "")),
                      actor=user.name, lang=lang)
    except UserError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, t(done_key, lang, name=target.name))
    return RedirectResponse(HERE, status_code=303)


@router.post(HERE + "/disable")
async def disable(request: Request) -> Response:
    return await _switch(request, admin.disable, "web.accounts.disabled_now")


@router.post(HERE + "/enable")
async def enable(request: Request) -> Response:
    return await _switch(request, admin.enable, "web.accounts.enabled_now")


__all__ = ["base_url", "router"]
