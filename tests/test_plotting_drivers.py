"""Structural tests of the driver plots (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.link.drivers import importance_performance, relative_weights
from cxanalytics.link.outcomes import outcome_by_group
from cxanalytics.plotting._rtl import display_text
from cxanalytics.plotting.drivers import (
    plot_dose_response,
    plot_importance_performance,
    plot_outcome_by_group,
    plot_relative_weights,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, size=(200, 3)).astype(float)
    df = pd.DataFrame(x, columns=["سرعة الخدمة", "courtesy", "price"])
    return df.assign(sat=x @ [0.8, 0.4, 0.0] + rng.normal(size=200))


def test_quadrant_plot_points_labels_and_cuts(data):
    table = importance_performance(data, "sat", ["سرعة الخدمة", "courtesy", "price"])
    ax = plot_importance_performance(table, title="IPA")
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], table["performance"])
    np.testing.assert_allclose(offsets[:, 1], table["share"])
    labels = [t.get_text() for t in ax.texts]
    assert display_text("سرعة الخدمة") in labels  # passed through display_text (RTL-safe)
    assert {"concentrate here", "keep up the good work", "low priority", "possible overkill"} <= set(labels)
    assert ax.lines[0].get_xdata()[0] == pytest.approx(table["performance"].mean())
    assert ax.lines[1].get_ydata()[0] == pytest.approx(1 / 3)
    assert ax.get_title() == "IPA"


def test_relative_weight_bars_with_intervals(data):
    table = relative_weights(data, "sat", ["سرعة الخدمة", "courtesy", "price"], n_resamples=50, random_state=0)
    fig, ax = plt.subplots()
    out = plot_relative_weights(table, ax=ax)
    assert out is ax
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths) and len(widths) == 3  # largest on top
    assert len(ax.collections) == 1  # the error bars
    assert ax.get_yticklabels()[-1].get_text() == display_text("سرعة الخدمة")
    with pytest.raises(ParameterError):
        plot_relative_weights(table, value="beta")


def test_outcome_and_dose_response_plots():
    df = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "y": [1, 0, 1, 1, 0]})
    table = outcome_by_group(df, "y", by="g")
    ax = plot_outcome_by_group(table, by="g")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["estimate"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    ev = pd.DataFrame({"band": ["0-30s", "30s+"], "mean_satisfaction": [4.5, 3.0],
                       "satisfaction_ci_lower": [4.2, 2.5], "satisfaction_ci_upper": [4.8, 3.5]})
    ax = plot_dose_response(ev)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [4.5, 3.0])
    assert len(ax.collections) == 1
    with pytest.raises(ColumnError):
        plot_dose_response(ev, y="churn_per_year")
    with pytest.raises(ParameterError):
        plot_outcome_by_group(table.iloc[0:0], by="g")
