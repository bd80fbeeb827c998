"""Plots of survey cleaning: the quarantined responses by reason."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._core.validate import require_columns
from ..errors import ColumnError, ParameterError, describe
from ..ingest.cleaning import REASONS, CleanResult
from ._rtl import display_labels, display_text

__all__ = ["quarantine_table", "plot_quarantine"]

_EXPECTED = ("a CleanResult, a mapping {label: CleanResult or table}, or a table with "
             "'reason' and 'n' columns (e.g. CleanResult.summary())")  # fmt: skip


def _one(table: object, label: object, by: str) -> pd.DataFrame:
    """One group's quarantine counts as a ``by``, ``reason``, ``n`` frame."""
    if isinstance(table, CleanResult):
        t = table.summary()
        default = table.platform or table.source or "responses"
    elif isinstance(table, pd.DataFrame):
        t = table
        default = "responses"
    else:
        raise ParameterError(describe("Cannot plot this object", parameter="result_or_table",
                                      received=type(table).__name__, expected=_EXPECTED))  # fmt: skip
    require_columns(t, ["reason", "n"], what="the quarantine table")
    if "outcome" in t.columns:
        t = t[t["outcome"] == "quarantined"]
    t = t[t["reason"].notna()]
    if label is not None:
        group = pd.Series(str(label), index=t.index, dtype="str")
    elif by in t.columns:
        group = t[by].astype("str")
    else:
        group = pd.Series(str(default), index=t.index, dtype="str")
    n = t["n"]
    if not pd.api.types.is_numeric_dtype(n) or pd.api.types.is_bool_dtype(n):
        raise ColumnError(describe("Counts must be numbers", column="n", received=f"dtype {n.dtype}",
                                   expected="non-negative integers"))  # fmt: skip
    values = n.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any() or (values < 0).any():
        raise ParameterError(describe("Counts must be non-negative", parameter="result_or_table", column="n",
                                      received=values[np.isnan(values) | (values < 0)][:3].tolist(),
                                      expected="non-negative integers"))  # fmt: skip
    return pd.DataFrame({by: group.to_numpy(), "reason": t["reason"].astype("str").to_numpy(), "n": values})


def quarantine_table(result_or_table: object, *, by: str = "platform", show_zero: bool = False) -> pd.DataFrame:
    """Quarantined responses by group and reason, in the order :func:`plot_quarantine` draws them.

    Parameters
    ----------
    result_or_table : CleanResult, mapping or DataFrame
        A :class:`~cxanalytics.ingest.cleaning.CleanResult`; a mapping ``{label: CleanResult or
        table}`` (one group per key, e.g. per platform); or a tidy table with ``reason`` and
        ``n`` (rows whose ``outcome`` is not ``"quarantined"`` are ignored, so
        ``CleanResult.summary()`` works as it is) and, optionally, a ``by`` column.
    by : str, default "platform"
        Name of the group column (read from a table that has it).
    show_zero : bool, default False
        Keep reasons that quarantined no response in any group.

    Returns
    -------
    pandas.DataFrame
        ``by`` (group, in order of appearance), ``reason`` (the order of
        :data:`cxanalytics.ingest.cleaning.REASONS`, then any other reason alphabetically) and ``n``
        (responses, summed over duplicate rows), one row per group and reason.

    Raises
    ------
    ParameterError
        An unsupported object, an empty mapping, or negative/missing counts.
    ColumnError
        A table without ``reason`` and ``n``, or non-numeric counts.

    Examples
    --------
    >>> t = pd.DataFrame({"platform": ["a", "a", "b"], "reason": ["test", "speeder", "test"],
    ...                   "n": [2, 5, 1]})
    >>> quarantine_table(t).to_dict("list")
    {'platform': ['a', 'a', 'b', 'b'], 'reason': ['test', 'speeder', 'test', 'speeder'], 'n': [2, 5, 1, 0]}
    """
    if isinstance(result_or_table, Mapping):
        if not result_or_table:
            raise ParameterError(describe("Nothing to plot: the mapping is empty", parameter="result_or_table",
                                          expected=_EXPECTED))  # fmt: skip
        parts = [_one(v, k, by) for k, v in result_or_table.items()]
        groups = [str(k) for k in result_or_table]
    else:
        parts = [_one(result_or_table, None, by)]
        groups = list(dict.fromkeys(parts[0][by]))
    long = pd.concat(parts, ignore_index=True)
    groups = groups or list(dict.fromkeys(long[by]))
    seen = list(dict.fromkeys(long["reason"]))
    reasons = [r for r in REASONS if r in seen or show_zero] + sorted(r for r in seen if r not in REASONS)
    sums = long.groupby([by, "reason"], sort=False)["n"].sum()
    full = pd.MultiIndex.from_product([groups, reasons], names=[by, "reason"])
    out = sums.reindex(full, fill_value=0.0).reset_index()
    if not show_zero and len(out):
        keep = out.groupby("reason", sort=False)["n"].transform("sum") > 0
        out = out[keep.to_numpy()].reset_index(drop=True)
    return out.astype({by: "str", "reason": "str", "n": "int64"})


def plot_quarantine(
    result_or_table: object,
    *,
    by: str = "platform",
    ax: Axes | None = None,
    show_zero: bool = False,
    annotate: bool = True,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of the quarantined responses by reason, one bar per group (platform).

    Parameters
    ----------
    result_or_table : CleanResult, mapping or DataFrame
        As for :func:`quarantine_table`: one cleaning result, ``{platform: CleanResult}``, or a
        table of ``reason`` and ``n`` (``CleanResult.summary()`` or a stack of them with a
        ``by`` column).
    by : str, default "platform"
        Group column of a table.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    show_zero : bool, default False
        Also draw reasons that quarantined nobody.
    annotate : bool, default True
        Write each bar's count at its end.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One row of bars per reason (rule order, first on top), within it one bar per group,
        bar length = responses quarantined for that reason (each response counted once, under
        its first reason).  The legend names each group with its quarantined total.  When no
        response was quarantined the axes say so and hold no bars.

    Raises
    ------
    ParameterError, ColumnError
        As :func:`quarantine_table`.
    """
    table = quarantine_table(result_or_table, by=by, show_zero=show_zero)
    if ax is None:
        n_reasons = max(1, table["reason"].nunique())
        _, ax = plt.subplots(figsize=(7.0, max(2.5, 0.22 * n_reasons * max(1, table[by].nunique()) + 1.2)))
    ax.set_xlabel("Responses quarantined")
    if title is not None:
        ax.set_title(display_text(title))
    if table.empty:
        ax.text(0.5, 0.5, "no response quarantined", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
        return ax
    groups = list(dict.fromkeys(table[by]))
    reasons = list(dict.fromkeys(table["reason"]))
    k = len(groups)
    height = 0.8 / k
    y = np.arange(len(reasons), dtype=float)
    wide = table.pivot(index="reason", columns=by, values="n").reindex(index=reasons, columns=groups)
    top = float(wide.to_numpy().max()) if wide.size else 0.0
    colors = plt.get_cmap("tab10")
    for j, (group, label) in enumerate(zip(groups, display_labels(groups), strict=True)):
        counts = wide[group].to_numpy(dtype=float)
        pos = y - 0.4 + height * (j + 0.5)
        bars = ax.barh(pos, counts, height=height, color=colors(j % 10),
                       label=f"{label} ({int(counts.sum()):,})")  # fmt: skip
        if annotate:
            for bar, c in zip(bars, counts, strict=True):
                ax.text(bar.get_width() + 0.01 * max(top, 1.0), bar.get_y() + bar.get_height() / 2,
                        f"{int(c):,}", va="center", ha="left", fontsize=8)  # fmt: skip
    ax.set_yticks(y, reasons)
    ax.set_ylim(len(reasons) - 0.5, -0.5)  # first reason on top
    ax.set_xlim(0, max(top, 1.0) * 1.12)
    ax.legend(title=by, loc="best", fontsize=8)
    return ax
