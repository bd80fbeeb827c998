"""Errors and warnings raised by cxanalytics.

Every error a user can trigger with bad input is a :class:`CxError` (a
``ValueError``), so ``except ValueError`` keeps working for callers that do not
know this library.  Messages name *where* the problem is (file, row, column or
parameter), the value received and the value expected; :func:`describe` builds
such a message consistently.

Warnings are for data that are usable but suspicious: they never stop a run.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CxError",
    "ExportFormatError",
    "EncodingError",
    "CodebookError",
    "ScaleRangeError",
    "ReconciliationError",
    "ColumnError",
    "ParameterError",
    "ConvergenceError",
    "CovariateError",
    "DataQualityWarning",
    "SeparationWarning",
    "SmallSampleWarning",
    "ConvergenceWarning",
    "describe",
]


def describe(
    problem: str,
    *,
    file: Any = None,
    row: Any = None,
    column: Any = None,
    parameter: str | None = None,
    received: Any = None,
    expected: Any = None,
) -> str:
    """Build an error message that says where, what was received and what was expected.

    Parameters
    ----------
    problem : str
        One sentence saying what is wrong.
    file, row, column, parameter : optional
        Where the problem is. Rows are reported as the user sees them in the
        file (1-based line numbers, header lines included) when that is known.
    received, expected : optional
        The offending value and what would have been accepted.

    Returns
    -------
    str
        ``"<problem> [file 'x', row 3, column 'q1']: received 11; expected 0-10"``.

    Examples
    --------
    >>> describe("NPS answer out of range", file="s.csv", row=4, column="Q1",
    ...          received=11, expected="an integer 0-10")
    "NPS answer out of range [file 's.csv', row 4, column 'Q1']: received 11; expected an integer 0-10"
    """
    where = []
    if file is not None:
        where.append(f"file {str(file)!r}")
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column {str(column)!r}")
    if parameter is not None:
        where.append(f"parameter {parameter!r}")
    msg = problem
    if where:
        msg += " [" + ", ".join(where) + "]"
    details = []
    if received is not None:
        details.append(f"received {received!r}" if isinstance(received, str) else f"received {received}")
    if expected is not None:
        details.append(f"expected {expected}")
    if details:
        msg += ": " + "; ".join(details)
    return msg


class CxError(ValueError):
    """Base class of every error cxanalytics raises on bad input."""


class ExportFormatError(CxError):
    """A survey export whose structure cannot be read (headers, delimiter, rows)."""


class EncodingError(CxError):
    """Bytes that cannot be decoded with the detected or requested encoding."""


class CodebookError(CxError):
    """A codebook that is malformed or disagrees with the data it describes."""


class ScaleRangeError(CxError):
    """A value outside the declared scale of an item."""


class ReconciliationError(CxError):
    """Rows were lost or duplicated: read != kept + quarantined."""


class ColumnError(CxError, KeyError):
    """A required column is missing or has the wrong type."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class ParameterError(CxError):
    """A function argument outside its allowed values."""


class ConvergenceError(CxError):
    """An estimator could not produce any usable estimate."""


class CovariateError(ColumnError, ParameterError):
    """A covariate that no model can use as given (numbers stored as text, too many levels,
    constant or perfectly collinear columns). Both a :class:`ColumnError` (the problem is in
    a column) and a :class:`ParameterError` (the argument naming the covariates)."""


class DataQualityWarning(UserWarning):
    """Data are usable but suspicious (e.g. many missing values, odd ranges)."""


class SeparationWarning(DataQualityWarning):
    """A predictor (almost) perfectly separates the outcome: its ratio and standard error are
    huge or infinite and only the groups' rates (the discrete change) are meaningful."""


class SmallSampleWarning(UserWarning):
    """A group is smaller than the threshold below which an estimate is unreliable."""


class ConvergenceWarning(UserWarning):
    """An optimiser stopped without meeting its convergence criterion."""
