"""Shared test fixtures: the repository, a CLI runner, and an isolated environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user setting leaks into a test; grader's home is the test's own folder."""
    for var in ("GRADER_LANG", "GRADER_RUBRICS", "GRADER_PROMPTS", "GRADER_CALIBRATION",
                "GRADER_FAKE_SCRIPT", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE",
                "GRADER_MODEL", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GRADER_HOME", str(tmp_path / "grader-home"))
    # the rate windows shared by every run on the machine: never the developer's own
    monkeypatch.setenv("GRADER_LIMITS_DB", str(tmp_path / "grader-limits.sqlite"))


@pytest.fixture
def repo() -> Path:
    return REPO


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """Run `python -m grader ...` as a user would, in a subprocess."""

    def run(*args: str | Path, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)],
                              capture_output=True, text=True, env=full_env,
                              cwd=cwd or tmp_path, timeout=120)

    return run
