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
cluster, ``path`` and ``folder`` must be on storage every worker can reach.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..._core.dask import _compute as _compute_keeping_filters
from ..._core.dask import _dask
from ...errors import ParameterError, describe
from ..codebook import Codebook
from ._dates import DateOrder
from ._io import Stream, _Sink
from ._result import ChunkedCleanResult, Totals
from ._state import _key_columns, finish_pass1, pass1_chunk, pass2_chunk
from ._text import repair_warning

_OUTPUTS = ("data", "quarantine", "log")


def _pass1_task(stream: Stream, spec: Any, index: int, book: Codebook, key_cols: list[str], rules: dict[str, Any],
                work: str) -> dict[str, Any]:  # fmt: skip
    ex, repaired = stream.load(spec)
    where = int(ex.frame.index[0]) if len(ex.frame) else None
    try:
        part = pass1_chunk([ex], book, key_cols, rules, Path(work), Path(work) / f"chunk-{index:06d}.pkl",
                           suffix=f".{index:06d}")  # fmt: skip
    except ParameterError as exc:
        if not DateOrder(rules.get("dayfirst")).undecided(exc):
            raise
        return {"undecided": exc, "where": where, "repaired": repaired}  # cleaned again in the file's order
    return {**part, "where": where, "repaired": repaired}


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


def clean_with_dask(stream: Stream, book: Codebook | None, out: Path, chunksize: int, rules: dict[str, Any], *,
                    progress: bool, scheduler: Any) -> ChunkedCleanResult:  # fmt: skip
    """Clean ``stream`` in chunks of ``chunksize`` records as Dask tasks (see the module notes)."""
    dask, _ = _dask()  # the scale extra's check: a clear CxError without Dask
    source = stream.source
    for name in _OUTPUTS:
        if (out / f"{name}.parquet").is_file():
            raise ParameterError(describe("The output folder holds a single-file result", file=out / f"{name}.parquet",
                                          expected="an empty folder (the Dask engine writes folders of parts)"))  # fmt: skip
        shutil.rmtree(out / f"{name}.parquet", ignore_errors=True)
        (out / f"{name}.parquet").mkdir()
    specs = stream.specs(chunksize)
    if not specs:
        raise ParameterError(describe("The export has no responses", file=source, expected="at least one response"))
    first, _ = stream.load(specs[0])
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
    order = DateOrder(rules.get("dayfirst"))
    work = Path(tempfile.mkdtemp(prefix=f".{source}.work.", dir=out))  # spilled state and cleaned chunks
    try:
        stream = dataclasses.replace(stream, whole=None)  # tasks get their slice of a whole-read export, not it all
        tasks = [dask.delayed(_pass1_task)(stream, spec, i, book, key_cols, rules, str(work))
                 for i, spec in enumerate(specs)]  # fmt: skip
        parts = list(_compute(dask, tasks, bar, kw))
        for part in parts:
            if "undecided" not in part:
                order.seen(part["dayfirst"], part["where"])
        again = [i for i, part in enumerate(parts) if "undecided" in part]
        if again and order.known is None:  # no chunk tells the day/month order: the whole file cannot either
            raise parts[again[0]]["undecided"]
        if again:  # the chunks that cannot tell, cleaned in the order the others tell
            tasks = [dask.delayed(_pass1_task)(stream, specs[i], i, book, key_cols, order.rules(rules, undecided=True),
                                               str(work)) for i in again]  # fmt: skip
            for i, part in zip(again, _compute(dask, tasks, bar, kw), strict=True):
                parts[i] = part
        for part in parts:
            totals.add_pass1(part, source)
        if stream.decoding is not None:
            totals.add_warning(repair_warning(stream.decoding, [r for p in parts for r in p["repaired"]], source))
        del parts
        firsts, base = finish_pass1(work, key_cols)
        args = (str(work), book, base, firsts, rules, totals.order, totals.goes, str(out))
        head = _pass2_task(0, *args, None)  # on the driver first: it fixes each output's schema
        tasks = [dask.delayed(_pass2_task)(i, *args, head["schemas"]) for i in range(1, len(specs))]
        for part in [head, *_compute(dask, tasks, bar, kw)]:
            totals.add_pass2(part["n_kept"], part["reasons"], part["findings"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log_cols = totals.log_columns()
    if len(log_cols):
        sink = _Sink(out / "log.parquet" / f"part-{len(specs):06d}.parquet", head["schemas"]["log"])
        sink.write(log_cols)
        sink.close()
    return totals.finish(out, source, book, {name: out / f"{name}.parquet" for name in _OUTPUTS})
