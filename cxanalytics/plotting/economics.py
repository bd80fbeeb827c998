"""Plots of retention economics: tornado, break-even line and Monte Carlo value distribution."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..errors import ColumnError, ParameterError, describe
from ..money.improvement import ImprovementValue
from ._rtl import display_labels, display_text

__all__ = ["plot_tornado", "plot_break_even", "plot_value_distribution"]

_TORNADO = ["input", "low", "high", "output_low", "output_high", "output_base"]


def _require(table: object, columns: list[str], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(describe(f"Expected the {what} table", parameter="table", received=type(table).__name__,
                                      expected="a pandas DataFrame"))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ColumnError(describe(f"Not a {what} table", column=", ".join(missing),
                                   expected=f"columns {', '.join(columns)}"))
    if table.empty:
        raise ParameterError(describe(f"Empty {what} table", parameter="table", expected="at least one row"))
    return table


def plot_tornado(table: pd.DataFrame, *, ax: Axes | None = None, labels: dict[str, str] | None = None,
                 xlabel: str = "Result", title: str | None = None, colors: tuple[str, str] = ("#c0504d", "#4f81bd"),
                 annotate: bool = True) -> Axes:
    """Draw a tornado chart of :func:`cxanalytics.money.sensitivity.sensitivity`.

    Parameters
    ----------
    table : pandas.DataFrame
        Tornado table (input, low, high, output_low, output_high, output_base).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when None.
    labels : dict, optional
        Display names of the inputs (Arabic and Persian are shaped for right-to-left display).
    xlabel, title : str
        Axis label and title.
    colors : (str, str)
        Colours of the bars for the low and the high input value.
    annotate : bool, default True
        Write the low and high input values at the bar ends.

    Returns
    -------
    matplotlib.axes.Axes
        One row per input, largest swing on top: a bar from the base result to the
        result at the input's low value and one to its high value, and a vertical line
        at the base result.

    Raises
    ------
    ColumnError, ParameterError
        Not a tornado table, or an empty one.
    """
    t = _require(table, _TORNADO, "tornado")
    swing = (t["output_high"] - t["output_low"]).abs()
    t = t.assign(_swing=swing.to_numpy()).sort_values("_swing", ascending=True, kind="stable")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.5 * len(t) + 1.5))
    base = float(t["output_base"].iloc[0])
    y = np.arange(len(t))
    names = [(labels or {}).get(str(n), str(n)) for n in t["input"]]
    ax.barh(y, t["output_low"].to_numpy() - base, left=base, color=colors[0], label=display_text("Low value"))
    ax.barh(y, t["output_high"].to_numpy() - base, left=base, color=colors[1], label=display_text("High value"))
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(y, display_labels(names))
    if annotate:
        for k, (_, row) in enumerate(t.iterrows()):
            for value, out in ((row["low"], row["output_low"]), (row["high"], row["output_high"])):
                ha = "left" if out >= base else "right"
                ax.annotate(f"{value:g}", (out, k), xytext=(3 if ha == "left" else -3, 0), textcoords="offset points",
                            ha=ha, va="center", fontsize="small")
        ax.margins(x=0.15)
    ax.set_xlabel(display_text(xlabel))
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(display_text(title))
    return ax


def plot_break_even(curve: pd.DataFrame, *, target: float | None = None, break_even: float | None = None,
                    ax: Axes | None = None, xlabel: str | None = None, ylabel: str = "Result",
                    title: str | None = None) -> Axes:
    """Draw a result against one input, with the target line and the break-even point.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :func:`cxanalytics.money.sensitivity.break_even_curve` (input, value, output).
    target : float, optional
        Horizontal line at the target result (e.g. a cost, or 0).
    break_even : float, optional
        Input value where the result meets the target
        (:func:`cxanalytics.money.sensitivity.break_even`): a vertical line and a marker.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when None.
    xlabel : str, optional
        Defaults to the input's name.
    ylabel, title : str
        Axis label and title (shaped for right-to-left display when needed).

    Returns
    -------
    matplotlib.axes.Axes
        The result line (label 'result'), the dashed target line (label 'target') and
        the dotted break-even line (label 'break-even') when given.

    Raises
    ------
    ColumnError, ParameterError
        Not a break-even curve, or an empty one.
    """
    c = _require(curve, ["input", "value", "output"], "break-even curve")
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(c["value"].to_numpy(), c["output"].to_numpy(), color="#4f81bd", label="result")
    if target is not None:
        ax.axhline(float(target), color="grey", linestyle="--", linewidth=1, label="target")
    if break_even is not None:
        ax.axvline(float(break_even), color="black", linestyle=":", linewidth=1, label="break-even")
        if target is not None:
            ax.plot([float(break_even)], [float(target)], marker="o", color="black", linestyle="none")
            ax.annotate(f"{float(break_even):.4g}", (float(break_even), float(target)), xytext=(5, 5),
                        textcoords="offset points", fontsize="small")
    ax.set_xlabel(display_text(xlabel if xlabel is not None else str(c["input"].iloc[0])))
    ax.set_ylabel(display_text(ylabel))
    if title:
        ax.set_title(display_text(title))
    return ax


def plot_value_distribution(result: ImprovementValue, *, quantity: str = "value", ax: Axes | None = None,
                            bins: int = 50, xlabel: str | None = None, title: str | None = None) -> Axes:
    """Histogram of the Monte Carlo draws of :func:`cxanalytics.money.improvement.value_of_improvement`.

    Parameters
    ----------
    result : ImprovementValue
        The Monte Carlo result.
    quantity : str, default 'value'
        'value', 'clv_gain', 'retention_gain' or 'retention_after'.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when None.
    bins : int, default 50
        Histogram bins.
    xlabel, title : str, optional
        Axis label (default the quantity) and title.

    Returns
    -------
    matplotlib.axes.Axes
        The histogram, a solid line at the median and dashed lines at the interval ends.

    Raises
    ------
    ParameterError
        Not an ImprovementValue, or an unknown quantity.
    """
    if not isinstance(result, ImprovementValue):
        raise ParameterError(describe("Expected a Monte Carlo result", parameter="result",
                                      received=type(result).__name__, expected="ImprovementValue"))
    row = result.table[result.table["quantity"] == quantity]
    if row.empty:
        raise ParameterError(describe("Unknown quantity", parameter="quantity", received=quantity,
                                      expected=" / ".join(result.table["quantity"])))
    if ax is None:
        _, ax = plt.subplots()
    ax.hist(result.draws[quantity].to_numpy(), bins=bins, color="#4f81bd", alpha=0.7)
    ax.axvline(float(row["median"].iloc[0]), color="black", linewidth=1.5, label="median")
    for col in ("ci_lower", "ci_upper"):
        ax.axvline(float(row[col].iloc[0]), color="black", linestyle="--", linewidth=1,
                   label=f"{100 * (1 - result.alpha):g} % interval" if col == "ci_lower" else None)
    ax.set_xlabel(display_text(xlabel if xlabel is not None else quantity))
    ax.set_ylabel("Draws")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(display_text(title))
    return ax
