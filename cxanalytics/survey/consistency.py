"""Is service consistent across branches and channels?

The literature's principle that "service must be consistent" becomes three questions an
analyst can answer on their own data:

- :func:`consistency` — how spread out is each group's experience (mean, standard
  deviation, coefficient of variation, with intervals)?
- :func:`icc` — how much of the variation in scores lies *between* groups rather than
  within them (one-way random-effects intraclass correlation, ICC(1))?
- :func:`funnel_table` — which groups truly stand out, judged against control limits that
  widen for small groups, so that a small branch with an extreme mean is not flagged by
  chance alone (Spiegelhalter 2005)?
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import (
    answer_values,
    as_list,
    check_alpha,
    require_columns,
    require_frame,
    warn_dropped,
)
from ..errors import ColumnError, ParameterError, describe

__all__ = ["consistency", "icc", "funnel_table", "funnel_limits"]

KINDS = ("mean", "proportion")


def _values(data: pd.DataFrame, column: str, keys: list[str], function: str) -> pd.DataFrame:
    """The group keys and the column as float (NaN rows dropped, with a warning naming ``function``)."""
    data = require_frame(data)
    require_columns(data, [column, *keys])
    s = data[column]
    x = (s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
         if pd.api.types.is_bool_dtype(s) else answer_values(s, column))
    frame = pd.DataFrame({k: data[k] for k in keys}, index=data.index).assign(_x=x)
    warn_dropped(int(np.isnan(x).sum()), len(x), "with a missing value", function=function, column=column,
                 role="score", stacklevel=4)
    return frame[~np.isnan(x)]


def _keys(by, parameter: str) -> list[str]:
    keys = as_list(by)
    if not keys:
        raise ParameterError(describe("A grouping column is required", parameter=parameter,
                                      received=by, expected="a column name such as 'branch_id'"))
    return keys


def _summaries(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = frame.groupby(keys, observed=True, dropna=False, sort=True)["_x"]
    return g.agg(n="count", mean="mean", sd="std").reset_index()


# ----------------------------------------------------------------------------- spread
def consistency(data: pd.DataFrame, column: str, *, by: str | Sequence[str],
                alpha: float = 0.05) -> pd.DataFrame:
    """Mean and spread of a score per group: n, mean, sd, coefficient of variation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        Numeric score (or an ordered categorical of numeric codes); missing values skipped.
    by : str or list of str
        Group columns (branch, channel, ...); missing keys form their own group.
    alpha : float, default 0.05
        Intervals are ``1 - alpha`` intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns; ``n``; ``mean``; ``ci_lower``, ``ci_upper``
        (Student t interval of the mean); ``sd`` (n - 1 denominator); ``sd_ci_lower``,
        ``sd_ci_upper`` (chi-square interval of the standard deviation); ``cv`` = sd /
        mean (missing when the mean is 0).

    Raises
    ------
    ColumnError
        A column is missing or not numeric.
    ParameterError
        ``by`` is empty or ``alpha`` invalid.

    Warns
    -----
    DataQualityWarning
        Rows with a missing score are left out; the message gives their number and share
        (missing group keys are kept as a group of their own).

    Notes
    -----
    Mean: mean ± t(1 - alpha/2; n - 1) sd/sqrt(n).  Standard deviation, under
    normality: [sd sqrt((n-1)/χ²(1 - alpha/2; n-1)), sd sqrt((n-1)/χ²(alpha/2; n-1))].
    A branch with a larger ``sd`` (or ``cv``) serves its customers less evenly.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"csat": [4, 5, 4, 5, 1, 5, 2, 5], "branch": list("aaaabbbb")})
    >>> out = consistency(df, "csat", by="branch")
    >>> [[b, n, round(m, 2), round(s, 3)] for b, n, m, s in
    ...  out[["branch", "n", "mean", "sd"]].itertuples(index=False)]
    [['a', 4, 4.5, 0.577], ['b', 4, 3.25, 2.062]]
    """
    alpha = check_alpha(alpha)
    keys = _keys(by, "by")
    out = _summaries(_values(data, column, keys, "consistency"), keys)
    n = out["n"].to_numpy(dtype="float64")
    mean, sd = out["mean"].to_numpy(), out["sd"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(n)
        crit = stats.t.ppf(1 - alpha / 2, n - 1)
        chi_hi, chi_lo = stats.chi2.ppf(1 - alpha / 2, n - 1), stats.chi2.ppf(alpha / 2, n - 1)
        cv = np.where(mean != 0, sd / mean, np.nan)
        return out[keys].assign(
            n=out["n"].astype(np.int64), mean=mean, ci_lower=mean - crit * se,
            ci_upper=mean + crit * se, sd=sd, sd_ci_lower=sd * np.sqrt((n - 1) / chi_hi),
            sd_ci_upper=sd * np.sqrt((n - 1) / chi_lo), cv=cv)


# ----------------------------------------------------------------------------- ICC(1)
@renamed_parameters(group="by")
def icc(data: pd.DataFrame, column: str, *, by: str | Sequence[str],
        alpha: float = 0.05) -> pd.DataFrame:
    """One-way random-effects intraclass correlation ICC(1): the share of variance between groups.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        Numeric score; missing values are skipped.
    by : str or list of str
        The grouping (e.g. ``"branch_id"``); groups may differ in size.  (Called
        ``group`` before 0.2; the old name still works, with a ``FutureWarning``.)
    alpha : float, default 0.05
        The interval is a ``1 - alpha`` interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` responses; ``n_groups``; ``n0`` (the average group size used in the
        formulas); ``ms_between``, ``ms_within``; ``f`` = ms_between / ms_within with
        ``df_between``, ``df_within`` and ``p_value`` (F test of no group differences);
        ``icc`` (ICC(1), single response); ``ci_lower``, ``ci_upper``; ``icc_mean``
        (ICC(1, n0): reliability of a group's mean); ``var_between``, ``var_within``
        (ANOVA variance components; ``var_between`` is negative when ms_between <
        ms_within, and ``icc`` then too — not truncated); ``eta_squared`` (descriptive
        share of the sum of squares between groups).

    Raises
    ------
    ColumnError
        A column is missing or not numeric.
    ParameterError
        Fewer than two groups, or no group with two or more responses.

    Warns
    -----
    DataQualityWarning
        Rows with a missing score are left out; the message gives their number and share
        (missing group keys are kept as a group of their own).

    Notes
    -----
    With k groups, N responses and group sizes n_i, ``n0 = (N - sum n_i² / N) / (k - 1)``
    (n0 = the common size when balanced).  ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW);
    var_between = (MSB - MSW) / n0, var_within = MSW, and ICC(1) = var_between /
    (var_between + var_within): the share of the score's variance that lies between
    groups.  Interval (McGraw & Wong 1996, case 1, with n0 for k): F_L = F / F(1 - alpha/2;
    k - 1, N - k), F_U = F · F(1 - alpha/2; N - k, k - 1); bounds (F_L - 1) / (F_L + n0 - 1)
    and (F_U - 1) / (F_U + n0 - 1).  With unequal group sizes the interval is approximate.

    References
    ----------
    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. *Psychological Bulletin* 86(2), 420-428.
    McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. *Psychological Methods* 1(1), 30-46.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"score": [9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8],
    ...                    "target": [1] * 4 + [2] * 4 + [3] * 4})
    >>> out = icc(df, "score", by="target").iloc[0]
    >>> round(float(out["icc"]), 4), int(out["n_groups"]), float(out["n0"])
    (0.2517, 3, 4.0)
    """
    alpha = check_alpha(alpha)
    keys = _keys(by, "by")
    s = _summaries(_values(data, column, keys, "icc"), keys)
    n_i = s["n"].to_numpy(dtype="float64")
    s = s[n_i > 0]
    n_i, m_i, sd_i = n_i[n_i > 0], s["mean"].to_numpy(), s["sd"].to_numpy()
    k, big_n = len(n_i), n_i.sum()
    if k < 2 or big_n - k < 1:
        raise ParameterError(describe("ICC needs at least two groups and a group with two or "
                                      "more responses", parameter="by", received=
                                      f"{k} group(s), {int(big_n)} response(s)",
                                      expected="k >= 2 groups and N > k"))
    grand = np.sum(n_i * m_i) / big_n
    ssb = np.sum(n_i * (m_i - grand) ** 2)
    ssw = np.nansum((n_i - 1) * sd_i**2)
    df_b, df_w = k - 1, big_n - k
    msb, msw = ssb / df_b, ssw / df_w
    n0 = (big_n - np.sum(n_i**2) / big_n) / df_b
    with np.errstate(invalid="ignore", divide="ignore"):
        f = msb / msw
        value = (msb - msw) / (msb + (n0 - 1) * msw)
        f_l = f / stats.f.ppf(1 - alpha / 2, df_b, df_w)
        f_u = f * stats.f.ppf(1 - alpha / 2, df_w, df_b)
        out = {"n": int(big_n), "n_groups": k, "n0": n0, "ms_between": msb, "ms_within": msw,
               "f": f, "df_between": df_b, "df_within": df_w,
               "p_value": stats.f.sf(f, df_b, df_w), "icc": value,
               "ci_lower": (f_l - 1) / (f_l + n0 - 1), "ci_upper": (f_u - 1) / (f_u + n0 - 1),
               "icc_mean": (msb - msw) / msb, "var_between": (msb - msw) / n0,
               "var_within": msw, "eta_squared": ssb / (ssb + ssw)}
    return pd.DataFrame({key: [float(v) if key not in ("n", "n_groups") else v]
                         for key, v in out.items()})


# ----------------------------------------------------------------------------- funnel plot
def _label(level: float) -> str:
    digits = f"{level:.10g}".split(".")[1]
    return digits if len(digits) > 1 else digits + "0"


def funnel_limits(n, *, target: float, level: float, kind: str = "mean",
                  sigma: float | None = None, method: str = "normal",
                  phi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel-plot control limits at group sizes ``n``.

    Parameters
    ----------
    n : array-like
        Group sizes.
    target : float
        The value the groups are compared with (mean or proportion).
    level : float
        Coverage of the limits, e.g. 0.95 or 0.998.
    kind : {"mean", "proportion"}, default "mean"
        What is plotted.
    sigma : float, optional
        Standard deviation of one response (required for means; for proportions
        sqrt(target (1 - target)) by default).
    method : {"normal", "exact"}, default "normal"
        ``"exact"`` (proportions only): interpolated binomial limits; needs every ``n``
        to be a whole number >= 1.
    phi : float, default 1
        Overdispersion factor; normal limits are widened by sqrt(max(phi, 1)).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``.

    Raises
    ------
    ParameterError
        If ``sigma`` is missing for means, or ``method="exact"`` gets a group size that
        is not a whole number >= 1 (e.g. a weighted count such as 12.4).  The binomial
        distribution, and so its quantiles, exists only for whole numbers of trials;
        for weighted data use ``method="normal"`` with an effective sample size
        (Kish 1965: (sum w)^2 / sum w^2) as ``n``.

    Notes
    -----
    Normal: target ± z sqrt(phi) sigma / sqrt(n), z the (1 + level)/2 normal quantile.
    Exact binomial (Spiegelhalter 2005, appendix): for tail probability p, r_p is the
    smallest r with F(r) >= p under Binomial(n, target);
    limit = (r_p - (F(r_p) - p) / (F(r_p) - F(r_p - 1))) / n, which interpolates the
    discrete distribution so that the limits are smooth in n.  For very small n the
    interpolated value can fall outside [0, 1] or on the wrong side of the target, so the
    exact limits are clipped to [0, target] and [target, 1]; normal limits of a
    proportion are clipped to [0, 1].

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24(8), 1185-1202.
    Kish, L. (1965). *Survey Sampling*. Wiley.

    Examples
    --------
    >>> lo, hi = funnel_limits([100], target=0.5, level=0.95, kind="proportion")
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.402, 0.598)
    >>> lo, hi = funnel_limits([40], target=0.3, level=0.95, kind="proportion", method="exact")
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.151, 0.4351)
    """
    n = np.asarray(n, dtype="float64")
    z = stats.norm.ppf((1 + level) / 2)
    if kind == "proportion" and sigma is None:
        sigma = float(np.sqrt(target * (1 - target)))
    if sigma is None:
        raise ParameterError(describe("sigma is required for means", parameter="sigma",
                                      expected="the standard deviation of one response"))
    if method == "exact":
        whole = np.round(n)
        bad = ~(np.abs(n - whole) <= 1e-9 * np.maximum(whole, 1)) | (whole < 1)
        if bad.any():
            raise ParameterError(describe("Exact binomial limits need whole numbers of responses",
                                          parameter="n", received=n[bad][:5].tolist(),
                                          expected="whole numbers >= 1, or method='normal' for "
                                                   "weighted (effective) sizes"))
        n = whole
        tails = []
        for p in ((1 - level) / 2, (1 + level) / 2):
            r = stats.binom.ppf(p, n, target)
            f_r, f_prev = stats.binom.cdf(r, n, target), stats.binom.cdf(r - 1, n, target)
            with np.errstate(invalid="ignore", divide="ignore"):
                tails.append((r - (f_r - p) / (f_r - f_prev)) / n)
        # for tiny n the interpolation can leave [0, 1] or cross the target: clip
        return np.clip(tails[0], 0, target), np.clip(tails[1], target, 1)
    with np.errstate(divide="ignore"):
        half = z * np.sqrt(max(phi, 1.0)) * sigma / np.sqrt(n)
    if kind == "proportion":
        return np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
    return target - half, target + half


@renamed_parameters(group="by")
def funnel_table(data: pd.DataFrame, column: str, *, by: str, kind: str = "mean",
                 target: float | None = None, limits: Sequence[float] = (0.95, 0.998),
                 method: str | None = None, overdispersion: bool = False,
                 winsorize: float = 0.1) -> pd.DataFrame:
    """Funnel-plot table: each group's estimate against control limits for its size.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        For ``kind="mean"`` a numeric score; for ``kind="proportion"`` a 0/1 or boolean
        indicator (e.g. ``csat >= 4``).  Missing values are skipped.
    by : str
        Group column (branch, agent, ...).  (Called ``group`` before 0.2; the old name
        still works, with a ``FutureWarning``.)
    kind : {"mean", "proportion"}, default "mean"
        What is compared.
    target : float, optional
        Benchmark; default the overall mean (or proportion) of all responses.
    limits : sequence of float, default (0.95, 0.998)
        Coverages of the control limits (about 2 and 3 standard errors).
    method : {"normal", "exact"}, optional
        Limits from the normal approximation or (proportions only) the exact binomial;
        default ``"exact"`` for proportions, ``"normal"`` for means.
    overdispersion : bool, default False
        Widen the limits by a multiplicative overdispersion factor estimated from the
        groups' z-scores (see Notes); requires ``method="normal"``.
    winsorize : float, default 0.1
        Share of z-scores winsorised in each tail when estimating overdispersion.

    Returns
    -------
    pandas.DataFrame
        One row per group: the group column; ``n``; ``estimate``; ``target``; ``se`` (the
        standard error at that n under the target, before overdispersion); ``z`` =
        (estimate - target) / (se sqrt(phi)); ``phi``; for each coverage L (labelled by its
        digits: 0.95 -> ``95``, 0.998 -> ``998``) ``lower_L``, ``upper_L`` and
        ``outside_L`` (estimate outside the limits); ``direction`` ("low" or "high"
        relative to the target).  ``attrs["funnel"]`` holds kind, method, target, sigma,
        phi and the limits, for :func:`cxanalytics.plotting.satisfaction.plot_funnel`.

    Raises
    ------
    ColumnError
        A column is missing, not numeric, or (proportions) not 0/1.
    ParameterError
        Bad ``kind``, ``method``, ``limits``, ``target`` or ``winsorize``.

    Warns
    -----
    DataQualityWarning
        Rows with a missing score are left out; the message gives their number and share
        (missing group keys are kept as a group of their own).

    Notes
    -----
    A group of n responses is compared with target θ0: for a mean, se = σ / sqrt(n) with σ
    the standard deviation of all responses; for a proportion, se = sqrt(θ0 (1 - θ0) / n).
    Limits are θ0 ± z_L se (normal) or the interpolated binomial quantiles (exact).
    Because the limits widen as n falls, a small group needs a larger deviation to be
    flagged, which protects small branches from being singled out by chance.

    Overdispersion (Spiegelhalter 2005, section 6): with many groups, real but unexplained
    differences make the z-scores vary more than 1.  phi = mean of the squared
    winsorised z-scores; when phi > 1 the limits become θ0 ± z_L sqrt(phi) se (phi is
    reported as estimated, the limits use max(phi, 1)).

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24(8), 1185-1202.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"score": [7, 8, 6, 7, 9, 8, 2, 3, 8, 7],
    ...                    "branch": list("aaaabbbccc")})
    >>> out = funnel_table(df, "score", by="branch")
    >>> out[["branch", "n", "outside_95", "direction"]].to_numpy().tolist()
    [['a', 4, False, 'high'], ['b', 3, False, 'low'], ['c', 3, False, 'low']]
    """
    if kind not in KINDS:
        raise ParameterError(describe("Unknown kind", parameter="kind", received=kind,
                                      expected="'mean' or 'proportion'"))
    method = method or ("exact" if kind == "proportion" and not overdispersion else "normal")
    if method not in ("normal", "exact") or (method == "exact" and kind == "mean"):
        raise ParameterError(describe("Unknown or inapplicable limit method", parameter="method",
                                      received=method, expected="'normal', or 'exact' for "
                                      "proportions"))
    if overdispersion and method == "exact":
        raise ParameterError(describe("Overdispersion widens normal limits only",
                                      parameter="method", received=method,
                                      expected="'normal' when overdispersion=True"))
    levels = [float(v) for v in limits] if isinstance(limits, Sequence) else []
    if not levels or not all(0 < v < 1 for v in levels):
        raise ParameterError(describe("limits must be coverages between 0 and 1",
                                      parameter="limits", received=limits,
                                      expected="e.g. (0.95, 0.998)"))
    if not (isinstance(winsorize, int | float) and 0 <= winsorize < 0.5):
        raise ParameterError(describe("winsorize must be a tail share below one half",
                                      parameter="winsorize", received=winsorize,
                                      expected="0 <= winsorize < 0.5"))
    keys = _keys(by, "by")
    frame = _values(data, column, keys, "funnel_table")
    x = frame["_x"].to_numpy()
    if kind == "proportion" and not np.all((x == 0) | (x == 1)):
        raise ColumnError(describe("A proportion needs a 0/1 indicator", column=column,
                                   received=float(x[(x != 0) & (x != 1)][0]),
                                   expected="0/1 or True/False, e.g. data['csat'] >= 4"))
    if len(x) < 2:
        raise ParameterError(describe("Too few responses for a funnel plot", parameter="data",
                                      received=len(x), expected="at least 2 answered rows"))
    theta = float(x.mean()) if target is None else target
    if not isinstance(theta, int | float) or not np.isfinite(theta) or (
            kind == "proportion" and not 0 < theta < 1):
        raise ParameterError(describe("Invalid target", parameter="target", received=target,
                                      expected="a finite number (a proportion strictly "
                                               "between 0 and 1)"))
    sigma = float(np.sqrt(theta * (1 - theta))) if kind == "proportion" else float(x.std(ddof=1))
    out = _summaries(frame, keys).drop(columns="sd").rename(columns={"mean": "estimate"})
    n = out["n"].to_numpy(dtype="float64")
    est = out["estimate"].to_numpy()
    se = sigma / np.sqrt(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (est - theta) / se
    phi = 1.0
    if overdispersion:
        lo_q, hi_q = np.nanquantile(z, [winsorize, 1 - winsorize])
        phi = float(np.nanmean(np.clip(z, lo_q, hi_q) ** 2))
        z = z / np.sqrt(max(phi, 1.0))
    cols = {"n": out["n"].astype(np.int64), "estimate": est, "target": theta, "se": se,
            "z": z, "phi": phi}
    for level in levels:
        lower, upper = funnel_limits(n, target=theta, level=level, kind=kind, sigma=sigma,
                                     method=method, phi=phi)
        label = _label(level)
        cols[f"lower_{label}"], cols[f"upper_{label}"] = lower, upper
        cols[f"outside_{label}"] = (est < lower) | (est > upper)
    cols["direction"] = np.where(est < theta, "low", "high")
    result = out[keys].assign(**cols)
    result.attrs["funnel"] = {"kind": kind, "method": method, "target": theta, "sigma": sigma,
                              "phi": phi, "limits": tuple(levels), "column": column,
                              "group": keys[0]}
    return result
