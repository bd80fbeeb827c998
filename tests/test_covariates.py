"""Covariate checks before a model fit, separation detection, and "too good to be true" verdicts."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxanalytics._core.covariates import (
    check_covariates,
    level_limit,
    numeric_text,
    require_full_rank,
)
from cxanalytics._core.separation import auc, scan, too_good
from cxanalytics.behaviour.survival import cox
from cxanalytics.errors import (
    ColumnError,
    CovariateError,
    DataQualityWarning,
    ParameterError,
    SeparationWarning,
)
from cxanalytics.link.claims import claim_satisfaction_retention, claim_silent_customers
from cxanalytics.link.drivers import relative_weights, repurchase_model


def _charges_as_text(charges: np.ndarray, blank_rows: np.ndarray) -> pd.Series:
    """Numbers written as text with some cells a single space, as in IBM's raw Telco CSV."""
    text = pd.Series([f"{v:.2f}" for v in charges], dtype=object)
    text.iloc[blank_rows] = " "
    return text


@pytest.fixture
def text_charges() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    tenure = rng.integers(1, 73, n).astype(float)
    monthly = rng.uniform(20, 110, n)
    churn = (rng.random(n) < 1 / (1 + np.exp(0.05 * tenure - 0.5))).astype(int)
    return pd.DataFrame({"tenure": tenure, "churn": churn,
                         "contract": rng.choice(["month", "year", "two years"], n),
                         "TotalCharges": _charges_as_text(tenure * monthly, np.arange(11) * 31)})


# ------------------------------------------------------------------ numbers stored as text
def test_text_column_of_numbers_is_refused_by_every_model(text_charges):
    models = {
        "cox": lambda d: cox(d, duration="tenure", event="churn", covariates=["contract", "TotalCharges"]),
        "repurchase_model": lambda d: repurchase_model(d, "churn", ["contract", "TotalCharges"]),
        "relative_weights": lambda d: relative_weights(d, "churn", ["tenure", "TotalCharges"], n_resamples=0),
    }
    for name, fit in models.items():
        with pytest.raises(CovariateError) as info:
            fit(text_charges)
        msg = str(info.value)
        assert "'TotalCharges'" in msg, name
        assert "389 of 400 non-missing cells (97.25%) are numbers" in msg, name
        assert "11 blank (e.g. ' '; rows 0, 31, 62, 93, 124)" in msg, name
        assert "pd.to_numeric(df['TotalCharges'].str.strip().replace('', pd.NA))" in msg, name
        # CovariateError is both a ColumnError and a ParameterError (callers catching either keep working)
        assert isinstance(info.value, ColumnError) and isinstance(info.value, ParameterError)


def test_the_suggested_conversion_works(text_charges):
    d = text_charges.copy()
    d["TotalCharges"] = pd.to_numeric(d["TotalCharges"].str.strip().replace("", pd.NA))
    assert d["TotalCharges"].isna().sum() == 11
    with pytest.warns(DataQualityWarning, match="dropped 11 of"):
        fit = cox(d, duration="tenure", event="churn", covariates=["contract", "TotalCharges"])
    assert fit["n"].iloc[0] == 389
    # and the same with pandas' string dtype (what read_csv gives in pandas 3)
    s = text_charges["TotalCharges"].astype("string")
    assert pd.to_numeric(s.str.strip().replace("", pd.NA)).isna().sum() == 11


def test_numeric_text_counts_other_text_and_suggests_coerce():
    s = pd.Series(["1.5", "2", "n/a", "", "3", "4", None], dtype=object)
    with pytest.raises(CovariateError) as info:
        numeric_text(s, "x")
    msg = str(info.value)
    assert "4 of 6 non-missing cells (66.67%) are numbers" in msg
    assert "1 blank (e.g. ''; rows 3); 1 other text (e.g. 'n/a')" in msg
    assert "errors='coerce'" in msg
    mixed = pd.Series([1.5, 2, " ", None, "3"], dtype=object)  # numbers and text in one object column
    with pytest.raises(CovariateError, match=re.escape(".astype('string').str.strip()")) as info:
        numeric_text(mixed, "x")
    fix = re.search(r"= (pd\.to_numeric\(.*?\)\)) \(", str(info.value)).group(1)
    converted = eval(fix, {"pd": pd, "df": pd.DataFrame({"x": mixed})})  # the suggested code, as given
    assert converted.iloc[[0, 1, 4]].tolist() == [1.5, 2.0, 3.0] and converted.iloc[[2, 3]].isna().all()
    numeric_text(pd.Series(["a", "b", "1"]), "x")  # mostly words: a genuine categorical
    numeric_text(pd.Series(pd.Categorical(["1", "2", "3"])), "x")  # declared categories: accepted
    numeric_text(pd.Series([1.0, 2.0]), "x")


# ------------------------------------------------------------------ levels
def test_level_limit_rule():
    assert [level_limit(m) for m in (0, 7, 10, 14, 15, 100, 249, 250, 10_000)] == [2, 2, 2, 2, 3, 20, 49, 50, 50]


@settings(max_examples=25, deadline=None)
@given(events=st.integers(10, 400), extra=st.integers(-2, 2))
def test_levels_refused_exactly_above_the_limit(events, extra):
    limit = level_limit(events)
    k = max(2, limit + extra)
    n = max(events * 2, 3 * k)
    d = pd.DataFrame({"g": [f"level {i % k}" for i in range(n)]})
    if k > limit:
        with pytest.raises(CovariateError, match=f"{k} levels with {events} events"):
            check_covariates(d, ["g"], m=events, what="events")
    else:
        check_covariates(d, ["g"], m=events, what="events")


def test_identifier_column_refused_fast(text_charges):
    d = text_charges.assign(customer=[f"C{i:05d}" for i in range(len(text_charges))])
    with pytest.raises(CovariateError, match="400 levels.*identifier or free text"):
        cox(d, duration="tenure", event="churn", covariates=["customer"])
    with pytest.raises(CovariateError, match="400 levels"):
        repurchase_model(d, "churn", ["customer"])


# ------------------------------------------------------------------ constant and collinear
def test_constant_columns_are_all_named():
    d = pd.DataFrame({"a": [1.0, 2, 3, 4], "k": 5.0, "plan": "basic", "y": [0, 1, 0, 1]})
    with pytest.raises(CovariateError, match=r"\[column 'k, plan'.*'k': 5.0, 'plan': 'basic'"):
        check_covariates(d, ["a", "k", "plan"], m=2, what="events")


def test_collinear_columns_named_with_their_relation():
    rng = np.random.default_rng(1)
    a, c = rng.normal(size=50), rng.normal(size=50)
    x = np.column_stack([a, c, 2 * a + 1, rng.normal(size=50)])
    with pytest.raises(CovariateError) as info:
        require_full_rank(x, ["a", "c", "b", "d"])
    msg = str(info.value)
    assert "received ['a', 'b']" in msg and re.search(r"b = 2·a \(\+ a constant\)", msg)
    d = pd.DataFrame(x, columns=["a", "c", "b", "d"]).assign(y=(a + rng.normal(size=50) > 0).astype(int))
    for call in (lambda: repurchase_model(d, "y", ["a", "c", "b", "d"]),
                 lambda: relative_weights(d, "y", ["a", "c", "b", "d"], n_resamples=0),
                 lambda: cox(d.assign(t=np.arange(1.0, 51)), duration="t", event="y",
                             covariates=["a", "c", "b", "d"])):
        with pytest.raises(CovariateError, match=r"collinear.*\['a', 'b'\]"):
            call()


def test_full_rank_design_passes_and_dummy_trap_is_caught():
    rng = np.random.default_rng(2)
    require_full_rank(rng.normal(size=(40, 3)), ["a", "b", "c"])
    g = rng.integers(0, 3, 40)
    dummies = np.column_stack([g == 0, g == 1, g == 2]).astype(float)  # sum to 1: intercept trap
    with pytest.raises(CovariateError, match=r"\['g0', 'g1', 'g2'\]"):
        require_full_rank(dummies, ["g0", "g1", "g2"])


# ------------------------------------------------------------------ separation scan
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(10, 300))
def test_auc_matches_mann_whitney(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, n).astype(float)
    y = (rng.random(n) < 0.4).astype(int)
    if y.min() == y.max():
        return
    u = stats.mannwhitneyu(x[y == 1], x[y == 0]).statistic
    ref = u / (y.sum() * (n - y.sum()))
    assert auc(x, y) == pytest.approx(max(ref, 1 - ref), rel=1e-12)


def _terms(*names):
    return pd.DataFrame({"term": names, "variable": names, "level": None, "reference": None})


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.floats(-1, 1), tie=st.booleans())
def test_threshold_separation_is_found(seed, cut, tie):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=200)
    y = (x > cut).astype(float)
    if tie:  # rows at the threshold value with both outcomes: quasi-complete
        x = np.r_[x, cut, cut]
        y = np.r_[y, 0.0, 1.0]
    if y.min() == y.max():
        return
    found = scan(x[:, None], _terms("x"), y)
    assert [f.kind for f in found] == ["quasi-complete" if tie else "complete"]
    table = found[0].table
    assert table["n"].sum() == len(y) and table["events"].sum() == y.sum()
    assert set(table["share"].iloc[[0, -1]]) == {0.0, 1.0}


def test_ordinary_predictor_is_not_flagged():
    rng = np.random.default_rng(5)
    x = rng.normal(size=500)
    y = (rng.random(500) < 1 / (1 + np.exp(-x))).astype(float)
    assert scan(x[:, None], _terms("x"), y) == []
    assert too_good(x, y, "x") == ""


def test_categorical_levels_with_no_events():
    codes = np.repeat([0, 1, 2], [50, 40, 10])
    y = np.r_[np.tile([0.0, 1.0], 25), np.tile([0.0, 1.0, 1.0, 1.0], 10), np.zeros(10)]
    x = np.column_stack([codes == 1, codes == 2]).astype(float)
    terms = pd.DataFrame({"term": ["g[b]", "g[c]"], "variable": "g", "level": ["b", "c"], "reference": "a"})
    (f,) = scan(x, terms, y)
    assert f.kind == "quasi-complete" and f.pure_share == pytest.approx(0.10)
    assert f.table.to_dict("list") == {"group": ["a", "b", "c"], "n": [50, 40, 10],
                                       "events": [25, 30, 0], "share": [0.5, 0.75, 0.0]}
    # for Cox a level with only events is no problem, one with none is
    assert [g.kind for g in scan(x, terms, y, cox=True)] == ["quasi-complete"]
    assert scan(x, terms, 1 - y, cox=True) == []


def test_logistic_relative_weights_warn_on_separation():
    rng = np.random.default_rng(4)
    flag = np.repeat([0.0, 1.0], [210, 90])
    y = np.r_[np.ones(1), np.zeros(209), np.zeros(1), np.ones(89)]  # 0.5 % vs 98.9 %: no zero cell
    d = pd.DataFrame({"a": rng.normal(size=300), "flag": flag, "y": y})
    with pytest.warns(SeparationWarning, match="'flag' almost perfectly separates"):
        relative_weights(d, "y", ["a", "flag"], kind="logistic", n_resamples=0)


# ------------------------------------------------------------------ verdicts
def test_verdict_says_too_good_when_score_decides_churn():
    """Scores 1-2 always churn, 4-5 never (IBM's synthetic rule): a threshold decides 60 % of rows."""
    rng = np.random.default_rng(6)
    sat = np.repeat([1, 2, 3, 4, 5], 100)
    churn = np.r_[np.ones(200), rng.random(100) < 0.3, np.zeros(200)].astype(int)
    out = claim_satisfaction_retention(pd.DataFrame({"sat": sat, "churn": churn}), satisfaction="sat",
                                       churned="churn")
    note = out.verdict["note"].item()
    assert "TOO GOOD TO BE TRUE: 'sat' alone decides the outcome for 80.0% of rows" in note
    assert "< 3: 100.0% of 200" in note and "> 3: 0.0% of 200" in note


def test_verdict_too_good_for_a_near_separating_flag_and_not_for_an_ordinary_one():
    rng = np.random.default_rng(7)
    n = 2000
    score = rng.integers(0, 11, n)
    complained = (rng.random(n) < 0.2).astype(int)
    leak = np.where(complained == 1, rng.random(n) < 0.995, rng.random(n) < 0.0005).astype(int)
    real = np.where(complained == 1, rng.random(n) < 0.32, rng.random(n) < 0.11).astype(int)
    for churn, flagged in ((leak, True), (real, False)):
        d = pd.DataFrame({"nps": score, "complaints": complained, "churned": churn})
        out = claim_silent_customers(d, score="nps", low=6, complaint="complaints", churned="churned",
                                     duration=None, strata=None)
        row = out.verdict.set_index("claim").loc["Silent unhappy customers churn more than unhappy complainers"]
        assert ("TOO GOOD TO BE TRUE" in row["note"]) is flagged


# ------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def telco_text(realdata):
    """IBM Telco with Total Charges as text and 11 blank ' ' cells, as in the raw Kaggle CSV.

    The Kaggle file's 11 blanks belong to customers in their first month; the extended
    file has no tenure 0, so the blanks go to the first 11 one-month customers by ID.
    """
    folder = realdata / "ibm_telco_extended"
    services = pd.read_excel(folder / "Telco_customer_churn_services.xlsx",
                             usecols=["Customer ID", "Tenure in Months", "Contract", "Total Charges"])
    status = pd.read_excel(folder / "Telco_customer_churn_status.xlsx", usecols=["Customer ID", "Churn Value"])
    d = services.merge(status, on="Customer ID", validate="one_to_one")
    blank = d.sort_values(["Tenure in Months", "Customer ID"]).index[:11].to_numpy()
    text = pd.Series([f"{v:g}" for v in d["Total Charges"]], index=d.index, dtype=object)
    text[blank] = " "
    return d.assign(**{"Total Charges": text}), blank


@pytest.mark.realdata
def test_telco_total_charges_as_text_refused_with_the_fix(telco_text):
    d, blank = telco_text
    assert d["Total Charges"].nunique() > 6000
    for call in (lambda: cox(d, duration="Tenure in Months", event="Churn Value",
                             covariates=["Contract", "Total Charges"]),
                 lambda: repurchase_model(d, "Churn Value", ["Contract", "Total Charges"])):
        with pytest.raises(CovariateError) as info:
            call()
        msg = str(info.value)
        assert "'Total Charges' is mostly numbers" in msg
        assert "7,032 of 7,043 non-missing cells (99.84%) are numbers; 11 blank (e.g. ' '" in msg
        assert "pd.to_numeric(df['Total Charges'].str.strip().replace('', pd.NA))" in msg
    fixed = d.assign(**{"Total Charges": pd.to_numeric(d["Total Charges"].str.strip().replace("", pd.NA))})
    with pytest.warns(DataQualityWarning, match="dropped 11 of"):
        fit = cox(fixed, duration="Tenure in Months", event="Churn Value", covariates=["Contract", "Total Charges"])
    assert fit["n"].iloc[0] == 7043 - 11 and len(fit) == 3


@pytest.mark.realdata
def test_telco_satisfaction_verdict_is_too_good_to_be_true(realdata):
    status = pd.read_excel(realdata / "ibm_telco_extended" / "Telco_customer_churn_status.xlsx")
    out = claim_satisfaction_retention(status, satisfaction="Satisfaction Score", churned="Churn Value")
    row = out.verdict.iloc[0]
    # README: scores 1-2 (922 + 518) all churned, 4-5 (1,789 + 1,149) none: 4,378 of 7,043 rows decided
    assert f"decides the outcome for {4378 / 7043:.1%} of rows" in row["note"]
    assert row["note"].startswith("TOO GOOD TO BE TRUE")


@pytest.mark.realdata
def test_ecommerce_complaints_are_not_flagged(realdata):
    """Complainers churn 31.7 % vs 10.9 % (README): a real effect, no separation."""
    e = pd.read_excel(realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx", sheet_name="E Comm")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        fit = repurchase_model(e, "Churn", ["Complain", "CityTier"])
        silent = claim_silent_customers(e, score="SatisfactionScore", low=2, complaint="Complain",
                                        churned="Churn", duration=None, strata=None)
    assert not silent.verdict["note"].str.contains("TOO GOOD").any()
    me = fit.marginal_effects.set_index("term").loc["Complain"]
    x = sm.add_constant(e[["Complain", "CityTier"]].astype(float))
    ref = sm.Logit(e["Churn"], x).fit(disp=0).get_margeff(at="overall", dummy=True)
    assert me["method"] == "discrete change"
    assert me["ame"] == pytest.approx(ref.margeff[0], rel=1e-8)
    assert me["std_error"] == pytest.approx(ref.margeff_se[0], rel=1e-6)
    rates = e.groupby("Complain")["Churn"].mean()
    assert rates[1] - rates[0] == pytest.approx(0.317 - 0.109, abs=2e-3)
