"""Plots for cxanalytics results: the only place matplotlib and seaborn are imported.

Every function takes the library's tidy results (or data), an optional ``ax=None``
and returns the :class:`matplotlib.axes.Axes` it drew on.  Arabic and Persian labels
are shaped and reordered for right-to-left display before drawing
(:func:`display_text`).
"""

from __future__ import annotations

from ._rtl import display_labels, display_text
from .cleaning import plot_quarantine, quarantine_table
from .clv import plot_expected_vs_actual, plot_sbg_projection
from .cohorts import plot_cohort_heatmap
from .comments import plot_theme_differences, plot_theme_prevalence
from .drivers import (
    plot_dose_response,
    plot_importance_performance,
    plot_outcome_by_group,
    plot_relative_weights,
)
from .economics import plot_break_even, plot_tornado, plot_value_distribution
from .satisfaction import plot_funnel, plot_nps_bars, plot_pillars, plot_servqual_gaps, plot_trend
from .snapshot import plot_churn_by_segment, plot_retention_curve
from .survival import plot_survival

__all__ = [
    "display_labels",
    "display_text",
    "plot_break_even",
    "plot_churn_by_segment",
    "plot_cohort_heatmap",
    "plot_dose_response",
    "plot_expected_vs_actual",
    "plot_funnel",
    "plot_importance_performance",
    "plot_nps_bars",
    "plot_outcome_by_group",
    "plot_pillars",
    "plot_quarantine",
    "plot_relative_weights",
    "plot_retention_curve",
    "plot_sbg_projection",
    "plot_servqual_gaps",
    "plot_survival",
    "plot_theme_differences",
    "plot_theme_prevalence",
    "plot_tornado",
    "plot_trend",
    "plot_value_distribution",
    "quarantine_table",
]
