"""Readers of behaviour logs: transactions, service interactions and customers.

Each reader takes a Parquet file, a folder of Parquet files (as written by Spark, Dask,
pyarrow or ``cxanalytics sample --format parquet``), a CSV file or a folder of CSV files,
and returns the table of DESIGN §3 with its canonical types: times tz-aware UTC,
ids and labels text (``str``), amounts ``float64``, counts ``Int64``, flags ``boolean``.
Other columns are passed through as stored (as text from CSV).

``engine="pandas"`` reads into memory; ``engine="dask"`` returns a lazy
:class:`dask.dataframe.DataFrame` (one partition per file or row group) that
:func:`cxanalytics.customer_summary`, :func:`cxanalytics.cohort_retention` and
:func:`cxanalytics.kaplan_meier` accept, for logs larger than memory.  Dask is an
optional extra (``pip install "cxanalytics[scale]"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ColumnError, CxError, ParameterError, describe

__all__ = ["read_transactions", "read_interactions", "read_customers"]

# table -> (required columns, {known column: kind})
_TABLES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "transactions": (
        ("customer_id", "occurred_at"),
        {"customer_id": "id", "occurred_at": "time", "amount": "float", "order_id": "id"},
    ),
    "interactions": (
        ("customer_id", "occurred_at", "channel"),
        {"interaction_id": "id", "customer_id": "id", "occurred_at": "time", "channel": "label",
         "branch_id": "label", "agent_id": "id", "wait_s": "count", "handle_s": "count",
         "resolved": "flag", "complaint": "flag", "credit": "float"},
    ),
    "customers": (
        ("customer_id",),
        {"customer_id": "id", "acquired_at": "time", "cancelled_at": "time", "acquisition_channel": "label",
         "acquisition_cost": "float", "segment": "label", "plan": "label", "branch_id": "label",
         "language": "label"},
    ),
}  # fmt: skip
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def _files(path: Path) -> tuple[str, list[Path]]:
    """Format ('parquet' or 'csv') and the files behind a file or folder path."""
    if not path.exists():
        raise CxError(describe("Log not found", file=path, expected="a Parquet or CSV file, or a folder of them"))
    if path.is_file():
        suffixes = "".join(path.suffixes[-2:]).lower()
        if path.suffix.lower() in (".parquet", ".pq"):
            return "parquet", [path]
        if path.suffix.lower() == ".csv" or suffixes in (".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz"):
            return "csv", [path]
        raise CxError(describe("Unknown log format", file=path, received=path.suffix, expected=".parquet or .csv"))
    parquet = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
    csv = sorted(p for p in path.rglob("*.csv") if p.is_file())
    if parquet and csv:
        raise CxError(describe("Folder mixes Parquet and CSV files", file=path, expected="files of one format"))
    if not parquet and not csv:
        raise CxError(describe("No Parquet or CSV file in the folder", file=path, expected="*.parquet or *.csv files"))
    return ("parquet", parquet) if parquet else ("csv", csv)


def _convert(frame: pd.DataFrame, kinds: dict[str, str], source: str) -> pd.DataFrame:
    """Canonical types for the known columns of one frame (a whole table or a partition)."""
    out = {}
    for col in frame.columns:
        x = frame[col]
        kind = kinds.get(col)
        text = pd.api.types.is_string_dtype(x.dtype) or x.dtype == object
        if kind == "time":
            if isinstance(x.dtype, pd.DatetimeTZDtype):
                x = x.dt.tz_convert("UTC")
            elif pd.api.types.is_datetime64_dtype(x.dtype):
                x = x.dt.tz_localize("UTC")  # naive times are read as UTC
            else:
                try:
                    x = pd.to_datetime(x, utc=True, format="ISO8601").dt.as_unit("us")
                except (ValueError, TypeError) as exc:
                    raise ColumnError(
                        describe(f"Times cannot be read ({exc})", file=source, column=col,
                                 expected="ISO 8601 times such as '2026-06-30 14:05:00+00:00'")
                    ) from exc
        elif kind in ("id", "label"):  # categories too: Dask cannot know them per file
            x = x.astype("str").where(x.notna())
        elif kind in ("float", "count"):
            try:
                x = pd.to_numeric(x) if text else x
                x = x.astype("float64") if kind == "float" else x.astype("Int64")
            except (ValueError, TypeError) as exc:
                raise ColumnError(
                    describe("Values must be numbers", file=source, column=col, received=str(x.dtype),
                             expected="integers" if kind == "count" else "numbers")
                ) from exc
        elif kind == "flag" and text:
            low = x.str.strip().str.lower()
            bad = low.notna() & ~low.isin(_TRUE | _FALSE)
            if bad.any():
                raise ColumnError(
                    describe("Flags must be true/false", file=source, column=col, received=str(x[bad].iloc[0]),
                             expected="true/false, yes/no or 1/0")
                )
            x = pd.Series(np.where(low.isin(_TRUE), True, False), index=x.index).astype("boolean").where(low.notna())
        elif kind == "flag":
            x = x.astype("boolean")
        out[col] = x
    return pd.DataFrame(out, index=frame.index)


def _read(table: str, path: str | Path, engine: str, columns: Sequence[str] | None) -> pd.DataFrame:
    if engine not in ("pandas", "dask"):
        raise ParameterError(describe("Unknown engine", parameter="engine", received=engine, expected="'pandas' or 'dask'"))
    required, kinds = _TABLES[table]
    path = Path(path)
    fmt, files = _files(path)
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else list(columns)
        columns = [*required, *(c for c in columns if c not in required)]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        present = list(pq.read_schema(files[0]).names)
    else:
        present = list(pd.read_csv(files[0], nrows=0).columns)
    missing = [c for c in (columns or required) if c not in present]
    if missing:
        from ._mapfiles import missing_columns_error, peek
        from .mapping import propose_mapping

        sample = peek(files[0]) if any(c in required for c in missing) else None
        proposal = propose_mapping(sample, kind=table, file=files[0]) if sample is not None else None
        raise missing_columns_error(missing, present, file=files[0], what=f"{table} log", kind=table,
                                    proposal=proposal)
    csv_opts = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    if engine == "pandas":
        if fmt == "parquet":
            frame = pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)
        else:
            frame = pd.concat([pd.read_csv(f, usecols=columns, **csv_opts) for f in files], ignore_index=True)
        return _convert(frame, kinds, str(path))
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise CxError(describe("engine='dask' needs Dask", parameter="engine", expected='pip install "cxanalytics[scale]"')) from exc
    with dask.config.set({"dataframe.convert-string": False}):
        if fmt == "parquet":
            ddf = dd.read_parquet([str(f) for f in files], columns=columns or present)  # no hive keys
        else:
            ddf = dd.read_csv([str(f) for f in files], usecols=columns, blocksize="64MB", **csv_opts)
        # column by column, so that a computation needing only some columns reads only those from
        # the files (Dask pushes the selection through ``assign`` into the reader, not through a
        # map_partitions of the whole frame): a report's passes over the log never load order ids or
        # other wide columns it does not use
        converted = {c: ddf[[c]].map_partitions(_convert, kinds, str(path), meta=_convert(ddf._meta[[c]], kinds, str(path)))[c]
                     for c in ddf.columns if c in kinds}
        return ddf.assign(**converted)


def read_transactions(path: str | Path, *, engine: str = "pandas", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a transactions log (one row per purchase) from Parquet or CSV.

    Parameters
    ----------
    path : str or Path
        A ``.parquet`` / ``.csv`` file (also ``.csv.gz``), or a folder of Parquet files
        (searched recursively, e.g. a ``year=2026/month=06/`` layout) or of CSV files.
    engine : {'pandas', 'dask'}, default 'pandas'
        ``'dask'`` returns a lazy Dask DataFrame for logs larger than memory.
    columns : list of str, optional
        Columns to read (``customer_id`` and ``occurred_at`` are always read).

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        ``customer_id`` (str), ``occurred_at`` (datetime, UTC; naive times are taken as
        UTC), and when present ``amount`` (float64), ``order_id`` (str), then any other
        column as stored.

    Raises
    ------
    CxError
        The path does not exist, holds no Parquet/CSV file, or mixes the two.
    ColumnError
        A required or requested column is missing, or a column cannot be converted.
    ParameterError
        Unknown ``engine``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "tx.csv").write_text("customer_id,occurred_at,amount\\n"
    ...                                  "7,2026-01-05 10:00:00+03:00,9.5\\n")
    >>> tx = read_transactions(folder)
    >>> tx["occurred_at"].iloc[0], tx["customer_id"].iloc[0]
    (Timestamp('2026-01-05 07:00:00+0000', tz='UTC'), '7')
    """
    return _read("transactions", path, engine, columns)


def read_interactions(path: str | Path, *, engine: str = "pandas", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a service-interactions log (one row per contact) from Parquet or CSV.

    Parameters
    ----------
    path, engine, columns
        As in :func:`read_transactions`; ``customer_id``, ``occurred_at`` and ``channel``
        are always read.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        ``customer_id``, ``occurred_at`` (UTC), ``channel`` and when present
        ``interaction_id``, ``agent_id``, ``branch_id`` (str),
        ``wait_s``, ``handle_s`` (Int64), ``resolved``, ``complaint`` (boolean; CSV
        true/false, yes/no or 1/0), ``credit`` (float64), then other columns as stored.

    Raises
    ------
    CxError, ColumnError, ParameterError
        As in :func:`read_transactions`; flags other than true/false raise ColumnError.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "contacts.csv"
    >>> _ = f.write_text("customer_id,occurred_at,channel,resolved\\nC1,2026-02-01T09:30:00Z,chat,true\\n")
    >>> read_interactions(f).dtypes["resolved"]
    BooleanDtype
    """
    return _read("interactions", path, engine, columns)


def read_customers(path: str | Path, *, engine: str = "pandas", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a customers table (one row per customer) from Parquet or CSV.

    Parameters
    ----------
    path, engine, columns
        As in :func:`read_transactions`; ``customer_id`` is always read.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        ``customer_id`` (str) and when present ``acquired_at``, ``cancelled_at`` (UTC),
        ``acquisition_cost`` (float64), labels such as ``segment`` or ``plan`` (str, also
        when stored as categories), then other columns as stored.

    Raises
    ------
    CxError, ColumnError, ParameterError
        As in :func:`read_transactions`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "customers.csv"
    >>> _ = f.write_text("customer_id,acquired_at,acquisition_cost\\nC1,2025-07-01,40\\n")
    >>> read_customers(f)["acquired_at"].iloc[0]
    Timestamp('2025-07-01 00:00:00+0000', tz='UTC')
    """
    return _read("customers", path, engine, columns)
