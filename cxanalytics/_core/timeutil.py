"""Time parsing and grouped counting shared by the behaviour modules (internal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ColumnError, ParameterError, describe

_NS_PER_DAY = 86_400 * 10**9

def unit_ns(unit: str | pd.Timedelta) -> int:
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


def parse_times(series: pd.Series, column: str) -> pd.Series:
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
    except (ValueError, TypeError):
        pass
    try:  # e.g. dates with and without a time of day
        return pd.to_datetime(series, format="mixed")
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


def to_tz(ts: object, tz: object, parameter: str) -> pd.Timestamp:
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


def datetime_ints(series: pd.Series) -> tuple[np.ndarray, np.ndarray, int, object]:
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


def ts_int(t: pd.Timestamp, res_dtype: np.dtype, *, wall: bool) -> int:
    """A Timestamp as an integer in the resolution of the data (wall clock or UTC)."""
    if t.tz is not None:
        t = t.tz_localize(None) if wall else t.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(t.to_datetime64()).astype(res_dtype).view(np.int64))


def distinct_per_group(codes: np.ndarray, ticks: np.ndarray, n_groups: int) -> np.ndarray:
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


def group_minmax(codes: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    return lo, hi


def factorize_ids(ids: pd.Series) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """Sorted factorisation (codes, uniques); -1 for missing ids.

    Integer ids with a compact range are coded by counting (no hashing).
    """
    n = len(ids)
    if pd.api.types.is_integer_dtype(ids.dtype) and not ids.hasnans and n:
        raw = ids.to_numpy()
        lo, hi = int(raw.min()), int(raw.max())
        if hi - lo < max(4 * n, 1 << 20):
            offset = (raw - lo).astype(np.intp, copy=False)
            present = np.bincount(offset, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            return remap[offset], (np.flatnonzero(present) + lo).astype(raw.dtype)
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, uniques


def repeat_spend(codes, ticks, first_tick, v, n_groups, n_periods):
    """Sum and mean of the spend in every period but each customer's first."""
    finite = ~np.isnan(v)
    all_finite = bool(finite.all())
    v0 = v if all_finite else np.where(finite, v, 0.0)
    total = np.bincount(codes, weights=v0, minlength=n_groups)
    if not all_finite:
        total[np.bincount(codes, weights=finite, minlength=n_groups) == 0] = np.nan
    on_first = ticks == first_tick[codes]
    rep_sum = np.bincount(codes, weights=np.where(on_first, 0.0, v0), minlength=n_groups)
    if all_finite:
        denom = n_periods
    else:  # periods whose every value is missing do not count in the mean
        keep = ~on_first & finite
        denom = distinct_per_group(codes[keep], ticks[keep], n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(denom > 0, rep_sum / np.maximum(denom, 1), np.nan)
    return total, mean


def window_days(window: object, unit_ns: int) -> float:
    if isinstance(window, str | pd.Timedelta):
        try:
            td = pd.Timedelta(window)
        except ValueError:
            td = None
        if td is None or td <= pd.Timedelta(0):
            raise ParameterError(describe("Cannot read the window", parameter="window", received=str(window), expected="e.g. '90D'"))
        return td.value / _NS_PER_DAY
    if not (isinstance(window, int | float) and np.isfinite(window) and window > 0):
        raise ParameterError(
            describe("Window must be positive", parameter="window", received=window, expected="a number of units > 0 or a Timedelta")
        )
    return float(window) * unit_ns / _NS_PER_DAY


def days(series: pd.Series, column: str) -> tuple[np.ndarray, object]:
    """Wall-clock day numbers (int64) of a time column and its time zone."""
    times = parse_times(series, column)
    if times.isna().any():
        raise ColumnError(describe("Missing times", column=column, received=f"{int(times.isna().sum())} missing", expected="a time in every row"))
    wall, _, per_day, tz = datetime_ints(times)
    return wall // per_day, tz


def day_of(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.tz_localize(None) if ts.tz is not None else ts, "D").astype(np.int64))


def holdout_stats(codes: np.ndarray, ticks: np.ndarray, values: np.ndarray | None, g: int) -> dict:
    """Holdout purchase days per customer (``frequency_holdout``) and, with values, mean spend per day.

    Shared by the pandas and the Dask paths of :func:`cxanalytics.customer_summary`.
    """
    out = {"frequency_holdout": distinct_per_group(codes, ticks, g)}
    if values is not None:
        fin = ~np.isnan(values)
        total = np.bincount(codes[fin], weights=values[fin], minlength=g)
        days = distinct_per_group(codes[fin], ticks[fin], g)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value_holdout"] = np.where(days > 0, total / np.maximum(days, 1), np.nan)
    return out
