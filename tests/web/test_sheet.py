"""The juror's pages over HTTP: who sees what, and every decision landing in the review log."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader.review.audit import verify
from tests.web.conftest import KEY, OTHER, QUOTE, Site, decide_all_by_library, login, post


@pytest.fixture
def alice(client: TestClient) -> TestClient:
    login(client, "Alice")
    return client


def test_juror_lists_only_their_submissions(client: TestClient) -> None:
    login(client, "Alice")
    home = client.get("/").text
    assert "camille-martin" in home and "ines-bernard" not in home
    assert "À évaluer (1)" in home


@pytest.mark.parametrize("url", [f"/sheet/{KEY}", f"/doc/{KEY}?page=1", f"/docx/{KEY}",
                                 "/sheet/P2026/nobody/a1-plan-marketing"])
def test_unassigned_juror_gets_404(client: TestClient, url: str) -> None:
    login(client, "Claire")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("action", ["decide", "blind", "reconcile"])
def test_unassigned_juror_cannot_post(client: TestClient, site: Site, action: str) -> None:
    login(client, "Claire")
    before = site.store.head()
    res = post(client, f"/{action}/{KEY}", {"criterion": "methodo-recul", "level": "2",
                                            "action": "confirm", "note": "x"})
    assert res.status_code == 404 and site.store.head() == before


def test_coordinator_sees_every_sheet_but_does_not_decide(client: TestClient, site: Site) -> None:
    login(client, "Diane")
    assert client.get("/").headers["location"] == "/cohorts"
    assert client.get(f"/sheet/{OTHER}").status_code == 200
    res = post(client, f"/decide/{KEY}", {"criterion": "methodo-recul", "action": "confirm"})
    assert res.status_code == 403


def test_juror_cannot_reach_coordinator_pages(alice: TestClient) -> None:
    for url in ("/cohorts", "/cohort/P2026", "/pv/P2026.md", "/pv/P2026.docx"):
        assert alice.get(url).status_code == 403, url
    res = post(alice, f"/assign/{KEY}", {"juror": "Alice"})
    assert res.status_code == 403


def test_sheet_shows_drafts_quotes_and_flags(alice: TestClient) -> None:
    page = alice.get(f"/sheet/{KEY}").text
    assert "Niveau proposé" in page and "confiance 40 %" in page
    assert QUOTE.replace("'", "&#39;") in page
    assert "non pré-noté" in page and "jury seul" in page


def test_confirm_override_and_enter_go_through_the_log(alice: TestClient, site: Site) -> None:
    res = post(alice, f"/decide/{KEY}", {"criterion": "methodo-recul", "action": "confirm"})
    assert res.status_code == 303 and res.headers["location"].endswith("#crit-methodo-recul")
    refused = post(alice, f"/decide/{KEY}", {"criterion": "methodo-collecte", "level": "3"})
    assert refused.status_code == 400 and "commentaire" in refused.text.lower()
    post(alice, f"/decide/{KEY}", {"criterion": "methodo-collecte", "level": "3",
                                   "comment": "Enquête solide et triangulée"})
    post(alice, f"/decide/{KEY}", {"criterion": "reco-limites-risques", "level": "2"})
    made = site.flow.state(KEY).current.decisions["Alice"]
    assert made["methodo-recul"].action == "confirmed" and made["methodo-recul"].level == 1
    assert made["methodo-collecte"].action == "overridden"
    assert made["methodo-collecte"].comment == "Enquête solide et triangulée"
    assert made["reco-limites-risques"].action == "entered"
    assert {d.source for d in made.values()} == {"web"}
    assert verify(site.store).ok


def test_lock_when_both_jurors_are_done(alice: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    sheet = site.flow.sheet(site.flow.state(KEY).current)
    for entry in sheet.criteria:
        drafted = entry.draft is not None and entry.draft.level is not None
        post(alice, f"/decide/{KEY}", {"criterion": entry.id, "action": "confirm"} if drafted
             else {"criterion": entry.id, "level": "2"})
    assert site.flow.state(KEY).current.locked
    page = alice.get(f"/sheet/{KEY}").text
    assert "Fiche verrouillée" in page and 'data-testid="confirm"' not in page
    post(alice, f"/decide/{KEY}", {"criterion": "methodo-recul", "level": "2", "comment": "x"})
    assert "verrouill" in alice.get(f"/sheet/{KEY}").text  # refused, with the library's words
    assert 'data-testid="group-locked"' in alice.get("/").text


def test_reconciliation_from_the_sheet(alice: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    sheet = site.flow.sheet(site.flow.state(KEY).current)
    for entry in sheet.criteria:
        level = "3" if entry.id == "methodo-recul" else "2"  # Bruno has 1: a gap of 2
        post(alice, f"/decide/{KEY}", {"criterion": entry.id, "level": level,
                                       "comment": "mon appréciation"})
    page = alice.get(f"/sheet/{KEY}").text
    assert 'data-testid="reconcile"' in page and not site.flow.state(KEY).current.locked
    post(alice, f"/reconcile/{KEY}", {"criterion": "methodo-recul", "level": "2",
                                      "note": "Accord après échange"})
    assert site.flow.state(KEY).current.locked


def test_document_page_highlights_the_quote(alice: TestClient) -> None:
    res = alice.get(f"/doc/{KEY}", params={"page": 1, "q": QUOTE, "partial": 1})
    assert res.status_code == 200
    assert '<mark id="hl">Notre échantillon' in res.text and "<html" not in res.text
    full = alice.get(f"/doc/{KEY}", params={"q": QUOTE.upper()})  # no page, other case
    assert '<mark id="hl">' in full.text and "<html" in full.text


def test_docx_download(alice: TestClient) -> None:
    res = alice.get(f"/docx/{KEY}")
    assert res.status_code == 200 and res.content[:2] == b"PK"
    assert "attachment" in res.headers["content-disposition"]


def test_english_pages(alice: TestClient) -> None:
    assert "Drafted level" in alice.get(f"/sheet/{KEY}?lang=en").text
    assert "My submissions" in alice.get("/").text  # the choice sticks (cookie)


def test_document_found_beside_its_sheet_only_if_it_is_the_same_file(site: Site) -> None:
    from tests.web.conftest import make_app

    client = make_app(site)
    client.app.state.doc_dirs = []  # type: ignore[attr-defined]
    login(client, "Alice")
    state = site.flow.state(KEY)
    assert state.sheet_path is not None
    beside = Path(state.sheet_path).parent / state.file
    beside.write_text("Un autre texte, pas celui du candidat.", encoding="utf-8")
    try:
        res = client.get(f"/doc/{KEY}", params={"page": 1})
        assert 'data-testid="doc-missing"' in res.text and "autre texte" not in res.text
        beside.write_bytes((site.docs / state.file).read_bytes())
        assert "Vélocité" in client.get(f"/doc/{KEY}", params={"page": 1}).text
    finally:
        beside.unlink()


def test_blind_cohort_hides_the_draft_until_the_blind_level(alice: TestClient,
                                                            site: Site) -> None:
    site.flow.set_cohort("P2026", blind=True, by="Diane")
    box = alice.get(f"/sheet/{KEY}").text.split('data-testid="crit-methodo-recul"')[1]
    box = box.split("</article>")[0]
    assert "Peu de recul" not in box and "/blind/" in box
    post(alice, f"/blind/{KEY}", {"criterion": "methodo-recul", "level": "2"})
    box = alice.get(f"/sheet/{KEY}").text.split('data-testid="crit-methodo-recul"')[1]
    assert "Peu de recul" in box.split("</article>")[0]
    assert site.flow.state(KEY).current.blind["Alice"]["methodo-recul"] == 2
