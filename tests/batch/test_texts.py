"""Every message the batch shows exists in French and English; the progress bar draws."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from grader.batch.progress import Bar, Silent, progress_for
from tests.conftest import REPO

CATALOGUE = REPO / "grader" / "locale" / "batch.yaml"


def test_every_batch_message_key_used_exists_in_both_languages() -> None:
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    used = set()
    for path in (REPO / "grader" / "batch").glob("*.py"):
        used |= set(re.findall(r"[\"'](batch\.[a-z_.]+)[\"']", path.read_text("utf-8")))
    dynamic = {k for k in catalogue if k.startswith(("batch.summary.col.", "batch.skipped."))}
    assert used - set(catalogue) == set()
    for key in used | dynamic:
        assert set(catalogue[key]) == {"fr", "en"}, key
    assert all(k.startswith("batch.") for k in catalogue)


def test_the_bar_counts_and_is_silent_off_a_terminal(capsys: object) -> None:
    bar = Bar("en")
    bar.start("Grading", total=3, completed=1)
    bar.advance(True, 1200)
    bar.advance(False)
    bar.note("a note")
    bar.stop()
    assert (bar.failed, bar.tokens) == (1, 1200)
    assert isinstance(progress_for("fr"), Silent)  # pytest's stderr is not a terminal
    assert Path(CATALOGUE).is_file()
