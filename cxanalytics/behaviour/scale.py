"""Event logs on Dask: the behaviour and survival counts of logs larger than memory.

:func:`cxanalytics.customer_summary`, :func:`cxanalytics.cohort_retention` and
:func:`cxanalytics.kaplan_meier` hand a :class:`dask.dataframe.DataFrame` to the functions
here; they are not meant to be called directly.  Dask does the heavy part, reducing the
log to small sufficient statistics; pandas and numpy finish with the same formulas as the
in-memory path, so both paths give the same table:

* ``customer_summary``: the log is shuffled by customer id (every customer's purchases in
  one partition), each partition is reduced to one row per customer (first and last
  purchase, distinct purchase days, counts and sums) with the same numpy helpers as the
  pandas path, and the per-customer rows are collected.  The end of observation, the
  warnings and the errors are worked out from per-partition counts.
* ``cohort_retention``: the same shuffle; each partition counts its customers per
  (cohort, period); the counts are summed.
* ``kaplan_meier``: a Dask groupby counts subjects per (group, duration, event), which is
  a small table; the curve is estimated from it in pandas (in :mod:`cxanalytics.behaviour.survival`).

Dask is an optional dependency (``pip install "cxanalytics[scale]"``): this module imports
it only when a Dask frame is analysed, and ``import cxanalytics`` never imports it.  Any
scheduler works, including a :class:`dask.distributed.Client` connected to a cluster.
Time columns must already be datetimes (see :func:`cxanalytics.ingest.logs.read_transactions`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._core import timeutil as tu
from .._core.dask import (
    _ORDER,
    _compute,
    _dask,
    _ns,
    _plain,
    _time_dtype,
    _with_order,
    is_dask_frame,
)
from .._core.validate import require_columns, warn_dropped
from ..errors import ColumnError, DataQualityWarning, ParameterError, SmallSampleWarning, describe
from ._daskvalue import quantile_from_counts

__all__ = ["is_dask_frame", "frame_differences", "customer_summary_dask", "cohort_retention_dask"]

_NS_PER_DAY = tu._NS_PER_DAY


def frame_differences(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Column-by-column differences between two results of the same shape (e.g. pandas vs Dask path).

    Parameters
    ----------
    left, right : pandas.DataFrame
        Two tables with the same columns and rows in the same order.

    Returns
    -------
    pandas.DataFrame
        One row per column of ``left``: ``column``, ``dtype`` (of ``left``), ``same_dtype``,
        ``n`` (rows), ``n_different`` (cells that differ; two missing values are equal),
        ``max_abs_difference`` (numbers; times in seconds; NaN for other columns or when
        every cell is missing) and ``identical`` (same dtype and no cell differs).

    Raises
    ------
    ParameterError
        Not DataFrames, or different shapes or columns.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1.0, 2.0], "k": ["p", "q"]})
    >>> frame_differences(a, a.assign(x=[1.0, 2.5]))[["column", "n_different", "max_abs_difference"]]
      column  n_different  max_abs_difference
    0      x            1                 0.5
    1      k            0                 NaN
    """
    for name, frame in (("left", left), ("right", right)):
        if not isinstance(frame, pd.DataFrame):
            raise ParameterError(describe("Expected a pandas DataFrame", parameter=name, received=type(frame).__name__))
    if left.shape != right.shape or list(left.columns) != list(right.columns):
        raise ParameterError(
            describe("The tables differ in shape or columns", parameter="right", received=f"{right.shape}, {list(right.columns)}",
                     expected=f"{left.shape}, {list(left.columns)}")
        )
    rows = []
    for col in left.columns:
        a, b = left[col].reset_index(drop=True), right[col].reset_index(drop=True)
        both_missing = (a.isna() & b.isna()).to_numpy()
        equal = (a.astype(object) == b.astype(object)).fillna(False).to_numpy(dtype=bool) | both_missing
        diff = np.nan
        if pd.api.types.is_datetime64_any_dtype(a.dtype) and pd.api.types.is_datetime64_any_dtype(b.dtype):
            d = (a - b).dt.total_seconds().abs()
            diff = float(d.max()) if d.notna().any() else np.nan
        elif all(pd.api.types.is_numeric_dtype(x.dtype) for x in (a, b)):
            d = (a.astype(float) - b.astype(float)).abs()
            diff = float(d.max()) if d.notna().any() else np.nan
        rows.append({"column": col, "dtype": str(a.dtype), "same_dtype": a.dtype == b.dtype, "n": len(a),
                     "n_different": int((~equal).sum()), "max_abs_difference": diff,
                     "identical": bool(a.dtype == b.dtype and equal.all())})  # fmt: skip
    return pd.DataFrame(rows)


def _times(part: pd.DataFrame, time: str, same_day: bool):
    """Ticks (wall days or instants), instants and the missing-time mask of a partition."""
    times = part[time]
    wall, absolute, per_day, _ = tu.datetime_ints(times)
    ticks = wall // per_day if same_day else absolute
    return ticks, absolute, times.isna().to_numpy()


def _ticks(part: pd.DataFrame, customer: str, time: str, same_day: bool):
    """Customer codes, ticks (wall days or instants), instants and the kept-row mask of a partition."""
    codes, uniques = tu.factorize_ids(part[customer])
    ticks, absolute, no_time = _times(part, time, same_day)
    return codes, uniques, ticks, absolute, codes >= 0, no_time


# ----------------------------------------------------------------------------- customer summary
def _summary_counts(part, customer, time, value, same_day, as_of_tick, end):
    """Per-partition counts behind the pandas path's warnings, and the last purchase tick.

    Only whether a row has an id matters here: ``notna`` is what ``factorize_ids`` codes as
    missing, without factorising ids that, in a partition of the unshuffled log, are nearly
    all distinct (a hash table of the partition's size once the ids span more than four
    times its rows).
    """
    has_id = part[customer].notna().to_numpy()
    ticks, _, no_time = _times(part, time, same_day)
    keep = has_id & ~no_time
    dropped = int((~keep).sum())
    late = keep & (ticks > as_of_tick) if as_of_tick is not None else np.zeros(len(part), bool)
    keep &= ~late
    cal = keep & (ticks <= end) if end is not None else keep
    row = {
        "no_id": int((~has_id).sum()), "no_time": int(no_time.sum()), "late": int(late.sum()),
        "cal": int(cal.sum()), "max_tick": int(ticks[keep].max()) if keep.any() else np.iinfo(np.int64).min,
        "nan": 0, "neg": 0, "rows": len(part), "dropped": dropped,
    }  # fmt: skip
    if value is not None:
        v = part[value].to_numpy(dtype=np.float64, na_value=np.nan)
        row["nan"] = int((cal & np.isnan(v)).sum())
        row["neg"] = int((cal & (v < 0)).sum())
    return pd.DataFrame({k: np.array([x], dtype=np.int64) for k, x in row.items()})


def _summary_part(part, customer, time, value, same_day, end, hold_end, meta):
    """One row per customer of a partition holding all of each customer's purchases.

    The rows are first put back in the log's order, so that sums are added in the same
    order as on the pandas path (floating-point sums then agree to the last bit).
    """
    part = part.iloc[np.argsort(part[_ORDER].to_numpy(), kind="stable")]
    codes, uniques, ticks, absolute, has_id, no_time = _ticks(part, customer, time, same_day)
    keep = has_id & ~no_time
    if hold_end is not None:
        keep &= ticks <= hold_end
    cal = keep & (ticks <= end) if end is not None else keep
    v = part[value].to_numpy(dtype=np.float64, na_value=np.nan) if value is not None else None
    c = codes[cal]
    present = np.bincount(c, minlength=len(uniques)) > 0
    if not present.any():
        return meta
    remap = np.cumsum(present) - 1
    c = remap[c]
    uniques = uniques[present]
    g = len(uniques)
    tk, ab = ticks[cal], absolute[cal]
    first_abs, last_abs = tu.group_minmax(c, ab, g)
    first_tick, last_tick = tu.group_minmax(c, tk, g)
    n_periods = tu.distinct_per_group(c, tk, g) - 1
    out = {
        customer: uniques, "first_abs": first_abs, "last_abs": last_abs, "first_tick": first_tick,
        "last_tick": last_tick, "frequency": n_periods, "n_transactions": np.bincount(c, minlength=g),
    }  # fmt: skip
    if v is not None:
        out["total_value"], out["monetary_value"] = tu.repeat_spend(c, tk, first_tick, v[cal], g, n_periods)
    if end is not None and hold_end is not None:  # holdout purchases of the customers above
        hold = keep & (ticks > end)
        hc = np.where(present, remap, -1)[codes[hold]]
        inside = hc >= 0
        out.update(tu.holdout_stats(hc[inside], ticks[hold][inside], None if v is None else v[hold][inside], g))
    return pd.DataFrame(out).astype(meta.dtypes.to_dict())


def _summary_meta(ids: pd.Series, value: str | None, *, holdout: bool) -> pd.DataFrame:
    ints = ["first_abs", "last_abs", "first_tick", "last_tick", "frequency", "n_transactions"]
    cols = {ids.name: ids.iloc[:0].reset_index(drop=True)}
    cols.update({k: np.array([], dtype=np.int64) for k in ints})
    if value is not None:
        cols.update(total_value=np.array([], dtype=float), monetary_value=np.array([], dtype=float))
    if holdout:
        cols["frequency_holdout"] = np.array([], dtype=np.int64)
        if value is not None:
            cols["monetary_value_holdout"] = np.array([], dtype=float)
    return pd.DataFrame(cols)


def customer_summary_dask(
    transactions,
    *,
    customer: str = "customer_id",
    time: str = "occurred_at",
    amount: str | None = "amount",
    as_of: object = None,
    calibration_end: object = None,
    unit: str | pd.Timedelta = "D",
    aggregate_same_day: bool = True,
) -> pd.DataFrame:
    """:func:`cxanalytics.behaviour.customer_summary` of a Dask DataFrame (same arguments and result)."""
    dask, _ = _dask()
    ddf = transactions
    require_columns(ddf, [customer, time, amount], what="transactions")
    unit_ns = tu.unit_ns(unit)
    res_dtype, tz, per_day = _time_dtype(ddf, time)
    if amount is not None:
        vd = ddf.dtypes[amount]
        if not (pd.api.types.is_numeric_dtype(vd) and not pd.api.types.is_bool_dtype(vd)):
            raise ColumnError(describe("Values must be numeric", column=amount, received=f"dtype {vd}", expected="numbers"))
    t_ns = int(np.timedelta64(1, np.datetime_data(res_dtype)[0]) // np.timedelta64(1, "ns"))
    ticks_ns = _NS_PER_DAY if aggregate_same_day else t_ns

    def end_tick(ts: object, parameter: str) -> tuple[pd.Timestamp, int]:
        t = tu.to_tz(ts, tz, parameter)
        raw = tu.ts_int(t, res_dtype, wall=aggregate_same_day)
        return t, (raw // per_day if aggregate_same_day else raw)

    as_of_tick = cal_tick = None
    if as_of is not None:
        as_of_ts, as_of_tick = end_tick(as_of, "as_of")
    if calibration_end is not None:
        cal_ts, cal_tick = end_tick(calibration_end, "calibration_end")
        if as_of_tick is not None and as_of_tick < cal_tick:
            raise ParameterError(
                describe("as_of is before calibration_end", parameter="as_of", received=str(as_of_ts), expected=f"on or after {cal_ts}")
            )
    end = cal_tick if cal_tick is not None else as_of_tick  # None: the last purchase
    cols = [c for c in (customer, time, amount) if c is not None]
    ddf = ddf[cols]
    meta_in = ddf._meta
    counts_meta = _summary_counts(meta_in, customer, time, amount, aggregate_same_day, as_of_tick, end)
    counts = ddf.map_partitions(
        _summary_counts, customer, time, amount, aggregate_same_day, as_of_tick, end, meta=counts_meta.iloc[:0]
    )
    hold_end = as_of_tick if cal_tick is not None else None
    meta = _summary_meta(meta_in[customer], amount, holdout=cal_tick is not None and as_of_tick is not None)
    ordered = ddf.map_partitions(_with_order, meta=_with_order(meta_in))
    rows = ordered.shuffle(on=customer).map_partitions(
        _summary_part, customer, time, amount, aggregate_same_day, end, hold_end, meta, meta=meta
    )
    counts, rows = _compute(dask, counts, rows)
    tot = counts.sum()

    warn_dropped(int(tot["dropped"]), int(tot["rows"]), "with a missing value", function="customer_summary",
                 column=[customer, time], role="customer id or time", what="transactions", stacklevel=4)
    if tot["late"]:
        warn_dropped(int(tot["late"]), int(tot["rows"]), f"after as_of={as_of_ts}", function="customer_summary",
                     what="transactions", stacklevel=4)
    if tot["nan"]:
        warnings.warn(
            f"{int(tot['nan'])} transaction(s) have no value in {amount!r}: they count as purchases, not in spend",
            DataQualityWarning,
            stacklevel=3,
        )
    if tot["neg"]:
        warnings.warn(
            f"{int(tot['neg'])} negative value(s) in {amount!r} (returns or refunds?) are "
            "included in spend; filter them out first if they are not purchases",
            DataQualityWarning,
            stacklevel=3,
        )
    if not tot["cal"] or rows.empty:
        raise ParameterError(
            describe(
                "No purchase on or before the end of observation",
                parameter="calibration_end" if calibration_end is not None else "as_of",
                received=str(calibration_end if calibration_end is not None else as_of),
                expected="a date on or after the first purchase",
            )
        )
    if end is None:
        end = int(counts["max_tick"].max())
    rows = rows.sort_values(customer, kind="stable", ignore_index=True)
    ids = rows[customer]
    ids = ids.astype(_plain(ids.dtype)) if isinstance(ids.dtype, pd.StringDtype) else ids
    first_tick = rows["first_tick"].to_numpy()
    n_periods = rows["frequency"].to_numpy()

    def as_times(ints: np.ndarray) -> pd.Series:
        s = pd.Series(ints.view(res_dtype))
        return s.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else s

    out = {
        customer: ids.to_numpy() if not isinstance(ids.dtype, pd.StringDtype) else pd.Index(ids),
        "first_purchase": as_times(rows["first_abs"].to_numpy()),
        "last_purchase": as_times(rows["last_abs"].to_numpy()),
        "frequency": n_periods,
        "recency": (rows["last_tick"].to_numpy() - first_tick) * (ticks_ns / unit_ns),
        "T": (end - first_tick) * (ticks_ns / unit_ns),
    }
    if amount is not None:
        out["monetary_value"] = rows["monetary_value"].to_numpy()
    out["repeat"] = n_periods > 0
    out["n_transactions"] = rows["n_transactions"].to_numpy()
    if amount is not None:
        out["total_value"] = rows["total_value"].to_numpy()
    if "frequency_holdout" in rows:
        out["frequency_holdout"] = rows["frequency_holdout"].to_numpy()
        if amount is not None:
            out["monetary_value_holdout"] = rows["monetary_value_holdout"].to_numpy()
        out["duration_holdout"] = np.full(len(rows), (as_of_tick - end) * (ticks_ns / unit_ns))
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- cohorts
def _period_ordinals(part: pd.DataFrame, customer: str, time: str, period: str):
    codes = pd.factorize(part[customer])[0]
    times = part[time]
    ok = (codes >= 0) & times.notna().to_numpy()
    wall = times[ok]
    if getattr(wall.dtype, "tz", None) is not None:
        wall = wall.dt.tz_localize(None)
    return codes[ok], wall.dt.to_period(period).array.asi8, int((~ok).sum())


def _cohort_part(part, customer, time, period):
    """Active customers per (cohort, period) ordinal of a partition holding whole customers."""
    c, ords, n_bad = _period_ordinals(part, customer, time, period)
    if len(c) == 0:
        cells = np.empty((0, 2), dtype=np.int64)
        counts = np.empty(0, dtype=np.int64)
    else:
        n_cust = int(c.max()) + 1
        cohort_of = np.full(n_cust, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(cohort_of, c, ords)
        lo = int(ords.min())
        span = int(ords.max()) - lo + 1
        pairs = np.unique(c.astype(np.int64) * span + (ords - lo))  # distinct (customer, period)
        pair_cust, pair_ord = pairs // span, pairs % span + lo
        cells, counts = np.unique(np.column_stack([cohort_of[pair_cust], pair_ord]), axis=0, return_counts=True)
    return pd.DataFrame({"cohort": cells[:, 0], "period": cells[:, 1], "n": counts.astype(np.int64)})


def _dropped(part, customer, time, period):
    """Rows of a partition without a customer id or a time (what ``pd.factorize`` codes -1 is ``isna``):
    counted without factorising the nearly all distinct ids of an unshuffled partition."""
    bad = int((part[customer].isna().to_numpy() | part[time].isna().to_numpy()).sum())
    return pd.DataFrame({"dropped": [bad], "rows": [len(part)]}, dtype=np.int64)


def cohort_retention_dask(transactions, *, customer: str = "customer_id", time: str = "occurred_at",
                          period: str = "M") -> pd.DataFrame:
    """:func:`cxanalytics.behaviour.cohort_retention` of a Dask DataFrame (same arguments and result)."""
    dask, _ = _dask()
    ddf = transactions
    require_columns(ddf, [customer, time], what="transactions")
    try:
        freq = pd.Series(pd.to_datetime(["2000-01-01"])).dt.to_period(period).dt.freq
    except (ValueError, TypeError, AttributeError) as exc:
        raise ParameterError(
            describe("Unknown period", parameter="period", received=period, expected="'D', 'W', 'M', 'Q' or 'Y'")
        ) from exc
    _time_dtype(ddf, time)
    ddf = ddf[[customer, time]]
    dropped = ddf.map_partitions(_dropped, customer, time, period, meta=_dropped(ddf._meta, customer, time, period))
    cells = ddf.shuffle(on=customer).map_partitions(
        _cohort_part, customer, time, period, meta=_cohort_part(ddf._meta, customer, time, period)
    )
    dropped, cells = _compute(dask, dropped, cells)
    warn_dropped(int(dropped["dropped"].sum()), int(dropped["rows"].sum()), "with a missing value",
                 function="cohort_retention", column=[customer, time], role="customer id or time",
                 what="transactions", stacklevel=4)
    if cells.empty:
        raise ColumnError(describe("No usable transactions", column=time, expected="at least one row with a customer and a time"))
    cohort_ord, period_ord, n = (cells[k].to_numpy() for k in ("cohort", "period", "n"))
    lo, hi = int(cohort_ord.min()), int(period_ord.max())
    span = hi - lo + 1
    active = np.zeros(span * span, dtype=np.int64)
    np.add.at(active, (cohort_ord - lo) * span + (period_ord - cohort_ord), n)
    size = active.reshape(span, span)[:, 0].copy()  # every customer is active in its first period
    cohorts = np.flatnonzero(size) + lo
    lengths = hi - cohorts + 1
    coh = np.repeat(cohorts, lengths)
    idx = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    n_active = active[(coh - lo) * span + idx]
    csize = size[coh - lo]
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


# ----------------------------------------------------------------------------- churn window
_MIN = np.iinfo(np.int64).min


def _gaps_part(part, on, index, contract, end_ns, end_day, time="occurred_at"):
    """Value counts of the gaps between consecutive distinct purchase days (wall clock) of each customer,
    as gap -1 the number of purchases they were taken from and as gap -2 the rows without a time."""
    ns = _ns(part, time)
    if contract is not None:  # kept purchases of non-contractual customers
        code = index.get_indexer(part[on])
        ok = (code >= 0) & (ns != _MIN) & (ns <= end_ns)
        ok &= ~contract[np.maximum(code, 0)]
    else:  # the pandas path's fallback: the whole log, rows with an id on or before the end day
        code = pd.factorize(part[on])[0]
        ok = (code >= 0) & (ns != _MIN)
    days = np.zeros(len(part), np.int64)
    if ok.any():
        days[ok] = tu.days(part[time][ok], time)[0]
    if contract is None:
        ok &= days <= end_day
    missing = int((ns == _MIN).sum())
    if not ok.any():
        return pd.DataFrame({"gap": np.array([-2, -1], np.int64), "n": np.array([missing, 0], np.int64)})
    d = days[ok]
    key = np.unique(code[ok].astype(np.int64) * (2**31) + (d - d.min()))
    same = (key[1:] >> 31) == (key[:-1] >> 31)
    g, n = np.unique(np.diff(key)[same], return_counts=True)
    return pd.DataFrame({"gap": np.r_[-2, -1, g].astype(np.int64),
                         "n": np.r_[missing, int(ok.sum()), n].astype(np.int64)})


def _window_from(cells: pd.DataFrame, quantile: float, stacklevel: int) -> float:
    """The ``quantile`` of the gaps counted in ``cells`` (numpy's rule), with the pandas path's errors."""
    counts = cells[cells["gap"] >= 0].groupby("gap", sort=True)["n"].sum()
    n = int(counts.sum())
    if n == 0:
        raise ParameterError(describe("No repeat purchases to choose a window from", parameter="window",
                                      expected="an explicit window"))
    if n < 30:
        warnings.warn(f"Only {n} inter-purchase gaps to choose the churn window from", SmallSampleWarning,
                      stacklevel=stacklevel + 1)
    return quantile_from_counts(counts.index.to_numpy(dtype=np.float64), counts.to_numpy(), quantile)


def log_window(ddf, *, customer: str, time: str, end_day: int, quantile: float) -> float:
    """The inactivity window (days) ``churn_labels_noncontractual`` chooses from a Dask log.

    The ``quantile`` of the gaps between consecutive distinct purchase days of each customer
    (rows with a customer, on or before ``end_day``), as the pandas path's ``numpy.quantile``
    of those gaps; the log is shuffled by customer once. A missing time raises the pandas
    path's ColumnError.
    """
    dask_mod, _ = _dask()
    log = ddf[[customer, time]].shuffle(on=customer)
    meta = _gaps_part(ddf._meta[[customer, time]], customer, None, None, 0, end_day, time)
    (cells,) = _compute(dask_mod, log.map_partitions(_gaps_part, customer, None, None, 0, end_day, time, meta=meta))
    missing = int(cells.loc[cells["gap"] == -2, "n"].sum())
    if missing:
        raise ColumnError(describe("Missing times", column=time, received=f"{missing} missing",
                                   expected="a time in every row"))
    return _window_from(cells, quantile, stacklevel=3)


def lapse_window(ddf, customers: pd.DataFrame, is_contract: np.ndarray, *, on: str, end_ns: int, end_day: int,
                 quantile: float = 0.9) -> float:
    """The lapse window in days that ``churn_labels_noncontractual`` chooses from the kept purchases of
    non-contractual customers, as on the pandas path. When they have none, the pandas path takes the
    whole log; so does this one, without the warnings ``customer_summary`` raises there about rows
    it leaves out."""
    dask_mod, _ = _dask()
    index = pd.Index(customers[on])
    log = ddf[[on, "occurred_at"]].shuffle(on=on)
    meta = _gaps_part(ddf._meta[[on, "occurred_at"]], on, index, is_contract, end_ns, end_day)
    (cells,) = _compute(dask_mod, log.map_partitions(_gaps_part, on, index, is_contract, end_ns, end_day, meta=meta))
    if not cells.loc[cells["gap"] == -1, "n"].sum():  # no kept purchase of a non-contractual customer
        (cells,) = _compute(dask_mod, log.map_partitions(_gaps_part, on, index, None, end_ns, end_day, meta=meta))
    return _window_from(cells, quantile, stacklevel=4)
