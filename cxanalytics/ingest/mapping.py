"""Column mapping: the user's tables in the library's canonical columns.

A :class:`Mapping` (a small TOML or YAML file) renames columns, recodes values, converts
units and declares them, per kind of input; :func:`map_columns` applies it and logs every
change; :func:`propose_mapping` writes one from the names and values of a table, ready to
save. The canonical columns of every kind are in one table, :data:`SCHEMAS`.

The mapping file
----------------
.. code-block:: toml

    source = "IBM Telco churn, status and services workbooks"   # optional note

    [snapshot]                      # a kind: snapshot, customers, transactions, interactions, survey
    sheet = "E Comm"                # optional: the workbook sheet to read
    segments = ["contract", "payment_method"]   # optional: target columns that are segments

    [snapshot.columns]              # "source column" = "target column"
    "Customer ID" = "customer_id"
    "Churn Value" = "churned"
    "Tenure in Months" = "tenure"

    [snapshot.values.churned]       # recode of a target column: "source value" = new value
    "1" = true
    "0" = false

    [snapshot.units]                # units of canonical durations, money, scores and times
    tenure = "months"               # source unit: seconds minutes hours days weeks months years
    monthly_charges = { currency = "USD", factor = 1.0 }   # or just "USD"
    satisfaction = "1-5"            # the scale
    # occurred_at = { timezone = "Asia/Dubai", format = "%d/%m/%Y %H:%M" }   (times)

Source values are matched as text (whole numbers without ``.0``, then ignoring case). A
flag (``churned``, ``complaint``...) must have every value recoded, unless its values are
already true/false, yes/no or 1/0. Durations are stored in their canonical unit (``tenure``
in days; ``wait_s``, ``handle_s`` in seconds), and a tenure counted in weeks, months or
years also keeps its count as ``tenure_periods``. Columns not listed are kept as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ColumnError, ParameterError, ReconciliationError, describe
from ._mapconvert import convert, recode
from ._mapfiles import MissingColumnsError, _names, missing_columns_error, read_tables
from ._maptoml import MappingError, dumps, validate
from ._schemas import KINDS, SCHEMAS, Schema, Target

__all__ = ["KINDS", "SCHEMAS", "Schema", "Target", "KindMapping", "Mapping", "MappingError", "MappingResult",
           "MissingColumnsError", "map_columns", "missing_columns_error", "propose_mapping", "read_mapped",
           "read_tables"]  # fmt: skip

_LOG_COLUMNS = ["step", "column", "source", "detail", "n"]


@dataclass(frozen=True)
class KindMapping:
    """The mapping of one kind: ``columns`` (source -> target), ``values`` (target -> {source
    value: new value}), ``units`` (target -> unit spec), ``segments`` and ``sheet``."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: tuple[str, ...] = ()
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The kind's table as in the mapping file (empty parts left out)."""
        out: dict[str, Any] = {"sheet": self.sheet, "segments": list(self.segments), "columns": dict(self.columns),
                               "values": {k: dict(v) for k, v in self.values.items()},
                               "units": {k: dict(v) for k, v in self.units.items()}}  # fmt: skip
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file: a ``source`` note and one :class:`KindMapping` per kind.

    Build it with :meth:`from_file`, :meth:`from_toml` or :meth:`from_dict` (each checks the
    schema and raises :class:`MappingError` naming the file, key, value received and value
    expected), or with :func:`propose_mapping`. :meth:`to_toml` writes it back, with the
    proposal's comments. ``notes``, ``unmapped`` and ``file`` do not take part in equality.

    Examples
    --------
    >>> m = Mapping.from_toml('[snapshot.columns]\\n"customerID" = "customer_id"\\n')
    >>> m.kinds["snapshot"].columns
    {'customerID': 'customer_id'}
    >>> Mapping.from_toml('[snapshot.units]\\ntenure = "fortnights"\\n', file="m.toml")
    Traceback (most recent call last):
    ...
    cxanalytics.ingest._maptoml.MappingError: Unknown duration unit (key 'snapshot.units.tenure') [file 'm.toml']: received 'fortnights'; expected one of seconds, minutes, hours, days, weeks, months, years
    """

    kinds: dict[str, KindMapping]
    source: str | None = None
    notes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    unmapped: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    file: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, raw: Any, *, file: Any = None) -> Mapping:
        """Check a parsed mapping (the structure of the file) and build the Mapping."""
        source, kinds = validate(raw, file)
        return cls({k: KindMapping(**v) for k, v in kinds.items()}, source,
                   file=None if file is None else str(file))

    @classmethod
    def from_toml(cls, text: str, *, file: Any = None) -> Mapping:
        """Read a mapping from TOML text."""
        import tomllib

        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(describe("The mapping is not valid TOML", file=file, received=str(exc),
                                        expected="TOML such as [snapshot.columns] \"customerID\" = \"customer_id\"")
                               ) from None
        return cls.from_dict(raw, file=file)

    @classmethod
    def from_file(cls, path: Path | str) -> Mapping:
        """Read a ``.toml`` mapping file (or ``.yaml``/``.yml`` when PyYAML is installed)."""
        path = Path(path)
        if not path.is_file():
            raise ParameterError(describe("Mapping file not found", file=path, expected="an existing .toml file"))
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise MappingError(describe("Reading a YAML mapping needs PyYAML", file=path,
                                            expected="pip install pyyaml, or the same mapping as .toml")) from None
            try:
                raw = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise MappingError(describe("The mapping is not valid YAML", file=path, received=str(exc)[:160],
                                            expected="a YAML mapping of kinds")) from None
            return cls.from_dict(raw, file=path)
        return cls.from_toml(text, file=path)

    def to_dict(self) -> dict[str, Any]:
        """The mapping as the structure of its file (what :meth:`from_dict` reads)."""
        out: dict[str, Any] = {"source": self.source} if self.source is not None else {}
        return out | {k: km.to_dict() for k, km in self.kinds.items()}

    def to_toml(self) -> str:
        """The mapping as TOML, with the proposal's comments (why each line was proposed, what is missing)."""
        return dumps(self.source, {k: km.to_dict() | {"columns": km.columns} for k, km in self.kinds.items()},
                     self.notes)

    def save(self, path: Path | str) -> Path:
        """Write :meth:`to_toml` to ``path`` (UTF-8) and return it."""
        path = Path(path)
        path.write_text(self.to_toml(), encoding="utf-8")
        return path

    def merge(self, other: Mapping) -> Mapping:
        """A mapping with the kinds of both (``other`` wins for a kind in both)."""
        return Mapping(self.kinds | other.kinds, self.source or other.source, self.notes | other.notes,
                       self.unmapped | other.unmapped)

    def kind(self, kind: str | None = None) -> tuple[str, KindMapping]:
        """The ``(kind, KindMapping)`` to apply: ``kind``, or the only kind of the mapping."""
        if kind is None:
            if len(self.kinds) != 1:
                raise ParameterError(describe("Say which kind of the mapping to apply", parameter="kind",
                                              received=None, expected=f"one of {', '.join(self.kinds)}"))
            kind = next(iter(self.kinds))
        if kind not in KINDS:
            raise ParameterError(describe("Unknown kind", parameter="kind", received=kind,
                                          expected=f"one of {', '.join(KINDS)}"))
        return kind, self.kinds.get(kind, KindMapping())


@dataclass(frozen=True)
class MappingResult:
    """A table in canonical columns, with the log of every change made to it.

    Attributes
    ----------
    data : pandas.DataFrame
        The mapped table: as many rows as the input, in the same order.
    log : pandas.DataFrame
        One row per change: ``step`` (read, join, rename, recode, convert, missing, unit,
        keep), ``column`` (after mapping), ``source`` (the column or file it came from),
        ``detail`` and ``n`` (rows concerned).
    kind : str
        The kind of input (see :data:`SCHEMAS`).
    units : dict
        Column -> unit: ``"days"`` (``tenure``), the period unit (``tenure_periods``), a
        currency code (money), the scale ``"1-5"`` (scores), ``"UTC"`` (times); None when
        the mapping declared none.
    segments : tuple of str
        Columns declared as segments.
    source : str or None
        The mapping's ``source`` note.
    """

    data: pd.DataFrame
    log: pd.DataFrame
    kind: str
    units: dict[str, str | None]
    segments: tuple[str, ...] = ()
    source: str | None = None

    def summary(self) -> pd.DataFrame:
        """One row per column: ``column``, ``source``, ``what`` (canonical value type, ``segment``
        or ``extra``), ``dtype``, ``unit``, ``n`` (rows) and ``n_missing``."""
        schema = SCHEMAS[self.kind]
        renamed = self.log.loc[self.log["step"] == "rename"].set_index("column")["source"].to_dict()
        rows = []
        for col in self.data.columns:
            base = col.removesuffix("_periods")
            periods = col != base and base in schema and schema[base].what == "duration" and base in self.data
            what = (schema[col].what if col in schema else "segment" if col in self.segments
                    else "periods" if periods else "extra")
            if periods:
                renamed[col] = renamed.get(base, base)
            rows.append({"column": col, "source": renamed.get(col, col), "what": what,
                         "dtype": str(self.data[col].dtype), "unit": self.units.get(col), "n": len(self.data),
                         "n_missing": int(self.data[col].isna().sum())})
        return pd.DataFrame(rows, columns=["column", "source", "what", "dtype", "unit", "n", "n_missing"])

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False)


def _as_mapping(mapping: Any) -> Mapping:
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, str | Path):
        return Mapping.from_file(mapping)
    if isinstance(mapping, dict):
        return Mapping.from_dict(mapping)
    raise ParameterError(describe("Unknown mapping", parameter="mapping", received=type(mapping).__name__,
                                  expected="a Mapping, a path to a .toml file, or a dict"))


def _entry(step: str, column: str, source: str, detail: str, n: int) -> dict[str, Any]:
    return {"step": step, "column": column, "source": source, "detail": detail, "n": int(n)}


def map_columns(data: pd.DataFrame, mapping: Mapping | Path | str | dict, *, kind: str | None = None,
                file: Any = None, require: bool = True) -> MappingResult:
    """Rename, recode and convert the columns of ``data`` into the canonical columns of a kind.

    Parameters
    ----------
    data : pandas.DataFrame
        The table as read (e.g. with ``pd.read_csv(..., dtype=str)``); never modified.
    mapping : Mapping, path or dict
        A :class:`Mapping`, a ``.toml``/``.yaml`` mapping file, or the file's structure as a dict.
    kind : str, optional
        Kind to apply (``snapshot``, ``customers``, ``transactions``, ``interactions``,
        ``survey``); default the mapping's only kind.
    file : path, optional
        Where ``data`` came from, named in error messages.
    require : bool, default True
        Raise when a required column of the kind (``SCHEMAS[kind].required``) is absent after mapping.

    Returns
    -------
    MappingResult
        ``.data`` (same rows, in order; renamed columns in place, unlisted columns kept),
        ``.log`` (every change), ``.units``, ``.segments``, ``.summary()``.

    Raises
    ------
    MissingColumnsError
        The mapping names a column ``data`` lacks, or (``require``) a required column is
        absent after mapping; the message lists what the data has and, for the latter, a
        proposed mapping (``.proposal``).
    ColumnError
        A target column already exists; a flag value not in its recode table; text that is
        not a number; a score off its declared scale; a negative duration; unreadable times.
    ParameterError
        Unknown kind; a renamed duration without a declared unit; a declared segment absent.
    MappingError
        A malformed mapping file or dict.

    Notes
    -----
    Conversions by canonical value type (see :mod:`cxanalytics.ingest._schemas`): flags to
    ``boolean``; durations to days (``tenure``; a month is 365.25/12 days) or whole seconds;
    money times the declared ``factor``; scores checked against the declared scale; times
    to UTC; ids and labels to text (whole numbers without ``.0``). Blank text cells in
    numeric columns become missing and are counted in the log; any other text that is not
    a number is an error. Rows are never dropped or reordered.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"customerID": ["A", "B", "C"], "tenure": ["1", "12", "0"],
    ...                     "Churn": ["Yes", "No", "No"], "TotalCharges": ["29.85", "1,889.50", " "]})
    >>> m = {"snapshot": {"columns": {"customerID": "customer_id", "tenure": "tenure", "Churn": "churned",
    ...                               "TotalCharges": "total_charges"},
    ...                   "values": {"churned": {"Yes": True, "No": False}},
    ...                   "units": {"tenure": "months", "total_charges": "USD"}}}
    >>> res = map_columns(raw, m)
    >>> res.data[["customer_id", "tenure", "tenure_periods", "churned", "total_charges"]]
      customer_id    tenure  tenure_periods  churned  total_charges
    0           A   30.4375             1.0     True          29.85
    1           B  365.2500            12.0    False        1889.50
    2           C    0.0000             0.0    False            NaN
    >>> res.units["tenure"], res.units["tenure_periods"], res.units["total_charges"]
    ('days', 'months', 'USD')
    >>> res.log.query("step == 'missing'")[["column", "detail", "n"]].to_dict("records")
    [{'column': 'total_charges', 'detail': 'blank cells read as missing', 'n': 1}]
    """
    m = _as_mapping(mapping)
    kind, km = m.kind(kind)
    schema = SCHEMAS[kind]
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(describe("map_columns needs a DataFrame", parameter="data",
                                      received=type(data).__name__, expected="a pandas DataFrame"))
    where = file if file is not None else "the data"
    dup = data.columns[data.columns.duplicated()].unique().tolist()
    if dup:
        raise ColumnError(describe("Column names repeat", file=file, column=dup[0], expected="unique column names"))
    present = [str(c) for c in data.columns]
    absent = [s for s in km.columns if s not in data.columns]
    if absent:
        raise MissingColumnsError(f"{where}: lacks columns {_names(absent)} that the mapping {m.file or ''}"
                                  f" renames; it has columns {_names(present)}", file=file, kind=kind,
                                  missing=absent, present=present)  # fmt: skip
    names = {c: km.columns.get(c, c) for c in data.columns}
    clash = [c for c in data.columns if c not in km.columns and c in km.columns.values()]
    if clash:
        raise ColumnError(describe("A target column already exists in the data", file=file, column=clash[0],
                                   expected=f"map {clash[0]!r} to another name too, or drop it before mapping"))
    log: list[dict] = []
    for src, tgt in km.columns.items():
        if src != tgt:
            log.append(_entry("rename", tgt, src, f"{src!r} -> {tgt!r}", len(data)))
    for part, targets in (("recode", km.values), ("unit", km.units)):
        unknown = [t for t in targets if t not in names.values()]
        if unknown:
            raise ColumnError(describe(f"A {part} names a column the data lacks after renaming", file=m.file,
                                       column=unknown[0], expected=f"one of {', '.join(map(str, names.values()))}"))
    out: dict[str, pd.Series] = {}
    units: dict[str, str | None] = {}
    for src in data.columns:
        tgt, x = names[src], data[src]
        target = schema[tgt] if tgt in schema else None
        flag = target is not None and target.what == "flag"
        if tgt in km.values:
            x, entries = recode(x, km.values[tgt], column=tgt, source=str(src), flag=flag, file=file)
            log += entries
            if target is None and x.notna().any() and x.dropna().map(lambda v: isinstance(v, str)).all():
                x = x.astype("str").where(x.notna())  # recoded labels stay text
        if target is not None and not (flag and tgt in km.values):
            spec = dict(km.units.get(tgt, {}))
            if target.what == "duration" and "unit" not in spec:
                if src != tgt:
                    raise ParameterError(describe(f"Declare the unit of {tgt!r}", file=m.file, column=str(src),
                                                  expected=f'[{kind}.units] {tgt} = "months" (or days, weeks, years...)'))
                log.append(_entry("unit", tgt, str(src), f"canonical name: assumed in {target.unit}", len(x)))
            x, periods, unit, entries = convert(x, target.what, spec, target.unit, column=tgt, source=str(src),
                                                file=file)
            log += entries
            if target.required and data[src].isna().any():
                log.append(_entry("missing", tgt, str(src), "missing in the source (kept as missing)",
                                  int(data[src].isna().sum())))
            if target.what in ("duration", "money", "score", "time"):
                units[tgt] = unit if target.what != "time" else "UTC"
            if periods is not None:
                if f"{tgt}_periods" in names.values():
                    raise ColumnError(describe(f"{tgt}_periods would be written twice", file=file,
                                               column=f"{tgt}_periods", expected="rename or drop that column first"))
                out[tgt] = x
                tgt, x = f"{tgt}_periods", periods
                units[tgt] = spec["unit"]
        out[tgt] = x
    kept = [str(c) for c in data.columns if c not in km.columns and c not in schema]
    if kept:
        log.append(_entry("keep", "", "", "kept under their own names: " + ", ".join(kept[:20])
                          + (f" (+{len(kept) - 20} more)" if len(kept) > 20 else ""), len(kept)))
    result = pd.DataFrame(out, index=data.index)
    if len(result) != len(data) or not result.index.equals(data.index):  # pragma: no cover - by construction
        raise ReconciliationError(describe("Rows lost or reordered while mapping", file=file,
                                           received=len(result), expected=f"{len(data)} rows in their order"))
    missing_segments = [s for s in km.segments if s not in result.columns]
    if missing_segments:
        raise ParameterError(describe("A declared segment is not a column after mapping", file=m.file,
                                      parameter=f"{kind}.segments", received=missing_segments[0],
                                      expected=f"one of {', '.join(map(str, result.columns))}"))
    lacking = [r for r in schema.required if r not in result.columns]
    if require and lacking:
        proposal = propose_mapping(data, kind=kind, file=file)
        raise missing_columns_error(lacking, present, file=file, what=f"{kind} table", kind=kind,
                                    proposal=proposal, mapped=True)
    return MappingResult(result, pd.DataFrame(log, columns=_LOG_COLUMNS), kind, units, km.segments, m.source)


def propose_mapping(data: pd.DataFrame, kind: str | None = None, *, file: Any = None) -> Mapping:
    """Propose a mapping of ``data`` onto the canonical columns of a kind, from its names and values.

    Parameters
    ----------
    data : pandas.DataFrame
        The table as read (text or typed); the first 200,000 rows are examined.
    kind : str, optional
        One of :data:`KINDS`; default: the kind whose required columns are best found.
    file : path, optional
        Where ``data`` came from, named in the comments.

    Returns
    -------
    Mapping
        The proposed mapping of one kind; ``.to_toml()`` prints it ready to save, with a
        comment on every line saying why (the alias the name matched; the values, unit or
        scale seen) and, at the end, the canonical columns not found, the other columns
        that looked alike and those rejected on their values. ``.unmapped[kind]`` lists the
        canonical columns not found.

    Notes
    -----
    Names are compared after splitting camelCase and removing case, spaces, underscores,
    plurals and a few abbreviations (``customerID``, ``Customer ID`` and ``customer_id``
    are the same name). A name that contains an alias scores less than one equal to it.
    Values decide between candidates: a churn flag must hold two or three values read as
    yes/no (``Yes/No``, ``1/0``, ``True/False``, ``Churned/Stayed``; ``Joined`` is read as
    not churned, with a comment), a tenure non-negative numbers (unit from the name, else
    guessed from the range: whole numbers up to 15 as years, up to 240 as months, else
    days, marked "check"), a score whole numbers on a common scale. A frame already in
    canonical columns gets the identity mapping.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"CustomerId": [15634602, 15647311, 15619304, 15701354, 15737888],
    ...                     "Tenure": [2, 1, 8, 1, 2], "Exited": [1, 0, 1, 0, 0], "Complain": [1, 1, 0, 0, 0],
    ...                     "Satisfaction Score": [2, 3, 3, 5, 1]})
    >>> m = propose_mapping(raw, kind="snapshot")
    >>> m.kinds["snapshot"].columns
    {'CustomerId': 'customer_id', 'Tenure': 'tenure', 'Exited': 'churned', 'Complain': 'complaint', 'Satisfaction Score': 'satisfaction'}
    >>> m.kinds["snapshot"].values["churned"], m.kinds["snapshot"].units
    ({'1': True, '0': False}, {'tenure': {'unit': 'years'}, 'satisfaction': {'scale': '1-5'}})
    >>> for line in m.to_toml().splitlines()[9:11]:
    ...     print(line)
    CustomerId = "customer_id"  # name matches 'customer id'
    Tenure = "tenure"  # name matches 'tenure'
    """
    from ._mappropose import propose

    if not isinstance(data, pd.DataFrame):
        raise ParameterError(describe("propose_mapping needs a DataFrame", parameter="data",
                                      received=type(data).__name__, expected="a pandas DataFrame"))
    if kind is not None and kind not in KINDS:
        raise ParameterError(describe("Unknown kind", parameter="kind", received=kind,
                                      expected=f"one of {', '.join(KINDS)}"))
    chosen, raw, notes, unmapped = propose(data, kind, file)
    m = Mapping.from_dict({chosen: raw})
    return Mapping(m.kinds, None, notes, {chosen: tuple(unmapped)})


def read_mapped(paths: Path | str | Sequence[Path | str], mapping: Mapping | Path | str | dict, *,
                kind: str | None = None) -> MappingResult:
    """Read the user's file(s) and map them: :func:`read_tables` then :func:`map_columns`.

    Several files of one kind (e.g. the IBM Telco ``status`` and ``services`` workbooks) are
    joined on the column the mapping renames to ``customer_id``; no customer is dropped.

    Returns
    -------
    MappingResult
        As :func:`map_columns`, with the reading and joining in ``.log`` first.
    """
    m = _as_mapping(mapping)
    kind, km = m.kind(kind)
    key = next((s for s, t in km.columns.items() if t == "customer_id"), None)
    data, log = read_tables(paths, sheet=km.sheet, key=key)
    files = [paths] if isinstance(paths, str | Path) else list(paths)
    res = map_columns(data, m, kind=kind, file=", ".join(map(str, files)))
    full = pd.DataFrame(log + res.log.to_dict("records"), columns=_LOG_COLUMNS)
    return MappingResult(res.data, full, res.kind, res.units, res.segments, res.source)
