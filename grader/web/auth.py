"""Sessions, logging in and out, and the "who may see this" checks (the login rate limit
lives in `grader.web.limiter`, re-exported here).

The session is a signed cookie (itsdangerous): HttpOnly, SameSite=Lax, Secure whenever the
request came over TLS (directly or through a trusted reverse proxy). It names the account and
carries a stamp of its password hash, so changing a password ends the other sessions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from grader.web.csrf import new_token
from grader.web.limiter import RateLimiter
from grader.web.users import Accounts, User

COOKIE = "grader_session"
MAX_AGE = 12 * 3600
"""A working day: a juror who leaves the laptop open overnight logs in again."""


class LoginRequired(Exception):
    """Raised by a page that needs an account; the app answers with a redirect to /login."""


class PasswordChangeRequired(Exception):
    """The one-time password is still in use; the app redirects to /password."""


class Sessions:
    """Read and write the signed session cookie."""

    def __init__(self, secret: str, force_secure: bool = False) -> None:
        self.signer = URLSafeTimedSerializer(secret, salt="grader-session")
        self.force_secure = force_secure

    def load(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self.signer.loads(raw, max_age=MAX_AGE)
                if isinstance(data, dict) and "c" in data:
                    return data
            except BadSignature:
                pass
        return {"c": new_token()}

    def save(self, request: Request, response: Response, data: dict[str, Any]) -> None:
        secure = self.force_secure or request.url.scheme == "https"
        response.set_cookie(COOKIE, self.signer.dumps(data), max_age=MAX_AGE, httponly=True,
                            samesite="lax", secure=secure, path="/")


def session_middleware(sessions: Sessions) -> Callable[..., Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                         ) -> Response:
        request.state.session = sessions.load(request)
        before = dict(request.state.session)
        response = await call_next(request)
        if request.state.session != before or COOKIE not in request.cookies:
            sessions.save(request, response, request.state.session)
        return response

    return middleware


def log_in(request: Request, user: User) -> None:
    # A fresh CSRF token at login: a token seen before authentication is worth nothing after.
    request.state.session = {"u": user.name, "s": user.stamp, "c": new_token()}


def log_out(request: Request) -> None:
    request.state.session = {"c": new_token()}


def current_user(request: Request, allow_one_time: bool = False) -> User:
    accounts: Accounts = request.app.state.accounts
    session = request.state.session
    user = accounts.get(session["u"]) if session.get("u") else None
    # A disabled account's stamp changed too; the flag is checked as well, so that this
    # never depends on how the stamp is made.
    if user is None or user.disabled or user.stamp != session.get("s"):
        raise LoginRequired()
    if user.must_change and not allow_one_time:
        raise PasswordChangeRequired()
    return user


def require_coordinator(user: User) -> None:
    if not user.coordinator:
        raise HTTPException(status_code=403)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.state.session = {**request.state.session, "f": [kind, message]}


def take_flash(request: Request) -> tuple[str, str] | None:
    found = request.state.session.get("f")
    if not found:
        return None
    request.state.session = {k: v for k, v in request.state.session.items() if k != "f"}
    return found[0], found[1]


__all__ = ["COOKIE", "LoginRequired", "PasswordChangeRequired", "RateLimiter", "Sessions",
           "current_user", "flash", "log_in", "log_out", "require_coordinator",
           "session_middleware", "take_flash"]
