"""The full cycle from the command line: draft → two jurors (terminal, Word) → reconciliation →
lock → certify with the QCM/TOEIC results → procès-verbal; then a correction. On SQLite (the
store found beside the sheets) and on PostgreSQL (the store named by GRADER_REVIEW_DB)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest

from grader.rubric.load import load_rubric
from grader.rubric.note import epreuve_note
from grader.sheet.models import ScoringSheet
from tests.review.conftest import Run, draft_levels, fill_docx

KEY = "P2026/camille-martin/a1-plan-marketing"
RESULTS = """candidate,epreuve,score
camille-martin,a1-cas-entreprise,12
camille-martin,a1-qcm,78
camille-martin,a2-plan-action-commerciale,13
camille-martin,a2-cas-collectif,15
camille-martin,a2-qcm,71
camille-martin,a3-plan-communication,11.5
camille-martin,a4-cas-collectif,16
camille-martin,memoire,15
camille-martin,toeic,905
hugo-lefebvre,a1-cas-entreprise,10
hugo-lefebvre,a1-qcm,64
hugo-lefebvre,a3-plan-communication,12
hugo-lefebvre,a4-cas-collectif,12
"""


def _bruno_docx(cohort_dir: Path, sheet: ScoringSheet) -> tuple[Path, dict[str, int]]:
    """Bruno confirms everything in Word except two criteria, overridden with comments."""
    levels = {**draft_levels(sheet, jury_only=3), "methodo-recul": 3, "ecrit-sommaire": 1}
    comments = {"methodo-recul": "Le plan discute ses propres limites",
                "ecrit-sommaire": "Sommaire sans pagination"}
    path = cohort_dir / "velocite-bruno.docx"
    shutil.copy(cohort_dir / "velocite.docx", path)
    fill_docx(path, {c: (str(lv), comments.get(c, "")) for c, lv in levels.items()})
    return path, levels


def test_full_cycle_from_the_command_line(cli: Run, cohort_dir: Path, sheet_path: Path,
                                          sheet: ScoringSheet, db_url: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    store: Path | str = cohort_dir
    if not db_url.startswith("sqlite"):
        monkeypatch.setenv("GRADER_REVIEW_DB", db_url)
        store = db_url
    other = cohort_dir / "autre.sheet.json"
    res = cli("review", "import", sheet_path, "--cohort", "P2026", "--jurors", "Alice,Bruno",
              "--candidate", "camille-martin")
    assert res.returncode == 0, res.stderr
    res = cli("review", "import", other, "--cohort", "P2026", "--jurors", "Alice,Bruno",
              "--candidate", "ines-bernard")
    assert res.returncode == 0, res.stderr

    # Alice, in the terminal: confirms every draft, scores the unscored one and the oral
    res = cli("review", sheet_path, "--juror", "Alice", stdin="c\n" * 8 + "2\n" + "3\n" * 3)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("✔ enregistré") == 12 and "En attente de l'autre juré" in res.stdout

    # Bruno, in Word: overrides two criteria with comments
    filled, bruno = _bruno_docx(cohort_dir, sheet)
    res = cli("review", "--from-docx", filled, "--juror", "Bruno")
    assert res.returncode == 0, res.stderr
    assert "réconciliation attendue sur methodo-recul" in res.stdout  # 1 vs 3: two levels apart
    status = cli("review", "status", "--db", store)
    assert "réconciliation attendue sur methodo-recul" in status.stdout
    assert "ines-bernard/a1-plan-marketing — non verrouillée : Alice 0/12; Bruno 0/12" \
        in status.stdout

    # the two jurors agree on methodo-recul: the sheet locks
    res = cli("review", "reconcile", KEY, "--criterion", "methodo-recul", "--level", "2",
              "--note", "Recul réel mais partiel", "--by", "Alice", "--db", store)
    assert res.returncode == 0, res.stderr
    assert "🔒 verrouillée (version 1)" in res.stdout
    alice = {**draft_levels(sheet, jury_only=3), "reco-limites-risques": 2}
    rubric = load_rubric("a1-plan-marketing")
    note = round((epreuve_note(rubric, {**alice, "methodo-recul": 2})
                  + epreuve_note(rubric, {**bruno, "methodo-recul": 2})) / 2, 2)

    # certify: locked sheet + QCM/TOEIC results → badges, title, and a procès-verbal
    results = cohort_dir / "resultats.csv"
    results.write_text(RESULTS, encoding="utf-8")
    res = cli("certify", store, "--results", results, "--json")
    assert res.returncode == 0, res.stderr
    [cohort] = json.loads(res.stdout)["cohorts"]
    cands = {c["candidate"]: c for c in cohort["candidates"]}
    assert set(cands) == {"camille-martin", "hugo-lefebvre", "ines-bernard"}
    camille = cands["camille-martin"]
    assert camille["epreuves"]["a1-plan-marketing"]["score"] == note
    assert {b: o["status"] for b, o in camille["badges"].items()} == {
        "direction-commerciale": "validated", "direction-marketing": "validated"}
    assert camille["title"]["status"] == "validated" and camille["missing"] == {}
    ines = cands["ines-bernard"]  # her sheet is not locked: missing, never passed
    assert ines["epreuves"]["a1-plan-marketing"]["status"] == "incomplete"
    assert "non verrouillée" in ines["missing"]["a1-plan-marketing"]
    assert ines["badges"]["direction-marketing"]["status"] == "incomplete"
    hugo = cands["hugo-lefebvre"]
    assert "aucun résultat" in hugo["missing"]["a1-plan-marketing"]

    md = Path(cohort["pv"]["md"]).read_text(encoding="utf-8")
    for name in ("camille-martin", "hugo-lefebvre", "ines-bernard"):
        assert f"## Candidat : {name}" in md
    assert "fiche verrouillée, version 1" in md and "Ce qui manque" in md
    assert "ines-bernard" in md.split("Synthèse")[1]
    word = "\n".join(p.text for p in docx.Document(cohort["pv"]["docx"]).paragraphs)
    assert "Badge Direction Marketing" in word and "hugo-lefebvre" in word

    # agreement over the locked sheet, and the audit
    res = cli("report", "agreement", store, "--json")
    report = json.loads(res.stdout)
    assert report["sheets"] == 1
    assert report["jurors"]["methodo-recul"]["exact"] == 0.0
    assert report["machine"]["fake"]["ecrit-sommaire"]["final"]["n"] == 2
    assert "Juré vs juré" in cli("report", "agreement", store).stdout
    assert cli("audit", "verify", store).returncode == 0

    # a locked sheet is corrected only by a new version, and the history shows both
    res = cli("review", sheet_path, "--juror", "Alice", stdin="q\n")
    assert "verrouillée" in res.stdout
    res = cli("review", "correct", KEY, "--set", "oral-clarte=1", "--reason",
              "Erreur de report : 1 noté par les deux jurés", "--by", "Coordinatrice",
              "--db", store)
    assert res.returncode == 0, res.stderr
    assert "verrouillée (version 2)" in res.stdout
    history = cli("review", "history", KEY, "--db", store).stdout
    assert "v1  🔒 verrouillée" in history and "v2  🔒 verrouillée" in history
    assert "correction par Coordinatrice de la version 1 : oral-clarte → 1" in history
    assert "Bruno · methodo-recul : 3 (modifié, pré-note 1)" in history
    res = cli("certify", store, "--results", results, "--json")
    camille = json.loads(res.stdout)["cohorts"][0]["candidates"][0]
    assert camille["epreuves"]["a1-plan-marketing"]["score"] < note
    assert cli("audit", "verify", store).returncode == 0
    assert (cohort_dir / "review.sqlite").exists() == (store == cohort_dir)
