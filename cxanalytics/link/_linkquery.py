"""Vectorised before/after queries on logs sorted by (customer, time) (internal).

Shared by :func:`cxanalytics.link.linking.link_responses` and
:func:`cxanalytics.link.linking.encounter_landmarks`: times as int64 nanoseconds, log rows coded by
customer, and :class:`_Index`, where every "how many records of this customer before / after
this time" question is one :func:`numpy.searchsorted` on a combined integer key.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._core import timeutil as tu
from .._core.validate import require_columns, warn_dropped
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe

_DAY_NS = 86_400 * 10**9


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``numpy.unique`` of an integer array by one sort (no hashing): the same sorted values."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _times(frame: pd.DataFrame, column: str, what: str) -> tuple[np.ndarray, object]:
    """Times as int64 nanoseconds since the epoch in UTC (NaT -> iNaT) and the time zone."""
    require_columns(frame, [column], what=what)
    t = tu.parse_times(frame[column], column)
    tz = getattr(t.dtype, "tz", None)
    if tz is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    values = t.to_numpy().astype("datetime64[ns]").view(np.int64)
    return values, tz


def _log_events(log: pd.DataFrame, what: str, customers: pd.DataFrame, on: str, tz: object, time: str,
                end_ns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, object]:  # fmt: skip
    """A log's customer codes (-1 unknown), times (ns), the rows to use (known customer, time
    present, not after the end of observation) and its time zone, whose awareness must match
    the responses'."""
    ns, log_tz = _times(log, "occurred_at", what)
    if (log_tz is None) != (tz is None):
        raise ColumnError(describe(f"{what.capitalize()} and response times differ in time-zone awareness",
                                   column="occurred_at", received=str(log_tz), expected=f"like {time!r}: {tz}"))
    code = pd.Index(customers[on]).get_indexer(log[on])
    known, timed = code >= 0, ns != np.iinfo(np.int64).min
    for out, reason in ((~known, f"whose {on!r} is missing or not in customers"),
                        (known & ~timed, "with a missing value in 'occurred_at'"),
                        (known & timed & (ns > end_ns), "after as_of")):
        warn_dropped(int(out.sum()), len(log), reason, function="link_responses", what=what, stacklevel=4)
    return code, ns, known & timed & (ns <= end_ns), log_tz


def _span(text: object, parameter: str) -> float:
    """A positive duration ('180D', a Timedelta or a number of days) in days."""
    try:
        td = pd.Timedelta(text) if isinstance(text, str | pd.Timedelta) else pd.Timedelta(days=text)
    except (ValueError, TypeError):
        td = None
    if td is None or td is pd.NaT or td <= pd.Timedelta(0):
        raise ParameterError(describe("Cannot read the time span", parameter=parameter,
                                      received=text, expected="a positive span such as '180D'"))
    return td.value / _DAY_NS


class _Index:
    """Records sorted by (customer code, time) for vectorised before/after queries."""

    def __init__(self, codes: np.ndarray, times: np.ndarray, grid: np.ndarray):
        # every time is in ``grid``, so its rank there is exact and (code, rank) orders as
        # (code, time); one stable sort of the combined key gives numpy.lexsort's order
        key = codes * (len(grid) + 1) + np.searchsorted(grid, times)
        order = np.argsort(key, kind="stable")
        self.order, self.grid = order, grid
        self.codes, self.times, self.key = codes[order], times[order], key[order]

    def pos(self, codes: np.ndarray, times: np.ndarray, side: str) -> np.ndarray:
        """Position of (code, time) in the sorted records ('left': first >=, 'right': first >)."""
        q = codes * (len(self.grid) + 1) + np.searchsorted(self.grid, times)
        return np.searchsorted(self.key, q, side=side)

    def start(self, codes: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.codes, codes, side="left")

    def stop(self, codes: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.codes, codes, side="right")


def _flag(frame: pd.DataFrame, column: str, order: np.ndarray) -> np.ndarray | None:
    """A boolean column as 0/1 floats in ``order`` (NaN for missing); None if absent."""
    if column not in frame.columns:
        return None
    col = frame[column]
    if not (pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col)):
        raise ColumnError(describe("Expected a true/false column", column=column,
                                   received=str(col.dtype), expected="booleans or 0/1"))
    values = col.to_numpy(dtype=float, na_value=np.nan)[order]
    if np.isnan(values).any():
        warnings.warn(f"{int(np.isnan(values).sum())} interaction(s) with a missing {column!r} "
                      "are not counted as such", DataQualityWarning, stacklevel=3)
    return values


def _count_before(values: np.ndarray | None, lo: np.ndarray, hi: np.ndarray) -> pd.array:
    if values is None:
        return pd.array([pd.NA] * len(lo), dtype="Int64")
    csum = np.r_[0.0, np.cumsum(np.nan_to_num(values))]
    return pd.array(np.rint(csum[hi] - csum[lo]).astype(np.int64), dtype="Int64")
