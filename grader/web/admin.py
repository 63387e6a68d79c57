"""Account administration, shared by the « Comptes » page and `grader users`: create an account
(one-time password or invitation link), issue a new link, disable and enable, list the accounts
with their status, and keep a record of who did what and when.

A disabled account is not deleted: its name stays on the panels and in the hashed log, which
must keep naming who decided. It can no longer log in, and its open sessions end at their next
request (`Accounts.get` flags it, `current_user` refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select, update

from grader.i18n import Lang, t
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import clean_name
from grader.web import invites
from grader.web.tables import account_events, disabled
from grader.web.users import Accounts, User, UserError

RECENT_EVENTS = 30
"""How many account events the page shows; the table keeps them all."""


class Status(StrEnum):
    active = "active"
    pending = "pending"
    """An invitation link is waiting to be used."""
    expired = "expired"
    """The last link expired unused and no password was ever chosen."""
    disabled = "disabled"


@dataclass(frozen=True)
class Account:
    user: User
    status: Status
    last_login: str | None
    provisional: bool
    """Still on the one-time password shown at creation (nobody has chosen one yet)."""


@dataclass(frozen=True)
class Handover:
    """What is shown once to the coordinator, to pass on to the person."""

    name: str
    role: str
    password: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class AccountEvent:
    at: str
    actor: str
    action: str
    name: str
    detail: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


def record(engine: Engine, actor: str, action: str, name: str, detail: str = "") -> None:
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        conn.execute(insert(account_events).values(at=_now(), actor=actor, action=action,
                                                   name=name, detail=detail))


def recent(engine: Engine, limit: int = RECENT_EVENTS) -> list[AccountEvent]:
    """The latest account events, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(account_events).order_by(account_events.c.id.desc())
                            .limit(limit)).all()
    return [AccountEvent(r.at, r.actor, r.action, r.name, r.detail) for r in rows]


def create(engine: Engine, name: str, role: str, *, actor: str, invite: bool = False,
           base_url: str = "", hours: float = invites.DEFAULT_HOURS,
           lang: Lang | None = None) -> Handover:
    """A new account, handed over by a one-time password or an invitation link."""
    if invite:
        link = invites.invite(engine, name, role, hours, base_url, lang=lang)
        password = None
    else:
        password, link = Accounts(engine).add(name, role, lang), None
    clean = clean_name(name)
    record(engine, actor, "created", clean, f"{role}:{'invite' if invite else 'password'}")
    return Handover(clean, role, password, link)


def reinvite(engine: Engine, name: str, *, actor: str, base_url: str = "",
             hours: float = invites.DEFAULT_HOURS, lang: Lang | None = None) -> Handover:
    """A new link for an existing account; its earlier links stop working."""
    link = invites.reissue(engine, name, hours, base_url, lang=lang)
    user = Accounts(engine).get(name)
    assert user is not None  # reissue refuses an unknown name
    record(engine, actor, "invited", user.name)
    return Handover(user.name, user.role, link=link)


def _existing(accounts: Accounts, name: str, lang: Lang | None) -> User:
    user = accounts.get(name)
    if user is None:
        raise UserError(t("web.users.unknown", lang, name=clean_name(name)))
    return user


def disable(engine: Engine, name: str, *, actor: str, lang: Lang | None = None) -> User:
    """Disable `name`. Refused for oneself, and for the last active coordinator: nobody would be
    left to enable anyone again (the terminal could, but the browser is where people look)."""
    accounts = Accounts(engine)
    user = _existing(accounts, name, lang)
    if user.disabled:
        return user
    if actor and actor.casefold() == user.name.casefold():
        raise UserError(t("web.accounts.not_yourself", lang))
    if user.coordinator and not any(u.coordinator and not u.disabled and u.name != user.name
                                    for u in accounts.everyone()):
        raise UserError(t("web.accounts.last_coordinator", lang, name=user.name))
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        conn.execute(insert(disabled).values(folded=user.name.casefold(), actor=actor,
                                             at=_now()))
        invites.expire_pending(conn, user.name)  # a pending link must not outlive the account
    record(engine, actor, "disabled", user.name)
    return user


def enable(engine: Engine, name: str, *, actor: str, lang: Lang | None = None) -> User:
    """Enable `name` again; the sessions it had before stay ended (the stamp counts disablings)."""
    user = _existing(Accounts(engine), name, lang)
    if not user.disabled:
        return user
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        conn.execute(update(disabled).where(disabled.c.folded == user.name.casefold(),
                                            disabled.c.lifted_at.is_(None))
                     .values(lifted_by=actor, lifted_at=_now()))
    record(engine, actor, "enabled", user.name)
    return user


def listing(engine: Engine, now: datetime | None = None) -> list[Account]:
    """Every account with its status and latest login, by name."""
    accounts = Accounts(engine)
    links = invites.latest(engine)
    logins = accounts.last_logins()
    when = (now or datetime.now(UTC)).isoformat()
    out = []
    for user in accounts.everyone():
        folded = user.name.casefold()
        expires, used = links.get(folded, (None, None))
        if user.disabled:
            status = Status.disabled
        elif expires is not None and used is None and expires > when:
            status = Status.pending
        elif expires is not None and used is None and user.must_change:
            status = Status.expired
        else:
            status = Status.active
        out.append(Account(user, status, logins.get(folded),
                           status is Status.active and user.must_change))
    return out


__all__ = ["Account", "AccountEvent", "Handover", "Status", "create", "disable", "enable",
           "listing", "recent", "record", "reinvite"]
