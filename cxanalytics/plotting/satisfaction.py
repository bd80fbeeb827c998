"""Satisfaction plots: NPS bars, trends, SERVQUAL gaps, funnel plots and pillar profiles.

Each function draws one tidy result of :mod:`cxanalytics.survey.metrics`,
:mod:`cxanalytics.survey.servqual` or :mod:`cxanalytics.survey.consistency` on an Axes (a new
figure when ``ax`` is omitted) and returns that Axes.  Every tick label, title and
legend text passes through :func:`cxanalytics.plotting._rtl.display_text`, so Arabic
and Persian branch names and answer labels are drawn joined and right to left.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..errors import ColumnError, ParameterError, describe
from ..survey.consistency import funnel_limits
from ._rtl import display_labels, display_text

__all__ = ["plot_nps_bars", "plot_trend", "plot_servqual_gaps", "plot_funnel", "plot_pillars"]

NPS_COLORS = ("#d7301f", "#bdbdbd", "#1a9850")  # detractors, passives, promoters
ESTIMATES = ("nps", "csat", "ces", "top_box", "mean", "estimate", "gap")


# ----------------------------------------------------------------------------- helpers
def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _require(frame: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(describe(f"Expected the DataFrame returned by {what}",
                                      parameter="result", received=type(frame).__name__,
                                      expected="pandas.DataFrame"))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(describe(f"Not a result of {what}", column=", ".join(missing),
                                   expected="columns " + ", ".join(columns)))
    return frame


def _group_labels(frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """One text label per row from the group columns ("all" when there are none)."""
    if not keys:
        return ["all"] * len(frame)
    parts = [frame[k].astype(object).where(frame[k].notna(), "(missing)").astype(str)
             for k in keys]
    return [" / ".join(row) for row in zip(*parts, strict=True)]


def _keys_before(frame: pd.DataFrame, column: str) -> list[str]:
    cols = list(frame.columns)
    return cols[:cols.index(column)]


def _finish(ax: Axes, *, title, xlabel, ylabel) -> Axes:
    if title is not None:
        ax.set_title(display_text(title))
    if xlabel is not None:
        ax.set_xlabel(display_text(xlabel))
    if ylabel is not None:
        ax.set_ylabel(display_text(ylabel))
    return ax


# ----------------------------------------------------------------------------- NPS bars
def plot_nps_bars(nps_result: pd.DataFrame, *, ax: Axes | None = None,
                  colors: Sequence[str] = NPS_COLORS, title: str | None = None,
                  ylabel: str = "Share of respondents (%)") -> Axes:
    """Stacked detractor / passive / promoter shares per group, with the NPS and its interval.

    Parameters
    ----------
    nps_result : pandas.DataFrame
        The output of :func:`cxanalytics.survey.metrics.nps` (any ``by=``).
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    colors : sequence of str
        Colours of detractors, passives and promoters.
    title, ylabel : str, optional
        Title and left axis label.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the bars: ``ax.containers[0..2]`` are the detractor, passive and
        promoter bars (percent, stacked in that order).  The NPS (points, -100..100) and
        its interval are drawn as diamonds with error bars on a twin y axis on the
        right, ``ax.nps_axis``.

    Raises
    ------
    ParameterError, ColumnError
        ``nps_result`` is not an NPS result.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from cxanalytics.survey.metrics import nps
    >>> df = pd.DataFrame({"q": [10, 9, 3, 8, 7, 10, 2, 9], "ch": list("aaaabbbb")})
    >>> ax = plot_nps_bars(nps(df, "q", by="ch"))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    shares = ["detractor_share", "passive_share", "promoter_share"]
    frame = _require(nps_result, ["n", *shares, "nps", "ci_lower", "ci_upper"], "nps()")
    ax = _axes(ax)
    x = np.arange(len(frame), dtype=float)
    bottom = np.zeros(len(frame))
    names = ("Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)")
    for column, color, name in zip(shares, colors, names, strict=True):
        height = 100 * frame[column].to_numpy(dtype=float)
        ax.bar(x, height, bottom=bottom, color=color, width=0.6, label=display_text(name))
        bottom = bottom + height
    ax.set_xticks(x, display_labels(_group_labels(frame, _keys_before(frame, "n"))))
    ax.set_ylim(0, 100)
    twin = ax.twinx()
    score = frame["nps"].to_numpy(dtype=float)
    err = np.vstack([score - frame["ci_lower"].to_numpy(dtype=float),
                     frame["ci_upper"].to_numpy(dtype=float) - score])
    twin.errorbar(x, score, yerr=err, fmt="D", color="black", capsize=4,
                  label=display_text("NPS with interval"))
    twin.axhline(0, color="black", linewidth=0.6, linestyle=":")
    twin.set_ylim(-100, 100)
    twin.set_ylabel(display_text("NPS (points)"))
    handles, labels = ax.get_legend_handles_labels()
    more_h, more_l = twin.get_legend_handles_labels()
    ax.legend(handles + more_h, labels + more_l, loc="upper left", fontsize="small")
    ax.nps_axis = twin
    return _finish(ax, title=title, xlabel=None, ylabel=ylabel)


# ----------------------------------------------------------------------------- trend
def _x_values(values: pd.Series) -> tuple[np.ndarray, list[str] | None, list[object]]:
    """Plot positions for x values: numbers/datetimes as they are, else category positions."""
    if isinstance(values.dtype, pd.PeriodDtype):
        values = values.dt.to_timestamp()
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(), None, []
    order = list(pd.unique(values))
    if isinstance(values.dtype, pd.CategoricalDtype):
        order = [c for c in values.cat.categories if c in set(order)]
    position = {v: i for i, v in enumerate(order)}
    return np.array([position[v] for v in values], dtype=float), [str(v) for v in order], order


def plot_trend(result: pd.DataFrame, *, x: str, y: str | None = None,
               by: str | Sequence[str] | None = None, ax: Axes | None = None,
               band_alpha: float = 0.2, title: str | None = None, xlabel: str | None = None,
               ylabel: str | None = None) -> Axes:
    """An estimate over periods with its interval as a band, one line per group.

    Parameters
    ----------
    result : pandas.DataFrame
        A tidy result with a period column, the estimate, ``ci_lower`` and ``ci_upper``,
        e.g. ``nps(data.assign(quarter=...), "nps", by="quarter")``.
    x : str
        The period column: numbers, datetimes, pandas Periods or labels (drawn in their
        order of appearance, or category order).
    y : str, optional
        The estimate column; default the first of nps, csat, ces, top_box, mean,
        estimate, gap that is present.
    by : str or list of str, optional
        Columns whose groups get separate lines (and a legend).
    ax : matplotlib Axes, optional
        Axes to draw on.
    band_alpha : float, default 0.2
        Opacity of the interval bands.
    title, xlabel, ylabel : str, optional
        Labels; the axis labels default to the column names.

    Returns
    -------
    matplotlib.axes.Axes
        Line ``i`` (``ax.get_lines()[i]``) and band ``ax.collections[i]`` belong to group
        ``i`` in sorted order; the line's data are the group's rows sorted by ``x``.

    Raises
    ------
    ParameterError, ColumnError
        Missing columns or no estimate column found.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> r = pd.DataFrame({"quarter": ["Q1", "Q2", "Q3"], "nps": [5.0, 8.0, 12.0],
    ...                   "ci_lower": [0.0, 3.0, 6.0], "ci_upper": [10.0, 13.0, 18.0]})
    >>> ax = plot_trend(r, x="quarter")
    >>> ax.get_lines()[0].get_ydata().tolist()
    [5.0, 8.0, 12.0]
    """
    if y is None:
        y = next((c for c in ESTIMATES if isinstance(result, pd.DataFrame) and c in result), None)
        if y is None:
            raise ParameterError(describe("No estimate column found", parameter="y",
                                          expected="y= naming the estimate column"))
    keys = [by] if isinstance(by, str) else list(by or [])
    frame = _require(result, [x, y, "ci_lower", "ci_upper", *keys], "a metric")
    ax = _axes(ax)
    positions, ticks, _ = _x_values(frame[x])
    frame = frame.assign(_pos=positions)
    groups = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    for name, part in groups:
        part = part.sort_values("_pos")
        label = " / ".join(map(str, name if isinstance(name, tuple) else (name,)))
        pos = part["_pos"].to_numpy()
        ax.plot(pos, part[y].to_numpy(dtype=float), marker="o",
                label=display_text(label) if keys else display_text(y))
        ax.fill_between(pos, part["ci_lower"].to_numpy(dtype=float),
                        part["ci_upper"].to_numpy(dtype=float), alpha=band_alpha,
                        color=ax.get_lines()[-1].get_color(), linewidth=0)
    if ticks is not None:
        ax.set_xticks(np.arange(len(ticks)), display_labels(ticks))
    if keys:
        ax.legend(fontsize="small")
    return _finish(ax, title=title, xlabel=x if xlabel is None else xlabel,
                   ylabel=y if ylabel is None else ylabel)


# ----------------------------------------------------------------------------- SERVQUAL
def plot_servqual_gaps(gaps: pd.DataFrame, *, ax: Axes | None = None, level: str = "dimension",
                       title: str | None = None,
                       xlabel: str = "Gap: perception - expectation") -> Axes:
    """Horizontal bars of the SERVQUAL gap per dimension (or item) with interval whiskers.

    Parameters
    ----------
    gaps : pandas.DataFrame
        The output of :func:`cxanalytics.survey.servqual.servqual_gaps`.
    ax : matplotlib Axes, optional
        Axes to draw on.
    level : {"dimension", "item"}, default "dimension"
        Which rows to draw.
    title, xlabel : str, optional
        Labels.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.containers[0]`` holds one bar per row (top to bottom in the frame's order),
        whose widths are the gaps; ``ax.containers[1]`` the interval error bars.  Bars
        with an interval wholly below zero are red, wholly above green, else grey.

    Raises
    ------
    ParameterError, ColumnError
        Not a SERVQUAL result, or no rows at ``level``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from cxanalytics.survey.servqual import servqual_gaps
    >>> df = pd.DataFrame({"e_a_1": [6, 7, 5, 6], "p_a_1": [4, 6, 5, 3],
    ...                    "e_b_1": [5, 5, 6, 7], "p_b_1": [6, 5, 6, 7]})
    >>> ax = plot_servqual_gaps(servqual_gaps(df))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b']
    """
    frame = _require(gaps, ["level", "dimension", "item", "gap", "ci_lower", "ci_upper"],
                     "servqual_gaps()")
    if level not in ("dimension", "item"):
        raise ParameterError(describe("Unknown level", parameter="level", received=level,
                                      expected="'dimension' or 'item'"))
    rows = frame[frame["level"] == level]
    if rows.empty:
        raise ParameterError(describe("No rows at this level", parameter="level",
                                      received=level, expected="a level present in gaps"))
    gap = rows["gap"].to_numpy(dtype=float)
    lo, hi = rows["ci_lower"].to_numpy(dtype=float), rows["ci_upper"].to_numpy(dtype=float)
    colors = np.where(hi < 0, "#d7301f", np.where(lo > 0, "#1a9850", "#969696"))
    ax = _axes(ax)
    pos = np.arange(len(rows), dtype=float)
    ax.barh(pos, gap, color=colors, height=0.6)
    ax.errorbar(gap, pos, xerr=np.vstack([gap - lo, hi - gap]), fmt="none", ecolor="black",
                capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(pos, display_labels(rows[level].astype(str).tolist()))
    ax.invert_yaxis()
    return _finish(ax, title=title, xlabel=xlabel, ylabel=None)


# ----------------------------------------------------------------------------- funnel
def plot_funnel(table: pd.DataFrame, *, ax: Axes | None = None, n_grid: int = 200,
                title: str | None = None, xlabel: str = "Responses (n)",
                ylabel: str | None = None) -> Axes:
    """Funnel plot: group estimates against n, with the control-limit curves.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`cxanalytics.survey.consistency.funnel_table` (its ``attrs`` carry
        the target, spread and limit method).
    ax : matplotlib Axes, optional
        Axes to draw on.
    n_grid : int, default 200
        Points on each limit curve.
    title, xlabel, ylabel : str, optional
        Labels; ``ylabel`` defaults to the analysed column.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.collections[0]`` holds the groups' points (x = n, y = estimate); lines: the
        target, then lower and upper limit curves for each coverage (exact binomial
        limits at whole numbers n); groups outside any
        limit are labelled with their name (``ax.texts``) and coloured orange (outside
        the narrowest limits) or red (outside the widest).

    Raises
    ------
    ParameterError
        ``table`` is not a funnel table (no ``attrs["funnel"]``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from cxanalytics.survey.consistency import funnel_table
    >>> df = pd.DataFrame({"y": [7, 8, 6, 7, 9, 8, 2, 3, 1, 2], "g": list("aaaabbbccc")})
    >>> ax = plot_funnel(funnel_table(df, "y", by="g"))
    >>> len(ax.get_lines())  # target + 2 limits x 2 coverages
    5
    """
    meta = getattr(table, "attrs", {}).get("funnel") if isinstance(table, pd.DataFrame) else None
    if meta is None:
        raise ParameterError(describe("Expected the table returned by funnel_table()",
                                      parameter="table", received=type(table).__name__,
                                      expected="a funnel_table() result (with attrs['funnel'])"))
    ax = _axes(ax)
    n = table["n"].to_numpy(dtype=float)
    est = table["estimate"].to_numpy(dtype=float)
    labels = [_label_digits(v) for v in meta["limits"]]
    widest = f"outside_{labels[int(np.argmax(meta['limits']))]}"
    any_flag = np.any(table[[f"outside_{lab}" for lab in labels]].to_numpy(), axis=1)
    colors = np.where(table[widest].to_numpy(), "#d7301f",
                      np.where(any_flag, "#fd8d3c", "#3182bd"))
    ax.scatter(n, est, c=colors, zorder=3, edgecolors="black", linewidths=0.5)
    ax.axhline(meta["target"], color="black", linewidth=1, label=display_text("Target"))
    grid = np.geomspace(max(1.0, n.min() * 0.8), n.max() * 1.2, n_grid)
    if meta["method"] == "exact":  # binomial limits exist for whole numbers of responses only
        grid = np.unique(np.round(grid))
    for level, style in zip(meta["limits"], ("--", "-", ":", "-."), strict=False):
        lower, upper = funnel_limits(grid, target=meta["target"], level=level,
                                     kind=meta["kind"], sigma=meta["sigma"],
                                     method=meta["method"], phi=meta["phi"])
        ax.plot(grid, lower, color="grey", linestyle=style,
                label=display_text(f"{100 * level:g}% limits"))
        ax.plot(grid, upper, color="grey", linestyle=style)
    names = _group_labels(table, [meta["group"]])
    for name, xi, yi, flag in zip(names, n, est, any_flag, strict=True):
        if flag:
            ax.annotate(display_text(name), (xi, yi), textcoords="offset points",
                        xytext=(5, 5), fontsize="small")
    ax.set_xscale("log")
    ax.legend(fontsize="small")
    return _finish(ax, title=title, xlabel=xlabel,
                   ylabel=meta["column"] if ylabel is None else ylabel)


def _label_digits(level: float) -> str:
    digits = f"{level:.10g}".split(".")[1]
    return digits if len(digits) > 1 else digits + "0"


# ----------------------------------------------------------------------------- pillars
def plot_pillars(scores: pd.DataFrame, *, ax: Axes | None = None,
                 scale: tuple[float, float] = (0, 10), title: str | None = None,
                 ylabel: str = "Mean score") -> Axes:
    """Pillar profile: mean score of each pillar with its interval, one line per group.

    Parameters
    ----------
    scores : pandas.DataFrame
        The output of :func:`cxanalytics.survey.servqual.pillar_scores` (any ``by=``).
    ax : matplotlib Axes, optional
        Axes to draw on.
    scale : tuple, default (0, 10)
        y-axis range.
    title, ylabel : str, optional
        Labels.

    Returns
    -------
    matplotlib.axes.Axes
        One error-bar line per group (``ax.containers[i]``, ``ax.get_lines()``) over the
        pillars in their order of appearance, whose names are the x tick labels.

    Raises
    ------
    ParameterError, ColumnError
        Not a pillar_scores result.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from cxanalytics.survey.servqual import pillar_scores
    >>> df = pd.DataFrame({"pillar_time": [8, 6, 7], "pillar_care": [9, 9, 7]})
    >>> ax = plot_pillars(pillar_scores(df))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['time', 'care']
    """
    frame = _require(scores, ["pillar", "n", "mean", "ci_lower", "ci_upper"], "pillar_scores()")
    keys = _keys_before(frame, "pillar")
    pillars = list(pd.unique(frame["pillar"]))
    position = {p: i for i, p in enumerate(pillars)}
    ax = _axes(ax)
    groups = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    for name, part in groups:
        pos = part["pillar"].map(position).to_numpy(dtype=float)
        mean = part["mean"].to_numpy(dtype=float)
        err = np.vstack([mean - part["ci_lower"].to_numpy(dtype=float),
                         part["ci_upper"].to_numpy(dtype=float) - mean])
        label = " / ".join(map(str, name if isinstance(name, tuple) else (name,)))
        ax.errorbar(pos, mean, yerr=err, marker="o", capsize=3,
                    label=display_text(label) if keys else display_text("all"))
    ax.set_xticks(np.arange(len(pillars)), display_labels([str(p) for p in pillars]))
    ax.set_ylim(*scale)
    if keys:
        ax.legend(fontsize="small")
    return _finish(ax, title=title, xlabel=None, ylabel=ylabel)
