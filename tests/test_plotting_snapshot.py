"""Structural tests for the churn-snapshot plots (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import FillBetweenPolyCollection

from cxanalytics.errors import ParameterError
from cxanalytics.plotting import plot_churn_by_segment, plot_retention_curve
from cxanalytics.snapshot import churn_by_segment, fit_sbg_snapshot, tenure_life_table


@pytest.fixture
def snap() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 400
    plan = rng.choice(["monthly", "annual"], n)
    life = rng.geometric(np.where(plan == "monthly", 0.15, 0.04))
    seen = rng.integers(1, 30, n)
    return pd.DataFrame({"tenure": np.minimum(life, seen), "churned": life <= seen, "plan": plan,
                         "region": rng.choice(["north", "south"], n)})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_churn_bars_show_rates_intervals_and_counts(snap):
    table = churn_by_segment(snap, by=["plan", "region"])
    fig, ax = plt.subplots()
    assert plot_churn_by_segment(table, by=["plan", "region"], ax=ax) is ax
    widths = [p.get_width() for p in ax.patches]
    # bars run top to bottom in table order
    ys = [p.get_y() for p in ax.patches]
    assert ys == sorted(ys, reverse=True)
    np.testing.assert_allclose(widths, table["churn_rate"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == f"annual / north (n = {table['n'].iloc[0]:,})"
    bars = next(c for c in ax.containers if hasattr(c, "has_xerr"))
    caps = bars.lines[2][0].get_segments()  # interval of each bar
    np.testing.assert_allclose([s[0][0] for s in caps], table["ci_lower"])


def test_retention_curve_overlays_the_sbg_fit(snap):
    one = snap[snap["plan"] == "monthly"]
    table, fit = tenure_life_table(one, tenure_unit="months"), fit_sbg_snapshot(one, tenure_unit="months")
    ax = plot_retention_curve(table, fit)
    observed, model = ax.get_lines()
    np.testing.assert_allclose(observed.get_ydata(), table["survival"])
    np.testing.assert_allclose(model.get_ydata(), fit.survival(np.arange(len(table))))
    assert len([c for c in ax.collections if isinstance(c, FillBetweenPolyCollection)]) == 1


def test_retention_curve_per_segment_and_errors(snap):
    table = tenure_life_table(snap, by="plan", tenure_unit="months")
    ax = plot_retention_curve(table, by="plan")
    assert [line.get_label() for line in ax.get_lines()] == ["annual", "monthly"]
    with pytest.raises(ParameterError, match="one group only"):
        plot_retention_curve(table, fit_sbg_snapshot(snap, tenure_unit="months"), by="plan")
    with pytest.raises(ParameterError, match="lacks columns"):
        plot_retention_curve(table.drop(columns="survival"))
    with pytest.raises(ParameterError, match="lacks columns"):
        plot_churn_by_segment(table, by="plan")
