"""Tests for cxanalytics.survey.consistency: per-group spread, ICC(1) pinned to Shrout & Fleiss
(1979) and to statsmodels MixedLM, funnel-plot limits by hand (Spiegelhalter 2005), the
sample's planted low-quality branch, and property tests."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.survey.consistency import consistency, funnel_limits, funnel_table, icc

# Shrout, P. E. & Fleiss, J. L. (1979). Psychological Bulletin 86(2), 420-428, Table 2
# (p. 423): four judges' ratings of six targets (rows = targets, columns = judges).
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
                          [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)


def shrout_fleiss_long() -> pd.DataFrame:
    targets, judges = np.indices(SHROUT_FLEISS.shape)
    return pd.DataFrame({"rating": SHROUT_FLEISS.ravel(), "target": targets.ravel() + 1,
                         "judge": judges.ravel() + 1})


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    return load_sample("responses")


# ----------------------------------------------------------------------------- consistency
def test_consistency_matches_statsmodels_and_chi_square_interval():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"score": rng.integers(0, 11, 90).astype(float),
                       "branch": rng.choice(["north", "south", "east"], 90)})
    df.loc[[3, 17], "score"] = np.nan
    out = consistency(df, "score", by="branch")
    assert out["branch"].tolist() == ["east", "north", "south"]
    for row in out.itertuples():
        x = df.loc[df["branch"] == row.branch, "score"].dropna().to_numpy()
        ref = DescrStatsW(x)
        lo, hi = ref.tconfint_mean(alpha=0.05)
        sd = x.std(ddof=1)
        n = len(x)
        assert (row.n, row.mean, row.sd) == (n, pytest.approx(x.mean()), pytest.approx(sd))
        assert (row.ci_lower, row.ci_upper) == (pytest.approx(lo), pytest.approx(hi))
        # chi-square interval for sigma, by hand
        assert row.sd_ci_lower == pytest.approx(sd * np.sqrt((n - 1) / stats.chi2.ppf(0.975, n - 1)))
        assert row.sd_ci_upper == pytest.approx(sd * np.sqrt((n - 1) / stats.chi2.ppf(0.025, n - 1)))
        assert row.cv == pytest.approx(sd / x.mean())


def test_consistency_sample_most_and_least_consistent_branches(responses):
    # TRUTH.json plants each branch's consistency_sd (latent spread of experience): BR07
    # (1.1) and BR02 (0.9) are the least consistent.  Observed nps spread mixes that with
    # answer noise and clipping, so we only check that the planted least-consistent
    # branch BR07 is among the three largest observed sd of the 0-10 answers.
    branches = json.loads((sample_dir() / "TRUTH.json").read_text())["effects"]["branches"]
    worst = max(branches, key=lambda b: b["consistency_sd"])["branch_id"]
    out = consistency(responses, "nps", by="branch_id").sort_values("sd", ascending=False)
    assert worst in out["branch_id"].head(3).tolist()
    assert (out["sd_ci_lower"] < out["sd"]).all() and (out["sd"] < out["sd_ci_upper"]).all()


def test_consistency_accepts_ordered_categoricals(responses):
    cat = consistency(responses, "csat", by="channel")
    num = consistency(responses.assign(csat=responses["csat"].astype("Float64")), "csat",
                      by="channel")
    pd.testing.assert_frame_equal(cat, num)


# ----------------------------------------------------------------------------- ICC
def test_icc_matches_shrout_fleiss_1979():
    # Shrout & Fleiss (1979): ANOVA of Table 2 (their Table 3) BMS = 11.24, WMS = 6.26;
    # reported ICC(1,1) = .17 and ICC(1,4) = .44 (two decimals).
    out = icc(shrout_fleiss_long(), "rating", by="target").iloc[0]
    assert out["ms_between"] == pytest.approx(11.24, abs=0.005)
    assert out["ms_within"] == pytest.approx(6.26, abs=0.005)
    assert round(out["icc"], 2) == 0.17
    assert round(out["icc_mean"], 2) == 0.44
    assert (out["n"], out["n_groups"], out["n0"]) == (24, 6, 4.0)
    # exact values from the same mean squares: (11.2417 - 6.2639) / (11.2417 + 3 * 6.2639)
    assert out["icc"] == pytest.approx((11.241667 - 6.263889) / (11.241667 + 3 * 6.263889),
                                       rel=1e-6)


def test_icc_interval_matches_mcgraw_wong_by_hand():
    # McGraw & Wong (1996), Table 7, case 1 (one-way random, single measure), here with
    # F = BMS/WMS = 1.7947, df (5, 18) and k = 4 judges:
    out = icc(shrout_fleiss_long(), "rating", by="target").iloc[0]
    f = 11.241667 / 6.263889
    fl = f / stats.f.ppf(0.975, 5, 18)
    fu = f * stats.f.ppf(0.975, 18, 5)
    assert out["f"] == pytest.approx(f, rel=1e-6)
    assert out["ci_lower"] == pytest.approx((fl - 1) / (fl + 3), rel=1e-6)
    assert out["ci_upper"] == pytest.approx((fu - 1) / (fu + 3), rel=1e-6)
    assert out["p_value"] == pytest.approx(stats.f.sf(f, 5, 18), rel=1e-6)
    assert out["ci_lower"] < out["icc"] < out["ci_upper"]


def test_icc_variance_components_match_statsmodels_mixedlm():
    # For balanced one-way data REML variance components equal the ANOVA estimates
    # (when positive); statsmodels' MixedLM finds them by numerical optimisation.
    rng = np.random.default_rng(5)
    k, m = 12, 15
    g = np.repeat(np.arange(k), m)
    df = pd.DataFrame({"y": rng.normal(0, 0.7, k)[g] + rng.normal(0, 1.5, k * m), "g": g})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser chatter only
        fit = smf.mixedlm("y ~ 1", df, groups=df["g"]).fit(reml=True)
    out = icc(df, "y", by="g").iloc[0]
    tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    assert out["var_between"] == pytest.approx(tau2, rel=1e-3)
    assert out["var_within"] == pytest.approx(sigma2, rel=1e-3)
    assert out["icc"] == pytest.approx(tau2 / (tau2 + sigma2), rel=1e-3)


def test_icc_unbalanced_uses_n0_by_hand():
    # groups of 2, 3 and 5: N = 10, n0 = (10 - (4 + 9 + 25) / 10) / 2 = 3.1
    df = pd.DataFrame({"y": [1, 3, 4, 6, 5, 2, 2, 3, 1, 2.0], "g": list("aabbbccccc")})
    out = icc(df, "y", by="g").iloc[0]
    assert out["n0"] == pytest.approx(3.1)
    means = {"a": 2.0, "b": 5.0, "c": 2.0}  # grand mean 2.9
    ssb = 2 * (2 - 2.9) ** 2 + 3 * (5 - 2.9) ** 2 + 5 * (2 - 2.9) ** 2
    ssw = (1 + 1) + (1 + 1 + 0) + (0 + 0 + 1 + 1 + 0)  # = 6
    msb, msw = ssb / 2, ssw / 7
    assert df.groupby("g")["y"].mean().to_dict() == means
    assert out["icc"] == pytest.approx((msb - msw) / (msb + 2.1 * msw))
    assert out["eta_squared"] == pytest.approx(ssb / (ssb + ssw))
    assert out["var_between"] / (out["var_between"] + out["var_within"]) == pytest.approx(
        out["icc"])


def test_icc_on_sample_is_small_but_real(responses):
    # branch quality is planted (TRUTH.json branches[].quality, BR06 at -0.45): the
    # between-branch share of nps variance is small but the F test rejects no difference
    out = icc(responses, "nps", by="branch_id").iloc[0]
    assert out["n_groups"] == 8 and out["p_value"] < 0.001
    assert 0 < out["ci_lower"] < out["icc"] < out["ci_upper"] < 0.5


def test_icc_errors():
    with pytest.raises(ParameterError, match="two groups"):
        icc(pd.DataFrame({"y": [1.0, 2.0], "g": ["a", "a"]}), "y", by="g")
    with pytest.raises(ParameterError, match="group"):
        icc(pd.DataFrame({"y": [1.0, 2.0]}), "y", by=None)
    with pytest.raises(ColumnError, match="numeric"):
        icc(pd.DataFrame({"y": ["x", "y"], "g": ["a", "b"]}), "y", by="g")


# ----------------------------------------------------------------------------- funnel
def test_funnel_normal_limits_by_hand():
    df = pd.DataFrame({"y": [4, 6, 5, 7, 3, 9, 5, 1.0], "g": list("aaabbbbb")})
    out = funnel_table(df, "y", by="g")
    theta, sigma = df["y"].mean(), df["y"].std(ddof=1)  # 5.0, 2.449490
    assert (theta, round(sigma, 6)) == (5.0, 2.44949)
    a = out.iloc[0]
    # n = 3: 5 -/+ 1.959964 * 2.449490 / sqrt(3) = 5 -/+ 2.771807
    assert a["lower_95"] == pytest.approx(5 - 2.771807, abs=1e-6)
    assert a["upper_95"] == pytest.approx(5 + 2.771807, abs=1e-6)
    # 99.8 %: z = 3.090232 -> half-width 3.090232 * 1.414214 = 4.370248
    assert a["upper_998"] == pytest.approx(5 + 4.370248, abs=1e-6)
    assert a["z"] == pytest.approx((5 - 5) / (sigma / np.sqrt(3)))
    assert out.attrs["funnel"]["sigma"] == pytest.approx(sigma)


def test_funnel_exact_binomial_limits_by_hand():
    # Spiegelhalter (2005), appendix: r_p = smallest r with F(r) >= p, then interpolate
    # alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), limit = (r_p - alpha) / n.
    n, theta = 40, 0.3
    for p in (0.025, 0.975, 0.001, 0.999):
        r = 0
        while stats.binom.cdf(r, n, theta) < p:
            r += 1
        f_r, f_prev = stats.binom.cdf(r, n, theta), stats.binom.cdf(r - 1, n, theta)
        expected = (r - (f_r - p) / (f_r - f_prev)) / n
        level = abs(1 - 2 * p)  # n = 40, theta = 0.3: every limit lies inside (0, 1)
        lo, hi = funnel_limits([n], target=theta, level=level, kind="proportion",
                               method="exact")
        got = lo[0] if p < 0.5 else hi[0]
        assert got == pytest.approx(expected, rel=1e-10)
    # and for large n the exact limits approach the normal ones
    lo_e, hi_e = funnel_limits([20000], target=theta, level=0.95, kind="proportion",
                               method="exact")
    lo_n, hi_n = funnel_limits([20000], target=theta, level=0.95, kind="proportion")
    assert lo_e[0] == pytest.approx(lo_n[0], abs=2e-4) and hi_e[0] == pytest.approx(hi_n[0],
                                                                                   abs=2e-4)


@pytest.mark.parametrize("n", [[40, 12.4], [0.5], [0], [-3], [np.nan]])
def test_funnel_exact_rejects_sizes_that_are_not_whole_numbers(n):
    # Binomial(n, theta) exists only for whole n >= 1; before, weighted counts gave NaN limits.
    with pytest.raises(ParameterError, match=r"\[parameter 'n'\]: received") as err:
        funnel_limits(n, target=0.3, level=0.95, kind="proportion", method="exact")
    assert "whole numbers" in str(err.value) and "method='normal'" in str(err.value)
    # the normal approximation accepts weighted (effective) sizes
    if n == [40, 12.4]:
        lo, hi = funnel_limits(n, target=0.3, level=0.95, kind="proportion")
        assert np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))


def test_funnel_exact_accepts_float_whole_numbers_up_to_rounding_noise():
    ref = funnel_limits([40, 1000], target=0.3, level=0.95, kind="proportion", method="exact")
    got = funnel_limits(np.array([40.0, 1000.0]) * (1 + 1e-13), target=0.3, level=0.95,
                        kind="proportion", method="exact")
    np.testing.assert_array_equal(got, ref)


@settings(max_examples=50, deadline=None)
@given(n=st.floats(1.0, 5000.0).filter(lambda v: abs(v - round(v)) > 1e-6))
def test_funnel_exact_never_returns_nan_silently(n):
    with pytest.raises(ParameterError):
        funnel_limits([n], target=0.4, level=0.998, kind="proportion", method="exact")
    lo, hi = funnel_limits([round(n)], target=0.4, level=0.998, kind="proportion", method="exact")
    assert 0 <= lo[0] <= 0.4 <= hi[0] <= 1


def test_funnel_sample_flags_planted_low_branch_not_the_tiny_one(responses):
    # TRUTH.json: BR06 has the lowest planted quality (-0.45); BR08 is tiny (share 0.03) with the
    # highest quality (+0.35, a real but modest advantage). Its limits are the widest; once the
    # limits allow for the real between-branch spread (Spiegelhalter's overdispersion), only the
    # planted weak branch stays flagged.
    branches = {b["branch_id"]: b for b in json.loads(
        (sample_dir() / "TRUTH.json").read_text())["effects"]["branches"]}
    assert min(branches, key=lambda k: branches[k]["quality"]) == "BR06"
    sat = responses.assign(satisfied=responses["csat"].astype("Float64") >= 4)
    for table in (funnel_table(responses, "nps", by="branch_id"),
                  funnel_table(sat, "satisfied", by="branch_id", kind="proportion")):
        t = table.set_index("branch_id")
        assert t.loc["BR06", "outside_998"] and t.loc["BR06", "direction"] == "low"
        assert t.loc["BR08", "n"] == t["n"].min()
        assert (t.loc["BR08", "upper_95"] - t.loc["BR08", "lower_95"]
                > (t["upper_95"] - t["lower_95"]).drop("BR08").max())
    adjusted = funnel_table(responses, "nps", by="branch_id", overdispersion=True).set_index("branch_id")
    assert adjusted.loc["BR06", "outside_998"]
    assert adjusted.index[adjusted["outside_95"]].tolist() == ["BR06"]


def test_funnel_overdispersion_phi_by_hand(responses):
    plain = funnel_table(responses, "nps", by="branch_id")
    over = funnel_table(responses, "nps", by="branch_id", overdispersion=True)
    z = plain["z"].to_numpy()
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    assert over["phi"].iloc[0] == pytest.approx(phi)
    assert phi > 1
    width = (over["upper_95"] - over["lower_95"]) / (plain["upper_95"] - plain["lower_95"])
    np.testing.assert_allclose(width, np.sqrt(phi))
    np.testing.assert_allclose(over["z"], z / np.sqrt(phi))
    assert over.set_index("branch_id").loc["BR06", "outside_998"]  # still flagged


def test_funnel_errors():
    df = pd.DataFrame({"y": [1, 0, 1, 2.0], "g": list("aabb")})
    with pytest.raises(ColumnError, match="0/1"):
        funnel_table(df, "y", by="g", kind="proportion")
    for kwargs in ({"kind": "median"}, {"method": "exact"}, {"limits": (0.95, 1.2)},
                   {"winsorize": 0.6}, {"target": float("nan")}):
        with pytest.raises(ParameterError):
            funnel_table(df, "y", by="g", **kwargs)
    with pytest.raises(ParameterError, match="normal"):
        funnel_table(df.assign(y=[1, 0, 1, 0]), "y", by="g", kind="proportion",
                     method="exact", overdispersion=True)


# ----------------------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.floats(1.0, 4.0), st.integers(0, 10_000))
def test_property_small_extreme_group_not_flagged_when_limits_wide(n_small, offset, seed):
    # Big branches centred on 0 (sd 2) and a small branch whose mean is `offset` away: a
    # deviation of up to 4 points is not flagged at 99.8 % for n <= 6 (limits ± 3.09 sd /
    # sqrt(n) ~ 2.5-4.4) unless it exceeds the limit, and the same deviation in a big
    # branch is flagged.  Flagging follows the limits at each group's own n.
    rng = np.random.default_rng(seed)
    big = rng.normal(0, 2, 3000)
    big = (big - big.mean()) / big.std(ddof=1) * 2  # exactly mean 0, sd 2
    small = np.full(n_small, offset)
    large = np.full(400, offset)
    df = pd.DataFrame({"y": np.r_[big, small, large],
                       "g": ["big"] * 3000 + ["small"] * n_small + ["large"] * 400})
    out = funnel_table(df, "y", by="g", limits=(0.998,)).set_index("g")
    half = out.loc["small", "upper_998"] - out.loc["small", "target"]
    deviation = out.loc["small", "estimate"] - out.loc["small", "target"]
    assert out.loc["small", "outside_998"] == (abs(deviation) > half)
    assert out.loc["large", "outside_998"]
    # limits are wider for the small group and shrink as n grows
    assert half > out.loc["large", "upper_998"] - out.loc["large", "target"]


@settings(max_examples=60, deadline=None)
@given(st.floats(0.02, 0.98), st.lists(st.integers(1, 500), min_size=2, max_size=20))
def test_property_limits_nested_contain_target_and_narrow_with_n(theta, sizes):
    n = np.sort(np.array(sizes, dtype=float))
    for method in ("normal", "exact"):
        lo95, hi95 = funnel_limits(n, target=theta, level=0.95, kind="proportion",
                                   method=method)
        lo998, hi998 = funnel_limits(n, target=theta, level=0.998, kind="proportion",
                                     method=method)
        assert np.all(lo998 <= lo95 + 1e-12) and np.all(hi95 <= hi998 + 1e-12)
        assert np.all(lo95 <= theta + 1e-12) and np.all(theta <= hi95 + 1e-12)
    lo, hi = funnel_limits(n, target=theta, level=0.95, kind="proportion")
    assert np.all(np.diff(hi - lo) <= 1e-12)
    assert np.all(lo >= 0) and np.all(hi <= 1)


def test_exact_limits_for_a_single_response_stay_sensible():
    # n = 1, theta = 0.0234: the interpolated upper 97.5 % quantile falls below 0 (both
    # outcomes are within F(0) = 0.977 >= 0.975); the limits are clipped to [0, theta] and
    # [theta, 1], so a 0 is not flagged while a 1 (probability 0.023 < 0.025) is.
    df = pd.DataFrame({"y": [0.0, 1.0], "g": ["zero", "one"]})
    out = funnel_table(df, "y", by="g", kind="proportion", target=0.0234375).set_index("g")
    assert not out.loc["zero", "outside_95"] and out.loc["one", "outside_95"]
    assert out.loc["zero", "lower_95"] == 0 and out.loc["zero", "upper_95"] == 0.0234375


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_property_funnel_and_icc_row_order_invariant(seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"y": rng.integers(0, 11, 60).astype(float),
                       "g": rng.choice(list("abcd"), 60)})
    shuffled = df.sample(frac=1, random_state=seed)
    pd.testing.assert_frame_equal(funnel_table(df, "y", by="g"),
                                  funnel_table(shuffled, "y", by="g"), rtol=1e-9)
    pd.testing.assert_frame_equal(icc(df, "y", by="g"), icc(shuffled, "y", by="g"),
                                  rtol=1e-9)
