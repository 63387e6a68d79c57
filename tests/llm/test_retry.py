"""What counts as transient, and how long a server may make us wait."""

from __future__ import annotations

import httpx2 as httpx
import openai
import pytest

from grader.backends.retry import is_transient, retry_after


def _error(status: int, headers: dict[str, str] | None = None, code: str | None = None
           ) -> Exception:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    body = {"message": "x", "code": code} if code else None
    cls = {429: openai.RateLimitError, 500: openai.InternalServerError,
           400: openai.BadRequestError, 401: openai.AuthenticationError}.get(
        status, openai.APIStatusError)
    return cls("x", response=response, body=body)


@pytest.mark.parametrize(("status", "transient"), [(429, True), (500, True), (502, True),
                                                   (503, True), (408, True), (400, False),
                                                   (401, False), (404, False)])
def test_transient_statuses(status: int, transient: bool) -> None:
    assert is_transient(_error(status)) is transient


def test_timeouts_and_connection_errors_are_transient_an_exhausted_quota_is_not() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/v1")
    assert is_transient(openai.APITimeoutError(request))
    assert is_transient(openai.APIConnectionError(request=request))
    assert not is_transient(_error(429, code="insufficient_quota"))
    assert not is_transient(ValueError("not an HTTP error"))


def test_retry_after_in_seconds_milliseconds_or_http_date() -> None:
    assert retry_after(_error(429, {"Retry-After": "7"})) == 7
    assert retry_after(_error(429, {"Retry-After-Ms": "250", "Retry-After": "7"})) == 0.25
    date = "Wed, 21 Oct 2015 07:28:30 GMT"
    assert retry_after(_error(503, {"Retry-After": date}), now=1445412480.0) == 30
    assert retry_after(_error(503, {"Retry-After": date}), now=1445412600.0) == 0
    assert retry_after(_error(503, {"Retry-After": "soon"})) is None
    assert retry_after(_error(500)) is None
