"""Bridges from the behaviour tables to the retention models, and checks of their fit.

- :func:`cohort_survivors` turns a customers table with start and cancellation dates
  into the survivor counts per acquisition cohort that :func:`cxanalytics.behaviour.clv.fit_sbg`
  takes;
- :func:`bgnbd_pmf` is the BG/NBD probability of ``x`` repeat purchases in ``(0, t]``;
- :func:`bgnbd_frequency_table` compares the number of customers with each repeat
  frequency in the calibration period with what a BG/NBD fit expects;
- :func:`bgnbd_holdout_table` compares the mean purchases in a holdout period with the
  fit's conditional expectation, by calibration frequency.

The plots of these tables are in :mod:`cxanalytics.plotting.clv`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from cxanalytics._core.validate import renamed_parameters

from .._core import timeutil as tu
from .._core.validate import as_list, finite_numeric, require_columns, require_frame, warn_dropped
from ..errors import ColumnError, ParameterError, describe
from .clv import BGNBDFit

__all__ = ["cohort_survivors", "bgnbd_pmf", "bgnbd_frequency_table", "bgnbd_holdout_table"]

_MONTHS = {"M": 1, "ME": 1, "Q": 3, "QE": 3, "Y": 12, "YE": 12}


def _period_step(period: str | pd.Timedelta) -> pd.DateOffset | pd.Timedelta:
    """One period of tenure: calendar months for 'M'/'Q'/'Y', else a fixed Timedelta."""
    if isinstance(period, str) and period.upper() in _MONTHS:
        return pd.DateOffset(months=_MONTHS[period.upper()])
    try:
        step = period if isinstance(period, pd.Timedelta) else pd.Timedelta(period)
    except (ValueError, TypeError):
        step = None
    if step is None or step is pd.NaT or step <= pd.Timedelta(0):
        raise ParameterError(describe("Unknown period", parameter="period", received=period,
                                      expected="'M', 'Q', 'Y' (calendar months) or a length such as '30D'"))
    return step


@renamed_parameters(start="acquired", end="cancelled")
def cohort_survivors(
    customers: pd.DataFrame,
    *,
    as_of: object,
    acquired: str = "acquired_at",
    cancelled: str = "cancelled_at",
    period: str | pd.Timedelta = "Q",
    cohort: str = "Q",
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Customers of each acquisition cohort still active after 0, 1, 2, ... periods of tenure.

    The input of the shifted-beta-geometric model (:func:`cxanalytics.behaviour.clv.fit_sbg`)
    built from a contractual customers table.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per contract (customer).
    as_of : date-like
        Date of observation.  Only periods that every member of a cohort has completed
        by then are reported, so each cohort's counts are complete.
    acquired, cancelled : str
        Columns of the start (acquisition) and end (cancellation) times; a missing end
        means the contract is still running.  (Called ``start`` and ``end`` before 0.2; the old names still work, with a
        ``FutureWarning``.)
    period : str or pandas.Timedelta, default 'Q'
        Length of one tenure period, counted from each customer's own start: 'M', 'Q'
        or 'Y' are 1, 3 or 12 calendar months; anything else is read as a fixed length
        (e.g. '30D', '4W').
    cohort : str, default 'Q'
        Calendar period alias that groups customers into cohorts by their start
        ('M', 'Q', 'Y', 'W', ...), in the data's own time zone.
    by : str or list of str, optional
        Further grouping columns (e.g. a segment): one set of cohorts per group.

    Returns
    -------
    pandas.DataFrame
        One row per group, cohort and period index, sorted by them: by-columns,
        ``cohort`` (period of the start), ``period_index`` (t = 0, 1, ...),
        ``cohort_size``, ``n_active`` (members whose contract had not ended within t
        periods of their start; equal to ``cohort_size`` at t = 0) and ``share``
        (``n_active / cohort_size``).

    Raises
    ------
    ParameterError
        Unknown ``period`` or ``cohort`` alias, unreadable ``as_of``, no contract
        starting on or before ``as_of``.
    ColumnError
        Missing columns, unreadable or missing starts, ends before starts.

    Warns
    -----
    DataQualityWarning
        Contracts starting after ``as_of`` are left out; rows with a missing ``by``
        value are left out (one warning each, with their number and share).

    Notes
    -----
    With start :math:`s_i`, end :math:`e_i` (:math:`\\infty` when missing) and period
    length :math:`P`, member :math:`i` is active at period index :math:`t \\ge 1` when
    :math:`e_i > s_i + tP`: a contract ending exactly at a boundary was not renewed.
    Index :math:`t` is reported for a cohort when :math:`\\max_i s_i + tP \\le` ``as_of``;
    an end after ``as_of`` is then after the boundary too, so no count uses information
    from after ``as_of``.  The counts :math:`n_0 \\ge n_1 \\ge \\dots` are the survivors
    at the start of each period in Fader & Hardie (2007).

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
    *Journal of Interactive Marketing* 21(1), 76-90.

    Examples
    --------
    >>> c = pd.DataFrame({"acquired_at": pd.to_datetime(["2025-01-10", "2025-02-01", "2025-03-05",
    ...                                                   "2025-04-02"]),
    ...                   "cancelled_at": pd.to_datetime(["2025-05-01", None, "2025-11-20", None])})
    >>> s = cohort_survivors(c, as_of="2026-01-31")
    >>> s[["cohort", "period_index", "cohort_size", "n_active"]]
       cohort  period_index  cohort_size  n_active
    0  2025Q1             0            3         3
    1  2025Q1             1            3         3
    2  2025Q1             2            3         2
    3  2025Q1             3            3         1
    4  2025Q2             0            1         1
    5  2025Q2             1            1         1
    6  2025Q2             2            1         1
    7  2025Q2             3            1         1
    """
    start, end = acquired, cancelled
    data = require_frame(customers, parameter="customers")
    by_cols = as_list(by)
    require_columns(data, [start, end, *by_cols], what="customers")
    step = _period_step(period)
    try:
        pd.Period("2000-01-01", freq=cohort)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(describe("Unknown cohort period", parameter="cohort", received=cohort,
                                      expected="'M', 'Q', 'Y', 'W' or another period alias")) from exc
    s_t = tu.parse_times(data[start], start)
    if s_t.isna().any():
        raise ColumnError(describe("Contracts without a start", column=start,
                                   received=f"{int(s_t.isna().sum())} missing", expected="a start time in every row"))
    e_t = tu.parse_times(data[end], end) if data[end].notna().any() else pd.Series(pd.NaT, index=data.index, dtype=s_t.dtype)
    tz = getattr(s_t.dtype, "tz", None)
    as_of_ts = tu.to_tz(as_of, tz, "as_of")
    try:
        backwards = (e_t < s_t).to_numpy()
    except TypeError as exc:
        raise ColumnError(describe("Start and end times mix time-zone-aware and naive values", column=end,
                                   received=f"{e_t.dtype} vs {s_t.dtype}", expected="the same kind as the start")) from exc
    if backwards.any():
        raise ColumnError(describe("Contracts ending before they start", column=end,
                                   received=f"{int(backwards.sum())} row(s)", expected=f"{end} >= {start}"))
    keep = (s_t <= as_of_ts).to_numpy()
    warn_dropped(int((~keep).sum()), len(keep), f"starting after as_of={as_of_ts}",
                 function="cohort_survivors", what="contracts")
    if by_cols:
        missing = data[by_cols].isna().any(axis=1).to_numpy()
        warn_dropped(int((missing & keep).sum()), len(keep), "with a missing value", function="cohort_survivors",
                     column=by_cols, role="by", what="contracts")
        keep = keep & ~missing
    if not keep.any():
        raise ParameterError(describe("No contract starts on or before as_of", parameter="as_of",
                                      received=str(as_of_ts), expected=f"a date after the first {start}"))
    s_t, e_t = s_t[keep].reset_index(drop=True), e_t[keep].reset_index(drop=True)
    wall = s_t.dt.tz_localize(None) if tz is not None else s_t
    keys = data.loc[keep, by_cols].reset_index(drop=True) if by_cols else pd.DataFrame(index=s_t.index)
    keys["cohort"] = wall.dt.to_period(cohort).array
    grp, uniq = _group_codes(keys)
    n_groups = len(uniq)
    size = np.bincount(grp, minlength=n_groups)
    last_start = pd.Series(s_t).groupby(grp).max()
    # the longest tenure any cohort has completed: bounded by the first start
    t_max = 0
    while s_t.min() + (t_max + 1) * step <= as_of_ts:
        t_max += 1
    ended = e_t.notna().to_numpy()
    rows_t, rows_g, rows_n = [np.zeros(n_groups, dtype=np.int64)], [np.arange(n_groups)], [size]
    for t in range(1, t_max + 1):  # one vectorised pass per period, not per customer
        boundary = s_t + t * step
        active = ~ended | (e_t > boundary).to_numpy()
        seen = np.flatnonzero((last_start + t * step <= as_of_ts).to_numpy())
        if len(seen) == 0:
            break
        rows_t.append(np.full(len(seen), t, dtype=np.int64))
        rows_g.append(seen)
        rows_n.append(np.bincount(grp, weights=active, minlength=n_groups).astype(np.int64)[seen])
    t_all, g_all, n_all = np.concatenate(rows_t), np.concatenate(rows_g), np.concatenate(rows_n)
    order = np.lexsort((t_all, g_all))
    out = uniq.iloc[g_all[order]].reset_index(drop=True)
    out["period_index"] = t_all[order]
    out["cohort_size"] = size[g_all[order]]
    out["n_active"] = n_all[order]
    out["share"] = out["n_active"] / out["cohort_size"]
    return out


def _group_codes(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Sorted group codes of the key columns and the table of distinct keys."""
    uniq = keys.drop_duplicates().sort_values(list(keys.columns)).reset_index(drop=True)
    codes = pd.MultiIndex.from_frame(uniq).get_indexer(pd.MultiIndex.from_frame(keys))
    return codes, uniq


# ----------------------------------------------------------------------------- BG/NBD checks
def _check_fit(fit: object) -> BGNBDFit:
    if not isinstance(fit, BGNBDFit):
        raise ParameterError(describe("Expected the result of fit_bgnbd()", parameter="fit",
                                      received=type(fit).__name__, expected="BGNBDFit"))
    return fit


def bgnbd_pmf(fit: BGNBDFit, frequency, t) -> np.ndarray:
    """Probability that a customer makes exactly ``frequency`` repeat purchases in ``(0, t]``.

    Parameters
    ----------
    fit : BGNBDFit
        A fitted (or constructed) BG/NBD model.
    frequency : int or array of int
        Numbers of repeat purchases x >= 0.
    t : float or array of float
        Lengths of the period, in the fit's time unit; broadcast against ``frequency``.

    Returns
    -------
    numpy.ndarray
        P(X(t) = x), broadcast shape of ``frequency`` and ``t``.

    Raises
    ------
    ParameterError
        Not a BGNBDFit, a negative or fractional frequency, a negative or non-finite t.

    Notes
    -----
    Fader, Hardie & Lee (2005), eq. 8, with :math:`p = \\alpha / (\\alpha + t)`:
    :math:`P(X(t)=x) = \\frac{B(a, b+x)}{B(a, b)} NB(x; r, p) +
    [x > 0] \\frac{B(a+1, b+x-1)}{B(a, b)} \\left(1 - \\sum_{j<x} NB(j; r, p)\\right)`,
    where :math:`NB(j; r, p) = \\frac{\\Gamma(r+j)}{\\Gamma(r) j!} p^r (1-p)^j` is the
    negative binomial probability.  The first term is a customer still alive at t,
    the second one who dropped out after the x-th purchase.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the
    easy way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> from cxanalytics.behaviour.clv import BGNBDFit
    >>> table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"],
    ...                       "estimate": [0.243, 4.414, 0.793, 2.426]})
    >>> fit = BGNBDFit(table, loglik=-9582.4, n=2357, converged=True)
    >>> p = bgnbd_pmf(fit, np.arange(4), 39.0)
    >>> [round(float(v), 4) for v in p]
    [0.5738, 0.1994, 0.0854, 0.0459]
    """
    fit = _check_fit(fit)
    x = np.asarray(frequency, dtype=np.float64)
    tt = np.asarray(t, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(x >= 0) and np.all(x == np.round(x))):
        raise ParameterError(describe("Frequencies must be whole numbers >= 0", parameter="frequency",
                                      received=frequency, expected="0, 1, 2, ..."))
    if not (np.all(np.isfinite(tt)) and np.all(tt >= 0)):
        raise ParameterError(describe("Times must be finite and >= 0", parameter="t", received=t,
                                      expected="t >= 0"))
    r, al, a, b = fit.r, fit.alpha, fit.a, fit.b
    p = al / (al + tt)
    base = special.betaln(a, b)
    alive = np.exp(special.betaln(a, b + x) - base) * stats.nbinom.pmf(x, r, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_dead = special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - base
    dead = np.where(x > 0, np.exp(log_dead) * stats.nbinom.sf(x - 1, r, p), 0.0)
    return alive + dead


def _max_frequency(max_frequency: object) -> int:
    if isinstance(max_frequency, bool) or not isinstance(max_frequency, int | np.integer) or max_frequency < 1:
        raise ParameterError(describe("max_frequency must be a whole number >= 1", parameter="max_frequency",
                                      received=max_frequency, expected="e.g. 7"))
    return int(max_frequency)


def _labels(m: int) -> list[str]:
    return [str(k) for k in range(m)] + [f"{m}+"]


def bgnbd_frequency_table(
    fit: BGNBDFit, summary: pd.DataFrame, *, max_frequency: int = 7, frequency: str = "frequency", T: str = "T"
) -> pd.DataFrame:
    """Actual and BG/NBD-expected numbers of customers by repeat frequency in calibration.

    Parameters
    ----------
    fit : BGNBDFit
        The model, fitted on ``summary`` (same time unit).
    summary : pandas.DataFrame
        One row per customer with the calibration frequency and age ``T``.
    max_frequency : int, default 7
        Frequencies of ``max_frequency`` and more are pooled into one class.
    frequency, T : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per frequency class: ``frequency`` (0 .. max_frequency; the last
        class is "this many or more"), ``label`` ('0', '1', ..., '7+'), ``n_actual``
        (customers) and ``n_expected`` (expected customers under the fit; the
        column sums to the number of customers).

    Raises
    ------
    ParameterError
        Not a BGNBDFit, bad ``max_frequency``.
    ColumnError
        Missing or invalid columns.

    Notes
    -----
    :math:`E[n_x] = \\sum_i P(X(T_i) = x)` over customers, each observed for their own
    :math:`T_i` (:func:`bgnbd_pmf`); the last class gets the remainder.  This is the
    in-sample check of Fader, Hardie & Lee (2005, Figure 2): a good fit follows the
    histogram, and a systematic gap (too few zeros, too few heavy buyers) shows what
    the model misses.

    Examples
    --------
    >>> from cxanalytics.behaviour.clv import BGNBDFit
    >>> table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"], "estimate": [0.5, 5.0, 0.8, 2.5]})
    >>> fit = BGNBDFit(table, loglik=float("nan"), n=3, converged=True)
    >>> s = pd.DataFrame({"frequency": [0, 1, 4], "T": [20.0, 30.0, 52.0]})
    >>> tab = bgnbd_frequency_table(fit, s, max_frequency=2)
    >>> tab["label"].tolist(), tab["n_actual"].tolist(), round(float(tab["n_expected"].sum()), 6)
    (['0', '1', '2+'], [1, 1, 1], 3.0)
    """
    fit = _check_fit(fit)
    m = _max_frequency(max_frequency)
    data = require_frame(summary, parameter="summary")
    require_columns(data, [frequency, T], what="summary")
    x = finite_numeric(data, frequency)
    tt = finite_numeric(data, T)
    if np.any(x < 0) or np.any(x != np.round(x)) or np.any(tt < 0):
        raise ColumnError(describe("Values outside their allowed range", column=f"{frequency}, {T}",
                                   expected="whole frequencies >= 0 and ages T >= 0"))
    ages, count = np.unique(tt, return_counts=True)  # customers share ages: pool them
    probs = bgnbd_pmf(fit, np.arange(m)[None, :], ages[:, None])
    expected = count @ probs
    classes = np.minimum(x, m).astype(np.int64)
    return pd.DataFrame({
        "frequency": np.arange(m + 1),
        "label": _labels(m),
        "n_actual": np.bincount(classes, minlength=m + 1),
        "n_expected": np.r_[expected, len(x) - expected.sum()],
    })


def bgnbd_holdout_table(
    fit: BGNBDFit,
    summary: pd.DataFrame,
    *,
    max_frequency: int = 7,
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    holdout: str = "frequency_holdout",
    duration: str = "duration_holdout",
) -> pd.DataFrame:
    """Mean actual and BG/NBD-expected holdout purchases, by calibration frequency.

    Parameters
    ----------
    fit : BGNBDFit
        The model, fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        One row per customer, e.g. from :func:`cxanalytics.behaviour.customer_summary`
        with both ``calibration_end`` and ``as_of``.
    max_frequency : int, default 7
        Calibration frequencies of ``max_frequency`` and more are pooled.
    frequency, recency, T : str
        Calibration columns (as in :func:`cxanalytics.behaviour.clv.fit_bgnbd`).
    holdout, duration : str
        Columns of the purchases counted in the holdout period and its length (in the
        fit's time unit).

    Returns
    -------
    pandas.DataFrame
        One row per calibration-frequency class: ``frequency``, ``label``, ``n``
        (customers), ``actual_mean`` (mean holdout purchases) and ``expected_mean``
        (mean of the conditional expectations); classes without customers have NaN
        means.

    Raises
    ------
    ParameterError
        Not a BGNBDFit, bad ``max_frequency``.
    ColumnError
        Missing or invalid columns.

    Notes
    -----
    :math:`E[Y(\\tau) \\mid x, t_x, T]` is Fader, Hardie & Lee (2005), eq. 10, with
    :math:`\\tau` the holdout length.  Averaged within classes of x this is their
    Figure 4: the out-of-sample check that matters for forecasting.

    Examples
    --------
    >>> from cxanalytics.behaviour.clv import BGNBDFit
    >>> table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"], "estimate": [0.5, 5.0, 0.8, 2.5]})
    >>> fit = BGNBDFit(table, loglik=float("nan"), n=3, converged=True)
    >>> s = pd.DataFrame({"frequency": [0, 2, 2], "recency": [0.0, 20.0, 30.0], "T": [30.0, 30.0, 30.0],
    ...                   "frequency_holdout": [0, 1, 3], "duration_holdout": [10.0, 10.0, 10.0]})
    >>> tab = bgnbd_holdout_table(fit, s, max_frequency=2)
    >>> tab[["label", "n", "actual_mean"]]
      label  n  actual_mean
    0     0  1          0.0
    1     1  0          NaN
    2    2+  2          2.0
    """
    fit = _check_fit(fit)
    m = _max_frequency(max_frequency)
    data = require_frame(summary, parameter="summary")
    require_columns(data, [frequency, recency, T, holdout, duration], what="summary")
    x, tx, tt = finite_numeric(data, frequency), finite_numeric(data, recency), finite_numeric(data, T)
    y, tau = finite_numeric(data, holdout), finite_numeric(data, duration)
    if np.any(x < 0) or np.any(x != np.round(x)) or np.any(tau < 0) or np.any(y < 0):
        raise ColumnError(describe("Values outside their allowed range", column=f"{frequency}, {holdout}, {duration}",
                                   expected="counts >= 0 and a holdout length >= 0"))
    expected = fit.conditional_expected_purchases(tau, x, tx, tt)
    classes = np.minimum(x, m).astype(np.int64)
    n = np.bincount(classes, minlength=m + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual_mean = np.bincount(classes, weights=y, minlength=m + 1) / n
        expected_mean = np.bincount(classes, weights=expected, minlength=m + 1) / n
    return pd.DataFrame({"frequency": np.arange(m + 1), "label": _labels(m), "n": n,
                         "actual_mean": actual_mean, "expected_mean": expected_mean})


