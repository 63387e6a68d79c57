"""« Répartir les copies »: every free seat of a cohort filled at once, the load balanced."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from grader.review.state import SubmissionState
from grader.sheet.store import read_sheet
from grader.web import admin
from grader.web.seating import plan
from tests.web.conftest import Site, login, post

COHORT = "P2027"
PAGE = f"/cohort/{COHORT}"
CANDIDATES = [f"candidat-{n}" for n in range(1, 8)]


@pytest.fixture
def cohort(site: Site) -> list[str]:
    """Seven submissions of P2027, nobody seated yet."""
    keys = []
    for n, candidate in enumerate(CANDIDATES):
        name = "velocite" if n % 2 else "autre"
        sheet = read_sheet(next(site.docs.glob(f"**/{name}.sheet.json")))
        result = site.flow.import_sheet(sheet, cohort=COHORT, candidate=candidate, jurors=[])
        keys.append(result.state.key)
    return keys


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


def _fill(client: TestClient, jurors: list[str], seats: str = "2") -> str:
    res = client.post(f"/fill/{COHORT}", data={"jurors": jurors, "seats": seats,
                                                "csrf": _csrf(client)})
    assert res.status_code == 303 and res.headers["location"] == PAGE
    return unescape(client.get(PAGE).text)


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(PAGE).text)
    assert found
    return found.group(1)


def _assigns(site: Site) -> int:
    return len(site.store.events(kinds=["assign"]))


def test_every_free_seat_is_filled_the_load_balanced(diane: TestClient, site: Site,
                                                    cohort: list[str]) -> None:
    page = diane.get(PAGE).text
    form = page.split('data-testid="fill-form"')[1].split("</form>")[0]
    assert 'value="Alice"' in form and 'value="Diane"' not in form
    assert 'name="seats" value="2"' in form and "14 siège(s) libre(s)" in unescape(form)
    before = _assigns(site)
    page = _fill(diane, ["Claire", "Alice", "Bruno"])
    assert "✔ 14 affectation(s) : Alice 5, Bruno 5, Claire 4" in page
    assert _assigns(site) == before + 14  # the per-row form's own events, one per seat
    for key in cohort:
        jurors = site.flow.state(key).jurors
        assert len(jurors) == 2 and len(set(jurors)) == 2
    assert 'data-testid="fill-form"' not in page  # no free seat left


def test_running_it_again_changes_nothing(diane: TestClient, site: Site,
                                          cohort: list[str]) -> None:
    _fill(diane, ["Alice", "Bruno", "Claire"])
    seated = {key: site.flow.state(key).jurors for key in cohort}
    events = len(site.store.events())
    page = _fill(diane, ["Alice", "Bruno", "Claire"])
    assert "rien n'a changé" in page
    assert len(site.store.events()) == events
    assert {key: site.flow.state(key).jurors for key in cohort} == seated


def test_seats_already_taken_count_in_the_load(diane: TestClient, site: Site,
                                               cohort: list[str]) -> None:
    for key in cohort[:3]:
        state = site.flow.state(key)
        site.flow.import_sheet(site.flow.sheet(state.versions[0]), cohort=COHORT,
                               candidate=state.candidate, jurors=["Bruno"])
    page = _fill(diane, ["Alice", "Bruno", "Claire"])
    # Bruno already sits three times: he is picked last until the others catch up.
    assert "✔ 11 affectation(s) : Alice 5, Bruno 2, Claire 4" in page
    counts = {"Alice": 0, "Bruno": 0, "Claire": 0}
    for key in cohort:
        jurors = site.flow.state(key).jurors
        assert len(jurors) == 2 and len(set(jurors)) == 2
        for juror in jurors:
            counts[juror] += 1
    assert max(counts.values()) - min(counts.values()) <= 1


def test_fewer_jurors_than_seats_is_refused(diane: TestClient, site: Site,
                                            cohort: list[str]) -> None:
    before = _assigns(site)
    page = _fill(diane, ["Alice"])
    assert "Cochez au moins 2 jurés" in page and "Rien n'a été affecté" in page
    page = _fill(diane, ["Alice", "Bruno"], seats="3")  # the policy seats 2
    assert "de 1 à 2" in page
    page = _fill(diane, ["Alice", "Diane"])  # a coordinator does not sit on panels
    assert "pas de compte juré" in page
    admin.disable(site.store.engine, "Claire", actor="Diane")
    page = _fill(diane, ["Alice", "Claire"])
    assert "désactivé" in page and 'value="Claire"' not in page
    assert _assigns(site) == before


def test_one_seat_each(diane: TestClient, site: Site, cohort: list[str]) -> None:
    page = _fill(diane, ["Bruno", "Alice"], seats="1")
    assert "✔ 7 affectation(s) : Alice 4, Bruno 3" in page
    assert all(len(site.flow.state(k).jurors) == 1 for k in cohort)


def test_the_coordinators_only_and_csrf(client: TestClient, site: Site,
                                        cohort: list[str]) -> None:
    login(client, "Alice")
    res = post(client, f"/fill/{COHORT}", {"jurors": "Alice", "seats": "1"})
    assert res.status_code == 403
    login(client, "Diane")
    bare = client.post(f"/fill/{COHORT}", data={"jurors": ["Alice", "Bruno"], "seats": "2"})
    assert bare.status_code == 403
    assert post(client, "/fill/P2099", {"jurors": "Alice"}, "/cohorts").status_code == 404
    assert all(site.flow.state(k).jurors == [] for k in cohort)


def test_the_plan_is_deterministic(site: Site, cohort: list[str]) -> None:
    states: list[SubmissionState] = [site.flow.state(k) for k in reversed(cohort)]
    first = plan(states, ["Claire", "bruno", "Alice"], 2)
    assert first == plan(list(reversed(states)), ["Alice", "Claire", "bruno"], 2)
    assert first[cohort[0]] == ["Alice", "bruno"]
    assert plan(states, ["Alice"], 2) == {k: ["Alice"] for k in sorted(cohort)}
