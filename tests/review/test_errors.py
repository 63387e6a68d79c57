"""Review errors are worded late, in the caller's language: the core message names no command
and no flag (a web page shows it as it is); the command line adds its hint."""

from __future__ import annotations

import pickle
import re
import string
from pathlib import Path

import pytest

from grader.review.decisions_csv import read_decisions
from grader.review.errors import (
    DecisionError,
    InputError,
    LockedError,
    Message,
    NotFoundError,
    ReviewError,
    describe,
)
from grader.review.terminal import review_terminal
from grader.review.workflow import Entry, Workflow
from grader.sheet.models import ScoringSheet
from grader.sheet.store import read_sheet
from tests.review.conftest import Run, draft_levels, one_line_error
from tests.review.test_locale import CATALOGUE
from tests.review.test_terminal import Scripted

FLAG = re.compile(r"(?<![\w-])--[a-z]")
COMMAND = re.compile(r"\bgrader (review|audit|report|certify|serve)\b")
FRENCH = re.compile(r"[éèêàçùôî«»]| : |\b(la|le|les|une|est|pas|vous|fiche|juré)\b")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _english_only(text: str) -> None:
    assert not FRENCH.search(text), text
    assert not FLAG.search(text) and not COMMAND.search(text), text


def _import(flow: Workflow, sheet: ScoringSheet) -> str:
    return flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                             jurors=["Alice", "Bruno"]).state.key


def _apart(flow: Workflow, sheet: ScoringSheet) -> str:
    """Alice and Bruno two levels apart on methodo-recul: a reconciliation is due."""
    key = _import(flow, sheet)
    flow.decide(key, "Alice", "methodo-recul", 1)
    flow.decide(key, "Bruno", "methodo-recul", 3, "Recul réel en partie 4")
    return key


def _locked(flow: Workflow, sheet: ScoringSheet) -> str:
    key = _import(flow, sheet)
    levels = [Entry(c, lv) for c, lv in draft_levels(sheet).items()]
    flow.apply(key, "Alice", levels, "test")
    assert flow.apply(key, "Bruno", levels, "test").locked
    return key


# --- the catalogue ------------------------------------------------------------------------

ERRORS = {k: v for k, v in CATALOGUE.items() if k.startswith("review.error.")}
HINTS = {k: v for k, v in CATALOGUE.items() if k.startswith("review.hint.")}


@pytest.mark.parametrize("key", sorted(ERRORS))
def test_every_error_has_french_and_english_with_the_same_placeholders(key: str) -> None:
    entry = ERRORS[key]
    assert entry.get("fr") and entry.get("en"), key
    assert _fields(entry["fr"]) == _fields(entry["en"]), key


@pytest.mark.parametrize("key", sorted(ERRORS))
def test_no_error_message_names_a_flag_or_a_command(key: str) -> None:
    for lang in ("fr", "en"):
        text = ERRORS[key][lang]
        assert not FLAG.search(text) and not COMMAND.search(text), (key, lang, text)


@pytest.mark.parametrize("key", sorted(HINTS))
def test_every_hint_fills_from_its_error(key: str) -> None:
    """A hint is rendered with its error's values: it may use only their placeholders."""
    name = key.removeprefix("review.hint.")
    error = CATALOGUE.get(f"review.error.{name}") or CATALOGUE[
        "review." + name.replace("_", ".", 1)]  # docx_no_submission -> review.docx.no_submission
    hint = HINTS[key]
    assert hint.get("fr") and hint.get("en"), key
    assert _fields(hint["fr"]) == _fields(hint["en"]) <= _fields(error["fr"]), key


def test_no_message_of_a_decisions_file_names_a_flag() -> None:
    for key, entry in CATALOGUE.items():
        if key.startswith(("review.csv.", "review.docx.")):
            assert not FLAG.search(entry["fr"] + entry["en"]), key


# --- the error object ---------------------------------------------------------------------

def test_an_error_keeps_its_key_and_values_and_is_worded_late() -> None:
    exc = DecisionError("review.error.reconcile_note", criterion="methodo-recul")
    assert (exc.key, dict(exc.values), exc.hint) == (
        "review.error.reconcile_note", {"criterion": "methodo-recul"},
        "review.hint.reconcile_note")
    assert exc.render("fr") == ("methodo-recul : une note de réconciliation est requise, avec le "
                                "nom de qui l'enregistre")
    assert exc.render("fr", hint=True).endswith("l'enregistre (--note, --by)")
    _english_only(exc.render("en"))
    assert "(--note, --by)" in exc.render("en", hint=True)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is DecisionError and again.render("en") == exc.render("en")


def test_str_is_the_default_language_without_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    exc = LockedError("review.error.locked", sheet="P2026/camille-martin/a1-plan-marketing",
                      version=1)
    monkeypatch.delenv("GRADER_LANG", raising=False)
    assert str(exc) == exc.render("fr") and "verrouillée" in str(exc)
    monkeypatch.setenv("GRADER_LANG", "en")
    assert str(exc) == exc.render("en") and "is locked" in str(exc)
    assert "grader review correct" not in str(exc)
    assert "grader review correct" in exc.render("en", hint=True)
    known = InputError("review.pv.conflict", lang="fr", candidate="c", epreuve="e")
    assert "la fiche fait foi" in str(known)  # the raiser knew the language: str() keeps it


def test_a_text_already_worded_is_kept_and_other_errors_read_as_they_are() -> None:
    exc = NotFoundError("plus rien à cette adresse")
    assert str(exc) == exc.render("en") == "plus rien à cette adresse" and exc.hint is None
    assert describe(ValueError("boom"), "en") == "boom"
    assert describe(exc, "en") == "plus rien à cette adresse"


def test_several_problems_in_one_refusal_each_in_the_language() -> None:
    exc = InputError.several([
        Message("review.docx.missing", {"criteria": ["oral-clarte", "oral-support"]}),
        Message("review.docx.unreadable", {"criteria": [Message(
            "review.docx.quoted", {"criterion": "methodo-collecte", "text": "bien"})]}),
    ], at="velocite-rempli.docx")
    assert isinstance(exc, InputError)
    assert exc.render("fr") == ("velocite-rempli.docx: niveau manquant pour oral-clarte, "
                                "oral-support ; niveau illisible pour methodo-collecte « bien » "
                                "(écrivez un nombre ou le nom d'un niveau)")
    english = exc.render("en")
    assert "unreadable level for methodo-collecte 'bien'" in english
    _english_only(english.replace("velocite-rempli.docx", ""))


# --- refusals of the workflow, as a web page in English shows them --------------------------

def test_workflow_refusals_render_in_english_without_flags(flow: Workflow,
                                                           sheet: ScoringSheet) -> None:
    key = _apart(flow, sheet)
    refusals: list[ReviewError] = []
    for step in (lambda: flow.reconcile(key, "methodo-recul", 2, "", "Alice"),
                 lambda: flow.decide(key, "Alice", "methodo-collecte", 3),
                 lambda: flow.decide(key, "Alice", "methodo-collecte", 7, "trop"),
                 lambda: flow.decide(key, "Chloe", "methodo-collecte", 2),
                 lambda: flow.decide(key, "Alice", "oral-chant", 2),
                 lambda: flow.correct(key, {"oral-clarte": 3}, "Erreur", "Claire"),
                 lambda: flow.locate("inconnue/a1-plan-marketing")):
        with pytest.raises(ReviewError) as caught:
            step()
        refusals.append(caught.value)
    assert [r.key.removeprefix("review.error.") for r in refusals] == [
        "reconcile_note", "no_comment", "off_scale", "not_assigned", "unknown_criterion",
        "correct_unlocked", "not_imported"]
    for refusal in refusals:
        _english_only(refusal.render("en"))
    assert refusals[0].render("en") == ("methodo-recul: a reconciliation note is required, "
                                        "with the name of who records it")


def test_a_locked_sheet_is_explained_without_the_command(flow: Workflow,
                                                         sheet: ScoringSheet) -> None:
    key = _locked(flow, sheet)
    with pytest.raises(LockedError) as caught:
        flow.decide(key, "Alice", "methodo-collecte", 3, "Je me ravise")
    _english_only(caught.value.render("en"))
    assert "grader review correct" not in caught.value.render("fr")
    assert "only a correction" in caught.value.render("en")


def test_an_import_refusal_names_no_flag(flow: Workflow, sheet: ScoringSheet,
                                        cohort_dir: Path) -> None:
    _import(flow, sheet)
    other = read_sheet(cohort_dir / "autre.sheet.json")
    with pytest.raises(ReviewError) as caught:
        flow.import_sheet(other, cohort="P2026", candidate="camille-martin")
    english = caught.value.render("en")
    assert english == ("P2026/camille-martin/a1-plan-marketing is already registered with "
                       "another draft sheet — choose another candidate or cohort")
    assert "--candidate" not in caught.value.render("fr")
    assert "(--candidate, --cohort)" in caught.value.render("fr", hint=True)


def test_a_decisions_csv_refusal_renders_in_english(sheet: ScoringSheet,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "bruno.csv"
    path.write_text("criterion,level,comment\nmethodo-collecte,7,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_decisions(path, sheet)
    assert caught.value.render("en") == f"{path}:2: level 7 is off the scale (0 to 3)"
    assert caught.value.render("fr") == f"{path}:2: niveau 7 hors de l'échelle (0 à 3)"


# --- the faces that add the hint: the command line and the terminal -------------------------

def test_the_cli_adds_the_hint_in_french(cli: Run, flow: Workflow, sheet: ScoringSheet,
                                         db_url: str) -> None:
    key = _apart(flow, sheet)
    err = one_line_error(cli("review", "reconcile", key, "-c", "methodo-recul", "-l", "2",
                             "--by", "Alice", "--db", db_url, "--lang", "fr"))
    assert "une note de réconciliation est requise" in err and "(--note, --by)" in err


def test_the_cli_speaks_its_lang_with_the_hint(cli: Run, flow: Workflow,
                                               sheet: ScoringSheet, db_url: str) -> None:
    key = _locked(flow, sheet)
    err = one_line_error(cli("review", "reconcile", key, "-c", "methodo-recul", "-l", "2",
                             "--note", "ok", "--by", "Alice", "--db", db_url, "--lang", "en"))
    assert "is locked (version 1)" in err
    assert f"(grader review correct {key} --set criterion=level" in err
    assert not FRENCH.search(err), err
    french = one_line_error(cli("review", "reconcile", key, "-c", "methodo-recul", "-l", "2",
                                "--note", "ok", "--by", "Alice", "--db", db_url))
    assert "est verrouillée" in french and "grader review correct" in french


def test_the_cli_own_refusals_carry_their_hint(cli: Run) -> None:
    assert "(--juror NAME)" in one_line_error(cli("review", "x.sheet.json", "--lang", "en"))
    err = one_line_error(cli("review", "--juror", "Alice", "--lang", "fr"))
    assert "indiquez la fiche à revoir" in err and "--from-docx" in err


def test_the_terminal_says_a_refusal_in_its_language(flow: Workflow,
                                                     sheet: ScoringSheet) -> None:
    key = _import(flow, sheet)
    console = Scripted(["7", "q"])
    review_terminal(flow, key, "Alice", console, lang="en")
    assert "✘ level 7 is off the scale (0 to 3)" in console.text

