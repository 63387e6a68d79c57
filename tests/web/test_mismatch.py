"""A sheet that claims another document: its SHA-256 finds a file, but not the one it describes
(other page or word count). The jury is warned instead of being shown it silently."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import KEY, Site, graded_files, login, post_files

KEY_2027 = "P2027/velocite/a1-plan-marketing"
BANNER = 'data-testid="doc-mismatch"'


def _original(site: Site) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(graded_files(site, "velocite.sheet.json")[0][1])
    return data


def _import(client: TestClient, site: Site, **claims: int) -> str:
    """velocite.md uploaded with its sheet, the sheet's `submission` changed by `claims`."""
    data = _original(site)
    data["submission"].update(claims)
    files = [("velocite.sheet.json", json.dumps(data).encode()),
             *graded_files(site, "velocite.md")]
    res = post_files(client, "/import", {"cohort": "P2027", "jurors": ["Alice", "Bruno"]},
                     files)
    assert res.status_code == 200, res.text[:2000]
    return unescape(res.text)


def test_a_page_count_that_differs_is_shown_everywhere(client: TestClient, site: Site) -> None:
    pages = _original(site)["submission"]["pages"]
    login(client, "Diane")
    report = _import(client, site, pages=pages + 3)
    claim = f"Le document trouvé ne correspond pas à la fiche : {pages} pages au lieu de " \
            f"{pages + 3}"
    assert 'data-testid="mismatched"' in report and claim in report and KEY_2027 in report
    sheet = unescape(client.get(f"/sheet/{KEY_2027}").text)
    assert BANNER in sheet and claim in sheet
    doc = unescape(client.get(f"/doc/{KEY_2027}", params={"partial": "1"}).text)
    assert BANNER in doc and claim in doc and 'class="pagetext"' in doc  # shown, but flagged
    login(client, "Alice")
    assert claim in unescape(client.get(f"/sheet/{KEY_2027}?lang=fr").text)
    english = client.get(f"/doc/{KEY_2027}?lang=en").text
    assert f"{pages} pages instead of {pages + 3}" in english


def test_a_word_count_off_by_more_than_one_percent(client: TestClient, site: Site) -> None:
    words = _original(site)["submission"]["words"]
    assert words >= 200  # so that one word more stays within 1 %
    login(client, "Diane")
    report = _import(client, site, words=words * 2)
    assert f"{words} mots au lieu de {words * 2}" in report
    assert "pages au lieu de" not in report


def test_a_word_count_within_one_percent_is_no_alarm(client: TestClient, site: Site) -> None:
    words = _original(site)["submission"]["words"]
    login(client, "Diane")
    report = _import(client, site, words=words + 1)
    assert 'data-testid="mismatched"' not in report
    assert BANNER not in client.get(f"/sheet/{KEY_2027}").text


def test_the_right_document_shows_no_banner(client: TestClient, site: Site) -> None:
    login(client, "Diane")
    report = _import(client, site)
    assert 'data-testid="mismatched"' not in report
    assert BANNER not in client.get(f"/sheet/{KEY_2027}").text
    assert BANNER not in client.get(f"/doc/{KEY_2027}").text
    # A document found on disk (--docs) is checked the same way, and agrees here.
    assert BANNER not in client.get(f"/doc/{KEY}").text
    assert BANNER not in client.get(f"/sheet/{KEY}").text
