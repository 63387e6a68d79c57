"""A review store with two drafted plans, four accounts and the web app over it.

The sheets come from the review tests' session fixture (fake backend, offline); the documents
stay in the folder above the sheets, which the app is told about with `doc_dirs` (`--docs`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from grader.review.location import as_url
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from grader.sheet.store import read_sheet
from grader.web.app import create_app
from grader.web.auth import RateLimiter
from grader.web.users import Accounts
from tests.review.conftest import draft_levels, graded  # noqa: F401  (fixture re-exported)

KEY = "P2026/camille-martin/a1-plan-marketing"
OTHER = "P2026/ines-bernard/a1-plan-marketing"
PASSWORD = "correct-horse-battery"
QUOTE = "Notre échantillon n'est pas représentatif des clients professionnels"
ACCOUNTS = {"Alice": "juror", "Bruno": "juror", "Claire": "juror", "Diane": "coordinator"}


@dataclass
class Site:
    store: ReviewStore
    flow: Workflow
    accounts: Accounts
    docs: Path


@pytest.fixture(scope="session")
def prepared(graded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """Built once (Argon2 and fsync are slow on purpose), copied for each test."""
    folder = tmp_path_factory.mktemp("web") / "fiches"
    shutil.copytree(graded, folder)
    store = ReviewStore.open(as_url(folder))
    flow = Workflow(store)
    for name, cand, jurors in (("velocite", "camille-martin", ["Alice", "Bruno"]),
                               ("autre", "ines-bernard", ["Claire", "Bruno"])):
        path = folder / f"{name}.sheet.json"
        flow.import_sheet(read_sheet(path), cohort="P2026", candidate=cand, jurors=jurors,
                          sheet_path=str(path))
    accounts = Accounts(store.engine)
    for name, role in ACCOUNTS.items():
        accounts.add(name, role)
        accounts.set_password(name, PASSWORD)
    accounts.secret()
    store.close()
    return folder


@pytest.fixture
def site(prepared: Path, graded: Path, tmp_path: Path) -> Iterator[Site]:  # noqa: F811
    """Camille's plan assigned to Alice and Bruno, Inès's to Claire and Bruno."""
    folder = tmp_path / "fiches"
    shutil.copytree(prepared, folder)
    store = ReviewStore.open(as_url(folder))
    yield Site(store, Workflow(store), Accounts(store.engine), graded.parent)
    store.close()


def make_app(site: Site, limiter: RateLimiter | None = None, secure: bool = False) -> TestClient:
    app = create_app(site.store, doc_dirs=[site.docs], policy=site.flow.policy,
                     limiter=limiter, force_secure=secure)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client(site: Site) -> TestClient:
    return make_app(site)


def csrf_of(client: TestClient, url: str = "/login") -> str:
    """The CSRF token of the forms on `url`, as the browser would post it."""
    page = client.get(url, follow_redirects=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Response:
    token = csrf_of(client)
    return client.post("/login", data={"name": name, "password": password, "csrf": token})


def post(client: TestClient, url: str, data: dict[str, str], page: str = "/") -> Response:
    """A form post with the session's CSRF token (taken from `page`)."""
    return client.post(url, data={**data, "csrf": csrf_of(client, page)})


def decide_all_by_library(site: Site, juror: str) -> None:
    """The other juror decides through the review library directly (the CLI's path)."""
    from grader.review.workflow import Entry

    sheet = site.flow.sheet(site.flow.state(KEY).current)
    site.flow.apply(KEY, juror, [Entry(c, lv) for c, lv in draft_levels(sheet).items()], "csv")


def post_files(client: TestClient, url: str, data: dict[str, str | list[str]],
               files: list[tuple[str, bytes]], page: str = "/cohorts",
               field: str = "files") -> Response:
    """A multipart form post (file inputs named `field`) with the session's CSRF token."""
    return client.post(url, data={**data, "csrf": csrf_of(client, page)},
                       files=[(field, (name, body, "application/octet-stream"))
                              for name, body in files])


def graded_files(site: Site, *names: str) -> list[tuple[str, bytes]]:
    """Files of the graded cohort: sheets from its output folder, documents from above it."""
    out = []
    for name in names:
        found = next(p for p in (site.docs / name, site.docs / "out" / name) if p.is_file())
        out.append((name, found.read_bytes()))
    return out
