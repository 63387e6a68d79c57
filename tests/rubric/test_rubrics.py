"""The référentiel as data: every grid loads, every criterion of the seed is there verbatim."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from grader.rubric.load import RubricError, load_all, load_file, rubrics_dir
from grader.rubric.models import Mode
from tests.seed_labels import referentiel_labels, seed_path

DELIVERABLES = {"a1-plan-marketing", "a1-cas-entreprise", "a2-plan-action-commerciale",
                "a2-cas-collectif", "a3-plan-communication", "a4-cas-collectif", "memoire"}


def test_the_seven_deliverables_and_the_scored_epreuves_load() -> None:
    rubrics, epreuves = load_all()
    assert set(rubrics) == DELIVERABLES
    assert set(epreuves) == {"a1-qcm", "a2-qcm", "toeic"}
    assert epreuves["toeic"].max_score == 990


def test_every_criterion_label_of_the_referentiel_appears_verbatim() -> None:
    assert seed_path().is_file(), f"the référentiel is missing: {seed_path()}"
    rubrics, epreuves = load_all()
    ours = {c.label.fr for r in rubrics.values() for c in r.criteria}
    ours |= {g.label.fr for r in rubrics.values() for g in r.groups}
    ours |= {e.criterion.fr for e in epreuves.values()}
    labels = referentiel_labels()
    assert len(labels) >= 40  # the extraction itself must keep working
    missing = [label for label in labels if label not in ours]
    assert missing == []


def test_each_criterion_is_complete_and_marked() -> None:
    rubrics, _ = load_all()
    for rubric in rubrics.values():
        for crit in rubric.criteria:
            assert set(crit.descriptors) == set(rubric.scale.values), crit.id
            if crit.mode is Mode.draft:
                assert crit.cues.fr and crit.cues.en, f"{rubric.id}/{crit.id} has no cues"
            if crit.weight_source == "proposed":
                assert crit.descriptors_source in {"proposed", "referentiel"}
        assert rubric.scale.source == "proposed"


def test_oral_and_group_criteria_are_left_to_the_jury() -> None:
    rubrics, _ = load_all()
    for rid in ("a1-plan-marketing", "a2-plan-action-commerciale", "a3-plan-communication"):
        oral = [c for c in rubrics[rid].criteria if c.group == "oral"]
        assert len(oral) == 3 and all(c.mode is Mode.jury_only for c in oral)
        assert {"ecrit-sommaire", "ecrit-sources", "reco-limites-risques"} <= {
            c.id for c in rubrics[rid].draft_criteria}
    assert rubrics["memoire"].length is not None
    assert (rubrics["memoire"].length.min_pages, rubrics["memoire"].length.max_pages) == (40, 50)
    assert all(c.mode is Mode.draft for c in rubrics["memoire"].criteria)


def broken_copy(tmp_path: Path, edit) -> Path:
    source = rubrics_dir() / "a1-plan-marketing.yaml"
    data = copy.deepcopy(yaml.safe_load(source.read_text(encoding="utf-8")))
    edit(data)
    path = tmp_path / "a1-plan-marketing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _unknown_field(d: dict) -> None:
    d["criteria"][1]["wieght"] = 2


def _missing_descriptor(d: dict) -> None:
    del d["criteria"][2]["descriptors"][1]


def _duplicate_id(d: dict) -> None:
    d["criteria"][3]["id"] = d["criteria"][0]["id"]


def _negative_weight(d: dict) -> None:
    d["criteria"][0]["weight"] = -1


def _off_scale_descriptor(d: dict) -> None:
    d["criteria"][0]["descriptors"][7] = {"fr": "x", "en": "x"}


def _unknown_group(d: dict) -> None:
    d["criteria"][0]["group"] = "nulle-part"


@pytest.mark.parametrize(("edit", "field", "words"), [
    (_unknown_field, "criteria.1.wieght", "unknown field"),
    (_missing_descriptor, "criteria.2", "no descriptor for level(s) [1]"),
    (_duplicate_id, "criteria.3.id", "duplicate id"),
    (_negative_weight, "criteria.0.weight", "greater than or equal to 0"),
    (_off_scale_descriptor, "criteria.0", "not on the scale"),
    (_unknown_group, "criteria.0", "unknown group 'nulle-part'"),
])
def test_an_invalid_rubric_names_the_file_the_field_and_the_problem(
        tmp_path: Path, edit, field: str, words: str) -> None:
    path = broken_copy(tmp_path, edit)
    with pytest.raises(RubricError) as err:
        load_file(path)
    message = str(err.value)
    assert str(path) in message
    assert field in message
    assert words in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "memoire.yaml"
    path.write_text("id: memoire\ncriteria: [\n  - broken: : :\n", encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_file(path)
    assert str(path) in str(err.value) and "line" in str(err.value)


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, lambda d: d.update(id="a1-plan-marketting"))
    with pytest.raises(RubricError, match="does not match the file name"):
        load_file(path)
