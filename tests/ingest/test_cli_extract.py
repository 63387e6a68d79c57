"""`grader extract FILE --json` end to end (the command itself lives in grader/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _grader(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def wired() -> None:
    assert "extract" in _grader("--help").stdout, "`grader extract` is missing from the CLI"


def test_extract_json(wired: None, files: dict[str, Path]) -> None:
    done = _grader("extract", files["thesis.pdf"], "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["pages"]) == 50 and data["language"] == "fr"
    assert {"number", "text"} <= set(data["pages"][0])


def test_extract_summary(wired: None, files: dict[str, Path]) -> None:
    done = _grader("extract", files["hidden_white.docx"])
    assert done.returncode == 0, done.stderr
    assert "hidden_text" in done.stdout


def test_extract_bad_file_is_one_line_and_exit_2(wired: None, files: dict[str, Path]) -> None:
    done = _grader("extract", files["CorruptFileError__truncated.pdf"], "--json")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "CorruptFileError__truncated.pdf" in lines[0]
    assert "Traceback" not in done.stderr
