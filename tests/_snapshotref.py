"""Reference numbers for the churn-snapshot report, computed with statsmodels and scipy only.

The raw workbooks are read with pandas and recoded here by hand (no cxanalytics code), so the
numbers are an independent check of what ``cxanalytics report --snapshot ... --map ...`` prints
in notebook 09. Used by tests/test_snapshot_realdata_report.py; run as a script to print the
side-by-side table (``python tests/_snapshotref.py``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import survdiff
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

TELCO_SEGMENTS = {"Contract": "contract", "Payment Method": "payment_method", "Internet Type": "internet_type",
                  "Offer": "offer", "Paperless Billing": "paperless_billing"}
ECOM_SEGMENTS = {"PreferredLoginDevice": "preferred_login_device", "PreferredPaymentMode": "payment_method",
                 "PreferedOrderCat": "preferred_order_category", "CityTier": "city_tier", "Gender": "gender",
                 "MaritalStatus": "marital_status"}
ECOM_LABELS = {"preferred_login_device": {"Phone": "Mobile Phone"},
               "payment_method": {"CC": "Credit Card", "COD": "Cash on Delivery"},
               "preferred_order_category": {"Mobile": "Mobile Phone"}}


def telco_raw(folder: Path) -> pd.DataFrame:
    """Status and services workbooks joined on the customer id; "None" (no offer, no internet) kept as text."""
    read = {n: pd.read_excel(folder / f"Telco_customer_churn_{n}.xlsx", keep_default_na=False, na_values=[""])
            for n in ("status", "services")}
    d = read["status"].merge(read["services"].drop(columns=["Count", "Quarter"]), on="Customer ID",
                             validate="one_to_one")
    return d.rename(columns=TELCO_SEGMENTS).assign(
        tenure=d["Tenure in Months"].astype(float), churned=d["Churn Value"].astype(int),
        monthly_charges=d["Monthly Charge"].astype(float), satisfaction=d["Satisfaction Score"].astype(float))


def ecommerce_raw(path: Path) -> pd.DataFrame:
    d = pd.read_excel(path, sheet_name="E Comm").rename(columns=ECOM_SEGMENTS)
    for col, labels in ECOM_LABELS.items():
        d[col] = d[col].replace(labels)
    d["city_tier"] = d["city_tier"].astype(str)  # a label (1, 2, 3), not a quantity
    return d.assign(tenure=d["Tenure"].astype(float), churned=d["Churn"].astype(int),
                    satisfaction=d["SatisfactionScore"].astype(float), complaint=d["Complain"].astype(int))


# ----------------------------------------------------------------------------- estimates
def churn_share(d: pd.DataFrame, by: str) -> pd.DataFrame:
    """Churn share per level with statsmodels' Wilson interval."""
    g = d.groupby(by)["churned"].agg(["size", "sum"])
    lo, hi = proportion_confint(g["sum"], g["size"], method="wilson")
    return pd.DataFrame({"n": g["size"], "churned": g["sum"], "churn_rate": g["sum"] / g["size"],
                         "ci_lower": lo, "ci_upper": hi})


def logrank(d: pd.DataFrame, by: str) -> tuple[float, int, float]:
    """statsmodels' log-rank chi-square, its degrees of freedom, and scipy's upper tail (log10 when it underflows)."""
    t = d.dropna(subset=["tenure"])
    stat, _ = survdiff(t["tenure"].to_numpy(float), t["churned"].to_numpy(int), t[by].to_numpy())
    df = t[by].nunique() - 1
    return float(stat), int(df), float(stats.chi2.logsf(stat, df) / np.log(10))


def cox(d: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Breslow Cox model by statsmodels PHReg; text columns as indicators against their first level (sorted)."""
    t = d.dropna(subset=["tenure"])
    parts = []
    for c in covariates:
        if pd.api.types.is_numeric_dtype(t[c]):
            parts.append(t[[c]].astype(float))
        else:
            levels = sorted(t[c].unique())
            parts.append(pd.DataFrame({f"{c}[{lv}]": (t[c] == lv).astype(float) for lv in levels[1:]}, index=t.index))
    x = pd.concat(parts, axis=1)
    model = PHReg(t["tenure"].to_numpy(float), x.to_numpy(), status=t["churned"].to_numpy(int), ties="breslow")
    fit = model.fit(start_params=model.fit(method="lbfgs", maxiter=500).params)  # L-BFGS, then Newton
    ci = np.exp(fit.conf_int())
    return pd.DataFrame({"hazard_ratio": np.exp(fit.params), "ci_lower": ci[:, 0], "ci_upper": ci[:, 1],
                         "p_value": fit.pvalues}, index=x.columns)


def periods(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lost customers' period (tenure, at least 1) and active customers' completed periods (whole months)."""
    t = d.dropna(subset=["tenure"])
    lost = np.maximum(t.loc[t["churned"] == 1, "tenure"].to_numpy(float), 1.0)
    kept = t.loc[t["churned"] == 0, "tenure"].to_numpy(float)
    return lost, kept


class _SBG(GenericLikelihoodModel):
    """Censored sBG on (log alpha, log beta): P(T=t) for the lost, S(t) for the active (Fader & Hardie 2007)."""

    def __init__(self, t, lost, **kw):
        super().__init__(np.asarray(t, float), np.ones((len(t), 1)), **kw)
        self.lost = np.asarray(lost, bool)

    def loglikeobs(self, params):
        a, b = np.exp(params)
        t = self.endog
        return np.where(self.lost, special.betaln(a + 1, b + t - 1), special.betaln(a, b + t)) - special.betaln(a, b)


def sbg(d: pd.DataFrame) -> dict:
    """alpha, beta, log-likelihood by scipy (Nelder-Mead) and statsmodels' GenericLikelihoodModel (its covariance)."""
    lost, kept = periods(d)
    t = np.r_[lost, kept]
    model = _SBG(t, np.r_[np.ones(len(lost)), np.zeros(len(kept))])
    nm = optimize.minimize(lambda x: -model.loglike(x), np.log([0.5, 2.0]), method="Nelder-Mead",
                           options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    with warnings.catch_warnings():  # statsmodels notes the 2 parameters against its df bookkeeping; BFGS at the optimum
        warnings.simplefilter("ignore")
        fit = model.fit(start_params=nm.x, method="bfgs", disp=0, gtol=1e-10)
    a, b = np.exp(fit.params)
    return {"alpha": a, "beta": b, "loglik": float(fit.llf), "x": fit.params, "cov": fit.cov_params()}


def _residual(x: np.ndarray, tau: np.ndarray, z: float, horizon: int | None, n_terms: int = 20_000) -> np.ndarray:
    """Sum over t >= 1 of z^t S(tau + t) / S(tau), summed term by term (no hypergeometric closed form)."""
    a, b = np.exp(x)
    t = np.arange(1, (horizon or n_terms) + 1, dtype=float)
    log_s = special.betaln(a, b + tau[:, None] + t[None, :]) - special.betaln(a, b + tau[:, None])
    return np.sum(z**t * np.exp(log_s), axis=1)


def clv(d: pd.DataFrame, margin_rate: float, discount: float = 0.10, horizon: int | None = None,
        alpha: float = 0.05) -> dict:
    """Value of a new customer: mean margin per month x discounted expected months, delta-method interval.

    Heterogeneous segments only (a fit at the homogeneous limit has no (alpha, beta) to differentiate).
    """
    fit = sbg(d)
    z = 1 / (1 + discount) ** (1 / 12)
    margin = margin_rate * d.dropna(subset=["tenure"])["monthly_charges"].to_numpy(float)
    m, m_se = margin.mean(), margin.std(ddof=1) / np.sqrt(len(margin))
    r = _residual(fit["x"], np.zeros(1), z, horizon)[0]
    h = 1e-5
    grad = np.array([(_residual(fit["x"] + e, np.zeros(1), z, horizon)[0]
                      - _residual(fit["x"] - e, np.zeros(1), z, horizon)[0]) / (2 * h) for e in np.eye(2) * h])
    var = m**2 * grad @ fit["cov"] @ grad + r**2 * m_se**2
    est = m * r
    q = special.ndtri(1 - alpha / 2) * np.sqrt(var) / est
    return {"clv_new": est, "ci_lower": est * np.exp(-q), "ci_upper": est * np.exp(q), **fit}


def satisfaction_link(d: pd.DataFrame) -> dict:
    """Odds ratio per point (statsmodels Logit) or, under separation, the HC3 linear slope (statsmodels OLS)."""
    y, x = d["churned"].astype(float), sm.add_constant(d["satisfaction"].astype(float))
    rates = d.groupby("satisfaction")["churned"].mean()
    decided = d["satisfaction"].map((rates == 0) | (rates == 1)).mean()  # share of customers at an all-or-none level
    if decided > 0.5:
        ols = sm.OLS(y, x).fit(cov_type="HC3")
        lo, hi = ols.conf_int().iloc[1]
        return {"measure": "slope", "estimate": ols.params.iloc[1], "ci_lower": lo, "ci_upper": hi,
                "decided": decided}
    logit = sm.Logit(y, x).fit(disp=0)
    lo, hi = np.exp(logit.conf_int().iloc[1])
    return {"measure": "odds ratio", "estimate": float(np.exp(logit.params.iloc[1])), "ci_lower": lo, "ci_upper": hi,
            "decided": decided}


def complaint_link(d: pd.DataFrame) -> dict:
    """Churn share of complainers minus the others, Newcombe's hybrid score interval (statsmodels)."""
    g = d.groupby("complaint")["churned"].agg(["sum", "size"])
    lo, hi = confint_proportions_2indep(g.loc[1, "sum"], g.loc[1, "size"], g.loc[0, "sum"], g.loc[0, "size"],
                                        method="newcomb", compare="diff")
    est = g.loc[1, "sum"] / g.loc[1, "size"] - g.loc[0, "sum"] / g.loc[0, "size"]
    return {"estimate": est, "ci_lower": lo, "ci_upper": hi}


if __name__ == "__main__":  # pragma: no cover - prints the side-by-side table for a report
    import sys

    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "realdata")
    tel = telco_raw(root / "ibm_telco_extended")
    eco = ecommerce_raw(root / "ecommerce_churn" / "E Commerce Dataset.xlsx")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(churn_share(tel, "contract"))
        print("telco log-rank contract", logrank(tel, "contract"))
        print(cox(tel, list(TELCO_SEGMENTS.values()) + ["monthly_charges"]))
        print("telco sBG", {k: v for k, v in sbg(tel).items() if k in ("alpha", "beta", "loglik")})
        for level, part in tel.groupby("contract"):
            print(level, {k: v for k, v in clv(part, 0.30).items() if k in ("clv_new", "ci_lower", "ci_upper")}
                  if level == "Month-to-Month" else "")
        print("telco satisfaction", satisfaction_link(tel))
        print(churn_share(eco, "preferred_order_category"))
        print("ecom log-rank", logrank(eco, "preferred_order_category"))
        print(cox(eco, list(ECOM_SEGMENTS.values())))
        print("ecom sBG", {k: v for k, v in sbg(eco).items() if k in ("alpha", "beta", "loglik")})
        print("ecom satisfaction", satisfaction_link(eco))
        print("ecom complaint", complaint_link(eco))
