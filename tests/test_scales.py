"""Tests for cxanalytics.survey.scales: Cronbach's alpha, the Feldt interval and item statistics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError
from cxanalytics.survey.scales import (
    cronbach_alpha,
    cronbach_alpha_from_covariance,
    item_statistics,
)

# Covariance example and values as listed in ../shared/reference/REFERENCE_RESULTS.md:
# alpha = 0.8136 (0.813559...), alpha if item dropped 0.7500, 0.7606, 0.7714, 0.7826.
REFERENCE_COV = np.array([[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]], float)
REFERENCE_ALPHA = 0.813559
REFERENCE_ALPHA_IF_DELETED = [0.7500, 0.7606, 0.7714, 0.7826]


def data_with_exact_covariance(cov: np.ndarray, n: int, seed: int = 0) -> pd.DataFrame:
    """Random data whose *sample* covariance (ddof=1) equals ``cov`` to rounding error."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # sample cov = I
    x = z @ np.linalg.cholesky(cov).T + 3.0
    return pd.DataFrame(x, columns=[f"q{i + 1}" for i in range(cov.shape[0])])


def alpha_by_variances(x: np.ndarray) -> float:
    """Second source: k/(k-1) (1 - sum of item variances / variance of the total)."""
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


# ----------------------------------------------------------------------------- pinned
def test_alpha_matches_reference_covariance_example():
    out = cronbach_alpha_from_covariance(REFERENCE_COV).iloc[0]
    assert out["cronbach_alpha"] == pytest.approx(REFERENCE_ALPHA, abs=5e-7)
    assert out["cronbach_alpha"] == pytest.approx(48 / 59, rel=1e-12)  # 4/3 (1 - 46/118)
    assert out["k"] == 4 and pd.isna(out["n"]) and np.isnan(out["ci_lower"])


def test_alpha_and_alpha_if_deleted_match_reference_through_raw_data():
    df = data_with_exact_covariance(REFERENCE_COV, n=60)
    np.testing.assert_allclose(df.cov().to_numpy(), REFERENCE_COV, atol=1e-9)
    assert cronbach_alpha(df)["cronbach_alpha"].iloc[0] == pytest.approx(REFERENCE_ALPHA, abs=5e-7)
    items = item_statistics(df)
    np.testing.assert_allclose(items["alpha_if_deleted"], REFERENCE_ALPHA_IF_DELETED, atol=5e-5)
    assert items["item"].tolist() == ["q1", "q2", "q3", "q4"]
    np.testing.assert_allclose(items["sd"], np.sqrt(np.diag(REFERENCE_COV)))
    np.testing.assert_allclose(items["mean"], 3.0)


def test_feldt_interval_matches_the_published_formula():
    # Feldt (1987) as given in REFERENCE_RESULTS.md, n = 100 respondents, k = 4 items
    out = cronbach_alpha_from_covariance(REFERENCE_COV, n=100).iloc[0]
    a, d1, d2 = 48 / 59, 99, 99 * 3
    assert out["ci_lower"] == pytest.approx(1 - (1 - a) * stats.f.ppf(0.975, d1, d2), rel=1e-12)
    assert out["ci_upper"] == pytest.approx(1 - (1 - a) * stats.f.ppf(0.025, d1, d2), rel=1e-12)
    assert 0.74 < out["ci_lower"] < a < out["ci_upper"] < 0.87
    narrower = cronbach_alpha_from_covariance(REFERENCE_COV, n=100, alpha=0.2).iloc[0]
    assert out["ci_lower"] < narrower["ci_lower"] < narrower["ci_upper"] < out["ci_upper"]


def test_feldt_interval_covers_the_true_alpha_about_95_percent_of_the_time():
    # Parallel items (true score var 1, error var 1, k = 5): alpha = k rho / (1 + (k-1) rho)
    # with rho = 1/2, i.e. 0.8333.  Under this normal model the Feldt interval is exact.
    rng = np.random.default_rng(2024)
    k, n, reps = 5, 40, 1000
    true = k * 0.5 / (1 + (k - 1) * 0.5)
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
        out = cronbach_alpha(pd.DataFrame(x)).iloc[0]
        hits += out["ci_lower"] <= true <= out["ci_upper"]
    assert abs(hits / reps - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps)


def test_alpha_equals_the_item_variance_formula_on_random_data():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, size=(200, 6)) + rng.integers(0, 3, size=(200, 1))
    df = pd.DataFrame(x, columns=list("abcdef"))
    assert cronbach_alpha(df)["cronbach_alpha"].iloc[0] == pytest.approx(alpha_by_variances(x),
                                                                          rel=1e-12)
    items = item_statistics(df)
    for i in range(x.shape[1]):
        rest = x.sum(axis=1) - x[:, i]
        assert items["item_total_correlation"].iloc[i] == pytest.approx(
            np.corrcoef(x[:, i], rest)[0, 1], rel=1e-10)
        assert items["alpha_if_deleted"].iloc[i] == pytest.approx(
            alpha_by_variances(np.delete(x, i, axis=1)), rel=1e-10)


# ----------------------------------------------------------------------------- missing values
def test_listwise_and_pairwise_missing_handling():
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5, np.nan, 2, 4], "b": [2, 2, 3, 5, 4, 3, np.nan, 4],
                       "c": [1, 3, 3, 4, 5, 2, 2, np.nan], "other": list("xyzxyzxy")})
    with pytest.warns(DataQualityWarning, match=r"cronbach_alpha: dropped 3 of 8 rows \(37.5 %\)"):
        lw = cronbach_alpha(df, items=["a", "b", "c"]).iloc[0]
    complete = df[["a", "b", "c"]].dropna().to_numpy()
    assert lw["n"] == 5 and lw["k"] == 3
    assert lw["cronbach_alpha"] == pytest.approx(alpha_by_variances(complete))
    pw = cronbach_alpha(df, items=["a", "b", "c"], missing="pairwise").iloc[0]
    assert pw["n"] == 6  # each pair of items is answered together by 6 respondents
    cov = df[["a", "b", "c"]].cov().to_numpy()  # pandas: pairwise-complete covariances
    assert pw["cronbach_alpha"] == pytest.approx(1.5 * (1 - np.trace(cov) / cov.sum()))
    stats_pw = item_statistics(df, items=["a", "b", "c"], missing="pairwise")
    assert stats_pw["n"].tolist() == [7, 7, 7]
    assert stats_pw["mean"].iloc[0] == pytest.approx(df["a"].mean())
    with pytest.warns(DataQualityWarning, match="item_statistics: dropped 3 of 8 rows"):
        stats_lw = item_statistics(df, items=["a", "b", "c"])
    assert stats_lw["n"].tolist() == [5, 5, 5]


def test_pairwise_equals_listwise_without_missing_values():
    df = data_with_exact_covariance(REFERENCE_COV, n=30, seed=3)
    pd.testing.assert_frame_equal(cronbach_alpha(df), cronbach_alpha(df, missing="pairwise"))
    pd.testing.assert_frame_equal(item_statistics(df), item_statistics(df, missing="pairwise"))


def test_ordinal_categorical_items_are_read_as_their_values():
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 2]})
    cat = df.apply(lambda s: pd.Categorical(s, categories=range(1, 8), ordered=True))
    pd.testing.assert_frame_equal(cronbach_alpha(cat), cronbach_alpha(df))
    pd.testing.assert_frame_equal(item_statistics(cat), item_statistics(df))


# ----------------------------------------------------------------------------- warnings and errors
def test_negative_alpha_warns_about_reverse_worded_items():
    rng = np.random.default_rng(0)
    t = rng.normal(size=100)
    df = pd.DataFrame({"a": t + rng.normal(size=100) * 0.3, "b": -t + rng.normal(size=100) * 0.3})
    with pytest.warns(DataQualityWarning, match="reverse"):
        out = cronbach_alpha(df)
    assert out["cronbach_alpha"].iloc[0] < 0


def test_bad_inputs_raise_cx_errors():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 3], "t": ["x", "y", "z"]})
    with pytest.raises(ColumnError, match="column 't'"):
        cronbach_alpha(df)
    with pytest.raises(ParameterError, match="two items"):
        cronbach_alpha(df, items=["a"])
    with pytest.raises(ColumnError, match="zz"):
        item_statistics(df, items=["a", "zz"])
    with pytest.raises(ParameterError, match="missing"):
        cronbach_alpha(df, items=["a", "b"], missing="available")
    with pytest.raises(ParameterError, match="alpha"):
        cronbach_alpha(df, items=["a", "b"], alpha=0)
    with pytest.raises(ParameterError, match="covariance.*square"):
        cronbach_alpha_from_covariance([[1, 2, 3], [2, 1, 0]])
    with pytest.raises(ParameterError, match="symmetric"):
        cronbach_alpha_from_covariance([[1, 0.5], [0.2, 1]])
    with pytest.raises(ParameterError, match="parameter 'n'"):
        cronbach_alpha_from_covariance(REFERENCE_COV, n=1)


def test_covariance_frame_and_inputs_are_not_mutated():
    df = data_with_exact_covariance(REFERENCE_COV, n=20)
    before = df.copy()
    cronbach_alpha(df)
    item_statistics(df)
    pd.testing.assert_frame_equal(df, before)
    as_frame = cronbach_alpha_from_covariance(pd.DataFrame(REFERENCE_COV), n=20)
    pd.testing.assert_frame_equal(as_frame, cronbach_alpha(df), rtol=1e-9)


# ----------------------------------------------------------------------------- properties
likert = arrays(np.int64, st.tuples(st.integers(3, 30), st.integers(2, 6)),
                elements=st.integers(1, 5))


@settings(max_examples=150, deadline=None)
@given(likert, st.randoms(use_true_random=False), st.floats(0.1, 10), st.floats(-5, 5))
def test_alpha_properties(x, rnd, scale, shift):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        df = pd.DataFrame(x, columns=[f"i{j}" for j in range(x.shape[1])])
        base = cronbach_alpha(df).iloc[0]
        a = base["cronbach_alpha"]
        if np.isnan(a):  # total score without variance
            assert x.sum(axis=1).var() == 0
            return
        assert a <= 1 + 1e-12
        assert base["ci_lower"] <= a + 1e-12 and a <= base["ci_upper"] + 1e-12
        rows, cols = list(range(len(df))), list(df.columns)
        rnd.shuffle(rows)
        rnd.shuffle(cols)
        assert cronbach_alpha(df.iloc[rows][cols])["cronbach_alpha"].iloc[0] == pytest.approx(a)
        rescaled = df * scale + shift  # a common linear change of every item
        assert cronbach_alpha(rescaled)["cronbach_alpha"].iloc[0] == pytest.approx(a, abs=1e-9)
        assert cronbach_alpha(df)["cronbach_alpha"].iloc[0] == pytest.approx(alpha_by_variances(x))
