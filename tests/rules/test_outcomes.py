"""Blocks, badges and title from confirmed results, as the référentiel composes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.rubric.load import load_rubric, rubrics_dir
from grader.rules import MissingLevels, Status, certify, epreuve_note, load_rules

RULES = load_rules()
PASSING = {"note": 14.0, "percent": 80.0, "points": 900.0}
FAILING = {"note": 6.0, "percent": 30.0, "points": 600.0}


def all_passed(**overrides: float | None) -> dict[str, float]:
    """A candidate who passed everything, with some épreuves changed (None: no result)."""
    scores = {ep: PASSING[rule.unit] for ep, rule in RULES.epreuves.items()}
    for ep, score in overrides.items():
        ep = ep.replace("_", "-")
        if score is None:
            scores.pop(ep)
        else:
            scores[ep] = score
    return scores


def outcome(**overrides: float | None):
    return certify(RULES, "cand-01", all_passed(**overrides), "fr")


def test_blocks_are_composed_as_the_referentiel_says() -> None:
    assert RULES.blocks["A1"].epreuves == ["a1-plan-marketing", "a1-cas-entreprise", "a1-qcm"]
    assert RULES.blocks["A2"].epreuves == ["a2-plan-action-commerciale", "a2-cas-collectif",
                                           "a2-qcm"]
    assert RULES.blocks["A3"].epreuves == ["a3-plan-communication"]
    assert RULES.blocks["A4"].epreuves == ["a4-cas-collectif"]
    assert RULES.badges["direction-commerciale"].blocks == ["A1", "A2", "A4"]
    assert RULES.badges["direction-marketing"].blocks == ["A1", "A3", "A4"]
    assert RULES.title.blocks == ["A1", "A2", "A3", "A4"]
    assert RULES.title.epreuves == ["memoire", "toeic"]


def test_everything_passed_validates_every_block_both_badges_and_the_title() -> None:
    res = outcome()
    assert {b: o.status for b, o in res.blocks.items()} == dict.fromkeys(RULES.blocks,
                                                                         Status.validated)
    assert all(o.status is Status.validated for o in res.badges.values())
    assert res.title.status is Status.validated


# (épreuve failed, blocks expected failed, direction-commerciale, direction-marketing)
BADGE_TABLE = [
    ("a1-qcm", {"A1"}, Status.failed, Status.failed),
    ("a1-plan-marketing", {"A1"}, Status.failed, Status.failed),
    ("a1-cas-entreprise", {"A1"}, Status.failed, Status.failed),
    ("a2-plan-action-commerciale", {"A2"}, Status.failed, Status.validated),
    ("a2-cas-collectif", {"A2"}, Status.failed, Status.validated),
    ("a2-qcm", {"A2"}, Status.failed, Status.validated),
    ("a3-plan-communication", {"A3"}, Status.validated, Status.failed),
    ("a4-cas-collectif", {"A4"}, Status.failed, Status.failed),
    ("memoire", set(), Status.validated, Status.validated),
    ("toeic", set(), Status.validated, Status.validated),
]


@pytest.mark.parametrize(("epreuve", "failed_blocks", "commerciale", "marketing"), BADGE_TABLE)
def test_one_failed_epreuve_fails_its_block_and_the_badges_built_on_it(
        epreuve: str, failed_blocks: set[str], commerciale: Status, marketing: Status) -> None:
    res = outcome(**{epreuve: FAILING[RULES.epreuves[epreuve].unit]})
    assert {b for b, o in res.blocks.items() if o.status is Status.failed} == failed_blocks
    assert res.badges["direction-commerciale"].status is commerciale
    assert res.badges["direction-marketing"].status is marketing
    assert res.title.status is Status.failed
    assert any(epreuve in reason for reason in res.title.reasons + [
        r for o in res.blocks.values() for r in o.reasons])


@pytest.mark.parametrize(("epreuve", "commerciale", "marketing"), [
    ("a1-qcm", Status.incomplete, Status.incomplete),
    ("a2-cas-collectif", Status.incomplete, Status.validated),
    ("a3-plan-communication", Status.validated, Status.incomplete),
    ("a4-cas-collectif", Status.incomplete, Status.incomplete),
])
def test_a_missing_epreuve_is_incomplete_never_failed(
        epreuve: str, commerciale: Status, marketing: Status) -> None:
    res = outcome(**{epreuve: None})
    assert res.epreuves[epreuve].status is Status.incomplete
    block = next(b for b, grp in RULES.blocks.items() if epreuve in grp.epreuves)
    assert res.blocks[block].status is Status.incomplete
    assert epreuve in res.blocks[block].reasons[0]
    assert res.badges["direction-commerciale"].status is commerciale
    assert res.badges["direction-marketing"].status is marketing
    assert res.title.status is Status.incomplete


def test_failed_wins_over_missing_and_both_are_explained() -> None:
    res = outcome(a2_qcm=10.0, a2_cas_collectif=None)
    assert res.blocks["A2"].status is Status.failed
    text = " ".join(res.blocks["A2"].reasons)
    assert "a2-qcm" in text and "a2-cas-collectif" in text


@pytest.mark.parametrize(("score", "status"), [
    (850.0, Status.failed), (855.0, Status.validated), (849.0, Status.failed),
    (990.0, Status.validated)])
def test_toeic_must_be_above_850_read_literally(score: float, status: Status) -> None:
    res = outcome(toeic=score)
    assert res.epreuves["toeic"].status is status
    assert res.title.status is status
    assert res.badges["direction-commerciale"].status is Status.validated


@pytest.mark.parametrize(("epreuve", "score", "status"), [
    ("a1-plan-marketing", 10.0, Status.validated),
    ("a1-plan-marketing", 9.99, Status.failed),
    ("memoire", 10.0, Status.validated),
    ("a1-qcm", 60.0, Status.validated),
    ("a1-qcm", 59.5, Status.failed),
])
def test_a_score_exactly_at_an_inclusive_threshold_passes(
        epreuve: str, score: float, status: Status) -> None:
    assert outcome(**{epreuve: score}).epreuves[epreuve].status is status


def copy_rules(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((rubrics_dir() / "rules.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_thresholds_changed_in_a_copy_of_rules_yaml_change_the_outcome(tmp_path: Path) -> None:
    scores = all_passed(a3_plan_communication=11.0, toeic=850.0)
    before = certify(RULES, "c", scores)
    assert before.blocks["A3"].status is Status.validated
    assert before.epreuves["toeic"].status is Status.failed

    def stricter(data: dict) -> None:
        data["epreuves"]["a3-plan-communication"]["pass_mark"]["threshold"] = 12
        data["epreuves"]["toeic"]["pass_mark"]["inclusive"] = True

    after = certify(load_rules(copy_rules(tmp_path, stricter)), "c", scores)
    assert after.blocks["A3"].status is Status.failed
    assert after.badges["direction-marketing"].status is Status.failed
    assert after.epreuves["toeic"].status is Status.validated


def test_badge_composition_is_read_from_rules_yaml(tmp_path: Path) -> None:
    def a3_joins_commerciale(data: dict) -> None:
        data["badges"]["direction-commerciale"]["blocks"] = ["A1", "A2", "A3", "A4"]

    rules = load_rules(copy_rules(tmp_path, a3_joins_commerciale))
    res = certify(rules, "c", all_passed(a3_plan_communication=None))
    assert res.badges["direction-commerciale"].status is Status.incomplete


def test_english_reasons_are_available() -> None:
    res = certify(RULES, "c", all_passed(toeic=850.0), "en")
    assert "below the threshold" in res.epreuves["toeic"].reason
    assert res.title.reasons[0].startswith(
        "Mastère Spécialisé® Marketing and Sales Director failed")


def test_note_is_the_weighted_mean_of_levels_on_twenty() -> None:
    rubric = load_rubric("a1-plan-marketing")
    top, bottom = rubric.scale.highest, rubric.scale.lowest
    assert epreuve_note(rubric, {c.id: top for c in rubric.criteria}) == 20
    assert epreuve_note(rubric, {c.id: bottom for c in rubric.criteria}) == 0
    heavy = max(rubric.criteria, key=lambda c: c.weight)
    light = min(rubric.criteria, key=lambda c: c.weight)
    if heavy.weight != light.weight:
        lv_heavy = {c.id: (top if c.id == heavy.id else bottom) for c in rubric.criteria}
        lv_light = {c.id: (top if c.id == light.id else bottom) for c in rubric.criteria}
        assert epreuve_note(rubric, lv_heavy) > epreuve_note(rubric, lv_light)
    mid = {c.id: 2 for c in rubric.criteria}
    assert epreuve_note(rubric, mid) == pytest.approx(20 * (2 - bottom) / (top - bottom), abs=0.01)


def test_note_with_a_missing_criterion_is_not_computed() -> None:
    rubric = load_rubric("memoire")
    levels = {c.id: rubric.scale.highest for c in rubric.criteria[1:]}
    with pytest.raises(MissingLevels) as err:
        epreuve_note(rubric, levels)
    assert err.value.missing == [rubric.criteria[0].id]


def test_rules_copy_with_an_unknown_block_is_refused(tmp_path: Path) -> None:
    from grader.rubric.load import RubricError

    path = copy_rules(tmp_path, lambda d: d["badges"]["direction-marketing"].update(
        blocks=["A1", "A5"]))
    with pytest.raises(RubricError) as err:
        load_rules(path)
    assert str(path) in str(err.value) and "A5" in str(err.value)
