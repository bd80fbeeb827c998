"""Relative weights, importance-performance and the logistic repurchase model, pinned to published numbers."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxanalytics.errors import (
    ColumnError,
    ConvergenceError,
    DataQualityWarning,
    ParameterError,
    SeparationWarning,
)
from cxanalytics.link.drivers import (
    importance_performance,
    relative_weights,
    relative_weights_from_correlation,
    repurchase_model,
)

# REFERENCE_RESULTS.md: Johnson (2000) example; iopsych relWt output.
JOHNSON_R = np.array([[1.0, 0.2, 0.3, 0.4, -0.4],
                      [0.2, 1.0, 0.5, 0.1, 0.1],
                      [0.3, 0.5, 1.0, 0.2, -0.3],
                      [0.4, 0.1, 0.2, 1.0, 0.4],
                      [-0.4, 0.1, -0.3, 0.4, 1.0]])
IOPSYCH_WEIGHTS = [0.24066119, 0.05492664, 0.12143476, 0.28158189]
IOPSYCH_R2 = 0.6986045

# Challenger O-ring data (Dalal, Fowlkes & Hoadley 1989, JASA 84, 945-957): launch temperature (F)
# and thermal distress of a field joint, 23 flights. Published logistic fit (Agresti, An
# Introduction to Categorical Data Analysis; R glm(td ~ temp, binomial)): intercept 15.0429
# (SE 7.3786), temp -0.2322 (SE 0.1082); residual deviance 20.315 on 21 df.
TEMP = [66, 70, 69, 68, 67, 72, 73, 70, 57, 63, 70, 78, 67, 53, 67, 75, 70, 81, 76, 79, 75, 76, 58]
DISTRESS = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]


def test_relative_weights_match_iopsych_relwt():
    out = relative_weights_from_correlation(JOHNSON_R)
    np.testing.assert_allclose(out["weight"], IOPSYCH_WEIGHTS, atol=1e-7)
    assert out["r_squared"].iloc[0] == pytest.approx(IOPSYCH_R2, abs=1e-7)
    assert out["rank"].tolist() == [2, 4, 3, 1]
    assert out["share"].sum() == pytest.approx(1.0)


def test_relative_weights_labels_and_outcome_position():
    names = ["a", "y", "b", "c", "d"]
    order = [0, 4, 1, 2, 3]  # move the criterion to position 1
    frame = pd.DataFrame(JOHNSON_R[np.ix_(order, order)], index=names, columns=names)
    out = relative_weights_from_correlation(frame, outcome="y")
    assert out["driver"].tolist() == ["a", "b", "c", "d"]
    np.testing.assert_allclose(out["weight"], IOPSYCH_WEIGHTS, atol=1e-7)


def test_relative_weights_sum_to_ols_r_squared():
    """Independent pin: statsmodels OLS R² of the same data equals the sum of the raw weights."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4)) @ np.array([[1, .4, .2, 0], [0, 1, .3, .1], [0, 0, 1, .5], [0, 0, 0, 1]])
    df = pd.DataFrame(x, columns=list("abcd")).assign(y=x @ [0.4, 0.2, -0.3, 0.1] + rng.normal(size=400))
    out = relative_weights(df, "y", list("abcd"), n_resamples=0)
    r2 = sm.OLS(df["y"], sm.add_constant(df[list("abcd")])).fit().rsquared
    assert out["weight"].sum() == pytest.approx(r2, abs=1e-12)
    assert out["ci_lower"].isna().all()


def test_uncorrelated_drivers_weight_is_squared_correlation():
    """With orthogonal drivers each raw weight is r_xy² (Johnson 2000, p. 7)."""
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.normal(size=(300, 3)))
    x = (q - q.mean(axis=0)) / q.std(axis=0)
    x -= x.mean(axis=0)
    df = pd.DataFrame(x, columns=list("abc")).assign(y=x @ [1.0, 0.5, 0.0] + rng.normal(size=300))
    out = relative_weights(df, "y", list("abc"), n_resamples=0)
    r = df.corr().loc[list("abc"), "y"].to_numpy()
    np.testing.assert_allclose(out["weight"], r**2, atol=1e-3)


def test_logistic_weights_sum_to_r2_o_of_statsmodels_logit():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 3))
    x[:, 1] += 0.6 * x[:, 0]
    y = (x @ [1.0, 0.5, 0.0] + rng.logistic(size=600) > 0).astype(int)
    df = pd.DataFrame(x, columns=list("abc")).assign(y=y)
    out = relative_weights(df, "y", list("abc"), kind="logistic", n_resamples=0)
    p = sm.Logit(y, sm.add_constant(x)).fit(disp=0).predict()
    assert out["r_squared"].iloc[0] == pytest.approx(np.corrcoef(y, p)[0, 1] ** 2, rel=1e-8)
    assert out["weight"].sum() == pytest.approx(out["r_squared"].iloc[0], rel=1e-10)
    assert out.loc[out["driver"].eq("a"), "rank"].item() == 1


def test_bootstrap_is_seeded_and_covers_point_estimate():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(300, 3))
    df = pd.DataFrame(x, columns=list("abc")).assign(y=x @ [0.6, 0.3, 0.1] + rng.normal(size=300))
    a = relative_weights(df, "y", list("abc"), n_resamples=300, random_state=11, block=7)
    b = relative_weights(df, "y", list("abc"), n_resamples=300, random_state=11)
    pd.testing.assert_frame_equal(a, b)  # the blocking does not change the draws
    assert (a["ci_lower"] <= a["weight"]).all() and (a["weight"] <= a["ci_upper"]).all()
    c = relative_weights(df, "y", list("abc"), n_resamples=300, random_state=12)
    assert not np.allclose(a["ci_lower"], c["ci_lower"])


def test_bootstrap_resample_equals_a_direct_fit():
    """A block of one resample reproduces the weights of the explicitly resampled data."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 3))
    df = pd.DataFrame(x, columns=list("abc")).assign(y=x @ [0.6, 0.3, 0.1] + rng.normal(size=120))
    from cxanalytics.link._relweights import _corr, _linear_weights, _moments, _pair_products

    idx = np.random.default_rng(1).integers(0, 120, 120)
    counts = np.bincount(idx, minlength=120).astype(float)[None, :]
    xy = df.to_numpy()
    _, cov = _moments(counts, xy, _pair_products(xy))
    r = _corr(cov)[0]
    direct = relative_weights(df.iloc[idx], "y", list("abc"), n_resamples=0)["weight"].to_numpy()
    np.testing.assert_allclose(_linear_weights(r[:3, :3], r[:3, 3]), direct, atol=1e-12)


def test_progress_bar(capsys):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=list("aby"))
    relative_weights(df, "y", ["a", "b"], n_resamples=20, random_state=0, progress=True)
    assert "bootstrap" in capsys.readouterr().err


def test_relative_weights_reject_bad_input():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 4, 6, 8, 10], "y": [1.0, 0, 1, 0, 1],
                       "t": list("abcde"), "k": 1.0})
    with pytest.raises(ParameterError, match="collinear"):
        relative_weights(df, "y", ["a", "b"], n_resamples=0)
    with pytest.raises(ColumnError, match="numeric"):
        relative_weights(df, "y", ["a", "t"], n_resamples=0)
    with pytest.raises(ColumnError, match="Constant"):
        relative_weights(df, "y", ["a", "k"], n_resamples=0)
    with pytest.raises(ParameterError, match="kind"):
        relative_weights(df, "y", ["a"], kind="probit")
    with pytest.raises(ParameterError, match="n_resamples"):
        relative_weights(df, "y", ["a"], n_resamples=-1)
    with pytest.raises(ColumnError, match="0/1"):
        relative_weights(df.assign(y=[1.0, 2, 3, 1, 2]), "y", ["a"], kind="logistic", n_resamples=0)
    with pytest.raises(ParameterError, match="correlation"):
        relative_weights_from_correlation(np.eye(3) * 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), p=st.integers(1, 5), n=st.integers(20, 80))
def test_weights_are_nonnegative_and_sum_to_r_squared(seed, p, n):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = x @ rng.normal(size=p) + rng.normal(size=n) * rng.uniform(0.1, 3)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]).assign(y=y)
    if np.linalg.cond(np.corrcoef(x, rowvar=False).reshape(p, p)) > 1e8:
        return
    out = relative_weights(df, "y", list(df.columns[:-1]), n_resamples=5, random_state=seed)
    r2 = sm.OLS(y, sm.add_constant(x)).fit().rsquared
    assert (out["weight"] >= -1e-12).all()
    assert out["weight"].sum() == pytest.approx(r2, abs=1e-9)
    assert out["share"].sum() == pytest.approx(1.0, abs=1e-9)


def test_importance_performance_quadrants():
    rng = np.random.default_rng(8)
    x = np.column_stack([rng.integers(1, 4, 400), rng.integers(5, 8, 400), rng.integers(1, 8, 400)]).astype(float)
    df = pd.DataFrame(x, columns=["speed", "courtesy", "decor"])
    df["sat"] = x @ [1.0, 1.0, 0.0] + rng.normal(size=400)
    out = importance_performance(df, "sat", ["speed", "courtesy", "decor"], scale=(1, 7))
    q = dict(zip(out["driver"], out["quadrant"], strict=True))
    assert q["speed"] == "concentrate here"  # important, low scores
    assert q["courtesy"] == "keep up the good work"
    assert q["decor"] in ("low priority", "possible overkill")
    assert out["performance"].between(0, 100).all()


def test_repurchase_model_matches_published_challenger_fit():
    df = pd.DataFrame({"temp": TEMP, "distress": DISTRESS})
    fit = repurchase_model(df, "distress", "temp")
    ors = fit.odds_ratios
    np.testing.assert_allclose(ors["coef"], [15.0429, -0.2322], atol=5e-5)
    np.testing.assert_allclose(ors["std_error"], [7.3786, 0.1082], atol=5e-5)
    # odds ratio and its interval are the exponentiated coefficient and Wald bounds
    z = 1.959963984540054
    row = ors.iloc[1]
    assert row["odds_ratio"] == pytest.approx(np.exp(row["coef"]))
    assert row["ci_lower"] == pytest.approx(np.exp(row["coef"] - z * row["std_error"]))
    assert row["ci_upper"] == pytest.approx(np.exp(row["coef"] + z * row["std_error"]))
    # average marginal effect = mean of the analytic derivative b * p * (1 - p)
    b0, b1 = ors["coef"]
    p = 1 / (1 + np.exp(-(b0 + b1 * np.array(TEMP, dtype=float))))
    assert fit.marginal_effects["ame"].iloc[0] == pytest.approx(np.mean(b1 * p * (1 - p)), rel=1e-8)
    # McFadden R2 from the published deviances: 1 - 20.315 / 28.267
    assert fit.pseudo_r2 == pytest.approx(1 - 20.315 / 28.267, abs=1e-4)
    assert {"term", "odds_ratio", "ame_ci_lower"} <= set(fit.summary().columns)


def test_repurchase_model_categorical_and_errors():
    rng = np.random.default_rng(9)
    df = pd.DataFrame({"grp": rng.choice(["a", "b", "c"], 300), "x": rng.normal(size=300)})
    df["y"] = (rng.random(300) < np.where(df["grp"].eq("b"), 0.6, 0.3)).astype(int)
    df.loc[0, "x"] = np.nan
    with pytest.warns(DataQualityWarning, match="dropped 1 of 300 rows"):
        fit = repurchase_model(df, "y", ["grp", "x"], reference={"grp": "a"})
    assert fit.odds_ratios["term"].tolist() == ["intercept", "grp[b]", "grp[c]", "x"]
    assert fit.n == 299
    with pytest.raises(ConvergenceError):
        repurchase_model(pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [0, 0, 1, 1]}), "y", "x")
    with pytest.raises(ColumnError):
        repurchase_model(df, "x", "grp")


def _bank_like(seed: int = 14) -> pd.DataFrame:
    """The shape of the bank-churn file: 10,000 customers, 2,044 complained; 2,034 of them
    left (99.5 %) against 4 of the 7,956 who did not (0.05 %); age and balance unrelated."""
    rng = np.random.default_rng(seed)
    n = 10_000
    complain = np.zeros(n, dtype=int)
    complain[rng.choice(n, 2044, replace=False)] = 1
    exited = np.zeros(n, dtype=int)
    exited[rng.choice(np.flatnonzero(complain == 1), 2034, replace=False)] = 1
    exited[rng.choice(np.flatnonzero(complain == 0), 4, replace=False)] = 1
    return pd.DataFrame({"Exited": exited, "Complain": complain, "Age": rng.normal(39, 10, n).round(),
                         "Balance": np.where(rng.random(n) < 0.36, 0.0,
                                             rng.normal(76_000, 30_000, n).clip(0))})


def test_bank_complain_separation_warned_and_effect_is_the_discrete_change():
    df = _bank_like()
    with pytest.warns(SeparationWarning) as caught:
        fit = repurchase_model(df, "Exited", ["Complain", "Age", "Balance"])
    msg = str(caught[0].message)
    assert "'Complain' almost perfectly separates the outcome" in msg
    assert re.search(r"0 +7956 +4 +0\.05%", msg) and re.search(r"1 +2044 +2034 +99\.51%", msg)
    assert "Fitted model: Complain: coefficient" in msg
    me = fit.marginal_effects.set_index("term")
    x = sm.add_constant(df[["Complain", "Age", "Balance"]].astype(float))
    ref = sm.Logit(df["Exited"], x).fit(disp=0)
    # statsmodels 0.15 get_margeff(at="overall", dummy=True): Complain dy/dx 0.9945356406,
    # SE 0.0015855795, interval 0.9914279618 to 0.9976433194; without dummy=True (the
    # derivative this function used to report): 0.0181285368.
    dummy = ref.get_margeff(at="overall", dummy=True).summary_frame().loc["Complain"]
    row = me.loc["Complain"]
    assert row["method"] == "discrete change"
    assert row["ame"] == pytest.approx(dummy["dy/dx"], rel=1e-8)
    assert row["std_error"] == pytest.approx(dummy["Std. Err."], rel=1e-6)
    assert row["ci_lower"] == pytest.approx(dummy["Conf. Int. Low"], rel=1e-6)
    assert row["ci_upper"] == pytest.approx(dummy["Cont. Int. Hi."], rel=1e-6)
    # by hand: average predicted probability with Complain = 1 minus with Complain = 0
    b = fit.odds_ratios["coef"].to_numpy()
    x1, x0 = x.assign(Complain=1.0).to_numpy(), x.assign(Complain=0.0).to_numpy()
    by_hand = np.mean(1 / (1 + np.exp(-x1 @ b)) - 1 / (1 + np.exp(-x0 @ b)))
    assert row["ame"] == pytest.approx(by_hand, rel=1e-10)
    assert row["ame"] > 0.99 > 0.02 > ref.get_margeff(at="overall").margeff[0]
    # the numeric predictors keep the derivative
    deriv = ref.get_margeff(at="overall").margeff
    np.testing.assert_allclose(me.loc[["Age", "Balance"], "ame"], deriv[1:], rtol=1e-8)
    assert list(me.loc[["Age", "Balance"], "method"]) == ["derivative", "derivative"]


def test_categorical_discrete_change_is_each_level_against_the_reference():
    rng = np.random.default_rng(11)
    n = 600
    df = pd.DataFrame({"plan": rng.choice(["basic", "plus", "pro"], n), "age": rng.normal(40, 10, n)})
    eta = -0.5 + 0.8 * df["plan"].eq("plus") - 0.6 * df["plan"].eq("pro") + 0.03 * (df["age"] - 40)
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    fit = repurchase_model(df, "y", ["plan", "age"])
    me = fit.marginal_effects.set_index("term")
    design = np.column_stack([np.ones(n), df["plan"].eq("plus"), df["plan"].eq("pro"), df["age"]]).astype(float)
    ref = sm.Logit(df["y"].to_numpy(), design).fit(disp=0)
    b, cov = ref.params, ref.cov_params()
    np.testing.assert_allclose(fit.odds_ratios["coef"], b, rtol=1e-6)

    def change(beta, column):  # every row at the level minus every row at the reference
        x0 = design.copy()
        x0[:, 1:3] = 0
        x1 = x0.copy()
        x1[:, column] = 1
        return np.mean(1 / (1 + np.exp(-x1 @ beta)) - 1 / (1 + np.exp(-x0 @ beta)))

    for term, column in (("plan[plus]", 1), ("plan[pro]", 2)):
        assert me.loc[term, "method"] == "discrete change"
        assert me.loc[term, "ame"] == pytest.approx(change(b, column), rel=1e-6)
        # delta method with a numerical gradient
        grad = np.array([(change(b + h, column) - change(b - h, column)) / 2e-6
                         for h in np.eye(4) * 1e-6])
        assert me.loc[term, "std_error"] == pytest.approx(np.sqrt(grad @ cov @ grad), rel=1e-5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(80, 400))
def test_binary_discrete_change_equals_statsmodels_dummy(seed, n):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"flag": (rng.random(n) < rng.uniform(0.2, 0.8)).astype(int), "z": rng.normal(size=n)})
    eta = rng.normal() + rng.normal() * df["flag"] + rng.normal() * df["z"]
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    if pd.crosstab(df["flag"], df["y"]).min().min() < 3:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeparationWarning)
        fit = repurchase_model(df, "y", ["flag", "z"])
    ref = sm.Logit(df["y"], sm.add_constant(df[["flag", "z"]].astype(float))).fit(disp=0)
    m = ref.get_margeff(at="overall", dummy=True)
    np.testing.assert_allclose(fit.marginal_effects["ame"], m.margeff, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(fit.marginal_effects["std_error"], m.margeff_se, rtol=1e-5)


def test_separation_errors_show_the_cross_table():
    with pytest.raises(ConvergenceError, match=r"(?s)'x' completely separates.*<= 2 +2 +0 .*> 2 +2 +2"):
        repurchase_model(pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [0, 0, 1, 1]}), "y", "x")
    rng = np.random.default_rng(0)
    flag = np.r_[np.zeros(200), np.ones(6)]
    y = np.r_[(rng.random(200) < 0.3).astype(float), np.ones(6)]
    with pytest.raises(ConvergenceError, match=r"(?s)'flag' quasi-completely separates.*1 +6 +6 +100\.00%"):
        repurchase_model(pd.DataFrame({"flag": flag, "y": y}), "y", "flag")


def test_hbat_relative_weights_sum_to_model_r_squared(realdata):
    """HBAT (Hair et al.): relative weights of x6-x18 for x19 sum to the OLS R²."""
    import pyreadstat

    hbat, _ = pyreadstat.read_sav(str(realdata / "hbat_spss" / "HBAT.sav"))
    drivers = [f"x{i}" for i in range(6, 19)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = relative_weights(hbat, "x19", drivers, n_resamples=200, random_state=1)
    r2 = sm.OLS(hbat["x19"], sm.add_constant(hbat[drivers])).fit().rsquared
    assert out["weight"].sum() == pytest.approx(r2, abs=1e-10)
    assert hbat["x19"].mean() == pytest.approx(6.918, abs=1e-3)
