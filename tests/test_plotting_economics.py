"""Structural tests for the economics plots (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.money.economics import clv
from cxanalytics.money.improvement import Baseline, detractors_to_passives, value_of_improvement
from cxanalytics.money.sensitivity import break_even, break_even_curve, sensitivity
from cxanalytics.plotting._rtl import display_text
from cxanalytics.plotting.economics import plot_break_even, plot_tornado, plot_value_distribution

BASE = {"margin": 100.0, "retention": 0.8, "discount": 0.1}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _draw_without_warnings(ax):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


@pytest.fixture
def tornado() -> pd.DataFrame:
    return sensitivity(clv, BASE, {"discount": (0.08, 0.12), "retention": (0.75, 0.85), "margin": (90.0, 110.0)})


def test_tornado_bars_follow_the_table(tornado):
    ax = plot_tornado(tornado)
    _draw_without_warnings(ax)
    low, high = ax.containers
    # largest swing on top: matplotlib puts y = 0 at the bottom
    assert [t.get_text() for t in ax.get_yticklabels()] == ["discount", "margin", "retention"]
    ordered = tornado.iloc[::-1]
    base = tornado["output_base"].iloc[0]
    for bars, col in ((low, "output_low"), (high, "output_high")):
        for patch, out in zip(bars.patches, ordered[col], strict=True):
            x0, x1 = sorted((patch.get_x(), patch.get_x() + patch.get_width()))
            assert (x0, x1) == pytest.approx(tuple(sorted((base, out))))
    assert ax.get_lines()[0].get_xdata()[0] == pytest.approx(base)
    assert {t.get_text() for t in ax.texts} >= {"0.75", "0.85", "90", "110"}
    assert ax.get_xlabel() == "Result"


def test_tornado_rtl_labels_and_given_axes(tornado):
    fig, ax = plt.subplots()
    names = {"retention": "الاحتفاظ", "margin": "حاشیه سود", "discount": "discount"}
    out = plot_tornado(tornado, ax=ax, labels=names, title="تحلیل حساسیت", annotate=False)
    _draw_without_warnings(out)
    assert out is ax and len(ax.texts) == 0
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "discount", display_text("حاشیه سود"), display_text("الاحتفاظ")]
    assert ax.get_title() == display_text("تحلیل حساسیت")


def test_tornado_rejects_other_tables():
    with pytest.raises(ColumnError, match="output_low"):
        plot_tornado(pd.DataFrame({"input": ["a"]}))
    with pytest.raises(ParameterError, match="table"):
        plot_tornado([1, 2])


def test_break_even_plot():
    curve = break_even_curve(clv, "retention", (0.5, 0.95), base_inputs=BASE, n=41)
    x = break_even(clv, "retention", 400.0, (0.5, 0.95), base_inputs=BASE)
    ax = plot_break_even(curve, target=400.0, break_even=x, ylabel="القيمة الدائمة")
    _draw_without_warnings(ax)
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["result"].get_xdata(), curve["value"].to_numpy())
    np.testing.assert_array_equal(lines["result"].get_ydata(), curve["output"].to_numpy())
    assert lines["target"].get_ydata()[0] == 400.0
    assert lines["break-even"].get_xdata()[0] == pytest.approx(0.88)
    assert ax.get_xlabel() == "retention" and ax.get_ylabel() == display_text("القيمة الدائمة")
    plain = plot_break_even(curve)
    assert [line.get_label() for line in plain.get_lines()] == ["result"]
    with pytest.raises(ColumnError, match="output"):
        plot_break_even(curve.drop(columns="output"))


def test_value_distribution_plot():
    res = value_of_improvement(detractors_to_passives((1.9, 1.5, 2.4), (1.35, 1.1, 1.65)),
                               Baseline(1000, 0.7, 120.0, 0.1), n_draws=2000, random_state=0)
    ax = plot_value_distribution(res, bins=30)
    _draw_without_warnings(ax)
    assert len(ax.patches) == 30
    assert sum(p.get_height() for p in ax.patches) == 2000
    row = res.table.set_index("quantity").loc["value"]
    xs = [line.get_xdata()[0] for line in ax.get_lines()]
    assert xs == pytest.approx([row["median"], row["ci_lower"], row["ci_upper"]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["median", "95 % interval"]
    with pytest.raises(ParameterError, match="quantity"):
        plot_value_distribution(res, quantity="profit")
    with pytest.raises(ParameterError, match="result"):
        plot_value_distribution(res.table)
