"""Tests for cxanalytics.survey.comparisons, pinned to statsmodels and scipy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from cxanalytics.errors import (
    ColumnError,
    DataQualityWarning,
    ParameterError,
    ScaleRangeError,
    SmallSampleWarning,
)
from cxanalytics.survey.comparisons import compare_means, compare_nps, compare_proportions
from cxanalytics.survey.metrics import nps


def binary_groups(counts):
    """Frame with a 0/1 column 'ok' and group 'g' from {label: (successes, n)}."""
    parts = [pd.DataFrame({"ok": [1] * x + [0] * (n - x), "g": label})
             for label, (x, n) in counts.items()]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def four_groups():
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "q": rng.integers(0, 11, 800),
        "x": rng.normal(0, 1, 800) + np.repeat([0, 0.1, 0.3, 0.5], 200),
        "ok": rng.random(800) < np.repeat([0.3, 0.35, 0.5, 0.6], 200),
        "g": np.repeat(["a", "b", "c", "d"], 200),
    })


# ----------------------------------------------------------------------------- pinned
@pytest.mark.parametrize(("xa", "na", "xb", "nb"), [(30, 100, 45, 120), (5, 40, 15, 45),
                                                    (80, 200, 80, 200)])
def test_two_proportion_test_matches_statsmodels_proportions_ztest(xa, na, xb, nb):
    out = compare_proportions(binary_groups({"a": (xa, na), "b": (xb, nb)}), "ok", by="g").iloc[0]
    z, p = proportions_ztest([xb, xa], [nb, na])  # pooled variance, b - a
    assert out["statistic"] == pytest.approx(z, rel=1e-10)
    assert out["p_value"] == pytest.approx(p, rel=1e-10)
    assert out["difference"] == pytest.approx(xb / nb - xa / na)


@pytest.mark.parametrize(("xa", "na", "xb", "nb", "alpha"), [(30, 100, 45, 120, 0.05),
                                                             (0, 35, 6, 40, 0.05),
                                                             (12, 30, 29, 31, 0.1)])
def test_newcombe_interval_matches_statsmodels_confint_proportions_2indep(xa, na, xb, nb, alpha):
    df = binary_groups({"a": (xa, na), "b": (xb, nb)})
    out = compare_proportions(df, "ok", by="g", alpha=alpha).iloc[0]
    lo, hi = confint_proportions_2indep(xb, nb, xa, na, method="newcomb", compare="diff",
                                        alpha=alpha)
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), abs=1e-10)


def test_cohen_h_is_the_arcsine_difference():
    out = compare_proportions(binary_groups({"a": (20, 100), "b": (50, 100)}), "ok", by="g").iloc[0]
    # Cohen (1988): h = phi_b - phi_a, phi = 2 asin(sqrt(p)); 0.5 vs 0.2 -> 0.6435
    assert out["cohen_h"] == pytest.approx(0.6435011, abs=1e-7)


def test_welch_matches_scipy_ttest_ind_unequal_variances():
    rng = np.random.default_rng(11)
    a, b = rng.normal(3.0, 1.0, 35), rng.normal(3.6, 2.2, 52)
    df = pd.DataFrame({"x": np.r_[a, b], "g": ["a"] * 35 + ["b"] * 52})
    out = compare_means(df, "x", by="g").iloc[0]
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert out["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert out["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert out["df"] == pytest.approx(ref.df, rel=1e-10)
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    # Hedges' g: Cohen's d times the usual approximation 1 - 3/(4m - 1) agrees to ~1e-4
    m = 35 + 52 - 2
    sp = np.sqrt((34 * a.var(ddof=1) + 51 * b.var(ddof=1)) / m)
    assert out["hedges_g"] == pytest.approx((b.mean() - a.mean()) / sp * (1 - 3 / (4 * m - 1)),
                                            rel=1e-4)


@pytest.mark.parametrize("how", ["holm", "bonferroni", "fdr_bh"])
def test_adjusted_p_values_match_statsmodels_multipletests(four_groups, how):
    for f, col in [(compare_nps, "q"), (compare_means, "x"), (compare_proportions, "ok")]:
        out = f(four_groups, col, by="g", p_adjust=how)
        assert len(out) == 6
        expected = multipletests(out["p_value"].to_numpy(), method=how)[1]
        np.testing.assert_allclose(out["p_adjusted"], expected, rtol=1e-12)
    out = compare_means(four_groups, "x", by="g", p_adjust=None)
    np.testing.assert_array_equal(out["p_adjusted"], out["p_value"])


def test_nps_difference_uses_the_multinomial_variance(four_groups):
    out = compare_nps(four_groups, "q", by="g", method="wald")
    single = nps(four_groups, "q", by="g", method="wald").set_index("g")
    row = out.iloc[0]
    a, b = single.loc[row["g_a"]], single.loc[row["g_b"]]
    assert row["difference"] == pytest.approx(b["nps"] - a["nps"])
    assert row["se"] == pytest.approx(np.hypot(a["se"], b["se"]))
    assert row["statistic"] == pytest.approx(row["difference"] / row["se"])
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["statistic"])))
    assert row["ci_upper"] - row["ci_lower"] == pytest.approx(2 * 1.959964 * row["se"], rel=1e-6)


# ----------------------------------------------------------------------------- pairs
def test_reference_compares_every_other_group_with_it(four_groups):
    out = compare_means(four_groups, "x", by="g", reference="c")
    assert out["g_a"].tolist() == ["c"] * 3 and out["g_b"].tolist() == ["a", "b", "d"]
    with pytest.raises(ParameterError, match="reference"):
        compare_means(four_groups, "x", by="g", reference="zz")


def test_reference_with_two_by_columns(four_groups):
    df = four_groups.assign(h=np.tile([1, 2], 400))
    out = compare_means(df, "x", by=["g", "h"], reference=("a", 2))
    assert len(out) == 7 and set(zip(out["g_a"], out["h_a"], strict=True)) == {("a", 2)}


def test_consecutive_periods_within_groups_tz_aware():
    ts = pd.to_datetime(["2025-01-15 12:00", "2025-02-10 12:00", "2025-04-02 12:00", "2025-07-20 12:00",
                         "2025-12-31 23:30"] * 40).tz_localize("Asia/Tehran")
    df = pd.DataFrame({"submitted_at": ts, "x": np.arange(200.0) % 7,
                       "br": np.repeat(["n", "s"], 100)})
    out = compare_means(df, "x", by="br", period="Q", min_n=0)
    # both branches have Q1, Q2, Q3, Q4 (the 23:30 local answer stays in Q4 2025)
    assert out["br"].tolist() == ["n"] * 3 + ["s"] * 3
    assert [str(p) for p in out["period_a"]] == ["2025Q1", "2025Q2", "2025Q3"] * 2
    assert [str(p) for p in out["period_b"]] == ["2025Q2", "2025Q3", "2025Q4"] * 2
    q = compare_means(df, "x", period="Q", min_n=0)
    assert len(q) == 3 and q["n_a"].tolist() == [80, 40, 40]
    # a month with no answers is skipped: consecutive *observed* periods
    m = compare_nps(df.assign(x=df["x"].astype(int)), "x", period="M", min_n=0)
    assert [str(p) for p in m["period_b"]] == ["2025-02", "2025-04", "2025-07", "2025-12"]


def test_missing_timestamps_are_left_out_with_a_warning():
    df = pd.DataFrame({"submitted_at": pd.to_datetime(["2025-01-01", None, "2025-05-01"] * 20),
                       "q": [9, 3, 10] * 20})
    with pytest.warns(DataQualityWarning, match="dropped 20 of 60 rows"):
        out = compare_nps(df, "q", period="Q", min_n=0)
    assert len(out) == 1 and out["n_a"].iloc[0] == 20


def test_small_groups_warn_and_are_flagged_not_dropped():
    df = binary_groups({"big": (40, 100), "small": (3, 10), "other": (50, 90)})
    with pytest.warns(SmallSampleWarning, match="1 group.*'small'"):
        out = compare_proportions(df, "ok", by="g")
    assert len(out) == 3
    flagged = out["small_sample"].to_numpy()
    involves_small = ((out["g_a"] == "small") | (out["g_b"] == "small")).to_numpy()
    np.testing.assert_array_equal(flagged, involves_small)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_proportions(df, "ok", by="g", min_n=10)


def test_boolean_and_top_box_proportions(four_groups):
    as_bool = compare_proportions(four_groups, "ok", by="g")
    as_int = compare_proportions(four_groups.assign(ok=four_groups["ok"].astype(int)), "ok", by="g")
    pd.testing.assert_frame_equal(as_bool, as_int)
    tb = compare_proportions(four_groups, "q", by="g", scale=(0, 10), top=2)
    share = (four_groups["q"] >= 9).groupby(four_groups["g"]).mean()
    assert tb["proportion_a"].iloc[0] == pytest.approx(share["a"])


def test_bad_arguments_raise_cx_errors(four_groups):
    with pytest.raises(ParameterError, match="by"):
        compare_nps(four_groups, "q")
    with pytest.raises(ParameterError, match="period"):
        compare_nps(four_groups, "q", period="ME")
    with pytest.raises(ColumnError, match="submitted_at"):
        compare_nps(four_groups, "q", period="Q")
    with pytest.raises(ColumnError, match="column 'g'"):
        compare_nps(four_groups, "q", period="Q", time="g")
    with pytest.raises(ScaleRangeError, match="column 'q'.*0/1 or boolean.*scale="):
        compare_proportions(four_groups, "q", by="g")
    with pytest.raises(ParameterError, match="received 'zz'.*'a', 'b', 'c', 'd'"):
        compare_means(four_groups, "x", by="g", reference="zz")
    with pytest.raises(ParameterError, match="p_adjust"):
        compare_nps(four_groups, "q", by="g", p_adjust="sidak_typo")
    with pytest.raises(ParameterError, match="min_n"):
        compare_nps(four_groups, "q", by="g", min_n=-1)
    with pytest.raises(ParameterError, match="reference"):
        compare_nps(four_groups.assign(submitted_at=pd.Timestamp("2025-01-01")), "q", by="g",
                    period="Q", reference="a")


# ----------------------------------------------------------------------------- properties
groups_st = st.lists(st.tuples(st.integers(0, 10), st.sampled_from("abc")), min_size=2,
                     max_size=80)


@settings(max_examples=100, deadline=None)
@given(groups_st, st.sampled_from(["wald", "adjusted_wald"]))
def test_nps_test_rejects_exactly_when_interval_excludes_zero(rows, method):
    df = pd.DataFrame(rows, columns=["q", "g"])
    out = compare_nps(df, "q", by="g", method=method, min_n=0, p_adjust=None)
    out = out[np.isfinite(out["statistic"]) & (out["se"] > 0)]
    excludes = (out["ci_lower"] > 0) | (out["ci_upper"] < 0)
    inside = (out["ci_lower"] > -200) & (out["ci_upper"] < 200)  # clipping breaks the duality
    np.testing.assert_array_equal((out["p_value"] < 0.05)[inside], excludes[inside])


@settings(max_examples=60, deadline=None)
@given(groups_st, st.randoms(use_true_random=False))
def test_comparisons_invariant_to_row_order_and_unit_weights(rows, rnd):
    df = pd.DataFrame(rows, columns=["q", "g"]).assign(w=1.0)
    order = list(range(len(df)))
    rnd.shuffle(order)
    # p_adjust=None: statsmodels' Holm calls gc.collect() on every call, which makes a
    # property test slow; the adjustment itself is pinned in its own test above.
    kw = {"by": "g", "min_n": 0, "p_adjust": None}
    for f in (compare_nps, compare_means, compare_proportions):
        col = "q" if f is not compare_proportions else "hit"
        data = df.assign(hit=df["q"] >= 9)
        base = f(data, col, **kw)
        pd.testing.assert_frame_equal(base, f(data.iloc[order], col, **kw))
        weighted = f(data, col, weights="w", **kw)
        pd.testing.assert_frame_equal(
            weighted.drop(columns=["n_effective_a", "n_effective_b"]), base)


# ----------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_churn_rises_with_satisfaction_in_the_ecommerce_data(realdata):
    # ../shared/realdata/README.md: churn 11.5 % at score 1 -> 23.8 % at 5; complainers
    # churn 31.7 % vs 10.9 %.  A real data set where the naive link goes the "wrong" way.
    ecom = pd.read_excel(realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx",
                         sheet_name="E Comm", usecols=["Churn", "Complain", "SatisfactionScore"])
    by_score = compare_proportions(ecom, "Churn", by="SatisfactionScore", reference=1)
    assert by_score["SatisfactionScore_b"].tolist() == [2, 3, 4, 5]
    assert by_score["proportion_a"].iloc[0] == pytest.approx(0.1151, abs=5e-4)
    five = by_score.iloc[-1]
    assert five["proportion_b"] == pytest.approx(0.2383, abs=5e-4)
    assert five["ci_lower"] > 0 and five["p_adjusted"] < 0.001
    complain = compare_proportions(ecom, "Churn", by="Complain").iloc[0]
    assert (complain["proportion_a"], complain["proportion_b"]) == pytest.approx((0.1093, 0.3167),
                                                                                 abs=5e-4)
    assert complain["ci_lower"] > 0.18 and complain["cohen_h"] > 0.5
