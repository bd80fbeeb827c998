"""The bundled sample data: what it holds (:func:`list_samples`) and typed loading (:func:`load_sample`).

The sample is a seeded synthetic service business written by :mod:`cxanalytics.synth`
(``cxanalytics sample --out data/sample``). Its data dictionary :data:`SAMPLES` (defined in
:mod:`cxanalytics._core.samples`, re-exported here) is the single source of
``data/sample/README.md``. A table named like a sample that lacks some of its columns (here
or in a report's data folder) raises the error of :func:`lacking_columns`, which proposes a
mapping of the columns it has.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._core.samples import SAMPLES, Column, Sample
from .errors import CxError, ParameterError, describe

__all__ = ["SAMPLES", "Column", "Sample", "list_samples", "load_sample", "sample_dir"]


#: Kind of input (:data:`cxanalytics.ingest.mapping.KINDS`) of each table given by name.
KIND_OF = {"customers": "customers", "transactions": "transactions", "interactions": "interactions",
           "responses": "survey"}


def lacking_columns(path: Path, name: str, missing: Sequence[str], columns: Sequence[str], *,
                    schema_of: Path | None = None, mapped: bool = False) -> ParameterError:
    """The error for a table without the columns its notebooks need, with a mapping proposed from
    its first rows (:func:`cxanalytics.propose_mapping`) when its kind can be mapped."""
    from .ingest._mapfiles import missing_columns_error, peek

    kind = KIND_OF.get(name)
    proposal, snapshot = None, None
    if kind is not None:
        sample = peek(schema_of or path)
        if sample is not None:
            from .ingest.mapping import propose_mapping

            proposal = propose_mapping(sample, kind=kind, file=path)
            if kind != "snapshot" and propose_mapping(sample, file=path).kinds.keys() == {"snapshot"}:
                snapshot = (f"it looks like a churn snapshot (one row per customer with a tenure and a churn "
                            f"flag), not a {name} table: see `cxanalytics map {path} --kind snapshot`")
    return missing_columns_error(missing, columns, file=path, what=f"{name} file", kind=kind, proposal=proposal,
                                 mapped=mapped, hint=snapshot or f"the columns of {SAMPLES[name].file} are "
                                 "described in data/sample/README.md")


def sample_dir() -> Path:
    """Folder of the sample data: ``$CXANALYTICS_SAMPLE_DIR`` or the repository's ``data/sample``."""
    env = os.environ.get("CXANALYTICS_SAMPLE_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data" / "sample"


def list_samples() -> pd.DataFrame:
    """What the sample data holds: one row per file.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (argument of :func:`load_sample`), ``file``, ``row`` (what one row
        is), ``raw`` (a raw survey export rather than a tidy table) and ``description``.

    Examples
    --------
    >>> list_samples()["name"].tolist()[:4]
    ['qualtrics_en', 'surveymonkey_ar', 'google_forms_fa', 'responses']
    """
    return pd.DataFrame(
        [{"name": s.name, "file": s.file, "row": s.row, "raw": s.raw, "description": s.description} for s in SAMPLES.values()]
    )


def _typed(frame: pd.DataFrame, spec: Sample) -> pd.DataFrame:
    """Give every column of ``frame`` its declared type (from CSV text or Parquet types)."""
    out = {}
    for col in spec.columns:
        x = frame[col.name]
        text = pd.api.types.is_string_dtype(x) or x.dtype == object
        if col.dtype == "datetime":
            out[col.name] = pd.to_datetime(x, utc=True, format="ISO8601") if text else x.dt.tz_convert("UTC")
        elif col.dtype == "category":
            out[col.name] = x.astype("category")
        elif col.dtype == "ordinal":
            values = pd.to_numeric(x).astype("Int64")
            out[col.name] = pd.Categorical(values, categories=list(col.levels), ordered=True)
        elif col.dtype == "int":
            out[col.name] = pd.to_numeric(x).astype("Int64")
        elif col.dtype == "float":
            out[col.name] = pd.to_numeric(x).astype("float64")
        elif col.dtype == "bool":
            out[col.name] = x.map({"true": True, "false": False}).astype("boolean") if text else x.astype("boolean")
        else:
            out[col.name] = x.astype("str").where(x.notna())
    return pd.DataFrame(out, index=frame.index)


def load_sample(name: str, *, folder: str | Path | None = None,
                shared: str | os.PathLike | None = None) -> pd.DataFrame | Path:
    """Load one file of the sample data as a typed DataFrame.

    Parameters
    ----------
    name : str
        One of ``list_samples()["name"]``.
    folder : path, optional
        Folder to read from (default :func:`sample_dir`); any folder written by
        ``cxanalytics sample`` works, in CSV or Parquet format.
    shared : path, optional
        A folder shared by the notebooks of one report (``cxanalytics report`` passes its
        ``shared_dir``): the typed table is written there as Parquet, keyed by the digest of
        the file's bytes, by the first notebook that loads it, and read back (identical,
        checked before it is published) by the others, which then skip parsing the CSV
        (:func:`cxanalytics.link._sharedtables.shared_frame`). ``None``: read the file.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        Tidy tables come typed: timestamps tz-aware (UTC), Likert items ordered
        categoricals of their scale points, counts ``Int64``, flags ``boolean``, labels
        ``category``. Raw survey exports are returned as the path of the file, because
        reading them is a job of its own (their header rows, encodings and dirt).

    Raises
    ------
    ParameterError
        ``name`` is not a sample.
    CxError
        The file is missing (regenerate it with ``cxanalytics sample``).
    MissingColumnsError
        The file lacks some of the columns (the message lists what it has and proposes a mapping).

    Examples
    --------
    >>> customers = load_sample("customers")
    >>> customers["acquired_at"].dt.tz is not None
    True
    >>> load_sample("responses")["csat"].cat.ordered
    True
    """
    if name not in SAMPLES:
        raise ParameterError(describe("Unknown sample", parameter="name", received=name, expected=f"one of {sorted(SAMPLES)}"))
    spec = SAMPLES[name]
    base = Path(folder) if folder is not None else sample_dir()
    path = base / spec.file
    if spec.raw:
        if not path.exists():
            raise CxError(describe("Sample file not found", file=path, expected="run `cxanalytics sample --out <folder>`"))
        return path
    parquet = path.with_suffix(".parquet")
    if shared is not None:
        from .link._sharedtables import file_digest, shared_frame

        source = parquet if parquet.exists() else path
        if source.exists():
            return shared_frame(shared, f"load_sample-{name}", (source.name, file_digest(source)),
                                lambda: load_sample(name, folder=base))
    if parquet.exists():
        frame = pd.read_parquet(parquet)
    elif path.exists():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    else:
        raise CxError(describe("Sample file not found", file=path, expected="run `cxanalytics sample --out <folder>`"))
    missing = [c.name for c in spec.columns if c.name not in frame.columns]
    if missing:
        raise lacking_columns(parquet if parquet.exists() else path, name, missing, [str(c) for c in frame.columns])
    return _typed(frame, spec)
