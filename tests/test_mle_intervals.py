"""Intervals of the shared maximum-likelihood engine (cxanalytics.behaviour._mle) at the edges (issue 14).

Under ``error::RuntimeWarning:cxanalytics`` (pyproject) the hypothesis test
``test_clv.py::test_sbg_fit_never_below_the_homogeneous_limit`` found counts [50, 25]: one period
does not identify the two sBG parameters, the log-scale standard error is 569 and
``exp(x + 1.96 * 569)`` overflowed with a RuntimeWarning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from cxanalytics.behaviour._mle import _fit_mle


@pytest.mark.parametrize("curvature", [1.0, 1e-6])
def test_log_scale_interval_is_exp_of_the_wald_interval_even_beyond_the_double_range(curvature):
    # negll = c (x - log 2)^2 / 2: minimum at x = log 2 (estimate 2), Hessian c, se_log = 1 / sqrt(c)
    def negll(x):
        return curvature * (x[0] - np.log(2.0)) ** 2 / 2

    def grad(x):
        return np.array([curvature * (x[0] - np.log(2.0))])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, table, _, converged = _fit_mle(negll, np.zeros(1), ["theta"], 0.05, "test", grad)
    assert converged
    row = table.iloc[0]
    se_log = 1 / np.sqrt(curvature)
    z = stats.norm.ppf(0.975)
    assert row["estimate"] == pytest.approx(2.0, rel=1e-6)
    assert row["std_error"] == pytest.approx(2.0 * se_log, rel=1e-4)
    if curvature == 1.0:  # the closed form: exp(log 2 -+ z)
        assert row["ci_lower"] == pytest.approx(2 * np.exp(-z), rel=1e-4)
        assert row["ci_upper"] == pytest.approx(2 * np.exp(z), rel=1e-4)
    else:  # log 2 -+ 1.96 * 1000: exp(1960.6) is beyond the largest double, exp(-1959) below the smallest
        assert (row["ci_lower"], row["ci_upper"]) == (0.0, np.inf)
