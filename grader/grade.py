"""One submission through the flow: ingest → rubric → evidence → draft → verify → sheet.

The CLI's `grade` and the cohort runner both call `grade_file`; nothing here prints.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.backends import Backend, DraftRequest, Passage, get_backend
from grader.cache import DraftCache, draft_key
from grader.evidence import Index, flagged_texts, is_flagged, retrieve, split_passages
from grader.i18n import Lang
from grader.redact import Redactor
from grader.rubric.load import load_rubric
from grader.rubric.models import Criterion, Mode, Rubric
from grader.rubric.note import epreuve_note
from grader.sheet.models import (
    BackendInfo,
    CriterionDraft,
    CriterionEntry,
    DocumentFlag,
    ScoringSheet,
    Submission,
    Usage,
)
from grader.sheet.verify import FoldedDocument, verify_draft

if TYPE_CHECKING:
    from grader.ingest import Document
    from grader.sheet.store import SheetPaths

CACHE_FILE = ".grader-cache.sqlite"


@dataclass
class GradeOptions:
    backend: str = "heuristic"
    backend_options: dict[str, Any] = field(default_factory=dict)
    lang: Lang = "fr"
    budget_tokens: int = 2500
    """Evidence sent per criterion (retrieval budget)."""
    concurrency: int = 4
    """Criteria drafted at once (model calls in flight for one submission)."""
    use_cache: bool = True


@dataclass
class GradeResult:
    sheet: ScoringSheet
    paths: SheetPaths
    cached: int
    """Criteria served from the cache (no model call)."""


def grade_file(path: Path, deliverable: str, out_dir: Path,
               options: GradeOptions | None = None) -> GradeResult:
    """Grade one file and write its sheet (`.sheet.json`, `.md`, `.docx`) into `out_dir`."""
    from grader.ingest import read
    from grader.sheet.store import write_sheet

    options = options or GradeOptions()
    rubric = load_rubric(deliverable)
    length = (rubric.length.min_pages, rubric.length.max_pages) if rubric.length else None
    doc = read(path, length=length)
    backend = get_backend(options.backend, **options.backend_options)
    cache = DraftCache(out_dir / CACHE_FILE) if options.use_cache else None
    sheet, cached = asyncio.run(grade_document(doc, rubric, backend, options, cache))
    paths = write_sheet(sheet, out_dir, Path(path).stem)
    return GradeResult(sheet, paths, cached)


@dataclass(frozen=True)
class Prepared:
    """What drafting needs from a document, computed without any model: the evidence body, the
    passages retrieved per criterion, the folded text quotes are checked against. Picklable, so
    a worker process can compute it (it is CPU work) for a cohort run's event loop."""

    body: list[Passage]
    passages: dict[str, list[Passage]]
    folded: FoldedDocument
    redactor: Redactor | None = None
    """Primed on the whole text (tens of milliseconds a document), when asked for."""


def prepare(doc: Document, rubric: Rubric, budget_tokens: int, redactor: bool = False
            ) -> Prepared:
    flagged = flagged_texts(doc)
    body = [p for p in split_passages(doc) if not is_flagged(p, flagged)]
    index = Index.build(body)
    passages = {c.id: retrieve(index, c, budget_tokens) for c in rubric.draft_criteria}
    primed = Redactor.for_document(doc) if redactor else None
    return Prepared(body, passages, FoldedDocument.of(doc), primed)


async def grade_document(doc: Document, rubric: Rubric, backend: Backend, options: GradeOptions,
                         cache: DraftCache | None = None, prepared: Prepared | None = None
                         ) -> tuple[ScoringSheet, int]:
    """The scoring sheet of an ingested document, and how many drafts came from the cache.
    `prepared`: `prepare(doc, rubric, options.budget_tokens)` when already computed."""
    prepared = prepared or prepare(doc, rubric, options.budget_tokens)
    body, folded = prepared.body, prepared.folded
    limit = asyncio.Semaphore(max(1, options.concurrency))
    hits = 0

    async def one(crit: Criterion) -> CriterionDraft:
        nonlocal hits
        passages = prepared.passages[crit.id]
        request = DraftRequest(rubric=rubric, criterion=crit, passages=passages, document=doc,
                               lang=options.lang, body=tuple(body), redactor=prepared.redactor)
        key = _key(doc, rubric, crit, passages, backend, options.lang)
        if cache is not None and (hit := cache.get(key)) is not None:
            hits += 1
            return hit.model_copy(update={"usage": hit.usage.model_copy(
                update={"cached": True})})
        async with limit:
            draft = await backend.adraft(request)
        draft = verify_draft(draft, folded, rubric.scale)
        if cache is not None and draft.level is not None:
            cache.put(key, draft)
        return draft

    drafts = await asyncio.gather(*(one(c) for c in rubric.draft_criteria))
    by_id = dict(zip((c.id for c in rubric.draft_criteria), drafts, strict=True))
    return _sheet(doc, rubric, backend, options.lang, by_id), hits


def _key(doc: Document, rubric: Rubric, crit: Criterion, passages: list[Passage],
         backend: Backend, lang: Lang) -> str:
    evidence = [(p.index, p.text) for p in passages]
    return draft_key(doc.sha256, rubric.id, rubric.version, crit.model_dump_json(), evidence,
                     backend.name, backend.model, backend.prompt_version, lang)


def _sheet(doc: Document, rubric: Rubric, backend: Backend, lang: Lang,
           drafts: dict[str, CriterionDraft]) -> ScoringSheet:
    entries = [
        CriterionEntry(
            id=c.id, label=getattr(c.label, lang), label_en=c.label.en, group=c.group,
            group_label=getattr(rubric.group(c.group).label, lang) if c.group else None,
            mode=c.mode.value, weight=c.weight, draft=drafts.get(c.id),
            descriptors={v: getattr(d, lang) for v, d in sorted(c.descriptors.items())})
        for c in rubric.criteria]
    drafted = {c.id: d.level for c, d in ((c, drafts.get(c.id)) for c in rubric.criteria)
               if d is not None and d.level is not None}
    usage = Usage(input_tokens=sum(d.usage.input_tokens for d in drafts.values()),
                  output_tokens=sum(d.usage.output_tokens for d in drafts.values()),
                  calls=sum(d.usage.calls for d in drafts.values()))
    return ScoringSheet(
        created=_now(),
        submission=Submission(file=doc.source, sha256=doc.sha256, format=doc.format,
                              pages=len(doc.pages), words=doc.words, language=doc.language,
                              candidate=doc.metadata.author or None),
        deliverable=rubric.id, deliverable_title=getattr(rubric.title, lang),
        rubric_version=rubric.version,
        scale={lv.value: getattr(lv.label, lang) for lv in rubric.scale.levels},
        backend=BackendInfo(name=backend.name, model=backend.model,
                            prompt_version=backend.prompt_version),
        language=lang,
        flags=[DocumentFlag(code=f.code, message=f.message, pages=list(f.pages),
                            passages=list(f.passages)) for f in doc.flags],
        criteria=entries,
        indicative_note=_note(rubric, drafted, rubric.criteria),
        draft_note=_note(rubric, drafted, rubric.draft_criteria),
        usage=usage,
    )


def _now() -> datetime:
    """The sheet's date; SOURCE_DATE_EPOCH (the reproducible-builds convention) pins it."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    if pinned and pinned.isdigit():
        return datetime.fromtimestamp(int(pinned), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _note(rubric: Rubric, levels: dict[str, int], criteria: list[Criterion]) -> float | None:
    """Note /20 over `criteria` when each has a level, else None (never a partial zero)."""
    if not criteria or any(c.id not in levels for c in criteria):
        return None
    sub = rubric.model_copy(update={"criteria": criteria})
    return epreuve_note(sub, levels)


__all__ = ["GradeOptions", "GradeResult", "Mode", "Prepared", "grade_document", "grade_file",
           "prepare"]
