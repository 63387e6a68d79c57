"""What only PostgreSQL has: a server that can be down, a driver that can be missing, roles with
privileges, several processes creating one store. (The review rules themselves run on both
databases through the `flow` fixture.)"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from grader.review.audit import verify
from grader.review.errors import StoreError
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow
from grader.sheet.models import ScoringSheet
from grader.web.auth import RateLimiter
from grader.web.tables import prepare
from grader.web.users import Accounts
from tests.review import postgres
from tests.review.conftest import Run
from tests.review.postgres import Cluster

DOCS = Path(__file__).resolve().parents[2] / "docs" / "review.md"


def _grants() -> list[str]:
    """The GRANT statements of docs/review.md, as a school's administrator would paste them."""
    blocks = [b.split("```")[0] for b in DOCS.read_text(encoding="utf-8").split("```sql\n")]
    block = next(b for b in blocks if b.startswith("-- grader_app"))
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


GRANTS = _grants()


def test_without_postgresql_the_tests_fail_saying_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.shutil, "which", lambda _: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda _: [])
    with pytest.raises(pytest.fail.Exception, match="install Debian's `postgresql` package"):
        postgres.bindir()


def test_a_server_that_does_not_answer_is_one_clear_line(cli: Run, pg_cluster: Cluster) -> None:
    url = pg_cluster.url("review").replace(f":{pg_cluster.port}/", ":1/")
    with pytest.raises(StoreError, match="127.0.0.1:1/review inutilisable : .*failed"):
        ReviewStore.open(url)
    res = cli("review", "status", "--db", url)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails
    with pytest.raises(StoreError, match=r"pip install 'grader\[postgres\]'") as caught:
        ReviewStore.open("postgresql+psycopg://jury:secret@db.ecole.fr/grader")
    assert "secret" not in str(caught.value)


def test_an_empty_database_is_not_a_store_for_reading(cli: Run, pg_database: str) -> None:
    res = cli("audit", "verify", "--db", pg_database)
    assert res.returncode == 2 and "aucun registre de revue" in res.stderr
    with ReviewStore.open(pg_database) as store:  # created on the first write command
        assert store.head() == (0, "0" * 64)


def test_processes_opening_a_new_store_at_once_create_it_once(pg_database: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait(timeout=30)
            ReviewStore.open(pg_database).close()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    with ReviewStore.open(pg_database) as store:
        assert store.head() == (0, "0" * 64)


def test_a_role_granted_select_and_insert_cannot_rewrite_the_log(
        pg_cluster: Cluster, sheet: ScoringSheet, tmp_path: Path) -> None:
    """The setup docs/review.md recommends: the tables belong to one role, grader runs as
    another that may read, append and move the head — and nothing else."""
    with pg_cluster.admin() as conn:
        conn.execute("CREATE ROLE jury_owner LOGIN")
        conn.execute("CREATE ROLE jury_app LOGIN")
        conn.execute("CREATE DATABASE jury OWNER jury_owner")
    try:
        with ReviewStore.open(pg_cluster.url("jury", "jury_owner")) as store:
            prepare(store.engine)  # the review tables and the web pages' own
        with pg_cluster.admin("jury", "jury_owner") as conn:
            for grant in GRANTS:
                conn.execute(grant.replace("grader_app", "jury_app"))
        app_url = pg_cluster.url("jury", "jury_app")
        with ReviewStore.open(app_url) as store:
            flow = Workflow(store)
            key = flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                                    jurors=["Alice", "Bruno"]).state.key
            flow.decide(key, "Alice", "methodo-collecte", 3, "Enquête solide")
            assert verify(store).ok
            RateLimiter(store.engine).failed(["ip:127.0.0.1"])  # DELETE, INSERT (a sequence)
            assert Accounts(store.engine).secret()  # INSERT
        engine = create_engine(app_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in ("DROP TRIGGER events_no_delete ON events",
                              "DELETE FROM events", "UPDATE events SET level = 0",
                              "TRUNCATE events", "DELETE FROM sheets"):
                with pytest.raises(DBAPIError, match="must be owner|permission denied|"
                                                     "append-only"):
                    conn.execute(text(statement))
        engine.dispose()
    finally:
        with pg_cluster.admin() as conn:
            conn.execute("DROP DATABASE jury WITH (FORCE)")
            conn.execute("DROP ROLE jury_app")
            conn.execute("DROP ROLE jury_owner")
