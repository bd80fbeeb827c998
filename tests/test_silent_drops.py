"""No silent drops: every public function that leaves input rows out says so.

The sweep classifies every name in ``cxanalytics.__all__``:

- ``WARNS``: leaves rows out with one :class:`DataQualityWarning` per reason, built by
  :func:`cxanalytics._core.validate.warn_dropped` ("<function>: dropped <n> of <total> <rows>
  (<share>) <reason>").  Each case injects missing values into sample data and checks
  the count; where the announced rows can be removed beforehand, it also checks that
  doing so gives the same result (announcing must not change results).
- ``IN_RESULT``: rows left out are counted in the result itself (``n_missing``,
  ``quarantine``), checked here.
- ``RAISES``: missing values in the row data raise a :class:`CxError`, so nothing is dropped.
- ``KEEPS``: one output value per input row; missing stays missing.
- ``EXEMPT``: takes no row data (scalars, matrices, fitted models, callables, files) or
  is a class; the reason is given.

A public name in none of them fails :func:`test_every_public_name_is_classified`, so a
new function must be classified (and, if it drops rows, announce them) before it ships.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics._core.validate import warn_dropped
from cxanalytics.datasets import load_sample
from cxanalytics.errors import CxError, DataQualityWarning

AS_OF = "2026-07-01"
PILLARS = ["pillar_personalisation", "pillar_integrity", "pillar_expectations", "pillar_resolution",
           "pillar_time_effort", "pillar_empathy"]


# --------------------------------------------------------------------------- sample data
def _holes(s: pd.Series, every: int, offset: int = 0) -> pd.Series:
    """``s`` with every ``every``-th value (from ``offset``) missing."""
    return s.where((np.arange(len(s)) - offset) % every != 0)


@pytest.fixture(scope="module")
def data() -> SimpleNamespace:
    responses, customers = load_sample("responses"), load_sample("customers")
    transactions, interactions = load_sample("transactions"), load_sample("interactions")
    end = pd.Timestamp(AS_OF, tz="UTC")
    stop = customers["cancelled_at"].fillna(end)
    survival = customers.assign(days=(stop - customers["acquired_at"]).dt.total_seconds() / 86400,
                                churned=customers["cancelled_at"].notna())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linked = cx.link_responses(responses, customers, transactions=transactions,
                                   interactions=interactions, as_of=AS_OF).linked
        landmarks = cx.encounter_landmarks(customers, interactions, transactions=transactions,
                                           as_of=AS_OF).linked
        summary = cx.customer_summary(transactions, as_of=AS_OF, unit="W")
    summary = summary.merge(customers[["customer_id", "segment"]], on="customer_id", how="left")
    return SimpleNamespace(responses=responses, customers=customers, transactions=transactions,
                           interactions=interactions, survival=survival, linked=linked,
                           landmarks=landmarks, summary=summary)


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    call: Callable[[], object]
    n: int  # rows the warning must announce
    total: int  # rows received
    what: str = "rows"
    function: str | None = None  # the public function named in the message, if not the swept one
    names: str = ""  # a column the message must name
    clean: Callable[[], object] | None = None  # the same call with the announced rows removed first
    view: Callable[[object], pd.DataFrame] = lambda out: out  # the frame compared with ``clean``


def _nan_count(frame: pd.DataFrame, columns) -> int:
    return int(frame[columns].isna().any(axis=1).sum()) if isinstance(columns, list) else int(frame[columns].isna().sum())


def _outcome_by_group(d):
    df = d.survival.assign(segment=_holes(d.survival["segment"], 17))
    return Case(lambda: cx.outcome_by_group(df, "churned", by="segment"), _nan_count(df, "segment"), len(df),
                names="'segment' (group)",
                clean=lambda: cx.outcome_by_group(df.dropna(subset=["segment"]), "churned", by="segment"))


def _headline_scores(d):
    """Unanswered items are counted in ``n_missing``; a missing group is a level of its own (as in nps)."""
    df = d.responses.assign(channel=_holes(d.responses["channel"], 13), nps=_holes(d.responses["nps"], 7, 3))
    scores = pd.DataFrame({"metric": ["nps", "csat"], "item": ["nps", "csat"], "scale_min": [0, 1],
                           "scale_max": [10, 5]})
    out = cx.headline_scores(df, scores, by="channel")
    assert out["level"].isna().sum() == 2
    totals = out.groupby("metric")[["n", "n_missing"]].sum().sum(axis=1)
    assert totals.to_dict() == {"nps": len(df), "csat": len(df)}
    assert out.loc[out["metric"] == "nps", "n_missing"].sum() == df["nps"].isna().sum()


def _survival_by(fn, **kw):
    def case(d):
        df = d.survival.assign(segment=_holes(d.survival["segment"], 13))
        views = {cx.kaplan_meier: lambda out: out.curve,  # the test once, as columns beside the groups
                 cx.logrank: lambda out: out.groups.assign(statistic=out.statistic, df=out.df, p_value=out.p_value)}
        view = views.get(fn, lambda out: out)
        return Case(lambda: fn(df, duration="days", event="churned", **kw), _nan_count(df, "segment"), len(df),
                    names="'segment' (group)", view=view,
                    clean=lambda: fn(df.dropna(subset=["segment"]), duration="days", event="churned", **kw))
    return case


def _cox(d):
    df = d.survival.assign(acquisition_cost=_holes(d.survival["acquisition_cost"], 9))
    kw = {"duration": "days", "event": "churned", "covariates": "acquisition_cost", "strata": "plan"}
    return Case(lambda: cx.cox(df, **kw), _nan_count(df, "acquisition_cost"), len(df), names="'acquisition_cost'",
                clean=lambda: cx.cox(df.dropna(subset=["acquisition_cost"]), **kw))


def _compare(fn, column, **kw):
    def case(d):
        df = d.responses.assign(**{column: _holes(d.responses[column], 25)})
        return Case(lambda: fn(df, column, by="channel", **kw), _nan_count(df, column), len(df),
                    names=f"'{column}' (answer)", clean=lambda: fn(df.dropna(subset=[column]), column, by="channel", **kw))
    return case


def _compare_periods(d):
    df = d.responses.assign(submitted_at=_holes(d.responses["submitted_at"], 31))
    return Case(lambda: cx.compare_nps(df, "nps", period="Q", min_n=0), _nan_count(df, "submitted_at"), len(df),
                names="'submitted_at' (timestamp)")


def _by_branch(fn, key):
    def case(d):
        df = d.responses.assign(csat=_holes(d.responses["csat"], 29))
        return Case(lambda: fn(df, "csat", **{key: "branch_id"}), _nan_count(df, "csat"), len(df), names="'csat' (score)",
                    clean=lambda: fn(df.dropna(subset=["csat"]), "csat", **{key: "branch_id"}))
    return case


def _items(fn):
    def case(d):
        items = [c for c in d.responses.columns if c.startswith("e_")]
        df = d.responses[items].assign(e_tangibles_1=_holes(d.responses["e_tangibles_1"], 11),
                                       e_empathy_2=_holes(d.responses["e_empathy_2"], 7, 3))
        return Case(lambda: fn(df, items=items), _nan_count(df, items), len(df), names="'e_tangibles_1'",
                    clean=lambda: fn(df.dropna(), items=items))
    return case


def _servqual_gaps(d):
    df = d.responses.assign(p_reliability_2=_holes(d.responses["p_reliability_2"], 19))
    cols = [c for c in df.columns if c.startswith(("e_", "p_"))]
    return Case(lambda: cx.servqual_gaps(df), _nan_count(df, cols), len(df), names="(expectation or perception)")


def _pillar_scores(d):
    df = d.responses.assign(pillar_empathy=_holes(d.responses["pillar_empathy"], 23))
    return Case(lambda: cx.pillar_scores(df, by="channel"), _nan_count(df, PILLARS), len(df), names="(pillars)")


def _customer_summary(d):
    df = d.transactions.assign(customer_id=_holes(d.transactions["customer_id"], 101))
    return Case(lambda: cx.customer_summary(df, as_of=AS_OF), _nan_count(df, "customer_id"), len(df),
                what="transactions", names="(customer id or time)",
                clean=lambda: cx.customer_summary(df.dropna(subset=["customer_id"]), as_of=AS_OF))


def _cohort_retention(d):
    df = d.transactions.assign(occurred_at=_holes(d.transactions["occurred_at"], 97))
    return Case(lambda: cx.cohort_retention(df), _nan_count(df, "occurred_at"), len(df), what="transactions",
                names="'occurred_at'", clean=lambda: cx.cohort_retention(df.dropna(subset=["occurred_at"])))


def _churn_noncontractual(d):
    df = d.transactions.assign(customer_id=_holes(d.transactions["customer_id"], 89))
    return Case(lambda: cx.churn_labels_noncontractual(df, as_of=AS_OF, window="90D"), _nan_count(df, "customer_id"),
                len(df), what="transactions", function="customer_summary",
                clean=lambda: cx.churn_labels_noncontractual(df.dropna(subset=["customer_id"]), as_of=AS_OF,
                                                             window="90D"))


def _churn_contractual(d):
    as_of = pd.Timestamp("2026-01-01", tz="UTC")
    late = int((d.customers["acquired_at"] > as_of).sum())
    kw = {"start": "acquired_at", "end": "cancelled_at", "as_of": as_of}
    return Case(lambda: cx.churn_labels_contractual(d.customers, **kw), late, len(d.customers), what="contracts",
                names="after as_of",
                clean=lambda: cx.churn_labels_contractual(d.customers[d.customers["acquired_at"] <= as_of], **kw))


def _cohort_survivors(d):
    df = d.customers.assign(segment=_holes(d.customers["segment"], 41))
    return Case(lambda: cx.cohort_survivors(df, as_of=AS_OF, by="segment"), _nan_count(df, "segment"), len(df),
                what="contracts", names="'segment'",
                clean=lambda: cx.cohort_survivors(df.dropna(subset=["segment"]), as_of=AS_OF, by="segment"))


def _fit_gamma_gamma(d):
    df = d.summary.assign(monetary_value=_holes(d.summary["monetary_value"], 7))
    n = int(((df["frequency"] > 0) & ~(df["monetary_value"] > 0)).sum())
    return Case(lambda: cx.fit_gamma_gamma(df), n, len(df), what="customers", names="'monetary_value' (spend)",
                clean=lambda: cx.fit_gamma_gamma(df[(df["frequency"] == 0) | (df["monetary_value"] > 0)]),
                view=lambda fit: fit.params)


def _drivers(fn, function=None):
    def case(d):
        df = d.responses.assign(pillar_resolution=_holes(d.responses["pillar_resolution"], 15))
        cols = ["nps", *PILLARS[:4]]
        # the weights use the complete rows; importance_performance's ``performance`` is
        # each driver's mean over all its answers (documented), so only the weights compare
        return Case(lambda: fn(df, "nps", PILLARS[:4], n_resamples=0), _nan_count(df, cols), len(df), function=function,
                    names="(outcome or drivers)", clean=lambda: fn(df.dropna(subset=cols), "nps", PILLARS[:4], n_resamples=0),
                    view=lambda out: out[["driver", "weight", "share", "rank", "r_squared"]])
    return case


def _repurchase_model(d):
    df = d.survival.assign(acquisition_cost=_holes(d.survival["acquisition_cost"], 6))
    return Case(lambda: cx.repurchase_model(df, "churned", ["acquisition_cost", "segment"]), _nan_count(df, "acquisition_cost"),
                len(df), names="(outcome or predictors)",
                clean=lambda: cx.repurchase_model(df.dropna(subset=["acquisition_cost"]), "churned",
                                                  ["acquisition_cost", "segment"]),
                view=lambda fit: fit.odds_ratios)


def _clv_by_segment(d):
    df = d.customers.assign(segment=_holes(d.customers["segment"], 33))
    return Case(lambda: cx.clv_by_segment(df, d.transactions, as_of=AS_OF, window="90D"), _nan_count(df, "segment"),
                len(df), what="customers", names="'segment' (segment)",
                clean=lambda: cx.clv_by_segment(df.dropna(subset=["segment"]), d.transactions, as_of=AS_OF, window="90D"))


def _retention_vs_acquisition(d):
    df = d.customers.assign(segment=_holes(d.customers["segment"], 37))
    return Case(lambda: cx.retention_vs_acquisition(df, d.interactions, margin=100.0, retention=0.8, as_of=AS_OF),
                _nan_count(df, "segment"), len(df), what="customers", names="'segment' (segment)",
                clean=lambda: cx.retention_vs_acquisition(df.dropna(subset=["segment"]), d.interactions, margin=100.0,
                                                          retention=0.8, as_of=AS_OF))


def _clv_from_bgnbd(d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg, gg = cx.fit_bgnbd(d.summary), cx.fit_gamma_gamma(d.summary)
    df = d.summary.assign(segment=_holes(d.summary["segment"], 21))
    return Case(lambda: cx.clv_from_bgnbd(bg, gg, df, horizon=52), _nan_count(df, "segment"), len(df), what="customers",
                names="'segment'", clean=lambda: cx.clv_from_bgnbd(bg, gg, df.dropna(subset=["segment"]), horizon=52))


def _link_responses(d):
    tx = d.transactions.assign(customer_id=d.transactions["customer_id"].where(
        np.arange(len(d.transactions)) % 53 != 0, "nobody"))
    n = int((tx["customer_id"] == "nobody").sum())
    return Case(lambda: cx.link_responses(d.responses, d.customers, transactions=tx, as_of=AS_OF), n, len(tx),
                what="transactions", names="not in customers",
                clean=lambda: cx.link_responses(d.responses, d.customers, transactions=tx[tx["customer_id"] != "nobody"],
                                                as_of=AS_OF),
                view=lambda res: res.linked)


def _encounter_landmarks(d):
    tx = d.transactions.assign(occurred_at=_holes(d.transactions["occurred_at"], 61))
    return Case(lambda: cx.encounter_landmarks(d.customers, d.interactions, transactions=tx, as_of=AS_OF),
                _nan_count(tx, "occurred_at"), len(tx), what="transactions", function="link_responses",
                names="'occurred_at'")


def _claim(fn, column, every, also=(), **kw):
    """A claim on the linked responses with ``column`` holed; the announced rows miss any of ``[column, *also]``."""
    def case(d):
        df = d.linked.assign(**{column: _holes(d.linked[column].astype("Float64"), every)})
        return Case(lambda: fn(df, **kw), _nan_count(df, [column, *also]), len(df), names=repr(column))
    return case


def _claim_negative_encounters(d):
    df = d.landmarks.assign(encounter=_holes(d.landmarks["encounter"].astype("Float64"), 9))
    return Case(lambda: cx.claim_negative_encounters(df, inactivity_days=90.0), _nan_count(df, "encounter"), len(df),
                names="'encounter' (count)")


def _snapshot(d, column, every):
    """The sample as a churn snapshot (tenure in days), every ``every``-th ``column`` value missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snap = cx.snapshot_from_logs(d.customers, d.transactions, interactions=d.interactions, lapse={"plan": "prepaid"},
                                     as_of=AS_OF)
    return snap.assign(**{column: _holes(snap[column], every)})


def _snapshot_case(fn, column, every, view=lambda out: out, **kw):
    def case(d):
        df = _snapshot(d, column, every)
        return Case(lambda: fn(df, **kw), _nan_count(df, column), len(df), what="customers", names=f"'{column}'",
                    clean=lambda: fn(df.dropna(subset=[column]), **kw), view=view)
    return case


def _snapshot_from_logs(d):
    as_of = "2026-03-01"  # some customers were acquired later
    n = int((d.customers["acquired_at"] > pd.Timestamp(as_of, tz="UTC")).sum())
    return Case(lambda: cx.snapshot_from_logs(d.customers, d.transactions, as_of=as_of, window="120D"), n,
                len(d.customers), what="customers", names="after as_of")


def _comments_frame(n: int = 240) -> pd.DataFrame:
    """Comments with a score, a churn flag and a duration; every 10th comment missing, every 8th score missing."""
    rng = np.random.default_rng(3)
    bill = np.arange(n) % 3 == 0
    days = np.where(bill, rng.exponential(100, n), rng.exponential(300, n))
    df = pd.DataFrame({"comment": np.where(bill, "wrong bill charge", "nice staff"),
                       "nps": np.where(bill, rng.integers(0, 7, n), rng.integers(7, 11, n)).astype(float),
                       "plan": rng.choice(["a", "b"], n), "churned": days < 365,
                       "days_to_churn": np.minimum(days, 365.0)})
    df["comment"] = df["comment"].where(np.arange(n) % 10 != 0)
    df["nps"] = df["nps"].where(np.arange(n) % 8 != 1)
    return df


def _comment_case(which: str):
    def case(d):
        df = _comments_frame()
        themes = cx.comment_themes(df, "comment", seeds={"billing": ["bill"], "staff": ["staff"]})
        no_comment = int(df["comment"].isna().sum())
        if which == "claim_theme_churn":
            return Case(lambda: cx.claim_theme_churn(df, themes, "billing"), no_comment, len(df),
                        names="without a comment")
        if which == "theme_differences_comment":
            return Case(lambda: cx.theme_differences(themes, df, score="nps"),
                        int((df["comment"].isna() & df["nps"].notna()).sum()), len(df), function="theme_differences",
                        names="without a comment")
        if which == "theme_differences":
            return Case(lambda: cx.theme_differences(themes, df, score="nps"), int(df["nps"].isna().sum()), len(df),
                        names="'nps' (score)")
        return Case(lambda: cx.comment_score_model(df, "comment", score="nps", folds=3), int(df["nps"].isna().sum()),
                    len(df), names="'nps' (score)")
    return case


WARNS: dict[str, Callable[[SimpleNamespace], Case]] = {
    "outcome_by_group": _outcome_by_group,
    "kaplan_meier": _survival_by(cx.kaplan_meier, by="segment"),
    "logrank": _survival_by(cx.logrank, by="segment"),
    "rmst": _survival_by(cx.rmst, by="segment", tau=200),
    "rmst_difference": _survival_by(cx.rmst_difference, by="segment", tau=200),
    "cox": _cox,
    "compare_nps": _compare(cx.compare_nps, "nps"),
    "compare_proportions": _compare(cx.compare_proportions, "csat", scale=(1, 5), top=2),
    "compare_means": _compare(cx.compare_means, "ces"),
    "consistency": _by_branch(cx.consistency, "by"),
    "icc": _by_branch(cx.icc, "group"),
    "funnel_table": _by_branch(cx.funnel_table, "group"),
    "cronbach_alpha": _items(cx.cronbach_alpha),
    "item_statistics": _items(cx.item_statistics),
    "servqual_gaps": _servqual_gaps,
    "pillar_scores": _pillar_scores,
    "customer_summary": _customer_summary,
    "cohort_retention": _cohort_retention,
    "churn_labels_noncontractual": _churn_noncontractual,
    "churn_labels_contractual": _churn_contractual,
    "cohort_survivors": _cohort_survivors,
    "fit_gamma_gamma": _fit_gamma_gamma,
    "relative_weights": _drivers(cx.relative_weights),
    "importance_performance": _drivers(cx.importance_performance, function="relative_weights"),
    "repurchase_model": _repurchase_model,
    "clv_by_segment": _clv_by_segment,
    "retention_vs_acquisition": _retention_vs_acquisition,
    "clv_from_bgnbd": _clv_from_bgnbd,
    "theme_differences": _comment_case("theme_differences"),
    "comment_score_model": _comment_case("comment_score_model"),
    "claim_theme_churn": _comment_case("claim_theme_churn"),
    "link_responses": _link_responses,
    "encounter_landmarks": _encounter_landmarks,
    "claim_negative_encounters": _claim_negative_encounters,
    "claim_recovery_paradox": _claim(cx.claim_recovery_paradox, "recovered_before", 12,
                                     also=["unresolved_before", "contacts_before"]),
    "claim_silent_customers": _claim(cx.claim_silent_customers, "nps", 14,
                                     also=["complaints_before", "churned", "days_to_churn"]),
    "claim_service_standards": _claim(cx.claim_service_standards, "last_wait_s", 16, recent=None),
    "claim_consistency": _claim(cx.claim_consistency, "sd_wait_s_before", 10, also=["mean_wait_s_before"]),
    "claim_satisfaction_retention": _claim(cx.claim_satisfaction_retention, "csat", 18, satisfaction="csat",
                                           churned="churned", duration="days_to_churn"),
    "churn_by_segment": _snapshot_case(cx.churn_by_segment, "plan", 19, by="plan"),
    "tenure_life_table": _snapshot_case(cx.tenure_life_table, "tenure", 21, by="plan"),
    "survival_by_segment": _snapshot_case(cx.survival_by_segment, "segment", 23, view=lambda out: out.summary(),
                                          by="segment", tau=20),
    "fit_sbg_snapshot": _snapshot_case(cx.fit_sbg_snapshot, "tenure", 25, view=lambda fit: fit.params),
    "snapshot_clv": _snapshot_case(cx.snapshot_clv, "tenure", 27, margin_rate=0.3, by="plan"),
    "snapshot_retention_vs_acquisition": _snapshot_case(cx.snapshot_retention_vs_acquisition, "tenure", 29,
                                                        acquisition_cost="acquisition_cost", margin_rate=0.3),
    "satisfaction_churn_link": _snapshot_case(cx.satisfaction_churn_link, "complaint", 31,
                                              view=lambda out: out.verdict, satisfaction=None),
    "snapshot_from_logs": _snapshot_from_logs,
}

#: Further announced drops of some functions (another reason, or another mode).
EXTRA_WARNS: dict[str, Callable[[SimpleNamespace], Case]] = {
    "compare_nps (period)": _compare_periods,
    "theme_differences (comment)": _comment_case("theme_differences_comment"),
}


def _metric(fn, column, **kw):
    def check(d):
        df = d.responses.assign(**{column: _holes(d.responses[column], 27)})
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataQualityWarning)  # counted in the result instead
            out = fn(df, column, by="channel", **kw)
        assert out["n_missing"].sum() == df[column].isna().sum() > 0
        assert out["n"].sum() + out["n_missing"].sum() == len(df)
    return check


def _clean_responses(d):
    export = cx.read_export(load_sample("qualtrics_en"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cx.clean_responses(export)
    assert len(result.quarantine) > 0
    assert len(result.data) + len(result.quarantine) == len(export.frame) == result.n_read


IN_RESULT: dict[str, Callable[[SimpleNamespace], None]] = {
    "nps": _metric(cx.nps, "nps"),
    "csat": _metric(cx.csat, "csat"),
    "ces": _metric(cx.ces, "ces"),
    "top_box": _metric(cx.top_box, "csat", scale=(1, 5), top=2),
    "mean_score": _metric(cx.mean_score, "ces"),
    "clean_responses": _clean_responses,
    "headline_scores": _headline_scores,
}


def _summary_with_hole(d):
    return d.summary.assign(frequency=_holes(d.summary["frequency"].astype("float64"), 5))


def _fitted(d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.fit_bgnbd(d.summary)


RAISES: dict[str, Callable[[SimpleNamespace], Callable[[], object]]] = {
    "fit_bgnbd": lambda d: lambda: cx.fit_bgnbd(_summary_with_hole(d)),
    "bgnbd_frequency_table": lambda d: lambda: cx.bgnbd_frequency_table(_fitted(d), _summary_with_hole(d)),
    "bgnbd_holdout_table": lambda d: lambda: cx.bgnbd_holdout_table(
        _fitted(d), _summary_with_hole(d).assign(frequency_holdout=0, duration_holdout=10.0)),
    "rake": lambda d: lambda: cx.rake(d.responses.assign(channel=_holes(d.responses["channel"], 9)),
                                      {"channel": d.responses["channel"].value_counts(normalize=True).to_dict()}),
    "value_of_improvement": lambda d: lambda: cx.value_of_improvement(
        pd.DataFrame({"effect": [np.nan], "ci_lower": [0.8], "ci_upper": [1.2]}),
        {"customers": 100, "retention": 0.8, "margin": 10.0, "discount": 0.1}),
}


def _keeps_series(fn, values, **kw):
    def check(d):
        s = pd.Series(values)
        out = fn(s, **kw)
        out = getattr(out, "scores", getattr(out, "values", out)) if not isinstance(out, pd.Series) else out
        out = pd.Series(np.asarray(out, dtype=object))
        assert len(out) == len(s)
        assert out.isna().tolist() == s.isna().tolist()
    return check


def _keeps_clv(d):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg, gg = cx.fit_bgnbd(d.summary), cx.fit_gamma_gamma(d.summary)
    df = d.summary.assign(monetary_value=_holes(d.summary["monetary_value"], 3))
    assert len(cx.customer_lifetime_value(bg, gg, df, horizon=52)) == len(df)


def _keeps_mapping(d):
    c = d.customers
    raw = pd.DataFrame({"Customer": c["customer_id"], "Months": _holes(pd.Series(np.arange(len(c)) % 40.0), 5),
                        "Left": c["cancelled_at"].notna().map({True: "Yes", False: "No"}).where(
                            np.arange(len(c)) % 7 != 0)})  # fmt: skip
    m = {"snapshot": {"columns": {"Customer": "customer_id", "Months": "tenure", "Left": "churned"},
                      "values": {"churned": {"Yes": True, "No": False}}, "units": {"tenure": "months"}}}
    out = cx.map_columns(raw, m).data
    assert out.index.equals(raw.index) and out["tenure"].isna().sum() == raw["Months"].isna().sum()
    assert out["churned"].isna().sum() == raw["Left"].isna().sum()


def _keeps_composite(d):
    df = d.responses.assign(pillar_empathy=_holes(d.responses["pillar_empathy"], 4))
    out = cx.pillar_composite(df)
    assert out.index.equals(df.index) and out.isna().sum() == df["pillar_empathy"].isna().sum()


def _keeps_comments(d):
    df = _comments_frame()
    prepared = cx.prepare_comments(df["comment"])
    assert prepared.index.equals(df.index) and prepared["text"].isna().tolist() == df["comment"].isna().tolist()
    themes = cx.comment_themes(df, "comment", seeds={"billing": ["bill"]})
    assert themes.assignments.index.equals(df.index)
    assert themes.assignments["text"].isna().tolist() == df["comment"].isna().tolist()


KEEPS: dict[str, Callable[[SimpleNamespace], None]] = {
    "nps_group": _keeps_series(cx.nps_group, [9.0, None, 3.0, 7.0]),
    "quantile_band": _keeps_series(cx.quantile_band, [1.0, None, 3.0, 4.0, 5.0, 6.0, 2.0]),
    "parse_number": _keeps_series(cx.parse_number, ["1,5", None, "3"]),
    "normalize_digits": _keeps_series(cx.normalize_digits, ["۱۲", None, "7"]),
    "normalize_text": _keeps_series(cx.normalize_text, ["A ", None, "b"]),
    "recode_labels": _keeps_series(cx.recode_labels, ["Very satisfied", None, "Dissatisfied"], scale="satisfaction5"),
    "parse_dates": _keeps_series(cx.parse_dates, ["2026-01-01", None, "2026-02-03"]),
    "pillar_composite": _keeps_composite,
    "customer_lifetime_value": _keeps_clv,
    "map_columns": _keeps_mapping,
    "prepare_comments": _keeps_comments,
    "comment_themes": _keeps_comments,
}

_CLASS = "a class (result, fitted model, record or error type), not a function of row data"
_SCALARS = "takes scalars, arrays or estimates, not rows of data"
EXEMPT: dict[str, str] = {
    "__version__": "a string",
    **{name: _CLASS for name in (
        "ParsedDates", "ClaimResult", "CleanResult", "BGNBDFit", "GammaGammaFit", "SBGFit", "Codebook",
        "LogitResult", "SurveyExport", "Baseline", "EffectEstimate", "ImprovementValue", "LinkResult",
        "RakeResult", "RecodeResult", "SurvivalResult", "LogrankResult", "ChunkedCleanResult", "ConvergenceWarning",
        "CxError", "DataQualityWarning", "SmallSampleWarning", "CovariateError", "SeparationWarning", "Estimate",
        "Mapping", "MappingResult", "MappingError", "MissingColumnsError", "SnapshotSurvival", "ThemeResult",
        "ScoreModelResult", "CleanedSurveys", "Finding")},
    "finding": "states one estimate (scalars) in a notebook, takes no rows",
    "read_findings": "reads the finding records of executed notebooks; every record is kept (a repeated key is "
                     "one finding, the later kept, as documented)",
    "comment_vectorizer": "returns an unfitted vectoriser, takes no rows",
    "textiq_coding": "reshapes an export's Text iQ columns: one row per response and topic, a response without "
                     "a topic kept with topic NA",
    "compare_textiq": "compares two codings (a ThemeResult and textiq_coding output), not rows of data",
    **{name: _SCALARS for name in (
        "clv", "clv_from_sbg", "profit_from_retention_gain", "funnel_limits", "bgnbd_pmf",
        "detractors_to_passives", "fewer_negative_encounters")},
    "fit_sbg": "takes survivor counts per period (aggregates); a missing count raises",
    "fit_sbg_censored": "takes a life table of counts per period (aggregates); a missing count raises",
    "format_p_value": "formats one number (a p-value) as text; NaN gives an empty string, no rows to drop",
    "cronbach_alpha_from_covariance": "takes a covariance matrix; non-finite entries raise",
    "relative_weights_from_correlation": "takes a correlation matrix",
    "break_even": "takes a callable and a bracket",
    "break_even_curve": "takes a callable and a bracket",
    "break_even_interval": "takes a callable, a bracket and estimates",
    "clv_interval": "takes estimates (margin, retention), not rows of data",
    "sensitivity": "takes a callable and input ranges",
    "cohort_matrix": "reshapes a cohort_retention table (every row kept)",
    "read_export": "reads a file; every data row reaches SurveyExport.frame",
    "read_customers": "reads a log file; every row kept (unreadable values raise)",
    "read_interactions": "reads a log file; every row kept (unreadable values raise)",
    "read_transactions": "reads a log file; every row kept (unreadable values raise)",
    "propose_mapping": "returns a mapping (names and recodes), not rows",
    "combine_cleaned": "stacks cleaning results; every kept and quarantined row is kept, with its source",
    "read_cleaned": "reads back what CleanedSurveys.write wrote; every row kept",
    "survey_scores": "takes a codebook, not rows of data",
    "item_batteries": "takes a codebook, not rows of data",
    "driver_items": "takes a codebook; with data= it counts answered pairs, dropping no row",
    "segment_columns": "lists grouping columns with their answered counts (n); no rows are dropped",
    "comment_columns": "lists free-text columns with their answered counts (n_answered) and the rule each "
                       "meets or fails; no rows are dropped",
    "read_mapped": "reads files and maps them with map_columns; files of one row per customer are outer-joined "
                   "(no customer dropped, the join logged)",
    "clean_export_in_chunks": "reads a file in chunks; rows are kept or quarantined with a reason, as by "
                              "clean_responses, and reconciled (ReconciliationError otherwise)",
}

GROUPS = {"WARNS": WARNS, "IN_RESULT": IN_RESULT, "RAISES": RAISES, "KEEPS": KEEPS, "EXEMPT": EXEMPT}


# --------------------------------------------------------------------------- the sweep
def test_every_public_name_is_classified():
    seen: dict[str, str] = {}
    for group, names in GROUPS.items():
        for name in names:
            assert name not in seen, f"{name} is in both {seen[name]} and {group}"
            seen[name] = group
    unclassified = sorted(set(cx.__all__) - set(seen))
    assert not unclassified, (f"public names not classified in tests/test_silent_drops.py: {unclassified}; "
                              "a function that leaves rows out must announce them with warn_dropped")
    assert sorted(set(seen) - set(cx.__all__)) == []


def _dropped_messages(call: Callable[[], object]) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]


def _check_warns(name: str, case: Case) -> None:
    assert case.n > 0, "the case must inject something to drop"
    out, messages = _dropped_messages(case.call)
    function = case.function or name.split(" ")[0]
    noun = case.what if case.total != 1 else case.what[:-1]
    head = f"{function}: dropped {case.n:,} of {case.total:,} {noun} ("
    hits = [m for m in messages if m.startswith(head) and case.names in m]
    assert hits, f"no DataQualityWarning starting {head!r} naming {case.names!r}; got {messages}"
    share = float(re.search(r"\((\d+\.\d) %\)", hits[0]).group(1))
    assert share == pytest.approx(100 * case.n / case.total, abs=0.05)
    if case.clean is not None:  # announcing must not change the result
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = case.clean()
        pd.testing.assert_frame_equal(case.view(out).reset_index(drop=True),
                                      case.view(expected).reset_index(drop=True))


@pytest.mark.parametrize("name", sorted(WARNS))
def test_drops_are_announced_with_their_count(data, name):
    _check_warns(name, WARNS[name](data))


@pytest.mark.parametrize("name", sorted(EXTRA_WARNS))
def test_other_drops_are_announced_with_their_count(data, name):
    _check_warns(name, EXTRA_WARNS[name](data))


@pytest.mark.parametrize("name", sorted(IN_RESULT))
def test_rows_left_out_are_counted_in_the_result(data, name):
    IN_RESULT[name](data)


@pytest.mark.parametrize("name", sorted(RAISES))
def test_missing_values_raise_instead_of_dropping(data, name):
    call = RAISES[name](data)
    with pytest.raises(CxError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call()


@pytest.mark.parametrize("name", sorted(KEEPS))
def test_every_row_is_kept(data, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        KEEPS[name](data)


def test_outcome_by_group_was_silent_about_missing_groups():
    """The known offender: two rows without a group used to vanish without a word."""
    df = pd.DataFrame({"g": ["a", "a", None, "b", None, "b"], "y": [True, False, True, False, False, True]})
    with pytest.warns(DataQualityWarning) as record:
        out = cx.outcome_by_group(df, "y", by="g")
    assert [str(w.message) for w in record] == [
        "outcome_by_group: dropped 2 of 6 rows (33.3 %) with a missing value in 'g' (group)"]
    assert out["n"].sum() + out["n_missing"].sum() == 4


# --------------------------------------------------------------------------- the helper
def _messages(*args, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_dropped(*args, **kwargs)
    assert all(issubclass(w.category, DataQualityWarning) for w in caught)
    return [str(w.message) for w in caught]


def test_warn_dropped_message():
    assert _messages(12, 4000, "with a missing value", function="outcome_by_group", column="branch",
                     role="group") == [
        "outcome_by_group: dropped 12 of 4,000 rows (0.3 %) with a missing value in 'branch' (group)"]
    assert _messages(1, 45077, "after as_of=2026-06-30", function="customer_summary", what="transactions") == [
        "customer_summary: dropped 1 of 45,077 transactions (< 0.1 %) after as_of=2026-06-30"]
    assert _messages(1, 1, "with a missing value", function="f", column=["a", "b", "c"], what="customers") == [
        "f: dropped 1 of 1 customer (100.0 %) with a missing value in 'a', 'b' or 'c'"]
    assert _messages(3, 8, "with a missing value", function="f", column=list("abcdefg"),
                     scope="from the overall gap") == [
        "f: dropped 3 of 8 rows (37.5 %) from the overall gap with a missing value in any of 7 columns "
        "('a', 'b', 'c', ...)"]
    assert _messages(0, 10, "with a missing value", function="f") == []


@given(total=st.integers(1, 10**9), data=st.data())
def test_warn_dropped_states_count_total_and_share(total, data):
    n = data.draw(st.integers(1, total))
    (message,) = _messages(n, total, "for a reason", function="f")
    assert message.startswith(f"f: dropped {n:,} of {total:,} ")
    assert message.endswith(" for a reason")
    share = re.search(r"\((< 0\.1|\d+\.\d) %\)", message).group(1)
    expected = 100 * n / total
    if share == "< 0.1":
        assert expected < 0.05
    else:
        assert float(share) == pytest.approx(expected, abs=0.05)
