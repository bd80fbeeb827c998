"""The outputs of ``clean_responses`` put together: responses, quarantine, recode table and result (internal)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ...errors import DataQualityWarning, describe
from ..codebook import Codebook
from . import _rules as R
from . import _values as V
from ._audit import LogBuilder, reconcile
from ._result import CleanResult


def _key_columns(keys: list, frame: pd.DataFrame, book: Codebook) -> frozenset:
    """Export columns the duplicate rule reads (keys named by column or item; unknown names are
    left to the rule, which reports them)."""
    items: dict = {}
    for item, column in zip(book.table["item"], book.table["column"], strict=True):
        items.setdefault(item, column)  # the first row naming an item, as the rule resolves it
    return frozenset(k if k in frame.columns else items.get(k) for k in keys if isinstance(k, str))


def _release() -> None:
    """Hand memory Arrow's allocator holds but no longer uses back to the system."""
    pa.default_memory_pool().release_unused()


def _recode_table(parts: list[dict]) -> pd.DataFrame:
    """One row per (column, distinct answer), from the scored columns' arrays (one frame built)."""
    if not parts:
        return pd.DataFrame(columns=list(V.RECODE_COLUMNS))
    sizes = [len(p["count"]) for p in parts]
    return pd.DataFrame({
        "column": pd.Series(np.repeat([p["column"] for p in parts], sizes), dtype="str"),
        "item": pd.Series(np.repeat([p["item"] for p in parts], sizes), dtype="str"),
        "value": pd.Series([v for p in parts for v in p["value"]], dtype="str"),
        "count": np.concatenate([p["count"] for p in parts]).astype(np.int64),
        "score": np.concatenate([p["score"] for p in parts]).astype(float),
        "reason": pd.Series(np.concatenate([p["reason"] for p in parts]).astype(object), dtype="str"),
        "matched_by": pd.Series(np.concatenate([p["matched_by"] for p in parts]).astype(object), dtype="str"),
    })  # fmt: skip


def _texts(bits: np.ndarray, text: dict[int, str | None], index: pd.Index) -> pd.Series:
    """The text of each row's rule pattern (few distinct patterns: mapped through their codes)."""
    codes, uniq = pd.factorize(bits)
    labels = pd.Series([text[int(b)] for b in uniq], dtype="str")
    return pd.Series(labels.array.take(codes), index=index, dtype="str") if len(uniq) else \
        pd.Series(None, index=index, dtype="str")  # fmt: skip


def _split(cols: dict[str, pd.Series], index: pd.Index, quarantined: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kept and quarantined tables, built column by column while ``cols`` is emptied (one copy)."""
    keep = ~quarantined
    kept: dict[str, Any] = {}
    held: dict[str, Any] = {}
    for name in list(cols):
        values = cols.pop(name).array
        kept[name], held[name] = values[keep], values[quarantined]  # boolean filters (Arrow: pc.filter)
        arrow = hasattr(values, "_pa_array")
        del values
        if arrow:
            _release()  # the full-length Arrow column just freed
    data = pd.DataFrame(kept, index=index[keep], copy=False)
    qt = pd.DataFrame(held, index=index[quarantined], copy=False)
    return data, qt


def _assemble(ctx, frame, cols, book, findings, q_reasons, source, export, tz) -> CleanResult:
    """Split kept/quarantined rows (``cols`` is emptied as the two tables are built)."""
    idx = frame.index
    names = [f.reason for f in findings]
    hits = np.column_stack([f.mask for f in findings]) if len(idx) else np.zeros((0, len(findings)), dtype=bool)
    goes = np.array([r in q_reasons for r in names], dtype=bool)
    quarantined = (hits & goes).any(axis=1)
    bits = hits.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    patterns = np.unique(bits)
    text = {b: ";".join(n for j, n in enumerate(names) if b >> j & 1) or None for b in patterns.tolist()}
    flag_text = {b: ";".join(n for j, n in enumerate(names) if b >> j & 1 and not goes[j]) or None
                 for b in patterns.tolist()}  # fmt: skip
    first = np.argmax(hits & goes, axis=1)
    q_first, q_index = first[quarantined], idx[quarantined]
    detail = np.full(len(q_index), None, dtype=object)  # the primary reason's detail, quarantined rows only
    for j, f in enumerate(findings):
        if goes[j]:
            sel = q_first == j
            detail[sel] = f.detail.reindex(q_index[sel]).to_numpy(dtype=object)
        ctx.log.add(ctx.rows[f.mask], column=None, item=None, rule=f.reason, before=None,
                    after="quarantined" if goes[j] else "flagged", reason=f.detail.reindex(idx[f.mask]).to_numpy(dtype=object))  # fmt: skip
    data, qt = _split(cols, idx, quarantined)
    for j, name in enumerate(names):
        if name in R.FLAG_ONLY:  # one boolean per response-quality rule, in both tables
            data[f"flag_{name}"] = hits[~quarantined, j]
            qt[f"flag_{name}"] = hits[quarantined, j]
    data["flags"] = _texts(bits[~quarantined], flag_text, data.index)
    qt["reason"] = pd.Series(np.asarray(names, dtype=object)[first[quarantined]], index=qt.index, dtype="str")
    qt["reasons"] = _texts(bits[quarantined], text, qt.index)
    qt["detail"] = pd.Series(detail, index=qt.index, dtype="str")
    reconcile(idx, data.index, qt.index, source=source)
    rules = pd.DataFrame({"rule": [f.reason for f in findings], "applied": [f.applied for f in findings],
                          "quarantines": [f.reason in q_reasons for f in findings],
                          "n_flagged": [int(f.mask.sum()) for f in findings],
                          "note": [f.note for f in findings]})  # fmt: skip
    recodes = _recode_table(ctx.recodes)
    if ctx.unknown:
        warnings.warn(describe("Answer labels not in the lexicon were left missing (reason 'unknown_label'); "
                               "add them to the codebook's labels", file=source or None,
                               column=", ".join(ctx.unknown), received=f"{sum(ctx.unknown.values())} cells",
                               expected="labels listed by cxanalytics.ingest.labels.lexicon()"), DataQualityWarning,
                      stacklevel=3)  # fmt: skip
    log = ctx.log.frame()
    ctx.log = LogBuilder()
    _release()
    return CleanResult(data=data, quarantine=qt, log=log, recodes=recodes, rules=rules, codebook=book,
                       n_read=len(frame), source=source, platform=str(getattr(export, "platform", "")), timezone=tz,
                       dayfirst=ctx.dayfirst)  # fmt: skip
