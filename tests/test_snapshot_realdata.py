"""Churn snapshots on real data: IBM's Telco workbooks and a public e-commerce churn table.

Every number is checked against statsmodels or scipy on the same rows, and against the
facts recorded in ../shared/realdata/README.md (7,043 customers, 1,869 churned; e-commerce
948 of 5,630 churned, complainers 31.7 % vs 10.9 %, churn rising with satisfaction).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.stats.proportion import proportion_confint

import cxanalytics as cx
from cxanalytics.errors import DataQualityWarning
from cxanalytics.snapshot import (
    churn_by_segment,
    fit_sbg_snapshot,
    satisfaction_churn_link,
    snapshot_clv,
    snapshot_retention_vs_acquisition,
    survival_by_segment,
    tenure_life_table,
)

SHEETS = ("demographics", "location", "population", "services", "status")


@pytest.fixture(scope="module")
def telco(realdata) -> pd.DataFrame:
    """The five IBM Telco sheets joined (population by zip code), renamed to the snapshot's columns."""
    folder = realdata / "ibm_telco_extended"
    s = {n: pd.read_excel(folder / f"Telco_customer_churn_{n}.xlsx") for n in SHEETS}
    joined = s["services"].drop(columns=["Count", "Quarter"])
    for name in ("demographics", "location", "status"):
        joined = joined.merge(s[name].drop(columns=["Count", "Quarter"], errors="ignore"), on="Customer ID",
                              validate="one_to_one")
    joined = joined.merge(s["population"].drop(columns="ID"), on="Zip Code", how="left", validate="many_to_one")
    return joined.rename(columns={"Customer ID": "customer_id", "Tenure in Months": "tenure",
                                  "Monthly Charge": "monthly_charges", "Contract": "contract",
                                  "Satisfaction Score": "satisfaction", "Payment Method": "payment_method"}).assign(
        churned=lambda d: d["Churn Value"].astype(bool))


@pytest.fixture(scope="module")
def ecommerce(realdata) -> pd.DataFrame:
    return pd.read_excel(realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx", sheet_name="E Comm")


# ----------------------------------------------------------------------------- IBM Telco
def test_telco_join_has_the_published_counts(telco):
    assert len(telco) == 7043 and telco["customer_id"].is_unique and telco["Population"].notna().all()
    assert int(telco["churned"].sum()) == 1869
    assert telco["satisfaction"].value_counts().sort_index().tolist() == [922, 518, 2665, 1789, 1149]


def test_telco_churn_by_contract_matches_statsmodels(telco):
    out = churn_by_segment(telco, by="contract")
    assert out["n"].sum() == 7043 and out["churned"].sum() == 1869
    for _, row in out.iterrows():
        part = telco[telco["contract"] == row["contract"]]
        lo, hi = proportion_confint(int(part["churned"].sum()), len(part), method="wilson")
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi), rel=1e-12)
    month = out.set_index("contract").loc["Month-to-Month"]
    assert (month["n"], month["churned"]) == (3610, 1655)


def test_telco_life_table_matches_a_hand_table_and_statsmodels_km(telco):
    t = tenure_life_table(telco, tenure_unit="months")
    hand = pd.crosstab(telco["tenure"], telco["churned"])  # tenures are whole months, 1-72
    assert t["lost"].iloc[1:].tolist() == hand[True].reindex(range(1, 73), fill_value=0).tolist()
    assert t["censored"].iloc[1:].tolist() == hand[False].reindex(range(1, 73), fill_value=0).tolist()
    assert t["lost"].sum() + t["censored"].sum() == 7043
    sf = SurvfuncRight(telco["tenure"].to_numpy(float), telco["churned"].to_numpy(int))
    ref = pd.Series(sf.surv_prob, index=sf.surv_times)
    at = t.set_index("period").loc[ref.index.astype(int), "survival"]
    np.testing.assert_allclose(at.to_numpy(), ref.to_numpy(), rtol=1e-12)
    se = pd.Series(sf.surv_prob_se, index=sf.surv_times)
    np.testing.assert_allclose(t.set_index("period").loc[se.index.astype(int), "std_error"], se, rtol=1e-9)


def test_telco_survival_by_contract_matches_statsmodels_survdiff(telco):
    res = survival_by_segment(telco, by="contract", tenure_unit="months")
    stat, p = survdiff(telco["tenure"].to_numpy(float), telco["churned"].to_numpy(int), telco["contract"].to_numpy())
    assert res.logrank.statistic == pytest.approx(stat, rel=1e-9)
    assert res.logrank.df == 2 and res.tau == 72.0
    s = res.summary().set_index("contract")
    assert s.loc["Month-to-Month", "median"] == 31.0  # months; the other contracts never reach 50 %
    # RMST up to 72 months = area under the KM step curve (statsmodels' curve, integrated here)
    for contract in s.index:
        part = telco[telco["contract"] == contract]
        sf = SurvfuncRight(part["tenure"].to_numpy(float), part["churned"].to_numpy(int))
        edges = np.r_[0.0, sf.surv_times, 72.0]
        area = np.sum(np.diff(np.clip(edges, 0, 72)) * np.r_[1.0, sf.surv_prob])
        assert s.loc[contract, "rmst"] == pytest.approx(area, rel=1e-10)


def test_telco_cox_matches_statsmodels_phreg(telco):
    fit = cx.cox(telco, duration="tenure", event="churned", covariates=["contract", "monthly_charges"])
    x = pd.get_dummies(telco["contract"], drop_first=True, dtype=float).assign(m=telco["monthly_charges"])
    ref = PHReg(telco["tenure"].to_numpy(float), x.to_numpy(), status=telco["churned"].to_numpy(int), ties="breslow").fit()
    np.testing.assert_allclose(fit["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(fit["std_error"], ref.bse, rtol=1e-6)
    assert fit["hazard_ratio"].iloc[1] < fit["hazard_ratio"].iloc[0] < 1  # two-year < one-year < monthly


def test_telco_cox_on_the_offer_converges_where_newton_overshoots(telco):
    # statsmodels' Newton steps diverge on IBM's offer (offers follow tenure bands); cx.cox refits with BFGS
    df = telco.assign(offer=telco["Offer"].fillna("None"))  # "None" (no offer) is a level; read_excel made it NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cx.cox(df, duration="tenure", event="churned", covariates="offer", reference={"offer": "None"})
    x = pd.get_dummies(df["offer"], dtype=float).drop(columns="None")
    model = PHReg(df["tenure"].to_numpy(float), x.to_numpy(), status=df["churned"].to_numpy(int))
    ref = model.fit(start_params=model.fit(method="lbfgs").params)  # L-BFGS, then Newton to the optimum
    assert np.max(np.abs(model.score(ref.params))) < 1e-6
    np.testing.assert_allclose(fit["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(fit["std_error"], ref.bse, rtol=1e-6)
    assert fit["hazard_ratio"].iloc[-1] > 9  # Offer E: the newest customers


def test_telco_sbg_is_the_scipy_maximum_of_the_censored_likelihood(telco):
    fit = fit_sbg_snapshot(telco, tenure_unit="months")
    lost = telco.loc[telco["churned"], "tenure"].to_numpy(float)
    kept = telco.loc[~telco["churned"], "tenure"].to_numpy(float)

    def negll(x):
        a, b = np.exp(x)
        return -(np.sum(special.betaln(a + 1, b + lost - 1)) + np.sum(special.betaln(a, b + kept))
                 - (len(lost) + len(kept)) * special.betaln(a, b))

    res = optimize.minimize(negll, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10})
    assert (fit.alpha, fit.beta) == pytest.approx(tuple(np.exp(res.x)), rel=1e-4)
    assert fit.loglik == pytest.approx(-res.fun, abs=1e-6)
    assert 0.12 < fit.alpha < 0.16 and 3.3 < fit.beta < 4.9  # alpha 0.137, beta 4.05: churn falls steeply with tenure


def test_telco_value_by_contract(telco):
    out = snapshot_clv(telco, margin_rate=0.3, by="contract", tenure_unit="months")
    assert out["estimate"].notna().all() and (out["ci_lower"] <= out["estimate"]).all()
    new = out[out["measure"] == "clv_new"].set_index("contract")["estimate"]
    assert new["Month-to-Month"] < new["One Year"] < new["Two Year"]
    margin = out[out["measure"] == "margin"].set_index("contract")["estimate"]
    expected = 0.3 * telco.groupby("contract")["monthly_charges"].mean()
    np.testing.assert_allclose(margin.sort_index(), expected.sort_index(), rtol=1e-12)
    rva = snapshot_retention_vs_acquisition(telco, acquisition_cost=300.0, margin_rate=0.3,
                                             tenure_unit="months").set_index("measure")
    assert rva.loc["value_retained", "estimate"] > rva.loc["clv_new", "estimate"]  # survivors are the loyal ones


def test_telco_satisfaction_link_is_too_good_to_be_true(telco):
    res = satisfaction_churn_link(telco, complaint=None)
    row = res.verdict.iloc[0]
    assert row["supported"] == "yes" and row["estimate"] < 0
    assert row["note"].startswith("TOO GOOD TO BE TRUE")
    ev = res.evidence.set_index("level")
    assert ev["n"].tolist() == [922, 518, 2665, 1789, 1149]
    assert ev.loc[[1, 2], "churn_rate"].tolist() == [1.0, 1.0] and ev.loc[[4, 5], "churn_rate"].tolist() == [0.0, 0.0]
    # the slope is statsmodels' OLS with HC3 errors (the logit does not exist under separation)
    ols = sm.OLS(telco["churned"].astype(float), sm.add_constant(telco["satisfaction"].astype(float))).fit(cov_type="HC3")
    assert row["estimate"] == pytest.approx(ols.params.iloc[1], rel=1e-10)
    assert row["ci_lower"] == pytest.approx(ols.conf_int().iloc[1, 0], rel=1e-10)


# ----------------------------------------------------------------------------- e-commerce
def test_ecommerce_link_runs_the_wrong_way_and_complainers_leave(ecommerce):
    res = satisfaction_churn_link(ecommerce, satisfaction="SatisfactionScore", complaint="Complain", churned="Churn")
    sat, comp = res.verdict.iloc[0], res.verdict.iloc[1]
    assert sat["supported"] == "no" and sat["note"].startswith("WRONG WAY")
    logit = sm.Logit(ecommerce["Churn"], sm.add_constant(ecommerce["SatisfactionScore"].astype(float))).fit(disp=0)
    assert sat["estimate"] == pytest.approx(np.exp(logit.params.iloc[1]), rel=1e-6)
    assert sat["ci_lower"] == pytest.approx(np.exp(logit.conf_int().iloc[1, 0]), rel=1e-5)
    ev = res.evidence.set_index(["predictor", "level"])["churn_rate"]
    assert round(ev[("SatisfactionScore", 1)], 3) == 0.115 and round(ev[("SatisfactionScore", 5)], 3) == 0.238
    assert round(ev[("Complain", True)], 3) == 0.317 and round(ev[("Complain", False)], 3) == 0.109
    assert comp["supported"] == "yes" and comp["estimate"] == pytest.approx(ev[("Complain", True)] - ev[("Complain", False)])
    assert res.evidence.groupby("predictor")["churned"].sum().tolist() == [948, 948]


def test_ecommerce_missing_tenures_are_announced_and_tenure_zero_churners_lost_in_period_one(ecommerce):
    with pytest.warns(DataQualityWarning, match=r"tenure_life_table: dropped 264 of 5,630 customers .* in 'Tenure'"):
        t = tenure_life_table(ecommerce, tenure="Tenure", churned="Churn", tenure_unit="months")
    assert t["lost"].sum() + t["censored"].sum() == 5630 - 264
    assert t.loc[t["period"] == 1, "lost"].item() == 272 + int(((ecommerce["Tenure"] == 1) & (ecommerce["Churn"] == 1)).sum())
    known = ecommerce.dropna(subset=["Tenure"])
    with pytest.warns(DataQualityWarning):
        km = survival_by_segment(ecommerce, tenure="Tenure", churned="Churn", tenure_unit="months").km
    sf = SurvfuncRight(known["Tenure"].to_numpy(float), known["Churn"].to_numpy(int))
    np.testing.assert_allclose(km.curve.loc[km.curve["n_events"] > 0, "survival"], sf.surv_prob, rtol=1e-12)


def test_ecommerce_sbg_fit_is_quiet_and_the_scipy_maximum(ecommerce):
    known = ecommerce.dropna(subset=["Tenure"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the optimiser's excursions
        fit = fit_sbg_snapshot(known, tenure="Tenure", churned="Churn", tenure_unit="months")
    churned = known["Churn"] == 1
    lost = np.maximum(known.loc[churned, "Tenure"].to_numpy(float), 1)  # left at tenure 0: lost in period 1
    kept = known.loc[~churned, "Tenure"].to_numpy(float)

    def negll(x):
        a, b = np.exp(x)
        return -(np.sum(special.betaln(a + 1, b + lost - 1)) + np.sum(special.betaln(a, b + kept))
                 - len(known) * special.betaln(a, b))

    res = optimize.minimize(negll, np.log([0.1, 1.0]), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10})
    assert (fit.alpha, fit.beta) == pytest.approx(tuple(np.exp(res.x)), rel=1e-4)
