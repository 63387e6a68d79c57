"""The worker pool: readers run below the event loop's priority when the model is remote."""

from __future__ import annotations

import asyncio
import os

import pytest

from grader.batch.pool import Pool


def _niceness() -> int:
    return os.nice(0)


@pytest.mark.parametrize("nice", [0, 5])
def test_workers_run_at_the_priority_asked(nice: int) -> None:
    pool = Pool(1, nice=nice)
    try:
        seen = asyncio.run(pool.run(_niceness))
    finally:
        pool.close()
    assert seen == min(19, os.nice(0) + nice)
