"""Limits on model calls for a whole cohort: calls in flight, requests and tokens per minute.

Every request to the endpoint — first asks, re-asks, retries — passes through one `Limiter`
in the one process that talks to the model (ingest workers never do), so the limits hold
whatever the number of workers. Windows are sliding. A request counts in the window from the
moment it is let through until `period` seconds after its answer came back: the server saw it
somewhere in between, so whatever moment the server counts it at, no window of the server's
can hold more than the limit (proof in docs/batch.md). A 429 with Retry-After pauses every
call, not only the one that got it: the others would meet the same wall.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

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


@dataclass
class Slot:
    """One request under way: its window entries, and its token reservation, corrected once
    the usage is known."""

    events: list[list[float]] = field(default_factory=list)
    reservation: list[float] | None = None
    limiter: Limiter | None = None

    def end(self, now: float) -> None:
        for event in self.events:
            event[0] = now

    def settle(self, tokens: int | None) -> None:
        if self.reservation is not None and tokens is not None:
            self.reservation[1] = float(tokens)

    def pause(self, seconds: float) -> None:
        """The server asked us to wait (Retry-After): nobody calls before then."""
        if self.limiter is not None:
            self.limiter.pause(seconds)


@dataclass
class Limiter:
    settings: LimitSettings
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] = asyncio.sleep
    requests: RateWindow | None = field(init=False, default=None)
    tokens: RateWindow | None = field(init=False, default=None)
    paused_until: float = field(init=False, default=0.0)
    sent: int = field(init=False, default=0)
    waited: float = field(init=False, default=0.0)
    """Seconds spent waiting for the rate windows or a Retry-After (for the report)."""

    def __post_init__(self) -> None:
        s = self.settings
        self.requests = RateWindow(s.rpm, s.period) if s.rpm else None
        self.tokens = RateWindow(s.tpm, s.period) if s.tpm else None
        self._slots = asyncio.Semaphore(max(1, s.in_flight))
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + max(0.0, seconds))

    @asynccontextmanager
    async def call(self, tokens: int = 0) -> AsyncIterator[Slot]:
        """Hold a slot for one request: waits for room in flight, then in the windows."""
        async with self._slots:
            slot = await self._admit(tokens)
            try:
                yield slot
            finally:
                slot.end(self.clock())

    async def _admit(self, tokens: int) -> Slot:
        # One waiter at a time decides: first come, first served, and no two tasks can both
        # see the last unit of room in a window.
        async with self._lock:
            while (delay := self._delay(tokens)) > 0:
                self.waited += delay
                await self.sleep(delay)  # type: ignore[misc]
            self.sent += 1
            slot = Slot(limiter=self)
            if self.requests is not None:
                slot.events.append(self.requests.take(1))
            if self.tokens is not None:
                slot.reservation = self.tokens.take(tokens)
                slot.events.append(slot.reservation)
            return slot

    def _delay(self, tokens: int) -> float:
        now = self.clock()
        waits = [self.paused_until - now]
        if self.requests is not None:
            waits.append(self.requests.wait(1, now))
        if self.tokens is not None:
            waits.append(self.tokens.wait(tokens, now))
        return max(0.0, *waits)


__all__ = ["MINUTE", "LimitSettings", "Limiter", "RateWindow", "Slot"]
