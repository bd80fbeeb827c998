"""Churn labels for survival analysis: non-contractual (inactivity) and contractual (end dates)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxanalytics._core.validate import renamed_parameters

from .._core import timeutil as tu
from .._core.validate import require_columns, require_frame, warn_dropped
from ..errors import ColumnError, ParameterError, SmallSampleWarning, describe
from .summaries import customer_summary

__all__ = ["churn_labels_noncontractual", "churn_labels_contractual"]

_NS_PER_DAY = tu._NS_PER_DAY


def churn_labels_noncontractual(
    data: pd.DataFrame,
    *,
    as_of: object,
    window: float | str | pd.Timedelta | None = None,
    quantile: float = 0.9,
    customer: str = "customer_id",
    time: str = "occurred_at",
    unit: str | pd.Timedelta = "D",
) -> pd.DataFrame:
    """Churned / still-active labels for customers without contracts, ready for survival analysis.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        Transactions (with ``customer`` and ``time`` columns), or a customer summary
        with ``first_purchase`` and ``last_purchase`` columns (then ``window`` is needed).
        A Dask transactions log (larger than memory) gives the same result: the
        summary is :func:`cxanalytics.behaviour.customer_summary`'s Dask path and the
        window's gaps are counted partition by partition after one shuffle by customer
        (:func:`cxanalytics._dasklink.log_window`).
    as_of : date-like
        Date of observation; later purchases are ignored.
    window : float, str or pandas.Timedelta, optional
        Inactivity after which a customer counts as churned (a number is in ``unit``).
        By default the ``quantile`` of all gaps between consecutive purchase days of
        the same customer: with 0.9, nine in ten returning customers came back within
        the window, so a longer silence is unusual for a customer who is still active.
    quantile : float, default 0.9
        Quantile of the inter-purchase gaps used when ``window`` is None.
    customer, time : str
        Column names of the customer id and purchase time.
    unit : str or pandas.Timedelta, default 'D'
        Unit of ``duration``, ``inactive`` and ``window`` in the result.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase on or before ``as_of``: ``<customer>``,
        ``first_purchase``, ``last_purchase``, ``inactive`` (as_of minus last purchase
        day), ``window``, ``churned`` (bool), ``event`` (1 churned, 0 censored) and
        ``duration`` (time from first purchase to churn or to censoring).

    Raises
    ------
    ParameterError
        Bad window, quantile or date; no repeat purchases to derive a window from.
    ColumnError
        Missing columns or unreadable times.

    Warns
    -----
    DataQualityWarning
        Transactions without a customer id or time, or after ``as_of``, are left out by
        :func:`cxanalytics.behaviour.customer_summary` (whose name the message carries),
        with their number and share.
    SmallSampleWarning
        Fewer than 30 inter-purchase gaps to choose the window from.

    Notes
    -----
    Churn in a non-contractual business is never observed directly: it is declared
    once a customer has been silent for longer than ``window``.  The event time is
    that declaration, ``last + window``; customers whose last purchase lies within
    ``window`` of ``as_of`` have not reached it and are right-censored at ``as_of``
    (``event = 0``, ``duration = as_of - first``), never counted as churned.  For
    churned customers ``duration = last + window - first``.  Earlier silences after
    which a customer came back are not counted.  Times are whole days.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2, 3],
    ...                    "occurred_at": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-21",
    ...                                                   "2026-01-01", "2026-01-06", "2026-03-25"])})
    >>> labels = churn_labels_noncontractual(tx, as_of="2026-03-31", window="10D")
    >>> labels[["customer_id", "window", "event", "duration"]]
       customer_id  window  event  duration
    0            1    10.0      1      30.0
    1            2    10.0      1      15.0
    2            3    10.0      0       6.0
    """
    from .._core.dask import is_dask_frame

    dask_log = is_dask_frame(data)
    if not dask_log:
        data = require_frame(data)
    unit_ns = tu.unit_ns(unit)
    if not (isinstance(quantile, int | float) and 0 < quantile <= 1):
        raise ParameterError(describe("quantile must be in (0, 1]", parameter="quantile", received=quantile, expected="e.g. 0.9"))
    if time in data.columns:
        require_columns(data, [customer, time], what="transactions")
        s = customer_summary(data[[customer, time]] if dask_log else data, customer=customer, time=time, amount=None,
                             as_of=as_of)
        first_day, _ = tu.days(s["first_purchase"], "first_purchase")
        last_day, tz = tu.days(s["last_purchase"], "last_purchase")
        if window is None and dask_log:
            from .scale import log_window

            window_days = log_window(data, customer=customer, time=time, quantile=quantile,
                                     end_day=tu.day_of(tu.to_tz(as_of, tz, "as_of")))
        elif window is None:
            days, _ = tu.days(tu.parse_times(data[time], time), time)
            codes = pd.factorize(data[customer])[0]
            end_day = tu.day_of(tu.to_tz(as_of, tz, "as_of"))
            ok = (codes >= 0) & (days <= end_day)
            key = np.unique(codes[ok].astype(np.int64) * (2**31) + (days[ok] - days[ok].min()))
            same = (key[1:] >> 31) == (key[:-1] >> 31)
            gaps = np.diff(key)[same]
            if len(gaps) == 0:
                raise ParameterError(
                    describe("No repeat purchases to choose a window from", parameter="window", expected="an explicit window")
                )
            if len(gaps) < 30:
                warnings.warn(
                    f"Only {len(gaps)} inter-purchase gaps to choose the churn window from", SmallSampleWarning, stacklevel=2
                )
            window_days = float(np.quantile(gaps, quantile))
        else:
            window_days = tu.window_days(window, unit_ns)
    else:
        require_columns(data, [customer, "first_purchase", "last_purchase"], what="summary")
        if dask_log:
            data = data[[customer, "first_purchase", "last_purchase"]].compute()
        if window is None:
            raise ParameterError(
                describe(
                    "A summary has no inter-purchase gaps: give the window, or pass the transactions",
                    parameter="window",
                    expected="e.g. window='90D'",
                )
            )
        window_days = tu.window_days(window, unit_ns)
        s = data[[customer, "first_purchase", "last_purchase"]]
        first_day, _ = tu.days(s["first_purchase"], "first_purchase")
        last_day, tz = tu.days(s["last_purchase"], "last_purchase")
    end_day = tu.day_of(tu.to_tz(as_of, tz, "as_of"))
    inactive = end_day - last_day
    churned = inactive > window_days
    duration = np.where(churned, last_day + window_days - first_day, end_day - first_day)
    scale = _NS_PER_DAY / unit_ns
    return pd.DataFrame(
        {
            customer: s[customer].to_numpy(),
            "first_purchase": s["first_purchase"].to_numpy(),
            "last_purchase": s["last_purchase"].to_numpy(),
            "inactive": inactive * scale,
            "window": np.full(len(s), window_days * scale),
            "churned": churned,
            "event": churned.astype(np.int64),
            "duration": duration * scale,
        }
    )


@renamed_parameters(start="acquired", end="cancelled")
def churn_labels_contractual(
    customers: pd.DataFrame,
    *,
    acquired: str = "acquired_at",
    cancelled: str = "ended_at",
    as_of: object,
    customer: str = "customer_id",
    unit: str | pd.Timedelta = "D",
) -> pd.DataFrame:
    """Churn labels from explicit contract start and end (cancellation) dates.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per contract.
    acquired, cancelled : str
        Columns of the start (acquisition) and end (cancellation) times; a missing end
        means the contract is still running.  (Called ``start`` and ``end`` before 0.2; the old names still work, with a
        ``FutureWarning``.)
    as_of : date-like
        Date of observation.
    customer : str
        Id column copied into the result.
    unit : str or pandas.Timedelta, default 'D'
        Unit of ``duration``.

    Returns
    -------
    pandas.DataFrame
        ``<customer>``, ``start``, ``end``, ``churned`` (bool), ``event`` (1 ended on
        or before ``as_of``, 0 censored) and ``duration`` (end or ``as_of`` minus start).

    Raises
    ------
    ColumnError
        Missing columns, unreadable times, missing starts, ends before starts.

    Warns
    -----
    DataQualityWarning
        Contracts starting after ``as_of`` are left out (the message gives their number
        and share).

    Notes
    -----
    An end after ``as_of`` was not known at ``as_of``: such contracts are censored at
    ``as_of``, so the labels are what an analyst could have seen on that date.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"],
    ...                   "acquired_at": pd.to_datetime(["2026-01-01", "2026-02-01"]),
    ...                   "ended_at": pd.to_datetime(["2026-03-02", None])})
    >>> churn_labels_contractual(c, as_of="2026-04-01")[["customer_id", "event", "duration"]]
      customer_id  event  duration
    0           a      1      60.0
    1           b      0      59.0
    """
    start, end = acquired, cancelled
    data = require_frame(customers, parameter="customers")
    require_columns(data, [customer, start, end], what="customers")
    unit_ns = tu.unit_ns(unit)
    s_t = tu.parse_times(data[start], start)
    if data[end].notna().any():
        e_t = tu.parse_times(data[end], end)
    else:
        e_t = pd.Series(pd.NaT, index=data.index, dtype=s_t.dtype)
    if s_t.isna().any():
        raise ColumnError(describe("Contracts without a start", column=start, received=f"{int(s_t.isna().sum())} missing", expected="a start time in every row"))
    tz = getattr(s_t.dtype, "tz", None)
    as_of_ts = tu.to_tz(as_of, tz, "as_of")
    if (e_t < s_t).any():
        raise ColumnError(describe("Contracts ending before they start", column=end, received=f"{int((e_t < s_t).sum())} row(s)", expected=f"{end} >= {start}"))
    later = (s_t > as_of_ts).to_numpy()
    warn_dropped(int(later.sum()), len(later), f"starting after as_of={as_of_ts}",
                 function="churn_labels_contractual", what="contracts")
    keep = ~later
    s_t, e_t = s_t[keep], e_t[keep]
    ended = (e_t.notna() & (e_t <= as_of_ts)).to_numpy()
    stop = e_t.where(ended, as_of_ts)
    return pd.DataFrame(
        {
            customer: data.loc[keep, customer].to_numpy(),
            "start": s_t.to_numpy(),
            "end": e_t.to_numpy(),
            "churned": ended,
            "event": ended.astype(np.int64),
            "duration": ((stop - s_t).dt.total_seconds() * 1e9 / unit_ns).to_numpy(),
        }
    )
