"""Structural tests for the cohort heatmap (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxanalytics.behaviour.summaries import cohort_retention
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.plotting.cohorts import plot_cohort_heatmap


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def table() -> pd.DataFrame:
    tx = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 3, 4],
        "occurred_at": pd.to_datetime(["2026-01-05", "2026-03-01", "2026-01-20", "2026-02-02",
                                       "2026-03-09", "2026-03-15"]),
    })
    return cohort_retention(tx)


def test_heatmap_has_one_cell_per_cohort_and_period(table):
    ax = plot_cohort_heatmap(table)
    image = ax.get_images()[0]
    assert image.get_array().shape == (3, 3)  # Jan, Feb, Mar cohorts x indices 0..2
    assert image.get_array().mask.sum() == 3  # unobserved cells (upper-right triangle) are blank
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-01", "2026-02", "2026-03"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(["100%", "0%", "50%", "100%", "100%", "100%"])
    assert len(ax.figure.axes) == 2  # heatmap + colour bar


def test_heatmap_draws_on_given_axes_and_counts(table):
    fig, ax = plt.subplots()
    out = plot_cohort_heatmap(table, value="n_active", ax=ax, annotate=False, colorbar=False, title="t")
    assert out is ax and ax.get_title() == "t" and not ax.texts
    np.testing.assert_array_equal(ax.get_images()[0].get_array()[0].compressed(), [2, 0, 1])


def test_heatmap_rejects_bad_tables(table):
    with pytest.raises(ColumnError):
        plot_cohort_heatmap(table.drop(columns="share"))
    with pytest.raises(ParameterError):
        plot_cohort_heatmap(table.iloc[0:0])
