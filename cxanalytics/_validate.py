"""Small input checks shared by the public functions (internal)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import ColumnError, ParameterError, describe


def require_frame(data: object, *, parameter: str = "data") -> pd.DataFrame:
    """Return ``data`` if it is a DataFrame, else raise a :class:`ParameterError`."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            describe(
                "Expected a pandas DataFrame",
                parameter=parameter,
                received=type(data).__name__,
                expected="pandas.DataFrame",
            )
        )
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str | None], *, what: str = "data") -> None:
    """Raise :class:`ColumnError` naming every missing column and the columns available."""
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        available = ", ".join(map(str, list(data.columns)[:30]))
        raise ColumnError(
            describe(
                f"Column(s) missing from {what}",
                column=", ".join(map(str, missing)),
                expected=f"one of the columns present: {available}",
            )
        )


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """Normalise a ``by=`` argument to a list of column names."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def check_alpha(alpha: float) -> float:
    """Check a significance level lies strictly between 0 and 1."""
    if not (isinstance(alpha, int | float) and 0 < float(alpha) < 1):
        raise ParameterError(
            describe("alpha must be a probability", parameter="alpha", received=alpha, expected="0 < alpha < 1")
        )
    return float(alpha)


def finite_numeric(data: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as a float array; :class:`ColumnError` unless numeric (not bool) and finite."""
    col = data[name]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Column must be numeric", column=name, received=f"dtype {col.dtype}", expected="numbers"))
    arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.all(np.isfinite(arr)):
        raise ColumnError(describe("Column has missing or infinite values", column=name,
                                   received=f"{int((~np.isfinite(arr)).sum())} such value(s)", expected="finite numbers"))
    return arr


def answer_values(s: pd.Series, column: str) -> np.ndarray:
    """Numeric answers, or a categorical of numeric answer codes, as float64 (NaN for missing).

    :class:`ColumnError` for text, boolean or text-categorical answers (recode labels first).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not pd.api.types.is_numeric_dtype(s.cat.categories.dtype):
            raise ColumnError(describe("Answers must be numeric codes (recode text labels first)",
                                       column=column, received=f"categories {list(s.cat.categories)[:5]}",
                                       expected="numeric categories"))
        codes = np.r_[s.cat.categories.to_numpy(dtype="float64"), np.nan]
        return codes[s.cat.codes.to_numpy()]  # code -1 (missing) takes the trailing NaN
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise ColumnError(describe("Answers must be numeric (recode text labels first)",
                                   column=column, received=str(s.dtype),
                                   expected="a numeric dtype or numeric categories"))
    return s.to_numpy(dtype="float64", na_value=np.nan)
