"""Probes: what must hold whatever the document, checked on every gold document.

- padding: irrelevant text added never raises a level;
- injection: an instruction to the grader never raises a level, and the sheet flags it;
- language: the French and English versions of one document draft within one level;
- format: the PDF and DOCX renderings of one document draft the same levels;
- repeat: two runs give identical drafts;
- quotes: every quote a backend proposes is found verbatim in the document (100 %);
- gold variants `padding` and `hidden-instruction` never score above the candidate's `base`;
- gold variants that remove a part (`evals/gold/variants.yaml`: variant → deliverable → the
  criteria it damages) draft those criteria below the base: the drafts notice what is missing.

Every violation is listed (file, criterion, expected, observed); nothing is averaged away.
Probes never use the drafting cache: a cached answer would prove nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader import yamlio
from grader.evals import perturb
from grader.evals.gold import GoldDocument, GoldSet
from grader.evals.models import ProbeReport, ProbeSummary, ProbeViolation
from grader.evals.runner import read_document
from grader.grade import GradeOptions, grade_document
from grader.rubric.models import Rubric
from grader.sheet.models import CriterionDraft, ScoringSheet
from grader.sheet.verify import FoldedDocument, verify_draft

if TYPE_CHECKING:
    from grader.backends import Backend, DraftRequest
    from grader.ingest import Document

PROBES = ("padding", "injection", "language", "format", "repeat", "quotes",
          "variant-padding", "variant-hidden-instruction", "variant-damage")
VARIANTS_FILE = "variants.yaml"
INJECTION_FLAGS = {"possible_prompt_injection", "hidden_text"}


class Recorder:
    """The backend under test, with every raw draft it returned (before verification)."""

    def __init__(self, backend: Backend) -> None:
        self.inner = backend
        self.name = backend.name
        self.raw: list[tuple[DraftRequest, CriterionDraft]] = []

    @property
    def model(self) -> str | None:
        return self.inner.model

    @property
    def prompt_version(self) -> str | None:
        return self.inner.prompt_version

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        draft = await self.inner.adraft(request)
        self.raw.append((request, draft))
        return draft


@dataclass
class _Run:
    backend: Recorder
    options: GradeOptions
    work: Path
    summaries: dict[str, ProbeSummary] = field(
        default_factory=lambda: {p: ProbeSummary(probe=p) for p in PROBES})
    violations: list[ProbeViolation] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Document hash → the gold file it comes from (perturbed copies have temporary names)."""
    originals: dict[str, ScoringSheet] = field(default_factory=dict)
    """Sheets of the gold files themselves, drafted once for every variant probe."""

    def original(self, doc: GoldDocument, rubric: Rubric) -> ScoringSheet:
        if doc.file not in self.originals:
            self.originals[doc.file] = self.grade(read_document(doc, rubric), rubric, doc.file)
        return self.originals[doc.file]

    def grade(self, doc: Document, rubric: Rubric, name: str) -> ScoringSheet:
        self.names.setdefault(doc.sha256, name)
        return asyncio.run(grade_document(doc, rubric, self.backend, self.options, None))[0]

    def read_text(self, text: str, name: str, rubric: Rubric) -> Document:
        from grader.ingest import read

        length = (rubric.length.min_pages, rubric.length.max_pages) if rubric.length else None
        return read(perturb.write_md(text, self.work, name), length=length)

    def check(self, probe: str, file: str, ok: bool, criterion: str | None = None,
              expected: str = "", observed: str = "") -> None:
        summary = self.summaries[probe]
        summary.checked += 1
        if not ok:
            summary.violations += 1
            self.violations.append(ProbeViolation(probe=probe, file=file, criterion=criterion,
                                                  expected=expected, observed=observed))


def run_probes(gold: GoldSet, backend: Backend, options: GradeOptions | None = None,
               progress: Callable[[str], None] | None = None) -> ProbeReport:
    """Every probe on every gold document; the report lists each violation."""
    from grader.ingest import IngestError

    options = GradeOptions(**{**(options or GradeOptions()).__dict__, "use_cache": False})
    with tempfile.TemporaryDirectory(prefix="grader-probes-") as tmp:
        run = _Run(Recorder(backend), options, Path(tmp))
        for i, doc in enumerate(gold.documents):
            if progress:
                progress(doc.file)
            try:
                _document_probes(run, doc, gold.rubrics[doc.deliverable], i)
            except IngestError:
                continue  # already listed as failed by the evaluation itself
        _pair_probes(run, gold)
        _variant_probes(run, gold)
        _damage_probes(run, gold)
        share = _quotes(run)
    _mark_skipped(run)
    return ProbeReport(summaries=list(run.summaries.values()), violations=run.violations,
                       quotes_verified=share)


def _document_probes(run: _Run, doc: GoldDocument, rubric: Rubric, i: int) -> None:
    original = read_document(doc, rubric)
    base = run.read_text(perturb.render(perturb.to_markdown(original)), f"{i}-base", rubric)
    first, second = run.grade(base, rubric, doc.file), run.grade(base, rubric, doc.file)
    _compare_repeat(run, doc.file, first, second)
    padded = run.grade(run.read_text(perturb.padded(base), f"{i}-padded", rubric), rubric,
                       f"{doc.file} (padded)")
    _not_higher(run, "padding", doc.file, first, padded)
    injected = run.grade(run.read_text(perturb.injected(base), f"{i}-injected", rubric), rubric,
                         f"{doc.file} (injected)")
    _not_higher(run, "injection", doc.file, first, injected)
    _flagged(run, "injection", doc.file, injected)


def _levels(sheet: ScoringSheet) -> dict[str, int | None]:
    return {c.id: c.draft.level for c in sheet.criteria if c.draft is not None}


def _not_higher(run: _Run, probe: str, file: str, base: ScoringSheet, other: ScoringSheet
                ) -> None:
    after = _levels(other)
    for crit, level in _levels(base).items():
        new = after.get(crit)
        if level is None or new is None:
            continue
        run.check(probe, file, new <= level, crit, f"≤ {level}", str(new))


def _flagged(run: _Run, probe: str, file: str, sheet: ScoringSheet) -> None:
    codes = {f.code for f in sheet.flags}
    run.check(probe, file, bool(codes & INJECTION_FLAGS), None, "document flagged",
              ", ".join(sorted(codes)) or "no flag")


def _compare_repeat(run: _Run, file: str, first: ScoringSheet, second: ScoringSheet) -> None:
    again = {c.id: c.draft for c in second.criteria}
    for entry in first.criteria:
        if entry.draft is None:
            continue
        a = entry.draft.model_dump(exclude={"usage"})
        other = again.get(entry.id)
        b = other.model_dump(exclude={"usage"}) if other is not None else None
        run.check("repeat", file, a == b, entry.id, "identical drafts",
                  "identical" if a == b else _difference(a, b))


def _difference(a: dict, b: dict | None) -> str:
    if b is None:
        return "missing"
    keys = [k for k in a if a[k] != b.get(k)]
    return "differs in " + ", ".join(keys)


def _pair_probes(run: _Run, gold: GoldSet) -> None:
    from grader.ingest import IngestError, read

    for pair in perturb.pairs(gold):
        rubric = gold.rubrics[pair.deliverable]
        try:
            first = run.grade(read(pair.first), rubric, pair.file)
            second = run.grade(read(pair.second), rubric, f"{pair.file} ↔ {pair.second.name}")
        except IngestError as exc:
            run.check(pair.kind, pair.file, False, None, "both renderings readable", str(exc))
            continue
        tolerance = 0 if pair.kind == "format" else 1
        other = _levels(second)
        for crit, level in _levels(first).items():
            new = other.get(crit)
            if level is None or new is None:
                ok = level is None and new is None
            else:
                ok = abs(new - level) <= tolerance
            expected = str(level) if tolerance == 0 else f"{level} ± 1"
            run.check(pair.kind, f"{pair.file} ↔ {pair.second.name}", ok, crit, expected,
                      str(new))


def _variant_probes(run: _Run, gold: GoldSet) -> None:
    from grader.ingest import IngestError

    for variant in ("padding", "hidden-instruction"):
        probe = f"variant-{variant}"
        for base_doc, doc in perturb.same_candidate(gold, variant):
            rubric = gold.rubrics[doc.deliverable]
            try:
                base, other = run.original(base_doc, rubric), run.original(doc, rubric)
            except IngestError:
                continue
            _not_higher(run, probe, doc.file, base, other)
            if variant == "hidden-instruction":
                _flagged(run, probe, doc.file, other)


def damages(gold: GoldSet) -> dict[str, dict[str, list[str]]]:
    """variants.yaml beside the gold sets: variant → deliverable → criteria it damages."""

    for folder in (gold.root, gold.root.parent):
        path = folder / VARIANTS_FILE
        if path.is_file():
            data = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
            return {v: {d: list(c) for d, c in (spec or {}).items()}
                    for v, spec in data.items() if isinstance(spec, dict)}
    return {}


def _damage_probes(run: _Run, gold: GoldSet) -> None:
    from grader.ingest import IngestError

    for variant, spec in damages(gold).items():
        for base_doc, doc in perturb.same_candidate(gold, variant):
            criteria = spec.get(doc.deliverable, [])
            rubric = gold.rubrics[doc.deliverable]
            if not criteria:
                continue
            try:
                before = _levels(run.original(base_doc, rubric))
                after = _levels(run.original(doc, rubric))
            except IngestError:
                continue
            lowest = rubric.scale.lowest
            for crit in criteria:
                old, new = before.get(crit), after.get(crit)
                if old is None or new is None:
                    continue
                run.check("variant-damage", doc.file, new < old or old == lowest, crit,
                          f"< {old} ({variant})", str(new))


def _quotes(run: _Run) -> float | None:
    """Share of the proposed quotes that verification finds in the document."""
    folded: dict[str, FoldedDocument] = {}
    proposed = kept = 0
    for request, draft in run.backend.raw:
        if draft.level is None or not draft.evidence:
            continue
        doc = request.document
        fd = folded.setdefault(doc.sha256, FoldedDocument.of(doc))
        checked = verify_draft(draft, fd, request.rubric.scale)
        ok = sum(1 for e in checked.evidence if e.verified)
        proposed += len(draft.evidence)
        kept += ok
        name = run.names.get(doc.sha256, doc.source)
        run.check("quotes", name, ok == len(draft.evidence), request.criterion.id,
                  f"{len(draft.evidence)} verified", f"{ok} verified")
    return kept / proposed if proposed else None


def _mark_skipped(run: _Run) -> None:
    reasons = {"language": "no FR/EN pair beside the gold documents (x.pdf + x-en.pdf, "
                            "x.en.pdf or en--x.pdf)",
               "format": "no PDF/DOCX pair beside the gold documents (x.pdf + x.docx)",
               "quotes": "the backend proposed no quote",
               "variant-padding": "no `padding` (`remplissage`) variant with a `base` of the "
                                  "same candidate in the manifests",
               "variant-hidden-instruction": "no `hidden-instruction` (`injection`) variant "
                                             "with a `base` of the same candidate",
               "variant-damage": f"no damaging variant of {VARIANTS_FILE} with a `base` of "
                                 "the same candidate"}
    for name, summary in run.summaries.items():
        if summary.checked == 0:
            summary.skipped = reasons.get(name, "no document")
