"""Linking responses to later behaviour (cause before effect) and outcome tables by group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import cxanalytics as cx
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.link.linking import encounter_landmarks, link_responses
from cxanalytics.link.outcomes import nps_group, outcome_by_group, quantile_band
from cxanalytics.synth import _world as W

AS_OF = "2026-07-01T00:00:00+00:00"


def ts(*d):
    return pd.to_datetime(list(d), utc=True)


@pytest.fixture(scope="module")
def sample():
    return {n: load_sample(n) for n in ("responses", "customers", "transactions", "interactions")}


@pytest.fixture(scope="module")
def linked(sample):
    return link_responses(sample["responses"], sample["customers"], transactions=sample["transactions"],
                          interactions=sample["interactions"], as_of=AS_OF)


@pytest.fixture
def tiny():
    cust = pd.DataFrame({"customer_id": ["a", "b", "c"],
                         "acquired_at": ts("2026-01-01", "2026-01-01", "2026-01-01"),
                         "plan": ["contract", "prepaid", "contract"],
                         "cancelled_at": ts("2026-02-20", None, "2026-01-10")})
    resp = pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
                         "customer_id": ["a", "b", "c", None, "zz", "a"],
                         "submitted_at": ts("2026-01-11", "2026-01-11", "2026-01-20", "2026-01-05",
                                            "2026-01-05", "2026-07-02")})
    tx = pd.DataFrame({"customer_id": ["a", "b", "b", "b"],
                       "occurred_at": ts("2026-01-15", "2026-01-05", "2026-01-21", "2026-02-10")})
    inter = pd.DataFrame({"customer_id": ["a", "a", "a", "a"],
                          "occurred_at": ts("2026-01-02", "2026-01-05", "2026-01-10", "2026-01-12"),
                          "resolved": [False, True, True, False], "complaint": [True, True, False, True],
                          "wait_s": [30, 90, 60, 600]})
    return resp, cust, tx, inter


def test_link_by_hand(tiny):
    resp, cust, tx, inter = tiny
    res = link_responses(resp, cust, transactions=tx, interactions=inter, horizon="30D",
                         as_of="2026-04-01", window="20D")
    lk = res.linked.set_index("response_id")
    assert list(lk.index) == ["r1", "r2"]
    assert dict(zip(res.unmatched["response_id"], res.unmatched["reason"], strict=True)) == {
        "r3": "after_churn", "r4": "missing_key", "r5": "key_not_found", "r6": "after_as_of"}
    a, b = lk.loc["r1"], lk.loc["r2"]
    # a: contract cancelled 40 days after the response; bought 4 days after it
    assert (a["churned"], a["days_to_churn"], a["days_to_lapse"]) == (True, 40.0, 40.0)
    assert a["repurchased"] and a["purchases_in_horizon"] == 1 and a["days_to_next_purchase"] == 4.0
    assert a["tenure_days"] == 10.0
    # history strictly before 2026-01-11: three contacts, one unresolved complaint, one recovered
    assert (a["contacts_before"], a["unresolved_before"], a["complaints_before"],
            a["recovered_before"], a["unresolved_complaints_before"]) == (3, 1, 2, 1, 1)
    assert a["last_wait_s"] == 60 and a["mean_wait_s_before"] == 60.0
    assert a["sd_wait_s_before"] == pytest.approx(30.0)
    assert a["days_since_contact"] == 1.0
    # b: prepaid; last purchase 2026-02-10, silent 50 days > 20 by as_of -> lapsed
    assert b["churn_rule"] == "inactivity" and b["churned"]
    assert b["days_to_churn"] == pytest.approx(30 + 20) and b["days_to_lapse"] == 30.0
    assert b["purchases_in_horizon"] == 2 and b["contacts_before"] == 0
    assert np.isnan(b["last_wait_s"])
    s = res.summary().set_index("item")["n"]
    assert s["responses"] == 6 and s["linked"] + s["unmatched"] == 6
    assert "Responses linked" in res._repr_html_()


def test_repurchase_is_na_when_horizon_not_observed(tiny):
    resp, cust, tx, _ = tiny
    res = link_responses(resp, cust, transactions=tx, horizon="100D", as_of="2026-04-01", window="20D")
    lk = res.linked
    assert not lk["horizon_observed"].any()
    assert lk["repurchased"].isna().all() and lk["purchases_in_horizon"].isna().all()
    assert lk["days_to_next_purchase"].notna().all()  # the time is known even so


def test_inputs_not_mutated_and_errors(tiny):
    resp, cust, tx, inter = tiny
    before = [f.copy() for f in tiny]
    link_responses(resp, cust, transactions=tx, interactions=inter, as_of="2026-04-01", window=20)
    for a, b in zip(before, tiny, strict=True):
        pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ColumnError, match="unique"):
        link_responses(resp, pd.concat([cust, cust]), as_of="2026-04-01")
    with pytest.raises(ParameterError, match="horizon"):
        link_responses(resp, cust, horizon="soon", as_of="2026-04-01")
    with pytest.raises(ColumnError):
        link_responses(resp.drop(columns="submitted_at"), cust, as_of="2026-04-01")
    with pytest.warns(Warning, match="no transactions"):
        link_responses(resp, cust, as_of="2026-04-01")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shift=st.integers(1, 200), k=st.integers(0, 3))
def test_nothing_after_the_response_leaks_into_predictors(tiny, shift, k):
    """Changing or adding records after each response never changes the history columns."""
    resp, cust, tx, inter = tiny
    base = link_responses(resp, cust, transactions=tx, interactions=inter, as_of="2026-06-30",
                          window=20).linked
    extra = pd.DataFrame({"customer_id": ["a"] * (k + 1),
                          "occurred_at": pd.Timestamp("2026-01-11", tz="UTC")
                          + pd.to_timedelta(np.arange(k + 1) + shift / 24, unit="D"),
                          "resolved": False, "complaint": True, "wait_s": 5000})
    later = pd.concat([inter, extra], ignore_index=True)
    new = link_responses(resp, cust, transactions=tx, interactions=later, as_of="2026-06-30",
                         window=20).linked
    cols = [c for c in base.columns if c.endswith("_before") or c in ("last_wait_s", "days_since_contact",
                                                                      "tenure_days")]
    pd.testing.assert_frame_equal(base[cols], new[cols])


def test_sample_reconciles_and_is_fast(linked, sample):
    s = linked.summary().set_index("item")["n"]
    assert s["responses"] == len(sample["responses"])
    assert s["linked"] + s["unmatched"] == len(sample["responses"])
    assert s["unmatched: missing_key"] == sample["responses"]["customer_id"].isna().sum()
    lk = linked.linked
    assert (lk["days_to_churn"] >= 0).all() and (lk["tenure_days"] >= 0).all()
    assert lk.loc[lk["plan"].eq("contract"), "churned"].sum() == lk.loc[lk["plan"].eq("contract"),
                                                                        "cancelled_at"].notna().sum()
    # the lapse window is churn_labels_noncontractual's default on the prepaid customers' purchases
    prepaid = sample["customers"].loc[sample["customers"]["plan"].eq("prepaid"), "customer_id"]
    tx = sample["transactions"][sample["transactions"]["customer_id"].isin(prepaid)]
    want = cx.churn_labels_noncontractual(tx, as_of=AS_OF)["window"].iloc[0]
    assert linked.inactivity_days == want


def test_history_counts_match_a_plain_pandas_join(linked, sample):
    """Independent check: count unresolved contacts before each response with a merge."""
    lk = linked.linked
    m = lk[["response_id", "customer_id", "submitted_at"]].merge(sample["interactions"], on="customer_id")
    m = m[m["occurred_at"] < m["submitted_at"]]
    want = (~m["resolved"].astype(bool)).groupby(m["response_id"]).sum()
    got = lk.set_index("response_id")["unresolved_before"].astype(int)
    np.testing.assert_array_equal(got.reindex(want.index), want)
    assert got.drop(want.index).eq(0).all()


def test_detractor_hazard_ratio_contains_planted_value(linked):
    """Cox on linked contract customers: planted HR 1.9 (TRUTH.json) inside the 95 % interval."""
    lk = linked.linked.assign(nps_group=lambda d: nps_group(d["nps"]))
    ct = lk[lk["plan"].eq("contract")]
    fit = cx.cox(ct, duration="days_to_churn", event="churned", covariates=["nps_group", "segment", "channel"],
                 reference={"nps_group": "promoter"}).set_index("term")
    det = fit.loc["nps_group[detractor]"]
    assert det["ci_lower"] < W.HR_ATTITUDE["detractor"] < det["ci_upper"]
    pas = fit.loc["nps_group[passive]"]
    assert pas["ci_lower"] < W.HR_ATTITUDE["passive"] < pas["ci_upper"]
    km = cx.kaplan_meier(lk, duration="days_to_churn", event="churned", by="nps_group")
    assert set(km.medians["nps_group"]) == {"detractor", "passive", "promoter"}


def test_landmarks_by_hand():
    cust = pd.DataFrame({"customer_id": ["a", "b"], "acquired_at": ts("2026-01-01", "2026-01-01"),
                         "plan": ["contract", "contract"], "cancelled_at": ts("2026-03-01", None)})
    inter = pd.DataFrame({"customer_id": ["b", "a", "a", "a", "b"],
                          "occurred_at": ts("2026-01-03", "2026-01-05", "2026-01-20", "2026-02-01", "2026-01-02"),
                          "resolved": [False, True, False, False, False],
                          "complaint": [False, False, True, False, False]})
    lm = encounter_landmarks(cust, inter, as_of="2026-06-30", max_count=1).linked
    assert lm[["customer_id", "encounter"]].values.tolist() == [["a", 0], ["a", 1], ["b", 1]]
    with pytest.raises(ParameterError):
        encounter_landmarks(cust, inter, as_of="2026-06-30", negative="rude")


# ----------------------------------------------------------------------------- outcomes
def test_nps_group_and_bands():
    g = nps_group(pd.Series([0, 6, 7, 8, 9, 10, None], dtype="Int64"))
    assert g.tolist()[:6] == ["detractor"] * 2 + ["passive"] * 2 + ["promoter"] * 2
    assert g.isna().iloc[-1] and g.cat.ordered
    with pytest.raises(ColumnError):
        nps_group([11])
    b = quantile_band(pd.Series(np.arange(9.0)))
    assert b.value_counts().tolist() == [3, 3, 3]
    with pytest.raises(ParameterError):
        quantile_band(pd.Series([1.0, 1, 1]))


def test_wilson_matches_statsmodels():
    """Reference: statsmodels proportion_confint(method='wilson')."""
    df = pd.DataFrame({"g": ["a"] * 37 + ["b"] * 12, "y": [True] * 30 + [False] * 7 + [True] * 2 + [False] * 10})
    out = outcome_by_group(df, "y", by="g", alpha=0.1)
    for _, row in out.iterrows():
        lo, hi = proportion_confint(row["events"], row["n"], alpha=0.1, method="wilson")
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi), abs=1e-12)


def test_rate_interval_is_exact_poisson():
    """Garwood limits: chi2 quantiles (scipy) over twice the exposure."""
    df = pd.DataFrame({"g": ["a"] * 5, "e": [1, 1, 0, 1, 0], "t": [100.0, 50, 200, 75, 300]})
    out = outcome_by_group(df, "e", by="g", duration="t", per=365)
    assert out["exposure"].item() == 725 and out["events"].item() == 3
    assert out["estimate"].item() == pytest.approx(365 * 3 / 725)
    assert out["ci_lower"].item() == pytest.approx(365 * stats.chi2.ppf(0.025, 6) / 1450)
    assert out["ci_upper"].item() == pytest.approx(365 * stats.chi2.ppf(0.975, 8) / 1450)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from([0.0, 1.0, np.nan])), min_size=1, max_size=60))
def test_outcome_table_reconciles_counts(rows):
    df = pd.DataFrame(rows, columns=["g", "y"])
    out = outcome_by_group(df, "y", by="g")
    assert out["n"].sum() + out["n_missing"].sum() == len(df)
    assert out["events"].sum() == np.nansum(df["y"])
    ok = out["n"] > 0
    assert (out.loc[ok, "ci_lower"] <= out.loc[ok, "estimate"] + 1e-12).all()
    assert (out.loc[ok, "estimate"] <= out.loc[ok, "ci_upper"] + 1e-12).all()
