"""Reading the user's tables (CSV, Excel, Parquet) and saying what a table lacks.

:class:`MissingColumnsError` and :func:`missing_columns_error` are used by
:func:`cxanalytics.map_columns` and by every loader that checks columns (``cxanalytics
report``, :mod:`cxanalytics.ingest.logs`, :func:`cxanalytics.datasets.load_sample`), so that a
table without its columns always gets the same message: what it lacks, what it has, and a
mapping (proposed from its names and values) that would fit.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ColumnError, ParameterError, describe

__all__ = ["MissingColumnsError", "missing_columns_error", "read_table", "read_tables", "peek", "join_tables"]

_CSV = {"dtype": str, "keep_default_na": False, "na_values": [""], "encoding": "utf-8-sig"}
_PARQUET = (".parquet", ".pq")
_EXCEL = (".xlsx", ".xlsm", ".xls")
#: Rows read to propose a mapping when a loader finds columns missing.
PEEK_ROWS = 5000


class MissingColumnsError(ColumnError, ParameterError):
    """A table lacks columns its reader needs.

    Both a :class:`~cxanalytics.errors.ColumnError` and a
    :class:`~cxanalytics.errors.ParameterError` (the argument that named the table).

    Attributes
    ----------
    file : str or None
        The table's file, when it came from one.
    kind : str or None
        The kind of input the table was given as (``customers``, ``snapshot``...).
    missing, present : tuple of str
        Columns lacking, and the columns the table has.
    proposal : Mapping or None
        A mapping proposed from the table's names and values
        (:func:`cxanalytics.propose_mapping`); ``proposal.to_toml()`` is ready to save.
    """

    def __init__(self, message: str, *, file: Any = None, kind: str | None = None, missing: Sequence[str] = (),
                 present: Sequence[str] = (), proposal: Any = None) -> None:
        super().__init__(message)
        self.file = None if file is None else str(file)
        self.kind = kind
        self.missing = tuple(missing)
        self.present = tuple(present)
        self.proposal = proposal


def _names(columns: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(repr(str(c)) for c in list(columns)[:limit])
    return shown + (f" (+{len(columns) - limit} more)" if len(columns) > limit else "") if columns else "none"


def missing_columns_error(missing: Sequence[str], present: Sequence[str], *, file: Any = None, what: str = "table",
                          kind: str | None = None, proposal: Any = None, mapped: bool = False,
                          hint: str | None = None) -> MissingColumnsError:
    """The error for a table that lacks columns: ``"<file>: the <what> lacks columns X; it has
    columns Y; a mapping like Z would fit (save it with ... and pass --map FILE)"``.

    Parameters
    ----------
    missing, present : sequences of str
        The columns needed but absent, and the table's columns.
    file : path, optional
        The table's file (named first in the message).
    what : str
        What the table was given as, e.g. ``"customers file"``.
    kind : str, optional
        Kind of input, for the ``cxanalytics map`` command in the message.
    proposal : Mapping, optional
        The proposed mapping of ``kind``; its renames onto missing columns are quoted.
    mapped : bool
        The table is the result of a mapping (the message then says so).
    hint : str, optional
        A last sentence, e.g. where the columns are described.

    Returns
    -------
    MissingColumnsError
        With ``file``, ``kind``, ``missing``, ``present`` and ``proposal`` as attributes.

    Examples
    --------
    >>> str(missing_columns_error(["customer_id"], ["id", "segment"], what="customers file"))
    "the customers file lacks columns 'customer_id'; it has columns 'id', 'segment'; no column looks like 'customer_id': add it, or rename one by hand in a mapping file (see cxanalytics map)"
    """
    files = [str(f) for f in file] if isinstance(file, list | tuple) else None if file is None else [str(file)]
    if files is not None:
        file = ", ".join(files)
    lead = f"{file}: the {what}" if file is not None else f"the {what}"
    msg = f"{lead}{' (after mapping)' if mapped else ''} lacks columns {_names(missing)}; it has columns {_names(present)}"
    fits: list[str] = []
    if proposal is not None and kind is not None and kind in proposal.kinds:
        km = proposal.kinds[kind]
        target_of = {t: s for s, t in km.columns.items()}
        parts = []
        for col in missing:
            if col in target_of and target_of[col] != col:
                extra = ""
                if col in km.values:
                    extra = " (" + ", ".join(f"{k} -> {str(v).lower() if isinstance(v, bool) else v}"
                                             for k, v in list(km.values[col].items())[:3]) + ")"
                elif col in km.units and "unit" in km.units[col]:
                    extra = f" (in {km.units[col]['unit']})"
                parts.append(f'"{target_of[col]}" = "{col}"{extra}')
                fits.append(col)
        if parts:
            where = " " + " ".join(shlex.quote(f) for f in files) if files is not None else " FILE"
            fit = "would fit" if len(fits) == len(missing) else f"would supply {_names(fits)}"
            msg += (f"; a mapping like [{kind}.columns] {', '.join(parts)} {fit} (save the proposal with "
                    f"`cxanalytics map{where} --kind {kind} --out mapping.toml`, check it, and pass --map mapping.toml;"
                    " in Python: cx.map_columns(data, cx.propose_mapping(data, kind=...)))")
    unfit = [c for c in missing if c not in fits]
    if unfit:
        one = len(unfit) == 1
        msg += (f"; no column looks like {_names(unfit)}: add {'it' if one else 'them'}, or rename "
                f"{'one' if one else 'columns'} by hand in a mapping file (see cxanalytics map)")
    if hint:
        msg += f"; {hint}"
    return MissingColumnsError(msg, file=file, kind=kind, missing=missing, present=present, proposal=proposal)


def _sheet(path: Path, sheet: str | None) -> tuple[pd.DataFrame, str]:
    book = pd.read_excel(path, sheet_name=None, keep_default_na=False, na_values=[""])
    if sheet is not None:
        if sheet not in book:
            raise ParameterError(describe("Sheet not found in the workbook", file=path, received=sheet,
                                          expected=f"one of {', '.join(map(repr, book))}"))
        return book[sheet], sheet
    name = max(book, key=lambda k: book[k].shape[0] * book[k].shape[1])  # the data, not a data dictionary
    return book[name], name


def read_table(path: Path | str, *, sheet: str | None = None, nrows: int | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV (as text), Excel or Parquet table, or a folder of Parquet files.

    Returns the frame and a note saying what was read (file, sheet, rows). CSV cells are read
    as text with only empty cells missing (so "None" or "NA" stay as written); a workbook
    with several sheets is read from ``sheet`` or else from its largest sheet.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        parts = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _PARQUET
                       and not p.name.startswith(("_", ".")))
        if not parts:
            raise ParameterError(describe("No Parquet file in the folder", file=path, expected="*.parquet part files"))
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        note = f"{len(parts)} Parquet files"
    elif not path.is_file():
        raise ParameterError(describe("File not found", file=path, expected="an existing CSV, Excel or Parquet file"))
    elif suffix in _PARQUET:
        frame, note = pd.read_parquet(path), "Parquet"
    elif suffix in _EXCEL:
        frame, name = _sheet(path, sheet)
        frame.attrs["sheet"] = name
        note = f"sheet {name!r}"
    elif suffix in (".csv", ".txt", ".tsv") or path.name.lower().endswith((".csv.gz", ".csv.zip")):
        try:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=nrows, **_CSV)
            if frame.shape[1] == 1 and any(ch in str(frame.columns[0]) for ch in ";\t|"):  # another separator
                frame = pd.read_csv(path, sep=None, engine="python", nrows=nrows, **_CSV)
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ParameterError(describe("Cannot read the table", file=path, received=str(exc)[:120],
                                          expected="a UTF-8 CSV with a header row")) from None
        note = "CSV"
    else:
        raise ParameterError(describe("Unsupported table format", file=path, received=path.suffix or "no suffix",
                                      expected=".csv, .xlsx or .parquet"))
    if nrows is not None:
        frame = frame.head(nrows)
    return frame, f"{path.name}: {note}, {len(frame):,} rows x {frame.shape[1]} columns"


def peek(path: Path | str) -> pd.DataFrame | None:
    """The first :data:`PEEK_ROWS` rows of a table (to propose a mapping), or None when unreadable."""
    try:
        path = Path(path)
        if path.suffix.lower() in _PARQUET and path.is_file():
            import pyarrow.parquet as pq

            batch = next(pq.ParquetFile(path).iter_batches(batch_size=PEEK_ROWS), None)
            return batch.to_pandas() if batch is not None else None
        return read_table(path, nrows=PEEK_ROWS)[0]
    except (OSError, ValueError, ImportError):
        return None


def join_tables(frames: Sequence[pd.DataFrame], names: Sequence[str], key: str) -> tuple[pd.DataFrame, list[dict]]:
    """Join tables of one row per customer on ``key`` (outer join: no customer is dropped).

    A column in several tables is kept once when its values agree and otherwise kept from each
    table with the table's name in brackets; both cases are logged.
    """
    log: list[dict] = []
    for frame, name in zip(frames, names, strict=True):
        if key not in frame.columns:
            raise MissingColumnsError(f"{name}: lacks the key column {key!r} to join on; it has columns "
                                      f"{_names(list(frame.columns))}", file=name, missing=[key],
                                      present=list(map(str, frame.columns)))
        dup = frame[key].duplicated(keep=False) & frame[key].notna()
        if dup.any():
            raise ColumnError(describe("Key values repeat: cannot join one row per customer", file=name, column=key,
                                       received=", ".join(map(str, frame.loc[dup, key].unique()[:5])),
                                       expected="each key once per table"))
    out = frames[0].assign(**{key: frames[0][key].astype("str")})
    for frame, name in zip(frames[1:], names[1:], strict=True):
        frame = frame.assign(**{key: frame[key].astype("str")})
        rename = {}
        shared = [c for c in frame.columns if c != key and c in out.columns]
        both = out[[key, *shared]].merge(frame[[key, *shared]], on=key, how="inner", suffixes=("", " ."))
        for col in shared:
            a, b = both[col].astype("str"), both[f"{col} ."].astype("str")
            if (a == b).all():
                frame = frame.drop(columns=col)
                log.append({"step": "join", "column": col, "source": name, "detail": "same values as in an earlier "
                            "table: kept once", "n": len(both)})
            else:
                rename[col] = f"{col} [{Path(name).stem}]"
                log.append({"step": "join", "column": rename[col], "source": name,
                            "detail": "differs from the column of the same name in an earlier table: kept as "
                            f"{rename[col]!r}", "n": len(both)})
        n_before = len(out)
        only_left = int((~out[key].isin(frame[key])).sum())
        only_right = int((~frame[key].isin(out[key])).sum())
        out = out.merge(frame.rename(columns=rename), on=key, how="outer", sort=False)
        log.append({"step": "join", "column": key, "source": name,
                    "detail": f"joined on {key!r}: {n_before - only_left:,} matched, {only_left:,} only in the "
                    f"earlier tables, {only_right:,} only in this one (kept, with missing values)", "n": len(out)})
    return out, log


def read_tables(paths: Path | str | Sequence[Path | str], *, sheet: str | None = None, key: str | None = None
                ) -> tuple[pd.DataFrame, list[dict]]:
    """Read one or several tables (CSV as text, Excel, Parquet) and join several on ``key``.

    With several files and no ``key``, the join key is the first column present in every
    table with no repeated value in any (e.g. ``Customer ID`` in the IBM Telco workbooks).
    Returns the frame and log entries (what was read, how it was joined).
    """
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not paths:
        raise ParameterError(describe("No table given", parameter="paths", expected="one or more files"))
    frames, log = [], []
    for p in paths:
        frame, note = read_table(p, sheet=sheet)
        frames.append(frame)
        log.append({"step": "read", "column": "", "source": str(p), "detail": note, "n": len(frame)})
    if len(frames) == 1:
        return frames[0], log
    if key is None:
        common = [c for c in frames[0].columns if all(c in f.columns for f in frames[1:])]
        unique = [c for c in common if all(not f[c].duplicated().any() and f[c].notna().all() for f in frames)]
        if not unique:
            raise ParameterError(describe("No column to join the tables on", file=", ".join(map(str, paths)),
                                          received=common[:10] or "no column in common",
                                          expected="a key column in every table, each value once (e.g. a customer id)"))
        key = unique[0]
    joined, entries = join_tables(frames, [str(p) for p in paths], key)
    return joined, log + entries
