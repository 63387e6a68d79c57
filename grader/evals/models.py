"""The evaluation report as data: `report.json` is this model, Markdown and HTML render it.

Keys are stable (tools and the issue's figures read them): `criteria[id].qwk`, `.exact`,
`.adjacent`, `.n`, `.ci`, `overall`, `human_ceiling`. A metric that is undefined (one level
only, too few pairs) is `null`, never 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "grader-eval/1"
Trust = Literal["trusted", "review", "insufficient"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Agreement(Model):
    """Agreement of a second rater (the draft, or juror 2) with a reference (the jury)."""

    n: int
    """Pairs where both gave a level (unscored drafts are not pairs)."""
    labels: list[int]
    """The scale's levels, rows and columns of `confusion`."""
    qwk: float | None = None
    """Quadratic weighted kappa."""
    lwk: float | None = None
    """Linear weighted kappa."""
    exact: float | None = None
    """Share of pairs on the same level."""
    adjacent: float | None = None
    """Share of pairs at most one level apart."""
    mae: float | None = None
    """Mean absolute difference, in levels."""
    spearman: float | None = None
    alpha: float | None = None
    """Krippendorff's alpha, ordinal."""
    mean_diff: float | None = None
    """Mean level of the second rater minus the reference's: > 0 means drafts run high."""
    ci: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """95 % bootstrap interval per metric (absent when undefined)."""
    confusion: list[list[int]] = Field(default_factory=list)
    """Rows: reference level; columns: the second rater's level."""


class Reason(Model):
    code: str
    fr: str
    en: str


class CriterionReport(Agreement):
    """One criterion: the draft against the reference jury level, plus context."""

    deliverable: str
    criterion: str
    label: str
    label_en: str = ""
    needs_judgement: bool = False
    documents: int = 0
    """Documents with a reference level for this criterion."""
    unscored: int = 0
    """Drafts the backend left to the jury (counted, never scored as zero)."""
    mean_confidence: float | None = None
    vs_juror2: Agreement | None = None
    """The draft against juror 2, where juror 2 scored."""
    human_ceiling: Agreement | None = None
    """Juror 2 against juror 1: what two humans reach on this criterion."""
    trust: Trust = "insufficient"
    reasons: list[Reason] = Field(default_factory=list)


class Overall(Agreement):
    criteria: int = 0
    unscored: int = 0
    mean_qwk: float | None = None
    """Mean of the criteria's QWK through Fisher's z (the ASAP convention)."""


class CalibrationBin(Model):
    low: float
    high: float
    n: int
    confidence: float
    """Mean confidence the backend gave in this bin."""
    accuracy: float
    """Share of those drafts on the jury's level."""


class ProbeSummary(Model):
    probe: str
    checked: int = 0
    violations: int = 0
    skipped: str | None = None
    """Why the probe could not run (e.g. no PDF/DOCX pair in the gold set)."""


class ProbeViolation(Model):
    probe: str
    file: str
    criterion: str | None = None
    expected: str
    observed: str


class ProbeReport(Model):
    summaries: list[ProbeSummary]
    violations: list[ProbeViolation] = Field(default_factory=list)
    quotes_verified: float | None = None
    """Share of quotes found verbatim in their document, over every draft the probes made."""


class BackendSummary(Model):
    name: str
    model: str | None = None
    prompt_version: str | None = None


class FailedDocument(Model):
    file: str
    reason: str


class Report(Model):
    schema_: str = Field(default=SCHEMA, alias="schema")
    created: str
    source: str
    """What was evaluated: the gold folder, or a public data set and its part."""
    backend: BackendSummary
    reference: str = "juror1"
    """Whose level is the truth: juror 1 where present, else juror 2 (see docs/evals.md)."""
    bootstrap: dict[str, float] = Field(default_factory=dict)
    documents: int = 0
    failed: list[FailedDocument] = Field(default_factory=list)
    criteria: dict[str, CriterionReport] = Field(default_factory=dict)
    """Keyed `<deliverable>/<criterion>`."""
    overall: Overall | None = None
    human_ceiling: Agreement | None = None
    """Juror 2 against juror 1 over every criterion, where both scored."""
    confidence_calibration: list[CalibrationBin] = Field(default_factory=list)
    probes: ProbeReport | None = None
    figures: dict[str, str] = Field(default_factory=dict)
    """Figure name → PNG path relative to the report."""
    notes: list[str] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
