"""What the acceptance pass of issue #9 found, played as a juror and a coordinator would: each
test fails on the pages as they were before the fix it guards."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from grader.review.views import fmt_note
from tests.web.conftest import (
    KEY,
    OTHER,
    Site,
    decide_all_by_library,
    graded_files,
    login,
    post,
    post_files,
)

COHORT = "/cohort/P2026"


@pytest.fixture
def alice(client: TestClient) -> TestClient:
    login(client, "Alice")
    return client


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


def _box(page: str, criterion: str) -> str:
    """The HTML of one criterion's card on the sheet page."""
    return page.split(f'data-testid="crit-{criterion}"')[1].split("</article>")[0]


def _decide_all(client: TestClient, site: Site, key: str = KEY, gap_on: str = "") -> None:
    """Every criterion through the page: the draft confirmed, or 2 entered (3, commented, on
    `gap_on` — two levels from a juror who took the draft 1)."""
    sheet = site.flow.sheet(site.flow.state(key).current)
    for entry in sheet.criteria:
        if entry.id == gap_on:
            data = {"criterion": entry.id, "level": "3", "comment": "mon appréciation"}
        elif entry.draft is not None and entry.draft.level is not None:
            data = {"criterion": entry.id, "action": "confirm"}
        else:
            data = {"criterion": entry.id, "level": "2"}
        post(client, f"/decide/{key}", data)


# --- language ------------------------------------------------------------------------------

def test_the_language_link_of_a_posted_page_is_no_405(diane: TestClient, site: Site) -> None:
    report = post_files(diane, "/import", {"cohort": "P2027"},
                        graded_files(site, "velocite.sheet.json"))
    link = re.search(r'href="([^"]+)" data-testid="lang"', report.text)
    assert link and link.group(1) == "/cohorts?lang=en"
    again = diane.get("/import?lang=en")  # the report's own URL, reloaded
    assert again.status_code == 303 and again.headers["location"] == "/cohorts?lang=en"


def test_the_language_link_keeps_the_document_page(alice: TestClient) -> None:
    page = alice.get(f"/doc/{KEY}?page=2").text
    assert 'href="/doc/' in page and "page=2&amp;lang=en" in page


def test_english_pages_use_english_punctuation_and_labels(alice: TestClient, site: Site
                                                          ) -> None:
    page = alice.get(f"/sheet/{KEY}?lang=en").text
    assert "Drafted level:" in page and "Drafted level :" not in page
    label_en = site.flow.sheet(site.flow.state(KEY).current).criterion("methodo-recul").label_en
    assert label_en and label_en in _box(page, "methodo-recul")
    assert "« " not in _box(page, "methodo-recul")  # “quotes” in English


# --- the juror's sheet ---------------------------------------------------------------------

def test_a_refused_override_keeps_the_level_and_says_why(alice: TestClient, site: Site) -> None:
    before = site.store.head()
    res = post(alice, f"/decide/{KEY}", {"criterion": "methodo-collecte", "level": "3",
                                         "comment": "  "})
    assert res.status_code == 400 and site.store.head() == before
    box = _box(res.text, "methodo-collecte")
    assert 'data-testid="refused"' in box and "pré-note 2 au niveau 3" in box
    assert '<option value="3" selected>' in box and "<details open>" in box
    english = post(alice, f"/decide/{KEY}?lang=en", {"criterion": "methodo-collecte",
                                                     "level": "3"})
    assert "write why in the comment" in english.text


def test_a_refused_entry_keeps_the_comment(alice: TestClient, site: Site) -> None:
    before = site.store.head()
    res = post(alice, f"/decide/{KEY}", {"criterion": "reco-limites-risques", "level": "",
                                         "comment": "Risques à peine évoqués"})
    assert res.status_code == 400 and site.store.head() == before
    box = _box(res.text, "reco-limites-risques")
    assert "Choisissez un niveau" in box and "Risques à peine évoqués</textarea>" in box


def test_the_level_lists_start_on_no_level(alice: TestClient) -> None:
    box = _box(alice.get(f"/sheet/{KEY}").text, "reco-limites-risques")
    assert '<option value="" selected>' in box and '<option value="0" selected>' not in box


def test_a_reconciliation_without_note_is_explained_without_command_flags(
        alice: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")  # Bruno takes the draft 1 on methodo-recul
    _decide_all(alice, site, gap_on="methodo-recul")
    post(alice, f"/decide/{KEY}", {"criterion": "methodo-recul", "level": "3",
                                   "comment": "mon appréciation, précisée"})
    flash = alice.get(f"/sheet/{KEY}").text.split('data-testid="flash"')[1].split("</p>")[0]
    assert "plus d'un niveau d'écart" in unescape(flash)  # not a bare « enregistré »
    res = post(alice, f"/reconcile/{KEY}", {"criterion": "methodo-recul", "level": "2",
                                            "note": ""})
    assert res.status_code == 400 and "--note" not in res.text
    assert "note de conciliation" in _box(res.text, "methodo-recul")
    assert '<option value="2" selected>' in _box(res.text, "methodo-recul")


def test_a_locked_sheet_shows_the_agreed_level_and_a_french_note(alice: TestClient,
                                                                 site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    _decide_all(alice, site, gap_on="methodo-recul")
    post(alice, f"/reconcile/{KEY}", {"criterion": "methodo-recul", "level": "2",
                                      "note": "Accord après échange"})
    version = site.flow.state(KEY).current
    assert version.locked and version.lock is not None
    page = alice.get(f"/sheet/{KEY}").text
    note = fmt_note(version.lock.payload["note"], "fr")
    assert f"note {note})" in page
    box = _box(page, "methodo-recul")
    assert "Niveau convenu" in box and "Accord après échange" in box
    assert "Alice 3 · Bruno 1" in box  # both jurors' own levels, once locked


def test_a_decision_on_a_sheet_locked_meanwhile(alice: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    _decide_all(alice, site)
    assert site.flow.state(KEY).current.locked
    res = post(alice, f"/decide/{KEY}", {"criterion": "methodo-recul", "level": "2",
                                         "comment": "onglet resté ouvert"})
    assert res.status_code == 400 and "vient d'être verrouillée" in unescape(res.text)
    assert "grader review correct" not in res.text  # no command line for a juror


def test_home_shows_what_waits_for_the_other_juror(alice: TestClient, site: Site) -> None:
    _decide_all(alice, site)
    home = alice.get("/").text
    waiting = home.split('data-testid="group-waiting"')[1].split("</section>")[0]
    assert "camille-martin" in waiting and "Bruno 0/" in waiting
    title = site.flow.sheet(site.flow.state(KEY).current).deliverable_title
    assert title in unescape(waiting)  # the deliverable's name, not only its id
    assert "Bruno 0/" in alice.get(f"/sheet/{KEY}").text  # and on the sheet itself


def test_the_sheet_opens_its_document_without_a_quote(alice: TestClient) -> None:
    page = alice.get(f"/sheet/{KEY}").text
    assert re.search(r'href="/doc/[^"?]+" data-pane data-testid="open-doc"', page)


def test_a_missing_document_message_fits_the_reader(site: Site) -> None:
    from tests.web.conftest import make_app

    for name, expected in (("Bruno", "signalez-le au coordinateur"),
                           ("Diane", "importez-le depuis")):
        client = make_app(site)
        client.app.state.doc_dirs = []  # type: ignore[attr-defined]
        login(client, name)
        page = client.get(f"/doc/{OTHER}").text
        assert expected in page, name
    assert "--docs" not in page.split("importez-le")[0]


def test_draft_flags_are_words_not_codes(client: TestClient, site: Site) -> None:
    (name, body), = graded_files(site, "velocite.sheet.json")
    data = json.loads(body)
    drafted = next(c for c in data["criteria"] if (c.get("draft") or {}).get("level") is not None)
    drafted["draft"]["flags"] = ["low_confidence"]
    login(client, "Diane")
    post_files(client, "/import", {"cohort": "P2027", "jurors": ["Alice"]},
               [(name, json.dumps(data).encode())])
    login(client, "Alice")
    page = client.get("/sheet/P2027/velocite/a1-plan-marketing").text
    assert '<span class="tag" title="low_confidence">confiance basse</span>' \
        in _box(page, drafted["id"])


# --- the coordinator -----------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_a_batch_zip_report_puts_the_expected_leftovers_aside(diane: TestClient,
                                                              site: Site) -> None:
    (name, sheet), = graded_files(site, "velocite.sheet.json")
    rendering = (site.docs / "out" / "velocite.docx").read_bytes()
    members = {f"out/{name}": sheet, "out/velocite.docx": rendering,
               "out/cohort.csv": b"x", "out/plots/velocite.png": b"x",
               "out/.grader-batch.sqlite": b"x", "out/notes.xlsx": b"x"}
    res = post_files(diane, "/import", {"cohort": "P2027"}, [("lot.zip", _zip(members))])
    to_check = res.text.split('data-testid="skipped"')[1].split("</section>")[0]
    expected = res.text.split('data-testid="expected"')[1].split("</details>")[0]
    assert "notes.xlsx" in to_check and "velocite.docx" not in to_check
    for leftover in ("velocite.docx", "cohort.csv", "plots/velocite.png", ".grader-batch"):
        assert leftover in expected, leftover
    assert "rendu Markdown/Word" in expected
    missing = res.text.split('data-testid="without-document"')[1].split("</section>")[0]
    assert "P2027/velocite/a1-plan-marketing" in missing  # no copy came with the sheet


def test_assigning_a_juror_says_who_and_where(diane: TestClient, site: Site) -> None:
    post_files(diane, "/import", {"cohort": "P2027"}, graded_files(site, "velocite.sheet.json"))
    post(diane, "/assign/P2027/velocite/a1-plan-marketing", {"juror": "Alice"}, "/cohorts")
    page = diane.get("/cohort/P2027").text
    assert "Alice siège désormais pour velocite" in page


def test_a_locked_row_reads_in_the_singular(client: TestClient, site: Site) -> None:
    decide_all_by_library(site, "Bruno")
    login(client, "Alice")
    _decide_all(client, site)
    login(client, "Diane")
    progress = client.get(COHORT).text.split('data-testid="progress"')[1].split("</table>")[0]
    assert "🔒 Verrouillée<" in progress


def test_a_large_results_file_gets_the_results_wording(diane: TestClient) -> None:
    res = post_files(diane, "/results/P2026", {}, [("r.csv", b"x" * (3 << 20))], COHORT)
    assert res.status_code == 303
    page = diane.get(COHORT).text
    assert "Fichier de résultats trop gros" in page and "Importez la promotion" not in page


def test_a_refused_results_file_says_nothing_was_stored(diane: TestClient) -> None:
    body = b"candidate,epreuve,score\ncamille-martin,a1-plan-marketing,12\n"
    post_files(diane, "/results/P2026", {}, [("notes.csv", body)], COHORT)
    flash = diane.get(COHORT).text.split('data-testid="flash"')[1].split("</p>")[0]
    assert "notes.csv" in flash and "rien n'a été enregistré" in unescape(flash)


def test_the_pv_names_the_uploaded_file_not_a_temporary_copy(diane: TestClient) -> None:
    body = b"candidate,epreuve,score\ncamille-martin,a1-qcm,78\n"
    post_files(diane, "/results/P2026", {}, [("qcm.csv", body)], COHORT)
    md = diane.get("/pv/P2026.md").text
    assert "qcm.csv (déposé par Diane," in md and "grader-results-" not in md


def test_english_cohort_page_punctuation(diane: TestClient) -> None:
    page = diane.get(f"{COHORT}?lang=en").text
    assert "(official record):" in page and "(official record) :" not in page


# --- accounts ------------------------------------------------------------------------------

def test_a_password_change_is_acknowledged(alice: TestClient) -> None:
    page = alice.get("/password").text
    assert "autres sessions seront fermées" in page  # not the one-time password's wording
    assert 'data-testid="nav-password"' in alice.get("/").text
    res = post(alice, "/password", {"new": "un-nouveau-secret", "again": "un-nouveau-secret"},
               "/password")
    assert res.status_code == 303
    assert "Mot de passe enregistré" in alice.get("/").text


def test_users_add_speaks_french_about_the_role(site: Site) -> None:
    from grader.web.cli import users_app

    res = CliRunner().invoke(users_app, ["add", "Hélène Vidal", "--db", site.store.url])
    assert res.exit_code == 0 and "(juré)" in res.output and "(juror)" not in res.output
