"""The jury's web pages over a PostgreSQL store: `grader serve --db URL` starts and serves a
login and a sheet over real HTTP; through the app, a decision lands in the log and a results
file (bytes, an autoincrement id) feeds the PV. The web tables are the web pages' own
(grader/web/tables.py); this checks that they work on PostgreSQL too."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from grader.review.audit import verify
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from grader.sheet.store import read_sheet
from tests.review.conftest import REPO

KEY = "P2026/camille-martin/a1-plan-marketing"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def pg_site(pg_database: str, cohort_dir: Path) -> Iterator[ReviewStore]:
    """Camille's plan, assigned to Alice and Bruno, in a PostgreSQL store with accounts."""
    from grader.web.users import Accounts

    store = ReviewStore.open(pg_database)
    path = cohort_dir / "velocite.sheet.json"
    Workflow(store).import_sheet(read_sheet(path), cohort="P2026", candidate="camille-martin",
                                 jurors=["Alice", "Bruno"], sheet_path=str(path))
    accounts = Accounts(store.engine)
    for name, role in (("Alice", "juror"), ("Diane", "coordinator")):  # Argon2 is slow
        accounts.add(name, role)
        accounts.set_password(name, PASSWORD)
    yield store
    store.close()


def _csrf(client: httpx.Client | TestClient, url: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)
    assert found, url
    return found.group(1)


def _login(client: httpx.Client | TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf": _csrf(client)})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_grader_serve_on_postgresql(pg_site: ReviewStore, pg_database: str,
                                    tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--db", pg_database,
                               "--port", str(port)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(300):
                if server.poll() is not None:
                    pytest.fail(f"grader serve stopped: {server.communicate()[0]}")
                try:
                    if client.get("/login").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert _login(client, "Diane", "wrong").status_code == 401
            assert _login(client, "Dia\x00ne", "wrong").status_code == 401  # not a 500
            assert _login(client, "Alice").status_code == 303
            page = client.get(f"/sheet/{KEY}")
            assert page.status_code == 200 and "Niveau proposé" in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_decisions_and_results_through_the_app(pg_site: ReviewStore, graded: Path) -> None:
    from grader.web.app import create_app

    client = TestClient(create_app(pg_site, doc_dirs=[graded.parent]), follow_redirects=False)
    assert _login(client, "Alice").status_code == 303
    res = client.post(f"/decide/{KEY}", data={"criterion": "methodo-collecte", "level": "3",
                                              "comment": "Enquête solide",
                                              "csrf": _csrf(client, f"/sheet/{KEY}")})
    assert res.status_code == 303
    made = Workflow(pg_site).state(KEY).current.decisions["Alice"]["methodo-collecte"]
    assert (made.level, made.action, made.source) == (3, "overridden", "web")
    client.post("/logout", data={"csrf": _csrf(client, "/")})

    assert _login(client, "Diane").status_code == 303
    results = b"candidate;epreuve;score\ncamille-martin;a1-qcm;78,5\n"
    res = client.post("/results/P2026", data={"csrf": _csrf(client, "/cohort/P2026")},
                      files=[("files", ("qcm.csv", results, "text/csv"))])
    assert res.status_code == 303
    assert "78,5" in client.get("/pv/P2026.md").text
    assert client.get("/pv/P2026.docx").content[:2] == b"PK"
    assert verify(pg_site).ok


def test_long_account_and_file_names_fit_on_postgresql(pg_site: ReviewStore) -> None:
    # PostgreSQL enforces VARCHAR lengths that SQLite ignores: a long name must not become a
    # raw database error there.
    from grader.web.documents import keep_file
    from grader.web.users import Accounts

    long_name = "Marie-" + "x" * 250
    Accounts(pg_site.engine).add(long_name, "juror")
    assert long_name in [u.name for u in Accounts(pg_site.engine).everyone()]
    keep_file(pg_site.engine, "f" * 64, "dossier-" + "y" * 300 + "\x00.pdf", b"%PDF-1.4")
