"""The history page: every event of a submission from the log, in order, with who and when; the
other juror's levels and comments hidden from a juror until the sheet locks; the chain checked
by the audit library."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from grader.review.workflow import Entry
from tests.review.conftest import draft_levels
from tests.web.conftest import KEY, OTHER, Site, decide_all_by_library, login, make_app, post

SECRET = "Bruno trouve la méthode fragile"


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


@pytest.fixture
def alice(client: TestClient) -> TestClient:
    login(client, "Alice")
    return client


def _rows(page: str) -> list[str]:
    """The table's rows, tags stripped, in order."""
    body = page.split('data-testid="history"')[1].split("</table>")[0]
    found = re.findall(r"<tr id=\"ev-\d+\".*?</tr>", body, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in found]


def _bruno_then_alice_with_a_gap(site: Site) -> None:
    """Bruno takes the drafts and comments one; Alice puts 3 where the draft (and Bruno) put
    1, so the sheet waits for a reconciliation."""
    sheet = site.flow.sheet(site.flow.state(KEY).current)
    levels = draft_levels(sheet)
    site.flow.apply(KEY, "Bruno", [Entry(c, lv, SECRET if c == "methodo-recul" else "")
                                   for c, lv in levels.items()], "csv")
    site.flow.apply(KEY, "Alice", [Entry(c, 3 if c == "methodo-recul" else lv,
                                         "Recul réel" if c == "methodo-recul" else "")
                                   for c, lv in levels.items()], "csv")


def test_coordinator_reads_every_event_in_order(diane: TestClient, site: Site) -> None:
    _bruno_then_alice_with_a_gap(site)
    site.flow.reconcile(KEY, "methodo-recul", 2, "Accord après échange", by="Diane")
    assert site.flow.state(KEY).current.locked
    page = diane.get(f"/history/{KEY}")
    assert page.status_code == 200
    rows = _rows(page.text)
    events = site.store.events(submission=KEY)
    assert [int(r.split()[0]) for r in rows] == [e.seq for e in events]
    assert "Inscription" in rows[0] and "Alice, Bruno" in rows[0]
    decision = next(r for r in rows if "Bruno" in r and "methodo-recul" in r)
    assert "Décision" in decision and "confirmé" in decision and SECRET in decision
    gap = next(r for r in rows if "Alice" in r and "methodo-recul" in r and "Décision" in r)
    assert "modifié" in gap and "« Recul réel »" in gap and " 3 1 " in gap  # level, draft
    reconcile = next(r for r in rows if "Réconciliation" in r)
    assert "Diane" in reconcile and "Accord après échange" in reconcile
    assert "Alice 3" in reconcile and "Bruno 1" in reconcile
    lock = rows[-1]
    assert "Verrouillage" in lock and "/20" in lock
    # The time as hashed in the log for machines, in local time for people.
    assert f'<time datetime="{events[0].time}">' in page.text
    chain = page.text.split('data-testid="chain"')[1].split("</p>")[0]
    assert "Chaîne intacte" in chain and f"{site.store.head()[0]} événements" in chain


def test_assigned_juror_sees_it_another_juror_gets_404(client: TestClient) -> None:
    login(client, "Alice")
    assert client.get(f"/history/{KEY}").status_code == 200
    assert client.get(f"/history/{OTHER}").status_code == 404  # Claire's and Bruno's
    assert client.get("/history/P2026/nobody/a1-plan-marketing").status_code == 404


def test_the_other_jurors_levels_and_comments_stay_hidden_until_the_lock(
        alice: TestClient, site: Site) -> None:
    site.flow.set_cohort("P2026", blind=True, by="Diane")
    sheet = site.flow.sheet(site.flow.state(KEY).current)
    levels = draft_levels(sheet)
    bruno = [Entry(c, 2 if c == "methodo-collecte" else lv,
                   SECRET if c == "methodo-collecte" else "",
                   blind_level=3 if sheet.criterion(c).mode == "draft" else None)
             for c, lv in levels.items()]
    site.flow.apply(KEY, "Bruno", bruno, "csv")
    page = unescape(alice.get(f"/history/{KEY}").text)
    assert SECRET not in page and "à l'aveugle pour la promotion P2026" in page
    drafted = sum(1 for e in sheet.criteria if e.mode == "draft")
    hidden = [r for r in _rows(page) if "Bruno" in r and "masqué" in r]
    assert len(hidden) == drafted + len(levels)  # each blind level, each decision
    assert not any(c in r for r in hidden for c in levels)  # not even which criterion
    # Her own blind levels and decisions she sees; Bruno's still not.
    post(alice, f"/blind/{KEY}", {"criterion": "methodo-recul", "level": "1"})
    rows = _rows(alice.get(f"/history/{KEY}").text)
    mine = [r for r in rows if "Alice" in r and "methodo-recul" in r]
    assert mine and "Niveau à l'aveugle" in mine[0]
    # The coordinator sees Bruno's comment at once; Alice once the sheet is locked.
    diane = make_app(site)
    login(diane, "Diane")
    assert SECRET in unescape(diane.get(f"/history/{KEY}").text)
    site.flow.apply(KEY, "Alice", [Entry(c, 2 if c == "methodo-collecte" else lv,
                                         "Même avis" if c == "methodo-collecte" else "",
                                         blind_level=None if c == "methodo-recul" or
                                         sheet.criterion(c).mode != "draft" else lv)
                                   for c, lv in levels.items()], "csv")
    assert site.flow.state(KEY).current.locked
    page = unescape(alice.get(f"/history/{KEY}").text)
    assert SECRET in page and 'data-masked="1"' not in page


def test_a_tampered_log_is_reported(site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    with _edited(site) as conn:
        conn.execute(text("UPDATE events SET level = 3 WHERE kind = 'decision'"))
    client = make_app(site)
    login(client, "Diane")
    page = client.get(f"/history/{KEY}").text
    chain = page.split('data-testid="chain"')[1].split("</p>")[0]
    assert "Chaîne rompue" in chain
    assert 'data-testid="chain-problems"' in page  # the coordinator reads what broke
    juror = make_app(site)
    login(juror, "Alice")
    page = juror.get(f"/history/{KEY}").text
    assert "Chaîne rompue" in page and 'data-testid="chain-problems"' not in page


def test_the_check_is_reused_until_the_log_moves(diane: TestClient, site: Site) -> None:
    first = diane.get(f"/history/{KEY}").text
    stamp = re.search(r'data-checked="([^"]+)"', first)
    assert stamp
    again = diane.get(f"/history/{OTHER}").text
    assert f'data-checked="{stamp.group(1)}"' in again  # nothing appended: not re-verified
    decide_all_by_library(site, "Bruno")
    moved = diane.get(f"/history/{KEY}").text
    assert f'data-checked="{stamp.group(1)}"' not in moved
    assert f"{site.store.head()[0]} événements" in moved


def test_linked_from_the_sheet_and_the_cohort(diane: TestClient) -> None:
    link = f'href="/history/{KEY}"'
    assert link in diane.get(f"/sheet/{KEY}").text
    assert link in diane.get("/cohort/P2026").text


def test_english_history(alice: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    page = unescape(alice.get(f"/history/{KEY}?lang=en").text)
    assert "Registration" in page and "Chain intact" in page
    assert "the other juror's level and comment are hidden" in page and "Bruno" in page


@contextmanager
def _edited(site: Site) -> Iterator[Connection]:
    """Someone editing the SQLite file by hand, the append-only guard dropped first."""
    engine = create_engine(site.store.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP TRIGGER events_no_update"))
            yield conn
    finally:
        engine.dispose()
