"""Agreement between two sets of ordinal levels (machine vs jury, juror 1 vs juror 2).

Point estimates come from maintained libraries — scikit-learn (weighted kappas, confusion
matrix), scipy (Spearman) and `krippendorff` (ordinal alpha) — and are tested against published
reference values. Confidence intervals are a percentile bootstrap over documents with one set of
resamples shared by every metric. The kappa family is recomputed per resample from confusion
matrices, vectorised (a thousand sklearn calls would cost seconds per criterion); that fast path
is checked against sklearn's point estimate on every call, so it cannot drift silently.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.evals.errors import EvalError
from grader.evals.models import Agreement

Levels = Sequence[int] | np.ndarray
"""Levels of one rater, as a list or a numpy array."""
METRICS = ("qwk", "lwk", "exact", "adjacent", "mae", "spearman", "alpha")
DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class Bootstrap:
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    level: float = 0.95


def qwk(a: Levels, b: Levels, labels: Levels | None = None) -> float | None:
    """Quadratic weighted kappa (the ASAP/Kaggle metric); None when undefined."""
    return _kappa(a, b, labels, "quadratic")


def lwk(a: Levels, b: Levels, labels: Levels | None = None) -> float | None:
    """Linear weighted kappa; None when undefined."""
    return _kappa(a, b, labels, "linear")


def _kappa(a: Levels, b: Levels, labels: Levels | None,
           weights: str) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if len(a) == 0:
        return None
    with warnings.catch_warnings():
        # sklearn warns and returns nan when both raters use a single level: undefined, not 0.
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(a, b, labels=list(labels) if labels is not None else None,
                                  weights=weights)
    return _finite(value)


def spearman(a: Levels, b: Levels) -> float | None:
    from scipy.stats import spearmanr

    if len(a) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: correlation undefined
        return _finite(spearmanr(a, b).statistic)


def kripp_alpha(a: Levels, b: Levels, labels: Levels) -> float | None:
    """Krippendorff's alpha, ordinal, over the scale's own levels (unused levels included)."""
    import krippendorff

    data = np.array([a, b], dtype=float)
    if data.shape[1] < 2 or len(set(np.ravel(data))) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal",
                                       value_domain=list(labels))
        except (ValueError, ZeroDivisionError):
            return None
    return _finite(value)


def mean_qwk(kappas: Sequence[float], weights: Sequence[float] | None = None) -> float | None:
    """Mean of kappas through Fisher's z, capped at ±0.999: how ASAP averaged its eight sets."""
    values = np.clip(np.array([k for k in kappas if k is not None], dtype=float), -0.999, 0.999)
    if values.size == 0:
        return None
    w = np.ones_like(values) if weights is None else np.array(weights, dtype=float)
    w = w / w.mean()
    z = np.mean(0.5 * np.log((1 + values) / (1 - values)) * w)
    return float(np.tanh(z))


def confusion(a: Levels, b: Levels, labels: Levels) -> list[list[int]]:
    """Rows: the first rater (the jury), columns: the second (the draft)."""
    from sklearn.metrics import confusion_matrix

    if len(a) == 0:
        return [[0] * len(labels) for _ in labels]
    return confusion_matrix(a, b, labels=list(labels)).tolist()


def agreement(truth: Levels, pred: Levels, labels: Levels,
              groups: Sequence[object] | None = None, boot: Bootstrap | None = None
              ) -> Agreement:
    """Every metric, its bootstrap CI and the confusion matrix for paired levels.

    `groups` (e.g. the document of each pair) makes the bootstrap resample whole groups, so
    that pairs from one document stay together when several criteria are pooled.
    """
    labels = sorted(set(labels))
    a, b = np.asarray(truth, dtype=int), np.asarray(pred, dtype=int)
    if a.shape != b.shape:
        raise EvalError(f"agreement: {a.size} reference levels for {b.size} drafts")
    off = sorted(set(a.tolist() + b.tolist()) - set(labels))
    if off:
        raise EvalError(f"agreement: level(s) {off} are not on the scale {labels}")
    point = _point(a, b, labels)
    boot = boot or Bootstrap()
    ci = _bootstrap(a, b, labels, groups, boot, point) if a.size >= 2 and boot.resamples else {}
    diff = float(b.mean() - a.mean()) if a.size else None
    return Agreement(n=int(a.size), labels=labels, **point, mean_diff=diff, ci=ci,
                     confusion=confusion(a.tolist(), b.tolist(), labels))


def _point(a: np.ndarray, b: np.ndarray, labels: list[int]) -> dict[str, float | None]:
    if a.size == 0:
        return {m: None for m in METRICS}
    diff = np.abs(a - b)
    return {"qwk": qwk(a, b, labels), "lwk": lwk(a, b, labels),
            "exact": float(np.mean(diff == 0)), "adjacent": float(np.mean(diff <= 1)),
            "mae": float(np.mean(diff)), "spearman": spearman(a, b),
            "alpha": kripp_alpha(a, b, labels)}


def _bootstrap(a: np.ndarray, b: np.ndarray, labels: list[int], groups: Sequence[object] | None,
               boot: Bootstrap, point: dict[str, float | None]
               ) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(boot.seed)
    idx = _resample(a.size, groups, boot.resamples, rng)
    values = _kappa_family(a, b, labels, idx)
    _check_fast_path(a, b, labels, point)
    values["spearman"] = _spearman_rows(a, b, idx, point["spearman"])
    values["alpha"] = _array([kripp_alpha(a[i], b[i], labels) for i in idx])
    tail = (1 - boot.level) / 2 * 100
    out: dict[str, tuple[float, float]] = {}
    for name in METRICS:
        v = values[name][np.isfinite(values[name])]
        # A CI from a handful of defined resamples would pretend to a precision it lacks.
        if v.size >= max(10, boot.resamples // 2) and point.get(name) is not None:
            lo, hi = np.percentile(v, [tail, 100 - tail])
            out[name] = (round(float(lo), 4), round(float(hi), 4))
    return out


def _resample(n: int, groups: Sequence[object] | None, resamples: int,
              rng: np.random.Generator) -> list[np.ndarray]:
    if groups is None:
        return list(rng.integers(0, n, size=(resamples, n)))
    members: dict[object, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    blocks = [np.array(v) for v in members.values()]
    picks = rng.integers(0, len(blocks), size=(resamples, len(blocks)))
    return [np.concatenate([blocks[j] for j in row]) for row in picks]


def _kappa_family(a: np.ndarray, b: np.ndarray, labels: list[int], idx: list[np.ndarray]
                  ) -> dict[str, np.ndarray]:
    """Kappas, exact/adjacent agreement and MAE for every resample, from confusion counts."""
    k = len(labels)
    pos = {v: i for i, v in enumerate(labels)}
    ai = np.array([pos[v] for v in a.tolist()], dtype=np.int64)
    bi = np.array([pos[v] for v in b.tolist()], dtype=np.int64)
    counts = np.stack([np.bincount(ai[i] * k + bi[i], minlength=k * k) for i in idx])
    counts = counts.reshape(len(idx), k, k).astype(float)
    grid = np.arange(k)
    dist_idx = np.abs(grid[:, None] - grid[None, :])
    dist_val = np.abs(np.array(labels)[:, None] - np.array(labels)[None, :])
    total = counts.sum(axis=(1, 2))
    return {"qwk": _kappa_counts(counts, dist_idx ** 2), "lwk": _kappa_counts(counts, dist_idx),
            "exact": np.einsum("bii->b", counts) / total,
            "adjacent": (counts * (dist_idx <= 1)).sum(axis=(1, 2)) / total,
            "mae": (counts * dist_val).sum(axis=(1, 2)) / total}


def qwk_matrix(reference: Levels, preds: np.ndarray, labels: Levels
               ) -> np.ndarray:
    """QWK of each row of `preds` against `reference`, vectorised (for fitting cut points; the
    same confusion-count kappa the bootstrap uses, checked against sklearn in the tests)."""
    labels = list(labels)
    k = len(labels)
    lookup = {v: i for i, v in enumerate(labels)}
    ref = np.array([lookup[v] for v in reference], dtype=np.int64)
    index = np.vectorize(lookup.__getitem__)(np.asarray(preds)).astype(np.int64)
    counts = np.stack([np.bincount(ref * k + row, minlength=k * k) for row in index])
    grid = np.arange(k)
    weights = (grid[:, None] - grid[None, :]) ** 2
    return _kappa_counts(counts.reshape(len(index), k, k).astype(float), weights)


def _kappa_counts(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cohen's weighted kappa of each confusion matrix (sklearn's definition)."""
    total = counts.sum(axis=(1, 2))
    expected = np.einsum("bi,bj->bij", counts.sum(axis=2), counts.sum(axis=1)) / total[:, None,
                                                                                        None]
    observed = (counts * weights).sum(axis=(1, 2))
    chance = (expected * weights).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(chance > 0, 1 - observed / chance, np.nan)


def _check_fast_path(a: np.ndarray, b: np.ndarray, labels: list[int],
                     point: dict[str, float | None]) -> None:
    whole = _kappa_family(a, b, labels, [np.arange(a.size)])
    for name in ("qwk", "lwk", "exact", "adjacent", "mae"):
        ref, fast = point[name], float(whole[name][0])
        if ref is not None and not math.isclose(ref, fast, rel_tol=1e-9, abs_tol=1e-9):
            raise EvalError(f"internal check failed: bootstrap {name} {fast} != library {ref}")


def _spearman_rows(a: np.ndarray, b: np.ndarray, idx: list[np.ndarray],
                   reference: float | None) -> np.ndarray:
    """Spearman's rho of every resample: Pearson's r of scipy's average ranks, row-wise
    (a scipy call per resample would dominate the run); checked against scipy's spearmanr."""
    from scipy.stats import rankdata

    whole = _spearman_rows_once(a, b)
    if reference is not None and not math.isclose(whole, reference, abs_tol=1e-9):
        raise EvalError(f"internal check failed: bootstrap spearman {whole} != scipy "
                        f"{reference}")
    if len({i.size for i in idx}) != 1:  # whole documents resampled: sizes vary
        return np.array([_spearman_rows_once(a[i], b[i]) for i in idx], dtype=float)
    ra = rankdata(np.stack([a[i] for i in idx]), axis=1)
    rb = rankdata(np.stack([b[i] for i in idx]), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (ra * rb).sum(axis=1) / np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    return np.where(np.isfinite(rho), rho, np.nan)


def _spearman_rows_once(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    ra, rb = rankdata(a) - (a.size + 1) / 2, rankdata(b) - (b.size + 1) / 2
    denominator = math.sqrt(float((ra ** 2).sum() * (rb ** 2).sum()))
    return float((ra * rb).sum() / denominator) if denominator else math.nan


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
