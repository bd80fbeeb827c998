"""Outcomes by satisfaction group: NPS groups, quantile bands, shares and event rates with intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import check_alpha, require_columns, require_frame, warn_dropped
from .._core.wilson import wilson_interval_of_share
from ..errors import ColumnError, ParameterError, describe

__all__ = ["nps_group", "quantile_band", "outcome_by_group"]


def nps_group(scores: pd.Series | Sequence[float]) -> pd.Series:
    """Detractor (0-6), passive (7-8) or promoter (9-10) as an ordered categorical.

    Parameters
    ----------
    scores : Series or sequence
        Likelihood-to-recommend answers 0-10 (missing stays missing).

    Returns
    -------
    Series
        Ordered categorical with categories detractor < passive < promoter.

    Raises
    ------
    ColumnError
        Scores outside 0-10 or not whole numbers.

    Examples
    --------
    >>> nps_group([0, 6, 7, 9, None]).tolist()
    ['detractor', 'detractor', 'passive', 'promoter', nan]
    """
    s = scores if isinstance(scores, pd.Series) else pd.Series(list(scores), dtype="Float64")
    x = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(x) & ((x < 0) | (x > 10) | (x != np.round(x)))
    if bad.any():
        raise ColumnError(describe("NPS answers must be whole numbers 0-10", column=s.name,
                                   received=float(x[bad][0]), expected="0-10"))
    cats = ["detractor", "passive", "promoter"]
    codes = np.where(np.isnan(x), -1, (x >= 7).astype(int) + (x >= 9))
    return pd.Series(pd.Categorical.from_codes(codes, categories=cats, ordered=True),
                     index=s.index, name="nps_group")


def quantile_band(values: pd.Series, *, q: int = 3, labels: Sequence[str] | None = None) -> pd.Series:
    """Equal-count bands (terciles by default) of a numeric column, as an ordered categorical.

    Parameters
    ----------
    values : Series
        Numeric scores (e.g. a SERVQUAL gap); missing stays missing.
    q : int, default 3
        Number of bands.
    labels : sequence of str, optional
        Band names, low to high; default "low", "middle", "high" for terciles, else
        "q1" .. "qN".

    Returns
    -------
    Series
        Ordered categorical. Ties at a cut point fall in the lower band, so bands can be
        unequal in size when there are many ties.

    Raises
    ------
    ParameterError
        ``q`` below 2, labels of the wrong length, or too few distinct values.

    Examples
    --------
    >>> quantile_band(pd.Series([1, 2, 3, 4, 5, 6])).tolist()
    ['low', 'low', 'middle', 'middle', 'high', 'high']
    """
    if not (isinstance(q, int) and q >= 2):
        raise ParameterError(describe("q must be an integer >= 2", parameter="q", received=q,
                                      expected="e.g. 3 for terciles"))
    if labels is None:
        labels = ["low", "middle", "high"] if q == 3 else [f"q{i + 1}" for i in range(q)]
    if len(labels) != q:
        raise ParameterError(describe("One label per band", parameter="labels",
                                      received=list(labels), expected=f"{q} labels"))
    x = pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    cuts = np.unique(np.nanquantile(x, np.linspace(0, 1, q + 1)))
    if len(cuts) != q + 1:
        raise ParameterError(describe("Too few distinct values for the bands", parameter="q",
                                      received=q, expected=f"fewer bands than {len(cuts)}"))
    codes = np.clip(np.searchsorted(cuts[1:-1], x, side="left"), 0, q - 1)
    codes = np.where(np.isnan(x), -1, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(labels), ordered=True),
                     index=getattr(values, "index", None), name=getattr(values, "name", None))


@renamed_parameters(group="by")
def outcome_by_group(linked: pd.DataFrame, outcome: str, *, by: str,
                     duration: str | None = None, per: float = 365.0,
                     alpha: float = 0.05) -> pd.DataFrame:
    r"""Share (Wilson interval) or event rate (exact Poisson interval) of an outcome per group.

    Parameters
    ----------
    linked : DataFrame
        E.g. ``link_responses(...).linked`` with a group column such as ``nps_group``.
    outcome : str
        A true/false column (e.g. ``repurchased``, ``churned``); missing values are left
        out and counted in ``n_missing``.
    by : str
        Grouping column (categories in their order, others sorted); rows where it is
        missing are left out with a :class:`DataQualityWarning`.  (Called ``group`` before 0.2; the old name still works, with a ``FutureWarning``.)
    duration : str, optional
        Time at risk of each row (e.g. ``days_to_churn``): the estimate becomes events per
        ``per`` units of time at risk, which stays fair when follow-up differs by group.
    per : float, default 365
        Time unit of rates.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    DataFrame
        ``<by>``, ``n`` (rows used), ``n_missing``, ``events`` (true outcomes),
        ``exposure`` (sum of ``duration``; NaN for shares), ``estimate``, ``ci_lower``,
        ``ci_upper``.  ``attrs["unit"]`` says what the estimate and its interval are:
        ``"fraction"`` (a share, 0..1) without ``duration``, ``"events per <per> time
        units"`` (e.g. ``"events per 365 time units"``, the units of ``duration``) with it.

    Raises
    ------
    ColumnError
        Missing columns, or an outcome that is not true/false.

    Warns
    -----
    DataQualityWarning
        Rows with a missing ``by`` value are left out (count and share in the message).
        Rows with a missing outcome or duration are not warned about: they are counted
        in ``n_missing``.

    Notes
    -----
    Wilson: :math:`\frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}`.
    Rate: :math:`d/E` with the exact (Garwood) limits
    :math:`\chi^2_{\alpha/2, 2d}/2E` and :math:`\chi^2_{1-\alpha/2, 2d+2}/2E`, times ``per``.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4,
    ...                    "y": [True, True, False, None, False, False, True, False]})
    >>> out = outcome_by_group(df, "y", by="g")
    >>> out[["g", "n", "n_missing", "events"]].values.tolist()
    [['a', 3, 1, 2], ['b', 4, 0, 1]]
    >>> round(float(out["estimate"].iloc[1]), 4)
    0.25
    """
    linked = require_frame(linked, parameter="linked")
    require_columns(linked, [outcome, by, duration], what="linked")
    z = stats.norm.ppf(1 - check_alpha(alpha) / 2)
    col = linked[outcome]
    if col.dtype == object:
        try:
            col = col.astype("boolean")
        except (TypeError, ValueError):
            pass
    if not (pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col)):
        raise ColumnError(describe("Outcome must be true/false", column=outcome,
                                   received=str(col.dtype), expected="booleans or 0/1"))
    y = col.to_numpy(dtype=float, na_value=np.nan)
    if np.any(~np.isnan(y) & (y != 0) & (y != 1)):
        raise ColumnError(describe("Outcome must be true/false", column=outcome,
                                   received=float(y[~np.isnan(y) & (y != 0) & (y != 1)][0]),
                                   expected="0/1"))
    g = linked[by]
    keep_g = g.notna().to_numpy()
    warn_dropped(int((~keep_g).sum()), len(g), "with a missing value", function="outcome_by_group",
                 column=by, role="group")
    codes, levels = pd.factorize(g, sort=True)
    if isinstance(g.dtype, pd.CategoricalDtype):
        levels = g.cat.categories
        codes = g.cat.codes.to_numpy()
    k = len(levels)
    t = None if duration is None else linked[duration].to_numpy(dtype=float, na_value=np.nan)
    valid = ~np.isnan(y) if t is None else ~np.isnan(y) & ~np.isnan(t)
    c = codes[keep_g & valid]
    n = np.bincount(c, minlength=k)
    n_missing = np.bincount(codes[keep_g & ~valid], minlength=k)
    events = np.bincount(c, weights=y[keep_g & valid], minlength=k).round().astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if t is None:
            exposure = np.full(k, np.nan)
            est = events / n
            lo, hi = wilson_interval_of_share(est, n, z)
        else:
            exposure = np.bincount(c, weights=t[keep_g & valid], minlength=k)
            est = per * events / exposure
            lo = np.where(events > 0, per * stats.chi2.ppf(alpha / 2, 2 * events) / (2 * exposure), 0.0)
            hi = per * stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / (2 * exposure)
    out = pd.DataFrame({by: list(levels), "n": n, "n_missing": n_missing, "events": events,
                        "exposure": exposure, "estimate": est, "ci_lower": lo, "ci_upper": hi})
    out.attrs["unit"] = "fraction" if t is None else f"events per {per:g} time units"
    return out
