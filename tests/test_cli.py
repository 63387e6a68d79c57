"""The command line as a coordinator uses it: clear output, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "certify-results.csv"


def test_help_is_instant_and_imports_no_model_sdk() -> None:
    code = ("import sys; from grader.cli import app; "
            "sys.argv=['grader','--help']\n"
            "try:\n app()\nexcept SystemExit: pass\n"
            "heavy=[m for m in sys.modules if m.split('.')[0] in "
            "('langchain_core','langchain_openai','openai','pypdfium2','docx','tenacity')]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "certify" in out.stdout
    assert "HEAVY []" in out.stdout


def test_rubrics_list_shows_the_seven_deliverables(cli: Run) -> None:
    res = cli("rubrics", "list")
    assert res.returncode == 0, res.stderr
    for rid in ("a1-plan-marketing", "a1-cas-entreprise", "a2-plan-action-commerciale",
                "a2-cas-collectif", "a3-plan-communication", "a4-cas-collectif", "memoire"):
        assert rid in res.stdout
    assert "toeic" in res.stdout and "a1-qcm" in res.stdout


def test_rubrics_show_gives_criteria_and_descriptors(cli: Run) -> None:
    res = cli("rubrics", "show", "memoire")
    assert res.returncode == 0, res.stderr
    assert "Créativité des solutions proposées" in res.stdout
    assert "Maîtrisé" in res.stdout and "40–50" in res.stdout
    en = cli("rubrics", "show", "memoire", "--lang", "en")
    assert "Mastered" in en.stdout


def test_rubrics_show_unknown_id_is_one_clear_line(cli: Run) -> None:
    res = cli("rubrics", "show", "plan-inconnu")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "plan-inconnu" in res.stderr
    assert "Traceback" not in res.stderr


def test_rubrics_validate_passes_on_the_shipped_referentiel(cli: Run) -> None:
    res = cli("rubrics", "validate")
    assert res.returncode == 0, res.stderr
    assert "rules.yaml" in res.stdout and "memoire.yaml" in res.stdout


def test_rubrics_validate_names_the_broken_file(cli: Run, tmp_path: Path, repo: Path) -> None:
    folder = tmp_path / "rubrics"
    folder.mkdir()
    for src in (repo / "rubrics").glob("*.yaml"):
        (folder / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    bad = folder / "a3-plan-communication.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("weight: ", "poids: ", 1),
                   encoding="utf-8")
    res = cli("rubrics", "validate", folder)
    assert res.returncode == 2
    assert "a3-plan-communication.yaml" in res.stderr and "poids" in res.stderr
    assert "OK" in res.stdout  # the other files are still checked and reported


def test_certify_prints_blocks_badges_and_title_with_reasons(cli: Run) -> None:
    res = cli("certify", SAMPLE)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Candidat : camille-martin" in out and "Badge Direction Marketing" in out
    hugo = out.split("Candidat : hugo-lefebvre")[1].split("Candidat :")[0]
    assert "toeic : 850 points, sous le seuil (> 850 requis)" in hugo
    assert "a3-plan-communication : 8,5 /20, sous le seuil" in hugo


def test_certify_json_gives_the_same_outcomes(cli: Run) -> None:
    res = cli("certify", SAMPLE, "--json")
    assert res.returncode == 0, res.stderr
    cands = {c["candidate"]: c for c in json.loads(res.stdout)["candidates"]}
    assert set(cands) == {"camille-martin", "hugo-lefebvre", "ines-bernard"}
    camille, hugo, ines = cands["camille-martin"], cands["hugo-lefebvre"], cands["ines-bernard"]
    assert camille["title"]["status"] == "validated"
    assert {b: v["status"] for b, v in hugo["badges"].items()} == {
        "direction-commerciale": "validated", "direction-marketing": "failed"}
    assert hugo["title"]["status"] == "failed"
    assert ines["blocks"]["A2"]["status"] == "incomplete"
    assert ines["badges"]["direction-marketing"]["status"] == "validated"
    assert ines["badges"]["direction-commerciale"]["status"] == "incomplete"
    assert ines["title"]["status"] == "incomplete"
    for cand in cands.values():
        for part in [*cand["blocks"].values(), *cand["badges"].values(), cand["title"]]:
            assert part["status"] in {"validated", "failed", "incomplete"} and part["reasons"]


@pytest.mark.parametrize(("body", "line", "words"), [
    ("candidate,epreuve,score\nann,a1-qcm,70\nann,a5-oral,12\n", 3, "a5-oral"),
    ("candidate,epreuve,score\nann,a1-plan-marketing,21\n", 2, "hors de l'échelle"),
    ("candidate,epreuve,score\nann,toeic,5\n", 2, "hors de l'échelle"),
    ("candidate,epreuve,score\nann,a1-qcm,101\n", 2, "hors de l'échelle"),
    ("candidate,epreuve,score\nann,a1-qcm,70\nbob,a1-qcm,50\nann,a1-qcm,75\n", 4,
     "doublon"),
    ("candidate,epreuve,score\nann,a1-qcm,beaucoup\n", 2, "n'est pas un nombre"),
    ("candidat,épreuve,note\nann,a1-qcm,70\n", 1, "en-tête"),
    ("candidate,epreuve,score\nann,a1-qcm\n", 2, "colonnes"),
])
def test_a_malformed_results_csv_is_refused_with_its_line(
        cli: Run, tmp_path: Path, body: str, line: int, words: str) -> None:
    path = tmp_path / "resultats.csv"
    path.write_text(body, encoding="utf-8")
    res = cli("certify", path)
    assert res.returncode == 2
    assert res.stdout == ""
    assert f"resultats.csv:{line}:" in res.stderr and words in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_french_spreadsheet_export_is_accepted(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffcandidate;epreuve;score\nann;memoire;12,5\n".encode())
    res = cli("certify", path, "--json")
    assert res.returncode == 0, res.stderr
    ann = json.loads(res.stdout)["candidates"][0]
    assert ann["epreuves"]["memoire"]["score"] == 12.5


def test_an_excel_export_in_windows_1252_is_accepted(cli: Run, tmp_path: Path) -> None:
    # Excel on a French Windows: « CSV (séparateur : point-virgule) », cp1252, no BOM
    path = tmp_path / "export-excel.csv"
    path.write_bytes("candidate;epreuve;score\nÉlodie Dupré;memoire;12,5\n".encode("cp1252"))
    res = cli("certify", path, "--json")
    assert res.returncode == 0, res.stderr
    elodie = json.loads(res.stdout)["candidates"][0]
    assert elodie["candidate"] == "Élodie Dupré"
    assert elodie["epreuves"]["memoire"]["score"] == 12.5


def test_python_dash_m_grader_works(repo: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "grader", "--help"], capture_output=True,
                         text=True, timeout=60, cwd=repo)
    assert res.returncode == 0 and "rubrics" in res.stdout


def test_an_unknown_deliverable_is_named_in_french_without_a_path(cli: Run, repo: Path) -> None:
    res = cli("grade", repo / "samples" / "memoire.pdf", "--deliverable", "memoir")
    assert res.returncode == 2
    assert "livrable inconnu « memoir »" in res.stderr and "memoire" in res.stderr
    assert "rubrics/" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_the_grade_summary_says_its_flags_in_words(cli: Run, repo: Path, tmp_path: Path) -> None:
    res = cli("grade", repo / "samples" / "memoire.pdf", "--deliverable", "memoire",
              "--out", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert "⚑ confiance basse" in res.stdout and "low_confidence" not in res.stdout
