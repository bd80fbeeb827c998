"""Interval and testing helpers for comment analytics (internal, vectorised).

Wilson score interval for a proportion, Newcombe's (1998) hybrid score interval for a
difference of two independent proportions (method 10 of his paper), DeLong et al.'s (1988)
variance of an AUC (computed with midranks as in Sun & Xu 2014), and the Benjamini-Hochberg
(1995) step-up adjustment.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._core.wilson import wilson_interval_of_share


def wilson(x, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share ``x / n`` and its Wilson score interval (arrays; NaN where ``n == 0``)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
    return (p, *wilson_interval_of_share(p, n, stats.norm.ppf(1 - alpha / 2)))


def newcombe(x1, n1, x2, n2, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``x1/n1 - x2/n2`` with Newcombe's hybrid score interval (arrays)."""
    p1, l1, u1 = wilson(x1, n1, alpha)
    p2, l2, u2 = wilson(x2, n2, alpha)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def two_proportion_p(x1, n1, x2, n2) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z test (arrays; NaN when undefined)."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (x1 + x2) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    out = 2 * stats.norm.sf(np.abs(z))
    return np.where(se > 0, out, np.where((n1 > 0) & (n2 > 0), 1.0, np.nan))


def bh(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN entries stay NaN and are not counted)."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    ranked = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return out


def delong(y, score, alpha: float = 0.05) -> tuple[float, float, float, float]:
    """AUC, its DeLong standard error and the normal interval (clipped to [0, 1]).

    The structural components are the placement values of each positive among the
    negatives and vice versa (ties count one half), computed from midranks.
    """
    y = np.asarray(y).astype(bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return np.nan, np.nan, np.nan, np.nan
    r_all = stats.rankdata(np.concatenate([pos, neg]))
    r_pos, r_neg = stats.rankdata(pos), stats.rankdata(neg)
    v10 = (r_all[:m] - r_pos) / n  # share of negatives below each positive
    v01 = 1 - (r_all[m:] - r_neg) / m  # share of positives above each negative
    auc = float(v10.mean())
    var = (v10.var(ddof=1) if m > 1 else 0.0) / m + (v01.var(ddof=1) if n > 1 else 0.0) / n
    se = float(np.sqrt(var))
    z = stats.norm.ppf(1 - alpha / 2)
    return auc, se, max(auc - z * se, 0.0), min(auc + z * se, 1.0)
