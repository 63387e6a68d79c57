"""The limiter, on a simulated clock: windows never overfilled, in-flight bound, Retry-After,
the server's rate-limit headers, and windows shared with other runs through SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from grader.batch.limits import POLL, Limiter, LimitSettings, RateWindow
from grader.batch.shared_window import SharedWindow
from tests.llm.openai_server import RateBudget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _max_in_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + period) for t in times)


def test_a_window_makes_the_next_unit_wait_for_the_oldest_to_expire() -> None:
    window = RateWindow(3, period=10)
    for t in (0.0, 1.0, 2.0):
        assert window.wait(1, t) == 0
        window.take(1)[0] = t + 0.5  # answered half a second later
    assert window.wait(1, 2.6) == pytest.approx(10.2 + 0.5 - 2.6)  # the first ends, plus slack
    assert window.wait(1, 10.8) == 0
    window.take(1)
    window.take(1)
    window.take(1)
    assert window.wait(1, 50.0) == POLL  # three still in flight: only their answers free room
    big = RateWindow(100, period=60)
    assert big.wait(500, 0) == 0  # alone in an empty window rather than never


def test_many_tasks_never_exceed_the_requests_per_minute() -> None:
    clock = Clock()
    limiter = Limiter(LimitSettings(in_flight=32, rpm=60), clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def call() -> None:
        async with limiter.call():
            sent.append(clock())
            await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(200)))

    asyncio.run(main())
    assert len(sent) == 200
    assert _max_in_window(sent, 60.0) <= 60
    assert clock.now < 4 * 61.3  # and it does not wait longer than needed


def test_tokens_per_minute_are_reserved_then_settled_to_the_real_usage() -> None:
    clock = Clock()
    limiter = Limiter(LimitSettings(in_flight=8, tpm=1000), clock=clock, sleep=clock.sleep)

    async def main() -> list[float]:
        times = []
        for _ in range(4):
            async with limiter.call(400) as slot:
                times.append(clock())
                slot.settle(100)  # the answer was cheaper than the reservation
        async with limiter.call(900):
            times.append(clock())
        return times

    times = asyncio.run(main())
    assert times[:4] == [0.0] * 4  # 4 × 100 settled leaves room
    assert times[4] > 60  # 400 + 900 > 1000: waits for the window


def test_calls_in_flight_are_bounded_and_a_retry_after_pauses_everyone() -> None:
    clock = Clock()
    limiter = Limiter(LimitSettings(in_flight=3), clock=clock, sleep=clock.sleep)
    inside = peak = 0
    starts: list[float] = []

    async def call(i: int) -> None:
        nonlocal inside, peak
        async with limiter.call() as slot:
            inside += 1
            peak = max(peak, inside)
            starts.append(clock())
            if i == 0:
                slot.pause(5.0)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            inside -= 1

    async def main() -> None:
        await asyncio.gather(*(call(i) for i in range(10)))

    asyncio.run(main())
    assert peak <= 3
    assert sorted(starts)[-1] >= 5.0 and limiter.waited >= 5.0


class AnsweringClock(Clock):
    """Calls under way get their answers before time moves on (a few loop turns each)."""

    async def sleep(self, seconds: float) -> None:
        for _ in range(20):
            await asyncio.sleep(0)
        await super().sleep(seconds)


def test_the_servers_headers_hold_every_call_once_its_budget_is_spent() -> None:
    """16 workers, a server allowing 5 requests a second: only the first wave — sent before
    any answer could say anything — goes beyond; after it, never."""
    clock = AnsweringClock()
    server = RateBudget(requests=5, tokens=None, seconds=1.0, clock=clock)
    limiter = Limiter(LimitSettings(in_flight=16), clock=clock, sleep=clock.sleep)
    accepted: list[float] = []
    refused: list[float] = []

    async def call() -> None:
        async with limiter.call() as slot:
            over, headers = server.count()
            (refused if over else accepted).append(clock())
            for _ in range(3):  # the answer is on its way while other calls are let through
                await asyncio.sleep(0)
            slot.observe(headers)

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(120)))

    asyncio.run(main())
    assert len(refused) == 16 - 5 and set(refused) == {0.0}
    assert _max_in_window(accepted, 1.0) <= 5
    assert clock.now < 120 / 5 * 1.2  # and it did not wait much longer than needed


def test_the_servers_token_budget_holds_a_request_it_cannot_take() -> None:
    clock = Clock()
    server = RateBudget(requests=None, tokens=1000, seconds=10.0, clock=clock)
    limiter = Limiter(LimitSettings(in_flight=1), clock=clock, sleep=clock.sleep)

    async def main() -> list[tuple[float, bool]]:
        sent = []
        for cost in (400, 400, 400, 100):
            async with limiter.call(cost) as slot:
                over, headers = server.count(cost)
                sent.append((clock(), over))
                slot.observe(headers)
        return sent

    sent = asyncio.run(main())
    assert [over for _, over in sent] == [False] * 4
    assert sent[1][0] == 0 and sent[2][0] >= 10  # 800 + 400 > 1000: waits for the reset


def test_headers_that_say_nothing_readable_change_nothing() -> None:
    clock = Clock()
    limiter = Limiter(LimitSettings(in_flight=2), clock=clock, sleep=clock.sleep)

    async def main() -> None:
        for headers in ({"x-ratelimit-remaining-requests": "0",
                         "x-ratelimit-reset-requests": "never"},
                        {"x-ratelimit-remaining-requests": "zero",
                         "x-ratelimit-reset-requests": "1s"}, {}):
            async with limiter.call() as slot:
                slot.observe(headers)

    asyncio.run(main())
    assert clock.now == 0 and limiter.sent == 3


class WallClock:
    """A wall clock of our own, as two processes on one machine both read it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _window(path: Path, clock: WallClock, rpm: int | None = 10, scope: str = "s",
            ttl: float = 5.0) -> SharedWindow:
    return SharedWindow(path, scope, rpm, None, period=1.0, in_flight_ttl=ttl, clock=clock)


def test_two_runs_sharing_the_file_never_exceed_the_limit_together(tmp_path: Path) -> None:
    clock = WallClock()
    a, b = _window(tmp_path / "l.sqlite", clock), _window(tmp_path / "l.sqlite", clock)
    start, admitted = clock.now, []
    for step in range(400):  # two runs taking turns, each call answered 30 ms later
        run = (a, b)[step % 2]
        wait, ticket = run.admit(1)
        if ticket is None:
            assert wait > 0
            clock.now += min(wait, 0.05)
            continue
        admitted.append(clock.now - start)
        clock.now += 0.03
        run.end(ticket, None)
    assert len(admitted) > 30
    assert _max_in_window(admitted, 1.0) <= 10
    other = _window(tmp_path / "l.sqlite", clock, scope="another endpoint")
    assert other.admit(1)[1] is not None  # another endpoint has a window of its own


def test_a_killed_runs_calls_in_flight_stop_counting_after_their_expiry(tmp_path: Path
                                                                        ) -> None:
    clock = WallClock()
    dead = _window(tmp_path / "l.sqlite", clock, ttl=5.0)
    for _ in range(10):
        assert dead.admit(1)[1] is not None  # sent, never answered: the process was killed
    alive = _window(tmp_path / "l.sqlite", clock)
    assert alive.admit(1) == (POLL, None)  # they may still be on the wire
    clock.now += 5.0
    assert alive.admit(1)[1] is not None


def test_without_rpm_or_tpm_the_shared_file_is_never_opened(tmp_path: Path) -> None:
    limiter = Limiter(LimitSettings(in_flight=4))
    limiter.share("scope", 10.0, path=tmp_path / "l.sqlite")
    assert limiter.shared is None

    async def main() -> None:
        async with limiter.call(100) as slot:
            slot.settle(50)

    asyncio.run(main())
    assert not (tmp_path / "l.sqlite").exists()


def test_a_shared_file_that_cannot_be_used_leaves_the_runs_own_limits(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    limiter = Limiter(LimitSettings(in_flight=8, rpm=3), clock=clock, sleep=clock.sleep)
    limiter.share("scope", 10.0, path=tmp_path)  # a folder: SQLite cannot open it
    sent: list[float] = []

    async def call() -> None:
        async with limiter.call():
            sent.append(clock())

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(9)))

    asyncio.run(main())
    assert limiter.shared is None and str(tmp_path) in caplog.text
    assert len(sent) == 9 and _max_in_window(sent, 60.0) <= 3
