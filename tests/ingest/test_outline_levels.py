"""Heading levels follow the PDF's own outline (bookmarks) when font sizes cannot tell."""

from __future__ import annotations

from pathlib import Path

from grader.ingest import read
from grader.ingest.parts import OutlineEntry, RawBlock
from grader.ingest.structure import align_levels

REPO = Path(__file__).resolve().parents[2]


def test_a_bookmarked_sub_heading_takes_the_outlines_level() -> None:
    blocks = [RawBlock("Partie 6 : Mes recommandations", 31, 1, "heading"),
              RawBlock("1. Aller sur TikTok", 31, 1, "heading"),  # same size as the part
              RawBlock("Une vidéo par semaine, tournée en boutique.", 31),
              RawBlock("Encadré : à retenir", 32, 1, "heading")]  # not in the outline
    outline = [OutlineEntry("Partie 6 : Mes recommandations", 1, 31),
               OutlineEntry("1. Aller sur TikTok", 2, 31)]
    align_levels(blocks, outline)
    assert [b.level for b in blocks] == [1, 2, 0, 1]


def test_the_pdf_and_docx_of_one_memoire_give_the_same_heading_levels() -> None:
    # In this PDF the parts and their numbered sub-headings share one font size.
    folder = REPO / "evals" / "gold" / "docs" / "memoire"
    levels = {}
    for fmt in ("pdf", "docx"):
        doc = read(folder / f"faible--base.{fmt}")
        levels[fmt] = [(b.text.replace("\u2019", "'"), b.level) for b in doc.blocks if b.level]
    assert ("1. Aller sur TikTok", 2) in levels["pdf"]
    # Headings both readers find (bold run-in lines are headings to one reader only) have one
    # level: the PDF's bookmarks say what the DOCX's styles say.
    docx = dict(levels["docx"])
    shared = [(text, level) for text, level in levels["pdf"] if text in docx]
    assert len(shared) > 60
    assert [(t, lv) for t, lv in shared if docx[t] != lv] == []
