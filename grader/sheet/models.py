"""The scoring sheet: the hinge between the machine's drafts and the jury's decisions.

`<stem>.sheet.json` is the canonical form; Markdown and DOCX are renderings of it. A draft never
overwrites a decision and a decision never overwrites a draft: both are kept side by side.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(Model):
    quote: str
    """Verbatim passage of the submission."""
    page: int | None = None
    """Page of the quote in the submission (corrected from the document by verification)."""
    verified: bool = False
    """True once the quote was found in the document text."""


class Usage(Model):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    """Input tokens the endpoint served from its prompt cache (billed at a discount)."""
    calls: int = 0
    cached: bool = False
    """True when the draft came from the cache (no model call made)."""


class CriterionDraft(Model):
    """What a backend proposes for one criterion; `level` None means unscored."""

    level: int | None = None
    """Level on the rubric's scale, or None when no draft could be produced."""
    justification: str = ""
    """Why this level, in the jury's language, citing the evidence."""
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(default=0.0, ge=0, le=1)
    """How far the backend trusts its own draft (low where judgement is needed)."""
    flags: list[str] = Field(default_factory=list)
    """e.g. `unverified_evidence`, `unscored`, `low_confidence`, `partial_coverage`."""
    unscored_reason: str | None = None
    """Why no level could be drafted: the jury must score this criterion."""
    pages_read: list[int] = Field(default_factory=list)
    """Pages whose text the backend actually saw for this criterion."""
    raw_answer: str | None = None
    """The model's last raw answer when it could not be used (kept for audit)."""
    usage: Usage = Field(default_factory=Usage)


class JuryDecision(Model):
    level: int
    juror: str
    comment: str = ""
    time: datetime
    action: Literal["confirmed", "overridden", "entered"]


class CriterionEntry(Model):
    id: str
    label: str
    label_en: str = ""
    group: str | None = None
    group_label: str | None = None
    mode: Literal["draft", "jury_only"]
    weight: float
    descriptors: dict[int, str] = Field(default_factory=dict)
    """What each level means for this criterion, in the sheet's language (the sheet stands on
    its own even if the rubric changes later)."""
    draft: CriterionDraft | None = None
    """None for `jury_only` criteria: the jury enters them."""
    decision: JuryDecision | None = None


class Submission(Model):
    file: str
    sha256: str
    format: str
    pages: int
    words: int
    language: str
    candidate: str | None = None


class BackendInfo(Model):
    name: str
    model: str | None = None
    prompt_version: str | None = None


class DocumentFlag(Model):
    code: str
    message: str
    pages: list[int] = Field(default_factory=list)
    passages: list[str] = Field(default_factory=list)


class ScoringSheet(Model):
    schema_version: str = SCHEMA_VERSION
    created: datetime
    submission: Submission
    deliverable: str
    deliverable_title: str
    rubric_version: str
    scale: dict[int, str]
    """Level value → label, in the sheet's language."""
    backend: BackendInfo
    language: Literal["fr", "en"] = "fr"
    """Language of the justifications."""
    flags: list[DocumentFlag] = Field(default_factory=list)
    criteria: list[CriterionEntry]
    indicative_note: float | None = None
    """Note /20 from the drafted levels when every criterion has one (jury_only excluded ⇒
    None until the jury enters them); indicative only."""
    draft_note: float | None = None
    """Note /20 over the drafted criteria alone, for orientation."""
    usage: Usage = Field(default_factory=Usage)

    def criterion(self, criterion_id: str) -> CriterionEntry:
        for entry in self.criteria:
            if entry.id == criterion_id:
                return entry
        raise KeyError(criterion_id)
