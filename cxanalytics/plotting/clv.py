"""Plots of the retention models: sBG projection vs actual, BG/NBD expected vs actual."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..behaviour.clv import BGNBDFit, SBGFit
from ..behaviour.retention import bgnbd_frequency_table, bgnbd_holdout_table
from ..errors import ParameterError, describe
from ._rtl import display_text

__all__ = ["plot_sbg_projection", "plot_expected_vs_actual"]


def _survivors(actual: object) -> np.ndarray:
    if isinstance(actual, pd.DataFrame):
        raise ParameterError(describe("Pass the survivors as a sequence of counts", parameter="actual",
                                      received="DataFrame", expected="e.g. survivors['n_active']"))
    n = np.asarray(actual, dtype=np.float64)
    if n.ndim != 1 or len(n) < 2 or not np.all(np.isfinite(n)) or n[0] <= 0 or np.any(np.diff(n) > 0):
        raise ParameterError(describe("Survivors must be non-increasing counts, starting positive, at least two periods",
                                      parameter="actual", received=np.asarray(actual).tolist(),
                                      expected="e.g. [1000, 631, 468, 382]"))
    return n


def _calibration_length(fit: SBGFit, n: np.ndarray) -> int:
    """The number of periods the fit was calibrated on: the prefix whose log-likelihood it reports."""
    t = np.arange(1, len(n))
    log_churn = np.log(fit.churn_probability(t))
    log_surv = np.log(fit.survival(t))
    with np.errstate(invalid="ignore"):
        ll = np.cumsum(-np.diff(n) * log_churn) + n[1:] * log_surv
    match = np.flatnonzero(np.isclose(ll, fit.loglik, rtol=1e-8, atol=1e-6))
    if len(match) == 0:
        raise ParameterError(describe("Cannot tell which periods the fit was calibrated on",
                                      parameter="calibration_periods", received=None,
                                      expected="the number of periods passed to fit_sbg (e.g. 7 for counts 0..7)"))
    return int(t[match[0]])


def plot_sbg_projection(
    fit: SBGFit,
    actual: Sequence[float],
    *,
    ax: Axes | None = None,
    calibration_periods: int | None = None,
    xlabel: str = "Periods since acquisition",
    ylabel: str = "Customers still active",
    title: str | None = None,
    label_formatter: Callable[[str], str] | None = None,
) -> Axes:
    """Observed survivors of a cohort against the sBG fit and its projection.

    Parameters
    ----------
    fit : SBGFit
        The result of :func:`cxanalytics.behaviour.clv.fit_sbg` on the first periods of ``actual``.
    actual : sequence of numbers
        Survivors at the start of periods 0, 1, ..., K (first value: cohort size),
        including the holdout periods the fit has not seen.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    calibration_periods : int, optional
        Number of periods k the fit was calibrated on (counts 0..k).  Default: found
        as the prefix of ``actual`` whose log-likelihood at the fitted parameters is
        ``fit.loglik``; give it when the fit pooled several cohorts.
    xlabel, ylabel, title : str, optional
        Axis labels and title.
    label_formatter : callable, optional
        Applied to every label; default shapes Arabic / Persian text for display.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.get_lines()`` are: the actual survivors (markers), the fitted curve on
        periods 0..k (solid) and the projection on k..K (dashed), both
        ``actual[0] * S(t)``; the fourth line marks the end of calibration and the
        holdout periods are shaded.

    Raises
    ------
    ParameterError
        Not an SBGFit, survivors that are not non-increasing counts, a calibration length
        outside 1..K or one that cannot be inferred.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cxanalytics.behaviour.clv import fit_sbg
    >>> actual = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
    >>> ax = plot_sbg_projection(fit_sbg(actual[:8]), actual)
    >>> [line.get_label() for line in ax.get_lines()[:3]]
    ['Actual', 'sBG fit', 'sBG projection']
    """
    if not isinstance(fit, SBGFit):
        raise ParameterError(describe("Expected the result of fit_sbg()", parameter="fit",
                                      received=type(fit).__name__, expected="SBGFit"))
    n = _survivors(actual)
    last = len(n) - 1
    if calibration_periods is None:
        k = _calibration_length(fit, n)
    elif isinstance(calibration_periods, bool) or not isinstance(calibration_periods, int | np.integer) \
            or not 1 <= calibration_periods <= last:
        raise ParameterError(describe("Calibration length out of range", parameter="calibration_periods",
                                      received=calibration_periods, expected=f"a whole number from 1 to {last}"))
    else:
        k = int(calibration_periods)
    fmt = label_formatter or display_text
    if ax is None:
        _, ax = plt.subplots()
    t = np.arange(len(n))
    expected = fit.project(t, n0=n[0])["expected_survivors"].to_numpy()
    ax.plot(t, n, marker="o", linestyle="none", color="black", label=fmt("Actual"))
    (fitted,) = ax.plot(t[: k + 1], expected[: k + 1], label=fmt("sBG fit"))
    ax.plot(t[k:], expected[k:], linestyle="--", color=fitted.get_color(), label=fmt("sBG projection"))
    if k < last:
        ax.axvspan(k, last, color="0.9", zorder=0, linewidth=0)
    ax.axvline(k, color="0.5", linewidth=0.8)
    ax.annotate(fmt("Calibration"), xy=(k / 2, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -4),
                textcoords="offset points", ha="center", va="top", fontsize=9, color="0.3")
    if k < last:
        ax.annotate(fmt("Holdout"), xy=((k + last) / 2, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -4),
                    textcoords="offset points", ha="center", va="top", fontsize=9, color="0.3")
    ax.set_xlim(-0.3, last + 0.3)
    ax.set_ylim(0, n[0] * 1.08)
    ax.set_xlabel(fmt(xlabel))
    ax.set_ylabel(fmt(ylabel))
    if title:
        ax.set_title(fmt(title))
    ax.legend(loc="lower left")
    return ax


def plot_expected_vs_actual(
    fit_bgnbd: BGNBDFit,
    summary: pd.DataFrame,
    *,
    ax: Axes | None = None,
    max_frequency: int = 7,
    kind: str = "frequency",
    title: str | None = None,
    label_formatter: Callable[[str], str] | None = None,
    **columns: str,
) -> Axes:
    """BG/NBD fit check: actual against expected, by repeat frequency in calibration.

    Parameters
    ----------
    fit_bgnbd : BGNBDFit
        The result of :func:`cxanalytics.behaviour.clv.fit_bgnbd` on ``summary``.
    summary : pandas.DataFrame
        One row per customer (the calibration summary; with holdout columns for
        ``kind="holdout"``).
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created when omitted.
    max_frequency : int, default 7
        Frequencies of this many and more are pooled into one class.
    kind : {"frequency", "holdout"}, default "frequency"
        ``"frequency"``: bars of the number of customers with each calibration
        frequency, actual and expected (:func:`cxanalytics.behaviour.retention.bgnbd_frequency_table`).
        ``"holdout"``: mean purchases in the holdout period, actual and conditional
        expectation, by calibration frequency
        (:func:`cxanalytics.behaviour.retention.bgnbd_holdout_table`).
    title : str, optional
        Axes title.
    label_formatter : callable, optional
        Applied to every label; default shapes Arabic / Persian text for display.
    **columns : str
        Column names passed on to the table function (``frequency``, ``recency``,
        ``T``, ``holdout``, ``duration``).

    Returns
    -------
    matplotlib.axes.Axes
        ``"frequency"``: two bar containers (``ax.containers``), actual then expected,
        one bar per class, heights equal to ``n_actual`` and ``n_expected``.
        ``"holdout"``: two lines (``ax.get_lines()``), actual then expected, with
        y equal to ``actual_mean`` and ``expected_mean`` (empty classes left out).

    Raises
    ------
    ParameterError
        Unknown ``kind``, bad ``max_frequency`` or not a BGNBDFit.
    ColumnError
        Missing or invalid summary columns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from cxanalytics.behaviour.clv import BGNBDFit
    >>> table = pd.DataFrame({"parameter": ["r", "alpha", "a", "b"], "estimate": [0.5, 5.0, 0.8, 2.5]})
    >>> fit = BGNBDFit(table, loglik=float("nan"), n=3, converged=True)
    >>> s = pd.DataFrame({"frequency": [0, 1, 4], "T": [20.0, 30.0, 52.0]})
    >>> ax = plot_expected_vs_actual(fit, s, max_frequency=2)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0', '1', '2+']
    """
    if kind not in ("frequency", "holdout"):
        raise ParameterError(describe("Unknown kind of check", parameter="kind", received=kind,
                                      expected="'frequency' or 'holdout'"))
    fmt = label_formatter or display_text
    if kind == "frequency":
        allowed = {"frequency", "T"}
    else:
        allowed = {"frequency", "recency", "T", "holdout", "duration"}
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise ParameterError(describe("Unknown column argument", parameter=unknown[0], received=unknown,
                                      expected=f"one of {sorted(allowed)}"))
    if kind == "frequency":
        table = bgnbd_frequency_table(fit_bgnbd, summary, max_frequency=max_frequency, **columns)
    else:
        table = bgnbd_holdout_table(fit_bgnbd, summary, max_frequency=max_frequency, **columns)
    if ax is None:
        _, ax = plt.subplots()
    x = np.arange(len(table))
    if kind == "frequency":
        width = 0.4
        ax.bar(x - width / 2, table["n_actual"].to_numpy(dtype=float), width, label=fmt("Actual"), color="0.35")
        ax.bar(x + width / 2, table["n_expected"].to_numpy(dtype=float), width, label=fmt("BG/NBD expected"),
               color="tab:blue")
        ax.set_ylabel(fmt("Customers"))
        ax.set_xlabel(fmt("Repeat purchases in the calibration period"))
    else:
        seen = (table["n"] > 0).to_numpy()
        ax.plot(x[seen], table["actual_mean"].to_numpy()[seen], marker="o", color="0.2", label=fmt("Actual"))
        ax.plot(x[seen], table["expected_mean"].to_numpy()[seen], marker="s", linestyle="--", color="tab:blue",
                label=fmt("BG/NBD expected"))
        ax.set_ylim(bottom=0)
        ax.set_ylabel(fmt("Mean purchases in the holdout period"))
        ax.set_xlabel(fmt("Repeat purchases in the calibration period"))
    ax.set_xticks(x, [fmt(label) for label in table["label"]])
    if title:
        ax.set_title(fmt(title))
    ax.legend()
    return ax
