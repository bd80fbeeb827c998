"""read_export on exports larger than one parser block or one decoding piece.

The text reader parses a file in blocks and copies them into one buffer per column, finds the
line breaks inside cells while copying, and checks the encoding of a file on disk a piece at a
time.  These tests shrink the block and piece sizes so that small files cross many boundaries,
and compare against independent oracles: Python's ``csv`` module for cell values and record
start lines, and ``bytes.decode`` for encoding errors.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxanalytics.errors import EncodingError
from cxanalytics.ingest.exports import _encoding, _grid, read_export


def _oracle(text: str) -> tuple[list[list[str]], list[int]]:
    """Records (csv module) and the physical line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, start = [], [], 1
    for rec in reader:
        if rec:
            rows.append(rec)
            starts.append(start)
        start = reader.line_num + 1
    return rows, starts


def _quoted(cell: str) -> str:
    """A cell as an export writes it: quoted when it holds a delimiter, quote or line break."""
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\r\n') else cell


def _csv(rows, newline="\r\n") -> str:
    return "".join(",".join(map(_quoted, row)) + newline for row in rows)


_CELL = st.one_of(
    st.just(""),
    st.sampled_from(["Agree", "7 - Strongly agree", "N/A", "سلام", "a,b", 'say "hi"']),
    # "\r" too: the reader picks block sizes whose boundaries split no "\r\n" (pyarrow drops the
    # "\n" of one split inside a quoted cell), tested on its own below
    st.text(alphabet=st.sampled_from(list("ab \n\r\té,\"")), min_size=1, max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=60),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_many_blocks_give_the_csv_module_cells_and_lines(body, newline, monkeypatch, tmp_path):
    monkeypatch.setattr(_grid, "_BLOCK", 64)  # a block every few records (records straddling one retry bigger)
    rows = [["id", "answer", "comment"], *([str(i), *r[1:]] for i, r in enumerate(body))]
    text = _csv(rows, newline)
    path = tmp_path / "blocks.csv"
    path.write_bytes(text.encode("utf-8"))
    ex = read_export(path, platform="csv")
    recs, starts = _oracle(text)
    assert ex.frame.index.tolist() == starts[1:]
    expected = pd.DataFrame(recs[1:], columns=recs[0]).replace("", np.nan)
    got = ex.frame.reset_index(drop=True)
    for col in expected.columns:
        assert got[col].tolist() == pytest.approx(expected[col].tolist(), nan_ok=True), col
    # the same bytes given in memory are read the same way
    pd.testing.assert_frame_equal(read_export(text.encode("utf-8"), platform="csv").frame, ex.frame)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1256", b"")])
def test_crlf_inside_cells_survives_every_block_boundary(encoding, bom, monkeypatch, tmp_path):
    # pyarrow 26 turns a quoted "\r\n" into "\r" when a parse block ends between the two bytes;
    # at these sizes about one block size in four put a boundary there before the fix
    rows = ["id,c\r\n"] + [f'{i},"سطر one\r\nline two {"x" * (i % 7)}"\r\n' for i in range(80)]
    raw = bom + "".join(rows).encode(encoding)
    path = tmp_path / "crlf.csv"
    path.write_bytes(raw)
    for block in range(64, 400, 7):
        monkeypatch.setattr(_grid, "_BLOCK", block)
        for source in (path, raw):
            cells = read_export(source, platform="csv", encoding=None if bom else encoding).frame["c"].tolist()
            assert len(cells) == 80 and all("one\r\nline two" in c for c in cells), (block, source is raw)


def test_lone_carriage_returns_and_crlf_inside_cells_count_once_each():
    text = 'id,c\n1,"a\rb"\n2,"x\r\ny\nz"\n3,plain\n4,"\r\r"\n5,end\n'
    ex = read_export(text.encode(), platform="csv")
    assert ex.frame.index.tolist() == _oracle(text)[1][1:] == [2, 4, 7, 8, 11]
    assert ex.frame["c"].tolist() == ["a\rb", "x\r\ny\nz", "plain", "\r\r", "end"]


def test_file_read_in_pieces_finds_a_bad_byte_after_ascii_pieces(monkeypatch, tmp_path):
    monkeypatch.setattr(_encoding, "_CHUNK", 16)
    raw = b"q1,q2\n" + b"ok,ok\n" * 20 + b"bad\xff,x\n"
    path = tmp_path / "bad.csv"
    path.write_bytes(raw)
    with pytest.raises(EncodingError) as info:
        read_export(path, encoding="utf-8", platform="csv")
    offset = raw.index(b"\xff")
    assert f"byte offset {offset}" in str(info.value) and "row 22" in str(info.value)


@pytest.mark.parametrize("cut", range(1, 8))
def test_multibyte_character_split_between_pieces_is_valid_utf8(cut, monkeypatch, tmp_path):
    monkeypatch.setattr(_encoding, "_CHUNK", 8)
    raw = (b"q" * cut + b"\n") + "صباح الخير\n".encode() * 3
    path = tmp_path / "split.csv"
    path.write_bytes(raw)
    ex = read_export(path, platform="csv")
    assert ex.encoding == "utf-8" and "strict UTF-8 decode succeeded" in ex.notes[0]
    assert ex.frame.iloc[:, 0].tolist() == ["صباح الخير"] * 3


def test_ascii_file_on_disk_is_reported_as_ascii(monkeypatch, tmp_path):
    monkeypatch.setattr(_encoding, "_CHUNK", 8)
    path = tmp_path / "ascii.csv"
    path.write_bytes(b"q1,q2\n1,2\n3,4\n")
    ex = read_export(path)
    assert ex.notes[0] == "encoding utf-8: ASCII only (read as UTF-8)"
    assert ex.frame.to_numpy().tolist() == [["1", "2"], ["3", "4"]]


def test_whitespace_only_file_on_disk_is_empty(tmp_path):
    from cxanalytics.errors import ExportFormatError

    path = tmp_path / "blank.csv"
    path.write_bytes(b" \r\n\t\n" * 5)
    with pytest.raises(ExportFormatError, match="empty"):
        read_export(path)
