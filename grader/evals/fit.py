"""Fit a calibrated scorer: ridge weights over features, then cut points on the weighted score.

The weights come from scikit-learn's RidgeCV on standardised features (the penalty chosen by
cross-validation, which matters when a jury has confirmed only a few dozen sheets); they are
folded back into the features' own units so that `grader.backends.calibration.apply_fit`
applies them as they are. The cut points first reproduce the training levels' distribution,
then, when there is enough data, move one at a time to the position that maximises QWK on the
training split (coordinate ascent, the approach of the ASAP competitors' "optimised rounder").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grader.backends.calibration import CriterionFit
from grader.evals.errors import EvalError
from grader.evals.metrics import qwk_matrix

MIN_FOR_CUT_SEARCH = 40
"""Below this many examples the cuts stay distribution-matched: searching them would fit noise."""
ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0)


def fit_scorer(rows: Sequence[dict[str, float]], target: Sequence[float],
               reference: Sequence[int], values: Sequence[int],
               features: Sequence[str] | None = None) -> CriterionFit:
    """A CriterionFit from feature rows, a regression target (e.g. the jurors' mean level) and
    the reference levels the cuts are tuned on."""
    from sklearn.linear_model import RidgeCV

    names = sorted(features or {k for row in rows for k in row})
    if len(rows) < 3 or len(set(reference)) < 2:
        raise EvalError(f"cannot calibrate on {len(rows)} example(s) with "
                        f"{len(set(reference))} distinct level(s): the jury's levels must vary")
    x = matrix(rows, names)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = RidgeCV(alphas=ALPHAS).fit((x - mean) / scale, np.asarray(target, dtype=float))
    weights = model.coef_ / scale
    bias = float(model.intercept_ - np.sum(weights * mean))
    scores = x @ weights + bias
    cuts = fit_cuts(scores, np.asarray(reference, dtype=int), list(values))
    return CriterionFit(weights={n: round(float(w), 8) for n, w in zip(names, weights,
                                                                       strict=True) if w},
                        bias=round(bias, 8), cuts=[round(float(c), 8) for c in cuts],
                        n=len(rows))


def matrix(rows: Sequence[dict[str, float]], names: Sequence[str]) -> np.ndarray:
    return np.array([[float(row.get(n, 0.0)) for n in names] for row in rows], dtype=float)


def scores(fit: CriterionFit, rows: Sequence[dict[str, float]]) -> np.ndarray:
    names = list(fit.weights)
    w = np.array([fit.weights[n] for n in names])
    return matrix(rows, names) @ w + fit.bias


def levels(fit: CriterionFit, rows: Sequence[dict[str, float]], values: Sequence[int]
           ) -> list[int]:
    """The levels `apply_fit` gives, for many rows at once."""
    index = np.searchsorted(np.asarray(fit.cuts), scores(fit, rows), side="right")
    return [values[min(int(i), len(values) - 1)] for i in index]


def fit_cuts(scores: np.ndarray, reference: np.ndarray, values: list[int]) -> list[float]:
    cuts = _distribution_cuts(scores, reference, values)
    if len(scores) >= MIN_FOR_CUT_SEARCH:
        cuts = _search_cuts(scores, reference, values, cuts)
    return cuts


def _distribution_cuts(scores: np.ndarray, reference: np.ndarray, values: list[int]
                       ) -> list[float]:
    """Cuts at the quantiles of the scores that give each level its share of the training set."""
    order = np.sort(scores)
    shares = np.cumsum([np.mean(reference == v) for v in values])[:-1]
    positions = np.clip(np.round(shares * len(order)).astype(int), 0, len(order))
    bounds = np.concatenate([[order[0] - 1.0], order, [order[-1] + 1.0]])
    # A cut between the k-th and (k+1)-th score: the first k go below it.
    return [float((bounds[p] + bounds[p + 1]) / 2) for p in positions]


def _search_cuts(scores: np.ndarray, reference: np.ndarray, values: list[int],
                 cuts: list[float], rounds: int = 3, grid: int = 25) -> list[float]:
    cuts = list(cuts)
    lo, hi = float(scores.min()) - 1.0, float(scores.max()) + 1.0
    for _ in range(rounds):
        for i in range(len(cuts)):
            left = cuts[i - 1] if i else lo
            right = cuts[i + 1] if i + 1 < len(cuts) else hi
            if right <= left:
                continue
            candidates = np.unique(np.concatenate([np.linspace(left, right, grid), [cuts[i]]]))
            trials = np.repeat(np.asarray(cuts)[None, :], len(candidates), axis=0)
            trials[:, i] = candidates
            preds = np.stack([np.searchsorted(t, scores, side="right") for t in trials])
            kappas = qwk_matrix(reference.tolist(), np.asarray(values)[np.minimum(preds,
                                                                         len(values) - 1)],
                                values)
            best = int(np.nanargmax(kappas)) if np.isfinite(kappas).any() else None
            if best is not None and kappas[best] > np.nanmax([kappas[candidates == cuts[i]]]):
                cuts[i] = float(candidates[best])
    return cuts
