"""Calibration: weights and cuts fitted on confirmed levels, usable by the offline backend,
held out by candidate, and blind to raw length."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from grader.backends.calibration import apply_fit, load_calibration
from grader.backends.heuristic import HeuristicBackend
from grader.evals.calibrate import GUARDED, calibrate_gold, split_groups, write_calibration
from grader.evals.errors import EvalError
from grader.evals.fit import fit_scorer, levels
from grader.evals.metrics import qwk
from grader.grade import GradeOptions, grade_document
from grader.ingest import read
from grader.rubric.load import load_rubric


def test_fit_recovers_an_ordinal_relation_and_matches_apply_fit() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    latent = 1.5 * x[:, 0] - 0.5 * x[:, 1] + rng.normal(scale=0.3, size=300)
    truth = np.digitize(latent, [-1.0, 0.0, 1.0]).tolist()
    rows = [{"a": a, "b": b, "noise": c} for a, b, c in x]
    fit = fit_scorer(rows, truth, truth, [0, 1, 2, 3])
    predicted = levels(fit, rows, [0, 1, 2, 3])
    assert qwk(truth, predicted, [0, 1, 2, 3]) > 0.9
    assert fit.weights["a"] > 0 > fit.weights["b"] and len(fit.cuts) == 3
    # The backend's own apply_fit gives the same levels as the vectorised one.
    assert [apply_fit(fit, r, [0, 1, 2, 3])[0] for r in rows[:50]] == predicted[:50]


def test_fit_refuses_flat_levels() -> None:
    with pytest.raises(EvalError, match="must vary"):
        fit_scorer([{"a": 1.0}] * 5, [2] * 5, [2] * 5, [0, 1, 2, 3])


def test_split_keeps_a_candidate_on_one_side() -> None:
    groups = [f"set/c{i}" for i in range(10)]
    train, test = split_groups(groups, 0.2, seed=0)
    assert len(test) == 2 and not train & test and train | test == set(groups)
    assert split_groups(groups[:3], 0.2, 0)[1] == set()


def test_calibrate_writes_a_file_the_backend_uses(gold: Path, tmp_path: Path) -> None:
    result = calibrate_gold(gold, holdout=0.25, seed=0)
    assert len(result.calibration.criteria) == 9 and result.confirmed == 108
    assert {h.n for h in result.heldout[:-1]} == {3}
    assert result.heldout[-1].key.endswith("all criteria)") and result.heldout[-1].n == 27
    for fit in result.calibration.criteria.values():
        assert not set(fit.weights) & GUARDED  # raw length never weighs for a jury
    path = write_calibration(result, tmp_path / "calibration.json")
    calibration = load_calibration(path)
    assert (tmp_path / "calibration.heldout.json").is_file()
    backend = HeuristicBackend(calibration)
    doc = read(gold / "a1-plan-marketing" / "docs" / "cand03.md")
    sheet, _ = asyncio.run(grade_document(doc, load_rubric("a1-plan-marketing"), backend,
                                          GradeOptions(use_cache=False)))
    assert sheet.backend.model == f"calibrated-{calibration.digest()}"
    assert all(c.draft.level is not None for c in sheet.criteria if c.draft)


def test_too_few_candidates_is_said_not_hidden(small_gold: Path) -> None:
    result = calibrate_gold(small_gold, holdout=0.2, seed=0)
    assert not result.heldout
    assert any("not held out" in note for note in result.notes)
