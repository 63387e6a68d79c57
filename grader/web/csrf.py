"""CSRF protection: every form carries the token of the session it was served in.

The token lives in the signed session cookie (synchroniser pattern); a POST whose `csrf` field
does not match is refused with 403 before anything is read or written.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

FIELD = "csrf"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token(request: Request) -> str:
    return str(request.state.session["c"])


async def checked_form(request: Request, max_files: int = 1000) -> FormData:
    """The posted form, once its CSRF token is known to be this session's. Uploaded files are
    spooled by Starlette while the form is parsed, but nothing reads them before this check."""
    form = await request.form(max_files=max_files)
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, token(request)):
        raise HTTPException(status_code=403, detail="csrf")
    return form


__all__ = ["FIELD", "checked_form", "new_token", "token"]
