"""Churn shares, life tables and survival curves from a churn snapshot (internal; see :mod:`cxanalytics.snapshot`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._core.validate import as_list, check_alpha
from .._core.wilson import wilson_interval
from ..behaviour.survival import LogrankResult, SurvivalResult, kaplan_meier, logrank, rmst
from ..errors import ParameterError, describe
from ._frame import prepare, unit_days


def _groups(data: pd.DataFrame, by_cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes and the key frame (categories in their order, other values sorted)."""
    if not by_cols:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=[0])
    keys = data[by_cols].drop_duplicates()
    keys = keys.sort_values(by_cols, kind="stable").reset_index(drop=True)
    codes = pd.MultiIndex.from_frame(keys).get_indexer(pd.MultiIndex.from_frame(data[by_cols]))
    return codes, keys


def wilson(events: np.ndarray, n: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of events / n (vectorised)."""
    return wilson_interval(events, n, stats.norm.ppf(1 - alpha / 2))


def churn_by_segment(snapshot: pd.DataFrame, *, by: str | Sequence[str] | None = None, churned: str = "churned",
                     alpha: float = 0.05) -> pd.DataFrame:
    r"""Share of customers who churned, per segment, with Wilson score intervals.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer (a churn snapshot).
    by : str or list of str, optional
        Segment column(s), e.g. ``"contract"``; None for one row over all customers.
    churned : str, default 'churned'
        Churn flag: True/False or 1/0.
    alpha : float, default 0.05
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    pandas.DataFrame
        One row per segment (categories in their order, other values sorted):
        by-columns, ``n`` (customers), ``churned`` (customers who churned),
        ``churn_rate`` (churned / n), ``ci_lower``, ``ci_upper``.

    Raises
    ------
    ColumnError
        Missing columns; a churn flag that is not true/false or 0/1.
    ParameterError
        Not a DataFrame, no rows, bad ``alpha``.

    Warns
    -----
    DataQualityWarning
        Customers with a missing churn flag or segment are left out (counted in the message).

    Notes
    -----
    Wilson (1927) score interval:
    :math:`\frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}`,
    :math:`z = \Phi^{-1}(1 - \alpha/2)`; it stays in [0, 1] and keeps close to its
    nominal coverage for small n and shares near 0 or 1, where the Wald interval does not
    (Brown, Cai & DasGupta 2001). It equals statsmodels'
    ``proportion_confint(count, nobs, alpha, method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22, 209-212. Brown, L. D., Cai, T. T. & DasGupta, A. (2001).
    Interval estimation for a binomial proportion. *Statistical Science* 16(2), 101-133.

    Examples
    --------
    >>> snap = pd.DataFrame({"contract": ["monthly"] * 4 + ["annual"] * 4,
    ...                      "churned": [1, 1, 0, 1, 0, 0, 1, 0]})
    >>> churn_by_segment(snap, by="contract").round(4)
      contract  n  churned  churn_rate  ci_lower  ci_upper
    0   annual  4        1        0.25    0.0456    0.6994
    1  monthly  4        3        0.75    0.3006    0.9544
    """
    alpha = check_alpha(alpha)
    by_cols = as_list(by)
    data = prepare(snapshot, tenure=None, churned=churned, by=by_cols, function="churn_by_segment", stacklevel=4)
    codes, keys = _groups(data, by_cols)
    k = len(keys)
    n = np.bincount(codes, minlength=k)
    events = np.bincount(codes, weights=data["_churned"].to_numpy(), minlength=k).round().astype(np.int64)
    lo, hi = wilson(events.astype(float), n.astype(float), alpha)
    out = keys if by_cols else pd.DataFrame(index=range(1))
    return out.assign(n=n, churned=events, churn_rate=events / n, ci_lower=lo, ci_upper=hi)


def lifetime_periods(tenure: np.ndarray, churned: np.ndarray, factor: float) -> np.ndarray:
    """Periods of each customer in the sBG's terms.

    Churned: the period in which the customer was lost, ceil(tenure), at least 1 (a customer
    who left at tenure 0 left during the first period). Still active: the periods completed,
    floor(tenure).
    """
    x = tenure * factor
    x = np.where(np.abs(x - np.round(x)) < 1e-9, np.round(x), x)  # unit conversions: 12.000000001 months is 12
    lost = churned == 1
    period = np.where(lost, np.ceil(x), np.floor(x)).astype(np.int64)
    return np.where(lost & (period == 0), 1, period)


def tenure_life_table(snapshot: pd.DataFrame, *, tenure: str = "tenure", churned: str = "churned",
                      by: str | Sequence[str] | None = None, tenure_unit: str = "days",
                      period: str = "months", alpha: float = 0.05) -> pd.DataFrame:
    r"""Life table by tenure: customers at risk, lost and still active (censored) in each period.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.
    tenure : str, default 'tenure'
        Time with the company (>= 0), in ``tenure_unit``.
    churned : str, default 'churned'
        Churn flag (True/False or 1/0); customers still active are right-censored at
        their tenure.
    by : str or list of str, optional
        Segment column(s): one table per segment.
    tenure_unit : str, default 'days'
        Unit of ``tenure``: 'days' (the canonical unit of a mapped snapshot), 'weeks',
        'months' (a twelfth of 365.25 days), 'quarters' or 'years'.
    period : str, default 'months'
        Length of one period of the table (same choices): the billing period, e.g.
        'years' for annual contracts.
    alpha : float, default 0.05
        Significance level of the survival intervals.

    Returns
    -------
    pandas.DataFrame
        One row per segment and period 0, 1, ..., last period seen: by-columns,
        ``period``, ``at_risk`` (customers active at the start of the period, or
        entering it as censored there), ``lost`` (churned in the period), ``censored``
        (still active after exactly this many periods), ``retention``
        (1 - lost / at_risk; NaN when no one is at risk), ``survival`` (product of the
        retentions: the share still active after the period), ``std_error``
        (Greenwood), ``ci_lower``, ``ci_upper`` (log-log interval).

    Raises
    ------
    ColumnError
        Missing columns, negative tenure, a churn flag that is not true/false.
    ParameterError
        Unknown unit, bad ``alpha``, no usable rows.

    Warns
    -----
    DataQualityWarning
        Rows with a missing tenure, churn flag or segment are left out.

    Notes
    -----
    With the tenure :math:`x` in periods, a churned customer was lost in period
    :math:`\lceil x \rceil` (the period they left in; at least 1: a customer who left at
    tenure 0 left during the first period, and in the shifted-beta-geometric model every
    customer stays one period) and a customer still
    active has completed :math:`\lfloor x \rfloor` periods, so is censored there: the
    convention of :func:`cxanalytics.behaviour.clv.fit_sbg_censored`, whose input this table is.
    For whole-number tenures, ``survival`` equals the Kaplan-Meier estimate at the same
    times (censored customers count as at risk at their own time), and the Greenwood
    standard error and log-log interval are those of :func:`cxanalytics.behaviour.survival.kaplan_meier`.
    ``lost + censored`` summed over periods is the number of customers.

    References
    ----------
    Kalbfleisch, J. D. & Prentice, R. L. (2002). *The Statistical Analysis of Failure
    Time Data*, 2nd ed., Wiley. Fader, P. S. & Hardie, B. G. S. (2007). How to project
    customer retention. *Journal of Interactive Marketing* 21(1), 76-90.

    Examples
    --------
    >>> snap = pd.DataFrame({"tenure": [1, 1, 2, 2, 3, 3], "churned": [1, 0, 1, 1, 0, 0]})
    >>> tenure_life_table(snap, tenure_unit="months")[["period", "at_risk", "lost", "censored", "survival"]].round(3)
       period  at_risk  lost  censored  survival
    0       0        6     0         0     1.000
    1       1        6     1         1     0.833
    2       2        4     2         0     0.417
    3       3        2     0         2     0.417
    """
    return life_table(snapshot, tenure=tenure, churned=churned, by=by, tenure_unit=tenure_unit, period=period,
                      alpha=alpha, function="tenure_life_table")


def life_table(snapshot, *, tenure, churned, by, tenure_unit, period, alpha, function, stacklevel=5) -> pd.DataFrame:
    """:func:`tenure_life_table`, its dropped rows announced as ``function``'s."""
    alpha = check_alpha(alpha)
    factor = unit_days(tenure_unit, "tenure_unit") / unit_days(period, "period")
    by_cols = as_list(by)
    data = prepare(snapshot, tenure=tenure, churned=churned, by=by_cols, function=function, stacklevel=stacklevel)
    per = lifetime_periods(data["_tenure"].to_numpy(), data["_churned"].to_numpy(), factor)
    codes, keys = _groups(data, by_cols)
    lost = data["_churned"].to_numpy() == 1
    last = int(per.max())
    shape = (len(keys), last + 1)
    d = np.zeros(shape)
    c = np.zeros(shape)
    np.add.at(d, (codes[lost], per[lost]), 1)
    np.add.at(c, (codes[~lost], per[~lost]), 1)
    at_risk = np.cumsum((d + c)[:, ::-1], axis=1)[:, ::-1]
    at_risk[:, 0] = (d + c).sum(axis=1)  # period 0: everyone
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(at_risk > 0, 1 - d / at_risk, np.nan)
        surv = np.cumprod(np.where(at_risk > 0, 1 - d / at_risk, 1.0), axis=1)
        green = np.cumsum(np.where(d > 0, d / (at_risk * (at_risk - d)), 0.0), axis=1)
        se = np.where(surv > 0, surv * np.sqrt(green), np.nan)
        theta = z * np.sqrt(green) / np.abs(np.log(surv))
        lower = np.where(surv < 1, surv ** np.exp(theta), 1.0)
        upper = np.where(surv < 1, surv ** np.exp(-theta), 1.0)
    lower[surv <= 0], upper[surv <= 0] = np.nan, np.nan
    seen = np.cumsum((d + c)[:, ::-1], axis=1)[:, ::-1] > 0  # a segment's rows end at its last customer
    seen[:, 0] = True
    rows = np.nonzero(seen)
    out = keys.iloc[rows[0]].reset_index(drop=True) if by_cols else pd.DataFrame(index=range(len(rows[0])))
    counts = {"at_risk": at_risk, "lost": d, "censored": c}
    return out.assign(period=rows[1], **{k: v[rows].astype(np.int64) for k, v in counts.items()},
                      retention=retention[rows], survival=surv[rows], std_error=se[rows],
                      ci_lower=lower[rows], ci_upper=upper[rows])


@dataclass(frozen=True)
class SnapshotSurvival:
    """Survival by segment from a churn snapshot (see :func:`survival_by_segment`).

    Attributes
    ----------
    km : SurvivalResult
        Kaplan-Meier curves per segment (tenure as the time, churn as the event).
    logrank : LogrankResult or None
        Log-rank test of equal curves (None with one segment): ``statistic``, ``df``,
        ``p_value``, and ``groups`` (observed and expected churn per segment).
    rmst : pandas.DataFrame
        Restricted mean tenure up to ``tau`` per segment, with its interval.
    tau : float
        Horizon of the restricted mean (tenure units).
    """

    km: SurvivalResult
    logrank: LogrankResult | None
    rmst: pd.DataFrame
    tau: float

    def summary(self) -> pd.DataFrame:
        """Per segment: n, events, median tenure (with interval), RMST (with interval) and the log-rank p-value."""
        m = self.km.medians.rename(columns={"ci_lower": "median_ci_lower", "ci_upper": "median_ci_upper"})
        r = self.rmst.rename(columns={"std_error": "rmst_std_error", "ci_lower": "rmst_ci_lower",
                                      "ci_upper": "rmst_ci_upper"}).drop(columns=["n", "n_events"])
        out = m.merge(r, on=list(self.km.by)) if self.km.by else pd.concat([m, r], axis=1)
        p = np.nan if self.logrank is None else self.logrank.p_value
        return out.assign(logrank_p_value=p)

    def _repr_html_(self) -> str:
        return "<p><b>Survival by segment</b></p>" + self.summary().to_html(index=False)


def survival_by_segment(snapshot: pd.DataFrame, *, by: str | Sequence[str] | None = None, tenure: str = "tenure",
                        churned: str = "churned", tenure_unit: str = "days", period: str = "months",
                        tau: float | None = None, alpha: float = 0.05) -> SnapshotSurvival:
    r"""Kaplan-Meier curves of tenure per segment, with the log-rank test and restricted mean tenure.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.
    by : str or list of str, optional
        Segment column(s), e.g. ``"contract"``.
    tenure : str, default 'tenure'
        Time with the company (>= 0).
    churned : str, default 'churned'
        Churn flag (the event); customers still active are censored at their tenure.
    tenure_unit : str, default 'days'
        Unit of ``tenure`` (as in :func:`tenure_life_table`).
    period : str, default 'months'
        Unit of the times in the results (curve times, medians, ``tau``, RMST).
    tau : float, optional
        Horizon of the restricted mean survival time, in ``period`` units; default the
        shortest of the segments' longest tenures (the largest horizon every segment
        reaches).
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    SnapshotSurvival
        ``km`` (:func:`cxanalytics.behaviour.survival.kaplan_meier`), ``logrank``
        (:func:`cxanalytics.behaviour.survival.logrank`; None with one segment), ``rmst``
        (:func:`cxanalytics.behaviour.survival.rmst`) and ``tau``; ``.summary()`` puts them in
        one row per segment.

    Raises
    ------
    ColumnError, ParameterError
        As :func:`tenure_life_table`; ``tau`` beyond a segment's longest tenure.

    Warns
    -----
    DataQualityWarning
        Rows with a missing tenure, churn flag or segment are left out (counted once).

    Notes
    -----
    A snapshot is the survival layout already: tenure is the time from acquisition to
    churn or to the snapshot date, and the churn flag says which. This function checks
    and cleans the columns once, expresses tenure in ``period`` units (continuous, not
    rounded: the life table is :func:`tenure_life_table`), then calls the three
    estimators on the same customers, so that their counts agree. The restricted mean is the expected tenure within the
    first ``tau`` units (the area under the Kaplan-Meier curve), comparable between
    segments when the median is not reached.

    Examples
    --------
    >>> snap = pd.DataFrame({"tenure": [3, 5, 7, 9, 4, 10, 12, 15],
    ...                      "churned": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                      "plan": ["basic"] * 4 + ["premium"] * 4})
    >>> res = survival_by_segment(snap, by="plan", tenure_unit="months")
    >>> res.tau, res.summary()[["plan", "median", "rmst"]].round(3).values.tolist()
    (9.0, [['basic', 5.0, 6.0], ['premium', 10.0, 7.75]])
    """
    alpha = check_alpha(alpha)
    by_cols = as_list(by)
    data = prepare(snapshot, tenure=tenure, churned=churned, by=by_cols, function="survival_by_segment",
                   stacklevel=4)
    factor = unit_days(tenure_unit, "tenure_unit") / unit_days(period, "period")
    frame = data.rename(columns={"_tenure": "tenure", "_churned": "churned"})
    frame["tenure"] = frame["tenure"] * factor
    if {"tenure", "churned"} & set(by_cols):
        raise ParameterError(describe("Segment columns cannot be named 'tenure' or 'churned'", parameter="by",
                                      received=by_cols, expected="other segment columns"))
    frame["churned"] = frame["churned"].astype(bool)
    if tau is None:
        tau = float(frame.groupby(by_cols, observed=True)["tenure"].max().min()) if by_cols else float(frame["tenure"].max())
        if not tau > 0:
            raise ParameterError(describe("A segment has only tenures of 0: no horizon for the restricted mean",
                                          parameter="tau", received=tau, expected="a positive tau"))
    km = kaplan_meier(frame, duration="tenure", event="churned", by=by_cols or None, alpha=alpha)
    n_groups = len(km.medians)
    test = logrank(frame, duration="tenure", event="churned", by=by_cols) if by_cols and n_groups > 1 else None
    rm = rmst(frame, duration="tenure", event="churned", tau=tau, by=by_cols or None, alpha=alpha)
    return SnapshotSurvival(km=km, logrank=test, rmst=rm, tau=float(tau))
