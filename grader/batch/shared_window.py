"""Rate windows shared by every `grader batch` on this machine that calls the same endpoint.

The provider counts per key and model, not per run: two coordinators grading two cohorts at
once must share `--rpm`/`--tpm`. Each request let through is a row of a small SQLite file
(`$GRADER_LIMITS_DB`, else `limits.sqlite` in the user's cache folder), keyed by a scope
(endpoint, model, a hash of the key). Admission reads the scope's live rows and writes its own
in one `BEGIN IMMEDIATE` transaction, so no two processes can both take the last unit of room.

Rows count exactly as in the in-process window (limits.py): from admission until one period
after the answer. A row still in flight carries an expiry (request timeout + a period), so the
rows of a process killed mid-call stop counting by themselves; rows of finished calls expire
with their window. Nothing is ever waited for beyond that, and the file can be deleted at any
moment no run is going.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENV = "GRADER_LIMITS_DB"
FILE = "limits.sqlite"
POLL = 0.05
"""Seconds between two looks when only calls still in flight can free room."""
FUTURE = 5.0
"""A row admitted this far in our future comes from a clock set back since: it is dropped."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    admitted REAL NOT NULL,
    ended REAL,
    expires REAL NOT NULL,
    tokens REAL NOT NULL,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_scope ON calls (scope, expires);
CREATE INDEX IF NOT EXISTS calls_expires ON calls (expires);
"""


def limits_db() -> Path:
    """Where the shared windows live: $GRADER_LIMITS_DB, else the user's cache folder."""
    if explicit := os.environ.get(ENV):
        return Path(explicit).expanduser()
    return user_cache_dir() / FILE


def user_cache_dir() -> Path:
    """grader's folder in the platform's cache location (what platformdirs would say)."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "grader" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "grader"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "grader"


def scope_of(endpoint: str, model: str | None, key: str) -> str:
    """One provider budget: the endpoint, the model and the key (hashed: never stored)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{endpoint.rstrip('/')} {model or '?'} key:{digest}"


@dataclass
class Ticket:
    """A row of ours, still in flight."""

    id: int
    admitted: float
    tokens: float


class SharedWindow:
    def __init__(self, path: Path, scope: str, rpm: int | None, tpm: int | None,
                 period: float, in_flight_ttl: float,
                 clock: Callable[[], float] = time.time) -> None:
        # Wall time: the only clock every process reads alike (and the file outlives boots).
        self.path, self.scope, self.rpm, self.tpm = path, scope, rpm, tpm
        self.period, self.ttl, self.clock = period, in_flight_ttl, clock
        self._con: sqlite3.Connection | None = None

    def admit(self, tokens: float) -> tuple[float, Ticket | None]:
        """(0, ticket) when the request may go — its row is written; else (seconds to wait,
        None). Raises sqlite3.Error when the file cannot be used."""
        con = self._connect()
        now = self.clock()
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute("DELETE FROM calls WHERE expires <= ? OR admitted > ?",
                        (now, now + FUTURE))
            rows = con.execute("SELECT ended, tokens FROM calls WHERE scope = ?",
                               (self.scope,)).fetchall()
            wait = self._wait(rows, tokens, now)
            ticket = None
            if wait <= 0:
                cursor = con.execute(
                    "INSERT INTO calls (scope, admitted, ended, expires, tokens, pid) "
                    "VALUES (?, ?, NULL, ?, ?, ?)",
                    (self.scope, now, now + self.ttl, tokens, os.getpid()))
                ticket = Ticket(int(cursor.lastrowid or 0), now, tokens)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
        return wait, ticket

    def end(self, ticket: Ticket, tokens: float | None) -> None:
        """The answer came back: the row counts one more period, with the real usage.
        Written whole, so a row dropped meanwhile (an answer slower than its expiry) is back."""
        now = self.clock()
        self._connect().execute(
            "INSERT OR REPLACE INTO calls (id, scope, admitted, ended, expires, tokens, pid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ticket.id, self.scope, ticket.admitted, now, now + self.period,
             ticket.tokens if tokens is None else tokens, os.getpid()))

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _wait(self, rows: list[tuple[float | None, float]], tokens: float, now: float
              ) -> float:
        if not rows:
            return 0.0  # alone in an empty window, however large, rather than never
        waits = [0.0]
        if self.rpm:
            waits.append(_room([(end, 1.0) for end, _ in rows], 1.0, self.rpm,
                               self.period, now))
        if self.tpm:
            waits.append(_room(rows, tokens, self.tpm, self.period, now))
        return max(waits)

    def _connect(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")  # a lost row after a power cut is harmless
            con.executescript(SCHEMA)
            self._con = con
        return self._con


def _room(rows: list[tuple[float | None, float]], units: float, limit: float, period: float,
          now: float) -> float:
    """Seconds before `units` more fit under `limit` (rows: (end or None in flight, units))."""
    used = sum(u for _, u in rows)
    if used + units <= limit:
        return 0.0
    freed = used
    for end, u in sorted(rows, key=lambda r: float("inf") if r[0] is None else r[0]):
        if end is None:
            return POLL  # only calls still in flight can make room
        freed -= u
        if freed + units <= limit:
            return max(0.0, end + period - now)
    return POLL


__all__ = ["ENV", "SharedWindow", "Ticket", "limits_db", "scope_of", "user_cache_dir"]
