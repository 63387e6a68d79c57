"""Limits on model calls for a whole cohort: calls in flight, requests and tokens per minute.

Every request to the endpoint — first asks, re-asks, retries — passes through one `Limiter`
in the one process that talks to the model (ingest workers never do), so the limits hold
whatever the number of workers. Windows are sliding. A request counts in the window from the
moment it is let through until `period` seconds after its answer came back: the server saw it
somewhere in between, so whatever moment the server counts it at, no window of the server's
can hold more than the limit (proof in docs/batch.md). A 429 with Retry-After pauses every
call, not only the one that got it: the others would meet the same wall.

Two more sources of room: the server's own rate-limit headers (server_budget.py: when it says
its budget is spent, nobody calls before its reset), and, when `--rpm`/`--tpm` are given, the
windows of every other run on this machine calling the same endpoint (shared_window.py). With
neither limit given, the shared file is never opened: nothing on the hot path but this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.backends.ratelimit_headers import read_headers
from grader.batch.server_budget import ServerBudget
from grader.batch.shared_window import SharedWindow, Ticket, limits_db
from grader.i18n import t

log = logging.getLogger(__name__)

MINUTE = 60.0
SLACK = 0.02
"""Share of the window added as a safety margin (1.2 s on a minute)."""


OPEN = math.inf
"""The time of a request still in flight: it has not started leaving the window."""
POLL = 0.05
"""Seconds between two looks when only answers still awaited can free room."""


class RateWindow:
    """At most `limit` units in any sliding window of `period` seconds, each request's units
    counted from its admission until `period` after its end."""

    def __init__(self, limit: int, period: float = MINUTE) -> None:
        self.limit, self.period = limit, period * (1 + SLACK)
        self.events: list[list[float]] = []  # [end time or OPEN, units], mutable

    def _drop(self, now: float) -> None:
        self.events = [e for e in self.events if e[0] > now - self.period]

    def used(self, now: float) -> float:
        self._drop(now)
        return sum(units for _, units in self.events)

    def wait(self, units: float, now: float) -> float:
        """Seconds before `units` more fit; 0 when they fit now. A request larger than the
        whole limit goes alone through an empty window rather than waiting forever."""
        self._drop(now)
        used = sum(u for _, u in self.events)
        if used + units <= self.limit or not self.events:
            return 0.0
        freed = used
        for end, u in sorted(self.events):
            if end == OPEN:
                return POLL  # only calls still in flight can make room
            freed -= u
            if freed + units <= self.limit:
                return max(0.0, end + self.period - now)
        return POLL

    def take(self, units: float) -> list[float]:
        event = [OPEN, units]
        self.events.append(event)
        return event


@dataclass
class LimitSettings:
    in_flight: int = 4
    """Model calls waiting for an answer at once."""
    rpm: int | None = None
    """Requests per minute sent to the endpoint; None for no limit."""
    tpm: int | None = None
    """Tokens per minute (prompt estimate + answer budget, corrected by the real usage)."""
    period: float = MINUTE
    """Length of the rate windows in seconds (a minute; tests compress it)."""


@dataclass(eq=False)
class Slot:
    """One request under way: its window entries, and its token reservation, corrected once
    the usage is known."""

    events: list[list[float]] = field(default_factory=list)
    reservation: list[float] | None = None
    limiter: Limiter | None = None
    estimate: float = 0.0
    """Tokens reserved before the answer (what the server counts it for meanwhile)."""
    used: float | None = None
    """Tokens the answer says it cost."""
    ticket: Ticket | None = None
    """Its row in the shared window, if any."""
    epochs: tuple[int, int] = (0, 0)
    """The server budgets' epochs when it was let through (see server_budget.py)."""

    def end(self, now: float) -> None:
        for event in self.events:
            event[0] = now

    def settle(self, tokens: int | None) -> None:
        if tokens is not None:
            self.used = float(tokens)
            if self.reservation is not None:
                self.reservation[1] = float(tokens)

    def pause(self, seconds: float) -> None:
        """The server asked us to wait (Retry-After): nobody calls before then."""
        if self.limiter is not None:
            self.limiter.pause(seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """The answer's rate-limit headers, if it has any (unreadable ones are ignored)."""
        if self.limiter is not None:
            self.limiter.observe(headers, self)


@dataclass
class Limiter:
    settings: LimitSettings
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] = asyncio.sleep
    requests: RateWindow | None = field(init=False, default=None)
    tokens: RateWindow | None = field(init=False, default=None)
    shared: SharedWindow | None = field(init=False, default=None)
    """The windows of every run on this machine calling the same endpoint (see `share`)."""
    paused_until: float = field(init=False, default=0.0)
    sent: int = field(init=False, default=0)
    waited: float = field(init=False, default=0.0)
    """Seconds spent waiting for the rate windows or a Retry-After (for the report)."""

    def __post_init__(self) -> None:
        s = self.settings
        self.requests = RateWindow(s.rpm, s.period) if s.rpm else None
        self.tokens = RateWindow(s.tpm, s.period) if s.tpm else None
        self.server_requests, self.server_tokens = ServerBudget(), ServerBudget()
        self._active: set[Slot] = set()
        self._slots = asyncio.Semaphore(max(1, s.in_flight))
        self._lock = asyncio.Lock()

    def share(self, scope: str, request_timeout: float, path: Path | None = None) -> None:
        """Count the rpm/tpm windows with every run on this machine using `scope` (one
        endpoint, model and key). Without --rpm/--tpm there is nothing to share."""
        s = self.settings
        if not (s.rpm or s.tpm):
            return
        period = s.period * (1 + SLACK)
        # A row in flight stops counting once its answer can no longer come (the timeout),
        # plus the window it would then have counted in.
        self.shared = SharedWindow(path or limits_db(), scope, s.rpm, s.tpm, period,
                                   in_flight_ttl=request_timeout + period)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + max(0.0, seconds))

    def observe(self, headers: Mapping[str, str], slot: Slot) -> None:
        """What the server says of its own budget, from an answer to `slot`'s request."""
        seen = read_headers(headers)
        if seen is None:
            return
        now, others = self.clock(), [s for s in self._active if s is not slot]
        if seen.requests is not None:
            self.server_requests.observe(seen.requests, len(others), now, slot.epochs[0])
        if seen.tokens is not None:
            self.server_tokens.observe(seen.tokens, sum(s.estimate for s in others), now,
                                       slot.epochs[1])

    @asynccontextmanager
    async def call(self, tokens: int = 0) -> AsyncIterator[Slot]:
        """Hold a slot for one request: waits for room in flight, then in the windows."""
        async with self._slots:
            slot = await self._admit(tokens)
            try:
                yield slot
            finally:
                self._release(slot)

    async def _admit(self, tokens: int) -> Slot:
        # One waiter at a time decides: first come, first served, and no two tasks can both
        # see the last unit of room in a window.
        async with self._lock:
            while True:
                delay, ticket = self._delay(tokens), None
                if delay <= 0 and self.shared is not None:
                    delay, ticket = self._shared_admit(tokens)
                if delay <= 0:
                    break
                self.waited += delay
                await self.sleep(delay)  # type: ignore[misc]
            self.sent += 1
            slot = Slot(limiter=self, estimate=float(tokens), ticket=ticket,
                        epochs=(self.server_requests.epoch, self.server_tokens.epoch))
            if self.requests is not None:
                slot.events.append(self.requests.take(1))
            if self.tokens is not None:
                slot.reservation = self.tokens.take(tokens)
                slot.events.append(slot.reservation)
            self.server_requests.take(1)
            self.server_tokens.take(tokens)
            self._active.add(slot)
            return slot

    def _delay(self, tokens: int) -> float:
        now = self.clock()
        waits = [self.paused_until - now,
                 self.server_requests.wait(1, now, len(self._active))]
        if self.server_tokens.remaining is not None:  # summed only when the server told us
            waits.append(self.server_tokens.wait(
                tokens, now, sum(s.estimate for s in self._active)))
        if self.requests is not None:
            waits.append(self.requests.wait(1, now))
        if self.tokens is not None:
            waits.append(self.tokens.wait(tokens, now))
        return max(0.0, *waits)

    def _shared_admit(self, tokens: int) -> tuple[float, Ticket | None]:
        assert self.shared is not None
        try:
            return self.shared.admit(tokens)
        except (OSError, sqlite3.Error) as exc:
            self._unshare(exc)
            return 0.0, None

    def _release(self, slot: Slot) -> None:
        slot.end(self.clock())
        self._active.discard(slot)
        if slot.ticket is not None and self.shared is not None:
            try:
                self.shared.end(slot.ticket, slot.used)
            except (OSError, sqlite3.Error) as exc:
                self._unshare(exc)

    def _unshare(self, exc: BaseException) -> None:
        """The shared file cannot be used (read-only, full disk…): this run keeps its own
        windows, which hold for itself — say so, since other runs are no longer counted."""
        assert self.shared is not None
        log.warning(t("batch.limits.unshared", path=self.shared.path, error=exc))
        self.shared.close()
        self.shared = None


__all__ = ["MINUTE", "LimitSettings", "Limiter", "RateWindow", "Slot"]
