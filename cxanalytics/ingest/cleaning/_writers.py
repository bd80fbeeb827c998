"""Safe writers: spreadsheet formula neutralisation and atomic CSV/Parquet files (internal).

A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets ("CSV injection", OWASP).  Such cells get a
leading apostrophe, which spreadsheets display as text.  **Plain numbers are left alone**: a
cell that is entirely a decimal number such as ``-99``, ``-1.5`` or ``+3`` cannot run anything,
and prefixing it would turn every negative score or sentinel into text.  Files are written to
a temporary file in the target folder and renamed over the target, so a reader never sees a
half-written file and a failed write leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from ...errors import ParameterError, describe

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_formula(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Parameters
    ----------
    value : object
        A cell; only strings are changed.

    Returns
    -------
    object
        ``"'" + value`` when ``value`` starts with ``=``, ``+``, ``-``, ``@``, a tab or a
        carriage return and is not a plain number; otherwise ``value`` unchanged.

    Examples
    --------
    >>> [neutralise_formula(v) for v in ["=1+1", "@SUM(A1)", "-99", "-2+3", "ok", 5]]
    ["'=1+1", "'@SUM(A1)", '-99', "'-2+3", 'ok', 5]
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def unneutralise(value: object) -> object:
    """Undo :func:`neutralise_formula` (drop the apostrophe it added)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_TRIGGERS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (vectorised over distinct values)."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if pd.api.types.is_string_dtype(cats.dtype) or cats.dtype == object:
                s = s.cat.rename_categories([neutralise_formula(c) for c in cats])
        elif pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            first = s.str.slice(0, 1) if pd.api.types.is_string_dtype(s.dtype) else None
            if first is not None:
                risky = first.isin(_TRIGGERS).fillna(False).to_numpy(dtype=bool)
                if risky.any():
                    fixed = s[risky].map(neutralise_formula)
                    s = s.copy()
                    s[risky] = fixed
            else:
                s = s.map(neutralise_formula)
        out[col] = s
    return pd.DataFrame(out, index=frame.index)


@contextlib.contextmanager
def _atomic(path: Path):
    folder = path.parent
    if not folder.is_dir():
        raise ParameterError(describe("Output folder does not exist", file=folder, expected="an existing folder"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_csv_atomic(frame: pd.DataFrame, path: Path, *, index: bool = False,
                     encoding: str = "utf-8") -> Path:  # fmt: skip
    """Write ``frame`` as CSV (formula cells neutralised) via a temporary file and a rename."""
    safe = neutralise_frame(frame.reset_index() if index else frame)
    with _atomic(Path(path)) as tmp:
        safe.to_csv(tmp, index=False, encoding=encoding, lineterminator="\n")
    return Path(path)


def write_parquet_atomic(frame: pd.DataFrame, path: Path, *, index: bool = False) -> Path:
    """Write ``frame`` as Parquet via a temporary file and a rename (values unchanged)."""
    data = frame.reset_index() if index else frame
    # object columns, and text categoricals without a value (no categories), are written as text: a
    # column's Parquet type never depends on whether it holds a value (as in streamed results)
    data = data.astype({c: "str" for c in data.columns if data[c].dtype == object or (
        isinstance(data[c].dtype, pd.CategoricalDtype) and not len(data[c].cat.categories)
        and data[c].cat.categories.dtype == object)})  # fmt: skip
    with _atomic(Path(path)) as tmp:
        data.to_parquet(tmp, index=False)
    return Path(path)
