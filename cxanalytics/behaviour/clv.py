"""Models of future retention and value: sBG, BG/NBD and Gamma-Gamma.

All three are fitted by maximum likelihood on the logarithms of the (positive)
parameters, with log-likelihoods written in ``gammaln`` / ``betaln`` / ``logaddexp``
(sBG: log retention-rate) form so that they stay finite for large counts, and with
analytic gradients and Hessians: BFGS (:func:`scipy.optimize.minimize`) from the
starting values, then Newton steps until the step is at the level of rounding, so that
the estimates are the root of the score to about 1e-10 relative whatever the order of
the customers or the machine.  Convergence is judged by the Newton decrement (the
distance to the optimum in standard errors, required below 1e-6).  Standard errors come
from the analytic Hessian in log-parameter space (delta method back to the natural
scale); intervals are computed on the log scale and are therefore positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import (
    check_alpha,
    finite_numeric,
    require_columns,
    require_frame,
    warn_dropped,
)
from ..errors import ColumnError, ParameterError, describe
from ._clvlik import _bgnbd_objective, _gamma_gamma_objective
from ._mle import _as_array, _Fit, _fit_mle
from ._sbg import SBGFit, fit_sbg, fit_sbg_censored

__all__ = [
    "SBGFit",
    "BGNBDFit",
    "GammaGammaFit",
    "fit_sbg",
    "fit_sbg_censored",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "customer_lifetime_value",
]


# ----------------------------------------------------------------------------- BG/NBD


def _rft(data, frequency, recency, T):
    data = require_frame(data, parameter="summary")
    require_columns(data, [frequency, recency, T], what="summary")
    x, tx, tt = finite_numeric(data, frequency), finite_numeric(data, recency), finite_numeric(data, T)
    checks = [
        (np.any(x < 0) or np.any(x != np.round(x)), frequency, "whole numbers >= 0"),
        (np.any(tx < 0) or np.any(tx > tt * (1 + 1e-12)), recency, f"0 <= {recency} <= {T}"),
        (np.any((x == 0) & (tx != 0)), recency, f"{recency} = 0 when {frequency} = 0"),
    ]
    for bad, col, expected in checks:
        if bad:
            raise ColumnError(describe("Values outside their allowed range", column=col, expected=expected))
    return x, tx, tt


def _c_times_bracket(c, k, p, q, z):
    """``c * (1 - k * 2F1(p, q; c; z))``, continuous through c = 0.

    The BG/NBD expectations carry ``(a + b + x - 1) / (a - 1)`` times this bracket; when
    ``c = a + b + x - 1`` is 0 the hypergeometric function has a pole that the factor c
    cancels: ``c 2F1(p, q; c; z) -> p q z 2F1(p + 1, q + 1; 2; z)`` as c -> 0.
    """
    c = np.asarray(c, dtype=float)
    small = np.abs(c) < 1e-9
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        direct = c * (1 - k * special.hyp2f1(p, q, np.where(small, 1.0, c), z))
        limit = -k * p * q * z * special.hyp2f1(p + 1, q + 1, 2.0, z)
    return np.where(small, limit, direct)


def _near_one(f, a: float, eps: float = 1e-6):
    """f(a), or its limit at a = 1 (a removable singularity) by symmetric averaging."""
    return f(a) if abs(a - 1) > eps else 0.5 * (f(1 - eps) + f(1 + eps))


@dataclass(frozen=True)
class BGNBDFit(_Fit):
    """BG/NBD fit (see :func:`fit_bgnbd`); times are in the unit of the summary."""

    @property
    def r(self) -> float:
        return self._p("r")

    @property
    def alpha(self) -> float:
        return self._p("alpha")

    @property
    def a(self) -> float:
        return self._p("a")

    @property
    def b(self) -> float:
        return self._p("b")

    def expected_purchases(self, t):
        """E[X(t)]: expected repeat purchases in (0, t] of a customer acquired at 0."""
        t = _as_array(t, "t")
        r, al, b = self.r, self.alpha, self.b

        def at(a):
            return _c_times_bracket(a + b - 1, (al / (al + t)) ** r, r, b, t / (al + t)) / (a - 1)

        return _near_one(at, self.a)

    def p_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))."""
        x, tx, tt = (_as_array(v, n) for v, n in ((frequency, "frequency"), (recency, "recency"), (T, "T")))
        r, al, a, b = self.r, self.alpha, self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(al + tt) - np.log(al + tx))
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] given the history (FHL 2005, eq. 10)."""
        t = _as_array(t, "t")
        x, tx, tt = (_as_array(v, n) for v, n in ((frequency, "frequency"), (recency, "recency"), (T, "T")))
        r, al, b = self.r, self.alpha, self.b

        def at(a):
            k = ((al + tt) / (al + tt + t)) ** (r + x)
            return _c_times_bracket(a + b + x - 1, k, r + x, b + x, t / (al + tt + t)) / (a - 1)

        return _near_one(at, self.a) * self.p_alive(x, tx, tt)


def fit_bgnbd(
    summary: pd.DataFrame, *, frequency: str = "frequency", recency: str = "recency", T: str = "T", alpha: float = 0.05
) -> BGNBDFit:
    """Fit the BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer, e.g. from :func:`cxanalytics.behaviour.customer_summary`.
    frequency, recency, T : str
        Columns: repeat purchases x, time of the last purchase t_x and age T,
        both measured from the first purchase in one unit (e.g. weeks).
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    BGNBDFit
        ``r``, ``alpha``, ``a``, ``b``, ``loglik``, ``n``, ``converged``, ``params``
        (parameter, estimate, std_error, ci_lower, ci_upper) and methods
        ``expected_purchases``, ``conditional_expected_purchases``, ``p_alive``.

    Raises
    ------
    ColumnError
        Missing or non-numeric columns, negative or fractional frequency,
        recency outside [0, T], or recency > 0 with frequency 0.

    Warns
    -----
    ConvergenceWarning
        If the optimiser fails.

    Notes
    -----
    While active, purchases follow a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each purchase the customer drops out with probability p ~ Beta(a, b).
    :math:`L = \\frac{B(a, b+x)}{B(a,b)} \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+T)^{r+x}}
    + [x>0] \\frac{B(a+1, b+x-1)}{B(a,b)} \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+t_x)^{r+x}}`.
    Identical (x, t_x, T) rows are pooled, so large summaries fit quickly.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
    the easy way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    Simulate 5,000 customers observed for 52 weeks (r=0.5, alpha=5, a=0.8, b=2.5):

    >>> rng = np.random.default_rng(3)
    >>> lam, p = rng.gamma(0.5, 1 / 5, 5000), rng.beta(0.8, 2.5, 5000)
    >>> n = rng.poisson(lam * 52)
    >>> x = np.minimum(n, rng.geometric(p))
    >>> tx = np.where(x > 0, 52 * rng.beta(np.maximum(x, 1), np.maximum(n - x + 1, 1)), 0.0)
    >>> fit = fit_bgnbd(pd.DataFrame({"frequency": x, "recency": tx, "T": 52.0}))
    >>> fit.params["estimate"].round(1).tolist()
    [0.5, 4.8, 0.8, 2.7]
    >>> round(float(fit.p_alive(0, 0.0, 52.0)), 2), round(float(fit.p_alive(3, 10.0, 52.0)), 2)
    (1.0, 0.05)
    """
    alpha = check_alpha(alpha)
    x, tx, tt = _rft(summary, frequency, recency, T)
    if len(x) == 0:
        raise ParameterError(describe("Empty summary", parameter="summary", expected="at least one customer"))
    rows, weight = np.unique(np.column_stack([x, tx, tt]), axis=0, return_counts=True)
    ux, utx, utt = rows.T

    negll, grad, hess = _bgnbd_objective(ux, utx, utt, weight)
    x0 = np.log([1.0, max(float(np.mean(tt)), 1e-3), 1.0, 1.0])
    _, table, ll, ok = _fit_mle(negll, x0, ["r", "alpha", "a", "b"], alpha, "fit_bgnbd", grad, hess)
    return BGNBDFit(params=table, loglik=ll, n=len(x), converged=ok)


# ----------------------------------------------------------------------------- Gamma-Gamma
@dataclass(frozen=True)
class GammaGammaFit(_Fit):
    """Gamma-Gamma spend fit (see :func:`fit_gamma_gamma`)."""

    @property
    def p(self) -> float:
        return self._p("p")

    @property
    def q(self) -> float:
        return self._p("q")

    @property
    def gamma(self) -> float:
        return self._p("gamma")

    @property
    def population_mean_spend(self) -> float:
        """E[Z] = p gamma / (q - 1) (infinite when q <= 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")

    def conditional_expected_average_spend(self, frequency, monetary_value):
        """E[Z | x, zbar] = (p (gamma + x zbar)) / (p x + q - 1); the population mean when x = 0."""
        x = _as_array(frequency, "frequency")
        z = np.where(x > 0, np.nan_to_num(np.asarray(monetary_value, dtype=np.float64)), 0.0)
        p, q, g = self.p, self.q, self.gamma
        return p * (g + x * z) / (p * x + q - 1)


def fit_gamma_gamma(
    summary: pd.DataFrame, *, frequency: str = "frequency", monetary_value: str = "monetary_value", alpha: float = 0.05
) -> GammaGammaFit:
    """Fit the Gamma-Gamma model of spend per transaction on repeat customers.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with the number of repeat purchases x and their mean
        value zbar (as :func:`cxanalytics.behaviour.customer_summary` returns).
        Only customers with x > 0 are used.
    frequency, monetary_value : str
        Column names of x and zbar.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    GammaGammaFit
        ``p``, ``q``, ``gamma``, ``loglik``, ``n`` (customers used), ``converged``,
        ``params`` (parameter, estimate, std_error, ci_lower, ci_upper),
        ``population_mean_spend`` and ``conditional_expected_average_spend``.

    Raises
    ------
    ColumnError
        Missing or non-numeric columns, or no customer with x > 0 and zbar > 0.

    Warns
    -----
    DataQualityWarning
        Repeat customers with zbar <= 0 or missing are left out (the message gives their
        number and share). Customers without a repeat purchase are not used by design
        (the model describes repeat spend) and are not warned about; ``n`` counts the
        customers used.
    ConvergenceWarning
        If the optimiser fails.

    Notes
    -----
    Spend per transaction z ~ Gamma(p, nu), nu ~ Gamma(q, gamma), so the mean of x
    transactions has density
    :math:`f(\\bar z) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)} \\frac{\\gamma^q x^{px} \\bar z^{px-1}}{(\\gamma + x\\bar z)^{px+q}}`.
    The model assumes spend is independent of purchase frequency: check it.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
    value. http://www.brucehardie.com/notes/025/
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value
    curves for customer base analysis. *Journal of Marketing Research* 42(4), 415-430.

    Examples
    --------
    Simulate 2,000 repeat customers with p=6, q=4, gamma=15:

    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 8, 2000)
    >>> nu = rng.gamma(4, 1 / 15, 2000)
    >>> zbar = rng.gamma(6 * x, 1 / (nu * x))
    >>> fit = fit_gamma_gamma(pd.DataFrame({"frequency": x, "monetary_value": zbar}))
    >>> fit.params["estimate"].round(1).tolist()
    [5.3, 4.1, 17.5]
    >>> round(float(fit.conditional_expected_average_spend(1, 50.0)), 2)
    42.53
    """
    alpha = check_alpha(alpha)
    data = require_frame(summary, parameter="summary")
    require_columns(data, [frequency, monetary_value], what="summary")
    x = finite_numeric(data, frequency)
    z = data[monetary_value].to_numpy(dtype=np.float64, na_value=np.nan)
    rep = x > 0
    warn_dropped(int((rep & ~(z > 0)).sum()), len(z), "with a repeat purchase and a missing or non-positive value",
                 function="fit_gamma_gamma", column=monetary_value, role="spend", what="customers")
    use = rep & (z > 0)
    if not use.any():
        raise ColumnError(describe("No customer with a repeat purchase and positive spend", column=monetary_value,
                                   expected=f"rows with {frequency} > 0 and {monetary_value} > 0"))
    x, z = x[use], z[use]

    negll, grad, hess = _gamma_gamma_objective(x, z)
    x0 = np.log([1.0, 1.0, max(float(np.mean(z)), 1e-3)])
    _, table, ll, ok = _fit_mle(negll, x0, ["p", "q", "gamma"], alpha, "fit_gamma_gamma", grad, hess)
    return GammaGammaFit(params=table, loglik=ll, n=int(use.sum()), converged=ok)


# ----------------------------------------------------------------------------- CLV
@renamed_parameters(discount_rate="discount")
def customer_lifetime_value(
    bgnbd: BGNBDFit,
    gamma_gamma: GammaGammaFit,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount: float = 0.0,
    step: float = 1.0,
    margin: float = 1.0,
    customer: str | None = None,
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    monetary_value: str = "monetary_value",
) -> pd.DataFrame:
    """Expected discounted value of each customer's purchases over the next ``horizon``.

    Parameters
    ----------
    bgnbd, gamma_gamma : BGNBDFit, GammaGammaFit
        Fitted purchase and spend models (same time unit as the summary).
    summary : pandas.DataFrame
        One row per customer (frequency, recency, T, monetary value).
    horizon : float
        Length of the future window, in the summary's time unit.
    discount : float, default 0
        Discount rate per time unit (e.g. 0.0019 per week for about 10 % a year).
        (Called ``discount_rate`` before 0.2; the old name still works, with a ``FutureWarning``.)
    step : float, default 1
        Width of the steps over which purchases are discounted.
    margin : float, default 1
        Share of spend that is profit.
    customer : str, optional
        Id column copied into the result.
    frequency, recency, T, monetary_value : str
        Column names in ``summary``.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``<customer>`` (if given), ``p_alive``,
        ``expected_purchases`` (undiscounted, in the horizon),
        ``expected_average_spend`` and ``clv``.

    Raises
    ------
    ParameterError
        If horizon, step or discount are out of range.

    Notes
    -----
    With :math:`t_k = \\min(k \\cdot step, horizon)` and :math:`E[Y(t)]` the BG/NBD
    conditional expectation,
    :math:`CLV = m \\, E[Z|x,\\bar z] \\sum_k (E[Y(t_k)] - E[Y(t_{k-1})]) (1+d)^{-t_k}`.

    Examples
    --------
    Published CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013), weeks:

    >>> def table(names, values):
    ...     return pd.DataFrame({"parameter": names, "estimate": values, "std_error": np.nan,
    ...                          "ci_lower": np.nan, "ci_upper": np.nan})
    >>> bg = BGNBDFit(table(["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426]), -9582.4, 2357, True)
    >>> gg = GammaGammaFit(table(["p", "q", "gamma"], [6.25, 3.74, 15.44]), -4055.92, 946, True)
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86],
    ...                   "monetary_value": [np.nan, 22.35]})
    >>> customer_lifetime_value(bg, gg, s, horizon=52, discount=0.002).round(2)
       p_alive  expected_purchases  expected_average_spend    clv
    0     1.00                0.25                   35.22   8.44
    1     0.73                1.56                   24.66  36.61
    """
    for name, val, ok in (("horizon", horizon, horizon > 0), ("step", step, step > 0),
                          ("discount", discount, discount >= 0)):
        if not (np.isfinite(val) and ok):
            raise ParameterError(describe("Out of range", parameter=name, received=val, expected="a positive number"))
    x, tx, tt = _rft(summary, frequency, recency, T)
    require_columns(summary, [monetary_value, customer], what="summary")
    z = summary[monetary_value].to_numpy(dtype=np.float64, na_value=np.nan)
    grid = np.minimum(np.arange(1, int(np.ceil(horizon / step)) + 1) * step, horizon)
    # the purchase model depends on (x, t_x, T) only: computed once per distinct triple (many
    # customers share one: same counts, same weeks), then given back to each customer
    _, first, which = np.unique(np.column_stack([x, tx, tt]), axis=0, return_index=True, return_inverse=True)
    ux, utx, utt = x[first], tx[first], tt[first]
    cum = np.stack([bgnbd.conditional_expected_purchases(t, ux, utx, utt) for t in grid])
    inc = np.diff(np.vstack([np.zeros(len(ux)), cum]), axis=0)
    disc = (1.0 + discount) ** (-grid)
    value = np.zeros(len(ux))
    for k in range(len(grid)):  # sum_k disc_k inc_k in a fixed order: exact whatever the rows around
        value = value + disc[k] * inc[k]
    which = which.reshape(-1)
    spend = gamma_gamma.conditional_expected_average_spend(x, z)
    out = {} if customer is None else {customer: summary[customer].to_numpy()}
    out |= {
        "p_alive": bgnbd.p_alive(ux, utx, utt)[which],
        "expected_purchases": cum[-1][which],
        "expected_average_spend": spend,
        "clv": margin * spend * value[which],
    }
    return pd.DataFrame(out)
