"""The report by kind of input: any platform's export is a survey; 01-03 run on it; cleaned/ is kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _tinydata import tiny_export_text

import cxanalytics as cx
from cxanalytics.datasets import sample_dir
from cxanalytics.report._kinds import (
    KINDS,
    is_sample,
    missing_kinds,
    notebook_kinds,
    prerequisites,
    present_kinds,
    skip_detail,
)
from cxanalytics.report.runner import ReportError, find_notebooks, run_report

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT.parent / "shared" / "realdata" / "exports"


def _tiny_export(path: Path, n: int = 60) -> Path:
    """A plain CSV survey (no platform markers): time, NPS, CSAT labels, three agreement items, a store."""
    path.write_text(tiny_export_text(n, seed=7, stores=("North", "South"), months=12) + "\n", encoding="utf-8")
    return path


def _suite(folder: Path, cells: dict[str, list], kinds: dict[str, dict]) -> Path:
    folder.mkdir()
    for name, body in cells.items():
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell('data_dir = "x"')
        p.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}\ntext"), p, *body]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["cxanalytics"] = {"kinds": kinds[name]}
        nbformat.write(nb, str(folder / name))
    return folder


# --------------------------------------------------------------------------- kinds
def test_suite_notebooks_state_their_kinds():
    found = {p.stem: notebook_kinds(p) for p in find_notebooks()}
    for stem in ("01_raw_exports", "02_cleaning", "03_satisfaction", "11_comment_boxes"):
        assert found[stem].requires == {"survey"}
    assert prerequisites(find_notebooks()[3]) == ("02_cleaning",)
    # notebooks without a statement get the kinds of the inputs their code reads
    assert found["04_repeat_business"].requires == {"customers", "transactions"}
    assert found["09_churn_snapshot"].requires == {"snapshot"}
    assert all(k in KINDS for kinds in found.values() for k in kinds.requires | kinds.optional)


def test_any_export_is_a_survey_and_the_sample_exports_are_surveys():
    assert present_kinds(frozenset({"responses"}), surveys=True) == {"responses", "survey"}
    assert present_kinds(frozenset({"qualtrics_en", "customers"}), surveys=False) == {"survey", "customers"}
    nb = find_notebooks()[1]
    assert missing_kinds(nb, frozenset({"survey"})) == frozenset()
    assert missing_kinds(nb, frozenset({"customers"})) == {"survey"}


def test_skip_notes_name_the_option():
    assert skip_detail({"survey"}) == "needs a survey export from any platform (--survey FILE)"
    detail = skip_detail({"customers", "transactions"})
    assert "--customers FILE" in detail and "--transactions FILE" in detail


def test_unknown_kind_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["cxanalytics"] = {"kinds": {"requires": ["survey", "weather"]}}
    nbformat.write(nb, str(tmp_path / "01_a.ipynb"))
    with pytest.raises(ValueError, match="weather"):
        notebook_kinds(tmp_path / "01_a.ipynb")


def test_is_sample():
    assert is_sample(None, explicit=False)
    assert is_sample(sample_dir(), explicit=False)
    assert not is_sample(None, explicit=True)
    assert not is_sample(ROOT, explicit=False)


# --------------------------------------------------------------------------- runner (small suites)
def test_sample_prose_is_left_out_unless_the_data_is_the_sample(tmp_path):
    prose = nbformat.v4.new_markdown_cell("THE SAMPLE SHOWS 42")
    prose.metadata["tags"] = ["sample-prose"]
    suite = _suite(tmp_path / "nbs", {"01_a.ipynb": [prose, nbformat.v4.new_markdown_cell("GENERAL TEXT")]},
                   {"01_a.ipynb": {"requires": []}})
    on_sample = run_report(None, tmp_path / "a", notebooks_dir=suite, progress=False, jobs=1)
    html = on_sample.report.read_text(encoding="utf-8")
    assert "THE SAMPLE SHOWS 42" in html and "GENERAL TEXT" in html
    other = tmp_path / "mydata"
    other.mkdir()
    on_other = run_report(other, tmp_path / "b", notebooks_dir=suite, progress=False, jobs=1)
    html = on_other.report.read_text(encoding="utf-8")
    assert "THE SAMPLE SHOWS 42" not in html and "GENERAL TEXT" in html


def _two_step_suite(folder: Path, first: str, flag: Path) -> Path:
    """01_w runs ``first``; 02_r reads the file 01_w writes and declares it runs after 01_w."""
    params = f'data_dir = "x"\nout = {str(flag)!r}'
    read = nbformat.v4.new_code_cell("import pathlib\nprint(pathlib.Path(out).read_text())")
    suite = _suite(folder, {"01_w.ipynb": [nbformat.v4.new_code_cell(first)], "02_r.ipynb": [read]},
                   {"01_w.ipynb": {"requires": []}, "02_r.ipynb": {"requires": [], "after": ["01_w"]}})
    for name in ("01_w.ipynb", "02_r.ipynb"):
        nb = nbformat.read(str(suite / name), as_version=4)
        nb.cells[1].source = params
        nbformat.write(nb, str(suite / name))
    return suite


def test_a_notebook_runs_after_the_one_it_reads(tmp_path):
    writes = "import time, pathlib\ntime.sleep(1.5)\npathlib.Path(out).write_text('done')"
    suite = _two_step_suite(tmp_path / "nbs", writes, tmp_path / "flag.txt")
    result = run_report(None, tmp_path / "out", notebooks_dir=suite, progress=False, jobs=2)
    assert [r.status for r in result.notebooks] == ["ran", "ran"]  # 02 waited for 01's file


def test_a_notebook_is_skipped_when_the_one_it_reads_failed(tmp_path):
    suite = _two_step_suite(tmp_path / "nbs", "raise RuntimeError('boom')", tmp_path / "flag.txt")
    with pytest.raises(ReportError) as caught:
        run_report(None, tmp_path / "out", notebooks_dir=suite, progress=False, jobs=2)
    assert [f.name for f in caught.value.failures] == ["01_w.ipynb"]
    html = caught.value.report.read_text(encoding="utf-8")
    assert "needs the output of 01_w.ipynb, which did not run" in html


# --------------------------------------------------------------------------- the real suite
def _cli(args, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxanalytics", "report", *map(str, args), "--out", str(out),
                           "--no-progress", "--jobs", "2"], capture_output=True, text=True, timeout=900)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.slow
def test_report_on_a_plain_csv_survey_runs_01_to_03_and_keeps_cleaned(tmp_path):
    export = _tiny_export(tmp_path / "my_survey.csv")
    done = _cli(["--survey", export], tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 ran, 8 skipped" in done.stdout  # 01-03 and 11 of 12 notebooks (10_open_text needs responses and logs)
    out = tmp_path / "out"
    cleaned = cx.read_cleaned(out / "cleaned")
    assert cleaned.summary[["source", "read", "kept"]].values.tolist() == [["my_survey", 60, 60]]
    assert {"responses.parquet", "quarantine.parquet", "log.parquet", "codebook.csv", "summary.csv"} <= {
        p.name for p in (out / "cleaned").iterdir()}
    html = (out / "report.html").read_text(encoding="utf-8")
    text = _text(html)
    assert "Qualtrics writes three header rows" not in text  # sample-only prose left out
    assert "Until the cleaning notebooks" not in text and "Against the truth" not in text
    assert "--customers FILE" in text and "--snapshot FILE" in text  # skipped notebooks say what enables them
    assert "Part B is not computable on these data" in text
    assert "staff_were_friendly" in text  # the battery and the drivers were found
    executed = nbformat.read(str(out / "notebooks" / "03_satisfaction.ipynb"), as_version=4)
    outputs = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    assert "cronbach_alpha" in outputs and "share_ci_lower" in outputs
    assert "No free-text column of these exports is a comment box" in text  # 11 ran and says why it has nothing


@pytest.mark.slow
@pytest.mark.skipif(not EXPORTS.is_dir(), reason="real exports (../shared) not present")
def test_report_on_a_real_export_with_csat(tmp_path):
    export = next(EXPORTS.glob("kobotoolbox/*.csv"))
    done = _cli(["--survey", export], tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 ran, 8 skipped" in done.stdout  # 01-03 and 11 of 12 notebooks (10_open_text needs responses and logs)
    cleaned = cx.read_cleaned(tmp_path / "out" / "cleaned")
    assert int(cleaned.summary["read"].iloc[0]) == len(cleaned.data) + len(cleaned.quarantine)
    text = _text((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert "CSAT" in text and "No NPS, CSAT or CES item" not in text


@pytest.mark.slow
@pytest.mark.skipif(not EXPORTS.is_dir(), reason="real exports (../shared) not present")
def test_report_finds_the_comment_boxes_of_a_real_export(tmp_path):
    """Typeform OSMI 2020: open questions but no NPS/CSAT item; notebook 11 finds themes and says why no score."""
    export = next(EXPORTS.glob("typeform/*osmi*.csv"))
    done = _cli(["--survey", export], tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 ran, 8 skipped" in done.stdout
    executed = nbformat.read(str(tmp_path / "out" / "notebooks" / "11_comment_boxes.ipynb"), as_version=4)
    outputs = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    assert "comment_2 (en)" in outputs and "themes" in outputs
    assert "Themes and scores: not computable (no NPS or CSAT item with answers in these exports)" in outputs
