"""« Comptes »: accounts created, invited, disabled and enabled from the browser (and the
terminal), each action recorded; disabled accounts locked out at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from grader.review.schema import WRITE_OPTION
from grader.web import admin, tables
from grader.web.cli import users_app
from grader.web.invites import issue
from tests.web.conftest import Site, csrf_of, login, make_app, post

PAGE = "/accounts"
NEW_PASSWORD = "un-mot-de-passe-choisi"


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


def _status(page: str, name: str) -> str:
    row = page.split(f'data-testid="account-{name}"')[1].split("</tr>")[0]
    found = re.search(r'data-status="(\w+)"', row)
    assert found, row
    return found.group(1)


def _shown(page: str, what: str) -> str:
    found = re.search(rf'data-testid="handover-{what}">([^<]+)<', page)
    assert found, page[:2000]
    return unescape(found.group(1))


def _create(client: TestClient, name: str, role: str = "juror", handover: str = "password"
            ) -> str:
    res = post(client, PAGE, {"name": name, "role": role, "handover": handover}, PAGE)
    assert res.status_code == 200, res.text[:2000]
    return res.text


def test_the_page_is_the_coordinators_only(client: TestClient, site: Site) -> None:
    login(client, "Alice")
    assert client.get(PAGE).status_code == 403
    for action in ("", "/invite", "/disable", "/enable"):
        res = post(client, PAGE + action, {"name": "Bruno", "role": "juror"})
        assert res.status_code == 403
    assert 'data-testid="nav-accounts"' not in client.get("/").text
    bruno = site.accounts.get("Bruno")
    assert bruno is not None and not bruno.disabled


def test_every_form_needs_the_csrf_token(diane: TestClient, site: Site) -> None:
    assert 'data-testid="nav-accounts"' in diane.get("/cohorts").text
    res = diane.post(PAGE, data={"name": "Sans Jeton", "role": "juror"})
    assert res.status_code == 403 and site.accounts.get("Sans Jeton") is None
    res = diane.post(PAGE + "/disable", data={"name": "Alice"})
    assert res.status_code == 403 and not site.accounts.get("Alice").disabled  # type: ignore[union-attr]


def test_a_one_time_password_is_shown_once_and_works(diane: TestClient, site: Site) -> None:
    res = post(diane, PAGE, {"name": "  Émile   Roy ", "role": "juror", "handover": "password"},
               PAGE)
    assert res.status_code == 200 and res.headers["cache-control"] == "no-store"
    password = _shown(res.text, "password")
    assert "Émile Roy" in res.text and _status(res.text, "Émile Roy") == "active"
    later = diane.get(PAGE).text
    assert password not in later and "usage unique pas encore changé" in later
    assert password not in (diane.cookies.get("grader_session") or "")  # never put in a cookie
    other = TestClient(diane.app, follow_redirects=False)
    res = login(other, "émile roy", password)
    assert res.status_code == 303 and res.headers["location"] == "/password"
    assert "création du compte Émile Roy" in later and "Diane" in later


def test_an_invitation_link_uses_the_request_or_grader_base_url(
        diane: TestClient, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    link = _shown(_create(diane, "Gaël Morin", handover="invite"), "link")
    assert link.startswith("http://testserver/invite/")
    assert _status(diane.get(PAGE).text, "Gaël Morin") == "pending"
    monkeypatch.setenv("GRADER_BASE_URL", "https://jury.ecole.fr")
    link2 = _shown(_create(diane, "Hugo Blanc", "coordinator", "invite"), "link")
    assert link2.startswith("https://jury.ecole.fr/invite/")
    fresh = TestClient(diane.app, follow_redirects=False)
    path = "/invite/" + link2.rsplit("/", 1)[1]
    assert fresh.get(path).status_code == 200
    res = fresh.post(path, data={"new": NEW_PASSWORD, "again": NEW_PASSWORD,
                                 "csrf": csrf_of(fresh, "/login")})
    assert res.status_code == 303
    page = diane.get(PAGE).text
    assert _status(page, "Hugo Blanc") == "active"
    assert "coordinateur" in page.split('data-testid="account-Hugo Blanc"')[1].split("</tr>")[0]
    assert "lien d'invitation" in unescape(page)  # the event says how the account was handed over


def test_refusals_keep_what_was_typed(diane: TestClient, site: Site) -> None:
    res = post(diane, PAGE, {"name": "alice", "role": "juror", "handover": "invite"}, PAGE)
    assert res.status_code == 400 and "existe déjà" in unescape(res.text)
    assert 'value="alice"' in res.text and 'value="invite" checked' in res.text
    res = post(diane, PAGE, {"name": "Zoé", "role": "président", "handover": "password"},
               PAGE)
    assert res.status_code == 400 and site.accounts.get("Zoé") is None
    res = post(diane, PAGE, {"name": "Zoé", "role": "juror"}, PAGE + "?lang=en")
    assert res.status_code == 200 and "One-time password" in res.text  # visitor's language


def test_a_new_link_invalidates_the_earlier_ones(diane: TestClient, site: Site) -> None:
    first = _shown(_create(diane, "Gaël Morin", handover="invite"), "link")
    res = post(diane, PAGE + "/invite", {"name": "gaël morin"}, PAGE)
    assert res.status_code == 200 and res.headers["cache-control"] == "no-store"
    second = _shown(res.text, "link")
    assert second != first
    visitor = TestClient(diane.app, follow_redirects=False)
    assert visitor.get("/invite/" + first.rsplit("/", 1)[1]).status_code == 410
    assert visitor.get("/invite/" + second.rsplit("/", 1)[1]).status_code == 200
    page = diane.get(PAGE).text
    assert _status(page, "Gaël Morin") == "pending"
    assert "nouveau lien d'invitation pour Gaël Morin" in unescape(page)
    res = post(diane, PAGE + "/invite", {"name": "Personne"}, PAGE)
    assert res.status_code == 400 and "aucun compte" in unescape(res.text)


def test_an_expired_invitation_shows_as_such(diane: TestClient, site: Site) -> None:
    site.accounts.add("Hugo Blanc", "juror")
    issue(site.store.engine, "Hugo Blanc", hours=1, now=datetime.now(UTC) - timedelta(hours=2))
    assert _status(diane.get(PAGE).text, "Hugo Blanc") == "expired"
    # A reset link that expired leaves a person who chose a password active.
    issue(site.store.engine, "Alice", hours=1, now=datetime.now(UTC) - timedelta(hours=2))
    assert _status(diane.get(PAGE).text, "Alice") == "active"


def test_a_disabled_account_is_locked_out_at_once(diane: TestClient, site: Site) -> None:
    alice = TestClient(diane.app, follow_redirects=False)
    login(alice, "Alice")
    assert alice.get("/").status_code == 200
    page = diane.get(PAGE).text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page.split('account-Alice"')[1]
                     .split("</tr>")[0])  # her last login
    done = post(diane, PAGE + "/disable", {"name": "alice"}, PAGE)
    assert done.status_code == 303 and done.headers["location"] == PAGE
    page = diane.get(PAGE).text
    assert "Compte Alice désactivé" in page and _status(page, "Alice") == "disabled"
    gone = alice.get("/")  # her open session stops at the next request
    assert gone.status_code == 303 and gone.headers["location"] == "/login"
    again = TestClient(diane.app, follow_redirects=False)
    refused = login(again, "Alice")
    assert refused.status_code == 403 and "désactivé" in unescape(refused.text)
    assert login(again, "Alice", "pas-le-bon").status_code == 401  # says nothing more
    # No longer offered, nor accepted, as a juror.
    assert '<option value="Alice">' not in diane.get("/cohorts").text
    post(diane, "/assign/P2026/ines-bernard/a1-plan-marketing", {"juror": "Alice"},
         "/cohort/P2026")
    assert "désactivé" in unescape(diane.get("/cohort/P2026").text)
    done = post(diane, PAGE + "/invite", {"name": "Alice"}, PAGE)
    assert done.status_code == 400  # a link would set a password nobody may use

    post(diane, PAGE + "/enable", {"name": "Alice"}, PAGE)
    page = diane.get(PAGE).text
    assert "Compte Alice réactivé" in page and _status(page, "Alice") == "active"
    assert alice.get("/").status_code == 303  # the old session stays ended
    assert login(again, "Alice").status_code == 303 and again.get("/").status_code == 200
    events = page.split('data-testid="account-events"')[1]
    assert events.index("réactivation de Alice") < events.index("désactivation de Alice")


def test_no_one_disables_themself_nor_the_last_coordinator(diane: TestClient,
                                                           site: Site) -> None:
    page = diane.get(PAGE).text
    assert 'data-testid="disable"' not in page.split('account-Diane"')[1].split("</tr>")[0]
    post(diane, PAGE + "/disable", {"name": "Diane"}, PAGE)
    assert "votre propre compte" in unescape(diane.get(PAGE).text)
    assert not site.accounts.get("Diane").disabled  # type: ignore[union-attr]
    runner = CliRunner()
    res = runner.invoke(users_app, ["disable", "Diane", "--db", site.store.url])
    assert res.exit_code == 2 and "dernier coordinateur actif" in res.output
    _create(diane, "Eve", "coordinator")
    post(diane, PAGE + "/disable", {"name": "Eve"}, PAGE)
    assert site.accounts.get("Eve").disabled  # type: ignore[union-attr]
    res = runner.invoke(users_app, ["disable", "Diane", "--db", site.store.url])
    assert res.exit_code == 2  # Eve is disabled: Diane is still the last one


def test_the_command_line_lists_disables_and_enables(site: Site) -> None:
    runner = CliRunner()
    db = ["--db", site.store.url]
    res = runner.invoke(users_app, ["disable", "bruno", *db])
    assert res.exit_code == 0 and "Bruno" in res.output and site.accounts.get("Bruno").disabled  # type: ignore[union-attr]
    res = runner.invoke(users_app, ["list", *db])
    assert res.exit_code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in res.output.splitlines()}
    assert lines["Bruno"][1:3] == ["juré", "désactivé"] and lines["Diane"][2] == "actif"
    assert runner.invoke(users_app, ["enable", "Bruno", *db]).exit_code == 0
    assert not site.accounts.get("Bruno").disabled  # type: ignore[union-attr]
    assert runner.invoke(users_app, ["enable", "Personne", *db]).exit_code == 2
    res = runner.invoke(users_app, ["add", "Iris Noël", *db])
    assert res.exit_code == 0
    events = admin.recent(site.store.engine)
    assert [(e.action, e.name, e.actor) for e in events[:3]] == [
        ("created", "Iris Noël", ""), ("enabled", "Bruno", ""), ("disabled", "Bruno", "")]


def test_a_database_from_an_earlier_version_keeps_working(site: Site) -> None:
    first = make_app(site)
    login(first, "Alice")
    assert first.get("/").status_code == 200
    with site.store.engine.connect() as conn, \
            conn.execution_options(**{WRITE_OPTION: True}).begin():
        for table in (tables.disabled, tables.account_events, tables.last_login):
            table.drop(conn)
    upgraded = make_app(site)  # creates the missing tables
    upgraded.cookies = first.cookies
    assert upgraded.get("/").status_code == 200  # the session made before still works
    with site.store.engine.connect() as conn:
        assert conn.execute(select(tables.disabled)).all() == []
    login(upgraded, "Diane")
    assert _status(upgraded.get(PAGE).text, "Alice") == "active"
