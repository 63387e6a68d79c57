"""What is left of the server's own budget (requests or tokens), from its rate-limit headers.

A header describes the server's count when the request arrived; requests of ours still on the
wire may not be in it yet. So the room we assume is the server's `remaining` minus everything
we have in flight (some of it may be counted twice: that only makes us wait a little more),
and every request let through afterwards takes its share of it. When the room is used up, new
requests wait until the reset the server announced.

Answers come back out of order, and late: the server writes its count when the request
arrives, we read it when the answer does. So within one window of the server's an answer can
only lower the room; only an answer whose reset falls clearly later (a new window of the
server's: its count started again) replaces it. Once the reset we know of has passed, the room
is the advertised limit again, less what we still have on the wire, and answers to requests
sent before that moment no longer count: they describe a window that is over.
"""

from __future__ import annotations

import math

from grader.backends.ratelimit_headers import Budget

SAME_RESET = 0.25
"""Seconds within which two announced resets are taken for the same window of the server's:
more than an answer may plausibly wait in our event loop before we read it."""
RESET_MARGIN = 0.01
"""Share of an announced reset added on our side: headers round, clocks tick."""
RESET_PAD = 0.01
"""Seconds added to every announced reset, for the same reason."""
WAIT_MAX = 120.0
"""Longest hold for one announced reset (a daily budget must not park a run for hours: its
requests then meet a 429, which the retry loop handles and reports)."""
POLL = 0.05
"""Seconds between two looks while only our own answers can tell us more."""


class ServerBudget:
    """The server's budget of one kind (requests or tokens), as far as we can tell."""

    def __init__(self) -> None:
        self.remaining: float | None = None
        """Units we may still send before the reset; None when the server said nothing."""
        self.reset_at: float = math.inf
        """When the server's budget is whole again (our clock); inf when not known."""
        self.limit: float | None = None
        self.epoch = 0
        """How many times the budget was whole again: a request sent before the last time
        brings news of a window that is over."""

    def observe(self, seen: Budget, in_flight: float, now: float, epoch: int) -> None:
        """An answer's headers arrived, to a request sent in `epoch`; `in_flight` is what
        else we have on the wire."""
        if epoch < self.epoch:
            return
        reset_at = now + min(seen.reset * (1 + RESET_MARGIN) + RESET_PAD, WAIT_MAX)
        room = max(0.0, seen.remaining - in_flight)
        if seen.limit is not None:
            self.limit = seen.limit
        if self.remaining is None or self.reset_at == math.inf \
                or reset_at > self.reset_at + SAME_RESET:
            self.remaining, self.reset_at = room, reset_at  # a later window of the server's
        else:
            self.remaining = min(self.remaining, room)
            self.reset_at = max(self.reset_at, reset_at)

    def wait(self, units: float, now: float, in_flight: float) -> float:
        """Seconds before `units` more may be sent; 0 when they may go now. `in_flight`: the
        units of ours on the wire."""
        if self.remaining is None:
            return 0.0
        if now >= self.reset_at:
            self._refill(in_flight)
            if self.remaining is None:
                return 0.0
        if units <= self.remaining:
            return 0.0
        if self.reset_at != math.inf:
            return self.reset_at - now
        if in_flight:
            return POLL  # our answers on the wire will say where we stand
        # Whole again, nothing on the wire to tell us more, and still no room: the request is
        # larger than the whole budget. It goes alone rather than never.
        self.remaining = None
        return 0.0

    def take(self, units: float) -> None:
        if self.remaining is not None:
            self.remaining = max(0.0, self.remaining - units)

    def _refill(self, in_flight: float) -> None:
        # What is still on the wire may be counted in the new window: it is taken from it.
        self.epoch += 1
        self.reset_at = math.inf
        self.remaining = None if self.limit is None else max(0.0, self.limit - in_flight)


__all__ = ["WAIT_MAX", "ServerBudget"]
