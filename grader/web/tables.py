"""The web pages' own tables, kept in the review database beside the hashed log but outside it.

None of these rows is a jury decision: accounts, the cookie key, page texts, uploaded files,
login failures, invitations and account events may change or be purged without touching
`grader audit verify`.
One `MetaData`, so `prepare` creates every missing table in one go on any SQLAlchemy URL.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from grader.review.schema import WRITE_OPTION

metadata = MetaData()

users = Table("web_users", metadata,
              Column("name", Text, primary_key=True),
              Column("folded", Text, nullable=False, unique=True),
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

files = Table("web_files", metadata,
              Column("sha256", String(64), primary_key=True),
              Column("name", Text, nullable=False),
              Column("data", LargeBinary, nullable=False))
"""Uploaded PDF submissions, so the page image works without the file on the server's disk."""

results = Table("web_results", metadata,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("cohort", Text, nullable=False, index=True),
                Column("name", Text, nullable=False),
                Column("data", LargeBinary, nullable=False),
                Column("uploader", Text, nullable=False),
                Column("time", String(40), nullable=False))
"""Every QCM/TOEIC results file ever uploaded; the latest per cohort feeds the PV."""

login_failures = Table("web_login_failures", metadata,
                       Column("id", Integer, primary_key=True, autoincrement=True),
                       Column("key", String(64), nullable=False),
                       Column("at", Float, nullable=False),
                       Index("ix_web_login_failures_key", "key", "at"))
"""Wrong passwords by SHA-256 of (client address | account name), epoch seconds."""

invites = Table("web_invites", metadata,
                Column("hash", String(64), primary_key=True),
                Column("name", Text, nullable=False),
                Column("created", String(40), nullable=False),
                Column("expires", String(40), nullable=False),
                Column("used", String(40)))
"""Invitation links: only the SHA-256 of the token, never the token itself."""

# The tables below came after the first release. Each is a new table, never a new column of an
# old one: `prepare` (create_all) adds a missing table to a database made by an earlier
# version, while a new column would need a migration that SQLite and PostgreSQL do differently.

disabled = Table("web_disabled", metadata,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("folded", Text, nullable=False, index=True),
                 Column("actor", Text, nullable=False),
                 Column("at", String(40), nullable=False),
                 Column("lifted_by", Text),
                 Column("lifted_at", String(40)))
"""Each time an account was disabled; `lifted_at` set when it was enabled again. Rows stay:
how many there are goes into the session stamp, so a session from before a disabling never
comes back to life when the account is enabled again."""

account_events = Table("web_account_events", metadata,
                       Column("id", Integer, primary_key=True, autoincrement=True),
                       Column("at", String(40), nullable=False),
                       Column("actor", Text, nullable=False),
                       Column("action", String(32), nullable=False),
                       Column("name", Text, nullable=False),
                       Column("detail", Text, nullable=False))
"""Who created, invited, disabled or enabled which account, and when ("" = the terminal)."""

last_login = Table("web_last_login", metadata,
                   Column("folded", Text, primary_key=True),
                   Column("at", String(40), nullable=False))
"""The latest successful login of each account (unknown before this table existed)."""


def prepare(engine: Engine) -> None:
    """Create the web tables if they are missing (the review tables are the store's own)."""
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        metadata.create_all(conn)


__all__ = ["account_events", "disabled", "files", "invites", "last_login", "login_failures",
           "metadata", "pages", "prepare", "results", "settings", "users"]
