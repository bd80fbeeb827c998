"""Reading an export in chunks of whole records, and writing Parquet a row group at a time."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ...errors import CxError, ParameterError, ReconciliationError, describe
from ..exports import SurveyExport, read_export
from ._text import Decoding, decide, repaired_rows

_BLOCK = 8 << 20  # bytes read from disk at a time
_HEAD_BYTES = 1 << 20  # bytes used to detect platform, encoding and header rows
_ROW = re.compile(r"(\[file '[^']*', row )(\d+)")  # where describe() names a row


def _record_ends(block: bytes, in_quote: bool) -> tuple[np.ndarray, bool, int]:
    """Offsets (exclusive) of record ends in ``block``, the quote state after it, line-break count.

    A record ends, outside double quotes, at a line feed, a carriage return + line feed, or a
    carriage return alone (classic Mac OS files): the line ends pyarrow's parser reads.  A
    carriage return that is the block's last byte ends a record (callers extend a block that
    stops between the two bytes of a CRLF by one byte, see :func:`_read_block`).
    """
    arr = np.frombuffer(block, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    if block.find(b"\r") < 0:  # LF only: the common case, one comparison
        ends = np.flatnonzero(arr == 10)
    else:
        lf, cr = arr == 10, arr == 13
        cr[:-1] &= ~lf[1:]  # the CR of a CRLF is not an end: its LF is
        ends = np.flatnonzero(lf | cr)
    outside = (np.searchsorted(quotes, ends) + int(in_quote)) % 2 == 0  # even number of quotes before it
    return ends[outside] + 1, bool((len(quotes) + int(in_quote)) % 2), len(ends)


def _breaks(data: bytes) -> int:
    """Line breaks in ``data`` (LF, CRLF or CR, each one break), as ``read_export`` numbers lines."""
    n = data.count(b"\n")
    return n + data.count(b"\r") - data.count(b"\r\n") if b"\r" in data else n


def _read_block(fh, size: int) -> bytes:
    """``size`` bytes, one more when they end between the CR and the LF of a CRLF."""
    block = fh.read(size)
    if block.endswith(b"\r"):
        block += fh.read(1)
    return block


def _chunks(path: Path, start: int, first_line: int, chunksize: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(body bytes, file line of its first line, bytes consumed)`` of ``chunksize`` records."""
    pending: list[bytes] = []
    n_pending = 0
    line = first_line
    in_quote = False
    with path.open("rb") as fh:
        fh.seek(start)
        while True:
            block = _read_block(fh, _BLOCK)
            if not block:
                break
            ends, in_quote_after, _ = _record_ends(block, in_quote)
            pos = 0
            while n_pending + len(ends) >= chunksize:
                cut = int(ends[chunksize - n_pending - 1])
                body = b"".join([*pending, block[pos:cut]])
                yield body, line, len(body)
                line += _breaks(body)
                ends = ends[chunksize - n_pending:]
                pending, n_pending, pos = [], 0, cut
            pending.append(block[pos:])
            n_pending += len(ends)
            in_quote = in_quote_after
    body = b"".join(pending)
    if body.strip():
        yield body, line, len(body)


_WHOLE = (b"PK\x03\x04", b"$FL2", b"$FL3", b"\xd0\xcf\x11\xe0")  # workbooks, SPSS, old Excel: read whole


def _named(data: bytes, source: str) -> io.BytesIO:
    """``data`` as a file named ``source`` (``read_export`` names it in its messages)."""
    buf = io.BytesIO(data)
    buf.name = source
    return buf


def _in_file(exc: CxError, header_lines: int, line: int) -> CxError:
    """``exc`` raised on a chunk's text, with its row (a line of that text) made a line of the file.

    A chunk's text is the header rows (lines ``1 .. header_lines - 1``, the file's own) and the
    chunk's records, whose first line is ``line`` in the file.
    """
    def in_file(m: re.Match) -> str:
        row = int(m.group(2))
        return m.group(1) + str(row if row < header_lines else row - header_lines + line)

    return type(exc)(_ROW.sub(in_file, str(exc), count=1))


@dataclasses.dataclass
class Stream:
    """An export being cleaned in chunks: what every chunk is read with, and how to read one.

    A text export is cut into chunks of whole records (:func:`_chunks`); each chunk is read
    by ``read_export`` with the export's header rows in front, the whole file's encoding and
    repairs (:class:`._text.Decoding`) and the probe's platform and delimiter, and its rows
    are renumbered as lines of the whole file.  A workbook or SPSS file (``whole``) is read
    whole by ``read_export`` and cut into slices of rows.  A chunk is named by a ``spec``:
    ``(byte offset, byte length, first line)`` of its body, or its slice of the export.
    """

    path: Path
    source: str
    probe: SurveyExport  # the export's head, read as the chunks are (frame emptied)
    decoding: Decoding | None = None
    header: bytes = b""
    start: int = 0  # byte offset of the first response
    header_lines: int = 1  # line of the first response in a chunk's text (header rows above it)
    header_starts: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    whole: SurveyExport | None = None

    def pieces(self, chunksize: int) -> Iterator[tuple[Any, bytes | None, int]]:
        """``(spec, body bytes or None, bytes consumed)`` of every chunk, in file order."""
        if self.whole is not None:  # bytes consumed: the file's size shared out by rows (progress only)
            n, size = len(self.whole.frame), self.path.stat().st_size
            for a in range(0, n, chunksize):
                b = min(a + chunksize, n)
                yield dataclasses.replace(self.whole, frame=self.whole.frame.iloc[a:b]), None, size * b // n - size * a // n
            return
        offset = self.start
        for body, line, nbytes in _chunks(self.path, self.start, self.header_lines, chunksize):
            yield (offset, nbytes, line), body, nbytes
            offset += nbytes

    def specs(self, chunksize: int) -> list[Any]:
        """Every chunk's spec (the bodies are read and dropped)."""
        return [spec for spec, _, _ in self.pieces(chunksize)]

    def load(self, spec: Any, body: bytes | None = None) -> tuple[SurveyExport, list[int]]:
        """The chunk named by ``spec`` as an export (rows numbered in the whole file), and the
        rows (``row_number``) of its records holding a line decoded with a code page."""
        if isinstance(spec, SurveyExport):  # a slice of an export read whole
            return spec, []
        offset, nbytes, line = spec
        if body is None:
            body = _read_range(self.path, offset, nbytes)
        text = _named(self.decoding.apply(self.header + body), self.source)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*header rows but no responses")
            try:
                ex = read_export(text, platform=self.probe.platform, encoding=self.decoding.encoding,
                                 delimiter=self.probe.delimiter)  # fmt: skip
            except CxError as exc:
                raise _in_file(exc, self.header_lines, line) from None
        del text
        rows = ex.frame.index.to_numpy() + (line - self.header_lines)
        frame = ex.frame.set_axis(pd.Index(rows, name="row_number"), axis=0)
        repaired = []
        if self.decoding.recoded_lines:
            last = line + _breaks(body) - body.endswith((b"\n", b"\r"))  # the next chunk's first line is not ours
            repaired = repaired_rows(self.decoding.recoded_lines, line, last, rows)
            if offset == self.start:  # the header's lines, once
                repaired = repaired_rows(self.decoding.recoded_lines, 1, line - 1, self.header_starts) + repaired
        return dataclasses.replace(ex, frame=frame, source=self.source), repaired


def open_stream(path: Path, platform: str, encoding: str | None, delimiter: str | None) -> Stream:
    """Judge the export whole (encoding, repairs) and read its head: the :class:`Stream` to clean."""
    source = path.name
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(_WHOLE):
        ex = read_export(path, platform=platform, encoding=encoding, delimiter=delimiter)
        ex = dataclasses.replace(ex, source=source)
        return Stream(path, source, dataclasses.replace(ex, frame=ex.frame.iloc[:0]), whole=ex)
    decoding = decide(path, encoding, source)
    with path.open("rb") as fh:
        head = _read_block(fh, _HEAD_BYTES)
    ends, _, _ = _record_ends(head, False)
    if len(head) < path.stat().st_size and len(ends):
        head = head[: int(ends[-1])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = read_export(_named(decoding.apply(head), source), platform=platform, encoding=decoding.encoding,
                            delimiter=delimiter)  # fmt: skip
    n_header = len(probe.header_rows)
    ends, _, _ = _record_ends(head, False)
    if len(ends) < n_header:
        raise ParameterError(describe("Header rows longer than the first megabyte", file=source,
                                      expected="an export whose header rows fit in 1 MiB"))  # fmt: skip
    cut = int(ends[n_header - 1]) if n_header else 0
    header = head[:cut]
    starts = np.array([1] + [1 + _breaks(header[: int(e)]) for e in ends[: max(n_header - 1, 0)]], dtype=np.int64)
    probe = dataclasses.replace(probe, frame=probe.frame.iloc[:0], source=source)
    return Stream(path, source, probe, decoding, header, cut, _breaks(header) + 1, starts[:n_header])


def _text_type(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """``frame`` as an Arrow table, typed as the whole file's output (``schema``) when given.

    Text is ``large_string`` (categoricals decoded); an object column is written as text and a
    column without any value (Arrow type ``null``: an all-missing categorical or object column
    of this chunk) as text too, as :meth:`cxanalytics.ingest.cleaning.CleanResult.to_parquet` writes
    them.  Against ``schema`` a column without values takes the schema's type; any other
    difference but a safe numeric widening is an error, never a silent conversion.
    """
    objects = {c: "str" for c, t in frame.dtypes.items() if t == np.dtype(object)}
    table = pa.Table.from_pandas(frame.astype(objects) if objects else frame, preserve_index=False,
                                 nthreads=1)  # a pool per call costs more than it saves  # fmt: skip
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            col = col.cast(field.type.value_type)
        if _text_type(col.type) or (pa.types.is_null(col.type) and schema is None):
            col = col.cast(pa.large_string())
        cols.append(col)
    table = pa.table(cols, names=table.column_names, metadata=table.schema.metadata)
    if schema is None:
        return table
    if table.schema.names != schema.names:
        raise ReconciliationError(describe("A chunk produced different columns", received=table.schema.names,
                                           expected=schema.names))  # fmt: skip
    cols = []
    for field, col in zip(schema, table.columns, strict=True):
        if col.type != field.type:
            if not pa.types.is_null(col.type) and _text_type(col.type) != _text_type(field.type):
                raise ReconciliationError(describe("A chunk produced a column of another type", column=field.name,
                                                   received=str(col.type), expected=str(field.type)))  # fmt: skip
            col = col.cast(field.type)
        cols.append(col)
    return pa.table(cols, schema=schema)


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


def _read_range(path: Path, offset: int, nbytes: int) -> bytes:
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        return fh.read(nbytes)
