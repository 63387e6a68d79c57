"""The Backend protocol: one criterion in, one draft out. Backends are interchangeable.

A backend never raises for a criterion it cannot judge: it returns an unscored draft with the
reason, so the jury sees a gap rather than a zero.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from grader.errors import GraderError
from grader.i18n import Lang
from grader.rubric.models import Criterion, Rubric
from grader.sheet.models import CriterionDraft

if TYPE_CHECKING:
    from grader.ingest import Document
    from grader.redact import Redactor


@dataclass(frozen=True)
class Passage:
    """A window of the submission's body text, with the page it starts on."""

    text: str
    page: int
    index: int
    """Position of the passage in the document (0-based), for stable ordering."""
    score: float = 0.0
    """Relevance to the criterion (retrieval score); 0 when not ranked."""
    pages: tuple[int, ...] = ()
    """Every page the passage spans (a paragraph window may cross a page break)."""


@dataclass(frozen=True)
class DraftRequest:
    """Everything a backend may use to draft one criterion."""

    rubric: Rubric
    criterion: Criterion
    passages: list[Passage]
    """The evidence retrieved for this criterion, best first, within the token budget."""
    document: Document
    """The whole ingested document (structure, statistics); never sent wholesale to a model."""
    lang: Lang = "fr"
    """Language of the justification."""
    body: tuple[Passage, ...] = ()
    """Every passage of the document that may serve as evidence (flagged ones removed), in
    order: document-level indicators are computed on it, never on flagged text."""
    redactor: Redactor | None = None
    """The document's redactor, primed on its whole text, when computed ahead (a cohort's
    worker processes do it, off the event loop); backends that send text build one otherwise."""


class BackendError(GraderError):
    """A backend that cannot work at all (bad configuration, missing extra)."""


@runtime_checkable
class Backend(Protocol):
    name: str

    @property
    def model(self) -> str | None: ...

    @property
    def prompt_version(self) -> str | None: ...

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        """Draft one criterion. Never raises for the criterion itself: returns unscored."""
        ...


def draft_sync(backend: Backend, request: DraftRequest) -> CriterionDraft:
    """The thin sync wrapper over the one async implementation."""
    return asyncio.run(backend.adraft(request))


def unscored(reason: str, **extra: Any) -> CriterionDraft:
    """A draft that hands the criterion to the jury, with the reason."""
    return CriterionDraft(level=None, unscored_reason=reason, flags=["unscored"], **extra)
