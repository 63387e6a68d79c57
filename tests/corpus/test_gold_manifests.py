"""The gold set's manifests: every entry points to a real file, a real criterion of its rubric
and a level on the rubric's scale; enough documents, mémoires and second opinions."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from pathlib import Path

from grader.rubric.load import load_rubric as _load_rubric
from grader.rubric.models import Mode

GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold"
MANIFESTS = sorted(GOLD.glob("*/manifest.csv"))
load_rubric = cache(_load_rubric)


def rows() -> list[tuple[Path, dict[str, str]]]:
    out = []
    for manifest in MANIFESTS:
        with manifest.open(encoding="utf-8", newline="") as fh:
            out += [(manifest, row) for row in csv.DictReader(fh)]
    return out


def test_every_entry_is_a_file_a_criterion_and_a_level_of_its_rubric() -> None:
    assert MANIFESTS
    for manifest, row in rows():
        where = f"{manifest}: {row['file']} {row['criterion']} {row['juror']}"
        assert (manifest.parent / row["file"]).is_file(), where
        rubric = load_rubric(row["deliverable"])
        criterion = rubric.criterion(row["criterion"])  # KeyError: unknown criterion
        assert criterion.mode is Mode.draft, where
        assert int(row["level"]) in rubric.scale.values, where
        assert row["juror"] in {"juror1", "juror2"} and row["rationale"].strip(), where


def test_each_scored_document_has_every_draft_criterion_from_each_juror() -> None:
    seen: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for _, row in rows():
        seen[(row["deliverable"], row["file"], row["juror"])].add(row["criterion"])
    for (deliverable, file, juror), criteria in seen.items():
        expected = {c.id for c in load_rubric(deliverable).draft_criteria}
        assert criteria == expected, (file, juror)


def test_the_set_is_large_enough_with_a_second_juror_on_half() -> None:
    docs: dict[str, set[str]] = defaultdict(set)
    for _, row in rows():
        docs[f"{row['deliverable']}/{row['file']}"].add(row["juror"])
    assert len(docs) >= 30
    assert sum("juror2" in jurors for jurors in docs.values()) * 2 >= len(docs)
    deliverables = {d.split("/")[0] for d in docs}
    assert {"a1-plan-marketing", "a1-cas-entreprise", "a2-plan-action-commerciale",
            "a2-cas-collectif", "a3-plan-communication", "memoire"} <= deliverables
    memoires = {d for d in docs if d.startswith("memoire/") and d.endswith("base.pdf")}
    assert len(memoires) >= 3
