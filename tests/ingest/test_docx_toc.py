"""A Word table of contents: its title is a heading, as on the page (and as the PDF reader
sees it); its entries are not headings."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from grader.ingest import read

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _toc_sdt(title: str) -> object:
    # What Word writes for Références > Table des matières: a content control whose gallery is
    # "Table of Contents", the title in the "TOC Heading" style, then the entries.
    return parse_xml(
        f'<w:sdt {W}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        f'<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>'
        f'<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>{title}</w:t></w:r></w:p>'
        f'<w:p><w:r><w:t>1. Contexte\t3</w:t></w:r></w:p>'
        f'</w:sdtContent></w:sdt>')


@pytest.mark.parametrize("in_control", [True, False])
def test_the_table_of_contents_title_is_a_heading(tmp_path: Path, in_control: bool) -> None:
    document = docx.Document()
    if in_control:
        document.element.body.insert(0, _toc_sdt("Sommaire"))
    else:
        document.add_paragraph("Sommaire", style="TOC Heading")
    document.add_paragraph("1. Contexte", style="Heading 1")
    document.add_paragraph("Le marché des boissons sans alcool progresse de 8 % par an.")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    titles = [s.title for s in read(path).sections]
    assert titles == ["Sommaire", "1. Contexte"]
