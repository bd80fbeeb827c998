"""Restricted mean survival time (RMST) per group and differences between groups."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxanalytics._core.validate import renamed_parameters

from ..._core.validate import as_list, check_alpha
from ...errors import ParameterError, describe
from ._km import _km_core
from ._kmprep import _prepare, _within_group_reverse_cumsum

__all__ = ["rmst", "rmst_difference"]


# --------------------------------------------------------------------------- RMST
def _rmst_table(data, duration, event, by, tau, alpha, function="rmst") -> pd.DataFrame:
    alpha = check_alpha(alpha)
    if not (isinstance(tau, int | float | np.number) and np.isfinite(tau) and tau > 0):
        raise ParameterError(describe("tau must be a positive number", parameter="tau",
                                      received=tau, expected="a positive, finite time"))
    tau = float(tau)
    t, e, _, g, keys = _prepare(data, duration, event, by, function=function)
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

    Warns
    -----
    DataQualityWarning
        Rows with a missing value in a ``by`` column are left out; the message gives their
        number and share.

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


@renamed_parameters(group="by")
def rmst_difference(data: pd.DataFrame, *, duration: str, event: str, by: str, tau: float,
                    reference: object = None, alpha: float = 0.05) -> pd.DataFrame:
    r"""Difference in restricted mean survival time between each group and a reference.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators.
    by : str
        Column defining the groups.  (Called ``group`` before 0.2; the old name still works, with a ``FutureWarning``.)
    tau : float
        Horizon (see :func:`rmst`).
    reference : optional
        Level of ``by`` to compare against; default the first level in sorted order.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    DataFrame
        One row per non-reference group: the ``by`` column, ``reference``, ``tau``,
        ``difference`` (group minus reference), ``std_error``, ``ci_lower``, ``ci_upper``,
        ``z``, ``p_value`` (two-sided Wald test of no difference).

    Raises
    ------
    ParameterError
        Unknown ``reference``, fewer than two groups, invalid ``tau`` / ``alpha``.

    Warns
    -----
    DataQualityWarning
        Rows with a missing ``by`` value are left out; the message gives their number and share.

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
    >>> d = rmst_difference(df, duration="days", event="churned", by="tier", tau=8)
    >>> d["tier"].iloc[0], round(float(d["difference"].iloc[0]), 4)
    ('premium', 1.4)
    """
    if not isinstance(by, str):
        raise ParameterError(describe("by must be one column name", parameter="by",
                                      received=by, expected="a string"))
    table = _rmst_table(data, duration, event, [by], tau, alpha, "rmst_difference")
    levels = list(table[by])
    if len(levels) < 2:
        raise ParameterError(describe("Need at least two groups to compare", parameter="by",
                                      received=levels, expected="two or more groups"))
    ref = levels[0] if reference is None else reference
    if ref not in levels:
        raise ParameterError(describe("Unknown reference group", parameter="reference",
                                      received=reference, expected=f"one of {levels}"))
    is_ref = (table[by] == ref).to_numpy()
    base = table.loc[is_ref].iloc[0]
    rest = table.loc[~is_ref]
    diff = rest["rmst"].to_numpy() - base["rmst"]
    se = np.sqrt(rest["std_error"].to_numpy() ** 2 + base["std_error"] ** 2)
    z_crit = stats.norm.ppf(1 - check_alpha(alpha) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se
    return pd.DataFrame({by: rest[by].to_numpy(), "reference": ref, "tau": float(tau),
                         "difference": diff, "std_error": se, "ci_lower": diff - z_crit * se,
                         "ci_upper": diff + z_crit * se, "z": z,
                         "p_value": 2 * stats.norm.sf(np.abs(z))})
