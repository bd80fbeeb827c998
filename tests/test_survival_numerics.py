"""Kaplan-Meier numerics at the edges: extreme case weights, S near 0 and 1 (issue 14).

``make test`` once failed with "overflow encountered in exp" in the weighted Kaplan-Meier of
tests/test_scale.py: the log-log interval was computed as ``S ** exp(theta)`` with
``theta = z sigma / -log S``, and ``exp(theta)`` overflows for theta > 709.8. That input also
showed a second defect: a group whose last time has only events ended at S = 4.6e-16 instead
of 0, because the numbers at risk were a running sum over *all* groups minus the next
group's total, which leaves each group the rounding error of the groups after it.

The reference for the interval is R's survival package (Therneau), ``survfit_confint`` with
``conf.type = "log-log"``: with ``selog`` the standard error of the cumulative hazard (the
square root of Greenwood's sum) and ``zval = qnorm(1 - (1 - conf.int) / 2)``,

    lower = exp(-exp(log(-log(p)) - zval * selog / log(p)))
    upper = exp(-exp(log(-log(p)) + zval * selog / log(p)))

and NA where p is 0 or 1. R evaluates this in IEEE doubles, where ``exp`` of a large number is
``Inf`` without a warning and ``exp(-Inf)`` is 0; :func:`_r_loglog` does the same.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxanalytics.behaviour.survival import _km as sv
from cxanalytics.behaviour.survival import kaplan_meier


def _r_loglog(p, selog, conf_int=0.95):
    """R survival's log-log interval, evaluated literally as R does (see the module docstring)."""
    p, selog = np.asarray(p, float), np.asarray(selog, float)
    zval = stats.norm.ppf(1 - (1 - conf_int) / 2)
    xx = np.where((p == 0) | (p == 1), np.nan, p)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        selog2 = zval * selog / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - selog2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + selog2))
    return lower, upper


def _km_strict(data, **kwargs):
    """kaplan_meier with every warning an error (a RuntimeWarning from numpy included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return kaplan_meier(data, **kwargs)


# --------------------------------------------------------------------------- the overflow
@pytest.mark.parametrize("exponent", range(1, 16))
def test_loglog_interval_when_little_weight_stays_at_risk(exponent):
    # weight 1 has the event at t = 1; weight c = 10**-exponent is censored at t = 2.
    # At t = 1: n = 1 + c, d = 1, S = c / (1 + c), Greenwood sigma^2 = 1 / ((1 + c) c), so
    # z sigma / -log S grows like 1.96 / (sqrt(c) log(1/c)): about 1065 for c = 1e-8, where the
    # old S ** exp(theta) overflowed ("overflow encountered in exp").
    c = 10.0**-exponent
    data = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "w": [1.0, c]})
    km = _km_strict(data, duration="t", event="e", weights="w")
    row = km.curve.iloc[0]
    s_closed = c / (1 + c)
    sigma_closed = np.sqrt(1 / ((1 + c) * c))
    assert row["n_at_risk"] == 1 + c and row["n_events"] == 1
    assert row["survival"] == pytest.approx(s_closed, rel=1e-14)
    assert row["std_error"] == pytest.approx(s_closed * sigma_closed, rel=1e-14)
    lower, upper = _r_loglog(s_closed, sigma_closed)
    assert row["ci_lower"] == pytest.approx(float(lower), rel=1e-12, abs=1e-300)
    assert row["ci_upper"] == pytest.approx(float(upper), rel=1e-12)
    assert 0 <= row["ci_lower"] <= row["survival"] <= row["ci_upper"] <= 1
    if exponent >= 8:  # the overflowing range: the band is [0, 1] to double precision, as in R
        assert (row["ci_lower"], row["ci_upper"]) == (0.0, 1.0)
    # the censored weight is still at risk at t = 2 and leaves without an event
    assert km.curve["survival"].iloc[1] == row["survival"]


def test_loglog_interval_of_the_issue_14_input():
    # the data of tests/test_scale.py::test_kaplan_meier_dask_equals_pandas[kwargs3], which warned
    rng = np.random.default_rng(8)
    n = 5000
    data = pd.DataFrame({
        "days": rng.integers(0, 700, n),
        "years": np.round(rng.exponential(2.0, n), 3),
        "churned": rng.random(n) < 0.6,
        "plan": rng.choice(["prepaid", "contract"], n),
        "segment": pd.Series(rng.choice(["consumer", "business", None], n, p=[0.6, 0.39, 0.01]), dtype="str"),
        "weight": rng.gamma(2.0, 1.0, n),
    }).dropna(subset=["segment"])  # fmt: skip
    km = _km_strict(data, duration="years", event="churned", by="segment", weights="weight")
    c = km.curve
    business = c[c["segment"] == "business"]
    last = business.iloc[-1]  # 1.667 of weight at risk at 15.924 years, all of it churns there
    assert last["n_censored"] == 0 and last["n_at_risk"] == last["n_events"]
    assert last["survival"] == 0 and np.isnan(last["std_error"])
    assert np.isnan(last["ci_lower"]) and np.isnan(last["ci_upper"])  # R: NA where p = 0
    inside = (c["survival"] > 0) & (c["survival"] < 1)
    lower, upper = _r_loglog(c["survival"][inside], c["std_error"][inside] / c["survival"][inside])
    np.testing.assert_allclose(c["ci_lower"][inside], lower, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(c["ci_upper"][inside], upper, rtol=1e-10)


def test_a_group_ending_in_events_reaches_zero_whatever_the_later_groups_weigh():
    # group "a": weight 0.1 churns at t = 1. Group "b" weighs 1e6. The old running sum over both
    # groups gave "a" (0.1 + 1e6) - 1e6 = 0.10000000009313226 at risk, so S = 9.3e-10, not 0.
    data = pd.DataFrame({"g": ["a", "b", "b"], "t": [1.0, 1.0, 2.0], "e": [1, 1, 0], "w": [0.1, 1e6, 1.0]})
    km = _km_strict(data, duration="t", event="e", by="g", weights="w")
    a = km.curve[km.curve["g"] == "a"].iloc[0]
    assert a["n_at_risk"] == 0.1 and a["n_events"] == 0.1
    assert a["survival"] == 0.0 and np.isnan(a["std_error"])
    assert np.isnan(a["ci_lower"]) and np.isnan(a["ci_upper"])
    b = km.curve[km.curve["g"] == "b"]
    assert b["n_at_risk"].tolist() == [1e6 + 1.0, 1.0]
    assert b["survival"].iloc[0] == pytest.approx(1.0 / (1e6 + 1.0), rel=1e-15)


def test_greenwood_with_huge_weights_does_not_overflow():
    # n (n - d) overflowed for weights above ~1e154 (sigma^2 became 0: a zero-width band).
    # Weights act as frequency weights: all scaled by k, sigma^2 = d / (n (n - d)) scales by 1/k.
    base = pd.DataFrame({"t": [1.0, 2.0, 3.0, 3.0], "e": [1, 0, 1, 0], "w": [1.0, 2.0, 1.0, 1.0]})
    ref = _km_strict(base, duration="t", event="e", weights="w").curve
    k = 1e200
    big = _km_strict(base.assign(w=base["w"] * k), duration="t", event="e", weights="w").curve
    np.testing.assert_allclose(big["survival"], ref["survival"], rtol=1e-15)
    np.testing.assert_allclose(big["std_error"], ref["std_error"] / np.sqrt(k), rtol=1e-14)
    # n = 5, d = 1 at t = 1: sigma^2 = 1 / 20 at weight 1
    assert big["std_error"].iloc[0] == pytest.approx(0.8 * np.sqrt(1 / 20 / k), rel=1e-14)
    lower, upper = _r_loglog(big["survival"][:3], big["std_error"][:3] / big["survival"][:3])
    np.testing.assert_allclose(big["ci_lower"][:3], lower, rtol=1e-12)
    np.testing.assert_allclose(big["ci_upper"][:3], upper, rtol=1e-12)


def test_loglog_interval_edges():
    z = stats.norm.ppf(0.975)
    s = np.array([1.0, 0.0, 0.5, 0.5, 0.5, 1 - 2.0**-53, 1e-300])
    var = np.array([0.0, np.inf, 0.0, np.inf, 0.04, 1.0, 1e-3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower, upper = sv._loglog_interval(s, var, z)
    assert (lower[0], upper[0]) == (1.0, 1.0)  # before the first event
    assert np.isnan(lower[1]) and np.isnan(upper[1])  # S = 0: undefined (R: NA)
    assert (lower[2], upper[2]) == (0.5, 0.5)  # no variance: no width
    assert (lower[3], upper[3]) == (0.0, 1.0)  # unbounded variance: the whole unit interval
    r_lower, r_upper = _r_loglog(s[4:], np.sqrt(var[4:]))
    np.testing.assert_allclose(lower[4:], r_lower, rtol=1e-13)
    np.testing.assert_allclose(upper[4:], r_upper, rtol=1e-13)
    assert (lower[5], upper[5]) == (0.0, 1.0)  # theta = 1.96 / 1.1e-16: R's Inf arithmetic gives the same


@pytest.mark.parametrize("x", [-1e300, -745.0, -40.0, -39.0, 0.0, 6.6, 7.0, 710.0, 1e300, np.inf, -np.inf])
def test_exp_neg_exp_is_the_correctly_rounded_value(x):
    with np.errstate(over="ignore", under="ignore"):
        direct = float(np.exp(-np.exp(np.float64(x))))  # IEEE: Inf and 0 where it over/underflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(sv._exp_neg_exp(np.array([x]))[0]) == direct


# --------------------------------------------------------------------------- properties
_weighted = st.lists(
    st.tuples(st.integers(0, 12), st.booleans(), st.sampled_from("abc"),
              st.integers(-12, 12).map(lambda k: 10.0**k) | st.floats(1e-3, 1e3)),
    min_size=1, max_size=50,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(_weighted)
def test_weighted_kaplan_meier_never_warns_and_each_group_is_its_own_estimate(rows):
    data = pd.DataFrame(rows, columns=["t", "e", "g", "w"])
    km = _km_strict(data, duration="t", event="e", by="g", weights="w")
    for g, c in km.curve.groupby("g"):
        alone = _km_strict(data[data["g"] == g], duration="t", event="e", weights="w").curve
        pd.testing.assert_frame_equal(c.drop(columns="g").reset_index(drop=True), alone, check_exact=True)
        s = c["survival"].to_numpy()
        assert np.all((s >= 0) & (s <= 1))
        ok = s > 0
        lo, hi = c["ci_lower"].to_numpy()[ok], c["ci_upper"].to_numpy()[ok]
        assert np.all((lo >= 0) & (lo <= s[ok] * (1 + 1e-12)) & (hi >= s[ok] * (1 - 1e-12)) & (hi <= 1))
        assert np.all(np.isnan(c["ci_lower"].to_numpy()[~ok]))
        last = c.iloc[-1]
        if last["n_censored"] == 0:  # every subject still at risk has the event: the curve ends at 0
            assert last["n_at_risk"] == last["n_events"] and last["survival"] == 0
