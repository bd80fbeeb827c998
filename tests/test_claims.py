"""The literature's claims: verdicts on the sample agree with TRUTH.json; real data reported plainly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import DataQualityWarning
from cxanalytics.link.claims import (
    ClaimResult,
    claim_consistency,
    claim_negative_encounters,
    claim_recovery_paradox,
    claim_satisfaction_retention,
    claim_service_standards,
    claim_silent_customers,
)
from cxanalytics.link.linking import encounter_landmarks, link_responses

AS_OF = "2026-07-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def truth():
    data = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))
    return {c["claim"]: c["planted"] for c in data["claims"]}


@pytest.fixture(scope="module")
def sample():
    return {n: load_sample(n) for n in ("responses", "customers", "transactions", "interactions")}


@pytest.fixture(scope="module")
def linked(sample):
    return link_responses(sample["responses"], sample["customers"], transactions=sample["transactions"],
                          interactions=sample["interactions"], as_of=AS_OF)


def verdict(result: ClaimResult) -> dict[str, str]:
    assert list(result.verdict.columns) == ["claim", "measure", "estimate", "ci_lower", "ci_upper", "n",
                                            "alpha", "supported", "note"]
    return dict(zip(result.verdict["claim"], result.verdict["supported"], strict=True))


def test_folklore_fifty_eighty_percent_rejected(sample, truth):
    lm = encounter_landmarks(sample["customers"], sample["interactions"], transactions=sample["transactions"],
                             as_of=AS_OF)
    out = claim_negative_encounters(lm)
    v = verdict(out)
    planted = truth["About 50 % of customers switch after one bad experience, 80 % after three"]
    assert v["50% leave within 90 days after 1 negative encounter(s)"] == ("yes" if planted else "no")
    assert v["80% leave within 90 days after 3 negative encounter(s)"] == ("yes" if planted else "no")
    assert v["Each negative encounter raises the churn hazard"] == "yes"  # planted HR 1.3 per encounter
    ev = out.evidence
    assert ev["encounters"].tolist() == ["0", "1", "2", "3+"]
    assert (ev["estimate"] < 0.35).all()
    assert "far below" in out.verdict["note"].iloc[0]


def test_recovery_paradox_on_satisfaction_not_retention(linked, truth):
    out = claim_recovery_paradox(linked)
    v = verdict(out)
    assert v["Recovery paradox on satisfaction (recovered > never failed)"] == (
        "yes" if truth["Service recovery paradox on satisfaction"] else "no")
    assert v["Recovery paradox on retention (recovered churn less)"] == (
        "yes" if truth["Service recovery paradox on retention"] else "no")
    assert v["Recovery paradox on repurchase (recovered buy again more)"] == "no"
    assert v["Recovery beats an unresolved failure (satisfaction)"] == "yes"
    row = out.verdict.set_index("claim").loc["Recovery paradox on retention (recovered churn less)"]
    assert row["ci_lower"] < 1.0 < row["ci_upper"]  # planted hazard ratio 1.0
    assert out.evidence["n"].sum() <= len(linked.linked)


def test_silent_customers_leave_unnoticed(linked, truth):
    out = claim_silent_customers(linked)
    v = verdict(out)
    assert v["Silent unhappy customers leave unnoticed (rows 1 and 2)"] == (
        "yes" if truth["Silent unhappy customers leave unnoticed"] else "no")
    assert out.evidence["n"].sum() == len(linked.linked)


def test_service_standards(linked, sample, truth):
    out = claim_service_standards(linked, sample["interactions"], threshold={"phone": 60, "chat": 30,
                                                                             "default": 120})
    v = verdict(out)
    assert truth["Long waits hurt satisfaction and retention"]
    assert v["Long waits lower satisfaction ('ces', met minus missed)"] == "yes"
    assert v["Long waits lower first-contact resolution (met minus missed)"] == "yes"
    # planted: no direct effect of waits on churn (only through unresolved contacts)
    row = out.verdict.set_index("claim").loc["Long waits raise churn (missed vs met)"]
    assert row["ci_lower"] < 1.0 < row["ci_upper"]
    assert out.verdict["supported"].iloc[0] == "n/a"
    ev = claim_service_standards(linked, sample["interactions"]).evidence
    assert ev["contacts"].sum() == len(sample["interactions"])
    assert ev["mean_satisfaction"].iloc[0] > ev["mean_satisfaction"].iloc[-1]  # dose-response falls
    assert ev["resolved_share"].is_monotonic_decreasing


def test_wait_consistency_claim_matches_what_was_planted(linked, truth):
    out = claim_consistency(linked)
    v = verdict(out)
    assert list(v.values()) == ["yes" if truth["Inconsistent waits drive churn beyond the average wait"] else "no"]
    assert out.evidence["n"].sum() == linked.linked["sd_wait_s_before"].notna().sum()


def test_detractors_leave_faster(linked, truth):
    out = claim_satisfaction_retention(linked, satisfaction="nps", churned="churned",
                                       duration="days_to_churn", strata="plan")
    assert verdict(out) == {"Churn falls as 'nps' rises": "yes" if truth["Detractors leave faster than promoters"] else "no"}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_verdict_follows_interval(seed):
    """'yes' exactly when the interval lies below 1 (churn falls); 'WRONG WAY' when above."""
    rng = np.random.default_rng(seed)
    s = rng.integers(1, 6, 300)
    beta = rng.choice([-0.8, 0.0, 0.8])
    y = (rng.random(300) < 1 / (1 + np.exp(-(-1 + beta * (s - 3))))).astype(int)
    out = claim_satisfaction_retention(pd.DataFrame({"s": s, "y": y}), satisfaction="s", churned="y")
    row = out.verdict.iloc[0]
    assert (row["supported"] == "yes") == (row["ci_upper"] < 1)
    assert row["note"].startswith("WRONG WAY") == (row["ci_lower"] > 1)
    assert out.evidence["n"].sum() == 300


def _ecommerce(realdata):
    return pd.read_excel(realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx", sheet_name="E Comm")


def test_ecommerce_satisfaction_link_reported_as_wrong_way(realdata):
    e = _ecommerce(realdata)
    out = claim_satisfaction_retention(e, satisfaction="SatisfactionScore", churned="Churn")
    row = out.verdict.iloc[0]
    assert row["supported"] == "no" and row["note"].startswith("WRONG WAY")
    assert row["ci_lower"] > 1
    ev = out.evidence.set_index("SatisfactionScore")
    assert ev.loc[1.0, "estimate"] == pytest.approx(0.115, abs=5e-4)  # README: 11.5 % at 1
    assert ev.loc[5.0, "estimate"] == pytest.approx(0.238, abs=5e-4)  # 23.8 % at 5
    assert ev["n"].sum() == 5630


def test_ecommerce_complainers_churn_more(realdata):
    e = _ecommerce(realdata)
    out = claim_silent_customers(e, score="SatisfactionScore", low=2, complaint="Complain", churned="Churn",
                                 duration=None, strata=None)
    v = out.verdict.set_index("claim")
    row = v.loc["Silent unhappy customers churn more than unhappy complainers"]
    assert row["supported"] == "no" and row["note"].startswith("WRONG WAY")
    assert v.loc["Silent unhappy customers leave unnoticed (rows 1 and 2)", "supported"] == "no"


def test_ibm_telco_churn_falls_with_satisfaction(realdata):
    folder = realdata / "ibm_telco_extended"
    path = next(p for p in folder.glob("*.xlsx") if "status" in p.name.lower())
    status = pd.read_excel(path)
    out = claim_satisfaction_retention(status, satisfaction="Satisfaction Score", churned="Churn Value")
    assert out.verdict["supported"].item() == "yes"
    assert out.evidence["estimate"].is_monotonic_decreasing


def test_service_standard_labels_read_as_sentences(linked, sample):
    per_channel = claim_service_standards(linked, sample["interactions"], threshold={"phone": 60, "default": 120})
    assert "(phone <= 60 s, other <= 120 s)" in per_channel.verdict["claim"].iloc[0]
    single = claim_service_standards(linked, sample["interactions"], threshold=90)
    assert "(wait <= 90 s)" in single.verdict["claim"].iloc[0]


def test_service_standards_announce_and_count_responses_that_are_not_recent(linked, sample):
    since = linked.linked["days_since_contact"]
    late = int((since > 2).sum())
    assert late > 0
    with pytest.warns(DataQualityWarning, match=rf"dropped {late:,} of {len(since):,} rows .* given more than "
                                                r"recent='2D' after the contact") as caught:
        out = claim_service_standards(linked, sample["interactions"])
    assert sum("recent=" in str(w.message) for w in caught) == 1
    assert out.verdict.attrs["n_not_recent"] == out.evidence.attrs["n_not_recent"] == late
    every = claim_service_standards(linked, sample["interactions"], recent=None)
    assert every.verdict.attrs["n_not_recent"] == 0
