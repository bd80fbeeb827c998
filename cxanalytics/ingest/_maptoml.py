"""Reading, checking and writing mapping files (the schema of :class:`cxanalytics.ingest.mapping.Mapping`).

Python reads TOML (:mod:`tomllib`) but cannot write it; the mapping schema is small (strings,
booleans, numbers, lists of strings and one level of inline tables), so :func:`dumps` writes
it here rather than adding a dependency.  What it writes, :mod:`tomllib` reads back to the
same values (tested with hypothesis on arbitrary column names and values).
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import CxError, describe
from ._schemas import CURRENCIES, KINDS, SCHEMAS

__all__ = ["MappingError", "validate", "dumps", "DURATION_UNITS", "parse_scale"]

#: Seconds in each duration unit a mapping may declare (a month is 365.25 / 12 days).
DURATION_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0, "weeks": 7 * 86400.0,
                  "months": 365.25 / 12 * 86400.0, "years": 365.25 * 86400.0}  # fmt: skip
_KIND_KEYS = ("sheet", "segments", "columns", "values", "units")
_TARGET = re.compile(r"^[a-z_][a-z0-9_]*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SCALE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_UNIT_KEYS = {"duration": ("unit",), "money": ("currency", "factor"), "score": ("scale",),
              "time": ("timezone", "format")}  # fmt: skip
_SHORTHAND = {"duration": "unit", "money": "currency", "score": "scale", "time": "timezone"}


class MappingError(CxError):
    """A mapping file (or dict) that does not follow the schema of :class:`~cxanalytics.Mapping`."""


def _fail(file: Any, key: str, problem: str, received: Any, expected: str) -> MappingError:
    return MappingError(describe(f"{problem} (key {key!r})", file=file, received=received, expected=expected))


def parse_scale(text: str) -> tuple[int, int] | None:
    """``"1-5"`` -> ``(1, 5)``; None when the text is not such a scale."""
    m = _SCALE.match(str(text))
    if not m or int(m.group(1)) >= int(m.group(2)):
        return None
    return int(m.group(1)), int(m.group(2))


def _unit(kind: str, target: str, spec: Any, file: Any) -> dict[str, Any]:
    key = f"{kind}.units.{target}"
    if target not in SCHEMAS[kind] or SCHEMAS[kind][target].what not in _UNIT_KEYS:
        with_units = [t.name for t in SCHEMAS[kind].targets if t.what in _UNIT_KEYS]
        raise _fail(file, key, "Units can only be declared for canonical durations, money, scores and times",
                    target, f"one of {', '.join(with_units)}")
    what = SCHEMAS[kind][target].what
    spec = {_SHORTHAND[what]: spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or not spec or set(spec) - set(_UNIT_KEYS[what]):
        shown = ", ".join(_UNIT_KEYS[what])
        raise _fail(file, key, f"Malformed unit of a {what} column", spec,
                    f"a string or a table with keys {shown}")
    out: dict[str, Any] = {}
    for k, v in spec.items():
        if k == "factor":
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
                raise _fail(file, f"{key}.factor", "Malformed currency factor", v, "a positive number, e.g. 0.01 for cents")
            out[k] = float(v)
            continue
        if not isinstance(v, str):
            raise _fail(file, f"{key}.{k}", f"Malformed {k}", v, "a string")
        if k == "unit" and v not in DURATION_UNITS:
            raise _fail(file, key, "Unknown duration unit", v, f"one of {', '.join(DURATION_UNITS)}")
        if k == "currency" and not _CURRENCY.match(v):
            raise _fail(file, key, "Malformed currency code", v, "a 3-letter ISO 4217 code such as 'USD'")
        if k == "scale" and parse_scale(v) is None:
            raise _fail(file, key, "Malformed scale", v, "'low-high' whole numbers, e.g. '1-5' or '0-10'")
        if k == "timezone":
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise _fail(file, key, "Unknown time zone", v, "an IANA time zone such as 'Asia/Dubai' or 'UTC'") from None
        out[k] = v
    return out


def _kind(kind: str, raw: Any, file: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(file, kind, "A kind must be a table", raw, f"[{kind}] with keys {', '.join(_KIND_KEYS)}")
    unknown = [k for k in raw if k not in _KIND_KEYS]
    if unknown:
        raise _fail(file, f"{kind}.{unknown[0]}", "Unknown key", unknown[0], f"one of {', '.join(_KIND_KEYS)}")
    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        raise _fail(file, f"{kind}.columns", "Malformed columns", columns, 'a table of "source column" = "target"')
    seen: dict[str, str] = {}
    for source, target in columns.items():
        if not isinstance(target, str) or not _TARGET.match(target):
            raise _fail(file, f"{kind}.columns.{source}", "Malformed target column name", target,
                        f"snake_case, e.g. one of {', '.join(SCHEMAS[kind].names[:6])}")
        if target in seen:
            raise _fail(file, f"{kind}.columns.{source}", "Two columns map to the same target", target,
                        f"one source per target ({seen[target]!r} maps to it too)")
        seen[target] = source
    targets = set(seen) | set(SCHEMAS[kind].names)
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise _fail(file, f"{kind}.values", "Malformed values", values, f"tables [{kind}.values.<target column>]")
    out_values: dict[str, dict[str, Any]] = {}
    for target, table in values.items():
        key = f"{kind}.values.{target}"
        if target not in targets:
            raise _fail(file, key, "Values for a column that is neither mapped nor canonical", target,
                        "a target of [columns] or a canonical column")
        if not isinstance(table, dict) or not table:
            raise _fail(file, key, "Malformed value recode", table, '"source value" = new value, e.g. "Yes" = true')
        flag = target in SCHEMAS[kind] and SCHEMAS[kind][target].what == "flag"
        for src, new in table.items():
            ok = isinstance(new, bool) if flag else isinstance(new, str | int | float)
            if not ok:
                raise _fail(file, f"{key}.{src}", "Malformed recoded value", new,
                            "true or false (a flag)" if flag else "a string, number or boolean")
        out_values[target] = dict(table)
    units = raw.get("units", {})
    if not isinstance(units, dict):
        raise _fail(file, f"{kind}.units", "Malformed units", units, 'a table such as tenure = "months"')
    segments = raw.get("segments", [])
    if not isinstance(segments, list) or not all(isinstance(s, str) and _TARGET.match(s) for s in segments):
        raise _fail(file, f"{kind}.segments", "Malformed segments", segments, 'a list of target columns, e.g. ["contract"]')
    sheet = raw.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise _fail(file, f"{kind}.sheet", "Malformed sheet", sheet, "the name of a workbook sheet")
    return {"columns": dict(columns), "values": out_values,
            "units": {t: _unit(kind, t, spec, file) for t, spec in units.items()},
            "segments": tuple(dict.fromkeys(segments)), "sheet": sheet}  # fmt: skip


def validate(raw: Any, file: Any = None) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """Check a parsed mapping file; return its ``source`` note and the checked tables of each kind."""
    if not isinstance(raw, dict):
        raise _fail(file, "", "A mapping must be a table", type(raw).__name__, "a TOML/YAML mapping of kinds")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise _fail(file, "source", "Malformed source note", source, "a string saying where the data come from")
    unknown = [k for k in raw if k != "source" and k not in KINDS]
    if unknown:
        raise _fail(file, unknown[0], "Unknown kind", unknown[0], f"'source' or one of {', '.join(KINDS)}")
    kinds = {k: _kind(k, raw[k], file) for k in KINDS if k in raw}
    if not kinds:
        raise _fail(file, "", "The mapping has no kind", sorted(raw), f"at least one table of {', '.join(KINDS)}")
    return source, kinds


# --------------------------------------------------------------------------- writing
def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _comment(text: str | None, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()] if text else []


def _line(key: str, value: Any, note: str | None) -> str:
    line = f"{_key(key)} = {_value(value)}"
    return f"{line}  # {note}" if note else line


def dumps(source: str | None, kinds: dict[str, dict[str, Any]], notes: dict[str, str]) -> str:
    """Write a mapping as TOML; ``notes`` maps ``""`` (file), ``kind``, ``kind.columns.<source>``,
    ``kind.values.<target>``, ``kind.units.<target>`` and ``kind.end`` to comments."""
    lines = _comment(notes.get(""))
    if source is not None:
        lines.append(_line("source", source, None))
    for kind, km in kinds.items():
        lines += ["", *_comment(notes.get(kind)), f"[{kind}]"]
        if km.get("sheet") is not None:
            lines.append(_line("sheet", km["sheet"], notes.get(f"{kind}.sheet")))
        if km.get("segments"):
            lines.append(_line("segments", list(km["segments"]), notes.get(f"{kind}.segments")))
        lines += ["", f"[{kind}.columns]"]
        lines += [_line(src, tgt, notes.get(f"{kind}.columns.{src}")) for src, tgt in km["columns"].items()]
        for target, table in km.get("values", {}).items():
            lines += ["", *_comment(notes.get(f"{kind}.values.{target}")), f"[{kind}.values.{_key(target)}]"]
            lines += [_line(str(src), new, None) for src, new in table.items()]
        if km.get("units"):
            lines += ["", f"[{kind}.units]"]
            for target, spec in km["units"].items():
                what = SCHEMAS[kind][target].what if target in SCHEMAS[kind] else None
                short = _SHORTHAND.get(what or "")
                value = spec[short] if short and set(spec) == {short} else spec
                lines.append(_line(target, value, notes.get(f"{kind}.units.{target}")))
        end = _comment(notes.get(f"{kind}.end"))
        lines += ["", *end] if end else []
    return "\n".join(lines).lstrip("\n") + "\n"


def currency_in(tokens: list[str]) -> str | None:
    """A currency code named by a column (``"Revenue (USD)"`` -> ``"USD"``), if any."""
    found = [t for t in tokens if t in CURRENCIES]
    return found[0].upper() if found else None
