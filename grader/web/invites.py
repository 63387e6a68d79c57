"""Invitation links: `grader users add NAME --invite` prints `/invite/<token>`, where the person
chooses their own password, so no password ever travels by e-mail.

The token is random (256 bits) and only its SHA-256 is stored: someone who reads the database
cannot use a pending invitation. A link works once and expires (72 h unless told otherwise).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, insert, select, update

from grader.i18n import Lang, t
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import clean_name
from grader.web.tables import invites, prepare, users
from grader.web.users import Accounts, UserError, hash_password

DEFAULT_HOURS = 72
"""Long enough to cross a weekend, short enough that a forgotten e-mail goes stale."""


class InviteStatus(StrEnum):
    valid = "valid"
    unknown = "unknown"
    used = "used"
    expired = "expired"


@dataclass(frozen=True)
class Invitation:
    name: str
    status: InviteStatus


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def invite(engine: Engine, name: str, role: str, hours: float = DEFAULT_HOURS,
           base_url: str = "", now: datetime | None = None, lang: Lang | None = None) -> str:
    """Create the account (no usable password yet) and return its invitation link."""
    accounts = Accounts(engine)
    accounts.add(name, role, lang)  # its one-time password is dropped: nobody will ever know it
    return base_url.rstrip("/") + "/invite/" + issue(engine, name, hours, now)


def reissue(engine: Engine, name: str, hours: float = DEFAULT_HOURS, base_url: str = "",
            now: datetime | None = None, lang: Lang | None = None) -> str:
    """A fresh link for an existing account; using it replaces the password (a reset)."""
    user = Accounts(engine).get(name)
    if user is None:
        raise UserError(t("web.users.unknown", lang, name=clean_name(name)))
    if user.disabled:  # the link would set a password nobody may use
        raise UserError(t("web.users.invite_disabled", lang, name=user.name))
    return base_url.rstrip("/") + "/invite/" + issue(engine, user.name, hours, now)


def issue(engine: Engine, name: str, hours: float = DEFAULT_HOURS,
          now: datetime | None = None) -> str:
    """A new single-use token for the existing account `name`; the account's earlier links
    that still worked expire now, so only the latest one handed over can be used."""
    prepare(engine)
    token = secrets.token_urlsafe(32)
    start = now or _now()
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        expire_pending(conn, name, start)
        conn.execute(insert(invites).values(
            hash=_digest(token), name=clean_name(name), created=start.isoformat(),
            expires=(start + timedelta(hours=hours)).isoformat(), used=None))
    return token


def expire_pending(conn: Connection, name: str, at: datetime | None = None) -> None:
    """End every unused link of `name` (a new link issued, the account disabled)."""
    when = (at or _now()).isoformat()
    folded = clean_name(name).casefold()
    pending = conn.execute(select(invites.c.hash, invites.c.name).where(
        invites.c.used.is_(None), invites.c.expires > when)).all()
    # Names compared casefolded in Python: SQL's lower() does not fold like str.casefold.
    hashes = [row.hash for row in pending if row.name.casefold() == folded]
    if hashes:
        conn.execute(update(invites).where(invites.c.hash.in_(hashes)).values(expires=when))


def latest(engine: Engine) -> dict[str, tuple[str, str | None]]:
    """Folded account name → (expiry, use time) of its most recent link."""
    with engine.connect() as conn:
        rows = conn.execute(select(invites).order_by(invites.c.created)).all()
    return {row.name.casefold(): (row.expires, row.used) for row in rows}


def check(engine: Engine, token: str) -> Invitation:
    with engine.connect() as conn:
        row = conn.execute(select(invites).where(invites.c.hash == _digest(token))).first()
    if row is None:
        return Invitation("", InviteStatus.unknown)
    if row.used is not None:
        return Invitation(row.name, InviteStatus.used)
    if datetime.fromisoformat(row.expires) <= _now():
        return Invitation(row.name, InviteStatus.expired)
    return Invitation(row.name, InviteStatus.valid)


def redeem(engine: Engine, token: str, password: str) -> InviteStatus:
    """Set the password and spend the token, in one transaction; a second use finds it spent."""
    found = check(engine, token)
    if found.status is not InviteStatus.valid:
        return found.status
    hashed = hash_password(password)  # slow on purpose: before the write lock, not under it
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        spent = conn.execute(update(invites).where(
            invites.c.hash == _digest(token), invites.c.used.is_(None),
            invites.c.expires > _now().isoformat()).values(used=_now().isoformat()))
        if spent.rowcount != 1:
            return InviteStatus.used
        conn.execute(update(users).where(users.c.folded == found.name.casefold())
                     .values(password=hashed, must_change=False))
    return InviteStatus.valid


__all__ = ["DEFAULT_HOURS", "Invitation", "InviteStatus", "check", "expire_pending", "invite",
           "issue", "latest", "redeem", "reissue"]
