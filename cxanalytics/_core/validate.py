"""Small input checks shared by the public functions (internal)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import ColumnError, DataQualityWarning, ParameterError, describe


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


def _quoted(columns: str | Sequence[str]) -> str:
    """``'a'``, ``'a' or 'b'``, ``'a', 'b' or 'c'``; long lists shortened."""
    names = [columns] if isinstance(columns, str) else [str(c) for c in columns]
    quoted = [repr(str(c)) for c in names]
    if len(quoted) > 5:
        return f"any of {len(quoted)} columns ({', '.join(quoted[:3])}, ...)"
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def warn_dropped(n_dropped: int, n_total: int, reason: str, *, function: str,
                 column: str | Sequence[str] | None = None, role: str | None = None,
                 what: str = "rows", scope: str = "", stacklevel: int = 3) -> int:
    """Announce rows left out of a result: one :class:`DataQualityWarning` with count, share and reason.

    Every public function that leaves input rows out of its result (a missing group key,
    outcome, duration or covariate, a time after ``as_of``, ...) calls this, so the
    warnings read alike: ``"outcome_by_group: dropped 12 of 4,000 rows (0.3 %) with a
    missing value in 'branch' (group)"``.  Nothing is emitted when ``n_dropped`` is 0.

    Parameters
    ----------
    n_dropped, n_total : int
        Rows left out, and rows received.
    reason : str
        Why, as a phrase that follows the count: ``"with a missing value"``,
        ``"after as_of=2026-06-30"``.
    function : str
        The public function, named first in the message.
    column : str or sequence of str, optional
        Column(s) the reason refers to (appended as ``in 'a' or 'b'``).
    role : str, optional
        What the column is to the function (``"group"``, ``"outcome"``), in parentheses.
    what : str, default "rows"
        Plural noun of the rows (``"transactions"``, ``"customers"``).
    scope : str, optional
        Which part of the result the rows are missing from, when not all of it
        (``"from the satisfaction comparisons"``).
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`; 3 points at the caller of a public function that
        calls this directly.

    Returns
    -------
    int
        ``n_dropped``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = warn_dropped(12, 4000, "with a missing value", function="outcome_by_group",
    ...                      column="branch", role="group")
    >>> str(caught[0].message)
    "outcome_by_group: dropped 12 of 4,000 rows (0.3 %) with a missing value in 'branch' (group)"
    """
    n, total = int(n_dropped), int(n_total)
    if n <= 0:
        return 0
    share = 100.0 * n / total if total > 0 else float("nan")
    pct = "< 0.1 %" if 0 < share < 0.05 else f"{share:.1f} %"
    noun = what[:-1] if total == 1 and what.endswith("s") else what
    text = f"{function}: dropped {n:,} of {total:,} {noun} ({pct})"
    if scope:
        text += f" {scope}"
    text += f" {reason}"
    if column is not None:
        text += f" in {_quoted(column)}"
    if role:
        text += f" ({role})"
    warnings.warn(text, DataQualityWarning, stacklevel=stacklevel)
    return n
