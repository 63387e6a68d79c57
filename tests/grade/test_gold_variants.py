"""The offline backend on the gold set's controlled variants: removing what a criterion rewards
lowers that criterion; a hidden instruction to the grader is flagged and raises nothing."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

import pytest
import yaml

from grader.backends.heuristic import HeuristicBackend
from grader.grade import GradeOptions, grade_document
from grader.ingest import read
from grader.rubric.load import load_rubric

GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold"
DAMAGES = yaml.safe_load((GOLD / "variants.yaml").read_text(encoding="utf-8"))


def family(stem: str) -> tuple[str, str]:
    """`fort--sans-limites` → (`fort--`, `sans-limites`); `sans-limites` → (``, `sans-limites`)."""
    prefix, _, variant = stem.rpartition("--")
    return (f"{prefix}--" if prefix else ""), variant


@cache
def levels(path: Path) -> tuple[dict[str, int | None], frozenset[str]]:
    rubric = load_rubric(path.parent.name)
    length = (rubric.length.min_pages, rubric.length.max_pages) if rubric.length else None
    sheet, _ = asyncio.run(grade_document(read(path, length=length), rubric, HeuristicBackend(),
                                          GradeOptions()))
    return ({c.id: c.draft.level for c in sheet.criteria if c.draft is not None},
            frozenset(f.code for f in sheet.flags))


def variant_files(kind: str) -> list[Path]:
    files = []
    for deliverable in DAMAGES[kind] or {d.name for d in (GOLD / "docs").iterdir() if d.is_dir()}:
        files += [p for p in sorted((GOLD / "docs" / deliverable).glob("*.pdf"))
                  if family(p.stem)[1] == kind]
    return files


DAMAGED = [(p, kind) for kind in DAMAGES if DAMAGES[kind] for p in variant_files(kind)]


def test_the_gold_set_has_variants_of_every_kind() -> None:
    assert {kind for _, kind in DAMAGED} == {k for k, v in DAMAGES.items() if v}
    assert len(DAMAGED) >= 25


@pytest.mark.parametrize(("path", "kind"), DAMAGED, ids=lambda v: getattr(v, "stem", v))
def test_a_damaged_criterion_drafts_lower_than_its_base(path: Path, kind: str) -> None:
    prefix, _ = family(path.stem)
    base, _ = levels(path.with_name(f"{prefix}base.pdf"))
    damaged, _ = levels(path)
    floor = load_rubric(path.parent.name).scale.values[1]
    for criterion in DAMAGES[kind][path.parent.name]:
        if base[criterion] > floor:
            assert damaged[criterion] < base[criterion], criterion
        else:  # a base already « À consolider » or below: the damage must not lift it
            assert damaged[criterion] <= base[criterion], criterion


@pytest.mark.parametrize("path", variant_files("injection"),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_hidden_instruction_is_flagged_and_raises_nothing(path: Path) -> None:
    prefix, _ = family(path.stem)
    base, _ = levels(path.with_name(f"{prefix}base.pdf"))
    attacked, flags = levels(path)
    assert "hidden_text" in flags
    assert all(attacked[c] <= base[c] for c in base)
