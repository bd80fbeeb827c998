"""The state shared by the chunks of a streamed clean, and the per-chunk steps of both passes.

Used by the sequential engine (:mod:`._clean`) and the Dask engine (:mod:`._dask`): a chunk
is cleaned the same way whichever process runs it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..cleaning import REASONS, clean_responses
from ..cleaning._rules import _resolve_column
from ..cleaning._values import key_codes
from ..codebook import Codebook

_PASS1_SKIP = ("text", "pii", "multi")  # kinds no row rule reads
_EARLY = ("preview", "test", "incomplete")
_PASS1_DROP = ("respondent_key", "speeder_fraction", "speeder_sd", "straightline_min_items", "quarantine", "pii_key")
_BUCKETS = 64  # key hashes are spilled to this many files per key column, by their top bits
_SHIFT = np.uint64(64 - 6)  # top 6 bits of a hash pick its bucket (2**6 = _BUCKETS)
_KEY_RECORD = np.dtype([("key", "<u8"), ("stamp", "<i8"), ("row", "<i8")])
_DURATION_RECORD = np.dtype([("row", "<i8"), ("duration", "<f8")])
_READ_RECORDS = 1 << 20  # spilled durations are read back this many at a time


_FOLD_EVERY = 32  # per-chunk summary tables are summed every this many chunks


def _fold_log_columns(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Column-level log rows (``row`` missing) of several chunks, ``n`` summed per change."""
    template = frames[0]
    out = pd.concat(frames, ignore_index=True)
    keys = [c for c in out.columns if c not in ("n", "row")]
    out = out.groupby(keys, sort=False, dropna=False, observed=True)["n"].sum().reset_index()
    out.insert(0, "row", pd.Series(pd.NA, index=out.index).astype(template["row"].dtype))
    return out[list(template.columns)].astype(template.dtypes.to_dict())


def _fold_recodes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Recode tables of several chunks, ``count`` summed per (column, label, ...)."""
    out = pd.concat(frames, ignore_index=True)
    keys = [c for c in out.columns if c != "count"]
    out = out.groupby(keys, sort=False, dropna=False, observed=True)["count"].sum().reset_index()
    return out[list(frames[0].columns)]


def _fold_rules(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rule tables of several chunks: applied anywhere, flags summed, first note kept."""
    out = pd.concat(frames, ignore_index=True)
    return out.groupby("rule", sort=False).agg(applied=("applied", "any"), quarantines=("quarantines", "first"),
                                               n_flagged=("n_flagged", "sum"), note=("note", "first")).reset_index()  # fmt: skip


def _key_columns(book: Codebook, raw: pd.DataFrame, respondent_key) -> list[str]:
    if respondent_key is False:
        return []
    if respondent_key is None:
        keys = book.table.loc[book.table["respondent_key"], "item"].tolist()
    else:
        keys = [respondent_key] if isinstance(respondent_key, str) else list(respondent_key)
    return [_resolve_column(k, raw, book, parameter="respondent_key") for k in keys]


def pass1_setup(book: Codebook, rules: dict[str, Any]) -> tuple[Codebook, dict[str, Any]]:
    """The codebook and rules of pass 1: only the columns and rules the whole-file state needs."""
    skip = book.table["kind"].isin(_PASS1_SKIP)
    small = Codebook(book.table[~skip].reset_index(drop=True)) if skip.any() else book
    return small, {k: v for k, v in rules.items() if k not in _PASS1_DROP}


def _spill(path: Path, records: np.ndarray) -> None:
    with path.open("ab") as fh:
        records.tofile(fh)


def pass1_chunk(ex, small: Codebook, key_cols: list[str], light: dict[str, Any], spill: Path,
                suffix: str = "") -> None:  # fmt: skip
    """Clean the rule columns of one chunk and spill its candidates' state to ``spill``.

    For every candidate response (neither preview, test nor incomplete) a record (64-bit hash
    of each key, submission time, row number) is appended to one of :data:`_BUCKETS` files
    chosen by the hash's top bits, and (row, duration) to ``durations*.bin``.  ``suffix``
    names the files of one chunk apart (chunks cleaned in parallel each write their own).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(ex, small, respondent_key=False, speeder_fraction=None, speeder_sd=None,
                              straightline_min_items=None, quarantine=REASONS, pii_key=b"pass-1", **light)  # fmt: skip
    reasons = res.quarantine["reasons"].fillna("")
    early_rows = res.quarantine.index[np.logical_or.reduce([reasons.str.contains(r, regex=False) for r in _EARLY])]
    keep = ~ex.frame.index.isin(early_rows)
    rows = ex.frame.index.to_numpy(dtype=np.int64)[keep]
    both = pd.concat([res.data, res.quarantine]).reindex(ex.frame.index[keep])
    if "submitted_at" in both:
        t = both["submitted_at"]
        stamp = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]").view(np.int64).copy()
        stamp[t.isna().to_numpy()] = np.iinfo(np.int64).max
    else:
        stamp = np.zeros(len(rows), dtype=np.int64)
    durations = np.empty(len(rows), dtype=_DURATION_RECORD)
    durations["row"] = rows
    durations["duration"] = both["duration_s"].to_numpy(dtype=float) if "duration_s" in both else np.nan
    _spill(spill / f"durations{suffix}.bin", durations)
    for i, c in enumerate(key_cols):  # 64-bit hashes of the match keys, not their text; 0 = no key
        codes, uniq = key_codes(ex.frame[c])
        hashed = pd.util.hash_array(uniq.to_numpy(dtype=object)) if len(uniq) else np.zeros(0, np.uint64)
        key = np.append(hashed, np.uint64(0))[codes][keep]
        have = key != 0
        records = np.empty(int(have.sum()), dtype=_KEY_RECORD)
        records["key"], records["stamp"], records["row"] = key[have], stamp[have], rows[have]
        bucket = (records["key"] >> _SHIFT).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(_BUCKETS + 1))
        for b in np.flatnonzero(np.diff(bounds)):
            _spill(spill / f"key{i}-{b:02d}{suffix}.bin", records[order[bounds[b]:bounds[b + 1]]])


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


def pass2_chunk(ex, book: Codebook, base, firsts, rules: dict[str, Any]):
    """Clean one chunk with the whole-file state: ``(CleanResult, warnings caught)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = clean_responses(ex, book, speeder_baseline=base, duplicate_firsts=firsts, **rules)
    return res, list(caught)
