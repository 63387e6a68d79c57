"""The review policy (policy.yaml): how many jurors, when to reconcile, how two levels combine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.rubric.load import read_yaml, validate_model
from grader.rubric.models import Source

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
FinalRule = Literal["mean_of_notes", "lower", "higher"]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    """Changes whenever a value changes; recorded in every lock."""
    jurors: int = Field(ge=1, le=5)
    """Jurors per submission; a sheet locks only once each has decided every criterion."""
    jurors_source: Source = "proposed"
    reconcile_gap: int = Field(ge=0)
    """Final levels further apart than this need a recorded reconciliation."""
    reconcile_gap_source: Source = "proposed"
    final_rule: FinalRule = "mean_of_notes"
    """How two jurors' levels within the gap make the épreuve note."""
    final_rule_source: Source = "proposed"


def policy_path(explicit: Path | None = None) -> Path:
    """Flag, else $GRADER_REVIEW_POLICY, else `review.policy` in the config files, else ours."""
    if explicit is not None:
        return explicit
    if os.environ.get("GRADER_REVIEW_POLICY"):
        return Path(os.environ["GRADER_REVIEW_POLICY"])
    from grader.review.location import config_value

    configured = config_value("policy")
    return Path(configured) if configured else DEFAULT_POLICY


def load_policy(path: Path | None = None) -> Policy:
    """The policy in force, validated (a misspelt key fails with the file and field named)."""
    source = policy_path(path)
    return validate_model(Policy, read_yaml(source), source)


__all__ = ["DEFAULT_POLICY", "FinalRule", "Policy", "load_policy", "policy_path"]
