"""ASAP-AES adapter and evaluation on a slice of the real data (read from ../shared/data or
$GRADER_DATA, never copied into the repository)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.evals import asap
from grader.evals.asap_run import AsapOptions, run_asap
from grader.evals.errors import DataMissingError
from grader.evals.metrics import qwk


def test_adapter_turns_a_set_into_rubric_documents_and_scores(data_dir: Path) -> None:
    essays = asap.read_essays(data_dir, (1, 3), limit=200)
    assert [len(essays[s]) for s in (1, 3)] == [200, 200]
    first = essays[1][0]
    assert first.id == 1 and 2 <= first.score <= 12 and 1 <= first.rater1 <= 6
    assert {e.fold for e in essays[1]} == {0}
    cues = asap.prompt_cues(asap.prompt_text(data_dir, 1))
    assert "computers" in cues
    rubric = asap.rubric_for(1, cues)
    assert rubric.scale.values == list(range(11))
    assert rubric.scale.levels[0].label.en == "score 2"
    doc = asap.to_document(first)
    assert doc.words == len(first.text.split()) and doc.language == "en"


def test_wide_score_ranges_are_binned_for_drafting() -> None:
    values, to_score = asap.score_levels(8)
    assert values == list(range(11)) and to_score[0] == 10 and to_score[10] == 60
    assert asap.rubric_for(7, ["patience"]).scale.values == list(range(11))


def test_standard_folds_are_recovered_from_the_file(data_dir: Path) -> None:
    essays = asap.read_essays(data_dir, (8,))[8]
    assert len(essays) == 723
    sizes = [sum(e.fold == k for e in essays) for k in range(5)]
    assert sorted(set(e.fold for e in essays)) == [0, 1, 2, 3, 4]
    assert min(sizes) >= 140 and max(sizes) <= 150


def test_human_ceiling_matches_the_published_agreement(data_dir: Path) -> None:
    published = json.loads((data_dir / "asap_aes" / "human_agreement_computed.json")
                           .read_text(encoding="utf-8"))["sets"]
    essays = asap.read_essays(data_dir)
    for s, rows in essays.items():
        lo, hi = asap.RATER_RANGE[s]
        value = qwk([e.rater1 for e in rows], [e.rater2 for e in rows], range(lo, hi + 1))
        assert value == pytest.approx(published[str(s)]["qwk_r1_r2"], abs=1e-3), s
        assert value == pytest.approx(asap.HUMAN_QWK[s], abs=6e-3), s


def test_slice_reports_held_out_qwk_next_to_humans(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "asap"
    results = run_asap(data_dir, out, AsapOptions(sets=(1, 3), limit=200, resamples=100))
    summary = json.loads((out / "asap.json").read_text(encoding="utf-8"))
    assert set(summary["sets"]) == {"1", "3"}
    one = summary["sets"]["1"]
    assert one["human_published"] == 0.72 and one["split"] == "seeded 5-fold"
    for scorer in ("uncalibrated", "calibrated", "calibrated+length", "calibrated+essay"):
        assert one[scorer]["n"] == 200 and one[scorer]["qwk"] is not None
    assert len(one["calibrated+essay"]["fold_qwk"]) == 5
    # Calibration on held-out folds must do better than the uncalibrated drafts.
    for r in results:
        assert r.scorers["calibrated+essay"].qwk > r.scorers["uncalibrated"].qwk
    assert results[0].scorers["calibrated+essay"].qwk > 0.6
    md = (out / "asap.md").read_text(encoding="utf-8")
    assert "0.814" in md and "| 1 | 200 |" in md
    assert (out / "plots" / "asap-qwk.png").is_file()
    assert (out / "set-1" / "calibrated-essay" / "report.json").is_file()


def test_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match="asap_aes"):
        asap.data_dir(tmp_path)
