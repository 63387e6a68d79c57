"""The limiter, on a simulated clock: windows never overfilled, in-flight bound, Retry-After."""

from __future__ import annotations

import asyncio

import pytest

from grader.batch.limits import POLL, Limiter, LimitSettings, RateWindow


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
