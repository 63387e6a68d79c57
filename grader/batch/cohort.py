"""Grading the pending submissions of a cohort at once, within the limits.

Two shapes, one per kind of backend:
- offline (heuristic, fake): each submission is graded whole in a worker process — ingest,
  drafting and rendering are all CPU work; `workers` processes run at once.
- llm: ingest and rendering in worker processes, model calls from this process's event loop,
  every one through the cohort transport (journal, limiter); `workers` calls in flight.
Each submission's fate is written to the state the moment it is known.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from grader.backends import Backend, BackendError, get_backend
from grader.batch.journal import Journal
from grader.batch.limits import Limiter, LimitSettings
from grader.batch.options import BatchOptions
from grader.batch.pool import Pool
from grader.batch.progress import Progress
from grader.batch.state import Outcome, Row, State
from grader.batch.work import (
    LOCAL_BACKENDS,
    Failed,
    Graded,
    Ingested,
    Job,
    grade_local,
    ingest,
    with_candidate,
    write,
)
from grader.cache import DraftCache
from grader.errors import GraderError
from grader.grade import CACHE_FILE, GradeOptions, grade_document
from grader.i18n import t
from grader.rubric.load import load_rubric
from grader.rubric.models import Rubric
from grader.sheet.models import ScoringSheet

Captured = Callable[[str, dict[str, bytes]], None]
REMOTE_NICE = 5
"""Readers' priority below this process's when the model is remote: on a machine with few
cores, a reader must not delay the event loop that sends the next request (or, at the start,
the import of the model client)."""
BUDGET = GradeOptions().budget_tokens


class Cohort:
    def __init__(self, options: BatchOptions, state: State, progress: Progress,
                 on_captured: Captured | None = None) -> None:
        self.options, self.state, self.progress = options, state, progress
        self.on_captured = on_captured
        """Capture mode (openai-batch): requests are kept, not sent, and handed to this."""
        self.journal = Journal(state.con) if options.use_cache or on_captured else None
        self.limiter = Limiter(LimitSettings(in_flight=options.workers, rpm=options.rpm,
                                             tpm=options.tpm, period=options.period))
        self.cache = DraftCache(options.out / CACHE_FILE) if options.use_cache else None
        self.pool: Pool | None = None
        self.sheets: dict[str, ScoringSheet] = {}
        """Sheets written by this run, kept for the summary (no need to read them back)."""
        self._ready = asyncio.Event()
        """Set once the backend is built: drafting waits for it, reading does not."""

    @property
    def local(self) -> bool:
        return self.options.backend in LOCAL_BACKENDS and self.on_captured is None

    async def run(self, rows: list[Row]) -> None:
        """Grade `rows`; raises BackendError (bad key, unknown model: every call would fail)."""
        if not rows:
            return
        processes = self.options.ingest_processes()
        self.pool = Pool(processes, nice=0 if self.local else REMOTE_NICE,
                         lang=self.options.lang)
        self.pool.warm()
        if self.local:
            one, at_once = self._local, processes + 1  # +1 keeps every process fed
        else:
            one, at_once = self._remote, self.options.workers + processes
        gate = asyncio.Semaphore(at_once)

        async def guarded(row: Row) -> None:
            async with gate:
                await one(row)

        tasks = [asyncio.ensure_future(guarded(r)) for r in rows]
        try:
            if not self.local:
                await self._start_backend()
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            # Every job has returned: the workers' exit overlaps the summary (an orphaned
            # worker notices its parent is gone and exits on its own).
            self.pool.close(wait=False)

    async def _start_backend(self) -> None:
        """Build the backend — importing LangChain takes seconds — in a thread, while the
        workers read the first files; then open its client on this loop."""
        await asyncio.sleep(0)  # let the first tasks hand their files to the workers
        self.backend = await asyncio.to_thread(self._backend)
        warm = getattr(self.backend, "warm", None)
        if warm is not None:
            warm()
        self._ready.set()

    def _backend(self) -> Backend:
        opts = {k: v for k, v in self.options.backend_options.items() if v is not None}
        if self.options.backend == "llm":
            from grader.backends.llm_settings import load_settings
            from grader.batch.transport import Deferring, cohort_backend

            llm = cohort_backend(load_settings(**opts), self.journal, self.limiter)
            return Deferring(llm) if self.on_captured else llm  # type: ignore[return-value]
        if self.on_captured:
            raise BackendError(t("batch.error.via_needs_llm", self.options.lang,
                                 backend=self.options.backend))
        return get_backend(self.options.backend, **opts)

    def _path(self, row: Row) -> str:
        return str((self.options.source or Path(".")) / row.path)

    async def _local(self, row: Row) -> None:
        assert self.pool is not None
        self.state.start(row.key)
        job = Job(self._path(row), row.deliverable, str(self.options.out), row.stem,
                  row.candidate, self.options.backend, dict(self.options.backend_options),
                  self.options.lang, self.options.use_cache)
        result = await self.pool.run(grade_local, job)
        if isinstance(result, Failed):
            return self._failed(row, result)
        assert isinstance(result, Graded)
        self._done(row, result.sheet, result.cached, result.ingest_s, result.draft_s,
                   result.write_s)

    async def _remote(self, row: Row) -> None:
        assert self.pool is not None
        self.state.start(row.key)
        got = await self.pool.run(ingest, self._path(row), row.deliverable, BUDGET)
        if isinstance(got, Failed):
            return self._failed(row, got)
        assert isinstance(got, Ingested)
        await self._ready.wait()
        from grader.batch.transport import CURRENT, Tracker

        tracker = Tracker(row.key, capture={} if self.on_captured else None)
        CURRENT.set(tracker)  # this task's context only; its drafting tasks inherit it
        start = time.perf_counter()
        try:
            sheet, cached = await grade_document(got.doc, _rubric(row.deliverable),
                                                 self.backend, self._grade_options(),
                                                 self.cache, got.prepared)
        except BackendError:
            raise
        except GraderError as exc:
            return self._failed(row, Failed(str(exc), "backend", got.seconds))
        draft_s = time.perf_counter() - start + got.prepare_s
        if tracker.errors:
            reason = t("batch.failure.exhausted", self.options.lang, n=len(tracker.errors),
                       error=next(iter(tracker.errors.values())))
            return self._failed(row, Failed(reason, "exhausted", got.seconds))
        if tracker.capture:
            assert self.on_captured is not None
            self.on_captured(row.key, tracker.capture)
            return self.progress.advance(True)
        sheet = with_candidate(sheet, row.candidate)
        written = await self.pool.run(write, sheet, str(self.options.out), row.stem)
        if isinstance(written, Failed):
            return self._failed(row, written)
        self._done(row, sheet, cached, got.seconds, draft_s, written)

    def _grade_options(self) -> GradeOptions:
        return GradeOptions(backend=self.options.backend, lang=self.options.lang,
                            concurrency=self.options.workers, budget_tokens=BUDGET,
                            use_cache=self.options.use_cache)

    def _failed(self, row: Row, failure: Failed) -> None:
        self.state.failed(row.key, failure.reason, failure.ingest_s)
        self.progress.advance(False)

    def _done(self, row: Row, sheet: ScoringSheet, cached: int, ingest_s: float,
              draft_s: float, write_s: float) -> None:
        if not self.sheets:
            preload(*SUMMARY_MODULES)
        self.sheets[row.key] = sheet
        usage = sheet.usage
        cached_in = sum(e.draft.usage.cached_input_tokens for e in sheet.criteria if e.draft)
        self.state.done(row.key, Outcome(
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
            cached_input_tokens=cached_in, calls=usage.calls, cached_drafts=cached,
            ingest_s=ingest_s, draft_s=draft_s, write_s=write_s))
        self.progress.advance(True, usage.input_tokens + usage.output_tokens)


def preload(*names: str) -> None:
    """Import `names` in the background: the llm backend's libraries (LangChain, openai:
    seconds) while the run finds its files; the summary's (matplotlib) once the first sheet is
    written, while the run waits for the model — rather than after the last answer."""

    def load() -> None:
        for name in names:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)

    threading.Thread(target=load, name="grader-batch-preload", daemon=True).start()


CLIENT_MODULES = (
    "grader.batch.transport",
    # What the openai client and LangChain import lazily at their first client and first call
    # (~0.1 s): on the way to the first request unless loaded here, while the readers read.
    "openai.resources", "openai.lib.streaming", "openai.pagination", "jiter", "truststore",
    "httpcore2", "httpcore", "h11", "anyio.abc", "anyio.streams", "anyio._backends._asyncio",
    "langchain_core.tracers.langchain", "langchain_core.tracers.stdout",
    "langchain_core.runnables.fallbacks", "langchain_core.messages.block_translators.langchain_v0",
)
SUMMARY_MODULES = ("grader.batch.summary", "grader.batch.summary_html", "matplotlib.figure")


@cache
def _rubric(deliverable: str) -> Rubric:
    return load_rubric(deliverable)


__all__ = ["CLIENT_MODULES", "Cohort", "preload"]
