"""Tests for cxanalytics.behaviour.retention: cohort survivors for the sBG, BG/NBD fit checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from cxanalytics.behaviour.clv import BGNBDFit, fit_bgnbd, fit_sbg
from cxanalytics.behaviour.retention import (
    bgnbd_frequency_table,
    bgnbd_holdout_table,
    bgnbd_pmf,
    cohort_survivors,
)
from cxanalytics.behaviour.summaries import customer_summary
from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError

# Fader & Hardie (2007), "How to project customer retention", regular segment, years 0-12.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
# Fader, Hardie & Lee (2005), CDNOW 1/10 sample, 39-week calibration period.
CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def bgnbd(r, alpha, a, b):
    table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"], "estimate": [r, alpha, a, b]})
    return BGNBDFit(params=table, loglik=np.nan, n=0, converged=True)


def brute_survivors(frame, as_of, months):
    """Per-customer loop (independent of the vectorised code): cohort -> survivors list."""
    as_of = pd.Timestamp(as_of)
    out = {}
    for cohort, g in frame.groupby(frame["acquired_at"].dt.to_period("Q")):
        counts, t = [len(g)], 1
        while g["acquired_at"].max() + pd.DateOffset(months=months * t) <= as_of:
            n = 0
            for s, e in zip(g["acquired_at"], g["cancelled_at"], strict=True):
                n += pd.isna(e) or e > s + pd.DateOffset(months=months * t)
            counts.append(n)
            t += 1
        out[cohort] = counts
    return out


# --------------------------------------------------------------------------- cohort_survivors
def test_cohort_survivors_reproduces_fader_hardie_2007_regular():
    # Build 1,000 yearly contracts that end exactly as the "regular" segment's survivors,
    # then recover the counts and the published fit (alpha = 0.704, beta = 1.182 on years 1-7).
    n = np.array(REGULAR)
    lost = -np.diff(n)
    years = np.repeat(np.arange(1, 13), lost)  # churned during year t
    start = pd.Timestamp("2000-03-15")
    ends = [start + pd.DateOffset(years=int(y) - 1, months=6) for y in years] + [pd.NaT] * REGULAR[-1]
    customers = pd.DataFrame({"acquired_at": start, "cancelled_at": pd.to_datetime(pd.Series(ends))})
    surv = cohort_survivors(customers, as_of="2012-03-15", period="Y", cohort="Y")
    assert surv["n_active"].tolist() == REGULAR
    assert surv["period_index"].tolist() == list(range(13))
    assert (surv["cohort_size"] == 1000).all()
    np.testing.assert_allclose(surv["share"], n / 1000)
    fit = fit_sbg(surv["n_active"].to_numpy()[:8])
    assert fit.alpha == pytest.approx(0.704, abs=5e-4)
    assert fit.beta == pytest.approx(1.182, abs=5e-4)
    # one day short of year 12: that period is not complete yet
    short = cohort_survivors(customers, as_of="2012-03-14", period="Y", cohort="Y")
    assert short["n_active"].tolist() == REGULAR[:12]


@pytest.fixture
def contracts():
    rng = np.random.default_rng(7)
    n = 400
    start = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 540, n), unit="D")
    life = pd.to_timedelta(rng.exponential(300, n).round(), unit="D")
    end = pd.Series(start + life)
    end[rng.random(n) < 0.3] = pd.NaT
    return pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "acquired_at": start,
                         "cancelled_at": end, "segment": rng.choice(["a", "b"], n)})


def test_cohort_survivors_match_a_direct_count(contracts):
    as_of = pd.Timestamp("2026-01-01", tz="UTC")
    surv = cohort_survivors(contracts, as_of=as_of, period="Q", cohort="Q")
    expected = brute_survivors(contracts.assign(acquired_at=contracts["acquired_at"].dt.tz_localize(None),
                                                cancelled_at=contracts["cancelled_at"].dt.tz_localize(None)),
                               as_of.tz_localize(None), 3)
    got = {c: g["n_active"].tolist() for c, g in surv.groupby("cohort")}
    assert got == expected
    # an end after as_of is unknown at as_of: moving it later changes nothing
    later = contracts.assign(cancelled_at=contracts["cancelled_at"].where(
        contracts["cancelled_at"] <= as_of, as_of + pd.Timedelta(days=400)))
    pd.testing.assert_frame_equal(cohort_survivors(later, as_of=as_of), surv)


def test_cohort_survivors_fixed_length_periods_and_groups(contracts):
    surv = cohort_survivors(contracts, as_of="2026-01-01", period="30D", cohort="Y", by="segment")
    assert list(surv.columns) == ["segment", "cohort", "period_index", "cohort_size", "n_active", "share"]
    for (seg, coh), g in surv.groupby(["segment", "cohort"]):
        members = contracts[(contracts["segment"] == seg)
                            & (contracts["acquired_at"].dt.year == coh.year)]
        assert g["cohort_size"].iloc[0] == len(members)
        t = int(g["period_index"].iloc[-1])
        bound = members["acquired_at"] + pd.Timedelta(days=30 * t)
        direct = int((members["cancelled_at"].isna() | (members["cancelled_at"] > bound)).sum())
        assert g["n_active"].iloc[-1] == direct
        assert members["acquired_at"].max() + pd.Timedelta(days=30 * t) <= pd.Timestamp("2026-01-01", tz="UTC")
        assert members["acquired_at"].max() + pd.Timedelta(days=30 * (t + 1)) > pd.Timestamp("2026-01-01", tz="UTC")


def test_cohort_survivors_boundary_end_is_not_a_renewal():
    c = pd.DataFrame({"acquired_at": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-01"]),
                      "cancelled_at": pd.to_datetime(["2025-04-01 00:00:00", "2025-04-01 00:00:01",
                                                      "2025-01-01 00:00:00"])})
    surv = cohort_survivors(c, as_of="2025-04-01", period="Q")
    assert surv["n_active"].tolist() == [3, 1]


def test_cohort_survivors_inputs_warnings_and_errors(contracts):
    before = contracts.copy()
    with pytest.warns(DataQualityWarning, match="after as_of"):
        cohort_survivors(contracts, as_of="2025-01-01")
    pd.testing.assert_frame_equal(contracts, before)
    with pytest.raises(ParameterError, match="period"):
        cohort_survivors(contracts, as_of="2026-01-01", period="fortnight")
    with pytest.raises(ParameterError, match="cohort"):
        cohort_survivors(contracts, as_of="2026-01-01", cohort="XYZ")
    naive = contracts.assign(acquired_at=contracts["acquired_at"].dt.tz_localize(None),
                             cancelled_at=contracts["cancelled_at"].dt.tz_localize(None))
    with pytest.raises(ParameterError, match="as_of"):
        cohort_survivors(naive, as_of="2026-01-01 00:00+00:00")  # aware date for naive data
    with pytest.warns(DataQualityWarning), pytest.raises(ParameterError, match="as_of"):
        cohort_survivors(contracts, as_of="2020-01-01 00:00+00:00")
    with pytest.raises(ColumnError, match="cancelled_at"):
        cohort_survivors(contracts.drop(columns="cancelled_at"), as_of="2026-01-01 00:00+00:00")
    backwards = contracts.assign(cancelled_at=contracts["acquired_at"] - pd.Timedelta(days=1))
    with pytest.raises(ColumnError, match="before they start"):
        cohort_survivors(backwards, as_of="2026-01-01 00:00+00:00")
    no_start = contracts.assign(acquired_at=contracts["acquired_at"].where(contracts.index > 0))
    with pytest.raises(ColumnError, match="without a start"):
        cohort_survivors(no_start, as_of="2026-01-01 00:00+00:00")
    with pytest.warns(DataQualityWarning, match="dropped 1 of .* contracts .* missing value in 'segment'"):
        cohort_survivors(contracts.assign(segment=contracts["segment"].where(contracts.index > 0)),
                         as_of="2026-01-01 00:00+00:00", by="segment")
    with pytest.raises(ColumnError, match="naive"):
        cohort_survivors(contracts.assign(cancelled_at=naive["cancelled_at"]), as_of="2026-01-01")
    with pytest.raises(ParameterError, match="customers"):
        cohort_survivors([1, 2], as_of="2026-01-01")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.one_of(st.none(), st.integers(0, 500))), min_size=1, max_size=40))
def test_cohort_survivors_properties(rows):
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta([s for s, _ in rows], unit="D")
    end = [pd.NaT if d is None else s + pd.Timedelta(days=d) for s, (_, d) in zip(start, rows, strict=True)]
    c = pd.DataFrame({"acquired_at": start, "cancelled_at": pd.to_datetime(pd.Series(end))})
    surv = cohort_survivors(c, as_of="2025-06-30", period="M", cohort="Q")
    for _, g in surv.groupby("cohort"):
        n = g["n_active"].to_numpy()
        assert n[0] == g["cohort_size"].iloc[0]
        assert np.all(np.diff(n) <= 0) and np.all(n >= 0)
        assert g["period_index"].tolist() == list(range(len(g)))
    assert surv.drop_duplicates("cohort")["cohort_size"].sum() == len(c)


# --------------------------------------------------------------------------- bgnbd_pmf
def test_bgnbd_pmf_sums_to_one_and_its_mean_is_fhl_2005_eq9():
    # FHL (2005) eq. 9 (E[X(t)], a Gauss hypergeometric closed form, in clv.py) is a
    # different formula from the pmf of eq. 8: their agreement checks both.
    fit = bgnbd(**CDNOW)
    x = np.arange(3000)
    for t in (1.0, 39.0, 78.0):
        p = bgnbd_pmf(fit, x, t)
        assert p.sum() == pytest.approx(1.0, abs=1e-10)
        assert (x * p).sum() == pytest.approx(float(fit.expected_purchases(t)), rel=1e-9)


def test_bgnbd_pmf_matches_eq8_written_with_gamma_functions():
    # FHL (2005) eq. 8 term by term with gammaln (no negative binomial helper).
    r, al, a, b = CDNOW.values()
    fit, t = bgnbd(**CDNOW), 39.0
    for x in range(6):
        lg = special.gammaln(r + x) - special.gammaln(r) - special.gammaln(x + 1)
        alive = np.exp(special.betaln(a, b + x) - special.betaln(a, b) + lg
                       + r * np.log(al / (al + t)) + x * np.log(t / (al + t)))
        total = alive
        if x > 0:
            j = np.arange(x)
            partial = np.sum(np.exp(special.gammaln(r + j) - special.gammaln(r) - special.gammaln(j + 1)
                                    + r * np.log(al / (al + t)) + j * np.log(t / (al + t))))
            total += np.exp(special.betaln(a + 1, b + x - 1) - special.betaln(a, b)) * (1 - partial)
        assert bgnbd_pmf(fit, x, t) == pytest.approx(total, rel=1e-12)
    # nobody drops out before a first purchase: P(X(t) = 0) = (alpha / (alpha + t))^r
    assert bgnbd_pmf(fit, 0, t) == pytest.approx((al / (al + t)) ** r, rel=1e-12)


def test_bgnbd_pmf_matches_simulation():
    # The generative story of FHL (2005): Poisson purchases at rate lambda ~ Gamma(r, alpha),
    # dropout after each purchase with p ~ Beta(a, b).
    rng = np.random.default_rng(11)
    n, t = 400_000, 26.0
    r, al, a, b = 0.8, 6.0, 0.9, 3.0
    lam, p = rng.gamma(r, 1 / al, n), rng.beta(a, b, n)
    x = np.minimum(rng.poisson(lam * t), rng.geometric(p))
    observed = np.bincount(x, minlength=8)[:8] / n
    expected = bgnbd_pmf(bgnbd(r, al, a, b), np.arange(8), t)
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(observed - expected) < 4.5 * se)


def test_bgnbd_pmf_broadcasts_and_rejects_bad_input():
    fit = bgnbd(**CDNOW)
    grid = bgnbd_pmf(fit, np.arange(3)[None, :], np.array([10.0, 20.0])[:, None])
    assert grid.shape == (2, 3)
    assert grid[1, 0] == pytest.approx(float(bgnbd_pmf(fit, 0, 20.0)))
    with pytest.raises(ParameterError, match="frequency"):
        bgnbd_pmf(fit, 1.5, 10.0)
    with pytest.raises(ParameterError, match="t"):
        bgnbd_pmf(fit, 1, -1.0)
    with pytest.raises(ParameterError, match="BGNBDFit"):
        bgnbd_pmf({"r": 1}, 1, 1.0)


@settings(max_examples=40, deadline=None)
@given(r=st.floats(0.05, 5), al=st.floats(0.1, 50), a=st.floats(0.05, 5), b=st.floats(0.05, 20),
       t=st.floats(0.1, 100))
def test_bgnbd_pmf_is_a_distribution(r, al, a, b, t):
    p = bgnbd_pmf(bgnbd(r, al, a, b), np.arange(60), t)
    assert np.all(p >= 0) and p.sum() <= 1 + 1e-9


# --------------------------------------------------------------------------- tables
@pytest.fixture(scope="module")
def cdnow(realdata):
    tx = pd.read_csv(realdata / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    tx["occurred_at"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return customer_summary(tx, calibration_end="1997-09-30", as_of="1998-06-30", unit="W")


def test_frequency_table_on_cdnow_fhl_2005(cdnow):
    # FHL (2005): 2,357 customers, 1,411 without a repeat purchase in the 39 weeks; their
    # Figure 2 shows the BG/NBD histogram close to the actual one.
    fit = bgnbd(**CDNOW)
    tab = bgnbd_frequency_table(fit, cdnow)
    assert tab["label"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert tab["n_actual"].iloc[0] == 1411 and tab["n_actual"].sum() == 2357
    assert tab["n_expected"].sum() == pytest.approx(2357, rel=1e-12)
    assert tab["n_expected"].iloc[0] == pytest.approx(1411, rel=0.01)
    # direct sum over customers of P(X(T_i) = x) (no pooling of equal ages)
    direct = [bgnbd_pmf(fit, x, cdnow["T"].to_numpy()).sum() for x in range(7)]
    np.testing.assert_allclose(tab["n_expected"].iloc[:7], direct, rtol=1e-10)


def test_holdout_table_on_cdnow(cdnow):
    fit = fit_bgnbd(cdnow)
    tab = bgnbd_holdout_table(fit, cdnow, max_frequency=5)
    assert tab["n"].tolist() == [1411, 439, 214, 100, 62, 131]
    classes = np.minimum(cdnow["frequency"], 5)
    np.testing.assert_allclose(tab["actual_mean"], cdnow.groupby(classes)["frequency_holdout"].mean())
    cond = fit.conditional_expected_purchases(39.0, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(tab["expected_mean"], pd.Series(cond).groupby(classes.to_numpy()).mean(), rtol=1e-12)
    # the model's expectations rise with past frequency, as the data do
    assert np.all(np.diff(tab["expected_mean"]) > 0)


def test_tables_handle_empty_classes_and_bad_input():
    fit = bgnbd(0.5, 5.0, 0.8, 2.5)
    s = pd.DataFrame({"frequency": [0, 3], "recency": [0.0, 10.0], "T": [20.0, 20.0],
                      "frequency_holdout": [1, 2], "duration_holdout": [5.0, 5.0]})
    tab = bgnbd_holdout_table(fit, s, max_frequency=4)
    assert tab["n"].tolist() == [1, 0, 0, 1, 0]
    assert tab["actual_mean"].isna().tolist() == [False, True, True, False, True]
    with pytest.raises(ParameterError, match="max_frequency"):
        bgnbd_frequency_table(fit, s, max_frequency=0)
    with pytest.raises(ParameterError, match="max_frequency"):
        bgnbd_frequency_table(fit, s, max_frequency=2.5)
    with pytest.raises(ColumnError, match="frequency_holdout"):
        bgnbd_holdout_table(fit, s.drop(columns="frequency_holdout"))
    with pytest.raises(ColumnError, match="T"):
        bgnbd_frequency_table(fit, s.assign(T=np.nan))
    with pytest.raises(ColumnError, match="frequency"):
        bgnbd_frequency_table(fit, s.assign(frequency=[0.5, 1.0]))
    with pytest.raises(ParameterError, match="BGNBDFit"):
        bgnbd_frequency_table("fit", s)
