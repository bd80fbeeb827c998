"""Tests of cxanalytics.sensitivity: tornado tables and break-even points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.economics import clv
from cxanalytics.errors import ParameterError
from cxanalytics.sensitivity import break_even, break_even_curve, sensitivity

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
