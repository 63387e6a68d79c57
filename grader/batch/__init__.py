"""Cohort batch: a whole promotion in one command — concurrent, rate-limited, resumable,
costed. `run_batch(BatchOptions(...))` / `resume_batch(out)`; see docs/batch.md.

Nothing is imported until asked for, so that `grader --help` stays instant.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "BatchOptions": "grader.batch.options",
    "BatchReport": "grader.batch.runner",
    "run_batch": "grader.batch.runner",
    "resume_batch": "grader.batch.runner",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)


__all__ = list(_EXPORTS)
