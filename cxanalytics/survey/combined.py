"""Several cleaned survey exports as one table, and what can be computed from it.

An analyst's exports come from any platform (:func:`cxanalytics.read_export`) and are
cleaned one by one (:func:`cxanalytics.clean_responses`). :func:`combine_cleaned` stacks the
cleaned responses, quarantines, audit logs and codebooks of several exports into one
:class:`CleanedSurveys`, each row tagged with the ``source`` export it came from;
:meth:`CleanedSurveys.write` saves it in a folder and :func:`read_cleaned` reads it back.

The codebook says what each column is, so what a notebook can compute follows from it,
whatever the platform or the question wording:

- :func:`survey_scores`: the NPS, CSAT and CES items and their scales;
- :func:`item_batteries`: groups of rating items on one scale (for Cronbach's alpha);
- :func:`segment_columns`: categorical columns usable as ``by=`` groups;
- :func:`driver_items`: rating items that may drive an overall score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ParameterError, describe
from ..ingest.codebook import SCORED_KINDS
from ._items import driver_items, item_batteries, segment_columns, survey_scores
from ._scores import headline_scores

__all__ = ["CleanedSurveys", "combine_cleaned", "driver_items", "headline_scores", "item_batteries", "read_cleaned",
           "segment_columns", "survey_scores"]

_TABLES = ("responses", "quarantine", "log")
_FORMATS = ("parquet", "csv")


@dataclass(frozen=True, eq=False, repr=False)
class CleanedSurveys:
    """The cleaned responses of several exports, stacked (see :func:`combine_cleaned`).

    Attributes
    ----------
    data : pandas.DataFrame
        Kept responses: ``source`` (the export's name), ``platform``, ``row_number`` (the
        response's row in its export), then the items of every export (union of columns;
        an item an export lacks is missing for its rows).
    quarantine : pandas.DataFrame
        Quarantined responses, in the same layout plus ``reason``, ``reasons``, ``detail``.
    log : pandas.DataFrame
        The audit logs, with ``source`` first.
    codebook : pandas.DataFrame
        The codebooks' tables (:attr:`cxanalytics.Codebook.table`), with ``source`` first.
    summary : pandas.DataFrame
        One row per export: ``source``, ``platform``, ``read``, ``kept``, ``quarantined``.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame
    log: pd.DataFrame
    codebook: pd.DataFrame
    summary: pd.DataFrame

    def __repr__(self) -> str:
        return (f"CleanedSurveys(sources={len(self.summary)}, kept={len(self.data)}, "
                f"quarantined={len(self.quarantine)}, log={len(self.log)} rows)")

    def write(self, folder: str | Path, *, format: str = "parquet") -> dict[str, Path]:
        """Write responses, quarantine and log (Parquet or CSV), the codebook and the summary (CSV).

        Parameters
        ----------
        folder : path
            Created if needed; files of an earlier write are replaced.
        format : {'parquet', 'csv'}, default 'parquet'
            Of ``responses``, ``quarantine`` and ``log``. CSV files are UTF-8 with a BOM and
            cells a spreadsheet would run as a formula are prefixed with an apostrophe.
            ``codebook.csv`` and ``summary.csv`` are always CSV, to be read and edited.

        Returns
        -------
        dict of str to pathlib.Path
            ``responses``, ``quarantine``, ``log``, ``codebook``, ``summary``.

        Examples
        --------
        >>> import tempfile
        >>> cleaned = CleanedSurveys(pd.DataFrame({"source": ["a"], "nps": [9.0]}), pd.DataFrame(),
        ...                          pd.DataFrame(), pd.DataFrame({"source": ["a"], "item": ["nps"], "kind": ["nps"]}),
        ...                          pd.DataFrame({"source": ["a"], "read": [1], "kept": [1]}))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     sorted(p.name for p in cleaned.write(tmp, format="csv").values())
        ['codebook.csv', 'log.csv', 'quarantine.csv', 'responses.csv', 'summary.csv']
        """
        from ..ingest.cleaning._writers import write_csv_atomic, write_parquet_atomic

        if format not in _FORMATS:
            raise ParameterError(describe("Unknown format", parameter="format", received=format,
                                          expected="'parquet' or 'csv'"))
        out = Path(folder)
        if out.exists() and not out.is_dir():
            raise ParameterError(describe("Output path is a file", file=out, expected="a folder"))
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in zip(_TABLES, (self.data, self.quarantine, self.log), strict=True):
            for other in _FORMATS:  # one format per table: a stale file of the other would be read back
                (out / f"{name}.{other}").unlink(missing_ok=True)
            if format == "parquet":
                paths[name] = write_parquet_atomic(_parquet_safe(frame), out / f"{name}.parquet")
            else:
                paths[name] = write_csv_atomic(_parquet_safe(frame), out / f"{name}.csv", encoding="utf-8-sig")
        paths["codebook"] = write_csv_atomic(self.codebook, out / "codebook.csv", encoding="utf-8-sig")
        paths["summary"] = write_csv_atomic(self.summary, out / "summary.csv", encoding="utf-8-sig")
        return paths


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """For the writers: object columns holding more than one type (text in one export, numbers in another) as text."""
    fixed = {}
    for c in frame.columns:
        col = frame[c]
        if col.dtype == object:
            kinds = {type(v) for v in col.dropna()}
            if len(kinds) > 1:
                fixed[c] = col.map(lambda v: v if pd.isna(v) else str(v)).astype("string")
            elif kinds and str not in kinds:  # e.g. numbers left as objects by the stacking
                fixed[c] = col.infer_objects()
    return frame.assign(**fixed) if fixed else frame


def _names(results) -> list[tuple[str, object]]:
    if isinstance(results, Mapping):
        pairs = [(str(k), v) for k, v in results.items()]
    else:
        pairs, seen = [], {}
        for r in results:
            base = Path(str(getattr(r, "source", "") or "export")).stem or "export"
            seen[base] = seen.get(base, 0) + 1
            pairs.append((base if seen[base] == 1 else f"{base} ({seen[base]})", r))
    if not pairs:
        raise ParameterError(describe("No cleaned export given", parameter="results",
                                      expected="one CleanResult or more (from cx.clean_responses)"))
    return pairs


def _stack(frames: dict[str, pd.DataFrame], platforms: dict[str, str], index: bool) -> pd.DataFrame:
    parts = []
    for name, frame in frames.items():
        body = frame.reset_index(names="row_number") if index else frame.reset_index(drop=True)
        front = {"source": name, **({"platform": platforms[name]} if index else {})}
        parts.append(body.assign(**front)[[*front, *body.columns]])
    nonempty = [p for p in parts if len(p)] or parts[:1]
    out = pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame()
    columns = list(dict.fromkeys(c for p in parts for c in p.columns))  # every export's columns, in order
    return out.reindex(columns=columns)


_RESERVED = ("source", "platform", "row_number")


def _renames(result) -> dict[str, str]:
    """Items named like the columns combine_cleaned adds (a question called 'platform') get '_answer'."""
    return {c: f"{c}_answer" for c in _RESERVED if c in result.data.columns}


def _rename_items(table: pd.DataFrame, renames: dict[str, str]) -> pd.DataFrame:
    if not renames or "item" not in table.columns:
        return table
    return table.assign(item=table["item"].map(lambda v: renames.get(v, v) if isinstance(v, str) else v))


def combine_cleaned(results: Mapping[str, object] | Sequence[object]) -> CleanedSurveys:
    """Stack the cleaned responses of several exports (any platforms) into one table.

    Parameters
    ----------
    results : mapping of name to CleanResult, or sequence of CleanResult
        What :func:`cxanalytics.clean_responses` returned for each export. The names become
        the ``source`` column (with a sequence: each export's file name without its suffix,
        numbered when two are alike). An item named ``source``, ``platform`` or
        ``row_number`` becomes ``<name>_answer`` (in the codebook and log too).

    Returns
    -------
    CleanedSurveys
        ``data`` and ``quarantine`` with ``source``, ``platform`` and ``row_number`` first,
        ``log`` and ``codebook`` with ``source`` first, ``summary`` one row per export.
        Every row read is in ``data`` or ``quarantine``, once.

    Raises
    ------
    ParameterError
        No result, or a result that is not a cleaning result.

    Examples
    --------
    >>> import io
    >>> import cxanalytics as cx
    >>> a = cx.read_export(io.StringIO("id,How likely are you to recommend us? (0-10)\\n1,9\\n2,3\\n3,10\\n"))
    >>> b = cx.read_export(io.StringIO("id,How likely are you to recommend us? (0-10)\\n1,7\\n2,10\\n"))
    >>> both = combine_cleaned({"spring": cx.clean_responses(a, timezone="UTC"),
    ...                         "autumn": cx.clean_responses(b, timezone="UTC")})
    >>> both.summary[["source", "read", "kept", "quarantined"]]
       source  read  kept  quarantined
    0  spring     3     3            0
    1  autumn     2     2            0
    >>> both.data["source"].tolist()
    ['spring', 'spring', 'spring', 'autumn', 'autumn']
    """
    pairs = _names(results)
    for name, r in pairs:
        if not all(hasattr(r, a) for a in ("data", "quarantine", "log", "codebook", "n_read")):
            raise ParameterError(describe("Not a cleaning result", parameter="results", received=f"{name}: "
                                          f"{type(r).__name__}", expected="cx.clean_responses(...) results"))
    platforms = {name: getattr(r, "platform", "") or "" for name, r in pairs}
    renamed = {n: _renames(r) for n, r in pairs}
    data = _stack({n: r.data.rename(columns=renamed[n]) for n, r in pairs}, platforms, index=True)
    quarantine = _stack({n: r.quarantine.rename(columns=renamed[n]) for n, r in pairs}, platforms, index=True)
    log = _stack({n: _rename_items(r.log, renamed[n]) for n, r in pairs}, platforms, index=False)
    codebook = _stack({n: _rename_items(r.codebook.table, renamed[n]) for n, r in pairs}, platforms, index=False)
    summary = pd.DataFrame([{"source": n, "platform": platforms[n], "file": Path(str(r.source)).name if r.source else "",
                             "read": int(r.n_read), "kept": len(r.data), "quarantined": len(r.quarantine)}
                            for n, r in pairs])
    return CleanedSurveys(data, quarantine, log, codebook, summary)


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    if (folder / f"{name}.parquet").is_file():
        return pd.read_parquet(folder / f"{name}.parquet")
    if (folder / f"{name}.csv").is_file():
        try:
            return pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", low_memory=False)
        except pd.errors.EmptyDataError:  # an empty table (no quarantined response) has no header either
            return pd.DataFrame()
    raise ParameterError(describe(f"No {name} table in the cleaned folder", file=folder,
                                  expected=f"{name}.parquet or {name}.csv, as CleanedSurveys.write writes"))


def _typed(frame: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Types a CSV loses, restored from the codebook: scores as floats, times as UTC, flags as booleans."""
    from ..ingest.cleaning._writers import unneutralise

    kinds = codebook.drop_duplicates("item").set_index("item")["kind"] if len(codebook) else pd.Series(dtype=str)
    out = {}
    for c in frame.columns:
        kind = kinds.get(c)
        col = frame[c]
        if kind in SCORED_KINDS or kind == "duration":
            out[c] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif kind == "timestamp":
            out[c] = pd.to_datetime(col, utc=True, errors="coerce", format="ISO8601")
        elif str(c).startswith("flag_") or (kind == "multi" and col.dropna().isin(["True", "False", True, False]).all()):
            out[c] = col.map({"True": True, "False": False, True: True, False: False}).astype("boolean")
        elif col.dtype == object:
            out[c] = col.map(unneutralise)
    return frame.assign(**out) if out else frame


def read_cleaned(folder: str | Path) -> CleanedSurveys:
    """Read back what :meth:`CleanedSurveys.write` wrote (Parquet or CSV).

    From CSV files the scores are read as floats, the timestamps as UTC and the flags as
    booleans, as the codebook says; the apostrophes written before formula-like text are
    removed.

    Raises
    ------
    ParameterError
        The folder does not exist or lacks one of the tables.

    Examples
    --------
    >>> import tempfile
    >>> cleaned = CleanedSurveys(pd.DataFrame({"source": ["a"], "row_number": [2], "nps": [9.0]}), pd.DataFrame(),
    ...                          pd.DataFrame(), pd.DataFrame({"source": ["a"], "item": ["nps"], "kind": ["nps"]}),
    ...                          pd.DataFrame({"source": ["a"], "read": [1], "kept": [1]}))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = cleaned.write(tmp, format="csv")
    ...     back = read_cleaned(tmp)
    >>> back.data
      source  row_number  nps
    0      a           2  9.0
    """
    path = Path(folder)
    if not path.is_dir():
        raise ParameterError(describe("Cleaned folder not found", file=path,
                                      expected="a folder written by CleanedSurveys.write (notebook 02's cleaned_dir)"))
    codebook = _read_table(path, "codebook")
    tables = [_typed(_read_table(path, t), codebook) for t in _TABLES]
    return CleanedSurveys(*tables, codebook, _read_table(path, "summary"))


_SAFE = re.compile(r"[^\w.-]+")


def source_name(path: str | Path) -> str:
    """A short ``source`` name for an export file: its name without the suffix, safe in file names."""
    return _SAFE.sub("_", Path(str(path)).stem).strip("_") or "export"
