"""The review store's tables (SQLAlchemy Core), and the engine settings that keep it safe.

Everything the jury does is an `events` row: the log is the truth, every other view (who is
assigned, what is decided, what is locked) is folded from it. `sheets` holds the draft sheets,
addressed by the SHA-256 of their JSON; `chain` holds the head of the hash chain and serialises
writers (each write takes its row `FOR UPDATE`; SQLite takes the whole file with
`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

SCHEMA_VERSION = "1"
WRITE_OPTION = "grader_write"
"""Execution option that marks a connection opened for writing."""
GENESIS = "0" * 64
"""The `prev_hash` of the first event."""

metadata = MetaData()

meta = Table("meta", metadata,
             Column("key", String(64), primary_key=True),
             Column("value", Text, nullable=False))

chain = Table("chain", metadata,
              Column("id", Integer, primary_key=True, autoincrement=False),
              Column("head", String(64), nullable=False),
              Column("length", Integer, nullable=False))

sheets = Table("sheets", metadata,
               Column("hash", String(64), primary_key=True),
               Column("body", Text, nullable=False))

events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("time", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("cohort", String(200)),
    Column("submission", String(400)),
    Column("version", Integer),
    Column("juror", String(200)),
    Column("criterion", String(100)),
    Column("level", Integer),
    Column("draft_level", Integer),
    Column("action", String(16)),
    Column("comment", Text),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_submission", "submission", "seq"),
)

EVENT_FIELDS = ("seq", "time", "kind", "cohort", "submission", "version", "juror", "criterion",
                "level", "draft_level", "action", "comment", "payload", "prev_hash")
"""The columns covered by an event's hash, in the order they are hashed."""

SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'grader: {table} is append-only'); END"
    for table in ("events", "sheets") for verb in ("update", "delete")
]
"""A casual UPDATE or DELETE is refused outright; one that drops the guards first is still
caught by `grader audit verify`."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, full fsync and exclusive write transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN would defer the write lock; we issue BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a decision that was acknowledged survives a power cut, not just a killed process.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A write takes the lock at once (IMMEDIATE): the read-validate-append of a decision is
    # atomic even when the two jurors review the same sheet at the same moment. Reads stay
    # DEFERRED, so that in WAL mode they never wait for a writer.
    write = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


__all__ = ["EVENT_FIELDS", "GENESIS", "SCHEMA_VERSION", "SQLITE_GUARDS", "WRITE_OPTION",
           "chain", "events", "make_engine", "meta", "metadata", "sheets"]
