"""Structural tests for the retention-model plots (Agg backend, no image comparison)."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from cxanalytics.behaviour.clv import BGNBDFit, fit_bgnbd, fit_sbg
from cxanalytics.behaviour.retention import bgnbd_frequency_table, bgnbd_holdout_table
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.plotting._rtl import display_text
from cxanalytics.plotting.clv import plot_expected_vs_actual, plot_sbg_projection

# Fader & Hardie (2007), regular segment, years 0-12.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def draw_without_warnings(ax):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


@pytest.fixture(scope="module")
def summary():
    """A simulated calibration + holdout summary (BG/NBD story, 52 + 26 weeks)."""
    rng = np.random.default_rng(5)
    n = 3000
    lam, p = rng.gamma(0.7, 1 / 4.0, n), rng.beta(0.9, 3.0, n)
    T = 52.0
    arrivals = rng.poisson(lam * T)
    x = np.minimum(arrivals, rng.geometric(p))
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    alive = x < arrivals  # not yet dropped out at the end of calibration (approximately)
    hold = np.where(alive, rng.poisson(lam * 26.0), 0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "frequency_holdout": hold,
                         "duration_holdout": 26.0})


# --------------------------------------------------------------------------- sBG
def test_sbg_projection_plots_the_data_and_the_model():
    fit = fit_sbg(REGULAR[:8])
    ax = plot_sbg_projection(fit, REGULAR)
    actual, fitted, projected = ax.get_lines()[:3]
    assert [line.get_label() for line in (actual, fitted, projected)] == ["Actual", "sBG fit", "sBG projection"]
    np.testing.assert_array_equal(actual.get_xdata(), np.arange(13))
    np.testing.assert_array_equal(actual.get_ydata(), REGULAR)
    model = 1000 * fit.survival(np.arange(13))
    np.testing.assert_allclose(fitted.get_xdata(), np.arange(8))
    np.testing.assert_allclose(fitted.get_ydata(), model[:8], rtol=1e-12)
    np.testing.assert_allclose(projected.get_xdata(), np.arange(7, 13))
    np.testing.assert_allclose(projected.get_ydata(), model[7:], rtol=1e-12)
    # Fader & Hardie (2007): projected years 8-12 about 220, 204, 191, 180, 170
    np.testing.assert_allclose(projected.get_ydata()[1:], [220, 204, 191, 180, 170], atol=0.5)
    assert projected.get_linestyle() == "--" and fitted.get_linestyle() == "-"
    shaded = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(shaded) == 1
    xs = shaded[0].get_path().transformed(shaded[0].get_patch_transform()).vertices[:, 0]
    assert (xs.min(), xs.max()) == (7.0, 12.0)
    assert [t.get_text() for t in ax.texts] == ["Calibration", "Holdout"]
    draw_without_warnings(ax)


def test_sbg_projection_calibration_length_inferred_or_given():
    fit = fit_sbg(REGULAR[:5])
    ax = plot_sbg_projection(fit, REGULAR)
    assert ax.get_lines()[1].get_xdata()[-1] == 4
    _, given = plt.subplots()
    assert plot_sbg_projection(fit, REGULAR, ax=given, calibration_periods=6) is given
    assert given.get_lines()[1].get_xdata()[-1] == 6
    pooled = fit_sbg([REGULAR[:8], REGULAR[:6]])
    with pytest.raises(ParameterError, match="calibration_periods"):
        plot_sbg_projection(pooled, REGULAR)
    ax = plot_sbg_projection(pooled, REGULAR, calibration_periods=7)
    assert ax.get_lines()[2].get_xdata()[0] == 7
    # fitted on every period: nothing to shade
    full = plot_sbg_projection(fit_sbg(REGULAR), REGULAR)
    assert not [p for p in full.patches if isinstance(p, Rectangle)]
    assert [t.get_text() for t in full.texts] == ["Calibration"]


def test_sbg_projection_labels_and_errors():
    fit = fit_sbg(REGULAR[:8])
    ax = plot_sbg_projection(fit, pd.Series(REGULAR), xlabel="سال", title="Cohort 2024")
    assert ax.get_xlabel() == display_text("سال") and ax.get_title() == "Cohort 2024"
    raw = plot_sbg_projection(fit, REGULAR, xlabel="سال", label_formatter=str)
    assert raw.get_xlabel() == "سال"
    with pytest.raises(ParameterError, match="SBGFit"):
        plot_sbg_projection(REGULAR, REGULAR)
    with pytest.raises(ParameterError, match="actual"):
        plot_sbg_projection(fit, [100, 120, 90])
    with pytest.raises(ParameterError, match="actual"):
        plot_sbg_projection(fit, pd.DataFrame({"n": REGULAR}))
    with pytest.raises(ParameterError, match="calibration_periods"):
        plot_sbg_projection(fit, REGULAR, calibration_periods=13)


# --------------------------------------------------------------------------- BG/NBD
def test_expected_vs_actual_frequency_bars_equal_the_table(summary):
    fit = fit_bgnbd(summary[["frequency", "recency", "T"]])
    ax = plot_expected_vs_actual(fit, summary)
    table = bgnbd_frequency_table(fit, summary)
    actual, expected = ax.containers
    assert actual.get_label() == "Actual" and expected.get_label() == "BG/NBD expected"
    np.testing.assert_array_equal([b.get_height() for b in actual], table["n_actual"])
    np.testing.assert_allclose([b.get_height() for b in expected], table["n_expected"], rtol=1e-12)
    centres = [b.get_x() + b.get_width() / 2 for b in actual]
    np.testing.assert_allclose(centres, np.arange(8) - 0.2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(b.get_height() for b in actual) == len(summary)
    draw_without_warnings(ax)


def test_expected_vs_actual_holdout_lines_equal_the_table(summary):
    fit = fit_bgnbd(summary[["frequency", "recency", "T"]])
    _, ax0 = plt.subplots()
    ax = plot_expected_vs_actual(fit, summary, kind="holdout", max_frequency=5, ax=ax0, title="Holdout")
    assert ax is ax0 and ax.get_title() == "Holdout"
    table = bgnbd_holdout_table(fit, summary, max_frequency=5)
    actual, expected = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), table["actual_mean"])
    np.testing.assert_allclose(expected.get_ydata(), table["expected_mean"], rtol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5+"]
    draw_without_warnings(ax)


def test_expected_vs_actual_skips_empty_classes_and_renames_columns():
    table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"], "estimate": [0.5, 5.0, 0.8, 2.5]})
    fit = BGNBDFit(table, loglik=float("nan"), n=2, converged=True)
    s = pd.DataFrame({"x": [0, 3], "t_x": [0.0, 10.0], "age": [20.0, 20.0], "y": [1, 2], "tau": [5.0, 5.0]})
    ax = plot_expected_vs_actual(fit, s, kind="holdout", max_frequency=4, frequency="x", recency="t_x",
                                 T="age", holdout="y", duration="tau")
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 3])
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 2.0])
    with pytest.raises(ParameterError, match="kind"):
        plot_expected_vs_actual(fit, s, kind="spend")
    with pytest.raises(ParameterError, match="recency"):
        plot_expected_vs_actual(fit, s, frequency="x", T="age", recency="t_x")
    with pytest.raises(ColumnError, match="frequency"):
        plot_expected_vs_actual(fit, s)
    with pytest.raises(ParameterError, match="BGNBDFit"):
        plot_expected_vs_actual("fit", s, frequency="x", T="age")
