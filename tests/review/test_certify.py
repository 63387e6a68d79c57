"""`grader certify`: the CSV-only call is unchanged; a review store adds locked sheets and PVs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app as grader_app
from grader.review.cli import standalone
from grader.review.workflow import Entry, Workflow
from grader.sheet.models import ScoringSheet
from tests.review.conftest import REPO, Run, draft_levels, one_line_error

SAMPLE = REPO / "samples" / "certify-results.csv"


def _both(*args: str) -> tuple[object, object]:
    runner = CliRunner()
    return (runner.invoke(grader_app, ["certify", *args]),
            runner.invoke(standalone(), ["certify", *args]))


@pytest.mark.parametrize("args", [
    [str(SAMPLE)], [str(SAMPLE), "--json"], [str(SAMPLE), "--lang", "en"],
])
def test_a_results_csv_alone_certifies_exactly_as_before(args: list[str]) -> None:
    before, now = _both(*args)
    assert (now.exit_code, now.stdout, now.stderr) == (before.exit_code, before.stdout,
                                                       before.stderr)
    assert now.exit_code == 0 and "camille-martin" in now.stdout


def test_a_bad_results_csv_fails_exactly_as_before(tmp_path: Path) -> None:
    bad = tmp_path / "resultats.csv"
    bad.write_text("candidate,epreuve,score\nann,a1-qcm,101\n", encoding="utf-8")
    before, now = _both(str(bad))
    assert (now.exit_code, now.stdout, now.stderr) == (before.exit_code, before.stdout,
                                                       before.stderr)
    assert now.exit_code == 2 and "resultats.csv:2:" in now.stderr


def _locked(flow: Workflow, sheet: ScoringSheet, cohort: str, candidate: str) -> str:
    key = flow.import_sheet(sheet, cohort=cohort, candidate=candidate,
                            jurors=["Alice", "Bruno"]).state.key
    entries = [Entry(c, lv) for c, lv in draft_levels(sheet, jury_only=3).items()]
    flow.apply(key, "Alice", entries, "test")
    assert flow.apply(key, "Bruno", entries, "test").locked
    return key


def test_a_csv_note_for_a_sheet_in_the_store_is_refused(cli: Run, flow: Workflow,
                                                        sheet: ScoringSheet, cohort_dir: Path,
                                                        db_url: str) -> None:
    _locked(flow, sheet, "P2026", "camille-martin")
    results = cohort_dir / "resultats.csv"
    results.write_text("candidate,epreuve,score\ncamille-martin,a1-plan-marketing,19\n",
                       encoding="utf-8")
    err = one_line_error(cli("certify", db_url, "--results", results))
    assert "camille-martin / a1-plan-marketing" in err and "la fiche fait foi" in err


def test_one_pv_per_cohort_from_a_database_file(cli: Run, flow: Workflow, sheet: ScoringSheet,
                                                cohort_dir: Path, tmp_path: Path,
                                                db_url: str) -> None:
    _locked(flow, sheet, "P2026", "camille-martin")
    _locked(flow, sheet, "P2027", "hugo-lefebvre")
    out = tmp_path / "pv"
    source = cohort_dir / "review.sqlite" if db_url.startswith("sqlite") else db_url
    res = cli("certify", source, "--out", out)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["pv-p2026.docx", "pv-p2026.md",
                                                     "pv-p2027.docx", "pv-p2027.md"]
    assert "hugo-lefebvre" not in (out / "pv-p2026.md").read_text(encoding="utf-8")
    assert "manque a1-qcm" in res.stdout  # no results file: the QCM are missing, with reasons
    only = cli("certify", db_url, "--cohort", "P2027", "--out", out, "--json")
    assert [c["cohort"] for c in json.loads(only.stdout)["cohorts"]] == ["P2027"]


def test_certify_without_a_store_is_one_clear_line(cli: Run, tmp_path: Path) -> None:
    err = one_line_error(cli("certify", tmp_path))
    assert "aucun registre de revue" in err
