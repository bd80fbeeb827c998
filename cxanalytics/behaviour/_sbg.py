"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

Re-exported by :mod:`cxanalytics.behaviour.clv` (``fit_sbg``, ``SBGFit``), which documents the
shared fitting method (maximum likelihood on log parameters, delta-method intervals).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import check_alpha, require_columns, require_frame
from ..errors import ConvergenceWarning, ParameterError, describe
from ._mle import _as_array, _Fit, _fit_mle

__all__ = ["SBGFit", "fit_sbg", "fit_sbg_censored"]


# ----------------------------------------------------------------------------- sBG
@dataclass(frozen=True)
class SBGFit(_Fit):
    """Shifted-beta-geometric fit (see :func:`fit_sbg`)."""

    n0: float = 1.0

    @property
    def alpha(self) -> float:
        """Model parameter alpha of the beta distribution of churn probabilities.

        The published name of the sBG parameter (Fader & Hardie 2007), kept as is: it is
        not the significance level ``alpha=`` that the fitting functions take (the
        intervals in ``params`` are ``1 - alpha`` intervals of that one).
        """
        return self._p("alpha")

    @property
    def beta(self) -> float:
        """Model parameter beta of the beta distribution of churn probabilities."""
        return self._p("beta")

    @property
    def homogeneous(self) -> bool:
        """True when the fit is the homogeneous limit (alpha = beta = inf, a ``churn`` row in params)."""
        return bool(np.isinf(self.alpha) and np.isinf(self.beta))

    def churn_probability(self, t):
        """P(T = t): probability that a new customer churns in period t (t >= 1)."""
        t = _as_array(t, "t")
        a, b = self.alpha, self.beta
        if self.homogeneous:
            return self._p("churn") * (1 - self._p("churn")) ** (t - 1)
        return np.exp(special.betaln(a + 1, b + t - 1) - special.betaln(a, b))

    def survival(self, t):
        """S(t) = B(alpha, beta + t) / B(alpha, beta) (homogeneous limit: (1 - churn)^t)."""
        t = _as_array(t, "t")
        a, b = self.alpha, self.beta
        if self.homogeneous:
            return (1 - self._p("churn")) ** t
        return np.exp(special.betaln(a, b + t) - special.betaln(a, b))

    def retention(self, t):
        """r_t = (beta + t - 1) / (alpha + beta + t - 1) (homogeneous limit: 1 - churn)."""
        t = _as_array(t, "t")
        if self.homogeneous:
            return np.full_like(t, 1 - self._p("churn"))
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def project(self, periods, *, n0: float | None = None) -> pd.DataFrame:
        """Expected survivors at the start of each period (columns period, survival, retention, expected_survivors)."""
        t = _as_array(periods, "periods")
        n0 = self.n0 if n0 is None else float(n0)
        with np.errstate(invalid="ignore"):
            ret = np.where(t >= 1, self.retention(np.maximum(t, 1)), np.nan)
        s = self.survival(t)
        return pd.DataFrame({"period": t, "survival": s, "retention": ret, "expected_survivors": n0 * s})

    @renamed_parameters(discount_rate="discount")
    def derl(self, discount: float, *, renewals: int = 0) -> float:
        """Discounted expected residual lifetime of a customer who has made ``renewals`` renewals.

        Fader & Hardie (2010), eq. for DERL(d | alpha, beta, n - 1 renewals) with
        n = renewals + 1: ``B(a, b + n) / B(a, b + n - 1) * 2F1(1, b + n; a + b + n; 1 / (1 + d))``,
        in units of the per-period payment, the next payment (if the customer renews)
        counted undiscounted.  Multiply by the margin for a value.  ``discount`` is the
        discount rate per period (Called ``discount_rate`` before 0.2; the old name still works, with a ``FutureWarning``.)
        """
        d = float(discount)
        if not d > 0 or int(renewals) != renewals or renewals < 0:
            raise ParameterError(
                describe("Need discount > 0 and a whole number of renewals >= 0", parameter="discount",
                         received=(discount, renewals), expected="d > 0, renewals in 0, 1, 2, ...")
            )
        if self.homogeneous:  # the limit of the series below: sum_k (1 - p)^(k+1) / (1 + d)^k
            return float((1 - self._p("churn")) * (1 + d) / (d + self._p("churn")))
        a, b, n = self.alpha, self.beta, int(renewals) + 1
        z = 1.0 / (1.0 + d)
        value = (b + n - 1) / (a + b + n - 1) * special.hyp2f1(1.0, b + n, a + b + n, z)
        if np.isfinite(value):
            return float(value)
        # scipy's 2F1 fails for large a + b (near-identical customers): sum its series instead,
        # term k = prod_{j<=k} (b+n-1+j)/(a+b+n-1+j) * z^k, until z^k is below 1e-17.
        k = np.arange(int(np.ceil(np.log(1e-17) / np.log(z))) + 1)
        log_terms = np.cumsum(np.log(b + n - 1 + k) - np.log(a + b + n - 1 + k)) + k * np.log(z)
        return float(np.exp(log_terms).sum())


def _cohorts(survivors) -> list[np.ndarray]:
    if isinstance(survivors, pd.DataFrame):
        raise ParameterError(describe("Pass survivors as a sequence (or a dict of sequences per cohort)",
                                      parameter="survivors", received="DataFrame", expected="e.g. [1000, 631, 468]"))
    items = list(survivors.values()) if isinstance(survivors, Mapping) else list(survivors)
    nested = len(items) > 0 and all(isinstance(i, Sequence | np.ndarray | pd.Series) and not isinstance(i, str) for i in items)
    cohorts = [np.asarray(c, dtype=np.float64) for c in items] if nested else [np.asarray(items, dtype=np.float64)]
    for c in cohorts:
        if c.ndim != 1 or len(c) < 2 or not np.all(np.isfinite(c)) or c[0] <= 0 or np.any(c < 0) or np.any(np.diff(c) > 0):
            raise ParameterError(
                describe("Survivors must be non-increasing counts, starting positive, at least two periods",
                         parameter="survivors", received=c.tolist(), expected="e.g. [1000, 631, 468, 382]")
            )
    return cohorts


def _sbg_loglik(a, b, lost_n, lost_t, cens_n, cens_t) -> float:
    """sBG log-likelihood as sums of log retention rates, accurate also for huge alpha, beta."""
    t = np.arange(int(max(lost_t.max(), cens_t.max())))
    log_s = np.concatenate([[0.0], np.cumsum(np.log1p(-a / (a + b + t)))])  # log S(0), ..., log S(k)
    lost_t, cens_t = lost_t.astype(int), cens_t.astype(int)
    return float(np.sum(lost_n * (log_s[lost_t - 1] + np.log(a / (a + b + lost_t - 1)))) + np.sum(cens_n * log_s[cens_t]))


def _sbg_derivatives(a, b, lost_n, lost_t, cens_n, cens_t) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of the sBG log-likelihood in (u, v) = (log alpha, log beta).

    From the retention-rate form log S(m) = sum_{j<m} log((b+j)/(a+b+j)) and
    log P(T=t) = log S(t-1) + log(a/(a+b+t-1)), every derivative is a sum of rational terms
    (no digamma differences to cancel).  With s = a+b+j: d log S / du = -sum a/s,
    d log S / dv = sum a b/((b+j) s), second derivatives -a(b+j)/s^2, a b/s^2 and
    b j/(b+j)^2 - b(a+j)/s^2; with s = a+b+c, c = t-1: d log(a/s) / du = (b+c)/s,
    d/dv = -b/s, second derivatives -a(b+c)/s^2, a b/s^2, -b(a+c)/s^2.
    """
    j = np.arange(int(max(lost_t.max(), cens_t.max())))
    s = a + b + j

    def cum(v):  # value at m = 0, 1, ..., max period of sum_{j<m} v_j
        return np.concatenate([[0.0], np.cumsum(v)])

    log_s = [cum(v) for v in (-a / s, a * b / ((b + j) * s), -a * (b + j) / s**2, a * b / s**2,
                              b * j / (b + j) ** 2 - b * (a + j) / s**2)]  # u, v, uu, uv, vv
    lost_t, cens_t = lost_t.astype(int), cens_t.astype(int)
    c = lost_t - 1
    sc = a + b + c
    last = [(b + c) / sc, -b / sc, -a * (b + c) / sc**2, a * b / sc**2, -b * (a + c) / sc**2]
    u, v, uu, uv, vv = (np.sum(lost_n * (d[c] + e)) + np.sum(cens_n * d[cens_t]) for d, e in zip(log_s, last, strict=True))
    return np.array([u, v]), np.array([[uu, uv], [uv, vv]])


def fit_sbg(survivors, *, alpha: float = 0.05) -> SBGFit:
    """Fit the shifted-beta-geometric model of contractual retention.

    Parameters
    ----------
    survivors : sequence of numbers, or a list / dict of sequences
        Customers still active at the start of periods 0, 1, ..., k of one cohort
        (the first value is the cohort size), or one such sequence per cohort.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    SBGFit
        ``alpha``, ``beta``, ``loglik``, ``n`` (customers), ``converged``,
        ``n0`` (size of the first cohort), ``params`` (parameter, estimate,
        std_error, ci_lower, ci_upper) and methods ``survival``, ``retention``,
        ``churn_probability``, ``project``, ``derl``, ``summary``, and
        ``homogeneous`` (True at the alpha, beta -> inf boundary; see Notes).

    Raises
    ------
    ParameterError
        If the survivors are not non-increasing non-negative counts.

    Warns
    -----
    ConvergenceWarning
        If the optimiser fails (not at the homogeneous limit, which the fit reports itself).

    Notes
    -----
    Each customer's churn probability per period is theta ~ Beta(alpha, beta).
    With :math:`n_t` survivors, :math:`LL = \\sum_{t=1}^k (n_{t-1} - n_t) \\log P(T=t) + n_k \\log S(k)`,
    :math:`P(T=t) = B(\\alpha+1, \\beta+t-1)/B(\\alpha,\\beta)`,
    :math:`S(t) = B(\\alpha, \\beta+t)/B(\\alpha,\\beta)`.

    Homogeneous limit: the sBG can only produce retention rates that rise with tenure.
    When survivors fall by a constant (or growing) share per period, the likelihood
    rises towards alpha, beta -> inf with alpha / (alpha + beta) = p, where Beta(alpha, beta)
    collapses onto p and the model becomes geometric: :math:`S(t) = (1-p)^t`, whose MLE is
    the pooled churn rate p = customers lost / customer-periods at risk, with
    :math:`LL_0 = D \\log p + (E - D) \\log(1 - p)`.  If no fitted (alpha, beta) beats
    :math:`LL_0`, the fit reports ``alpha = beta = inf``, ``homogeneous = True``,
    ``converged = True``, the log-likelihood :math:`LL_0` and a third ``params`` row
    ``churn`` (p, its standard error sqrt(p (1 - p) / E) and a Wilson score interval);
    survival, retention, projections and DERL then use the geometric closed forms.  No
    warning is issued: customers who do not differ in churn are a finding, shown by
    ``homogeneous`` and the ``churn`` row.  With one period per cohort heterogeneity cannot
    be identified at all and this limit is what is reported.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
    *Journal of Interactive Marketing* 21(1), 76-90.
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.

    Examples
    --------
    >>> fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)

    Survivors falling by 20 % every period: no heterogeneity, a geometric curve.

    >>> geo = fit_sbg([1000, 800, 640, 512])
    >>> geo.homogeneous, round(float(geo.params["estimate"].iloc[2]), 4), geo.project([4])["expected_survivors"].round(1).tolist()
    (True, 0.2, [409.6])
    """
    alpha = check_alpha(alpha)
    cohorts = _cohorts(survivors)
    lost = [(-np.diff(c), np.arange(1, len(c)), c[-1], len(c) - 1) for c in cohorts]
    lost_n = np.concatenate([d for d, *_ in lost])
    lost_t = np.concatenate([t for _, t, *_ in lost])
    cens_n = np.array([n for *_, n, _ in lost])
    cens_t = np.array([k for *_, k in lost], dtype=np.float64)

    def negll(x):  # the retention-rate form: accurate also where alpha, beta are large (betaln differences are not)
        ll = _sbg_loglik(*np.exp(x), lost_n, lost_t, cens_n, cens_t)
        return -ll if np.isfinite(ll) else np.inf

    def grad(x):
        return -_sbg_derivatives(*np.exp(x), lost_n, lost_t, cens_n, cens_t)[0]

    def hess(x):
        return -_sbg_derivatives(*np.exp(x), lost_n, lost_t, cens_n, cens_t)[1]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        _, table, ll, ok = _fit_mle(negll, np.zeros(2), ["alpha", "beta"], alpha, "fit_sbg", grad, hess)
    # Homogeneous limit (alpha, beta -> inf, alpha / (alpha + beta) = p): geometric, pooled churn p = D / E.
    churned, exposure = lost_n.sum(), sum(c[:-1].sum() for c in cohorts)
    p = churned / exposure
    ll0 = float(special.xlogy(churned, p) + special.xlog1py(exposure - churned, -p))
    fit_at_limit = ll0 >= _sbg_loglik(*table["estimate"], lost_n, lost_t, cens_n, cens_t) - 1e-9 * max(1.0, abs(ll))
    if fit_at_limit:
        z, se = special.ndtri(1 - alpha / 2), np.sqrt(p * (1 - p) / exposure)
        mid, half = (p + z**2 / (2 * exposure)), z * np.sqrt(se**2 + z**2 / (4 * exposure**2))
        wilson = np.array([mid - half, mid + half]) / (1 + z**2 / exposure)
        table = pd.DataFrame({"parameter": ["alpha", "beta", "churn"], "estimate": [np.inf, np.inf, p],
                              "std_error": [np.nan, np.nan, se], "ci_lower": [np.nan, np.nan, wilson[0]],
                              "ci_upper": [np.nan, np.nan, wilson[1]]})
        ll, ok = ll0, True  # a finding (no heterogeneity), not a failure: reported by the fit, no warning
    for w in caught:  # the optimiser's ConvergenceWarnings are moot at the boundary
        if not (fit_at_limit and issubclass(w.category, ConvergenceWarning)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return SBGFit(params=table, loglik=ll, n=int(round(sum(c[0] for c in cohorts))), converged=ok, n0=float(cohorts[0][0]))


# ----------------------------------------------------------------------------- sBG, censored tenures
def fit_sbg_censored(table: pd.DataFrame, *, period: str = "period", lost: str = "lost", censored: str = "censored",
                     alpha: float = 0.05) -> SBGFit:
    """Fit the sBG model to customers lost and customers still active after each number of periods.

    The input is a life table of one group of customers observed for different lengths of
    time, such as a churn snapshot (:func:`cxanalytics.snapshot.tenure_life_table`):
    customers lost in period t, and customers still active after t periods whose future
    is unknown (right-censored at t).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per period, with columns ``period`` (whole numbers >= 0, each at most
        once), ``lost`` and ``censored`` (counts >= 0). Customers cannot be lost in
        period 0 (in the sBG a customer stays at least one period).
    period, lost, censored : str
        Column names.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    SBGFit
        As :func:`fit_sbg`, with ``n`` and ``n0`` the number of customers in the table.

    Raises
    ------
    ColumnError
        Missing columns.
    ParameterError
        Periods that are not distinct whole numbers >= 0, counts that are negative or
        not finite, customers lost in period 0, or no customer lost at all (retention
        cannot be estimated from customers who never leave).

    Warns
    -----
    ConvergenceWarning
        As :func:`fit_sbg`.

    Notes
    -----
    With :math:`d_t` customers lost in period t and :math:`c_t` still active after t
    periods, the log-likelihood is
    :math:`LL = \\sum_t d_t \\log P(T=t) + \\sum_t c_t \\log S(t)`
    (Fader & Hardie 2007, eq. 6, with right-censoring at each customer's own tenure).
    A single cohort observed to period k is the case :math:`c_t = 0` for t < k, and the
    fit equals :func:`fit_sbg` on its survivor counts. It is computed by
    :func:`fit_sbg` on equivalent cohorts: one of all lost customers followed until
    the last is lost, and one of the :math:`c_t` customers censored at t for each t >= 1
    (customers censored at period 0 carry no information and only count in ``n``).
    The homogeneous limit is handled as in :func:`fit_sbg`, with exposure the sum of
    the customers' periods at risk.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
    *Journal of Interactive Marketing* 21(1), 76-90.

    Examples
    --------
    Fader & Hardie's regular customers, years 1-7, written as a life table (241 still
    active after 7 years):

    >>> t = pd.DataFrame({"period": range(8), "lost": [0, 369, 163, 86, 56, 37, 27, 21],
    ...                   "censored": [0, 0, 0, 0, 0, 0, 0, 241]})
    >>> fit = fit_sbg_censored(t)
    >>> round(fit.alpha, 3), round(fit.beta, 3), fit.n
    (0.704, 1.182, 1000)
    """
    data = require_frame(table, parameter="table")
    require_columns(data, [period, lost, censored], what="table")
    try:
        t = data[period].to_numpy(dtype=np.float64, na_value=np.nan)
        d = data[lost].to_numpy(dtype=np.float64, na_value=np.nan)
        c = data[censored].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParameterError(describe("Life table columns must be numbers", parameter="table",
                                      received=str(exc)[:80], expected=f"numeric {period}, {lost}, {censored}")) from None
    if not (np.all(np.isfinite(t)) and np.all(t >= 0) and np.all(t == np.round(t)) and len(np.unique(t)) == len(t)):
        raise ParameterError(describe("Periods must be distinct whole numbers >= 0", parameter="table", column=period,
                                      received=t[:8].tolist(), expected="e.g. 0, 1, 2, ..."))
    for name, v in ((lost, d), (censored, c)):
        if not (np.all(np.isfinite(v)) and np.all(v >= 0)):
            raise ParameterError(describe("Counts must be finite and >= 0", parameter="table", column=name,
                                          received=v[~(np.isfinite(v) & (v >= 0))][:1].tolist(), expected="counts >= 0"))
    if np.any(d[t == 0] > 0):
        raise ParameterError(describe("Customers lost in period 0", parameter="table", column=lost,
                                      received=float(d[t == 0].sum()),
                                      expected="0: a customer lost during the first period is lost in period 1"))
    if not d.sum() > 0:
        raise ParameterError(describe("No customer was lost: retention cannot be estimated", parameter="table",
                                      column=lost, received=0, expected="at least one customer lost"))
    t = t.astype(np.int64)
    last = int(t[d > 0].max())
    lost_by = np.zeros(last + 1)
    np.add.at(lost_by, t[t <= last], d[t <= last])
    cohorts = [d.sum() - np.concatenate([[0.0], np.cumsum(lost_by[1:])])]  # every lost customer, until the last is lost
    cohorts += [np.full(k + 1, n) for k, n in sorted(zip(t.tolist(), c.tolist(), strict=True)) if k >= 1 and n > 0]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # the optimiser's excursions to inf
        fit = fit_sbg(cohorts, alpha=alpha)  # (handled there: reported as a ConvergenceWarning if they matter)
    total = float(d.sum() + c.sum())
    return replace(fit, n=int(round(total)), n0=total)
