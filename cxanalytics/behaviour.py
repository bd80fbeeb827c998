"""Repeat-purchase summaries, churn labels and cohort tables from transaction logs.

Every function here takes a tidy *transactions* table (one row per purchase or
renewal: ``customer_id``, ``occurred_at`` and optionally ``amount``) or the
customer table, and returns a tidy frame.  The work is vectorised with numpy
(counting and sorting integer codes); there is no Python loop over customers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._validate import require_columns, require_frame
from .errors import ColumnError, DataQualityWarning, ParameterError, describe

__all__ = [
    "customer_summary",
]

_NS_PER_DAY = 86_400 * 10**9


# ----------------------------------------------------------------------------- helpers
def _unit_ns(unit: str | pd.Timedelta) -> int:
    """Length of one time unit in nanoseconds ('D', 'W', 'h', ... or a Timedelta)."""
    try:
        td = unit if isinstance(unit, pd.Timedelta) else pd.Timedelta(1, unit=unit)
    except (ValueError, TypeError):
        td = None
    if td is None or td <= pd.Timedelta(0):
        raise ParameterError(
            describe(
                "Unknown time unit",
                parameter="unit",
                received=unit,
                expected="a fixed-length unit such as 'D', 'W', 'h' or a positive pandas.Timedelta",
            )
        )
    return int(td.value)


def _parse_times(series: pd.Series, column: str) -> pd.Series:
    """Datetime series from datetimes or date strings; clear errors for anything else."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return series
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise ColumnError(
            describe(
                "Times must be datetimes or date strings, not numbers",
                column=column,
                received=f"dtype {series.dtype}",
                expected="datetime64 values or parseable strings (convert e.g. YYYYMMDD "
                "integers with pandas.to_datetime(..., format='%Y%m%d'))",
            )
        )
    try:
        return pd.to_datetime(series)
    except (ValueError, TypeError) as exc:
        coerced = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
        bad = series[coerced.isna() & series.notna()]
        if len(bad):
            raise ColumnError(
                describe(
                    f"{len(bad)} value(s) cannot be read as times (first at index {bad.index[0]!r})",
                    column=column,
                    received=str(bad.iloc[0]),
                    expected="dates or date-times such as '2026-06-30' or '2026-06-30 14:05:00+03:00'",
                )
            ) from exc
        raise ColumnError(
            describe(
                f"Times cannot be combined ({exc})",
                column=column,
                expected="one time zone for the whole column (convert with pandas.to_datetime(..., utc=True))",
            )
        ) from exc


def _to_tz(ts: object, tz: object, parameter: str) -> pd.Timestamp:
    """Parse a user-supplied date and express it in the data's time zone (or naive)."""
    try:
        t = pd.Timestamp(ts)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            describe("Cannot read the date", parameter=parameter, received=str(ts), expected="a date such as '2026-06-30'")
        ) from exc
    if t is pd.NaT:
        raise ParameterError(describe("Date is missing", parameter=parameter, received=str(ts), expected="a date"))
    if tz is None and t.tz is not None:
        raise ParameterError(
            describe(
                "Time-zone-aware date given for naive (time-zone-free) transaction times",
                parameter=parameter,
                received=str(t),
                expected="a naive date, or make the time column time-zone aware",
            )
        )
    if tz is not None:
        t = t.tz_localize(tz) if t.tz is None else t.tz_convert(tz)
    return t


def _datetime_ints(series: pd.Series) -> tuple[np.ndarray, np.ndarray, int, object]:
    """(wall-clock ints, absolute ints, ticks per day, tz) of a datetime series."""
    tz = getattr(series.dtype, "tz", None)
    if tz is not None:
        wall = series.dt.tz_localize(None).to_numpy()
        absolute = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    else:
        wall = absolute = series.to_numpy()
    res = np.datetime_data(wall.dtype)[0]
    per_day = int(np.timedelta64(1, "D") // np.timedelta64(1, res))
    return wall.view(np.int64), absolute.astype(wall.dtype).view(np.int64), per_day, tz


def _ts_int(t: pd.Timestamp, res_dtype: np.dtype, *, wall: bool) -> int:
    """A Timestamp as an integer in the resolution of the data (wall clock or UTC)."""
    if t.tz is not None:
        t = t.tz_localize(None) if wall else t.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(t.to_datetime64()).astype(res_dtype).view(np.int64))


def _distinct_per_group(codes: np.ndarray, ticks: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct ``ticks`` within each group code (sort of a combined int64 key)."""
    if len(codes) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    lo, hi = int(ticks.min()), int(ticks.max())
    span = hi - lo + 1
    if n_groups * span < 2**62:
        key = np.sort(codes.astype(np.int64) * span + (ticks - lo))
        new = np.empty(len(key), dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        return np.bincount(key[new] // span, minlength=n_groups)
    order = np.lexsort((ticks, codes))
    c, t = codes[order], ticks[order]
    new = np.empty(len(c), dtype=bool)
    new[0] = True
    new[1:] = (c[1:] != c[:-1]) | (t[1:] != t[:-1])
    return np.bincount(c[new], minlength=n_groups)


def _group_minmax(codes: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    return lo, hi


def _repeat_spend(codes, ticks, first_tick, v, n_groups, n_periods):
    """Sum and mean of the spend in every period but each customer's first."""
    finite = ~np.isnan(v)
    v0 = np.where(finite, v, 0.0)
    repeat = ticks != first_tick[codes]
    total = np.bincount(codes, weights=v0, minlength=n_groups)
    total[np.bincount(codes, weights=finite, minlength=n_groups) == 0] = np.nan
    rep_sum = np.bincount(codes[repeat], weights=v0[repeat], minlength=n_groups)
    if finite.all():
        denom = n_periods
    else:  # periods whose every value is missing do not count in the mean
        keep = repeat & finite
        denom = _distinct_per_group(codes[keep], ticks[keep], n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(denom > 0, rep_sum / np.maximum(denom, 1), np.nan)
    return total, mean


# ----------------------------------------------------------------------------- customer summary
def customer_summary(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "occurred_at",
    value: str | None = "amount",
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
    value : str or None
        Column of purchase values; ``None`` leaves out the spend columns.
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
        Without ``value`` the spend columns are absent.

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
        Missing customer ids or times (rows dropped), missing values (the
        purchase counts, its spend is unknown), negative values (kept: remove
        returns and refunds first if they are not purchases), purchases after
        ``as_of``.

    Notes
    -----
    With purchase days :math:`d_0 < d_1 < \\dots < d_x` before the end
    :math:`e`: frequency :math:`x`, recency :math:`t_x = d_x - d_0`,
    :math:`T = e - d_0`, monetary value :math:`\\bar z = \\frac{1}{x}\\sum_{j=1}^x z_j`
    with :math:`z_j` the spend on day :math:`d_j`.  This is the input of
    :func:`cxanalytics.clv.fit_bgnbd` and :func:`cxanalytics.clv.fit_gamma_gamma`.

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
    data = require_frame(transactions, parameter="transactions")
    require_columns(data, [customer, time, value], what="transactions")
    unit_ns = _unit_ns(unit)
    times = _parse_times(data[time], time)
    cust = data[customer]
    if value is not None and not (
        pd.api.types.is_numeric_dtype(data[value]) and not pd.api.types.is_bool_dtype(data[value])
    ):
        raise ColumnError(
            describe("Values must be numeric", column=value, received=f"dtype {data[value].dtype}", expected="numbers")
        )

    codes, uniques = pd.factorize(cust, sort=True)
    keep = (codes >= 0) & times.notna().to_numpy()
    for bad, what in ((codes < 0, f"customer id ({customer})"), (times.isna().to_numpy(), f"time ({time})")):
        if bad.any():
            warnings.warn(f"{int(bad.sum())} transaction(s) without a {what} were dropped", DataQualityWarning, stacklevel=2)
    wall, absolute, per_day, tz = _datetime_ints(times)
    v = data[value].to_numpy(dtype=np.float64, na_value=np.nan) if value is not None else None

    res_dtype = times.to_numpy().dtype if tz is None else times.dt.tz_localize(None).to_numpy().dtype
    t_ns = int(np.timedelta64(1, np.datetime_data(res_dtype)[0]) // np.timedelta64(1, "ns"))
    ticks = wall // per_day if aggregate_same_day else absolute
    ticks_ns = _NS_PER_DAY if aggregate_same_day else t_ns

    def end_tick(ts: object, parameter: str) -> tuple[pd.Timestamp, int]:
        t = _to_tz(ts, tz, parameter)
        raw = _ts_int(t, res_dtype, wall=aggregate_same_day)
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
            warnings.warn(
                f"{int(late.sum())} transaction(s) after as_of={as_of_ts} were left out",
                DataQualityWarning,
                stacklevel=2,
            )
            keep &= ~late
    end = cal_tick if cal_tick is not None else (as_of_tick if as_of_tick is not None else last_tick)
    holdout = keep & (ticks > end) if (cal_tick is not None and as_of_tick is not None) else None
    cal = keep & (ticks <= end)

    if v is not None:
        finite_v = v[cal & ~np.isnan(v)]
        n_nan = int((cal & np.isnan(v)).sum())
        if n_nan:
            warnings.warn(
                f"{n_nan} transaction(s) have no value in {value!r}: they count as purchases, not in spend",
                DataQualityWarning,
                stacklevel=2,
            )
        if (finite_v < 0).any():
            warnings.warn(
                f"{int((finite_v < 0).sum())} negative value(s) in {value!r} (returns or refunds?) are "
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
    first_tick, last_tick_c = _group_minmax(c, tk, g)
    first_abs, last_abs = _group_minmax(c, ab, g)
    n_periods = _distinct_per_group(c, tk, g) - 1
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
        total, mean = _repeat_spend(c, tk, first_tick, vv, g, n_periods)
        out["monetary_value"] = mean
    out["repeat"] = n_periods > 0
    out["n_transactions"] = n_tx
    if v is not None:
        out["total_value"] = total
    if holdout is not None:
        ids = pd.Index(uniques)
        hc = ids.get_indexer(cust.to_numpy()[holdout])
        inside = hc >= 0
        hc, ht = hc[inside], ticks[holdout][inside]
        out["frequency_holdout"] = _distinct_per_group(hc, ht, g)
        if v is not None:
            hv = v[holdout][inside]
            hfin = ~np.isnan(hv)
            hsum = np.bincount(hc[hfin], weights=hv[hfin], minlength=g)
            hdays = _distinct_per_group(hc[hfin], ht[hfin], g)
            with np.errstate(invalid="ignore", divide="ignore"):
                out["monetary_value_holdout"] = np.where(hdays > 0, hsum / np.maximum(hdays, 1), np.nan)
        out["duration_holdout"] = np.full(g, (as_of_tick - end) * (ticks_ns / unit_ns))
    return pd.DataFrame(out)
