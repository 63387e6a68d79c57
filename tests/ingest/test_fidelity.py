"""Text fidelity on the generated thesis and its DOCX twin: every sentence intact, on its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.ingest import Document, read
from tests.fixtures import ingest_build as build


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(params=["pdf", "docx"])
def thesis(request: pytest.FixtureRequest, thesis_pdf: Document, thesis_docx: Document
           ) -> Document:
    return thesis_pdf if request.param == "pdf" else thesis_docx


def test_every_sentence_is_intact_on_its_page(thesis: Document, spec: build.Thesis) -> None:
    pages = [_norm(page.text) for page in thesis.pages]
    assert len(pages) == len(spec.pages) == 50
    missing = [(s, n) for s, n in spec.sentences() if s not in pages[n - 1]]
    assert not missing, f"{len(missing)} sentences not found on their page, e.g. {missing[:2]}"


def test_headings_give_the_section_tree(thesis: Document, spec: build.Thesis) -> None:
    found = {}
    stack = list(thesis.sections)
    while stack:
        section = stack.pop()
        found[section.title] = (section.level, section.page)
        stack += section.children
    for title, level, page in spec.headings():
        if title != "Sommaire":
            assert found.get(title) == (level, page), title
    chapters = [s.title for s in thesis.sections if s.title[0].isdigit()]
    assert chapters == [t for t, lvl, _ in spec.headings() if lvl == 1 and t[0].isdigit()]
    assert all(len(s.children) == 3 for s in thesis.sections if s.title[0].isdigit())


def test_footnotes_are_kept_marked_and_on_their_page(thesis: Document, spec: build.Thesis
                                                     ) -> None:
    notes = [b for b in thesis.blocks if b.kind == "footnote"]
    expected = spec.footnotes()
    assert len(notes) == len(expected)
    for number, (block, (text, page)) in enumerate(zip(notes, expected, strict=True), start=1):
        assert block.text == f"{number} {text}"
        assert block.page == page
        assert block.text in thesis.pages[page - 1].text


def test_running_header_and_footer_leave_the_body(thesis: Document) -> None:
    for page in thesis.pages[1:]:
        assert page.header == build.HEADER_TEXT
        assert page.footer == f"Page {page.number} / 50"
        assert build.HEADER_TEXT not in page.text
        assert f"Page {page.number} / 50" not in page.text


def test_clean_characters(thesis: Document) -> None:
    text = thesis.text
    for bad in ("\ufb01", "\ufb02", "\u00ad", "\ufffe", "\x02", "\r"):
        assert bad not in text
    assert "efficacité" in text and "flux" in text


def test_document_facts(thesis: Document) -> None:
    assert thesis.language == "fr"
    assert thesis.metadata.title == build.TITLE
    assert thesis.metadata.author == build.AUTHOR
    assert 16_000 < thesis.words < 19_000
    assert not thesis.flags  # the dark table header with white text is not hidden text
    assert "Indicateur clé" in thesis.text
    assert len(thesis.sha256) == 64
    for block in thesis.blocks:  # every block is quotable from its page
        assert block.text in thesis.pages[block.page - 1].text


def test_table_of_contents(thesis: Document, spec: build.Thesis) -> None:
    toc = [b for b in thesis.blocks if b.kind == "toc"]
    assert len(toc) == len(spec.headings()) - 1
    assert all(b.page == 2 for b in toc)


def test_pdf_page_text_is_what_a_reader_sees(thesis_pdf: Document) -> None:
    cover = thesis_pdf.pages[0].text
    assert build.TITLE in cover and "Jeanne Dupré" in cover
    assert thesis_pdf.sections[0].title == build.TITLE  # the cover's subtitle lines are not


def test_docx_specifics(thesis_docx: Document, spec: build.Thesis) -> None:
    assert thesis_docx.format == "docx"
    assert not any(page.approximate for page in thesis_docx.pages)
    assert build.DELETED not in thesis_docx.text  # tracked deletion dropped
    assert thesis_docx.text.count(build.TEXTBOX) == 1  # text box once (mc:Fallback skipped)
    assert [c.text for c in thesis_docx.comments] == [f"Tuteur : {build.COMMENT}"]
    assert build.COMMENT not in thesis_docx.text
    tables = [b for b in thesis_docx.blocks if b.kind == "table"]
    assert [b.page for b in tables] == [n for n, els in enumerate(spec.pages, 1)
                                        for el in els if isinstance(el, build.Table)]
    assert tables[0].text.splitlines()[0] == "Indicateur clé | 2022 | 2023 | Évolution"


def test_docx_without_rendered_breaks_is_estimated_and_flagged(files: dict[str, Path],
                                                                spec: build.Thesis) -> None:
    doc = read(files["thesis_estimated.docx"])
    assert all(page.approximate for page in doc.pages)
    assert doc.flag("approximate_pages") is not None
    assert 40 <= len(doc.pages) <= 60
    text = _norm(doc.text)
    assert all(sentence in text for sentence, _ in spec.sentences())


@pytest.mark.parametrize(("length", "flagged"), [((40, 50), False), ((10, 20), True),
                                                 ((55, 70), True)])
def test_length_rule(files: dict[str, Path], length: tuple[int, int], flagged: bool) -> None:
    doc = read(files["thesis.pdf"], length=length)
    flag = doc.flag("length_out_of_rule")
    assert (flag is not None) == flagged
    if flag:
        assert "50 pages" in flag.message and "\n" not in flag.message


def test_outline_gives_sections(files: dict[str, Path]) -> None:
    doc = read(files["outline.pdf"])
    assert [(s.title, s.page, [c.title for c in s.children]) for s in doc.sections] == [
        ("Introduction", 1, ["Contexte"]), ("Analyse", 2, [])]
