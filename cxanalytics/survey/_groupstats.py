"""Shared internals of the metrics: input checks and vectorised group counting.

Groups are found by factorising the ``by`` columns once (sorted; missing keys kept
as their own group); every per-group count or sum is then one ``numpy.bincount``.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._core.scalecheck import scale_error
from .._core.validate import answer_values, as_list, check_alpha, require_columns
from ..errors import ColumnError, DataQualityWarning, ParameterError, ScaleRangeError, describe


# ----------------------------------------------------------------------------- input checks
def _choice(value: object, allowed: Sequence[object], parameter: str) -> object:
    if value not in allowed:
        raise ParameterError(
            describe("Unknown option", parameter=parameter, received=value,
                     expected="one of " + ", ".join(map(repr, allowed)))
        )
    return value


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - check_alpha(alpha) / 2))


def _check_scale(scale: object) -> tuple[int, int]:
    ok = (isinstance(scale, tuple | list) and len(scale) == 2
          and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in scale)
          and scale[0] < scale[1])
    if not ok:
        raise ParameterError(describe("Invalid answer scale", parameter="scale", received=scale,
                                      expected="a pair of integers (low, high) with low < high"))
    return int(scale[0]), int(scale[1])


def _check_top(top: object, lo: int, hi: int) -> int:
    width = hi - lo + 1
    if not (isinstance(top, int | np.integer) and not isinstance(top, bool) and 1 <= top < width):
        raise ParameterError(describe("Invalid number of top boxes", parameter="top", received=top,
                                      expected=f"an integer 1-{width - 1} for the scale {lo}-{hi}"))
    return int(top)


def _plain(value: object) -> object:
    """A numpy scalar as a plain Python value (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _scores(data: pd.DataFrame, column: str, scale: tuple[float, float] | None,
            integer: bool) -> np.ndarray:
    """The answers as float64 with NaN for missing; raise on values outside the scale."""
    require_columns(data, [column])
    s = data[column]
    x = answer_values(s, column)
    if scale is None:
        bad = np.isinf(x)
        expected = "finite numbers"
    else:
        lo, hi = scale
        bad = (x < lo) | (x > hi)
        if integer and not pd.api.types.is_integer_dtype(s):
            bad |= np.isfinite(x) & (x != np.floor(x))
        expected = f"{'integers' if integer else 'numbers'} {lo}-{hi} (or missing)"
    if bad.any() and scale is not None:
        raise scale_error(s, x, bad, column, expected)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ScaleRangeError(describe(
            f"{int(bad.sum())} answer(s) outside the scale (first at index {s.index[first]!r})",
            column=column, received=_plain(s.iloc[first]), expected=expected))
    return x


def _weights(data: pd.DataFrame, weights: str | None, used: np.ndarray) -> np.ndarray | None:
    """Weights as float64 (checked on the rows that are used), or None."""
    if weights is None:
        return None
    if not isinstance(weights, str):
        raise ParameterError(describe("weights must name a column", parameter="weights",
                                      received=type(weights).__name__, expected="a column name"))
    require_columns(data, [weights])
    s = data[weights]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise ColumnError(describe("Weights must be numeric", column=weights,
                                   received=str(s.dtype), expected="non-negative numbers"))
    w = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = used & ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ColumnError(describe(
            f"{int(bad.sum())} weight(s) missing, negative or infinite for answered rows "
            f"(first at index {s.index[first]!r})",
            column=weights, received=_plain(s.iloc[first]), expected="finite numbers >= 0"))
    return w


# ----------------------------------------------------------------------------- grouping
@dataclass(frozen=True)
class _Groups:
    codes: np.ndarray  # group code of each row (0..size-1)
    keys: pd.DataFrame  # one row per group, the ``by`` columns (no columns when by is empty)
    parts: tuple[np.ndarray, ...]  # per by column, the integer code of each group's key
    size: int


def _group(data: pd.DataFrame, by: str | Sequence[str] | None) -> _Groups:
    """Factorise the ``by`` columns once (sorted, missing keys kept as a group)."""
    cols = as_list(by)
    require_columns(data, cols)
    if not cols:
        return _Groups(np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=range(1)), (), 1)
    combined: np.ndarray | None = None
    parts: list[np.ndarray] = []
    uniques = []
    for col in cols:
        codes, uniq = pd.factorize(data[col], sort=True, use_na_sentinel=False)
        uniques.append(uniq)
        if combined is None:
            combined, parts = codes.astype(np.int64), [np.arange(len(uniq))]
            continue
        combined, seen = pd.factorize(combined * len(uniq) + codes, sort=True)
        parts = [p[seen // len(uniq)] for p in parts] + [seen % len(uniq)]
    keys = pd.DataFrame({c: pd.Series(u).take(p).reset_index(drop=True)
                         for c, u, p in zip(cols, uniques, parts, strict=True)})
    return _Groups(np.asarray(combined, dtype=np.intp), keys, tuple(parts), len(keys))


def _kish(total: np.ndarray, total_sq: np.ndarray) -> np.ndarray:
    """Kish effective sample size (sum w)**2 / sum(w**2); 0 for a group without weight."""
    out = np.zeros_like(total)
    np.divide(total**2, total_sq, out=out, where=total_sq > 0)
    return out


def _count(codes: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=size).astype("float64")


def _frame(groups: _Groups, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.concat([groups.keys, pd.DataFrame(columns, index=groups.keys.index)], axis=1)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the cxanalytics folder


def _warn_if_empty(out: pd.DataFrame, column: str, by) -> pd.DataFrame:
    """Warn (instead of a silent NaN) when a group - or the whole frame - has no usable answer;
    the warning points at the first caller outside this package."""
    empty = out["n"].to_numpy() == 0
    if empty.any():
        keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
        where = "" if not keys else " in " + ", ".join(
            str(dict(zip(keys, r, strict=True))) for r in out.loc[empty, keys].head(3).itertuples(index=False))  # fmt: skip
        missing = int(out.loc[empty, "n_missing"].sum())
        frame, level = sys._getframe(0), 1
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
            frame, level = frame.f_back, level + 1
        warnings.warn(describe(f"No usable answer{where}: the estimate is NaN", column=column,
                               received=f"0 answers ({missing} missing)",
                               expected="answers in the column: check that cleaning kept responses "
                               "(CleanResult.summary()) and that the column holds scores"),
                      DataQualityWarning, stacklevel=level)  # fmt: skip
    return out
