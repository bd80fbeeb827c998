"""Every real export (../shared/realdata/exports) cleaned in chunks gives the in-memory tables.

One test per file of the folder, found by glob (a file added later is covered without code).
Each file is cleaned by ``read_export`` + ``clean_responses`` and by ``clean_export_in_chunks``
with the same codebook, in chunks small enough that every file spans several (7 responses,
at most 40 chunks a file to bound the run time), and the data, quarantine, log, recodes,
summary and rules are compared with the helpers of ``test_streaming``.  Workbooks (.xlsx)
and SPSS files are read whole by the streaming path and cleaned in slices of rows, so they are
covered too.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest
from test_streaming import SORT, _norm

from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.streaming import _io as sio
from cxanalytics.ingest.streaming import clean_export_in_chunks

ROOT = Path(__file__).resolve().parents[1]
_BASE = Path(os.environ.get("CXANALYTICS_REALDATA") or ROOT.parent / "shared" / "realdata") / "exports"
FILES = sorted(p.relative_to(_BASE).as_posix() for p in _BASE.rglob("*")
               if p.is_file() and p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".sav")) \
    if _BASE.is_dir() else []  # fmt: skip
MAX_CHUNKS = 40

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _files():
    return FILES or [pytest.param("", marks=pytest.mark.skip(reason="no exports folder"))]


def _chunksize(n: int) -> int:
    """7 responses a chunk (fewer for a tiny file, so it still spans several); at most MAX_CHUNKS chunks."""
    return max(min(7, max(n // 2, 1)), math.ceil(n / MAX_CHUNKS))


@pytest.mark.parametrize("rel", _files())
def test_every_real_export_streams_to_the_in_memory_tables(rel, realdata, tmp_path):
    path = realdata / "exports" / rel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export = read_export(path)
        book = Codebook.infer(export)
        res = clean_responses(export, book, pii_key="k")
        chunksize = _chunksize(res.n_read)
        streamed = clean_export_in_chunks(path, book, folder=tmp_path / "s", chunksize=chunksize, pii_key="k")
    res.to_parquet(tmp_path / "m")
    assert streamed.n_chunks == math.ceil(res.n_read / chunksize) >= 2
    for table, by in SORT.items():
        a = _norm(pd.read_parquet(tmp_path / "m" / f"{table}.parquet"), by)
        b = _norm(pd.read_parquet(tmp_path / "s" / f"{table}.parquet"), by)
        pd.testing.assert_frame_equal(a, b, obj=f"{rel}: {table}")
    pd.testing.assert_frame_equal(streamed.summary(), res.summary())
    pd.testing.assert_frame_equal(streamed.rules, res.rules)


def test_mac_roman_cr_only_surveymonkey_is_decoded_as_the_whole_file_is(realdata):
    # fivethirtyeight's Star Wars survey: Mac Roman bytes, lines ending in CR only
    path = realdata / "exports" / "surveymonkey" / "sm_starwars_macroman_CR_original.csv"
    raw = path.read_bytes()
    assert b"\n" not in raw and raw.count(b"\r") > 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_export(path)
        stream = sio.open_stream(path, "auto", None, None)
        frames = [stream.load(spec, body)[0].frame for spec, body, _ in stream.pieces(100)]
    assert whole.encoding == stream.decoding.encoding == "mac_roman"
    assert stream.probe.platform == whole.platform
    assert len(frames) == math.ceil(whole.n_responses / 100) > 10
    pd.testing.assert_frame_equal(pd.concat(frames), whole.frame)
