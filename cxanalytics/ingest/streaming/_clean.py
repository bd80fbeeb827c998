"""The sequential engine of :func:`clean_export_in_chunks`, and the function itself."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..._core.validate import renamed_parameters
from ...errors import ParameterError, describe
from ..codebook import Codebook
from ._dates import DateOrder
from ._io import Stream, _Sink, open_stream
from ._result import ChunkedCleanResult, Totals
from ._state import _key_columns, finish_pass1, pass1_chunk, pass2_chunk
from ._text import repair_warning

ENGINES = ("pandas", "dask")


def _bar(progress: bool, **kwargs):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(**kwargs)


@renamed_parameters(out_dir="folder")
def clean_export_in_chunks(path, codebook=None, *, folder, chunksize: int = 100_000, platform: str = "auto",
                           encoding: str | None = None, delimiter: str | None = None, progress: bool = False,
                           engine: str = "pandas", scheduler: Any = None, **rules: Any) -> ChunkedCleanResult:  # fmt: skip
    """Clean a text survey export in chunks, writing the results to Parquet as it goes.

    Parameters
    ----------
    path : str or path
        A CSV/TSV export of any platform :func:`cxanalytics.read_export` knows, in a
        one-byte-per-ASCII encoding (UTF-8, cp1256, cp1252, Mac Roman; lines ending in LF,
        CRLF or CR).  A workbook (.xlsx) or SPSS file is read whole by ``read_export`` and
        cleaned in slices of ``chunksize`` rows (the same tables; memory: the whole export).
    codebook : Codebook, DataFrame, CSV path or None
        As in :func:`cxanalytics.clean_responses`.  ``None`` infers it from the first chunk
        (pass one inferred from the whole file, or a saved one, for results identical to
        the in-memory path whatever the chunk size).
    folder : str or path
        Folder for ``data.parquet``, ``quarantine.parquet``, ``log.parquet``,
        ``recodes.parquet``, ``rules.parquet``, ``summary.parquet``, ``codebook.parquet``.
        With ``engine="dask"`` the first three are folders of part files (one per chunk),
        which :func:`pandas.read_parquet` reads as one table.  (Called ``out_dir`` before
        0.2; the old name still works, with a ``FutureWarning``.)
    chunksize : int, default 100_000
        Responses (records) per chunk; one Parquet row group (or part file) per chunk.
    platform, encoding, delimiter : passed to :func:`cxanalytics.read_export`.  Omitted, the
        encoding is decided from the whole file as ``read_export`` decides it, the platform and
        delimiter from its first mebibyte; every chunk is read with them.
    progress : bool, default False
        Show progress (tqdm): by bytes read in pass 1 and rows in pass 2; by chunks done
        with ``engine="dask"``.
    engine : {"pandas", "dask"}, default "pandas"
        ``"pandas"`` cleans the chunks one after another in this process (memory: one
        chunk).  ``"dask"`` cleans them as Dask tasks, in parallel: on the local
        ``scheduler`` given, or on the connected ``dask.distributed`` client (every worker
        must be able to read ``path`` and write ``folder``).  Both give the same tables.
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
        A missing file, a bad ``chunksize`` or ``engine``, a rule keyword
        ``clean_responses`` rejects, dates whose day/month order no chunk can tell (as for
        the whole file), or a UTF-16/UTF-32 text file (re-save it as UTF-8).
    CxError
        Dates read day first in one chunk and month first in another (as for the whole file).
        Also ``engine="dask"`` without Dask installed.
    ReconciliationError
        If the rows read differ from kept + quarantined, or a row number repeats.

    Notes
    -----
    Pass 1 cleans each chunk with every rule except the two that need the whole file
    (duplicates, speeders), caches the result and spills, for each candidate response, its
    submission time, duration and respondent-key hashes to disk; from them it finds every
    key submitted more than once with the row of its earliest candidate submission (by
    ``submitted_at``, then file order) and the median and SD of candidate durations
    (duplicates excluded), exactly as :func:`cxanalytics.clean_responses` does on the whole
    table.  Pass 2 adds those two rules' verdicts to each cached chunk and writes it.  Row
    numbers are the file's line numbers, as with ``read_export``.  The encoding and its
    repairs (NUL padding; lines in a code page inside a UTF-8 file, named once, by their rows
    in the whole file, in the same warning as ``read_export``'s) are decided on the whole
    file first; a file that needs a repair is held in memory once while it is judged.  A
    chunk whose dates cannot tell the day/month order is cleaned in the order the other
    chunks tell.  The calendar of years 1400-1420 (Jalali or Hijri) is still decided per
    chunk: a chunk whose dates do not say which raises even when other chunks do, so pass
    ``calendar="jalali"`` (or ``"hijri"``) for such exports.  Log rows: in the in-memory order within each chunk; column-level rows
    (``row`` missing: pseudonymise, reverse_code) summed over chunks and written last.
    ``recodes`` counts are summed over chunks.  Memory: one chunk, plus what the Parquet writers keep per row group (a few
    hundred bytes a column) and 8 bytes a response at the end of pass 1; on a 2-core
    machine a 1.2 GiB export (3.16 million responses) is cleaned in chunks of 50,000 with
    a peak resident size under 400 MiB, interpreter included (``benchmarks/bench_streaming.py``).

    Examples
    --------
    >>> import tempfile
    >>> from cxanalytics.datasets import load_sample
    >>> src = load_sample("qualtrics_en")
    >>> with tempfile.TemporaryDirectory() as out:
    ...     res = clean_export_in_chunks(src, folder=out, chunksize=500, pii_key="k")
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
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stream = open_stream(path, platform, encoding, delimiter)
    rules = dict(rules)
    rules.setdefault("pii_key", secrets.token_bytes(16))
    book = None
    if codebook is not None:
        book = codebook if isinstance(codebook, Codebook) else (
            Codebook.from_csv(codebook) if isinstance(codebook, str | Path) else Codebook(codebook))  # fmt: skip
    if engine == "dask":
        from ._dask import clean_with_dask

        return clean_with_dask(stream, book, out, int(chunksize), rules, progress=progress, scheduler=scheduler)
    return _clean_sequential(stream, book, out, int(chunksize), rules, progress)


def _no_responses(source: str) -> ParameterError:
    return ParameterError(describe("The export has no responses", file=source, expected="at least one response"))


def _first_row(ex) -> int | None:
    return int(ex.frame.index[0]) if len(ex.frame) else None


def _clean_sequential(stream: Stream, book, out: Path, chunksize: int, rules: dict[str, Any],
                      progress: bool) -> ChunkedCleanResult:  # fmt: skip
    source, size = stream.source, stream.path.stat().st_size
    repaired: list[int] = []

    def chunks():
        bar = _bar(progress, total=size, initial=stream.start, unit="B", unit_scale=True, desc="pass 1: cleaning")
        try:
            for spec, body, nbytes in stream.pieces(chunksize):
                ex, rows = stream.load(spec, body)
                del body
                repaired.extend(rows)
                holder = [ex]
                del ex  # the consumer pops the chunk: not held here while it is cleaned
                yield spec, holder
                if bar is not None:
                    bar.update(nbytes)
        finally:
            if bar is not None:
                bar.close()

    reading = chunks()
    first = next(reading, None)
    if first is None:
        raise _no_responses(source)
    ex = first[1][0]
    if book is None:
        book = Codebook.infer(ex)
    book.check(ex)
    key_cols = _key_columns(book, ex.frame, rules.get("respondent_key"))
    del ex
    head = [first]  # handed on without a second read; popped so only pass 1 holds it
    del first

    def feed():
        yield head.pop()
        yield from reading

    totals = Totals()
    order = DateOrder(rules.get("dayfirst"))
    sinks = {name: _Sink(out / f"{name}.parquet") for name in ("data", "quarantine", "log")}
    work = Path(tempfile.mkdtemp(prefix=f".{source}.work.", dir=out))  # spilled state and cleaned chunks

    def pass1(holder: list, n: int, *, undecided: bool = False, suffix: str = "") -> dict[str, Any]:
        # pass1_chunk takes the chunk out of the list: its raw text is freed once cleaned
        return pass1_chunk(holder, book, key_cols, order.rules(rules, undecided=undecided), work,
                           work / f"chunk-{n:06d}.pkl", suffix=suffix)  # fmt: skip

    try:
        n = 0
        pending = []  # chunks whose dates cannot tell the day/month order, before one that can
        for spec, holder in feed():
            where = _first_row(holder[0])
            try:
                part = pass1(holder, n)
            except ParameterError as exc:
                if not order.undecided(exc):
                    raise
                if order.known is None:
                    pending.append((n, spec, exc.with_traceback(None)))  # not the chunk its frames hold
                    n += 1
                    continue
                part = pass1([stream.load(spec)[0]], n, undecided=True)
            del holder
            order.seen(part["dayfirst"], where)
            for k, spec_k, _ in pending:  # cleaned in the order this chunk tells; their spilled state
                # sorts before the later chunks' (suffix ".k" < ""), so it stays in file order
                totals.add_pass1(pass1([stream.load(spec_k)[0]], k, undecided=True, suffix=f".{k:06d}"), source)
            pending.clear()
            totals.add_pass1(part, source)
            n += 1
            pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed chunks otherwise
        if pending:  # no chunk tells the order: the whole file cannot either
            raise pending[0][2]
        totals.add_warning(repair_warning(stream.decoding, repaired, source) if stream.decoding else None)
        firsts, base = finish_pass1(work, key_cols)
        bar = _bar(progress, total=totals.n_read, unit="rows", desc="pass 2: duplicates, speeders")
        for i in range(n):
            cache = work / f"chunk-{i:06d}.pkl"
            part = pass2_chunk(cache, book, base, firsts, rules, totals.order, totals.goes)
            cache.unlink()
            totals.add_pass2(len(part["data"]), part["quarantine"]["reason"].value_counts(), part["findings"])
            kept, held = part["data"].reset_index(), part["quarantine"].reset_index()
            sinks["data"].write(kept, hint=held)
            sinks["quarantine"].write(held, hint=kept)
            sinks["log"].write(part["log"])
            if bar is not None:
                bar.update(len(kept) + len(held))
            del part, kept, held
            pa.default_memory_pool().release_unused()
        if bar is not None:
            bar.close()
        log_cols = totals.log_columns()
        if len(log_cols):
            sinks["log"].write(log_cols)
    finally:
        for s in sinks.values():
            s.close()
        shutil.rmtree(work, ignore_errors=True)
    return totals.finish(out, source, book, {name: s.path for name, s in sinks.items()})
