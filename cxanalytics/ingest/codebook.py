"""The codebook: what each column of a survey export is, and how to score it.

A :class:`Codebook` is a tidy table with one row per export column: its role (``kind``), the
canonical ``item`` name it becomes in the cleaned responses, its scale and the answers that
mean "no answer" (``missing_codes``: ``0 = not applicable``, ``-99``), SERVQUAL
``dimension``, whether it is worded negatively (``reverse``), the ``grid`` (matrix question)
it belongs to, whether it identifies the respondent (``respondent_key``), explicit answer
``labels`` and the full ``question`` text.  :meth:`Codebook.infer` builds it from an export
(question text in English, Arabic and Persian, value ranges and labels);
:meth:`Codebook.to_csv` / :meth:`Codebook.from_csv` round-trip it through a CSV an analyst
edits, and an explicit codebook always wins over inference.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CodebookError, describe
from ._labelspec import is_blank as _is_blank
from ._labelspec import parse_labels
from .text import SCALES

__all__ = ["Codebook", "KINDS", "SCORED_KINDS", "CODEBOOK_COLUMNS"]

#: Every role a column can have, with its meaning.
KINDS: dict[str, str] = {
    "id": "response identifier (becomes response_id)",
    "timestamp": "date-time (started_at, submitted_at, recorded_at): parsed to UTC",
    "duration": "seconds spent on the survey (duration_s)",
    "status": "platform response type: real, preview or test (Qualtrics Status)",
    "progress": "percent of the survey completed (Qualtrics Progress)",
    "finished": "whether the respondent reached the end (Qualtrics Finished)",
    "metadata": "other platform fields, kept as text",
    "customer_id": "the respondent's customer number (kept, digits normalised)",
    "pii": "personal data (e-mail, name, IP address, phone, location): pseudonymised",
    "nps": "likelihood to recommend, 0-10",
    "csat": "overall satisfaction",
    "ces": "customer effort score",
    "likert": "any other rating item",
    "servqual_expectation": "SERVQUAL expectation item (E)",
    "servqual_perception": "SERVQUAL perception item (P)",
    "pillar": "experience-pillar rating",
    "multi": "checkbox (select all that apply): one boolean per choice",
    "segment": "categorical answer used to group responses (channel, branch, ...)",
    "text": "free text: e-mails and phone numbers inside are redacted",
}
#: Kinds whose answers are scored on a numeric scale.
SCORED_KINDS = frozenset(
    {"nps", "csat", "ces", "likert", "servqual_expectation", "servqual_perception", "pillar"}
)
#: Columns of :attr:`Codebook.table`, in order.
CODEBOOK_COLUMNS = ("column", "item", "kind", "scale_min", "scale_max", "scale", "missing_codes", "dimension",
                    "reverse", "grid", "respondent_key", "labels", "question", "question_id")  # fmt: skip
_TEXT_FIELDS = ("column", "item", "kind", "scale", "missing_codes", "dimension", "grid", "labels", "question",
                "question_id")
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "": False}
_ITEM = re.compile(r"^[^\W\d]\w*$")


def _to_bool(value: Any, *, column: str, row: int) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _is_blank(value):
        return False
    key = str(value).strip().casefold()
    if key in _BOOL_TEXT:
        return _BOOL_TEXT[key]
    raise CodebookError(describe("Codebook flag is not true/false", row=row, column=column,
                                 received=value, expected="true or false"))  # fmt: skip


def _to_float(value: Any, *, column: str, row: int) -> float:
    if _is_blank(value):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CodebookError(describe("Codebook scale bound is not a number", row=row, column=column,
                                     received=value, expected="a number or blank")) from None  # fmt: skip


def _check_missing_codes(spec: Any, lo: float, hi: float, *, row: int) -> None:
    """Parse a row's ``missing_codes``; a code inside the item's scale is a contradiction."""
    from .._core.missing import parse_missing_codes

    codes = parse_missing_codes(None if _is_blank(spec) else spec, where=f"missing_codes (row {row})")
    inside = codes.inside(lo, hi)
    if inside:
        raise CodebookError(describe("A declared missing code lies inside the item's scale", row=row,
                                     column="missing_codes", received=f"{', '.join(inside)} within {lo:g}-{hi:g}",
                                     expected="codes outside scale_min-scale_max (e.g. scale_min 1 when "
                                     "0 means 'not applicable')"))  # fmt: skip


def _normalise(table: pd.DataFrame) -> pd.DataFrame:
    """Fixed columns and dtypes, every row checked; raises CodebookError naming the row."""
    if not isinstance(table, pd.DataFrame):
        raise CodebookError(describe("A codebook is built from a DataFrame", parameter="table",
                                     received=type(table).__name__, expected="pandas.DataFrame"))  # fmt: skip
    missing = [c for c in ("column", "item", "kind") if c not in table.columns]
    if missing:
        raise CodebookError(describe("Codebook lacks required columns", column=", ".join(missing),
                                     received=list(map(str, table.columns)),
                                     expected=f"columns {list(CODEBOOK_COLUMNS)}"))  # fmt: skip
    t = table.reset_index(drop=True)
    out: dict[str, list] = {c: [] for c in CODEBOOK_COLUMNS}
    for i, rec in enumerate(t.to_dict("records"), start=1):
        kind = rec.get("kind")
        if kind not in KINDS:
            raise CodebookError(describe("Unknown kind", row=i, column="kind", received=kind,
                                         expected=f"one of {sorted(KINDS)}"))  # fmt: skip
        for c in ("column", "item"):
            if _is_blank(rec.get(c)):
                raise CodebookError(describe(f"Codebook {c} is blank", row=i, column=c, expected="a name"))
        item = str(rec["item"]).strip()
        if not _ITEM.match(item):
            raise CodebookError(describe("Item name is not an identifier", row=i, column="item",
                                         received=item, expected="letters, digits and _ (e.g. p_empathy_1)"))  # fmt: skip
        lo = _to_float(rec.get("scale_min"), column="scale_min", row=i)
        hi = _to_float(rec.get("scale_max"), column="scale_max", row=i)
        scale = None if _is_blank(rec.get("scale")) else str(rec["scale"]).strip()
        reverse = _to_bool(rec.get("reverse"), column="reverse", row=i)
        if kind in SCORED_KINDS:
            if scale is not None and scale not in SCALES:
                raise CodebookError(describe("Unknown label scale", row=i, column="scale", received=scale,
                                             expected=f"blank (numbers only) or one of {sorted(SCALES)}"))  # fmt: skip
            if scale is not None and math.isnan(lo) and math.isnan(hi):
                lo, hi = map(float, SCALES[scale])
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise CodebookError(describe(f"Scored item {item!r} needs a scale", row=i, column="scale_min",
                                             received=(rec.get("scale_min"), rec.get("scale_max")),
                                             expected="finite scale_min < scale_max"))  # fmt: skip
            if scale is not None and tuple(map(float, SCALES[scale])) != (lo, hi):
                raise CodebookError(describe("Scale bounds disagree with the named label scale", row=i,
                                             column="scale", received=f"{scale} with {lo:g}-{hi:g}",
                                             expected=f"{SCALES[scale][0]}-{SCALES[scale][1]}"))  # fmt: skip
            _check_missing_codes(rec.get("missing_codes"), lo, hi, row=i)
        elif reverse:
            raise CodebookError(describe("Only scored items can be reverse-coded", row=i, column="reverse",
                                         received=f"reverse=true on kind {kind!r}",
                                         expected=f"a kind in {sorted(SCORED_KINDS)}"))  # fmt: skip
        if kind not in SCORED_KINDS and not _is_blank(rec.get("missing_codes")):
            raise CodebookError(describe("Only scored items take missing_codes", row=i, column="missing_codes",
                                         received=f"{rec.get('missing_codes')!r} on kind {kind!r}",
                                         expected=f"blank, or a kind in {sorted(SCORED_KINDS)}"))  # fmt: skip
        parse_labels(rec.get("labels"), scored=kind in SCORED_KINDS, where=f"labels (row {i})")
        values = {"column": str(rec["column"]), "item": item, "kind": kind, "scale_min": lo, "scale_max": hi,
                  "scale": scale, "reverse": reverse,
                  "missing_codes": None if _is_blank(rec.get("missing_codes")) else str(rec["missing_codes"]).strip(),
                  "respondent_key": _to_bool(rec.get("respondent_key"), column="respondent_key", row=i)}  # fmt: skip
        for c in CODEBOOK_COLUMNS:
            v = values.get(c, rec.get(c))
            out[c].append(None if c in _TEXT_FIELDS and _is_blank(v) else v)
    frame = pd.DataFrame(out, columns=list(CODEBOOK_COLUMNS))
    for dup_of in ("column", "item"):
        dup = frame[dup_of][frame[dup_of].duplicated()]
        if len(dup):
            raise CodebookError(describe(f"Codebook {dup_of}s must be unique", column=dup_of,
                                         received=sorted(set(dup))[:5], expected="each at most once"))  # fmt: skip
    types = {c: "str" for c in _TEXT_FIELDS} | {"scale_min": "float64", "scale_max": "float64",
                                                "reverse": bool, "respondent_key": bool}  # fmt: skip
    return frame.astype(types)


@dataclass(frozen=True, eq=False, repr=False)
class Codebook:
    """Role, item name, scale and coding of every column of a survey export.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per export column: ``column`` (as in the export frame), ``item`` (canonical
        name in the cleaned data: ``nps``, ``csat``, ``ces``, ``e_<dimension>_<k>``,
        ``p_<dimension>_<k>``, ``pillar_<name>``, ``topic_<x>``, ``channel``, ``branch``,
        ``comment``, ``customer_id``, ``submitted_at``, ``duration_s``, ...), ``kind`` (one of
        :data:`KINDS`), ``scale_min`` and ``scale_max`` (scored kinds), ``scale`` (the
        :data:`cxanalytics.ingest.text.SCALES` lexicon scale used for text labels, blank for numbers
        only), ``dimension`` (SERVQUAL dimension), ``reverse`` (negatively worded: scored as
        ``scale_min + scale_max - x``), ``grid`` (matrix question the item belongs to, for
        straight-lining), ``respondent_key`` (identifies a person, for duplicates), ``labels``
        (explicit ``label=score|...`` recodes applied before the lexicon; for a checkbox
        column whose choices are joined in one cell, ``choice=suffix|...``), ``missing_codes``
        (scored kinds: answers that mean "no answer", ``;``-separated - a number ``-99``, a
        number with its meaning ``0 = not applicable``, an SPSS range ``97 to 99`` or a label
        ``N/A``; each must lie outside ``scale_min``-``scale_max``; cleaning turns them into
        missing values), ``question`` (the question text as exported) and ``question_id``
        (the question the column belongs to, as the export names it: all the choice columns
        of one multiple-selection question, the rows of one matrix, or a question and its
        "Other" text box share it; blank for metadata).
    notes : tuple of str
        What :meth:`infer` proposed and why (e.g. missing code 0 for a battery of items), so
        that the analyst can check it and edit the codebook; empty for a codebook built by hand.

    Examples
    --------
    >>> book = Codebook(pd.DataFrame({"column": ["Q1", "Q2"], "item": ["nps", "csat"],
    ...                               "kind": ["nps", "csat"], "scale": ["nps", "satisfaction5"]}))
    >>> book.table[["item", "scale_min", "scale_max"]].to_dict("records")
    [{'item': 'nps', 'scale_min': 0.0, 'scale_max': 10.0}, {'item': 'csat', 'scale_min': 1.0, 'scale_max': 5.0}]
    """

    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", _normalise(self.table))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))

    # ------------------------------------------------------------------ building
    @classmethod
    def infer(cls, export: Any, *, overrides: Any = None, sample_rows: int = 50_000) -> Codebook:
        """Infer each column's role, item name, scale, dimension and reverse-coding.

        Parameters
        ----------
        export : SurveyExport
            As returned by :func:`cxanalytics.read_export`.
        overrides : Codebook, DataFrame or mapping, optional
            Explicit entries that win over inference: a codebook or frame with a ``column``
            field and any other fields, or ``{column: {field: value}}``.
        sample_rows : int, default 50000
            Rows read to infer scales and roles (the first ones of the export).

        Returns
        -------
        Codebook

        Raises
        ------
        CodebookError
            An override names a column the export lacks, or sets invalid values.

        Notes
        -----
        Roles come, in order, from platform metadata names (Qualtrics ImportIds, SurveyMonkey
        and Google Forms fixed columns), then from keywords in the question text (English,
        Arabic, Persian; tables in :mod:`cxanalytics.ingest.cleaning._keywords`), and a scored role
        (NPS, CSAT, CES, SERVQUAL, pillar) is kept only if at least 80 % of the answers fit a
        scale: lexicon labels (:func:`cxanalytics.ingest.text.lexicon`), numbers within anchors read
        from the question ("0 = very poor ... 10 = excellent") or end labels ("7 - Strongly
        agree"), or the smallest of 1-5, 1-7, 0/1-10 holding every number.  Grids pool their
        rows.  SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988) and negative wording
        are read from the item text; checkbox choices and pillars from their labels.  Labelled
        rating scales (satisfaction, agreement, likelihood, extent "A great deal ... Not at
        all", "Definitely yes ... Definitely not", frequency "Never ... Always"; English,
        Arabic, Persian: :data:`cxanalytics.ingest.text.SCALES`) are scored items with the positive
        end high, never segments.  A column headed ``nps`` or asking whether one would
        "recommend" is the NPS item when its answers fit 0-10; an id-like column (named
        ``id``, ``*_id``, ``respondent``, ``seed``, ``uuid``, ``index``, or holding distinct
        whole numbers, at least 12 and one of them 1000 or more) is metadata, never a rating.

        Missing-value codes are proposed, never imposed, and each proposal is listed in
        :attr:`notes`: codes an SPSS file declares, and 0 as "not applicable" for a whole
        battery of 1-5 or 1-7 items (at least 3 consecutive scored items of one kind) when 0
        sits below the scale - some items never use 0 while others do, or 0 is a lump apart
        from the answers 1-k (:func:`cxanalytics._core.missing.zero_apart`) - the battery then gets
        the scale 1-k (an item scored 1-k from its anchors or labels that holds 0s gets the
        same proposal).  Typical codes (-99, -98, -97, -9, -8, 98, 99, 999) found outside an
        item's scale are noted only: cleaning already makes them missing as sentinels.

        Examples
        --------
        >>> from cxanalytics.datasets import load_sample
        >>> from cxanalytics.ingest.exports import read_export
        >>> book = Codebook.infer(read_export(load_sample("qualtrics_en")))
        >>> t = book.table.set_index("column")
        >>> t.loc[["Q1", "Q2", "Q4_6"], ["item", "kind", "reverse"]].to_dict("index")
        ... # doctest: +NORMALIZE_WHITESPACE
        {'Q1': {'item': 'nps', 'kind': 'nps', 'reverse': False},
         'Q2': {'item': 'csat', 'kind': 'csat', 'reverse': False},
         'Q4_6': {'item': 'e_responsiveness_2', 'kind': 'servqual_expectation', 'reverse': True}}
        """
        from .cleaning._infer import infer_rows

        frame = getattr(export, "frame", None)
        if not isinstance(frame, pd.DataFrame):
            raise CodebookError(describe("Codebook.infer needs a SurveyExport", parameter="export",
                                         received=type(export).__name__, expected="read_export(...)"))  # fmt: skip
        from .cleaning._propose import declared_in_export, propose_missing_codes

        rows = infer_rows(export, int(sample_rows))
        notes = propose_missing_codes(rows, *declared_in_export(export, frame.iloc[: int(sample_rows)]))
        book = cls(pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS)), notes=tuple(notes))
        return book.with_overrides(overrides, export=export) if overrides is not None else book

    def with_overrides(self, overrides: Any, *, export: Any = None) -> Codebook:
        """A new codebook where explicit entries replace (or add) rows field by field.

        Parameters
        ----------
        overrides : Codebook, DataFrame or mapping ``{column: {field: value}}``
        export : SurveyExport, optional
            When given, override columns must exist in it.

        Examples
        --------
        >>> book = Codebook(pd.DataFrame({"column": ["Q1"], "item": ["q1"], "kind": ["segment"]}))
        >>> book.with_overrides({"Q1": {"kind": "likert", "item": "ease", "scale_min": 1,
        ...                             "scale_max": 5}}).table.loc[0, ["item", "kind"]].tolist()
        ['ease', 'likert']
        """
        if isinstance(overrides, Codebook):
            records = overrides.table.to_dict("records")
        elif isinstance(overrides, pd.DataFrame):
            records = overrides.to_dict("records")
        elif isinstance(overrides, Mapping):
            records = [{"column": c, **dict(f)} for c, f in overrides.items()]
        else:
            raise CodebookError(describe("Unsupported overrides", parameter="overrides",
                                         received=type(overrides).__name__,
                                         expected="a Codebook, a DataFrame or {column: {field: value}}"))  # fmt: skip
        table = self.table.set_index("column", drop=False)
        available = set(export.frame.columns) if export is not None else None
        for rec in records:
            col = rec.get("column")
            if available is not None and col not in available:
                raise CodebookError(describe("Override names a column the export lacks", column=col,
                                             expected=f"one of {sorted(map(str, available))[:20]}"))  # fmt: skip
            fields = {k: v for k, v in rec.items() if k in CODEBOOK_COLUMNS and k != "column"}
            if col not in table.index:
                table.loc[col] = pd.Series({"column": col, **fields})
                continue
            if "kind" in fields and fields["kind"] not in SCORED_KINDS:
                fields.setdefault("reverse", False)
                fields.setdefault("missing_codes", None)
            for k, v in fields.items():
                table.loc[col, k] = v
            if "scale" in fields and "scale_min" not in fields and fields["scale"] in SCALES:
                table.loc[col, ["scale_min", "scale_max"]] = [float(x) for x in SCALES[fields["scale"]]]
        return Codebook(table.reset_index(drop=True), notes=self.notes)

    @classmethod
    def from_csv(cls, path: str | Path) -> Codebook:
        """Read a codebook written by :meth:`to_csv` (or by hand with the same columns).

        Raises
        ------
        CodebookError
            A missing file, missing required columns, an unknown kind, bad scales, flags that
            are not true/false, malformed labels, or duplicate columns/items (row named).
        """
        p = Path(path)
        if not p.is_file():
            raise CodebookError(describe("Codebook file not found", file=p, expected="a CSV written by to_csv"))
        try:
            raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (ValueError, UnicodeDecodeError) as exc:
            raise CodebookError(describe("Codebook CSV cannot be read", file=p, received=str(exc),
                                         expected="a UTF-8 CSV with a header row")) from None  # fmt: skip
        from .cleaning._writers import unneutralise

        raw = raw.apply(lambda s: s.map(unneutralise))
        try:
            return cls(raw)
        except CodebookError as exc:
            raise CodebookError(f"{exc} [file {str(p)!r}]") from None

    def to_csv(self, path: str | Path) -> Path:
        """Write the codebook as a UTF-8 (with BOM, for Excel) CSV, atomically.

        Cells that a spreadsheet would run as a formula are neutralised (see
        :func:`cxanalytics.ingest.cleaning.neutralise_formula`); :meth:`from_csv` undoes it.
        """
        from .cleaning._writers import write_csv_atomic

        t = self.table.copy()
        for c in ("reverse", "respondent_key"):
            t[c] = np.where(t[c], "true", "false")
        return write_csv_atomic(t, Path(path), encoding="utf-8-sig")

    # ------------------------------------------------------------------ using
    def check(self, export: Any) -> None:
        """Raise :class:`CodebookError` when the codebook disagrees with the export's columns."""
        frame = getattr(export, "frame", None)
        if not isinstance(frame, pd.DataFrame):
            raise CodebookError(describe("A SurveyExport is needed", parameter="export",
                                         received=type(export).__name__, expected="read_export(...)"))  # fmt: skip
        missing = [c for c in self.table["column"] if c not in frame.columns]
        if missing:
            raise CodebookError(describe(f"{len(missing)} codebook column(s) missing from the export",
                                         file=getattr(export, "source", None), column=", ".join(missing[:10]),
                                         expected=f"columns of the export: {list(map(str, frame.columns))[:20]}"))  # fmt: skip

    def of_kind(self, *kinds: str) -> pd.DataFrame:
        """Rows of the table whose kind is one of ``kinds``."""
        return self.table[self.table["kind"].isin(kinds)]

    def item_of(self, column: str) -> str:
        """The item name of an export column."""
        hit = self.table.loc[self.table["column"] == column, "item"]
        if not len(hit):
            raise CodebookError(describe("Column not in the codebook", column=column))
        return str(hit.iloc[0])

    def summary(self) -> pd.DataFrame:
        """Columns per kind: ``kind``, ``n``, ``items`` (first few item names)."""
        g = self.table.groupby("kind", sort=True)["item"]
        return pd.DataFrame({"n": g.size(), "items": g.agg(lambda s: ", ".join(s[:6]))}).reset_index()

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k}={n}" for k, n in self.table["kind"].value_counts().sort_index().items())
        notes = f"; {len(self.notes)} note(s)" if self.notes else ""
        return f"Codebook({len(self.table)} columns: {kinds}{notes})"

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        notes = f"<ul>{notes}</ul>" if notes else ""
        return f"<div><strong>{html.escape(repr(self))}</strong>{notes}{self.table.to_html(index=False)}</div>"
