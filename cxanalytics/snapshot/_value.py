"""What customers are worth, from a churn snapshot: sBG fit, lifetime value, retention vs acquisition (internal)."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from .._core.validate import as_list, check_alpha
from ..behaviour._sbg import SBGFit, fit_sbg_censored
from ..errors import DataQualityWarning, ParameterError, describe
from ._curve import Curve
from ._frame import UNIT_DAYS, prepare, unit_days
from ._rates import _groups, lifetime_periods

_METHODS = ("delta", "monte_carlo")


# ----------------------------------------------------------------------------- inputs
def _discount(discount: float, period_days: float) -> float:
    if isinstance(discount, bool) or not isinstance(discount, numbers.Real) or not (np.isfinite(discount) and discount > 0):
        raise ParameterError(describe("The discount rate must be a number > 0", parameter="discount",
                                      received=discount, expected="an annual rate such as 0.10"))
    return (1.0 + float(discount)) ** (period_days / UNIT_DAYS["years"]) - 1.0


def _rate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (np.isfinite(value) and 0 < value <= 1):
        raise ParameterError(describe(f"{name} must be a share in (0, 1]", parameter=name, received=value,
                                      expected="e.g. 0.3 for a 30 % gross margin on the charges"))
    return float(value)


def _positive_column(data: pd.DataFrame, column: str) -> np.ndarray:
    from .._core.validate import finite_numeric

    v = finite_numeric(data, column)
    if np.any(v < 0):
        from ..errors import ColumnError

        raise ColumnError(describe("Values must be >= 0", column=column, received=float(v[v < 0][0]),
                                   expected="amounts >= 0"))
    return v


def _mean_se(v: np.ndarray) -> tuple[float, float]:
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0


# ----------------------------------------------------------------------------- engine
def _segment(data: pd.DataFrame, *, factor: float, months: float, z: float, horizon, margin_rate: float, cac,
             cac_column: str | None, charges: str, alpha: float, method: str, n_draws: int, rng, measures):
    """Rows (measure, estimate, std_error, ci_lower, ci_upper, interval) of one segment."""
    per = lifetime_periods(data["_tenure"].to_numpy(), data["_churned"].to_numpy(), factor)
    lost_flag = data["_churned"].to_numpy() == 1
    lost = np.bincount(per[lost_flag], minlength=per.max() + 1).astype(float)
    cens = np.bincount(per[~lost_flag], minlength=per.max() + 1).astype(float)
    table = pd.DataFrame({"period": np.arange(len(lost)), "lost": lost, "censored": cens})
    fit = fit_sbg_censored(table, alpha=alpha)
    curve = Curve(fit, lost, cens)
    unit = margin_rate * months * _positive_column(data, charges)  # margin per period, per customer
    m_bar, m_se = _mean_se(unit)
    active = ~lost_flag
    taus, inverse = np.unique(per[active], return_inverse=True)
    weights = np.bincount(inverse, weights=unit[active], minlength=len(taus)) if active.any() else np.zeros(0)
    n_active = int(active.sum())
    if cac_column is not None:
        c_bar, c_se = _mean_se(_positive_column(data, cac_column))
    else:
        c_bar, c_se = (np.nan, 0.0) if cac is None else (float(cac), 0.0)

    def values(x, m, c):
        """Every measure for parameter rows x and margin / cost draws m, c (arrays of one length)."""
        r_new = curve.residual(x, np.zeros(1), z, horizon)[:, 0]
        kept = curve.residual(x, taus, z, horizon) @ weights if n_active else np.full(len(m), np.nan)
        clv_new = m * r_new
        out = {"margin": m, "retention_first_period": curve.first_retention(x), "clv_new": clv_new,
               "value_retained": kept / n_active if n_active else kept, "base_value": kept,
               "acquisition_cost": c, "net_value_new": clv_new - c}
        with np.errstate(divide="ignore", invalid="ignore"):
            out["retained_to_acquisition_cost"] = out["value_retained"] / c
        out["retain_minus_replace"] = out["value_retained"] - out["net_value_new"]
        return {k: np.asarray(out[k], dtype=np.float64) * np.ones(len(m)) for k in measures}

    theta = np.r_[curve.x, m_bar, c_bar]
    k = len(curve.x)
    cov = np.zeros((k + 2, k + 2))
    cov[:k, :k], cov[k, k], cov[k + 1, k + 1] = curve.cov, m_se**2, c_se**2

    def split(th):
        return th[:, :k], th[:, k], th[:, k + 1]

    point = {key: float(v[0]) for key, v in values(*split(theta[None, :])).items()}
    z_a = special.ndtri(1 - alpha / 2)
    rows = []
    if method == "delta":
        h = np.where(np.arange(k + 2) < k, 1e-5, 1e-6 * np.maximum(np.abs(theta), 1.0))
        steps = np.vstack([theta + np.diag(h), theta - np.diag(h)])
        shifted = values(*split(steps))
        for key in measures:
            grad = (shifted[key][: k + 2] - shifted[key][k + 2:]) / (2 * h)
            grad = np.where(np.diag(cov) > 0, grad, 0.0)  # exact inputs: no derivative needed
            se = float(np.sqrt(grad @ cov @ grad)) if np.all(np.isfinite(cov)) else np.nan
            est = point[key]
            if key in ("net_value_new", "retain_minus_replace") or not est > 0:
                lo, hi, kind = est - z_a * se, est + z_a * se, "wald"
            else:
                lo, hi, kind = est * np.exp(-z_a * se / est), est * np.exp(z_a * se / est), "wald_log"
            rows.append((key, est, se, lo, hi, kind))
    else:
        if not np.all(np.isfinite(cov)):
            draws = np.full((n_draws, k + 2), np.nan)
        else:
            draws = rng.multivariate_normal(theta, cov, size=n_draws, method="eigh")
        sims = values(*split(draws))
        for key in measures:
            est, v = point[key], sims[key]
            lo, hi = np.quantile(v, [alpha / 2, 1 - alpha / 2]) if np.all(np.isfinite(v)) else (np.nan, np.nan)
            rows.append((key, est, float(np.std(v, ddof=1)), float(lo), float(hi), "percentile"))
    return fit, n_active, rows


def _table(snapshot, *, by, tenure, churned, charges, tenure_unit, period, margin_rate, discount, horizon, cac,
           cac_column, alpha, method, n_draws, random_state, measures, function) -> pd.DataFrame:
    alpha = check_alpha(alpha)
    if method not in _METHODS:
        raise ParameterError(describe("Unknown method", parameter="method", received=method,
                                      expected="'delta' or 'monte_carlo'"))
    if not (isinstance(n_draws, int | np.integer) and not isinstance(n_draws, bool) and n_draws >= 2):
        raise ParameterError(describe("n_draws must be a whole number >= 2", parameter="n_draws", received=n_draws,
                                      expected="e.g. 10000"))
    margin_rate = _rate(margin_rate, "margin_rate")
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1):
        raise ParameterError(describe("The horizon must be a whole number of periods >= 1", parameter="horizon",
                                      received=horizon, expected="None (no limit) or e.g. 24"))
    period_days = unit_days(period, "period")
    factor = unit_days(tenure_unit, "tenure_unit") / period_days
    z = 1.0 / (1.0 + _discount(discount, period_days))
    by_cols = as_list(by)
    data = prepare(snapshot, tenure=tenure, churned=churned, by=by_cols, extra=[charges, cac_column], function=function)
    codes, keys = _groups(data, by_cols)
    rng = np.random.default_rng(random_state)
    frames = []
    for g in range(len(keys)):
        part = data[codes == g]
        label = dict(keys.iloc[g]) if by_cols else "all customers"
        n, n_lost = len(part), int(part["_churned"].sum())
        if n_lost == 0:
            warnings.warn(f"No customer of {label} churned: their retention cannot be estimated and their values "
                          "are missing", DataQualityWarning, stacklevel=3)
            rows = [(key, np.nan, np.nan, np.nan, np.nan, "") for key in measures]
            n_active = n
        else:
            _, n_active, rows = _segment(part, factor=factor, months=period_days / UNIT_DAYS["months"], z=z,
                                         horizon=horizon, margin_rate=margin_rate, cac=cac, cac_column=cac_column,
                                         charges=charges, alpha=alpha, method=method, n_draws=int(n_draws), rng=rng, measures=measures)
        frame = pd.DataFrame(rows, columns=["measure", "estimate", "std_error", "ci_lower", "ci_upper", "interval"])
        frame.insert(1, "n", n)
        frame.insert(2, "n_active", n_active)
        for col in reversed(by_cols):
            frame.insert(0, col, keys[col].iloc[g])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).assign(method=method)


# ----------------------------------------------------------------------------- public
def fit_sbg_snapshot(snapshot: pd.DataFrame, *, tenure: str = "tenure", churned: str = "churned",
                     tenure_unit: str = "days", period: str = "months", alpha: float = 0.05) -> SBGFit:
    """Fit the shifted-beta-geometric retention model to the tenures of a churn snapshot.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.
    tenure, churned : str
        Column names: time with the company, churn flag (customers still active are
        right-censored at their tenure).
    tenure_unit, period : str
        Unit of ``tenure`` (default 'days') and length of one sBG period (default
        'months'), as in :func:`tenure_life_table`.
    alpha : float, default 0.05
        Significance level of the parameter intervals.

    Returns
    -------
    SBGFit
        As :func:`cxanalytics.behaviour.clv.fit_sbg_censored` on :func:`tenure_life_table`.

    Raises
    ------
    ColumnError, ParameterError
        As :func:`tenure_life_table`; no customer churned.

    Warns
    -----
    DataQualityWarning
        As :func:`tenure_life_table`.
    ConvergenceWarning
        As :func:`cxanalytics.behaviour.clv.fit_sbg`.

    Notes
    -----
    A snapshot mixes customers of every age: the usual sBG input, the survivors of one
    cohort, does not exist. Each customer contributes :math:`P(T = t)` if lost in
    period t, or :math:`S(t)` if still active after t periods (right-censoring at the
    customer's own tenure), which is the likelihood of
    :func:`cxanalytics.behaviour.clv.fit_sbg_censored`. It assumes that customers acquired at
    different times share one retention process.

    Examples
    --------
    Fader & Hardie's (2007) regular customers as a snapshot (369 lost in year 1, ...,
    241 still active after 7 years):

    >>> counts = {(1, 1): 369, (2, 1): 163, (3, 1): 86, (4, 1): 56, (5, 1): 37, (6, 1): 27, (7, 1): 21, (7, 0): 241}
    >>> snap = pd.DataFrame([k for k, n in counts.items() for _ in range(n)], columns=["tenure", "churned"])
    >>> fit = fit_sbg_snapshot(snap, tenure_unit="years", period="years")
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    """
    from ._rates import life_table

    table = life_table(snapshot, tenure=tenure, churned=churned, by=None, tenure_unit=tenure_unit, period=period,
                       alpha=alpha, function="fit_sbg_snapshot")
    return fit_sbg_censored(table, alpha=alpha)


_VALUE_DOC = """
    margin_rate : float
        Share of the charges that is margin, in (0, 1]: the business's gross margin on
        what customers pay. There is no default: a lifetime value of revenue is not a
        lifetime value.
    discount : float, default 0.10
        Annual discount rate; converted to one period as :math:`(1 + d)^{p} - 1`, p the
        period in years.
    horizon : int, optional
        Number of future periods valued; None (default) values the whole expected
        lifetime, which extrapolates the fitted curve beyond the longest tenure seen.
    by : str or list of str, optional
        Segment column(s): one sBG fit and one set of values per segment.
    tenure, churned, charges : str
        Column names: time with the company, churn flag, monthly charges (currency
        units per month).
    tenure_unit : str, default 'days'
        Unit of ``tenure`` ('days', the canonical unit, 'weeks', 'months', 'quarters',
        'years').
    period : str, default 'months'
        Length of one period of the retention model (the billing period); the monthly
        charges are scaled to it.
    alpha : float, default 0.05
        Significance level of the intervals.
    method : {'delta', 'monte_carlo'}, default 'delta'
        How the uncertainty of the fit and of the mean margin is propagated (Notes).
    n_draws : int, default 10000
        Draws of the Monte Carlo method.
    random_state : int, numpy.random.Generator or None
        Seed of the Monte Carlo draws.
"""

_VALUE_NOTES = """
    The sBG model (:func:`fit_sbg_snapshot`, per segment) gives the survival curve
    S(t); a customer pays the margin m at the end of every period they stay, discounted
    by :math:`z = 1/(1 + d)` per period. A customer still active after :math:`\\tau`
    periods is expected to pay
    :math:`R(\\tau) = \\sum_{t \\ge 1} z^t S(\\tau + t)/S(\\tau)
    = z \\frac{\\beta + \\tau}{\\alpha + \\beta + \\tau}
    {}_2F_1(1, \\beta + \\tau + 1; \\alpha + \\beta + \\tau + 1; z)` more margins
    (Fader & Hardie 2010's discounted expected residual lifetime, times z). A new
    customer is worth :math:`\\bar m R(0)`, with :math:`\\bar m` the mean margin per
    period of the segment's customers (margin rate x mean monthly charge x months per
    period); an active customer is worth their own margin times :math:`R(\\tau)`, since
    retention rises with tenure as the customers most likely to leave are gone. At the
    homogeneous limit of the fit (no heterogeneity), :math:`R = r z/(1 - r z)` for every
    tenure, with r = 1 - the pooled churn per period. With a horizon of H periods only
    the next H margins count: :math:`R_H(\\tau) = R(\\tau) - z^H S(\\tau + H)/S(\\tau)\\,
    R(\\tau + H)`. Without one, the value rests on the fitted curve far beyond the
    tenures observed: a heterogeneous fit with small alpha implies a group of customers
    who almost never leave, so compare with a horizon of the longest tenure seen.

    Uncertainty: the fit's parameters on their working scale (log alpha, log beta; or
    logit of the pooled churn) with the covariance from the observed information
    (central-difference Hessian of the censored log-likelihood), the mean margin (and a
    mean acquisition cost from a column) with the standard error of a mean, taken as
    independent. The delta method uses numerical derivatives; positive values get a
    Wald interval on the log scale, differences one on the value scale. Monte Carlo
    draws the parameters from the same normal distribution and takes percentiles.
    Margins of the active customers and the snapshot's customers themselves are taken
    as given (the value of *these* customers); the margin rate and discount rate are
    choices, not estimates: vary them to see their effect.
"""


def snapshot_clv(snapshot: pd.DataFrame, *, margin_rate: float, discount: float = 0.10, horizon: int | None = None,
                 by: str | Sequence[str] | None = None, tenure: str = "tenure", churned: str = "churned",
                 charges: str = "monthly_charges", tenure_unit: str = "days", period: str = "months",
                 alpha: float = 0.05, method: str = "delta", n_draws: int = 10_000,
                 random_state=None) -> pd.DataFrame:
    """Lifetime value from a churn snapshot: margin from the charges, retention from the fitted sBG curve.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.{params}
    Returns
    -------
    pandas.DataFrame
        Five rows per segment: by-columns, ``measure``, ``n`` (customers), ``n_active``
        (customers still active), ``estimate``, ``std_error``, ``ci_lower``,
        ``ci_upper``, ``interval`` ('wald_log', 'wald' or 'percentile') and ``method``.
        Measures: 'margin' (mean margin per period), 'retention_first_period'
        (beta / (alpha + beta), the share of new customers who stay a second period),
        'clv_new' (value of a new customer), 'value_retained' (mean remaining value of
        an active customer, given their tenure) and 'base_value' (sum of the remaining
        values of the active customers: the customer base's worth). Values are in the
        currency of the charges, discounted to the snapshot date.

    Raises
    ------
    ColumnError
        Missing columns; churn flags that are not true/false; negative tenures; charges
        that are missing, negative or not numbers.
    ParameterError
        A margin rate outside (0, 1], a discount rate <= 0, a horizon that is not a whole
        number >= 1, an unknown unit or method.

    Warns
    -----
    DataQualityWarning
        Rows with a missing tenure, churn flag or segment are left out; a segment where
        no one churned gets missing values.
    ConvergenceWarning
        As :func:`cxanalytics.behaviour.clv.fit_sbg`.

    Notes
    -----{notes}
    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.

    Examples
    --------
    >>> counts = {{(1, 1): 369, (2, 1): 163, (3, 1): 86, (4, 1): 56, (5, 1): 37, (6, 1): 27, (7, 1): 21, (7, 0): 241}}
    >>> snap = pd.DataFrame([k for k, n in counts.items() for _ in range(n)], columns=["tenure", "churned"])
    >>> snap["monthly_charges"] = 10.0
    >>> out = snapshot_clv(snap, margin_rate=0.5, discount=0.1, tenure_unit="years", period="years")
    >>> out.set_index("measure").loc[["margin", "clv_new"], ["estimate", "ci_lower", "ci_upper"]].round(1)
             estimate  ci_lower  ci_upper
    measure...
    margin       60.0      60.0      60.0
    clv_new     161.7     148.5     176.1
    """
    return _table(snapshot, by=by, tenure=tenure, churned=churned, charges=charges, tenure_unit=tenure_unit,
                  period=period, margin_rate=margin_rate, discount=discount, horizon=horizon, cac=None, cac_column=None,
                  alpha=alpha, method=method, n_draws=n_draws, random_state=random_state,
                  measures=("margin", "retention_first_period", "clv_new", "value_retained", "base_value"),
                  function="snapshot_clv")


def snapshot_retention_vs_acquisition(snapshot: pd.DataFrame, *, acquisition_cost: float | str, margin_rate: float,
                                      discount: float = 0.10, horizon: int | None = None,
                                      by: str | Sequence[str] | None = None,
                                      tenure: str = "tenure", churned: str = "churned",
                                      charges: str = "monthly_charges", tenure_unit: str = "days",
                                      period: str = "months", alpha: float = 0.05, method: str = "delta",
                                      n_draws: int = 10_000, random_state=None) -> pd.DataFrame:
    """What a retained customer is worth against what a new one costs and brings, from a churn snapshot.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.
    acquisition_cost : float or str
        Cost of winning one new customer (currency units): a number, or the name of a
        column of the snapshot holding each customer's acquisition cost (its mean per
        segment is used, with its standard error).{params}
    Returns
    -------
    pandas.DataFrame
        Six rows per segment, columns as :func:`snapshot_clv`. Measures: 'clv_new'
        (value of a new customer), 'acquisition_cost', 'net_value_new' (clv_new -
        acquisition_cost: what winning a customer adds), 'value_retained' (mean
        remaining value of an active customer), 'retained_to_acquisition_cost'
        (value_retained / acquisition_cost) and 'retain_minus_replace' (value_retained -
        net_value_new: what is lost when an average active customer leaves and is
        replaced by a new one, hence the most worth spending to keep one who would
        otherwise leave).

    Raises
    ------
    ColumnError, ParameterError
        As :func:`snapshot_clv`; an acquisition cost that is neither a number >= 0 nor a
        column of numbers >= 0.

    Warns
    -----
    DataQualityWarning, ConvergenceWarning
        As :func:`snapshot_clv`.

    Notes
    -----
    Averages, not margins (Pfeifer 2005): the customers a retention effort would save are
    not the average active customer, and the next customer won may cost more than the
    average acquisition cost. ``retain_minus_replace`` is the break-even spend per
    customer saved only under those two simplifications.
    {notes}
    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.
    Pfeifer, P. E. (2005). The optimal ratio of acquisition and retention costs.
    *Journal of Targeting, Measurement and Analysis for Marketing* 13(2), 179-188.

    Examples
    --------
    >>> counts = {{(1, 1): 369, (2, 1): 163, (3, 1): 86, (4, 1): 56, (5, 1): 37, (6, 1): 27, (7, 1): 21, (7, 0): 241}}
    >>> snap = pd.DataFrame([k for k, n in counts.items() for _ in range(n)], columns=["tenure", "churned"])
    >>> snap["monthly_charges"] = 10.0
    >>> out = snapshot_retention_vs_acquisition(snap, acquisition_cost=100.0, margin_rate=0.5, discount=0.1,
    ...                                         tenure_unit="years", period="years")
    >>> out.set_index("measure")["estimate"].round(1).to_dict()
    {{'clv_new': 161.7, 'acquisition_cost': 100.0, 'net_value_new': 61.7, 'value_retained': 373.2, \
'retained_to_acquisition_cost': 3.7, 'retain_minus_replace': 311.5}}
    """
    if isinstance(acquisition_cost, str):
        cac, cac_column = None, acquisition_cost
    elif (isinstance(acquisition_cost, numbers.Real) and not isinstance(acquisition_cost, bool)
          and np.isfinite(acquisition_cost) and acquisition_cost >= 0):
        cac, cac_column = float(acquisition_cost), None
    else:
        raise ParameterError(describe("Acquisition cost must be a number >= 0 or a column name",
                                      parameter="acquisition_cost", received=repr(acquisition_cost)[:60],
                                      expected="e.g. 250.0, or 'acquisition_cost'"))
    return _table(snapshot, by=by, tenure=tenure, churned=churned, charges=charges, tenure_unit=tenure_unit,
                  period=period, margin_rate=margin_rate, discount=discount, horizon=horizon, cac=cac,
                  cac_column=cac_column,
                  alpha=alpha, method=method, n_draws=n_draws, random_state=random_state,
                  measures=("clv_new", "acquisition_cost", "net_value_new", "value_retained",
                            "retained_to_acquisition_cost", "retain_minus_replace"),
                  function="snapshot_retention_vs_acquisition")


snapshot_clv.__doc__ = snapshot_clv.__doc__.format(params=_VALUE_DOC, notes=_VALUE_NOTES)
snapshot_retention_vs_acquisition.__doc__ = snapshot_retention_vs_acquisition.__doc__.format(
    params=_VALUE_DOC, notes=_VALUE_NOTES)
