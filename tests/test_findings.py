"""cx.finding records a finding in an executed notebook; cx.read_findings reads it back with its figure."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics.errors import ParameterError
from cxanalytics.report.findings import MIME


def _cell(outputs: list[dict]) -> dict:
    return {"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": outputs,
            "id": "x"}


def _display(data: dict) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": data}


def _write(path, cells) -> None:
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")


def test_sentence_has_estimate_interval_and_n():
    f = cx.Finding("Net Promoter Score", -6.748, -9.928, -3.55, n=2208, unit="points")
    assert f.sentence() == "Net Promoter Score: −6.75 points (95 % interval −9.93 to −3.55; n = 2,208)."
    share = cx.Finding("Churned", 0.3391, 0.3244, 0.354, n=4000, fmt=".1%", level=0.9)
    assert share.sentence() == "Churned: 33.9% (90 % interval 32.4% to 35.4%; n = 4,000)."
    assert cx.Finding("Value", 1234.5).sentence() == "Value: 1,234."  # no interval, no n


def test_finding_outside_ipython_prints_the_sentence(capsys):
    assert cx.finding("Churned", estimate=0.5, ci_lower=0.4, ci_upper=0.6, n=10, fmt=".0%") is None
    assert capsys.readouterr().out == "Finding: Churned: 50% (95 % interval 40% to 60%; n = 10).\n"


@pytest.mark.parametrize("kwargs", [{"text": " "}, {"estimate": "high"}, {"level": 95}])
def test_bad_finding_is_refused(kwargs):
    args = {"text": "NPS", "estimate": 1.0} | kwargs
    with pytest.raises(ParameterError):
        cx.finding(**args)


@given(st.floats(allow_nan=True, allow_infinity=False, width=64), st.booleans(), st.text(min_size=1))
def test_record_round_trips_through_json(x, headline, key):
    f = cx.Finding("t", x, x - 1, x + 1, n=3, key=key, headline=headline, unit="u", fmt=None)
    back = cx.Finding.from_record(json.loads(json.dumps(f.bundle()[MIME])))
    assert back.key == key and back.headline == headline and back.n == 3
    assert (math.isnan(back.estimate) and math.isnan(x)) or back.estimate == x


def test_read_findings_pairs_figure_dedups_by_key_and_puts_headlines_first(tmp_path):
    png = "iVBORw0KGgo="
    first = tmp_path / "03_a.ipynb"
    second = tmp_path / "07_b.ipynb"
    _write(first, [
        _cell([_display(cx.Finding("NPS early", 1.0, key="nps").bundle()),
               _display({"image/png": png + "\n", "text/plain": "<Figure>"})]),
        _cell([_display(cx.Finding("No key", 2.0).bundle())]),
        _cell([_display(cx.Finding("Churn", 3.0, key="churn").bundle())]),
    ])
    _write(second, [_cell([_display(cx.Finding("NPS late", 4.0, key="nps", headline=True).bundle())]),
                    _cell([{"output_type": "stream", "name": "stdout", "text": "no finding here"}])])
    found = cx.read_findings([first, second])
    assert [f.text for f in found] == ["NPS late", "No key", "Churn"]
    assert [f.notebook for f in found] == ["07_b.ipynb", "03_a.ipynb", "03_a.ipynb"]
    assert found[0].figure is None
    early = cx.read_findings(first)
    assert early[0].text == "NPS early" and early[0].figure == png  # the figure of the same cell, newline-free


def test_read_findings_names_a_missing_notebook(tmp_path):
    with pytest.raises(ParameterError, match="nope.ipynb"):
        cx.read_findings(tmp_path / "nope.ipynb")


def test_finding_in_an_executed_notebook_comes_back_with_its_figure(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport cxanalytics as cx"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([0, 1], [0, 1])\n"
            "cx.finding('Slope', estimate=1.0, ci_lower=0.5, ci_upper=1.5, n=2, key='slope', headline=True)"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    path = tmp_path / "01_exec.ipynb"
    nbformat.write(nb, str(path))
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["display_data", "display_data"]  # the finding, then the figure
    assert outputs[0].data["text/plain"] == "Finding: Slope: 1.00 (95 % interval 0.500 to 1.50; n = 2)."
    (f,) = cx.read_findings(path)
    assert (f.key, f.headline, f.estimate, f.ci_lower, f.ci_upper, f.n) == ("slope", True, 1.0, 0.5, 1.5, 2)
    assert f.figure and f.figure.startswith("iVBORw0KGgo")  # a PNG


def test_report_keeps_sample_prose_only_for_the_sample(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from cxanalytics.report._html import _appendix_cells
    from cxanalytics.report.runner import NotebookRun

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · T"),
                nbformat.v4.new_markdown_cell("On the sample, NPS is -6.7.", metadata={"tags": ["sample-prose"]})]
    path = tmp_path / "01_t.ipynb"
    nbformat.write(nb, str(path))
    run = NotebookRun(path.name, "01 · T", "ran", "", path)
    for sample, kept in ((True, 3), (False, 2)):  # the appendix anchor, the heading and, on the sample, the prose
        cells, _ = _appendix_cells([run], sample)
        assert len(cells) == kept
