"""The decision log is append-only and hash-chained: `grader audit verify` catches any edit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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


def _db(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / "review.sqlite", isolation_level=None)


def test_an_untouched_log_verifies(flow: Workflow, sheet: ScoringSheet, cohort_dir: Path,
                                   cli: Run) -> None:
    _decided(flow, sheet)
    report = verify(flow.store)
    assert report.ok and report.events == 4
    assert report.head == flow.store.head()[1]
    res = cli("audit", "verify", cohort_dir)
    assert res.returncode == 0, res.stderr
    assert "chaîne intacte" in res.stdout and report.head in res.stdout


def test_the_database_refuses_a_casual_edit(flow: Workflow, sheet: ScoringSheet,
                                            cohort_dir: Path) -> None:
    _decided(flow, sheet)
    with _db(cohort_dir) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET level = 3 WHERE kind = 'decision'")
    with _db(cohort_dir) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events WHERE seq = 2")


def test_editing_a_decision_row_is_caught(flow: Workflow, sheet: ScoringSheet,
                                          cohort_dir: Path, cli: Run) -> None:
    _decided(flow, sheet)
    db = _db(cohort_dir)
    db.execute("DROP TRIGGER events_no_update")  # a determined editor removes the guard first
    seq = db.execute("SELECT seq FROM events WHERE kind = 'decision' AND juror = 'Bruno'"
                     ).fetchone()[0]
    db.execute("UPDATE events SET level = 3 WHERE seq = ?", (seq,))
    db.close()
    report = verify(flow.store)
    assert not report.ok
    assert [p.seq for p in report.problems] == [seq]
    res = cli("audit", "verify", "--db", cohort_dir / "review.sqlite")
    assert res.returncode == 1
    assert f"événement {seq} (decision, P2026/camille-martin/a1-plan-marketing / Bruno / " \
           "methodo-collecte) : contenu modifié" in res.stdout


def test_a_rewritten_hash_breaks_the_next_link(flow: Workflow, sheet: ScoringSheet,
                                               cohort_dir: Path) -> None:
    _decided(flow, sheet)
    db = _db(cohort_dir)
    db.execute("DROP TRIGGER events_no_update")
    db.execute("UPDATE events SET comment = 'rien', hash = ? WHERE seq = 3", ("f" * 64,))
    db.close()
    seqs = {p.seq for p in verify(flow.store).problems}
    assert seqs == {3, 4}


def test_deleting_rows_is_caught(flow: Workflow, sheet: ScoringSheet, cohort_dir: Path) -> None:
    _decided(flow, sheet)
    db = _db(cohort_dir)
    db.execute("DROP TRIGGER events_no_delete")
    db.execute("DELETE FROM events WHERE seq = 2")
    db.execute("DELETE FROM events WHERE seq = 4")  # the tail too
    db.close()
    messages = " ".join(p.message for p in verify(flow.store).problems)
    assert "numéro attendu 2" in messages and "fin du journal supprimée" in messages


def test_an_edited_draft_sheet_is_caught(flow: Workflow, sheet: ScoringSheet,
                                         cohort_dir: Path) -> None:
    _decided(flow, sheet)
    db = _db(cohort_dir)
    db.execute("DROP TRIGGER sheets_no_update")
    db.execute("UPDATE sheets SET body = replace(body, '\"level\":2', '\"level\":3')")
    db.close()
    assert any("fiche" in p.message for p in verify(flow.store).problems)


def test_verify_without_a_store_is_one_clear_line(cli: Run, tmp_path: Path) -> None:
    res = cli("audit", "verify", tmp_path / "vide")
    assert res.returncode == 2 and "aucun registre de revue" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_two_jurors_writing_at_once_keep_one_chain(flow: Workflow, sheet: ScoringSheet,
                                                   cohort_dir: Path) -> None:
    import threading

    from grader.review.location import as_url
    from grader.review.store import ReviewStore
    from tests.review.conftest import draft_levels

    key = flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                            jurors=["Alice", "Bruno"]).state.key
    levels = draft_levels(sheet)
    errors: list[BaseException] = []

    def juror(name: str) -> None:
        store = ReviewStore.open(as_url(cohort_dir))  # each juror with their own connection
        try:
            for criterion, level in levels.items():
                Workflow(store).decide(key, name, criterion, level)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=juror, args=(n,)) for n in ("Alice", "Bruno")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    state = flow.state(key)
    assert state.current.locked  # exactly one lock, whoever decided last
    assert len(flow.store.events(submission=key, kinds=["lock"])) == 1
    assert verify(flow.store).ok
