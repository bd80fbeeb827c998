"""Survival inputs checked, grouped and counted: shared by Kaplan-Meier, log-rank, RMST and Cox (internal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._core.validate import as_list, require_columns, require_frame, warn_dropped
from ...errors import ColumnError, ParameterError, describe

_DENSE_LIMIT = 50_000_000  # largest (groups x distinct times) table counted densely


# --------------------------------------------------------------------------- input checks
def _bad_value(values: np.ndarray, bad: np.ndarray, index: pd.Index) -> tuple[object, object]:
    pos = int(np.flatnonzero(bad)[0])
    row, value = index[pos], values[pos]
    # numpy scalars as Python ones, so messages read "index 0", not "index np.int64(0)"
    return (row.item() if isinstance(row, np.generic) else row), (value.item() if isinstance(value, np.generic)
                                                                 else value)


def _duration_values(data: pd.DataFrame, column: str) -> np.ndarray:
    col = data[column]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Durations must be numeric", column=column,
                                   received=str(col.dtype), expected="non-negative numbers"))
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":  # fast path: no NaN possible
        values = col.to_numpy()
        bad = values < 0
    else:
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"{int(bad.sum())} invalid duration(s), first at index {row!r}",
                                   column=column, received=value,
                                   expected="finite, non-negative numbers"))
    return values


def _event_values(data: pd.DataFrame, column: str) -> np.ndarray:
    col = data[column]
    if col.dtype == np.dtype(bool):
        return col.to_numpy()
    if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Event indicator must be 0/1 or boolean", column=column,
                                   received=str(col.dtype), expected="0/1 or True/False"))
    if isinstance(col.dtype, np.dtype):
        values = col.to_numpy()
    else:  # nullable extension dtypes
        values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = (values != 0) & (values != 1)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"{int(bad.sum())} invalid event value(s), first at index {row!r}",
                                   column=column, received=value,
                                   expected="1 (event) or 0 (censored)"))
    return values == 1


def _weight_values(data: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    col = data[column]
    values = col.to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_numeric_dtype(col) else None
    if values is None:
        raise ColumnError(describe("Weights must be numeric", column=column,
                                   received=str(col.dtype), expected="non-negative numbers"))
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"Invalid weight at index {row!r}", column=column,
                                   received=value, expected="finite, non-negative numbers"))
    return values


def _prepare(data, duration, event, by, weights=None, *, function="kaplan_meier"):
    """Validate inputs; return (durations, events, weights, group codes, group key frame).

    Rows with a missing group are left out with a warning naming ``function``.
    """
    data = require_frame(data)
    by = as_list(by)
    require_columns(data, [duration, event, *by, weights])
    if by:
        missing = data[by].isna().any(axis=1).to_numpy()
        if missing.any():
            warn_dropped(int(missing.sum()), len(data), "with a missing value", function=function,
                         column=by, role="group", stacklevel=4)
            data = data.loc[~missing]
    if len(data) == 0:
        raise ParameterError(describe("No rows to analyse", parameter="data", received="0 rows",
                                      expected="at least one subject (with its groups present)"))
    if by:
        grouped = data.groupby(by, sort=True, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.int64)
        keys = grouped.size().index.to_frame(index=False)
    else:
        codes = np.zeros(len(data), dtype=np.int64)
        keys = pd.DataFrame(index=range(1))
    return (_duration_values(data, duration), _event_values(data, event),
            _weight_values(data, weights), codes, keys)


# --------------------------------------------------------------------------- counting
def _count(t: np.ndarray, e: np.ndarray, w: np.ndarray | None, g: np.ndarray, n_groups: int):
    """Weighted counts per (group, distinct time), sorted by group then time.

    Returns group code, time, total leaving (events + censored), events and censored per cell.
    """
    n = len(t)
    integral = t.dtype.kind in "iu" or bool(np.all(t == np.floor(t)))
    tmin = t.min()
    span = int(t.max() - tmin) + 1 if integral else 0
    if integral and span * n_groups <= max(4 * n, 1_000_000):  # count by bincount on the value
        times_of = np.arange(span, dtype=float) + float(tmin)
        key = (t - tmin if tmin else t).astype(np.int64, copy=False)
    else:
        times_of, key = np.unique(t, return_inverse=True)
        span = len(times_of)
    if n_groups > 1:
        key = g * span + key
    size = span * n_groups
    if size > _DENSE_LIMIT:  # sparse: count only the cells that occur
        cells, key = np.unique(key, return_inverse=True)
        size = len(cells)
    else:
        cells = None
    if w is None:  # one pass: even slots count censorings, odd slots events
        both = np.bincount(2 * key + e, minlength=2 * size).reshape(size, 2)
        dead, censored, leaving = both[:, 1], both[:, 0], both.sum(axis=1)
    else:  # censored weight summed on its own: leaving - dead cancels beside a large event weight
        leaving = np.bincount(key, weights=w, minlength=size)
        dead = np.bincount(key, weights=w * e, minlength=size)
        censored = np.bincount(key, weights=w * ~e, minlength=size)
    if cells is None:
        cells = np.flatnonzero(np.bincount(key, minlength=size) if w is not None else leaving)
        leaving, dead, censored = leaving[cells], dead[cells], censored[cells]
    return (cells // span, times_of[cells % span], leaving.astype(float), dead.astype(float),
            censored.astype(float))


def _within_group_reverse_cumsum(values: np.ndarray, grp: np.ndarray) -> np.ndarray:
    """Sum of ``values[i:]`` within row i's group (``grp`` sorted).

    Summed group by group: one running sum over all rows minus the next group's total would
    leave every group the rounding error of the (possibly much larger) groups after it, so
    that e.g. the last time of a group had more subjects at risk than left it.
    """
    return pd.Series(values[::-1]).groupby(grp[::-1], sort=False).cumsum().to_numpy()[::-1]
