"""The Dask engine of :func:`clean_export_in_chunks`: the chunks of both passes as parallel tasks.

The driver finds the chunks' byte ranges (one scan for record ends), reads the first chunk
to infer or check the codebook, and hands Dask one task per chunk and pass.  A pass-1 task
reads its byte range, writes the parsed chunk to ``.<export>.chunks/part-N.parquet`` and
spills its candidates' state with its own file suffix; the driver then works out the
whole-file state (:func:`._state.finish_pass1`) and a pass-2 task cleans chunk N from its
cached part with that state and writes ``data.parquet/part-N.parquet`` (and quarantine,
log).  Chunk 0 of pass 2 runs first, on the driver, to fix each output's Arrow schema; every
other part is cast to it.  The small per-chunk tables (counts, recodes, rules, column-level
log rows, warnings) come back to the driver and are summed in chunk order, so the result
is the sequential engine's, table for table.

Tasks take plain arguments (paths, byte offsets, the codebook, the rules, the state), so they
run on threads, local processes or the workers of a ``dask.distributed`` cluster; on a
cluster, ``path`` and ``out_dir`` must be on storage every worker can reach.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..cleaning import REASONS
from ..codebook import Codebook
from ..errors import CxError, ParameterError, describe
from ._io import _chunk_ranges, _read_chunk, _read_range, _Sink
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

_OUTPUTS = ("data", "quarantine", "log")


def _dask():
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise CxError(describe("engine='dask' needs Dask", parameter="engine",
                               expected='pip install "cxanalytics[scale]"')) from exc  # fmt: skip
    return dask


def _pass1_task(path: str, offset: int, nbytes: int, line: int, index: int, header: bytes, header_lines: int,
                probe, small: Codebook, key_cols: list[str], light: dict[str, Any], spill: str, cache: str) -> int:  # fmt: skip
    ex = _read_chunk(header, _read_range(Path(path), offset, nbytes), line, header_lines, probe, probe.source)
    sink = _Sink(Path(cache) / f"part-{index:06d}.parquet")
    sink.write(ex.frame.reset_index())
    sink.close()
    pass1_chunk(ex, small, key_cols, light, Path(spill), suffix=f".{index:06d}")
    return len(ex.frame)


def _pass2_task(index: int, cache: str, probe, book: Codebook, base, firsts, rules: dict[str, Any], out: str,
                schemas: dict | None) -> dict[str, Any]:  # fmt: skip
    frame = pd.read_parquet(Path(cache) / f"part-{index:06d}.parquet").set_index("row_number")
    res, caught = pass2_chunk(dataclasses.replace(probe, frame=frame), book, base, firsts, rules)
    kept, held = res.data.reset_index(), res.quarantine.reset_index()
    cell = res.log["row"].notna()
    written = {}
    for name, table, hint in (("data", kept, held), ("quarantine", held, kept), ("log", res.log[cell], None)):
        sink = _Sink(Path(out) / f"{name}.parquet" / f"part-{index:06d}.parquet", (schemas or {}).get(name))
        sink.write(table, hint=hint)
        sink.close()
        written[name] = sink.schema
    return {"n_read": res.n_read, "n_kept": len(res.data), "reasons": res.quarantine["reason"].value_counts(),
            "log_columns": res.log[~cell], "recodes": res.recodes, "rules": res.rules,
            "warnings": [(w.message, w.category) for w in caught], "schemas": written}  # fmt: skip


def clean_with_dask(path: Path, book: Codebook | None, out: Path, chunksize: int, probe, header: bytes, start: int,
                    header_lines: int, rules: dict[str, Any], *, progress: bool, scheduler: Any) -> ChunkedCleanResult:  # fmt: skip
    """Clean ``path`` in chunks of ``chunksize`` records as Dask tasks (see the module notes)."""
    dask = _dask()
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
    small, light = pass1_setup(book, rules)
    compute_kw = {"scheduler": scheduler} if scheduler is not None else {}
    bar = None
    if progress:
        from dask.diagnostics import ProgressBar

        bar = ProgressBar()
    cache = Path(tempfile.mkdtemp(prefix=f".{source}.chunks.", dir=out))
    try:
        with tempfile.TemporaryDirectory(prefix=f".{source}.pass1.", dir=out) as spill:
            tasks = [dask.delayed(_pass1_task)(str(path), o, n, ln, i, header, header_lines, light_probe, small,
                                               key_cols, light, spill, str(cache))
                     for i, (o, n, ln) in enumerate(ranges)]  # fmt: skip
            if bar is not None:
                with bar:
                    dask.compute(*tasks, **compute_kw)
            else:
                dask.compute(*tasks, **compute_kw)
            firsts, base = finish_pass1(Path(spill), key_cols)
        head = _pass2_task(0, str(cache), light_probe, book, base, firsts, rules, str(out), None)
        tasks = [dask.delayed(_pass2_task)(i, str(cache), light_probe, book, base, firsts, rules, str(out),
                                           head["schemas"]) for i in range(1, len(ranges))]  # fmt: skip
        if bar is not None:
            with bar:
                rest = dask.compute(*tasks, **compute_kw)
        else:
            rest = dask.compute(*tasks, **compute_kw)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    parts = [head, *rest]
    column_rows, recodes, rule_parts = [], [], []
    caught: dict[str, warnings.WarningMessage] = {}
    reasons = pd.Series(0, index=list(REASONS), dtype="int64")
    for part in parts:
        for w_message, w_category in part["warnings"]:
            caught.setdefault(str(w_message).split(":")[0],
                              warnings.WarningMessage(w_message, w_category, source, 0))  # fmt: skip
        reasons = reasons.add(part["reasons"], fill_value=0).astype("int64")
        for acc, key, fold in ((column_rows, "log_columns", _fold_log_columns), (recodes, "recodes", _fold_recodes),
                               (rule_parts, "rules", _fold_rules)):  # fmt: skip
            acc.append(part[key])
            if len(acc) >= _FOLD_EVERY:
                acc[:] = [fold(acc)]
    log_cols = _fold_log_columns(column_rows)
    if len(log_cols):
        sink = _Sink(out / "log.parquet" / f"part-{len(ranges):06d}.parquet", head["schemas"]["log"])
        sink.write(log_cols)
        sink.close()
    paths = {name: out / f"{name}.parquet" for name in _OUTPUTS}
    n_read = sum(p["n_read"] for p in parts)
    n_kept = sum(p["n_kept"] for p in parts)
    return finish(out, source, book, n_read, n_kept, reasons, _fold_recodes(recodes), _fold_rules(rule_parts),
                  paths, len(ranges), caught)  # fmt: skip
