"""`run_batch`: a whole cohort, resumable — discover, grade what is pending, summarise.

The output folder holds everything a rerun needs: the state (`.grader-batch.sqlite`), the
drafting cache (`.grader-cache.sqlite`, shared with `grader grade`), the sheets. A run killed
at any moment (SIGKILL included) is simply started again: finished submissions are kept, answered
calls are replayed from the journal or the cache, temporary files of interrupted atomic writes
are swept, and only the rest is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.cohort import CLIENT_MODULES, Cohort, preload
from grader.batch.cost import load_prices
from grader.batch.discover import BatchError, Discovery, assign_stems, discover
from grader.batch.options import RUNTIME_FIELDS, BatchOptions
from grader.batch.progress import Progress, Silent
from grader.batch.rubrics import check_backend, check_deliverable
from grader.batch.state import Row, State
from grader.i18n import Lang, t
from grader.sheet.models import ScoringSheet
from grader.sheet.store import SHEET_SUFFIX

LOCK_FILE = ".grader-batch.lock"
TEMP = re.compile(r"^\..+\.tmp$")
"""Leftovers of an atomic write interrupted by a kill (store.atomic_write_bytes)."""


@dataclass
class BatchReport:
    out: Path
    rows: list[Row]
    """The cohort's submissions (this folder's), with their final state."""
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    """(file, kind, detail) of files not graded: duplicates and ignored ones."""
    summary: list[Path] = field(default_factory=list)
    elapsed: float = 0.0
    waiting: str | None = None
    """Set when a provider batch is still running: what to do next."""
    totals: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase: discover, grade, summary."""
    kept: int = 0
    """Submissions already done by an earlier run, kept as they were (not graded again)."""

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.status == "failed"]

    @property
    def done(self) -> list[Row]:
        return [r for r in self.rows if r.status == "done"]


def run_batch(options: BatchOptions, progress: Progress | None = None) -> BatchReport:
    """Grade the cohort in `options.source` into `options.out`, resuming what is there."""
    return _run(options, None, progress or Silent())


def resume_batch(out: Path, overrides: dict[str, Any] | None = None,
                 progress: Progress | None = None, lang: Lang | None = None) -> BatchReport:
    """Carry on the run stored in `out`, with the runtime `overrides` (workers, limits…).
    `lang`: the language of the errors met before the stored run is read (then its own)."""
    return _run(None, (out, overrides or {}), progress or Silent(), lang)


def _run(given: BatchOptions | None, resume: tuple[Path, dict[str, Any]] | None,
         progress: Progress, lang: Lang | None = None) -> BatchReport:
    out = given.out if given else resume[0]  # type: ignore[index]
    lang = given.lang if given else lang
    if given is not None:
        # Before any folder is made or process started: a typo is one line, not a crash,
        # and leaves no stray output folder behind.
        if given.source is not None and not given.source.is_dir():
            raise BatchError(t("batch.error.no_dir", lang, path=given.source))
        check_backend(given.backend, lang)
        if given.deliverable is not None:
            check_deliverable(given.deliverable, lang, where="--deliverable")
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out, lang):
        sweep_temp(out)
        state = State(out)
        try:
            options = _settle(state, given, resume, lang)
            return _grade(options, state, progress)
        finally:
            state.close()


def _grade(options: BatchOptions, state: State, progress: Progress) -> BatchReport:
    clock = time.monotonic
    started = clock()
    if options.backend == "llm":
        preload(*CLIENT_MODULES)
    keys = _register(state, options)
    timings = {"discover": clock() - started}
    waiting = None
    if options.via == "openai-batch":
        from grader.batch.openai_batch import via_openai_batch

        waiting = via_openai_batch(options, state, keys, progress)
    sheets: dict[str, ScoringSheet] = {}
    kept = len(keys) - len(state.rows("pending", keys))
    if waiting is None:
        pending = state.rows("pending", keys)
        progress.start(t("batch.progress.grading", options.lang), len(keys),
                       len(keys) - len(pending))
        cohort = Cohort(options, state, progress)
        try:
            asyncio.run(cohort.run(pending))
        finally:
            progress.stop()
        sheets = cohort.sheets
    timings["grade"] = clock() - started - timings["discover"]
    report = BatchReport(out=options.out, rows=state.rows(keys=keys),
                         duplicates=state.skipped(), waiting=waiting, timings=timings,
                         kept=kept)
    if waiting is None:
        from grader.batch.summary import write_summary

        mark = clock()
        report.summary, report.totals = write_summary(options, state, report.rows, sheets)
        timings["summary"] = clock() - mark
    report.elapsed = clock() - started
    return report


def _settle(state: State, given: BatchOptions | None,
            resume: tuple[Path, dict[str, Any]] | None, lang: Lang | None) -> BatchOptions:
    """The run's options: stored ones on --resume (runtime knobs overridable), else the given
    ones — and when what the drafts depend on changed, every sheet is graded again."""
    stored = state.get_meta("options")
    if resume is not None:
        if stored is None:
            raise BatchError(t("batch.error.nothing_to_resume", lang, out=resume[0]))
        changes = {k: v for k, v in resume[1].items() if k in RUNTIME_FIELDS and v is not None}
        options = BatchOptions.model_validate({**stored, **changes, "out": str(resume[0])})
    else:
        assert given is not None
        options = given
        if stored is not None and BatchOptions.model_validate(stored).signature() != \
                options.signature():
            state.reopen(r.key for r in state.rows("done"))
    if options.source is None:
        raise BatchError(t("batch.error.no_source", options.lang))
    if options.via == "openai-batch" and options.backend != "llm":
        raise BatchError(t("batch.error.via_needs_llm", options.lang, backend=options.backend))
    load_prices(options.prices, options.lang)  # a bad table stops now, not after the cohort
    state.set_meta("options", options.model_dump(mode="json"))
    return options


def _register(state: State, options: BatchOptions) -> list[str]:
    """Discover the folder into the state; the keys of this cohort's submissions."""
    assert options.source is not None
    if options.deliverable is not None:
        check_deliverable(options.deliverable, options.lang, where="--deliverable")
    # The manifest's deliverables are checked as it is read, each with its line.
    found: Discovery = discover(options.source, options.deliverable, options.manifest,
                                exclude=(options.out,), lang=options.lang)
    stems = assign_stems(found.items, state.stems())
    with state.transaction() as con:
        con.execute("DELETE FROM skipped")
        for item in found.items:
            state.add(item.key, item.rel, stems[item.key], item.sha256, item.deliverable,
                      item.candidate)
        for rel, kept in found.duplicates:
            state.skip(rel, "duplicate", kept)
        for rel, why in found.ignored:
            state.skip(rel, "ignored", why)
    keys = [i.key for i in found.items]
    rows = state.rows(keys=keys)
    state.reopen([r.key for r in rows if r.status == "failed" or (
        r.status == "done" and not (options.out / f"{r.stem}{SHEET_SUFFIX}").is_file())])
    return keys


@contextlib.contextmanager
def _locked(out: Path, lang: Lang | None = None) -> Iterator[None]:
    """One run per output folder; the kernel drops the lock when the process dies."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock, one run at a time is up to the user
        yield
        return
    with open(out / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchError(t("batch.error.locked", lang, out=out)) from None
        yield


def sweep_temp(out: Path) -> list[Path]:
    """Remove temporary files left by atomic writes that a kill interrupted (never a sheet:
    a sheet is only ever renamed into place whole)."""
    removed = []
    for folder in (out, out / "plots"):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if TEMP.match(path.name) and path.is_file():
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed.append(path)
    return removed


__all__ = ["BatchReport", "resume_batch", "run_batch", "sweep_temp"]
