"""Plots of the quality -> loyalty analysis: driver importance, importance-performance
quadrants, outcomes by satisfaction group, dose-response curves."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import require_columns, require_frame
from ..errors import ParameterError, describe
from ._rtl import display_labels, display_text

__all__ = ["plot_importance_performance", "plot_relative_weights", "plot_outcome_by_group",
           "plot_dose_response"]


def _axes(ax: Axes | None, size=(6.0, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _check(table: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    table = require_frame(table, parameter=what)
    require_columns(table, columns, what=what)
    if table.empty:
        raise ParameterError(describe("Nothing to plot: the table is empty", parameter=what))
    return table


def plot_importance_performance(table: pd.DataFrame, *, ax: Axes | None = None,
                                title: str | None = None) -> Axes:
    """Importance-performance quadrant chart of :func:`cxanalytics.link.drivers.importance_performance`.

    Parameters
    ----------
    table : DataFrame
        With ``driver``, ``share``, ``performance`` and (optional) ``quadrant``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One point per driver (x = performance, y = share of R²), labelled with the driver
        name (right-to-left names shaped for display), dashed lines at the quadrant cuts
        (mean performance, equal share) and the quadrant names in the corners.

    Raises
    ------
    ColumnError, ParameterError
        Missing columns or an empty table.
    """
    t = _check(table, ["driver", "share", "performance"], "table")
    ax = _axes(ax)
    x, y = t["performance"].to_numpy(float), t["share"].to_numpy(float)
    ax.scatter(x, y, color="tab:blue", zorder=3)
    for xi, yi, name in zip(x, y, display_labels(t["driver"]), strict=True):
        ax.annotate(str(name), (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=9)
    xc, yc = float(x.mean()), 1.0 / len(t)
    ax.axvline(xc, color="grey", ls="--", lw=1)
    ax.axhline(yc, color="grey", ls="--", lw=1)
    corners = {"concentrate here": (0.02, 0.98, "left", "top"),
               "keep up the good work": (0.98, 0.98, "right", "top"),
               "low priority": (0.02, 0.02, "left", "bottom"),
               "possible overkill": (0.98, 0.02, "right", "bottom")}
    for label, (cx, cy, ha, va) in corners.items():
        ax.text(cx, cy, label, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="grey")
    ax.set_xlabel("Performance (mean score)")
    ax.set_ylabel("Importance (share of R²)")
    if title is not None:
        ax.set_title(display_text(title))
    return ax


def plot_relative_weights(table: pd.DataFrame, *, value: str = "share", ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """Horizontal bars of driver importance with bootstrap intervals (largest on top).

    Parameters
    ----------
    table : DataFrame
        :func:`cxanalytics.link.drivers.relative_weights` output.
    value : {"share", "weight"}, default "share"
        Share of R² (intervals ``share_ci_*``) or raw weight (``ci_*``).
    ax, title
        As in :func:`plot_importance_performance`.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per driver; error bars when the intervals are present.
    """
    if value not in ("share", "weight"):
        raise ParameterError(describe("Unknown value", parameter="value", received=value,
                                      expected="'share' or 'weight'"))
    t = _check(table, ["driver", value], "table").sort_values(value)
    ax = _axes(ax)
    lo_col, hi_col = ("share_ci_lower", "share_ci_upper") if value == "share" else ("ci_lower", "ci_upper")
    v = t[value].to_numpy(float)
    err = None
    if lo_col in t and hi_col in t and t[[lo_col, hi_col]].notna().all().all():
        err = np.vstack([v - t[lo_col].to_numpy(float), t[hi_col].to_numpy(float) - v])
    ax.barh(np.arange(len(t)), v, xerr=err, color="tab:blue", capsize=3)
    ax.set_yticks(np.arange(len(t)), display_labels(t["driver"].astype(str)))
    ax.set_xlabel("Share of R²" if value == "share" else "Raw relative weight")
    if title is not None:
        ax.set_title(display_text(title))
    return ax


@renamed_parameters(group="by")
def plot_outcome_by_group(table: pd.DataFrame, *, by: str, ax: Axes | None = None,
                          ylabel: str = "Share", title: str | None = None) -> Axes:
    """Outcome (share or rate) per group with its interval, from :func:`outcome_by_group`.

    Parameters
    ----------
    table : DataFrame
        With ``by``, ``estimate``, ``ci_lower``, ``ci_upper``.
    by : str
        Group column (labels in table order).  (Called ``group`` before 0.2; the old name still works, with a ``FutureWarning``.)
    ax, title
        As in :func:`plot_importance_performance`.
    ylabel : str, default "Share"
        Axis label.

    Returns
    -------
    matplotlib.axes.Axes
        One point with an error bar per group.
    """
    t = _check(table, [by, "estimate", "ci_lower", "ci_upper"], "table")
    ax = _axes(ax)
    est = t["estimate"].to_numpy(float)
    err = np.vstack([est - t["ci_lower"].to_numpy(float), t["ci_upper"].to_numpy(float) - est])
    pos = np.arange(len(t))
    ax.errorbar(pos, est, yerr=err, fmt="o", capsize=4, color="tab:blue")
    ax.set_xticks(pos, display_labels(t[by].astype(str)))
    ax.set_xlabel(display_text(by))
    ax.set_ylabel(display_text(ylabel))
    if title is not None:
        ax.set_title(display_text(title))
    return ax


def plot_dose_response(evidence: pd.DataFrame, *, y: str = "mean_satisfaction", x: str = "band",
                       ax: Axes | None = None, ylabel: str | None = None,
                       title: str | None = None) -> Axes:
    """A dose-response curve (e.g. satisfaction by wait band) with its interval band.

    Parameters
    ----------
    evidence : DataFrame
        E.g. ``claim_service_standards(...).evidence``; needs ``x``, ``y`` and the interval
        columns named ``<prefix>_ci_lower`` / ``<prefix>_ci_upper`` where ``<prefix>`` is
        ``y`` without its ``mean_`` prefix or ``_share`` / ``_per_year`` suffix.
    y : str, default "mean_satisfaction"
        Column to draw ("mean_satisfaction", "churn_per_year", "resolved_share").
    x : str, default "band"
        Band labels.
    ax, ylabel, title
        As in :func:`plot_importance_performance`.

    Returns
    -------
    matplotlib.axes.Axes
        A line with markers and a shaded interval.
    """
    prefix = y.removeprefix("mean_").removesuffix("_share").removesuffix("_per_year")
    lo, hi = f"{prefix}_ci_lower", f"{prefix}_ci_upper"
    t = _check(evidence, [x, y, lo, hi], "evidence")
    ax = _axes(ax)
    pos = np.arange(len(t))
    ax.plot(pos, t[y].to_numpy(float), marker="o", color="tab:blue")
    ax.fill_between(pos, t[lo].to_numpy(float), t[hi].to_numpy(float), color="tab:blue", alpha=0.2)
    ax.set_xticks(pos, display_labels(t[x].astype(str)))
    ax.set_ylabel(display_text(ylabel or y.replace("_", " ")))
    if title is not None:
        ax.set_title(display_text(title))
    return ax
