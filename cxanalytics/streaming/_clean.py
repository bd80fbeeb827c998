"""The sequential engine of :func:`clean_export_in_chunks`, and the function itself."""

from __future__ import annotations

import dataclasses
import secrets
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..cleaning import REASONS
from ..codebook import Codebook
from ..errors import ParameterError, describe
from ._io import _chunks, _header, _read_chunk, _Sink
from ._result import ChunkedCleanResult, finish
from ._state import (
    _FOLD_EVERY,
    _fold_log_columns,
    _fold_recodes,
    _fold_rules,
    _key_columns,
    finish_pass1,
    pass1_chunk,
    pass1_setup,
    pass2_chunk,
)

ENGINES = ("pandas", "dask")


def _bar(progress: bool, **kwargs):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(**kwargs)


def clean_export_in_chunks(path, codebook=None, *, out_dir, chunksize: int = 100_000, platform: str = "auto",
                           encoding: str | None = None, delimiter: str | None = None, progress: bool = False,
                           engine: str = "pandas", scheduler: Any = None, **rules: Any) -> ChunkedCleanResult:  # fmt: skip
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
        With ``engine="dask"`` the first three are folders of part files (one per chunk),
        which :func:`pandas.read_parquet` reads as one table.
    chunksize : int, default 100_000
        Responses (records) per chunk; one Parquet row group (or part file) per chunk.
    platform, encoding, delimiter : passed to :func:`cxanalytics.read_export` (detected from
        the first mebibyte when omitted).
    progress : bool, default False
        Show progress (tqdm): by bytes read in pass 1 and rows in pass 2; by chunks done
        with ``engine="dask"``.
    engine : {"pandas", "dask"}, default "pandas"
        ``"pandas"`` cleans the chunks one after another in this process (memory: one
        chunk).  ``"dask"`` cleans them as Dask tasks, in parallel: on the local
        ``scheduler`` given, or on the connected ``dask.distributed`` client (every worker
        must be able to read ``path`` and write ``out_dir``).  Both give the same tables.
        Needs the ``scale`` extra (``pip install "cxanalytics[scale]"``).
    scheduler : str, optional
        With ``engine="dask"``: the Dask scheduler, e.g. ``"processes"`` or ``"threads"``;
        ``None`` uses Dask's default (a connected distributed client if there is one).
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
        A missing file, a bad ``chunksize`` or ``engine``, or a rule keyword
        ``clean_responses`` rejects.
    CxError
        ``engine="dask"`` without Dask installed.
    ReconciliationError
        If the rows read differ from kept + quarantined, or a row number repeats.

    Notes
    -----
    Pass 1 cleans only the rule columns of each chunk and spills, for each candidate
    response, its submission time, duration and respondent-key hashes to disk; from them
    it finds every key submitted more than once with the row of its earliest candidate
    submission (by ``submitted_at``, then file order) and the median and SD of candidate
    durations (duplicates excluded), exactly as :func:`cxanalytics.clean_responses` does on
    the whole table.  Pass 2 cleans each chunk with that state.  Row numbers are the
    file's line numbers, as with ``read_export``.  Log rows: cell-level rows in file order
    per chunk; column-level rows (``row`` missing: pseudonymise, reverse_code) summed over
    chunks and written last.  ``recodes`` counts are summed over chunks.

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
    if engine not in ENGINES:
        raise ParameterError(describe("Unknown engine", parameter="engine", received=engine, expected=ENGINES))
    if "progress" in rules or "export" in rules:
        raise ParameterError(describe("Unsupported keyword", parameter="rules", received=sorted(rules),
                                      expected="keywords of clean_responses except export/progress"))  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    probe, header, start, header_lines = _header(path, platform, encoding, delimiter)
    rules = dict(rules)
    rules.setdefault("pii_key", secrets.token_bytes(16))
    book = None
    if codebook is not None:
        book = codebook if isinstance(codebook, Codebook) else (
            Codebook.from_csv(codebook) if isinstance(codebook, str | Path) else Codebook(codebook))  # fmt: skip
    if engine == "dask":
        from ._dask import clean_with_dask

        return clean_with_dask(path, book, out, int(chunksize), probe, header, start, header_lines, rules,
                               progress=progress, scheduler=scheduler)  # fmt: skip
    return _clean_sequential(path, book, out, int(chunksize), probe, header, start, header_lines, rules, progress)


def _no_responses(source: str) -> ParameterError:
    return ParameterError(describe("The export has no responses", file=source, expected="at least one response"))


def _clean_sequential(path: Path, book, out: Path, chunksize: int, probe, header: bytes, start: int,
                      header_lines: int, rules: dict[str, Any], progress: bool) -> ChunkedCleanResult:  # fmt: skip
    source, size = path.name, path.stat().st_size

    def chunks():
        bar = _bar(progress, total=size, initial=start, unit="B", unit_scale=True, desc="pass 1: reading")
        try:
            for body, line, nbytes in _chunks(path, start, header_lines, chunksize):
                yield _read_chunk(header, body, line, header_lines, probe, source)
                if bar is not None:
                    bar.update(nbytes)
        finally:
            if bar is not None:
                bar.close()

    reading = chunks()
    first = next(reading, None)
    if first is None:
        raise _no_responses(source)
    if book is None:
        book = Codebook.infer(first)
    book.check(first)
    key_cols = _key_columns(book, first.frame, rules.get("respondent_key"))
    small, light = pass1_setup(book, rules)
    head = [first]  # handed on without a second read; popped so only pass 1 holds it
    del first

    def feed():
        yield head.pop()
        yield from reading

    cache = _Sink(out / f".{source}.chunks.parquet")
    try:
        with tempfile.TemporaryDirectory(prefix=f".{source}.pass1.", dir=out) as spill:
            for ex in feed():
                cache.write(ex.frame.reset_index())  # pass 2 reads the parsed chunks, not the text
                pass1_chunk(ex, small, key_cols, light, Path(spill))
                del ex
            firsts, base = finish_pass1(Path(spill), key_cols)
    except BaseException:
        cache.close()
        cache.path.unlink(missing_ok=True)
        raise
    cache.close()

    sinks = {name: _Sink(out / f"{name}.parquet") for name in ("data", "quarantine", "log")}
    column_rows: list[pd.DataFrame] = []
    recodes: list[pd.DataFrame] = []
    rule_parts: list[pd.DataFrame] = []
    caught_all: dict = {}
    n_read = n_kept = n_chunks = 0
    reasons = pd.Series(0, index=list(REASONS), dtype="int64")
    try:
        reader = pq.ParquetFile(cache.path)
        bar = _bar(progress, total=reader.metadata.num_rows, unit="rows", desc="pass 2: cleaning")
        for g in range(reader.num_row_groups):
            frame = reader.read_row_group(g).to_pandas().set_index("row_number")
            res, caught = pass2_chunk(dataclasses.replace(probe, frame=frame, source=source), book, base, firsts,
                                      rules)  # fmt: skip
            del frame
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
            if bar is not None:
                bar.update(res.n_read)
            del res, kept, held
        if bar is not None:
            bar.close()
        log_cols = _fold_log_columns(column_rows)
        if len(log_cols):
            sinks["log"].write(log_cols)
    finally:
        for s in sinks.values():
            s.close()
        cache.path.unlink(missing_ok=True)
    paths = {name: s.path for name, s in sinks.items()}
    return finish(out, source, book, n_read, n_kept, reasons, _fold_recodes(recodes), _fold_rules(rule_parts),
                  paths, n_chunks, caught_all)  # fmt: skip
