"""Structural tests of the comment-theme plots (Agg backend, no image comparison): one
error bar per theme with the right interval, planted values drawn, RTL names shaped."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.plotting import display_text, plot_theme_differences, plot_theme_prevalence


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


PREV = pd.DataFrame({"name": ["billing", "الفاتورة", "صورتحساب"], "share": [0.3, 0.2, 0.1],
                     "ci_lower": [0.25, 0.15, 0.05], "ci_upper": [0.36, 0.26, 0.18]})


def test_prevalence_bars_span_each_interval_and_names_are_shaped():
    ax = plot_theme_prevalence(PREV)
    assert [t.get_text() for t in ax.get_yticklabels()] == [display_text(n) for n in PREV["name"]]
    # every name went through display_text (shaped and reordered unless matplotlib lays RTL text out itself)
    segs = [seg for c in ax.collections for seg in c.get_segments()]
    spans = sorted((float(s[0][0]), float(s[1][0])) for s in segs)
    assert spans == sorted(zip(PREV["ci_lower"], PREV["ci_upper"], strict=True))


def test_prevalence_by_segment_has_one_series_per_value():
    t = pd.concat([PREV.assign(language="en"), PREV.assign(language="ar", share=PREV["share"] / 2,
                                                            ci_lower=PREV["ci_lower"] / 2)])
    fig, ax = plt.subplots()
    assert plot_theme_prevalence(t, by="language", ax=ax) is ax
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["language = en", "language = ar"]
    assert len(ax.get_yticklabels()) == 3


def test_differences_mark_significance_and_planted_values():
    t = pd.DataFrame({"name": ["billing", "staff", "app"], "difference": [0.24, -0.26, 0.0],
                      "ci_lower": [0.19, -0.30, -0.05], "ci_upper": [0.29, -0.21, 0.04],
                      "significant": [True, True, False]})
    ax = plot_theme_differences(t, planted={"billing": 0.23, "app": 0.0})
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert sorted(labels) == ["not significant", "planted", "significant (FDR)"]
    crosses = [c for c in ax.collections if c.get_offsets().shape[0] == 2]
    np.testing.assert_allclose(sorted(crosses[0].get_offsets()[:, 0]), [0.0, 0.23])


def test_empty_or_incomplete_tables_are_errors():
    with pytest.raises(ParameterError):
        plot_theme_prevalence(PREV.iloc[:0])
    with pytest.raises(ColumnError):
        plot_theme_differences(PREV)
