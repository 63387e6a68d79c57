"""`grader eval`, `grader calibrate` and `grader eval-asap` as a designer types them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run


def test_eval_with_probes_writes_every_report(cli: Run, small_gold: Path, tmp_path: Path
                                              ) -> None:
    out = tmp_path / "report"
    res = cli("eval", small_gold, "--backend", "heuristic", "--out", out, "--probes",
              "--resamples", "50")
    assert res.returncode == 0, res.stderr
    assert "report.md" in res.stdout and "violation" in res.stdout
    for name in ("report.json", "report.md", "report.html", "plots/qwk.png"):
        assert (out / name).is_file(), name
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    probes = {s["probe"]: s for s in data["probes"]["summaries"]}
    assert probes["padding"]["checked"] > 0 and probes["repeat"]["violations"] == 0


def test_eval_of_a_missing_gold_folder_is_one_line(cli: Run, tmp_path: Path) -> None:
    res = cli("eval", tmp_path / "absent", "--out", tmp_path / "out")
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "gold folder not found" in res.stderr


def test_calibrate_then_eval_with_the_calibration(cli: Run, gold: Path, tmp_path: Path
                                                  ) -> None:
    cal = tmp_path / "calibration.json"
    res = cli("calibrate", gold, "--out", cal, "--holdout", "0.25", "--lang", "en")
    assert res.returncode == 0, res.stderr
    assert "held-out QWK" in res.stdout and "Calibration written" in res.stdout
    res = cli("eval", gold, "--out", tmp_path / "out", "--calibration", cal,
              "--resamples", "20")
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["backend"]["model"].startswith("calibrated-")
    assert any("in-sample" in note for note in report["notes"])


def test_eval_asap_checks_its_arguments(cli: Run, tmp_path: Path) -> None:
    res = cli("eval-asap", tmp_path, "--sets", "9")
    assert res.returncode == 2 and "--sets '9'" in res.stderr
    res = cli("eval-asap", tmp_path, "--sets", "1")
    assert res.returncode == 2 and "asap_aes" in res.stderr
