"""Assemble a data folder laid out like ``data/sample/`` from an analyst's files (for :mod:`cxanalytics.report`)."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import ParameterError, describe

__all__ = ["TABLES", "DataFolder", "assemble_data", "present_inputs"]

#: Tidy tables a user can give one by one, by their canonical name.
TABLES = ("responses", "customers", "transactions", "interactions", "branches")
_TABLE_SUFFIXES = (".csv", ".parquet")
_PERSIAN_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class DataFolder:
    """The assembled data folder: ``path``, the canonical ``inputs`` it holds, cleaning summary."""

    path: Path
    inputs: frozenset[str]
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()


def present_inputs(folder: Path) -> frozenset[str]:
    """Names of :data:`cxanalytics.datasets.SAMPLES` whose file is in ``folder`` (CSV or Parquet)."""
    from .datasets import SAMPLES

    return frozenset(name for name, spec in SAMPLES.items()
                     if (folder / spec.file).exists() or (not spec.raw and (folder / spec.file).with_suffix(".parquet").exists()))


def _check_table(path: Path, name: str) -> None:
    """The file exists, has a known format and carries every column the loader needs."""
    from .datasets import SAMPLES

    if not path.is_file():
        raise ParameterError(describe(f"{name} file not found", file=path, expected="an existing CSV or Parquet file"))
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        raise ParameterError(describe(f"Unsupported {name} file", file=path, received=path.suffix or "no suffix",
                                      expected="a .csv or .parquet file"))
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            columns = list(pq.read_schema(path).names)
        else:
            columns = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ParameterError(describe(f"Cannot read the {name} file", file=path, received=str(exc)[:120],
                                      expected="a UTF-8 CSV with a header row, or a Parquet file")) from None
    missing = [c.name for c in SAMPLES[name].columns if c.name not in columns]
    if missing:
        raise ParameterError(describe(f"The {name} file lacks columns", file=path, received=missing[:8],
                                      expected=f"the columns of {SAMPLES[name].file} (see data/sample/README.md)"))


def _link(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        target.symlink_to(source.resolve())
    except OSError:  # pragma: no cover - file systems without symlinks
        shutil.copyfile(source, target)


def _language(texts: pd.Series) -> str:
    joined = " ".join(texts.dropna().astype(str))
    if _PERSIAN_LETTERS.search(joined):
        return "fa"
    return "ar" if _ARABIC_SCRIPT.search(joined) else "en"


def _canonical_responses(data: pd.DataFrame, export, source: Path, branches: pd.DataFrame | None) -> pd.DataFrame:
    """Cleaned responses in the columns (and text forms) of the sample's ``responses.csv``."""
    from .datasets import SAMPLES

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
                   notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    from .cleaning import clean_responses
    from .exports import read_export

    if codebooks and len(codebooks) not in (1, len(surveys)):
        raise ParameterError(describe("Give one codebook for all exports, or one per export", parameter="--codebook",
                                      received=f"{len(codebooks)} codebooks for {len(surveys)} exports",
                                      expected=f"1 or {len(surveys)}"))
    frames, rows = [], []
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
        rows.append({"export": path.name, "platform": export.platform, "encoding": export.encoding,
                     "read": result.n_read, "kept": len(result.data), "quarantined": len(result.quarantine),
                     "codebook": book.name if book is not None else "inferred"})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def assemble_data(folder: Path | str, *, data_dir: Path | str | None = None, surveys: Sequence[Path | str] = (),
                  codebooks: Sequence[Path | str] = (), **tables: Path | str | None) -> DataFolder:
    """Lay the user's files out in ``folder`` under the canonical names of ``data/sample/``.

    Parameters
    ----------
    folder : path
        An empty folder to fill (files are linked, not copied, where possible).
    data_dir : path, optional
        A folder laid out like ``data/sample/``; its files are taken first.
    surveys : sequence of paths
        Raw survey exports; cleaned and stacked into ``responses.csv`` (replacing one
        from ``data_dir``). Only the canonical response columns are kept, so names,
        e-mails, IP addresses and free-text comments never reach the notebooks.
    codebooks : sequence of paths
        One codebook CSV for every export, or one per export (default: inferred).
    **tables : path
        ``customers=``, ``transactions=``, ``interactions=``, ``branches=``,
        ``responses=``: CSV or Parquet files, replacing those of ``data_dir``.

    Returns
    -------
    DataFolder
        ``path``, ``inputs`` (names of the sample files present), ``surveys`` (one row
        per export: export, platform, encoding, read, kept, quarantined, codebook) and
        ``notes`` (warnings raised while cleaning).

    Raises
    ------
    ParameterError
        A missing file or folder, an unknown table, a table without the canonical
        columns, or a codebook count that matches neither one nor every export.
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
        for item in sorted(src.iterdir()):
            if item.is_file():
                _link(item, out / item.name)
    for name, path in tables.items():
        if path is None:
            continue
        path = Path(path)
        _check_table(path, name)
        for suffix in _TABLE_SUFFIXES:
            (out / f"{name}{suffix}").unlink(missing_ok=True)
        _link(path, out / f"{name}{path.suffix.lower()}")
    notes: list[str] = []
    summary = pd.DataFrame()
    if surveys:
        branch_file = next((out / f"branches{s}" for s in _TABLE_SUFFIXES if (out / f"branches{s}").exists()), None)
        from .datasets import load_sample

        branches = load_sample("branches", folder=out) if branch_file is not None else None
        responses, summary = _clean_surveys([Path(s) for s in surveys], [Path(c) for c in codebooks], branches, notes)
        (out / "responses.parquet").unlink(missing_ok=True)
        (out / "responses.csv").unlink(missing_ok=True)
        responses.to_csv(out / "responses.csv", index=False)
    for name in TABLES:
        present = [out / f"{name}{s}" for s in _TABLE_SUFFIXES if (out / f"{name}{s}").exists()]
        if present and name not in tables and not (name == "responses" and surveys):
            _check_table(present[-1], name)
    return DataFolder(out, present_inputs(out), summary, tuple(notes))
