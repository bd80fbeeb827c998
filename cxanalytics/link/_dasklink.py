"""Responses linked to a Dask transactions log (internal).

:func:`cxanalytics.link.linking.link_responses` (and through it
:func:`cxanalytics.link.linking.encounter_landmarks`) hands a Dask transactions frame to the
functions here. The responses are small and in memory; the log is not. Every partition of
the log answers, for every response, the questions the pandas path asks of the whole log
(purchases in the horizon, the first purchase after the response, the customer's first and
last purchase) on its own rows, with the same :class:`cxanalytics.link._linkquery._Index`; the
answers are integers (counts and nanosecond times) combined exactly by sum, min and max in a
tree, so the result is the pandas path's. The lapse window (the quantile of the gaps between
consecutive purchase days) needs each customer's purchases together: the log is shuffled by
customer and each partition gives the value counts of its gaps, whose quantile is numpy's
(:func:`cxanalytics.behaviour._daskvalue.quantile_from_counts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.dask import _compute, _dask, _ns, _time_dtype
from .._core.validate import warn_dropped
from ..errors import ColumnError, describe
from ._linkquery import _Index, sorted_unique

__all__ = ["transaction_queries"]

_MAX, _MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


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
