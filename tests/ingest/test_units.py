"""Small pure functions: clean-up, running lines, language, word count, pagination."""

from __future__ import annotations

import pytest

from grader.ingest.clean import clean, join_lines
from grader.ingest.layout import _is_running, _running_keys
from grader.ingest.paginate import estimate_pages
from grader.ingest.parts import RawBlock
from grader.ingest.pdf import Line, RawPage
from grader.ingest.structure import count_words, detect_language


@pytest.mark.parametrize(("raw", "expected"), [
    ("efﬁcacité ﬂux", "efficacité flux"),
    ("déve\u00adloppement", "développement"),
    ("a\ufffeb\uffff\x02c", "abc"),
    ("Île-de\ufffeFrance et Île\ufffede-France", "Île-de-France et Île-de-France"),
    ("prix\u202f: 12\u00a0€", "prix : 12 €"),
    ("ligne 1\r\nligne 2", "ligne 1\nligne 2"),
    ("tab\tulation  double", "tab ulation double"),
])
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(("lines", "expected"), [
    (["Le déve-", "loppement durable"], "Le développement durable"),
    (["peut-", "être demain"], "peut-être demain"),
    (["celle-", "ci"], "celle-ci"),
    (["offici-", "elle"], "officielle"),
    (["Île-de-", "France"], "Île-de-France"),
    (["Île-", "de-France"], "Île-de-France"),
    (["région Saint-", "Denis"], "région Saint-Denis"),
    (["crise COVID-", "19"], "crise COVID-19"),
    (["fin de ligne", "", "suite"], "fin de ligne suite"),
])
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def _page(number: int, *texts: tuple[str, float]) -> RawPage:
    page = RawPage(number, 595, 842)
    page.lines = [Line(text, y, y, 72, 9, False) for text, y in texts]
    return page


def test_folios_are_running_but_repeated_footnotes_are_not() -> None:
    pages = [_page(n, ("Rapport annuel", 800), ("corps", 400),
                   (f"{n + 3} Source : tableau {n * 7}, 2023.", 60), (f"Page {n} / 9", 30))
             for n in range(1, 10)]
    keys = _running_keys(pages)
    assert ("top", "rapport annuel") in keys
    assert ("bottom", "page # / #") in keys
    assert not any("source" in key for _, key in keys)


def test_is_running_needs_a_number_that_follows_the_page() -> None:
    assert _is_running([(1, "Page 1"), (2, "Page 2"), (3, "Page 3")])
    assert _is_running([(3, "- 1 -"), (4, "- 2 -"), (5, "- 3 -")])
    assert not _is_running([(1, "Note 4"), (2, "Note 9"), (3, "Note 2")])


@pytest.mark.parametrize(("text", "expected"), [
    ("Le marché de la grande distribution est en forte croissance et les enseignes "
     "développent leur offre pour les clients qui sont de plus en plus exigeants.", "fr"),
    ("The market for retail is growing fast and the brands are developing their offer for "
     "customers who have become more demanding than ever before in this sector.", "en"),
    ("12 34 56", "unknown"),
])
def test_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_word_count_is_words_not_punctuation() -> None:
    assert count_words(["L'entreprise — leader du marché ; 12,5 % en 2023 !"]) == 7


def test_pagination_estimate_honours_hard_breaks() -> None:
    blocks = [RawBlock("x" * 880, 1) for _ in range(8)] + [RawBlock("après saut", 2)]
    count = estimate_pages(blocks)
    assert [b.page for b in blocks] == [1, 1, 1, 2, 2, 2, 3, 3, 4]
    assert count == 4


def test_the_estimated_pages_flag_agrees_in_number() -> None:
    from grader.ingest.flags import approximate_flag

    assert "(1 page environ)" in approximate_flag(1).message
    assert "(12 pages environ)" in approximate_flag(12).message
