"""The bundled sample data: what it holds (:func:`list_samples`) and typed loading (:func:`load_sample`).

The sample is a seeded synthetic service business written by :mod:`cxanalytics.synth`
(``cxanalytics sample --out data/sample``). This module is also the single source of its
data dictionary: ``data/sample/README.md`` is generated from :data:`SAMPLES`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import CxError, ParameterError, describe

__all__ = ["SAMPLES", "Column", "Sample", "list_samples", "load_sample", "sample_dir"]


@dataclass(frozen=True)
class Column:
    """One column of a sample table: name, type and meaning."""

    name: str
    dtype: str  # str | category | ordinal | int | float | bool | datetime
    description: str
    levels: tuple = ()  # ordinal levels, low to high


@dataclass(frozen=True)
class Sample:
    """One file of the sample: its name, file name, what one row is, and its columns."""

    name: str
    file: str
    row: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def raw(self) -> bool:
        """True for raw survey exports, which are read with their platform's header rows."""
        return not self.columns


_ID = Column("customer_id", "str", "customer key, `C` + 7 digits")
_SERVQUAL = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
_PILLARS = ("personalisation", "integrity", "expectations", "resolution", "time_effort", "empathy")
_LIKERT7 = tuple(range(1, 8))

_RESPONSE_COLUMNS = (
    Column("response_id", "str", "the platform's response id (Google Forms has none: `GF` + row)"),
    Column("platform", "category", "qualtrics, surveymonkey or google_forms"),
    Column("language", "category", "en, ar or fa"),
    Column("customer_id", "str", "as the respondent's record gives it; missing or mistyped for a few Google Forms rows"),
    Column("submitted_at", "datetime", "submission time, UTC"),
    Column("duration_s", "int", "seconds spent on the survey"),
    Column("channel", "category", "channel of the most recent contact: phone, chat, store, app"),
    Column("branch_id", "category", "branch the customer usually visits"),
    Column("nps", "int", "likelihood to recommend, 0-10"),
    Column("csat", "ordinal", "overall satisfaction, 1 very dissatisfied - 5 very satisfied; missing = non-substantive answer", tuple(range(1, 6))),
    Column("ces", "ordinal", "'made it easy', 1 strongly disagree - 7 strongly agree; missing = sentinel -99", _LIKERT7),
    *(
        Column(f"{side}_{d}_{k}", "ordinal", f"SERVQUAL {word} item {k} of {d}, 1-7 (negatively worded items already reverse-coded)", _LIKERT7)
        for side, word in (("e", "expectation"), ("p", "perception"))
        for d in _SERVQUAL
        for k in (1, 2)
    ),
    *(Column(f"pillar_{p}", "int", f"experience pillar '{p}', 0-10") for p in _PILLARS),
    *(Column(f"topic_{t}", "bool", f"contacted us about {t}") for t in ("billing", "network", "device", "plan_change", "other")),
    Column("comment", "str", "the open comment as written (English, Arabic or Persian; empty = none)"),
    Column("comment_themes", "str", "the theme planted in the comment (billing, staff, app, switching, waiting; empty = none)"),
)

SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample("qualtrics_en", "qualtrics_en.csv", "response (plus 3 header rows)",
               "Qualtrics CSV export in English, choice text, UTF-8 with BOM; 3 header rows (column ids, "
               "question text, ImportId JSON with the time zone Asia/Dubai). Dirt: preview and test rows, "
               "partial responses, duplicates, speeders, straight-liners, N/A codes, -99 sentinels, "
               "multi-line comments, PII in comments."),
        Sample("surveymonkey_ar", "surveymonkey_ar.csv", "response (plus 2 header rows)",
               "SurveyMonkey 'all responses' CSV in Arabic, re-saved by Excel on Arabic Windows: cp1256, CRLF. "
               "Row 1 question text (blank cells continue the previous question), row 2 sub-labels. Dates "
               "MM/DD/YYYY hh:mm:ss AM/PM, Asia/Riyadh. Test responses come from collector 431000999."),
        Sample("google_forms_fa", "google_forms_fa.csv", "response (plus 1 header row)",
               "Google Forms CSV in Persian, UTF-8: Jalali (Solar Hijri) timestamps, Asia/Tehran; grid "
               "questions as `Question [Row]`; checkbox answers comma-joined; Persian and some Arabic-Indic "
               "digits, stray right-to-left marks; customer numbers typed by hand (some blank or mistyped); "
               "test rows from qa.team@example.com; a few NPS answers of 11."),
        Sample("responses", "responses.csv", "genuine survey response",
               "The answer key of the three exports: every genuine response in canonical form, as a correct "
               "cleaning of the raw exports should give it (no dirt rows; non-substantive answers missing).",
               _RESPONSE_COLUMNS),
        Sample("customers", "customers.csv", "customer", "Customers acquired 2024-07-01 .. 2026-04-30.", (
            _ID,
            Column("acquired_at", "datetime", "acquisition time, UTC"),
            Column("acquisition_channel", "category", "store, online, referral, partner"),
            Column("acquisition_cost", "float", "cost to acquire this customer (currency units)"),
            Column("segment", "category", "consumer or business"),
            Column("plan", "category", "contract (cancels explicitly) or prepaid (lapses silently)"),
            Column("branch_id", "category", "home branch"),
            Column("language", "category", "en, ar or fa"),
            Column("cancelled_at", "datetime", "cancellation time of contract customers who left, else missing"),
        )),
        Sample("transactions", "transactions.csv", "purchase", "Purchases and top-ups until the customer leaves.", (
            Column("order_id", "str", "order key"),
            _ID,
            Column("occurred_at", "datetime", "purchase time, UTC"),
            Column("amount", "float", "amount paid (currency units)"),
        )),
        Sample("interactions", "interactions.csv", "service contact", "Contacts with customer service.", (
            Column("interaction_id", "str", "contact key"),
            _ID,
            Column("occurred_at", "datetime", "contact time, UTC"),
            Column("channel", "category", "phone, chat, store, app"),
            Column("branch_id", "category", "branch that handled the contact"),
            Column("agent_id", "str", "agent key, branch + A01..A12"),
            Column("wait_s", "int", "seconds waited before being served (0 in the app)"),
            Column("handle_s", "int", "seconds of agent time"),
            Column("resolved", "bool", "resolved at first contact, or after a complaint (recovery)"),
            Column("complaint", "bool", "the customer complained about this contact"),
            Column("credit", "float", "goodwill credit given in recovery (currency units)"),
        )),
        Sample("branches", "branches.csv", "branch", "Branch names in English, Arabic and Persian.", (
            Column("branch_id", "str", "branch key"),
            Column("name_en", "str", "name in English"),
            Column("name_ar", "str", "name in Arabic"),
            Column("name_fa", "str", "name in Persian"),
            Column("city", "str", "city"),
        )),
    )
}  # fmt: skip


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
        from .report._data import lacking_columns

        raise lacking_columns(parquet if parquet.exists() else path, name, missing, [str(c) for c in frame.columns])
    return _typed(frame, spec)
