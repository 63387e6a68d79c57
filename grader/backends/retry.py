"""The one place where calls to a model endpoint are retried (tenacity).

Transient failures — 429, 408/409, 5xx, timeouts, dropped connections — are retried with
exponential backoff and jitter, or after the server's own Retry-After when it gives one (capped,
so a server cannot park a batch for an hour) — for a 429 without one, after the reset of the
budget its `x-ratelimit-*` headers say is spent. The openai client's own retries are switched off
(max_retries=0) so waits are never doubled. When attempts run out, `EndpointUnavailable` carries
the attempts and the last error; the backend turns it into an unscored draft.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from grader.backends.ratelimit_headers import read_headers
from grader.errors import GraderError

T = TypeVar("T")
log = logging.getLogger(__name__)
TRANSIENT_STATUS = {408, 409, 429}
NOT_TRANSIENT_CODES = {"insufficient_quota"}
"""A 429 for an exhausted quota will not heal by waiting."""


class EndpointUnavailable(GraderError):
    """The endpoint kept failing with transient errors until the attempts ran out."""

    def __init__(self, attempts: int, last: BaseException) -> None:
        self.attempts, self.last = attempts, last
        super().__init__(f"{describe(last)} ({attempts} attempts)")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 120.0


def describe(exc: BaseException) -> str:
    """One line for the jury's sheet: the HTTP status and the server's message, or the error."""
    status = getattr(exc, "status_code", None)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"HTTP {status}: {message}" if status else f"{type(exc).__name__}: {message}"


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, openai.APIStatusError):
        if getattr(exc, "code", None) in NOT_TRANSIENT_CODES:
            return False
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return False


def retry_after(exc: BaseException | None, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (Retry-After-Ms, or Retry-After: seconds or date;
    for a 429 without them, the reset of its spent rate-limit budget)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return _spent_reset(headers) if getattr(response, "status_code", 0) == 429 else None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _spent_reset(headers: Mapping[str, str]) -> float | None:
    """When the 429's own headers show a budget at zero, the wait until it is whole again;
    otherwise nothing to go by (exponential backoff then)."""
    seen = read_headers(headers)
    if seen is None:
        return None
    spent = [b.reset for b in (seen.requests, seen.tokens) if b is not None and b.remaining < 1]
    return max(spent) if spent else None


class _Wait:
    """Retry-After when the server gives it (capped), else exponential backoff with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.cap = policy.retry_after_max
        self.backoff = wait_exponential_jitter(multiplier=policy.backoff_base,
                                               max=policy.backoff_max,
                                               jitter=policy.backoff_base)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after(exc)
        if hinted is not None:
            return min(hinted, self.cap)
        return float(self.backoff(state))


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning("model endpoint: %s; attempt %d, retrying in %.2f s",
                describe(exc) if exc else "?", state.attempt_number, wait)


async def call_with_retry(call: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """`call()` until it succeeds or a non-transient error; EndpointUnavailable when exhausted."""
    retrying = AsyncRetrying(stop=stop_after_attempt(policy.attempts), wait=_Wait(policy),
                             retry=retry_if_exception(is_transient), before_sleep=_log_retry)

    async def attempt() -> T:  # a coroutine function, so tenacity awaits it
        return await call()

    try:
        return await retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        assert last is not None  # tenacity only gives up on a failed attempt
        raise EndpointUnavailable(exc.last_attempt.attempt_number, last) from last


__all__ = ["EndpointUnavailable", "RetryPolicy", "call_with_retry", "describe", "is_transient",
           "retry_after"]
