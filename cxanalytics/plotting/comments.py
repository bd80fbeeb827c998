"""Plots of comment themes: prevalence with intervals (overall or by segment) and the
difference between low and high scorers, optionally against planted (known) values.

Theme names and segment values may be Arabic or Persian (a theme found by NMF is named by
its top terms in the comments' own script): every label passes through
:func:`cxanalytics.plotting.display_text`, so it is drawn joined and right to left.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ._rtl import display_labels, display_text
from .drivers import _axes, _check

__all__ = ["plot_theme_prevalence", "plot_theme_differences"]


def plot_theme_prevalence(table: pd.DataFrame, *, by: str | None = None, ax: Axes | None = None,
                          title: str | None = None, xlabel: str = "Share of comments mentioning the theme") -> Axes:
    """Share of comments mentioning each theme, with its interval, one row per theme.

    Parameters
    ----------
    table : DataFrame
        :attr:`cxanalytics.comments.ThemeResult.prevalence` (``name``, ``share``,
        ``ci_lower``, ``ci_upper``) or :attr:`~cxanalytics.comments.ThemeResult.by_segment`
        with the segment column ``by``.
    by : str, optional
        Segment column: one point per segment value and theme, side by side, with a legend.
    ax : matplotlib Axes, optional
    title, xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
        Horizontal error bars; theme names on the y axis (in table order, first at the top).

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["billing", "الفاتورة"], "share": [0.3, 0.2],
    ...                   "ci_lower": [0.25, 0.15], "ci_upper": [0.35, 0.25]})
    >>> len(plot_theme_prevalence(t).get_yticklabels())
    2
    """
    cols = ["name", "share", "ci_lower", "ci_upper"] + ([by] if by else [])
    t = _check(table, cols, "table")
    ax = _axes(ax, (6.5, 0.5 + 0.45 * t["name"].nunique() * (1 if by is None else 1.5)))
    names = list(dict.fromkeys(t["name"].astype(str)))
    groups = [None] if by is None else list(dict.fromkeys(t[by]))
    width = 0.7 / len(groups)
    for g_i, g in enumerate(groups):
        part = t if g is None else t[t[by] == g]
        pos = np.array([names.index(str(n)) for n in part["name"]], dtype=float)
        pos = pos + (g_i - (len(groups) - 1) / 2) * width
        est = part["share"].to_numpy(float)
        err = np.vstack([est - part["ci_lower"].to_numpy(float), part["ci_upper"].to_numpy(float) - est])
        label = None if g is None else display_text(f"{by} = {g}")
        ax.errorbar(est, pos, xerr=err, fmt="o", capsize=3, label=label)
    ax.set_yticks(np.arange(len(names)), display_labels(names))
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_xlabel(display_text(xlabel))
    if by is not None:
        ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(display_text(title))
    return ax


def plot_theme_differences(table: pd.DataFrame, *, planted: Mapping[str, float] | None = None,
                           ax: Axes | None = None, title: str | None = None,
                           xlabel: str = "Share among low scorers minus share among high scorers") -> Axes:
    """Difference in theme prevalence between low and high scorers, with its interval.

    Parameters
    ----------
    table : DataFrame
        :func:`cxanalytics.theme_differences` output (``name``, ``difference``,
        ``ci_lower``, ``ci_upper``, ``significant``).
    planted : mapping of theme name to float, optional
        Known true differences (a simulation's planted values), drawn as crosses.
    ax : matplotlib Axes, optional
    title, xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
        One horizontal error bar per theme (filled when significant after FDR control),
        a vertical line at no difference.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["billing", "app"], "difference": [0.2, 0.0], "ci_lower": [0.1, -0.05],
    ...                   "ci_upper": [0.3, 0.05], "significant": [True, False]})
    >>> ax = plot_theme_differences(t, planted={"billing": 0.23, "app": 0.0})
    >>> len(ax.collections) >= 1
    True
    """
    t = _check(table, ["name", "difference", "ci_lower", "ci_upper", "significant"], "table")
    ax = _axes(ax, (6.5, 0.8 + 0.45 * len(t)))
    pos = np.arange(len(t), dtype=float)
    est = t["difference"].to_numpy(float)
    err = np.vstack([est - t["ci_lower"].to_numpy(float), t["ci_upper"].to_numpy(float) - est])
    sig = t["significant"].to_numpy(bool)
    for mask, face, label in ((sig, "tab:blue", "significant (FDR)"), (~sig, "white", "not significant")):
        if mask.any():
            ax.errorbar(est[mask], pos[mask], xerr=err[:, mask], fmt="o", capsize=3, color="tab:blue",
                        markerfacecolor=face, label=label)
    if planted:
        known = [(p, planted[n]) for p, n in zip(pos, t["name"].astype(str), strict=True) if n in planted]
        if known:
            ax.scatter([v for _, v in known], [p for p, _ in known], marker="x", s=60, color="tab:red",
                       zorder=3, label="planted")
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(pos, display_labels(t["name"].astype(str)))
    ax.invert_yaxis()
    ax.set_xlabel(display_text(xlabel))
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(display_text(title))
    return ax
