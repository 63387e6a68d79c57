"""rules.yaml: pass marks, block compositions, badges and the title — the certification as data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from grader.rubric.load import RULES_FILE, RubricError, read_yaml, rubrics_dir, validate_model
from grader.rubric.models import Bilingual, Source, Strict


class PassMark(Strict):
    threshold: float
    """The score to reach."""
    inclusive: bool = True
    """True: a score equal to the threshold passes (≥); False: it must be above it (>)."""
    source: Source = "proposed"
    """`referentiel` when the référentiel fixes it (TOEIC « supérieur à 850 »)."""

    def passes(self, score: float) -> bool:
        return score >= self.threshold if self.inclusive else score > self.threshold


class EpreuveRule(Strict):
    unit: Literal["note", "percent", "points"]
    """How its score is expressed: note /20, percentage, or points (TOEIC)."""
    pass_mark: PassMark


class Group(Strict):
    label: Bilingual
    blocks: list[str] = Field(default_factory=list)
    """Blocks that must all be validated."""
    epreuves: list[str] = Field(default_factory=list)
    """Épreuves that must all be passed (for a block, its own épreuves)."""


class Rules(Strict):
    version: str
    note_scale: float = 20
    """Épreuve notes are out of this (the French /20)."""
    epreuves: dict[str, EpreuveRule]
    blocks: dict[str, Group]
    badges: dict[str, Group]
    title: Group

    @model_validator(mode="after")
    def _references(self) -> Rules:
        for name, block in self.blocks.items():
            if block.blocks:
                raise ValueError(f"blocks.{name}.blocks: a block is made of épreuves only")
            for ep in block.epreuves:
                if ep not in self.epreuves:
                    raise ValueError(f"blocks.{name}.epreuves: unknown épreuve '{ep}'")
        for where, group in [*((f"badges.{k}", v) for k, v in self.badges.items()),
                             ("title", self.title)]:
            for blk in group.blocks:
                if blk not in self.blocks:
                    raise ValueError(f"{where}.blocks: unknown block '{blk}'")
            for ep in group.epreuves:
                if ep not in self.epreuves:
                    raise ValueError(f"{where}.epreuves: unknown épreuve '{ep}'")
        return self


def load_rules(path: Path | None = None) -> Rules:
    """rules.yaml from the rubrics folder (or the given path), validated."""
    path = path or rubrics_dir() / RULES_FILE
    # `x-` keys hold YAML anchors shared by several entries; they are not rules themselves.
    data = {k: v for k, v in read_yaml(path).items() if not str(k).startswith("x-")}
    return validate_model(Rules, data, path)


__all__ = ["EpreuveRule", "Group", "PassMark", "RubricError", "Rules", "load_rules"]
