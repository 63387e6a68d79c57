"""The coordinator's pages: progress, assignment, procès-verbal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from grader.review.workflow import Workflow
from grader.sheet.store import read_sheet
from tests.web.conftest import KEY, Site, decide_all_by_library, login, post


def test_progress_and_pv(client: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    login(client, "Diane")
    assert "P2026" in client.get("/cohorts").text
    page = client.get("/cohort/P2026").text
    assert "Bruno (12/12)" in page and "Alice (0/12)" in page
    md = client.get("/pv/P2026.md")
    assert md.status_code == 200 and "camille-martin" in md.text
    assert client.get("/pv/P2026.docx").content[:2] == b"PK"
    assert client.get("/pv/nope.md").status_code == 404
    assert client.get("/cohort/nope").status_code == 404


def test_assign_a_juror_to_a_free_seat(client: TestClient, site: Site) -> None:
    flow: Workflow = site.flow
    path = next(site.docs.glob("**/velocite.sheet.json"))
    flow.import_sheet(read_sheet(path), cohort="P2027", candidate="camille-martin", jurors=[])
    login(client, "Diane")
    key = "P2027/camille-martin/a1-plan-marketing"
    res = post(client, f"/assign/{key}", {"juror": "Claire"}, "/cohort/P2027")
    assert res.headers["location"] == "/cohort/P2027"
    assert flow.state(key).jurors == ["Claire"]
    post(client, f"/assign/{KEY}", {"juror": "Claire"}, "/cohort/P2026")  # panel full
    assert flow.state(KEY).jurors == ["Alice", "Bruno"]
    assert 'class="flash error"' in client.get("/cohort/P2026").text  # the library's refusal


def test_assign_takes_juror_accounts_only(client: TestClient, site: Site) -> None:
    flow: Workflow = site.flow
    path = next(site.docs.glob("**/velocite.sheet.json"))
    flow.import_sheet(read_sheet(path), cohort="P2027", candidate="camille-martin", jurors=[])
    key = "P2027/camille-martin/a1-plan-marketing"
    login(client, "Diane")
    page = client.get("/cohort/P2027").text
    form = page.split('data-testid="assign"')[1].split("</form>")[0]
    assert '<option value="Alice">' in form and '<option value="Diane">' not in form
    for name in ("Zoé Inconnue", "Diane", ""):
        post(client, f"/assign/{key}", {"juror": name}, "/cohort/P2027")
        assert flow.state(key).jurors == []
        assert "pas de compte juré" in client.get("/cohort/P2027").text
    post(client, f"/assign/{key}", {"juror": "alice"}, "/cohort/P2027")
    assert flow.state(key).jurors == ["Alice"]  # the account's own spelling
    form = client.get("/cohort/P2027").text.split('data-testid="assign"')[1]
    assert '<option value="Alice">' not in form.split("</form>")[0]  # already seated


def test_the_coordinator_turns_blind_review_on_and_off(client: TestClient, site: Site) -> None:
    flow: Workflow = site.flow
    cohort = KEY.split("/")[0]
    login(client, "Diane")
    page = client.get(f"/cohort/{cohort}").text
    assert "Revue à l&#39;aveugle : désactivée" in page and not flow.is_blind(cohort)
    post(client, f"/cohort/{cohort}/blind", {"blind": "1"}, f"/cohort/{cohort}")
    assert flow.is_blind(cohort)
    assert [e.payload for e in site.store.events(kinds=["cohort"])][-1] == {"blind": True}
    page = client.get(f"/cohort/{cohort}").text
    assert "Revue à l&#39;aveugle activée pour cette promotion" in page
    post(client, f"/cohort/{cohort}/blind", {"blind": "0"}, f"/cohort/{cohort}")
    assert not flow.is_blind(cohort)
    # jurors cannot, and the form needs its token
    login(client, "Alice")
    assert post(client, f"/cohort/{cohort}/blind", {"blind": "1"}, "/").status_code == 403
    assert not flow.is_blind(cohort)
    login(client, "Diane")
    assert client.post(f"/cohort/{cohort}/blind", data={"blind": "1"}).status_code == 403
    assert not flow.is_blind(cohort)
