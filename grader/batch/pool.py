"""The pool of worker processes, awaited from asyncio, that survives a crashed worker.

`spawn` processes: nothing of the parent's state (threads, an HTTP server in a test, PDFium)
is inherited, and the same code runs on every platform. A worker that dies (PDFium crash,
out of memory) breaks a ProcessPoolExecutor for good: the pool is rebuilt and the job tried
once more, then recorded as failed — one bad file never stops the cohort.

A worker does not outlive the run: if the parent is killed (SIGKILL leaves it no time to say
so), the worker notices its new parent and exits, instead of waiting forever on a queue it
also holds the writing end of.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from grader.batch.work import Failed
from grader.i18n import Lang, t

T = TypeVar("T")


class Pool:
    def __init__(self, size: int, nice: int = 0, lang: Lang | None = None) -> None:
        self.size, self.nice, self.lang = size, nice, lang
        self.generation = 0
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.size, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=start_worker, initargs=(os.getpid(), self.nice))

    async def run(self, fn: Callable[..., T], *args: Any) -> T | Failed:
        for _ in range(2):
            pool, generation = self._pool, self.generation
            try:
                return await asyncio.wrap_future(pool.submit(fn, *args))
            except BrokenProcessPool:
                if generation == self.generation:  # the first to notice rebuilds it
                    self.generation += 1
                    self._pool = self._new()
                    pool.shutdown(wait=False, cancel_futures=True)
        return Failed(t("batch.failure.crashed", self.lang), "crashed")

    def warm(self) -> None:
        """Start every worker now (they import grader while the caller does something else)."""
        from grader.batch.work import warm

        for _ in range(self.size):
            self._pool.submit(warm)

    def close(self, wait: bool = True) -> None:
        """Stop the workers; with `wait=False` they finish exiting in the background."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


def start_worker(parent: int, nice: int = 0) -> None:
    """In a new worker: lower its priority by `nice` (when the model is remote, the parent's
    event loop keeps the model busy and must not wait for a core), watch the parent."""
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)
    watch_parent(parent)


def watch_parent(parent: int, every: float = 0.2) -> None:
    """In a worker: exit as soon as the process that started it is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(3)  # no cleanup to run: the parent's state is in SQLite, writes are atomic

    threading.Thread(target=watch, name="grader-batch-parent-watch", daemon=True).start()


__all__ = ["Pool", "start_worker", "watch_parent"]
