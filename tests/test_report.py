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
from cxanalytics.report import (
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
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "cxanalytics", "report", *map(str, args), "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, timeout=600)
    return done, out


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
    given = {"responses", "customers", "transactions", "branches", "qualtrics_en", "surveymonkey_ar",
             "google_forms_fa"}  # the exports stand in for the sample's raw exports (<platform>_file)
    for nb in find_notebooks():
        assert _title(nb) in sections, nb.name  # every section: run, or a skip note
        runs = notebook_inputs(nb) <= given
        assert (out / "notebooks" / nb.name).exists() == runs, nb.name
        assert (f"This notebook ({nb.name}) reads inputs that were not given" in html) != runs
    assert "Not run: needs interactions.csv" in html
    assert "Survey exports cleaned" in html and "surveymonkey_ar.csv" in html
    assert "اصفهان" in html  # notebook 03 ran: its tables name branches right to left
    _check_html(html)


@pytest.mark.slow
def test_report_on_one_export_and_transactions_skips_with_notes(tmp_path):
    """The SurveyMonkey export alone plus transactions: nothing in the suite has all it needs."""
    done, out = _report(["--survey", SAMPLE / "surveymonkey_ar.csv", "--transactions", SAMPLE / "transactions.csv"],
                        tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    notebooks = find_notebooks()
    assert f"0 ran, {len(notebooks)} skipped" in done.stdout
    for nb in notebooks:
        assert _title(nb) in _sections(html) and f"This notebook ({nb.name})" in html
    assert "Not run: needs customers.csv" in html
    _check_html(html)
