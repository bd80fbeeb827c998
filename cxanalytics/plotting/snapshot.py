"""Plots of churn snapshots: churn share by segment, and the retention curve by tenure against the sBG fit."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._core.validate import as_list
from ..behaviour.clv import SBGFit
from ..errors import ParameterError, describe
from ._rtl import display_labels, display_text

__all__ = ["plot_churn_by_segment", "plot_retention_curve"]


def _require(table: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(describe(f"Expected a DataFrame ({what})", parameter="table",
                                      received=type(table).__name__, expected="pandas.DataFrame"))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(describe(f"The {what} lacks columns", parameter="table", received=missing,
                                      expected=f"columns {list(columns)}"))
    return table


def plot_churn_by_segment(table: pd.DataFrame, *, by: str | Sequence[str], ax: Axes | None = None,
                          xlabel: str = "Share of customers who churned", title: str | None = None) -> Axes:
    """Churn share per segment with its interval, one horizontal bar per segment.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cxanalytics.snapshot.churn_by_segment` (by-columns, ``n``,
        ``churn_rate``, ``ci_lower``, ``ci_upper``).
    by : str or list of str
        The segment column(s) of ``table`` (several are joined with " / ").
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    xlabel, title : str, optional
        Axis label and title.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per row of ``table`` (``ax.patches``), top to bottom in table order,
        with its interval as an error bar; the y tick labels are the segments with their
        ``n``.

    Raises
    ------
    ParameterError
        Not a DataFrame, or missing columns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cxanalytics.snapshot import churn_by_segment
    >>> snap = pd.DataFrame({"plan": ["a", "a", "b", "b", "b"], "churned": [1, 0, 0, 0, 1]})
    >>> ax = plot_churn_by_segment(churn_by_segment(snap, by="plan"), by="plan")
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['a (n = 2)', 'b (n = 3)'], 2)
    """
    cols = as_list(by)
    t = _require(table, [*cols, "n", "churn_rate", "ci_lower", "ci_upper"], "churn table")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.45 * len(t) + 1.2))
    est = t["churn_rate"].to_numpy(float)
    err = np.vstack([est - t["ci_lower"].to_numpy(float), t["ci_upper"].to_numpy(float) - est])
    pos = np.arange(len(t))[::-1]
    ax.barh(pos, est, xerr=err, color="tab:red", alpha=0.75, capsize=3)
    names = [" / ".join(str(v) for v in row) for row in t[cols].itertuples(index=False)]
    ax.set_yticks(pos, [f"{name} (n = {n:,})" for name, n in zip(display_labels(names), t["n"], strict=True)])
    ax.set_xlim(0, min(1.0, max(float(np.nanmax(t["ci_upper"])) * 1.1, 0.05)))
    ax.set_xlabel(display_text(xlabel))
    if title is not None:
        ax.set_title(display_text(title))
    return ax


def plot_retention_curve(table: pd.DataFrame, fit: SBGFit | None = None, *, by: str | None = None,
                         ax: Axes | None = None, xlabel: str = "Tenure (periods)",
                         ylabel: str = "Share still active", title: str | None = None) -> Axes:
    """Survival by tenure from a life table, with its band, and the fitted sBG curve.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cxanalytics.snapshot.tenure_life_table` (``period``, ``survival``,
        ``ci_lower``, ``ci_upper``; and ``by`` when grouped).
    fit : SBGFit, optional
        An sBG fit of the same customers (:func:`cxanalytics.snapshot.fit_sbg_snapshot`),
        drawn as :math:`S(t)` over the same periods. Only with one group.
    by : str, optional
        Segment column of ``table``: one step curve per segment.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    xlabel, ylabel, title : str, optional
        Axis labels and title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.get_lines()``: one step line per group (label: the group, or "Observed
        (life table)"), then the sBG curve (label "sBG fit") when given; one shaded
        band per group.

    Raises
    ------
    ParameterError
        Not a DataFrame, missing columns, ``fit`` that is not an SBGFit, or ``fit``
        with several groups.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cxanalytics.snapshot import fit_sbg_snapshot, tenure_life_table
    >>> snap = pd.DataFrame({"tenure": [1, 1, 2, 3, 3, 4, 5, 6], "churned": [1, 0, 1, 1, 0, 0, 1, 0]})
    >>> ax = plot_retention_curve(tenure_life_table(snap, tenure_unit="months"),
    ...                           fit_sbg_snapshot(snap, tenure_unit="months"))
    >>> [line.get_label() for line in ax.get_lines()]
    ['Observed (life table)', 'sBG fit']
    """
    cols = ["period", "survival", "ci_lower", "ci_upper"] + ([by] if by is not None else [])
    t = _require(table, cols, "life table")
    if fit is not None and not isinstance(fit, SBGFit):
        raise ParameterError(describe("Expected an sBG fit", parameter="fit", received=type(fit).__name__,
                                      expected="SBGFit from fit_sbg_snapshot"))
    groups = [(None, t)] if by is None else list(t.groupby(by, sort=False, observed=True))
    if fit is not None and len(groups) > 1:
        raise ParameterError(describe("An sBG curve can be drawn over one group only", parameter="fit",
                                      received=f"{len(groups)} groups", expected="by=None, or one fit per plot"))
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.0))
    for key, part in groups:
        label = "Observed (life table)" if key is None else str(key[0] if isinstance(key, tuple) else key)
        x = part["period"].to_numpy(float)
        (line,) = ax.step(x, part["survival"].to_numpy(float), where="post", label=display_text(label))
        lo, hi = part["ci_lower"].to_numpy(float), part["ci_upper"].to_numpy(float)
        ax.fill_between(x, lo, hi, step="post", color=line.get_color(), alpha=0.2, linewidth=0)
    if fit is not None:
        x = np.arange(int(t["period"].max()) + 1)
        ax.plot(x, fit.survival(x), color="black", linestyle="--", label="sBG fit")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, float(t["period"].max()))
    ax.set_xlabel(display_text(xlabel))
    ax.set_ylabel(display_text(ylabel))
    if title is not None:
        ax.set_title(display_text(title))
    ax.legend(loc="lower left")
    return ax
