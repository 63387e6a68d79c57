"""From paired levels to the report: per criterion, overall, human ceiling, confidence.

`build_report` is a plain function of the records (`DraftRecord`: reference, jurors, draft) and
of what each criterion is (`CriterionInfo`): gold sets and public data sets share it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.evals.metrics import Bootstrap, agreement, mean_qwk
from grader.evals.models import (
    Agreement,
    BackendSummary,
    CalibrationBin,
    CriterionReport,
    FailedDocument,
    Overall,
    Report,
)
from grader.evals.runner import DraftRecord
from grader.evals.summary import classify
from grader.rubric.models import Rubric

CONFIDENCE_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class CriterionInfo:
    deliverable: str
    criterion: str
    label: str
    label_en: str
    labels: tuple[int, ...]
    """The reference's scale."""
    ceiling_labels: tuple[int, ...] = ()
    """The jurors' own scale when it differs (ASAP's raters score 1–6, resolved 2–12)."""
    needs_judgement: bool = False

    @property
    def key(self) -> str:
        return f"{self.deliverable}/{self.criterion}"


def rubric_infos(rubrics: dict[str, Rubric]) -> dict[str, CriterionInfo]:
    return {f"{r.id}/{c.id}": CriterionInfo(r.id, c.id, c.label.fr, c.label.en,
                                            tuple(r.scale.values),
                                            needs_judgement=c.needs_judgement)
            for r in rubrics.values() for c in r.draft_criteria}


def build_report(records: Sequence[DraftRecord], infos: dict[str, CriterionInfo], source: str,
                 backend: BackendSummary, boot: Bootstrap | None = None,
                 failed: Sequence[FailedDocument] = ()) -> Report:
    boot = boot or Bootstrap()
    by_key: dict[str, list[DraftRecord]] = defaultdict(list)
    for rec in records:
        by_key[rec.key].append(rec)
    criteria = {key: _criterion(infos[key], recs, boot)
                for key, recs in sorted(by_key.items())}
    return Report(
        created=_now(), source=source, backend=backend,
        bootstrap={"resamples": boot.resamples, "seed": boot.seed, "level": boot.level},
        documents=len({r.doc for r in records}) + len(failed), failed=list(failed),
        criteria=criteria, overall=_overall(records, criteria, infos, boot),
        human_ceiling=_pooled_humans(records, infos, boot),
        confidence_calibration=calibration_bins(records))


def pairs(records: Sequence[DraftRecord], first: str, second: str
          ) -> tuple[list[int], list[int], list[str]]:
    """The (first, second) levels of the records where both exist, and their documents."""
    a, b, docs = [], [], []
    for r in records:
        x, y = getattr(r, first), getattr(r, second)
        if x is not None and y is not None:
            a.append(x)
            b.append(y)
            docs.append(r.doc)
    return a, b, docs


def _criterion(info: CriterionInfo, recs: list[DraftRecord], boot: Bootstrap
               ) -> CriterionReport:
    truth, drafted, _ = pairs(recs, "reference", "level")
    machine = agreement(truth, drafted, info.labels, boot=boot)
    # Juror 2 is comparable with the draft only when both score on the reference's scale.
    same_scale = not info.ceiling_labels or info.ceiling_labels == info.labels
    second = pairs(recs, "juror2", "level") if same_scale else ([], [], [])
    both = pairs(recs, "juror1", "juror2")
    confidences = [r.confidence for r in recs if r.confidence is not None
                   and r.level is not None and r.reference is not None]
    report = CriterionReport(
        **machine.model_dump(), deliverable=info.deliverable, criterion=info.criterion,
        label=info.label, label_en=info.label_en, needs_judgement=info.needs_judgement,
        documents=sum(1 for r in recs if r.reference is not None),
        unscored=sum(1 for r in recs if r.reference is not None and r.level is None),
        mean_confidence=sum(confidences) / len(confidences) if confidences else None,
        vs_juror2=agreement(second[0], second[1], info.labels, boot=boot)
        if second[0] else None,
        human_ceiling=agreement(both[0], both[1], info.ceiling_labels or info.labels, boot=boot)
        if both[0] else None)
    trust, reasons = classify(report)
    return report.model_copy(update={"trust": trust, "reasons": reasons})


def _same_scale(infos: dict[str, CriterionInfo], keys: set[str]) -> tuple[int, ...] | None:
    scales = {infos[k].labels for k in keys}
    return scales.pop() if len(scales) == 1 else None


def _overall(records: Sequence[DraftRecord], criteria: dict[str, CriterionReport],
             infos: dict[str, CriterionInfo], boot: Bootstrap) -> Overall:
    """Pooled over criteria when they share a scale (the bootstrap keeps documents whole);
    the mean QWK through Fisher's z in every case."""
    truth, drafted, docs = pairs(records, "reference", "level")
    labels = _same_scale(infos, {r.key for r in records})
    unscored = sum(c.unscored for c in criteria.values())
    mean = mean_qwk([c.qwk for c in criteria.values() if c.qwk is not None])
    if labels is None or not truth:
        return Overall(n=len(truth), labels=[], criteria=len(criteria), unscored=unscored,
                       mean_qwk=mean)
    pooled = agreement(truth, drafted, labels, groups=docs, boot=boot)
    return Overall(**pooled.model_dump(), criteria=len(criteria), unscored=unscored,
                   mean_qwk=mean)


def _pooled_humans(records: Sequence[DraftRecord], infos: dict[str, CriterionInfo],
                   boot: Bootstrap) -> Agreement | None:
    both = [r for r in records if r.juror1 is not None and r.juror2 is not None]
    scales = {infos[r.key].ceiling_labels or infos[r.key].labels for r in both}
    if len(scales) != 1:
        return None
    first, second, docs = pairs(both, "juror1", "juror2")
    return agreement(first, second, scales.pop(), groups=docs, boot=boot)


def calibration_bins(records: Sequence[DraftRecord]) -> list[CalibrationBin]:
    """Does a confident draft agree with the jury more often? One bin per fifth of [0, 1]."""
    pairs = [(r.confidence, r.level == r.reference) for r in records
             if r.confidence is not None and r.level is not None and r.reference is not None]
    bins = []
    for low, high in zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:], strict=False):
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (high == 1.0 and c == 1.0)]
        if inside:
            bins.append(CalibrationBin(
                low=low, high=high, n=len(inside),
                confidence=round(sum(c for c, _ in inside) / len(inside), 4),
                accuracy=round(sum(ok for _, ok in inside) / len(inside), 4)))
    return bins


def write_json(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / "report.json"
    _atomic(path, report.to_json() + "\n")
    return path


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _now() -> str:
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    if pinned and pinned.isdigit():
        return datetime.fromtimestamp(int(pinned), UTC).isoformat()
    return datetime.now(UTC).replace(microsecond=0).isoformat()
