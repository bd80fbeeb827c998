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

from ._ranking import is_ranking
from ._surveyscores import headline_scores
from .codebook import SCORED_KINDS
from .errors import ParameterError, describe

__all__ = ["CleanedSurveys", "combine_cleaned", "driver_items", "headline_scores", "item_batteries", "read_cleaned",
           "segment_columns", "survey_scores"]

#: Headline metrics, in the order they are reported.
SCORE_KINDS = ("nps", "csat", "ces")
_BATTERY_KINDS = ("servqual_expectation", "servqual_perception", "pillar", "likert")
_DRIVER_KINDS = ("likert", "servqual_perception", "pillar", "csat", "ces")
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
        from .cleaning._writers import write_csv_atomic, write_parquet_atomic

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
    from .cleaning._writers import unneutralise

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


# --------------------------------------------------------------------------- what can be computed
def _book(codebook) -> pd.DataFrame:
    """A codebook table from a CleanedSurveys, CleanResult, Codebook or DataFrame."""
    if isinstance(codebook, CleanedSurveys):
        table = codebook.codebook
    elif hasattr(codebook, "codebook") and hasattr(codebook, "data"):
        table = codebook.codebook.table
    elif hasattr(codebook, "table"):
        table = codebook.table
    elif isinstance(codebook, pd.DataFrame):
        table = codebook
    else:
        raise ParameterError(describe("Not a codebook", parameter="codebook", received=type(codebook).__name__,
                                      expected="a Codebook, its table, a CleanResult or a CleanedSurveys"))
    missing = [c for c in ("item", "kind") if c not in table.columns]
    if missing:
        raise ParameterError(describe("Codebook table lacks columns", parameter="codebook", received=missing,
                                      expected="the columns of Codebook.table (item, kind, scale_min, ...)"))
    return table


def _scale(table: pd.DataFrame) -> pd.DataFrame:
    lo = pd.to_numeric(table.get("scale_min", pd.Series(pd.NA, index=table.index)), errors="coerce")
    hi = pd.to_numeric(table.get("scale_max", pd.Series(pd.NA, index=table.index)), errors="coerce")
    return table.assign(scale_min=lo.astype("float64"), scale_max=hi.astype("float64"))


def _unique_items(table: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """One row per (item, kind, scale), with the number of sources that have it, codebook order."""
    rows = _scale(table[table["kind"].isin(kinds)])
    if "source" not in rows.columns:
        rows = rows.assign(source="")
    keys = ["item", "kind", "scale_min", "scale_max"]
    grouped = rows.groupby(keys, sort=False, dropna=False)
    out = grouped.agg(n_sources=("source", "nunique"), **({"grid": ("grid", "first")} if "grid" in rows else {}))
    return out.reset_index()


def survey_scores(codebook) -> pd.DataFrame:
    """The NPS, CSAT and CES items of a codebook, with their scales.

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
        Roles as :meth:`cxanalytics.Codebook.infer` gives them (or as the analyst corrected
        them).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``metric`` (``nps``, ``csat``, ``ces``, in that order), ``item``,
        ``scale_min``, ``scale_max`` and ``n_sources`` (exports that have it). Empty when
        the export has none: then no headline score can be computed.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["q1", "q2", "seg"], "kind": ["csat", "nps", "segment"],
    ...                      "scale_min": [1, 0, None], "scale_max": [5, 10, None]})
    >>> survey_scores(book)
      metric item  scale_min  scale_max  n_sources
    0    nps   q2        0.0       10.0          1
    1   csat   q1        1.0        5.0          1
    """
    found = _unique_items(_book(codebook), SCORE_KINDS).rename(columns={"kind": "metric"})
    found["order"] = found["metric"].map({k: i for i, k in enumerate(SCORE_KINDS)})
    found = found.sort_values("order", kind="stable").reset_index(drop=True)
    return found[["metric", "item", "scale_min", "scale_max", "n_sources"]]


def item_batteries(codebook, *, min_items: int = 3, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Groups of rating items answered on one scale, whose reliability can be measured.

    A battery is a matrix question (the codebook's ``grid``) or, for items asked one by
    one, all items of one role (SERVQUAL expectations, perceptions, pillars, other ratings)
    on the same scale. NPS, CSAT and CES are single items, never a battery.

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
    min_items : int, default 3
        Fewest items a battery needs (Cronbach's alpha is defined from 2, but says
        little about 2 items).
    data : DataFrame, optional
        The cleaned responses.  With them, a grid whose answers are rankings (each
        respondent gives the k items the ranks 1..k) is not a battery of ratings and is
        left out; its name is listed in ``attrs["rankings"]``.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``battery`` (the grid's name, or the role and scale), ``item``,
        ``kind``, ``scale_min``, ``scale_max``; batteries in codebook order.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["a", "b", "c", "d", "nps"], "kind": ["likert"] * 4 + ["nps"],
    ...                      "scale_min": [1, 1, 1, 1, 0], "scale_max": [5, 5, 5, 7, 10],
    ...                      "grid": ["Q5", "Q5", "Q5", "", ""]})
    >>> item_batteries(book)
      battery item    kind  scale_min  scale_max
    0      Q5    a  likert        1.0        5.0
    1      Q5    b  likert        1.0        5.0
    2      Q5    c  likert        1.0        5.0
    """
    if int(min_items) < 2:
        raise ParameterError(describe("A battery needs at least 2 items", parameter="min_items",
                                      received=min_items, expected="an integer of 2 or more"))
    items = _unique_items(_book(codebook), _BATTERY_KINDS)
    items = items.drop_duplicates("item")  # an item scored on two scales in two exports is not one item
    columns = ["battery", "item", "kind", "scale_min", "scale_max"]
    if items.empty:
        empty = pd.DataFrame(columns=columns)
        empty.attrs["rankings"] = []
        return empty
    grids = items["grid"] if "grid" in items else pd.Series(None, index=items.index, dtype=object)
    role = [f"{k} {lo:g}-{hi:g}" for k, lo, hi in zip(items["kind"], items["scale_min"], items["scale_max"], strict=True)]
    battery = [str(g).strip() if isinstance(g, str) and g.strip() else r for g, r in zip(grids, role, strict=True)]
    # one battery is one scale: a grid that mixes scales is split
    key = pd.Series([f"{b}|{r}" for b, r in zip(battery, role, strict=True)], index=items.index)
    scales_in = key.groupby(pd.Series(battery, index=items.index)).transform("nunique")
    label = [b if n == 1 else f"{b} ({r})" for b, r, n in zip(battery, role, scales_in, strict=True)]
    sizes = key.map(key.value_counts())
    out = items.assign(battery=label)[(sizes >= int(min_items)).to_numpy()]
    rankings = []
    if data is not None:
        for name, g in out.groupby("battery", sort=False):
            if set(g["item"]) <= set(data.columns) and is_ranking(data[g["item"].tolist()]):
                rankings.append(name)
        out = out[~out["battery"].isin(rankings)]
    out = out[columns].reset_index(drop=True)
    out.attrs["rankings"] = rankings
    return out


def segment_columns(data: pd.DataFrame, codebook=None, *, max_levels: int = 20, min_per_level: int = 1) -> pd.DataFrame:
    """Categorical columns of the cleaned responses that can group them (``by=``).

    The codebook's ``segment`` items (channel, branch, department, ...), plus ``source``
    when the responses come from more than one export, each kept when it has between 2
    and ``max_levels`` answered levels.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned responses (``CleanedSurveys.data`` or ``CleanResult.data``).
    codebook : optional
        As in :func:`survey_scores`; default: the codebook of ``data`` when it is a
        :class:`CleanedSurveys` or ``CleanResult``.
    max_levels : int, default 20
        More levels than this make a table nobody reads (and likely an identifier).
    min_per_level : int, default 1
        Levels with fewer responses are not counted as levels.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``kind``, ``n`` (responses with a value), ``n_levels``; columns left out
        are not listed.

    Examples
    --------
    >>> data = pd.DataFrame({"channel": ["web", "app", "web", None], "id": ["1", "2", "3", "4"]})
    >>> book = pd.DataFrame({"item": ["channel", "id"], "kind": ["segment", "id"]})
    >>> segment_columns(data, book)
        column     kind  n  n_levels
    0  channel  segment  3         2
    """
    if codebook is None and hasattr(data, "codebook"):
        codebook = data
    if hasattr(data, "data") and not isinstance(data, pd.DataFrame):
        data = data.data
    table = _book(codebook)
    candidates = list(dict.fromkeys(table.loc[table["kind"] == "segment", "item"]))
    rows = []
    if "source" in data.columns:
        candidates = ["source", *candidates]
    for column in candidates:
        if column not in data.columns:
            continue
        counts = data[column].dropna().astype(str).value_counts()
        counts = counts[counts >= int(min_per_level)]
        if 2 <= len(counts) <= int(max_levels):
            rows.append({"column": column, "kind": "source" if column == "source" else "segment",
                         "n": int(counts.sum()), "n_levels": len(counts)})
    return pd.DataFrame(rows, columns=["column", "kind", "n", "n_levels"])


def driver_items(codebook, outcome: str | None = None, *, data: pd.DataFrame | None = None,
                 min_n: int = 30) -> pd.DataFrame:
    """Rating items that may drive an overall score (for :func:`cxanalytics.relative_weights`).

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
    outcome : str, optional
        The overall score's item; default the first NPS item, else CSAT, else CES.
    data : pandas.DataFrame, optional
        Cleaned responses: an item is kept only when at least ``min_n`` responses answered
        both it and the outcome.
    min_n : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``outcome``, ``item``, ``kind``, ``scale_min``, ``scale_max``: ratings other than
        the outcome (other headline items, pillars, SERVQUAL perceptions, other ratings;
        never SERVQUAL expectations, which rate an ideal provider). Empty without an outcome.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["nps", "speed", "staff", "nps_group"],
    ...                      "kind": ["nps", "likert", "likert", "metadata"],
    ...                      "scale_min": [0, 1, 1, None], "scale_max": [10, 5, 5, None]})
    >>> driver_items(book)
      outcome   item    kind  scale_min  scale_max
    0     nps  speed  likert        1.0        5.0
    1     nps  staff  likert        1.0        5.0
    """
    table = _book(codebook)
    columns = ["outcome", "item", "kind", "scale_min", "scale_max"]
    if outcome is None:
        scores = survey_scores(table)
        if scores.empty:
            return pd.DataFrame(columns=columns)
        outcome = str(scores["item"].iloc[0])
    elif outcome not in set(table["item"]):
        raise ParameterError(describe("Outcome is not an item of the codebook", parameter="outcome", received=outcome,
                                      expected="one of " + ", ".join(map(str, survey_scores(table)["item"]))))
    items = _unique_items(table, _DRIVER_KINDS).drop_duplicates("item")
    items = items[items["item"] != outcome]
    if data is not None and outcome in data.columns:
        answered = data[outcome].notna()
        enough = [bool(i in data.columns and (answered & data[i].notna()).sum() >= int(min_n)) for i in items["item"]]
        items = items[enough]
    return items.assign(outcome=outcome)[columns].reset_index(drop=True)


_SAFE = re.compile(r"[^\w.-]+")


def source_name(path: str | Path) -> str:
    """A short ``source`` name for an export file: its name without the suffix, safe in file names."""
    return _SAFE.sub("_", Path(str(path)).stem).strip("_") or "export"
