"""The Word sheet: what a juror sees, and reading back what the juror wrote in it."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from grader.sheet.models import ScoringSheet
from grader.sheet.render_docx import (
    COMMENT,
    DECISION,
    SheetAnchor,
    parse_level,
    read_docx_decisions,
    render_docx,
    sheet_anchor,
)
from grader.sheet.store import SheetError
from tests.sheet.conftest import SHA

SCALE = {0: "Insuffisant", 1: "À consolider", 2: "Satisfaisant", 3: "Maîtrisé"}


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _body_texts(document: docx.document.Document) -> list[str]:
    """Paragraphs and tables in reading order, a table as the text of its cells."""
    texts = []
    for block in document.element.body.iterchildren():
        texts.append("".join(node.text or "" for node in block.iter() if node.tag.endswith("}t")))
    return texts


def _criteria_table(document: docx.document.Document) -> docx.table.Table:
    return next(t for t in document.tables if len(t.columns) == 6)


def _rows(document: docx.document.Document) -> dict[str, list[docx.table._Cell]]:
    rows = {}
    for row in _criteria_table(document).rows[1:]:
        cells = list(row.cells)
        last = cells[0].paragraphs[-1].text
        if last.startswith("["):
            rows[last.strip("[]")] = cells
    return rows


def test_opens_with_title_header_and_flags_first(sheet: ScoringSheet) -> None:
    document = _open(render_docx(sheet))
    assert document.paragraphs[0].text == ("Fiche d'évaluation — pré-notation à confirmer "
                                           "par le jury")
    texts = _body_texts(document)
    flags = next(i for i, x in enumerate(texts) if "Alertes à examiner" in x)
    table = next(i for i, x in enumerate(texts) if "Décision du jury" in x)
    assert flags < table
    assert "Texte invisible" in texts[flags]
    assert "Possible consigne adressée à une IA" in texts[flags]
    header = "".join(texts[:flags])
    for expected in ("Camille Durand", "plan-marketing-durand.pdf", "12/03/2026", "gpt-4o-mini",
                     SHA[:12]):
        assert expected in header, expected


def test_flags_box_is_shaded(sheet: ScoringSheet) -> None:
    document = _open(render_docx(sheet))
    box = next(t for t in document.tables if "Alertes" in t.rows[0].cells[0].text)
    fills = box.rows[0].cells[0]._tc.xpath("./w:tcPr/w:shd/@w:fill")
    assert fills == ["FCE9D9"]


def test_one_criteria_table_with_empty_decision_columns(sheet: ScoringSheet) -> None:
    document = _open(render_docx(sheet))
    head = [c.text.split("\n")[0] for c in _criteria_table(document).rows[0].cells]
    assert head == ["Critère", "Niveau proposé", "Justification et citations", "Confiance",
                    "Décision du jury", "Commentaire"]
    rows = _rows(document)
    assert list(rows) == [e.id for e in sheet.criteria]
    for cells in rows.values():
        assert cells[DECISION].text == "" and cells[COMMENT].text == ""


def test_criterion_cells(sheet: ScoringSheet) -> None:
    rows = _rows(_open(render_docx(sheet)))
    collecte = rows["methodo-collecte"]
    assert "Qualité de collecte de données brutes" in collecte[0].text
    assert "Qualité méthodologique" in collecte[0].text
    assert collecte[1].text.startswith("2 — Satisfaisant")
    assert "Données collectées auprès de plusieurs sources" in collecte[1].text
    assert "«\u00a0Nous avons interrogé 212 clients entre mars et avril 2025\u00a0» (p.\u00a04)" \
        in collecte[2].text
    assert "élevée (0,78)" in collecte[3].text
    sources = rows["ecrit-sources"][2].text
    assert "Nielsen de 2023\u00a0» (p.\u00a013) ⚠ citation non vérifiée" in sources
    assert rows["oral-clarte"][1].text == "À évaluer par le jury"
    assert rows["reco-limites-risques"][1].text.startswith("Non noté — à évaluer par le jury")
    assert "Motif" in rows["reco-limites-risques"][1].text


def test_anchors_are_present(sheet: ScoringSheet) -> None:
    document = _open(render_docx(sheet))
    props = document.core_properties
    assert props.identifier == sheet_anchor(sheet)
    assert SheetAnchor.parse(props.identifier) == SheetAnchor("1.0", SHA, "a1-plan-marketing",
                                                              "2026.1")
    assert json.loads(props.comments)["scale"]["2"] == "Satisfaisant"
    assert sheet_anchor(sheet) in document.sections[0].footer.paragraphs[0].text
    marker = _rows(document)["ecrit-sources"][0].paragraphs[-1]
    assert marker.text == "[ecrit-sources]" and marker.runs[0].font.size.pt == 6


def test_note_and_signature_at_the_end(sheet: ScoringSheet) -> None:
    texts = [p.text for p in _open(render_docx(sheet)).paragraphs if p.text]
    assert any("Note indicative" in x and "non calculable" in x for x in texts)
    assert texts[-1].startswith("Juré : ") and "Date : " in texts[-1] \
        and "Signature : " in texts[-1]


def test_landscape_a4(sheet: ScoringSheet) -> None:
    section = _open(render_docx(sheet)).sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert round(section.page_width.cm, 1) == 29.7 and round(section.page_height.cm, 1) == 21.0


def _fill(path: Path, values: dict[str, tuple[str, str]]) -> None:
    """A juror types in Word: a level in the decision cell, a comment beside it."""
    document = docx.Document(str(path))
    rows = _rows(document)
    for ident, (level, comment) in values.items():
        rows[ident][DECISION].paragraphs[0].add_run(level)
        rows[ident][COMMENT].paragraphs[0].add_run(comment)
    document.save(str(path))


def test_filled_decisions_read_back_per_criterion(sheet: ScoringSheet, tmp_path: Path) -> None:
    path = tmp_path / "durand.docx"
    path.write_bytes(render_docx(sheet))
    _fill(path, {"methodo-collecte": ("3", "Collecte très complète, annexes fournies."),
                 "ecrit-sources": ("Satisfaisant", ""),
                 "oral-clarte": ("niveau 1", "Propos confus en fin d'exposé.")})
    read = read_docx_decisions(path)
    assert read.anchor.sha256 == SHA and read.anchor.deliverable == "a1-plan-marketing"
    assert list(read.decisions) == [e.id for e in sheet.criteria]
    got = {k: (d.level, d.comment) for k, d in read.decisions.items()}
    assert got == {"methodo-collecte": (3, "Collecte très complète, annexes fournies."),
                   "ecrit-sources": (2, ""),
                   "reco-limites-risques": (None, ""),
                   "oral-clarte": (1, "Propos confus en fin d'exposé.")}
    assert read_docx_decisions(path, sheet=sheet).decisions == read.decisions


def test_not_a_grader_sheet(tmp_path: Path) -> None:
    plain = tmp_path / "lettre.docx"
    document = docx.Document()
    document.add_paragraph("Madame, Monsieur,")
    document.save(str(plain))
    with pytest.raises(SheetError, match="lettre.docx.*grader"):
        read_docx_decisions(plain)
    text = tmp_path / "notes.docx"
    text.write_text("pas un docx", encoding="utf-8")
    with pytest.raises(SheetError, match="notes.docx"):
        read_docx_decisions(text)


def test_missing_table(sheet: ScoringSheet, tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(render_docx(sheet))
    document = docx.Document(str(path))
    table = _criteria_table(document)._tbl
    table.getparent().remove(table)
    document.save(str(path))
    with pytest.raises(SheetError, match="tableau des critères"):
        read_docx_decisions(path)


def test_unknown_criterion(sheet: ScoringSheet, tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(render_docx(sheet))
    document = docx.Document(str(path))
    marker = _rows(document)["ecrit-sources"][0].paragraphs[-1].runs[0]
    marker.text = "[ecrit-bibliographie]"
    document.save(str(path))
    with pytest.raises(SheetError, match="critère inconnu « ecrit-bibliographie »"):
        read_docx_decisions(path)


def test_properties_lost_footer_still_identifies(sheet: ScoringSheet, tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(render_docx(sheet))
    document = docx.Document(str(path))
    document.core_properties.identifier = ""
    document.core_properties.comments = ""
    document.save(str(path))
    read = read_docx_decisions(path)
    assert read.anchor.sha256 == SHA and len(read.decisions) == 4


def test_sheet_of_another_submission(sheet: ScoringSheet, tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(render_docx(sheet))
    other = sheet.model_copy(update={"submission": sheet.submission.model_copy(
        update={"sha256": "0" * 64})})
    with pytest.raises(SheetError, match="autre livrable"):
        read_docx_decisions(path, sheet=other)


@pytest.mark.parametrize(("text", "level"), [
    ("2", 2), (" 3 ", 3), ("Niveau 1", 1), ("2 — Satisfaisant", 2), ("satisfaisant", 2),
    ("a consolider", 1), ("À consolider", 1), ("Maîtrisé", 3), ("", None), ("____", None),
    ("bien", None), ("2,5", None), ("12", 12),
])
def test_parse_level(text: str, level: int | None) -> None:
    assert parse_level(text, SCALE.items()) == level


def test_english_docx(sheet: ScoringSheet) -> None:
    document = _open(render_docx(sheet, "en"))
    assert document.paragraphs[0].text.startswith("Scoring sheet")
    rows = _rows(document)
    assert rows["oral-clarte"][1].text == "For the jury to score"
    assert rows["methodo-collecte"][1].text.startswith("2 — Satisfactory")


def test_libreoffice_renders_it(sheet: ScoringSheet, tmp_path: Path) -> None:
    # .ci/run installs LibreOffice and poppler: missing tools fail the test, never skip it.
    assert shutil.which("soffice") and shutil.which("pdftoppm"), "apt-get install " \
        "libreoffice-writer-nogui poppler-utils"
    path = tmp_path / "durand.docx"
    path.write_bytes(render_docx(sheet))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(path)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "durand.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert text.index("Alertes à examiner") < text.index("Commentaire")
    assert "Signature" in text
    # A juror fills the sheet, and LibreOffice saves it again: the anchors survive.
    _fill(path, {"ecrit-sources": ("2", "Sources suffisantes")})
    resaved = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir",
                    str(resaved), str(path)], check=True, capture_output=True, timeout=180)
    read = read_docx_decisions(resaved / "durand.docx")
    assert read.anchor.sha256 == SHA
    assert read.decisions["ecrit-sources"].level == 2
    assert read.decisions["ecrit-sources"].comment == "Sources suffisantes"


def test_many_long_criteria_fit_the_document_properties(sheet: ScoringSheet,
                                                          tmp_path: Path) -> None:
    """Core properties hold 255 characters at most: a big grid must still render."""
    template = sheet.criteria[0]
    many = [template.model_copy(update={"id": f"critere-au-nom-assez-long-{i:02d}",
                                        "label": "Un critère " * 20})
            for i in range(30)]
    big = sheet.model_copy(update={"criteria": many, "submission": sheet.submission.model_copy(
        update={"candidate": "Nom " * 80})})
    path = tmp_path / "big.docx"
    path.write_bytes(render_docx(big))
    assert len(read_docx_decisions(path, sheet=big).decisions) == 30
