"""Kaplan-Meier survival curves with confidence bands and an at-risk table."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from ..behaviour.survival import SurvivalResult
from ..errors import ParameterError, describe
from ._rtl import display_text

__all__ = ["plot_survival"]


def _group_label(values: Sequence[object]) -> str:
    return " / ".join(str(v) for v in values)


def plot_survival(result: SurvivalResult, *, ax: Axes | None = None, ci: bool = True,
                  at_risk: bool = False, at_risk_times: Sequence[float] | None = None,
                  censor_marks: bool = False, label_formatter: Callable[[str], str] | None = None,
                  colors: Sequence[str] | None = None, xlabel: str = "Time",
                  ylabel: str = "Survival probability", title: str | None = None,
                  band_alpha: float = 0.2) -> Axes:
    """Draw Kaplan-Meier step curves, one per group, with their confidence bands.

    Parameters
    ----------
    result : SurvivalResult
        The output of :func:`cxanalytics.kaplan_meier`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    ci : bool, default True
        Shade the log-log confidence band of each curve.
    at_risk : bool, default False
        Write the number at risk under the x axis (one row per group). The rows sit below
        the axes, so save with ``bbox_inches="tight"`` or leave room with
        ``fig.subplots_adjust(bottom=...)``.
    at_risk_times : sequence of float, optional
        Times at which to count those at risk; default the x-axis ticks.
    censor_marks : bool, default False
        Mark censoring times on each curve with ``|``.
    label_formatter : callable, optional
        Applied to every label before drawing (groups in the legend and at-risk rows, axis
        labels, title). Default: Arabic / Persian text is shaped and reordered for
        right-to-left display (``cxanalytics.plotting._rtl.display_text``); other text is
        left unchanged. Pass ``str`` to draw labels exactly as they are.
    colors : sequence of str, optional
        One colour per group; default the Axes' colour cycle.
    xlabel, ylabel, title : str, optional
        Axis labels and title.
    band_alpha : float, default 0.2
        Opacity of the bands.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on. Curve ``i`` is ``ax.get_lines()[i]``; its data start at
        (0, 1) followed by the curve's times and survival values.

    Raises
    ------
    ParameterError
        ``result`` is not a :class:`SurvivalResult`, or ``colors`` is too short.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from cxanalytics.behaviour.survival import kaplan_meier
    >>> df = pd.DataFrame({"days": [5, 8, 8, 12, 20, 3, 9, 30],
    ...                    "churned": [1, 1, 0, 1, 0, 1, 1, 0], "plan": list("aaaaabbb")})
    >>> ax = plot_survival(kaplan_meier(df, duration="days", event="churned", by="plan"))
    >>> [line.get_label() for line in ax.get_lines()]
    ['a', 'b']
    """
    if not isinstance(result, SurvivalResult):
        raise ParameterError(describe("Expected the result of kaplan_meier()", parameter="result",
                                      received=type(result).__name__, expected="SurvivalResult"))
    fmt = label_formatter or display_text
    if ax is None:
        _, ax = plt.subplots()
    curve, by = result.curve, list(result.by)
    groups = list(curve.groupby(by, sort=False)) if by else [((), curve)]
    if colors is not None and len(colors) < len(groups):
        raise ParameterError(describe("Not enough colours for the groups", parameter="colors",
                                      received=len(colors), expected=f"at least {len(groups)}"))
    labels = []
    for i, (key, frame) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = fmt(_group_label(key)) if by else fmt("All")
        labels.append(label)
        x = np.r_[0.0, frame["time"].to_numpy(dtype=float)]
        y = np.r_[1.0, frame["survival"].to_numpy(dtype=float)]
        color = colors[i] if colors is not None else None
        (line,) = ax.step(x, y, where="post", label=label, color=color)
        if ci:
            lo = np.r_[1.0, frame["ci_lower"].to_numpy(dtype=float)]
            hi = np.r_[1.0, frame["ci_upper"].to_numpy(dtype=float)]
            ax.fill_between(x, lo, hi, step="post", alpha=band_alpha, color=line.get_color(),
                            linewidth=0)
        if censor_marks:
            cens = frame[frame["n_censored"] > 0]
            ax.scatter(cens["time"], cens["survival"], marker="|", color=line.get_color(),
                       zorder=3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(fmt(xlabel))
    ax.set_ylabel(fmt(ylabel))
    if title:
        ax.set_title(fmt(title))
    if by:
        ax.legend(title=fmt(" / ".join(by)))
    if at_risk:
        _draw_at_risk(ax, result, labels, at_risk_times)
    return ax


def _draw_at_risk(ax: Axes, result: SurvivalResult, labels: list[str],
                  times: Sequence[float] | None) -> None:
    lo, hi = ax.get_xlim()
    if times is None:
        times = [t for t in ax.get_xticks() if lo <= t <= hi]
    table = result.survival_at(list(times))
    counts = table["n_at_risk"].to_numpy().reshape(len(labels), len(times))
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    cells = [[f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}" for n in row]
             for row in counts]
    # keep the row labels clear of a count centred on the y axis (about 3.5 points per digit)
    offset = -(3.5 * max(len(c) for row in cells for c in row) + 8)
    ax.annotate("At risk", xy=(0, -0.16), xycoords="axes fraction", xytext=(offset, 0),
                textcoords="offset points", ha="right", va="top", fontweight="bold",
                annotation_clip=False)
    for row, label in enumerate(labels):
        y = -0.16 - 0.07 * (row + 1)
        ax.annotate(label, xy=(0, y), xycoords="axes fraction", xytext=(offset, 0),
                    textcoords="offset points", ha="right", va="top", annotation_clip=False)
        for t, text in zip(times, cells[row], strict=True):
            ax.text(t, y, text, transform=trans, ha="center", va="top", clip_on=False)
