"""The command line: help text, exit codes, and the report runner on a tiny notebook suite."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from cxanalytics.cli import EXIT_BAD_INPUT, EXIT_OK, build_parser, main
from cxanalytics.report import ReportError, find_notebooks, run_report


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("sample", "report"):
        assert command in out
    assert "Exit codes" in out


@pytest.mark.parametrize("command", ["sample", "report"])
def test_each_subcommand_has_help(command):
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    text = sub.format_help()
    assert sub.description and "--out" in text


def test_missing_notebook_folder_is_bad_input_exit_2(tmp_path, capsys):
    code = main(["report", "--notebooks", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Notebook folder not found" in err and "nope" in err


def test_bad_scale_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "--out", "x", "--scale", "-1"])
    assert exit_info.value.code == 2
    assert "positive number" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "cxanalytics", "--version"], capture_output=True, text=True)
    assert done.returncode == EXIT_OK and done.stdout.startswith("cxanalytics ")


def _tiny_suite(folder, *, fail=False):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir = "default"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny section\nA heading for the report."),
        params,
        nbformat.v4.new_code_cell("1 / 0" if fail else "print('data from', data_dir)"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    nbformat.write(nb, str(folder / "01_tiny.ipynb"))
    nbformat.write(nbformat.v4.new_notebook(), str(folder / "scratch.ipynb"))  # not numbered: ignored
    return folder


@pytest.mark.slow
def test_report_runs_numbered_notebooks_with_injected_parameters(tmp_path):
    suite = _tiny_suite(tmp_path / "nbs")
    assert [p.name for p in find_notebooks(suite)] == ["01_tiny.ipynb"]
    index = run_report(tmp_path / "mydata", tmp_path / "out", notebooks_dir=suite)
    html = index.read_text(encoding="utf-8")
    assert "Tiny section" in html
    assert "data from" in html and "mydata" in html  # the injected parameter was used
    assert "print(" not in html  # code cells are left out of the report
    assert (tmp_path / "out" / "notebooks" / "01_tiny.ipynb").exists()


@pytest.mark.slow
def test_report_failure_names_notebook_and_cell(tmp_path):
    suite = _tiny_suite(tmp_path / "nbs", fail=True)
    with pytest.raises(ReportError, match=r"01_tiny\.ipynb.*|ZeroDivisionError") as info:
        run_report(None, tmp_path / "out", notebooks_dir=suite)
    message = str(info.value)
    assert "01_tiny.ipynb" in message and "ZeroDivisionError" in message and "cell" in message


def test_sample_command_writes_the_sample(tmp_path, capsys):
    code = main(["sample", "--out", str(tmp_path), "--scale", "0.05", "--seed", "5", "--no-progress"])
    assert code == EXIT_OK
    out = capsys.readouterr().out
    assert "Wrote 10 files" in out and "TRUTH" in out
    assert (tmp_path / "qualtrics_en.csv").exists() and (tmp_path / "TRUTH.json").exists()
