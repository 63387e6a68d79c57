"""`grader eval-asap DATA --out DIR`: agreement on ASAP-AES, per essay set, next to humans.

Three scorers per set, all on the same essays and folds:

- `uncalibrated`: the offline backend as shipped, through `grade_document` (the product);
- `calibrated`: its own features, weights and cut points fitted on the training folds, raw
  length left out — exactly what `grader calibrate` does for a jury;
- `calibrated+length`: the same with the backend's raw length features (`log_words`,
  `sentences`);
- `calibrated+essay`: plus generic essay features (`grader.evals.features`), length included
  — acceptable for school essays, never for a jury (docs/evals.md).

Held-out QWK uses the standard 5-fold split of the ASAP literature (Taghipour & Ng, 2016) when
whole sets are read; a slice (`limit`) uses a seeded 5-fold split instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.evals import asap
from grader.evals.calibrate import GUARDED, requests_for
from grader.evals.features import EssayText, Vocabulary, essay_features
from grader.evals.fit import fit_scorer, levels
from grader.evals.metrics import Bootstrap, agreement, mean_qwk, qwk
from grader.evals.models import Agreement, BackendSummary
from grader.evals.report import CriterionInfo, build_report, pairs
from grader.evals.runner import DraftRecord
from grader.grade import GradeOptions, grade_document

SCORERS = ("uncalibrated", "calibrated", "calibrated+length", "calibrated+essay")
VARIANTS = {"calibrated": (False, GUARDED), "calibrated+length": (False, frozenset()),
            "calibrated+essay": (True, frozenset())}
"""Scorer → (with essay features, backend features left out)."""


@dataclass
class AsapOptions:
    sets: tuple[int, ...] = asap.SETS
    limit: int | None = None
    folds: int = 5
    seed: int = 0
    resamples: int = 1000


@dataclass
class SetResult:
    set: int
    n: int
    split: str
    human: Agreement
    scorers: dict[str, Agreement]
    fold_qwk: dict[str, list[float | None]] = field(default_factory=dict)


def _heuristic_rows(essays: list[asap.Essay], rubric, backend) -> tuple[list[dict], list[int]]:
    """Features and uncalibrated levels (via the grading pipeline), essay by essay."""
    feats, drafted = [], []
    options = GradeOptions(lang="en", use_cache=False)
    for essay in essays:
        doc = asap.to_document(essay)
        sheet, _ = asyncio.run(grade_document(doc, rubric, backend, options, None))
        draft = sheet.criteria[0].draft
        drafted.append(draft.level if draft and draft.level is not None else -1)
        feats.append(backend.features(requests_for(doc, rubric, "en")[0]))
    return feats, drafted


def _folds(essays: list[asap.Essay], options: AsapOptions) -> tuple[np.ndarray, str]:
    folds = np.array([e.fold for e in essays])
    if options.limit is None and sorted(set(folds.tolist())) == list(range(options.folds)):
        return folds, "standard 5 folds (Taghipour & Ng 2016)"
    rng = np.random.default_rng(options.seed)
    return rng.permutation(len(essays)) % options.folds, f"seeded {options.folds}-fold"


def _cross_validate(rows: list[dict], essays: list[asap.Essay], texts: list[EssayText],
                    folds: np.ndarray, values: list[int], with_essay: bool,
                    excluded: frozenset[str], topic: frozenset[str] = frozenset()
                    ) -> tuple[list[int], list[float | None]]:
    predicted = np.zeros(len(essays), dtype=int)
    per_fold: list[float | None] = []
    scores = [e.score for e in essays]
    rows = [{k: v for k, v in row.items() if k not in excluded} for row in rows]
    for k in sorted(set(folds.tolist())):
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        feats = rows
        if with_essay:
            vocab = Vocabulary.fit(texts[i] for i in train)
            feats = [{**rows[i], **essay_features(texts[i], vocab, topic)}
                     for i in range(len(rows))]
        fit = fit_scorer([feats[i] for i in train], [scores[i] for i in train],
                         [scores[i] for i in train], values)
        predicted[test] = levels(fit, [feats[i] for i in test], values)
        per_fold.append(qwk([scores[i] for i in test], predicted[test].tolist(), values))
    return predicted.tolist(), per_fold


def evaluate_set(essay_set: int, essays: list[asap.Essay], cues: list[str],
                 options: AsapOptions, prompt: str = ""
                 ) -> tuple[SetResult, dict[str, list[DraftRecord]]]:
    from grader.backends.heuristic import HeuristicBackend

    rubric = asap.rubric_for(essay_set, cues)
    lo, hi = asap.SCORE_RANGE[essay_set]
    values = list(range(lo, hi + 1))
    _, to_score = asap.score_levels(essay_set)
    rows, drafted = _heuristic_rows(essays, rubric, HeuristicBackend())
    texts = [EssayText.of(e.text) for e in essays]
    folds, split = _folds(essays, options)
    preds: dict[str, list[int | None]] = {
        "uncalibrated": [to_score[d] if d >= 0 else None for d in drafted]}
    fold_qwk: dict[str, list[float | None]] = {}
    topic = frozenset(asap.prompt_cues(prompt, limit=60)) if prompt else frozenset(cues)
    for name, (with_essay, excluded) in VARIANTS.items():
        levels_cv, fold_qwk[name] = _cross_validate(rows, essays, texts, folds, values,
                                                    with_essay, excluded, topic)
        preds[name] = list(levels_cv)
    boot = Bootstrap(resamples=options.resamples, seed=options.seed)
    records = {name: [DraftRecord(doc=str(e.id), deliverable=f"asap-{essay_set}",
                                  criterion="holistic", reference=e.score, juror1=e.rater1,
                                  juror2=e.rater2, level=p)
                      for e, p in zip(essays, pred, strict=True)]
               for name, pred in preds.items()}
    scored = {name: pairs(recs, "reference", "level") for name, recs in records.items()}
    result = SetResult(
        set=essay_set, n=len(essays), split=split,
        human=agreement([e.rater1 for e in essays], [e.rater2 for e in essays],
                        list(range(asap.RATER_RANGE[essay_set][0],
                                   asap.RATER_RANGE[essay_set][1] + 1)), boot=boot),
        scorers={name: agreement(truth, drafted, values, boot=boot)
                 for name, (truth, drafted, _) in scored.items()},
        fold_qwk=fold_qwk)
    return result, records


def run_asap(data: Path, out_dir: Path, options: AsapOptions | None = None,
             progress: Callable[[str], None] | None = None) -> list[SetResult]:
    """Every requested set; writes `asap.json`, `asap.md`, a figure and per-set reports."""
    options = options or AsapOptions()
    data = asap.data_dir(data)
    essays = asap.read_essays(data, options.sets, options.limit)
    results = []
    for essay_set in options.sets:
        if progress:
            progress(f"ASAP set {essay_set}: {len(essays[essay_set])} essays")
        prompt = asap.prompt_text(data, essay_set)
        result, records = evaluate_set(essay_set, essays[essay_set], asap.prompt_cues(prompt),
                                       options, prompt)
        results.append(result)
        _set_reports(essay_set, records, Path(out_dir), options)
    write_summary(results, Path(out_dir), options)
    return results


def _set_reports(essay_set: int, records: dict[str, list[DraftRecord]], out_dir: Path,
                 options: AsapOptions) -> None:
    from grader.evals.render import write_all

    lo, hi = asap.SCORE_RANGE[essay_set]
    rlo, rhi = asap.RATER_RANGE[essay_set]
    info = CriterionInfo(f"asap-{essay_set}", "holistic", f"ASAP sujet {essay_set}",
                         f"ASAP prompt {essay_set}", tuple(range(lo, hi + 1)),
                         tuple(range(rlo, rhi + 1)))
    for name, recs in records.items():
        report = build_report(recs, {info.key: info}, f"ASAP-AES set {essay_set} ({name})",
                              BackendSummary(name="heuristic", model=name),
                              Bootstrap(resamples=min(options.resamples, 200),
                                        seed=options.seed))
        report.reference = "domain1_score (resolved); ceiling: rater 1 vs rater 2"
        write_all(report, out_dir / f"set-{essay_set}" / name.replace("+", "-"))


def write_summary(results: list[SetResult], out_dir: Path, options: AsapOptions) -> None:
    from grader.evals.asap_render import summary_json, summary_markdown
    from grader.evals.plots import write_bars
    from grader.evals.report import _atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic(out_dir / "asap.json", json.dumps(summary_json(results, options), indent=2) + "\n")
    _atomic(out_dir / "asap.md", summary_markdown(results, options))
    rows = {f"set {r.set}": {**{s: r.scorers[s].qwk for s in SCORERS}, "humans": r.human.qwk}
            for r in results}
    write_bars("ASAP-AES held-out QWK per set", rows, out_dir / "plots" / "asap-qwk.png",
               anchor=(f"Kaggle winner, mean {asap.KAGGLE_WINNER}", asap.KAGGLE_WINNER))


def mean_by_scorer(results: list[SetResult]) -> dict[str, float | None]:
    def kappas(values: list[float | None]) -> list[float]:
        return [v for v in values if v is not None]

    out = {s: mean_qwk(kappas([r.scorers[s].qwk for r in results])) for s in SCORERS}
    out["humans"] = mean_qwk(kappas([r.human.qwk for r in results]))
    return out
