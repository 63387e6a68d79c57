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
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from grader.errors import GraderError
from grader.i18n import t
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import clean_name

Role = Literal["juror", "coordinator"]
ROLES: tuple[Role, ...] = ("juror", "coordinator")
_hasher = PasswordHasher()

metadata = MetaData()
users = Table("web_users", metadata,
              Column("name", String(200), primary_key=True),
              Column("folded", String(200), nullable=False, unique=True),
              Column("role", String(16), nullable=False),
              Column("password", Text, nullable=False),
              Column("must_change", Boolean, nullable=False),
              Column("created", String(40), nullable=False))
settings = Table("web_settings", metadata,
                 Column("key", String(64), primary_key=True),
                 Column("value", Text, nullable=False))
pages = Table("web_pages", metadata,
              Column("sha256", String(64), primary_key=True),
              Column("number", Integer, primary_key=True, autoincrement=False),
              Column("text", Text, nullable=False))


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


def prepare(engine: Engine) -> None:
    """Create the web tables if they are missing (the review tables are the store's own)."""
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        metadata.create_all(conn)


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
        """Create the account and return its one-time password."""
        clean = clean_name(name)
        if not clean:
            raise UserError(t("web.users.no_name"))
        if role not in ROLES:
            raise UserError(t("web.users.bad_role", role=role))
        if self.get(clean) is not None:
            raise UserError(t("web.users.exists", name=clean))
        password = secrets.token_urlsafe(12)
        self._write(insert(users).values(
            name=clean, folded=clean.casefold(), role=role, password=_hasher.hash(password),
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
                    .values(password=_hasher.hash(password), must_change=False))

    def secret(self) -> str:
        """The key that signs session cookies; made once, so a restart keeps people logged in."""
        with self.engine.connect() as conn:
            found = conn.execute(select(settings.c.value)
                                 .where(settings.c.key == "session_secret")).scalar()
        if found is None:
            found = secrets.token_urlsafe(32)
            self._write(insert(settings).values(key="session_secret", value=found))
        return str(found)


__all__ = ["ROLES", "Accounts", "Role", "User", "UserError", "pages", "prepare"]
