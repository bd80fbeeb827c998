"""Satisfaction metrics with honest uncertainty: NPS, CSAT, CES, top-box and mean scores.

Every estimator returns a tidy frame with one row per group of ``by=`` (sorted by
the group keys; missing keys form their own group): the group columns, ``n``
(responses used), ``n_missing`` (missing answers excluded), the component counts
and shares, the estimate, ``se``, ``ci_lower`` and ``ci_upper``.  With
``weights=`` the shares, means and intervals are weighted and the frame gains
``n_effective``, Kish's effective sample size, which replaces ``n`` in every
interval formula.

Answers are checked against the item's scale (0-10 for NPS by definition; ``scale=`` for
the others, with the documented defaults 1-5 for CSAT and 1-7 for CES): values outside it
raise :class:`~cxanalytics.errors.ScaleRangeError` listing every offending value with its
count.  A value that means "no answer" (``0 = not applicable``, ``-99``) is declared in the
codebook's ``missing_codes`` and removed by :func:`cxanalytics.clean_responses` first.

Units: the Net Promoter Score is reported in **points on the -100..100 scale**
(percentage of promoters minus percentage of detractors), as analysts quote it;
shares and proportions (CSAT, top-box) are fractions in 0..1; means are on the
item's own scale.

Counting is vectorised: the group keys are factorised once and every per-group
count or sum is one ``numpy.bincount``; there is no Python loop over groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.validate import check_alpha, require_frame
from .._core.wilson import wilson_interval_of_share
from ._groupstats import (
    _check_scale,
    _check_top,
    _choice,
    _count,
    _frame,
    _group,
    _kish,
    _scores,
    _warn_if_empty,
    _weights,
    _z,
)

__all__ = ["nps", "csat", "ces", "top_box", "mean_score"]

NPS_METHODS = ("adjusted_wald", "wald")
PROPORTION_METHODS = ("wilson", "wald")


def _with_unit(out: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Record the unit of the estimate, ``se``, ``ci_lower`` and ``ci_upper`` in ``attrs["unit"]``."""
    out.attrs["unit"] = unit
    return out


# ----------------------------------------------------------------------------- group summaries
def _nps_summary(data, column, by, weights):
    """Per-group counts and (weighted) shares of detractors, passives and promoters."""
    x = _scores(data, column, (0, 10), integer=True)
    g = _group(data, by)
    valid = ~np.isnan(x)
    w = _weights(data, weights, valid)
    cat = (x[valid] >= 7).astype(np.intp) + (x[valid] >= 9)
    cell = g.codes[valid] * 3 + cat
    counts = _count(cell, 3 * g.size).reshape(g.size, 3)
    out = {"n": counts.sum(axis=1), "n_missing": _count(g.codes[~valid], g.size), "counts": counts}
    with np.errstate(invalid="ignore", divide="ignore"):
        if w is None:
            out["shares"] = counts / out["n"][:, None]
            out["n_eff"] = out["n"]
        else:
            wv = w[valid]
            wsum = _count(cell, 3 * g.size, wv).reshape(g.size, 3)
            total = wsum.sum(axis=1)
            out["shares"] = wsum / total[:, None]
            out["n_eff"] = _kish(total, _count(g.codes[valid], g.size, wv**2))
    return g, out


def _nps_interval(promoters, detractors, n, z, method):
    """NPS (fraction scale) centre, standard error and clipped bounds, given shares and n."""
    if method == "adjusted_wald":  # Rocks (2016): add 3/4 to both counts and 3 to n
        promoters = (promoters * n + 0.75) / (n + 3)
        detractors = (detractors * n + 0.75) / (n + 3)
        n = n + 3
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = promoters - detractors
        se = np.sqrt(np.maximum(promoters + detractors - centre**2, 0) / n)
    return centre, se, np.clip(centre - z * se, -1, 1), np.clip(centre + z * se, -1, 1)


def _proportion_summary(data, column, by, weights, scale, top):
    """Per-group count and (weighted) share of answers in the top ``top`` boxes."""
    lo, hi = _check_scale(scale)
    top = _check_top(top, lo, hi)
    x = _scores(data, column, (lo, hi), integer=True)
    g = _group(data, by)
    valid = ~np.isnan(x)
    w = _weights(data, weights, valid)
    codes = g.codes[valid]
    hit = x[valid] > hi - top
    n = _count(codes, g.size)
    out = {"n": n, "n_missing": _count(g.codes[~valid], g.size), "n_top": _count(codes[hit], g.size)}
    with np.errstate(invalid="ignore", divide="ignore"):
        if w is None:
            out["share"], out["n_eff"] = out["n_top"] / n, n
        else:
            wv = w[valid]
            total = _count(codes, g.size, wv)
            out["share"] = _count(codes[hit], g.size, wv[hit]) / total
            out["n_eff"] = _kish(total, _count(codes, g.size, wv**2))
    return g, out


def _proportion_interval(p, n, z, method):
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p * (1 - p) / n)
        if method == "wald":
            return se, np.clip(p - z * se, 0, 1), np.clip(p + z * se, 0, 1)
    return (se, *wilson_interval_of_share(p, n, z))


def _mean_summary(data, column, by, weights, scale):
    """Per-group (weighted) mean and standard deviation."""
    if scale is not None:
        scale = _check_scale(scale)
    x = _scores(data, column, scale, integer=False)
    g = _group(data, by)
    valid = ~np.isnan(x)
    w = _weights(data, weights, valid)
    everything = bool(valid.all())
    codes = g.codes if everything else g.codes[valid]
    xv = x if everything else x[valid]
    wv = None if w is None else (w if everything else w[valid])

    def wsum(values):  # per-group sum of w * values (w = 1 without weights)
        return _count(codes, g.size, values if wv is None else wv * values)

    n = _count(codes, g.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = n if wv is None else _count(codes, g.size, wv)
        # centre on each group's smallest answer first: exact for constant groups, and
        # no cancellation when the answers are far from zero
        shift = np.full(g.size, np.inf)
        np.minimum.at(shift, codes, xv)
        dev = xv - shift[codes]
        mean_dev = wsum(dev) / total
        mean = shift + mean_dev
        n_eff = n if wv is None else _kish(total, _count(codes, g.size, wv**2))
        ss = wsum((dev - mean_dev[codes]) ** 2) / total
        sd = np.sqrt(ss * n_eff / (n_eff - 1))
    sd[(n < 2) | (n_eff - 1 < 1e-9)] = np.nan  # undefined for a single (effective) answer
    return g, {"n": n, "n_missing": _count(g.codes[~valid], g.size), "mean": mean, "sd": sd,
               "n_eff": n_eff}


def _t_interval(mean, sd, n_eff, alpha):
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(n_eff)
        t = stats.t.ppf(1 - alpha / 2, n_eff - 1)
    return se, mean - t * se, mean + t * se


def _with_weights(cols: dict, summary: dict, weights) -> dict:
    if weights is not None:
        cols["n_effective"] = summary["n_eff"]
    return cols


# ----------------------------------------------------------------------------- public estimators
def nps(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
        weights: str | None = None, alpha: float = 0.05,
        method: str = "adjusted_wald") -> pd.DataFrame:
    """Net Promoter Score with its confidence interval, overall or per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        The 0-10 likelihood-to-recommend answer (numeric; missing values allowed).
    by : str or list of str, optional
        Group columns; one output row per observed combination (missing keys form a group).
    weights : str, optional
        Column of non-negative survey weights.  Shares are weighted and Kish's
        effective sample size ``n_eff = (sum w)**2 / sum(w**2)`` replaces ``n`` in
        the interval formulas.
    alpha : float, default 0.05
        The interval is a ``1 - alpha`` confidence interval.
    method : {"adjusted_wald", "wald"}, default "adjusted_wald"
        Interval method; see Notes.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns; ``n`` answers used; ``n_missing``
        answers missing (excluded); ``promoters`` (9-10), ``passives`` (7-8),
        ``detractors`` (0-6) respondent counts; ``promoter_share``,
        ``passive_share``, ``detractor_share`` (weighted when ``weights`` is
        given, 0..1); ``nps`` in points, -100..100; ``se`` its standard error
        (multinomial formula, points); ``ci_lower``, ``ci_upper`` (points, clipped
        to -100..100); with weights also ``n_effective``.  ``attrs["unit"]`` is
        ``"points"``: unlike the shares of :func:`top_box` and :func:`csat` (fractions,
        0..1), the score and its interval are on the -100..100 scale.

    Raises
    ------
    ScaleRangeError
        An answer is not an integer 0-10 (the message lists the offending values with their
        counts; declare missing-value codes in the codebook and clean first).
    ColumnError
        A column is missing or not numeric, or a weight is missing or negative.
    ParameterError
        ``alpha`` or ``method`` is invalid.

    Notes
    -----
    With promoter share p and detractor share d among n answers, NPS = 100 (p - d)
    and Var(p - d) = (p + d - (p - d)**2) / n (the multinomial formula).
    ``"wald"``: (p - d) +/- z sqrt(Var).  ``"adjusted_wald"`` (Rocks 2016): first
    add 3/4 to the promoter and the detractor counts and 3 to n, then apply the
    Wald formula; the interval is centred on the adjusted (shrunken) score, so it
    can exclude the unadjusted ``nps``: at 95 % only for a single answer (n = 1),
    at lower confidence levels also for small or unanimous samples.  ``se`` is always the
    Wald standard error of the unadjusted score.  With weights, n is
    n_eff and the counts are the weighted shares times n_eff.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score".
    *The American Statistician* 70(4), 365-372.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [10, 9, 9, 8, 7, 6, 3, 10, None, 9],
    ...                    "ch": ["web"] * 5 + ["app"] * 5})
    >>> out = nps(df, "q", by="ch")
    >>> out[["ch", "n", "n_missing", "promoters", "detractors"]].to_numpy().tolist()
    [['app', 4, 1, 2, 2], ['web', 5, 0, 3, 0]]
    >>> [round(v, 2) for v in out["nps"]]
    [0.0, 60.0]
    """
    _choice(method, NPS_METHODS, "method")
    z = _z(alpha)
    g, s = _nps_summary(data=require_frame(data), column=column, by=by, weights=weights)
    shares = s["shares"]
    _, _, lower, upper = _nps_interval(shares[:, 2], shares[:, 0], s["n_eff"], z, method)
    _, se, _, _ = _nps_interval(shares[:, 2], shares[:, 0], s["n_eff"], z, "wald")
    counts = s["counts"].astype(np.int64)
    cols = {"n": s["n"].astype(np.int64), "n_missing": s["n_missing"].astype(np.int64),
            "promoters": counts[:, 2], "passives": counts[:, 1], "detractors": counts[:, 0],
            "promoter_share": shares[:, 2], "passive_share": shares[:, 1],
            "detractor_share": shares[:, 0], "nps": 100 * (shares[:, 2] - shares[:, 0]),
            "se": 100 * se, "ci_lower": 100 * lower, "ci_upper": 100 * upper}
    return _with_unit(_warn_if_empty(_frame(g, _with_weights(cols, s, weights)), column, by), "points")


def top_box(data: pd.DataFrame, column: str, *, scale: tuple[int, int],
            top: int = 1, by: str | Sequence[str] | None = None, weights: str | None = None,
            alpha: float = 0.05, method: str = "wilson") -> pd.DataFrame:
    """Share of answers in the top box(es) of a rating scale, with a Wilson interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        Integer answers on ``scale`` (missing values allowed).
    scale : tuple of int
        ``(low, high)`` ends of the answer scale, e.g. ``(1, 5)``.
    top : int, default 1
        Number of boxes counted from the top: 2 means the answers ``high - 1`` and ``high``.
    by : str or list of str, optional
        Group columns.
    weights : str, optional
        Column of survey weights; the share is weighted and Kish's effective
        sample size ``(sum w)**2 / sum(w**2)`` replaces ``n`` in the interval.
    alpha : float, default 0.05
        Significance level of the ``1 - alpha`` interval.
    method : {"wilson", "wald"}, default "wilson"
        Interval for the proportion.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns; ``n`` answers used; ``n_missing``; ``n_top`` answers in the
        top boxes; ``top_box`` the (weighted) share, 0..1; ``se`` = sqrt(p(1-p)/n);
        ``ci_lower``, ``ci_upper``; with weights also ``n_effective``.  ``attrs["unit"]``
        is ``"fraction"``: the share, its ``se`` and interval are on the 0..1 scale
        (multiply by 100 for percent; :func:`nps` reports points instead).

    Raises
    ------
    ScaleRangeError
        An answer is outside ``scale`` or not an integer.
    ColumnError
        A column is missing or not numeric, or a weight is invalid.
    ParameterError
        ``scale``, ``top``, ``alpha`` or ``method`` is invalid.

    Notes
    -----
    Wilson score interval: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n),
    with z the 1 - alpha/2 normal quantile and n = n_eff when weighted.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209-212.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [5, 4, 3, 5, 1, 2, 5, 4]})
    >>> out = top_box(df, "q", scale=(1, 5))
    >>> int(out["n_top"].iloc[0]), round(float(out["top_box"].iloc[0]), 3)
    (3, 0.375)
    """
    _choice(method, PROPORTION_METHODS, "method")
    z = _z(alpha)
    g, s = _proportion_summary(require_frame(data), column, by, weights, scale, top)
    se, lower, upper = _proportion_interval(s["share"], s["n_eff"], z, method)
    cols = {"n": s["n"].astype(np.int64), "n_missing": s["n_missing"].astype(np.int64),
            "n_top": s["n_top"].astype(np.int64), "top_box": s["share"], "se": se,
            "ci_lower": lower, "ci_upper": upper}
    return _with_unit(_warn_if_empty(_frame(g, _with_weights(cols, s, weights)), column, by), "fraction")


def csat(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
         weights: str | None = None, alpha: float = 0.05, method: str = "wilson",
         scale: tuple[int, int] = (1, 5), top: int = 2) -> pd.DataFrame:
    """Customer satisfaction (CSAT): share of satisfied answers (top-2-box of 1-5 by default).

    Parameters
    ----------
    data, column, by, weights, alpha, method
        As in :func:`top_box`.
    scale : tuple of int, default (1, 5)
        Ends of the satisfaction scale.
    top : int, default 2
        Boxes that count as satisfied (2: "satisfied" and "very satisfied").

    Returns
    -------
    pandas.DataFrame
        As :func:`top_box`, with the share in a column named ``csat`` (0..1;
        ``attrs["unit"]`` is ``"fraction"``).

    Raises
    ------
    ScaleRangeError, ColumnError, ParameterError
        As in :func:`top_box`.

    Notes
    -----
    CSAT = (answers in the top ``top`` boxes) / (answers); Wilson interval by
    default; weighted with Kish's effective sample size, as in :func:`top_box`.

    References
    ----------
    Wilson, E. B. (1927). *JASA* 22(158), 209-212.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [5, 4, 3, 5, 1, 2, 5, 4]})
    >>> round(float(csat(df, "q")["csat"].iloc[0]), 3)
    0.625
    """
    out = top_box(data, column, scale=scale, top=top, by=by, weights=weights, alpha=alpha,
                  method=method)
    return out.rename(columns={"top_box": "csat"})


def mean_score(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
               weights: str | None = None, alpha: float = 0.05, method: str = "t",
               scale: tuple[int, int] | None = None) -> pd.DataFrame:
    """Mean score with a Student-t confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response; not modified.
    column : str
        Numeric answers (missing values allowed).
    by : str or list of str, optional
        Group columns.
    weights : str, optional
        Column of survey weights: weighted mean and standard deviation, with Kish's
        effective sample size n_eff = (sum w)**2 / sum(w**2) in place of n.
    alpha : float, default 0.05
        Significance level of the ``1 - alpha`` interval.
    method : {"t"}, default "t"
        Interval method (Student t).
    scale : tuple of int, optional
        ``(low, high)``: when given, answers outside it raise :class:`ScaleRangeError`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns; ``n``; ``n_missing``; ``mean``; ``sd`` (n - 1 denominator);
        ``se`` = sd / sqrt(n); ``ci_lower``, ``ci_upper``; with weights also ``n_effective``.
        ``attrs["unit"]`` is ``"score"``: the mean and its interval are in the units of the
        answers.

    Raises
    ------
    ScaleRangeError
        An answer is outside ``scale`` or infinite.
    ColumnError, ParameterError
        A column or an argument is invalid.

    Notes
    -----
    mean ± t(1 - alpha/2; n - 1) · sd / sqrt(n).  Weighted: mean = sum(w x) / sum(w),
    sd² = [sum(w (x - mean)²) / sum(w)] · n_eff / (n_eff - 1), and n_eff replaces n.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*. Wiley (effective sample size).

    Examples
    --------
    >>> import pandas as pd
    >>> out = mean_score(pd.DataFrame({"q": [2, 4, 4, 5, 5]}), "q")
    >>> round(float(out["mean"].iloc[0]), 2), round(float(out["ci_lower"].iloc[0]), 3)
    (4.0, 2.479)
    """
    _choice(method, ("t",), "method")
    alpha = check_alpha(alpha)
    g, s = _mean_summary(require_frame(data), column, by, weights, scale)
    se, lower, upper = _t_interval(s["mean"], s["sd"], s["n_eff"], alpha)
    cols = {"n": s["n"].astype(np.int64), "n_missing": s["n_missing"].astype(np.int64),
            "mean": s["mean"], "sd": s["sd"], "se": se, "ci_lower": lower, "ci_upper": upper}
    return _with_unit(_warn_if_empty(_frame(g, _with_weights(cols, s, weights)), column, by), "score")


def ces(data: pd.DataFrame, column: str, *, by: str | Sequence[str] | None = None,
        weights: str | None = None, alpha: float = 0.05, method: str = "mean",
        scale: tuple[int, int] = (1, 7), top: int = 3) -> pd.DataFrame:
    """Customer Effort Score: mean effort rating (t interval) or its top-box share.

    Parameters
    ----------
    data, column, by, weights, alpha
        As in :func:`mean_score`.
    method : {"mean", "top_box"}, default "mean"
        ``"mean"``: mean score with a t interval; ``"top_box"``: share of answers in
        the top ``top`` boxes with a Wilson interval.
    scale : tuple of int, default (1, 7)
        Ends of the effort scale, oriented so that high means easy (CES 2.0,
        "the company made it easy to handle my issue").
    top : int, default 3
        Boxes counted as "easy" when ``method="top_box"`` (5-7 on a 1-7 scale).

    Returns
    -------
    pandas.DataFrame
        ``method="mean"``: as :func:`mean_score` with the mean in ``ces``
        (``attrs["unit"]`` ``"score"``); ``method="top_box"``: as :func:`top_box` with the
        share in ``ces`` (``attrs["unit"]`` ``"fraction"``).

    Raises
    ------
    ScaleRangeError, ColumnError, ParameterError
        As in :func:`mean_score` / :func:`top_box`.

    Notes
    -----
    See :func:`mean_score` and :func:`top_box` for the formulas.

    References
    ----------
    Dixon, M., Freeman, K. & Toman, N. (2010). Stop trying to delight your customers.
    *Harvard Business Review* 88(7/8), 116-122.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"e": [7, 6, 5, 2, 6, 7, 4]})
    >>> round(float(ces(df, "e")["ces"].iloc[0]), 3)
    5.286
    >>> round(float(ces(df, "e", method="top_box")["ces"].iloc[0]), 3)
    0.714
    """
    _choice(method, ("mean", "top_box"), "method")
    if method == "top_box":
        out = top_box(data, column, scale=scale, top=top, by=by, weights=weights, alpha=alpha)
        return out.rename(columns={"top_box": "ces"})
    out = mean_score(data, column, by=by, weights=weights, alpha=alpha, scale=scale)
    return out.rename(columns={"mean": "ces"})
