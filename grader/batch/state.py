"""The run's state, in SQLite next to the output (`OUT/.grader-batch.sqlite`, WAL).

One row per submission, written the moment its fate is known: a run killed at any point and
started again redoes only what has no `done` row (or whose sheet vanished). The same file holds
the call journal (journal.py) and the provider batches (openai_batch.py). Only the main process
writes here; worker processes return their results to it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

STATE_FILE = ".grader-batch.sqlite"
SCHEMA_VERSION = "1"
Status = Literal["pending", "done", "failed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    key           TEXT PRIMARY KEY,          -- sha256 of the file + ':' + deliverable
    path          TEXT NOT NULL,             -- relative to the cohort folder
    stem          TEXT NOT NULL UNIQUE,      -- the sheet's name in the output folder
    sha256        TEXT NOT NULL,
    deliverable   TEXT NOT NULL,
    candidate     TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    reason        TEXT,                      -- why it failed, one line
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    calls         INTEGER NOT NULL DEFAULT 0,
    cached_drafts INTEGER NOT NULL DEFAULT 0,
    ingest_s      REAL,
    draft_s       REAL,
    write_s       REAL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated       TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS skipped (
    path   TEXT PRIMARY KEY,                 -- relative to the cohort folder
    kind   TEXT NOT NULL,                    -- duplicate | ignored
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (           -- the journal: every model answer, as it returns
    key        TEXT PRIMARY KEY,             -- sha256 of the canonical request body
    submission TEXT,
    request    TEXT NOT NULL,
    response   TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    source     TEXT NOT NULL,                -- live | batch
    created    TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS deferred (        -- requests waiting for the provider's batch engine
    key        TEXT PRIMARY KEY,
    submission TEXT NOT NULL,
    body       TEXT NOT NULL,
    chunk      INTEGER                       -- remote_batches.id once written to a JSONL
);
CREATE TABLE IF NOT EXISTS remote_batches (
    id             INTEGER PRIMARY KEY,
    input_path     TEXT NOT NULL,
    requests       INTEGER NOT NULL,
    input_file_id  TEXT,
    batch_id       TEXT,
    status         TEXT NOT NULL,            -- written | uploaded | <the provider's status>
    output_file_id TEXT,
    error_file_id  TEXT,
    collected      INTEGER NOT NULL DEFAULT 0,
    updated        TEXT NOT NULL DEFAULT (datetime('now'))
);
"""


@dataclass(frozen=True)
class Row:
    """A submission as the state knows it."""

    key: str
    path: str
    stem: str
    sha256: str
    deliverable: str
    candidate: str | None
    status: Status
    reason: str | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    calls: int
    cached_drafts: int
    ingest_s: float | None
    draft_s: float | None
    write_s: float | None
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What finishing a submission records."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    calls: int = 0
    cached_drafts: int = 0
    ingest_s: float | None = None
    draft_s: float | None = None
    write_s: float | None = None


class State:
    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / STATE_FILE
        self.con = connect(self.path)
        self.con.executescript(SCHEMA)
        self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                         (SCHEMA_VERSION,))

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # --- meta ---------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # --- submissions --------------------------------------------------------------------

    def add(self, key: str, path: str, stem: str, sha256: str, deliverable: str,
            candidate: str | None) -> None:
        """A submission found by discovery; one already known keeps its stem and status."""
        self.con.execute(
            "INSERT INTO submissions (key, path, stem, sha256, deliverable, candidate, status)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT(key) DO UPDATE SET"
            " path = excluded.path, candidate = excluded.candidate",
            (key, path, stem, sha256, deliverable, candidate))

    def stems(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, stem FROM submissions"))

    def rows(self, status: Status | None = None, keys: Iterable[str] | None = None
             ) -> list[Row]:
        names = ", ".join(f.name for f in fields(Row))
        sql, args = f"SELECT {names} FROM submissions", []
        if status is not None:
            sql, args = sql + " WHERE status = ?", [status]
        found = [Row(*r) for r in self.con.execute(sql + " ORDER BY path", args)]
        if keys is not None:
            wanted = set(keys)
            found = [r for r in found if r.key in wanted]
        return found

    def start(self, key: str) -> None:
        self.con.execute("UPDATE submissions SET attempts = attempts + 1, "
                         "updated = datetime('now') WHERE key = ?", (key,))

    def done(self, key: str, outcome: Outcome) -> None:
        self.con.execute(
            "UPDATE submissions SET status = 'done', reason = NULL, input_tokens = ?, "
            "output_tokens = ?, cached_input_tokens = ?, calls = ?, cached_drafts = ?, "
            "ingest_s = ?, draft_s = ?, write_s = ?, updated = datetime('now') WHERE key = ?",
            (outcome.input_tokens, outcome.output_tokens, outcome.cached_input_tokens,
             outcome.calls, outcome.cached_drafts, outcome.ingest_s, outcome.draft_s,
             outcome.write_s, key))

    def failed(self, key: str, reason: str, ingest_s: float | None = None) -> None:
        self.con.execute("UPDATE submissions SET status = 'failed', reason = ?, ingest_s = ?, "
                         "updated = datetime('now') WHERE key = ?", (reason, ingest_s, key))

    def reopen(self, keys: Iterable[str]) -> None:
        """Back to pending: failures are retried by a new run, vanished sheets rewritten."""
        self.con.executemany("UPDATE submissions SET status = 'pending' WHERE key = ?",
                             [(k,) for k in keys])

    # --- skipped files ------------------------------------------------------------------

    def skip(self, path: str, kind: str, detail: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)", (path, kind, detail))

    def skipped(self) -> list[tuple[str, str, str]]:
        return list(self.con.execute("SELECT path, kind, detail FROM skipped ORDER BY path"))


def connect(path: Path) -> sqlite3.Connection:
    """Autocommit (each statement its own transaction), WAL, and synchronous=NORMAL: a commit
    survives the process being killed (it reached the OS); only power loss could lose the last
    ones, and a rerun redoes them."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


__all__ = ["STATE_FILE", "Outcome", "Row", "State", "Status", "connect"]
