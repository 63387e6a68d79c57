"""QCM/TOEIC results uploaded from the cohort page, kept in the database, used by the PV."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from grader.web.results import history
from grader.web.tables import results
from tests.web.conftest import Site, login, post_files

PAGE = "/cohort/P2026"
# A French spreadsheet's export: BOM, ";" and decimal comma.
FRENCH = "\ufeffcandidate;epreuve;score\ncamille-martin;a1-qcm;78,5\nines-bernard;a1-qcm;55\n"


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


def _upload(client: TestClient, name: str, body: str | bytes) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return post_files(client, "/results/P2026", {}, [(name, data)], PAGE)


def test_a_french_results_file_feeds_the_pv(diane: TestClient, site: Site) -> None:
    res = _upload(diane, "résultats QCM.csv", FRENCH)
    assert res.status_code == 303 and res.headers["location"] == PAGE
    page = diane.get(PAGE).text
    assert "enregistrés" in page and 'data-testid="outcomes"' in page
    assert "résultats QCM.csv (Diane," in page.split('data-testid="results-history"')[1]
    md = diane.get("/pv/P2026.md").text
    assert "78,5" in md and "résultats QCM.csv" in md
    assert diane.get("/pv/P2026.docx").content[:2] == b"PK"
    with site.store.engine.connect() as conn:
        row = conn.execute(select(results)).one()
    assert row.uploader == "Diane" and row.cohort == "P2026"
    assert bytes(row.data) == FRENCH.encode("utf-8")  # the file as uploaded, BOM included


def test_the_pv_without_results_misses_the_qcm(diane: TestClient) -> None:
    assert "78,5" not in diane.get("/pv/P2026.md").text


def test_a_bad_line_is_shown_and_nothing_is_stored(diane: TestClient, site: Site) -> None:
    bad = "candidate;epreuve;score\ncamille-martin;a1-qcm;78\nines-bernard;a1-qcm;beaucoup\n"
    res = _upload(diane, "resultats.csv", bad)
    assert res.status_code == 303
    page = diane.get(PAGE).text
    assert "resultats.csv, ligne 3" in page and "beaucoup" in page
    assert history(site.store.engine, "P2026") == []
    assert "/tmp" not in page


def test_a_note_that_a_sheet_already_gives_is_refused(diane: TestClient, site: Site) -> None:
    clash = "candidate,epreuve,score\ncamille-martin,a1-plan-marketing,19\n"
    _upload(diane, "doublon.csv", clash)
    page = diane.get(PAGE).text
    assert "doublon.csv" in page and "grader-results-" not in page
    assert history(site.store.engine, "P2026") == []


def test_the_latest_upload_wins_and_the_earlier_ones_stay(diane: TestClient,
                                                          site: Site) -> None:
    _upload(diane, "premier.csv", FRENCH)
    _upload(diane, "second.csv", FRENCH.replace("78,5", "91"))
    kept = history(site.store.engine, "P2026")
    assert [k.name for k in kept] == ["second.csv", "premier.csv"]
    md = diane.get("/pv/P2026.md").text
    assert "91" in md and "78,5" not in md and "second.csv" in md


def test_only_a_coordinator_uploads_with_the_token(client: TestClient, site: Site) -> None:
    login(client, "Alice")
    assert _upload(client, "r.csv", FRENCH).status_code == 403
    login(client, "Diane")
    res = client.post("/results/P2026", files=[("files", ("r.csv", FRENCH.encode()))])
    assert res.status_code == 403
    assert _upload(client, "r.csv", FRENCH).status_code == 303
    assert post_files(client, "/results/nope", {}, [("r.csv", b"x")], PAGE).status_code == 404
    assert len(history(site.store.engine, "P2026")) == 1
