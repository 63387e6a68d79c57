"""Draft every document of a gold set (cached) and pair each draft with the jurors' levels.

The drafts come from the same `grade_document` the jury's sheets come from, so the evaluation
measures the product, not a copy of it. A document that cannot be read is listed as failed; a
criterion the backend left unscored stays unscored (never a zero).
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cache import DraftCache
from grader.evals.gold import GoldDocument, GoldSet
from grader.evals.models import BackendSummary, FailedDocument
from grader.grade import CACHE_FILE, GradeOptions, grade_document
from grader.rubric.models import Rubric
from grader.sheet.models import ScoringSheet

if TYPE_CHECKING:
    from grader.backends import Backend
    from grader.ingest import Document

Progress = Callable[[str], None]


@dataclass
class DraftRecord:
    """One criterion of one document: the draft next to the jurors' levels."""

    doc: str
    deliverable: str
    criterion: str
    reference: int | None
    juror1: int | None = None
    juror2: int | None = None
    level: int | None = None
    """The draft's level; None when the backend left it to the jury."""
    confidence: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.deliverable}/{self.criterion}"


@dataclass
class GoldRun:
    records: list[DraftRecord]
    sheets: dict[str, ScoringSheet]
    """By document (`GoldDocument.file`)."""
    failed: list[FailedDocument]
    backend: BackendSummary


def read_document(doc: GoldDocument, rubric: Rubric) -> Document:
    from grader.ingest import read

    length = (rubric.length.min_pages, rubric.length.max_pages) if rubric.length else None
    return read(doc.path, length=length)


def draft_gold(gold: GoldSet, backend: Backend, out_dir: Path,
               options: GradeOptions | None = None, progress: Progress | None = None) -> GoldRun:
    """Drafts for every gold document; the cache in `out_dir` makes a rerun free."""
    from grader.ingest import IngestError

    options = options or GradeOptions()
    cache = DraftCache(Path(out_dir) / CACHE_FILE) if options.use_cache else None
    records: list[DraftRecord] = []
    sheets: dict[str, ScoringSheet] = {}
    failed: list[FailedDocument] = []
    for doc in gold.documents:
        rubric = gold.rubrics[doc.deliverable]
        if progress:
            progress(doc.file)
        try:
            document = read_document(doc, rubric)
        except IngestError as exc:
            failed.append(FailedDocument(file=doc.file, reason=str(exc)))
            continue
        sheet, _ = asyncio.run(grade_document(document, rubric, backend, options, cache))
        sheets[doc.file] = sheet
        records += records_for(doc, rubric, sheet)
    info = BackendSummary(name=backend.name, model=backend.model,
                          prompt_version=backend.prompt_version)
    return GoldRun(records, sheets, failed, info)


def records_for(doc: GoldDocument, rubric: Rubric, sheet: ScoringSheet) -> list[DraftRecord]:
    """Drafted criteria the jury scored; jury-only criteria have no draft to compare."""
    out = []
    for crit in rubric.draft_criteria:
        reference = doc.reference(crit.id)
        if reference is None:
            continue
        draft = sheet.criterion(crit.id).draft
        out.append(DraftRecord(
            doc=doc.file, deliverable=rubric.id, criterion=crit.id, reference=reference,
            juror1=doc.juror(crit.id, "juror1"), juror2=doc.juror(crit.id, "juror2"),
            level=draft.level if draft else None,
            confidence=draft.confidence if draft and draft.level is not None else None,
            flags=list(draft.flags) if draft else ["unscored"]))
    return out


def write_records(records: list[DraftRecord], path: Path) -> None:
    """`drafts.csv`: every pair, for the designer who wants to look at the disagreements."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "deliverable", "criterion", "reference", "juror1", "juror2",
                      "draft", "confidence", "flags"])
        for r in records:
            out.writerow([r.doc, r.deliverable, r.criterion, r.reference, _cell(r.juror1),
                          _cell(r.juror2), _cell(r.level), _cell(r.confidence),
                          " ".join(r.flags)])
    tmp.replace(path)


def _cell(value: object) -> str:
    return "" if value is None else str(value)
