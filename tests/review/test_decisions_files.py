"""Decisions prepared elsewhere: a CSV, or the Word sheet a juror filled in."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from grader.review.location import as_url
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from tests.review.conftest import Run, fill_docx, one_line_error

KEY = "P2026/camille-martin/a1-plan-marketing"


@pytest.fixture
def imported(cli: Run, sheet_path: Path) -> Path:
    res = cli("review", "import", sheet_path, "--cohort", "P2026", "--jurors",
                     "Alice,Bruno", "--candidate", "camille-martin")
    assert res.returncode == 0, res.stderr
    assert KEY in res.stdout
    return sheet_path


def _decisions(folder: Path, juror: str) -> dict[str, tuple[int, str, str]]:
    store = ReviewStore.open(as_url(folder), create=False)
    made = Workflow(store).state(KEY).current.decisions.get(juror, {})
    store.close()
    return {c: (d.level, d.action, d.comment) for c, d in made.items()}


def test_a_french_spreadsheet_of_decisions(cli: Run, imported: Path,
                                           cohort_dir: Path) -> None:
    csv_path = cohort_dir / "bruno.csv"
    csv_path.write_bytes("\ufeffcritère;niveau;commentaire\n"
                         "methodo-collecte;2;\n"
                         "methodo-analyse;Maîtrisé;PESTEL et Porter chiffrés\n"
                         "oral-clarte;niveau 1;Propos confus\n".encode())
    res = cli("review", imported, "--juror", "Bruno", "--decisions", csv_path)
    assert res.returncode == 0, res.stderr
    assert "3 enregistrement(s)" in res.stdout and "non verrouillée" in res.stdout
    assert _decisions(cohort_dir, "Bruno") == {
        "methodo-collecte": (2, "confirmed", ""),
        "methodo-analyse": (3, "overridden", "PESTEL et Porter chiffrés"),
        "oral-clarte": (1, "entered", "Propos confus")}


@pytest.mark.parametrize(("body", "line", "words"), [
    ("criterion,level,comment\nmethodo-collecte,2,\nmethodo-analyse,0,\n", 3,
     "commentaire est obligatoire"),
    ("criterion,level,comment\nmethodo-collecte,7,\n", 2, "hors de l'échelle"),
    ("criterion,level,comment\nmethodo-collecte,bien,\n", 2, "niveau illisible"),
    ("criterion,level,comment\noral-chant,2,\n", 2, "critère inconnu « oral-chant »"),
    ("critere,note\nmethodo-collecte,2\n", 1, "en-tête"),
])
def test_a_bad_decisions_csv_changes_nothing(cli: Run, imported: Path, cohort_dir: Path,
                                              body: str, line: int, words: str) -> None:
    csv_path = cohort_dir / "bruno.csv"
    csv_path.write_text(body, encoding="utf-8")
    err = one_line_error(cli("review", imported, "--juror", "Bruno", "--decisions",
                                    csv_path))
    assert f"bruno.csv:{line}:" in err and words in err
    assert _decisions(cohort_dir, "Bruno") == {}


def _filled(cohort_dir: Path, values: dict[str, tuple[str, str]], name: str = "velocite"
            ) -> Path:
    path = cohort_dir / f"{name}-rempli.docx"
    shutil.copy(cohort_dir / f"{name}.docx", path)
    fill_docx(path, values)
    return path


FULL = {"methodo-collecte": ("2", ""), "methodo-analyse": ("2", ""),
        "methodo-recul": ("3 — Maîtrisé", "Recul réel sur les risques"),
        "ecrit-sommaire": ("Satisfaisant", ""), "ecrit-expression": ("2", ""),
        "ecrit-sources": ("1", "Sources non datées"), "reco-faisabilite": ("2", ""),
        "reco-argumentation": ("2", ""), "reco-limites-risques": ("2", ""),
        "oral-support": ("3", ""), "oral-clarte": ("2", ""), "oral-auditoire": ("3", "")}


def test_a_word_sheet_filled_by_the_juror(cli: Run, imported: Path,
                                          cohort_dir: Path) -> None:
    filled = _filled(cohort_dir, FULL)
    res = cli("review", "--from-docx", filled, "--juror", "Bruno")
    assert res.returncode == 0, res.stderr
    assert "12 enregistrement(s)" in res.stdout
    made = _decisions(cohort_dir, "Bruno")
    assert made["methodo-recul"] == (3, "overridden", "Recul réel sur les risques")
    assert made["ecrit-sources"] == (1, "overridden", "Sources non datées")
    assert made["reco-limites-risques"] == (2, "entered", "")
    again = cli("review", "--from-docx", filled, "--juror", "Bruno")
    assert "0 enregistrement(s)" in again.stdout  # reading the same file twice changes nothing


@pytest.mark.parametrize(("change", "words"), [
    ({"oral-clarte": ("", "")}, "niveau manquant pour oral-clarte"),
    ({"oral-clarte": ("", "Très clair")}, "niveau manquant pour oral-clarte"),
    ({"methodo-collecte": ("5", "")}, "niveau hors de l'échelle (0 à 3) pour methodo-collecte"),
    ({"methodo-collecte": ("bien", "")}, "niveau illisible pour methodo-collecte « bien »"),
    ({"methodo-collecte": ("3", "")}, "pré-note modifiée sans commentaire pour "
                                      "methodo-collecte"),
])
def test_each_bad_word_sheet_gives_its_clear_error(cli: Run, imported: Path,
                                                   cohort_dir: Path,
                                                   change: dict[str, tuple[str, str]],
                                                   words: str) -> None:
    filled = _filled(cohort_dir, {**FULL, **change})
    err = one_line_error(cli("review", "--from-docx", filled, "--juror", "Bruno"))
    assert "velocite-rempli.docx" in err and words in err
    assert _decisions(cohort_dir, "Bruno") == {}


def test_a_docx_that_is_not_a_grader_sheet(cli: Run, imported: Path,
                                           cohort_dir: Path) -> None:
    letter = cohort_dir / "lettre.docx"
    document = docx.Document()
    document.add_paragraph("Madame, Monsieur,")
    document.save(str(letter))
    err = one_line_error(cli("review", "--from-docx", letter, "--juror", "Bruno"))
    assert "lettre.docx" in err and "grader" in err


def test_a_docx_of_another_submission(cli: Run, imported: Path, cohort_dir: Path) -> None:
    other = _filled(cohort_dir, FULL, name="autre")
    err = one_line_error(cli("review", imported, "--from-docx", other, "--juror",
                                    "Bruno"))
    assert "autre-rempli.docx" in err and "autre livrable" in err
    err = one_line_error(cli("review", "--from-docx", other, "--juror", "Bruno"))
    assert "n'appartient à aucune fiche du registre" in err
