"""Calibration of the offline backend: per-criterion weights and cut points fitted on
confirmed scores (`grader calibrate`), so that drafts come closer to the jury's levels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.backends.base import BackendError


class CriterionFit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: dict[str, float]
    """Feature name → weight (features as `HeuristicBackend.features` names them)."""
    bias: float = 0.0
    cuts: list[float] = Field(min_length=1)
    """Increasing cut points on the weighted score: level index = number of cuts ≤ score."""
    n: int = 0
    """How many confirmed scores the fit used."""


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    fitted_on: str = ""
    """What the fit was made on (gold set, cohort), for the record."""
    criteria: dict[str, CriterionFit]
    """Keyed by `<rubric id>/<criterion id>`."""

    def fit_for(self, rubric_id: str, criterion_id: str) -> CriterionFit | None:
        return self.criteria.get(f"{rubric_id}/{criterion_id}")

    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


def load_calibration(path: Path) -> Calibration:
    try:
        return Calibration.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise BackendError(f"{path}: not a usable calibration file ({first})") from None


def apply_fit(fit: CriterionFit, features: dict[str, float], values: list[int]
              ) -> tuple[int, float]:
    """Level and raw score from a fitted criterion."""
    score = fit.bias + sum(w * features.get(name, 0.0) for name, w in fit.weights.items())
    index = sum(1 for cut in fit.cuts if score >= cut)
    return values[min(index, len(values) - 1)], score
