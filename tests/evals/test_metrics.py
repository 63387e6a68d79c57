"""Agreement metrics against published reference values, and the bootstrap's fast path
against the libraries it must reproduce."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.evals.errors import EvalError
from grader.evals.metrics import (
    Bootstrap,
    _kappa_family,
    agreement,
    kripp_alpha,
    lwk,
    mean_qwk,
    qwk,
    qwk_matrix,
    spearman,
)


def test_qwk_matches_the_asap_reference_vectors() -> None:
    # benhamner/ASAP-AES Evaluation_Metrics tests (the competition's own metric).
    assert qwk([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert qwk([1, 2, 1], [1, 2, 2], labels=[1, 2]) == pytest.approx(0.4)
    assert qwk([1, 2, 3, 1, 2, 2, 3], [1, 2, 3, 1, 2, 3, 2]) == pytest.approx(0.75)
    assert qwk([1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 3, 2]) == pytest.approx(0.75)


def test_mean_qwk_matches_the_asap_fisher_average() -> None:
    # MeanQuadraticWeightedKappa reference values from the same repository (R tests).
    assert mean_qwk([1.0, 1.0]) == pytest.approx(0.999)
    assert mean_qwk([1.0, -1.0]) == pytest.approx(0.0)
    assert mean_qwk([0.5, 0.8], [1.0, 0.5]) == pytest.approx(0.624536446425734)


def test_krippendorff_alpha_matches_krippendorff_2011() -> None:
    # "Computing Krippendorff's Alpha-Reliability" (2011), binary data, two observers: 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert kripp_alpha(a, b, [0, 1]) == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_package_reproduces_the_2011_multi_observer_example() -> None:
    import krippendorff

    nan = np.nan
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") == \
        pytest.approx(0.743, abs=5e-4)
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="interval") == \
        pytest.approx(0.849, abs=5e-4)


def test_undefined_metrics_are_none_never_zero() -> None:
    assert qwk([2, 2, 2], [2, 2, 2], labels=[0, 1, 2, 3]) is None
    assert spearman([1, 1, 1], [0, 1, 2]) is None
    assert kripp_alpha([1, 1], [1, 1], [0, 1, 2]) is None
    result = agreement([], [], [0, 1, 2, 3])
    assert result.n == 0 and result.qwk is None and result.exact is None


def test_agreement_gives_every_metric_with_intervals() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 60)
    b = np.clip(a + rng.integers(-1, 2, 60), 0, 3)
    result = agreement(a, b, [0, 1, 2, 3], boot=Bootstrap(resamples=300, seed=1))
    assert result.n == 60
    assert result.qwk == pytest.approx(qwk(a, b, [0, 1, 2, 3]))
    assert result.lwk == pytest.approx(lwk(a, b, [0, 1, 2, 3]))
    assert result.adjacent == 1.0
    for name in ("qwk", "lwk", "exact", "mae", "spearman", "alpha"):
        low, high = result.ci[name]
        assert low <= getattr(result, name) <= high, name
    assert sum(map(sum, result.confusion)) == 60
    again = agreement(a, b, [0, 1, 2, 3], boot=Bootstrap(resamples=300, seed=1))
    assert again == result  # seeded: the same intervals every run


def test_off_scale_levels_are_refused() -> None:
    with pytest.raises(EvalError, match="not on the scale"):
        agreement([0, 4], [0, 1], [0, 1, 2, 3])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=40))
def test_fast_kappa_path_equals_sklearn(pairs: list[tuple[int, int]]) -> None:
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    labels = [0, 1, 2, 3, 4]
    fast = _kappa_family(a, b, labels, [np.arange(len(a))])
    expected = qwk(a, b, labels)
    if expected is None:
        assert not np.isfinite(fast["qwk"][0]) or fast["qwk"][0] == pytest.approx(0.0)
    else:
        assert fast["qwk"][0] == pytest.approx(expected)
        assert qwk_matrix(a, b[None, :], labels)[0] == pytest.approx(expected)
    linear = lwk(a, b, labels)
    if linear is not None:
        assert fast["lwk"][0] == pytest.approx(linear)


def test_grouped_bootstrap_keeps_documents_whole() -> None:
    a = [0, 1, 2, 3] * 10
    b = [0, 1, 2, 2] * 10
    groups = [i // 4 for i in range(40)]
    result = agreement(a, b, [0, 1, 2, 3], groups=groups, boot=Bootstrap(resamples=200))
    # Each document holds the same four pairs, so every resample has the same agreement.
    assert result.ci["exact"] == (0.75, 0.75)
