"""Fixtures of the evals tests: a synthetic gold set and the public data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.evals.synth import build_gold

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
"""The public data beside the repository (`../shared/data`); $GRADER_DATA overrides it."""


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    """Twelve marketing plans, two of them with an English rendering."""
    root = tmp_path / "gold"
    build_gold(root, candidates=12, english=2)
    return root


@pytest.fixture
def small_gold(tmp_path: Path) -> Path:
    root = tmp_path / "small-gold"
    build_gold(root, candidates=4, english=1, seed=2)
    return root


@pytest.fixture
def data_dir() -> Path:
    """ASAP and friends; missing data is a failure with the fix, never a skip."""
    path = Path(os.environ.get("GRADER_DATA") or DATA)
    essays = path / "asap_aes" / "training_set_rel3_reconstructed.tsv.xz"
    if not essays.is_file():
        pytest.fail(f"public data not found: {essays} is missing. Put the shared data folder "
                    f"beside the repository (../shared/data) or set GRADER_DATA to it.")
    return path
