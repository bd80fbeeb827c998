"""Cleaning survey exports larger than memory: :func:`clean_export_in_chunks`.

The export is cut into chunks of whole records (a newline outside double quotes ends a
record, so multi-line answers stay whole), each chunk is read with the export's own header
rows by :func:`cxanalytics.read_export` and cleaned by :func:`cxanalytics.clean_responses`,
and the kept rows, the quarantined rows and the audit log are appended to Parquet files
(one row group per chunk).  Only one chunk is in memory at a time, plus a few small arrays
per row for the whole-file rules (row number, submission time, duration and a 64-bit hash of
each respondent key: about 40 bytes a response).  The parsed chunks of the first pass are kept
in a temporary Parquet file in ``out_dir`` (deleted at the end), so the text is parsed once.

Two rules need the whole file, and get it from a first, cheaper pass over the chunks that
cleans only the columns those rules read (status, finished/progress, timestamps, duration,
scored and segment items): the duplicate rule (the earliest candidate submission of each
respondent key in the whole file is kept; keys are compared by 64-bit hash, whose chance of
a collision among a million keys is about 3e-8) and the speeder rule (median and SD of the
durations of the whole file's candidate responses).  Both are handed to ``clean_responses``
(``duplicate_firsts=``, ``speeder_baseline=``), so every chunk is judged as in one pass.
"""

from __future__ import annotations

import dataclasses
import html
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .cleaning import REASONS, clean_responses
from .cleaning._rules import _resolve_column
from .cleaning._values import key_codes
from .codebook import Codebook
from .errors import ParameterError, ReconciliationError, describe
from .exports import read_export

__all__ = ["ChunkedCleanResult", "clean_export_in_chunks"]

_BLOCK = 8 << 20  # bytes read from disk at a time
_HEAD_BYTES = 1 << 20  # bytes used to detect platform, encoding and header rows
_PASS1_SKIP = ("text", "pii", "multi")  # kinds no row rule reads
_EARLY = ("preview", "test", "incomplete")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ChunkedCleanResult:
    """What :func:`clean_export_in_chunks` wrote, and the counts that reconcile.

    Attributes
    ----------
    counts : pandas.DataFrame
        ``outcome`` (read, kept, quarantined), ``reason`` and ``n``, as
        :meth:`cxanalytics.cleaning.CleanResult.summary`.
    rules : pandas.DataFrame
        ``rule``, ``applied``, ``quarantines``, ``n_flagged`` (summed over chunks) and ``note``.
    paths : dict of str to pathlib.Path
        The Parquet files written (data, quarantine, log, recodes, rules, summary, codebook).
    n_chunks : int
    source : str
    """

    counts: pd.DataFrame
    rules: pd.DataFrame
    paths: dict[str, Path]
    n_chunks: int
    source: str = ""

    def summary(self) -> pd.DataFrame:
        """Row counts: ``outcome``, ``reason``, ``n`` (read = kept + quarantined)."""
        return self.counts.copy()

    def __repr__(self) -> str:
        n = dict(zip(self.counts["outcome"], self.counts["n"], strict=False))
        q = int(self.counts.loc[self.counts["outcome"] == "quarantined", "n"].sum())
        return (f"ChunkedCleanResult(source={self.source!r}, read={n.get('read')}, kept={n.get('kept')}, "
                f"quarantined={q}, chunks={self.n_chunks})")  # fmt: skip

    def _repr_html_(self) -> str:
        return f"<div><strong>{html.escape(repr(self))}</strong>{self.counts.to_html(index=False)}</div>"



def _record_ends(block: bytes, in_quote: bool) -> tuple[np.ndarray, bool, int]:
    """Offsets (exclusive) of record ends in ``block``, the quote state after it, newline count."""
    arr = np.frombuffer(block, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    nl = np.flatnonzero(arr == 10)
    outside = (np.searchsorted(quotes, nl) + int(in_quote)) % 2 == 0  # even number of quotes before it
    return nl[outside] + 1, bool((len(quotes) + int(in_quote)) % 2), len(nl)


def _chunks(path: Path, start: int, first_line: int, chunksize: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(body bytes, file line of its first line, bytes consumed)`` of ``chunksize`` records."""
    pending: list[bytes] = []
    n_pending = 0
    line = first_line
    in_quote = False
    with path.open("rb") as fh:
        fh.seek(start)
        while True:
            block = fh.read(_BLOCK)
            if not block:
                break
            ends, in_quote_after, _ = _record_ends(block, in_quote)
            pos = 0
            while n_pending + len(ends) >= chunksize:
                cut = int(ends[chunksize - n_pending - 1])
                body = b"".join([*pending, block[pos:cut]])
                yield body, line, len(body)
                line += body.count(b"\n")
                ends = ends[chunksize - n_pending:]
                pending, n_pending, pos = [], 0, cut
            pending.append(block[pos:])
            n_pending += len(ends)
            in_quote = in_quote_after
    body = b"".join(pending)
    if body.strip():
        yield body, line, len(body)


def _header(path: Path, platform: str, encoding: str | None, delimiter: str | None):
    """Read the file's head: the export's header bytes, where the body starts, and the reader's choices."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    ends, _, _ = _record_ends(head, False)
    if len(head) == _HEAD_BYTES and len(ends):
        head = head[: int(ends[-1])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = read_export(head, platform=platform, encoding=encoding, delimiter=delimiter)
    n_header = len(probe.header_rows)
    ends, _, _ = _record_ends(head, False)
    if len(ends) < n_header:
        raise ParameterError(describe("Header rows longer than the first megabyte", file=path.name,
                                      expected="an export whose header rows fit in 1 MiB"))  # fmt: skip
    cut = int(ends[n_header - 1]) if n_header else 0
    header = head[:cut]
    return probe, header, cut, header.count(b"\n") + 1


def _read_chunk(header: bytes, body: bytes, line: int, header_lines: int, probe, source: str):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*header rows but no responses")
        ex = read_export(header + body, platform=probe.platform, encoding=probe.encoding, delimiter=probe.delimiter)
    frame = ex.frame.set_axis(pd.Index(ex.frame.index.to_numpy() + (line - header_lines), name="row_number"), axis=0)
    return dataclasses.replace(ex, frame=frame, source=source)


def _arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            col = col.cast(field.type.value_type)
        if pa.types.is_string(col.type):
            col = col.cast(pa.large_string())
        cols.append(col)
    table = pa.table(cols, names=table.column_names, metadata=table.schema.metadata)
    if schema is not None:
        if table.schema.names != schema.names:
            raise ReconciliationError(describe("A chunk produced different columns", received=table.schema.names,
                                               expected=schema.names))  # fmt: skip
        table = table.cast(schema)
    return table


class _Sink:
    """One Parquet file written a row group at a time."""

    def __init__(self, path: Path) -> None:
        self.path, self.writer, self.schema = path, None, None

    def write(self, frame: pd.DataFrame, hint: pd.DataFrame | None = None) -> None:
        if self.writer is None and hint is not None:  # an all-missing column of the first chunk takes hint's type
            odd = {c: hint[c].dtype for c in frame.columns if c in hint.columns and frame[c].dtype == object
                   and hint[c].dtype != object and frame[c].isna().all()}  # fmt: skip
            frame = frame.astype(odd) if odd else frame
        table = _arrow(frame, self.schema)
        if self.writer is None:
            self.schema = table.schema
            # min/max statistics of text columns are useless for filtering and are held in
            # memory for every row group until the file is closed: keep them for the others
            stats = [f.name for f in self.schema if not pa.types.is_large_string(f.type)
                     and not pa.types.is_string(f.type)]  # fmt: skip
            self.writer = pq.ParquetWriter(self.path, self.schema, write_statistics=stats)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


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


_BUCKETS = 64  # key hashes are spilled to this many files per key column, by their top bits
_KEY_RECORD = np.dtype([("key", "<u8"), ("stamp", "<i8"), ("row", "<i8")])
_DURATION_RECORD = np.dtype([("row", "<i8"), ("duration", "<f8")])
_READ_RECORDS = 1 << 20  # spilled durations are read back this many at a time


def _spill(path: Path, records: np.ndarray) -> None:
    with path.open("ab") as fh:
        records.tofile(fh)


def _first_pass(chunks, book: Codebook, key_cols: list[str], rules: dict[str, Any], cache: _Sink,
                spill: Path):  # fmt: skip
    """Whole-file state of the duplicate and speeder rules: ``(duplicate_firsts, (median, SD))``.

    Each raw chunk is appended to ``cache`` (Parquet), so pass 2 does not parse the text again.
    The per-response state is not held in memory: for every candidate response (neither
    preview, test nor incomplete) a record (64-bit hash of each key, submission time, row
    number) is appended to one of :data:`_BUCKETS` files in ``spill`` chosen by the hash's top
    bits, and (row, duration) to another.  At the end each bucket is sorted on its own (a
    64th of the keys in memory at a time) to find every key submitted more than once and its
    earliest submission; only those keys are returned (a key seen once is its own first).
    The durations of the candidates that are not duplicates are then read back for the
    speeder rule's median and SD: the one whole-file array (8 bytes a response).
    """
    skip = book.table["kind"].isin(_PASS1_SKIP)
    small = Codebook(book.table[~skip].reset_index(drop=True)) if skip.any() else book
    light = {k: v for k, v in rules.items() if k not in ("respondent_key", "speeder_fraction", "speeder_sd",
                                                         "straightline_min_items", "quarantine", "pii_key")}  # fmt: skip
    shift = np.uint64(64 - int(np.log2(_BUCKETS)))
    for ex in chunks:
        cache.write(ex.frame.reset_index())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = clean_responses(ex, small, respondent_key=False, speeder_fraction=None, speeder_sd=None,
                                  straightline_min_items=None, quarantine=REASONS, pii_key=b"pass-1", **light)  # fmt: skip
        reasons = res.quarantine["reasons"].fillna("")
        early_rows = res.quarantine.index[np.logical_or.reduce([reasons.str.contains(r, regex=False) for r in _EARLY])]
        keep = ~ex.frame.index.isin(early_rows)  # candidates: neither preview, test nor incomplete
        rows = ex.frame.index.to_numpy(dtype=np.int64)[keep]
        both = pd.concat([res.data, res.quarantine], copy=False).reindex(ex.frame.index[keep])
        if "submitted_at" in both:
            t = both["submitted_at"]
            stamp = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]").view(np.int64).copy()
            stamp[t.isna().to_numpy()] = np.iinfo(np.int64).max
        else:
            stamp = np.zeros(len(rows), dtype=np.int64)
        durations = np.empty(len(rows), dtype=_DURATION_RECORD)
        durations["row"] = rows
        durations["duration"] = both["duration_s"].to_numpy(dtype=float) if "duration_s" in both else np.nan
        _spill(spill / "durations.bin", durations)
        for i, c in enumerate(key_cols):  # 64-bit hashes of the match keys, not their text; 0 = no key
            codes, uniq = key_codes(ex.frame[c])
            hashed = pd.util.hash_array(uniq.to_numpy(dtype=object)) if len(uniq) else np.zeros(0, np.uint64)
            key = np.append(hashed, np.uint64(0))[codes][keep]
            have = key != 0
            records = np.empty(int(have.sum()), dtype=_KEY_RECORD)
            records["key"], records["stamp"], records["row"] = key[have], stamp[have], rows[have]
            bucket = (records["key"] >> shift).astype(np.int64)
            order = np.argsort(bucket, kind="stable")
            bounds = np.searchsorted(bucket[order], np.arange(_BUCKETS + 1))
            for b in np.flatnonzero(np.diff(bounds)):
                _spill(spill / f"key{i}-{b}.bin", records[order[bounds[b]:bounds[b + 1]]])
        del res, both, ex
    firsts: dict[str, pd.Series] = {}
    dup_rows: list[np.ndarray] = []
    for i, c in enumerate(key_cols):
        keys, first_rows = [], []
        for b in range(_BUCKETS):
            path = spill / f"key{i}-{b}.bin"
            if not path.exists():
                continue
            rec = np.fromfile(path, dtype=_KEY_RECORD)
            path.unlink()
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
        order = np.argsort(uniq)  # buckets are in hash order already; sorting keeps that certain
        rows = np.concatenate(first_rows)[order] if first_rows else np.zeros(0, np.int64)
        firsts[c] = pd.Series(rows, index=pd.Index(uniq[order], dtype=np.uint64))
    dups = np.unique(np.concatenate(dup_rows)) if dup_rows else np.zeros(0, np.int64)
    path = spill / "durations.bin"
    kept: list[np.ndarray] = []
    n_records = path.stat().st_size // _DURATION_RECORD.itemsize if path.exists() else 0
    for start in range(0, n_records, _READ_RECORDS):  # read back in blocks: 8 bytes a response kept
        rec = np.fromfile(path, dtype=_DURATION_RECORD, count=_READ_RECORDS, offset=start * _DURATION_RECORD.itemsize)
        pos = np.minimum(np.searchsorted(dups, rec["row"]), max(len(dups) - 1, 0))
        is_dup = (dups[pos] == rec["row"]) if len(dups) else np.zeros(len(rec), dtype=bool)
        kept.append(rec["duration"][~is_dup & ~np.isnan(rec["duration"])])
    d = np.concatenate(kept) if kept else np.zeros(0)
    del kept
    if len(d) < 2:
        return firsts, (np.nan, np.nan)
    sd = float(np.std(d, ddof=1))
    return firsts, (float(np.median(d, overwrite_input=True)), sd)


def clean_export_in_chunks(path, codebook=None, *, out_dir, chunksize: int = 100_000, platform: str = "auto",
                           encoding: str | None = None, delimiter: str | None = None, progress: bool = False,
                           **rules: Any) -> ChunkedCleanResult:  # fmt: skip
    """Clean a text survey export in chunks, writing the results to Parquet as it goes.

    Parameters
    ----------
    path : str or path
        A CSV/TSV export (Qualtrics, SurveyMonkey, Google Forms or plain) in a one-byte-per-ASCII
        encoding (UTF-8, cp1256, cp1252); workbooks and SPSS files are read whole by
        :func:`cxanalytics.read_export` instead.
    codebook : Codebook, DataFrame, CSV path or None
        As in :func:`cxanalytics.clean_responses`.  ``None`` infers it from the first chunk
        (pass one inferred from the whole file, or a saved one, for results identical to
        the in-memory path whatever the chunk size).
    out_dir : str or path
        Folder for ``data.parquet``, ``quarantine.parquet``, ``log.parquet``,
        ``recodes.parquet``, ``rules.parquet``, ``summary.parquet``, ``codebook.parquet``.
    chunksize : int, default 100_000
        Responses (records) per chunk; one Parquet row group per chunk.
    platform, encoding, delimiter : passed to :func:`cxanalytics.read_export` (detected from
        the first mebibyte when omitted).
    progress : bool, default False
        Show progress by bytes read (tqdm), for each of the two passes.
    **rules
        Any keyword of :func:`cxanalytics.clean_responses` (``timezone``, ``test_filter``,
        ``respondent_key``, ``pii_key``, ...).  Without ``pii_key`` one random key is drawn
        for the whole file.

    Returns
    -------
    ChunkedCleanResult
        ``counts`` (``outcome``, ``reason``, ``n``), ``rules``, ``paths``, ``n_chunks``.

    Raises
    ------
    ParameterError
        A missing file, a bad ``chunksize``, or a rule keyword ``clean_responses`` rejects.
    ReconciliationError
        If the rows read differ from kept + quarantined, or a row number repeats.

    Notes
    -----
    Pass 1 cleans only the rule columns of each chunk to find, for every respondent-key
    column, the row of the earliest candidate submission (by ``submitted_at``, then file
    order) and the median and SD of candidate durations (duplicates excluded), exactly as
    :func:`cxanalytics.clean_responses` does on the whole table.  Pass 2 cleans each chunk
    with that state.  Row numbers are the file's line numbers, as with ``read_export``.
    Log rows: cell-level rows in file order per chunk; column-level rows (``row`` missing:
    pseudonymise, reverse_code) summed over chunks and written last.  ``recodes`` counts
    are summed over chunks.

    Examples
    --------
    >>> import tempfile
    >>> from cxanalytics.datasets import load_sample
    >>> src = load_sample("qualtrics_en")
    >>> with tempfile.TemporaryDirectory() as out:
    ...     res = clean_export_in_chunks(src, out_dir=out, chunksize=500, pii_key="k")
    >>> s = res.summary()
    >>> int(s["n"].iloc[0]) == int(s["n"].iloc[1:].sum())
    True
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(describe("No such file", parameter="path", received=str(path),
                                      expected="the path of an existing export file"))  # fmt: skip
    if isinstance(chunksize, bool) or not isinstance(chunksize, int | np.integer) or chunksize < 1:
        raise ParameterError(describe("chunksize must be a positive integer", parameter="chunksize",
                                      received=chunksize, expected="e.g. 100_000"))  # fmt: skip
    if "progress" in rules or "export" in rules:
        raise ParameterError(describe("Unsupported keyword", parameter="rules", received=sorted(rules),
                                      expected="keywords of clean_responses except export/progress"))  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    probe, header, start, header_lines = _header(path, platform, encoding, delimiter)
    source, size = path.name, path.stat().st_size

    def chunks(desc: str):
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=size, initial=start, unit="B", unit_scale=True, desc=desc)
        try:
            for body, line, nbytes in _chunks(path, start, header_lines, int(chunksize)):
                yield _read_chunk(header, body, line, header_lines, probe, source)
                if bar is not None:
                    bar.update(nbytes)
        finally:
            if bar is not None:
                bar.close()

    rules = dict(rules)
    rules.setdefault("pii_key", secrets.token_bytes(16))
    book = None
    if codebook is not None:
        book = codebook if isinstance(codebook, Codebook) else (
            Codebook.from_csv(codebook) if isinstance(codebook, str | Path) else Codebook(codebook))  # fmt: skip
    reading = chunks("pass 1: reading")
    first = next(reading, None)
    if first is None:
        raise ParameterError(describe("The export has no responses", file=source, expected="at least one response"))
    if book is None:
        book = Codebook.infer(first)
    book.check(first)
    key_cols = _key_columns(book, first.frame, rules.get("respondent_key"))
    head = [first]  # handed on without a second read; popped so only pass 1 holds it
    del first

    def feed():
        yield head.pop()
        yield from reading
    cache = _Sink(out / f".{source}.chunks.parquet")
    try:
        with tempfile.TemporaryDirectory(prefix=f".{source}.pass1.", dir=out) as spill:
            firsts, base = _first_pass(feed(), book, key_cols, rules, cache, Path(spill))
    except BaseException:
        cache.close()
        cache.path.unlink(missing_ok=True)
        raise
    cache.close()

    def cached(desc: str):
        reader = pq.ParquetFile(cache.path)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=reader.metadata.num_rows, unit="rows", desc=desc)
        try:
            for g in range(reader.num_row_groups):
                frame = reader.read_row_group(g).to_pandas().set_index("row_number")
                yield dataclasses.replace(probe, frame=frame, source=source)
                if bar is not None:
                    bar.update(len(frame))
        finally:
            if bar is not None:
                bar.close()

    sinks = {name: _Sink(out / f"{name}.parquet") for name in ("data", "quarantine", "log")}
    column_rows: list[pd.DataFrame] = []
    recodes: list[pd.DataFrame] = []
    rule_parts: list[pd.DataFrame] = []
    caught_all: dict[str, warnings.WarningMessage] = {}
    n_read = n_kept = n_chunks = 0
    reasons = pd.Series(0, index=list(REASONS), dtype="int64")
    try:
        for ex in cached("pass 2: cleaning"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = clean_responses(ex, book, speeder_baseline=base, duplicate_firsts=firsts, **rules)
            for w in caught:
                caught_all.setdefault(str(w.message).split(":")[0], w)
            n_chunks += 1
            n_read += res.n_read
            n_kept += len(res.data)
            reasons = reasons.add(res.quarantine["reason"].value_counts(), fill_value=0).astype("int64")
            kept, held = res.data.reset_index(), res.quarantine.reset_index()
            sinks["data"].write(kept, hint=held)
            sinks["quarantine"].write(held, hint=kept)
            cell = res.log["row"].notna()
            sinks["log"].write(res.log[cell])
            for parts, part, fold in ((column_rows, res.log[~cell], _fold_log_columns),
                                      (recodes, res.recodes, _fold_recodes), (rule_parts, res.rules, _fold_rules)):
                parts.append(part)
                if len(parts) >= _FOLD_EVERY:  # small per-chunk tables summed as we go: memory stays flat
                    parts[:] = [fold(parts)]
            del res, ex
        log_cols = _fold_log_columns(column_rows)
        if len(log_cols):
            sinks["log"].write(log_cols)
    finally:
        for s in sinks.values():
            s.close()
        cache.path.unlink(missing_ok=True)
    reasons = reasons.reindex(list(REASONS) + [r for r in reasons.index if r not in REASONS])
    n_q = int(reasons.sum())
    if n_read != n_kept + n_q:
        raise ReconciliationError(describe("Rows do not reconcile", file=source,
                                           received=f"read {n_read}, kept {n_kept}, quarantined {n_q}",
                                           expected="read = kept + quarantined"))  # fmt: skip
    for w in caught_all.values():
        warnings.warn(w.message, w.category, stacklevel=2)
    counts = pd.DataFrame([("read", None, n_read), ("kept", None, n_kept)]
                          + [("quarantined", r, int(n)) for r, n in reasons.items()],
                          columns=["outcome", "reason", "n"]).astype({"n": "int64"})  # fmt: skip
    rc, rl = _fold_recodes(recodes), _fold_rules(rule_parts)
    paths = {name: s.path for name, s in sinks.items()}
    for name, frame in (("recodes", rc), ("rules", rl), ("summary", counts), ("codebook", book.table)):
        frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object}).to_parquet(
            out / f"{name}.parquet", index=False)
        paths[name] = out / f"{name}.parquet"
    return ChunkedCleanResult(counts=counts, rules=rl, paths=paths, n_chunks=n_chunks, source=source)
