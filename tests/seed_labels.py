"""The criterion labels of the référentiel, read from the seed text (the source of truth).

Each table row's last cell is the « CRITÈRES D'ÉVALUATION » column: paragraphs, numbered groups
and dashed sub-criteria. Headings such as « Pour la réalisation du plan marketing » (underlined)
introduce an épreuve and are not criteria.
"""

from __future__ import annotations

import re
from pathlib import Path

SEED_NAME = "000_57a7e2c0cd45c135.txt"


def seed_path() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED_NAME


def _criteria_cells(text: str) -> list[str]:
    cells = []
    for line in text.splitlines():
        if not line.startswith("|") or "CRITÈRES" in line:
            continue
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if len(parts) >= 5 and parts[-1] and not set(parts[-1]) <= set("-:"):
            cells.append(parts[-1])
    return cells


def _items(cell: str) -> list[str]:
    cell = re.sub(r"<u>.*?</u>", "\n", cell)  # épreuve headings, not criteria
    cell = re.sub(r"</?(p|ul|ol|li)[^>]*>", "\n", cell)
    items = []
    for chunk in cell.split("\n"):
        for piece in re.split(r"-\s+|\s(?=\d\.\s)", chunk):
            piece = re.sub(r"^\d\.\s*", "", piece.strip())
            piece = re.sub(r"^Pour le TOEIC\s*:\s*", "", piece)  # a heading glued to its item
            piece = re.sub(r"\s+", " ", piece).strip().rstrip(":").strip()
            if piece and not piece.startswith("<"):
                items.append(piece)
    return items


def referentiel_labels(path: Path | None = None) -> list[str]:
    """Every criterion label of the référentiel's evaluation column, in order, deduplicated."""
    text = (path or seed_path()).read_text(encoding="utf-8")
    seen: dict[str, None] = {}
    for cell in _criteria_cells(text):
        for item in _items(cell):
            seen.setdefault(item, None)
    return list(seen)
