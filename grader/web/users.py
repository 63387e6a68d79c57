"""Web accounts (jurors and coordinators), kept in the review store's database.

The tables live beside the review log but outside it: an account is not a jury decision, so it
is neither hashed into the chain nor append-only. Passwords are hashed with Argon2id (memory-hard);
a new account gets a one-time password that must be changed at the first login.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update

from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import clean_name
from grader.web.tables import disabled, last_login, pages, prepare, settings, users

Role = Literal["juror", "coordinator"]
ROLES: tuple[Role, ...] = ("juror", "coordinator")
_hasher = PasswordHasher()


class UserError(GraderError):
    """An account that cannot be created (bad role, name taken, empty name)."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    must_change: bool
    stamp: str
    """A digest of the password hash (and of how many times the account was disabled): a
    session made before a password change or a disabling stops working."""
    disabled: bool = False
    """Disabled by a coordinator: refused at login and at every request."""

    @property
    def coordinator(self) -> bool:
        return self.role == "coordinator"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _user(row: object, disablings: int = 0, off: bool = False) -> User:
    data = row._mapping  # type: ignore[attr-defined]
    # An account never disabled keeps the stamp of earlier versions: no one is logged out by
    # the upgrade.
    seed = data["password"] + (f"|{disablings}" if disablings else "")
    stamp = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return User(data["name"], data["role"], bool(data["must_change"]), stamp, off)


class Accounts:
    """Create, find and authenticate accounts over the review store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        prepare(engine)

    def _write(self, statement: object) -> None:
        with self.engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
            conn.execute(statement)  # type: ignore[call-overload]

    def add(self, name: str, role: str, lang: Lang | None = None) -> str:
        """Create the account and return its one-time password (an invited account gets one
        too, which nobody sees: it only exists so that no empty password ever matches)."""
        clean = clean_name(name)
        if not clean:
            raise UserError(t("web.users.no_name", lang))
        if role not in ROLES:
            raise UserError(t("web.users.bad_role", lang, role=role))
        if self.get(clean) is not None:
            raise UserError(t("web.users.exists", lang, name=clean))
        password = secrets.token_urlsafe(12)
        self._write(insert(users).values(
            name=clean, folded=clean.casefold(), role=role, password=hash_password(password),
            must_change=True, created=datetime.now(UTC).isoformat()))
        return password

    def get(self, name: str) -> User | None:
        folded = clean_name(name).casefold()
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.folded == folded)).first()
            if row is None:
                return None
            lifted = conn.execute(select(disabled.c.lifted_at)
                                  .where(disabled.c.folded == folded)).scalars().all()
        return _user(row, len(lifted), None in lifted)

    def authenticate(self, name: str, password: str) -> User | None:
        """The account if the password is right — a disabled one too, flagged, so that the
        login page can say so (only to whoever knows the password); callers refuse it."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(
                users.c.folded == clean_name(name).casefold())).first()
        if row is None:
            _hasher.hash(password)  # same cost whether or not the name exists
            return None
        try:
            _hasher.verify(row.password, password)
        except (VerificationError, InvalidHashError):
            return None
        return self.get(row.name)

    def everyone(self) -> list[User]:
        """Every account, by name, disabled ones included (and flagged)."""
        with self.engine.connect() as conn:
            names = conn.execute(select(users.c.name).order_by(users.c.folded)).scalars().all()
        return [u for u in map(self.get, names) if u is not None]

    def touch(self, name: str, at: datetime | None = None) -> None:
        """Remember this login's time for the accounts page."""
        folded = clean_name(name).casefold()
        with self.engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
            conn.execute(delete(last_login).where(last_login.c.folded == folded))
            conn.execute(insert(last_login).values(
                folded=folded, at=(at or datetime.now(UTC)).isoformat()))

    def last_logins(self) -> dict[str, str]:
        """Folded name → time of the latest login (accounts that never logged in since this
        was recorded are absent)."""
        with self.engine.connect() as conn:
            return {r.folded: r.at for r in conn.execute(select(last_login))}

    def set_password(self, name: str, password: str) -> None:
        self._write(update(users).where(users.c.folded == clean_name(name).casefold())
                    .values(password=hash_password(password), must_change=False))

    def jurors(self) -> list[User]:
        """Every active juror account, by name: what the coordinator may assign."""
        return [u for u in self.everyone() if u.role == "juror" and not u.disabled]

    def require_jurors(self, names: list[str], lang: Lang | None = None) -> list[str]:
        """The juror accounts' own spelling of `names` (blanks dropped); a name with no juror
        account, or a disabled one, is refused, so nobody is seated on a panel they could
        never log in to."""
        found: list[str] = []
        for name in filter(None, map(clean_name, names)):
            user = self.get(name)
            if user is None or user.role != "juror":
                raise UserError(t("web.users.no_juror", lang, name=name))
            if user.disabled:
                raise UserError(t("web.users.disabled_juror", lang, name=user.name))
            if user.name not in found:
                found.append(user.name)
        return found

    def secret(self) -> str:
        """The key that signs session cookies; made once, so a restart keeps people logged in."""
        with self.engine.connect() as conn:
            found = conn.execute(select(settings.c.value)
                                 .where(settings.c.key == "session_secret")).scalar()
        if found is None:
            found = secrets.token_urlsafe(32)
            self._write(insert(settings).values(key="session_secret", value=found))
        return str(found)


__all__ = ["ROLES", "Accounts", "Role", "User", "UserError", "hash_password", "pages",
           "prepare"]
