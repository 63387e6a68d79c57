"""TXT and Markdown: chosen by content, decoded whatever the encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.ingest import read
from grader.ingest.detect import detect_format
from tests.fixtures import ingest_build as build


@pytest.mark.parametrize("name", ["cp1252.txt", "utf16.txt"])
def test_non_utf8_text_is_decoded_not_rejected(files: dict[str, Path], name: str) -> None:
    doc = read(files[name])
    assert doc.format == "txt"
    assert "La note de synthèse présente les résultats obtenus auprès des clients." in doc.text
    assert doc.language == "fr" or doc.words < 20
    assert doc.flag("possible_prompt_injection") is None


def test_markdown_structure(files: dict[str, Path]) -> None:
    doc = read(files["plan.md"])
    assert doc.format == "md"
    assert [(s.title, [c.title for c in s.children]) for s in doc.sections] == [
        ("Plan marketing", ["Objectifs"])]
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "heading", "list", "list", "table", "paragraph"]
    assert "**" not in doc.text and "https://" not in doc.text
    assert "NPS | 45" in doc.text


@pytest.mark.parametrize(("data", "suffix", "expected"), [
    (b"%PDF-1.7\n...", ".docx", "pdf"),
    (b"\x00\x01garbage%PDF-1.4\n", ".bin", "pdf"),
    (b"# Titre\n\nTexte.", ".txt", "md"),
    (b"Texte simple.", ".md", "md"),
    (b"Texte simple.", ".txt", "txt"),
    ("Caf\u00e9 cr\u00e8me".encode("cp1252"), "", "txt"),
])
def test_detection_by_content(data: bytes, suffix: str, expected: str) -> None:
    assert detect_format(data, suffix) == expected


def test_form_feeds_are_real_pages(tmp_path: Path) -> None:
    path = tmp_path / "pages.txt"
    path.write_text("Première page du rapport.\fDeuxième page du rapport.\f", encoding="utf-8")
    doc = read(path)
    assert [p.text for p in doc.pages] == ["Première page du rapport.",
                                           "Deuxième page du rapport.", ""]
    assert doc.flag("approximate_pages") is None


def test_long_text_gets_estimated_pages(tmp_path: Path) -> None:
    spec = build.thesis_spec(12)
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(s for s, _ in spec.sentences()), encoding="utf-8")
    doc = read(path)
    assert len(doc.pages) > 3 and all(p.approximate for p in doc.pages)
    assert doc.flag("approximate_pages") is not None
