"""Structural tests of the quarantine plot (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.ingest.cleaning import REASONS, clean_responses
from cxanalytics.ingest.exports import read_export
from cxanalytics.plotting._rtl import display_text
from cxanalytics.plotting.cleaning import plot_quarantine, quarantine_table


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result():
    return clean_responses(read_export(load_sample("qualtrics_en")), pii_key="k")


@pytest.fixture
def stacked() -> pd.DataFrame:
    return pd.DataFrame({
        "platform": ["qualtrics", "qualtrics", "qualtrics", "سروی", "سروی"],
        "reason": ["speeder", "test", "test", "test", "out_of_range"],
        "n": [5, 2, 1, 4, 0],
    })  # fmt: skip


def _bars(ax):
    return [p for p in ax.patches]


def test_table_orders_reasons_by_rule_and_sums_duplicates(stacked):
    t = quarantine_table(stacked)
    assert t["reason"].tolist() == ["test", "speeder", "test", "speeder"]  # REASONS order, zero-only dropped
    assert t["platform"].tolist() == ["qualtrics", "qualtrics", "سروی", "سروی"]
    assert t["n"].tolist() == [3, 5, 4, 0]  # the two qualtrics test rows summed; missing pair filled with 0
    every = quarantine_table(stacked, show_zero=True)
    assert every["reason"].drop_duplicates().tolist() == list(REASONS)
    assert every["n"].sum() == stacked["n"].sum()


def test_one_bar_per_group_and_reason_with_counts(stacked):
    ax = plot_quarantine(stacked, title="Quarantine")
    bars = _bars(ax)
    assert len(bars) == 4  # 2 groups x 2 reasons with a non-zero count
    widths = [b.get_width() for b in bars]
    assert widths == [3, 5, 4, 0]  # group by group, reasons in rule order
    assert [t.get_text() for t in ax.get_yticklabels()] == ["test", "speeder"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first reason on top
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["qualtrics (8)", f"{display_text('سروی')} (4)"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["3", "5", "4", "0"])
    assert ax.get_title() == "Quarantine" and ax.get_xlabel() == "Responses quarantined"
    # bars of one reason sit side by side around its tick
    ys = np.array([b.get_y() + b.get_height() / 2 for b in bars])
    np.testing.assert_allclose(ys[[0, 2]].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(ys[[1, 3]].mean(), 1.0, atol=1e-12)


def test_clean_result_is_plotted_from_its_summary(result):
    fig, ax = plt.subplots()
    out = plot_quarantine(result, ax=ax, annotate=False)
    assert out is ax and not ax.texts
    s = result.summary()
    q = s[(s["outcome"] == "quarantined") & (s["n"] > 0)]
    assert [t.get_text() for t in ax.get_yticklabels()] == q["reason"].tolist()
    assert [b.get_width() for b in _bars(ax)] == q["n"].tolist()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"qualtrics ({len(result.quarantine)})"]
    # the summary table gives the same picture
    ax2 = plot_quarantine(s)
    assert [b.get_width() for b in _bars(ax2)] == q["n"].tolist()


def test_mapping_of_results_gives_one_group_per_key(result):
    ax = plot_quarantine({"first": result, "second": result.summary()}, show_zero=True)
    bars = _bars(ax)
    assert len(bars) == 2 * len(REASONS)
    first, second = bars[: len(REASONS)], bars[len(REASONS):]
    assert [b.get_width() for b in first] == [b.get_width() for b in second]
    assert sum(b.get_width() for b in first) == len(result.quarantine)
    assert [t.get_text() for t in ax.get_legend().get_texts()][0].startswith("first (")


def test_nothing_quarantined_says_so():
    t = pd.DataFrame({"outcome": ["read", "kept", "quarantined"], "reason": [None, None, "test"], "n": [3, 3, 0]})
    ax = plot_quarantine(t)
    assert not _bars(ax) and [x.get_text() for x in ax.texts] == ["no response quarantined"]


def test_bad_inputs_raise_cx_errors(stacked):
    with pytest.raises(ParameterError, match="result_or_table"):
        plot_quarantine([1, 2, 3])
    with pytest.raises(ParameterError, match="empty"):
        plot_quarantine({})
    with pytest.raises(ColumnError, match="reason"):
        plot_quarantine(stacked.drop(columns="reason"))
    with pytest.raises(ColumnError, match="n"):
        plot_quarantine(stacked.assign(n=stacked["n"].astype(str)))
    with pytest.raises(ParameterError, match="non-negative"):
        plot_quarantine(stacked.assign(n=[-1, 2, 1, 4, 0]))
