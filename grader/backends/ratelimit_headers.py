"""The provider's own account of its rate limits, read from an answer's headers.

OpenAI (and many compatible servers: Azure, Groq, vLLM behind a gateway…) send with every
answer `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`,
`x-ratelimit-reset-requests`, and the same for `-tokens`. Resets are Go-style durations
(`1s`, `6m0s`, `20ms`, `1m30.5s`); some servers send plain seconds, an epoch time or a date
instead. A header we cannot read is ignored, never an error: it only ever makes us more careful.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

PREFIX = "x-ratelimit-"
KINDS = ("requests", "tokens")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6,
          "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)")
EPOCH_AFTER = 1e9
"""A bare number this large is a Unix time (2001 on), not a count of seconds."""


@dataclass(frozen=True)
class Budget:
    """One kind of limit (requests or tokens) as the server last described it."""

    remaining: float
    reset: float
    """Seconds until the server's budget is whole again."""
    limit: float | None = None


@dataclass(frozen=True)
class RateHeaders:
    requests: Budget | None = None
    tokens: Budget | None = None


def parse_duration(value: str | None, now: float | None = None) -> float | None:
    """Seconds in `1m30.5s`, `20ms`, `6m0s`, `2.5` (seconds), an epoch time or an ISO/HTTP
    date; None when unreadable or negative."""
    if value is None:
        return None
    text = value.strip().lower()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _go_duration(text) if _PART.match(text) else _date(value.strip(), now)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    if seconds >= EPOCH_AFTER:
        return max(0.0, seconds - (time.time() if now is None else now))
    return seconds


def _go_duration(text: str) -> float | None:
    total, end = 0.0, 0
    for match in _PART.finditer(text):
        if match.start() != end:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        end = match.end()
    return total if end == len(text) else None


def _date(text: str, now: float | None) -> float | None:
    from email.utils import parsedate_to_datetime

    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        return None  # a local time we cannot place
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if 0 <= number < float("inf") else None


def budget(headers: Mapping[str, str], kind: str) -> Budget | None:
    """The `kind` budget, when both its remaining count and its reset can be read."""
    remaining = _number(headers.get(f"{PREFIX}remaining-{kind}"))
    if remaining is None:
        return None
    reset = parse_duration(headers.get(f"{PREFIX}reset-{kind}"))
    if reset is None:
        return None
    return Budget(remaining, reset, _number(headers.get(f"{PREFIX}limit-{kind}")))


def read_headers(headers: Mapping[str, str]) -> RateHeaders | None:
    """What an answer's headers say about the rate limits; None when they say nothing."""
    try:
        requests, tokens = budget(headers, "requests"), budget(headers, "tokens")
    except Exception:  # a header no server should send must never fail the call
        return None
    if requests is None and tokens is None:
        return None
    return RateHeaders(requests, tokens)


__all__ = ["Budget", "RateHeaders", "parse_duration", "read_headers"]
