"""Which differences are real: NPS, proportions and means compared between groups and periods.

Each ``compare_*`` function summarises every group once (vectorised, see
:mod:`cxanalytics.survey.metrics`), forms the pairs to compare — all pairs of the ``by=``
groups, each group against a ``reference`` group, or consecutive periods of a
timestamp column (within each ``by=`` group) — and computes, for all pairs at
once, the difference (second minus first), its interval, a test statistic, the
p-value, the p-value adjusted for multiple comparisons (Holm by default) and an
effect size.  Groups smaller than ``min_n`` trigger a :class:`SmallSampleWarning`
and are flagged in ``small_sample``; they are never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import require_columns
from ..errors import (
    ScaleRangeError,
)
from ._groupstats import _choice
from ._pairs import _finish, _normal_test, _pairs, _setup, _warn_unanswered
from .metrics import (
    NPS_METHODS,
    _mean_summary,
    _nps_interval,
    _nps_summary,
    _proportion_interval,
    _proportion_summary,
)

__all__ = ["compare_nps", "compare_proportions", "compare_means"]


_COMMON_PARAMETERS = """by : str or list of str, optional
        Group columns.  Without ``period``, the groups are compared with each other.
    period : {"M", "Q", "Y"}, optional
        Compare consecutive observed months, quarters or years of ``time``
        (within each ``by`` group when ``by`` is given).  Rows without a timestamp
        are left out with a :class:`DataQualityWarning`.
    time : str, default "submitted_at"
        Datetime column used with ``period`` (time-zone aware values are read in
        their own local time).  (Called ``timestamp`` before 0.2; the old name still
        works, with a ``FutureWarning``.)
    reference : scalar or tuple, optional
        Compare every other ``by`` group with this one (a tuple when ``by`` has
        several columns) instead of all pairs.  Not combinable with ``period``.
    weights : str, optional
        Column of survey weights; Kish's effective sample size
        n_eff = (sum w)**2 / sum(w**2) replaces n in every formula.
    alpha : float, default 0.05
        Intervals are ``1 - alpha`` confidence intervals.
    p_adjust : {"holm", "bonferroni", "fdr_bh", None}, default "holm"
        Multiple-comparison adjustment over all pairs in the result
        (:func:`statsmodels.stats.multitest.multipletests`); None copies ``p_value``.
    min_n : int, default 30
        Groups with fewer answers (effective answers when weighted) are flagged."""

_COMMON_RETURNS = """Pair identification: without ``period``, ``<by>_a`` and ``<by>_b`` for each
        ``by`` column; with ``period``, the ``by`` columns then ``period_a`` and
        ``period_b`` (consecutive observed periods).  Then ``n_a``, ``n_b``
        (answers used), the two estimates, ``difference`` (b minus a), ``se``,
        ``ci_lower``, ``ci_upper`` (interval of the difference), ``statistic``,
        ``p_value`` (two-sided), ``p_adjusted``, the effect size, ``small_sample``
        (either group below ``min_n``); with weights also ``n_effective_a`` and
        ``n_effective_b``."""

_COMMON_WARNS = """DataQualityWarning
        Rows left out of every group because the answer (or, with ``period``, the
        timestamp) is missing; the message gives their number and share.
    SmallSampleWarning
        Groups below ``min_n`` (kept, flagged in ``small_sample``)."""

_COMMON_RAISES = """ParameterError
        Neither ``by`` nor ``period`` given, unknown option, reference not found.
    ColumnError
        A column is missing or of the wrong type.
    ScaleRangeError
        An answer is outside its scale."""


def _with_common_doc(func):
    func.__doc__ = (func.__doc__.replace("{common_parameters}", _COMMON_PARAMETERS)
                    .replace("{common_returns}", _COMMON_RETURNS)
                    .replace("{common_raises}", _COMMON_RAISES)
                    .replace("{common_warns}", _COMMON_WARNS))
    return func


@renamed_parameters(timestamp="time")
@_with_common_doc
def compare_nps(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
                period: str | None = None, time: str = "submitted_at", reference=None,
                weights: str | None = None, alpha: float = 0.05, method: str = "adjusted_wald",
                p_adjust: str | None = "holm", min_n: int = 30) -> pd.DataFrame:
    """Differences in Net Promoter Score between groups or consecutive periods.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        The 0-10 likelihood-to-recommend answer.
    {common_parameters}
    method : {"adjusted_wald", "wald"}, default "adjusted_wald"
        How each group's score and variance enter the interval and the test.

    Returns
    -------
    pandas.DataFrame
        {common_returns} The estimates are ``nps_a``, ``nps_b`` (points, -100..100);
        the NPS difference in points is itself the effect size.  ``attrs["unit"]`` is
        ``"points"`` (estimates, difference and its interval).

    Raises
    ------
    {common_raises}

    Warns
    -----
    {common_warns}

    Notes
    -----
    Per group, Var(p - d) = (p + d - (p - d)**2) / n (multinomial); the groups are
    independent, so Var(difference) = Var_a + Var_b and
    z = (NPS_b - NPS_a) / se, two-sided normal p-value, interval
    difference ± z(1 - alpha/2) se (clipped to -200..200).  With
    ``"adjusted_wald"`` the shares, centre and se in these formulas are Rocks'
    adjusted ones (3/4 added to promoter and detractor counts, 3 to n), so the
    test rejects exactly when the interval excludes 0; ``difference`` is always
    the unadjusted NPS_b - NPS_a.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score".
    *The American Statistician* 70(4), 365-372.
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics* 6(2), 65-70.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [10] * 40 + [3] * 10 + [10] * 20 + [3] * 30,
    ...                    "ch": ["web"] * 50 + ["app"] * 50})
    >>> out = compare_nps(df, "q", by="ch")
    >>> out[["ch_a", "ch_b"]].iloc[0].tolist(), round(float(out["difference"].iloc[0]), 1)
    (['app', 'web'], 80.0)
    >>> bool(out["p_value"].iloc[0] < 0.001)
    True
    """
    _choice(method, NPS_METHODS, "method")
    frame, keys = _setup(data, by, period, time, reference, alpha, p_adjust, min_n, "compare_nps")
    g, s = _nps_summary(frame, column, keys, weights)
    _warn_unanswered("compare_nps", column, g, s, period)
    i, j = _pairs(g, keys, period, reference)
    z = stats.norm.ppf(1 - alpha / 2)
    prom, detr = s["shares"][:, 2], s["shares"][:, 0]
    centre, se, _, _ = _nps_interval(prom, detr, s["n_eff"], z, method)
    est = 100 * (prom - detr)
    mid = 100 * (centre[j] - centre[i])
    se_d = 100 * np.sqrt(se[i] ** 2 + se[j] ** 2)
    stat, p = _normal_test(mid, se_d)
    cols = {"nps_a": est[i], "nps_b": est[j], "difference": est[j] - est[i], "se": se_d,
            "ci_lower": np.clip(mid - z * se_d, -200, 200),
            "ci_upper": np.clip(mid + z * se_d, -200, 200), "statistic": stat, "p_value": p}
    out = _finish(g, keys, period, i, j, s, cols, p_adjust, min_n, weights, {})
    out.attrs["unit"] = "points"
    return out


@renamed_parameters(timestamp="time")
@_with_common_doc
def compare_proportions(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
                        period: str | None = None, time: str = "submitted_at",
                        reference=None, weights: str | None = None, alpha: float = 0.05,
                        method: str = "newcombe", p_adjust: str | None = "holm",
                        min_n: int = 30, scale: tuple[int, int] | None = None,
                        top: int = 1) -> pd.DataFrame:
    """Differences in a proportion (top-box share or a 0/1 outcome) between groups or periods.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        With ``scale``: integer answers, the proportion is the top-``top``-box share.
        Without: a 0/1 or boolean column, the proportion is the share of 1 / True.
    {common_parameters}
    method : {"newcombe", "wald"}, default "newcombe"
        Interval for the difference: Newcombe's hybrid score interval (from the two
        Wilson intervals) or the unpooled Wald interval.
    scale : tuple of int, optional
        ``(low, high)`` of the answer scale, e.g. ``(1, 5)`` with ``top=2`` for CSAT.
    top : int, default 1
        Number of top boxes counted when ``scale`` is given.

    Returns
    -------
    pandas.DataFrame
        {common_returns} The estimates are ``proportion_a``, ``proportion_b`` (0..1);
        the effect size is ``cohen_h``.  ``attrs["unit"]`` is ``"fraction"`` (estimates,
        difference and its interval, 0..1 not percent).

    Raises
    ------
    {common_raises}

    Warns
    -----
    {common_warns}

    Notes
    -----
    Test: the two-proportion z-test with pooled variance,
    z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)), p = (x_a + x_b) / (n_a + n_b).
    ``se`` is the unpooled sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b).  Newcombe:
    [D - sqrt((p_b - l_b)² + (u_a - p_a)²), D + sqrt((u_b - p_b)² + (p_a - l_a)²)]
    with (l, u) the Wilson limits.  Because the test and the interval use
    different variance estimates they can disagree right at the boundary.
    Cohen's h = 2 asin(sqrt(p_b)) - 2 asin(sqrt(p_a)).  Weighted: x = p n_eff.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions. *Statistics in Medicine* 17(8), 873-890.
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ok": [1] * 30 + [0] * 20 + [1] * 20 + [0] * 30,
    ...                    "g": ["a"] * 50 + ["b"] * 50})
    >>> out = compare_proportions(df, "ok", by="g")
    >>> round(float(out["difference"].iloc[0]), 2), round(float(out["cohen_h"].iloc[0]), 3)
    (-0.2, -0.403)
    """
    _choice(method, ("newcombe", "wald"), "method")
    frame, keys = _setup(data, by, period, time, reference, alpha, p_adjust, min_n,
                         "compare_proportions")
    binary = scale is None
    if binary:
        require_columns(frame, [column])
        if pd.api.types.is_bool_dtype(frame[column]):
            frame = frame.assign(**{column: frame[column].to_numpy(dtype="float64",
                                                                    na_value=np.nan)})
        scale, top = (0, 1), 1
    try:
        g, s = _proportion_summary(frame, column, keys, weights, scale, top)
    except ScaleRangeError as err:
        if not binary:
            raise
        raise ScaleRangeError(f"{err} (a 0/1 or boolean outcome; for ratings pass "
                              "scale=(low, high) and top=)") from None
    _warn_unanswered("compare_proportions", column, g, s, period)
    i, j = _pairs(g, keys, period, reference)
    z = stats.norm.ppf(1 - alpha / 2)
    p, n = s["share"], s["n_eff"]
    se, lo, hi = _proportion_interval(p, n, z, "wilson")
    diff = p[j] - p[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (p[i] * n[i] + p[j] * n[j]) / (n[i] + n[j])
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n[i] + 1 / n[j]))
    stat, pval = _normal_test(diff, se0)
    se_d = np.sqrt(se[i] ** 2 + se[j] ** 2)
    if method == "wald":
        lower, upper = diff - z * se_d, diff + z * se_d
    else:
        lower = diff - np.sqrt((p[j] - lo[j]) ** 2 + (hi[i] - p[i]) ** 2)
        upper = diff + np.sqrt((hi[j] - p[j]) ** 2 + (p[i] - lo[i]) ** 2)
    cols = {"proportion_a": p[i], "proportion_b": p[j], "difference": diff, "se": se_d,
            "ci_lower": np.clip(lower, -1, 1), "ci_upper": np.clip(upper, -1, 1),
            "statistic": stat, "p_value": pval}
    h = 2 * np.arcsin(np.sqrt(p[j])) - 2 * np.arcsin(np.sqrt(p[i]))
    out = _finish(g, keys, period, i, j, s, cols, p_adjust, min_n, weights, {"cohen_h": h})
    out.attrs["unit"] = "fraction"
    return out


@renamed_parameters(timestamp="time")
@_with_common_doc
def compare_means(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
                  period: str | None = None, time: str = "submitted_at", reference=None,
                  weights: str | None = None, alpha: float = 0.05,
                  p_adjust: str | None = "holm", min_n: int = 30,
                  scale: tuple[int, int] | None = None) -> pd.DataFrame:
    """Differences in mean score between groups or periods (Welch's t), with Hedges' g.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        Numeric answers.
    {common_parameters}
    scale : tuple of int, optional
        ``(low, high)``: answers outside it raise :class:`ScaleRangeError`.

    Returns
    -------
    pandas.DataFrame
        {common_returns} The estimates are ``mean_a``, ``mean_b``; also ``df``
        (Welch-Satterthwaite degrees of freedom); the effect size is ``hedges_g``.
        ``attrs["unit"]`` is ``"score"`` (the units of the answers).

    Raises
    ------
    {common_raises}

    Warns
    -----
    {common_warns}

    Notes
    -----
    v = sd²/n per group; se = sqrt(v_a + v_b); t = (mean_b - mean_a) / se with
    df = (v_a + v_b)² / (v_a²/(n_a - 1) + v_b²/(n_b - 1)); interval
    difference ± t(1 - alpha/2; df) se.  Hedges' g = J(m) (mean_b - mean_a) / s_p with
    s_p² = ((n_a - 1) sd_a² + (n_b - 1) sd_b²) / m, m = n_a + n_b - 2 and the exact
    small-sample correction J(m) = Γ(m/2) / (sqrt(m/2) Γ((m - 1)/2)).
    Weighted: weighted means and sds, n_eff in place of n.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several
    different population variances are involved. *Biometrika* 34(1-2), 28-35.
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size
    and related estimators. *Journal of Educational Statistics* 6(2), 107-128.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [3, 4, 5, 4, 3, 5, 4, 2, 3, 3],
    ...                    "g": ["a"] * 5 + ["b"] * 5})
    >>> out = compare_means(df, "x", by="g", min_n=2)
    >>> round(float(out["difference"].iloc[0]), 2), round(float(out["df"].iloc[0]), 3)
    (-0.4, 7.339)
    """
    frame, keys = _setup(data, by, period, time, reference, alpha, p_adjust, min_n, "compare_means")
    g, s = _mean_summary(frame, column, keys, weights, scale)
    _warn_unanswered("compare_means", column, g, s, period)
    i, j = _pairs(g, keys, period, reference)
    m, sd, n = s["mean"], s["sd"], s["n_eff"]
    with np.errstate(invalid="ignore", divide="ignore"):
        v = sd**2 / n
        se = np.sqrt(v[i] + v[j])
        df = (v[i] + v[j]) ** 2 / (v[i] ** 2 / (n[i] - 1) + v[j] ** 2 / (n[j] - 1))
        diff = m[j] - m[i]
        stat = diff / se
        tq = stats.t.ppf(1 - alpha / 2, df)
        dof = n[i] + n[j] - 2
        sp = np.sqrt(((n[i] - 1) * sd[i] ** 2 + (n[j] - 1) * sd[j] ** 2) / dof)
        corr = np.exp(special.gammaln(dof / 2) - special.gammaln((dof - 1) / 2)) / np.sqrt(dof / 2)
        hedges = corr * diff / sp
    cols = {"mean_a": m[i], "mean_b": m[j], "difference": diff, "se": se, "df": df,
            "ci_lower": diff - tq * se, "ci_upper": diff + tq * se, "statistic": stat,
            "p_value": 2 * stats.t.sf(np.abs(stat), df)}
    out = _finish(g, keys, period, i, j, s, cols, p_adjust, min_n, weights,
                  {"hedges_g": hedges})
    out.attrs["unit"] = "score"
    return out
