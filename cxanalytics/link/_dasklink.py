"""Responses linked to a Dask transactions log (internal).

:func:`cxanalytics.linking.link_responses` (and through it
:func:`cxanalytics.linking.encounter_landmarks`) hands a Dask transactions frame to the
functions here. The responses are small and in memory; the log is not. Every partition of
the log answers, for every response, the questions the pandas path asks of the whole log
(purchases in the horizon, the first purchase after the response, the customer's first and
last purchase) on its own rows, with the same :class:`cxanalytics._linkquery._Index`; the
answers are integers (counts and nanosecond times) combined exactly by sum, min and max in a
tree, so the result is the pandas path's. The lapse window (the quantile of the gaps between
consecutive purchase days) needs each customer's purchases together: the log is shuffled by
customer and each partition gives the value counts of its gaps, whose quantile is numpy's
(:func:`cxanalytics._daskvalue.quantile_from_counts`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._core import timeutil as tu
from .._core.dask import _compute, _dask, _time_dtype
from .._core.validate import warn_dropped
from ..behaviour._daskvalue import quantile_from_counts
from ..errors import ColumnError, ParameterError, SmallSampleWarning, describe
from ._linkquery import _Index, sorted_unique

__all__ = ["transaction_queries", "lapse_window", "log_window"]

_MAX, _MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


def _ns(part: pd.DataFrame, time: str = "occurred_at") -> np.ndarray:
    """``time`` as int64 nanoseconds since the epoch in UTC (NaT -> iNaT), as ``_linkquery._times``."""
    t = part[time]
    if getattr(t.dtype, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return t.to_numpy().astype("datetime64[ns]").view(np.int64)


def _answers(part, on, index, end_ns, code, s, h_ns):
    """One partition's answers for every response (and its row counts behind the warnings)."""
    ns = _ns(part)
    t_code = index.get_indexer(part[on])
    known, timed = t_code >= 0, ns != _MIN
    keep = known & timed & (ns <= end_ns)
    tc, tt = t_code[keep], ns[keep]
    n = len(code)
    out = {"rows": len(part), "unknown": int((~known).sum()), "no_time": int((known & ~timed).sum()),
           "late": int((known & timed & (ns > end_ns)).sum())}
    if not len(tt):
        out.update(count=np.zeros(n, np.int64), nxt=np.full(n, _MAX), first=np.full(n, _MAX), last=np.full(n, _MIN))
        return out
    ix = _Index(tc, tt, sorted_unique(np.r_[tt, s, s + h_ns]))
    lo, hi = ix.start(code), ix.stop(code)
    after = ix.pos(code, s, "right")
    has = hi > lo
    top = len(tt) - 1
    out.update(count=ix.pos(code, s + h_ns, "right") - after,
               nxt=np.where(after < hi, ix.times[np.minimum(after, top)], _MAX),
               first=np.where(has, ix.times[np.minimum(lo, top)], _MAX),
               last=np.where(has, ix.times[np.maximum(hi - 1, 0)], _MIN))
    return out


def _combine(a: dict, b: dict) -> dict:
    out = {k: a[k] + b[k] for k in ("rows", "unknown", "no_time", "late", "count")}
    out.update(nxt=np.minimum(a["nxt"], b["nxt"]), first=np.minimum(a["first"], b["first"]),
               last=np.maximum(a["last"], b["last"]))
    return out


def check_log(ddf, on: str, tz: object, time: str) -> None:
    """ColumnError unless the Dask log has ``on`` and datetime ``occurred_at`` of the responses' awareness."""
    from .._core.validate import require_columns

    require_columns(ddf, [on, "occurred_at"], what="transactions")
    _time_dtype(ddf, "occurred_at")
    log_tz = getattr(ddf.dtypes["occurred_at"], "tz", None)
    if (log_tz is None) != (tz is None):
        raise ColumnError(describe("Transactions and response times differ in time-zone awareness",
                                   column="occurred_at", received=str(log_tz), expected=f"like {time!r}: {tz}"))


def transaction_queries(ddf, customers: pd.DataFrame, *, on: str, tz: object, time: str, end_ns: int,
                        code: np.ndarray, s: np.ndarray, h_ns: int) -> dict:
    """Per response: ``count`` (purchases in (s, s + h]), ``nxt`` (first purchase after s, int64
    max if none), ``first`` / ``last`` (the customer's first / last kept purchase, int64 max /
    min if none); with the warnings of ``_linkquery._log_events`` raised."""
    import dask

    dask_mod, _ = _dask()
    check_log(ddf, on, tz, time)
    index = pd.Index(customers[on])
    parts = ddf[[on, "occurred_at"]].to_delayed()
    answers = [dask.delayed(_answers)(p, on, index, end_ns, code, s, h_ns) for p in parts]
    while len(answers) > 1:
        answers = [dask.delayed(_combine)(answers[i], answers[i + 1]) if i + 1 < len(answers) else answers[i]
                   for i in range(0, len(answers), 2)]
    (got,) = _compute(dask_mod, answers[0])
    for k, reason in (("unknown", f"whose {on!r} is missing or not in customers"),
                      ("no_time", "with a missing value in 'occurred_at'"), ("late", "after as_of")):
        warn_dropped(int(got[k]), int(got["rows"]), reason, function="link_responses", what="transactions",
                     stacklevel=5)
    return got


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
