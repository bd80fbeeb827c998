"""The report runner: data-folder assembly, input detection, and the whole suite end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import ParameterError
from cxanalytics.report._kinds import missing_kinds
from cxanalytics.report.runner import (
    _declared_parameters,
    _title,
    assemble_data,
    find_notebooks,
    notebook_inputs,
)

SAMPLE = sample_dir()
PII = ("@example.com", "203.0.113.")  # e-mail domain and IP range of the sample exports' PII


def _notebook(path: Path, *codes: str, params: str = 'data_dir = "x"', requires=None) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · A title\ntext"), p] + [nbformat.v4.new_code_cell(c) for c in codes]
    if requires is not None:
        nb.metadata["cxanalytics"] = {"requires": requires}
    nbformat.write(nb, str(path))
    return path


# --------------------------------------------------------------------------- input detection
def test_inputs_from_load_sample_calls_and_file_literals(tmp_path):
    nb = _notebook(tmp_path / "01_a.ipynb", 'c = load_sample("customers", folder=folder)',
                   'read_transactions(folder / "transactions.csv")', 'x = "interactions"  # not read')
    assert notebook_inputs(nb) == {"customers", "transactions"}


def test_inputs_when_load_sample_takes_a_variable(tmp_path):
    nb = _notebook(tmp_path / "01_a.ipynb", 'names = ["customers", "responses"]',
                   "tables = {n: load_sample(n, folder=folder) for n in names}")
    assert notebook_inputs(nb) == {"customers", "responses"}


def test_inputs_stated_in_metadata_win(tmp_path):
    nb = _notebook(tmp_path / "01_a.ipynb", 'load_sample("customers")', requires=["transactions"])
    assert notebook_inputs(nb) == {"transactions"}


def test_inputs_of_the_suite_notebooks():
    found = {p.name: notebook_inputs(p) for p in find_notebooks()}
    assert found["06_retention_economics.ipynb"] == {"customers", "transactions", "interactions", "responses"}
    assert found["07_findings.ipynb"] == {"customers", "transactions", "interactions", "responses"}
    assert "TRUTH" not in str(found)


def test_declared_parameters_and_title(tmp_path):
    nb = _notebook(tmp_path / "01_a.ipynb", params='data_dir = "x"  # a; b = 1\nalpha: float = 0.05\nn = 3 == 3\n')
    assert _declared_parameters(nb) == {"data_dir", "alpha", "n"}
    assert _title(nb) == "01 · A title"


# --------------------------------------------------------------------------- data folder
def test_assemble_links_a_folder_and_replaces_files_given_one_by_one(tmp_path):
    own = tmp_path / "my_customers.csv"
    load_sample("customers").head(10).to_csv(own, index=False)
    data = assemble_data(tmp_path / "data", data_dir=SAMPLE, customers=own)
    assert {"customers", "transactions", "interactions", "responses", "branches"} <= data.inputs
    assert len(load_sample("customers", folder=data.path)) == 10
    assert len(load_sample("transactions", folder=data.path)) == len(load_sample("transactions"))


def test_assemble_errors_name_the_file_and_problem(tmp_path):
    with pytest.raises(ParameterError, match="transactions file not found.*nope"):
        assemble_data(tmp_path / "d1", transactions=tmp_path / "nope.csv")
    bad = tmp_path / "tx.txt"
    bad.write_text("customer_id,occurred_at,amount\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"Unsupported transactions file.*\.txt"):
        assemble_data(tmp_path / "d2", transactions=bad)
    short = tmp_path / "tx.csv"
    short.write_text("customer_id,amount\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="lacks columns.*occurred_at"):
        assemble_data(tmp_path / "d3", transactions=short)
    with pytest.raises(ParameterError, match="Unknown table"):
        assemble_data(tmp_path / "d4", orders=short)
    with pytest.raises(ParameterError, match="one codebook for all exports, or one per export"):
        assemble_data(tmp_path / "d5", surveys=[SAMPLE / "qualtrics_en.csv"] * 3, codebooks=[short, short])
    with pytest.raises(ParameterError, match="Survey export not found"):
        assemble_data(tmp_path / "d6", surveys=[tmp_path / "absent.csv"])


def test_survey_exports_become_canonical_responses_without_pii(tmp_path):
    data = assemble_data(tmp_path / "data", surveys=[SAMPLE / "surveymonkey_ar.csv", SAMPLE / "google_forms_fa.csv"],
                         branches=SAMPLE / "branches.csv")
    assert {"responses", "branches"} <= data.inputs
    text = (data.path / "responses.csv").read_text(encoding="utf-8")
    assert not any(p in text for p in PII)
    responses = load_sample("responses", folder=data.path)  # typed like the answer key
    summary = data.surveys.set_index("export")
    assert summary["platform"].tolist() == ["surveymonkey", "google_forms"]
    assert len(responses) == summary["kept"].sum() and (summary["read"] > summary["kept"]).all()
    by_platform = responses.groupby("platform", observed=True)["language"].first()
    assert by_platform.to_dict() == {"google_forms": "fa", "surveymonkey": "ar"}
    # Arabic and Persian branch names are mapped to the ids of branches.csv
    assert set(responses["branch_id"].dropna()) <= set(load_sample("branches")["branch_id"])
    assert responses["nps"].between(0, 10).all() and responses["csat"].cat.ordered
    # the answer key has 985 genuine SurveyMonkey rows, and the export's 21 speeders and 21
    # straight-liners (TRUTH.json) are kept with a flag: the cleaned export keeps about as many
    assert abs(int(summary.loc["surveymonkey_ar.csv", "kept"]) - (985 + 21 + 21)) <= 25


# --------------------------------------------------------------------------- end to end
def _report(args, tmp_path):
    """Run the CLI from ``tmp_path`` with a relative ``--out`` (as `make demo` does), 3 notebooks at once."""
    done = subprocess.run([sys.executable, "-m", "cxanalytics", "report", *map(str, args), "--out", "out",
                           "--no-progress", "--jobs", "3"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    return done, tmp_path / "out"


def _sections(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).replace("¶", "").strip() for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)]


def _check_html(html: str) -> None:
    assert not any(p in html for p in PII)
    assert "cdnjs" not in html and 'src="http' not in html  # self-contained: nothing fetched
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', html)
    assert all("jp-mod-noInput" in c for c in code_cells)  # outputs only, no code
    assert "hl-ipython3" not in html


@pytest.mark.slow
def test_report_on_the_sample_runs_every_notebook(tmp_path):
    done, out = _report([], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    notebooks = find_notebooks()
    sections = _sections(html)
    for nb in notebooks:
        assert _title(nb) in sections, nb.name
        assert (out / "notebooks" / nb.name).exists()
    assert f"{len(notebooks)} ran, 0 skipped" in done.stdout
    console = done.stdout + done.stderr  # for people: progress lines, the report's path, nothing alarming
    assert not [word for word in ALARMING if word in console], console
    assert len(re.findall(r"^\[\d+/\d+\] \d\d_\w+\.ipynb: finished in \d+\.\d s$", done.stdout, re.M)) == len(notebooks)
    assert f"Report written: {(out / 'report.html').resolve()}" in done.stdout
    assert html.count("<img") >= 20 and "data:image/png;base64," in html  # figures embedded
    assert "Finding 7" in html and "Detractors churn at" in html
    _check_html(html)


@pytest.mark.slow
def test_report_on_raw_exports_without_interactions(tmp_path):
    """A differently shaped dataset: the three raw exports, no cleaned responses, no service log."""
    args = ["--survey", SAMPLE / "qualtrics_en.csv", "--survey", SAMPLE / "surveymonkey_ar.csv",
            "--survey", SAMPLE / "google_forms_fa.csv", "--customers", SAMPLE / "customers.csv",
            "--transactions", SAMPLE / "transactions.csv", "--branches", SAMPLE / "branches.csv"]
    done, out = _report(args, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    sections = _sections(html)
    given = {"responses", "customers", "transactions", "branches",
             "survey",  # any export is a survey, whatever its file name
             "snapshot"}  # built from customers and transactions (notebook 09)
    for nb in find_notebooks():
        assert _title(nb) in sections, nb.name  # every section: run, or a skip note
        runs = not missing_kinds(nb, frozenset(given))
        assert (out / "notebooks" / nb.name).exists() == runs, nb.name
        assert (f"This notebook ({nb.name}) reads inputs that were not given" in html) != runs
    assert "Not run: needs a service-contacts log (--interactions FILE)" in html
    assert (out / "cleaned" / "responses.parquet").is_file()  # the cleaned exports are kept beside the report
    assert "Survey exports cleaned" in html and "surveymonkey_ar.csv" in html
    assert "اصفهان" in html  # notebook 03 ran: its tables name branches right to left
    _check_html(html)


@pytest.mark.slow
def test_report_on_one_export_and_transactions_skips_with_notes(tmp_path):
    """The SurveyMonkey export alone plus transactions: the survey notebooks (01-03, 11) run, the others say what they need."""
    done, out = _report(["--survey", SAMPLE / "surveymonkey_ar.csv", "--transactions", SAMPLE / "transactions.csv"],
                        tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    notebooks = find_notebooks()
    assert f"4 ran, {len(notebooks) - 4} skipped" in done.stdout
    for nb in notebooks:
        assert _title(nb) in _sections(html)
        assert (f"This notebook ({nb.name})" in html) != nb.name.startswith(("01_", "02_", "03_", "11_"))
    assert "Not run: needs a customers table (--customers FILE)" in html
    _check_html(html)


# --------------------------------------------------------------------------- running in parallel
#: What a clean run must not print: jupyter_client/ipykernel's plain-TCP warning, the kernel's log of
#: the interrupt sent when it is shut down, and papermill's warnings for parameters it failed to parse.
ALARMING = ("without encryption", "KeyboardInterrupt", "Passed unknown parameter", "Unable to parse", "Traceback",
            "WARNING", "ERROR")


def _suite(folder: Path, codes: dict[str, str], params: str = 'data_dir = "x"') -> Path:
    folder.mkdir()
    for name, code in codes.items():
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}\ntext"), p, nbformat.v4.new_code_cell(code)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(folder / name))
    return folder


def _writes_relative_file(stem: str) -> str:
    """A cell that waits (so that the notebooks overlap) and writes a file by a relative path."""
    return ("import pathlib, time\ntime.sleep(0.5)\n"
            f"pathlib.Path('written_by_{stem}.txt').write_text(str(pathlib.Path.cwd()), encoding='utf-8')\n"
            "print('done')")

@pytest.fixture
def chdir_calls(tmp_path, monkeypatch) -> list[Path]:
    """Start in ``tmp_path`` and record every ``os.chdir`` the process makes (resolved paths)."""
    import os

    monkeypatch.chdir(tmp_path)
    moves: list[Path] = []
    real_chdir = os.chdir

    def spy(path):
        moves.append(Path(path).resolve())
        real_chdir(path)

    monkeypatch.setattr(os, "chdir", spy)
    return moves


@pytest.mark.slow
def test_parallel_runs_with_relative_paths_never_change_the_working_directory(tmp_path, chdir_calls):
    """`make demo` is `report --out reports` (relative) with two notebooks at once: papermill's ``cwd=``
    chdirs the whole process, so one notebook's relative output path was resolved in another's folder."""

    from cxanalytics.report.cli import EXIT_OK, main

    names = [f"0{i}_n{i}.ipynb" for i in range(1, 4)]
    suite = _suite(tmp_path / "nbs", {n: _writes_relative_file(Path(n).stem) for n in names})
    for attempt in range(3):
        code = main(["report", "--notebooks", "nbs", "--out", "reports", "--jobs", "3", "--no-progress"])
        assert code == EXIT_OK, attempt
        assert Path.cwd() == tmp_path
        assert (tmp_path / "reports" / "report.html").exists()
        for name in names:
            executed = nbformat.read(str(tmp_path / "reports" / "notebooks" / name), as_version=4)
            assert executed.cells[-1].outputs[0]["text"] == "done\n", (attempt, name)
            # each kernel ran in its notebook's folder: relative paths in a notebook mean what they say
            marker = suite / f"written_by_{Path(name).stem}.txt"
            assert marker.read_text(encoding="utf-8") == str(suite.resolve()), (attempt, name)
            marker.unlink()
    assert not list(tmp_path.glob("written_by_*"))
    assert set(chdir_calls) <= {tmp_path.resolve()}  # the process never left its working directory


@pytest.mark.slow
def test_exit_code_is_1_when_any_notebook_fails_and_the_others_still_run(tmp_path, capsys):
    from cxanalytics.report.cli import EXIT_INTERNAL, main

    suite = _suite(tmp_path / "nbs", {"01_ok.ipynb": "print('fine')", "02_bad.ipynb": "1 / 0",
                                      "03_dies.ipynb": "import os\nos._exit(3)",
                                      "04_hangs.ipynb": "import time\ntime.sleep(300)"})
    code = main(["report", "--notebooks", str(suite), "--out", str(tmp_path / "out"), "--jobs", "4",
                 "--timeout", "5", "--no-progress"])
    assert code == EXIT_INTERNAL
    captured = capsys.readouterr()
    assert "3 notebook(s) failed" in captured.err
    assert "02_bad.ipynb, cell 3" in captured.err and "ZeroDivisionError" in captured.err
    # a dead kernel and a cell that times out are failures too (the busy kernel is still stopped)
    assert "03_dies.ipynb: DeadKernelError" in captured.err
    assert "04_hangs.ipynb: CellTimeoutError: A cell timed out while it was being executed, after 5 seconds." in captured.err
    assert re.search(r"^\[4/4\] 04_hangs\.ipynb: failed after \d+\.\d s: ", captured.out, re.M), captured.out
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count("This notebook failed") == 3 and "fine" in html


@pytest.mark.slow
def test_a_clean_run_prints_progress_lines_and_nothing_alarming(tmp_path):
    # papermill's own parser skips a parameters line with two '=' (here one in the comment) and then
    # warned "Passed unknown parameter: data_dir" although the notebook declares it
    params = 'data_dir = "x"  # the folder; None = the sample\nengine = "pandas"'
    names = ["01_a.ipynb", "02_b.ipynb", "03_c.ipynb"]
    _suite(tmp_path / "nbs", {n: "print('data from', data_dir)" for n in names}, params=params)
    (tmp_path / "mydata").mkdir()
    done = subprocess.run([sys.executable, "-m", "cxanalytics", "report", "--data", "mydata", "--notebooks", "nbs",
                           "--out", "reports", "--jobs", "2"], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    console = done.stdout + done.stderr
    assert not [word for word in ALARMING if word in console], console
    assert done.stderr == ""
    for i, name in enumerate(names, start=1):
        assert re.search(rf"^\[{i}/3\] {re.escape(name)}: started$", done.stdout, re.M), done.stdout
        assert re.search(rf"^\[{i}/3\] {re.escape(name)}: finished in \d+\.\d s$", done.stdout, re.M), done.stdout
    report = (tmp_path / "reports" / "report.html").resolve()
    assert done.stdout.rstrip().endswith(f"Report written: {report}")
    executed = nbformat.read(str(tmp_path / "reports" / "notebooks" / "01_a.ipynb"), as_version=4)
    assert str((tmp_path / "mydata").resolve()) in executed.cells[-1].outputs[0]["text"]  # data_dir was injected


def test_a_stale_papermill_working_directory_never_moves_the_process(tmp_path, chdir_calls):
    """papermill keeps one global cwd for local file reads/writes, set and restored by every
    execute_notebook: interleaved restores from threads can leave a stale folder behind, into
    which later reads and writes chdir the whole process (seen when the tests ran in reverse)."""

    from papermill.iorw import papermill_io

    from cxanalytics.report.cli import EXIT_OK, main

    suite = _suite(tmp_path / "nbs", {"01_a.ipynb": _writes_relative_file("01_a")})
    stale = tmp_path / "stale"
    stale.mkdir()
    local = papermill_io.get_handler("local")
    old = local.cwd(str(stale))  # what an interleaved restore leaves behind
    try:
        assert main(["report", "--notebooks", str(suite), "--out", "reports", "--no-progress"]) == EXIT_OK
    finally:
        local.cwd(old)
    assert stale.resolve() not in chdir_calls and Path.cwd() == tmp_path
