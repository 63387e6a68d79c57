"""The review rules: confirm, override with a comment, enter, two jurors, reconcile, lock,
correct by a new version, blind mode."""

from __future__ import annotations

import pytest

from grader.review.audit import verify
from grader.review.errors import DecisionError, LockedError, NotFoundError
from grader.review.policy import load_policy
from grader.review.workflow import Entry, Workflow
from grader.rubric.load import load_rubric
from grader.rubric.note import epreuve_note
from grader.sheet.models import ScoringSheet
from tests.review.conftest import draft_levels


def _import(flow: Workflow, sheet: ScoringSheet, jurors: tuple[str, ...] = ("Alice", "Bruno"),
            cohort: str = "P2026") -> str:
    return flow.import_sheet(sheet, cohort=cohort, candidate="camille-martin",
                             jurors=jurors).state.key


def _all(levels: dict[str, int], comments: dict[str, str] | None = None) -> list[Entry]:
    return [Entry(c, lv, (comments or {}).get(c, "")) for c, lv in levels.items()]


def test_an_override_with_no_comment_is_refused(flow: Workflow, sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    with pytest.raises(DecisionError, match="commentaire est obligatoire"):
        flow.decide(key, "Alice", "methodo-collecte", 3)
    with pytest.raises(DecisionError, match="commentaire est obligatoire"):
        flow.decide(key, "Alice", "methodo-collecte", 0, "   ")
    assert flow.state(key).current.decisions == {}
    made = flow.decide(key, "Alice", "methodo-collecte", 3, "Collecte très complète")
    decision = made.state.current.decisions["Alice"]["methodo-collecte"]
    assert (decision.action, decision.draft_level, decision.level) == ("overridden", 2, 3)


def test_confirm_enter_and_score_an_unscored_draft(flow: Workflow, sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    flow.decide(key, "Alice", "methodo-collecte", 2)
    flow.decide(key, "Alice", "oral-clarte", 1)
    flow.decide(key, "Alice", "reco-limites-risques", 2)
    made = flow.state(key).current.decisions["Alice"]
    assert {c: (d.action, d.draft_level) for c, d in made.items()} == {
        "methodo-collecte": ("confirmed", 2), "oral-clarte": ("entered", None),
        "reco-limites-risques": ("entered", None)}


@pytest.mark.parametrize(("criterion", "level", "words"), [
    ("methodo-collecte", 4, "hors de l'échelle"),
    ("methodo-collecte", -1, "hors de l'échelle"),
])
def test_a_level_off_the_scale_is_refused(flow: Workflow, sheet: ScoringSheet, criterion: str,
                                          level: int, words: str) -> None:
    key = _import(flow, sheet)
    with pytest.raises(DecisionError, match=words):
        flow.decide(key, "Alice", criterion, level, "commentaire")


def test_unknown_criterion_and_third_juror(flow: Workflow, sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    with pytest.raises(NotFoundError, match="critère inconnu « oral-chant »"):
        flow.decide(key, "Alice", "oral-chant", 2)
    with pytest.raises(DecisionError, match="Chloé n'est pas juré"):
        flow.decide(key, "Chloé", "methodo-collecte", 2)
    flow.decide(key, "  alice ", "methodo-collecte", 2)  # same juror, however typed
    assert list(flow.state(key).current.decisions) == ["Alice"]


def test_jurors_take_free_seats_when_none_were_assigned(flow: Workflow,
                                                        sheet: ScoringSheet) -> None:
    key = _import(flow, sheet, jurors=())
    flow.decide(key, "Alice", "methodo-collecte", 2)
    flow.decide(key, "Bruno", "methodo-collecte", 2)
    with pytest.raises(DecisionError, match="Chloé n'est pas juré"):
        flow.decide(key, "Chloé", "methodo-collecte", 2)
    assert flow.state(key).jurors == ["Alice", "Bruno"]


def test_two_jurors_reconcile_then_the_sheet_locks(flow: Workflow, sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    alice = draft_levels(sheet, jury_only=3)
    bruno = {**alice, "methodo-recul": 3, "ecrit-sommaire": 1}
    assert not flow.apply(key, "Alice", _all(alice), "test").locked
    result = flow.apply(key, "Bruno", _all(bruno, {"methodo-recul": "Recul réel en partie 4",
                                                   "ecrit-sommaire": "Sommaire non paginé"}),
                        "test")
    assert not result.locked
    pending = flow.pending(result.state)
    assert pending.to_reconcile == {"methodo-recul": {"Alice": 1, "Bruno": 3}}
    assert "ecrit-sommaire" not in pending.to_reconcile  # one level apart: both are kept
    with pytest.raises(DecisionError, match="note"):
        flow.reconcile(key, "methodo-recul", 2, "", "Alice")
    locked = flow.reconcile(key, "methodo-recul", 2, "Accord après échange", "Alice")
    assert locked.locked and locked.state.current.locked
    rubric = load_rubric("a1-plan-marketing")
    expected = round((epreuve_note(rubric, {**alice, "methodo-recul": 2})
                      + epreuve_note(rubric, {**bruno, "methodo-recul": 2})) / 2, 2)
    payload = locked.state.current.lock.payload
    assert payload["note"] == expected
    assert payload["policy"]["final_rule"] == "mean_of_notes"
    row = next(r for r in payload["rows"] if r["criterion"] == "methodo-recul")
    assert row == {"criterion": "methodo-recul", "mode": "draft", "draft": 1, "blind": {},
                   "final": {"Alice": 1, "Bruno": 3}, "agreed": 2}


def _locked(flow: Workflow, sheet: ScoringSheet) -> str:
    key = _import(flow, sheet)
    levels = draft_levels(sheet)
    flow.apply(key, "Alice", _all(levels), "test")
    assert flow.apply(key, "Bruno", _all(levels), "test").locked
    return key


def test_a_locked_sheet_changes_only_by_a_new_version(flow: Workflow,
                                                      sheet: ScoringSheet) -> None:
    key = _locked(flow, sheet)
    before = flow.state(key).current.lock.payload["note"]
    with pytest.raises(LockedError, match="verrouillée"):
        flow.decide(key, "Alice", "methodo-collecte", 3, "Je me ravise")
    with pytest.raises(LockedError):
        flow.reconcile(key, "methodo-collecte", 3, "note", "Alice")
    with pytest.raises(DecisionError, match="motif"):
        flow.correct(key, {"oral-clarte": 3}, "", "Coordinatrice")
    corrected = flow.correct(key, {"oral-clarte": 3}, "Erreur de report du jury",
                             "Coordinatrice")
    state = corrected.state
    assert [v.number for v in state.versions] == [1, 2]
    assert all(v.locked for v in state.versions)
    assert state.version(1).lock.payload["note"] == before  # the first version is untouched
    assert state.version(2).reason == "Erreur de report du jury"
    assert state.version(2).lock.payload["note"] > before
    assert state.locked_version.number == 2
    with pytest.raises(LockedError):
        flow.decide(key, "Alice", "methodo-collecte", 2)


def test_a_juror_may_change_their_mind_before_the_lock(flow: Workflow,
                                                       sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    flow.decide(key, "Alice", "methodo-collecte", 2)
    flow.decide(key, "Alice", "methodo-collecte", 1, "Données non datées")
    version = flow.state(key).current
    assert version.decisions["Alice"]["methodo-collecte"].level == 1
    assert [d.level for d in version.trail] == [2, 1]  # both stay in the log


def test_blind_mode_asks_for_the_blind_level_first(flow: Workflow, sheet: ScoringSheet) -> None:
    flow.set_cohort("P2026", blind=True, by="Coordinatrice")
    key = _import(flow, sheet)
    with pytest.raises(DecisionError, match="aveugle"):
        flow.decide(key, "Alice", "methodo-collecte", 2)
    flow.decide(key, "Alice", "oral-clarte", 2)  # nothing drafted: nothing to hide
    flow.record_blind(key, "Alice", "methodo-collecte", 3)
    flow.decide(key, "Alice", "methodo-collecte", 2)
    with pytest.raises(DecisionError, match="déjà décidé"):
        flow.record_blind(key, "Alice", "methodo-collecte", 1)
    version = flow.state(key).current
    assert version.blind == {"Alice": {"methodo-collecte": 3}}
    assert version.decisions["Alice"]["methodo-collecte"].level == 2


def test_the_lower_rule_is_a_policy_choice(flow: Workflow, sheet: ScoringSheet) -> None:
    policy = load_policy().model_copy(update={"final_rule": "lower"})
    flow = Workflow(flow.store, policy)
    key = _import(flow, sheet)
    alice = draft_levels(sheet)
    bruno = {**alice, "methodo-collecte": 3}
    flow.apply(key, "Alice", _all(alice), "test")
    locked = flow.apply(key, "Bruno", _all(bruno, {"methodo-collecte": "Très complet"}), "test")
    rubric = load_rubric("a1-plan-marketing")
    assert locked.state.current.lock.payload["note"] == epreuve_note(rubric, alice)


def test_long_names_and_odd_characters_read_back_alike(flow: Workflow,
                                                      sheet: ScoringSheet) -> None:
    """What SQLite keeps, PostgreSQL keeps too: long names, any Unicode; a NUL (which
    PostgreSQL cannot store in text) is dropped before hashing, on both."""
    cohort, candidate, juror = "Promotion " + "é" * 240, "c" * 300, "Jurée " + "ß" * 240
    key = flow.import_sheet(sheet, cohort=cohort, candidate=candidate, jurors=[juror]
                            ).state.key
    flow.decide(key, juror, "methodo-collecte", 3, "Très\x00 complet — 👍 « ok »")
    decision = flow.state(key).current.decisions[juror]["methodo-collecte"]
    assert decision.comment == "Très complet — 👍 « ok »"
    event = flow.store.events(submission=key, kinds=["decision"])[0]
    assert event.when.utcoffset() is not None and event.cohort == cohort
    assert verify(flow.store).ok


def test_the_shipped_policy_marks_its_proposals() -> None:
    policy = load_policy()
    assert (policy.jurors, policy.jurors_source) == (2, "referentiel")
    assert policy.final_rule_source == "proposed" and policy.reconcile_gap_source == "proposed"
