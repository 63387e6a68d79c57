"""`grader calibrate GOLD`: fit the offline backend on the jury's confirmed levels.

For each drafted criterion, the weights over `HeuristicBackend.features` and the cut points
are fitted (`grader.evals.fit`) on a training split of candidates; the held-out candidates
measure what the calibration brings (QWK calibrated vs uncalibrated); the file written is then
refitted on every confirmed level. Split by candidate, not by document: the variants of one
candidate's work share most of their text and would leak from training into the test.

Raw length (`log_words`, `sentences`) is left out: for a jury, padding must never pay.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.backends.base import DraftRequest
from grader.backends.calibration import Calibration, CriterionFit
from grader.evals.errors import EvalError
from grader.evals.fit import fit_scorer, levels
from grader.evals.gold import GoldDocument, load_gold
from grader.evals.metrics import qwk
from grader.evals.runner import read_document
from grader.i18n import Lang
from grader.rubric.models import Rubric

if TYPE_CHECKING:
    from grader.backends.heuristic import HeuristicBackend
    from grader.ingest import Document

GUARDED = frozenset({"log_words", "sentences"})
"""Features that grow with sheer length: never weighed in a jury calibration."""
MIN_HOLDOUT_GROUPS = 5


def requests_for(doc: Document, rubric: Rubric, lang: Lang = "fr", budget: int = 2500
                 ) -> list[DraftRequest]:
    """The requests `grade_document` would send, one per drafted criterion."""
    from grader.evidence import Index, flagged_texts, is_flagged, retrieve, split_passages

    flagged = flagged_texts(doc)
    body = [p for p in split_passages(doc) if not is_flagged(p, flagged)]
    index = Index.build(body)
    return [DraftRequest(rubric=rubric, criterion=c, passages=retrieve(index, c, budget),
                         document=doc, lang=lang, body=tuple(body))
            for c in rubric.draft_criteria]


@dataclass
class Example:
    group: str
    features: dict[str, float]
    target: float
    reference: int
    raw_level: int | None
    """The uncalibrated draft's level, for comparison."""


@dataclass
class HeldOut:
    key: str
    n: int
    calibrated: float | None
    uncalibrated: float | None
    pairs: list[tuple[int, int, int | None]] = field(default_factory=list, repr=False)
    """(reference, calibrated level, uncalibrated level) of each held-out document."""


@dataclass
class CalibrationResult:
    calibration: Calibration
    heldout: list[HeldOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    confirmed: int = 0


def collect(gold_docs: list[GoldDocument], rubrics: dict[str, Rubric],
            backend: HeuristicBackend) -> dict[str, list[Example]]:
    """Feature rows per `<deliverable>/<criterion>`, from every readable gold document."""
    from grader.backends.base import draft_sync
    from grader.ingest import IngestError

    out: dict[str, list[Example]] = defaultdict(list)
    for gdoc in gold_docs:
        rubric = rubrics[gdoc.deliverable]
        try:
            doc = read_document(gdoc, rubric)
        except IngestError:
            continue
        for request in requests_for(doc, rubric):
            crit = request.criterion.id
            reference, target = gdoc.reference(crit), gdoc.target(crit)
            if reference is None or target is None:
                continue
            feats = {k: v for k, v in backend.features(request).items() if k not in GUARDED}
            raw = draft_sync(backend, request).level
            out[f"{rubric.id}/{crit}"].append(Example(f"{gdoc.set}/{gdoc.candidate}", feats,
                                                      target, reference, raw))
    return out


def split_groups(groups: list[str], holdout: float, seed: int) -> tuple[set[str], set[str]]:
    from sklearn.model_selection import GroupShuffleSplit

    unique = sorted(set(groups))
    if holdout <= 0 or len(unique) < MIN_HOLDOUT_GROUPS:
        return set(unique), set()
    splitter = GroupShuffleSplit(n_splits=1, test_size=holdout, random_state=seed)
    train, test = next(splitter.split(unique, groups=unique))
    return {unique[i] for i in train}, {unique[i] for i in test}


def _fit(examples: list[Example], values: list[int]) -> CriterionFit:
    return fit_scorer([e.features for e in examples], [e.target for e in examples],
                      [e.reference for e in examples], values)


def calibrate_gold(gold_path: Path, holdout: float = 0.2, seed: int = 0) -> CalibrationResult:
    """Held-out QWK per criterion, and the calibration refitted on every confirmed level."""
    from grader.backends.heuristic import HeuristicBackend

    gold = load_gold(gold_path)
    data = collect(gold.documents, gold.rubrics, HeuristicBackend())
    groups = sorted({e.group for rows in data.values() for e in rows})
    train, test = split_groups(groups, holdout, seed)
    result = CalibrationResult(Calibration(fitted_on=str(gold_path), criteria={}))
    if not test:
        result.notes.append(f"{len(groups)} candidate(s): at least {MIN_HOLDOUT_GROUPS} are "
                            "needed to hold some out; the figures below are not held out")
    for key, rows in sorted(data.items()):
        values = gold.rubrics[key.split("/")[0]].scale.values
        result.confirmed += len(rows)
        try:
            result.calibration.criteria[key] = _fit(rows, values)
        except EvalError as exc:
            result.notes.append(f"{key}: not calibrated ({exc})")
            continue
        if test:
            result.heldout.append(_held_out(key, rows, train, test, values))
    if len(result.heldout) > 1:
        result.heldout.append(_pooled(result.heldout, gold.rubrics))
    if not result.calibration.criteria:
        raise EvalError(f"{gold_path}: no criterion could be calibrated "
                        f"({'; '.join(result.notes)})")
    return result


def _held_out(key: str, rows: list[Example], train: set[str], test: set[str],
              values: list[int]) -> HeldOut:
    fit_rows = [e for e in rows if e.group in train]
    test_rows = [e for e in rows if e.group in test]
    try:
        fit = _fit(fit_rows, values)
    except EvalError:
        return HeldOut(key, len(test_rows), None, None)
    predicted = levels(fit, [e.features for e in test_rows], values)
    truth = [e.reference for e in test_rows]
    raw = [(e.reference, e.raw_level) for e in test_rows if e.raw_level is not None]
    return HeldOut(key, len(test_rows), qwk(truth, predicted, values),
                   qwk([a for a, _ in raw], [b for _, b in raw], values) if raw else None,
                   [(e.reference, p, e.raw_level) for e, p in zip(test_rows, predicted,
                                                                  strict=True)])


def _pooled(heldout: list[HeldOut], rubrics: dict[str, Rubric]) -> HeldOut:
    """Every criterion's held-out documents together (one scale for all), the figure that a
    small gold set can support better than per-criterion QWKs on a handful of documents."""
    values = sorted({v for r in rubrics.values() for v in r.scale.values})
    pairs = [p for h in heldout for p in h.pairs]
    raw = [(a, c) for a, _, c in pairs if c is not None]
    return HeldOut("(tous critères — all criteria)", len(pairs), qwk([a for a, _, _ in pairs],
                                                   [b for _, b, _ in pairs], values),
                   qwk([a for a, _ in raw], [c for _, c in raw], values) if raw else None)


def write_calibration(result: CalibrationResult, path: Path) -> Path:
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(result.calibration.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    side = path.with_name(path.stem + ".heldout.json")
    rows = [{"criterion": h.key, "n": h.n, "calibrated_qwk": h.calibrated,
             "uncalibrated_qwk": h.uncalibrated} for h in result.heldout]
    side.write_text(json.dumps({"holdout": rows,
                                "notes": result.notes, "confirmed": result.confirmed},
                               indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
