"""Invitation links: `grader users add NAME --invite` and the page where the password is chosen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from grader.web.cli import users_app
from grader.web.invites import issue
from grader.web.tables import invites
from tests.web.conftest import Site, csrf_of, login

NEW_PASSWORD = "un-mot-de-passe-choisi"


def _invite(site: Site, *extra: str) -> str:
    res = CliRunner().invoke(users_app, ["add", "Gaël Morin", "--role", "juror", "--invite",
                                         "--db", site.store.url, *extra])
    assert res.exit_code == 0, res.output
    found = re.search(r"(\S+/invite/(\S+))", res.output)
    assert found, res.output
    return found.group(1)


def _choose(client: TestClient, path: str, new: str, again: str | None = None) -> Response:
    return client.post(path, data={"new": new, "again": new if again is None else again,
                                   "csrf": csrf_of(client, "/login")})


def test_an_invitation_link_lets_the_person_choose_a_password(client: TestClient,
                                                              site: Site) -> None:
    link = _invite(site, "--base-url", "https://jury.ecole.fr/")
    assert link.startswith("https://jury.ecole.fr/invite/")
    token = link.rsplit("/", 1)[1]
    with site.store.engine.connect() as conn:
        stored = conn.execute(select(invites)).one()
    assert token not in stored and stored.name == "Gaël Morin"  # only its hash is kept
    path = "/invite/" + token
    page = client.get(path)
    assert page.status_code == 200 and "Gaël Morin" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert _choose(client, path, "court").status_code == 400
    assert _choose(client, path, NEW_PASSWORD, "autre-chose-encore").status_code == 400
    res = _choose(client, path, NEW_PASSWORD)
    assert res.status_code == 303 and res.headers["location"] == "/"
    assert client.get("/").status_code == 200  # logged in, no password change asked
    user = site.accounts.authenticate("gaël morin", NEW_PASSWORD)
    assert user is not None and not user.must_change and user.role == "juror"


def test_a_used_link_gives_a_clear_page(client: TestClient, site: Site) -> None:
    path = "/invite/" + _invite(site).rsplit("/", 1)[1]
    _choose(client, path, NEW_PASSWORD)
    again = TestClient(client.app, follow_redirects=False)
    page = again.get(path)
    assert page.status_code == 410 and "déjà servi" in page.text
    res = _choose(again, path, "un-autre-mot-de-passe")
    assert res.status_code == 410
    assert site.accounts.authenticate("Gaël Morin", "un-autre-mot-de-passe") is None


def test_an_expired_link_gives_a_clear_page(client: TestClient, site: Site) -> None:
    site.accounts.add("Hugo Blanc", "juror")
    token = issue(site.store.engine, "Hugo Blanc", hours=72,
                  now=datetime.now(UTC) - timedelta(hours=73))
    page = client.get("/invite/" + token)
    assert page.status_code == 410 and "expiré" in page.text
    assert _choose(client, "/invite/" + token, NEW_PASSWORD).status_code == 410
    assert site.accounts.authenticate("Hugo Blanc", NEW_PASSWORD) is None


def test_the_expiry_is_configurable(site: Site) -> None:
    _invite(site, "--expires-hours", "1")
    with site.store.engine.connect() as conn:
        row = conn.execute(select(invites)).one()
    span = datetime.fromisoformat(row.expires) - datetime.fromisoformat(row.created)
    assert span == timedelta(hours=1)


def test_an_unknown_token_and_a_missing_csrf_token(client: TestClient, site: Site) -> None:
    page = client.get("/invite/pas-un-vrai-jeton")
    assert page.status_code == 404 and "pas valable" in page.text
    path = "/invite/" + _invite(site).rsplit("/", 1)[1]
    res = client.post(path, data={"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert res.status_code == 403
    assert client.get(path).status_code == 200  # still unused


def test_an_invited_account_has_no_password_until_it_is_chosen(client: TestClient,
                                                                site: Site) -> None:
    _invite(site)
    for guess in ("", "Gaël Morin", NEW_PASSWORD):
        assert login(client, "Gaël Morin", guess).status_code in (401, 422)


def test_a_new_link_for_an_existing_account_resets_its_password(client: TestClient,
                                                                 site: Site) -> None:
    runner = CliRunner()
    res = runner.invoke(users_app, ["invite", "alice", "--db", site.store.url])
    assert res.exit_code == 0, res.output
    path = "/invite/" + re.search(r"/invite/(\S+)", res.output).group(1)  # type: ignore[union-attr]
    assert "Alice" in client.get(path).text
    assert _choose(client, path, NEW_PASSWORD).status_code == 303
    assert site.accounts.authenticate("Alice", NEW_PASSWORD) is not None
    unknown = runner.invoke(users_app, ["invite", "Personne", "--db", site.store.url])
    assert unknown.exit_code == 2 and "aucun compte" in unknown.output
