"""A cohort imported from the browser: sheets, documents, ZIPs, limits, refusals."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from grader.review.audit import verify
from grader.web import imports, routes_cohort
from grader.web.documents import has_pages
from tests.web.conftest import QUOTE, Site, graded_files, login, make_app, post_files

NEW = "P2027"
VELOCITE = f"{NEW}/velocite/a1-plan-marketing"
AUTRE = f"{NEW}/autre/a1-plan-marketing"
BOTH = ["Alice", "Claire"]


@pytest.fixture
def diane(client: TestClient) -> TestClient:
    login(client, "Diane")
    return client


def _import(client: TestClient, files: list[tuple[str, bytes]], cohort: str = NEW,
            jurors: list[str] = BOTH) -> Response:
    return post_files(client, "/import", {"cohort": cohort, "jurors": jurors}, files)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_the_import_form_offers_the_juror_accounts_only(diane: TestClient) -> None:
    page = diane.get("/cohorts").text
    assert 'data-testid="import-form"' in page and 'enctype="multipart/form-data"' in page
    for juror in ("Alice", "Bruno", "Claire"):
        assert f'<option value="{juror}">' in page
    assert '<option value="Diane">' not in page  # a coordinator does not sit on panels


def test_sheets_and_documents_are_imported_with_their_jurors(site: Site) -> None:
    client = make_app(site)
    client.app.state.doc_dirs = []  # type: ignore[attr-defined]  # only what was uploaded
    login(client, "Diane")
    files = graded_files(site, "velocite.sheet.json", "autre.sheet.json", "velocite.md",
                         "autre.md")
    res = _import(client, files)
    assert res.status_code == 200
    assert VELOCITE in res.text and AUTRE in res.text and "Alice, Claire" in res.text
    assert site.flow.state(VELOCITE).jurors == BOTH and site.flow.state(AUTRE).jurors == BOTH
    assert verify(site.store).ok
    imported = [e for e in site.store.events(kinds=["import"]) if e.cohort == NEW]
    assert len(imported) == 2  # through Workflow.import_sheet: the same events as the CLI
    login(client, "Alice")
    assert "velocite" in client.get("/").text
    doc = client.get(f"/doc/{VELOCITE}", params={"q": QUOTE})
    assert '<mark id="hl">Notre échantillon' in doc.text  # the page texts came from the upload


def test_reimporting_the_same_sheets_changes_nothing(diane: TestClient, site: Site) -> None:
    files = graded_files(site, "velocite.sheet.json")
    _import(diane, files)
    before = site.store.head()
    again = _import(diane, files)
    assert again.status_code == 200 and "déjà importée" in again.text
    assert site.store.head() == before


def test_a_bad_sheet_is_named_and_the_others_are_imported(diane: TestClient,
                                                          site: Site) -> None:
    files = [("cassee.sheet.json", b"{ pas du json"),
             *graded_files(site, "velocite.sheet.json")]
    res = _import(diane, files)
    assert res.status_code == 200 and VELOCITE in res.text
    skipped = res.text.split('data-testid="skipped"')[1]
    assert "cassee.sheet.json" in skipped and "fiche illisible" in skipped
    assert site.flow.keys(NEW) == [VELOCITE]


def test_a_document_that_is_no_sheets_file_is_set_aside(diane: TestClient, site: Site) -> None:
    files = [*graded_files(site, "velocite.sheet.json"),
             ("velocite.md", b"# Un autre texte\n\nPas celui du candidat.\n"),
             ("notes.xlsx", b"PK whatever")]
    res = _import(diane, files)
    skipped = res.text.split('data-testid="skipped"')[1]
    assert "velocite.md" in skipped and "SHA-256" in skipped
    assert "notes.xlsx" in skipped and "ignoré" in skipped
    import hashlib

    assert not has_pages(site.store.engine, hashlib.sha256(files[1][1]).hexdigest())


def test_a_zip_of_a_batch_folder(diane: TestClient, site: Site) -> None:
    out = site.docs / "out"
    members = {f"out/{p.name}": p.read_bytes() for p in out.iterdir() if p.is_file()}
    members["copies/velocite.md"] = (site.docs / "velocite.md").read_bytes()
    members["../../evil.sheet.json"] = (out / "velocite.sheet.json").read_bytes()
    members["/etc/abs.md"] = b"x"
    members["__MACOSX/out/._velocite.sheet.json"] = b"\0\5\26\7"
    res = _import(diane, [("lot.zip", _zip(members))])
    assert res.status_code == 200 and VELOCITE in res.text and AUTRE in res.text
    skipped = res.text.split('data-testid="skipped"')[1]
    assert "lot.zip:../../evil.sheet.json" in skipped and "chemin" in skipped
    assert "lot.zip:/etc/abs.md" in skipped
    assert "._velocite.sheet.json" in skipped
    assert "out/velocite.docx" in skipped  # the sheet's Word rendering is not a submission
    documents = res.text.split('data-testid="imported"')[1].split("</section>")[0]
    assert "velocite.md" in documents  # the real document, matched by its SHA-256


def test_a_zip_bomb_stops_the_import(diane: TestClient, site: Site,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_UNZIPPED_BYTES", 50_000)
    bomb = _zip({"a.md": b"\0" * 200_000, **{f"out/{n}": b for n, b in graded_files(
        site, "velocite.sheet.json")}})
    assert len(bomb) < 20_000  # small on the wire, large once unpacked
    res = _import(diane, [("bombe.zip", bomb)])
    assert res.status_code == 413 and "décompressé" in res.text
    assert site.flow.keys(NEW) == []  # nothing of that upload was imported


def test_a_member_that_lies_about_its_size_is_cut_short() -> None:
    archive = zipfile.ZipFile(io.BytesIO(_zip({"a.md": b"x" * 10_000})))
    info = archive.infolist()[0]
    info.file_size = 10  # a forged header: the real data is far longer
    # zipfile stops at the declared size, and the checksum then fails: set aside as damaged,
    # never read past the budget
    with pytest.raises(imports._Damaged):
        imports._read_member(archive, info, [1_000], "fr")


def test_too_many_files_or_bytes_are_refused(diane: TestClient, site: Site,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes_cohort, "MAX_FILES", 2)
    files = graded_files(site, "velocite.sheet.json", "autre.sheet.json", "velocite.md")
    res = _import(diane, files)
    assert res.status_code == 400 and "Trop de fichiers" in res.text
    monkeypatch.setattr(routes_cohort, "MAX_FILES", 400)
    monkeypatch.setattr(routes_cohort, "MAX_UPLOAD_BYTES", 1_000)
    res = _import(diane, files)
    assert res.status_code == 413 and "trop volumineux" in res.text
    assert site.flow.keys(NEW) == []


@pytest.mark.parametrize("jurors", [["Zoé Inconnue"], ["Diane"]])
def test_a_juror_without_a_juror_account_is_refused(diane: TestClient, site: Site,
                                                    jurors: list[str]) -> None:
    res = _import(diane, graded_files(site, "velocite.sheet.json"), jurors=jurors)
    assert res.status_code == 400 and "pas de compte juré" in res.text
    assert site.flow.keys(NEW) == []


@pytest.mark.parametrize("cohort", ["", "A/B"])
def test_a_bad_cohort_name_is_refused(diane: TestClient, site: Site, cohort: str) -> None:
    res = _import(diane, graded_files(site, "velocite.sheet.json"), cohort=cohort)
    assert res.status_code == 400 and "nom de promotion" in res.text
    assert len(site.flow.cohorts()) == 1


def test_only_a_coordinator_imports_and_only_with_the_token(client: TestClient,
                                                            site: Site) -> None:
    files = graded_files(site, "velocite.sheet.json")
    login(client, "Alice")
    assert _import(client, files).status_code == 403
    login(client, "Diane")
    res = client.post("/import", data={"cohort": NEW}, files=[("files", files[0])])
    assert res.status_code == 403
    res = client.post("/import", data={"cohort": NEW, "csrf": "forged"},
                      files=[("files", files[0])])
    assert res.status_code == 403
    assert site.flow.keys(NEW) == []


def test_a_library_refusal_reads_in_the_pages_language(diane: TestClient, site: Site) -> None:
    # Another sheet (another file) for a candidate already imported: the review library refuses
    # it; the English page must say so in English, without the command line's flags.
    import json

    [(name, body)] = graded_files(site, "velocite.sheet.json")
    _import(diane, [(name, body)])
    other = json.loads(body)
    other["submission"]["sha256"] = "0" * 64
    res = post_files(diane, "/import?lang=en", {"cohort": NEW, "jurors": BOTH},
                     [(name, json.dumps(other).encode())])
    assert res.status_code == 200
    refusal = res.text.split(name)[-1]
    assert "another" in refusal.lower() and "--candidate" not in refusal
    assert "choisissez" not in refusal and "autre cohorte" not in refusal


def test_an_unreadable_document_is_set_aside_with_its_reason(diane: TestClient,
                                                            site: Site) -> None:
    # The sheet claims exactly these bytes, so they are kept as its document, then fail to read.
    import hashlib
    import json

    broken = b"%PDF-1.4\nnot really a PDF\n"
    [(name, body)] = graded_files(site, "velocite.sheet.json")
    sheet = json.loads(body)
    sheet["submission"]["sha256"] = hashlib.sha256(broken).hexdigest()
    res = _import(diane, [(name, json.dumps(sheet).encode()), ("velocite.pdf", broken)])
    assert res.status_code == 200
    assert "velocite.pdf" in res.text.split("velocite.sheet.json", 1)[-1]
    assert VELOCITE in res.text  # the sheet itself is imported


def test_a_damaged_member_is_set_aside_and_the_others_imported(diane: TestClient,
                                                               site: Site) -> None:
    out = site.docs / "out"
    good = (out / "velocite.sheet.json").read_bytes()
    broken = (out / "autre.sheet.json").read_bytes()
    data = bytearray(_zip({"out/velocite.sheet.json": good, "out/autre.sheet.json": broken}))
    # Flip bytes inside the second member's compressed data: its checksum no longer matches.
    start = data.index(b"out/autre.sheet.json") + len("out/autre.sheet.json") + 20
    data[start:start + 8] = bytes(b ^ 0xFF for b in data[start:start + 8])
    res = _import(diane, [("lot.zip", bytes(data))])
    assert res.status_code == 200 and VELOCITE in res.text
    skipped = res.text.split('data-testid="skipped"')[1]
    assert "lot.zip:out/autre.sheet.json" in skipped and "endommagé" in skipped
    assert site.flow.state(VELOCITE).jurors == BOTH and AUTRE not in site.flow.keys(NEW)
