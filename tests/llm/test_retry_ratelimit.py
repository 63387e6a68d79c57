"""A 429 without Retry-After: the wait is the reset of the budget its headers show spent."""

from __future__ import annotations

import pytest

from grader.backends.retry import retry_after
from tests.llm.test_retry import _error

SPENT = {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
         "x-ratelimit-reset-requests": "1m30.5s", "x-ratelimit-limit-tokens": "30000",
         "x-ratelimit-remaining-tokens": "29000", "x-ratelimit-reset-tokens": "2s"}


def test_a_429_waits_for_the_reset_of_its_spent_budget() -> None:
    assert retry_after(_error(429, SPENT)) == pytest.approx(90.5)
    tokens = {**SPENT, "x-ratelimit-remaining-requests": "12",
              "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "20ms"}
    assert retry_after(_error(429, tokens)) == pytest.approx(0.02)


def test_retry_after_wins_and_other_answers_ignore_the_budget() -> None:
    assert retry_after(_error(429, {**SPENT, "Retry-After": "3"})) == 3
    assert retry_after(_error(503, SPENT)) is None  # not a rate limit: exponential backoff
    left = {**SPENT, "x-ratelimit-remaining-requests": "3"}
    assert retry_after(_error(429, left)) is None  # nothing spent: nothing to go by
    assert retry_after(_error(429, {**SPENT, "x-ratelimit-reset-requests": "later"})) is None
