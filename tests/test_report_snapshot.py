"""The report's churn-snapshot input: --snapshot, the 'snapshot' kind, and notebook 09 run on a snapshot file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from _tinydata import tiny_notebook

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import ParameterError
from cxanalytics.ingest.mapping import MissingColumnsError
from cxanalytics.report.cli import EXIT_BAD_INPUT, main
from cxanalytics.report.runner import assemble_data, find_notebooks, notebook_inputs, run_report
from cxanalytics.report.runner import present_inputs as present
from cxanalytics.snapshot import churn_by_segment, snapshot_from_logs

SAMPLE = sample_dir()


def _suite(folder: Path) -> Path:
    """One notebook that needs the snapshot kind and prints what it was given."""
    folder.mkdir()
    tiny_notebook(folder / "09_snapshot.ipynb", 'data_dir = "x"\nsnapshot_path = None', "print('snapshot:', snapshot_path)",
                  title="# 09 · Snapshot\ntext", metadata={"cxanalytics": {"requires": ["snapshot"]}})
    return folder


def test_notebook_09_declares_the_snapshot_kind():
    nb = next(p for p in find_notebooks() if p.name.startswith("09_"))
    assert notebook_inputs(nb) == {"snapshot"}


def test_the_snapshot_kind_is_a_file_or_the_logs_it_is_built_from(tmp_path):
    assert "snapshot" in present(SAMPLE)  # customers + transactions
    only = tmp_path / "only"
    only.mkdir()
    (only / "snapshot.csv").write_text("tenure,churned\n3,true\n", encoding="utf-8")
    assert present(only) == {"snapshot"}
    half = tmp_path / "half"
    half.mkdir()
    (half / "transactions.csv").write_text("order_id,customer_id,occurred_at,amount\n", encoding="utf-8")
    assert "snapshot" not in present(half)


def test_assemble_links_the_snapshot_and_names_bad_files(tmp_path):
    snap = tmp_path / "telco.csv"
    snap.write_text("tenure,churned\n3,true\n", encoding="utf-8")
    data = assemble_data(tmp_path / "data", snapshot=snap)
    assert (data.path / "snapshot.csv").read_text(encoding="utf-8") == snap.read_text(encoding="utf-8")
    assert data.inputs == {"snapshot"}
    with pytest.raises(ParameterError, match=r"Churn snapshot not found.*nope\.csv"):
        assemble_data(tmp_path / "d1", snapshot=tmp_path / "nope.csv")
    bad = tmp_path / "telco.xlsx"
    bad.write_bytes(b"PK")
    # an Excel workbook is read to propose a mapping (tests/test_report_snapshot_proposal.py); a broken one says so
    with pytest.raises(ParameterError, match=r"Cannot read the churn snapshot.*telco\.xlsx.*--snapshot.*Excel table"):
        assemble_data(tmp_path / "d2", snapshot=bad)


def test_report_injects_the_snapshot_path_or_skips_with_a_note(tmp_path):
    suite = _suite(tmp_path / "nbs")
    snap = tmp_path / "my_snapshot.csv"
    snap.write_text("tenure,churned\n3,true\n", encoding="utf-8")
    result = run_report(None, tmp_path / "out", snapshot=snap, notebooks_dir=suite, progress=False)
    assert result.summary()["status"].tolist() == ["ran"]
    executed = nbformat.read(str(tmp_path / "out" / "notebooks" / "09_snapshot.ipynb"), as_version=4)
    assert executed.cells[-1].outputs[0]["text"].startswith("snapshot: ")
    assert executed.cells[-1].outputs[0]["text"].strip().endswith("my_snapshot.csv")  # the link resolves to it
    skipped = run_report(None, tmp_path / "out2", transactions=SAMPLE / "transactions.csv", notebooks_dir=suite,
                         progress=False)
    assert skipped.notebooks[0].status == "skipped"
    assert ("a churn snapshot (--snapshot FILE) or a customers table and a transactions log "
            "(--customers FILE --transactions FILE)") in skipped.notebooks[0].detail


def test_cli_help_and_bad_snapshot_exit_code(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "--snapshot" in capsys.readouterr().out
    suite = _suite(tmp_path / "nbs")
    code = main(["report", "--snapshot", str(tmp_path / "absent.csv"), "--notebooks", str(suite),
                 "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Churn snapshot not found" in err and "absent.csv" in err and "received 'no such file'" in err


@pytest.mark.slow
def test_report_runs_notebook_09_on_a_snapshot_file(tmp_path):
    s = {n: load_sample(n) for n in ("customers", "transactions", "interactions", "responses")}
    snap = snapshot_from_logs(s["customers"], s["transactions"], interactions=s["interactions"],
                              responses=s["responses"], lapse={"plan": "prepaid"}, window="120D")
    snap.drop(columns=["segment", "acquisition_channel"]).to_csv(tmp_path / "snap.csv", index=False)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    source = next(p for p in find_notebooks() if p.name.startswith("09_"))
    (nbs / source.name).write_bytes(source.read_bytes())
    done = subprocess.run([sys.executable, "-m", "cxanalytics", "report", "--snapshot", "snap.csv", "--notebooks",
                           str(nbs), "--out", "out", "--no-progress"], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 ran, 0 skipped" in done.stdout
    executed = nbformat.read(str(tmp_path / "out" / "notebooks" / source.name), as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "Snapshot read from snap.csv: 4,000 customers, 1,357 churned" in text
    assert "Segments: plan;" in text and "plan = prepaid" in text


def test_a_mapped_snapshot_is_written_in_days_with_its_segments(tmp_path):
    raw = tmp_path / "telco.csv"
    raw.write_text("customerID,tenure,Churn,Contract\nA,1,Yes,Month-to-month\nB,24,No,Two year\nC,0,No,One year\n",
                   encoding="utf-8")
    mapping = {"snapshot": {"columns": {"customerID": "customer_id", "tenure": "tenure", "Churn": "churned",
                                        "Contract": "contract"},
                            "values": {"churned": {"Yes": True, "No": False}}, "units": {"tenure": "months"},
                            "segments": ["contract"]}}
    data = assemble_data(tmp_path / "data", snapshot=raw, mapping=mapping)
    snap = pd.read_csv(data.path / "snapshot.csv")
    assert snap["tenure"].tolist() == pytest.approx([365.25 / 12, 24 * 365.25 / 12, 0.0])  # days, the canonical unit
    assert snap["churned"].tolist() == [True, False, False] and data.snapshot_segments == ("contract",)
    assert "snapshot" in set(data.mapping_log["table"]) and data.inputs == {"snapshot"}
    # the library reads it back in the canonical unit: one lost in month 1, one censored at 24 months
    t = churn_by_segment(snap, by="contract")
    assert t["churned"].sum() == 1


def test_an_unmapped_snapshot_without_the_columns_gets_a_proposed_mapping(tmp_path):
    raw = tmp_path / "bank.csv"
    raw.write_text("CustomerId,Tenure,Exited\n1,3,1\n2,5,0\n3,1,0\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError) as info:
        assemble_data(tmp_path / "data", snapshot=raw)
    text = str(info.value)
    assert "lacks columns" in text and "tenure" in text and "churned" in text and "Exited" in text
    assert info.value.proposal is not None
    assert info.value.proposal.kinds["snapshot"].columns.get("Exited") == "churned"


def test_report_injects_the_mapping_segments(tmp_path):
    suite = tmp_path / "nbs"
    suite.mkdir()
    tiny_notebook(suite / "09_snapshot.ipynb", 'data_dir = "x"\nsnapshot_path = None\nsegments = None',
                  "print(segments)", title="# 09 · Snapshot\ntext", metadata={"cxanalytics": {"requires": ["snapshot"]}})
    raw = tmp_path / "s.csv"
    raw.write_text("id,months,left,plan\nA,1,1,x\nB,2,0,y\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[snapshot]\nsegments = ["plan"]\n[snapshot.columns]\nid = "customer_id"\nmonths = "tenure"\n'
                       'left = "churned"\nplan = "plan"\n[snapshot.values.churned]\n1 = true\n0 = false\n'
                       '[snapshot.units]\ntenure = "months"\n', encoding="utf-8")
    run_report(None, tmp_path / "out", snapshot=[raw], mapping=mapping, notebooks_dir=suite, progress=False)
    executed = nbformat.read(str(tmp_path / "out" / "notebooks" / "09_snapshot.ipynb"), as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == "['plan']"
    assert (tmp_path / "out" / "mapping_log.csv").exists()
    # the mapped snapshot is kept beside the report, and the executed notebook points to it (it can run again)
    kept = tmp_path / "out" / "inputs" / "snapshot.csv"
    assert kept.is_file() and pd.read_csv(kept)["customer_id"].tolist() == ["A", "B"]
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f"snapshot_path = \"{kept.resolve()}\"" in injected.source
