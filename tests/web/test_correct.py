"""Correcting a locked sheet from the browser: the coordinator's form, `Workflow.correct` behind
it (a new version, locked at once), refusals worded in the page's language with what was typed
kept, and jurors kept out."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from grader.review.audit import verify
from grader.review.views import fmt_note
from tests.web.conftest import KEY, Site, csrf_of, decide_all_by_library, login, post

REASON = "Erreur de saisie signalée par le jury le 12 juin"


@pytest.fixture
def locked(site: Site) -> Site:
    """Camille's plan decided by both jurors (the drafts, 2 where none), hence locked."""
    decide_all_by_library(site, "Alice")
    decide_all_by_library(site, "Bruno")
    assert site.flow.state(KEY).current.locked
    return site


@pytest.fixture
def diane(client: TestClient, locked: Site) -> TestClient:
    login(client, "Diane")
    return client


def _selected(page: str, criterion: str) -> str | None:
    """The option chosen in the correction form for `criterion` (None: « unchanged »)."""
    select = page.split(f'name="level-{criterion}"')[1].split("</select>")[0]
    found = re.search(r'<option value="(\d+)" selected>', select)
    return found.group(1) if found else None


def _form(page: str) -> str:
    return page.split('data-testid="correct"')[1].split("</details>")[0]


def test_coordinator_corrects_a_locked_sheet(diane: TestClient, locked: Site) -> None:
    page = diane.get(f"/sheet/{KEY}").text
    assert "Corriger la fiche verrouillée" in page and 'name="reason"' in page
    assert 'name="csrf"' in _form(page) and 'name="version" value="1"' in _form(page)
    # methodo-recul is 1 for both jurors: choosing 1 again changes nothing, 3 does.
    res = post(diane, f"/correct/{KEY}", {"version": "1", "level-methodo-recul": "3",
                                          "level-methodo-collecte": "2", "reason": REASON},
               page=f"/sheet/{KEY}")
    assert res.status_code == 303 and res.headers["location"].endswith("#correction")
    state = locked.flow.state(KEY)
    assert [v.number for v in state.versions] == [1, 2] and state.current.locked
    assert state.current.corrections == {"methodo-recul": 3}  # the unchanged one left out
    assert state.current.reason == REASON and state.current.by == "Diane"
    note = state.current.lock.payload["note"]  # type: ignore[union-attr]
    assert note != state.versions[0].lock.payload["note"]  # type: ignore[union-attr]
    shown = unescape(diane.get(f"/sheet/{KEY}").text)
    flash = shown.split('data-testid="flash"')[1].split("</p>")[0]
    assert "version 2" in flash and fmt_note(note, "fr") in flash
    assert "Fiche verrouillée (version 2" in shown
    entry = shown.split('data-testid="correction-entry"')[1].split("</p>")[0]
    assert "Diane" in entry and "methodo-recul → 3" in entry and REASON in entry
    assert "<time datetime=" in entry and "/history/" in entry
    box = shown.split('data-testid="crit-methodo-recul"')[1].split("</article>")[0]
    assert 'data-testid="corrected"' in box and "Alice 3 · Bruno 3" in box
    history = unescape(diane.get(f"/history/{KEY}").text)
    assert "Correction" in history and REASON in history and "version 2" in history
    assert verify(locked.store).ok


def test_refusals_keep_what_was_typed(diane: TestClient, locked: Site) -> None:
    before = locked.store.head()
    url = f"/sheet/{KEY}"
    nothing = post(diane, f"/correct/{KEY}", {"version": "1", "level-methodo-recul": "1",
                                              "reason": REASON}, page=url)
    assert nothing.status_code == 400
    form = unescape(_form(nothing.text))
    assert "Choisissez au moins un nouveau niveau" in form and REASON in form
    assert _selected(nothing.text, "methodo-recul") == "1"
    no_reason = post(diane, f"/correct/{KEY}", {"version": "1", "level-methodo-recul": "3",
                                                "reason": "  "}, page=url)
    assert no_reason.status_code == 400
    assert "Écrivez le motif de la correction" in unescape(no_reason.text)
    assert _selected(no_reason.text, "methodo-recul") == "3"
    assert 'open>' in no_reason.text.split('data-testid="correct"')[1][:40]
    off = post(diane, f"/correct/{KEY}?lang=en", {"version": "1", "level-methodo-recul": "7",
                                                  "reason": REASON}, page=url)
    assert off.status_code == 400
    refused = unescape(off.text.split('data-testid="correct-refused"')[1].split("</p>")[0])
    assert "7" in refused and "grader review" not in refused
    assert "Record the correction" in off.text  # the library's refusal, in English
    assert locked.store.head() == before


def test_a_form_of_an_earlier_version_is_refused(diane: TestClient, locked: Site) -> None:
    locked.flow.correct(KEY, {"methodo-recul": 2}, "Autre coordinateur", by="Diane")
    res = post(diane, f"/correct/{KEY}", {"version": "1", "level-methodo-recul": "3",
                                          "reason": REASON}, page=f"/sheet/{KEY}")
    assert res.status_code == 400 and "version 2" in unescape(res.text)
    assert len(locked.flow.state(KEY).versions) == 2


def test_jurors_see_no_form_and_get_403(client: TestClient, locked: Site) -> None:
    login(client, "Alice")
    page = client.get(f"/sheet/{KEY}").text
    assert "Fiche verrouillée" in page and "/correct/" not in page
    before = locked.store.head()
    res = post(client, f"/correct/{KEY}", {"version": "1", "level-methodo-recul": "3",
                                           "reason": REASON}, page=f"/sheet/{KEY}")
    assert res.status_code == 403 and locked.store.head() == before


def test_no_form_before_the_lock_and_csrf_checked(client: TestClient, site: Site) -> None:
    login(client, "Diane")
    assert "/correct/" not in client.get(f"/sheet/{KEY}").text  # not locked yet
    decide_all_by_library(site, "Alice")
    decide_all_by_library(site, "Bruno")
    csrf_of(client, f"/sheet/{KEY}")
    res = client.post(f"/correct/{KEY}", data={"version": "1", "level-methodo-recul": "3",
                                               "reason": REASON})
    assert res.status_code == 403 and len(site.flow.state(KEY).versions) == 1


def test_a_corrected_blind_sheet_still_shows_the_jurors_decisions(client: TestClient,
                                                                   site: Site) -> None:
    """Version 2 holds only its changes: the page reads the jurors' own decisions (and blind
    levels) from version 1, so the drafts do not go back into hiding."""
    from grader.review.workflow import Entry
    from tests.review.conftest import draft_levels

    site.flow.set_cohort("P2026", blind=True, by="Diane")
    sheet = site.flow.sheet(site.flow.state(KEY).current)
    for juror in ("Alice", "Bruno"):
        site.flow.apply(KEY, juror, [Entry(c, lv, blind_level=lv if sheet.criterion(c).mode
                                           == "draft" else None)
                                     for c, lv in draft_levels(sheet).items()], "csv")
    site.flow.correct(KEY, {"methodo-recul": 3}, REASON, by="Diane")
    login(client, "Alice")
    box = client.get(f"/sheet/{KEY}").text.split('data-testid="crit-methodo-recul"')[1]
    box = box.split("</article>")[0]
    assert "Niveau proposé" in box and 'data-testid="mine"' in box
    assert 'data-testid="corrected"' in box
