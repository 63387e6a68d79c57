"""`grader eval`: the report's schema, unscored drafts, the human ceiling and the files."""

from __future__ import annotations

import json
from pathlib import Path

from grader.backends.fake import FakeBackend
from grader.evals.evaluate import EvalOptions, evaluate
from grader.evals.models import Report

FAST = EvalOptions(resamples=100, plots=False)


def test_report_json_has_the_stable_keys(gold: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    evaluate(gold, out, FAST)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "grader-eval/1"
    assert set(data) >= {"criteria", "overall", "human_ceiling", "backend", "bootstrap",
                         "confidence_calibration", "figures", "documents"}
    crit = data["criteria"]["a1-plan-marketing/methodo-collecte"]
    for key in ("qwk", "lwk", "exact", "adjacent", "mae", "spearman", "alpha", "n", "ci",
                "confusion", "unscored", "human_ceiling", "vs_juror2", "trust", "reasons"):
        assert key in crit, key
    assert crit["n"] == 12 and len(crit["confusion"]) == 4
    assert crit["ci"]["qwk"][0] <= crit["qwk"] <= crit["ci"]["qwk"][1]
    assert crit["human_ceiling"]["n"] == 12
    assert data["overall"]["n"] == 12 * 9 and data["overall"]["mean_qwk"] is not None
    assert data["human_ceiling"]["qwk"] is not None
    assert Report.model_validate(data)  # the file reads back into the model


def test_markdown_opens_with_the_certifier_summary_in_both_languages(gold: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    evaluate(gold, out, EvalOptions(resamples=100))
    md = (out / "report.md").read_text(encoding="utf-8")
    fr, en = md.index("Synthèse pour le certificateur"), md.index("Summary for the certifier")
    assert fr < en < md.index("Per criterion")
    assert "toute l'attention du jury" in md and "the jury's full attention" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<table>" in html
    assert '<img src="plots/qwk.png"' in html
    for png in ("qwk.png", "calibration.png",
                "confusion.png"):
        assert (out / "plots" / png).read_bytes()[:4] == b"\x89PNG"
    assert (out / "drafts.csv").read_text(encoding="utf-8").startswith("file,deliverable")


def test_unscored_drafts_are_counted_never_zero(small_gold: Path, tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.enqueue("ecrit-sources", level=None, unscored_reason="no answer")
    report = evaluate(small_gold, tmp_path / "out", FAST, backend=backend)
    sources = report.criteria["a1-plan-marketing/ecrit-sources"]
    assert sources.n == 0 and sources.unscored == 4 and sources.qwk is None
    assert sources.exact is None and sources.mae is None
    assert report.overall is not None and report.overall.unscored == 4
    assert report.overall.n == 4 * 8
    assert sources.trust == "insufficient"


def test_small_sets_are_never_declared_trustworthy(small_gold: Path, tmp_path: Path) -> None:
    report = evaluate(small_gold, tmp_path / "out", FAST)
    assert {c.trust for c in report.criteria.values()} == {"insufficient"}
    assert all(c.reasons[0].code == "few" for c in report.criteria.values())


def test_second_run_drafts_from_the_cache(small_gold: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    backend = FakeBackend()
    evaluate(small_gold, out, FAST, backend=backend)
    calls = len(backend.history)
    second = evaluate(small_gold, out, FAST, backend=backend)
    assert calls > 0 and len(backend.history) == calls
    assert second.overall is not None and second.overall.n == 4 * 9


def test_unreadable_documents_are_listed_not_fatal(small_gold: Path, tmp_path: Path) -> None:
    (small_gold / "a1-plan-marketing" / "docs" / "cand00.md").write_bytes(b"")
    report = evaluate(small_gold, tmp_path / "out", FAST)
    assert [f.file for f in report.failed] == ["a1-plan-marketing/docs/cand00.md"]
    assert report.documents == 4
