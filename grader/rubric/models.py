"""The référentiel as validated data: rubrics, criteria, level scales.

Files people write by hand (rubrics/*.yaml) are loaded with ``extra="forbid"`` so that a typo
fails loudly, with the file and the field named.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Source = Literal["referentiel", "proposed"]
"""Where a value comes from: the référentiel itself, or the project's proposal for the certifier."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mode(StrEnum):
    draft = "draft"
    """Can be judged from the written text: grader drafts a level for the jury."""
    jury_only = "jury_only"
    """Cannot be judged from the text (oral, behaviour in a group): the jury enters it."""


class Bilingual(Strict):
    fr: str = Field(min_length=1)
    """French text (the jury's default language)."""
    en: str = Field(min_length=1)
    """English text."""


class Level(Strict):
    value: int = Field(ge=0, le=10)
    """Position on the scale; higher is better."""
    label: Bilingual
    """Short name of the level (e.g. « Satisfaisant »)."""


class Scale(Strict):
    levels: list[Level] = Field(min_length=2)
    """The ordered levels, lowest first."""
    source: Source = "proposed"
    """The référentiel fixes no scale: the default one is the project's proposal."""

    @field_validator("levels")
    @classmethod
    def _ordered_and_unique(cls, levels: list[Level]) -> list[Level]:
        values = [lv.value for lv in levels]
        if values != sorted(set(values)):
            raise ValueError(f"level values must be unique and increasing, got {values}")
        return levels

    @property
    def values(self) -> list[int]:
        return [lv.value for lv in self.levels]

    @property
    def lowest(self) -> int:
        return self.levels[0].value

    @property
    def highest(self) -> int:
        return self.levels[-1].value


class Cues(Strict):
    fr: list[str] = Field(default_factory=list)
    """Words and phrases that signal evidence in a French text."""
    en: list[str] = Field(default_factory=list)
    """Words and phrases that signal evidence in an English text."""


class Indicators(Strict):
    """What the offline backend measures for a criterion, besides its cues."""

    sections: Cues = Field(default_factory=Cues)
    """Heading words that signal a section dedicated to the criterion (e.g. « limites »)."""
    required: Cues = Field(default_factory=Cues)
    """Headings without which the criterion cannot pass « À consolider »: each entry is a phrase
    whose words must all appear in one heading (e.g. « limites solutions »)."""
    sources: bool = False
    """Count cited sources: footnotes, bibliography entries, « source : », (Auteur, 2024)."""
    structure: bool = False
    """Table of contents and heading structure (numbered, nested)."""
    expression: bool = False
    """Sentence statistics: length, run-on sentences, lexical variety, repetitions."""
    figures: bool = False
    """Quantified content: amounts in €, percentages, dates (budget, KPI, calendar)."""


class Group(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Stable identifier of the group of criteria."""
    label: Bilingual
    """Label of the group; the French one verbatim from the référentiel."""


class Criterion(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Stable identifier, unique within the rubric."""
    label: Bilingual
    """French label verbatim from the référentiel; English translation."""
    group: str | None = None
    """Id of the group this sub-criterion belongs to (None for a criterion without a group)."""
    mode: Mode
    """`draft` when the written text is enough to judge it, `jury_only` otherwise."""
    weight: float = Field(ge=0)
    """Relative weight in the épreuve's note /20."""
    weight_source: Source = "proposed"
    """The référentiel fixes no weights: they are the project's proposal."""
    descriptors: dict[int, Bilingual]
    """What each level of the scale means for this criterion (one per level)."""
    descriptors_source: Source = "proposed"
    """Descriptors are the project's proposal unless the référentiel fixes them."""
    cues: Cues = Field(default_factory=Cues)
    """Signals of evidence in the text (used by retrieval and the offline backend)."""
    indicators: Indicators = Field(default_factory=Indicators)
    """What the offline backend measures besides the cues."""
    needs_judgement: bool = False
    """True when the criterion calls for a professional judgement (pertinence, recul,
    créativité): an offline draft of it must carry a low confidence."""

    @field_validator("weight")
    @classmethod
    def _finite(cls, weight: float) -> float:
        if weight != weight or weight == float("inf"):
            raise ValueError("weight must be a finite number")
        return weight


class LengthRule(Strict):
    min_pages: int = Field(ge=1)
    """Fewest pages the rule allows."""
    max_pages: int = Field(ge=1)
    """Most pages the rule allows."""
    source: Source = "referentiel"

    @model_validator(mode="after")
    def _bounds(self) -> LengthRule:
        if self.min_pages > self.max_pages:
            raise ValueError("min_pages must not exceed max_pages")
        return self


class Rubric(Strict):
    """The grid of one deliverable (a written work graded criterion by criterion)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Deliverable id (e.g. `a1-plan-marketing`); the file is named after it."""
    version: str = Field(min_length=1)
    """Changes whenever criteria, descriptors, weights or scale change (cache keys use it)."""
    block: Literal["A1", "A2", "A3", "A4", "title"]
    """Block the épreuve belongs to (`title` for the mémoire)."""
    title: Bilingual
    """Name of the épreuve (French verbatim from the référentiel's modalités)."""
    modalities: str = ""
    """The référentiel's description of the épreuve, verbatim."""
    individual: bool = True
    """False when the written work is produced by a group."""
    length: LengthRule | None = None
    """Page count the référentiel fixes for the document, if any."""
    scale: Scale
    """Level scale shared by every criterion of the grid."""
    groups: list[Group] = Field(default_factory=list)
    """Groups of sub-criteria (e.g. « Qualité méthodologique »)."""
    criteria: list[Criterion] = Field(min_length=1)
    """Every criterion and sub-criterion of the référentiel for this épreuve."""

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        _unique("groups", [g.id for g in self.groups])
        _unique("criteria", [c.id for c in self.criteria])
        group_ids = {g.id for g in self.groups}
        scale = set(self.scale.values)
        for i, crit in enumerate(self.criteria):
            where = f"criteria.{i} ({crit.id})"
            if crit.group is not None and crit.group not in group_ids:
                raise ValueError(f"{where}.group: unknown group '{crit.group}'")
            missing = sorted(scale - set(crit.descriptors))
            if missing:
                raise ValueError(f"{where}.descriptors: no descriptor for level(s) {missing}")
            extra = sorted(set(crit.descriptors) - scale)
            if extra:
                raise ValueError(f"{where}.descriptors: level(s) {extra} are not on the scale")
        if sum(c.weight for c in self.criteria) <= 0:
            raise ValueError("criteria: the weights must not all be zero")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for crit in self.criteria:
            if crit.id == criterion_id:
                return crit
        raise KeyError(criterion_id)

    def group(self, group_id: str) -> Group:
        for grp in self.groups:
            if grp.id == group_id:
                return grp
        raise KeyError(group_id)

    @property
    def draft_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.mode is Mode.draft]


class Epreuve(Strict):
    """An épreuve that is not a written text: a QCM or the TOEIC, entered as a number."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Épreuve id (e.g. `a1-qcm`, `toeic`)."""
    version: str = Field(min_length=1)
    block: Literal["A1", "A2", "A3", "A4", "title"]
    title: Bilingual
    modalities: str = ""
    """The référentiel's description, verbatim."""
    criterion: Bilingual
    """The référentiel's criterion (e.g. « Niveau de réussite au test »)."""
    unit: Literal["percent", "points"]
    """What the entered number means."""
    min_score: float
    max_score: float

    @model_validator(mode="after")
    def _range(self) -> Epreuve:
        if self.min_score >= self.max_score:
            raise ValueError("min_score must be below max_score")
        return self


def _unique(field: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise ValueError(f"{field}.{i}.id: duplicate id '{ident}'")
        seen.add(ident)
