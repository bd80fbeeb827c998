"""The Dask engine of :func:`clean_export_in_chunks`: the chunks of both passes as parallel tasks.

The driver finds the chunks' byte ranges (one scan for record ends), reads the first chunk
to infer or check the codebook, and hands Dask one task per chunk and pass.  A pass-1 task
reads its byte range, cleans it (:func:`._state.pass1_chunk`), caches the cleaned chunk and
spills its candidates' state with its own file suffix; the driver then works out the
whole-file state (:func:`._state.finish_pass1`) and a pass-2 task adds the duplicate and
speeder verdicts to chunk N (:func:`._state.pass2_chunk`) and writes
``data.parquet/part-N.parquet`` (and quarantine, log).  Chunk 0 of pass 2 runs first, on the
driver, to fix each output's Arrow schema; every other part is cast to it.  The small
per-chunk tables (counts, recodes, rules, column-level log rows, warnings) come back to the
driver and are summed in chunk order, so the result is the sequential engine's, table for
table.

Tasks take plain arguments (paths, byte offsets, the codebook, the rules, the state), so they
run on threads, local processes or the workers of a ``dask.distributed`` cluster; on a
cluster, ``path`` and ``out_dir`` must be on storage every worker can reach.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..codebook import Codebook
from ..errors import ParameterError, describe
from ..scale import _compute as _compute_keeping_filters
from ..scale import _dask
from ._io import _chunk_ranges, _read_chunk, _read_range, _Sink
from ._result import ChunkedCleanResult, Totals
from ._state import _key_columns, finish_pass1, pass1_chunk, pass2_chunk

_OUTPUTS = ("data", "quarantine", "log")


def _pass1_task(path: str, offset: int, nbytes: int, line: int, index: int, header: bytes, header_lines: int,
                probe, book: Codebook, key_cols: list[str], rules: dict[str, Any], work: str) -> dict[str, Any]:  # fmt: skip
    chunk = [_read_chunk(header, _read_range(Path(path), offset, nbytes), line, header_lines, probe, probe.source)]
    return pass1_chunk(chunk, book, key_cols, rules, Path(work), Path(work) / f"chunk-{index:06d}.pkl",
                       suffix=f".{index:06d}")  # fmt: skip


def _pass2_task(index: int, work: str, book: Codebook, base, firsts, rules: dict[str, Any], order: list[str],
                goes: dict[str, bool], out: str, schemas: dict | None) -> dict[str, Any]:  # fmt: skip
    cache = Path(work) / f"chunk-{index:06d}.pkl"
    part = pass2_chunk(cache, book, base, firsts, rules, order, goes)
    cache.unlink()
    kept, held = part["data"].reset_index(), part["quarantine"].reset_index()
    written = {}
    for name, table, hint in (("data", kept, held), ("quarantine", held, kept), ("log", part["log"], None)):
        sink = _Sink(Path(out) / f"{name}.parquet" / f"part-{index:06d}.parquet", (schemas or {}).get(name))
        sink.write(table, hint=hint)
        sink.close()
        written[name] = sink.schema
    # only what the driver sums goes back: no table of rows
    return {"n_kept": len(kept), "reasons": held["reason"].value_counts(), "findings": part["findings"],
            "schemas": written}  # fmt: skip


def _compute(dask, tasks, bar, kw):
    if bar is None:
        return _compute_keeping_filters(dask, *tasks, **kw)
    with bar:
        return _compute_keeping_filters(dask, *tasks, **kw)


def clean_with_dask(path: Path, book: Codebook | None, out: Path, chunksize: int, probe, header: bytes, start: int,
                    header_lines: int, rules: dict[str, Any], *, progress: bool, scheduler: Any) -> ChunkedCleanResult:  # fmt: skip
    """Clean ``path`` in chunks of ``chunksize`` records as Dask tasks (see the module notes)."""
    dask, _ = _dask()  # the scale extra's check: a clear CxError without Dask
    source = path.name
    for name in _OUTPUTS:
        if (out / f"{name}.parquet").is_file():
            raise ParameterError(describe("The output folder holds a single-file result", file=out / f"{name}.parquet",
                                          expected="an empty folder (the Dask engine writes folders of parts)"))  # fmt: skip
        shutil.rmtree(out / f"{name}.parquet", ignore_errors=True)
        (out / f"{name}.parquet").mkdir()
    ranges = list(_chunk_ranges(path, start, header_lines, chunksize))
    if not ranges:
        raise ParameterError(describe("The export has no responses", file=source, expected="at least one response"))
    light_probe = dataclasses.replace(probe, frame=probe.frame.iloc[:0], source=source)
    offset, nbytes, line = ranges[0]
    first = _read_chunk(header, _read_range(path, offset, nbytes), line, header_lines, probe, source)
    if book is None:
        book = Codebook.infer(first)
    book.check(first)
    key_cols = _key_columns(book, first.frame, rules.get("respondent_key"))
    del first
    kw = {"scheduler": scheduler} if scheduler is not None else {}
    bar = None
    if progress:
        from dask.diagnostics import ProgressBar

        bar = ProgressBar()
    totals = Totals()
    work = Path(tempfile.mkdtemp(prefix=f".{source}.work.", dir=out))  # spilled state and cleaned chunks
    try:
        tasks = [dask.delayed(_pass1_task)(str(path), o, n, ln, i, header, header_lines, light_probe, book,
                                           key_cols, rules, str(work)) for i, (o, n, ln) in enumerate(ranges)]  # fmt: skip
        for part in _compute(dask, tasks, bar, kw):
            totals.add_pass1(part, source)
        firsts, base = finish_pass1(work, key_cols)
        args = (str(work), book, base, firsts, rules, totals.order, totals.goes, str(out))
        head = _pass2_task(0, *args, None)  # on the driver first: it fixes each output's schema
        tasks = [dask.delayed(_pass2_task)(i, *args, head["schemas"]) for i in range(1, len(ranges))]
        for part in [head, *_compute(dask, tasks, bar, kw)]:
            totals.add_pass2(part["n_kept"], part["reasons"], part["findings"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log_cols = totals.log_columns()
    if len(log_cols):
        sink = _Sink(out / "log.parquet" / f"part-{len(ranges):06d}.parquet", head["schemas"]["log"])
        sink.write(log_cols)
        sink.close()
    return totals.finish(out, source, book, {name: out / f"{name}.parquet" for name in _OUTPUTS})
