"""Small input checks shared by the public functions (internal)."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import ColumnError, DataQualityWarning, ParameterError, describe

_F = TypeVar("_F", bound=Callable[..., Any])


class RenamedParameterError(ParameterError, TypeError):
    """A parameter given under both its new name and its deprecated old name."""


def renamed_parameters(**renames: str) -> Callable[[_F], _F]:
    """Accept a renamed keyword under its old spelling for one more release.

    ``@renamed_parameters(group="by")`` lets ``f(..., group="g")`` still work: the value is
    passed on as ``by="g"`` and a :class:`FutureWarning` names the new spelling.  Giving
    both spellings raises :class:`RenamedParameterError` (a ``ParameterError`` and a
    ``TypeError``).  The wrapper keeps the function's name, docstring and
    :func:`inspect.signature` (``functools.wraps``), which shows only the new names; the
    mapping is kept in ``__renamed_parameters__`` (old -> new) for the vocabulary test.

    Examples
    --------
    >>> import warnings
    >>> @renamed_parameters(group="by")
    ... def count(values, *, by=None):
    ...     return by
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     count([1], group="g")
    'g'
    >>> str(caught[0].message)
    "count: parameter 'group' is renamed 'by'; the old name will stop working in the next release"
    """

    def decorate(func: _F) -> _F:
        name = func.__name__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise RenamedParameterError(describe(
                            f"{name}: {old!r} is the old name of {new!r}; give only {new!r}",
                            parameter=new, received=f"both {old}= and {new}="))
                    warnings.warn(f"{name}: parameter {old!r} is renamed {new!r}; the old name will "
                                  "stop working in the next release", FutureWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_parameters__ = {**getattr(func, "__renamed_parameters__", {}), **renames}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


_RENAME_WRAPPER_CODE = renamed_parameters()(lambda: None).__code__


def _renaming_frames(stacklevel: int) -> int:
    """How many :func:`renamed_parameters` wrappers sit in the ``stacklevel`` frames above the caller."""
    frame = sys._getframe(2)
    count = 0
    for _ in range(stacklevel - 1):
        if frame is None:
            break
        count += frame.f_code is _RENAME_WRAPPER_CODE
        frame = frame.f_back
    return count


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
    # a renamed_parameters wrapper between the public function and its caller is one more frame
    warnings.warn(text, DataQualityWarning, stacklevel=stacklevel + _renaming_frames(stacklevel))
    return n
