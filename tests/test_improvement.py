"""Tests of cxanalytics.money.improvement: Monte Carlo value of a service improvement."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxanalytics.errors import DataQualityWarning, ParameterError
from cxanalytics.money.economics import clv
from cxanalytics.money.improvement import (
    Baseline,
    EffectEstimate,
    ImprovementValue,
    detractors_to_passives,
    fewer_negative_encounters,
    value_of_improvement,
)

BASE = Baseline(customers=1000, retention=0.70, margin=120.0, discount=0.1)


def _row(table, quantity):
    return table.set_index("quantity").loc[quantity]


def test_zero_width_interval_collapses_to_the_deterministic_value():
    fx = detractors_to_passives((1.9, 1.9, 1.9), (1.35, 1.35, 1.35))
    res = value_of_improvement(fx, BASE, n_draws=500, random_state=0)
    r_after = 0.70 ** (1.35 / 1.9)  # hazard scaled by HR_passive / HR_detractor
    value = 1000 * 120 * (r_after / (1.1 - r_after) - 0.70 / 0.40)
    for q, expected in (("retention_after", r_after), ("retention_gain", r_after - 0.7), ("value", value)):
        row = _row(res.table, q)
        for col in ("point", "mean", "median", "ci_lower", "ci_upper"):
            assert row[col] == pytest.approx(expected, rel=1e-12)
    assert np.all(res.draws["value"].to_numpy() == pytest.approx(value, rel=1e-12))
    assert res.draws["detractor"].eq(1.9).all()


def test_hand_worked_scales():
    base = Baseline(customers=10, retention=0.64, margin=30.0, discount=0.1)
    # hazard ratio 0.5 halves -log r: 0.64 -> 0.8
    hr = value_of_improvement(EffectEstimate("hr", 0.5, 0.5, 0.5), base, n_draws=3, random_state=1)
    assert _row(hr.table, "retention_after")["point"] == pytest.approx(0.8)
    assert _row(hr.table, "clv_gain")["point"] == pytest.approx(30 * (0.8 / 0.3 - 0.64 / 0.46))
    assert _row(hr.table, "value")["point"] == pytest.approx(300 * (0.8 / 0.3 - 0.64 / 0.46))
    # odds ratio 0.5 on churn: odds 0.36/0.64 -> 0.18/0.64 -> retention 0.64/0.82
    orr = value_of_improvement(EffectEstimate("or", 0.5, 0.5, 0.5, scale="odds_ratio"), base, n_draws=3)
    assert _row(orr.table, "retention_after")["point"] == pytest.approx(0.64 / 0.82)
    # a retention level, and a difference
    lvl = value_of_improvement(EffectEstimate("p", 0.75, 0.75, 0.75, scale="probability"), base, n_draws=3)
    assert _row(lvl.table, "retention_after")["point"] == pytest.approx(0.75)
    dif = value_of_improvement(EffectEstimate("d", 0.05, 0.05, 0.05, scale="difference", weight=2.0), base, n_draws=3)
    assert _row(dif.table, "retention_after")["point"] == pytest.approx(0.74)


def test_fewer_negative_encounters_with_planted_hazard_ratio(repo_root):
    truth = json.loads((repo_root / "data" / "sample" / "TRUTH.json").read_text())["effects"]
    hr = truth["churn_hazard_ratio_per_unresolved_contact"]
    fx = fewer_negative_encounters((hr, hr, hr), encounters_per_customer=0.5, reduction=0.2)
    res = value_of_improvement(fx, BASE, n_draws=10, random_state=0)
    assert fx["weight"].item() == pytest.approx(-0.1)
    assert _row(res.table, "retention_after")["point"] == pytest.approx(0.7 ** (hr**-0.1))
    assert _row(res.table, "value")["point"] > 0


def test_seeded_draws_are_reproducible():
    fx = detractors_to_passives((1.9, 1.5, 2.4), (1.35, 1.1, 1.65))
    a = value_of_improvement(fx, BASE, n_draws=2000, random_state=42)
    b = value_of_improvement(fx, BASE, n_draws=2000, random_state=42)
    c = value_of_improvement(fx, BASE, n_draws=2000, random_state=43)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not a.draws["value"].equals(c.draws["value"])
    g = value_of_improvement(fx, BASE, n_draws=2000, random_state=np.random.default_rng(42))
    pd.testing.assert_frame_equal(a.draws, g.draws)


def test_draws_match_the_interval_on_the_log_scale():
    res = value_of_improvement(EffectEstimate("hr", 1.5, 1.2, 1.875), BASE, n_draws=100_000, random_state=3)
    logs = np.log(res.draws["hr"].to_numpy())
    se = (np.log(1.875) - np.log(1.2)) / (2 * stats.norm.ppf(0.975))
    assert logs.mean() == pytest.approx(np.log(1.5), abs=4 * se / np.sqrt(1e5))
    assert logs.std() == pytest.approx(se, rel=0.01)
    ninety = value_of_improvement(EffectEstimate("hr", 1.5, 1.2, 1.875, level=0.90), BASE, n_draws=100_000,
                                  random_state=3)
    assert np.log(ninety.draws["hr"]).std() == pytest.approx(se * stats.norm.ppf(0.975) / stats.norm.ppf(0.95), rel=0.01)


def test_quantiles_converge_to_the_exact_ones():
    # One hazard ratio: r' = r ** exp(X), X ~ N(mu, se) is monotone in X, so its quantiles are exact.
    mu, se, r = np.log(0.8), 0.1, 0.7
    eff = EffectEstimate("hr", 0.8, float(np.exp(mu - 1.959963984540054 * se)), float(np.exp(mu + 1.959963984540054 * se)))
    base = Baseline(1, r, 1.0, 0.1)
    for p, col in ((0.5, "median"), (0.025, "ci_upper"), (0.975, "ci_lower")):  # r' decreases in X
        x = mu + se * stats.norm.ppf(p)
        exact = r ** np.exp(x)
        density = stats.norm.pdf(stats.norm.ppf(p)) / se / abs(exact * np.log(r) * np.exp(x))
        errors = []
        for n in (1_000, 10_000, 100_000):
            got = _row(value_of_improvement(eff, base, n_draws=n, random_state=7).table, "retention_after")[col]
            tol = 5 * np.sqrt(p * (1 - p) / n) / density  # five standard errors of a sample quantile
            assert abs(got - exact) < tol
            errors.append(abs(got - exact))
        assert errors[-1] < 2e-4


@pytest.mark.filterwarnings("ignore::cxanalytics.errors.DataQualityWarning")  # skewed intervals on purpose
@settings(max_examples=40, deadline=None)
@given(st.floats(0.3, 3.0), st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.floats(0.05, 0.95), st.integers(0, 2**31))
def test_monte_carlo_quantiles_are_ordered(est, down, up, r, seed):
    eff = EffectEstimate("hr", est, est * np.exp(-down), est * np.exp(up))
    res = value_of_improvement(eff, Baseline(100, r, 10.0, 0.1), n_draws=400, random_state=seed)
    t = res.table
    assert (t["ci_lower"] <= t["median"] + 1e-12).all() and (t["median"] <= t["ci_upper"] + 1e-12).all()
    assert (t["ci_lower"] <= t["mean"] + 1e-9).all() and (t["mean"] <= t["ci_upper"] + 1e-9).all()
    assert ((t["p_positive"] >= 0) & (t["p_positive"] <= 1)).all()


def test_hundred_thousand_draws_under_one_second():
    fx = pd.concat([detractors_to_passives((1.9, 1.5, 2.4), (1.35, 1.1, 1.65)),
                    fewer_negative_encounters((1.3, 1.2, 1.4), encounters_per_customer=0.5, reduction=0.2)])
    start = time.perf_counter()
    res = value_of_improvement(fx, BASE, n_draws=100_000, random_state=0)
    assert time.perf_counter() - start < 1.0
    assert len(res.draws) == 100_000 and list(res.draws.columns[1:4]) == ["detractor", "passive", "per_encounter"]


def test_accepts_a_tidy_frame_and_reports():
    frame = pd.DataFrame({"effect": [0.8], "ci_lower": [0.7], "ci_upper": [0.914]})
    res = value_of_improvement(frame, {"customers": 5, "retention": 0.8, "margin": 10.0, "discount": 0.1},
                               n_draws=100, random_state=0)
    assert isinstance(res, ImprovementValue) and res.summary() is res.table
    assert list(res.table.columns) == ["quantity", "point", "mean", "median", "ci_lower", "ci_upper", "p_positive"]
    assert res.table["quantity"].tolist() == ["retention_after", "retention_gain", "clv_gain", "value"]
    assert "effect_0" in res.draws.columns and "100 draws" in res._repr_html_()
    start_clv = clv(10.0, 0.8, 0.1)
    assert _row(res.table, "clv_gain")["point"] == pytest.approx(clv(10.0, 0.8**0.8, 0.1) - start_clv)


def test_asymmetric_interval_warns():
    with pytest.warns(DataQualityWarning, match="symmetric"):
        value_of_improvement(EffectEstimate("hr", 1.5, 1.4, 3.0), BASE, n_draws=10, random_state=0)


@pytest.mark.parametrize(
    ("effects", "match"),
    [
        (EffectEstimate("hr", 2.0, 1.0, 1.5), "hr"),
        (EffectEstimate("hr", 0.0, 0.0, 1.0), "hr"),
        (EffectEstimate("p", 0.5, 0.4, 1.0, scale="probability"), "p"),
        (EffectEstimate("x", 1.5, 1.0, 2.0, scale="log"), "scale"),
        ([EffectEstimate("a", 0.5, 0.4, 0.6, scale="probability"), EffectEstimate("b", 0.5, 0.4, 0.6, scale="probability")],
         "probability"),
        ([EffectEstimate("a", 1.5, 1.0, 2.0), EffectEstimate("a", 1.5, 1.0, 2.0)], "unique"),
        (EffectEstimate("value", 1.5, 1.0, 2.0), "unique"),
        (pd.DataFrame({"effect": [1.0]}), "ci_lower"),
        ("big effect", "effects"),
    ],
)
def test_bad_effects_rejected(effects, match):
    with pytest.raises(ParameterError, match=match):
        value_of_improvement(effects, BASE, n_draws=10)


def test_bad_baseline_and_draws_rejected():
    eff = EffectEstimate("hr", 0.8, 0.7, 0.9)
    with pytest.raises(ParameterError, match="retention"):
        value_of_improvement(eff, Baseline(10, 1.5, 1.0, 0.1))
    with pytest.raises(ParameterError, match="base"):
        value_of_improvement(eff, {"customers": 10, "retention": 0.8})
    with pytest.raises(ParameterError, match="base"):
        value_of_improvement(eff, Baseline(-1, 0.8, 1.0, 0.1))
    with pytest.raises(ParameterError, match="n_draws"):
        value_of_improvement(eff, BASE, n_draws=0)
    with pytest.raises(ParameterError, match="passive"):
        detractors_to_passives((1.9, 1.5, 2.4), EffectEstimate("passive", 1.3, 1.1, 1.5, scale="odds_ratio"))
    with pytest.raises(ParameterError, match="reduction"):
        fewer_negative_encounters((1.3, 1.2, 1.4), encounters_per_customer=0.5, reduction=1.5)
    with pytest.raises(ParameterError, match="detractor"):
        detractors_to_passives("high", (1.35, 1.1, 1.65))
