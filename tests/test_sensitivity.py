"""Tests of cxanalytics.money.sensitivity: tornado tables and break-even points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxanalytics.errors import ParameterError
from cxanalytics.money.economics import Estimate, clv
from cxanalytics.money.sensitivity import (
    break_even,
    break_even_curve,
    break_even_interval,
    sensitivity,
)

BASE = {"margin": 100.0, "retention": 0.8, "discount": 0.1}


def test_tornado_table_of_the_margin_multiple_hand_worked():
    t = sensitivity(clv, BASE, {"discount": (0.08, 0.12), "retention": (0.75, 0.85), "margin": (90.0, 110.0)})
    assert t["input"].tolist() == ["retention", "margin", "discount"]  # largest swing first
    assert list(t.columns) == ["input", "low", "high", "base", "output_low", "output_high", "output_base", "swing"]
    r = t.set_index("input")
    assert r.loc["retention", "output_low"] == pytest.approx(75 / 0.35)
    assert r.loc["retention", "output_high"] == pytest.approx(85 / 0.25)
    assert r.loc["discount", "output_low"] == pytest.approx(80 / 0.28)
    assert r.loc["discount", "output_high"] == pytest.approx(80 / 0.32)
    assert r.loc["margin", "swing"] == pytest.approx(20 * 0.8 / 0.3)
    assert t["output_base"].tolist() == pytest.approx([800 / 3] * 3)
    assert r.loc["discount", "base"] == 0.1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=5), st.floats(0.1, 10))
def test_swing_of_a_linear_function_is_coefficient_times_width(coefs, width):
    names = [f"x{k}" for k in range(len(coefs))]

    def f(**kw):
        return sum(c * kw[n] for c, n in zip(coefs, names, strict=True))

    t = sensitivity(f, dict.fromkeys(names, 1.0), {n: (1.0 - width / 2, 1.0 + width / 2) for n in names})
    expected = sorted((abs(c) * width for c in coefs), reverse=True)
    assert t["swing"].tolist() == pytest.approx(expected, abs=1e-9)
    assert t["swing"].is_monotonic_decreasing


def test_sensitivity_errors():
    with pytest.raises(ParameterError, match="churn"):
        sensitivity(clv, BASE, {"churn": (0.1, 0.2)})
    with pytest.raises(ParameterError, match="retention"):
        sensitivity(clv, BASE, {"retention": 0.8})
    with pytest.raises(ParameterError, match="finite"):
        sensitivity(lambda **kw: np.inf, BASE, {"margin": (1.0, 2.0)})
    with pytest.raises(ParameterError, match="number"):
        sensitivity(lambda **kw: "high", BASE, {"margin": (1.0, 2.0)})
    with pytest.raises(ParameterError, match="ranges"):
        sensitivity(clv, BASE, {})


def test_break_even_retention_hand_worked():
    # 100 r / (1.1 - r) = 400  ->  r = 4.4 / 5 = 0.88
    assert break_even(clv, "retention", 400.0, (0.5, 0.99), base_inputs=BASE) == pytest.approx(0.88, abs=1e-10)
    # margin at which CLV repays an acquisition cost of 200: m * 8/3 = 200 -> m = 75
    assert break_even(clv, "margin", 200.0, (1.0, 500.0), base_inputs=BASE) == pytest.approx(75.0, abs=1e-9)
    # a one-argument function
    assert break_even(lambda x: x**2, None, 2.0, (0.0, 3.0)) == pytest.approx(np.sqrt(2), abs=1e-10)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.05, 0.95), st.floats(1.0, 1000.0))
def test_break_even_inverts_clv(r, m):
    target = clv(m, r, 0.1)
    x = break_even(clv, "retention", target, (0.0, 0.999), base_inputs={"margin": m, "retention": 0.5, "discount": 0.1})
    assert x == pytest.approx(r, abs=1e-9)


def test_break_even_errors():
    with pytest.raises(ParameterError, match="does not cross"):
        break_even(clv, "retention", 1e6, (0.1, 0.9), base_inputs=BASE)
    with pytest.raises(ParameterError, match="bracket"):
        break_even(clv, "retention", 400.0, (0.9, 0.1), base_inputs=BASE)
    with pytest.raises(ParameterError, match="bracket"):
        break_even(clv, "retention", 400.0, "wide", base_inputs=BASE)
    with pytest.raises(ParameterError, match="input"):
        break_even(clv, "churn", 400.0, (0.1, 0.9), base_inputs=BASE)


def test_break_even_curve():
    c = break_even_curve(clv, "retention", (0.5, 0.9), base_inputs=BASE, n=5)
    assert list(c.columns) == ["input", "value", "output"]
    assert c["value"].tolist() == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9])
    assert c["output"].tolist() == pytest.approx([100 * r / (1.1 - r) for r in (0.5, 0.6, 0.7, 0.8, 0.9)])
    assert (c["input"] == "retention").all()
    one = break_even_curve(lambda x: 2 * x, None, (0, 1), n=2)
    pd.testing.assert_series_equal(one["output"], pd.Series([0.0, 2.0], name="output"))
    with pytest.raises(ParameterError, match="n"):
        break_even_curve(clv, "retention", (0.5, 0.9), base_inputs=BASE, n=1)


# ----------------------------------------------------------------------------- break-even with an interval
Z = stats.norm.ppf(0.975)


def test_break_even_interval_delta_matches_the_hand_derivation():
    # 100 r / (1.1 - r) = T  ->  r* = 1.1 T / (m + T); dr*/dT = 1.1 m / (m + T)^2, dr*/dm = -1.1 T / (m + T)^2
    m, se_m, t, se_t = 100.0, 10.0 / Z, 400.0, 40.0 / Z
    r_star = 1.1 * t / (m + t)  # 0.88
    se = 1.1 / (m + t) ** 2 * np.hypot(m * se_t, t * se_m)  # 0.01270
    out = break_even_interval(clv, "retention", Estimate(t, 360.0, 440.0), (0.5, 0.99),
                              base_inputs={**BASE, "margin": Estimate(m, 90.0, 110.0)}).iloc[0]
    assert out["break_even"] == pytest.approx(r_star, abs=1e-10)
    assert out["std_error"] == pytest.approx(se, rel=1e-6)
    assert round(out["std_error"], 4) == 0.0127
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((r_star - Z * se, r_star + Z * se), rel=1e-6)
    assert (out["input"], out["method"]) == ("retention", "delta") and np.isnan(out["share_outside"])
    # margin needed to repay T = 200, retention from counts (800 of 1000): m* = T (1.1 - r) / r
    r, n = 0.8, 1000
    se_r = np.sqrt(r * (1 - r) / n)
    out = break_even_interval(clv, "margin", Estimate(200.0, std_error=15.0), (1.0, 500.0),
                              base_inputs={**BASE, "retention": Estimate.from_counts(800, n)}).iloc[0]
    se = np.hypot((1.1 - r) / r * 15.0, 200.0 * 1.1 / r**2 * se_r)
    assert out["break_even"] == pytest.approx(75.0, abs=1e-9)
    assert out["std_error"] == pytest.approx(se, rel=1e-6)


def test_break_even_interval_monte_carlo_maps_the_target_percentiles():
    # only the target is uncertain and r*(T) is increasing: the percentiles of r* are r* at T's percentiles
    out = break_even_interval(clv, "retention", Estimate(400.0, std_error=30.0), (0.5, 0.99), base_inputs=BASE,
                              method="monte_carlo", n_draws=200_000, random_state=4).iloc[0]
    for col, t in (("ci_lower", 400.0 - Z * 30.0), ("ci_upper", 400.0 + Z * 30.0)):
        assert out[col] == pytest.approx(1.1 * t / (100.0 + t), rel=1e-3)
    assert out["share_outside"] == 0.0


def test_break_even_interval_agrees_with_delta_when_uncertainty_is_small():
    kw = {"base_inputs": {**BASE, "margin": Estimate(100.0, std_error=0.2)}}
    target = Estimate(400.0, std_error=1.0)
    delta = break_even_interval(clv, "retention", target, (0.5, 0.99), **kw).iloc[0]
    mc = break_even_interval(clv, "retention", target, (0.5, 0.99), method="monte_carlo", n_draws=200_000,
                             random_state=9, **kw).iloc[0]
    width = delta["ci_upper"] - delta["ci_lower"]
    assert abs(mc["ci_lower"] - delta["ci_lower"]) < 0.01 * width
    assert abs(mc["ci_upper"] - delta["ci_upper"]) < 0.01 * width
    assert mc["std_error"] == pytest.approx(delta["std_error"], rel=0.01)


def test_break_even_interval_scalar_functions_give_the_same_draws():
    def scalar_clv(margin, retention, discount):  # math on floats only: no arrays
        return float(margin) * float(retention) / (1.0 + float(discount) - float(retention))

    kw = {"base_inputs": {**BASE, "margin": Estimate(100.0, 90.0, 110.0)}, "method": "monte_carlo",
          "n_draws": 300, "random_state": 5}
    vector = break_even_interval(clv, "retention", Estimate(400.0, 360.0, 440.0), (0.5, 0.99), **kw)
    scalar = break_even_interval(scalar_clv, "retention", Estimate(400.0, 360.0, 440.0), (0.5, 0.99), **kw)
    pd.testing.assert_frame_equal(vector, scalar, rtol=1e-9)


def test_break_even_interval_counts_draws_beyond_the_bracket():
    # CLV at the top of the bracket is 100 * 0.95 / 0.15 = 633.3: targets drawn above it have no break-even inside
    out = break_even_interval(clv, "retention", Estimate(560.0, std_error=60.0), (0.5, 0.95), base_inputs=BASE,
                              method="monte_carlo", n_draws=40_000, random_state=3).iloc[0]
    expected = stats.norm.sf((100 * 0.95 / 0.15 - 560.0) / 60.0)  # 0.1104
    assert out["share_outside"] == pytest.approx(expected, abs=0.01)
    assert out["ci_upper"] == np.inf and np.isnan(out["std_error"])
    assert 0.5 < out["ci_lower"] < out["break_even"]


@settings(max_examples=40, deadline=None)
@given(st.floats(50.0, 400.0), st.floats(0.0, 0.2), st.floats(0.0, 0.2), st.sampled_from(["delta", "monte_carlo"]))
def test_break_even_interval_contains_the_break_even(t, rel_t, rel_m, method):
    out = break_even_interval(clv, "retention", Estimate(t, std_error=rel_t * t), (0.0, 0.99),
                              base_inputs={**BASE, "margin": Estimate(100.0, std_error=100.0 * rel_m)},
                              method=method, n_draws=2000, random_state=1).iloc[0]
    assert out["ci_lower"] <= out["break_even"] <= out["ci_upper"]
    if rel_t == rel_m == 0:
        assert out["ci_lower"] == pytest.approx(out["ci_upper"], abs=1e-9)


def test_break_even_on_estimates_is_break_even_interval():
    target, uncertain = Estimate(400.0, 360.0, 440.0), {**BASE, "margin": Estimate(100.0, 90.0, 110.0)}
    pd.testing.assert_frame_equal(break_even(clv, "retention", target, (0.5, 0.99), base_inputs=BASE),
                                  break_even_interval(clv, "retention", target, (0.5, 0.99), base_inputs=BASE))
    pd.testing.assert_frame_equal(break_even(clv, "retention", 400.0, (0.5, 0.99), base_inputs=uncertain),
                                  break_even_interval(clv, "retention", 400.0, (0.5, 0.99), base_inputs=uncertain))


def test_break_even_interval_errors():
    with pytest.raises(ParameterError, match="method"):
        break_even_interval(clv, "retention", 400.0, (0.5, 0.99), base_inputs=BASE, method="bootstrap")
    with pytest.raises(ParameterError, match="n_draws"):
        break_even_interval(clv, "retention", 400.0, (0.5, 0.99), base_inputs=BASE, method="monte_carlo", n_draws=0)
    with pytest.raises(ParameterError, match="input"):
        break_even_interval(clv, "churn", 400.0, (0.5, 0.99), base_inputs=BASE)
    with pytest.raises(ParameterError, match="does not cross"):
        break_even_interval(clv, "retention", 1e6, (0.5, 0.99), base_inputs=BASE)
