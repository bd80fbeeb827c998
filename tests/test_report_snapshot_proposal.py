"""A churn snapshot given to `report` without --map: a proposed mapping in OUT/proposed_mapping.toml and the
command that runs the report again with it, quoted for the shell (paths with spaces)."""

from __future__ import annotations

import shlex
import tomllib

import nbformat
import pandas as pd
import pytest
from _churnfiles import bank_churn, kaggle_telco

from cxanalytics.ingest.mapping import MissingColumnsError
from cxanalytics.report._snapshotpropose import rerun_command
from cxanalytics.report.cli import EXIT_BAD_INPUT, EXIT_OK, main
from cxanalytics.report.runner import assemble_data


def _suite(folder):
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('data_dir = "x"\nsnapshot_path = None\nsegments = None\ntenure = "tenure"\n'
                                  'tenure_unit = "days"')
    p.metadata["tags"] = ["parameters"]
    code = ("import pandas as pd\nsnap = pd.read_csv(snapshot_path)\n"
            "print(len(snap), int(snap['churned'].sum()), tenure, tenure_unit, segments)")
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · Snapshot"), p, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["cxanalytics"] = {"requires": ["snapshot"]}
    nbformat.write(nb, str(folder / "09_snapshot.ipynb"))
    return folder


def _rerun(err: str) -> list[str]:
    """The command printed on stderr, split as a POSIX shell would split it (without the program name)."""
    lines = err.strip().splitlines()
    assert lines[-2] == "cxanalytics: run the report again with the proposed mapping:"
    words = shlex.split(lines[-1])
    assert words[:2] == ["cxanalytics", "report"]
    return words[1:]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_snapshot_without_map_gets_a_proposal_and_the_printed_command_works(tmp_path, capsys, monkeypatch, suffix):
    folder = tmp_path / "my data"  # spaces in every path
    folder.mkdir()
    raw = folder / f"Bank Customer Churn{suffix}"
    frame = bank_churn(n=300)
    if suffix == ".xlsx":
        frame.to_excel(raw, index=False, sheet_name="Customers")
    else:
        frame.to_csv(raw, index=False)
    suite = _suite(tmp_path / "nbs")
    out = tmp_path / "out dir"
    monkeypatch.chdir(tmp_path)
    argv = ["report", "--snapshot", str(raw), "--notebooks", str(suite), "--out", str(out), "--no-progress"]
    assert main(argv) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert "the snapshot lacks columns 'tenure', 'churned'" in captured.err
    assert f"cxanalytics map {shlex.quote(str(raw))} --kind snapshot" in captured.err  # quoted in the hint too
    saved = out / "proposed_mapping.toml"
    text = saved.read_text(encoding="utf-8")
    assert 'Exited = "churned"' in text and 'Tenure = "tenure"' in text
    if suffix == ".xlsx":
        assert 'sheet = "Customers"' in text
    again = _rerun(captured.err)
    assert tomllib.loads(captured.out.split("\n", 2)[2])["snapshot"]["columns"]["Exited"] == "churned"
    assert again == argv + ["--map", str(saved)]
    assert main(again) == EXIT_OK, capsys.readouterr().err
    executed = nbformat.read(str(out / "notebooks" / "09_snapshot.ipynb"), as_version=4)
    n, churned, tenure, unit, _ = executed.cells[-1].outputs[0]["text"].split(" ", 4)
    assert (int(n), int(churned)) == (300, int(frame["Exited"].sum()))
    assert (tenure, unit) == ("tenure_periods", "years")  # the bank table's tenure is in years


def test_several_workbooks_without_map_are_joined_in_the_proposal(tmp_path):
    telco = kaggle_telco(n=200)
    a, b = tmp_path / "status.xlsx", tmp_path / "services.xlsx"
    telco[["customerID", "Churn"]].to_excel(a, index=False)
    telco.drop(columns="Churn").to_excel(b, index=False)
    with pytest.raises(MissingColumnsError) as info:
        assemble_data(tmp_path / "data", snapshot=[a, b])
    km = info.value.proposal.kinds["snapshot"]
    assert km.columns.get("Churn") == "churned" and km.columns.get("tenure") == "tenure"
    assert "several files are joined only through a mapping" in str(info.value)
    assert f"{a}, {b}: the snapshot" in str(info.value)


def test_a_canonical_csv_is_still_linked_without_a_mapping(tmp_path):
    snap = tmp_path / "snap.csv"
    pd.DataFrame({"tenure": [3, 40], "churned": [True, False]}).to_csv(snap, index=False)
    assert (assemble_data(tmp_path / "data", snapshot=snap).path / "snapshot.csv").is_symlink()


def test_rerun_command_replaces_a_given_map_and_quotes_for_the_shell():
    cmd = rerun_command(["report", "--map", "old map.toml", "--snapshot", "it's.csv"], "new.toml")
    assert shlex.split(cmd) == ["cxanalytics", "report", "--snapshot", "it's.csv", "--map", "new.toml"]
