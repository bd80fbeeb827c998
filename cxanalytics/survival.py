"""Time-to-event analysis: Kaplan-Meier, log-rank, restricted mean survival time, Cox.

Implemented with numpy, scipy and statsmodels only (no lifelines, whose releases need
pandas < 3).  Counting is vectorised: events and censorings are counted per distinct
time with ``np.bincount`` (or ``np.unique`` when times are not small integers), never by
looping over subjects, so a Kaplan-Meier curve for ten million customers with integer-day
durations takes a fraction of a second.

Conventions shared by every function here:

* ``duration`` holds non-negative, finite numbers (time from entry to the event or to
  censoring); ``event`` holds 1/``True`` for an observed event (churn) and 0/``False`` for
  a right-censored subject (still a customer when observation stopped).
* A subject censored at the same time as an event is counted as still at risk at that
  time (the usual Kaplan-Meier convention).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ._validate import as_list, check_alpha, require_columns, require_frame
from .errors import (
    ColumnError,
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    ParameterError,
    describe,
)

__all__ = ["SurvivalResult", "kaplan_meier", "logrank", "rmst", "rmst_difference", "cox"]

_DENSE_LIMIT = 50_000_000  # largest (groups x distinct times) table counted densely


# --------------------------------------------------------------------------- input checks
def _bad_value(values: np.ndarray, bad: np.ndarray, index: pd.Index) -> tuple[object, object]:
    pos = int(np.flatnonzero(bad)[0])
    return index[pos], values[pos]


def _duration_values(data: pd.DataFrame, column: str) -> np.ndarray:
    col = data[column]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Durations must be numeric", column=column,
                                   received=str(col.dtype), expected="non-negative numbers"))
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":  # fast path: no NaN possible
        values = col.to_numpy()
        bad = values < 0
    else:
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"{int(bad.sum())} invalid duration(s), first at index {row!r}",
                                   column=column, received=value,
                                   expected="finite, non-negative numbers"))
    return values


def _event_values(data: pd.DataFrame, column: str) -> np.ndarray:
    col = data[column]
    if col.dtype == np.dtype(bool):
        return col.to_numpy()
    if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Event indicator must be 0/1 or boolean", column=column,
                                   received=str(col.dtype), expected="0/1 or True/False"))
    if isinstance(col.dtype, np.dtype):
        values = col.to_numpy()
    else:  # nullable extension dtypes
        values = col.to_numpy(dtype=float, na_value=np.nan)
    bad = (values != 0) & (values != 1)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"{int(bad.sum())} invalid event value(s), first at index {row!r}",
                                   column=column, received=value,
                                   expected="1 (event) or 0 (censored)"))
    return values == 1


def _weight_values(data: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    col = data[column]
    values = col.to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_numeric_dtype(col) else None
    if values is None:
        raise ColumnError(describe("Weights must be numeric", column=column,
                                   received=str(col.dtype), expected="non-negative numbers"))
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, value = _bad_value(values, bad, data.index)
        raise ColumnError(describe(f"Invalid weight at index {row!r}", column=column,
                                   received=value, expected="finite, non-negative numbers"))
    return values


def _prepare(data, duration, event, by, weights=None):
    """Validate inputs; return (durations, events, weights, group codes, group key frame)."""
    data = require_frame(data)
    by = as_list(by)
    require_columns(data, [duration, event, *by, weights])
    if by:
        missing = data[by].isna().any(axis=1).to_numpy()
        if missing.any():
            warnings.warn(f"{int(missing.sum())} row(s) with a missing value in {by} were left out",
                          DataQualityWarning, stacklevel=3)
            data = data.loc[~missing]
    if len(data) == 0:
        raise ParameterError(describe("No rows to analyse", parameter="data", received="0 rows",
                                      expected="at least one subject (with its groups present)"))
    if by:
        grouped = data.groupby(by, sort=True, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.int64)
        keys = grouped.size().index.to_frame(index=False)
    else:
        codes = np.zeros(len(data), dtype=np.int64)
        keys = pd.DataFrame(index=range(1))
    return (_duration_values(data, duration), _event_values(data, event),
            _weight_values(data, weights), codes, keys)


# --------------------------------------------------------------------------- counting
def _count(t: np.ndarray, e: np.ndarray, w: np.ndarray | None, g: np.ndarray, n_groups: int):
    """Weighted counts per (group, distinct time), sorted by group then time.

    Returns group code, time, total leaving (events + censored) and events per cell.
    """
    n = len(t)
    integral = t.dtype.kind in "iu" or bool(np.all(t == np.floor(t)))
    tmin = t.min()
    span = int(t.max() - tmin) + 1 if integral else 0
    if integral and span * n_groups <= max(4 * n, 1_000_000):  # count by bincount on the value
        times_of = np.arange(span, dtype=float) + float(tmin)
        key = (t - tmin if tmin else t).astype(np.int64, copy=False)
    else:
        times_of, key = np.unique(t, return_inverse=True)
        span = len(times_of)
    if n_groups > 1:
        key = g * span + key
    size = span * n_groups
    if size > _DENSE_LIMIT:  # sparse: count only the cells that occur
        cells, key = np.unique(key, return_inverse=True)
        size = len(cells)
    else:
        cells = None
    if w is None:  # one pass: even slots count censorings, odd slots events
        both = np.bincount(2 * key + e, minlength=2 * size).reshape(size, 2)
        dead, leaving = both[:, 1], both.sum(axis=1)
    else:
        leaving = np.bincount(key, weights=w, minlength=size)
        dead = np.bincount(key, weights=w * e, minlength=size)
    if cells is None:
        cells = np.flatnonzero(np.bincount(key, minlength=size) if w is not None else leaving)
        leaving, dead = leaving[cells], dead[cells]
    return cells // span, times_of[cells % span], leaving.astype(float), dead.astype(float)


def _within_group_reverse_cumsum(values: np.ndarray, grp: np.ndarray) -> np.ndarray:
    rc = np.cumsum(values[::-1])[::-1]
    last = np.r_[np.flatnonzero(np.diff(grp)) + 1, len(grp)]  # first row of the next group
    nxt = np.append(rc, 0.0)[last]
    ends = np.repeat(nxt, np.diff(np.r_[0, last]))
    return rc - ends


# --------------------------------------------------------------------------- Kaplan-Meier
@dataclass(frozen=True)
class SurvivalResult:
    """Kaplan-Meier estimate returned by :func:`kaplan_meier`.

    Attributes
    ----------
    curve : DataFrame
        One row per group and distinct time (see :func:`kaplan_meier`).
    median : DataFrame
        One row per group: by-columns, ``n``, ``n_events``, ``n_censored``, ``median``,
        ``ci_lower``, ``ci_upper`` (Brookmeyer-Crowley interval of the median).
    by : tuple of str
        Grouping columns (empty when ungrouped).
    alpha : float
        Significance level of the intervals.
    weighted : bool
        Whether counts are sums of case weights.
    """

    curve: pd.DataFrame
    median: pd.DataFrame
    by: tuple[str, ...] = ()
    alpha: float = 0.05
    weighted: bool = field(default=False)

    def summary(self) -> pd.DataFrame:
        """Per-group counts and median survival time with its interval."""
        return self.median.copy()

    def _repr_html_(self) -> str:
        title = f"<p><b>Kaplan-Meier estimate</b> ({100 * (1 - self.alpha):g}% log-log intervals"
        title += ", weighted counts)</p>" if self.weighted else ")</p>"
        return title + self.median.to_html(index=False)

    def survival_at(self, times: float | Sequence[float]) -> pd.DataFrame:
        """Survival (and its interval) of every group at the given times.

        The curve is a right-continuous step function equal to 1 before the first time.
        Beyond a group's largest observed time the estimate is undefined: NaN.

        Returns
        -------
        DataFrame
            by-columns, ``time``, ``n_at_risk`` (subjects with duration >= time; weighted
            when the estimate is), ``survival``, ``std_error``, ``ci_lower``, ``ci_upper``.
        """
        q = np.atleast_1d(np.asarray(times, dtype=float))
        if q.ndim != 1 or not np.all(np.isfinite(q)):
            raise ParameterError(describe("Times must be finite numbers", parameter="times",
                                          received=times, expected="a number or a list of numbers"))
        c = self.curve
        keys = c[list(self.by)].drop_duplicates().reset_index(drop=True) if self.by else None
        grp = c.groupby(list(self.by), sort=False).ngroup().to_numpy() if self.by else np.zeros(len(c), int)
        n_groups = int(grp.max()) + 1
        ctime = c["time"].to_numpy()
        allt = np.unique(np.concatenate([ctime, q]))
        stride = len(allt) + 1
        ckey = grp * stride + np.searchsorted(allt, ctime)
        qg = np.repeat(np.arange(n_groups), len(q))
        qt = np.tile(q, n_groups)
        qkey = qg * stride + np.searchsorted(allt, qt)
        pos = np.searchsorted(ckey, qkey, side="right") - 1
        nxt = np.minimum(np.searchsorted(ckey, qkey, side="left"), len(c) - 1)
        risk = c["n_at_risk"].to_numpy()
        risk = np.where((grp[nxt] == qg) & (ctime[nxt] >= qt), risk[nxt], 0 * risk[:1])
        before = (pos < 0) | (grp[np.clip(pos, 0, None)] != qg)
        last_time = np.full(n_groups, -np.inf)
        np.maximum.at(last_time, grp, ctime)
        out = {} if keys is None else {k: keys[k].to_numpy()[qg] for k in self.by}
        out["time"] = qt
        out["n_at_risk"] = risk
        for col in ("survival", "std_error", "ci_lower", "ci_upper"):
            v = c[col].to_numpy()[np.clip(pos, 0, None)].astype(float)
            v[before] = 0.0 if col == "std_error" else 1.0
            v[qt > last_time[qg]] = np.nan
            out[col] = v
        return pd.DataFrame(out)


def kaplan_meier(data: pd.DataFrame, *, duration: str, event: str,
                 by: str | Sequence[str] | None = None, weights: str | None = None,
                 alpha: float = 0.05) -> SurvivalResult:
    r"""Kaplan-Meier survival curves with Greenwood standard errors and log-log intervals.

    Parameters
    ----------
    data : DataFrame
        One row per subject (customer).
    duration : str
        Column of non-negative, finite times to event or censoring.
    event : str
        Column of event indicators: 1/True = event observed, 0/False = censored.
    by : str or list of str, optional
        Grouping column(s); one curve per group. Rows with a missing group are left out
        with a :class:`DataQualityWarning`.
    weights : str, optional
        Column of non-negative case weights. Counts of events, censorings and subjects at
        risk become sums of weights, and Greenwood's formula uses those weighted counts
        (weights act like frequency weights; the variance is not a design-based one).
    alpha : float, default 0.05
        Significance level: intervals have coverage ``1 - alpha``.

    Returns
    -------
    SurvivalResult
        ``curve``: one row per group and distinct observed time, columns: by-columns,
        ``time``, ``n_at_risk`` (subjects with duration >= time), ``n_events``,
        ``n_censored``, ``survival`` (S(t), right-continuous), ``std_error`` (Greenwood
        standard error of S(t)), ``ci_lower``, ``ci_upper`` (log-log interval).
        ``median``: by-columns, ``n``, ``n_events``, ``n_censored``, ``median``,
        ``ci_lower``, ``ci_upper``.

    Raises
    ------
    ColumnError
        Missing column, negative / non-finite duration, event not 0/1, bad weight.
    ParameterError
        ``data`` not a DataFrame or empty, ``alpha`` outside (0, 1).

    Notes
    -----
    With :math:`d_i` events and :math:`n_i` at risk at distinct time :math:`t_i`,
    :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` and Greenwood's variance is
    :math:`\hat S(t)^2 \sum_{t_i \le t} d_i / (n_i (n_i - d_i))`. The log-log interval is
    :math:`\hat S^{\exp(\pm z \sigma / \log \hat S)}` with
    :math:`\sigma^2 = \sum d_i / (n_i (n_i - d_i))`; it stays inside [0, 1]. Before the
    first event the interval is [1, 1]; where :math:`\hat S = 0` it is undefined (NaN).
    The median is the smallest time with :math:`\hat S(t) \le 0.5`; its interval
    (Brookmeyer & Crowley 1982) runs from the first time the lower band reaches 0.5 to the
    first time the upper band does (NaN when a band never reaches 0.5).

    References
    ----------
    Kaplan, E. L. & Meier, P. (1958). JASA 53, 457-481. Kalbfleisch, J. D. & Prentice, R. L.
    (2002). *The Statistical Analysis of Failure Time Data*, 2nd ed., Wiley. Brookmeyer, R. &
    Crowley, J. (1982). A confidence interval for the median survival time. *Biometrics* 38,
    29-41.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [5, 8, 8, 12, 20, 20, 30],
    ...                    "churned": [1, 1, 0, 1, 0, 1, 0]})
    >>> km = kaplan_meier(df, duration="days", event="churned")
    >>> [round(s, 4) for s in km.curve["survival"]]
    [0.8571, 0.7143, 0.5357, 0.3571, 0.3571]
    >>> float(km.median["median"].iloc[0])
    20.0
    """
    alpha = check_alpha(alpha)
    by_cols = as_list(by)
    t, e, w, g, keys = _prepare(data, duration, event, by_cols, weights)
    k = _km_core(t, e, w, g, len(keys))
    surv, cumvar, grp = k["survival"], k["cumvar"], k["grp"]
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(surv > 0, surv * np.sqrt(cumvar), np.nan)
        theta = stats.norm.ppf(1 - alpha / 2) * np.sqrt(cumvar) / np.abs(np.log(surv))
        lower = np.where(surv < 1, surv ** np.exp(theta), 1.0)
        upper = np.where(surv < 1, surv ** np.exp(-theta), 1.0)
    lower[surv <= 0] = np.nan
    upper[surv <= 0] = np.nan
    at_risk, dead, censored = k["at_risk"], k["dead"], k["leaving"] - k["dead"]
    if w is None:  # plain counts: show them as integers
        at_risk, dead, censored = (np.rint(a).astype(np.int64) for a in (at_risk, dead, censored))
    curve = keys.iloc[grp].reset_index(drop=True)
    curve = curve.assign(time=k["time"], n_at_risk=at_risk, n_events=dead, n_censored=censored,
                         survival=surv, std_error=se, ci_lower=lower, ci_upper=upper)
    return SurvivalResult(curve=curve, median=_medians(curve, grp, keys), by=tuple(by_cols),
                          alpha=alpha, weighted=weights is not None)


def _km_core(t, e, w, g, n_groups) -> dict[str, np.ndarray]:
    """Kaplan-Meier arrays per (group, distinct time): counts, S(t), Greenwood sum."""
    grp, time, leaving, dead = _count(t, e, w, g, n_groups)
    at_risk = _within_group_reverse_cumsum(leaving, grp)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(dead > 0, 1.0 - dead / at_risk, 1.0)
        green = np.where(dead > 0, dead / (at_risk * (at_risk - dead)), 0.0)
    surv = pd.Series(factor).groupby(grp).cumprod().to_numpy()
    cumvar = pd.Series(green).groupby(grp).cumsum().to_numpy()
    return {"grp": grp, "time": time, "leaving": leaving, "dead": dead, "at_risk": at_risk,
            "survival": surv, "cumvar": cumvar}


def _medians(curve: pd.DataFrame, grp: np.ndarray, keys: pd.DataFrame) -> pd.DataFrame:
    tol = 1e-10
    n_groups = len(keys)
    time = curve["time"].to_numpy()
    s = curve["survival"].to_numpy()
    lo = np.where(np.isnan(curve["ci_lower"]), s, curve["ci_lower"])
    hi = np.where(np.isnan(curve["ci_upper"]), s, curve["ci_upper"])

    def first_time(mask: np.ndarray) -> np.ndarray:
        out = np.full(n_groups, np.inf)
        np.minimum.at(out, grp[mask], time[mask])
        return np.where(np.isinf(out), np.nan, out)

    def total(column: str) -> np.ndarray:
        values = curve[column].to_numpy()
        summed = np.bincount(grp, weights=values, minlength=n_groups)
        return np.rint(summed).astype(np.int64) if values.dtype.kind == "i" else summed

    starts = np.r_[0, np.flatnonzero(np.diff(grp)) + 1]
    out = keys.copy()
    out["n"] = curve["n_at_risk"].to_numpy()[starts]
    out["n_events"] = total("n_events")
    out["n_censored"] = total("n_censored")
    out["median"] = first_time(s <= 0.5 + tol)
    out["ci_lower"] = first_time(lo <= 0.5 + tol)
    out["ci_upper"] = first_time(hi <= 0.5 + tol)
    return out


# --------------------------------------------------------------------------- log-rank
def logrank(data: pd.DataFrame, *, duration: str, event: str,
            group: str | Sequence[str]) -> pd.DataFrame:
    r"""Log-rank (Mantel-Haenszel) test that two or more survival curves are equal.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators (1/True event, 0/False censored).
    group : str or list of str
        Column(s) defining the groups to compare (at least two groups).

    Returns
    -------
    DataFrame
        One row per group: group column(s), ``n`` (subjects), ``observed`` (events),
        ``expected`` (events expected under equal hazards), and the test, repeated on every
        row: ``statistic`` (chi-square), ``df`` (groups - 1), ``p_value``.

    Raises
    ------
    ColumnError, ParameterError
        Invalid columns or values (see :func:`kaplan_meier`), fewer than two groups.

    Notes
    -----
    At each distinct event time :math:`t` with :math:`d_t` events among :math:`n_t` at risk,
    group :math:`j` has :math:`d_{jt}` events among :math:`n_{jt}` at risk;
    :math:`E_j = \sum_t n_{jt} d_t / n_t` and
    :math:`V_{jk} = \sum_t \frac{d_t (n_t - d_t)}{n_t - 1} \frac{n_{jt}}{n_t}
    (\delta_{jk} - \frac{n_{kt}}{n_t})`.
    The statistic :math:`(O - E)^\top V^{-} (O - E)` over all groups but one is chi-square
    with (groups - 1) degrees of freedom under the null hypothesis. For two groups it is the
    square of the z statistic of :func:`scipy.stats.logrank`.

    References
    ----------
    Mantel, N. (1966). Cancer Chemotherapy Reports 50, 163-170. Peto, R. & Peto, J. (1972).
    JRSS A 135, 185-207.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [3, 5, 7, 9, 4, 10, 12, 15],
    ...                    "churned": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "tier": ["basic"] * 4 + ["premium"] * 4})
    >>> res = logrank(df, duration="days", event="churned", group="tier")
    >>> round(float(res["statistic"].iloc[0]), 4), int(res["df"].iloc[0])
    (1.3933, 1)
    """
    cols = as_list(group)
    if not cols:
        raise ParameterError(describe("A grouping column is required", parameter="group",
                                      received=group, expected="a column name"))
    t, e, _, g, keys = _prepare(data, duration, event, cols)
    n_groups = len(keys)
    if n_groups < 2:
        raise ParameterError(describe("The log-rank test needs at least two groups",
                                      parameter="group", received=f"{n_groups} group",
                                      expected="two or more groups"))
    grp, time, leaving, dead = _count(t, e, None, g, n_groups)
    times, col = np.unique(time, return_inverse=True)
    shape = (n_groups, len(times))
    leave = np.zeros(shape)
    died = np.zeros(shape)
    leave[grp, col] = leaving
    died[grp, col] = dead
    risk = np.cumsum(leave[:, ::-1], axis=1)[:, ::-1]
    has_event = died.sum(axis=0) > 0
    risk, died = risk[:, has_event], died[:, has_event]
    n_t, d_t = risk.sum(axis=0), died.sum(axis=0)
    share = risk / n_t
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    observed = died.sum(axis=1)
    expected = (share * d_t).sum(axis=1)
    pc = share * c
    cov = np.diag(pc.sum(axis=1)) - pc @ share.T
    u = (observed - expected)[:-1]
    v = cov[:-1, :-1]
    df = int(np.linalg.matrix_rank(v))
    statistic = float(u @ np.linalg.pinv(v) @ u) if df else 0.0
    p_value = float(stats.chi2.sf(statistic, df)) if df else 1.0
    out = keys.copy()
    out["n"] = np.bincount(g, minlength=n_groups)
    out["observed"] = observed
    out["expected"] = expected
    out["statistic"] = statistic
    out["df"] = df
    out["p_value"] = p_value
    return out


# --------------------------------------------------------------------------- RMST
def _rmst_table(data, duration, event, by, tau, alpha) -> pd.DataFrame:
    alpha = check_alpha(alpha)
    if not (isinstance(tau, int | float | np.number) and np.isfinite(tau) and tau > 0):
        raise ParameterError(describe("tau must be a positive number", parameter="tau",
                                      received=tau, expected="a positive, finite time"))
    tau = float(tau)
    t, e, _, g, keys = _prepare(data, duration, event, by)
    n_groups = len(keys)
    last = np.full(n_groups, -np.inf)
    np.maximum.at(last, g, t)
    if (last < tau).any():
        j = int(np.flatnonzero(last < tau)[0])
        label = "all data" if not by else dict(keys.iloc[j])
        raise ParameterError(describe(f"tau is beyond the longest follow-up of group {label}",
                                      parameter="tau", received=tau,
                                      expected=f"at most {last[j]:g} (the largest duration there)"))
    k = _km_core(t, e, None, g, n_groups)
    keep = k["time"] <= tau
    grp, time, surv = k["grp"][keep], k["time"][keep], k["survival"][keep]
    dead, risk = k["dead"][keep], k["at_risk"][keep]
    same = np.r_[grp[1:] == grp[:-1], False]
    width = np.where(same, np.r_[time[1:], 0.0], tau) - time
    area = surv * width
    first = np.full(n_groups, tau)
    np.minimum.at(first, grp, time)
    est = first + np.bincount(grp, weights=area, minlength=n_groups)
    tail = _within_group_reverse_cumsum(area, grp)  # integral of S from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where((dead > 0) & (tail > 0), tail**2 * dead / (risk * (risk - dead)), 0.0)
    se = np.sqrt(np.bincount(grp, weights=term, minlength=n_groups))
    z = stats.norm.ppf(1 - alpha / 2)
    out = keys.copy()
    out["n"] = np.bincount(g, minlength=n_groups)
    out["n_events"] = np.bincount(g, weights=e & (t <= tau), minlength=n_groups).astype(np.int64)
    out["tau"] = tau
    out["rmst"] = est
    out["std_error"] = se
    out["ci_lower"] = est - z * se
    out["ci_upper"] = est + z * se
    return out


def rmst(data: pd.DataFrame, *, duration: str, event: str, tau: float,
         by: str | Sequence[str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    r"""Restricted mean survival time: the area under the Kaplan-Meier curve up to ``tau``.

    The expected time a customer stays during the first ``tau`` time units (e.g. expected
    days retained out of the first 365).

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators (1/True event, 0/False censored).
    tau : float
        Horizon; must not exceed the largest duration of any group.
    by : str or list of str, optional
        Grouping column(s).
    alpha : float, default 0.05
        Significance level of the (Wald) interval.

    Returns
    -------
    DataFrame
        by-columns, ``n``, ``n_events`` (events up to ``tau``), ``tau``, ``rmst``,
        ``std_error``, ``ci_lower``, ``ci_upper``.

    Raises
    ------
    ParameterError
        ``tau`` not positive or beyond a group's follow-up; invalid ``alpha``.
    ColumnError
        Invalid columns or values (see :func:`kaplan_meier`).

    Notes
    -----
    :math:`\mathrm{RMST}(\tau) = \int_0^\tau \hat S(u)\,du`, a sum of rectangles under the
    step function. Its variance is
    :math:`\sum_{t_i \le \tau} A_i^2 d_i / (n_i (n_i - d_i))` with
    :math:`A_i = \int_{t_i}^{\tau} \hat S(u)\,du` (Klein & Moeschberger 2003, sec. 4.5).
    Without censoring it equals the mean of :math:`\min(T, \tau)` and the variance equals
    the plug-in variance of that mean.

    References
    ----------
    Royston, P. & Parmar, M. K. B. (2013). Restricted mean survival time. *BMC Medical
    Research Methodology* 13, 152. Klein, J. P. & Moeschberger, M. L. (2003). *Survival
    Analysis*, 2nd ed., Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [2, 4, 4, 6, 8], "churned": [1, 1, 0, 1, 0]})
    >>> round(float(rmst(df, duration="days", event="churned", tau=8)["rmst"].iloc[0]), 4)
    5.4
    """
    return _rmst_table(data, duration, event, as_list(by), tau, alpha)


def rmst_difference(data: pd.DataFrame, *, duration: str, event: str, group: str, tau: float,
                    reference: object = None, alpha: float = 0.05) -> pd.DataFrame:
    r"""Difference in restricted mean survival time between each group and a reference.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators.
    group : str
        Column defining the groups.
    tau : float
        Horizon (see :func:`rmst`).
    reference : optional
        Level of ``group`` to compare against; default the first level in sorted order.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    DataFrame
        One row per non-reference group: ``group`` column, ``reference``, ``tau``,
        ``difference`` (group minus reference), ``std_error``, ``ci_lower``, ``ci_upper``,
        ``z``, ``p_value`` (two-sided Wald test of no difference).

    Raises
    ------
    ParameterError
        Unknown ``reference``, fewer than two groups, invalid ``tau`` / ``alpha``.

    Notes
    -----
    Groups are independent, so :math:`\mathrm{Var}(\hat\mu_j - \hat\mu_0) =
    \mathrm{Var}(\hat\mu_j) + \mathrm{Var}(\hat\mu_0)`; z = difference / standard error.

    References
    ----------
    Royston, P. & Parmar, M. K. B. (2013). *BMC Medical Research Methodology* 13, 152.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [2, 4, 4, 6, 8, 3, 7, 9, 9, 10],
    ...                    "churned": [1, 1, 0, 1, 0, 1, 1, 0, 1, 0],
    ...                    "tier": ["basic"] * 5 + ["premium"] * 5})
    >>> d = rmst_difference(df, duration="days", event="churned", group="tier", tau=8)
    >>> d["tier"].iloc[0], round(float(d["difference"].iloc[0]), 4)
    ('premium', 1.4)
    """
    if not isinstance(group, str):
        raise ParameterError(describe("group must be one column name", parameter="group",
                                      received=group, expected="a string"))
    table = _rmst_table(data, duration, event, [group], tau, alpha)
    levels = list(table[group])
    if len(levels) < 2:
        raise ParameterError(describe("Need at least two groups to compare", parameter="group",
                                      received=levels, expected="two or more groups"))
    ref = levels[0] if reference is None else reference
    if ref not in levels:
        raise ParameterError(describe("Unknown reference group", parameter="reference",
                                      received=reference, expected=f"one of {levels}"))
    is_ref = (table[group] == ref).to_numpy()
    base = table.loc[is_ref].iloc[0]
    rest = table.loc[~is_ref]
    diff = rest["rmst"].to_numpy() - base["rmst"]
    se = np.sqrt(rest["std_error"].to_numpy() ** 2 + base["std_error"] ** 2)
    z_crit = stats.norm.ppf(1 - check_alpha(alpha) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se
    return pd.DataFrame({group: rest[group].to_numpy(), "reference": ref, "tau": float(tau),
                         "difference": diff, "std_error": se, "ci_lower": diff - z_crit * se,
                         "ci_upper": diff + z_crit * se, "z": z,
                         "p_value": 2 * stats.norm.sf(np.abs(z))})


# --------------------------------------------------------------------------- Cox
def _design(frame: pd.DataFrame, covariates: list[str], reference: Mapping[str, object]):
    """Numeric design matrix; categorical covariates become treatment (dummy) columns."""
    blocks, rows = [], []
    for name in covariates:
        col = frame[name]
        categorical = not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        if not categorical:
            blocks.append(col.to_numpy(dtype=float)[:, None])
            rows.append((name, name, None, None))
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = set(col.unique())
            levels = [c for c in col.cat.categories if c in present]
        else:
            levels = sorted(col.unique(), key=lambda v: (str(type(v)), v))
        ref = reference.get(name, levels[0])
        if ref not in levels:
            raise ParameterError(describe(f"Reference level not found in column {name!r}",
                                          parameter="reference", received=ref,
                                          expected=f"one of {levels}"))
        if len(levels) < 2:
            raise ParameterError(describe("A categorical covariate needs two or more levels",
                                          column=name, received=levels,
                                          expected="at least two distinct values"))
        values = col.to_numpy()
        for level in levels:
            if level == ref:
                continue
            blocks.append((values == level).astype(float)[:, None])
            rows.append((f"{name}[{level}]", name, level, ref))
    terms = pd.DataFrame(rows, columns=["term", "variable", "level", "reference"])
    return np.hstack(blocks), terms


def cox(data: pd.DataFrame, *, duration: str, event: str, covariates: str | Sequence[str],
        strata: str | Sequence[str] | None = None, ties: str = "breslow",
        reference: Mapping[str, object] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    r"""Cox proportional-hazards regression (statsmodels ``PHReg``) as a tidy hazard-ratio frame.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators (1/True event, 0/False censored).
    covariates : str or list of str
        Explanatory columns. Numeric columns enter as they are; text, categorical and
        boolean columns are expanded into one indicator per level except the reference.
    strata : str or list of str, optional
        Columns defining strata with separate baseline hazards (no coefficient estimated).
    ties : {"breslow", "efron"}, default "breslow"
        Handling of tied event times. Breslow is the default of SAS and Stata (and of
        statsmodels); R's ``coxph`` uses Efron, which is closer to the exact likelihood.
    reference : dict, optional
        Reference level per categorical column, e.g. ``{"plan": "basic"}``; default the
        first category (categorical dtype) or the first value in sorted order.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    DataFrame
        One row per coefficient: ``term`` (``column`` or ``column[level]``), ``variable``,
        ``level`` and ``reference`` (None for numeric covariates), ``coef`` (log hazard
        ratio), ``hazard_ratio``, ``std_error`` (of ``coef``), ``z``, ``p_value`` (Wald),
        ``ci_lower``, ``ci_upper`` (interval for the hazard ratio), ``n`` (rows used),
        ``n_events``.

    Raises
    ------
    ColumnError
        Missing columns or invalid durations / events.
    ParameterError
        Unknown ``ties`` or reference level, a covariate with a single level, collinear
        covariates, no events.

    Warns
    -----
    DataQualityWarning
        Rows with missing covariates or strata are left out.
    ConvergenceWarning
        The score at the estimate is not close to zero (e.g. a level with no events, whose
        hazard ratio diverges).

    Notes
    -----
    The hazard of subject :math:`i` is :math:`h_0(t) \exp(x_i^\top \beta)`; :math:`\beta`
    maximises the partial likelihood. Intervals are Wald intervals on the log scale:
    :math:`\exp(\hat\beta \pm z_{1-\alpha/2}\,\mathrm{se})`.

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34, 187-220. Breslow, N.
    (1974). *Biometrics* 30, 89-99. Efron, B. (1977). *JASA* 72, 557-565.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [3, 5, 6, 8, 9, 4, 10, 12, 15, 16],
    ...                    "churned": [1, 1, 1, 0, 1, 1, 1, 0, 1, 0],
    ...                    "tier": ["basic"] * 5 + ["premium"] * 5})
    >>> fit = cox(df, duration="days", event="churned", covariates="tier")
    >>> fit["term"].iloc[0], round(float(fit["hazard_ratio"].iloc[0]), 3)
    ('tier[premium]', 0.158)
    """
    from statsmodels.duration.hazard_regression import PHReg

    alpha = check_alpha(alpha)
    if ties not in ("breslow", "efron"):
        raise ParameterError(describe("Unknown ties method", parameter="ties", received=ties,
                                      expected="'breslow' or 'efron'"))
    covs, strata_cols = as_list(covariates), as_list(strata)
    if not covs:
        raise ParameterError(describe("At least one covariate is required",
                                      parameter="covariates", received=covariates,
                                      expected="a column name or a list of them"))
    data = require_frame(data)
    require_columns(data, [duration, event, *covs, *strata_cols])
    incomplete = data[covs + strata_cols].isna().any(axis=1).to_numpy()
    if incomplete.any():
        warnings.warn(f"{int(incomplete.sum())} row(s) with missing covariates or strata "
                      "were left out", DataQualityWarning, stacklevel=2)
        data = data.loc[~incomplete]
    t, e, _, _, _ = _prepare(data, duration, event, None)
    if not e.any():
        raise ParameterError(describe("No events: hazard ratios cannot be estimated",
                                      column=event, received="0 events", expected="some 1s"))
    x, terms = _design(data, covs, dict(reference or {}))
    groups = data.groupby(strata_cols, sort=True).ngroup().to_numpy() if strata_cols else None
    # the partial likelihood ignores shifts (within strata): centre before the rank check
    centred = x - pd.DataFrame(x).groupby(
        groups if groups is not None else np.zeros(len(x), dtype=int)).transform("mean").to_numpy()
    if np.linalg.matrix_rank(centred) < x.shape[1]:
        raise ParameterError(describe("Covariates are collinear (or constant within strata)",
                                      parameter="covariates", received=list(terms["term"]),
                                      expected="linearly independent, varying columns"))
    model = PHReg(t, x, status=e.astype(float), strata=groups, ties=ties)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit()
    except np.linalg.LinAlgError as err:
        raise ConvergenceError(describe("Cox fit failed: singular information matrix",
                                        parameter="covariates", received=list(terms["term"]),
                                        expected="covariates with information about the "
                                        "event times")) from err
    params, bse = np.asarray(fit.params), np.asarray(fit.bse)
    failed = any("converge" in str(w.message) for w in caught)
    failed |= np.max(np.abs(model.score(params))) > 1e-4 * max(1.0, float(e.sum()))
    failed |= not np.all(np.isfinite(bse))
    if failed:
        warnings.warn(describe("Cox fit did not converge; estimates are unreliable (a level "
                               "with no events, or separation?)", parameter="covariates",
                               received={k: round(float(v), 3) for k, v in zip(terms["term"], params, strict=True)}),
                      ConvergenceWarning, stacklevel=2)
    z_crit = stats.norm.ppf(1 - alpha / 2)
    z = params / bse
    with np.errstate(over="ignore"):
        out = terms.assign(coef=params, hazard_ratio=np.exp(params), std_error=bse, z=z,
                           p_value=2 * stats.norm.sf(np.abs(z)),
                           ci_lower=np.exp(params - z_crit * bse),
                           ci_upper=np.exp(params + z_crit * bse), n=len(t),
                           n_events=int(e.sum()))
    return out
