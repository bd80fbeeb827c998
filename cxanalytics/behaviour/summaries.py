"""Repeat-purchase summaries and cohort tables from transaction logs.

Every function here takes a tidy *transactions* table (one row per purchase or
renewal: ``customer_id``, ``occurred_at`` and optionally ``amount``) and returns a
tidy frame.  The work is vectorised with numpy (counting and sorting integer
codes); there is no Python loop over customers.  Churn labels live in
:mod:`cxanalytics.behaviour.churn`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._core import timeutil as tu
from .._core.validate import renamed_parameters, require_columns, require_frame, warn_dropped
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe

__all__ = [
    "customer_summary",
    "cohort_retention",
    "cohort_matrix",
]

_NS_PER_DAY = tu._NS_PER_DAY

# ----------------------------------------------------------------------------- customer summary
@renamed_parameters(value="amount")
def customer_summary(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "occurred_at",
    amount: str | None = "amount",
    as_of: object = None,
    calibration_end: object = None,
    unit: str | pd.Timedelta = "D",
    aggregate_same_day: bool = True,
) -> pd.DataFrame:
    """Recency, frequency, age and spend of every customer (the BG/NBD summary).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (or renewal).
    customer, time : str
        Columns holding the customer id and the purchase time (datetimes, time-zone
        aware or naive, or parseable date strings).
    amount : str or None, default 'amount'
        Column of purchase amounts (spend); ``None`` leaves out the spend columns.
        (Called ``value`` before 0.2; the old name still works, with a ``FutureWarning``.)
    as_of : date-like, optional
        End of observation.  Defaults to the last transaction.  Purchases after it
        are left out with a :class:`DataQualityWarning`.
    calibration_end : date-like, optional
        End of a calibration period: purchases after it are left out of the
        summary (and ``T`` is measured to it).  With ``as_of`` as well, the
        purchases in ``(calibration_end, as_of]`` are summarised in the holdout
        columns.  Customers whose first purchase is after ``calibration_end`` are
        not in the summary.
    unit : str or pandas.Timedelta, default 'D'
        Unit of ``recency``, ``T`` and ``duration_holdout``: 'D' days, 'W' weeks,
        'h' hours, ...
    aggregate_same_day : bool, default True
        Merge purchases on the same calendar day (in the data's own time zone)
        into one purchase, as in the BG/NBD literature; dates given for ``as_of``
        and ``calibration_end`` then include their whole day.  With ``False``
        only purchases at the identical instant are merged and ages are exact.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by customer id, with columns:
        ``<customer>``; ``first_purchase``, ``last_purchase`` (timestamps, in the
        data's time zone); ``frequency`` (number of repeat purchase days: distinct
        purchase days minus one); ``recency`` (last minus first purchase day, in
        ``unit``); ``T`` (end of observation minus first purchase day, in
        ``unit``); ``monetary_value`` (mean spend per repeat purchase day, the
        first day excluded; NaN without a repeat purchase); ``repeat``
        (frequency > 0); ``n_transactions`` (rows); ``total_value`` (all spend,
        first day included).  With both ``calibration_end`` and ``as_of``:
        ``frequency_holdout``, ``monetary_value_holdout``, ``duration_holdout``.
        Without ``amount`` the spend columns are absent.

    Raises
    ------
    ParameterError
        If ``transactions`` is not a DataFrame, a date or the unit cannot be read,
        ``as_of`` is before ``calibration_end`` or no purchase is left.
    ColumnError
        If a column is missing, times cannot be parsed or values are not numeric.

    Warns
    -----
    DataQualityWarning
        Transactions without a customer id or time, and purchases after ``as_of``,
        are left out (one warning each, with their number and share); missing
        values (the purchase counts, its spend is unknown) and negative values
        (kept: remove returns and refunds first if they are not purchases) are
        kept with a warning.

    Notes
    -----
    With purchase days :math:`d_0 < d_1 < \\dots < d_x` before the end
    :math:`e`: frequency :math:`x`, recency :math:`t_x = d_x - d_0`,
    :math:`T = e - d_0`, monetary value :math:`\\bar z = \\frac{1}{x}\\sum_{j=1}^x z_j`
    with :math:`z_j` the spend on day :math:`d_j`.  This is the input of
    :func:`cxanalytics.behaviour.clv.fit_bgnbd` and :func:`cxanalytics.behaviour.clv.fit_gamma_gamma`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
    the easy way. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "occurred_at": pd.to_datetime(["2026-01-01", "2026-01-01",
    ...                                                   "2026-01-08", "2026-01-05"]),
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = customer_summary(tx, as_of="2026-01-15")
    >>> s[["customer_id", "frequency", "recency", "T", "monetary_value"]]
       customer_id  frequency  recency     T  monetary_value
    0            1          1      7.0  14.0            20.0
    1            2          0      0.0  10.0             NaN
    """
    if type(transactions).__module__.startswith("dask."):  # a Dask DataFrame: see cxanalytics.behaviour.scale
        from .scale import customer_summary_dask

        return customer_summary_dask(transactions, customer=customer, time=time, amount=amount, as_of=as_of,
                                     calibration_end=calibration_end, unit=unit, aggregate_same_day=aggregate_same_day)
    data = require_frame(transactions, parameter="transactions")
    require_columns(data, [customer, time, amount], what="transactions")
    unit_ns = tu.unit_ns(unit)
    times = tu.parse_times(data[time], time)
    cust = data[customer]
    if amount is not None and not (
        pd.api.types.is_numeric_dtype(data[amount]) and not pd.api.types.is_bool_dtype(data[amount])
    ):
        raise ColumnError(
            describe("Values must be numeric", column=amount, received=f"dtype {data[amount].dtype}", expected="numbers")
        )

    codes, uniques = tu.factorize_ids(cust)
    no_time = times.isna().to_numpy()
    keep = (codes >= 0) & ~no_time
    warn_dropped(int((~keep).sum()), len(data), "with a missing value", function="customer_summary",
                 column=[customer, time], role="customer id or time", what="transactions")
    wall, absolute, per_day, tz = tu.datetime_ints(times)
    v = data[amount].to_numpy(dtype=np.float64, na_value=np.nan) if amount is not None else None

    res_dtype = times.to_numpy().dtype if tz is None else times.dt.tz_localize(None).to_numpy().dtype
    t_ns = int(np.timedelta64(1, np.datetime_data(res_dtype)[0]) // np.timedelta64(1, "ns"))
    ticks = wall // per_day if aggregate_same_day else absolute
    ticks_ns = _NS_PER_DAY if aggregate_same_day else t_ns

    def end_tick(ts: object, parameter: str) -> tuple[pd.Timestamp, int]:
        t = tu.to_tz(ts, tz, parameter)
        raw = tu.ts_int(t, res_dtype, wall=aggregate_same_day)
        return t, (raw // per_day if aggregate_same_day else raw)

    last_tick = int(ticks[keep].max()) if keep.any() else 0
    as_of_tick = cal_tick = None
    if as_of is not None:
        as_of_ts, as_of_tick = end_tick(as_of, "as_of")
    if calibration_end is not None:
        cal_ts, cal_tick = end_tick(calibration_end, "calibration_end")
        if as_of_tick is not None and as_of_tick < cal_tick:
            raise ParameterError(
                describe("as_of is before calibration_end", parameter="as_of", received=str(as_of_ts), expected=f"on or after {cal_ts}")
            )
    if as_of_tick is not None:
        late = keep & (ticks > as_of_tick)
        if late.any():
            warn_dropped(int(late.sum()), len(data), f"after as_of={as_of_ts}", function="customer_summary",
                         what="transactions")
            keep &= ~late
    end = cal_tick if cal_tick is not None else (as_of_tick if as_of_tick is not None else last_tick)
    holdout = keep & (ticks > end) if (cal_tick is not None and as_of_tick is not None) else None
    cal = keep & (ticks <= end)

    if v is not None:
        finite_v = v[cal & ~np.isnan(v)]
        n_nan = int((cal & np.isnan(v)).sum())
        if n_nan:
            warnings.warn(
                f"{n_nan} transaction(s) have no value in {amount!r}: they count as purchases, not in spend",
                DataQualityWarning,
                stacklevel=2,
            )
        if (finite_v < 0).any():
            warnings.warn(
                f"{int((finite_v < 0).sum())} negative value(s) in {amount!r} (returns or refunds?) are "
                "included in spend; filter them out first if they are not purchases",
                DataQualityWarning,
                stacklevel=2,
            )
    if not cal.any():
        raise ParameterError(
            describe(
                "No purchase on or before the end of observation",
                parameter="calibration_end" if calibration_end is not None else "as_of",
                received=str(calibration_end if calibration_end is not None else as_of),
                expected="a date on or after the first purchase",
            )
        )

    all_rows = bool(cal.all())
    c = codes if all_rows else codes[cal]
    present = np.bincount(c, minlength=len(uniques)) > 0
    if not present.all():  # customers with no purchase in the window
        remap = np.cumsum(present) - 1
        c = remap[c]
        uniques = uniques[present]
    g = len(uniques)
    tk = ticks if all_rows else ticks[cal]
    ab = absolute if all_rows else absolute[cal]
    first_abs, last_abs = tu.group_minmax(c, ab, g)
    if not aggregate_same_day:
        first_tick, last_tick_c = first_abs, last_abs
    elif tz is None:  # flooring to days is monotone: no second pass needed
        first_tick, last_tick_c = first_abs // per_day, last_abs // per_day
    else:  # wall-clock days need not be monotone in absolute time around DST changes
        first_tick, last_tick_c = tu.group_minmax(c, tk, g)
    n_periods = tu.distinct_per_group(c, tk, g) - 1
    n_tx = np.bincount(c, minlength=g)

    def as_times(ints: np.ndarray) -> pd.Series:
        s = pd.Series(ints.view(res_dtype))
        return s.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else s

    out = {
        customer: uniques,
        "first_purchase": as_times(first_abs),
        "last_purchase": as_times(last_abs),
        "frequency": n_periods,
        "recency": (last_tick_c - first_tick) * (ticks_ns / unit_ns),
        "T": (end - first_tick) * (ticks_ns / unit_ns),
    }
    if v is not None:
        vv = v if all_rows else v[cal]
        total, mean = tu.repeat_spend(c, tk, first_tick, vv, g, n_periods)
        out["monetary_value"] = mean
    out["repeat"] = n_periods > 0
    out["n_transactions"] = n_tx
    if v is not None:
        out["total_value"] = total
    if holdout is not None:
        ids = pd.Index(uniques)
        hc = ids.get_indexer(cust.to_numpy()[holdout])
        inside = hc >= 0
        out.update(tu.holdout_stats(hc[inside], ticks[holdout][inside], None if v is None else v[holdout][inside], g))
        out["duration_holdout"] = np.full(g, (as_of_tick - end) * (ticks_ns / unit_ns))
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- cohorts
def cohort_retention(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "occurred_at",
    period: str = "M",
) -> pd.DataFrame:
    """Share of each acquisition cohort that buys again in each later period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    customer, time : str
        Columns of the customer id and purchase time.
    period : str, default 'M'
        Period alias ('D', 'W', 'M', 'Q', 'Y'); times are read in the data's own
        time zone.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per cohort and period index up to the last observed period:
        ``cohort`` (period of the first purchase), ``period_index`` (0, 1, ...),
        ``period``, ``cohort_size`` (customers acquired), ``n_active`` (of them,
        customers with a purchase in the period; equal to the size at index 0) and
        ``share`` (n_active / cohort_size).  Periods without purchases are present
        with ``n_active = 0``.

    Raises
    ------
    ParameterError
        Unknown period alias.
    ColumnError
        Missing columns or unreadable times.

    Warns
    -----
    DataQualityWarning
        Transactions without a customer id or a time are left out; the message gives their
        number and share.

    Notes
    -----
    Later periods of late cohorts are not yet observed and are absent (not zero);
    the last observed period may be incomplete.  Use :func:`cohort_matrix` for the
    wide cohort x period layout.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3],
    ...                    "occurred_at": pd.to_datetime(["2026-01-05", "2026-03-01", "2026-01-20",
    ...                                                   "2026-02-02", "2026-03-09"])})
    >>> cohort_retention(tx)[["cohort", "period_index", "n_active", "share"]]
        cohort  period_index  n_active  share
    0  2026-01             0         2    1.0
    1  2026-01             1         0    0.0
    2  2026-01             2         1    0.5
    3  2026-02             0         1    1.0
    4  2026-02             1         1    1.0
    """
    if type(transactions).__module__.startswith("dask."):  # a Dask DataFrame: see cxanalytics.behaviour.scale
        from .scale import cohort_retention_dask

        return cohort_retention_dask(transactions, customer=customer, time=time, period=period)
    data = require_frame(transactions, parameter="transactions")
    require_columns(data, [customer, time], what="transactions")
    try:
        pd.Period("2000-01-01", freq=period)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(
            describe("Unknown period", parameter="period", received=period, expected="'D', 'W', 'M', 'Q' or 'Y'")
        ) from exc
    times = tu.parse_times(data[time], time)
    codes = pd.factorize(data[customer])[0]
    ok = (codes >= 0) & times.notna().to_numpy()
    warn_dropped(int((~ok).sum()), len(data), "with a missing value", function="cohort_retention",
                 column=[customer, time], role="customer id or time", what="transactions")
    if not ok.any():
        raise ColumnError(describe("No usable transactions", column=time, expected="at least one row with a customer and a time"))
    wall = times[ok]
    if getattr(wall.dtype, "tz", None) is not None:
        wall = wall.dt.tz_localize(None)
    per = wall.dt.to_period(period)
    ords = per.array.asi8
    c = codes[ok]
    n_cust = int(c.max()) + 1
    cohort_of = np.full(n_cust, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(cohort_of, c, ords)
    first = cohort_of[np.bincount(c, minlength=n_cust) > 0]
    lo, hi = int(ords.min()), int(ords.max())
    span = hi - lo + 1
    # distinct (customer, period) pairs -> active counts per (cohort, period)
    pairs = np.unique(c.astype(np.int64) * span + (ords - lo))
    pair_cust, pair_ord = pairs // span, pairs % span + lo
    cell = (cohort_of[pair_cust] - lo) * span + (pair_ord - cohort_of[pair_cust])
    active = np.bincount(cell, minlength=span * span)
    size = np.bincount(first - lo, minlength=span)
    cohorts = np.flatnonzero(size) + lo
    lengths = hi - cohorts + 1
    coh = np.repeat(cohorts, lengths)
    idx = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    n_active = active[(coh - lo) * span + idx]
    csize = size[coh - lo]
    freq = per.dt.freq
    return pd.DataFrame(
        {
            "cohort": pd.PeriodIndex.from_ordinals(coh, freq=freq),
            "period_index": idx,
            "period": pd.PeriodIndex.from_ordinals(coh + idx, freq=freq),
            "cohort_size": csize,
            "n_active": n_active,
            "share": n_active / csize,
        }
    )


def cohort_matrix(table: pd.DataFrame, *, value: str = "share") -> pd.DataFrame:
    """Wide cohort x period-index layout of :func:`cohort_retention` (NaN where not observed).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "occurred_at": pd.to_datetime(
    ...     ["2026-01-05", "2026-02-01", "2026-02-20"])})
    >>> cohort_matrix(cohort_retention(tx))  # doctest: +NORMALIZE_WHITESPACE
    period_index    0    1
    cohort
    2026-01       1.0  1.0
    2026-02       1.0  NaN
    """
    data = require_frame(table, parameter="table")
    require_columns(data, ["cohort", "period_index", value], what="cohort table")
    return data.pivot(index="cohort", columns="period_index", values=value)
