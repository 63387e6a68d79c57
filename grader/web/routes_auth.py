"""Login (rate-limited), logout, the change of the one-time password, and the invitation link
where a new juror chooses their password."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from grader.i18n import t
from grader.web.app import lang_of, render
from grader.web.auth import current_user, flash, log_in, log_out
from grader.web.csrf import checked_form
from grader.web.invites import InviteStatus, check, redeem

router = APIRouter()
MIN_PASSWORD = 10


def acceptable(new: str, again: str) -> bool:
    """The one password rule, for /password and /invite alike."""
    return len(new) >= MIN_PASSWORD and new == again


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    keys = [f"ip:{_client(request)}", f"user:{name.strip().casefold()}"]
    limiter = request.app.state.limiter
    wait = limiter.retry_after(keys)
    if wait:
        raise HTTPException(429, headers={"Retry-After": str(wait)})
    # Argon2 is slow on purpose: hash in a worker thread, not on the event loop.
    user = await run_in_threadpool(request.app.state.accounts.authenticate, name, password)
    if user is None:
        limiter.failed(keys)
        return render(request, "login.html", status_code=401,
                      error=t("web.login.wrong", lang_of(request)))
    limiter.succeeded(keys)
    if user.disabled:  # said only to whoever knows the password
        return render(request, "login.html", status_code=403,
                      error=t("web.login.disabled", lang_of(request)))
    log_in(request, user)
    request.app.state.accounts.touch(user.name)
    return RedirectResponse("/password" if user.must_change else "/", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    log_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/password", response_class=HTMLResponse)
async def password_page(request: Request) -> Response:
    request.state.user = current_user(request, allow_one_time=True)
    return render(request, "password.html", error=None, min_length=MIN_PASSWORD)


@router.post("/password")
async def change_password(request: Request) -> Response:
    user = current_user(request, allow_one_time=True)
    request.state.user = user
    form = await checked_form(request)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if not acceptable(new, again):
        return render(request, "password.html", status_code=400, min_length=MIN_PASSWORD,
                      error=t("web.password.rules", lang_of(request), n=MIN_PASSWORD))
    accounts = request.app.state.accounts
    accounts.set_password(user.name, new)
    log_in(request, accounts.get(user.name))
    flash(request, t("web.password.saved", lang_of(request)))
    return RedirectResponse("/", status_code=303)


_INVITE_STATUS = {InviteStatus.unknown: 404, InviteStatus.used: 410, InviteStatus.expired: 410}


@router.get("/invite/{token}", response_class=HTMLResponse)
async def invite_page(request: Request, token: str) -> Response:
    found = check(request.app.state.flow.store.engine, token)
    response = render(request, "invite.html", status_code=_INVITE_STATUS.get(found.status, 200),
                      status=found.status.value, name=found.name, token=token, error=None,
                      min_length=MIN_PASSWORD)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response


@router.post("/invite/{token}")
async def accept_invite(request: Request, token: str) -> Response:
    form = await checked_form(request)
    engine = request.app.state.flow.store.engine
    found = check(engine, token)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if found.status is InviteStatus.valid and not acceptable(new, again):
        return render(request, "invite.html", status_code=400, status=found.status.value,
                      name=found.name, token=token, min_length=MIN_PASSWORD,
                      error=t("web.password.rules", lang_of(request), n=MIN_PASSWORD))
    status = await run_in_threadpool(redeem, engine, token, new)
    if status is not InviteStatus.valid:
        return render(request, "invite.html", status_code=_INVITE_STATUS[status],
                      status=status.value, name=found.name, token=token, error=None,
                      min_length=MIN_PASSWORD)
    accounts = request.app.state.accounts
    log_in(request, accounts.get(found.name))
    accounts.touch(found.name)
    flash(request, t("web.password.saved", lang_of(request)))
    return RedirectResponse("/", status_code=303)


__all__ = ["acceptable", "router"]
