"""Tests for cxanalytics.behaviour.survival: pinned to published results, scipy, and invariants."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxanalytics.behaviour.survival import _kmprep as sv
from cxanalytics.behaviour.survival import cox, kaplan_meier, logrank, rmst, rmst_difference
from cxanalytics.errors import (
    ColumnError,
    ConvergenceWarning,
    CovariateError,
    DataQualityWarning,
    ParameterError,
    SeparationWarning,
)


def _curve(result, group):
    c = result.curve
    return c[c["group"] == group].set_index("time")


def test_kaplan_meier_matches_kleinbaum_klein_freireich(leukemia):
    # Kleinbaum & Klein (2012), ch. 2, KM tables for the remission data (4 decimals).
    km = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    published = {
        "6-MP": {6: (21, 0.8571), 7: (17, 0.8067), 10: (15, 0.7529), 13: (12, 0.6902),
                 16: (11, 0.6275), 22: (7, 0.5378), 23: (6, 0.4482)},
        "placebo": {1: (21, 0.9048), 2: (19, 0.8095), 3: (17, 0.7619), 4: (16, 0.6667),
                    5: (14, 0.5714), 8: (12, 0.3810), 11: (8, 0.2857), 12: (6, 0.1905),
                    15: (4, 0.1429), 17: (3, 0.0952), 22: (2, 0.0476), 23: (1, 0.0)},
    }
    for group, table in published.items():
        c = _curve(km, group)
        for time, (n_risk, surv) in table.items():
            assert c.loc[time, "n_at_risk"] == n_risk
            assert c.loc[time, "survival"] == pytest.approx(surv, abs=5e-5)
    # censored-only times are kept with the survival unchanged (6-MP at 9 and 35 weeks)
    mp = _curve(km, "6-MP")
    assert mp.loc[9, "n_events"] == 0 and mp.loc[9, "n_censored"] == 1
    assert mp.loc[35, "survival"] == pytest.approx(0.4482, abs=5e-5)
    assert mp["n_events"].sum() == 9 and mp["n_censored"].sum() == 12


def test_kaplan_meier_greenwood_matches_r_survfit_freireich(leukemia):
    # R survival::survfit on the same data (surv_summary output, std.err = se of log S):
    # 6-MP at 6, 13, 23 weeks: 0.08908708, 0.15475995, 0.30030719; placebo at 8: 0.27817432.
    km = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    for group, time, se_log in [("6-MP", 6, 0.08908708), ("6-MP", 13, 0.15475995),
                                ("6-MP", 23, 0.30030719), ("placebo", 8, 0.27817432)]:
        row = _curve(km, group).loc[time]
        assert row["std_error"] / row["survival"] == pytest.approx(se_log, abs=1e-8)


def test_median_matches_kleinbaum_klein_freireich(leukemia):
    # Kleinbaum & Klein (2012), ch. 2: median remission 8 weeks (placebo), 23 weeks (6-MP).
    med = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group").medians
    med = med.set_index("group")
    assert med.loc["placebo", "median"] == 8
    assert med.loc["6-MP", "median"] == 23
    assert list(med["n"]) == [21, 21] and list(med["n_events"]) == [9, 21]


def test_median_interval_is_where_scipy_loglog_band_crosses_half(leukemia):
    km = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    med = km.medians.set_index("group")
    for group, frame in leukemia.groupby("group"):
        sample = stats.CensoredData.right_censored(frame["weeks"], frame["relapse"] == 0)
        sf = stats.ecdf(sample).sf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            band = sf.confidence_interval(0.95, method="log-log")
        low = np.nan_to_num(band.low.probabilities, nan=0.0)
        high = np.nan_to_num(band.high.probabilities, nan=0.0)
        t = sf.quantiles
        expect_lo = t[np.argmax(low <= 0.5)]
        expect_hi = t[np.argmax(high <= 0.5)] if (high <= 0.5).any() else np.nan
        assert med.loc[group, "ci_lower"] == expect_lo
        np.testing.assert_equal(med.loc[group, "ci_upper"], expect_hi)
    assert (med.loc["placebo", "ci_lower"], med.loc["placebo", "ci_upper"]) == (4, 11)
    assert med.loc["6-MP", "ci_lower"] == 13 and np.isnan(med.loc["6-MP", "ci_upper"])


def test_logrank_matches_kleinbaum_klein_freireich(leukemia):
    # Kleinbaum & Klein (2012), ch. 2: O1 = 9, E1 = 19.25 (6-MP); O2 = 21, E2 = 10.75;
    # log-rank chi-square = 16.79 on 1 df.  R survdiff on the same data: p = 4.17e-05.
    res = logrank(leukemia, duration="weeks", event="relapse", by="group")
    groups = res.groups.set_index("group")
    assert groups.loc["6-MP", "observed"] == 9 and groups.loc["placebo", "observed"] == 21
    assert groups.loc["6-MP", "expected"] == pytest.approx(19.25, abs=0.005)
    assert groups.loc["placebo", "expected"] == pytest.approx(10.75, abs=0.005)
    assert res.statistic == pytest.approx(16.79, abs=0.005)
    assert res.df == 1 and res.n_groups == 2
    assert res.p_value == pytest.approx(4.17e-05, abs=0.005e-05)


def test_cox_matches_kleinbaum_klein_breslow(leukemia):
    # Kleinbaum & Klein (2012), ch. 3, model 1 (Rx only, Breslow ties as in SAS/Stata):
    # coef 1.509, s.e. 0.410, hazard ratio 4.523, 95% CI 2.027 to 10.094.
    fit = cox(leukemia, duration="weeks", event="relapse", covariates="group")
    row = fit.iloc[0]
    assert row["term"] == "group[placebo]" and row["reference"] == "6-MP"
    assert row["coef"] == pytest.approx(1.509, abs=5e-4)
    assert row["std_error"] == pytest.approx(0.410, abs=5e-4)
    assert row["hazard_ratio"] == pytest.approx(4.523, abs=5e-4)
    assert row["ci_lower"] == pytest.approx(2.027, abs=5e-4)
    assert row["ci_upper"] == pytest.approx(10.094, abs=5e-4)
    assert (row["n"], row["n_events"]) == (42, 30)


def test_cox_efron_matches_r_coxph(leukemia):
    # R survival::coxph(Surv(T, delta) ~ MP) on the same data (Efron ties, MP = 1 for 6-MP):
    # coef -1.5721, se 0.4124, z -3.812, p 0.000138, exp(coef) 0.2076, CI 0.09251 to 0.4659.
    fit = cox(leukemia, duration="weeks", event="relapse", covariates="group", ties="efron",
              reference={"group": "placebo"})
    row = fit.iloc[0]
    assert row["term"] == "group[6-MP]"
    assert row["coef"] == pytest.approx(-1.5721, abs=5e-5)
    assert row["std_error"] == pytest.approx(0.4124, abs=5e-5)
    assert row["z"] == pytest.approx(-3.812, abs=5e-4)
    assert row["p_value"] == pytest.approx(0.000138, abs=5e-7)
    assert row["hazard_ratio"] == pytest.approx(0.2076, abs=5e-5)
    assert row["ci_lower"] == pytest.approx(0.09251, abs=5e-6)
    assert row["ci_upper"] == pytest.approx(0.4659, abs=5e-5)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_cox_interval_formula(leukemia, alpha):
    fit = cox(leukemia, duration="weeks", event="relapse", covariates="group", alpha=alpha)
    z = stats.norm.ppf(1 - alpha / 2)
    np.testing.assert_allclose(fit["ci_lower"], np.exp(fit["coef"] - z * fit["std_error"]))
    np.testing.assert_allclose(fit["ci_upper"], np.exp(fit["coef"] + z * fit["std_error"]))
    np.testing.assert_allclose(fit["hazard_ratio"], np.exp(fit["coef"]))
    np.testing.assert_allclose(fit["p_value"], 2 * stats.norm.sf(np.abs(fit["z"])))


def test_cox_dummy_coding_scaling_and_strata():
    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame({"plan": rng.choice(["basic", "plus", "pro"], n),
                       "age": rng.normal(40, 10, n), "region": rng.choice(["n", "s"], n)})
    rate = np.exp(0.5 * (df["plan"] == "plus") - 0.7 * (df["plan"] == "pro") + 0.02 * df["age"])
    df["t"] = rng.exponential(1 / rate.to_numpy())
    df["e"] = (rng.random(n) < 0.8).astype(int)
    fit = cox(df, duration="t", event="e", covariates=["plan", "age"]).set_index("term")
    assert list(fit.index) == ["plan[plus]", "plan[pro]", "age"]
    # the same model with hand-made 0/1 columns gives the same coefficients
    manual = df.assign(plus=(df["plan"] == "plus").astype(float),
                       pro=(df["plan"] == "pro").astype(float))
    fit2 = cox(manual, duration="t", event="e", covariates=["plus", "pro", "age"])
    np.testing.assert_allclose(fit["coef"].to_numpy(), fit2["coef"].to_numpy(), rtol=1e-8)
    # doubling a covariate halves its coefficient
    fit3 = cox(df.assign(age=2 * df["age"]), duration="t", event="e", covariates=["plan", "age"])
    assert fit3["coef"].iloc[2] == pytest.approx(fit.loc["age", "coef"] / 2, rel=1e-6)
    # a categorical dtype's first category is the reference
    cat = df.assign(plan=pd.Categorical(df["plan"], categories=["pro", "basic", "plus"]))
    fit4 = cox(cat, duration="t", event="e", covariates="plan")
    assert list(fit4["term"]) == ["plan[basic]", "plan[plus]"]
    assert set(fit4["reference"]) == {"pro"}
    strat = cox(df, duration="t", event="e", covariates=["plan", "age"], strata="region")
    assert len(strat) == 3 and np.all(np.isfinite(strat["coef"]))
    assert not np.allclose(strat["coef"], fit["coef"].to_numpy())


def test_cox_errors_and_missing_rows(leukemia):
    with pytest.raises(ParameterError, match="ties"):
        cox(leukemia, duration="weeks", event="relapse", covariates="group", ties="exact")
    with pytest.raises(ParameterError, match="Reference level"):
        cox(leukemia, duration="weeks", event="relapse", covariates="group",
            reference={"group": "nope"})
    with pytest.raises(ParameterError, match="two or more levels"):
        cox(leukemia.assign(one="a"), duration="weeks", event="relapse", covariates="one")
    with pytest.raises(ParameterError, match="collinear"):
        cox(leukemia.assign(x=leukemia["weeks"] * 0 + 3.0), duration="weeks", event="relapse",
            covariates="x")
    with pytest.raises(ColumnError, match="nope"):
        cox(leukemia, duration="weeks", event="relapse", covariates="nope")
    no_events = leukemia.assign(relapse=np.where(leukemia["group"] == "6-MP", 0, 1))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        cox(no_events, duration="weeks", event="relapse", covariates="group")
    holes = leukemia.assign(x=np.where(np.arange(42) % 7 == 0, np.nan, np.arange(42.0)))
    with pytest.warns(DataQualityWarning, match="dropped 6 of 42 rows"):
        fit = cox(holes, duration="weeks", event="relapse", covariates=["group", "x"])
    assert fit["n"].iloc[0] == 36


def test_cox_warns_when_a_covariate_separates_events():
    """A complaint flag with exits 99.5 % vs 0.05 % (the bank-churn shape): warned with the table."""
    rng = np.random.default_rng(21)
    n = 4000
    complain = (np.arange(n) < 800).astype(int)
    exited = np.zeros(n, dtype=int)
    exited[rng.choice(800, 796, replace=False)] = 1
    exited[800 + rng.choice(3200, 2, replace=False)] = 1
    df = pd.DataFrame({"complain": complain, "exited": exited, "age": rng.normal(40, 10, n),
                       "tenure": rng.uniform(0.1, 10, n)})
    with pytest.warns(SeparationWarning) as caught:
        fit = cox(df, duration="tenure", event="exited", covariates=["complain", "age"])
    msg = str(caught[0].message)
    assert "'complain' almost perfectly separates" in msg
    assert re.search(r"0 +3200 +2 +0\.06%", msg) and re.search(r"1 +800 +796 +99\.50%", msg)
    assert fit.set_index("term").loc["complain", "hazard_ratio"] > 100
    # an ordinary covariate is not flagged
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        cox(df.assign(exited=rng.random(n) < 0.3), duration="tenure", event="exited", covariates=["complain", "age"])


def test_cox_level_without_events_is_separation(leukemia):
    no_events = leukemia.assign(relapse=np.where(leukemia["group"] == "6-MP", 0, 1))
    with pytest.warns(SeparationWarning, match=r"(?s)'group' quasi-completely separates.*6-MP +21 +0 +0\.00%"), \
            pytest.warns(ConvergenceWarning):
        cox(no_events, duration="weeks", event="relapse", covariates="group")


def test_cox_refuses_nonsense_covariates_before_fitting(leukemia):
    d = leukemia.assign(charges=[f"{v:.2f}" for v in np.linspace(10, 500, 42)])
    d.loc[[3, 9], "charges"] = " "
    with pytest.raises(CovariateError, match=r"'charges' is mostly numbers.*40 of 42.*2 blank"):
        cox(d, duration="weeks", event="relapse", covariates=["group", "charges"])
    # 30 events allow min(50, max(2, 30 // 5)) = 6 levels; 7 are refused
    d = leukemia.assign(branch=[f"b{i % 7}" for i in range(42)])
    with pytest.raises(CovariateError, match="7 levels with 30 events"):
        cox(d, duration="weeks", event="relapse", covariates=["branch"])
    d = leukemia.assign(x=np.arange(42.0), x2=2 * np.arange(42.0) - 3)
    with pytest.raises(CovariateError, match=r"\['x', 'x2'\]: x2 = 2·x \(\+ a constant\)"):
        cox(d, duration="weeks", event="relapse", covariates=["x", "group", "x2"])


# --------------------------------------------------------------------- against scipy
def _random_sample(seed: int, n: int = 300, integer: bool = False):
    rng = np.random.default_rng(seed)
    t = rng.exponential(10, n)
    c = rng.exponential(15, n)
    if integer:
        t, c = np.ceil(t), np.ceil(c)
    return pd.DataFrame({"t": np.minimum(t, c), "e": (t <= c).astype(int),
                         "g": rng.choice(["a", "b"], n)})


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("integer", [False, True])
def test_kaplan_meier_matches_scipy_ecdf(seed, integer):
    df = _random_sample(seed, integer=integer)
    km = kaplan_meier(df, duration="t", event="e")
    sample = stats.CensoredData.right_censored(df["t"], df["e"] == 0)
    sf = stats.ecdf(sample).sf
    np.testing.assert_array_equal(km.curve["time"], sf.quantiles)
    np.testing.assert_allclose(km.curve["survival"], sf.probabilities, rtol=0, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.9, method="log-log")
    km90 = kaplan_meier(df, duration="t", event="e", alpha=0.1)
    ok = np.isfinite(band.low.probabilities)
    np.testing.assert_allclose(km90.curve["ci_lower"][ok], band.low.probabilities[ok], atol=1e-12)
    np.testing.assert_allclose(km90.curve["ci_upper"][ok], band.high.probabilities[ok], atol=1e-12)


@pytest.mark.parametrize("seed", [10, 11, 12, 13, 14])
def test_logrank_matches_scipy(seed):
    df = _random_sample(seed, integer=seed % 2 == 0)
    res = logrank(df, duration="t", event="e", by="g")
    a, b = (df[df["g"] == k] for k in ("a", "b"))
    ref = stats.logrank(stats.CensoredData.right_censored(a["t"], a["e"] == 0),
                        stats.CensoredData.right_censored(b["t"], b["e"] == 0))
    assert res.statistic == pytest.approx(ref.statistic**2, rel=1e-12, abs=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-12)


def test_logrank_k_groups_does_not_depend_on_dropped_group():
    rng = np.random.default_rng(3)
    n = 300
    g = rng.choice(["x", "y", "z"], n)
    t = rng.exponential(np.where(g == "x", 5.0, np.where(g == "y", 7.0, 9.0)))
    df = pd.DataFrame({"t": np.round(t, 1), "e": rng.integers(0, 2, n), "g": g})
    base = logrank(df, duration="t", event="e", by="g")
    assert base.df == 2 and base.n_groups == 3 and list(base.groups["g"]) == ["x", "y", "z"]
    assert base.groups["observed"].sum() == pytest.approx(base.groups["expected"].sum())
    renamed = df.assign(g=df["g"].map({"x": "c", "y": "a", "z": "b"}))  # another group last
    other = logrank(renamed, duration="t", event="e", by="g")
    assert other.statistic == pytest.approx(base.statistic, rel=1e-10)
    assert base.p_value == pytest.approx(stats.chi2.sf(base.statistic, 2))


def test_logrank_needs_two_groups(leukemia):
    with pytest.raises(ParameterError, match="at least two groups"):
        logrank(leukemia[leukemia["group"] == "placebo"], duration="weeks", event="relapse",
                by="group")


# --------------------------------------------------------------------- RMST
def test_rmst_hand_calculation_freireich(leukemia):
    res = rmst(leukemia, duration="weeks", event="relapse", tau=23, by="group").set_index("group")
    # placebo: no censoring and every time <= 23, so RMST = mean remission = 182 / 21 weeks.
    times = leukemia.loc[leukemia["group"] == "placebo", "weeks"].to_numpy(dtype=float)
    assert res.loc["placebo", "rmst"] == pytest.approx(182 / 21, rel=1e-12)
    assert res.loc["placebo", "std_error"] == pytest.approx(times.std() / np.sqrt(21), rel=1e-12)
    # 6-MP: rectangles under the published step function (Kleinbaum & Klein, ch. 2)
    area = (6 * 1 + 1 * 0.8571 + 3 * 0.8067 + 3 * 0.7529 + 3 * 0.6902 + 6 * 0.6275 + 1 * 0.5378)
    assert res.loc["6-MP", "rmst"] == pytest.approx(area, abs=2e-3)
    z = stats.norm.ppf(0.975)
    assert res.loc["6-MP", "ci_lower"] == pytest.approx(
        res.loc["6-MP", "rmst"] - z * res.loc["6-MP", "std_error"])
    diff = rmst_difference(leukemia, duration="weeks", event="relapse", by="group", tau=23,
                           reference="placebo")
    assert diff["group"].iloc[0] == "6-MP"
    assert diff["difference"].iloc[0] == pytest.approx(res.loc["6-MP", "rmst"] - 182 / 21)
    se = np.hypot(res.loc["6-MP", "std_error"], res.loc["placebo", "std_error"])
    assert diff["std_error"].iloc[0] == pytest.approx(se)
    assert diff["p_value"].iloc[0] == pytest.approx(2 * stats.norm.sf(diff["difference"].iloc[0] / se))


def test_rmst_tau_checks(leukemia):
    with pytest.raises(ParameterError, match="longest follow-up"):
        rmst(leukemia, duration="weeks", event="relapse", tau=30, by="group")
    with pytest.raises(ParameterError, match="positive"):
        rmst(leukemia, duration="weeks", event="relapse", tau=-1)
    with pytest.raises(ParameterError, match="reference"):
        rmst_difference(leukemia, duration="weeks", event="relapse", by="group", tau=20,
                        reference="other")
    early = rmst(leukemia, duration="weeks", event="relapse", tau=0.5)  # before any event
    assert early["rmst"].iloc[0] == 0.5 and early["std_error"].iloc[0] == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=40), st.integers(1, 40))
def test_rmst_without_censoring_is_mean_of_truncated_times(times, tau):
    df = pd.DataFrame({"t": times, "e": 1})
    tau = min(tau, max(times))
    res = rmst(df, duration="t", event="e", tau=tau)
    clipped = np.minimum(np.asarray(times, float), tau)
    assert res["rmst"].iloc[0] == pytest.approx(clipped.mean(), rel=1e-10)
    assert res["std_error"].iloc[0] == pytest.approx(clipped.std() / np.sqrt(len(times)),
                                                     rel=1e-8, abs=1e-12)


# --------------------------------------------------------------------- properties
_samples = st.lists(st.tuples(st.integers(0, 30), st.booleans(), st.sampled_from("ab")),
                    min_size=1, max_size=60)


def _frame(rows):
    return pd.DataFrame(rows, columns=["t", "e", "g"])


@settings(max_examples=80, deadline=None)
@given(_samples)
def test_kaplan_meier_invariants(rows):
    df = _frame(rows)
    km = kaplan_meier(df, duration="t", event="e", by="g")
    for _, c in km.curve.groupby("g"):
        s = c["survival"].to_numpy()
        assert np.all((s >= 0) & (s <= 1))
        assert np.all(np.diff(s) <= 1e-15)
        assert np.all(np.diff(c["time"]) > 0)
        assert np.all(np.diff(c["n_at_risk"]) <= 0)
        ok = s > 0
        assert np.all(c["ci_lower"][ok] <= s[ok] + 1e-12)
        assert np.all(c["ci_upper"][ok] >= s[ok] - 1e-12)
        assert c["n_events"].sum() + c["n_censored"].sum() == c["n_at_risk"].iloc[0]
    shuffled = df.sample(frac=1, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(kaplan_meier(shuffled, duration="t", event="e", by="g").curve,
                                  km.curve)
    ones = kaplan_meier(df.assign(w=1.0), duration="t", event="e", by="g", weights="w")
    pd.testing.assert_frame_equal(ones.curve, km.curve, check_dtype=False)
    if df["g"].nunique() == 2:
        assert logrank(df, duration="t", event="e", by="g").statistic >= 0


@settings(max_examples=40, deadline=None)
@given(_samples, st.lists(st.integers(1, 3), min_size=60, max_size=60))
def test_integer_weights_equal_replicated_rows(rows, reps):
    df = _frame(rows).assign(w=reps[: len(rows)])
    weighted = kaplan_meier(df, duration="t", event="e", weights="w")
    repeated = df.loc[df.index.repeat(df["w"])]
    plain = kaplan_meier(repeated, duration="t", event="e")
    cols = ["time", "n_at_risk", "n_events", "survival", "std_error", "ci_lower", "ci_upper"]
    pd.testing.assert_frame_equal(weighted.curve[cols], plain.curve[cols], check_dtype=False)


@settings(max_examples=60, deadline=None)
@given(_samples, st.lists(st.floats(0, 35, allow_nan=False), min_size=1, max_size=8))
def test_survival_at_agrees_with_direct_counts(rows, times):
    df = _frame(rows)
    km = kaplan_meier(df, duration="t", event="e", by="g")
    at = km.survival_at(times)
    for (g, t), row in at.set_index(["g", "time"]).iterrows():
        sub = df[df["g"] == g]
        assert row["n_at_risk"] == (sub["t"] >= t).sum()
        if t > sub["t"].max():
            assert np.isnan(row["survival"])
            continue
        # direct product over event times up to t, computed per time from the raw rows
        expect = 1.0
        for u in sorted(sub.loc[sub["e"] & (sub["t"] <= t), "t"].unique()):
            expect *= 1 - (sub["e"] & (sub["t"] == u)).sum() / (sub["t"] >= u).sum()
        assert row["survival"] == pytest.approx(expect, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(_samples, st.floats(0.5, 1.0))
def test_logrank_and_rmst_invariants(rows, frac):
    df = _frame(rows)
    shuffled = df.sample(frac=1, random_state=2)
    if df["g"].nunique() == 2:
        a = logrank(df, duration="t", event="e", by="g")
        b = logrank(shuffled, duration="t", event="e", by="g")
        pd.testing.assert_frame_equal(a.groups, b.groups)
        assert (a.statistic, a.df, a.p_value) == pytest.approx((b.statistic, b.df, b.p_value), rel=1e-12)
        assert a.groups["observed"].sum() == df["e"].sum()
        assert a.groups["expected"].sum() == pytest.approx(df["e"].sum())
        assert 0 <= a.p_value <= 1
    tau_max = df.groupby("g")["t"].max().min()
    if tau_max > 0:
        small = rmst(df, duration="t", event="e", by="g", tau=frac * tau_max / 2)
        big = rmst(df, duration="t", event="e", by="g", tau=frac * tau_max)
        assert np.all(small["rmst"].to_numpy() <= big["rmst"].to_numpy() + 1e-12)
        assert np.all((big["rmst"] >= 0) & (big["rmst"] <= big["tau"] + 1e-12))
        assert np.all(big["ci_lower"] <= big["rmst"]) and np.all(big["std_error"] >= 0)


def test_multiple_by_columns_and_nullable_dtypes(leukemia):
    df = leukemia.assign(half=np.where(leukemia.index % 2 == 0, "even", "odd"))
    km = kaplan_meier(df, duration="weeks", event="relapse", by=["group", "half"])
    assert list(km.medians.columns[:2]) == ["group", "half"] and len(km.medians) == 4
    assert km.medians["n"].sum() == 42
    nullable = leukemia.astype({"weeks": "Int64", "relapse": "boolean"})
    pd.testing.assert_frame_equal(
        kaplan_meier(nullable, duration="weeks", event="relapse").curve,
        kaplan_meier(leukemia, duration="weeks", event="relapse").curve)
    holes = nullable.copy()
    holes.loc[3, "relapse"] = pd.NA
    with pytest.raises(ColumnError, match="relapse"):
        kaplan_meier(holes, duration="weeks", event="relapse")


def test_counting_paths_agree(monkeypatch):
    df = _random_sample(5, n=500, integer=True).assign(t2=lambda d: d["t"] + 0.5)
    dense = kaplan_meier(df, duration="t", event="e", by="g").curve
    general = kaplan_meier(df, duration="t2", event="e", by="g").curve
    np.testing.assert_allclose(general["time"] - 0.5, dense["time"])
    np.testing.assert_allclose(general["survival"], dense["survival"], rtol=0, atol=0)
    monkeypatch.setattr(sv, "_DENSE_LIMIT", 1)
    sparse = kaplan_meier(df, duration="t", event="e", by="g").curve
    pd.testing.assert_frame_equal(sparse, dense)


# --------------------------------------------------------------------- result object
def test_survival_at_and_summary(leukemia):
    km = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    at = km.survival_at([0, 6.5, 23, 34.9, 36]).set_index(["group", "time"])
    assert at.loc[("6-MP", 0), "survival"] == 1 and at.loc[("6-MP", 0), "ci_lower"] == 1
    assert at.loc[("6-MP", 6.5), "survival"] == pytest.approx(18 / 21)
    assert at.loc[("6-MP", 34.9), "survival"] == pytest.approx(0.4482, abs=5e-5)
    assert np.isnan(at.loc[("6-MP", 36), "survival"])  # beyond follow-up
    assert at.loc[("6-MP", 0), "n_at_risk"] == 21 and at.loc[("6-MP", 6.5), "n_at_risk"] == 17
    assert at.loc[("6-MP", 23), "n_at_risk"] == 6 and at.loc[("6-MP", 36), "n_at_risk"] == 0
    assert at.loc[("placebo", 23), "survival"] == 0
    assert np.isnan(at.loc[("placebo", 34.9), "survival"])
    single = kaplan_meier(leukemia, duration="weeks", event="relapse").survival_at(1)
    assert list(single.columns) == ["time", "n_at_risk", "survival", "std_error", "ci_lower",
                                    "ci_upper"]
    assert single["survival"].iloc[0] == pytest.approx(40 / 42)
    assert km.summary().equals(km.medians)
    html = km._repr_html_()
    assert "Kaplan-Meier" in html and "placebo" in html and "<table" in html


def test_inputs_not_mutated(leukemia):
    before = leukemia.copy()
    kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    logrank(leukemia, duration="weeks", event="relapse", by="group")
    rmst(leukemia, duration="weeks", event="relapse", tau=20, by="group")
    cox(leukemia, duration="weeks", event="relapse", covariates="group")
    pd.testing.assert_frame_equal(leukemia, before)


# --------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("column", "value", "match"),
    [("weeks", -1.0, r"column 'weeks'.*received -1\.0"),
     ("weeks", np.nan, r"column 'weeks'.*received nan"),
     ("weeks", np.inf, r"column 'weeks'.*received inf"),
     ("relapse", 2, r"column 'relapse'.*received 2"),
     ("relapse", np.nan, r"column 'relapse'.*received nan")],
)
def test_bad_values_name_column_and_value(leukemia, column, value, match):
    bad = leukemia.astype({column: float})
    bad.loc[5, column] = value
    with pytest.raises(ColumnError, match=match):
        kaplan_meier(bad, duration="weeks", event="relapse")


def test_other_input_errors(leukemia):
    with pytest.raises(ColumnError, match="Event indicator"):
        kaplan_meier(leukemia.assign(relapse="yes"), duration="weeks", event="relapse")
    with pytest.raises(ColumnError, match="Durations must be numeric"):
        kaplan_meier(leukemia.assign(weeks="3"), duration="weeks", event="relapse")
    with pytest.raises(ColumnError, match="missing"):
        kaplan_meier(leukemia, duration="days", event="relapse")
    with pytest.raises(ColumnError, match="weight"):
        kaplan_meier(leukemia.assign(w=-1.0), duration="weeks", event="relapse", weights="w")
    with pytest.raises(ParameterError, match="alpha"):
        kaplan_meier(leukemia, duration="weeks", event="relapse", alpha=1.5)
    with pytest.raises(ParameterError, match="DataFrame"):
        kaplan_meier(leukemia.to_dict(), duration="weeks", event="relapse")
    with pytest.raises(ParameterError, match="No rows"):
        kaplan_meier(leukemia.iloc[:0], duration="weeks", event="relapse")
    booleans = kaplan_meier(leukemia.assign(relapse=leukemia["relapse"] == 1),
                            duration="weeks", event="relapse")
    ints = kaplan_meier(leukemia, duration="weeks", event="relapse")
    pd.testing.assert_frame_equal(booleans.curve, ints.curve)
    with pytest.warns(DataQualityWarning, match="dropped 1 of 42 rows"):
        km = kaplan_meier(leukemia.assign(group=leukemia["group"].where(leukemia.index != 0)),
                          duration="weeks", event="relapse", by="group")
    assert km.medians["n"].sum() == 41


# --------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def telco(realdata):
    folder = realdata / "ibm_telco_extended"
    services = pd.read_excel(folder / "Telco_customer_churn_services.xlsx",
                             usecols=["Customer ID", "Tenure in Months", "Contract"])
    status = pd.read_excel(folder / "Telco_customer_churn_status.xlsx",
                           usecols=["Customer ID", "Satisfaction Score", "Churn Value"])
    return services.merge(status, on="Customer ID", validate="one_to_one")


@pytest.mark.realdata
@pytest.mark.slow
def test_telco_tenure_survival_by_contract(telco):
    # IBM Telco (../shared/realdata README): 7,043 customers, 1,869 churned.
    km = kaplan_meier(telco, duration="Tenure in Months", event="Churn Value", by="Contract")
    assert km.medians["n"].sum() == 7043 and km.medians["n_events"].sum() == 1869
    for contract, frame in telco.groupby("Contract"):
        sample = stats.CensoredData.right_censored(frame["Tenure in Months"],
                                                   frame["Churn Value"] == 0)
        sf = stats.ecdf(sample).sf
        c = km.curve[km.curve["Contract"] == contract]
        np.testing.assert_allclose(c["survival"], sf.probabilities, rtol=0, atol=1e-12)
    test = logrank(telco, duration="Tenure in Months", event="Churn Value", by="Contract")
    assert test.df == 2 and test.p_value < 1e-10
    # satisfaction 4-5: nobody churned (IBM's synthetic rule), so S stays 1, no median
    sat = kaplan_meier(telco, duration="Tenure in Months", event="Churn Value",
                       by="Satisfaction Score").medians.set_index("Satisfaction Score")
    assert list(sat["n"]) == [922, 518, 2665, 1789, 1149]
    assert sat.loc[[4, 5], "n_events"].sum() == 0 and sat.loc[[4, 5], "median"].isna().all()
