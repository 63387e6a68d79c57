"""The names a coordinator types — deliverables and backends — checked before anything starts,
with the batch's own message in the run's language (the rubric and backend rooms answer in
English, for assessment designers): a typo must not start worker processes first, nor show a
path into the installation."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from grader.backends import REGISTRY
from grader.batch.discover import BatchError
from grader.i18n import Lang, t
from grader.rubric.load import load_all, rubrics_dir


def check_deliverable(ident: str, lang: Lang | None = None, where: str = "") -> None:
    """Raise BatchError naming `ident`, where it was written and the known ids, unless it is
    a written deliverable of the référentiel — not an épreuve without a text (QCM, TOEIC).
    A broken rubric file keeps the rubric room's own message."""
    known = _deliverables(str(rubrics_dir()))
    if ident not in known:
        raise BatchError(t("batch.error.unknown_deliverable", lang, where=where, ident=ident,
                           known=", ".join(known)))


@cache
def _deliverables(folder: str) -> tuple[str, ...]:
    """Read once per run: a manifest checks every one of its lines."""
    return tuple(sorted(load_all(Path(folder))[0]))


def check_backend(name: str, lang: Lang | None = None) -> None:
    if name not in REGISTRY:
        raise BatchError(t("batch.error.unknown_backend", lang, name=name,
                           known=", ".join(REGISTRY)))


__all__ = ["check_backend", "check_deliverable"]
