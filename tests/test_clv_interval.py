"""Tests of cxanalytics.money.economics.clv_interval and Estimate (lifetime value with an interval)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

import cxanalytics as cx
from cxanalytics.errors import DataQualityWarning, ParameterError
from cxanalytics.money.economics import Estimate, clv, clv_interval

Z = stats.norm.ppf(0.975)
METHODS = st.sampled_from(["delta", "monte_carlo"])
HORIZON = st.sampled_from([None, 1, 5, 30])
TIMING = st.sampled_from(["end", "start"])


def _row(*args, **kwargs) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no input here should warn
        return clv_interval(*args, **kwargs).iloc[0]


# ----------------------------------------------------------------------------- point estimate
@pytest.mark.parametrize("method", ["delta", "monte_carlo"])
def test_point_estimate_is_the_gupta_lehmann_margin_multiple(method):
    # REFERENCE_RESULTS.md (Gupta & Lehmann 2003): r = 0.8, i = 0.1 -> CLV = 2.667 m at the end of each period,
    # m (1 + i)/(1 + i - r) = 3.667 m when the first margin is collected now.
    for m in (1.0, 250.0):
        out = _row(Estimate(m, 0.9 * m, 1.1 * m), Estimate.from_counts(800, 1000), 0.1, method=method, random_state=3)
        assert round(out["clv"] / m, 3) == 2.667
        assert out["clv"] == pytest.approx(m * 0.8 / (1 + 0.1 - 0.8), rel=1e-12)
        start = _row(Estimate(m, 0.9 * m, 1.1 * m), Estimate.from_counts(800, 1000), 0.1, timing="start",
                     method=method, random_state=3)
        assert start["clv"] == pytest.approx(m * 1.1 / 0.3, rel=1e-12)
        assert out["ci_lower"] < out["clv"] < out["ci_upper"]


# ----------------------------------------------------------------------------- delta method
def test_delta_interval_matches_the_hand_derivation():
    # Fader & Hardie (2007), "How to project customer retention", regular customers: 631 of 1,000 renew
    # after year 1. Margin 100 a year with a 95 % interval 90 to 110, discount 10 %, end of period.
    m, lo_m, hi_m, k, n, i = 100.0, 90.0, 110.0, 631, 1000, 0.1
    r = k / n
    value = m * r / (1 + i - r)                          # 134.5416
    d_margin = r / (1 + i - r)                           # dV/dm
    d_retention = m * (1 + i) / (1 + i - r) ** 2         # dV/dr
    se_m = (hi_m - lo_m) / (2 * Z)                       # 5.1021
    se_r = math.sqrt(r * (1 - r) / n)                    # 0.015259
    se = math.sqrt((d_margin * se_m) ** 2 + (d_retention * se_r) ** 2)
    out = _row(Estimate(m, lo_m, hi_m), Estimate.from_counts(k, n), i)
    assert out["clv"] == pytest.approx(value, rel=1e-12)
    assert out["std_error"] == pytest.approx(se, rel=1e-10)
    assert out["ci_lower"] == pytest.approx(value * math.exp(-Z * se / value), rel=1e-10)
    assert out["ci_upper"] == pytest.approx(value * math.exp(Z * se / value), rel=1e-10)
    # the same numbers, rounded by hand
    assert (round(out["clv"], 2), round(out["std_error"], 2)) == (134.54, 10.26)
    assert (round(out["ci_lower"], 2), round(out["ci_upper"], 2)) == (115.86, 156.24)
    assert (out["method"], out["interval"], out["horizon"]) == ("delta", "wald_log", math.inf)
    # the analytic derivative agrees with central finite differences of clv itself
    h = 1e-6
    fd_r = (clv(m, r + h, i) - clv(m, r - h, i)) / (2 * h)
    fd_m = (clv(m + h, r, i) - clv(m - h, r, i)) / (2 * h)
    assert fd_r == pytest.approx(d_retention, rel=1e-7) and fd_m == pytest.approx(d_margin, rel=1e-7)


@settings(max_examples=150, deadline=None)
@given(st.floats(1.0, 1e4), st.floats(0.02, 0.97), st.floats(0.0, 0.5), st.sampled_from([None, 1, 2, 5, 30, 400]), TIMING)
def test_delta_std_error_is_the_finite_difference_gradient(m, r, i, h, timing):
    if h is None:
        i = max(i, 0.01)
    se_r = 0.01
    est = Estimate(r, std_error=se_r)
    out = clv_interval(m, est, i, horizon=h, timing=timing).iloc[0]
    eps = 1e-6 * min(r, 1 - r)
    fd = (clv(m, r + eps, i, horizon=h, timing=timing) - clv(m, r - eps, i, horizon=h, timing=timing)) / (2 * eps)
    assert out["std_error"] == pytest.approx(abs(fd) * se_r, rel=1e-6, abs=1e-9 * m)


def test_delta_falls_back_to_the_value_scale_when_the_margin_may_be_negative():
    out = _row(Estimate(10.0, -5.0, 25.0), 0.8, 0.1)
    se = (25.0 - -5.0) / (2 * Z) * 0.8 / 0.3
    assert out["interval"] == "wald"
    assert out["std_error"] == pytest.approx(se, rel=1e-12)
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((10 * 8 / 3 - Z * se, 10 * 8 / 3 + Z * se), rel=1e-12)


def test_exact_inputs_give_a_zero_width_interval():
    for method in ("delta", "monte_carlo"):
        out = _row(120.0, 0.75, 0.1, horizon=5, method=method, random_state=0)
        assert out["ci_lower"] == out["clv"] == out["ci_upper"] == pytest.approx(clv(120.0, 0.75, 0.1, horizon=5))
        assert out["std_error"] == 0.0


# ----------------------------------------------------------------------------- Monte Carlo
def test_monte_carlo_agrees_with_delta_in_large_samples():
    # 631,000 of 1,000,000 retained and a tight margin: both approximations are then accurate
    m, r = Estimate(100.0, std_error=0.5), Estimate.from_counts(631_000, 1_000_000)
    delta = _row(m, r, 0.1)
    mc = _row(m, r, 0.1, method="monte_carlo", n_draws=400_000, random_state=20261)
    width = delta["ci_upper"] - delta["ci_lower"]
    assert mc["clv"] == delta["clv"]
    assert mc["std_error"] == pytest.approx(delta["std_error"], rel=0.01)
    assert abs(mc["ci_lower"] - delta["ci_lower"]) < 0.01 * width
    assert abs(mc["ci_upper"] - delta["ci_upper"]) < 0.01 * width


def test_monte_carlo_maps_a_retention_interval_through_the_value():
    # With the margin exact, the percentiles of V(r) are V at the percentiles of r: an interval built symmetric
    # on the logit scale must come back as clv(ci_lower), clv(ci_upper).
    theta, s = special.logit(0.85), 0.2
    lo, hi = special.expit(theta - Z * s), special.expit(theta + Z * s)
    out = _row(80.0, Estimate(0.85, lo, hi), 0.08, horizon=10, method="monte_carlo", n_draws=400_000,
               random_state=5)
    assert out["ci_lower"] == pytest.approx(clv(80.0, lo, 0.08, horizon=10), rel=2e-3)
    assert out["ci_upper"] == pytest.approx(clv(80.0, hi, 0.08, horizon=10), rel=2e-3)


def test_monte_carlo_is_reproducible_and_copes_with_all_retained():
    args = (Estimate(50.0, 40.0, 60.0), Estimate.from_counts(20, 20), 0.1)
    a = _row(*args, method="monte_carlo", random_state=11)
    b = _row(*args, method="monte_carlo", random_state=11)
    c = _row(*args, method="monte_carlo", random_state=12)
    assert a.equals(b) and a["ci_lower"] != c["ci_lower"]
    assert a["clv"] == pytest.approx(50.0 / 0.1)  # r = 1: m / i
    assert a["ci_lower"] < a["clv"] <= a["ci_upper"]  # Jeffreys boundary rule: the estimate stays inside
    with pytest.raises(ParameterError, match="monte_carlo"):
        clv_interval(*args)  # the delta method has no variance at r = 1


@pytest.mark.parametrize("method", ["delta", "monte_carlo"])
def test_coverage_in_a_seeded_simulation(method):
    # 400 samples of 200 customers with true retention 0.8: the 95 % interval should cover the true value
    # in about 95 % of them (binomial sd of the share 1.1 points).
    rng = np.random.default_rng(2026)
    truth = clv(100.0, 0.8, 0.1)
    hits = [
        (o := clv_interval(100.0, Estimate.from_counts(int(rng.binomial(200, 0.8)), 200), 0.1, method=method,
                           n_draws=4000, random_state=int(rng.integers(2**31))).iloc[0])["ci_lower"] <= truth <= o["ci_upper"]
        for _ in range(400)
    ]
    assert 0.92 <= np.mean(hits) <= 0.98


# ----------------------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5000), st.floats(0.0, 1.0), st.floats(0.0, 0.4), st.floats(0.01, 0.5), HORIZON, TIMING, METHODS)
def test_interval_contains_the_estimate(n, p, rel_se, i, h, timing, method):
    k = round(p * n)
    if method == "delta":
        assume(0 < k < n)
    out = _row(Estimate(100.0, std_error=100.0 * rel_se), Estimate.from_counts(k, n), i, horizon=h, timing=timing,
               method=method, n_draws=4000, random_state=1)
    assert out["ci_lower"] <= out["clv"] <= out["ci_upper"]
    assert out["std_error"] >= 0


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 2000), st.floats(0.05, 0.95), st.floats(0.01, 0.5), HORIZON, TIMING, METHODS)
def test_interval_narrows_as_counts_grow(n, p, i, h, timing, method):
    k = round(p * n)
    assume(0 < k < n)
    small, large = (_row(60.0, Estimate.from_counts(c * k, c * n), i, horizon=h, timing=timing, method=method,
                         n_draws=20_000, random_state=7) for c in (1, 4))
    assert large["clv"] == pytest.approx(small["clv"], rel=1e-12)
    if h == 1 and timing == "start":  # one margin, collected now: nothing uncertain
        assert small["ci_upper"] - small["ci_lower"] == 0
        return
    assert large["ci_upper"] - large["ci_lower"] < small["ci_upper"] - small["ci_lower"]


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3000), st.floats(0.0, 1.0), st.floats(0.01, 0.5), HORIZON, TIMING, METHODS, st.floats(0.0, 0.1))
def test_monotone_in_retention(n, p, i, h, timing, method, rel_se):
    k = min(round(p * n), n - 1)
    if method == "delta":  # needs 0 < k, k + 1 < n; below 5 customers it can fail (next test)
        assume(0 < k < n - 1 and n >= 5)
    margin = Estimate(100.0, std_error=100.0 * rel_se)  # positive margin: the value increases with retention
    lo, hi = (_row(margin, Estimate.from_counts(c, n), i, horizon=h, timing=timing, method=method, n_draws=4000,
                   random_state=3) for c in (k, k + 1))
    for col in ("clv", "ci_lower", "ci_upper"):
        assert lo[col] <= hi[col] * (1 + 1e-12), col


def test_with_tiny_counts_only_monte_carlo_stays_monotone():
    # 1 -> 2 retained of 3, continuous margins over an infinite horizon: the delta interval's lower limit falls
    # (62.2 < 67.9) as retention rises, because se(log V) grows faster than log V; the draws keep their order.
    delta = [_row(100.0, Estimate.from_counts(k, 3), 0.01, timing="start") for k in (1, 2)]
    assert delta[1]["clv"] > delta[0]["clv"] and delta[1]["ci_lower"] < delta[0]["ci_lower"]
    mc = [_row(100.0, Estimate.from_counts(k, 3), 0.01, timing="start", method="monte_carlo", random_state=1)
          for k in (0, 1, 2, 3)]
    for col in ("clv", "ci_lower", "ci_upper"):
        assert all(a[col] <= b[col] for a, b in zip(mc, mc[1:], strict=False)), col


# ----------------------------------------------------------------------------- Estimate and inputs
def test_jeffreys_interval_matches_statsmodels():
    for k, n, level in ((631, 1000, 0.95), (3, 17, 0.9), (45, 46, 0.99)):
        est = Estimate.from_counts(k, n, level=level)
        expected = proportion_confint(k, n, alpha=1 - level, method="jeffreys")
        assert (est.ci_lower, est.ci_upper) == pytest.approx(expected, rel=1e-10)
        assert est.std_error == pytest.approx(math.sqrt(k / n * (1 - k / n) / n))
    # boundary rule (Brown, Cai & DasGupta 2001): limit 0 at k = 0, 1 at k = n
    assert Estimate.from_counts(0, 12).ci_lower == 0.0 and Estimate.from_counts(12, 12).ci_upper == 1.0


def test_tidy_rows_are_read_like_estimates():
    ref = _row(Estimate(90.0, 80.0, 100.0), Estimate(0.82, 0.78, 0.86), 0.1)
    as_tuple = _row((90.0, 80.0, 100.0), (0.82, 0.78, 0.86), 0.1)
    segment_row = pd.Series({"margin": 90.0, "margin_ci_lower": 80.0, "margin_ci_upper": 100.0, "retention": 0.82,
                             "retention_ci_lower": 0.78, "retention_ci_upper": 0.86, "n": 412})
    from_segment = _row(segment_row, segment_row, 0.1)
    tidy = pd.DataFrame({"estimate": [0.82], "ci_lower": [0.78], "ci_upper": [0.86]})
    from_frame = _row(Estimate(90.0, 80.0, 100.0), tidy, 0.1)
    for other in (as_tuple, from_segment, from_frame):
        assert other.equals(ref)
    # a level column and a std_error are honoured
    at_90 = _row(90.0, {"estimate": 0.82, "ci_lower": 0.78, "ci_upper": 0.86, "level": 0.9}, 0.1)
    at_95 = _row(90.0, (0.82, 0.78, 0.86), 0.1)
    assert at_90["std_error"] == pytest.approx(at_95["std_error"] * Z / stats.norm.ppf(0.95))
    with_se = _row(90.0, {"retention": 0.82, "retention_std_error": 0.02}, 0.1)
    assert with_se["std_error"] == pytest.approx(90.0 * 1.1 / (1.1 - 0.82) ** 2 * 0.02)


def test_a_clv_by_segment_row_carries_its_retention_interval():
    c = pd.DataFrame({"customer_id": range(1, 9), "segment": ["a"] * 8, "acquired_at": pd.to_datetime(["2022-01-01"] * 8),
                      "cancelled_at": pd.to_datetime(["2023-01-01", "2023-06-01", "2024-03-01", None, None, None, None,
                                                      "2025-02-01"])})
    t = pd.DataFrame({"customer_id": range(1, 9), "occurred_at": pd.to_datetime(["2022-01-01"] * 8), "amount": 100.0})
    row = cx.clv_by_segment(c, t, as_of="2026-01-01", lapse=False, period="365D").iloc[0]
    with pytest.warns(DataQualityWarning, match="not symmetric"):  # 4 events: a skewed exact Poisson interval
        out = clv_interval(row["margin"], row, 0.1, method="monte_carlo", random_state=2).iloc[0]
    assert out["clv"] == pytest.approx(row["clv"])
    assert out["ci_lower"] < out["clv"] < out["ci_upper"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"discount": Estimate(0.1, 0.05, 0.15)}, "discount"),
        ({"retention": (0.8, 0.85, 0.9)}, "retention"),
        ({"retention": (0.8, 0.7, 1.0)}, "logit"),
        ({"retention": Estimate.from_counts(50, 50)}, "monte_carlo"),
        ({"retention": pd.DataFrame({"estimate": [0.8, 0.7], "ci_lower": 0.6, "ci_upper": 0.9})}, "one row"),
        ({"retention": pd.Series({"rate": 0.8})}, "retention"),
        ({"retention": {"retention": 0.8, "retention_ci_lower": np.nan, "retention_ci_upper": 0.9}}, "retention_ci_lower"),
        ({"retention": "high"}, "retention"),
        ({"retention": 1.2}, "retention"),
        ({"margin": Estimate.from_counts(3, 4)}, "margin"),
        ({"margin": (100.0, 90.0)}, "margin"),
        ({"method": "bootstrap"}, "method"),
        ({"method": "monte_carlo", "n_draws": 0}, "n_draws"),
        ({"alpha": 1.5}, "alpha"),
        ({"horizon": 2.5}, "horizon"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    args = {"margin": Estimate(100.0, 90.0, 110.0), "retention": Estimate.from_counts(600, 1000), "discount": 0.1} | kwargs
    with pytest.raises(ParameterError, match=match):
        clv_interval(args.pop("margin"), args.pop("retention"), args.pop("discount"), **args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"value": 1.0, "ci_lower": 2.0, "ci_upper": 3.0}, "contain"),
        ({"value": 1.0, "ci_lower": 0.5}, "both ends"),
        ({"value": np.nan}, "finite"),
        ({"value": 1.0, "level": 95}, "level"),
        ({"value": 1.0, "std_error": -1.0}, "Standard error"),
        ({"value": 0.5, "count": 1.0, "n": 3.0}, "count / n"),
        ({"value": 1.0, "count": 4.0, "n": 3.0}, "count <= n"),
        ({"value": "0.5"}, "number"),
    ],
)
def test_estimate_rejects_inconsistent_fields(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        Estimate(**kwargs)


def test_an_estimate_scale_overrides_the_working_scale():
    # a margin whose interval is symmetric as a ratio (log scale): 100 x/÷ exp(1.96 * 0.1)
    lo, hi = 100.0 * np.exp(-Z * 0.1), 100.0 * np.exp(Z * 0.1)
    log_margin = Estimate(100.0, lo, hi, scale="log")
    mc = _row(log_margin, 0.8, 0.1, method="monte_carlo", n_draws=400_000, random_state=8)
    assert (mc["ci_lower"], mc["ci_upper"]) == pytest.approx((clv(lo, 0.8, 0.1), clv(hi, 0.8, 0.1)), rel=2e-3)
    delta = _row(log_margin, 0.8, 0.1)  # se(m) = m se(log m) = 10, then V exp(+-z se/V): the same interval
    assert delta["std_error"] == pytest.approx(10.0 * 0.8 / 0.3, rel=1e-12)
    assert (delta["ci_lower"], delta["ci_upper"]) == pytest.approx((clv(lo, 0.8, 0.1), clv(hi, 0.8, 0.1)), rel=1e-12)
    # retention on the identity scale instead of the default logit (draws 7.8 standard errors from 1)
    ident = _row(100.0, Estimate(0.8, 0.75, 0.85, scale="identity"), 0.1, method="monte_carlo", n_draws=400_000,
                 random_state=8)
    assert ident["ci_lower"] == pytest.approx(clv(100.0, 0.75, 0.1), rel=3e-3)
    assert ident["ci_upper"] == pytest.approx(clv(100.0, 0.85, 0.1), rel=3e-3)
    with pytest.raises(ParameterError, match="left"):  # a wide identity-scale interval draws retention above 1
        clv_interval(100.0, Estimate(0.8, 0.6, 1.0, scale="identity"), 0.1, method="monte_carlo", random_state=1)
    with pytest.raises(ParameterError, match="scale"):
        Estimate(1.0, scale="probit")
    with pytest.raises(ParameterError, match="log scale"):
        clv_interval(Estimate(10.0, -5.0, 25.0, scale="log"), 0.8, 0.1)


def test_from_counts_rejects_bad_counts():
    for args in ((5, 3), (-1, 3), (0, 0), (np.nan, 3), (True, 3)):
        with pytest.raises(ParameterError, match="retained"):
            Estimate.from_counts(*args)


def test_clv_is_a_float_on_numbers_and_an_interval_on_estimates():
    assert isinstance(clv(100.0, 0.8, 0.1), float)
    assert cx.clv_interval is clv_interval and cx.Estimate is Estimate
    margin, retention = Estimate(100.0, 90.0, 110.0), Estimate.from_counts(631, 1000)
    pd.testing.assert_frame_equal(clv(margin, retention, 0.1, horizon=5),
                                  clv_interval(margin, retention, 0.1, horizon=5))
    row = clv(margin, 0.8, 0.1).iloc[0]
    assert row["clv"] == pytest.approx(clv(100.0, 0.8, 0.1)) and row["ci_lower"] < row["clv"] < row["ci_upper"]
    with pytest.raises(ParameterError, match="retention"):
        cx.sensitivity(clv, {"margin": 100.0, "retention": Estimate(0.8, 0.75, 0.85), "discount": 0.1},
                       {"margin": (90.0, 110.0)})
