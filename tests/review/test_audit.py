"""The decision log is append-only and hash-chained: `grader audit verify` catches any edit —
on SQLite and on PostgreSQL alike (every test taking `flow` runs on both)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from grader.review.audit import verify
from grader.review.workflow import Workflow
from grader.sheet.models import ScoringSheet
from tests.review.conftest import Run


def _decided(flow: Workflow, sheet: ScoringSheet) -> str:
    key = flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                            jurors=["Alice", "Bruno"]).state.key
    flow.decide(key, "Alice", "methodo-collecte", 2)
    flow.decide(key, "Alice", "methodo-analyse", 3, "Analyse très complète")
    flow.decide(key, "Bruno", "methodo-collecte", 2)
    return key


@contextmanager
def _db(url: str, *unguard: str) -> Iterator[Connection]:
    """Someone editing the database by hand, outside grader, after dropping the `unguard`
    triggers (a determined editor removes the guard first)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for trigger in unguard:
                table = trigger.split("_no_")[0]
                conn.execute(text(f"DROP TRIGGER {trigger}" if conn.dialect.name == "sqlite"
                                  else f"DROP TRIGGER {trigger} ON {table}"))
            yield conn
    finally:
        engine.dispose()


def test_an_untouched_log_verifies(flow: Workflow, sheet: ScoringSheet, db_url: str,
                                   cli: Run) -> None:
    _decided(flow, sheet)
    report = verify(flow.store)
    assert report.ok and report.events == 4
    assert report.head == flow.store.head()[1]
    res = cli("audit", "verify", "--db", db_url)
    assert res.returncode == 0, res.stderr
    assert "chaîne intacte" in res.stdout and report.head in res.stdout


@pytest.mark.parametrize("edit", ["UPDATE events SET level = 3 WHERE kind = 'decision'",
                                  "DELETE FROM events WHERE seq = 2",
                                  "UPDATE sheets SET body = 'x'", "DELETE FROM sheets"])
def test_the_database_refuses_a_casual_edit(flow: Workflow, sheet: ScoringSheet, db_url: str,
                                            edit: str) -> None:
    _decided(flow, sheet)
    with _db(db_url) as db, pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(edit))
    assert verify(flow.store).ok


def test_editing_a_decision_row_is_caught(flow: Workflow, sheet: ScoringSheet, db_url: str,
                                          cli: Run) -> None:
    _decided(flow, sheet)
    with _db(db_url, "events_no_update") as db:
        seq = db.execute(text("SELECT seq FROM events WHERE kind = 'decision' "
                              "AND juror = 'Bruno'")).scalar_one()
        db.execute(text("UPDATE events SET level = 3 WHERE seq = :seq"), {"seq": seq})
    report = verify(flow.store)
    assert not report.ok
    assert [p.seq for p in report.problems] == [seq]
    res = cli("audit", "verify", "--db", db_url)
    assert res.returncode == 1
    assert f"événement {seq} (decision, P2026/camille-martin/a1-plan-marketing / Bruno / " \
           "methodo-collecte) : contenu modifié" in res.stdout


def test_a_rewritten_hash_breaks_the_next_link(flow: Workflow, sheet: ScoringSheet,
                                               db_url: str) -> None:
    _decided(flow, sheet)
    with _db(db_url, "events_no_update") as db:
        db.execute(text("UPDATE events SET comment = 'rien', hash = :h WHERE seq = 3"),
                   {"h": "f" * 64})
    seqs = {p.seq for p in verify(flow.store).problems}
    assert seqs == {3, 4}


def test_deleting_rows_is_caught(flow: Workflow, sheet: ScoringSheet, db_url: str) -> None:
    _decided(flow, sheet)
    with _db(db_url, "events_no_delete") as db:
        db.execute(text("DELETE FROM events WHERE seq = 2"))
        db.execute(text("DELETE FROM events WHERE seq = 4"))  # the tail too
    messages = " ".join(p.message for p in verify(flow.store).problems)
    assert "numéro attendu 2" in messages and "fin du journal supprimée" in messages


def test_an_edited_draft_sheet_is_caught(flow: Workflow, sheet: ScoringSheet,
                                         db_url: str) -> None:
    _decided(flow, sheet)
    with _db(db_url, "sheets_no_update") as db:
        db.execute(text("UPDATE sheets SET body = replace(body, :was, :now)"),
                   {"was": '"level":2', "now": '"level":3'})
    assert any("fiche" in p.message for p in verify(flow.store).problems)


def test_verify_without_a_store_is_one_clear_line(cli: Run, tmp_path: Path) -> None:
    res = cli("audit", "verify", tmp_path / "vide")
    assert res.returncode == 2 and "aucun registre de revue" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_jurors_writing_at_once_keep_one_chain(flow: Workflow, sheet: ScoringSheet,
                                               cohort_dir: Path, db_url: str) -> None:
    """Four writers at once — two jurors on each of two sheets, each with its own connection —
    never fork the chain, never lose a decision, and lock each sheet exactly once."""
    import threading

    from grader.review.store import ReviewStore
    from grader.sheet.store import read_sheet
    from tests.review.conftest import draft_levels

    other = read_sheet(cohort_dir / "autre.sheet.json")
    keys = [flow.import_sheet(s, cohort="P2026", candidate=c, jurors=["Alice", "Bruno"]
                              ).state.key for s, c in ((sheet, "camille"), (other, "ines"))]
    levels = draft_levels(sheet)
    start, errors = threading.Barrier(4), []

    def juror(key: str, name: str) -> None:
        store = ReviewStore.open(db_url)  # each writer with its own engine and connection
        try:
            start.wait(timeout=30)
            for criterion, level in levels.items():
                Workflow(store).decide(key, name, criterion, level)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=juror, args=(k, n)) for k in keys
               for n in ("Alice", "Bruno")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for key in keys:
        assert flow.state(key).current.locked
        assert len(flow.store.events(submission=key, kinds=["lock"])) == 1
        decisions = flow.store.events(submission=key, kinds=["decision"])
        assert len(decisions) == 2 * len(levels)  # every decision of both jurors is there
    events = flow.store.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(e.prev_hash == b.hash for b, e in zip(events, events[1:], strict=False))
    report = verify(flow.store)
    assert report.ok and (report.events, report.head) == flow.store.head()


def test_a_writer_that_never_finishes_does_not_hang_the_others(
        flow: Workflow, sheet: ScoringSheet, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next writer waits WRITE_TIMEOUT seconds, then fails with one clear line."""
    import time

    from grader.review import schema
    from grader.review.errors import StoreError
    from grader.review.store import ReviewStore

    key = _decided(flow, sheet)
    monkeypatch.setattr(schema, "WRITE_TIMEOUT", 0.5)
    with ReviewStore.open(db_url) as other, flow.store.writing():  # stuck mid-transaction
        began = time.monotonic()
        with pytest.raises(StoreError, match="locked|lock timeout"):
            Workflow(other).decide(key, "Bruno", "methodo-analyse", 2)
        assert time.monotonic() - began < 10
    flow.decide(key, "Bruno", "methodo-analyse", 2)  # the lock is gone with its transaction
    assert verify(flow.store).ok
