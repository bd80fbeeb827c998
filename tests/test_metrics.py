"""Tests for cxanalytics.survey.metrics: estimators pinned to published values and to
statsmodels/scipy, plus property tests for the invariants of each estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from cxanalytics.errors import ColumnError, CxError, ParameterError, ScaleRangeError
from cxanalytics.survey.metrics import ces, csat, mean_score, nps, top_box


def nps_frame(promoters: int, detractors: int, n: int, **extra) -> pd.DataFrame:
    scores = [10] * promoters + [3] * detractors + [8] * (n - promoters - detractors)
    return pd.DataFrame({"q": scores, **extra})


# ----------------------------------------------------------------------------- NPS, pinned
# Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American
# Statistician 70(4), 365-372; worked values (z = 1.959964) as listed in
# ../shared/reference/REFERENCE_RESULTS.md, published to 4 decimals on the -1..1 scale.
ROCKS_2016 = [
    # promoters, detractors, n, method, centre, lower, upper
    (50, 20, 100, "wald", 0.30, 0.1469, 0.4531),
    (50, 20, 100, "adjusted_wald", 0.2913, 0.1405, 0.4420),
    (9, 3, 20, "wald", 0.30, -0.0130, 0.6130),
    (9, 3, 20, "adjusted_wald", 0.2609, -0.0335, 0.5553),
]


@pytest.mark.parametrize(("p", "d", "n", "method", "centre", "lower", "upper"), ROCKS_2016)
def test_nps_interval_matches_rocks_2016_worked_values(p, d, n, method, centre, lower, upper):
    out = nps(nps_frame(p, d, n), "q", method=method).iloc[0]
    # reported in points (-100..100): 4 published decimals -> 0.005 points
    assert out["nps"] == pytest.approx(100 * (p - d) / n, abs=1e-12)
    assert out["ci_lower"] == pytest.approx(100 * lower, abs=0.006)
    assert out["ci_upper"] == pytest.approx(100 * upper, abs=0.006)
    assert (out["ci_lower"] + out["ci_upper"]) / 2 == pytest.approx(100 * centre, abs=0.006)


def test_nps_se_is_the_multinomial_formula():
    out = nps(nps_frame(50, 20, 100), "q").iloc[0]
    assert out["se"] == pytest.approx(100 * np.sqrt((0.5 + 0.2 - 0.3**2) / 100), rel=1e-12)


def test_nps_counts_shares_and_missing_by_group():
    df = pd.DataFrame({
        "q": [10, 9, 7, 6, np.nan, 0, 10, 8, 8, np.nan],
        "ch": ["web", "web", "web", "web", "web", "app", "app", "app", "app", "app"],
    })
    out = nps(df, "q", by="ch")
    assert out["ch"].tolist() == ["app", "web"]
    assert out["n"].tolist() == [4, 4]
    assert out["n_missing"].tolist() == [1, 1]
    assert out[["promoters", "passives", "detractors"]].to_numpy().tolist() == [[1, 2, 1], [2, 1, 1]]
    assert out["nps"].tolist() == pytest.approx([0.0, 25.0])
    assert out[["promoter_share", "passive_share", "detractor_share"]].sum(axis=1).tolist() == \
        pytest.approx([1.0, 1.0])
    assert "n_effective" not in out


def test_nps_grouped_equals_each_group_alone_with_two_keys_and_missing_key():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "q": rng.integers(0, 11, 400).astype(float),
        "a": rng.choice(["x", "y", None], 400),
        "b": rng.integers(1, 4, 400),
    })
    out = nps(df, "q", by=["a", "b"])
    assert len(out) == df.groupby(["a", "b"], dropna=False).ngroups
    assert out["n"].sum() == 400  # rows with a missing key are kept as their own group
    for _, row in out.iterrows():
        mask = (df["a"].isna() if pd.isna(row["a"]) else df["a"] == row["a"]) & (df["b"] == row["b"])
        alone = nps(df[mask], "q").iloc[0]
        for col in ["n", "promoters", "detractors", "nps", "ci_lower", "ci_upper"]:
            assert row[col] == pytest.approx(alone[col])


def test_nps_categorical_and_nullable_integer_inputs():
    df = pd.DataFrame({
        "q": pd.array([10, None, 3, 9], dtype="Int64"),
        "g": pd.Categorical(["b", "a", "b", "a"], categories=["b", "a", "z"]),
    })
    out = nps(df, "q", by="g")
    assert out["n"].tolist() == [2, 1] and out["n_missing"].tolist() == [0, 1]
    assert out["nps"].tolist() == pytest.approx([0.0, 100.0])


def test_ordinal_categorical_answers_equal_their_integer_values():
    values = [5, 4, None, 1, 3, 5, 2, 4]
    as_int = pd.DataFrame({"q": pd.array(values, dtype="Int64"), "g": list("abababab")})
    as_cat = as_int.assign(q=pd.Categorical(values, categories=[1, 2, 3, 4, 5], ordered=True))
    for f, kw in [(csat, {}), (mean_score, {}), (ces, {"scale": (1, 5), "top": 2}),
                  (top_box, {"scale": (1, 5)})]:
        pd.testing.assert_frame_equal(f(as_cat, "q", by="g", **kw), f(as_int, "q", by="g", **kw))
    with pytest.raises(ScaleRangeError, match="received 7"):
        csat(pd.DataFrame({"q": pd.Categorical([1, 7])}), "q")
    with pytest.raises(ColumnError, match="numeric"):
        csat(pd.DataFrame({"q": pd.Categorical(["good", "bad"])}), "q")


def test_nps_wald_degenerate_all_promoters_is_zero_width_adjusted_is_not():
    df = nps_frame(40, 0, 40)
    wald = nps(df, "q", method="wald").iloc[0]
    adj = nps(df, "q").iloc[0]
    assert wald["ci_lower"] == wald["ci_upper"] == 100
    assert adj["ci_lower"] < 100 <= adj["ci_upper"]


def test_nps_does_not_mutate_input():
    df = nps_frame(5, 3, 10, w=np.arange(1.0, 11.0))
    before = df.copy()
    nps(df, "q", weights="w")
    pd.testing.assert_frame_equal(df, before)


# ----------------------------------------------------------------------------- weighting
def test_kish_effective_sample_size_and_weighted_shares():
    df = pd.DataFrame({"q": [10, 10, 3, 8], "w": [1.0, 1.0, 2.0, 2.0]})
    out = nps(df, "q", weights="w").iloc[0]
    assert out["n_effective"] == pytest.approx(6.0**2 / 10.0)  # Kish: (sum w)^2 / sum w^2
    assert out["promoter_share"] == pytest.approx(2 / 6)
    assert out["detractor_share"] == pytest.approx(2 / 6)
    assert out["promoters"] == 2 and out["n"] == 4  # counts stay respondent counts


def test_weighted_mean_matches_statsmodels_descrstatsw():
    rng = np.random.default_rng(3)
    x, w = rng.normal(5, 2, 80), rng.uniform(0.2, 3, 80)
    out = mean_score(pd.DataFrame({"x": x, "w": w}), "x", weights="w").iloc[0]
    assert out["mean"] == pytest.approx(DescrStatsW(x, weights=w).mean, rel=1e-12)
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert out["n_effective"] == pytest.approx(n_eff)
    biased = np.sum(w * (x - out["mean"]) ** 2) / w.sum()
    assert out["se"] == pytest.approx(np.sqrt(biased * n_eff / (n_eff - 1) / n_eff))


def test_weighted_top_box_uses_effective_n_in_wilson():
    df = pd.DataFrame({"q": [5, 5, 1, 2, 4, 3], "w": [1, 3, 1, 1, 2, 1]})
    out = top_box(df, "q", scale=(1, 5), top=2, weights="w").iloc[0]
    p, n_eff = 6 / 9, 81 / 17
    lo, hi = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    assert out["top_box"] == pytest.approx(p)
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), rel=1e-10)


# ----------------------------------------------------------------------------- proportions and means, pinned
@pytest.mark.parametrize(("count", "n", "alpha"), [(0, 10, 0.05), (3, 10, 0.05), (37, 120, 0.1),
                                                   (120, 120, 0.05), (55, 300, 0.01)])
def test_wilson_matches_statsmodels_proportion_confint(count, n, alpha):
    df = pd.DataFrame({"q": [5] * count + [3] * (n - count)})
    out = top_box(df, "q", scale=(1, 5), alpha=alpha).iloc[0]
    lo, hi = proportion_confint(count, n, alpha=alpha, method="wilson")
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), abs=1e-12)
    lo, hi = proportion_confint(count, n, alpha=alpha, method="normal")
    wald = top_box(df, "q", scale=(1, 5), alpha=alpha, method="wald").iloc[0]
    assert (wald["ci_lower"], wald["ci_upper"]) == pytest.approx((max(lo, 0), min(hi, 1)), abs=1e-12)


def test_csat_is_top_two_box_and_top_is_configurable():
    df = pd.DataFrame({"q": [1, 2, 3, 4, 5, 5, 4, 3, None]})
    out = csat(df, "q").iloc[0]
    assert (out["n"], out["n_missing"], out["n_top"]) == (8, 1, 4)
    assert out["csat"] == pytest.approx(0.5)
    assert csat(df, "q", top=1)["csat"].iloc[0] == pytest.approx(0.25)
    seven = pd.DataFrame({"q": [7, 6, 5, 1]})
    assert csat(seven, "q", scale=(1, 7), top=3)["csat"].iloc[0] == pytest.approx(0.75)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_mean_interval_matches_scipy_t_interval(alpha):
    x = np.array([3.0, 4, 4, 5, 2, 5, 4, 3, 4, 5, 1])
    out = mean_score(pd.DataFrame({"x": x}), "x", alpha=alpha).iloc[0]
    lo, hi = stats.t.interval(1 - alpha, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), rel=1e-12)
    assert out["sd"] == pytest.approx(x.std(ddof=1))


def test_ces_mean_and_top_box():
    df = pd.DataFrame({"e": [7, 6, 5, 2, 6, 7, 4], "g": list("aabbaab")})
    out = ces(df, "e", by="g")
    assert out["ces"].tolist() == pytest.approx([6.5, 11 / 3])
    tb = ces(df, "e", method="top_box")
    assert tb["ces"].iloc[0] == pytest.approx(5 / 7) and tb["n_top"].iloc[0] == 5
    with pytest.raises(ScaleRangeError):
        ces(pd.DataFrame({"e": [8]}), "e")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("values", "received"), [([1, 11], "11"), ([1, 5.5], "5.5"), ([-1, 3], "-1")])
def test_out_of_scale_nps_names_column_value_and_range(values, received):
    with pytest.raises(ScaleRangeError, match=rf"column 'q'.*received {received}.*0-10"):
        nps(pd.DataFrame({"q": values}), "q")


def test_bad_inputs_raise_cx_errors_naming_the_problem():
    df = pd.DataFrame({"q": [1, 2], "t": ["a", "b"], "w": [1.0, -1.0], "g": [1, 1]})
    with pytest.raises(ColumnError, match="nope"):
        nps(df, "nope")
    with pytest.raises(ColumnError, match="column 't'"):
        nps(df, "t")
    with pytest.raises(ColumnError, match="column 'w'.*-1"):
        nps(df, "q", weights="w")
    with pytest.raises(ColumnError, match="missing_by"):
        nps(df, "q", by="missing_by")
    with pytest.raises(ParameterError, match="method"):
        nps(df, "q", method="exact")
    with pytest.raises(ParameterError, match="alpha"):
        nps(df, "q", alpha=1.5)
    with pytest.raises(ParameterError, match="scale"):
        top_box(df, "q", scale=(5, 1))
    with pytest.raises(ParameterError, match="top"):
        csat(df, "q", top=5)
    with pytest.raises(ScaleRangeError, match="1-5"):
        csat(pd.DataFrame({"q": [0]}), "q")
    with pytest.raises(ParameterError, match="data"):
        nps([1, 2], "q")
    assert issubclass(ScaleRangeError, CxError)


# ----------------------------------------------------------------------------- properties
answers = st.lists(st.one_of(st.integers(0, 10), st.none()), min_size=1, max_size=60)


def frame_of(values, groups=None, weights=None):
    df = pd.DataFrame({"q": pd.array(values, dtype="Int64")})
    if groups is not None:
        df["g"] = [groups[i % len(groups)] for i in range(len(values))]
    if weights is not None:
        df["w"] = [weights[i % len(weights)] for i in range(len(values))]
    return df


@settings(max_examples=150, deadline=None)
@given(answers, st.sampled_from(["wald", "adjusted_wald"]), st.floats(0.001, 0.5))
def test_nps_and_bounds_stay_within_minus_100_and_100(values, method, alpha):
    out = nps(frame_of(values), "q", method=method, alpha=alpha)
    vals = out[["nps", "ci_lower", "ci_upper"]].to_numpy()
    vals = vals[~np.isnan(vals)]
    assert np.all((vals >= -100) & (vals <= 100))


@settings(max_examples=150, deadline=None)
@given(answers, st.floats(0.001, 0.5))
def test_wald_interval_contains_the_estimate(values, alpha):
    out = nps(frame_of(values), "q", method="wald", alpha=alpha).dropna(subset=["nps"])
    assert np.all(out["ci_lower"] <= out["nps"] + 1e-9)
    assert np.all(out["nps"] <= out["ci_upper"] + 1e-9)


def test_adjusted_wald_contains_the_estimate_for_every_sample_of_2_to_40_at_95_percent():
    # Exhaustive over every (promoters, detractors) composition.  The adjusted interval is
    # centred on the shrunken score, so for n = 1 (and at low confidence levels) it can
    # exclude the raw score; this is documented in nps().
    for n in range(2, 41):
        p, d = np.meshgrid(np.arange(n + 1), np.arange(n + 1))
        keep = p + d <= n
        df = pd.DataFrame({
            "q": np.concatenate([np.r_[[10] * a, [0] * b, [8] * (n - a - b)]
                                 for a, b in zip(p[keep], d[keep], strict=True)]),
            "g": np.repeat(np.arange(keep.sum()), n),
        })
        out = nps(df, "q", by="g")
        assert np.all(out["ci_lower"] <= out["nps"] + 1e-9), n
        assert np.all(out["nps"] <= out["ci_upper"] + 1e-9), n


@settings(max_examples=100, deadline=None)
@given(answers, st.randoms(use_true_random=False))
def test_nps_invariant_to_row_order(values, rnd):
    df = frame_of(values, groups=["a", "b", "c"])
    order = list(range(len(df)))
    rnd.shuffle(order)
    pd.testing.assert_frame_equal(nps(df, "q", by="g"), nps(df.iloc[order], "q", by="g"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_unit_weights_reproduce_the_unweighted_result(values):
    df = frame_of(values, groups=["a", "b"], weights=[1.0])
    weighted = nps(df, "q", by="g", weights="w")
    assert weighted["n_effective"].tolist() == pytest.approx(weighted["n"].tolist())
    pd.testing.assert_frame_equal(weighted.drop(columns="n_effective"), nps(df, "q", by="g"))
    df5 = df.assign(q=df["q"].clip(upper=5).where(df["q"] > 0))
    pd.testing.assert_frame_equal(csat(df5, "q", weights="w").drop(columns="n_effective"),
                                  csat(df5, "q"))
    pd.testing.assert_frame_equal(mean_score(df, "q", weights="w").drop(columns="n_effective"),
                                  mean_score(df, "q"))


@settings(max_examples=100, deadline=None)
@given(answers, st.lists(st.floats(0.1, 10), min_size=1, max_size=7), st.floats(0.01, 1000))
def test_scaling_all_weights_changes_nothing(values, weights, factor):
    df = frame_of(values, groups=["a", "b"], weights=weights)
    scaled = df.assign(w=df["w"] * factor)
    for f, kw in [(nps, {}), (csat, {"scale": (0, 10)}), (mean_score, {})]:
        pd.testing.assert_frame_equal(f(df, "q", by="g", weights="w", **kw),
                                      f(scaled, "q", by="g", weights="w", **kw), rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(1, 5), st.none()), min_size=1, max_size=60))
def test_proportion_and_mean_intervals_contain_their_estimates(values):
    df = frame_of(values, groups=["a", "b"])
    tb = top_box(df, "q", scale=(1, 5), top=2, by="g").dropna(subset=["top_box"])
    assert np.all((tb["ci_lower"] <= tb["top_box"] + 1e-12) & (tb["top_box"] <= tb["ci_upper"] + 1e-12))
    assert np.all((tb["ci_lower"] >= 0) & (tb["ci_upper"] <= 1))
    ms = mean_score(df, "q", by="g").dropna(subset=["ci_lower"])
    assert np.all((ms["ci_lower"] <= ms["mean"] + 1e-12) & (ms["mean"] <= ms["ci_upper"] + 1e-12))


# ----------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_csat_on_ibm_telco_satisfaction_scores(realdata):
    # ../shared/realdata/README.md: Satisfaction Score counts 1-5 are 922/518/2,665/1,789/1,149
    status = pd.read_excel(realdata / "ibm_telco_extended" / "Telco_customer_churn_status.xlsx",
                           usecols=["Satisfaction Score", "Customer Status"])
    out = csat(status, "Satisfaction Score").iloc[0]
    assert (out["n"], out["n_missing"], out["n_top"]) == (7043, 0, 1789 + 1149)
    lo, hi = proportion_confint(2938, 7043, method="wilson")
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), abs=1e-12)
    by_status = csat(status, "Satisfaction Score", by="Customer Status").set_index("Customer Status")
    assert by_status["n"].to_dict() == {"Churned": 1869, "Joined": 454, "Stayed": 4720}
    assert by_status.loc["Churned", "ci_upper"] < by_status.loc["Stayed", "ci_lower"]


@pytest.mark.realdata
def test_mean_satisfaction_on_hbat_matches_the_textbook_mean(realdata):
    pyreadstat = pytest.importorskip("pyreadstat")
    hbat, _ = pyreadstat.read_sav(str(realdata / "hbat_spss" / "HBAT.sav"))
    out = mean_score(hbat, "x19").iloc[0]  # README: mean x19 = 6.918 (100 customers)
    assert out["n"] == 100 and out["mean"] == pytest.approx(6.918, abs=5e-4)
    lo, hi = stats.t.interval(0.95, 99, loc=hbat["x19"].mean(), scale=stats.sem(hbat["x19"]))
    assert (out["ci_lower"], out["ci_upper"]) == pytest.approx((lo, hi), rel=1e-12)
