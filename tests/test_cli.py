"""The command line: help text, exit codes, and the report runner on a tiny notebook suite."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from cxanalytics.report.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, build_parser, main
from cxanalytics.report.runner import ReportError, find_notebooks, run_report


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("sample", "report", "clean"):
        assert command in out
    assert "Exit codes" in out


def _subcommands():
    return build_parser()._subparsers._group_actions[0].choices


def test_every_subcommand_is_listed_and_documented():
    subs = _subcommands()
    assert set(subs) == {"sample", "report", "clean", "map"}
    for name, sub in subs.items():
        assert sub.description, name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("command", ["sample", "report", "clean", "map"])
def test_each_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--out" in text


def test_report_help_names_every_input_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    for option in ("--data", "--survey", "--transactions", "--interactions", "--customers", "--branches",
                   "--codebook", "--out", "--no-progress"):
        assert option in text
    assert "Exit codes" in text and "skipped" in text


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


def _tiny_suite(folder, *, fail=False, code=None):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir = "default"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny section\nA heading for the report."),
        params,
        nbformat.v4.new_code_cell(code or ("1 / 0" if fail else "print('data from', data_dir)")),
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
    (tmp_path / "mydata").mkdir()
    result = run_report(tmp_path / "mydata", tmp_path / "out", notebooks_dir=suite, progress=False)
    assert result.summary()["status"].tolist() == ["ran"]
    html = result.report.read_text(encoding="utf-8")
    assert "Tiny section" in html
    assert "data from" in html and "mydata" in html  # the injected parameter was used
    assert "print(" not in html  # code cells are left out of the report
    assert (tmp_path / "out" / "notebooks" / "01_tiny.ipynb").exists()


@pytest.mark.slow
def test_report_failure_names_notebook_and_cell(tmp_path):
    suite = _tiny_suite(tmp_path / "nbs", fail=True)
    with pytest.raises(ReportError, match=r"01_tiny\.ipynb.*|ZeroDivisionError") as info:
        run_report(None, tmp_path / "out", notebooks_dir=suite, progress=False)
    message = str(info.value)
    assert "01_tiny.ipynb" in message and "ZeroDivisionError" in message and "cell" in message
    assert "cell 3 (In [2])" in message and "'1 / 0'" in message  # position, execution count, first line
    assert not info.value.bad_input
    html = info.value.report.read_text(encoding="utf-8")  # the report is still written, failure in place
    assert "This notebook failed" in html and "ZeroDivisionError" in html


def test_sample_command_writes_the_sample(tmp_path, capsys):
    code = main(["sample", "--out", str(tmp_path), "--scale", "0.05", "--seed", "5", "--no-progress"])
    assert code == EXIT_OK
    out = capsys.readouterr().out
    assert "Wrote 10 files" in out and "TRUTH" in out
    assert (tmp_path / "qualtrics_en.csv").exists() and (tmp_path / "TRUTH.json").exists()


# --------------------------------------------------------------------------- report exit codes
@pytest.mark.slow
def test_report_exit_code_0_when_every_notebook_runs(tmp_path, capsys):
    suite = _tiny_suite(tmp_path / "nbs")
    code = main(["report", "--notebooks", str(suite), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == EXIT_OK
    out = capsys.readouterr().out
    assert "1 ran, 0 skipped" in out and "report.html" in out


@pytest.mark.slow
def test_report_exit_code_1_when_a_notebook_fails_internally(tmp_path, capsys):
    suite = _tiny_suite(tmp_path / "nbs", fail=True)
    code = main(["report", "--notebooks", str(suite), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "01_tiny.ipynb" in err and "cell 3" in err and "ZeroDivisionError" in err
    assert (tmp_path / "out" / "report.html").exists()


@pytest.mark.slow
def test_report_exit_code_2_when_a_notebook_stops_on_bad_data(tmp_path, capsys):
    bad = "from cxanalytics.errors import ColumnError\nraise ColumnError('Missing column [column nps]')"
    suite = _tiny_suite(tmp_path / "nbs", code=bad)
    code = main(["report", "--notebooks", str(suite), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "ColumnError" in err and "Missing column" in err and "01_tiny.ipynb" in err


def test_report_exit_code_2_names_a_missing_input_file(tmp_path, capsys):
    missing = tmp_path / "nope" / "transactions.csv"
    code = main(["report", "--transactions", str(missing), "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "transactions file not found" in err and "nope" in err
    assert not (tmp_path / "out" / "report.html").exists()


def test_report_exit_code_2_names_a_table_without_its_columns(tmp_path, capsys):
    table = tmp_path / "customers.csv"
    table.write_text("id,segment\n1,consumer\n", encoding="utf-8")
    code = main(["report", "--customers", str(table), "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "customers file lacks columns" in err and "customer_id" in err and "customers.csv" in err


def test_report_exit_code_2_for_a_missing_data_folder(tmp_path, capsys):
    code = main(["report", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    assert "Data folder not found" in capsys.readouterr().err


def test_report_unknown_option_is_a_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--surveys", "x.csv"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_resource_warnings_do_not_reach_the_console(monkeypatch, capsys, tmp_path):
    # `make demo` printed "warning: unclosed event loop ..." after a successful report: the
    # garbage collector's ResourceWarnings are not about the user's data (Python hides them too)
    import warnings

    from cxanalytics.report import cli

    def noisy(args):
        warnings.warn("unclosed event loop <_UnixSelectorEventLoop>", ResourceWarning, stacklevel=1)
        warnings.warn("3 rows without a time were dropped", UserWarning, stacklevel=1)
        return cli.EXIT_OK

    monkeypatch.setattr(cli, "_run_sample", noisy)
    assert cli.main(["sample", "--out", str(tmp_path)]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "unclosed" not in err
    assert err.strip() == "warning: 3 rows without a time were dropped"
