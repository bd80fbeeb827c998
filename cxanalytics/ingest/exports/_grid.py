"""Turn file bytes into a grid of records with their source line numbers (internal).

Text files are parsed once by pyarrow's multi-threaded CSV reader (all columns as
strings, only empty cells missing); header rows are ordinary records at the top of
the grid.  The line on which each record starts is computed from the number of line
breaks inside its quoted cells (a vectorised count), so blank lines and multi-line
answers are numbered as the user sees them in an editor.  Rows with too few or too
many fields stop the read; only then is the file rescanned with Python's ``csv``
module to name the physical line of the first ragged record.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import ExportFormatError, ParameterError, describe
from ._encoding import EncodingInfo, FileBytes, pieces, whole

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
_BLOCK = 4 << 20
_BIG_BLOCK = 256 << 20
N_HEADER_PEEK = 4


@dataclass
class Grid:
    """Every record of a sheet or text file; header rows are the first records."""

    cells: pd.DataFrame  # columns 0..n-1
    lines: np.ndarray  # 1-based line (text) or sheet row (workbook) where each record starts
    kind: str  # "text" or "workbook"
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def header(self, n: int = N_HEADER_PEEK) -> list[list[str]]:
        """The first ``n`` records as lists of strings (missing cells as ``""``)."""
        top = self.cells.iloc[:n]
        return [[cell_text(v) for v in row] for row in top.itertuples(index=False, name=None)]


def cell_text(value: object) -> str:
    """Text of a header cell: ``""`` for missing, integral floats without ``.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    return str(value)


def _first_record_width(head: str, delimiter: str) -> int:
    for rec in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter):
        if rec:
            return len(rec)
    return 0


def _ragged_error(text: str, delimiter: str, width: int, source: str, hint: tuple) -> ExportFormatError:
    """Rescan ``text`` with :mod:`csv` to locate the first record whose width differs."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line, n = None, None
    try:
        start = 1
        for rec in reader:
            if rec and len(rec) != width:
                line, n = start, len(rec)
                break
            start = reader.line_num + 1
    except csv.Error:
        pass
    if line is None:  # the csv module disagrees with pyarrow: report what pyarrow saw
        expected_n, actual_n, snippet = hint
        line, n = None, actual_n
        received = f"{actual_n} fields in the record beginning {snippet[:60]!r}"
    else:
        received = f"{n} fields"
    expected = f"{width} fields, as in row 1 (delimiter {delimiter!r})"
    if n == 1 and width > 1:
        expected += "; a single field often means the row uses another delimiter"
    return ExportFormatError(
        describe("Ragged row: wrong number of fields", file=source, row=line,
                 received=received, expected=expected)
    )


def _crlf_breaks(data: bytes | FileBytes, codec: str) -> np.ndarray | None:
    """Offsets, in the UTF-8 stream the parser reads, of every "\n" that follows a "\r".

    For a one-byte codec (cp1256, cp1252) the parser transcodes: each byte's UTF-8 length is
    summed.  ``None`` for codecs of wider units (UTF-16), whose stream is not worked out.
    """
    try:
        widths = np.array([len(bytes([b]).decode(codec, errors="replace").encode("utf-8")) for b in range(256)])
        if "\r\n".encode(codec) != b"\r\n":
            return None
    except LookupError:
        return None
    widths = widths.astype(np.uint8)
    out, done, after_cr = [], 0, False  # done: stream offset of the piece's first character
    for piece in pieces(data):
        arr = np.frombuffer(piece, dtype=np.uint8)
        hit = np.flatnonzero((arr == 10) & np.r_[after_cr, arr[:-1] == 13])
        after_cr = bool(len(arr)) and arr[-1] == 13
        if not len(hit):
            done += int(widths[arr].sum(dtype=np.int64))
            continue
        # the stream offset of each hit: the UTF-8 lengths summed between consecutive hits
        between = np.add.reduceat(widths[arr], np.r_[0, hit], dtype=np.int64)
        out.append(np.cumsum(between[:-1]) + done)
        done += int(between.sum())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _block_size(data: bytes | FileBytes, codec: str, block_size: int) -> int:
    """A parser block size at least ``block_size`` whose block boundaries split no "\r\n".

    pyarrow (26) drops the "\n" of a "\r\n" inside a quoted cell when one of its parse
    blocks ends between the two bytes (the cell's line break silently becomes "\r").  Blocks
    end at multiples of the block size in the stream it parses, so a size is chosen for
    which no multiple falls on such a "\n" (every "\r\n" is avoided, quoted or not: the
    first few sizes tried usually do).  UTF-8 is parsed as it is stored, so only the bytes
    at the block ends are read; one-byte codecs are scanned once; wider codecs (UTF-16)
    keep ``block_size``.
    """
    n = len(data)
    if n <= block_size:
        return block_size
    sizes = range(block_size, block_size + 4096)
    if codec == "utf8":
        return next((size for size in sizes if all(data[k - 1 : k + 1] != b"\r\n" for k in range(size, n, size))),
                    block_size)  # fmt: skip
    breaks = _crlf_breaks(data, codec)
    if breaks is None or not len(breaks):
        return block_size
    return next((size for size in sizes if not np.any(breaks % size == 0)), block_size)


def _parse(data, names, codec, delimiter, on_bad_row, block_size) -> pa.Table:
    source = pa.OSFile(str(data.path)) if isinstance(data, FileBytes) else pa.BufferReader(data)
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=names, encoding=codec, block_size=block_size),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
            invalid_row_handler=on_bad_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )


def _offsets(chunk: pa.Array) -> np.ndarray:
    """The ``len(chunk) + 1`` value offsets of a string chunk (a view of its buffer)."""
    dtype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=dtype)[chunk.offset : chunk.offset + len(chunk) + 1]


def _compact(parsed: list[pa.Table]) -> tuple[pd.DataFrame, np.ndarray]:
    """The parsed table (taken out of ``parsed``, so it is freed here) as one contiguous ``large_string`` array per column, and the number of
    line breaks inside each record.

    pandas keeps ``str`` columns as Arrow ``large_string``; the parser's blocks are copied,
    block by block, into one buffer per column (owned by NumPy, so freed memory goes back to
    the system) and each block is released as soon as it is copied: the file is never held
    twice and the columns are single chunks (no per-chunk overhead downstream).  Bytes ``\n``
    and ``\r`` are looked for while copying; only columns that hold one are counted by Arrow.
    """
    table = parsed.pop()
    n, width = table.num_rows, table.num_columns
    chunks = [list(table.column(j).chunks) for j in range(width)]
    del table
    offsets = [np.empty(n + 1, dtype=np.int64) for _ in range(width)]
    sizes = [sum(int(o[-1] - o[0]) for o in map(_offsets, cs)) for cs in chunks]
    values = [np.empty(size, dtype=np.uint8) for size in sizes]
    valid: list[np.ndarray | None] = [None] * width
    nulls = [0] * width
    rows, used = [0] * width, [0] * width
    lf, cr = [False] * width, [False] * width
    pool = pa.default_memory_pool()
    for k in range(max((len(cs) for cs in chunks), default=0)):
        for j, cs in enumerate(chunks):
            if k >= len(cs):
                continue
            chunk, cs[k] = cs[k], None
            m, r, b = len(chunk), rows[j], used[j]
            o = _offsets(chunk)
            lo, hi = int(o[0]), int(o[-1])
            if hi > lo:
                part = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[lo:hi]
                values[j][b : b + hi - lo] = part
                lf[j] = lf[j] or bool((part == 10).any())
                cr[j] = cr[j] or bool((part == 13).any())
            offsets[j][r + 1 : r + m + 1] = o[1:] + (b - lo)
            if chunk.null_count:
                if valid[j] is None:
                    valid[j] = np.ones(n, dtype=bool)
                valid[j][r : r + m] = chunk.is_valid().to_numpy(zero_copy_only=False)
                nulls[j] += chunk.null_count
            rows[j], used[j] = r + m, b + hi - lo
            del chunk
        if k % 8 == 7:
            pool.release_unused()  # the copied blocks' memory, back to the system
    pool.release_unused()
    breaks = np.zeros(n, dtype=np.int64)
    cells = {}
    for j in range(width):
        offsets[j][0] = 0
        mask = None if valid[j] is None else pa.py_buffer(np.packbits(valid[j], bitorder="little"))
        arr = pa.Array.from_buffers(pa.large_string(), n, [mask, pa.py_buffer(offsets[j]), pa.py_buffer(values[j])],
                                    null_count=nulls[j])  # fmt: skip
        for pattern, sign, present in (("\n", 1, lf[j]), ("\r", 1, cr[j]), ("\r\n", -1, lf[j] and cr[j])):
            if present:  # "\r\n" is one break: \n + \r - \r\n
                counts = pc.fill_null(pc.count_substring(arr, pattern), 0)
                breaks += sign * counts.to_numpy(zero_copy_only=False).astype(np.int64)
        cells[j] = pd.Series(arr, dtype=STR_DTYPE, copy=False)
    offsets = values = valid = None
    return pd.DataFrame(cells, copy=False), breaks


def read_text_grid(data: bytes | FileBytes, enc: EncodingInfo, delimiter: str, head: str, *, source: str) -> Grid:
    """Parse delimited text into a :class:`Grid` of string cells."""
    width = _first_record_width(head, delimiter)
    names = [f"c{i}" for i in range(width)]
    bad: list[tuple] = []

    def on_bad_row(row):  # called by pyarrow only for rows of the wrong width
        bad.append((row.expected_columns, row.actual_columns, row.text or ""))
        return "error"

    codec = "utf8" if enc.codec in ("utf-8", "utf-8-sig") else enc.codec
    try:
        table = _parse(data, names, codec, delimiter, on_bad_row, _block_size(data, codec, _BLOCK))
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):  # one record longer than a block: retry with big blocks
            try:
                table = _parse(data, names, codec, delimiter, on_bad_row, _block_size(data, codec, _BIG_BLOCK))
            except pa.ArrowInvalid as exc2:
                exc = exc2
            else:
                exc = None
        if exc is not None:
            if bad:
                text = whole(data).decode(enc.codec, errors="replace")
                raise _ragged_error(text, delimiter, width, source, bad[0]) from None
            raise ExportFormatError(
                describe("The file could not be parsed as delimited text", file=source,
                         received=str(exc)[:200], expected=f"{delimiter!r}-delimited records")
            ) from None
    parsed = [table]
    del table
    cells, breaks = _compact(parsed)
    span = 1 + breaks
    lines = np.concatenate([[1], 1 + np.cumsum(span)[:-1]]).astype(np.int64)
    del breaks, span
    pa.default_memory_pool().release_unused()
    return Grid(cells, lines, "text")


def _choose_sheet(wb, sheet, source: str) -> tuple[str, str]:
    names = list(wb.sheetnames)
    if sheet is None:
        if len(names) == 1:
            return names[0], f"the only sheet, {names[0]!r}"
        sizes = {n: (wb[n].max_row or 0) * (wb[n].max_column or 0) for n in names}
        chosen = max(names, key=lambda n: sizes[n])  # first among equals
        listing = ", ".join(f"{n!r} ({sizes[n]} cells)" for n in names)
        return chosen, f"sheet {chosen!r}, the largest of {listing}; pass sheet= to choose"
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return names[sheet], f"sheet {names[sheet]!r} (index {sheet})"
    elif sheet in names:
        return sheet, f"sheet {sheet!r} as requested"
    raise ParameterError(
        describe("No such sheet in the workbook", file=source, parameter="sheet", received=sheet,
                 expected=f"one of {names} or a 0-based index")
    )


def read_workbook_grid(data: bytes, sheet, *, source: str) -> Grid:
    """Read one sheet of an .xlsx workbook into a :class:`Grid` of Python cell values."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExportFormatError(
            describe("The workbook could not be opened", file=source,
                     received=f"{type(exc).__name__}: {exc}", expected="a valid .xlsx workbook")
        ) from None
    try:
        name, why = _choose_sheet(wb, sheet, source)
        rows = list(wb[name].iter_rows(min_row=1, values_only=True))
    finally:
        wb.close()
    cells = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    if cells.shape[1]:
        filled = cells.notna().to_numpy()
        keep_rows = np.flatnonzero(filled.any(axis=1))
        keep_cols = np.flatnonzero(filled.any(axis=0))
        n_rows = keep_rows[-1] + 1 if keep_rows.size else 0
        n_cols = keep_cols[-1] + 1 if keep_cols.size else 0
        cells = cells.iloc[:n_rows, :n_cols]
    lines = np.arange(1, len(cells) + 1, dtype=np.int64)
    if len(cells):
        first = int(np.flatnonzero(cells.notna().to_numpy().any(axis=1))[0])
        cells, lines = cells.iloc[first:], lines[first:]
    cells = cells.reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    return Grid(cells, lines, "workbook", sheet=name, notes=[f"read {why}"])
