"""Cohort retention heatmap."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..behaviour.summaries import cohort_matrix
from ..errors import ParameterError, describe

__all__ = ["plot_cohort_heatmap"]


def plot_cohort_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "share",
    ax: Axes | None = None,
    annotate: bool = True,
    cmap: str = "Blues",
    colorbar: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw a cohort x period heatmap of :func:`cxanalytics.behaviour.cohort_retention`.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy cohort table (``cohort``, ``period_index`` and ``value`` columns).
    value : str, default 'share'
        Column to colour by ('share' or 'n_active').
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when None.
    annotate : bool, default True
        Write each cell's value (percent for shares) in the cell.
    cmap : str, default 'Blues'
        Matplotlib colour map.
    colorbar : bool, default True
        Add a colour bar.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One row per cohort (oldest on top), one column per period index; cells
        not yet observed are left blank.

    Raises
    ------
    ParameterError
        If the table is empty.
    """
    wide = cohort_matrix(table, value=value)
    if wide.empty:
        raise ParameterError(describe("Nothing to plot: the cohort table is empty", parameter="table"))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.6 * wide.shape[1] + 2), max(3.0, 0.4 * wide.shape[0] + 1.5)))
    grid = wide.to_numpy(dtype=float)
    masked = np.ma.masked_invalid(grid)
    is_share = value == "share"
    image = ax.imshow(masked, aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0 if is_share else None,
                      interpolation="nearest")
    ax.set_xticks(np.arange(wide.shape[1]), [str(c) for c in wide.columns])
    ax.set_yticks(np.arange(wide.shape[0]), [str(i) for i in wide.index])
    ax.set_xlabel("Periods since first purchase")
    ax.set_ylabel("Cohort (first purchase)")
    if annotate:
        high = np.nanmax(grid) if np.isfinite(grid).any() else 1.0
        for (i, j), cell in np.ndenumerate(grid):
            if np.isfinite(cell):
                text = f"{cell:.0%}" if is_share else f"{cell:,.0f}"
                dark = cell > (0.6 if is_share else 0.6 * high)
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax)
        bar.set_label("Share of cohort active" if is_share else "Active customers")
    if title is not None:
        ax.set_title(title)
    return ax
