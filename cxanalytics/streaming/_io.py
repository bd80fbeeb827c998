"""Reading an export in chunks of whole records, and writing Parquet a row group at a time."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ParameterError, ReconciliationError, describe
from ..exports import read_export

_BLOCK = 8 << 20  # bytes read from disk at a time
_HEAD_BYTES = 1 << 20  # bytes used to detect platform, encoding and header rows


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
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)  # a pool per call costs more than it saves
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
    """One Parquet file written a row group at a time (``schema``: cast every table to it)."""

    def __init__(self, path: Path, schema: pa.Schema | None = None) -> None:
        self.path, self.writer, self.schema = path, None, schema

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


def _chunk_ranges(path: Path, start: int, first_line: int, chunksize: int) -> Iterator[tuple[int, int, int]]:
    """``(byte offset, byte length, file line)`` of each chunk of ``chunksize`` records."""
    offset = start
    for body, line, nbytes in _chunks(path, start, first_line, chunksize):
        yield offset, nbytes, line
        offset += nbytes
        del body


def _read_range(path: Path, offset: int, nbytes: int) -> bytes:
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        return fh.read(nbytes)
