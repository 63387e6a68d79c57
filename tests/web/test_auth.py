"""Accounts, sessions, CSRF and the login rate limit, over HTTP (FastAPI's TestClient)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from grader.web.app import create_app
from grader.web.auth import COOKIE, RateLimiter
from grader.web.cli import users_app
from tests.web.conftest import KEY, PASSWORD, Site, csrf_of, login, make_app, post


def test_pages_need_a_login(client: TestClient) -> None:
    for url in ("/", f"/sheet/{KEY}", f"/doc/{KEY}", f"/docx/{KEY}", "/cohorts", "/pv/P2026.md"):
        res = client.get(url)
        assert res.status_code == 303 and res.headers["location"] == "/login", url


def test_login_then_logout(client: TestClient) -> None:
    res = login(client, "alice")  # names match whatever the case
    assert res.status_code == 303 and res.headers["location"] == "/"
    assert "Camille" in client.get("/").text or "camille-martin" in client.get("/").text
    assert post(client, "/logout", {}).status_code == 303
    assert client.get("/").headers["location"] == "/login"


def test_session_cookie_is_httponly_samesite_and_secure_behind_tls(site: Site) -> None:
    plain = make_app(site)
    cookie = login(plain, "Alice").headers["set-cookie"]
    assert COOKIE in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    tls = make_app(site, secure=True)
    tls.base_url = tls.base_url.copy_with(scheme="https")
    assert "secure" in login(tls, "Alice").headers["set-cookie"].lower()


def test_wrong_password_then_rate_limited(site: Site) -> None:
    client = make_app(site, RateLimiter(site.store.engine, failures=5, window=300))
    for _ in range(5):
        res = login(client, "Alice", "wrong-password")
        assert res.status_code == 401 and "incorrect" in res.text
    res = login(client, "Alice", PASSWORD)  # even the right password waits now
    assert res.status_code == 429 and int(res.headers["retry-after"]) > 0
    assert "patientez" in res.text


def test_rate_limit_window_expires(site: Site) -> None:
    now = [0.0]
    limiter = RateLimiter(site.store.engine, failures=2, window=60, clock=lambda: now[0])
    limiter.failed(["ip:x"])
    limiter.failed(["ip:x"])
    assert limiter.retry_after(["ip:x"]) > 0
    now[0] = 61
    assert limiter.retry_after(["ip:x"]) == 0


def test_form_without_csrf_is_refused(client: TestClient, site: Site) -> None:
    before = site.store.head()
    assert client.post("/login", data={"name": "Alice", "password": PASSWORD}).status_code == 403
    login(client, "Alice")
    data = {"criterion": "methodo-recul", "action": "confirm"}
    assert client.post(f"/decide/{KEY}", data=data).status_code == 403
    assert client.post(f"/decide/{KEY}", data={**data, "csrf": "forged"}).status_code == 403
    assert site.store.head() == before  # nothing reached the log


def test_csrf_token_of_another_session_is_refused(site: Site) -> None:
    mallory, alice = make_app(site), make_app(site)
    login(mallory, "Claire")
    token = csrf_of(mallory, "/")
    login(alice, "Alice")
    res = alice.post(f"/decide/{KEY}", data={"criterion": "methodo-recul",
                                             "action": "confirm", "csrf": token})
    assert res.status_code == 403


def test_one_time_password_must_be_changed(site: Site) -> None:
    client = make_app(site)
    first = site.accounts.add("Émile Roux", "juror")
    res = login(client, "émile roux", first)
    assert res.headers["location"] == "/password"
    assert client.get("/").headers["location"] == "/password"
    bad = post(client, "/password", {"new": "short", "again": "short"}, "/password")
    assert bad.status_code == 400
    ok = post(client, "/password", {"new": "a-long-new-secret", "again": "a-long-new-secret"},
              "/password")
    assert ok.headers["location"] == "/" and client.get("/").status_code == 200
    assert site.accounts.authenticate("Émile Roux", first) is None


def test_password_change_ends_other_sessions(site: Site) -> None:
    old = make_app(site)
    login(old, "Alice")
    site.accounts.set_password("Alice", "another-long-secret")
    assert old.get("/").headers["location"] == "/login"


def test_users_add_prints_a_one_time_password(site: Site) -> None:
    runner = CliRunner()
    res = runner.invoke(users_app, ["add", "Fanny Leroy", "--role", "coordinator",
                                    "--db", site.store.url])
    assert res.exit_code == 0, res.output
    password = res.output.split("unique : ")[1].split()[0]
    user = site.accounts.authenticate("fanny leroy", password)
    assert user is not None and user.coordinator and user.must_change
    again = runner.invoke(users_app, ["add", "Fanny Leroy", "--db", site.store.url])
    assert again.exit_code == 2 and "existe déjà" in again.output
    bad = runner.invoke(users_app, ["add", "X", "--role", "admin", "--db", site.store.url])
    assert bad.exit_code == 2


def test_rate_limiter_forgets_old_keys(site: Site) -> None:
    from sqlalchemy import select

    from grader.web.tables import login_failures

    now = [0.0]
    limiter = RateLimiter(site.store.engine, failures=2, window=60, clock=lambda: now[0])
    for n in range(4):
        limiter.failed([f"user:{n}"])
    now[0] = 120
    limiter.failed(["user:new"])
    with site.store.engine.connect() as conn:
        kept = conn.execute(select(login_failures.c.key)).scalars().all()
    assert len(kept) == 1 and "user:new" not in kept[0]  # only a digest is written down


def test_rate_limit_is_shared_by_two_apps_over_one_database(site: Site) -> None:
    from grader.review.store import ReviewStore

    second_store = ReviewStore.open(site.store.url)
    try:
        first = make_app(site)  # the default limiter, in the review database
        second = TestClient(create_app(second_store, policy=site.flow.policy),
                            follow_redirects=False)
        for attempt in range(5):
            client = first if attempt % 2 else second
            assert login(client, "Bruno", "wrong-password").status_code == 401
        res = login(first, "Bruno", PASSWORD)
        assert res.status_code == 429 and int(res.headers["retry-after"]) > 0
        assert login(second, "Bruno", PASSWORD).status_code == 429
    finally:
        second_store.close()


def test_rate_limit_survives_a_restart(site: Site) -> None:
    for _ in range(5):
        login(make_app(site), "Bruno", "wrong-password")
    assert login(make_app(site), "Bruno", PASSWORD).status_code == 429
