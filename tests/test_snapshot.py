"""Tests for cxanalytics.snapshot and clv.fit_sbg_censored: churn snapshots as an input.

Pinned to Fader & Hardie (2007)'s published sBG estimates, to statsmodels / scipy, and to
the library's own single-cohort sBG and margin-multiple functions where the snapshot
estimators must reduce to them. Real-data checks are in tests/test_snapshot_realdata.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special
from statsmodels.stats.proportion import proportion_confint

import cxanalytics as cx
from cxanalytics.behaviour.clv import fit_sbg, fit_sbg_censored
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError
from cxanalytics.money.economics import Estimate, clv_from_sbg, clv_interval
from cxanalytics.snapshot import (
    churn_by_segment,
    fit_sbg_snapshot,
    satisfaction_churn_link,
    snapshot_clv,
    snapshot_from_logs,
    snapshot_retention_vs_acquisition,
    survival_by_segment,
    tenure_life_table,
)
from cxanalytics.snapshot._curve import Curve, residual_value

# Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1):
# customers still active at the start of years 0-7, fitted on years 1-7 (year 7 censored).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # alpha = 0.704, beta = 1.182, LL = -1680.27
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]  # alpha = 0.668, beta = 3.806 (same paper)


def life_table_of(survivors):
    n = np.asarray(survivors, dtype=float)
    k = len(n) - 1
    return pd.DataFrame({"period": np.arange(k + 1), "lost": np.r_[0.0, -np.diff(n)],
                         "censored": np.r_[np.zeros(k), n[-1]]})


def snapshot_of(survivors, charges=10.0):
    """One row per customer: lost in year t (churned, tenure t) or active after the last year (censored)."""
    t = life_table_of(survivors)
    rows = [(p, True) for p, d in zip(t["period"], t["lost"], strict=True) for _ in range(int(d))]
    rows += [(p, False) for p, c in zip(t["period"], t["censored"], strict=True) for _ in range(int(c))]
    snap = pd.DataFrame(rows, columns=["tenure", "churned"])
    return snap.assign(monthly_charges=charges)


def direct_loglik(a, b, table):
    """sBG log-likelihood with right-censoring, written from the paper's formulas with scipy's betaln."""
    t, d, c = (table[k].to_numpy(float) for k in ("period", "lost", "censored"))
    lost = d > 0
    ll = np.sum(d[lost] * (special.betaln(a + 1, b + t[lost] - 1) - special.betaln(a, b)))
    return ll + np.sum(c * (special.betaln(a, b + t) - special.betaln(a, b)))


# ----------------------------------------------------------------------------- sBG with censoring
@pytest.mark.parametrize(("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_censored_matches_fader_hardie_2007(survivors, alpha, beta):
    fit = fit_sbg_censored(life_table_of(survivors))
    assert round(fit.alpha, 3) == alpha and round(fit.beta, 3) == beta
    snap_fit = fit_sbg_snapshot(snapshot_of(survivors), tenure_unit="years", period="years")
    assert snap_fit.alpha == pytest.approx(fit.alpha, rel=1e-9) and snap_fit.beta == pytest.approx(fit.beta, rel=1e-9)
    assert snap_fit.n == 1000


def test_sbg_censored_loglik_is_the_published_one():
    fit = fit_sbg_censored(life_table_of(REGULAR))
    assert fit.loglik == pytest.approx(-1680.27, abs=0.01)  # Fader & Hardie (2007)


def test_sbg_censored_is_the_scipy_maximum_of_the_censored_likelihood():
    # Customers of many ages: lost and censored in every period (a snapshot, not a cohort).
    table = pd.DataFrame({"period": range(10), "lost": [0, 120, 60, 41, 30, 22, 15, 12, 9, 5],
                          "censored": [7, 40, 35, 33, 30, 29, 25, 21, 20, 90]})
    fit = fit_sbg_censored(table)
    res = optimize.minimize(lambda x: -direct_loglik(*np.exp(x), table), np.zeros(2), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 10_000})
    assert fit.alpha == pytest.approx(np.exp(res.x[0]), rel=1e-4)
    assert fit.beta == pytest.approx(np.exp(res.x[1]), rel=1e-4)
    assert fit.loglik == pytest.approx(-res.fun, abs=1e-6)
    assert fit.n == int(table[["lost", "censored"]].to_numpy().sum())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=2, max_size=8), st.integers(50, 2000), st.booleans())
def test_sbg_censored_without_censoring_equals_the_cohort_fit(drops, n0, to_zero):
    survivors = [n0]
    for d in drops:
        survivors.append(max(survivors[-1] - d, 0))
    if survivors[1] == n0 or survivors[-2] == 0:
        return  # need someone lost, and no trailing run of empty periods
    if to_zero:
        survivors[-1] = 0  # everyone lost: no censoring at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = fit_sbg(survivors), fit_sbg_censored(life_table_of(survivors))
    assert a.homogeneous == b.homogeneous
    assert b.loglik == pytest.approx(a.loglik, rel=1e-9, abs=1e-9)
    if not a.homogeneous:
        assert b.alpha == pytest.approx(a.alpha, rel=1e-6) and b.beta == pytest.approx(a.beta, rel=1e-6)


def test_sbg_censored_reports_the_homogeneous_limit_with_pooled_churn():
    # constant churn of 1/4 per period, customers of every age: geometric, p = lost / periods at risk
    table = pd.DataFrame({"period": range(4), "lost": [0, 1024, 768, 576], "censored": [0, 0, 0, 1728]})
    fit = fit_sbg_censored(table)
    exposure = 4096 + 3072 + 2304
    assert fit.homogeneous
    assert fit.params.set_index("parameter").loc["churn", "estimate"] == pytest.approx(2368 / exposure)


@pytest.mark.parametrize(("table", "match"), [
    (pd.DataFrame({"period": [0, 1], "lost": [3, 1], "censored": [0, 2]}), "lost in period 0"),
    (pd.DataFrame({"period": [0, 1], "lost": [0, 0], "censored": [1, 2]}), "No customer was lost"),
    (pd.DataFrame({"period": [0, 1, 1], "lost": [0, 1, 1], "censored": [0, 2, 2]}), "distinct whole numbers"),
    (pd.DataFrame({"period": [0, 1], "lost": [0, -1], "censored": [0, 2]}), "finite and >= 0"),
])
def test_sbg_censored_rejects_bad_tables(table, match):
    with pytest.raises(ParameterError, match=match):
        fit_sbg_censored(table)


# ----------------------------------------------------------------------------- life table
def test_life_table_by_hand():
    snap = pd.DataFrame({"tenure": [0, 1, 1, 2, 2, 2, 3, 5], "churned": [False, True, False, True, True, False, False, True]})
    t = tenure_life_table(snap, tenure_unit="months")
    assert t["period"].tolist() == [0, 1, 2, 3, 4, 5]
    assert t["lost"].tolist() == [0, 1, 2, 0, 0, 1]
    assert t["censored"].tolist() == [1, 1, 1, 1, 0, 0]
    assert t["at_risk"].tolist() == [8, 7, 5, 2, 1, 1]
    np.testing.assert_allclose(t["survival"], [1, 6 / 7, 6 / 7 * 3 / 5, 18 / 35, 18 / 35, 0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 30), st.booleans()), min_size=1, max_size=60))
def test_life_table_counts_sum_to_the_customers(rows):
    snap = pd.DataFrame(rows, columns=["tenure", "churned"])
    t = tenure_life_table(snap, tenure_unit="months")
    assert t["lost"].sum() + t["censored"].sum() == len(snap)
    assert t["lost"].sum() == snap["churned"].sum()
    assert t["at_risk"].iloc[0] == len(snap)
    # at risk in t = everyone lost or censored at t or later
    later = (t["lost"] + t["censored"])[::-1].cumsum()[::-1]
    assert (t["at_risk"].iloc[1:] == later.iloc[1:]).all()
    assert (np.diff(t["survival"]) <= 1e-15).all()


def test_life_table_equals_kaplan_meier_at_whole_periods():
    rng = np.random.default_rng(3)
    snap = pd.DataFrame({"tenure": rng.integers(1, 25, 500), "churned": rng.random(500) < 0.4,
                         "plan": rng.choice(["a", "b"], 500)})
    t = tenure_life_table(snap, by="plan", tenure_unit="months")
    km = cx.kaplan_meier(snap, duration="tenure", event="churned", by="plan")
    for plan, part in t.groupby("plan"):
        at = km.survival_at(part["period"].tolist())
        at = at[at["plan"] == plan]
        np.testing.assert_allclose(part["survival"], at["survival"], rtol=1e-12)
        ok = at["ci_lower"].notna().to_numpy()
        np.testing.assert_allclose(part["ci_lower"].to_numpy()[ok], at["ci_lower"].to_numpy()[ok], rtol=1e-9)


def test_life_table_converts_units_and_counts_tenure_zero_churners_in_period_one():
    snap = pd.DataFrame({"tenure": [0.0, 45.0, 61.0, 400.0], "churned": [True, True, False, False]})
    t = tenure_life_table(snap, tenure_unit="days", period="months")
    # 45 days = 1.48 months: lost in month 2; 61 days = 2.004 months: 2 completed; 400 days: 13
    assert dict(zip(t["period"], t["lost"], strict=True))[1] == 1
    assert dict(zip(t["period"], t["lost"], strict=True))[2] == 1
    assert t.loc[t["censored"] > 0, "period"].tolist() == [2, 13]


# ----------------------------------------------------------------------------- churn by segment
def test_churn_by_segment_matches_statsmodels_wilson():
    rng = np.random.default_rng(7)
    snap = pd.DataFrame({"plan": rng.choice(["basic", "plus", "pro"], 300), "churned": rng.random(300) < 0.3})
    out = churn_by_segment(snap, by="plan", alpha=0.1)
    for _, row in out.iterrows():
        part = snap[snap["plan"] == row["plan"]]
        lo, hi = proportion_confint(part["churned"].sum(), len(part), alpha=0.1, method="wilson")
        assert row["n"] == len(part) and row["churned"] == part["churned"].sum()
        assert row["ci_lower"] == pytest.approx(lo, rel=1e-12) and row["ci_upper"] == pytest.approx(hi, rel=1e-12)


def test_churn_by_segment_intervals_contain_all_or_none_churned():
    snap = pd.DataFrame({"plan": ["a"] * 518 + ["b"] * 1789, "churned": [True] * 518 + [False] * 1789})
    out = churn_by_segment(snap, by="plan")
    assert out["ci_upper"].iloc[0] == 1.0 and out["ci_lower"].iloc[1] == 0.0
    assert (out["ci_lower"] <= out["churn_rate"]).all() and (out["churn_rate"] <= out["ci_upper"]).all()
    lo, _ = proportion_confint(518, 518, method="wilson")
    assert out["ci_lower"].iloc[0] == pytest.approx(lo, rel=1e-12)


def test_churn_by_segment_crosses_columns_keeps_category_order_and_counts_left_out_rows():
    snap = pd.DataFrame({"contract": pd.Categorical(["m", "y", "m", "y", None], categories=["y", "m"]),
                         "plan": ["a", "a", "b", "b", "b"], "churned": [1, 0, 1, 1, 0]})
    with pytest.warns(DataQualityWarning, match=r"churn_by_segment: dropped 1 of 5 customers .* in 'contract'"):
        out = churn_by_segment(snap, by=["contract", "plan"])
    assert out[["contract", "plan"]].astype(str).values.tolist() == [["y", "a"], ["y", "b"], ["m", "a"], ["m", "b"]]
    assert out["churned"].tolist() == [0, 1, 1, 1]
    overall = churn_by_segment(snap.dropna())
    assert overall[["n", "churned"]].values.tolist() == [[4, 3]]


def test_churn_flag_reads_true_false_text_with_gaps():
    snap = pd.DataFrame({"churned": ["true", "false", None, "TRUE"], "plan": ["a", "a", "a", "b"]})
    with pytest.warns(DataQualityWarning, match="1 of 4"):
        out = churn_by_segment(snap, by="plan")
    assert out[["n", "churned"]].values.tolist() == [[2, 1], [1, 1]]


@pytest.mark.parametrize(("values", "match"), [
    (["Yes", "No", "Yes"], "must be true/false.*'Yes'"),
    ([2, 0, 1], "neither 0 nor 1"),
])
def test_churn_flag_must_be_true_false(values, match):
    with pytest.raises(ColumnError, match=match):
        churn_by_segment(pd.DataFrame({"churned": values}))


def test_bad_tenure_and_units_are_named():
    with pytest.raises(ColumnError, match="negative or infinite.*'tenure'"):
        tenure_life_table(pd.DataFrame({"tenure": [1, -2], "churned": [1, 0]}))
    with pytest.raises(ColumnError, match="Tenure must be numeric"):
        tenure_life_table(pd.DataFrame({"tenure": ["1", "2"], "churned": [1, 0]}))
    with pytest.raises(ParameterError, match="Unknown time unit.*fortnights"):
        tenure_life_table(pd.DataFrame({"tenure": [1, 2], "churned": [1, 0]}), tenure_unit="fortnights")
    with pytest.raises(ColumnError, match="Column\\(s\\) missing.*Tenure"):
        tenure_life_table(pd.DataFrame({"tenure": [1, 2], "churned": [1, 0]}), tenure="Tenure")


# ----------------------------------------------------------------------------- survival
def test_survival_by_segment_matches_scipy_logrank_and_km():
    from scipy import stats

    rng = np.random.default_rng(11)
    snap = pd.DataFrame({"tenure": rng.integers(1, 40, 400).astype(float), "churned": rng.random(400) < 0.5,
                         "plan": np.repeat(["a", "b"], 200)})
    snap.loc[snap["plan"] == "b", "tenure"] += 5
    res = survival_by_segment(snap, by="plan", tenure_unit="months")
    a, b = (snap[snap["plan"] == p] for p in ("a", "b"))
    ref = stats.logrank(stats.CensoredData(uncensored=a.loc[a.churned, "tenure"], right=a.loc[~a.churned, "tenure"]),
                        stats.CensoredData(uncensored=b.loc[b.churned, "tenure"], right=b.loc[~b.churned, "tenure"]))
    assert res.logrank.statistic == pytest.approx(ref.statistic**2, rel=1e-9)
    assert res.tau == min(a["tenure"].max(), b["tenure"].max())
    s = res.summary()
    assert s["n"].tolist() == [200, 200] and s["logrank_p_value"].iloc[0] == pytest.approx(ref.pvalue, rel=1e-6)
    assert set(s.columns) >= {"median", "median_ci_lower", "rmst", "rmst_ci_lower", "rmst_ci_upper"}


def test_survival_by_segment_without_segments_has_no_test():
    res = survival_by_segment(pd.DataFrame({"tenure": [1, 2, 3, 4], "churned": [1, 0, 1, 0]}), tenure_unit="weeks",
                              period="weeks")
    assert res.logrank is None and res.tau == 4.0 and len(res.summary()) == 1


# ----------------------------------------------------------------------------- value
@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 50), st.floats(0.05, 50), st.integers(0, 40), st.floats(0.002, 0.5))
def test_residual_value_recursion_equals_the_series(a, b, tau, d):
    z = 1 / (1 + d)
    t = np.arange(1, int(np.ceil(np.log(1e-15) / np.log(z))) + 2)
    surv = np.exp(special.betaln(a, b + tau + t) - special.betaln(a, b + tau))  # S(tau + t) / S(tau)
    expected = np.sum(surv * z**t)
    got = residual_value([a], [b], [0, tau], z)[0, 1]
    assert got == pytest.approx(expected, rel=1e-8)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 50), st.floats(0.05, 50), st.integers(0, 30), st.integers(1, 60), st.floats(0.002, 0.5))
def test_residual_value_over_a_horizon_is_the_finite_sum(a, b, tau, horizon, d):
    z = 1 / (1 + d)
    t = np.arange(1, horizon + 1)
    expected = np.sum(np.exp(special.betaln(a, b + tau + t) - special.betaln(a, b + tau)) * z**t)
    got = residual_value([a], [b], [tau, 0], z, horizon)[0, 0]
    assert got == pytest.approx(expected, rel=1e-8)


def test_residual_value_is_fader_hardie_derl_times_z():
    fit = fit_sbg(REGULAR)
    d = 0.1
    for renewals in (0, 1, 4, 7, 20):
        got = residual_value([fit.alpha], [fit.beta], [renewals], 1 / (1 + d))[0, 0]
        assert got == pytest.approx(fit.derl(d, renewals=renewals) / (1 + d), rel=1e-10)


def test_residual_value_for_nearly_identical_customers():
    # alpha + beta in the hundreds of thousands: scipy's 2F1 fails, the series does not
    a, b, d = 2e4, 2e5, 0.01
    got = residual_value([a], [b], [0, 3], 1 / (1 + d))
    r = b / (a + b)  # retention is (almost) constant
    assert got[0, 0] == pytest.approx(r / (1 + d - r), rel=1e-4)


def test_curve_covariance_gives_the_fit_standard_errors():
    t = life_table_of(REGULAR)
    fit = fit_sbg_censored(t)
    curve = Curve(fit, t["lost"].to_numpy(), t["censored"].to_numpy())
    se = np.sqrt(np.diag(curve.cov)) * np.exp(curve.x)
    np.testing.assert_allclose(se, fit.params["std_error"].to_numpy(), rtol=2e-3)


def test_snapshot_clv_of_one_cohort_is_clv_from_sbg():
    snap = snapshot_of(REGULAR, charges=10.0)  # tenure in years, charges per month
    out = snapshot_clv(snap, margin_rate=0.5, discount=0.1, tenure_unit="years", period="years").set_index("measure")
    fit = fit_sbg(REGULAR)
    ref = clv_from_sbg(fit, margin=60.0, discount=0.1).set_index("model")  # 10 x 12 months x 0.5
    assert out.loc["margin", "estimate"] == pytest.approx(60.0)
    assert out.loc["clv_new", "estimate"] == pytest.approx(ref.loc["sbg", "clv"], rel=1e-6)
    assert out.loc["retention_first_period", "estimate"] == pytest.approx(fit.retention(1).item(), rel=1e-6)
    # 241 customers active after 7 years, each worth 60 x DERL(d | 7 renewals) / (1 + d)
    assert out.loc["value_retained", "estimate"] == pytest.approx(60 * fit.derl(0.1, renewals=7) / 1.1, rel=1e-6)
    assert out.loc["base_value", "estimate"] == pytest.approx(241 * out.loc["value_retained", "estimate"])
    assert (out["n"] == 1000).all() and (out["n_active"] == 241).all()
    lo, hi = out.loc["clv_new", ["ci_lower", "ci_upper"]]
    assert lo < out.loc["clv_new", "estimate"] < hi


def test_snapshot_clv_delta_agrees_with_monte_carlo():
    rng = np.random.default_rng(5)
    snap = snapshot_of(REGULAR).assign(monthly_charges=rng.gamma(4.0, 5.0, 1000))
    delta = snapshot_clv(snap, margin_rate=0.3, tenure_unit="years", period="years").set_index("measure")
    mc = snapshot_clv(snap, margin_rate=0.3, tenure_unit="years", period="years", method="monte_carlo", n_draws=20_000,
                      random_state=1).set_index("measure")
    np.testing.assert_allclose(mc["estimate"], delta["estimate"])
    np.testing.assert_allclose(mc["std_error"], delta["std_error"], rtol=0.05)
    np.testing.assert_allclose(mc["ci_lower"], delta["ci_lower"], rtol=0.01)
    assert (mc["interval"] == "percentile").all() and (delta.loc["clv_new", "interval"] == "wald_log")


def test_snapshot_clv_at_the_homogeneous_limit_is_clv_interval():
    # constant churn: the sBG collapses to the geometric model and the value is the margin multiple
    table = pd.DataFrame({"period": range(4), "lost": [0, 1024, 768, 576], "censored": [0, 0, 0, 1728]})
    rows = [(p, True) for p, d in zip(table["period"], table["lost"], strict=True) for _ in range(d)]
    rows += [(3, False)] * 1728
    rng = np.random.default_rng(2)
    snap = pd.DataFrame(rows, columns=["tenure", "churned"]).assign(monthly_charges=rng.normal(50, 10, 4096))
    out = snapshot_clv(snap, margin_rate=1.0, discount=0.12, tenure_unit="months").set_index("measure")
    d = 1.12 ** (1 / 12) - 1
    exposure, lost = 4096 + 3072 + 2304, 2368
    m = snap["monthly_charges"]
    ref = clv_interval(Estimate(m.mean(), std_error=m.std(ddof=1) / np.sqrt(4096)),
                       Estimate.from_counts(exposure - lost, exposure), d)
    assert out.loc["clv_new", "estimate"] == pytest.approx(ref["clv"].item(), rel=1e-9)
    assert out.loc["clv_new", "std_error"] == pytest.approx(ref["std_error"].item(), rel=1e-4)
    assert out.loc["clv_new", "ci_upper"] == pytest.approx(ref["ci_upper"].item(), rel=1e-4)
    assert out.loc["value_retained", "estimate"] == pytest.approx(m[~snap["churned"]].mean() / m.mean()
                                                                  * out.loc["clv_new", "estimate"], rel=1e-9)


def test_snapshot_clv_over_a_horizon_is_the_margin_multiple_over_that_horizon():
    table = pd.DataFrame({"period": range(4), "lost": [0, 1024, 768, 576], "censored": [0, 0, 0, 1728]})
    rows = [(p, True) for p, d in zip(table["period"], table["lost"], strict=True) for _ in range(d)]
    snap = pd.DataFrame(rows + [(3, False)] * 1728, columns=["tenure", "churned"]).assign(monthly_charges=40.0)
    out = snapshot_clv(snap, margin_rate=0.5, discount=0.12, horizon=24, tenure_unit="months").set_index("measure")
    d = 1.12 ** (1 / 12) - 1
    assert out.loc["clv_new", "estimate"] == pytest.approx(cx.clv(20.0, 1 - 2368 / 9472, d, horizon=24), rel=1e-12)
    longer = snapshot_clv(snapshot_of(REGULAR), margin_rate=0.5, tenure_unit="years", horizon=5).set_index("measure")
    full = snapshot_clv(snapshot_of(REGULAR), margin_rate=0.5, tenure_unit="years", period="years").set_index("measure")
    assert longer.loc["clv_new", "estimate"] < full.loc["clv_new", "estimate"]
    with pytest.raises(ParameterError, match="horizon"):
        snapshot_clv(snapshot_of(REGULAR), margin_rate=0.5, horizon=0)
    # tenure in days (the canonical unit) gives the same value as in months
    in_days = snap.assign(tenure=snap["tenure"] * 365.25 / 12)
    same = snapshot_clv(in_days, margin_rate=0.5, discount=0.12, horizon=24).set_index("measure")
    np.testing.assert_allclose(same["estimate"], out["estimate"], rtol=1e-12)


def test_retention_vs_acquisition_identities_and_cost_column():
    rng = np.random.default_rng(9)
    snap = snapshot_of(HIGH_END).assign(monthly_charges=rng.gamma(4.0, 5.0, 1000),
                                        acquisition_cost=rng.gamma(2.0, 100.0, 1000))
    fixed = snapshot_retention_vs_acquisition(snap, acquisition_cost=250.0, margin_rate=0.4,
                                              tenure_unit="years", period="years").set_index("measure")["estimate"]
    assert fixed["net_value_new"] == pytest.approx(fixed["clv_new"] - 250.0)
    assert fixed["retained_to_acquisition_cost"] == pytest.approx(fixed["value_retained"] / 250.0)
    assert fixed["retain_minus_replace"] == pytest.approx(fixed["value_retained"] - fixed["net_value_new"])
    col = snapshot_retention_vs_acquisition(snap, acquisition_cost="acquisition_cost", margin_rate=0.4,
                                            tenure_unit="years", period="years").set_index("measure")
    assert col.loc["acquisition_cost", "estimate"] == pytest.approx(snap["acquisition_cost"].mean())
    se = snap["acquisition_cost"].std(ddof=1) / np.sqrt(1000)
    assert col.loc["acquisition_cost", "std_error"] == pytest.approx(se, rel=1e-4)
    assert col.loc["net_value_new", "interval"] == "wald"
    with pytest.raises(ParameterError, match="acquisition_cost"):
        snapshot_retention_vs_acquisition(snap, acquisition_cost=-5.0, margin_rate=0.4)


def test_value_segments_without_churn_warn_and_bad_inputs_are_named():
    snap = snapshot_of(REGULAR).assign(plan=["a"] * 999 + ["b"])
    snap.loc[snap.index[-1], "churned"] = False
    with pytest.warns(DataQualityWarning, match="No customer of .*'b'.* churned"):
        out = snapshot_clv(snap, margin_rate=0.5, by="plan", tenure_unit="years", period="years")
    assert out.loc[out["plan"] == "b", "estimate"].isna().all()
    assert out.loc[out["plan"] == "a", "estimate"].notna().all()
    for kwargs, match in [({"margin_rate": 0.0}, "margin_rate"), ({"margin_rate": 0.5, "discount": 0.0}, "discount"),
                          ({"margin_rate": 0.5, "method": "bootstrap"}, "Unknown method")]:
        with pytest.raises(ParameterError, match=match):
            snapshot_clv(snapshot_of(REGULAR), tenure_unit="years", **kwargs)
    with pytest.raises(ColumnError, match="monthly_charges"):
        snapshot_clv(snapshot_of(REGULAR).drop(columns="monthly_charges"), margin_rate=0.5)


# ----------------------------------------------------------------------------- satisfaction link
def test_satisfaction_link_counts_missing_scores_and_reads_both_predictors():
    snap = pd.DataFrame({"satisfaction": [1, 1, 2, 5, 5, None] * 20, "complaint": [1, 0] * 60,
                         "churned": [1, 1, 0, 0, 0, 1] * 20})
    with pytest.warns(DataQualityWarning, match=r"satisfaction_churn_link: dropped 20 of 120 customers .*'satisfaction'"):
        res = satisfaction_churn_link(snap)
    assert res.verdict["claim"].tolist() == ["Churn falls as 'satisfaction' rises", "Customers with 'complaint' churn more"]
    ev = res.evidence.set_index(["predictor", "level"])
    assert ev.loc[("satisfaction", 1.0), "churn_rate"] == 1.0
    assert ev.loc[("complaint", True), "n"] == 60
    with pytest.raises(ParameterError, match="Nothing to link"):
        satisfaction_churn_link(snap, satisfaction=None, complaint=None)


# ----------------------------------------------------------------------------- from the logs
def test_snapshot_from_logs_on_the_sample():
    s = {n: load_sample(n) for n in ("customers", "transactions", "interactions", "responses")}
    snap = snapshot_from_logs(s["customers"], s["transactions"], interactions=s["interactions"],
                              responses=s["responses"], lapse={"plan": "prepaid"})
    ref = cx.clv_by_segment(s["customers"], s["transactions"], by="plan", lapse={"plan": "prepaid"},
                            period="30.4375D")
    assert len(snap) == len(s["customers"]) and snap["customer_id"].is_unique
    by_plan = snap.groupby("plan")[["churned"]].sum()
    assert by_plan["churned"].to_dict() == dict(zip(ref["plan"], ref["churned"], strict=True))
    months = snap.groupby("plan")["tenure"].sum().to_numpy() / (365.25 / 12)  # tenure in days, the canonical unit
    np.testing.assert_allclose(months, ref["customer_periods"], rtol=1e-9)
    assert snap["total_charges"].sum() == pytest.approx(ref["revenue"].sum())
    # complaint: some complaint on or before the customer's end; satisfaction: a csat score 1-5
    complainers = set(s["interactions"].loc[s["interactions"]["complaint"].astype(bool), "customer_id"])
    assert set(snap.loc[snap["complaint"], "customer_id"]) <= complainers
    assert snap["satisfaction"].dropna().isin([1, 2, 3, 4, 5]).all()
    assert snap["satisfaction"].notna().sum() <= s["responses"]["customer_id"].nunique()
