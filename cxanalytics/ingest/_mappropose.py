"""Proposing a mapping from the names and values of a table (:func:`cxanalytics.propose_mapping`).

Names are normalised (camelCase split, case, spaces, underscores, plurals, a few
abbreviations) and scored against the aliases of each canonical column
(:data:`cxanalytics.ingest._schemas.SCHEMAS`): 1 for an alias, less for an alias inside a longer
name.  A candidate is then checked on its values (a churn flag must hold two or three
values read as yes/no, a tenure non-negative numbers, a score whole numbers on a common
scale...) and the checks infer the recode, the unit or the scale.  Columns are assigned
greedily, best score first; every decision gets a comment in the proposed TOML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ._mapconvert import FALSE_WORDS, TRUE_WORDS, value_keys
from ._maptoml import currency_in
from ._schemas import KINDS, SCHEMAS, SEGMENT_WORDS, Schema, Target, default_scale

__all__ = ["propose", "normalise", "snake"]

_STOP = {"in", "of", "the", "a", "an", "per"}
_ABBREV = {"cust": "customer", "amt": "amount", "num": "number", "nr": "number", "no": "number", "cat": "category",
           "pmt": "payment", "sat": "satisfaction", "mo": "month", "mth": "month", "yr": "year", "avg": "avg"}  # fmt: skip
_UNIT_WORDS = {"s": "seconds", "sec": "seconds", "second": "seconds", "min": "minutes", "minute": "minutes",
               "h": "hours", "hr": "hours", "hour": "hours", "d": "days", "day": "days", "wk": "weeks",
               "week": "weeks", "month": "months", "year": "years"}  # fmt: skip
_CHURN_TRUE = {"churned", "churn", "exited", "left", "attrited", "attrited customer", "cancelled", "canceled", "lost"}
_CHURN_FALSE = {"stayed", "retained", "active", "existing", "existing customer", "not churned", "current", "remained"}
_JOINED = {"joined", "new"}
_LEAK = {"churn", "exit", "exited", "attrition", "attrited"}
_SCALES = ((1, 3), (1, 5), (0, 5), (1, 7), (1, 10), (0, 10))
_TIME_FORMATS = ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y",
                 "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")  # fmt: skip
MAX_ROWS = 200_000


def _split(name: Any) -> list[str]:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return re.findall(r"[^\W_]+", s.casefold())


def normalise(name: Any) -> list[str]:
    """Tokens of a column name: ``"customerID"`` -> ``['customer', 'id']``, ``"Tenure in Months"``
    -> ``['tenure', 'month']`` (case, separators, camelCase, plurals and stop words removed)."""
    out = []
    for tok in _split(name):
        tok = _ABBREV.get(tok, tok)
        if tok in _STOP:
            continue
        out.append(tok[:-1] if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss") else tok)
    return out


def snake(name: Any) -> str:
    """snake_case of a column name (``"PaymentMethod"`` -> ``payment_method``)."""
    return "_".join(_split(name))


def _name_score(tokens: list[str], target: Target) -> tuple[float, str]:
    best, why = 0.0, ""
    for rank, alias in enumerate(target.aliases):
        a = normalise(alias)
        if not a or not tokens:
            continue
        if a == tokens or "".join(a) == "".join(tokens) or set(a) == set(tokens):
            score = 1.0 - 0.01 * rank
        elif set(a) < set(tokens) and 2 * len(set(a)) >= len(set(tokens)):
            score = 0.55 + 0.35 * len(set(a)) / len(set(tokens)) - 0.01 * rank
        else:
            continue
        if score > best:
            best, why = score, alias
    return best, why


@dataclass
class _Profile:
    """What the values of one column look like."""

    x: pd.Series
    keys: pd.Series = field(init=False)
    counts: pd.Series = field(init=False)

    def __post_init__(self) -> None:
        self.keys = value_keys(self.x)
        self.counts = self.keys.value_counts()
        self.present = int(self.keys.notna().sum())
        self.blank = int(self.keys.isna().sum() - self.x.isna().sum())
        dt = self.x.dtype
        self.boolean = pd.api.types.is_bool_dtype(dt)
        self.numeric = pd.api.types.is_numeric_dtype(dt) and not self.boolean
        self.datetime = pd.api.types.is_datetime64_any_dtype(dt)
        self._numbers: pd.Series | None = None

    @property
    def numbers(self) -> pd.Series:
        """Values as numbers (NaN where missing or not a number)."""
        if self._numbers is None:
            if self.numeric or self.boolean:
                self._numbers = self.x.astype("float64")
            else:
                from .text import parse_number

                distinct = pd.Series(self.counts.index[:50_000], dtype="object")
                parsed = dict(zip(distinct, parse_number(distinct), strict=True))
                self._parsed = self.keys.isin(parsed.keys())
                self._numbers = self.keys.map(lambda k: parsed.get(k, float("nan"))).astype("float64")
        return self._numbers

    def numeric_share(self) -> float:
        """Share of the (examined) values that are numbers."""
        numbers = self.numbers
        examined = int(self._parsed.sum()) if hasattr(self, "_parsed") else self.present
        return float(numbers.notna().sum() / examined) if examined else 0.0

    def shown(self, k: int = 4) -> str:
        vals = list(self.counts.index[:k])
        return "/".join(map(str, vals)) + ("/..." if len(self.counts) > k else "")


def _flag(p: _Profile, churn: bool) -> tuple[dict | None, str, str | None]:
    """(recode table or None, note, reason rejected)."""
    if p.boolean:
        return None, "true/false", None
    if not 1 <= len(p.counts) <= 3:
        return None, "", f"{len(p.counts):,} distinct values, not a yes/no flag"
    table, notes = {}, []
    for key, n in p.counts.items():
        low = key.casefold()
        if low in TRUE_WORDS or (churn and low in _CHURN_TRUE):
            table[key] = True
        elif low in FALSE_WORDS or (churn and low in _CHURN_FALSE):
            table[key] = False
        elif churn and low in _JOINED:
            table[key] = False
            notes.append(f"{key!r} ({n:,} rows): customers who joined during the period, counted as not churned")
        else:
            return None, "", f"value {key!r} is not read as yes or no"
    if set(table.values()) != {True, False} and len(table) < 2:
        return None, "", "a single value: not a flag"
    table = dict(sorted(table.items(), key=lambda kv: not kv[1]))  # true first
    shown = ", ".join(f"{k} -> {str(v).lower()}" for k, v in table.items())
    return table, "; ".join([f"values {shown}", *notes]), None


def _scale(v: pd.Series) -> str | None:
    if v.empty or not (v == v.round()).all():
        return None
    lo, hi = v.min(), v.max()
    fits = [s for s in _SCALES if s[0] <= lo and hi <= s[1]]
    return f"{min(fits, key=lambda s: s[1] - s[0])[0]}-{min(fits, key=lambda s: s[1] - s[0])[1]}" if fits else None


def _time(p: _Profile) -> tuple[dict, str, str | None]:
    if p.datetime:
        return {}, "times", None
    if p.numeric:
        return {}, "", "numbers, not times"
    sample = pd.Series(p.counts.index[:300], dtype="object")
    if sample.empty:
        return {}, "", "no values"
    if pd.to_datetime(sample, format="ISO8601", errors="coerce").notna().mean() >= 0.95:
        return {}, "ISO 8601 times", None
    ok = [f for f in _TIME_FORMATS if pd.to_datetime(sample, format=f, errors="coerce").notna().all()]
    if not ok:
        return {}, "", "values not read as times"
    ambiguous = any(f.startswith("%m/%d") for f in ok) and any(f.startswith("%d/%m") for f in ok)
    note = f"times like {sample.iloc[0]!r}, format {ok[0]}" + ("; day and month are ambiguous: check" if ambiguous else "")
    return {"format": ok[0]}, note, None


def _check(p: _Profile, t: Target, tokens: list[str], kind: str, canonical: bool
           ) -> tuple[dict | None, dict, str, str | None]:
    """(values table, unit spec, note, reason rejected) of a column as target ``t``."""
    what = t.what
    if what == "flag":
        table, note, why = _flag(p, churn=t.name == "churned")
        return table, {}, note, why
    if what == "time":
        unit, note, why = _time(p)
        return None, unit, note, why
    if what in ("duration", "money", "score", "number", "count"):
        share = p.numeric_share()
        if share < 0.95:
            return None, {}, "", f"{1 - share:.0%} of the values are not numbers"
        v = p.numbers.dropna()
        text = "" if p.numeric else "numbers stored as text" + (f", {p.blank:,} blank cell(s) read as missing"
                                                               if p.blank else "")
        extra = f"; {text}" if text else ""
        if what == "duration":
            if (v < 0).any():
                return None, {}, "", "negative values"
            named = [_UNIT_WORDS[w] for w in tokens if w in _UNIT_WORDS]
            if named:
                return None, {"unit": named[0]}, f"unit {named[0]} from the name{extra}", None
            if canonical and p.x.name == t.name:
                return None, {"unit": t.unit}, f"canonical name: already in {t.unit}{extra}", None
            whole = bool((v == v.round()).all())
            unit = "years" if whole and v.max() <= 15 else "months" if v.max() <= 240 else "days"
            if t.unit == "seconds":
                unit = "seconds" if v.max() > 120 else "minutes"
            return None, {"unit": unit}, (f"unit not in the name: values {v.min():g}-{v.max():g}"
                                          f"{' (whole numbers)' if whole else ''} suggest {unit}; check{extra}"), None
        if what == "score":
            scale = default_scale(kind, t.name) or _scale(v)
            if scale is None or len(p.counts) > 11:
                return None, {}, "", f"values {v.min():g}-{v.max():g} are not whole numbers on a 1-5 ... 0-10 scale"
            return None, {"scale": scale}, f"observed {v.min():g}-{v.max():g}, scale {scale}: check{extra}", None
        if what == "money":
            cur = currency_in(tokens)
            return None, ({"currency": cur} if cur else {}), (f"currency {cur} from the name" if cur else
                                                             "currency not stated: add it in [units]") + extra, None
        if what == "count" and not ((v == v.round()).all() and (v >= 0).all()):
            return None, {}, "", "not whole non-negative numbers"
        return None, {}, text, None
    if what == "id":
        if t.unique and p.present and len(p.counts) < 0.9 * p.present:
            return None, {}, "", f"only {len(p.counts):,} distinct values in {p.present:,} rows: not a key"
        if p.present > 100 and len(p.counts) <= 20:
            return None, {}, "", f"only {len(p.counts)} distinct values: a label, not a key"
        dup = p.present - len(p.counts)
        return None, {}, (f"{dup:,} values repeat" if t.unique and dup else ""), None
    if what == "label":
        if p.numeric and set(tokens) & {"number", "count", "amount"}:
            return None, {}, "", "a count, not groups"
        if not 1 <= len(p.counts) <= 50 or (p.present > 20 and len(p.counts) > 0.5 * p.present):
            return None, {}, "", f"{len(p.counts):,} distinct values: not a few groups"
        return None, {}, f"{len(p.counts)} groups: {p.shown()}", None
    if p.numeric or p.boolean:  # text
        return None, {}, "", "numbers, not text"
    return None, {}, "", None


@dataclass
class _Plan:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict] = field(default_factory=dict)
    units: dict[str, dict] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    alternates: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)

    @property
    def found(self) -> set[str]:
        return set(self.columns.values())

    def fit(self) -> tuple[float, int]:
        schema = SCHEMAS[self.kind]
        return sum(r in self.found for r in schema.required) / len(schema.required), len(self.found)


def _assign(data: pd.DataFrame, schema: Schema, profiles: dict[str, _Profile]) -> _Plan:
    plan = _Plan(schema.kind)
    canonical = sum(r in data.columns for r in schema.required) >= min(2, len(schema.required))
    cands = []
    for order, col in enumerate(data.columns):
        if col == "tenure_periods" and canonical:
            continue
        tokens = normalise(col)
        for t in schema.targets:
            toks = [w for w in tokens if w not in _UNIT_WORDS] if t.what == "duration" else tokens
            score, alias = (1.01, t.name) if col == t.name else _name_score(toks, t)
            if score >= 0.55:
                cands.append((-score, order, col, t, alias, tokens))
    used: set[str] = set()
    for neg, _, col, t, alias, tokens in sorted(cands, key=lambda c: (c[0], c[1])):
        if col in used:
            continue
        table, unit, note, why = _check(profiles[col], t, tokens, schema.kind, canonical)
        if why is not None:
            if -neg >= 0.7:
                plan.rejected.append((col, t.name, f"{col!r} as {t.name}: {why}"))
            continue
        if t.name in plan.found:
            plan.alternates.setdefault(t.name, []).append(col)
            continue
        used.add(col)
        plan.columns[col] = t.name
        match = "the canonical name" if col == t.name else f"name matches {alias!r}"
        inline = note and not unit and table is None
        plan.notes[f"{schema.kind}.columns.{col}"] = match + (f"; {note}" if inline else "")
        if table is not None:
            plan.values[t.name] = table
            plan.notes[f"{schema.kind}.values.{t.name}"] = f"{col}: {note}"
        if unit:
            plan.units[t.name] = unit
            plan.notes[f"{schema.kind}.units.{t.name}"] = note
        if t.what == "label" and schema.kind == "snapshot":
            plan.segments.append(t.name)
    if schema.kind == "snapshot":
        leaks = {c for cols in plan.alternates.values() for c in cols}
        for col in data.columns:
            if col in used or col in leaks or set(normalise(col)) & _LEAK or col == "tenure_periods":
                continue
            p = profiles[col]
            _, _, note, why = _check(p, Target(col, "label", False, ""), [], "snapshot", False)
            if why is not None or len(p.counts) < 2:
                continue
            tokens = set(normalise(col))
            if p.numeric and len(p.counts) > 10:  # a measure, not groups
                continue
            counted = p.numeric and tokens & {"number", "count", "amount"}
            if not counted and (tokens & SEGMENT_WORDS or col == snake(col)):
                name = snake(col) if re.fullmatch(r"[a-z_][a-z0-9_]*", snake(col) or "-") else f"segment_{len(used)}"
                while name in plan.found:
                    name += "_2"
                used.add(col)
                plan.columns[col] = name
                plan.segments.append(name)
                plan.notes[f"snapshot.columns.{col}"] = f"a segment: {note}"
            else:
                plan.others.append(col)
    return plan


def propose(data: pd.DataFrame, kind: str | None, file: Any = None) -> tuple[str, dict, dict[str, str], list[str]]:
    """(kind, raw mapping dict of that kind, TOML comments, canonical columns not found)."""
    sample = data.head(MAX_ROWS)
    profiles = {c: _Profile(sample[c]) for c in sample.columns}
    kinds = [kind] if kind is not None else list(KINDS)
    plans = {k: _assign(sample, SCHEMAS[k], profiles) for k in kinds}
    best = max(kinds, key=lambda k: (*plans[k].fit(), -kinds.index(k)))
    plan, schema = plans[best], SCHEMAS[best]
    where = f"{file}" if file is not None else "the data"
    rows = f"{len(data):,} rows" + (f" (the first {MAX_ROWS:,} examined)" if len(data) > MAX_ROWS else "")
    notes = dict(plan.notes)
    notes[""] = (f"Mapping proposed by cxanalytics from the column names and values of {where} ({rows}).\n"
                 "Check every line, then save it and pass it to `cxanalytics report --map FILE` or cx.map_columns.\n"
                 "Columns not listed are kept under their own names.")
    required = [r for r in schema.required if r not in plan.found]
    head = [f"{best}: one row per {schema.row}."]
    if kind is None:
        head.append(f"Kind guessed from the columns (best fit of {', '.join(KINDS)}); pass --kind to choose.")
    head.append(f"REQUIRED but not found: {', '.join(required)}: add these columns or map them by hand."
                if required else "Every required column was found: " + ", ".join(schema.required) + ".")
    notes[best] = "\n".join(head)
    end = []
    unmapped = [t.name for t in schema.targets if t.name not in plan.found]
    optional = [n for n in unmapped if n not in required]
    if optional:
        end.append("Not found (optional): " + ", ".join(optional))
    end += [f"Also looked like {t}: {', '.join(map(repr, cols))} (not used)" for t, cols in plan.alternates.items()]
    seen = set(plan.columns) | {c for cols in plan.alternates.values() for c in cols}
    rejected = [r for c, t, r in plan.rejected if c not in seen and (t == "churned" or t not in plan.found)]
    end += [f"Not proposed: {r}" for r in rejected[:6]]
    if plan.others:
        end.append("Other columns that could be segments (add them to [snapshot.columns] and to segments): "
                   + ", ".join(map(repr, plan.others[:15])) + (" ..." if len(plan.others) > 15 else ""))
    notes[f"{best}.end"] = "\n".join(end)
    order = {c: i for i, c in enumerate(data.columns)}
    columns = dict(sorted(plan.columns.items(), key=lambda kv: order[kv[0]]))
    values = {t: plan.values[t] for t in columns.values() if t in plan.values}
    raw = {"columns": columns, "values": values, "units": plan.units, "segments": plan.segments}
    return best, raw, notes, unmapped
