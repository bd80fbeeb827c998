"""Streaming reads a text export as ``read_export`` reads it whole: line ends, encodings, repairs, dates.

Each file is cleaned twice, in memory (``read_export`` + ``clean_responses``) and in chunks of
a few responses (``clean_export_in_chunks``), and the tables are compared with the helpers
of ``test_streaming``.
"""

from __future__ import annotations

import warnings
from unittest import mock

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_streaming import SORT, _norm

from cxanalytics.errors import CxError, DataQualityWarning, ParameterError, ReconciliationError
from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.streaming import _chunks, _record_ends, clean_export_in_chunks
from cxanalytics.ingest.streaming import _io as sio


def to_csv(rows, newline="\r\n") -> str:
    """RFC 4180 text: a cell holding a comma, a quote or any line break is quoted (the csv
    module leaves a line feed unquoted when the line end is a lone carriage return)."""

    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v

    return "".join(",".join(map(cell, row)) + newline for row in rows)


def both(path, tmp_path, chunksize, engine="pandas", **rules):
    """Clean ``path`` in memory and in chunks; assert the same tables; return both runs' warnings."""
    with warnings.catch_warnings(record=True) as mem:
        warnings.simplefilter("always")
        export = read_export(path)
        book = Codebook.infer(export)
        res = clean_responses(export, book, pii_key="k", **rules)
    # synchronous: warnings.catch_warnings (used per chunk) is not thread-safe, so warnings
    # re-issued after a run on the threads scheduler can go astray
    kw = {"engine": "dask", "scheduler": "synchronous"} if engine == "dask" else {}
    with warnings.catch_warnings(record=True) as streamed_w:
        warnings.simplefilter("always")
        streamed = clean_export_in_chunks(path, book, folder=tmp_path / engine, chunksize=chunksize, pii_key="k",
                                          **kw, **rules)  # fmt: skip
    res.to_parquet(tmp_path / "m")
    assert streamed.n_chunks == -(-res.n_read // chunksize) > 1
    for table, by in SORT.items():
        a = _norm(pd.read_parquet(tmp_path / "m" / f"{table}.parquet"), by)
        b = _norm(pd.read_parquet(tmp_path / engine / f"{table}.parquet"), by)
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(streamed.summary(), res.summary())
    pd.testing.assert_frame_equal(streamed.rules, res.rules)
    return res, [str(w.message) for w in mem], [str(w.message) for w in streamed_w]


# ----------------------------------------------------------------------------- records and line ends
def test_record_ends_cr_lf_and_crlf_outside_quotes():
    block = b'a,"x\ry"\rb,"p\r\nq"\r\nc,z\nd'
    ends, in_quote, _ = _record_ends(block, False)
    assert [block[:e][-2:] for e in ends] == [b'"\r', b'\r\n', b'z\n']
    assert not in_quote
    assert _record_ends(b"a\r", False)[0].tolist() == [2]  # a CR at the very end (of the file) ends a record


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_chunks_cut_whole_records_and_count_lines_for_any_line_end(tmp_path, newline):
    nl = newline.encode()
    body = b'1,"two' + nl + b'lines"' + nl + b"2,x" + nl + b'3,"a ""q"" ' + nl + b'v"' + nl + b"4,y" + nl
    path = tmp_path / "f.csv"
    path.write_bytes(b"h1,h2" + nl + body)
    with mock.patch.object(sio, "_BLOCK", 3):  # blocks end inside records and between CR and LF
        parts = list(_chunks(path, len(b"h1,h2" + nl), 2, 2))
    assert b"".join(p[0] for p in parts) == body
    assert [p[1] for p in parts] == [2, 5]


LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
CELL = st.lists(st.sampled_from(list("ab é,\"") + ["\n", "\r", "\r\n"]), max_size=6).map("".join)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=12), newline=LINE_ENDS,
       chunksize=st.integers(1, 5), block=st.integers(1, 9))  # fmt: skip
def test_property_chunks_read_as_the_whole_file(rows, newline, chunksize, block, tmp_path_factory):
    # every chunk read with the header in front, renumbered, gives read_export's rows of the
    # whole file: the same values under the same row numbers, whatever the line ends and
    # the line breaks inside quoted answers
    text = to_csv([["id", "a", "b"]] + [[str(i), a, b] for i, (a, b) in enumerate(rows)], newline=newline)
    path = tmp_path_factory.mktemp("p") / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        whole = read_export(path).frame
        with mock.patch.object(sio, "_BLOCK", block):
            stream = sio.open_stream(path, "auto", None, None)
            frames = [stream.load(spec, body)[0].frame for spec, body, _ in stream.pieces(chunksize)]
    pd.testing.assert_frame_equal(pd.concat(frames), whole)


# ----------------------------------------------------------------------------- encodings and repairs
MAC_ROWS = [["La información está aquí"], ["¿Dónde está el café?"], ["Qué tal en España"], ["déjà vu, très bien"]]


def test_mac_roman_cr_only_decided_on_the_whole_file(tmp_path, monkeypatch):
    # the head alone is ASCII (UTF-8): the chunks must still be read as the Mac Roman file it is
    rows = [["id", "score", "comment"]] + [[str(i), str(i % 11), "fine"] for i in range(12)]
    rows += [[str(100 + i), "7", t[0]] for i, t in enumerate(MAC_ROWS * 3)]
    path = tmp_path / "mac.csv"
    path.write_bytes(to_csv(rows, newline="\r").encode("mac_roman"))
    monkeypatch.setattr(sio, "_HEAD_BYTES", 64)
    assert read_export(path).encoding == "mac_roman"
    res, _, _ = both(path, tmp_path, 5, timezone="UTC")
    assert sio.open_stream(path, "auto", None, None).decoding.encoding == "mac_roman"
    assert MAC_ROWS[1][0] in set(pd.read_parquet(tmp_path / "pandas" / "data.parquet")["comment"])
    assert len(res.data) + len(res.quarantine) == 24


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_utf8_with_code_page_lines_is_repaired_per_chunk_and_named_by_file_rows(tmp_path, engine):
    if engine == "dask":
        pytest.importorskip("dask")
    rows = [["id", "score", "comment"]] + [[str(i), str(i % 11), "café crème"] for i in range(30)]
    rows[25][2] = "line one\nline two"  # id 24: a record of two lines (26-27)
    raw = to_csv(rows).encode("utf-8")
    for old in (b"7,7,caf\xc3\xa9", b"19,8,caf\xc3\xa9", b"line two"):  # three lines written in cp1252
        raw = raw.replace(old, old.replace(b"\xc3\xa9", b"\xe9").replace(b"line two", b"l\xedne two"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(raw)
    with pytest.warns(DataQualityWarning, match="not valid UTF-8") as read_w:
        read_export(path)
    expected = [str(w.message) for w in read_w if "not valid UTF-8" in str(w.message)]
    assert "lines 9, 21, 27;" in expected[0] and "(row_number) 9, 21, 26" in expected[0]
    _, mem, streamed = both(path, tmp_path, 4, engine=engine, timezone="UTC")
    assert [m for m in streamed if "not valid UTF-8" in m] == expected  # one warning, rows of the whole file
    assert [m for m in mem if "not valid UTF-8" in m] == expected


def test_nul_padded_surveymonkey_streams(tmp_path):
    head = to_csv([["Respondent ID", "Collector ID", "Start Date", "End Date", "How satisfied are you?",
                    "Comments"]]).encode()  # fmt: skip
    sub = ",".join(c + "\x00" * 16 if c else "" for c in ["", "", "", "", "Response", "Open-Ended Response"])
    body = to_csv([[str(5000 + i), "77", f"01/{13 + i % 9:02d}/2017 10:00:00 AM", f"01/{13 + i % 9:02d}/2017 10:0{i % 9}:30 AM",
                    ["Very satisfied", "Satisfied", "Dissatisfied"][i % 3], "fine"] for i in range(14)])  # fmt: skip
    path = tmp_path / "sm.csv"
    path.write_bytes(head + sub.encode() + b"\r\n" + body.encode())
    ex = read_export(path)
    assert ex.platform == "surveymonkey" and ex.n_responses == 14
    both(path, tmp_path, 4, timezone="UTC")


def test_utf16_export_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(to_csv([["id", "q"], ["1", "5"], ["2", "6"]]).encode("utf-16"))
    with pytest.raises(ParameterError, match="UTF-16/UTF-32 export cannot be streamed"):
        clean_export_in_chunks(path, folder=tmp_path / "o", chunksize=1, pii_key="k")


# ----------------------------------------------------------------------------- one day/month order
def _forms(path, stamps):
    rows = [["Timestamp", "How likely are you to recommend us?", "Comment"]]
    rows += [[s, str(i % 11), "ok"] for i, s in enumerate(stamps)]
    path.write_bytes(to_csv(rows).encode())
    return path


# month first: the first eight dates cannot tell (no number above 12), the later ones can
_EARLY = [f"{m}/{d}/2024 10:{i:02d}:00" for i, (m, d) in enumerate([(3, 5), (3, 6), (4, 2), (5, 1)] * 2)]


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_chunks_that_cannot_tell_the_day_month_order_take_the_files(tmp_path, engine):
    if engine == "dask":
        pytest.importorskip("dask")
    path = _forms(tmp_path / "gf.csv", _EARLY + [f"3/{20 + i}/2024 11:00:00" for i in range(6)])
    res, _, _ = both(path, tmp_path, 4, engine=engine, timezone="UTC")
    assert res.dayfirst is False
    assert pd.read_parquet(tmp_path / engine / "data.parquet")["submitted_at"].dt.month.eq(3).sum() >= 2


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_day_month_order_errors_are_the_in_memory_paths(tmp_path, engine):
    if engine == "dask":
        pytest.importorskip("dask")
    kw = {"engine": "dask", "scheduler": "threads"} if engine == "dask" else {}
    mixed = _forms(tmp_path / "mixed.csv", _EARLY + ["3/20/2024 11:00:00"] * 3 + ["20/3/2024 11:00:00"] * 3)
    unknowable = _forms(tmp_path / "unknowable.csv", _EARLY)
    for path, error, match in ((mixed, CxError, "Dates mix day-first and month-first order"),
                               (unknowable, ParameterError, "Day/month order cannot be told")):  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            with pytest.raises(error, match=match):
                clean_responses(read_export(path), pii_key="k", timezone="UTC")
            with pytest.raises(error, match=match):
                clean_export_in_chunks(path, folder=tmp_path / path.stem, chunksize=4, pii_key="k", timezone="UTC", **kw)
    # a day/month order given by the caller is used as given
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = clean_export_in_chunks(unknowable, folder=tmp_path / "given", chunksize=4, pii_key="k", timezone="UTC",
                                     dayfirst=True, **kw)  # fmt: skip
    assert int(res.summary()["n"].iloc[0]) == len(_EARLY)
    assert pd.read_parquet(tmp_path / "given" / "data.parquet")["submitted_at"].dt.day.min() >= 3  # 3/5 = 3 May


# ----------------------------------------------------------------------------- output types
def test_sink_types_an_empty_first_chunk_column_by_its_later_values(tmp_path):
    sink = sio._Sink(tmp_path / "t.parquet")
    empty = pd.Categorical([None], categories=pd.Index([], dtype=object))  # as the audit log holds it
    sink.write(pd.DataFrame({"row": pd.array([1], dtype="Int64"), "before": empty,
                             "note": pd.Series([None], dtype=object)}))  # fmt: skip
    sink.write(pd.DataFrame({"row": pd.array([2], dtype="Int64"), "before": pd.Categorical(["x"]),
                             "note": pd.Series(["y"], dtype=object)}))  # fmt: skip
    sink.close()
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.schema.field("before").type == pa.large_string() == table.schema.field("note").type
    assert table.column("before").to_pylist() == [None, "x"]
    sink = sio._Sink(tmp_path / "u.parquet")
    sink.write(pd.DataFrame({"x": pd.Series([None], dtype=object)}))
    with pytest.raises(ReconciliationError, match="column of another type"):  # never turned into text silently
        sink.write(pd.DataFrame({"x": [1.5]}))
    sink.close()


def test_reading_errors_name_the_file_and_its_line(tmp_path):
    # a ragged record in the third chunk, and an empty file: read_export's errors, word for word
    ragged = tmp_path / "ragged.csv"
    ragged.write_bytes(b"id,q,r\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14\n15,16,17\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    messages = []
    for path in (ragged, empty):
        with pytest.raises(CxError) as whole:
            read_export(path)
        with pytest.raises(type(whole.value)) as streamed:
            clean_export_in_chunks(path, folder=tmp_path / path.stem, chunksize=2, pii_key="k")
        assert str(streamed.value) == str(whole.value)
        messages.append(str(streamed.value))
    assert "[file 'ragged.csv', row 6]" in messages[0] and "[file 'empty.csv']" in messages[1]


def test_column_first_pseudonymised_in_a_later_chunk_keeps_its_name_in_the_log(tmp_path):
    # the e-mail column is empty in the first chunk: its column-level log row (pseudonymise,
    # summed over chunks) must still name it
    rows = [["Respondent ID", "Email Address", "How likely are you to recommend us?"]]
    rows += [[str(100 + i), "" if i < 4 else f"p{i}@example.com", str(i % 11)] for i in range(12)]
    path = tmp_path / "mail.csv"
    path.write_bytes(to_csv(rows).encode())
    res, _, _ = both(path, tmp_path, 4, timezone="UTC")
    log = pd.read_parquet(tmp_path / "pandas" / "log.parquet")
    named = log.loc[log["rule"] == "pseudonymise", "column"].astype("str").tolist()
    assert "Email Address" in named and res.log.loc[res.log["rule"] == "pseudonymise", "n"].sum() >= 8
