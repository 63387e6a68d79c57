"""The provider's rate-limit headers: durations as servers write them, headers that must never
break a call, and the room they leave when answers come back late and out of order."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from grader.backends.ratelimit_headers import Budget, parse_duration, read_headers
from grader.batch.server_budget import WAIT_MAX, ServerBudget
from tests.llm.openai_server import go_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1m30.5s", 90.5), ("2h3m4s", 7384.0),
    ("0s", 0.0), ("250us", 0.00025), ("1.5s", 1.5), ("7.66s", 7.66), (" 59.999S ", 59.999),
    ("2", 2.0), ("0.5", 0.5), ("1000ns", 1e-6),
])
def test_durations_as_servers_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_an_epoch_time_or_a_date_is_a_time_from_now() -> None:
    now = 1_800_000_000.0
    assert parse_duration("1800000012", now=now) == pytest.approx(12)
    assert parse_duration("1799999000", now=now) == 0  # already past
    iso = datetime.fromtimestamp(now + 30, UTC).isoformat()
    assert parse_duration(iso, now=now) == pytest.approx(30)
    assert parse_duration(iso.replace("+00:00", "Z"), now=now) == pytest.approx(30)
    http = format_datetime(datetime.fromtimestamp(now + 45, UTC), usegmt=True)
    assert parse_duration(http, now=now) == pytest.approx(45)


@pytest.mark.parametrize("text", [
    None, "", "soon", "1x", "m", "1s2", "-1s", "-3", "1s 2s", "nan", "inf", "1e400",
    "2027-01-15T08:00:30",  # no time zone: we cannot place it
])
def test_what_cannot_be_read_is_none(text: str | None) -> None:
    assert parse_duration(text) is None


def test_the_test_server_writes_what_we_read() -> None:
    for seconds in (0.0, 0.0004, 0.02, 0.999, 1.0, 1.5, 59.999, 60.0, 90.5, 3725.25):
        assert parse_duration(go_duration(seconds)) >= seconds  # type: ignore[operator]
        assert parse_duration(go_duration(seconds)) == pytest.approx(seconds, abs=1e-3)


def test_headers_are_read_and_bad_ones_ignored() -> None:
    seen = read_headers({"x-ratelimit-limit-requests": "500",
                         "x-ratelimit-remaining-requests": "499",
                         "x-ratelimit-reset-requests": "120ms",
                         "x-ratelimit-limit-tokens": "lots",
                         "x-ratelimit-remaining-tokens": "29000",
                         "x-ratelimit-reset-tokens": "2s"})
    assert seen is not None
    assert seen.requests == Budget(remaining=499, reset=0.12, limit=500)
    assert seen.tokens == Budget(remaining=29000, reset=2.0, limit=None)
    assert read_headers({"content-type": "application/json"}) is None
    assert read_headers({"x-ratelimit-remaining-requests": "-1",
                         "x-ratelimit-reset-requests": "1s"}) is None
    assert read_headers({"x-ratelimit-remaining-requests": "3",
                         "x-ratelimit-reset-requests": "whenever"}) is None
    assert read_headers({"x-ratelimit-remaining-requests": "3"}) is None  # no reset: no use


def test_room_is_what_the_server_has_left_minus_what_we_have_on_the_wire() -> None:
    budget = ServerBudget()
    assert budget.wait(1, 0.0, in_flight=0) == 0  # nothing said yet: no constraint
    budget.observe(Budget(remaining=3, reset=1.0, limit=5), in_flight=2, now=0.1, epoch=0)
    assert budget.remaining == 1
    assert budget.wait(1, 0.1, in_flight=2) == 0
    budget.take(1)
    hold = budget.wait(1, 0.1, in_flight=3)
    assert 1.0 <= hold <= 1.05  # until the announced reset, with a small margin
    # A late answer of the same window carries an older, higher count: it cannot raise the
    # room (its reset only looks later by the time it waited in our loop).
    budget.observe(Budget(remaining=4, reset=0.95, limit=5), in_flight=1, now=0.2, epoch=0)
    assert budget.remaining == 0
    # Past the reset, the server's budget is whole again: its advertised limit, less what is
    # still on the wire (it may be counted in the new window).
    assert budget.wait(1, 1.2, in_flight=1) == 0
    assert budget.remaining == 4 and budget.epoch == 1
    # The answer to that request sent before the reset speaks of a window that is over.
    budget.observe(Budget(remaining=0, reset=0.01, limit=5), in_flight=0, now=1.2, epoch=0)
    assert budget.remaining == 4
    budget.take(4)
    assert budget.wait(1, 1.2, in_flight=4) > 0  # our four answers will say more
    # An answer of the server's new window replaces what we knew.
    budget.observe(Budget(remaining=0, reset=0.9, limit=5), in_flight=3, now=1.3, epoch=1)
    assert budget.wait(1, 1.3, in_flight=3) == pytest.approx(0.9 * 1.01 + 0.01)


def test_a_request_larger_than_the_whole_budget_goes_alone_rather_than_never() -> None:
    budget = ServerBudget()
    budget.observe(Budget(remaining=100, reset=0.5, limit=1000), in_flight=0, now=0.0,
                   epoch=0)
    assert budget.wait(5000, 0.0, in_flight=0) > 0  # waits for the reset…
    assert budget.wait(5000, 1.0, in_flight=0) == 0  # …then goes, with nothing else on the wire


def test_a_daily_reset_does_not_park_the_run_for_hours() -> None:
    budget = ServerBudget()
    budget.observe(Budget(remaining=0, reset=parse_duration("23h59m0s") or 0, limit=200),
                   in_flight=0, now=0.0, epoch=0)
    assert budget.wait(1, 0.0, in_flight=0) == WAIT_MAX
