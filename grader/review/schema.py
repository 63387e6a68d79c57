"""The review store's tables (SQLAlchemy Core), and the engine settings that keep it safe.

Everything the jury does is an `events` row: the log is the truth, every other view (who is
assigned, what is decided, what is locked) is folded from it. `sheets` holds the draft sheets,
addressed by the SHA-256 of their JSON; `chain` holds the head of the hash chain and serialises
writers (each write takes its row `FOR UPDATE`; SQLite takes the whole file with
`BEGIN IMMEDIATE`, PostgreSQL a transaction-scoped advisory lock, so that every write
transaction — the web pages' included — is exclusive on both, and reads never wait).

`time` stays an ISO 8601 string (UTC, `+00:00`) rather than a timestamp column: it is hashed,
and a string reads back byte for byte identical on every database.
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
    make_url,
)

SCHEMA_VERSION = "1"
WRITE_OPTION = "grader_write"
"""Execution option that marks a connection opened for writing."""
GENESIS = "0" * 64
"""The `prev_hash` of the first event."""
WRITE_LOCK = int.from_bytes(b"grader", "big")
"""PostgreSQL advisory lock key (per database) held by every write transaction."""
WRITE_TIMEOUT = 30.0
"""Seconds a write waits for the writer before it, then fails (`database is locked`)."""

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
    # Names typed by people are Text: SQLite ignores a VARCHAR's length, PostgreSQL enforces
    # it, and a name SQLite keeps must not be refused by the school's server.
    Column("cohort", Text),
    Column("submission", Text),
    Column("version", Integer),
    Column("juror", Text),
    Column("criterion", Text),
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

POSTGRESQL_GUARDS = [
    "CREATE OR REPLACE FUNCTION grader_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'grader: ' || TG_TABLE_NAME || ' is append-only'; "
    "END $$",
    *[f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
      f"FOR EACH {'STATEMENT' if verb == 'truncate' else 'ROW'} "
      "EXECUTE FUNCTION grader_append_only()"
      for table in ("events", "sheets") for verb in ("update", "delete", "truncate")],
]
"""The same guards on PostgreSQL (TRUNCATE too). The role that owns the tables can still drop
them; a role that is granted only SELECT and INSERT cannot (see docs/review.md)."""


def guards(dialect: str) -> list[str]:
    """The statements that install the append-only guards (none for other databases)."""
    return {"sqlite": SQLITE_GUARDS, "postgresql": POSTGRESQL_GUARDS}.get(dialect, [])


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, full fsync and exclusive write transactions,
    PostgreSQL READ COMMITTED and exclusive write transactions."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        # READ COMMITTED whatever the server's default: a writer that waited for the lock must
        # then read what the writer before it committed (REPEATABLE READ would read an older
        # snapshot and fail, SERIALIZABLE would fail the second of two jurors).
        engine = create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")
        event.listen(engine, "begin", _postgresql_begin)
        return engine
    if backend != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": WRITE_TIMEOUT})
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


def _postgresql_begin(connection: Any) -> None:
    # The counterpart of BEGIN IMMEDIATE: one writer at a time, until it commits or rolls
    # back; readers never wait. The chain row's FOR UPDATE would suffice for the log; the lock
    # also covers the first creation of the tables and the web pages' read-then-write steps.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(WRITE_TIMEOUT * 1000)}ms'")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


__all__ = ["EVENT_FIELDS", "GENESIS", "POSTGRESQL_GUARDS", "SCHEMA_VERSION", "SQLITE_GUARDS",
           "WRITE_LOCK", "WRITE_OPTION", "WRITE_TIMEOUT", "chain", "events", "guards",
           "make_engine", "meta", "metadata", "sheets"]
