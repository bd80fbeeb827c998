"""Relative weights, importance-performance and the logistic repurchase model, pinned to published numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxanalytics.drivers import (
    importance_performance,
    relative_weights,
    relative_weights_from_correlation,
    repurchase_model,
)
from cxanalytics.errors import ColumnError, ConvergenceError, DataQualityWarning, ParameterError

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
    out = relative_weights(df, "y", list("abcd"), n_boot=0)
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
    out = relative_weights(df, "y", list("abc"), n_boot=0)
    r = df.corr().loc[list("abc"), "y"].to_numpy()
    np.testing.assert_allclose(out["weight"], r**2, atol=1e-3)


def test_logistic_weights_sum_to_r2_o_of_statsmodels_logit():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 3))
    x[:, 1] += 0.6 * x[:, 0]
    y = (x @ [1.0, 0.5, 0.0] + rng.logistic(size=600) > 0).astype(int)
    df = pd.DataFrame(x, columns=list("abc")).assign(y=y)
    out = relative_weights(df, "y", list("abc"), kind="logistic", n_boot=0)
    p = sm.Logit(y, sm.add_constant(x)).fit(disp=0).predict()
    assert out["r_squared"].iloc[0] == pytest.approx(np.corrcoef(y, p)[0, 1] ** 2, rel=1e-8)
    assert out["weight"].sum() == pytest.approx(out["r_squared"].iloc[0], rel=1e-10)
    assert out.loc[out["driver"].eq("a"), "rank"].item() == 1


def test_bootstrap_is_seeded_and_covers_point_estimate():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(300, 3))
    df = pd.DataFrame(x, columns=list("abc")).assign(y=x @ [0.6, 0.3, 0.1] + rng.normal(size=300))
    a = relative_weights(df, "y", list("abc"), n_boot=300, random_state=11, block=7)
    b = relative_weights(df, "y", list("abc"), n_boot=300, random_state=11)
    pd.testing.assert_frame_equal(a, b)  # the blocking does not change the draws
    assert (a["ci_lower"] <= a["weight"]).all() and (a["weight"] <= a["ci_upper"]).all()
    c = relative_weights(df, "y", list("abc"), n_boot=300, random_state=12)
    assert not np.allclose(a["ci_lower"], c["ci_lower"])


def test_bootstrap_resample_equals_a_direct_fit():
    """A block of one resample reproduces the weights of the explicitly resampled data."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 3))
    df = pd.DataFrame(x, columns=list("abc")).assign(y=x @ [0.6, 0.3, 0.1] + rng.normal(size=120))
    from cxanalytics._relweights import _corr, _linear_weights, _moments, _pair_products

    idx = np.random.default_rng(1).integers(0, 120, 120)
    counts = np.bincount(idx, minlength=120).astype(float)[None, :]
    xy = df.to_numpy()
    _, cov = _moments(counts, xy, _pair_products(xy))
    r = _corr(cov)[0]
    direct = relative_weights(df.iloc[idx], "y", list("abc"), n_boot=0)["weight"].to_numpy()
    np.testing.assert_allclose(_linear_weights(r[:3, :3], r[:3, 3]), direct, atol=1e-12)


def test_progress_bar(capsys):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=list("aby"))
    relative_weights(df, "y", ["a", "b"], n_boot=20, random_state=0, progress=True)
    assert "bootstrap" in capsys.readouterr().err


def test_relative_weights_reject_bad_input():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 4, 6, 8, 10], "y": [1.0, 0, 1, 0, 1],
                       "t": list("abcde"), "k": 1.0})
    with pytest.raises(ParameterError, match="collinear"):
        relative_weights(df, "y", ["a", "b"], n_boot=0)
    with pytest.raises(ColumnError, match="numeric"):
        relative_weights(df, "y", ["a", "t"], n_boot=0)
    with pytest.raises(ColumnError, match="Constant"):
        relative_weights(df, "y", ["a", "k"], n_boot=0)
    with pytest.raises(ParameterError, match="kind"):
        relative_weights(df, "y", ["a"], kind="probit")
    with pytest.raises(ParameterError, match="n_boot"):
        relative_weights(df, "y", ["a"], n_boot=-1)
    with pytest.raises(ColumnError, match="0/1"):
        relative_weights(df.assign(y=[1.0, 2, 3, 1, 2]), "y", ["a"], kind="logistic", n_boot=0)
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
    out = relative_weights(df, "y", list(df.columns[:-1]), n_boot=5, random_state=seed)
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


def test_hbat_relative_weights_sum_to_model_r_squared(realdata):
    """HBAT (Hair et al.): relative weights of x6-x18 for x19 sum to the OLS R²."""
    import pyreadstat

    hbat, _ = pyreadstat.read_sav(str(realdata / "hbat_spss" / "HBAT.sav"))
    drivers = [f"x{i}" for i in range(6, 19)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = relative_weights(hbat, "x19", drivers, n_boot=200, random_state=1)
    r2 = sm.OLS(hbat["x19"], sm.add_constant(hbat[drivers])).fit().rsquared
    assert out["weight"].sum() == pytest.approx(r2, abs=1e-10)
    assert hbat["x19"].mean() == pytest.approx(6.918, abs=1e-3)
