"""A real browser (Debian's chromium, driven by Playwright) against `grader serve`'s app.

The server runs in a thread on 127.0.0.1 and a free port. Screenshots are saved to
$GRADER_ARTIFACTS (default tests/web/artifacts/): `sheet.png` (a quote highlighted),
`sheet-locked.png`, and `cohort.png` (a cohort imported from the browser, results in).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_api  # noqa: E402  (a missing test extra must fail)
import pytest

from tests.web.conftest import KEY, OTHER, PASSWORD, QUOTE, Site, decide_all_by_library

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("GRADER_ARTIFACTS") or Path(__file__).parent / "artifacts")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # A missing browser fails the run (CI installs it): a skipped browser test proves nothing.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install -y chromium"
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    import uvicorn

    from grader.web.app import create_app

    app = create_app(site.store, doc_dirs=[site.docs], policy=site.flow.policy)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)


def _login(browser: object, base: str, name: str, password: str = PASSWORD) -> object:
    page = browser.new_context(base_url=base, viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(8000)
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


def test_juror_reviews_a_sheet_in_the_browser(browser: object, server: str, site: Site) -> None:
    decide_all_by_library(site, "Bruno")  # the other juror, through the library
    page = _login(browser, server, "Alice")
    page.click("text=camille-martin")
    page.wait_for_selector('[data-testid="crit-methodo-recul"]')

    page.click('[data-testid="crit-methodo-recul"] [data-testid="quote"]')
    mark = page.wait_for_selector("#docpane mark#hl")
    assert mark.inner_text().startswith("Notre échantillon")
    cited = site.flow.sheet(site.flow.state(KEY).current).criterion("methodo-recul")
    assert f"Page {cited.draft.evidence[0].page} " in page.inner_text("#docpane")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sheet.png"), full_page=False)
    print(f"screenshot: {ARTIFACTS / 'sheet.png'}")

    # Keyboard only: Enter on a quote takes the focus to the pane (after every criterion in
    # tab order), Escape brings it back to the quote.
    quote = page.locator('[data-testid="crit-methodo-collecte"] [data-testid="quote"]').first
    quote.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('docpane').contains(document.activeElement)")
    page.keyboard.press("Escape")
    assert quote.evaluate("el => el === document.activeElement")

    crit = page.locator('[data-testid="crit-methodo-collecte"]')
    crit.locator('[data-testid="change"]').click()
    crit.locator("select[name=level]").select_option("3")
    crit.locator("textarea[name=comment]").fill("Enquête solide et bien triangulée")
    crit.locator('[data-testid="override"]').click()
    page.wait_for_selector('[data-testid="flash"]')

    sheet = site.flow.sheet(site.flow.state(KEY).current)
    for entry in sheet.criteria:
        if entry.id == "methodo-collecte":
            continue
        box = page.locator(f'[data-testid="crit-{entry.id}"]')
        if box.locator('[data-testid="confirm"]').count():
            box.locator('[data-testid="confirm"]').click()
        else:
            box.locator("select[name=level]").select_option("2")
            box.locator('[data-testid="enter"]').click()
        page.wait_for_selector(f'[data-testid="crit-{entry.id}"] [data-testid="mine"]')

    assert page.locator('[data-testid="locked"]').is_visible()
    state = site.flow.state(KEY)
    assert state.current.locked
    assert state.current.decisions["Alice"]["methodo-collecte"].comment.startswith("Enquête")
    page.screenshot(path=str(ARTIFACTS / "sheet-locked.png"), full_page=True)

    # The history, one click away: the lock is its last line, the chain checked.
    page.click('[data-testid="history-link"]')
    page.wait_for_selector('[data-testid="ev-lock"]')
    assert "Verrouillage" in page.locator("tr").last.inner_text()
    assert "Chaîne intacte" in page.inner_text('[data-testid="chain"]')


def test_other_juror_csrf_and_rate_limit_in_the_browser(browser: object, server: str,
                                                        site: Site) -> None:
    claire = _login(browser, server, "Claire")
    assert claire.goto(f"/sheet/{KEY}").status == 404
    assert claire.goto(f"/doc/{KEY}?page=1&q={QUOTE}").status == 404

    claire.goto(f"/sheet/{OTHER}")
    before = site.store.head()
    form = claire.locator('[data-testid="crit-methodo-recul"] form').first
    form.locator("input[name=csrf]").evaluate("el => el.remove()")
    with claire.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button").click()
    assert posted.value.status == 403 and site.store.head() == before

    intruder = browser.new_context(base_url=server).new_page()
    for attempt in range(6):
        intruder.goto("/login")
        intruder.fill("input[name=name]", "Bruno")
        intruder.fill("input[name=password]", f"guess-{attempt}")
        with intruder.expect_response(lambda r: r.request.method == "POST") as answer:
            intruder.click("button[type=submit]")
        assert answer.value.status == (401 if attempt < 5 else 429)
    assert "Trop d'essais" in intruder.content()


def test_coordinator_imports_a_cohort_then_a_juror_reviews_it(browser: object, server: str,
                                                              site: Site,
                                                              tmp_path: Path) -> None:
    diane = _login(browser, server, "Diane")
    diane.wait_for_selector('[data-testid="import-form"]')
    diane.fill("input[name=cohort]", "P2027")
    diane.set_input_files("input[name=files]", [
        site.docs / "out" / "velocite.sheet.json", site.docs / "out" / "autre.sheet.json",
        site.docs / "velocite.md", site.docs / "autre.md"])
    diane.locator("select[name=jurors]").nth(0).select_option("Alice")
    diane.locator("select[name=jurors]").nth(1).select_option("Claire")
    diane.click('[data-testid="import-submit"]')
    imported = diane.wait_for_selector('[data-testid="imported"]').inner_text()
    assert "P2027/velocite/a1-plan-marketing" in imported and "velocite.md" in imported
    assert site.flow.state("P2027/autre/a1-plan-marketing").jurors == ["Alice", "Claire"]

    diane.click('[data-testid="to-cohort"]')
    diane.wait_for_selector('[data-testid="progress"]')
    results = tmp_path / "résultats.csv"
    results.write_bytes("\ufeffcandidate;epreuve;score\nvelocite;a1-qcm;78,5\n".encode())
    diane.set_input_files('[data-testid="results-form"] input[type=file]', results)
    diane.click('[data-testid="results-submit"]')
    assert "enregistrés" in diane.wait_for_selector('[data-testid="flash"]').inner_text()
    assert diane.locator('[data-testid="outcomes"]').is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    diane.screenshot(path=str(ARTIFACTS / "cohort.png"), full_page=True)
    with diane.expect_download() as download:
        diane.click('[data-testid="pv-md"]')
    pv = Path(download.value.path()).read_text(encoding="utf-8")
    assert "velocite" in pv and "78,5" in pv and "résultats.csv" in pv

    claire = _login(browser, server, "Claire")
    claire.wait_for_selector('[data-testid="group-todo"]')
    claire.click("text=velocite")
    claire.wait_for_selector('[data-testid="crit-methodo-recul"]')
    claire.click('[data-testid="crit-methodo-recul"] [data-testid="quote"]')
    assert claire.wait_for_selector("#docpane mark#hl").inner_text().startswith("Notre")

    # A phone (390 px wide): nothing wider than the screen, the header's links all reachable.
    for who, url in ((claire, claire.url), (diane, "/cohort/P2027"), (diane, "/accounts")):
        who.set_viewport_size({"width": 390, "height": 844})
        who.goto(url)
        assert who.evaluate("document.documentElement.scrollWidth") <= 390, url
        box = who.locator('[data-testid="lang"]').bounding_box()
        assert box and box["x"] + box["width"] <= 390, url
