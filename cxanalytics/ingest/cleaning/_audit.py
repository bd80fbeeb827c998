"""The audit trail: one log row per change, built column-wise; the reconciliation check (internal).

A *change* is logged at the coarsest level that still says exactly what happened:

* a **column-level** row (``row`` missing, ``n`` = cells changed) when one rule changes every
  non-missing cell of a column the same way - keyed pseudonyms of a PII column, reverse coding
  ``min + max - x`` of a negatively worded item;
* **cell-level** rows (``row`` set, ``n`` = 1) when what happened differs from cell to cell -
  missing codes, unreadable values, out-of-range answers, e-mails/phones redacted inside free
  text - and one row per flagged response for the row rules (quarantine reasons).

Log parts are collected as arrays (row numbers, categorical before/after values) and joined
once, so a million changed cells cost a few vectorised concatenations, not a million Python
objects.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...errors import ReconciliationError, describe

#: Columns of ``CleanResult.log``.
LOG_COLUMNS = ("row", "column", "item", "rule", "n", "before", "after", "reason")
REDACTED = "<redacted>"
#: ``after`` of a column-level pseudonymisation row (the pseudonyms are in the data).
PSEUDONYM = "<keyed pseudonym>"


def fmt(value: object) -> str | None:
    """Text of a logged value: integral floats without ``.0``; None for missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def text_categorical(values: object, n: int) -> pd.Categorical:
    """A categorical of ``n`` texts from a scalar (repeated), a categorical or an array of values."""
    if values is None or isinstance(values, str | int | float | np.number):
        text = fmt(values)
        codes = np.zeros(n, dtype=np.int32) if text is not None else np.full(n, -1, dtype=np.int32)
        return pd.Categorical.from_codes(codes, categories=pd.Index([text] if text is not None else [], dtype=object))
    if isinstance(values, pd.Categorical):
        return values
    codes, uniq = pd.factorize(np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values,
                               use_na_sentinel=True)  # fmt: skip
    uniq = np.asarray(uniq, dtype=object)
    if pd.api.types.infer_dtype(uniq, skipna=False) == "string":
        return pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype=object))
    labels = np.array([fmt(u) for u in uniq], dtype=object)
    present = np.array([lab is not None for lab in labels], dtype=bool)
    lcodes, luniq = pd.factorize(labels[present]) if present.any() else (np.array([], dtype=np.int64), [])
    remap = np.full(len(labels) + 1, -1, dtype=np.int64)
    remap[np.flatnonzero(present)] = lcodes
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(np.asarray(luniq, dtype=object), dtype=object))


def concat_categoricals(parts: list[pd.Categorical]) -> pd.Categorical:
    """Concatenate categoricals with different categories in one global factorisation."""
    sizes = np.array([len(c.categories) for c in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if sizes.sum() == 0:
        return pd.Categorical.from_codes(np.full(sum(len(c) for c in parts), -1),
                                         categories=pd.Index([], dtype=object))  # fmt: skip
    every = np.concatenate([np.asarray(c.categories, dtype=object) for c in parts])
    gcodes, guniq = pd.factorize(every)
    last = len(gcodes) - 1
    codes = np.concatenate([np.where(c.codes >= 0, gcodes[np.minimum(off + np.maximum(c.codes, 0), last)], -1)
                            for c, off in zip(parts, offsets, strict=True)])  # fmt: skip
    return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(guniq, dtype=object), dtype=object))


class LogBuilder:
    """Collects log parts; :meth:`frame` joins them into the tidy log."""

    def __init__(self) -> None:
        self._parts: list[tuple] = []
        self._columns: list[tuple] = []

    def add(self, rows: np.ndarray, *, column: str | None, item: str | None, rule: str,
            before: object, after: object, reason: object) -> None:  # fmt: skip
        """Cell-level (or response-level) rows: one per entry of ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        n = len(rows)
        if n == 0:
            return
        self._parts.append((rows, column, item, rule, text_categorical(before, n),
                            text_categorical(after, n), text_categorical(reason, n)))  # fmt: skip

    def add_column(self, n: int, *, column: str, item: str, rule: str, before: str | None,
                   after: str | None, reason: str) -> None:  # fmt: skip
        """One column-level row: ``rule`` changed ``n`` cells of ``column`` the same way."""
        if n > 0:
            self._columns.append((int(n), column, item, rule, before, after, reason))

    def __len__(self) -> int:
        return len(self._columns) + sum(len(p[0]) for p in self._parts)

    def frame(self) -> pd.DataFrame:
        """The log: column-level rows first, then cell rows sorted by row (stable: rules in run order)."""
        if not self._parts and not self._columns:
            empty = {c: pd.Categorical([], categories=pd.Index([], dtype=object)) for c in LOG_COLUMNS[1:]}
            empty["n"] = np.array([], dtype=np.int64)
            return pd.DataFrame({"row": pd.array([], dtype="Int64"), **empty})[list(LOG_COLUMNS)]
        head = [(np.zeros(1, dtype=np.int64), *c[1:4], text_categorical(c[4], 1), text_categorical(c[5], 1),
                 text_categorical(c[6], 1)) for c in self._columns]  # fmt: skip
        parts = head + self._parts
        sizes = np.array([len(p[0]) for p in parts])
        part = np.repeat(np.arange(len(parts)), sizes)
        k = len(head)
        rows = np.concatenate([p[0] for p in parts])
        is_column = np.zeros(len(rows), dtype=bool)
        is_column[:k] = True
        counts = np.ones(len(rows), dtype=np.int64)
        counts[:k] = [c[0] for c in self._columns]
        out: dict[str, object] = {"row": pd.arrays.IntegerArray(rows, is_column.copy())}
        for j, name in ((1, "column"), (2, "item"), (3, "rule")):
            out[name] = text_categorical(pd.Series([p[j] for p in parts], dtype=object), len(parts))[part]
        out["n"] = counts
        for j, name in ((4, "before"), (5, "after"), (6, "reason")):
            out[name] = concat_categoricals([p[j] for p in parts])
        frame = pd.DataFrame(out)
        order = np.lexsort((rows, ~is_column))
        return frame.iloc[order].reset_index(drop=True)


def reconcile(read_index: pd.Index, kept: pd.Index, quarantined: pd.Index, *, source: str = "") -> None:
    """Raise :class:`ReconciliationError` unless every read row is kept or quarantined, once."""
    problems = []
    if len(kept) + len(quarantined) != len(read_index):
        problems.append(f"read {len(read_index)} != kept {len(kept)} + quarantined {len(quarantined)}")
    both = kept.intersection(quarantined)
    if len(both):
        problems.append(f"rows both kept and quarantined: {list(both[:5])}")
    lost = read_index.difference(kept.union(quarantined))
    if len(lost):
        problems.append(f"rows lost: {list(lost[:5])}")
    extra = kept.union(quarantined).difference(read_index)
    if len(extra):
        problems.append(f"rows not in the export: {list(extra[:5])}")
    if kept.has_duplicates or quarantined.has_duplicates:
        problems.append("a row appears twice")
    if problems:
        raise ReconciliationError(describe("Rows do not reconcile: " + "; ".join(problems),
                                           file=source or None,
                                           expected="read = kept + quarantined, each row once"))  # fmt: skip
