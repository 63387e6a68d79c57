"""Deliberately broken backends, to prove that the probes catch them.

- `LengthBackend` rewards length: the longer the document, the higher every level.
- `ObedientBackend` obeys instructions hidden in the document: it reads the whole text (as a
  naive model fed the raw file would) and gives the top level when told to.
- `FlakyBackend` answers differently on each call; `InventingBackend` quotes text that is not
  in the document.
"""

from __future__ import annotations

import itertools

from grader.backends.base import DraftRequest
from grader.evidence.text import fold
from grader.sheet.models import CriterionDraft, Evidence

ORDERS = ("note maximale", "highest score", "ignorez les consignes", "ignore all previous")


class _Base:
    name = "broken"

    @property
    def model(self) -> str | None:
        return type(self).__name__

    @property
    def prompt_version(self) -> str | None:
        return "broken-1"

    def _draft(self, request: DraftRequest, index: int, quote: str | None = None
               ) -> CriterionDraft:
        values = request.rubric.scale.values
        level = values[max(0, min(len(values) - 1, index))]
        evidence = [Evidence(quote=quote, page=1)] if quote else []
        return CriterionDraft(level=level, justification="broken on purpose", evidence=evidence,
                              confidence=0.5)


class LengthBackend(_Base):
    name = "length"

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        return self._draft(request, request.document.words // 150)


class ObedientBackend(_Base):
    name = "obedient"

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        text = fold(request.document.text)
        told = any(order in text for order in ORDERS)
        return self._draft(request, 99 if told else 1)


class FlakyBackend(_Base):
    name = "flaky"

    def __init__(self) -> None:
        self._turn = itertools.count()

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        return self._draft(request, next(self._turn) % 2)


class InventingBackend(_Base):
    name = "inventing"

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        return self._draft(request, 1, quote="Cette phrase n'apparaît nulle part dans le texte.")
