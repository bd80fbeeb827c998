"""`cxanalytics report --snapshot ... --map examples/mappings/...` on the real churn workbooks.

The snapshot goes through the report's own path (the example mapping, ``snapshot.csv`` in the
assembled data folder, notebook 09's parameters), and every headline number is compared with
the same number computed from the raw workbooks by statsmodels and scipy alone
(tests/_snapshotref.py): Wilson intervals (statsmodels ``proportion_confint``), the log-rank
test (statsmodels ``survdiff``), the Cox model (statsmodels ``PHReg``, Breslow ties), the sBG
fit (scipy Nelder-Mead and statsmodels ``GenericLikelihoodModel`` on the censored likelihood),
lifetime value (a term-by-term sum with a delta-method interval), the satisfaction link
(statsmodels ``Logit`` / ``OLS`` with HC3 errors) and the complaint link (statsmodels
``confint_proportions_2indep``, Newcombe). Skips without ../shared/realdata.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import _snapshotref as ref
import numpy as np
import pandas as pd
import pytest

import cxanalytics as cx
from cxanalytics.report._data import assemble_data
from cxanalytics.report.runner import run_report

ROOT = Path(__file__).resolve().parents[1]
MAPS = ROOT / "examples" / "mappings"


def _telco_files(realdata: Path) -> list[Path]:
    folder = realdata / "ibm_telco_extended"
    return [folder / "Telco_customer_churn_status.xlsx", folder / "Telco_customer_churn_services.xlsx"]


def _ecom_file(realdata: Path) -> Path:
    return realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx"


def _as_notebook_reads(tmp: Path, files, mapping: Path) -> tuple[pd.DataFrame, dict]:
    """The snapshot as notebook 09 reads it in a report: assembled by the report, then read as cell 2 does."""
    data = assemble_data(tmp, snapshot=files, mapping=mapping)
    snap = pd.read_csv(data.path / "snapshot.csv", keep_default_na=False, na_values=[""])
    params = dict(data.snapshot_parameters)
    segments = params["segments"]
    snap = snap.astype({s: "category" for s in segments if pd.api.types.is_numeric_dtype(snap[s])})
    return snap, params


@pytest.fixture(scope="module")
def telco(realdata, tmp_path_factory):
    snap, params = _as_notebook_reads(tmp_path_factory.mktemp("telco"), _telco_files(realdata),
                                      MAPS / "ibm_telco_extended.toml")
    return snap, params, ref.telco_raw(realdata / "ibm_telco_extended")


@pytest.fixture(scope="module")
def ecom(realdata, tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mapping notes its label merges; tested in test_mapping_real
        snap, params = _as_notebook_reads(tmp_path_factory.mktemp("ecom"), _ecom_file(realdata),
                                          MAPS / "ecommerce_churn.toml")
    return snap, params, ref.ecommerce_raw(_ecom_file(realdata))


def _kw(params: dict) -> dict:
    return {"tenure": params["tenure"], "tenure_unit": params["tenure_unit"]}


# ----------------------------------------------------------------------------- the report's parameters
def test_the_report_reads_tenure_in_the_source_months(telco, ecom):
    for snap, params, raw in (telco, ecom):
        assert params["tenure"] == "tenure_periods" and params["tenure_unit"] == params["period"] == "months"
        assert snap["tenure_periods"].max() == raw["tenure"].max()  # 72 and 61 months, not days
    assert ecom[1]["segments"][3] == "city_tier" and isinstance(ecom[0]["city_tier"].dtype, pd.CategoricalDtype)


# ----------------------------------------------------------------------------- churn by segment (Wilson)
@pytest.mark.parametrize("which", ["telco", "ecom"])
def test_churn_by_segment_matches_statsmodels_wilson(which, request):
    snap, params, raw = request.getfixturevalue(which)
    for s in params["segments"]:
        got = cx.churn_by_segment(snap, by=s).assign(level=lambda t, s=s: t[s].astype(str)).set_index("level")
        exp = ref.churn_share(raw, s).rename(index=str)
        assert sorted(got.index) == sorted(exp.index)
        exp = exp.loc[got.index]
        assert got["n"].tolist() == exp["n"].tolist() and got["churned"].tolist() == exp["churned"].tolist()
        np.testing.assert_allclose(got[["ci_lower", "ci_upper"]], exp[["ci_lower", "ci_upper"]], rtol=1e-10)


# ----------------------------------------------------------------------------- log-rank
@pytest.mark.parametrize("which", ["telco", "ecom"])
def test_logrank_by_every_segment_matches_statsmodels_survdiff(which, request):
    snap, params, raw = request.getfixturevalue(which)
    timed = snap[snap[params["tenure"]].notna()]
    for s in params["segments"]:
        got = cx.survival_by_segment(timed, by=s, **_kw(params)).logrank
        stat, df, log10_p = ref.logrank(raw, s)
        assert got.statistic == pytest.approx(stat, rel=1e-9) and got.df == df
        if np.isfinite(log10_p) and log10_p > -300:
            assert np.log10(got.p_value) == pytest.approx(log10_p, rel=1e-6)
        else:  # beyond double precision (Telco contract: chi-square 2,769 on 2 df, p = exp(-1384.5))
            assert got.p_value < 1e-300 and cx.format_p_value(got.p_value) == "< 1e-300"


# ----------------------------------------------------------------------------- Cox
@pytest.mark.parametrize("which", ["telco", "ecom"])
def test_cox_on_the_segments_matches_statsmodels_phreg(which, request):
    snap, params, raw = request.getfixturevalue(which)
    covariates = params["segments"] + (["monthly_charges"] if "monthly_charges" in snap.columns else [])
    timed = snap[snap[params["tenure"]].notna()]
    got = cx.cox(timed, duration=params["tenure"], event="churned", covariates=covariates).set_index("term")
    exp = ref.cox(raw, covariates)
    exp.index = [re.sub(r"\[(\d+)\]$", r"[\1]", t) for t in exp.index]
    assert sorted(got.index.astype(str)) == sorted(exp.index)
    got = got.loc[exp.index]
    np.testing.assert_allclose(got[["hazard_ratio", "ci_lower", "ci_upper"]], exp[["hazard_ratio", "ci_lower",
                                                                                     "ci_upper"]], rtol=1e-5)
    np.testing.assert_allclose(np.log(got["p_value"]), np.log(exp["p_value"]), rtol=1e-4)


def test_ecommerce_city_tier_is_compared_level_by_level(ecom):
    snap, params, _ = ecom
    fit = cx.cox(snap[snap[params["tenure"]].notna()], duration=params["tenure"], event="churned",
                 covariates=params["segments"]).set_index("term")
    assert {"city_tier[2]", "city_tier[3]"} <= set(fit.index) and "city_tier" not in fit.index
    assert fit.loc["city_tier[3]", "ci_lower"] > 1.7  # tier 3 churns faster; tier 2 does not differ clearly
    assert fit.loc["city_tier[2]", "ci_lower"] < 1 < fit.loc["city_tier[2]", "ci_upper"]


# ----------------------------------------------------------------------------- sBG and lifetime value
@pytest.mark.parametrize("which", ["telco", "ecom"])
def test_sbg_on_all_customers_is_the_statsmodels_scipy_maximum(which, request):
    snap, params, raw = request.getfixturevalue(which)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = ref.sbg(raw)
        got = cx.fit_sbg_snapshot(snap[snap[params["tenure"]].notna()], period=params["period"], **_kw(params))
    assert (got.alpha, got.beta) == pytest.approx((exp["alpha"], exp["beta"]), rel=1e-4)
    assert got.loglik == pytest.approx(exp["loglik"], abs=1e-6)


def test_telco_value_of_a_new_month_to_month_customer_matches_a_term_by_term_sum(telco):
    snap, params, raw = telco
    got = cx.snapshot_clv(snap, margin_rate=0.30, discount=0.10, by="contract", period=params["period"],
                          **_kw(params)).set_index(["contract", "measure"]).loc[("Month-to-Month", "clv_new")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = ref.clv(raw[raw["contract"] == "Month-to-Month"], margin_rate=0.30, discount=0.10)
    assert got["estimate"] == pytest.approx(exp["clv_new"], rel=1e-6)
    assert (got["ci_lower"], got["ci_upper"]) == pytest.approx((exp["ci_lower"], exp["ci_upper"]), rel=1e-4)


# ----------------------------------------------------------------------------- satisfaction and complaints
def test_telco_satisfaction_is_too_good_to_be_true_with_the_hc3_slope(telco):
    snap, _, raw = telco
    got = cx.satisfaction_churn_link(snap, complaint=None).verdict.iloc[0]
    exp = ref.satisfaction_link(raw)
    assert exp["measure"] == "slope" and exp["decided"] > 0.6  # 62 % of customers score 1, 2, 4 or 5
    assert (got["estimate"], got["ci_lower"], got["ci_upper"]) == pytest.approx(
        (exp["estimate"], exp["ci_lower"], exp["ci_upper"]), rel=1e-10)
    assert got["note"].startswith("TOO GOOD TO BE TRUE")


def test_ecommerce_satisfaction_runs_the_wrong_way_and_complaints_the_right_way(ecom):
    snap, _, raw = ecom
    got = cx.satisfaction_churn_link(snap).verdict
    sat, comp = ref.satisfaction_link(raw), ref.complaint_link(raw)
    assert (got.loc[0, "estimate"], got.loc[0, "ci_lower"], got.loc[0, "ci_upper"]) == pytest.approx(
        (sat["estimate"], sat["ci_lower"], sat["ci_upper"]), rel=1e-5)
    assert got.loc[0, "note"].startswith("WRONG WAY") and got.loc[0, "supported"] == "no"
    assert (got.loc[1, "estimate"], got.loc[1, "ci_lower"], got.loc[1, "ci_upper"]) == pytest.approx(
        (comp["estimate"], comp["ci_lower"], comp["ci_upper"]), rel=1e-8)
    assert got.loc[1, "supported"] == "yes"


# ----------------------------------------------------------------------------- the report itself
def _findings(out: Path) -> tuple[str, str]:
    """The stdout of notebook 09's first code cell and of its findings cell, from the executed notebook."""
    nb = json.loads((out / "notebooks" / "09_churn_snapshot.ipynb").read_text(encoding="utf-8"))
    texts = ["".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
             if o.get("name") == "stdout"]
    return texts[0], next(t for t in texts if t.startswith("- "))


@pytest.fixture(scope="module")
def telco_report(realdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("telco_report")
    result = run_report(snapshot=_telco_files(realdata), mapping=MAPS / "ibm_telco_extended.toml", out_dir=out,
                           progress=False, jobs=1)
    return result, out


def test_telco_report_runs_09_only_and_prints_the_reference_numbers(telco_report, telco):
    result, out = telco_report
    ran = [r.name for r in result.notebooks if r.status == "ran"]
    assert ran == ["09_churn_snapshot.ipynb"], result.summary()
    head, findings = _findings(out)
    assert "7,043 customers, 1,869 churned (26.5%); tenure 1 to 72 months" in head
    raw = telco[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ref.sbg(raw)
    overall = ref.churn_share(raw.assign(all=1), "all").iloc[0]
    assert (f"{overall['churn_rate']:.1%} of 7,043 customers churned (95 % interval {overall['ci_lower']:.1%} to "
            f"{overall['ci_upper']:.1%})") in findings
    assert "(log-rank p < 1e-300)" in findings and "p = 0" not in findings
    assert f"(sBG alpha {fit['alpha']:.3g}, beta {fit['beta']:.3g})" in findings
    exp = ref.clv(raw[raw["contract"] == "Month-to-Month"], margin_rate=0.30)
    assert (f"contract = Month-to-Month: a new customer is worth {exp['clv_new']:,.0f} ({exp['ci_lower']:,.0f} to "
            f"{exp['ci_upper']:,.0f})") in findings
    assert "TOO GOOD TO BE TRUE" in findings


@pytest.fixture(scope="module")
def ecom_report(realdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("ecom_report")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_report(snapshot=_ecom_file(realdata), mapping=MAPS / "ecommerce_churn.toml", out_dir=out,
                            progress=False, jobs=1, parameters={"margin_rate": 0.25})
    return result, out


def test_ecommerce_report_prints_the_reference_numbers_and_the_wrong_way_verdict(ecom_report, ecom):
    result, out = ecom_report
    assert [r.name for r in result.notebooks if r.status == "ran"] == ["09_churn_snapshot.ipynb"]
    head, findings = _findings(out)
    assert "5,630 customers, 948 churned (16.8%); tenure 0 to 61 months" in head
    assert "264 customers without a 'tenure_periods'" in head  # the workbook's blank tenures, left out of survival
    raw = ecom[2]
    _, _, log10_p = ref.logrank(raw, "preferred_order_category")
    assert f"(log-rank p = {10 ** log10_p:.2g})." in findings
    sat, comp = ref.satisfaction_link(raw), ref.complaint_link(raw)
    assert (f"odds ratio per point {sat['estimate']:.3g} ({sat['ci_lower']:.3g} to {sat['ci_upper']:.3g}); "
            "supported: no; WRONG WAY.") in findings
    assert (f"difference in share {comp['estimate']:.3g} ({comp['ci_lower']:.3g} to {comp['ci_upper']:.3g}); "
            "supported: yes.") in findings
    nb = json.loads((out / "notebooks" / "09_churn_snapshot.ipynb").read_text(encoding="utf-8"))
    source = "".join(next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))["source"])
    assert "margin_rate = 0.25" in source  # --param reached the notebook
    cox_text = next("".join(o["data"]["text/plain"]) for c in nb["cells"] if "cx.cox(" in "".join(c["source"])
                    for o in c.get("outputs", []) if "data" in o)
    assert "city_tier[3]" in cox_text and "city_tier[2]" in cox_text
