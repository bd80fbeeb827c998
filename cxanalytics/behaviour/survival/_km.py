"""Kaplan-Meier curves (pandas or Dask) and their result, :class:`SurvivalResult`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.dask import _compute, _dask, _plain
from ..._core.validate import as_list, check_alpha, require_columns, warn_dropped
from ...errors import (
    ColumnError,
    ParameterError,
    describe,
)
from ._kmprep import _count, _prepare, _within_group_reverse_cumsum

__all__ = ["SurvivalResult", "kaplan_meier"]


# --------------------------------------------------------------------------- Kaplan-Meier
@dataclass(frozen=True)
class SurvivalResult:
    """Kaplan-Meier estimate returned by :func:`kaplan_meier`.

    Attributes
    ----------
    curve : DataFrame
        One row per group and distinct time (see :func:`kaplan_meier`).
    medians : DataFrame
        The table of medians, one row per group: by-columns, ``n``, ``n_events``,
        ``n_censored``, ``median``, ``ci_lower``, ``ci_upper`` (Brookmeyer-Crowley interval of
        the median).  Called ``median`` before 0.2; ``result.median`` still gives this table for
        one release, with a ``FutureWarning``.
    by : tuple of str
        Grouping columns (empty when ungrouped).
    alpha : float
        Significance level of the intervals.
    weighted : bool
        Whether counts are sums of case weights.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [5, 8, 8, 12, 20, 20, 30], "churned": [1, 1, 0, 1, 0, 1, 0],
    ...                    "plan": ["a", "a", "a", "b", "b", "b", "b"]})
    >>> km = kaplan_meier(df, duration="days", event="churned", by="plan")
    >>> km.medians[["plan", "n", "n_events", "median"]].to_dict("records")
    [{'plan': 'a', 'n': 3, 'n_events': 2, 'median': 8.0}, {'plan': 'b', 'n': 4, 'n_events': 2, 'median': 20.0}]
    """

    curve: pd.DataFrame
    medians: pd.DataFrame
    by: tuple[str, ...] = ()
    alpha: float = 0.05
    weighted: bool = field(default=False)

    @property
    def median(self) -> pd.DataFrame:
        """The table :attr:`medians` under its old name (until the next release; warns)."""
        warnings.warn("SurvivalResult.median is renamed medians (the table of medians, one row per group); "
                      "the old name will stop working in the next release", FutureWarning, stacklevel=2)
        return self.medians

    def __setstate__(self, state: dict) -> None:
        # a result pickled before 0.2 holds the table under its old name
        if "median" in state and "medians" not in state:
            state = {("medians" if k == "median" else k): v for k, v in state.items()}
        self.__dict__.update(state)

    def summary(self) -> pd.DataFrame:
        """Per-group counts and median survival time with its interval (a copy of :attr:`medians`)."""
        return self.medians.copy()

    def _repr_html_(self) -> str:
        title = f"<p><b>Kaplan-Meier estimate</b> ({100 * (1 - self.alpha):g}% log-log intervals"
        title += ", weighted counts)</p>" if self.weighted else ")</p>"
        return title + self.medians.to_html(index=False)

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
        ``medians``: the table of medians, one row per group: by-columns, ``n``, ``n_events``,
        ``n_censored``, ``median``, ``ci_lower``, ``ci_upper``.

    Raises
    ------
    ColumnError
        Missing column, negative / non-finite duration, event not 0/1, bad weight.
    ParameterError
        ``data`` not a DataFrame or empty, ``alpha`` outside (0, 1).

    Warns
    -----
    DataQualityWarning
        Rows with a missing value in a ``by`` column are left out; the message gives their
        number and share.

    Notes
    -----
    With :math:`d_i` events and :math:`n_i` at risk at distinct time :math:`t_i`,
    :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` and Greenwood's variance is
    :math:`\hat S(t)^2 \sum_{t_i \le t} d_i / (n_i (n_i - d_i))`. The log-log interval is
    :math:`\hat S^{\exp(\pm z \sigma / \log \hat S)}` with
    :math:`\sigma^2 = \sum d_i / (n_i (n_i - d_i))`; it stays inside [0, 1]. Before the
    first event the interval is [1, 1]; where :math:`\hat S = 0` it is undefined (NaN).
    It is evaluated as :math:`\exp(-\exp(\log(-\log \hat S) \pm z \sigma / (-\log \hat S)))`
    (as R's ``survfit(conf.type = "log-log")``), and :math:`n_i - d_i` as the weight censored at
    :math:`t_i` plus the weight at risk after it, so that extreme case weights neither overflow
    nor lose precision.
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
    >>> float(km.medians["median"].iloc[0])
    20.0
    """
    if type(data).__module__.startswith("dask."):  # a Dask DataFrame: see cxanalytics.behaviour.scale
        return kaplan_meier_dask(data, duration=duration, event=event, by=by, weights=weights, alpha=alpha)
    alpha = check_alpha(alpha)
    by_cols = as_list(by)
    t, e, w, g, keys = _prepare(data, duration, event, by_cols, weights)
    k = _km_core(t, e, w, g, len(keys))
    surv, cumvar, grp = k["survival"], k["cumvar"], k["grp"]
    with np.errstate(invalid="ignore"):  # S = 0 and an infinite Greenwood sum: NaN, set below
        se = np.where(surv > 0, surv * np.sqrt(cumvar), np.nan)
    lower, upper = _loglog_interval(surv, cumvar, stats.norm.ppf(1 - alpha / 2))
    at_risk, dead, censored = k["at_risk"], k["dead"], k["censored"]
    if w is None:  # plain counts: show them as integers
        at_risk, dead, censored = (np.rint(a).astype(np.int64) for a in (at_risk, dead, censored))
    curve = keys.iloc[grp].reset_index(drop=True)
    curve = curve.assign(time=k["time"], n_at_risk=at_risk, n_events=dead, n_censored=censored,
                         survival=surv, std_error=se, ci_lower=lower, ci_upper=upper)
    return SurvivalResult(curve=curve, medians=_medians(curve, grp, keys), by=tuple(by_cols),
                          alpha=alpha, weighted=weights is not None)


def _km_core(t, e, w, g, n_groups) -> dict[str, np.ndarray]:
    """Kaplan-Meier arrays per (group, distinct time): counts, S(t), Greenwood sum."""
    grp, time, leaving, dead, censored = _count(t, e, w, g, n_groups)
    at_risk = _within_group_reverse_cumsum(leaving, grp)
    # n - d, the subjects at risk who do not have the event, as a sum of non-negative terms (those
    # censored now and those at risk at the group's next time): n - d itself cancels when a small
    # weight stays at risk beside a large one, and is exactly 0 when everyone left has the event.
    same = np.r_[grp[1:] == grp[:-1], False]
    survivors = censored + np.where(same, np.r_[at_risk[1:], 0.0], 0.0)
    # d / n / (n - d), not d / (n (n - d)): the product overflows for weights above ~1e154. The
    # term is +inf where everyone at risk leaves (S = 0), and for n - d below ~1e-292 (tiny weights).
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = np.where(dead > 0, np.minimum(survivors / at_risk, 1.0), 1.0)
        green = np.where(dead > 0, dead / at_risk / survivors, 0.0)
    surv = pd.Series(factor).groupby(grp).cumprod().to_numpy()
    cumvar = pd.Series(green).groupby(grp).cumsum().to_numpy()
    return {"grp": grp, "time": time, "leaving": leaving, "dead": dead, "censored": censored,
            "at_risk": at_risk, "survival": surv, "cumvar": cumvar}


def _exp_neg_exp(x: np.ndarray) -> np.ndarray:
    """``exp(-exp(x))`` without overflow: the double nearest to it is 1 for x <= -40 and 0 for x >= 7."""
    # exp(-exp(-40)) = 1 - 4.2e-18 rounds to 1; exp(-exp(7)) = exp(-1096.6) is below half the
    # smallest subnormal double and rounds to 0. In between, a subnormal result is still the
    # correctly rounded value: the underflow is not an error.
    with np.errstate(under="ignore"):
        return np.exp(-np.exp(np.clip(x, -40.0, 7.0)))


def _loglog_interval(surv: np.ndarray, cumvar: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Log-log interval of S(t): :math:`\exp(-\exp(\log(-\log S) \pm z \sigma / (-\log S)))`.

    The same as :math:`S^{\exp(\pm z \sigma / \log S)}` but evaluated on the log-log scale, so
    that a huge :math:`\sigma / \log S` (S near 1 with a large Greenwood sum, or a small weight
    left at risk) cannot overflow. [1, 1] where S = 1; NaN where S = 0; [S, S] where
    :math:`\sigma = 0`; an infinite :math:`\sigma` gives [0, 1].
    """
    lower = np.where(surv >= 1, 1.0, np.nan)
    upper = lower.copy()
    inside = (surv > 0) & (surv < 1)
    s = surv[inside]
    neg_log = -np.log(s)  # in (0, 745]
    theta = z * np.sqrt(cumvar[inside]) / neg_log
    u = np.log(neg_log)
    lower[inside] = np.where(theta > 0, _exp_neg_exp(u + theta), s)
    upper[inside] = np.where(theta > 0, _exp_neg_exp(u - theta), s)
    return lower, upper


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


# ----------------------------------------------------------------------------- Kaplan-Meier
def _km_checks(part, duration, event, by, weights):
    """Per-partition counts of rows left out and of invalid values (with the first bad value)."""
    missing = part[by].isna().any(axis=1).to_numpy() if by else np.zeros(len(part), bool)
    part = part.loc[~missing]
    d = part[duration].to_numpy(dtype=float, na_value=np.nan)
    bad_d = ~np.isfinite(d) | (d < 0)
    e = part[event].to_numpy(dtype=float, na_value=np.nan)
    bad_e = (e != 0) & (e != 1)
    row = {"rows": len(part), "missing": int(missing.sum()), "bad_duration": int(bad_d.sum()),
           "duration_value": d[bad_d][0] if bad_d.any() else np.nan,
           "bad_event": int(bad_e.sum()), "event_value": e[bad_e][0] if bad_e.any() else np.nan,
           "bad_weight": 0, "weight_value": np.nan}  # fmt: skip
    if weights is not None:
        w = part[weights].to_numpy(dtype=float, na_value=np.nan)
        bad_w = ~np.isfinite(w) | (w < 0)
        row.update(bad_weight=int(bad_w.sum()), weight_value=w[bad_w][0] if bad_w.any() else np.nan)
    return pd.DataFrame({k: [v] for k, v in row.items()}).astype(
        {k: np.int64 for k in ("rows", "missing", "bad_duration", "bad_event", "bad_weight")}
    )


def kaplan_meier_dask(data, *, duration: str, event: str, by: str | Sequence[str] | None = None,
                      weights: str | None = None, alpha: float = 0.05):
    """:func:`cxanalytics.kaplan_meier` of a Dask DataFrame (same arguments and result).

    A Dask groupby counts the subjects (or sums their weights) per group, duration and
    event indicator; the pandas estimator runs on those counts as case weights, which
    gives the same curve as the subjects themselves.
    """
    from dataclasses import replace

    dask, _ = _dask()
    alpha = check_alpha(alpha)
    by_cols = as_list(by)
    require_columns(data, [duration, event, *by_cols, weights])
    dtypes = data.dtypes
    for col, what, expected in ((duration, "Durations", "non-negative numbers"), (event, "Event indicator", "0/1 or True/False"),
                                (weights, "Weights", "non-negative numbers")):  # fmt: skip
        if col is None:
            continue
        dt = dtypes[col]
        ok = pd.api.types.is_numeric_dtype(dt) and (col == event or not pd.api.types.is_bool_dtype(dt))
        if not ok:
            verb = "must be 0/1 or boolean" if col == event else "must be numeric"
            raise ColumnError(describe(f"{what} {verb}", column=col, received=str(dt), expected=expected))
    cols = [*by_cols, duration, event] + ([weights] if weights is not None else [])
    ddf = data[cols]
    checks = ddf.map_partitions(_km_checks, duration, event, by_cols, weights,
                                meta=_km_checks(ddf._meta, duration, event, by_cols, weights))
    grouped = ddf.dropna(subset=by_cols) if by_cols else ddf
    grouped = grouped.groupby([*by_cols, duration, event], observed=True, dropna=False)
    counts = grouped[weights].sum() if weights is not None else grouped.size()
    checks, counts = _compute(dask, checks, counts)
    tot = checks.sum(numeric_only=True)
    for n_bad, col, first, what, expected in (
        ("bad_duration", duration, "duration_value", "duration", "finite, non-negative numbers"),
        ("bad_event", event, "event_value", "event value", "1 (event) or 0 (censored)"),
        ("bad_weight", weights, "weight_value", "weight", "finite, non-negative numbers"),
    ):
        if tot[n_bad]:
            value = checks.loc[checks[n_bad] > 0, first].iloc[0]
            raise ColumnError(describe(f"{int(tot[n_bad])} invalid {what}(s)", column=col, received=value, expected=expected))
    warn_dropped(int(tot["missing"]), int(tot["rows"] + tot["missing"]), "with a missing value",
                 function="kaplan_meier", column=by_cols, role="group", stacklevel=4)
    if not tot["rows"]:
        raise ParameterError(describe("No rows to analyse", parameter="data", received="0 rows",
                                      expected="at least one subject (with its groups present)"))
    cells = counts.rename("__n").reset_index()
    for col in by_cols:
        cells[col] = cells[col].astype(_plain(dtypes[col]))
    if dtypes[duration].kind in "iu":
        # the pandas path counts integer durations on a dense grid (float times) when it is small
        d = cells[duration].to_numpy()
        span = int(d.max() - d.min()) + 1
        n_groups = len(cells.drop_duplicates(by_cols)) if by_cols else 1
        if span * n_groups <= max(4 * int(tot["rows"]), 1_000_000):
            cells[duration] = d.astype(float)
    km = kaplan_meier(cells, duration=duration, event=event, by=by_cols or None, weights="__n", alpha=alpha)
    if weights is not None:
        return km
    curve = km.curve.assign(**{c: np.rint(km.curve[c]).astype(np.int64) for c in ("n_at_risk", "n_events", "n_censored")})
    medians = km.medians.assign(**{c: np.rint(km.medians[c]).astype(np.int64) for c in ("n", "n_events", "n_censored")})
    return replace(km, curve=curve, medians=medians, weighted=False)
