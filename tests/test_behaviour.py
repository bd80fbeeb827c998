"""Tests for cxanalytics.behaviour.summaries: summaries, churn labels, cohort tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.behaviour.churn import churn_labels_contractual, churn_labels_noncontractual
from cxanalytics.behaviour.summaries import (
    cohort_matrix,
    cohort_retention,
    customer_summary,
)
from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError, SmallSampleWarning


def read_cdnow(path):
    """CDNOW log: customer id, second id, date YYYYMMDD, number of CDs, dollar value."""
    tx = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    tx["occurred_at"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def cdnow_tx(realdata):
    return read_cdnow(realdata / "cdnow" / "CDNOW_sample.txt")


# --------------------------------------------------------------------------- references
@pytest.mark.realdata
def test_customer_summary_matches_fader_hardie_lee_2005_cdnow(cdnow_tx, realdata):
    # Fader, Hardie & Lee (2005), CDNOW 1/10 sample, 39-week calibration period
    # 1997-01-01 .. 1997-09-30: 2,357 customers, 1,411 with no repeat purchase,
    # mean frequency 1.0424 (REFERENCE_RESULTS.md, realdata/README.md).
    s = customer_summary(cdnow_tx, calibration_end="1997-09-30", unit="W")
    assert len(s) == 2357
    assert int((~s["repeat"]).sum()) == 1411
    assert s["frequency"].mean() == pytest.approx(1.0424, abs=5e-5)
    # the published summary (frequency, recency, T in weeks, rounded to 2 decimals)
    ref = pd.read_csv(realdata / "cdnow" / "cdnow_customers_summary.csv")
    np.testing.assert_array_equal(s["customer_id"].to_numpy(), ref["ID"].to_numpy())
    np.testing.assert_array_equal(s["frequency"].to_numpy(), ref["frequency"].to_numpy())
    np.testing.assert_allclose(s["recency"], ref["recency"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(s["T"], ref["T"], atol=0.005 + 1e-9)
    # T is measured to the start of 1997-09-30: 272 days for a 1 January customer
    assert s["T"].max() == pytest.approx(272 / 7)
    # mean repeat spend (zbar) of the published file, rounded to cents
    zbar = pd.read_csv(realdata / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    np.testing.assert_allclose(s["monetary_value"].fillna(0.0), zbar["zbar"], atol=0.005 + 1e-9)


def tx_frame(rows):
    cust, when, amount = zip(*rows, strict=True)
    return pd.DataFrame({"customer_id": list(cust), "occurred_at": pd.to_datetime(list(when), format="ISO8601"), "amount": list(amount)})


SMALL = [
    ("a", "2026-01-01 09:00", 10.0),
    ("a", "2026-01-01 18:00", 5.0),  # same day: merged with the first purchase
    ("a", "2026-01-08", 20.0),
    ("a", "2026-01-15", 40.0),
    ("b", "2026-01-10", 7.0),
    ("c", "2026-02-01", 3.0),  # after the calibration end below
]


def test_customer_summary_hand_computed():
    with pytest.warns(DataQualityWarning, match="dropped 1 of 6 transactions"):
        s = customer_summary(tx_frame(SMALL), as_of="2026-01-31").set_index("customer_id")
    assert list(s.index) == ["a", "b"]  # c bought after as_of
    a = s.loc["a"]
    assert a["frequency"] == 2 and a["n_transactions"] == 4
    assert a["recency"] == 14.0 and a["T"] == 30.0
    assert a["monetary_value"] == 30.0  # (20 + 40) / 2, first day excluded
    assert a["total_value"] == 75.0
    assert a["first_purchase"] == pd.Timestamp("2026-01-01 09:00")
    assert s.loc["b", "frequency"] == 0 and np.isnan(s.loc["b", "monetary_value"])


def test_customer_summary_without_day_aggregation_counts_each_purchase():
    s = customer_summary(tx_frame(SMALL[:5]), aggregate_same_day=False, unit="h").set_index("customer_id")
    assert s.loc["a", "frequency"] == 3
    assert s.loc["a", "recency"] == pytest.approx(14 * 24 - 9)
    assert s.loc["a", "monetary_value"] == pytest.approx((5 + 20 + 40) / 3)


def test_customer_summary_holdout_columns():
    s = customer_summary(tx_frame(SMALL), calibration_end="2026-01-09", as_of="2026-02-28").set_index("customer_id")
    assert list(s.index) == ["a"]  # b and c were acquired after the calibration end
    assert s.loc["a", "frequency"] == 1 and s.loc["a", "T"] == 8.0
    assert s.loc["a", "frequency_holdout"] == 1
    assert s.loc["a", "monetary_value_holdout"] == 40.0
    assert s.loc["a", "duration_holdout"] == 50.0


def test_customer_summary_timezone_aware_equals_naive_wall_clock():
    naive = tx_frame(SMALL)
    aware = naive.assign(occurred_at=naive["occurred_at"].dt.tz_localize("Asia/Tehran"))
    s_naive = customer_summary(naive, as_of="2026-03-01")
    s_aware = customer_summary(aware, as_of="2026-03-01")
    cols = ["frequency", "recency", "T", "monetary_value", "n_transactions"]
    pd.testing.assert_frame_equal(s_naive[cols], s_aware[cols])
    assert str(s_aware["first_purchase"].dt.tz) == "Asia/Tehran"
    assert s_aware["first_purchase"].iloc[0] == pd.Timestamp("2026-01-01 09:00", tz="Asia/Tehran")
    # an aware as_of is converted to the data's zone
    s_utc = customer_summary(aware, as_of=pd.Timestamp("2026-02-28 22:00", tz="UTC"))
    assert s_utc["T"].tolist() == s_aware["T"].tolist()
    with pytest.raises(ParameterError, match="as_of"):
        customer_summary(naive, as_of=pd.Timestamp("2026-03-01", tz="UTC"))


def test_customer_summary_reads_date_strings_and_reports_bad_ones():
    tx = tx_frame(SMALL).assign(occurred_at=lambda d: d["occurred_at"].dt.strftime("%Y-%m-%d %H:%M"))
    assert customer_summary(tx)["frequency"].tolist() == [2, 0, 0]
    bad = tx.assign(occurred_at=["2026-01-01", "not a date", "2026-01-08", "2026-01-15", "2026-01-10", "2026-02-01"])
    with pytest.raises(ColumnError, match="not a date"):
        customer_summary(bad)
    with pytest.raises(ColumnError, match="occurred_at"):
        customer_summary(tx.assign(occurred_at=20260101))


def test_customer_summary_errors_and_warnings():
    tx = tx_frame(SMALL)
    with pytest.raises(ColumnError, match="amount"):
        customer_summary(tx.drop(columns="amount"))
    with pytest.raises(ColumnError, match="amount"):
        customer_summary(tx.assign(amount="x"))
    with pytest.raises(ParameterError, match="unit"):
        customer_summary(tx, unit="M")
    with pytest.raises(ParameterError, match="as_of"):
        customer_summary(tx, calibration_end="2026-01-20", as_of="2026-01-10")
    with pytest.raises(ParameterError, match="calibration_end"):
        customer_summary(tx, calibration_end="2020-01-01")
    with pytest.warns(DataQualityWarning, match="negative"):
        customer_summary(tx.assign(amount=tx["amount"].where(tx.index != 2, -20.0)))
    with pytest.warns(DataQualityWarning, match="no value"):
        s = customer_summary(tx.assign(amount=tx["amount"].where(tx.index != 2)))
    assert s.loc[0, "frequency"] == 2 and s.loc[0, "monetary_value"] == 40.0
    with pytest.warns(DataQualityWarning, match="after as_of"):
        customer_summary(tx, as_of="2026-01-20")
    with pytest.warns(DataQualityWarning, match="customer id"):
        customer_summary(tx.assign(customer_id=tx["customer_id"].where(tx.index != 4)))
    assert tx.equals(tx_frame(SMALL))  # input not mutated


def test_customer_summary_agrees_with_plain_pandas_groupby():
    rng = np.random.default_rng(11)
    n = 5000
    tx = pd.DataFrame({
        "customer_id": rng.integers(0, 400, n),
        "occurred_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
        "amount": rng.gamma(2.0, 10.0, n),
    })
    s = customer_summary(tx, unit="W")
    day = tx.assign(day=tx["occurred_at"].dt.floor("D")).groupby(["customer_id", "day"])["amount"].sum().reset_index()
    g = day.groupby("customer_id")
    first, last = g["day"].min(), g["day"].max()
    end = tx["occurred_at"].max().floor("D")
    repeat = day[day["day"] != day["customer_id"].map(first)]
    np.testing.assert_array_equal(s["frequency"], g.size() - 1)
    np.testing.assert_allclose(s["recency"], (last - first).dt.days / 7)
    np.testing.assert_allclose(s["T"], (end - first).dt.days / 7)
    np.testing.assert_allclose(s["monetary_value"], repeat.groupby("customer_id")["amount"].mean().reindex(first.index))
    np.testing.assert_allclose(s["total_value"], tx.groupby("customer_id")["amount"].sum())


transactions = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 24 * 60), st.floats(0.0, 500.0, allow_nan=False)),
    min_size=1,
    max_size=60,
).map(lambda rows: pd.DataFrame({
    "customer_id": [r[0] for r in rows],
    "occurred_at": pd.Timestamp("2026-01-01") + pd.to_timedelta([r[1] for r in rows], unit="h"),
    "amount": [r[2] for r in rows],
}))


@settings(max_examples=60, deadline=None)
@given(tx=transactions, seed=st.integers(0, 2**32 - 1))
def test_customer_summary_invariants(tx, seed):
    s = customer_summary(tx, as_of="2026-03-31")
    assert (s["frequency"] <= s["n_transactions"] - 1).all()
    assert ((0 <= s["recency"]) & (s["recency"] <= s["T"])).all()
    assert s["repeat"].equals(s["frequency"] > 0)
    assert s["n_transactions"].sum() == len(tx)
    assert s["total_value"].sum() == pytest.approx(tx["amount"].sum())
    shuffled = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(customer_summary(shuffled, as_of="2026-03-31"), s, check_exact=False)


# --------------------------------------------------------------------------- churn labels
CHURN_TX = tx_frame([
    ("a", "2026-01-01", 1.0), ("a", "2026-01-11", 1.0), ("a", "2026-01-21", 1.0),  # gaps 10, 10
    ("b", "2026-01-01", 1.0), ("b", "2026-01-31", 1.0),  # gap 30
    ("c", "2026-03-25", 1.0),  # bought 6 days before as_of: censored
])


def test_churn_labels_noncontractual_hand_computed():
    out = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", window=20).set_index("customer_id")
    assert out["churned"].tolist() == [True, True, False]
    assert out["event"].tolist() == [1, 1, 0]
    assert out["inactive"].tolist() == [69.0, 59.0, 6.0]
    # churned: declared at last + window; censored: observed until as_of
    assert out["duration"].tolist() == [20.0 + 20.0, 30.0 + 20.0, 6.0]
    weeks = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", window="20D", unit="W")
    np.testing.assert_allclose(weeks["duration"], np.array([40.0, 50.0, 6.0]) / 7)
    np.testing.assert_allclose(weeks["window"], 20.0 / 7)
    # a bare number is read in the unit: 20 weeks is longer than anyone's silence
    long = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", window=20, unit="W")
    assert long["event"].tolist() == [0, 0, 0]
    np.testing.assert_allclose(long["duration"], np.array([89.0, 89.0, 6.0]) / 7)


def test_churn_window_defaults_to_a_quantile_of_the_gaps():
    # gaps are 10, 10, 30: numpy's default (linear) quantile gives 26 at 0.9, 10 at 0.5
    with pytest.warns(SmallSampleWarning, match="3 inter-purchase gaps"):
        out = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31")
    assert out["window"].iloc[0] == pytest.approx(np.quantile([10, 10, 30], 0.9))
    with pytest.warns(SmallSampleWarning):
        med = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", quantile=0.5)
    assert med["window"].iloc[0] == 10.0
    # purchases after as_of do not enter the gaps (nor the labels)
    later = pd.concat([CHURN_TX, tx_frame([("c", "2026-12-31", 1.0)])])
    with pytest.warns(DataQualityWarning), pytest.warns(SmallSampleWarning):
        again = churn_labels_noncontractual(later, as_of="2026-03-31")
    assert again["window"].iloc[0] == out["window"].iloc[0]


def test_churn_labels_from_a_summary_need_a_window():
    summary = customer_summary(CHURN_TX, as_of="2026-03-31")
    with pytest.raises(ParameterError, match="window"):
        churn_labels_noncontractual(summary, as_of="2026-03-31")
    from_summary = churn_labels_noncontractual(summary, as_of="2026-03-31", window="20D")
    from_tx = churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", window=20)
    pd.testing.assert_frame_equal(from_summary, from_tx)


def test_churn_labels_noncontractual_bad_input():
    with pytest.raises(ParameterError, match="window"):
        churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", window=-5)
    with pytest.raises(ParameterError, match="quantile"):
        churn_labels_noncontractual(CHURN_TX, as_of="2026-03-31", quantile=1.5)
    one_each = tx_frame([("a", "2026-01-01", 1.0), ("b", "2026-01-05", 1.0)])
    with pytest.raises(ParameterError, match="No repeat purchases"):
        churn_labels_noncontractual(one_each, as_of="2026-03-31")


def test_churn_labels_contractual():
    contracts = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "acquired_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01", "2026-05-01"]),
        "ended_at": pd.to_datetime(["2026-01-31", "2026-06-01", None, None]),
    })
    with pytest.warns(DataQualityWarning, match="dropped 1 of 4 contracts"):
        out = churn_labels_contractual(contracts, as_of="2026-03-01")
    assert out["customer_id"].tolist() == ["a", "b", "c"]  # d starts after as_of
    assert out["event"].tolist() == [1, 0, 0]  # b's end was not known on 2026-03-01
    assert out["duration"].tolist() == [30.0, 59.0, 28.0]
    bad = contracts.assign(ended_at=pd.to_datetime(["2025-12-01", None, None, None]))
    with pytest.raises(ColumnError, match="ended_at"):
        churn_labels_contractual(bad, as_of="2026-03-01")
    with pytest.raises(ColumnError, match="cancel"):
        churn_labels_contractual(contracts, cancelled="cancel", as_of="2026-03-01")


# --------------------------------------------------------------------------- cohorts
def test_cohort_retention_hand_computed():
    tx = tx_frame([
        ("a", "2026-01-05", 1.0), ("a", "2026-01-20", 1.0), ("a", "2026-03-01", 1.0),
        ("b", "2026-01-20", 1.0),
        ("c", "2026-02-02", 1.0), ("c", "2026-04-09", 1.0),
    ])
    t = cohort_retention(tx)
    jan = t[t["cohort"] == pd.Period("2026-01", "M")]
    assert jan["period_index"].tolist() == [0, 1, 2, 3]
    assert jan["n_active"].tolist() == [2, 0, 1, 0]
    assert jan["cohort_size"].unique().tolist() == [2]
    feb = t[t["cohort"] == pd.Period("2026-02", "M")]
    assert feb["n_active"].tolist() == [1, 0, 1]
    assert feb["period"].astype(str).tolist() == ["2026-02", "2026-03", "2026-04"]
    assert len(t) == 7  # no March or April cohort
    wide = cohort_matrix(t)
    assert wide.shape == (2, 4) and np.isnan(wide.iloc[1, 3])
    quarters = cohort_retention(tx, period="Q")
    assert quarters["n_active"].tolist() == [3, 1]
    with pytest.raises(ParameterError, match="period"):
        cohort_retention(tx, period="fortnight")


@pytest.mark.realdata
def test_cohort_retention_cdnow_first_quarter_cohorts(cdnow_tx):
    # CDNOW customers were all acquired in the first quarter of 1997 (the cohort
    # tracked in the BG/NBD papers): three monthly cohorts of 2,357 customers in all.
    t = cohort_retention(cdnow_tx)
    sizes = t.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    assert sizes.index.astype(str).tolist() == ["1997-01", "1997-02", "1997-03"]
    assert sizes.sum() == 2357
    assert (t.loc[t["period_index"] == 0, "share"] == 1.0).all()
    assert (t.loc[t["period_index"] > 0, "share"] < 0.5).all()


@settings(max_examples=40, deadline=None)
@given(tx=transactions)
def test_cohort_retention_invariants(tx):
    t = cohort_retention(tx, period="W")
    assert (t["n_active"] <= t["cohort_size"]).all() and ((t["share"] >= 0) & (t["share"] <= 1)).all()
    assert t.drop_duplicates("cohort")["cohort_size"].sum() == tx["customer_id"].nunique()
    assert (t.loc[t["period_index"] == 0, "share"] == 1.0).all()
    # each customer's active weeks add up to the active cells
    weeks = tx.assign(w=tx["occurred_at"].dt.to_period("W")).drop_duplicates(["customer_id", "w"])
    assert t["n_active"].sum() == len(weeks)
