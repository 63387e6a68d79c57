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
from sqlalchemy import Engine, insert, select, update

from grader.errors import GraderError
from grader.i18n import t
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import clean_name
from grader.web.tables import pages, prepare, settings, users

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
    """A digest of the password hash: a session made before a password change stops working."""

    @property
    def coordinator(self) -> bool:
        return self.role == "coordinator"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _user(row: object) -> User:
    data = row._mapping  # type: ignore[attr-defined]
    stamp = hashlib.sha256(data["password"].encode()).hexdigest()[:16]
    return User(data["name"], data["role"], bool(data["must_change"]), stamp)


class Accounts:
    """Create, find and authenticate accounts over the review store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        prepare(engine)

    def _write(self, statement: object) -> None:
        with self.engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
            conn.execute(statement)  # type: ignore[call-overload]

    def add(self, name: str, role: str) -> str:
        """Create the account and return its one-time password (an invited account gets one
        too, which nobody sees: it only exists so that no empty password ever matches)."""
        clean = clean_name(name)
        if not clean:
            raise UserError(t("web.users.no_name"))
        if role not in ROLES:
            raise UserError(t("web.users.bad_role", role=role))
        if self.get(clean) is not None:
            raise UserError(t("web.users.exists", name=clean))
        password = secrets.token_urlsafe(12)
        self._write(insert(users).values(
            name=clean, folded=clean.casefold(), role=role, password=hash_password(password),
            must_change=True, created=datetime.now(UTC).isoformat()))
        return password

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(
                users.c.folded == clean_name(name).casefold())).first()
        return _user(row) if row is not None else None

    def authenticate(self, name: str, password: str) -> User | None:
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
        return _user(row)

    def set_password(self, name: str, password: str) -> None:
        self._write(update(users).where(users.c.folded == clean_name(name).casefold())
                    .values(password=hash_password(password), must_change=False))

    def jurors(self) -> list[User]:
        """Every juror account, by name: what the coordinator may assign."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).where(users.c.role == "juror")
                                .order_by(users.c.folded))
            return [_user(row) for row in rows]

    def require_jurors(self, names: list[str]) -> list[str]:
        """The juror accounts' own spelling of `names` (blanks dropped); a name with no juror
        account is refused, so nobody is seated on a panel they could never log in to."""
        found: list[str] = []
        for name in filter(None, map(clean_name, names)):
            user = self.get(name)
            if user is None or user.role != "juror":
                raise UserError(t("web.users.no_juror", name=name))
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
