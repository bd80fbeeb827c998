"""The audit trail: one log row per change, built column-wise; the reconciliation check (internal).

Log parts are collected as arrays (row numbers, categorical before/after values) and joined
once, so a million changed cells cost a few vectorised concatenations, not a million Python
objects.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ReconciliationError, describe

#: Columns of ``CleanResult.log``.
LOG_COLUMNS = ("row", "column", "item", "rule", "before", "after", "reason")
REDACTED = "<redacted>"


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

    def add(self, rows: np.ndarray, *, column: str | None, item: str | None, rule: str,
            before: object, after: object, reason: object) -> None:  # fmt: skip
        rows = np.asarray(rows, dtype=np.int64)
        n = len(rows)
        if n == 0:
            return
        self._parts.append((rows, column, item, rule, text_categorical(before, n),
                            text_categorical(after, n), text_categorical(reason, n)))  # fmt: skip

    def __len__(self) -> int:
        return sum(len(p[0]) for p in self._parts)

    def frame(self) -> pd.DataFrame:
        """The log, sorted by row (stable: rules in the order they ran)."""
        if not self._parts:
            empty = {c: pd.Categorical([], categories=pd.Index([], dtype=object)) for c in LOG_COLUMNS[1:]}
            return pd.DataFrame({"row": np.array([], dtype=np.int64), **empty})
        sizes = np.array([len(p[0]) for p in self._parts])
        part = np.repeat(np.arange(len(self._parts)), sizes)
        out = {"row": np.concatenate([p[0] for p in self._parts])}
        for k, name in ((1, "column"), (2, "item"), (3, "rule")):
            out[name] = text_categorical(pd.Series([p[k] for p in self._parts], dtype=object), len(self._parts))[part]
        for k, name in ((4, "before"), (5, "after"), (6, "reason")):
            out[name] = concat_categoricals([p[k] for p in self._parts])
        frame = pd.DataFrame(out)
        order = np.argsort(frame["row"].to_numpy(), kind="stable")
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
