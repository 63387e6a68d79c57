"""Gold manifests: read in long format, every mistake named with the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.evals.errors import GoldSetError
from grader.evals.gold import load_gold, manifests

HEADER = "file,deliverable,candidate,variant,criterion,juror,level,rationale\n"


def _set(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    folder = tmp_path / "a1-plan-marketing"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "base.md").write_text("# Plan\n\nUn texte.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text(header + rows, encoding="utf-8")
    return folder


def test_loads_one_set_or_every_set(gold: Path) -> None:
    every = load_gold(gold)
    one = load_gold(gold / "a1-plan-marketing")
    assert len(every.documents) == len(one.documents) == 12
    assert every.sets == ["a1-plan-marketing"]
    doc = every.documents[0]
    assert doc.file == "a1-plan-marketing/docs/cand00.md" and doc.path.is_file()
    assert set(doc.levels["methodo-collecte"]) == {"juror1", "juror2"}


def test_reference_is_juror1_else_juror2(tmp_path: Path) -> None:
    folder = _set(tmp_path, "docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror2,2,\n"
                            "docs/base.md,a1-plan-marketing,c1,base,methodo-analyse,juror1,1,\n"
                            "docs/base.md,a1-plan-marketing,c1,base,methodo-analyse,juror2,3,\n")
    doc = load_gold(folder).documents[0]
    assert doc.reference("methodo-collecte") == 2
    assert doc.reference("methodo-analyse") == 1
    assert doc.target("methodo-analyse") == 2.0
    assert doc.reference("ecrit-sources") is None


@pytest.mark.parametrize(("rows", "message"), [
    ("docs/base.md,a1-plan-marketing,c1,base,nope,juror1,2,\n", "criterion 'nope'"),
    ("docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror3,2,\n", "juror 'juror3'"),
    ("docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror1,7,\n", "off the scale"),
    ("docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror1,deux,\n", "whole number"),
    ("docs/absent.md,a1-plan-marketing,c1,base,methodo-collecte,juror1,2,\n", "file not found"),
    ("docs/base.md,inconnu,c1,base,methodo-collecte,juror1,2,\n", "deliverable 'inconnu'"),
    ("docs/base.md,a1-plan-marketing,,base,methodo-collecte,juror1,2,\n", "empty candidate"),
    ("docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror1,2,\n"
     "docs/base.md,a1-plan-marketing,c1,base,methodo-collecte,juror1,3,\n", "already gave"),
])
def test_mistakes_name_the_manifest_line(tmp_path: Path, rows: str, message: str) -> None:
    folder = _set(tmp_path, rows)
    with pytest.raises(GoldSetError, match=message) as err:
        load_gold(folder)
    assert "manifest.csv:" in str(err.value)


def test_a_misspelt_column_is_refused(tmp_path: Path) -> None:
    folder = _set(tmp_path, "", header=HEADER.replace("juror,", "jury,"))
    with pytest.raises(GoldSetError, match="missing juror; unknown jury"):
        load_gold(folder)


def test_no_manifest_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="no manifest.csv"):
        manifests(tmp_path)
    with pytest.raises(GoldSetError, match="not found"):
        manifests(tmp_path / "absent")
