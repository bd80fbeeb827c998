"""Column conversions of :func:`cxanalytics.map_columns`: recodes, numbers stored as text, units, types.

Every function takes one column and returns the converted column plus log entries (dicts
with ``step``, ``column``, ``source``, ``detail``, ``n``); none drops or reorders rows.  Values
that cannot be converted raise a :class:`~cxanalytics.errors.ColumnError` naming the column,
the values and their counts: nothing becomes missing silently.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, describe
from ._maptoml import DURATION_UNITS, parse_scale

__all__ = ["value_keys", "recode", "to_flag", "to_number", "convert"]

#: Text read as true / false in a flag column with no recode table.
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


def _key(v: Any) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    text = str(v).strip()
    return text or None


def value_keys(x: pd.Series) -> pd.Series:
    """The text form of each value used to match a recode table: stripped text, whole numbers
    without ``.0``, ``true``/``false`` for booleans; None for missing and blank cells."""
    lookup = {u: _key(u) for u in pd.unique(x.dropna())}
    return pd.Series([lookup.get(v) for v in x.astype("object")], index=x.index, dtype="object")


def _examples(keys: pd.Series, mask: pd.Series) -> str:
    counts = keys[mask].value_counts()
    shown = ", ".join(f"{v!r} ({n:,})" for v, n in counts.head(5).items())
    return shown + (f" and {len(counts) - 5} more values" if len(counts) > 5 else "")


def _log(step: str, column: str, source: str, detail: str, n: int) -> dict[str, Any]:
    return {"step": step, "column": column, "source": source, "detail": detail, "n": int(n)}


def recode(x: pd.Series, table: dict[str, Any], *, column: str, source: str, flag: bool, file: Any,
           ) -> tuple[pd.Series, list[dict]]:
    """Replace values by the recode ``table`` (keys matched on :func:`value_keys`, then ignoring case).

    In a flag column every value must be listed; elsewhere unlisted values are kept as they are.
    """
    keys = value_keys(x)
    exact = {str(k).strip(): v for k, v in table.items()}
    folded = {str(k).strip().casefold(): v for k, v in table.items()}
    found = keys.map(lambda k: k in exact or (k is not None and k.casefold() in folded))
    if flag:
        bad = keys.notna() & ~found.astype(bool)
        if bad.any():
            raise ColumnError(describe(f"Values not in the recode table of {column!r}", file=file, column=source,
                                       received=_examples(keys, bad),
                                       expected=f"one of {', '.join(map(repr, table))} (add them to [values.{column}])"))
    new = keys.map(lambda k: exact[k] if k in exact else folded.get(k.casefold()) if k is not None else None)
    log = []
    for k, v in table.items():
        n = int(((keys == str(k).strip()) | (keys.str.casefold() == str(k).strip().casefold())).sum())
        log.append(_log("recode", column, source, f"{k!r} -> {v!r}", n))
    if flag:
        out = pd.array([pd.NA if k is None else bool(v) for k, v in zip(keys, new, strict=True)], dtype="boolean")
        return pd.Series(out, index=x.index), log
    kept = x.astype("object").where(~found.astype(bool), new)
    return kept, log


def to_flag(x: pd.Series, *, column: str, source: str, file: Any) -> tuple[pd.Series, list[dict]]:
    """A flag column without a recode table: booleans, 1/0, true/false, yes/no (any case)."""
    if pd.api.types.is_bool_dtype(x.dtype):
        return x.astype("boolean"), []
    keys = value_keys(x).map(lambda k: k.casefold() if k is not None else None)
    bad = keys.notna() & ~keys.isin(TRUE_WORDS | FALSE_WORDS)
    if bad.any():
        raise ColumnError(describe(f"A flag ({column}) needs a recode table for these values", file=file, column=source,
                                   received=_examples(keys, bad),
                                   expected=f"true/false, yes/no or 1/0, or a table [<kind>.values.{column}]"))
    out = pd.Series(pd.array([pd.NA if k is None else k in TRUE_WORDS for k in keys], dtype="boolean"), index=x.index)
    distinct = sorted({k for k in keys if k is not None})
    return out, [_log("convert", column, source, f"read {'/'.join(distinct)} as true/false", int(keys.notna().sum()))]


def to_number(x: pd.Series, *, column: str, source: str, file: Any) -> tuple[pd.Series, list[dict]]:
    """Numbers as ``float64``; text parsed (any digits and separators), blank cells -> missing (logged)."""
    if pd.api.types.is_bool_dtype(x.dtype):
        return x.astype("float64"), []
    if pd.api.types.is_numeric_dtype(x.dtype):
        return x.astype("float64"), []
    from .text import MISSING, parse_number

    obj = x.astype("object")
    uniques = pd.Series(pd.unique(obj.dropna()), dtype="object")
    values, reasons = parse_number(uniques.map(lambda v: v if isinstance(v, str) else str(v)), return_reason=True)
    lookup = dict(zip(uniques, values, strict=True))
    why = dict(zip(uniques, reasons, strict=True))
    out = obj.map(lambda v: lookup.get(v, math.nan) if v is not None and v is not pd.NA else math.nan).astype("float64")
    reason = obj.map(lambda v: why.get(v) if v is not None and v is not pd.NA else MISSING)
    bad = reason.notna() & (reason != MISSING)
    if bad.any():
        raise ColumnError(describe(f"Values of {column!r} are not numbers", file=file, column=source,
                                   received=_examples(obj.astype("str"), bad),
                                   expected="numbers (blank cells are read as missing); fix or recode them"))
    blank = int((reason == MISSING).sum() - obj.isna().sum())
    log = [_log("convert", column, source, "numbers stored as text read as numbers", int(out.notna().sum()))]
    if blank:
        log.append(_log("missing", column, source, "blank cells read as missing", blank))
    return out, log


def _duration(x: pd.Series, spec: dict, canonical: str, *, column: str, source: str, file: Any
              ) -> tuple[pd.Series, pd.Series | None, list[dict]]:
    values, log = to_number(x, column=column, source=source, file=file)
    neg = values < 0
    if neg.any():
        raise ColumnError(describe(f"Negative durations in {column!r}", file=file, column=source,
                                   received=_examples(values.map(_key), neg), expected="durations >= 0"))
    unit = spec.get("unit", canonical)
    factor = DURATION_UNITS[unit] / DURATION_UNITS[canonical]
    out = values * factor
    periods = values if unit in ("weeks", "months", "years") and canonical == "days" else None
    if unit != canonical:
        log.append(_log("unit", column, source, f"{unit} -> {canonical} (x {factor:g})", int(values.notna().sum())))
    if canonical == "seconds":  # seconds are whole numbers in the sample tables
        rounded = out.round()
        changed = int((rounded != out)[out.notna()].sum())
        if changed:
            log.append(_log("unit", column, source, "rounded to whole seconds", changed))
        out = rounded
    return out, periods, log


def _score(x: pd.Series, spec: dict, *, column: str, source: str, file: Any) -> tuple[pd.Series, list[dict]]:
    values, log = to_number(x, column=column, source=source, file=file)
    if "scale" in spec:
        lo, hi = parse_scale(spec["scale"])
        off = values.notna() & ((values < lo) | (values > hi))
        if off.any():
            raise ColumnError(describe(f"Scores of {column!r} outside the declared scale {spec['scale']}", file=file,
                                       column=source, received=_examples(values.map(_key), off),
                                       expected=f"values {lo}..{hi}, or another scale in [<kind>.units]"))
    return values, log


def _time(x: pd.Series, spec: dict, *, column: str, source: str, file: Any) -> tuple[pd.Series, list[dict]]:
    tz = spec.get("timezone", "UTC")
    if isinstance(x.dtype, pd.DatetimeTZDtype):
        return x.dt.tz_convert("UTC"), []
    log = []
    if pd.api.types.is_datetime64_dtype(x.dtype):
        out = x
    else:
        text = x.astype("object").map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None
                                      if isinstance(v, str) else v)
        fmt = spec.get("format", "ISO8601")
        try:
            out = pd.to_datetime(text, format=fmt)
        except (ValueError, TypeError) as exc:
            raise ColumnError(describe(f"Times of {column!r} cannot be read ({str(exc)[:80]})", file=file, column=source,
                                       received=str(text.dropna().iloc[0]) if text.notna().any() else None,
                                       expected="ISO 8601 times, or a format in [<kind>.units], e.g. "
                                       f'{column} = {{ timezone = "UTC", format = "%d/%m/%Y %H:%M" }}')) from None
        log.append(_log("convert", column, source, f"times read with format {fmt}", int(out.notna().sum())))
    if getattr(out.dt, "tz", None) is None:
        out = out.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        if tz != "UTC":
            log.append(_log("unit", column, source, f"local times in {tz} -> UTC", int(out.notna().sum())))
    return out.dt.tz_convert("UTC"), log


def _text(x: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(x.dtype) and x.dropna().map(float.is_integer).all():
        x = x.astype("Int64")
    return x.astype("str").where(x.notna())


def convert(x: pd.Series, what: str, spec: dict, canonical_unit: str | None, *, column: str, source: str,
            file: Any) -> tuple[pd.Series, pd.Series | None, str | None, list[dict]]:
    """Convert one canonical column; returns (values, periods or None, unit, log entries)."""
    if what == "flag":
        values, log = to_flag(x, column=column, source=source, file=file)
        return values, None, None, log
    if what == "duration":
        values, periods, log = _duration(x, spec, canonical_unit or "days", column=column, source=source, file=file)
        return values, periods, canonical_unit, log
    if what == "score":
        values, log = _score(x, spec, column=column, source=source, file=file)
        return values, None, spec.get("scale"), log
    if what == "money":
        values, log = to_number(x, column=column, source=source, file=file)
        factor = spec.get("factor", 1.0)
        if factor != 1.0:
            values = values * factor
            log.append(_log("unit", column, source, f"x {factor:g}", int(values.notna().sum())))
        return values, None, spec.get("currency"), log
    if what in ("number", "count"):
        values, log = to_number(x, column=column, source=source, file=file)
        if what == "count" and values.dropna().map(float.is_integer).all():
            values = values.astype("Int64")
        return values, None, None, log
    if what == "time":
        values, log = _time(x, spec, column=column, source=source, file=file)
        return values, None, spec.get("timezone"), log
    return _text(x), None, None, []
