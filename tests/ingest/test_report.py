"""The extract contract: JSON keys and a readable summary."""

from __future__ import annotations

import json
from pathlib import Path

from grader.ingest import Document, read
from grader.ingest.report import summary, to_json


def test_json_contract(thesis_pdf: Document) -> None:
    data = json.loads(json.dumps(to_json(thesis_pdf), ensure_ascii=False))
    assert set(data) >= {"source", "sha256", "format", "metadata", "pages", "sections",
                         "words", "language", "flags"}
    assert data["pages"][2]["number"] == 3 and data["pages"][2]["text"].startswith("1. Intro")
    assert data["sections"][1]["children"] == []  # "Sommaire"
    assert data["sections"][2]["children"][0]["title"] == "1.1 Contexte du marché"
    assert data["words"] == thesis_pdf.words and data["language"] == "fr"
    assert data["metadata"] == {"title": thesis_pdf.metadata.title, "author": "Jeanne Dupré"}


def test_flags_in_json(files: dict[str, Path]) -> None:
    data = to_json(read(files["hidden_white.pdf"]))
    codes = [flag["code"] for flag in data["flags"]]
    assert codes == ["hidden_text", "possible_prompt_injection"]
    assert set(data["flags"][0]) == {"code", "message", "pages", "passages"}


def test_summary_french(thesis_pdf: Document) -> None:
    text = summary(thesis_pdf)
    lines = text.splitlines()
    assert lines[0] == "thesis.pdf — PDF, 50 pages, 17 660 mots, langue : français"
    assert "  1. Introduction et problématique (p. 3)" in lines
    assert lines[-1] == "Aucune alerte."


def test_summary_english_with_flags(files: dict[str, Path]) -> None:
    text = summary(read(files["scanned_some.pdf"]), lang="en")
    assert "3 pages" in text.splitlines()[0]
    assert "[no_text_layer] scanned pages without a text layer (pages 2)" in text
