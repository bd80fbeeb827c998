"""``run_report(engine=...)`` / ``cxanalytics report --engine``: the Dask path of the report.

The reference for the Dask run is the committed notebook 04, executed with the default
``engine = "pandas"`` on the sample's ``transactions.csv`` (nbval keeps those outputs
reproducible): run on the same purchases given as a folder of Parquet part files with
``engine="dask"``, every text and table output must be the same, digit for digit.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import CxError, ParameterError
from cxanalytics.report.cli import EXIT_BAD_INPUT, main
from cxanalytics.report.runner import (
    _declared_parameters,
    assemble_data,
    find_notebooks,
    run_report,
)

SAMPLE = sample_dir()
#: Dask's Parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates (not our code)
DASK_INPLACE = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
NOTEBOOK_04 = next(p for p in find_notebooks() if p.name.startswith("04_"))


def _parquet_parts(folder: Path, frame: pd.DataFrame, n: int = 4) -> Path:
    """Write ``frame`` as ``n`` Parquet part files (rows in log order), as Spark or Dask would."""
    folder.mkdir(parents=True)
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), n)):
        frame.iloc[rows].to_parquet(folder / f"part.{i}.parquet", index=False)
    return folder


def _text_outputs(path: Path) -> list[list[dict]]:
    """Outputs of each code cell (PNG figures left out), skipping papermill's injected cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "injected-parameters" in cell["metadata"].get("tags", []):
            continue
        outs = []
        for out in cell.get("outputs", []):
            out = {k: v for k, v in out.items() if k not in ("metadata", "execution_count")}
            if "data" in out:
                out["data"] = {k: v for k, v in out["data"].items() if k != "image/png"}
            outs.append(out)
        cells.append(outs)
    return cells


# --------------------------------------------------------------------------- arguments
def test_unknown_engine_is_a_parameter_error_naming_the_value(tmp_path):
    with pytest.raises(ParameterError, match=r"Unknown engine.*'engine'.*'spark'.*'pandas' or 'dask'"):
        run_report(None, tmp_path / "out", engine="spark")
    with pytest.raises(ParameterError, match=r"scheduler needs engine='dask'.*tcp://h:8786"):
        run_report(None, tmp_path / "out", scheduler="tcp://h:8786")
    with pytest.raises(ParameterError, match="Malformed Dask scheduler address"):
        run_report(None, tmp_path / "out", engine="dask", scheduler="  ")
    assert not (tmp_path / "out").exists()  # nothing ran


def test_dask_engine_without_dask_is_a_clear_cx_error(tmp_path, monkeypatch):
    for module in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask -> ImportError
    with pytest.raises(CxError, match=r"engine='dask' needs the optional package 'dask'.*cxanalytics\[scale\]"):
        run_report(None, tmp_path / "out", engine="dask")
    # the pandas engine does not need Dask: the check passes and the suite is looked up
    with pytest.raises(CxError, match="Notebook folder not found"):
        run_report(None, tmp_path / "out", engine="pandas", notebooks_dir=tmp_path / "none")


def test_cli_bad_engine_exits_with_code_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["report", "--engine", "spark", "--out", str(tmp_path / "out")])
    assert info.value.code == EXIT_BAD_INPUT
    assert "invalid choice: 'spark'" in capsys.readouterr().err
    code = main(["report", "--scheduler", "tcp://h:8786", "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    assert "needs engine='dask'" in capsys.readouterr().err


def test_report_help_lists_the_engines(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "--engine {pandas,dask}" in text and "--scheduler ADDRESS" in text


def test_notebook_04_declares_the_engine_parameters_with_pandas_as_default():
    assert {"engine", "dask_scheduler"} <= _declared_parameters(NOTEBOOK_04)
    nb = json.loads(NOTEBOOK_04.read_text(encoding="utf-8"))
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert 'engine = "pandas"' in "".join(params["source"])


# --------------------------------------------------------------------------- data folder
@DASK_INPLACE
def test_assemble_links_a_folder_of_parquet_parts_without_reading_rows(tmp_path, monkeypatch):
    parts = _parquet_parts(tmp_path / "tx", load_sample("transactions"))

    def refuse(*args, **kwargs):
        raise AssertionError("assemble_data read the rows of the transactions log")

    import pyarrow.parquet as pq

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(pq, "read_table", refuse)
    for method in ("read", "read_row_group", "read_row_groups", "iter_batches"):
        monkeypatch.setattr(pq.ParquetFile, method, refuse)  # the schema (file footer) may be read
    data = assemble_data(tmp_path / "data", data_dir=SAMPLE, transactions=parts)
    monkeypatch.undo()
    linked = data.path / "transactions.parquet"
    assert linked.is_symlink() and linked.resolve() == parts.resolve()
    assert not (data.path / "transactions.csv").exists()  # the folder replaces the sample's CSV
    assert "transactions" in data.inputs
    # both ways of reading the assembled folder see every purchase, in the canonical types
    assert load_sample("transactions", folder=data.path).equals(load_sample("transactions"))
    from cxanalytics.ingest.logs import read_transactions

    lazy = read_transactions(linked, engine="dask")
    assert lazy.npartitions == 4
    assert lazy.compute().reset_index(drop=True).equals(read_transactions(SAMPLE / "transactions.csv"))


def test_assemble_links_a_parquet_folder_found_in_the_data_folder(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "customers.csv").symlink_to(SAMPLE / "customers.csv")
    _parquet_parts(mine / "transactions.parquet", load_sample("transactions").head(100), n=2)
    (mine / "notes.parquet").mkdir()  # not a table: left out
    data = assemble_data(tmp_path / "data", data_dir=mine, interactions=SAMPLE / "interactions.csv")
    assert (data.path / "transactions.parquet").is_dir() and not (data.path / "notes.parquet").exists()
    assert {"customers", "transactions", "interactions"} <= data.inputs
    assert len(load_sample("transactions", folder=data.path)) == 100


def test_assemble_checks_a_parquet_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "tx.csv").write_text("customer_id,occurred_at\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"No Parquet file in the transactions folder.*empty"):
        assemble_data(tmp_path / "d1", transactions=empty)
    short = _parquet_parts(tmp_path / "short", load_sample("transactions")[["customer_id", "amount"]].head(10), n=2)
    with pytest.raises(ParameterError, match=r"transactions file lacks columns.*occurred_at"):
        assemble_data(tmp_path / "d2", transactions=short)


# --------------------------------------------------------------------------- execution
def _engine_suite(folder: Path) -> Path:
    folder.mkdir()
    for name, params, code in (
        ("01_lazy.ipynb", 'data_dir = "x"\nengine = "pandas"\ndask_scheduler = None',
         'print("engine", engine, "scheduler", dask_scheduler)'),
        ("02_plain.ipynb", 'data_dir = "x"', 'print("engine declared:", "engine" in globals())'),
    ):
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}\ntext"), p, nbformat.v4.new_code_cell(code)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(folder / name))
    return folder


@pytest.mark.slow
def test_engine_and_scheduler_are_injected_only_where_declared(tmp_path):
    suite = _engine_suite(tmp_path / "nbs")
    address = "tcp://127.0.0.1:8786"  # injected, not contacted: the tiny notebook does not connect
    result = run_report(None, tmp_path / "out", notebooks_dir=suite, engine="dask", scheduler=address, progress=False)
    assert result.summary()["status"].tolist() == ["ran", "ran"]
    lazy, plain = (nbformat.read(str(tmp_path / "out" / "notebooks" / n), as_version=4)
                   for n in ("01_lazy.ipynb", "02_plain.ipynb"))
    assert lazy.cells[-1].outputs[0]["text"] == f"engine dask scheduler {address}\n"
    assert plain.cells[-1].outputs[0]["text"] == "engine declared: False\n"
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in plain.cells)
    html = result.report.read_text(encoding="utf-8")
    assert "Engine:" in html and "read lazily by 01_lazy.ipynb;" in html


@pytest.mark.slow
@DASK_INPLACE
def test_dask_report_on_parquet_parts_gives_notebook_04_the_pandas_numbers(tmp_path):
    """Notebook 04 on a dask.distributed cluster, the log a folder of part files: the pandas outputs."""
    distributed = pytest.importorskip("distributed")
    suite = tmp_path / "nbs"
    suite.mkdir()
    (suite / NOTEBOOK_04.name).write_bytes(NOTEBOOK_04.read_bytes())
    parts = _parquet_parts(tmp_path / "tx", load_sample("transactions"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        result = run_report(SAMPLE, tmp_path / "out", transactions=parts, notebooks_dir=suite, engine="dask",
                            scheduler=cluster.scheduler_address, progress=False)
        # the cluster did the work: it read the part files, summarised customers and counted cohorts
        ran_there = set(cluster.scheduler.task_prefixes)
    assert {"read_parquet", "summary_part", "cohort_part", "isin"} <= ran_there, sorted(ran_there)
    assert result.summary()["status"].tolist() == ["ran"]
    executed = tmp_path / "out" / "notebooks" / NOTEBOOK_04.name
    injected = next(c for c in nbformat.read(str(executed), as_version=4).cells
                    if "injected-parameters" in c.metadata.get("tags", []))
    assert 'engine = "dask"' in injected.source and cluster.scheduler_address in injected.source
    dask_outputs, pandas_outputs = _text_outputs(executed), _text_outputs(NOTEBOOK_04)
    assert len(dask_outputs) == len(pandas_outputs)
    # the repeat-business table of section 1 in so many words, then every other output
    table = next(i for i, c in enumerate(pandas_outputs) if c and "repeat_rate" in str(c[0].get("data", "")))
    assert dask_outputs[table] == pandas_outputs[table]
    first_print = next("".join(c[0]["text"]) for c in dask_outputs if c and c[0].get("name") == "stdout")
    assert first_print.endswith("4,000 customers (2,233 on contract), 45,077 purchases\n")
    differing = [i for i, (a, b) in enumerate(zip(dask_outputs, pandas_outputs, strict=True)) if a != b]
    assert differing == []


NOTEBOOK_08 = next(p for p in find_notebooks() if p.name.startswith("08_"))


@pytest.mark.slow
def test_report_runs_notebook_08_on_parquet_parts_with_the_csv_outputs(tmp_path):
    """Notebook 08 on a log given as Parquet part files (and customers as Parquet): identical paths, same outputs.

    The data folder then holds transactions.parquet/ and customers.parquet but no CSV of either, so a
    notebook that reads only the CSV files fails ("Log not found").
    """
    suite = tmp_path / "nbs"
    suite.mkdir()
    (suite / NOTEBOOK_08.name).write_bytes(NOTEBOOK_08.read_bytes())
    parts = _parquet_parts(tmp_path / "tx", load_sample("transactions"))
    customers = tmp_path / "customers.parquet"
    load_sample("customers").to_parquet(customers, index=False)
    result = run_report(SAMPLE, tmp_path / "out", transactions=parts, customers=customers, notebooks_dir=suite,
                        progress=False)
    assert result.summary()["status"].tolist() == ["ran"]
    executed = tmp_path / "out" / "notebooks" / NOTEBOOK_08.name
    cells = [c for c in nbformat.read(str(executed), as_version=4).cells if c.cell_type == "code"]
    assert not any(o.get("name") == "stderr" for c in cells for o in c.outputs)
    # the differences table: one row per column of each result, every one identical
    differences = next(c for c in cells if c.source.startswith("differences = pd.concat"))
    rows = differences.outputs[0]["data"]["text/plain"].splitlines()[2:]
    assert len(rows) == 32 and all(row.rstrip().endswith("True") for row in rows), rows
    overview = cells[-1].outputs[0]["data"]["text/plain"].splitlines()[2:]
    assert [row.split()[0] for row in overview] == ["cohort_retention", "customer_summary", "kaplan_meier",
                                                     "kaplan_meier"]
    assert all(row.split()[-1] == "True" for row in overview)
    # and every text output is the committed one, computed from the sample's CSV files
    parquet_outputs, csv_outputs = _text_outputs(executed), _text_outputs(NOTEBOOK_08)
    assert parquet_outputs == csv_outputs


@pytest.mark.slow
@DASK_INPLACE
@pytest.mark.parametrize("prefix", ["00_", "05_", "06_", "07_", "09_", "10_"])
def test_dask_report_gives_notebooks_00_and_05_to_10_the_pandas_outputs(tmp_path, prefix):
    """Notebooks 00, 05-07, 09 and 10 with engine="dask" on Parquet part files (row counts and spans,
    link_responses, encounter_landmarks, clv_by_segment, retention_vs_acquisition, snapshot_from_logs on
    the Dask log, on a cluster): the committed pandas outputs. (04 and 08: the tests above and below.)"""
    distributed = pytest.importorskip("distributed")
    notebook = next(p for p in find_notebooks() if p.name.startswith(prefix))
    assert {"engine", "dask_scheduler"} <= _declared_parameters(notebook)
    suite = tmp_path / "nbs"
    suite.mkdir()
    (suite / notebook.name).write_bytes(notebook.read_bytes())
    parts = _parquet_parts(tmp_path / "tx", load_sample("transactions"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        result = run_report(SAMPLE, tmp_path / "out", transactions=parts, notebooks_dir=suite, engine="dask",
                            scheduler=cluster.scheduler_address, progress=False)
        ran_there = set(cluster.scheduler.task_prefixes)
    # the cluster read the part files (the reads are fused with the conversion of the columns a step uses)
    assert ran_there & {"read_parquet", "convert"}, sorted(ran_there)
    assert result.summary()["status"].tolist() == ["ran"]
    executed = tmp_path / "out" / "notebooks" / notebook.name
    dask_outputs, pandas_outputs = _text_outputs(executed), _text_outputs(notebook)
    if prefix == "09_":  # the report's data folder is named data/, the committed run's sample/
        dask_outputs = json.loads(json.dumps(dask_outputs).replace("logs in data/", "logs in sample/"))
    if prefix == "00_":  # the list of files and their sizes is the data folder's (the log is Parquet parts here),
        # and a styled table's element ids and address are new in every run
        files = next(i for i, c in enumerate(pandas_outputs) if c and "size_kb" in str(c[0].get("data", "")))
        del dask_outputs[files], pandas_outputs[files]
        dask_outputs, pandas_outputs = (json.loads(re.sub(r"T_[0-9a-f]{5}|Styler at 0x[0-9a-f]+", "", json.dumps(o)))
                                        for o in (dask_outputs, pandas_outputs))
        span = next(c for c in pandas_outputs if c and "customers" in str(c[0].get("data", "")) and "last" in str(c))
        assert span in dask_outputs
    differing = [i for i, (a, b) in enumerate(zip(dask_outputs, pandas_outputs, strict=True)) if a != b]
    assert differing == []


@pytest.mark.slow
@DASK_INPLACE
def test_dask_report_runs_notebook_08_on_a_share_of_the_customers(tmp_path):
    """Notebook 08 with engine="dask": the log read lazily from the part files on a cluster, the pandas
    reference on a share of the customers (a log larger than memory is never loaded), every result identical."""
    distributed = pytest.importorskip("distributed")
    assert {"engine", "dask_scheduler", "reference_share"} <= _declared_parameters(NOTEBOOK_08)
    suite = tmp_path / "nbs"
    suite.mkdir()
    (suite / NOTEBOOK_08.name).write_bytes(NOTEBOOK_08.read_bytes())
    parts = _parquet_parts(tmp_path / "tx", load_sample("transactions"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        result = run_report(SAMPLE, tmp_path / "out", transactions=parts, notebooks_dir=suite, engine="dask",
                            scheduler=cluster.scheduler_address, progress=False, parameters={"reference_share": 0.1})
        ran_there = set(cluster.scheduler.task_prefixes)
    assert "read_parquet" in ran_there, sorted(ran_there)
    assert result.summary()["status"].tolist() == ["ran"]
    executed = tmp_path / "out" / "notebooks" / NOTEBOOK_08.name
    cells = [c for c in nbformat.read(str(executed), as_version=4).cells if c.cell_type == "code"]
    assert not any(o.get("name") == "stderr" for c in cells for o in c.outputs)
    sizes = next(c for c in cells if "reference_share" in c.source and "compute()" in c.source)
    rows, customers = (int(v) for v in sizes.outputs[0]["data"]["text/plain"].splitlines()[1].split()[1:3])
    assert 300 < customers <= 400 and 0 < rows < 45_077  # those of a tenth of the 4,000 customers who bought
    overview = cells[-1].outputs[0]["data"]["text/plain"].splitlines()[2:]
    assert len(overview) == 4 and all(row.split()[-1] == "True" for row in overview), overview
