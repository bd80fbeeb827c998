"""The Dask engine of ``clean_export_in_chunks``: the same tables as the sequential engine."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from cxanalytics.datasets import load_sample
from cxanalytics.errors import ParameterError
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.streaming import clean_export_in_chunks
from cxanalytics.report.cli import main

dask = pytest.importorskip("dask")

TABLES = ("data", "quarantine", "log", "recodes", "rules", "summary", "codebook")


def _run(src, out, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clean_export_in_chunks(src, folder=out, pii_key="k", **kw)


def _assert_same_tables(a, b):
    for table in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{table}.parquet"), pd.read_parquet(b / f"{table}.parquet"))


@pytest.mark.parametrize(("name", "chunksize", "scheduler"), [("qualtrics_en", 37, "threads"),
                                                              ("surveymonkey_ar", 300, "synchronous"),
                                                              ("google_forms_fa", 100, "threads")])  # fmt: skip
def test_dask_engine_writes_the_sequential_engines_tables(tmp_path, name, chunksize, scheduler):
    src = load_sample(name)
    book = Codebook.infer(read_export(src))  # one codebook for both: inferred from the whole file
    seq = _run(src, tmp_path / "seq", codebook=book, chunksize=chunksize)
    par = _run(src, tmp_path / "dask", codebook=book, chunksize=chunksize, engine="dask", scheduler=scheduler)
    _assert_same_tables(tmp_path / "seq", tmp_path / "dask")
    pd.testing.assert_frame_equal(par.summary(), seq.summary())
    pd.testing.assert_frame_equal(par.rules, seq.rules)
    assert par.n_chunks == seq.n_chunks > 1
    assert (tmp_path / "dask" / "data.parquet").is_dir()
    assert len(list((tmp_path / "dask" / "data.parquet").glob("part-*.parquet"))) == par.n_chunks
    assert not list((tmp_path / "dask").glob(".*"))  # the chunk cache and the spilled state are gone


def test_dask_engine_on_a_distributed_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    src = load_sample("qualtrics_en")
    seq = _run(src, tmp_path / "seq", chunksize=500)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:  # fmt: skip
        par = _run(src, tmp_path / "dask", chunksize=500, engine="dask")
    names = {t["key"][0] if isinstance(t["key"], tuple) else str(t["key"]) for t in stream.data}
    assert any("_pass1_task" in n for n in names) and any("_pass2_task" in n for n in names)
    _assert_same_tables(tmp_path / "seq", tmp_path / "dask")
    assert par.n_chunks == seq.n_chunks


def test_bad_engine_and_a_single_file_result_in_the_folder(tmp_path):
    src = load_sample("qualtrics_en")
    with pytest.raises(ParameterError, match=r"engine.*'spark'"):
        clean_export_in_chunks(src, folder=tmp_path, engine="spark")
    _run(src, tmp_path / "out", chunksize=1000)  # the sequential engine writes data.parquet as a file
    with pytest.raises(ParameterError, match="single-file result"):
        _run(src, tmp_path / "out", chunksize=1000, engine="dask", scheduler="synchronous")


def test_cli_clean_with_the_dask_engine(tmp_path, capsys):
    code = main(["clean", str(load_sample("google_forms_fa")), "--out", str(tmp_path / "o"), "--engine", "dask",
                 "--chunksize", "200", "--pii-key", "k", "--no-progress"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "as Dask tasks (local processes)" in out and "read" in out
    seq = _run(load_sample("google_forms_fa"), tmp_path / "seq", chunksize=200)
    kept = pd.read_parquet(tmp_path / "o" / "data.parquet")
    assert len(kept) == int(seq.summary().set_index("outcome").loc["kept", "n"])


def test_cli_scheduler_needs_the_dask_engine(tmp_path, capsys):
    code = main(["clean", str(load_sample("google_forms_fa")), "--out", str(tmp_path / "o"),
                 "--scheduler", "tcp://127.0.0.1:8786"])  # fmt: skip
    assert code == 2
    assert "--engine dask" in capsys.readouterr().err
