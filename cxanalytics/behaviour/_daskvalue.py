"""Customer lifetimes from a Dask transactions log (internal).

:func:`cxanalytics.behaviour._exposure.lifetimes` (behind :func:`cxanalytics.clv_by_segment` and
:func:`cxanalytics.retention_vs_acquisition`) hands a Dask transactions frame to
:func:`transaction_totals`. Dask reduces the log to one row per customer (revenue and last
purchase) and to the value counts of the gaps between a customer's consecutive purchases;
pandas finishes with the same formulas, so both paths give the same table:

* the log is shuffled by customer with each row's position carried along, and every
  partition is put back in log order before ``groupby(...).sum()``, so each customer's
  revenue is added in the same order (and with the same compensated summation) as on the
  pandas path;
* the lapse window's quantile is taken from the gaps' value counts with numpy's own
  ``linear`` rule (:func:`quantile_from_counts`), which gives ``numpy.quantile`` of the
  gaps themselves.

A report calls :func:`transaction_totals` many times on the same log (``clv_by_segment`` and
``retention_vs_acquisition`` once per retention gain, ``snapshot_from_logs``): the reduction of
the last few (Dask frame, customers, columns, ``as_of``) is kept in memory (one row per
customer), so the log is shuffled once, not once per call.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd

from .._core.dask import _ORDER, _compute, _dask, _time_dtype, _with_order

__all__ = ["quantile_from_counts", "transaction_totals"]

#: (token of the Dask frame, of the customers, columns, as_of) -> transaction_totals' dict, newest last
_TOTALS: OrderedDict = OrderedDict()
_KEEP = 4


def quantile_from_counts(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """``numpy.quantile(np.repeat(values, counts), q)`` (method 'linear') without the repeat.

    ``values`` must be sorted and distinct, ``counts`` positive; the same virtual index,
    weight and interpolation as numpy's are used, so the result is the same float.

    Examples
    --------
    >>> quantile_from_counts(np.array([1.0, 2.0, 5.0]), np.array([2, 1, 3]), 0.9)
    5.0
    >>> float(np.quantile([1.0, 1.0, 2.0, 5.0, 5.0, 5.0], 0.5))
    3.5
    >>> quantile_from_counts(np.array([1.0, 2.0, 5.0]), np.array([2, 1, 3]), 0.5)
    3.5
    """
    values = np.asarray(values, dtype=np.float64)
    ends = np.cumsum(counts)
    n = int(ends[-1])
    virtual = np.asanyarray((n - 1) * np.asarray([q], dtype=np.float64))
    prev = np.floor(virtual)
    if virtual[0] >= n - 1:
        return float(values[-1])
    if virtual[0] < 0:
        return float(values[0])
    i = int(prev[0])
    a = values[np.searchsorted(ends, i, side="right")]
    b = values[np.searchsorted(ends, i + 1, side="right")]
    gamma = np.asanyarray(virtual - prev, dtype=np.float64)
    diff = b - a
    out = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return float(out[0])


def _totals_part(part, customer, time, amount, index, as_of):
    """Per-customer revenue, purchases without an amount and last purchase of a partition holding whole customers."""
    part = part.iloc[np.argsort(part[_ORDER].to_numpy(), kind="stable")]
    code = index.get_indexer(part[customer])
    t = part[time]
    keep = (t <= as_of).to_numpy() & (code >= 0)
    sub = pd.DataFrame({"customer": code[keep], "t": t.array[keep]})
    if amount is not None:
        sub["amount"] = pd.to_numeric(part[amount], errors="coerce").to_numpy()[keep]
    g = sub.groupby("customer")
    out = pd.DataFrame({"last": g["t"].max()})
    if amount is not None:
        out["revenue"] = g["amount"].sum()
        out["no_amount"] = g["amount"].size() - g["amount"].count()
    return out.rename_axis("customer").reset_index()


def _gaps_part(part, customer, time, index, as_of):
    """Value counts of the gaps (days) between consecutive kept purchases of each customer."""
    code = index.get_indexer(part[customer])
    t = part[time]
    keep = (t <= as_of).to_numpy() & (code >= 0)
    sub = pd.DataFrame({"customer": code[keep], "t": t.array[keep]}).sort_values(["customer", "t"])
    same = sub["customer"].eq(sub["customer"].shift()).to_numpy()
    gaps = (sub["t"].diff().dt.total_seconds() / 86400.0)[same]
    vc = gaps.value_counts()
    return pd.DataFrame({"gap": vc.index.to_numpy(dtype=np.float64), "n": vc.to_numpy(dtype=np.int64)})


def _counts_part(part, customer, time, index, as_of):
    code = index.get_indexer(part[customer])
    t = part[time]
    known, no_time = code >= 0, t.isna().to_numpy()
    keep = (t <= as_of).to_numpy() & known
    return pd.DataFrame({"rows": [len(part)], "unknown": [int((~known).sum())],
                         "no_time": [int((known & no_time).sum())],
                         "late": [int((known & ~no_time & ~keep).sum())]}, dtype=np.int64)


def latest_time(ddf, time: str):
    """(time dtype, latest time) of a Dask log's time column (ColumnError if it is not datetimes)."""
    dask, _ = _dask()
    _time_dtype(ddf, time)
    (latest,) = _compute(dask, ddf[time].max())
    return ddf.dtypes[time], latest


def transaction_totals(ddf, index: pd.Index, *, customer: str, time: str, amount: str | None, as_of,
                       gaps: bool) -> dict:
    """Reduce a Dask transactions log to what :func:`cxanalytics.behaviour._exposure.lifetimes` needs.

    Returns a dict with the row counts behind the warnings (``rows``, ``unknown``,
    ``no_time``, ``late``), ``no_amount`` (kept purchases without a number), per-customer
    ``revenue`` (float array aligned to ``index``, 0 without purchases), ``last`` (Series
    of the last kept purchase aligned to ``index``, NaT without) and, with ``gaps``, the
    sorted distinct gaps in days and their counts (``gap_values``, ``gap_counts``).

    The result of the last few distinct calls is cached by the Dask token of the frame
    (its graph: the files it reads and every step applied to them) and of ``index``: a
    second call on the same log reuses the reduction (a call with ``gaps`` reuses one made
    with them). A copy is returned, so callers may change it.
    """
    dask, _ = _dask()
    cols = [c for c in (customer, time, amount) if c is not None]
    ddf = ddf[cols]
    key = (dask.base.tokenize(ddf), dask.base.tokenize(index), customer, time, amount, str(as_of))
    got = _TOTALS.get(key)
    if got is None or (gaps and "gap_values" not in got):
        got = _reduce(dask, ddf, index, customer=customer, time=time, amount=amount, as_of=as_of, gaps=gaps)
        _TOTALS[key] = got
        while len(_TOTALS) > _KEEP:
            _TOTALS.popitem(last=False)
    _TOTALS.move_to_end(key)
    return {k: v.copy() if hasattr(v, "copy") else v for k, v in got.items()}


def _reduce(dask, ddf, index, *, customer, time, amount, as_of, gaps) -> dict:
    """:func:`transaction_totals` without the cache: one shuffle of the log by customer."""
    meta_in = ddf._meta
    counts = ddf.map_partitions(_counts_part, customer, time, index, as_of,
                                meta=_counts_part(meta_in, customer, time, index, as_of))
    ordered = ddf.map_partitions(_with_order, meta=_with_order(meta_in))
    shuffled = ordered.shuffle(on=customer)
    tmeta = _totals_part(_with_order(meta_in), customer, time, amount, index, as_of)
    totals = shuffled.map_partitions(_totals_part, customer, time, amount, index, as_of, meta=tmeta)
    todo = [counts, totals]
    if gaps:
        gmeta = _gaps_part(meta_in, customer, time, index, as_of)
        todo.append(shuffled.map_partitions(_gaps_part, customer, time, index, as_of, meta=gmeta))
    got = _compute(dask, *todo)
    counts, totals = got[0], got[1]
    out = {k: int(counts[k].sum()) for k in ("rows", "unknown", "no_time", "late")}
    positions = totals["customer"].to_numpy()
    revenue = np.zeros(len(index))
    no_amount = 0
    if amount is not None:
        revenue[positions] = totals["revenue"].to_numpy(dtype=np.float64)
        no_amount = int(totals["no_amount"].sum())
    last = pd.Series(totals["last"].array, index=positions).reindex(np.arange(len(index)))
    out.update(revenue=revenue, no_amount=no_amount, last=last)
    if gaps:
        g = got[2].groupby("gap", sort=True)["n"].sum()
        out.update(gap_values=g.index.to_numpy(dtype=np.float64), gap_counts=g.to_numpy(dtype=np.int64))
    return out
