"""Assemble a data folder laid out like ``data/sample/`` from an analyst's files (for :mod:`cxanalytics.report`)."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..datasets import KIND_OF, lacking_columns
from ..errors import CxError, ParameterError, describe

__all__ = ["ENGINES", "TABLES", "DataFolder", "assemble_data", "check_engine", "present_inputs", "snapshot_file"]

#: Tidy tables a user can give one by one, by their canonical name.
TABLES = ("responses", "customers", "transactions", "interactions", "branches")
_TABLE_SUFFIXES = (".csv", ".parquet")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_PERSIAN_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class DataFolder:
    """The assembled data folder: ``path``, the canonical ``inputs`` it holds, cleaning summary."""

    path: Path
    inputs: frozenset[str]
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    mapping_log: pd.DataFrame = field(default_factory=pd.DataFrame)
    snapshot_segments: tuple[str, ...] = ()  # segment columns a mapping declares for the churn snapshot
    snapshot_parameters: dict = field(default_factory=dict)  # notebook 09's parameters for a mapped snapshot
    cleaned: object = None  # the exports' cleaned responses (cxanalytics.survey.combined.CleanedSurveys), with --survey


def present_inputs(folder: Path) -> frozenset[str]:
    """Names of :data:`cxanalytics.datasets.SAMPLES` whose file is in ``folder`` (CSV, Parquet, Parquet folder).

    Plus the kind ``"snapshot"`` (a churn snapshot) when the folder holds ``snapshot.csv`` /
    ``snapshot.parquet``, or the customers and transactions it can be built from
    (:func:`cxanalytics.snapshot.snapshot_from_logs`).
    """
    from ..datasets import SAMPLES

    found = {name for name, spec in SAMPLES.items()
             if (folder / spec.file).exists() or (not spec.raw and (folder / spec.file).with_suffix(".parquet").exists())}
    if snapshot_file(folder) is not None or {"customers", "transactions"} <= found:
        found.add("snapshot")
    return frozenset(found)


def snapshot_file(folder: Path) -> Path | None:
    """The churn snapshot file of a data folder (``snapshot.csv`` or ``snapshot.parquet``), if any."""
    return next((folder / f"snapshot{s}" for s in _TABLE_SUFFIXES if (folder / f"snapshot{s}").is_file()), None)


def _parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files of a folder (searched recursively, as Spark, Dask or pyarrow write them)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in _PARQUET_SUFFIXES
                  and not p.name.startswith(("_", ".")))


def _check_table(path: Path, name: str) -> None:
    """The file (or folder of Parquet files) exists and carries every column the loader needs.

    Only the header of a CSV file or the schema of a Parquet file is read, never the rows.
    """
    from ..datasets import SAMPLES

    if path.is_dir():
        parts = _parquet_parts(path)
        if not parts:
            raise ParameterError(describe(f"No Parquet file in the {name} folder", file=path,
                                          expected="a folder of .parquet files (e.g. part.0.parquet, part.1.parquet)"))
        schema_of = parts[0]
    elif not path.is_file():
        raise ParameterError(describe(f"{name} file not found", file=path,
                                      expected="an existing CSV or Parquet file, or a folder of Parquet files"))
    elif path.suffix.lower() not in _TABLE_SUFFIXES:
        raise ParameterError(describe(f"Unsupported {name} file", file=path, received=path.suffix or "no suffix",
                                      expected="a .csv or .parquet file (an Excel table works with --map)"))
    else:
        schema_of = path
    try:
        if schema_of.suffix.lower() in _PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            columns = list(pq.read_schema(schema_of).names)
        else:
            columns = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ParameterError(describe(f"Cannot read the {name} file", file=path, received=str(exc)[:120],
                                      expected="a UTF-8 CSV with a header row, or a Parquet file")) from None
    missing = [c.name for c in SAMPLES[name].columns if c.name not in columns]
    if missing:
        raise lacking_columns(path, name, missing, columns, schema_of=schema_of)


ENGINES = ("pandas", "dask")


def check_engine(engine: str, scheduler: str | None) -> None:
    """ParameterError for an unknown engine or a scheduler without Dask; CxError when Dask is missing."""
    import importlib

    if engine not in ENGINES:
        raise ParameterError(describe("Unknown engine", parameter="engine", received=engine,
                                      expected="'pandas' or 'dask'"))
    if scheduler is not None and engine != "dask":
        raise ParameterError(describe("A Dask scheduler needs engine='dask'", parameter="scheduler",
                                      received=f"{scheduler!r} with engine={engine!r}",
                                      expected="engine='dask', or no scheduler"))
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler.strip()):
        raise ParameterError(describe("Malformed Dask scheduler address", parameter="scheduler", received=scheduler,
                                      expected="an address such as 'tcp://10.0.0.5:8786'"))
    needed = [] if engine != "dask" else ["dask.dataframe"] + (["distributed"] if scheduler is not None else [])
    for module in needed:
        try:
            importlib.import_module(module)
        except ImportError:
            raise CxError(describe(f"engine='dask' needs the optional package {module.split('.')[0]!r}",
                                   parameter="engine", received=engine,
                                   expected='pip install "cxanalytics[scale]" (Dask and dask.distributed)')) from None


def _remove(target: Path) -> None:
    """Remove a file, a link or a copied folder from the assembled folder (never what a link points to)."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)


def _link(source: Path, target: Path) -> None:
    """Link ``target`` to ``source`` (a file or a folder); nothing is read or held in memory."""
    _remove(target)
    try:
        target.symlink_to(source.resolve(), target_is_directory=source.is_dir())
    except OSError:  # pragma: no cover - file systems without symlinks: a copy on disk
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)


def _language(texts: pd.Series) -> str:
    joined = " ".join(texts.dropna().astype(str))
    if _PERSIAN_LETTERS.search(joined):
        return "fa"
    return "ar" if _ARABIC_SCRIPT.search(joined) else "en"


def _canonical_responses(data: pd.DataFrame, export, source: Path, branches: pd.DataFrame | None) -> pd.DataFrame:
    """Cleaned responses in the columns (and text forms) of the sample's ``responses.csv``."""
    from ..datasets import SAMPLES

    out = {}
    n = len(data)
    for col in SAMPLES["responses"].columns:
        if col.name in data.columns:
            x = data[col.name]
            if col.dtype in ("int", "ordinal"):
                x = pd.to_numeric(x, errors="coerce").round().astype("Int64")
            elif col.dtype == "bool":
                x = x.astype("boolean").map({True: "true", False: "false"})
            out[col.name] = x.to_numpy()
        else:
            out[col.name] = pd.array([pd.NA] * n, dtype="object")
    frame = pd.DataFrame(out)
    if "response_id" not in data.columns:
        frame["response_id"] = [f"{source.stem}-{i}" for i in data.index]
    frame["platform"] = export.platform
    frame["language"] = _language(export.questions["question_text"]) if "question_text" in export.questions else "en"
    if "branch_id" not in data.columns and "branch" in data.columns:
        labels = data["branch"].astype("str").where(data["branch"].notna())
        if branches is not None:
            ids = branches["branch_id"].astype("str").to_numpy()
            keys = ["branch_id"] + [c for c in branches.columns if c.startswith("name_")]
            lookup = pd.concat([pd.Series(ids, index=branches[c].astype("str").to_numpy()) for c in keys])
            lookup = lookup[~lookup.index.duplicated()]
            frame["branch_id"] = labels.map(lookup).fillna(labels).to_numpy()
        else:
            frame["branch_id"] = labels.to_numpy()
    return frame


def _clean_surveys(surveys: Sequence[Path], codebooks: Sequence[Path], branches: pd.DataFrame | None,
                   notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    from ..ingest.cleaning import clean_responses
    from ..ingest.exports import read_export

    if codebooks and len(codebooks) not in (1, len(surveys)):
        raise ParameterError(describe("Give one codebook for all exports, or one per export", parameter="--codebook",
                                      received=f"{len(codebooks)} codebooks for {len(surveys)} exports",
                                      expected=f"1 or {len(surveys)}"))
    from ..survey.combined import combine_cleaned, source_name

    frames, rows, results = [], [], {}
    for k, path in enumerate(surveys):
        if not path.is_file():
            raise ParameterError(describe("Survey export not found", file=path, expected="an existing export file"))
        book = codebooks[0 if len(codebooks) == 1 else k] if codebooks else None
        if book is not None and not book.is_file():
            raise ParameterError(describe("Codebook not found", file=book, expected="an existing codebook CSV"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            export = read_export(path)
            result = clean_responses(export, book)
        notes.extend(f"{path.name}: {w.message}" for w in caught)
        frames.append(_canonical_responses(result.data, export, path, branches))
        name = source_name(path)
        results[name if name not in results else f"{name} ({k + 1})"] = result
        rows.append({"export": path.name, "platform": export.platform, "encoding": export.encoding,
                     "read": result.n_read, "kept": len(result.data), "quarantined": len(result.quarantine),
                     "codebook": book.name if book is not None else "inferred"})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows), combine_cleaned(results)


def write_table_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a mapped table as the sample's CSV files are written (flags as ``true``/``false``)."""
    out = {c: (frame[c].astype("object").map({True: "true", False: "false"})
               if pd.api.types.is_bool_dtype(frame[c].dtype) else frame[c]) for c in frame.columns}
    pd.DataFrame(out, index=frame.index).to_csv(path, index=False)
    return path


def _map_table(path: Path, name: str, mapping, out: Path) -> pd.DataFrame:
    """Map one table given by name into ``out/<name>.csv``; returns the mapping's log."""
    from ..datasets import SAMPLES
    from ..ingest.mapping import read_mapped

    result = read_mapped(path, mapping, kind=KIND_OF[name])
    missing = [c.name for c in SAMPLES[name].columns if c.name not in result.data.columns]
    if missing:
        raise lacking_columns(path, name, missing, [str(c) for c in result.data.columns], mapped=True)
    for suffix in _TABLE_SUFFIXES:
        _remove(out / f"{name}{suffix}")
    write_table_csv(result.data, out / f"{name}.csv")
    return result.log.assign(table=name)


#: Columns a churn snapshot must have (canonical names; ``tenure`` in days).
SNAPSHOT_COLUMNS = ("tenure", "churned")


def _place_snapshot(snapshot, mapping, out: Path) -> tuple[pd.DataFrame | None, tuple[str, ...], dict]:
    """Put the churn snapshot into ``out`` (mapped into ``snapshot.csv``, or linked); its mapping log, segments
    and notebook parameters (:func:`cxanalytics.report._snapshotparams.snapshot_notebook_parameters`)."""
    from ..ingest._mapfiles import missing_columns_error

    paths = [Path(p) for p in ([snapshot] if isinstance(snapshot, str | Path) else snapshot)]
    for p in paths:
        if not p.is_file():
            raise ParameterError(describe("Churn snapshot not found", file=p, parameter="--snapshot",
                                          received="no such file", expected="an existing file, one row per customer"))
    for suffix in _TABLE_SUFFIXES:
        _remove(out / f"snapshot{suffix}")
    if mapping is not None and "snapshot" in mapping.kinds:
        from ..ingest.mapping import read_mapped

        result = read_mapped(paths[0] if len(paths) == 1 else paths, mapping, kind="snapshot")
        missing = [c for c in SNAPSHOT_COLUMNS if c not in result.data.columns]
        if missing:
            raise missing_columns_error(missing, [str(c) for c in result.data.columns], what="snapshot",
                                        file=", ".join(map(str, paths)), kind="snapshot", mapped=True)
        write_table_csv(result.data, out / "snapshot.csv")
        from ._snapshotparams import snapshot_notebook_parameters

        params = snapshot_notebook_parameters([str(c) for c in result.data.columns], result.units, result.segments)
        return result.log.assign(table="snapshot"), tuple(result.segments), params
    from ._snapshotpropose import unmapped_snapshot_error

    error = unmapped_snapshot_error(paths)  # an Excel workbook, several files or other names: a proposal
    if error is not None:
        raise error
    path = paths[0]
    _link(path, out / f"snapshot{path.suffix.lower()}")
    return None, (), {}


def _combined(errors: list) -> ParameterError:
    """One error for several tables that lack columns, with one proposal holding every kind."""
    from ..ingest._mapfiles import MissingColumnsError

    if len(errors) == 1:
        return errors[0]
    proposal = None
    for e in errors:
        if e.proposal is not None:
            proposal = e.proposal if proposal is None else proposal.merge(e.proposal)
    return MissingColumnsError(" | ".join(str(e) for e in errors), missing=[c for e in errors for c in e.missing],
                               proposal=proposal)


def assemble_data(folder: Path | str, *, data_dir: Path | str | None = None, surveys: Sequence[Path | str] = (),
                  codebooks: Sequence[Path | str] = (), mapping=None,
                  snapshot: Path | str | Sequence[Path | str] | None = None, **tables: Path | str | None) -> DataFolder:
    """Lay the user's files out in ``folder`` under the canonical names of ``data/sample/``.

    Parameters
    ----------
    folder : path
        An empty folder to fill (files and folders are linked, not copied, where the
        file system allows symbolic links; otherwise copied on disk).
    data_dir : path, optional
        A folder laid out like ``data/sample/``; its files are taken first.
    surveys : sequence of paths
        Raw survey exports; cleaned and stacked into ``responses.csv`` (replacing one
        from ``data_dir``). Only the canonical response columns are kept, so names,
        e-mails, IP addresses and free-text comments never reach the notebooks.
    codebooks : sequence of paths
        One codebook CSV for every export, or one per export (default: inferred).
    mapping : Mapping or path, optional
        A column mapping (:class:`cxanalytics.Mapping` or its TOML file). Each table whose
        kind it maps (``customers``, ``transactions``, ``interactions``; ``responses`` as
        ``survey``) is read whole, mapped with :func:`cxanalytics.map_columns` and written
        as ``<name>.csv``; the log of every change is ``mapping_log``.
    snapshot : path or sequence of paths, optional
        A churn snapshot, one row per customer. Without a ``[snapshot]`` section in
        ``mapping``: one CSV or Parquet file in the canonical columns (``tenure`` in days,
        ``churned``...), linked as ``snapshot.csv`` / ``snapshot.parquet``. With one: the
        file(s) (CSV, Parquet or Excel; several are joined on the customer id) are read,
        mapped and written as ``snapshot.csv``, and the mapping's segment columns are
        ``snapshot_segments``.
    **tables : path
        ``customers=``, ``transactions=``, ``interactions=``, ``branches=``,
        ``responses=``: CSV or Parquet files, or folders of Parquet files (e.g. the part
        files written by Spark or Dask), replacing those of ``data_dir``. They are linked
        as ``<name>.csv`` / ``<name>.parquet`` (a folder keeps being a folder); only a
        CSV header or a Parquet schema is read to check the columns, so a log larger
        than memory is never loaded here. A ``data_dir`` may hold such folders too
        (``transactions.parquet/``).

    Returns
    -------
    DataFolder
        ``path``, ``inputs`` (names of the sample files present), ``surveys`` (one row
        per export: export, platform, encoding, read, kept, quarantined, codebook),
        ``notes`` (warnings raised while cleaning) and ``mapping_log`` (``table`` plus the
        columns of :attr:`cxanalytics.MappingResult.log`; also written as ``mapping_log.csv``),
        ``cleaned`` (with ``surveys``: every export's cleaned responses, quarantine, log and
        codebook, a :class:`cxanalytics.CleanedSurveys`).

    Raises
    ------
    MissingColumnsError
        Tables without the canonical columns (all of them in one error, which carries a
        mapping proposed from their names and values as ``.proposal``).
    ParameterError
        A missing file or folder, an unknown table, or a codebook count that matches
        neither one nor every export.
    CxError
        An export that cannot be read or cleaned (the message names the file).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    unknown = [k for k in tables if k not in TABLES]
    if unknown:
        raise ParameterError(describe("Unknown table", parameter=unknown[0], expected=f"one of {', '.join(TABLES)}"))
    if data_dir is not None:
        src = Path(data_dir)
        if not src.is_dir():
            raise ParameterError(describe("Data folder not found", file=src, expected="a folder laid out like data/sample/"))
        tables_as_folders = {f"{name}.parquet" for name in TABLES}  # folders of Parquet part files
        for item in sorted(src.iterdir()):
            if item.is_file() or (item.is_dir() and item.name in tables_as_folders):
                _link(item, out / item.name)
    from ..ingest._mapfiles import MissingColumnsError

    if mapping is not None:
        from ..ingest.mapping import _as_mapping

        mapping = _as_mapping(mapping)
    mapped_kinds = set(mapping.kinds) if mapping is not None else set()
    logs, lacking = [], []
    for name, path in tables.items():
        if path is None:
            continue
        path = Path(path)
        try:
            if KIND_OF.get(name) in mapped_kinds:
                logs.append(_map_table(path, name, mapping, out))
                continue
            _check_table(path, name)
        except MissingColumnsError as exc:
            lacking.append(exc)
            continue
        for suffix in _TABLE_SUFFIXES:
            _remove(out / f"{name}{suffix}")
        _link(path, out / (f"{name}.parquet" if path.is_dir() else f"{name}{path.suffix.lower()}"))
    segments: tuple[str, ...] = ()
    snapshot_params: dict = {}
    if snapshot:
        try:
            log, segments, snapshot_params = _place_snapshot(snapshot, mapping, out)
            if log is not None:
                logs.append(log)
        except MissingColumnsError as exc:
            lacking.append(exc)
    notes: list[str] = []
    summary, cleaned = pd.DataFrame(), None
    if surveys:
        branch_file = next((out / f"branches{s}" for s in _TABLE_SUFFIXES if (out / f"branches{s}").exists()), None)
        from ..datasets import load_sample

        branches = load_sample("branches", folder=out) if branch_file is not None else None
        responses, summary, cleaned = _clean_surveys([Path(s) for s in surveys], [Path(c) for c in codebooks], branches, notes)
        _remove(out / "responses.parquet")
        _remove(out / "responses.csv")
        responses.to_csv(out / "responses.csv", index=False)
    for name in TABLES:
        present = [out / f"{name}{s}" for s in _TABLE_SUFFIXES if (out / f"{name}{s}").exists()]
        if present and tables.get(name) is None and not (name == "responses" and surveys):
            try:
                if KIND_OF.get(name) in mapped_kinds:  # a data_dir table in the user's own columns
                    logs.append(_map_table(Path(data_dir) / present[-1].name, name, mapping, out))
                elif name not in tables:
                    _check_table(present[-1], name)
            except MissingColumnsError as exc:
                lacking.append(exc)
    if lacking:
        raise _combined(lacking)
    mapping_log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame()
    if logs:
        mapping_log.to_csv(out / "mapping_log.csv", index=False)
        for table, log in mapping_log.groupby("table", sort=False):
            steps = log["step"].value_counts()
            notes.append(f"{table}: mapped with {mapping.file or 'the mapping'} ("
                         + ", ".join(f"{n} {step}" for step, n in steps.items()) + "; see mapping_log.csv)")
    return DataFolder(out, present_inputs(out), summary, tuple(notes), mapping_log, segments, snapshot_params,
                      cleaned)
