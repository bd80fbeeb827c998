"""Tests of cxanalytics.money.economics (lifetime value) and cxanalytics.money.retention_costs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.rates import confint_poisson

from cxanalytics.behaviour.clv import (
    BGNBDFit,
    GammaGammaFit,
    SBGFit,
    customer_lifetime_value,
    fit_sbg,
)
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError
from cxanalytics.money.economics import (
    clv,
    clv_by_segment,
    clv_from_bgnbd,
    clv_from_sbg,
    profit_from_retention_gain,
)
from cxanalytics.money.retention_costs import retention_vs_acquisition

PROB = st.floats(0.0, 0.99)
RATE = st.floats(0.0, 0.5)
MARGIN = st.floats(0.01, 1e4)


# ----------------------------------------------------------------------------- clv
def test_clv_matches_gupta_lehmann_2003_margin_multiple():
    # REFERENCE_RESULTS.md: r = 0.8, i = 0.1 -> 2.667 m (end of period); start differs by exactly m.
    assert clv(1.0, 0.8, 0.1) == pytest.approx(8 / 3, rel=1e-12)
    assert round(clv(1.0, 0.8, 0.1), 3) == 2.667
    for m in (1.0, 37.5, 250.0):
        assert clv(m, 0.8, 0.1, timing="start") == pytest.approx(11 / 3 * m, rel=1e-12)
        assert clv(m, 0.8, 0.1, timing="start") - clv(m, 0.8, 0.1) == pytest.approx(m, rel=1e-12)


def test_clv_finite_horizon_hand_worked():
    # 100 * (0.8/1.1 + 0.8^2/1.1^2 + 0.8^3/1.1^3), summed by hand
    expected_end = 100 * (0.8 / 1.1 + 0.64 / 1.21 + 0.512 / 1.331)
    assert clv(100.0, 0.8, 0.1, horizon=3) == pytest.approx(expected_end, rel=1e-12)
    assert clv(100.0, 0.8, 0.1, horizon=3, timing="start") == pytest.approx(100 + 100 * (0.8 / 1.1 + 0.64 / 1.21), rel=1e-12)
    assert clv(100.0, 0.8, 0.1, horizon=0) == 0.0
    assert clv(100.0, 1.0, 0.0, horizon=4) == pytest.approx(400.0)  # q = 1: no decay
    assert clv(100.0, 0.0, 0.1) == 0.0
    assert clv(100.0, 0.0, 0.1, timing="start") == pytest.approx(100.0)


@settings(max_examples=200, deadline=None)
@given(MARGIN, PROB, st.floats(0.01, 0.5), st.integers(0, 400))
def test_clv_finite_horizon_tends_to_infinite(m, r, i, h):
    q = r / (1 + i)
    inf_end, inf_start = clv(m, r, i), clv(m, r, i, timing="start")
    # the tail beyond H is exactly q^H of the infinite value
    assert clv(m, r, i, horizon=h) == pytest.approx(inf_end * (1 - q**h), rel=1e-9, abs=1e-9)
    assert clv(m, r, i, horizon=h, timing="start") == pytest.approx(inf_start * (1 - q**h), rel=1e-9, abs=1e-9)
    assert clv(m, r, i, horizon=h) <= clv(m, r, i, horizon=h + 1) + 1e-9
    assert clv(m, r, i, horizon=20_000) == pytest.approx(inf_end, rel=1e-9)
    # start of period with H periods = m + end of period with H - 1
    if h >= 1:
        assert clv(m, r, i, horizon=h, timing="start") == pytest.approx(m + clv(m, r, i, horizon=h - 1), rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(MARGIN, PROB, PROB, RATE, st.sampled_from(["end", "start"]), st.sampled_from([None, 1, 5, 30]))
def test_clv_increases_with_retention(m, r1, r2, i, timing, h):
    lo, hi = sorted((r1, r2))
    if h is None and i == 0:
        i = 0.01
    assert clv(m, lo, i, horizon=h, timing=timing) <= clv(m, hi, i, horizon=h, timing=timing) * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(MARGIN, MARGIN, PROB, st.floats(0.01, 0.5), st.sampled_from(["end", "start"]))
def test_clv_increases_with_margin_and_is_linear_in_it(m1, m2, r, i, timing):
    lo, hi = sorted((m1, m2))
    assert clv(lo, r, i, timing=timing) <= clv(hi, r, i, timing=timing)
    assert clv(2 * lo, r, i, timing=timing) == pytest.approx(2 * clv(lo, r, i, timing=timing))


@settings(max_examples=200, deadline=None)
@given(MARGIN, st.floats(0.01, 0.99), st.floats(0.001, 0.5), st.floats(0.001, 0.5), st.sampled_from(["end", "start"]))
def test_clv_decreases_with_discount(m, r, i1, i2, timing):
    lo, hi = sorted((i1, i2))
    assert clv(m, r, hi, timing=timing) <= clv(m, r, lo, timing=timing) * (1 + 1e-12)


def test_clv_vectorised_over_series_and_arrays():
    margin = pd.Series([50.0, 90.0], index=pd.Index(["consumer", "business"], name="segment"))
    out = clv(margin, pd.Series([0.8, 0.9], index=margin.index), 0.1)
    assert isinstance(out, pd.Series) and list(out.index) == ["consumer", "business"]
    assert out.tolist() == pytest.approx([50 * 0.8 / 0.3, 90 * 0.9 / 0.2])
    arr = clv(np.array([1.0, 2.0, 3.0]), 0.8, np.array([[0.1], [0.2]]))
    assert arr.shape == (2, 3) and arr[1, 2] == pytest.approx(3 * 0.8 / 0.4)
    assert isinstance(clv(1.0, 0.8, 0.1), float)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"retention": 1.2}, "retention"),
        ({"retention": np.nan}, "retention"),
        ({"discount": -0.1}, "discount"),
        ({"margin": np.inf}, "margin"),
        ({"horizon": 2.5}, "horizon"),
        ({"horizon": -1}, "horizon"),
        ({"timing": "middle"}, "timing"),
        ({"retention": 1.0, "discount": 0.0}, "retention"),
        ({"margin": "a lot"}, "margin"),
    ],
)
def test_clv_bad_input_names_the_parameter(kwargs, name):
    args = {"margin": 1.0, "retention": 0.8, "discount": 0.1} | kwargs
    with pytest.raises(ParameterError, match=name):
        clv(args.pop("margin"), args.pop("retention"), args.pop("discount"), **args)


def test_clv_series_with_different_indexes_rejected():
    with pytest.raises(ParameterError, match="index"):
        clv(pd.Series([1.0], index=["a"]), pd.Series([0.8], index=["b"]), 0.1)


# ----------------------------------------------------------------------------- sBG and BG/NBD wrappers
def _sbg(alpha, beta):
    params = pd.DataFrame({"parameter": ["alpha", "beta"], "estimate": [alpha, beta], "std_error": np.nan,
                           "ci_lower": np.nan, "ci_upper": np.nan})
    return SBGFit(params=params, loglik=0.0, n=1, converged=True)


@pytest.mark.parametrize("renewals", [0, 3])
@pytest.mark.parametrize("timing", ["end", "start"])
def test_sbg_value_matches_direct_sum_of_survival_fader_hardie_2010(renewals, timing):
    # Fader & Hardie (2007) 'regular' data; value = m * sum_t S(n + t) / S(n) / (1 + d)^t, summed directly.
    fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    t = np.arange(1, 2_000)
    s = fit.survival(renewals + t) / fit.survival(renewals)
    direct = 100 * np.sum(s / 1.1**t) + (100 if timing == "start" else 0)
    out = clv_from_sbg(fit, margin=100.0, discount=0.1, renewals=renewals, timing=timing)
    assert out.loc[out["model"] == "sbg", "clv"].item() == pytest.approx(direct, rel=1e-8)
    # heterogeneity: the constant-retention margin multiple undervalues the customer
    assert out.loc[out["model"] == "margin_multiple", "clv"].item() < direct
    assert out["retention"].iloc[0] == pytest.approx(float(fit.retention(renewals + 1)))


def test_sbg_without_heterogeneity_equals_margin_multiple():
    # Beta(2000, 8000): every customer churns with probability ~0.2, so r = 0.8 throughout.
    out = clv_from_sbg(_sbg(2000.0, 8000.0), margin=1.0, discount=0.1)
    assert out["clv"].tolist() == pytest.approx([8 / 3, 8 / 3], rel=1e-3)
    moderate = clv_from_sbg(_sbg(20.0, 80.0), margin=1.0, discount=0.1)  # via SBGFit.derl
    assert 8 / 3 < moderate["clv"].iloc[0] < 8 / 3 * 1.05
    with pytest.raises(ParameterError, match="fit"):
        clv_from_sbg("not a fit", margin=1.0, discount=0.1)


def test_sbg_derl_finite_for_near_homogeneous_customers():
    # Beta(200, 800): retention ~0.8 in every period, DERL = (1 + d) * r / (1 + d - r) ~ 2.93 at d = 0.1
    assert np.isfinite(_sbg(200.0, 800.0).derl(0.1))


def _table(names, values):
    return pd.DataFrame({"parameter": names, "estimate": values, "std_error": np.nan, "ci_lower": np.nan,
                         "ci_upper": np.nan})


def test_clv_from_bgnbd_aggregates_customer_lifetime_value():
    # Published CDNOW estimates: BG/NBD (Fader, Hardie & Lee 2005), Gamma-Gamma (Fader & Hardie 2013).
    bg = BGNBDFit(_table(["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426]), -9582.4, 2357, True)
    gg = GammaGammaFit(_table(["p", "q", "gamma"], [6.25, 3.74, 15.44]), -4055.92, 946, True)
    rng = np.random.default_rng(0)
    n = 60
    x = rng.integers(0, 6, n)
    tt = np.full(n, 38.86)
    s = pd.DataFrame({"frequency": x, "recency": np.where(x > 0, rng.uniform(1, 38, n), 0.0), "T": tt,
                      "monetary_value": np.where(x > 0, rng.uniform(10, 60, n), np.nan),
                      "segment": rng.choice(["a", "b"], n)})
    before = s.copy()
    out = clv_from_bgnbd(bg, gg, s, horizon=52, discount=0.002, margin=0.3)
    direct = customer_lifetime_value(bg, gg, s, horizon=52, discount=0.002, margin=0.3)["clv"]
    expected = direct.groupby(s["segment"]).agg(["mean", "sum", "size", "std"])
    assert out["segment"].tolist() == ["a", "b"]
    assert out["clv"].to_numpy() == pytest.approx(expected["mean"].to_numpy())
    assert out["clv_total"].to_numpy() == pytest.approx(expected["sum"].to_numpy())
    assert (out["ci_lower"] < out["clv"]).all() and (out["clv"] < out["ci_upper"]).all()
    pd.testing.assert_frame_equal(s, before)
    whole = clv_from_bgnbd(bg, gg, s, horizon=52, discount=0.002, margin=0.3, by=None)
    assert len(whole) == 1 and whole["clv"].item() == pytest.approx(direct.mean())


# ----------------------------------------------------------------------------- clv_by_segment
def _simulated(hazards, n=4000, seed=1, rate=12.0):
    """Exponential lifetimes (per year) with cancellation dates; revenue accrues at `rate` per year."""
    rng = np.random.default_rng(seed)
    seg = rng.choice(list(hazards), n)
    lam = np.array([hazards[s] for s in seg])
    start = pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 730, n), unit="D")
    life_days = rng.exponential(1 / lam) * 365.0
    cancel = start + pd.to_timedelta(life_days, unit="D")
    as_of = pd.Timestamp("2026-01-01", tz="UTC")
    observed = np.minimum(life_days, (as_of - start).total_seconds() / 86400)
    customers = pd.DataFrame({"customer_id": np.arange(n), "segment": seg, "acquired_at": start,
                              "cancelled_at": pd.Series(cancel).where(cancel <= as_of)})
    tx = pd.DataFrame({"customer_id": np.arange(n), "occurred_at": start, "amount": rate * observed / 365.0})
    return customers, tx, as_of


def test_clv_by_segment_recovers_simulated_hazard_and_margin():
    customers, tx, as_of = _simulated({"low": 0.2, "high": 0.6})
    before = customers.copy()
    out = clv_by_segment(customers, tx, as_of=as_of, lapse=False, margin_rate=0.5, discount=0.1)
    pd.testing.assert_frame_equal(customers, before)
    out = out.set_index("segment")
    for seg, lam in (("low", 0.2), ("high", 0.6)):
        row = out.loc[seg]
        assert row["retention_ci_lower"] < np.exp(-lam) < row["retention_ci_upper"]
        assert row["margin"] == pytest.approx(0.5 * 12.0, rel=1e-9)  # revenue accrues at 12 per year
        assert row["clv"] == pytest.approx(clv(6.0, row["retention"], 0.1))
        assert row["clv_ci_lower"] < row["clv"] < row["clv_ci_upper"]
        assert row["n"] == row["n_active"] + row["churned"]


def test_clv_by_segment_interval_matches_statsmodels_exact_poisson():
    customers, tx, as_of = _simulated({"a": 0.3}, n=500, seed=4)
    out = clv_by_segment(customers, tx, as_of=as_of, lapse=False, alpha=0.1, period="30D")
    k, e = out["churned"].item(), out["customer_periods"].item()
    lo, hi = confint_poisson(k, e, method="exact-c", alpha=0.1)
    assert out["hazard"].item() == pytest.approx(k / e)
    assert -np.log(out["retention_ci_upper"].item()) == pytest.approx(lo, rel=1e-9)
    assert -np.log(out["retention_ci_lower"].item()) == pytest.approx(hi, rel=1e-9)


def test_clv_by_segment_hand_worked_lapse():
    # c1 buys every 10 days then stops on 2025-01-31 (silent 150 days > window 30): lapsed on its last purchase.
    c = pd.DataFrame({"customer_id": ["c1", "c2"], "acquired_at": pd.to_datetime(["2025-01-01", "2025-01-01"]),
                      "segment": ["x", "x"]})
    t = pd.DataFrame({"customer_id": ["c1"] * 4 + ["c2"] * 2,
                      "occurred_at": pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31",
                                                     "2025-01-01", "2025-06-20"]),
                      "amount": [10.0] * 6})
    out = clv_by_segment(c, t, as_of="2025-06-30", window="30D", period="1D", cancelled=None)
    assert out["churned"].item() == 1
    assert out["customer_periods"].item() == pytest.approx(30 + 180)  # c1: Jan 1-31, c2: Jan 1 - Jun 30
    assert out["margin"].item() == pytest.approx(60.0 / 210)
    nolapse = clv_by_segment(c, t, as_of="2025-06-30", window="30D", period="1D", cancelled=None, lapse=False)
    assert nolapse["churned"].item() == 0


def test_clv_by_segment_sample_contract_hazard_near_planted_truth(repo_root):
    truth = json.loads((repo_root / "data" / "sample" / "TRUTH.json").read_text())["effects"]
    counts = json.loads((repo_root / "data" / "sample" / "TRUTH.json").read_text())["counts"]
    hr = truth["churn_hazard_ratio_attitude_vs_promoter"]
    mix = sum(counts[f"attitude_{k}"] * hr[k] for k in hr) / counts["customers"]
    base = truth["churn_hazard_per_30_days"]["contract"]
    out = clv_by_segment(load_sample("customers"), load_sample("transactions"), by="plan", period="30D",
                         lapse={"plan": "prepaid"}).set_index("plan")
    lo, hi = -np.log(out.loc["contract", "retention_ci_upper"]), -np.log(out.loc["contract", "retention_ci_lower"])
    # planted: baseline x attitude hazard ratio, raised further (x1.3 each) by unresolved contacts
    assert hi >= base * mix
    assert lo <= base * mix * truth["churn_hazard_ratio_per_unresolved_contact"]
    assert out.loc["prepaid", "hazard"] > out.loc["contract", "hazard"]
    everyone = clv_by_segment(load_sample("customers"), load_sample("transactions"), by="plan")
    assert everyone.set_index("plan").loc["contract", "churned"] > out.loc["contract", "churned"]


def test_clv_by_segment_errors_and_warnings():
    c = pd.DataFrame({"customer_id": [1, 1], "acquired_at": pd.to_datetime(["2025-01-01"] * 2), "segment": "a"})
    t = pd.DataFrame({"customer_id": [1], "occurred_at": pd.to_datetime(["2025-01-01"]), "amount": [1.0]})
    with pytest.raises(ColumnError, match="customer_id"):
        clv_by_segment(c, t, lapse=False)
    with pytest.raises(ColumnError, match="tier"):
        clv_by_segment(c.iloc[:1], t, by="tier")
    with pytest.raises(ParameterError, match="period"):
        clv_by_segment(c.iloc[:1], t, period="soon", lapse=False)
    with pytest.raises(ParameterError, match="window"):
        clv_by_segment(c.iloc[:1], t)  # a single purchase: no gaps to choose a window from
    with pytest.raises(ParameterError, match="lapse"):
        clv_by_segment(c.iloc[:1], t, lapse=3)
    late = pd.DataFrame({"customer_id": [1, 2], "acquired_at": pd.to_datetime(["2025-01-01", "2025-03-01"]),
                         "segment": "a"})
    with pytest.warns(DataQualityWarning, match="after as_of"):
        out = clv_by_segment(late, t, as_of="2025-02-01", lapse=False)
    assert out["n"].item() == 1


# ----------------------------------------------------------------------------- retention_vs_acquisition
def _small():
    c = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6], "acquired_at": pd.to_datetime(["2025-01-01"] * 6),
                      "acquisition_cost": [20.0, 40.0, 120.0, 20.0, 40.0, 60.0],
                      "acquisition_channel": ["ref", "store", "partner", "ref", "store", "store"],
                      "segment": ["a", "a", "a", "b", "b", "b"]})
    i = pd.DataFrame({"customer_id": [1, 2, 3, 4], "handle_s": [3600, 1800, 1800, 900],
                      "credit": [10.0, 0.0, 5.0, 0.0], "voucher": [0.0, 3.0, 0.0, 0.0]})
    return c, i


def test_retention_vs_acquisition_hand_worked():
    c, i = _small()
    c0, i0 = c.copy(), i.copy()
    out = retention_vs_acquisition(c, i, margin=100.0, retention={"a": 0.8, "b": 0.9}, as_of="2026-01-01",
                                   cancelled=None, other_costs=("voucher",), min_channel_n=1,
                                   retention_gain=0.02).set_index("segment")
    a = out.loc["a"]
    assert a["customer_periods"] == pytest.approx(3.0)
    assert a["service_hours"] == pytest.approx(2.0) and a["service_cost"] == pytest.approx(56.0)
    assert a["credit_cost"] == 15.0 and a["other_cost"] == 3.0
    assert a["cost_to_retain"] == pytest.approx((56 + 15 + 3) / 3)
    assert a["acquisition_cost_mean"] == pytest.approx(60.0)
    assert a["acquisition_cost_marginal"] == 120.0 and a["marginal_channel"] == "partner"
    assert out.loc["b", "acquisition_cost_marginal"] == 50.0 and out.loc["b", "marginal_channel"] == "store"
    assert a["cost_ratio"] == pytest.approx(60 / (74 / 3))
    assert a["cost_per_customer_saved"] == pytest.approx(74 / 3 / 0.02)
    assert a["cost_ratio_marginal"] == pytest.approx(120 / (74 / 3 / 0.02))
    # one point of retention: 100 * (0.81/0.29 - 0.8/0.3); break-even spend divides by 1.1/0.29
    delta = 100 * (0.81 / 0.29 - 0.8 / 0.3)
    assert a["value_per_point"] == pytest.approx(delta)
    assert a["value_per_point_total"] == pytest.approx(3 * delta)
    assert a["break_even_retention_spend"] == pytest.approx(delta / (1.1 / 0.29))
    assert out.loc["b", "clv"] == pytest.approx(100 * 0.9 / 0.2)
    pd.testing.assert_frame_equal(c, c0)
    pd.testing.assert_frame_equal(i, i0)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 200.0))
def test_cost_to_retain_is_linear_in_the_wage(wage):
    c, i = _small()
    out = retention_vs_acquisition(c, i, margin=1.0, retention=0.5, hourly_wage=wage, as_of="2026-01-01",
                                   cancelled=None, channel=None)
    assert out["service_cost"].tolist() == pytest.approx((wage * out["service_hours"]).tolist())
    assert out["cost_to_retain"].tolist() == pytest.approx(
        ((out["service_cost"] + out["credit_cost"]) / out["customer_periods"]).tolist())


def test_retention_vs_acquisition_on_sample_matches_planted_costs(repo_root):
    truth = json.loads((repo_root / "data" / "sample" / "TRUTH.json").read_text())["effects"]
    c, i, t = load_sample("customers"), load_sample("interactions"), load_sample("transactions")
    out = retention_vs_acquisition(c, i, transactions=t, hourly_wage=truth["loaded_hourly_wage"],
                                   lapse={"plan": "prepaid"}, margin_rate=0.3)
    assert out["segment"].tolist() == ["business", "consumer"]
    assert (out["marginal_channel"] == "partner").all()  # the costliest channel planted
    for _, row in out.iterrows():
        part = c[(c["segment"] == row["segment"]) & (c["acquisition_channel"] == "partner")]["acquisition_cost"]
        half = 1.96 * part.std() / np.sqrt(len(part))
        # synth draws cost = acquisition_cost_mean x lognormal(-0.25^2 / 2, 0.25), a factor of mean 1
        assert abs(row["acquisition_cost_marginal"] - truth["acquisition_cost_mean"]["partner"]) < half
        assert row["acquisition_cost_marginal"] > row["acquisition_cost_mean"]
    assert out["service_hours"].sum() == pytest.approx(i["handle_s"].sum() / 3600)
    assert out["credit_cost"].sum() == pytest.approx(i["credit"].sum())
    assert (out["cost_per_customer_saved"].isna() & out["cost_ratio_marginal"].isna()).all()
    assert (out["break_even_retention_spend"] > 0).all() and (out["value_per_point"] > 0).all()


def test_retention_vs_acquisition_errors_and_warnings():
    c, i = _small()
    with pytest.raises(ParameterError, match="margin"):
        retention_vs_acquisition(c, i, cancelled=None)
    with pytest.raises(ParameterError, match="hourly_wage"):
        retention_vs_acquisition(c, i, margin=1.0, retention=0.5, hourly_wage=-1.0, cancelled=None)
    with pytest.raises(ParameterError, match="retention"):
        retention_vs_acquisition(c, i, margin=1.0, retention={"a": 0.5}, cancelled=None)
    with pytest.raises(ColumnError, match="handle_time"):
        retention_vs_acquisition(c, i, margin=1.0, retention=0.5, handle="handle_time", cancelled=None)
    with pytest.raises(ColumnError, match="credit"):
        retention_vs_acquisition(c, i.assign(credit="ten"), margin=1.0, retention=0.5, cancelled=None)
    holes = i.assign(handle_s=pd.array([3600, None, 1800, 900], dtype="Int64"))
    with pytest.warns(DataQualityWarning, match=r"handle_s \(1\)"):
        out = retention_vs_acquisition(c, holes, margin=1.0, retention=0.5, cancelled=None, channel=None)
    assert out["service_hours"].sum() == pytest.approx(1.75)
    whole = retention_vs_acquisition(c, i, margin=1.0, retention=0.5, cancelled=None, by=None, min_channel_n=1,
                                     as_of="2026-01-01")
    assert whole["segment"].tolist() == ["all"] and whole["n"].item() == 6
    assert whole["acquisition_cost_marginal"].item() == 120.0
    stray = pd.concat([i, pd.DataFrame({"customer_id": [99], "handle_s": [60], "credit": [0.0], "voucher": [0.0]})])
    with pytest.warns(DataQualityWarning, match="dropped 1 of 5 interactions"):
        retention_vs_acquisition(c, stray, margin=1.0, retention=0.5, cancelled=None, channel=None)


# ----------------------------------------------------------------------------- Reichheld & Sasser
def test_profit_from_retention_gain_hand_worked():
    out = profit_from_retention_gain(100.0, 0.8, 0.1, 50.0)
    before = 100 * 0.8 / 0.3 - 50
    after = {"plus_points": 100 * 0.85 / 0.25 - 50, "times_relative": 100 * 0.84 / 0.26 - 50,
             "defections_cut": 100 * 0.81 / 0.29 - 50}
    assert out["scenario"].tolist() == list(after)
    for _, row in out.iterrows():
        assert row["profit_before"] == pytest.approx(before)
        assert row["profit_change_pct"] == pytest.approx(100 * (after[row["scenario"]] / before - 1))
    assert out["in_claimed_range"].tolist() == [True, True, False]


def test_profit_from_retention_gain_reproduces_claim_only_for_loyal_businesses():
    # Reichheld & Sasser (1990): 5 % fewer defections -> 25-85 % more profit. With no acquisition
    # cost, five more points of retention add about 41 % to the value at 90 % retention, 20 % at 50 %.
    loyal = profit_from_retention_gain(1.0, 0.9, 0.1).set_index("scenario")
    assert loyal.loc["plus_points", "profit_change_pct"] == pytest.approx(100 * (0.95 / 0.15 / (0.9 / 0.2) - 1))
    assert loyal.loc["plus_points", "profit_change_pct"] > 25
    churny = profit_from_retention_gain(1.0, 0.5, 0.1).set_index("scenario")
    assert churny.loc["plus_points", "profit_change_pct"] == pytest.approx(20.0)


@settings(max_examples=100, deadline=None)
@given(MARGIN, st.floats(0.0, 0.98), st.floats(0.01, 0.3), st.floats(0.0, 1e3))
def test_profit_change_is_the_clv_gain_and_never_negative(m, r, i, a):
    out = profit_from_retention_gain(m, r, i, a)
    assert (out["profit_change"] >= -1e-9 * m).all()
    for _, row in out.iterrows():
        assert row["profit_change"] == pytest.approx(clv(m, row["retention_after"], i) - clv(m, r, i), abs=1e-9 * m)


def test_profit_from_retention_gain_series_items_and_errors():
    out = profit_from_retention_gain(pd.Series([10.0, 30.0], index=["consumer", "business"]), 0.8, 0.1)
    assert out["item"].tolist() == ["consumer"] * 3 + ["business"] * 3
    with pytest.raises(ParameterError, match="points"):
        profit_from_retention_gain(1.0, 0.8, 0.1, points=5)
    capped = profit_from_retention_gain(1.0, 0.98, 0.1)
    assert capped["retention_after"].max() == 1.0
