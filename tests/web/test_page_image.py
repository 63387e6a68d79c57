"""The PDF page as an image beside the text view, the quote painted in yellow."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from grader.sheet.models import ScoringSheet
from grader.sheet.store import read_sheet, sheet_json
from tests.web.conftest import QUOTE, Site, login, make_app, post_files

PDF_KEY = "P2026/pdf-candidat/a1-plan-marketing"
PNG = b"\x89PNG\r\n\x1a\n"


def make_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawString(72, 800, "Plan marketing Vélocité 2026")
    page.drawString(72, 770, "Limites : Notre échantillon n'est pas représentatif des")
    page.drawString(72, 755, "clients professionnels. Le principal risque est la hausse.")
    page.showPage()
    page.drawString(72, 800, "Bibliographie")
    page.save()
    return out.getvalue()


def pdf_sheet(site: Site, data: bytes) -> ScoringSheet:
    """The drafted plan, as if it had been graded from `velocite.pdf`."""
    sheet = read_sheet(site.docs / "out" / "velocite.sheet.json")
    submission = sheet.submission.model_copy(update={
        "file": "velocite.pdf", "sha256": hashlib.sha256(data).hexdigest(), "format": "pdf",
        "pages": 2})
    return sheet.model_copy(update={"submission": submission})


def yellow(png: bytes) -> int:
    """Pixels of the highlight over white paper (black text never looks like this)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r >= 250) & (g >= 200) & (g <= 245) & (b <= 170)).sum())


@pytest.fixture
def pdf_site(site: Site, tmp_path: Path) -> tuple[Site, Path]:
    data = make_pdf()
    site.flow.import_sheet(pdf_sheet(site, data), cohort="P2026", candidate="pdf-candidat",
                           jurors=["Alice", "Bruno"])
    copies = tmp_path / "copies"
    copies.mkdir()
    (copies / "velocite.pdf").write_bytes(data)
    return site, copies


def test_an_assigned_juror_sees_the_page_with_the_quote_painted(
        pdf_site: tuple[Site, Path]) -> None:
    site, copies = pdf_site
    client = make_app(site)
    client.app.state.doc_dirs = [copies]  # type: ignore[attr-defined]
    login(client, "Alice")
    res = client.get(f"/doc/{PDF_KEY}/page/1.png", params={"q": QUOTE})
    assert res.status_code == 200 and res.content.startswith(PNG)
    assert res.headers["content-type"] == "image/png"
    assert res.headers["cache-control"].startswith("private")
    assert yellow(res.content) > 500
    plain = client.get(f"/doc/{PDF_KEY}/page/1.png")
    assert plain.content.startswith(PNG) and yellow(plain.content) == 0
    elsewhere = client.get(f"/doc/{PDF_KEY}/page/2.png", params={"q": QUOTE})
    assert elsewhere.status_code == 200 and yellow(elsewhere.content) == 0  # not on page 2
    assert client.get(f"/doc/{PDF_KEY}/page/3.png").status_code == 404
    view = client.get(f"/doc/{PDF_KEY}", params={"q": QUOTE, "partial": 1}).text
    assert 'data-testid="page-image"' in view and f"/doc/{PDF_KEY}/page/1.png?q=" in view
    assert '<mark id="hl">' in view  # the text view stays


def test_another_juror_gets_404(pdf_site: tuple[Site, Path]) -> None:
    site, copies = pdf_site
    client = make_app(site)
    client.app.state.doc_dirs = [copies]  # type: ignore[attr-defined]
    login(client, "Claire")
    assert client.get(f"/doc/{PDF_KEY}/page/1.png", params={"q": QUOTE}).status_code == 404
    anonymous = make_app(site)
    assert anonymous.get(f"/doc/{PDF_KEY}/page/1.png").status_code == 303


def test_no_image_for_a_text_submission(client: TestClient) -> None:
    from tests.web.conftest import KEY

    login(client, "Alice")
    assert client.get(f"/doc/{KEY}/page/1.png").status_code == 404
    assert 'data-testid="page-image"' not in client.get(f"/doc/{KEY}", params={"page": 1}).text


def test_an_uploaded_pdf_is_kept_for_the_image(site: Site) -> None:
    client = make_app(site)
    client.app.state.doc_dirs = []  # type: ignore[attr-defined]  # nothing on disk
    data = make_pdf()
    sheet = sheet_json(pdf_sheet(site, data)).encode("utf-8")
    login(client, "Diane")
    res = post_files(client, "/import", {"cohort": "P2030", "jurors": ["Alice"]},
                     [("velocite.sheet.json", sheet), ("velocite.pdf", data)])
    assert "velocite.pdf" in res.text.split('data-testid="imported"')[1]
    login(client, "Alice")
    key = "P2030/velocite/a1-plan-marketing"
    res = client.get(f"/doc/{key}/page/1.png", params={"q": QUOTE})
    assert res.status_code == 200 and yellow(res.content) > 500
