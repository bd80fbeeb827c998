"""Streaming cleaning (``clean_export_in_chunks``): same results as the in-memory path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxanalytics.datasets import load_sample
from cxanalytics.errors import ParameterError
from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.streaming import _chunks, _record_ends, clean_export_in_chunks
from cxanalytics.report.cli import main

SORT = {"data": ["row_number"], "quarantine": ["row_number"],
        "log": ["row", "column", "item", "rule", "before", "after", "reason", "n"],
        "recodes": ["column", "item", "value", "matched_by"]}  # fmt: skip


def _norm(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = frame.astype({c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    return out.sort_values(by, kind="stable").reset_index(drop=True)


def _both(name: str, chunksize: int, tmp_path, **rules):
    src = load_sample(name)
    export = read_export(src)
    book = Codebook.infer(export)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(export, book, pii_key="k", **rules)
        streamed = clean_export_in_chunks(src, book, folder=tmp_path / "s", chunksize=chunksize, pii_key="k",
                                          **rules)  # fmt: skip
    res.to_parquet(tmp_path / "m")
    return res, streamed


@pytest.mark.parametrize(("name", "chunksize", "rules"),
                         [("qualtrics_en", 37, {}), ("qualtrics_en", 500, {}), ("surveymonkey_ar", 300, {}),
                          ("google_forms_fa", 100, {}), ("qualtrics_en", 200, {"remove": ("speeders", "straightliners")}),
                          ("surveymonkey_ar", 250, {"remove": ("speeders",)})])  # fmt: skip
def test_chunked_output_identical_to_in_memory(tmp_path, name, chunksize, rules):
    res, streamed = _both(name, chunksize, tmp_path, **rules)
    if name != "google_forms_fa":  # flagged by default, quarantined when asked: either way the same tables
        assert int(res.data["flag_speeder"].sum()) + int((res.quarantine["reason"] == "speeder").sum()) > 0
    assert streamed.n_chunks == -(-res.n_read // chunksize)
    for table, by in SORT.items():
        a = _norm(pd.read_parquet(tmp_path / "m" / f"{table}.parquet"), by)
        b = _norm(pd.read_parquet(tmp_path / "s" / f"{table}.parquet"), by)
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(streamed.summary(), res.summary())
    pd.testing.assert_frame_equal(streamed.rules, res.rules)


def test_duplicates_across_chunks_keep_the_earliest_submission(tmp_path):
    # move every kept first submission of a duplicated respondent to the end of the file: the
    # duplicate now comes first in the file (an earlier chunk) but was submitted later
    src = load_sample("qualtrics_en")
    _, streamed = _both("qualtrics_en", 500, tmp_path)
    q = pd.read_parquet(tmp_path / "s" / "quarantine.parquet")
    firsts = set(q.loc[q["reason"] == "duplicate", "detail"].str.extract(r"as row (\d+)")[0].astype(int))
    raw = src.read_bytes()
    ends = _record_ends(raw, False)[0]
    starts = np.concatenate([[0], ends[:-1]])
    lines = np.array([raw.count(b"\n", 0, int(a)) + 1 for a in starts])
    records = [raw[int(a):int(b)] for a, b in zip(starts, ends, strict=True)]
    moved = [r for r, n in zip(records, lines, strict=True) if n in firsts]
    assert len(moved) == len(firsts) > 0
    path = tmp_path / "qualtrics_moved.csv"
    path.write_bytes(b"".join([r for r, n in zip(records, lines, strict=True) if n not in firsts] + moved))
    export = read_export(path)
    book = Codebook.infer(export)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(export, book, pii_key="k")
        clean_export_in_chunks(path, book, folder=tmp_path / "s2", chunksize=100, pii_key="k")
    a = _norm(res.quarantine.reset_index(), ["row_number"])
    b = _norm(pd.read_parquet(tmp_path / "s2" / "quarantine.parquet"), ["row_number"])
    pd.testing.assert_frame_equal(a.astype({"row_number": "int64"}), b.astype({"row_number": "int64"}),
                                  check_dtype=False)  # fmt: skip
    dup = b[b["reason"] == "duplicate"]
    kept_row = dup["detail"].str.extract(r"as row (\d+)")[0].astype(int).to_numpy()
    assert len(dup) == len(firsts)
    gap = kept_row - dup["row_number"].to_numpy()
    assert np.all(gap > 0)  # the kept submission is later in the file ...
    assert np.sum(gap > 200) > 10  # ... mostly chunks (of 100 responses) later
    kept = pd.read_parquet(tmp_path / "s2" / "data.parquet").set_index("row_number")
    assert kept["flag_speeder"].equals(res.data["flag_speeder"].rename_axis("row_number"))
    assert int(kept["flag_speeder"].sum()) > 0  # speeders judged against the whole file's median


def test_reconciliation_and_one_row_group_per_chunk(tmp_path):
    _, streamed = _both("qualtrics_en", 200, tmp_path)
    s = streamed.summary()
    assert int(s["n"].iloc[0]) == int(s["n"].iloc[1:].sum())
    kept = pq.ParquetFile(streamed.paths["data"])
    held = pq.ParquetFile(streamed.paths["quarantine"])
    assert kept.metadata.num_rows + held.metadata.num_rows == int(s["n"].iloc[0])
    assert kept.num_row_groups == streamed.n_chunks
    rows = np.concatenate([pd.read_parquet(streamed.paths[t])["row_number"].to_numpy() for t in ("data", "quarantine")])
    assert len(np.unique(rows)) == len(rows)


def test_clean_responses_hooks_reproduce_whole_file_rules():
    export = read_export(load_sample("qualtrics_en"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = clean_responses(export, pii_key="k")
        note = plain.rules.set_index("rule").loc["speeder", "note"]
        med, sd = (float(x) for x in pd.Series([note]).str.extract(r"median ([\d.]+) s, SD ([\d.]+)").iloc[0])
        hooked = clean_responses(export, pii_key="k", speeder_baseline=(med, sd))
        # a baseline far above every duration flags everyone with a duration
        odd = clean_responses(export, pii_key="k", speeder_baseline=(1e9, 1.0))
        # duplicate_firsts naming no key: no duplicates on that column
        book = Codebook.infer(export)
        column = book.table.loc[book.table["item"] == "customer_id", "column"].iloc[0]
        none = clean_responses(export, book, pii_key="k", respondent_key="customer_id",
                               duplicate_firsts={column: pd.Series(dtype="int64")})  # fmt: skip
        # every key's first submission said to be row 1: every candidate with a key is a duplicate of it
        keys = read_export(load_sample("qualtrics_en")).frame[column].str.strip().str.lower().dropna().unique()
        all_dup = clean_responses(export, book, pii_key="k", respondent_key="customer_id",
                                  duplicate_firsts={column: pd.Series(1, index=keys)})  # fmt: skip
    def speeders(r):  # flagged rows, kept or quarantined for another reason
        return pd.concat([r.data["flag_speeder"], r.quarantine["flag_speeder"]]).sort_index()

    assert speeders(hooked).equals(speeders(plain)) and speeders(plain).sum() > 0
    assert speeders(odd).sum() > speeders(plain).sum()
    assert (none.quarantine["reason"] == "duplicate").sum() == 0
    d = all_dup.quarantine[all_dup.quarantine["reason"] == "duplicate"]
    assert len(d) > (plain.quarantine["reason"] == "duplicate").sum()
    assert d["detail"].str.fullmatch(f"same {column} as row 1").all()


def test_record_splitter_keeps_quoted_newlines_whole(tmp_path):
    body = b'1,"two\nlines"\n2,x\n3,"a ""quoted"" \nvalue"\n4,y\n'
    path = tmp_path / "f.csv"
    path.write_bytes(b"h1,h2\n" + body)
    parts = list(_chunks(path, 6, 2, 2))
    assert [p[0] for p in parts] == [b'1,"two\nlines"\n2,x\n', b'3,"a ""quoted"" \nvalue"\n4,y\n']
    assert [p[1] for p in parts] == [2, 5]


def test_bad_arguments_raise_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="chunksize"):
        clean_export_in_chunks(load_sample("qualtrics_en"), folder=tmp_path, chunksize=0)
    with pytest.raises(ParameterError, match="No such file"):
        clean_export_in_chunks(tmp_path / "missing.csv", folder=tmp_path)


def test_cli_clean_with_chunksize_streams_and_reports_progress(tmp_path, capsys):
    src = load_sample("qualtrics_en")
    code = main(["clean", str(src), "--out", str(tmp_path / "s"), "--chunksize", "300", "--pii-key", "k"])
    out = capsys.readouterr()
    assert code == 0
    assert "3 chunk(s)" in out.out
    assert "B/s" in out.err or "B/" in out.err  # tqdm bar in bytes
    assert main(["clean", str(src), "--out", str(tmp_path / "m"), "--format", "parquet", "--pii-key", "k"]) == 0
    a = _norm(pd.read_parquet(tmp_path / "m" / "data.parquet"), ["row_number"])
    b = _norm(pd.read_parquet(tmp_path / "s" / "data.parquet"), ["row_number"])
    pd.testing.assert_frame_equal(a, b)
