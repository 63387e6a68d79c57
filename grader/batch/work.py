"""What worker processes do: the CPU-bound steps, one submission at a time.

Ingest always runs here (PDFium is not thread-safe, and parsing holds the GIL); so does the
rendering of sheets (DOCX, Markdown). With an offline backend (heuristic, fake) drafting is
CPU work too, so the whole submission is graded here. Functions are top-level and take and
return plain picklable values: the pool may be a `spawn` one. They never raise for one bad
submission: they return a `Failed` with the reason.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.grade import CACHE_FILE, GradeOptions, Prepared, grade_document, prepare
from grader.ingest import Document, read
from grader.rubric.load import load_rubric
from grader.sheet.models import ScoringSheet

LOCAL_BACKENDS = ("heuristic", "fake")
"""Backends that draft on this machine's CPU, without the network."""


@dataclass(frozen=True)
class Job:
    path: str
    deliverable: str
    out: str
    stem: str
    candidate: str | None = None
    backend: str = "heuristic"
    backend_options: dict[str, Any] = field(default_factory=dict)
    lang: str = "fr"
    use_cache: bool = True


@dataclass(frozen=True)
class Failed:
    reason: str
    code: str = "error"
    ingest_s: float | None = None


@dataclass(frozen=True)
class Ingested:
    doc: Document
    seconds: float
    prepared: Prepared | None = None
    """Evidence retrieved per criterion (CPU work kept off the main process's event loop)."""
    prepare_s: float = 0.0


@dataclass(frozen=True)
class Graded:
    sheet: ScoringSheet
    cached: int
    ingest_s: float
    draft_s: float
    write_s: float


def ingest(path: str, deliverable: str, budget_tokens: int | None = None
           ) -> Ingested | Failed:
    """Read one file (the rubric's length rule sets the length flag); with `budget_tokens`,
    retrieve each criterion's evidence too."""
    start = time.perf_counter()
    try:
        rubric = load_rubric(deliverable)
        length = (rubric.length.min_pages, rubric.length.max_pages) if rubric.length else None
        doc = read(path, length=length)
        read_s = time.perf_counter() - start
        if budget_tokens is None:
            return Ingested(doc, read_s)
        prepared = prepare(doc, rubric, budget_tokens, redactor=True)
        return Ingested(doc, read_s, prepared, time.perf_counter() - start - read_s)
    except GraderError as exc:
        # The reason alone: the summary and the terminal put the file's path beside it, and
        # « chiffre.pdf — chiffre.pdf : … » reads as a stammer.
        reason = getattr(exc, "reason", None) or str(exc)
        return Failed(reason, getattr(exc, "code", "error"), time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 — one bad file never stops the cohort
        return Failed(f"{type(exc).__name__}: {exc}", "internal")


def warm() -> None:
    """Nothing: unpickling this function imports this module, hence ingest and drafting, so
    a worker is ready for its first file (renderers are imported by the first write)."""


def write(sheet: ScoringSheet, out: str, stem: str) -> float | Failed:
    """Render and write one sheet atomically; the seconds it took."""
    from grader.sheet.store import write_sheet

    start = time.perf_counter()
    try:
        write_sheet(sheet, Path(out), stem)
    except (GraderError, OSError) as exc:
        return Failed(str(exc), "write")
    return time.perf_counter() - start


def grade_local(job: Job) -> Graded | Failed:
    """The whole submission in this process: ingest, draft (offline backend), write."""
    got = ingest(job.path, job.deliverable)
    if isinstance(got, Failed):
        return got
    start = time.perf_counter()
    try:
        sheet, cached = asyncio.run(grade_document(
            got.doc, load_rubric(job.deliverable), _backend(job.backend, _frozen(job)),
            _options(job), _cache(job.out) if job.use_cache else None))
    except GraderError as exc:
        return Failed(str(exc), "backend", got.seconds)
    draft_s = time.perf_counter() - start
    sheet = with_candidate(sheet, job.candidate)
    written = write(sheet, job.out, job.stem)
    if isinstance(written, Failed):
        return written
    return Graded(sheet, cached, got.seconds, draft_s, written)


def with_candidate(sheet: ScoringSheet, candidate: str | None) -> ScoringSheet:
    """The manifest's candidate wins over the document's author metadata."""
    if not candidate:
        return sheet
    submission = sheet.submission.model_copy(update={"candidate": candidate})
    return sheet.model_copy(update={"submission": submission})


def _options(job: Job) -> GradeOptions:
    return GradeOptions(backend=job.backend, backend_options=dict(job.backend_options),
                        lang="en" if job.lang == "en" else "fr", use_cache=job.use_cache)


def _frozen(job: Job) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in job.backend_options.items() if v is not None))


@cache
def _backend(name: str, options: tuple[tuple[str, Any], ...]) -> Any:
    """One backend per worker process (a calibration or a script is read once)."""
    from grader.backends import get_backend

    return get_backend(name, **dict(options))


@cache
def _cache(out: str) -> Any:
    from grader.cache import DraftCache

    return DraftCache(Path(out) / CACHE_FILE)


__all__ = ["LOCAL_BACKENDS", "Failed", "Graded", "Ingested", "Job", "grade_local", "ingest",
           "warm", "with_candidate", "write"]
