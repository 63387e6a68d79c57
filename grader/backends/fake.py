"""A scripted backend shipped in the package: for tests, demos and docs. No network.

Answers come from a script (criterion id → draft fields), else a plain default: the middle of
the scale, quoting the first sentence of the best passage. Every request is kept in `history`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from grader.backends.base import BackendError, DraftRequest, unscored
from grader.sheet.models import CriterionDraft, Evidence


class FakeBackend:
    name = "fake"

    def __init__(self, script: dict[str, dict[str, Any]] | None = None) -> None:
        self.script = dict(script or {})
        self.history: list[DraftRequest] = []

    @classmethod
    def from_settings(cls, script: str | Path | None = None, **_: object) -> FakeBackend:
        """`script` (or $GRADER_FAKE_SCRIPT): a JSON file mapping criterion ids to drafts."""
        path = script or os.environ.get("GRADER_FAKE_SCRIPT")
        if not path:
            return cls()
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise BackendError(f"{path}: fake backend script unreadable ({exc})") from None

    @property
    def model(self) -> str | None:
        return "scripted"

    @property
    def prompt_version(self) -> str | None:
        return "fake-1"

    def enqueue(self, criterion_id: str, **draft: Any) -> None:
        self.script[criterion_id] = draft

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        self.history.append(request)
        scripted = self.script.get(request.criterion.id)
        if scripted is not None:
            if scripted.get("level", 0) is None:
                return unscored(scripted.get("unscored_reason", "scripted"))
            return CriterionDraft.model_validate(scripted)
        values = request.rubric.scale.values
        evidence = []
        if request.passages:
            top = request.passages[0]
            sentence = top.text.split(". ")[0].strip()
            evidence = [Evidence(quote=sentence, page=top.page)]
        return CriterionDraft(level=values[len(values) // 2], justification="fake draft",
                              evidence=evidence, confidence=0.5,
                              pages_read=sorted({p.page for p in request.passages}))
