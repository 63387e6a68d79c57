"""The review store: an append-only, hash-chained log of everything the jury does.

SQLite by default (one file, WAL mode), any SQLAlchemy URL otherwise (PostgreSQL for a school).
A write is one transaction that holds the chain's head for its whole length: the workflow reads
the state, checks the rule, appends its events and commits — a decision acknowledged on screen
is on disk, and a killed process loses nothing that was acknowledged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, inspect, make_url, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from grader.review import schema
from grader.review.errors import StoreError
from grader.review.location import sqlite_path
from grader.sheet.models import ScoringSheet


@dataclass(frozen=True)
class NewEvent:
    """What the workflow asks to append; the store adds seq, time and the hashes."""

    kind: str
    cohort: str | None = None
    submission: str | None = None
    version: int | None = None
    juror: str | None = None
    criterion: str | None = None
    level: int | None = None
    draft_level: int | None = None
    action: str | None = None
    comment: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event(NewEvent):
    seq: int = 0
    time: str = ""
    prev_hash: str = ""
    hash: str = ""

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.time)


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_digest(row: dict[str, Any]) -> str:
    """SHA-256 over the hashed columns, `prev_hash` included: each event seals the one before."""
    values = [row[name] for name in schema.EVENT_FIELDS]
    return hashlib.sha256(canonical(values).encode("utf-8")).hexdigest()


def _row(new: NewEvent, seq: int, prev: str, now: datetime) -> dict[str, Any]:
    # A NUL character means nothing in a name or a comment, and PostgreSQL cannot store it in
    # text: it is dropped before hashing, so every database keeps the same hashed value.
    row = {k: v.replace("\x00", "") if isinstance(v, str) else v
           for k, v in asdict(new).items() if k != "payload"}
    row.update(seq=seq, time=now.isoformat(), payload=canonical(new.payload), prev_hash=prev)
    row["hash"] = event_digest(row)
    return row


def _event(row: Any) -> Event:
    data = dict(row._mapping)
    data["payload"] = json.loads(data["payload"])
    return Event(**data)


class Writer:
    """One write transaction, holding the head of the chain until it commits."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        head = conn.execute(select(schema.chain).where(schema.chain.c.id == 1)
                            .with_for_update()).one()
        self.head, self.count = head.head, head.length
        self.appended: list[Event] = []

    def append(self, new: NewEvent) -> Event:
        row = _row(new, self.count + 1, self.head, datetime.now(UTC))
        self.conn.execute(insert(schema.events).values(**row))
        self.conn.execute(update(schema.chain).where(schema.chain.c.id == 1)
                          .values(head=row["hash"], length=row["seq"]))
        self.head, self.count = row["hash"], row["seq"]
        event = _event(_Mapped(row))
        self.appended.append(event)
        return event

    def put_sheet(self, sheet: ScoringSheet) -> str:
        """Store the sheet's canonical JSON once; its SHA-256 is its address."""
        body = sheet.model_dump_json()
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        found = self.conn.execute(select(schema.sheets.c.hash)
                                  .where(schema.sheets.c.hash == digest)).first()
        if found is None:
            self.conn.execute(insert(schema.sheets).values(hash=digest, body=body))
        return digest

    def events(self, submission: str | None = None, kinds: Sequence[str] = ()) -> list[Event]:
        return select_events(self.conn, submission, kinds)


@dataclass(frozen=True)
class _Mapped:
    """A dict dressed as a result row, so new events and read events take one path."""

    _mapping: dict[str, Any]


def select_events(conn: Connection, submission: str | None = None,
                  kinds: Sequence[str] = ()) -> list[Event]:
    query = select(schema.events).order_by(schema.events.c.seq)
    if submission is not None:
        query = query.where(schema.events.c.submission == submission)
    if kinds:
        query = query.where(schema.events.c.kind.in_(list(kinds)))
    return [_event(row) for row in conn.execute(query)]


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own words (e.g. `database is locked`), on one line."""
    return (str(getattr(exc, "orig", None) or exc).splitlines() or ["?"])[0]


def _driver(exc: BaseException, url: str) -> str:
    """A URL SQLAlchemy cannot use: the reason, and for a missing driver what to install."""
    reason = (str(exc).splitlines() or ["?"])[0]
    if isinstance(exc, ImportError) and url.startswith("postgresql"):
        return f"{reason} — pip install 'grader[postgres]'"
    return reason


def _shown(url: str) -> str:
    """The URL as shown to people, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return url.split("@")[-1]


class ReviewStore:
    """The review store at `url`; `ReviewStore.open` creates or checks it."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url, self.engine = url, engine
        self._sheets: dict[str, ScoringSheet] = {}

    @classmethod
    def open(cls, url: str, create: bool = True) -> ReviewStore:
        path = sqlite_path(url)
        if path is not None and not path.exists():
            if not create:
                raise StoreError("review.error.no_store", where=path)
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            store = cls(url, schema.make_engine(url))
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError("review.error.store", where=_shown(url),
                             reason=_driver(exc, url)) from None
        try:
            store._prepare(create)
        except SQLAlchemyError as exc:
            store.close()
            raise StoreError("review.error.store", where=store.where,
                             reason=_reason(exc)) from None
        except StoreError:
            store.close()
            raise
        return store

    @property
    def where(self) -> str:
        """The store as shown to people: its file, or its URL without the password."""
        path = sqlite_path(self.url)
        return str(path) if path is not None else self.engine.url.render_as_string(
            hide_password=True)

    def _prepare(self, create: bool) -> None:
        # A write transaction: two processes opening a new store at once create it once.
        with self.engine.connect() as conn, conn.execution_options(
                **{schema.WRITE_OPTION: True}).begin():
            if not inspect(conn).has_table("chain"):
                if not create:
                    raise StoreError("review.error.no_store", where=self.where)
                schema.metadata.create_all(conn)
                conn.execute(insert(schema.meta).values(key="schema_version",
                                                        value=schema.SCHEMA_VERSION))
                conn.execute(insert(schema.chain).values(id=1, head=schema.GENESIS, length=0))
                for guard in schema.guards(conn.dialect.name):
                    conn.execute(text(guard))
            found = conn.execute(select(schema.meta.c.value)
                                 .where(schema.meta.c.key == "schema_version")).scalar()
        if found != schema.SCHEMA_VERSION:
            raise StoreError("review.error.schema", where=self.where, found=found,
                             expected=schema.SCHEMA_VERSION)

    @contextmanager
    def writing(self) -> Iterator[Writer]:
        """A write transaction: everything appended inside commits together, or not at all."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{schema.WRITE_OPTION: True})
                with conn.begin():
                    yield Writer(conn)
        except SQLAlchemyError as exc:
            raise StoreError("review.error.store", where=self.where,
                             reason=_reason(exc)) from None

    def events(self, submission: str | None = None, kinds: Sequence[str] = ()) -> list[Event]:
        with self.engine.connect() as conn:
            return select_events(conn, submission, kinds)

    def head(self) -> tuple[int, str]:
        """How many events the chain holds, and the hash of the last one."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.chain).where(schema.chain.c.id == 1)).one()
        return row.length, row.head

    def sheet(self, digest: str) -> ScoringSheet:
        if digest not in self._sheets:
            with self.engine.connect() as conn:
                body = conn.execute(select(schema.sheets.c.body)
                                    .where(schema.sheets.c.hash == digest)).scalar()
            if body is None:
                raise StoreError("review.error.sheet_missing", where=self.where,
                                 digest=digest[:12])
            self._sheets[digest] = ScoringSheet.model_validate_json(body)
        return self._sheets[digest]

    def sheet_bodies(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            return [(r.hash, r.body) for r in conn.execute(select(schema.sheets))]

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


__all__ = ["Event", "NewEvent", "ReviewStore", "Writer", "canonical", "event_digest",
           "select_events"]
