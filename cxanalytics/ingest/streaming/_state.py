"""The state shared by the chunks of a streamed clean, and the per-chunk steps of both passes.

Used by the sequential engine (:mod:`._clean`) and the Dask engine (:mod:`._dask`): a chunk
is cleaned the same way whichever process runs it.
"""

from __future__ import annotations

import functools
import inspect
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..cleaning import REASONS, clean_responses
from ..cleaning import _rules as R
from ..cleaning._audit import LogBuilder, reconcile
from ..cleaning._rules import _resolve_column
from ..cleaning._values import key_codes
from ..codebook import Codebook

_EARLY = ("preview", "test", "spam", "rejected", "incomplete")  # the rules run before duplicates
_BUCKETS = 64  # key hashes are spilled to this many files per key column, by their top bits
_SHIFT = np.uint64(64 - 6)  # top 6 bits of a hash pick its bucket (2**6 = _BUCKETS)
_KEY_RECORD = np.dtype([("key", "<u8"), ("stamp", "<i8"), ("row", "<i8")])
_DURATION_RECORD = np.dtype([("row", "<i8"), ("duration", "<f8")])
_READ_RECORDS = 1 << 20  # spilled durations are read back this many at a time


def _key_columns(book: Codebook, raw: pd.DataFrame, respondent_key) -> list[str]:
    """The export columns of the respondent keys (as the duplicate rule resolves them)."""
    return [_resolve_column(k, raw, book, parameter="respondent_key") for k in R.key_items(book, respondent_key)]


def _spill(path: Path, records: np.ndarray) -> None:
    with path.open("ab") as fh:
        records.tofile(fh)


def _has(listed: pd.Series, name: str) -> np.ndarray:
    return listed.str.contains(f";{name};", regex=False).to_numpy(dtype=bool)


def _pattern_text(bits: np.ndarray, order: list[str], use: np.ndarray, index: pd.Index) -> pd.Series:
    """``;``-joined names of each row's hits among ``use`` (via its few distinct bit patterns)."""
    codes, uniq = pd.factorize(bits)
    text = pd.Series([";".join(n for j, n in enumerate(order) if b >> j & 1 and use[j]) or None for b in uniq.tolist()],
                     dtype="str")  # fmt: skip
    return pd.Series(text.array.take(codes), index=index, dtype="str") if len(uniq) else \
        pd.Series(None, index=index, dtype="str")  # fmt: skip


@functools.cache
def _rule_defaults() -> dict[str, Any]:  # read once, not per chunk (callers copy it)
    sig = inspect.signature(clean_responses).parameters
    return {k: sig[k].default for k in ("speeder_fraction", "speeder_sd", "respondent_key", "quarantine")}


def pass1_chunk(chunk: list, book: Codebook, key_cols: list[str], rules: dict[str, Any], spill: Path, cache: Path,
                suffix: str = "") -> dict[str, Any]:  # fmt: skip
    """Clean one chunk fully except for the two whole-file rules; cache it and spill its state.

    ``chunk`` is a one-element list holding the chunk's :class:`cxanalytics.SurveyExport`; it
    is taken out of the list so the raw text can be freed as soon as it is cleaned.  The chunk
    is cleaned by :func:`cxanalytics.clean_responses` with the duplicate and speeder rules
    off.  Its kept and quarantined rows, a small table of every row's rule columns and rule
    hits, its respondent keys as 64-bit hashes (no raw text) and its cell-level log are pickled
    to ``cache`` for
    pass 2, which adds the two rules' verdicts (:func:`pass2_chunk`).  For every candidate
    response (no platform marker and not incomplete) a record (64-bit hash of each key,
    submission time, row number) is appended to one of :data:`_BUCKETS` files chosen by the
    hash's top bits, and (row, duration) to ``durations*.bin``.  ``suffix`` names the files
    of one chunk apart (chunks cleaned in parallel each write their own).  Returns the
    chunk's small tables (recodes, rules, column-level log rows, warnings) and the day/month
    order its dates were read in (``dayfirst``).
    """
    ex = chunk.pop()
    first = {k: v for k, v in rules.items() if k not in ("respondent_key", "speeder_fraction", "speeder_sd")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = clean_responses(ex, book, respondent_key=False, speeder_fraction=None, speeder_sd=None, **first)
    raw_keys = ex.frame[key_cols]
    del ex  # the raw chunk (respondent keys aside) is not needed any more
    rule_cols = [c for c in ("submitted_at", "duration_s") if c in res.data.columns]
    ruled = pd.concat([res.data[rule_cols].assign(listed=res.data["flags"]),
                       res.quarantine[rule_cols].assign(listed=res.quarantine["reasons"])]).sort_index()  # fmt: skip
    ruled["listed"] = ";" + ruled["listed"].fillna("").astype("str") + ";"
    early = np.logical_or.reduce([_has(ruled["listed"], r) for r in _EARLY])  # platform markers, incomplete
    keep = ~early
    rows = ruled.index.to_numpy(dtype=np.int64)[keep]
    cand = ruled.loc[keep]
    if "submitted_at" in cand:
        t = cand["submitted_at"]
        stamp = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]").view(np.int64).copy()
        stamp[t.isna().to_numpy()] = np.iinfo(np.int64).max
    else:
        stamp = np.zeros(len(rows), dtype=np.int64)
    durations = np.empty(len(rows), dtype=_DURATION_RECORD)
    durations["row"] = rows
    durations["duration"] = cand["duration_s"].to_numpy(dtype=float) if "duration_s" in cand else np.nan
    _spill(spill / f"durations{suffix}.bin", durations)
    raw_keys = raw_keys.loc[ruled.index]
    hashes = pd.DataFrame(index=ruled.index)  # the keys as pass 2 sees them: hashes, never the text
    for i, c in enumerate(key_cols):  # 64-bit hashes of the match keys, not their text; 0 = no key
        codes, uniq = key_codes(raw_keys[c])
        hashed = pd.util.hash_array(uniq.to_numpy(dtype=object)) if len(uniq) else np.zeros(0, np.uint64)
        hashes[c] = np.append(hashed, np.uint64(0))[codes]
        key = hashes[c].to_numpy()[keep]
        have = key != 0
        records = np.empty(int(have.sum()), dtype=_KEY_RECORD)
        records["key"], records["stamp"], records["row"] = key[have], stamp[have], rows[have]
        bucket = (records["key"] >> _SHIFT).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(_BUCKETS + 1))
        for b in np.flatnonzero(np.diff(bounds)):
            _spill(spill / f"key{i}-{b:02d}{suffix}.bin", records[order[bounds[b]:bounds[b + 1]]])
    cell = res.log["row"].notna()
    with cache.open("wb") as fh:  # written and read by this library only, in a private folder
        for piece in (res.data, res.quarantine, ruled, early, hashes, res.log[cell]):
            pickle.dump(piece, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"n_read": res.n_read, "recodes": res.recodes, "rules": res.rules, "log_columns": res.log[~cell],
            "warnings": [(w.message, w.category) for w in caught], "dayfirst": res.dayfirst}  # fmt: skip


def _read_all(paths: list[Path], dtype: np.dtype) -> np.ndarray:
    parts = [np.fromfile(p, dtype=dtype) for p in paths]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def finish_pass1(spill: Path, key_cols: list[str]) -> tuple[dict[str, pd.Series], tuple[float, float]]:
    """Whole-file state of the duplicate and speeder rules: ``(duplicate_firsts, (median, SD))``.

    Each bucket is sorted on its own (a 64th of the keys in memory at a time) to find every
    key submitted more than once and its earliest candidate submission (by submission time,
    then file order); only those keys are returned (a key seen once is its own first).  The
    durations of the candidates that are not duplicates are then read back, in file order,
    for the speeder rule's median and SD: the one whole-file array (8 bytes a response).
    """
    firsts: dict[str, pd.Series] = {}
    dup_rows: list[np.ndarray] = []
    for i, c in enumerate(key_cols):
        keys, first_rows = [], []
        for b in range(_BUCKETS):
            files = sorted(spill.glob(f"key{i}-{b:02d}*.bin"))
            rec = _read_all(files, _KEY_RECORD)
            for f in files:
                f.unlink()
            if not len(rec):
                continue
            rec = rec[np.lexsort((rec["row"], rec["stamp"], rec["key"]))]  # by key, then time, then file order
            starts = np.flatnonzero(np.r_[True, rec["key"][1:] != rec["key"][:-1]])
            sizes = np.diff(np.r_[starts, len(rec)])
            repeated = starts[sizes > 1]
            keys.append(rec["key"][repeated])
            first_rows.append(rec["row"][repeated])
            later = np.ones(len(rec), dtype=bool)
            later[starts] = False
            dup_rows.append(rec["row"][later])
            del rec
        uniq = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        order = np.argsort(uniq)  # buckets come in hash order already; sorting keeps that certain
        rows = np.concatenate(first_rows)[order] if first_rows else np.zeros(0, np.int64)
        firsts[c] = pd.Series(rows, index=pd.Index(uniq[order], dtype=np.uint64))
    dups = np.unique(np.concatenate(dup_rows)) if dup_rows else np.zeros(0, np.int64)
    kept: list[np.ndarray] = []
    for path in sorted(spill.glob("durations*.bin")):  # file order: chunk suffixes sort as the chunks
        n_records = path.stat().st_size // _DURATION_RECORD.itemsize
        for start in range(0, n_records, _READ_RECORDS):  # in blocks: only the kept durations stay
            rec = np.fromfile(path, dtype=_DURATION_RECORD, count=_READ_RECORDS,
                              offset=start * _DURATION_RECORD.itemsize)  # fmt: skip
            pos = np.minimum(np.searchsorted(dups, rec["row"]), max(len(dups) - 1, 0))
            is_dup = (dups[pos] == rec["row"]) if len(dups) else np.zeros(len(rec), dtype=bool)
            kept.append(rec["duration"][~is_dup & ~np.isnan(rec["duration"])])
        path.unlink()
    d = np.concatenate(kept) if kept else np.zeros(0)
    del kept
    if len(d) < 2:
        return firsts, (np.nan, np.nan)
    sd = float(np.std(d, ddof=1))
    return firsts, (float(np.median(d, overwrite_input=True)), sd)


def pass2_chunk(cache: Path, book: Codebook, base, firsts, rules: dict[str, Any], order: list[str],
                goes: dict[str, bool]) -> dict[str, Any]:  # fmt: skip
    """Add the duplicate and speeder verdicts to a chunk cached by :func:`pass1_chunk`.

    The two rules run as in :func:`cxanalytics.clean_responses` (same functions, with the
    whole-file state), and each row's reason, reasons, flags and detail are recomputed from
    all its rule hits exactly as the in-memory path combines them: ``order`` is the rules'
    order, ``goes`` whether each quarantines.  The two rules only add hits, so rows move from
    kept to quarantined, never back.  Returns the kept and quarantined tables, the cell-level
    log (the two rules' rows merged in the in-memory order) and both findings.
    """
    with cache.open("rb") as fh:
        data, held, ruled, early, hashes, log = (pickle.load(fh) for _ in range(6))
    idx = ruled.index
    opts = {**_rule_defaults(), **rules}
    dup = R.duplicates(ruled, hashes, book, R.key_items(book, opts["respondent_key"]), ~early, None, firsts)
    fast = R.speeders(ruled, ~(early | dup.mask), opts["speeder_fraction"], opts["speeder_sd"], base)
    new = {"duplicate": dup, "speeder": fast}
    hits = np.column_stack([new[name].mask if name in new else _has(ruled["listed"], name) for name in order]) \
        if len(idx) else np.zeros((0, len(order)), dtype=bool)  # fmt: skip
    go = np.array([goes[n] for n in order], dtype=bool)
    quarantined = (hits & go).any(axis=1)
    first = np.argmax(hits & go, axis=1)
    names = np.asarray(order, dtype=object)
    bits = hits.astype(np.int64) @ (1 << np.arange(len(order), dtype=np.int64))
    moved = data.index.isin(idx[quarantined])
    if moved.any():  # kept in pass 1, quarantined now: carried over with the quarantine's columns
        extra = data.loc[moved].drop(columns="flags").reindex(columns=held.columns)
        held = pd.concat([held, extra.astype(held.dtypes.to_dict())]).sort_index()
        data = data.loc[~moved]
    at = idx.get_indexer(held.index)
    held["reason"] = pd.Series(names[first[at]], index=held.index, dtype="str")
    held["reasons"] = _pattern_text(bits[at], order, np.ones(len(order), dtype=bool), held.index)
    detail = held["detail"].to_numpy(dtype=object)
    for name, f in new.items():
        sel = names[first[at]] == name
        detail[sel] = f.detail.reindex(held.index[sel]).to_numpy(dtype=object)
    held["detail"] = pd.Series(detail, index=held.index, dtype="str")
    data["flags"] = _pattern_text(bits[idx.get_indexer(data.index)], order, ~go, data.index)
    for name in R.FLAG_ONLY:  # the flag columns, with the whole-file rules' verdicts
        j = order.index(name)
        data[f"flag_{name}"] = hits[idx.get_indexer(data.index), j]
        held[f"flag_{name}"] = hits[at, j]
    reconcile(idx, data.index, held.index)
    extra_log = LogBuilder()
    for name, f in new.items():
        extra_log.add(idx.to_numpy()[f.mask], column=None, item=None, rule=name, before=None,
                      after="quarantined" if goes[name] else "flagged",
                      reason=f.detail.reindex(idx[f.mask]).to_numpy(dtype=object))  # fmt: skip
    if len(extra_log):
        log = pd.concat([log, extra_log.frame()], ignore_index=True)
        rank = log["rule"].map({r: k + 1 for k, r in enumerate(REASONS)}).astype("float").fillna(0).to_numpy()
        log = log.iloc[np.lexsort((rank, log["row"].to_numpy(dtype=np.int64)))].reset_index(drop=True)
    return {"data": data, "quarantine": held, "log": log, "findings": new}
