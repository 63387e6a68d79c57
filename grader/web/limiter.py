"""The login rate limit, kept in the review database.

In the database rather than in memory, so a restart does not hand a password-guesser a fresh
allowance, and several uvicorn workers (or servers) over one database share one count. Keys are
stored as SHA-256 digests: a password typed by mistake into the name field, or a client's
address, is never written down in clear.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select

from grader.review.schema import WRITE_OPTION
from grader.web.tables import login_failures as failures_table
from grader.web.tables import prepare


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class RateLimiter:
    """At most `failures` wrong passwords per key (client address, account) in `window` s."""

    engine: Engine
    failures: int = 5
    window: float = 300.0
    clock: Callable[[], float] = time.time
    """Wall-clock seconds: shared by processes, unlike a monotonic clock."""

    def __post_init__(self) -> None:
        prepare(self.engine)

    def retry_after(self, keys: list[str]) -> int:
        """Seconds to wait before another attempt (0: go ahead)."""
        now = self.clock()
        query = (select(failures_table.c.key, func.count(), func.min(failures_table.c.at))
                 .where(failures_table.c.key.in_([_digest(k) for k in keys]),
                        failures_table.c.at >= now - self.window)
                 .group_by(failures_table.c.key))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        wait = max((self.window - (now - oldest) for _, count, oldest in rows
                    if count >= self.failures), default=0.0)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._writing() as conn:
            # Made-up account names must not grow the table without end: whatever is older
            # than the window no longer counts, so it goes.
            conn.execute(delete(failures_table).where(failures_table.c.at < now - self.window))
            conn.execute(insert(failures_table), [{"key": _digest(k), "at": now} for k in keys])

    def succeeded(self, keys: list[str]) -> None:
        with self._writing() as conn:
            conn.execute(delete(failures_table)
                         .where(failures_table.c.key.in_([_digest(k) for k in keys])))

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.execution_options(
                **{WRITE_OPTION: True}).begin():
            yield conn


__all__ = ["RateLimiter"]
