"""A marketing plan graded offline, a review store beside it, and the review commands run as a
user runs them (`python -m grader.review ...`, the same commands `grader` registers)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest

from grader.grade import GradeOptions, grade_file
from grader.review.location import as_url
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from grader.sheet.models import ScoringSheet
from grader.sheet.render_docx import COMMENT, DECISION
from grader.sheet.store import read_sheet
from tests.review.postgres import pg_cluster, pg_database  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ("sqlite", "postgresql")
"""Every test that takes `flow` (or `db_url`) runs on both: SQLite, the default, and
PostgreSQL, a school's server (a throwaway cluster, see postgres.py)."""

PLAN = """# Plan marketing Vélocité 2026

## Sommaire

1. Contexte et collecte des données
2. Analyse de l'environnement
3. Plan d'action et budget
4. Limites et risques
5. Bibliographie

# 1. Contexte et collecte des données

Vélocité vend des vélos à assistance électrique dans 40 magasins du Grand Ouest. Nous avons mené
une enquête par questionnaire auprès d'un échantillon de 212 répondants entre mars et avril 2026,
complétée par huit entretiens semi-directifs avec des distributeurs. Les données secondaires
proviennent de l'INSEE et de Xerfi.

# 2. Analyse de l'environnement

L'analyse PESTEL met en évidence la hausse des aides publiques au vélo. Le SWOT fait ressortir une
force, le réseau de magasins, et une menace, la concurrence des marques d'entrée de gamme. Selon
Xerfi, le marché croît de 8 % par an depuis 2022.

# 3. Plan d'action et budget

Nous recommandons de cibler les actifs périurbains de 30 à 50 ans avec une offre de location
longue durée. Le budget total s'élève à 120 000 € sur douze mois, dont 45 000 € de plan média
digital. Les indicateurs de suivi sont le taux de conversion et le coût d'acquisition client.

# 4. Limites et risques

Notre échantillon n'est pas représentatif des clients professionnels. Le principal risque est la
hausse du coût des batteries ; un plan de contingence prévoit un second fournisseur.

# 5. Bibliographie

- INSEE (2025), Les déplacements domicile-travail en France.
- Xerfi (2025), Le marché du vélo à assistance électrique.
"""


SCRIPT = {
    "methodo-recul": {"level": 1, "justification": "Peu de recul sur les recommandations.",
                      "evidence": [{"quote": "Notre échantillon n'est pas représentatif des "
                                             "clients professionnels", "page": 1}],
                      "confidence": 0.4},
    "reco-limites-risques": {"level": None, "unscored_reason": "réponse inexploitable"},
}
"""Drafts: the middle level (2) everywhere, methodo-recul at 1, reco-limites-risques unscored;
the three oral criteria are jury_only."""


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two plans drafted once for the whole session by the scripted backend (offline)."""
    folder = tmp_path_factory.mktemp("graded")
    script = folder / "script.json"
    script.write_text(json.dumps(SCRIPT, ensure_ascii=False), encoding="utf-8")
    options = GradeOptions(backend="fake", backend_options={"script": str(script)},
                           use_cache=False)
    for name, text in (("velocite", PLAN), ("autre", PLAN.replace("Vélocité", "Cyclonie"))):
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
        grade_file(folder / f"{name}.md", "a1-plan-marketing", folder / "out", options)
    return folder / "out"


@pytest.fixture
def cohort_dir(graded: Path, tmp_path: Path) -> Path:
    """The graded sheets (.sheet.json, .md, .docx) copied into this test's own folder."""
    folder = tmp_path / "cohorte"
    shutil.copytree(graded, folder)
    return folder


@pytest.fixture
def sheet_path(cohort_dir: Path) -> Path:
    return cohort_dir / "velocite.sheet.json"


@pytest.fixture
def sheet(sheet_path: Path) -> ScoringSheet:
    return read_sheet(sheet_path)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, cohort_dir: Path) -> str:
    """The review store's URL: `review.sqlite` in the cohort folder, or a fresh PostgreSQL
    database."""
    if request.param == "sqlite":
        return as_url(cohort_dir)
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def flow(db_url: str) -> Iterator[Workflow]:
    store = ReviewStore.open(db_url)
    yield Workflow(store)
    store.close()


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def review_cli(tmp_path: Path) -> Run:
    """`python -m grader.review ARGS...` in a subprocess, as a user types `grader ARGS...`."""

    def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "grader.review", *map(str, args)],
                              input=stdin, capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)

    return run


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The same commands in-process (typer's runner): fast, for the many CLI cases."""
    from typer.testing import CliRunner

    from grader.review.cli import standalone

    monkeypatch.chdir(tmp_path)
    app = standalone()

    def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        res = CliRunner().invoke(app, [str(a) for a in args], input=stdin,
                                 catch_exceptions=False)
        return subprocess.CompletedProcess(list(map(str, args)), res.exit_code, res.stdout,
                                           res.stderr)

    return run


def draft_levels(sheet: ScoringSheet, jury_only: int = 2) -> dict[str, int]:
    """Each criterion's drafted level (`jury_only` for those the jury enters)."""
    return {e.id: e.draft.level if e.draft is not None and e.draft.level is not None
            else jury_only for e in sheet.criteria}


def fill_docx(path: Path, values: dict[str, tuple[str, str]]) -> None:
    """A juror types in Word: a level in the decision cell, a comment beside it."""
    document = docx.Document(str(path))
    table = next(t for t in document.tables if len(t.columns) == 6)
    for row in table.rows[1:]:
        cells = list(row.cells)
        ident = cells[0].paragraphs[-1].text.strip("[] ")
        if ident in values:
            level, comment = values[ident]
            cells[DECISION].paragraphs[0].add_run(level)
            cells[COMMENT].paragraphs[0].add_run(comment)
    document.save(str(path))


def one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr
