"""`cxanalytics report --param NAME=VALUE` and `run_report(parameters=...)`: typed notebook parameters."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cxanalytics.errors import CxError, ParameterError
from cxanalytics.report._params import check_parameters, declared_defaults, parse_param_args
from cxanalytics.report.runner import find_notebooks, run_report

PARAMS = '''data_dir = "x"
margin_rate = 0.30  # share of the charges that is margin
n_resamples = 200
acquisition_cost = "acquisition_cost"  # a column, or a number
segments = None
lapse = {"plan": "prepaid"}
remove = ["speeders"]
verbose = False
start = 2 * 3  # not a literal: any value'''


def _suite(folder: Path) -> Path:
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(PARAMS)
    cell.metadata["tags"] = ["parameters"]
    show = "print(repr(margin_rate), repr(acquisition_cost), repr(remove), repr(verbose), repr(segments))"
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · Parameters"), cell, nbformat.v4.new_code_cell(show)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(folder / "01_params.ipynb"))
    return folder


def test_parse_takes_the_first_equals_sign_and_refuses_a_bare_name():
    assert parse_param_args(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    for bad in ("margin_rate", "=3", "not a name=1"):
        with pytest.raises(ParameterError, match=r"NAME=VALUE .*--param"):
            parse_param_args([bad])


def test_defaults_are_read_from_the_parameters_cell(tmp_path):
    d = declared_defaults(_suite(tmp_path / "nbs") / "01_params.ipynb")
    assert d["margin_rate"] == 0.30 and d["lapse"] == {"plan": "prepaid"} and d["segments"] is None
    assert "start" in d and d["start"] is not None  # an expression: accepts anything


def test_text_values_take_the_type_of_the_default(tmp_path):
    nbs = find_notebooks(_suite(tmp_path / "nbs"))
    given = {"margin_rate": "0.35", "n_resamples": "500", "acquisition_cost": "250", "remove": "speeders,straightliners",
             "verbose": "true", "segments": '["contract", "offer"]', "lapse": "{'plan': 'contract'}", "start": "x"}
    assert check_parameters(given, nbs, from_text=True) == {
        "margin_rate": 0.35, "n_resamples": 500, "acquisition_cost": 250, "remove": ["speeders", "straightliners"],
        "verbose": True, "segments": ["contract", "offer"], "lapse": {"plan": "contract"}, "start": "x"}
    # a column name stays text; an int is a valid float
    assert check_parameters({"acquisition_cost": "cac", "margin_rate": "1"}, nbs, from_text=True) == {
        "acquisition_cost": "cac", "margin_rate": 1}


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("margin_rate", "high", "expected a number"),
    ("n_resamples", "2.5", "expected a whole number"),
    ("verbose", "maybe", "expected true or false"),
    ("lapse", "prepaid", "expected a mapping"),
])
def test_a_value_of_another_type_names_parameter_value_and_default(tmp_path, name, value, expected):
    nbs = find_notebooks(_suite(tmp_path / "nbs"))
    with pytest.raises(ParameterError, match=rf"default .* in 01_params\.ipynb\) \[parameter '{name}'\]: "
                                             rf"received '{value}'; {expected}"):
        check_parameters({name: value}, nbs, from_text=True)
    with pytest.raises(ParameterError):  # a bool is not a number in Python either
        check_parameters({"margin_rate": True}, nbs)


def test_unknown_and_reserved_names_are_refused_with_the_closest_names(tmp_path):
    nbs = find_notebooks(_suite(tmp_path / "nbs"))
    with pytest.raises(ParameterError, match=r"Unknown notebook parameter \[parameter 'margin_rat'\].*closest: "
                                             r"margin_rate\).*declare: acquisition_cost, lapse, margin_rate"):
        check_parameters({"margin_rat": 0.3}, nbs)
    with pytest.raises(ParameterError, match=r"set by the report \[parameter 'data_dir'\].*--data"):
        check_parameters({"data_dir": "elsewhere"}, nbs)
    assert issubclass(ParameterError, CxError)


def test_a_renamed_notebook_parameter_still_works_for_one_release(tmp_path):
    nbs = find_notebooks(_suite(tmp_path / "nbs"))  # declares n_resamples, the library's word
    with pytest.warns(FutureWarning, match=r"notebook parameter 'n_boot' is renamed 'n_resamples'") as got:
        assert check_parameters({"n_boot": "500"}, nbs, from_text=True) == {"n_resamples": 500}
    assert got[0].filename == __file__  # points at the caller
    with pytest.raises(ParameterError, match=r"give only 'n_resamples'"):
        check_parameters({"n_boot": 500, "n_resamples": 500}, nbs)
    # a suite of notebooks that still declares the old name takes it as it is, without a warning
    old = tmp_path / "old"
    old.mkdir()
    nb = nbformat.read(str(nbs[0]), as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("n_resamples = 200", "n_boot = 200")
    nbformat.write(nb, str(old / "01_params.ipynb"))
    assert check_parameters({"n_boot": 300}, find_notebooks(old)) == {"n_boot": 300}


def test_run_report_injects_the_typed_values(tmp_path):
    suite = _suite(tmp_path / "nbs")
    run_report(notebooks_dir=suite, out_dir=tmp_path / "out", progress=False, jobs=1,
               parameters={"margin_rate": 0.4, "acquisition_cost": 250, "remove": ["straightliners"]})
    nb = nbformat.read(str(tmp_path / "out" / "notebooks" / "01_params.ipynb"), as_version=4)
    assert nb.cells[-1].outputs[0]["text"] == "0.4 250 ['straightliners'] False None\n"


def test_run_report_checks_before_any_notebook_runs(tmp_path):
    with pytest.raises(ParameterError, match="margin_rate"):
        run_report(notebooks_dir=_suite(tmp_path / "nbs"), out_dir=tmp_path / "out", progress=False,
                   parameters={"margin_rate": "high"})
    assert not (tmp_path / "out").exists()


def test_cli_param_reaches_the_notebook_and_a_bad_one_exits_2(tmp_path, capsys):
    from cxanalytics.report.cli import EXIT_BAD_INPUT, EXIT_OK, main

    suite = _suite(tmp_path / "nbs")
    out = tmp_path / "out"
    assert main(["report", "--notebooks", str(suite), "--out", str(out), "--no-progress", "--jobs", "1",
                 "--param", "margin_rate=0.5", "--param", "verbose=yes", "--param", "segments=['plan']"]) == EXIT_OK
    nb = nbformat.read(str(out / "notebooks" / "01_params.ipynb"), as_version=4)
    assert nb.cells[-1].outputs[0]["text"] == "0.5 'acquisition_cost' ['speeders'] True ['plan']\n"
    capsys.readouterr()
    assert main(["report", "--notebooks", str(suite), "--out", str(tmp_path / "o2"), "--param", "margn=1"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Unknown notebook parameter [parameter 'margn']" in err and "closest: margin_rate" in err


def test_the_suite_declares_the_snapshot_money_parameters():
    typed = check_parameters({"acquisition_cost": "250", "margin_rate": "0.35", "annual_discount_rate": "0.08"},
                             find_notebooks(), from_text=True)
    assert typed == {"acquisition_cost": 250, "margin_rate": 0.35, "annual_discount_rate": 0.08}


def test_help_documents_param(capsys):
    from cxanalytics.report.cli import main

    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "--param NAME=VALUE" in capsys.readouterr().out
