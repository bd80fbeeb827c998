"""Separation of a binary outcome by a predictor (internal, shared by the regression models).

When a predictor splits the outcome (almost) perfectly, a logistic or Cox model reports a
huge or infinite ratio with a huge standard error, and the derivative-based marginal effect
is close to 0 although the groups' rates differ by almost 1. These helpers find such
predictors before the fit, check the fitted model afterwards, and describe both with the
cross-table behind them.

Definitions (binary outcome y; for Cox, y is the event indicator):

- *complete separation* (logistic): a threshold on the predictor puts every event on one side
  and every non-event on the other; for a categorical predictor, every level has only events
  or only non-events. The maximum-likelihood estimate does not exist.
- *quasi-complete separation* (logistic): the same with ties at the threshold (all events at
  x >= c, all non-events at x <= c); for a categorical or 0/1 predictor, a level with no
  events or no non-events. That coefficient is infinite. For Cox, a level with no events
  (monotone likelihood: its hazard ratio is 0 or infinite); a level where every subject has
  an event is no problem for Cox.
- *near-separation*: the predictor alone ranks almost every (event, non-event) pair
  correctly: single-predictor AUC >= 0.98 (for a categorical predictor, with each level
  scored by its event rate; for a numeric one, by its value, in either direction).
- in the *fitted* model: a coefficient beyond 10 on the log scale or a standard error beyond
  5 for a 0 -> 1 change (for other numeric predictors: a change of two standard deviations,
  Gelman 2008), i.e. a ratio beyond e^10 ≈ 22,000; or fitted probabilities within 1e-8 of 0
  or 1.

A verdict is *too good to be true* (:func:`too_good`) when the single predictor has AUC >=
0.98, or separates the outcome (completely or quasi-completely) with at least half of the
rows beyond the threshold, i.e. perfectly predicted.

References
----------
Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. *Biometrika* 71(1), 1-10. Heinze, G. & Schemper, M. (2002). A
solution to the problem of separation in logistic regression. *Statistics in Medicine* 21,
2409-2419. Gelman, A. (2008). Scaling regression inputs by dividing by two standard
deviations. *Statistics in Medicine* 27, 2865-2873.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

AUC_LIMIT = 0.98
PURE_SHARE = 0.5
COEF_LIMIT = 10.0
SE_LIMIT = 5.0
FITTED_EPS = 1e-8


@dataclass(frozen=True)
class Finding:
    """One predictor that separates the outcome, with the cross-table behind it."""

    variable: str
    kind: str  # "complete", "quasi-complete" or "near"
    auc: float
    pure_share: float  # share of rows whose outcome the predictor alone decides
    table: pd.DataFrame  # group, n, events, share

    def text(self, outcome: str, cox: bool = False) -> str:
        what = "events" if cox else f"{outcome}=1"
        if self.kind == "complete":
            head = ("completely separates the outcome: the maximum-likelihood estimate does not "
                    "exist")
        elif self.kind == "quasi-complete":
            head = ("quasi-completely separates the outcome (a group with no "
                    + ("events" if cox else "events or no non-events")
                    + "): its coefficient is infinite")
        else:
            head = ("almost perfectly separates the outcome: its ratio and standard error are "
                    "huge and unstable; the groups' rates (the discrete change) are what it means")
        table = self.table.rename(columns={"group": str(self.variable), "events": what}).assign(
            share=[f"{v:.2%}" for v in self.table["share"]])
        pure = f"; {self.pure_share:.1%} of rows perfectly predicted" if self.pure_share else ""
        return (f"{self.variable!r} {head} (single-predictor AUC {self.auc:.3f}{pure}):\n"
                + table.to_string(index=False))


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for binary ``y``, in the better direction.

    Mann-Whitney form: the share of (event, non-event) pairs ranked correctly, ties counting
    one half; returns ``max(AUC, 1 - AUC)``.

    Examples
    --------
    >>> auc(np.array([1, 2, 3, 4.0]), np.array([0, 0, 1, 1])), auc(np.array([1, 1, 2.0]), np.array([0, 1, 1]))
    (1.0, 0.75)
    """
    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if not n1 or not n0:
        return np.nan
    r = stats.rankdata(score)
    a = (r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    return float(max(a, 1 - a))


def _table(groups: Sequence, n: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    n = np.asarray(n, dtype=int)
    events = np.asarray(events, dtype=int)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = events / n
    return pd.DataFrame({"group": list(groups), "n": n, "events": events, "share": share})


def _categorical(name: str, codes: np.ndarray, labels: Sequence, y: np.ndarray, cox: bool) -> Finding | None:
    k = len(labels)
    n = np.bincount(codes, minlength=k)
    e = np.bincount(codes, weights=y, minlength=k)
    keep = n > 0
    none, only = keep & (e == 0), keep & (e == n)
    pure = none if cox else none | only
    rate = np.where(keep, e / np.maximum(n, 1), 0.0)
    a = auc(rate[codes], y)
    if pure[keep].all() and not cox:
        kind = "complete"
    elif pure.any():
        kind = "quasi-complete"
    elif a >= AUC_LIMIT:
        kind = "near"
    else:
        return None
    share = float(n[none | only].sum() / n.sum())
    return Finding(name, kind, a, share, _table([labels[i] for i in np.flatnonzero(keep)],
                                                n[keep], e[keep]))


def _numeric(name: str, x: np.ndarray, y: np.ndarray, cox: bool) -> Finding | None:
    values = np.unique(x)
    if len(values) == 2:
        return _categorical(name, (x == values[1]).astype(int), [f"{v:g}" for v in values], y, cox)
    ev, ne = x[y == 1], x[y == 0]
    a = auc(x, y)
    for lo, hi in ((ne, ev), (ev, ne)):  # all of `lo` at or below c, all of `hi` at or above
        if lo.max() <= hi.min():
            c = lo.max()
            below, at, above = x < c, x == c, x > c
            complete = lo.max() < hi.min()
            if complete:
                below, at = x <= c, np.zeros(len(x), dtype=bool)
            if cox and not complete and a < AUC_LIMIT:
                return None  # a threshold with ties is no Cox problem (see module notes)
            kind = "complete" if complete and not cox else ("near" if cox else "quasi-complete")
            masks = [(f"< {c:g}" if not complete else f"<= {c:g}", below), (f"= {c:g}", at),
                     (f"> {c:g}", above)]
            masks = [(g, m) for g, m in masks if m.any()]
            table = _table([g for g, _ in masks], [m.sum() for _, m in masks],
                           [y[m].sum() for _, m in masks])
            return Finding(name, kind, a, float(1 - at.mean()), table)
    if a < AUC_LIMIT:
        return None
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    last = np.r_[xs[1:] != xs[:-1], True]  # last row of each distinct value
    tpr = np.cumsum(ys)[last] / ys.sum()
    fpr = np.cumsum(1 - ys)[last] / (1 - ys).sum()
    c = xs[last][int(np.argmax(np.abs(tpr - fpr)))]  # Youden's split
    masks = [(f"<= {c:g}", x <= c), (f"> {c:g}", x > c)]
    table = _table([g for g, _ in masks], [m.sum() for _, m in masks], [y[m].sum() for _, m in masks])
    return Finding(name, "near", a, 0.0, table)


def scan(x: np.ndarray, terms: pd.DataFrame, y: np.ndarray, *, cox: bool = False) -> list[Finding]:
    """Predictors that separate ``y``, one per variable of ``terms``.

    ``x`` holds the design columns in the order of ``terms`` (``term``, ``variable``,
    ``level``, ``reference``: indicator columns have a level), complete rows only, without an
    intercept. Numeric variables are checked by threshold (0/1 and other two-valued ones by
    their two groups), categorical ones by their levels (the reference included).
    """
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or y.min() == y.max():
        return []
    found = []
    variables = terms["variable"].to_numpy()
    for name in pd.unique(variables):
        cols = np.flatnonzero(variables == name)
        block = terms.iloc[cols]
        if block["level"].isna().all():
            f = _numeric(str(name), x[:, cols[0]], y, cox)
        else:
            d = x[:, cols]
            codes = np.where(d.any(axis=1), d.argmax(axis=1) + 1, 0)
            labels = [block["reference"].iloc[0], *block["level"]]
            f = _categorical(str(name), codes, labels, y, cox)
        if f is not None:
            found.append(f)
    return found


def _unit(x: np.ndarray) -> np.ndarray:
    """1 for 0/1 columns (a 0 -> 1 change), else two standard deviations (Gelman 2008)."""
    binary = np.all((x == 0) | (x == 1), axis=0)
    return np.where(binary, 1.0, 2 * x.std(axis=0))


def fitted_signs(params: np.ndarray, bse: np.ndarray, x: np.ndarray, names: Sequence[str],
                 fitted: np.ndarray | None = None) -> list[str]:
    """Signs of separation in a fitted model: huge coefficients or errors, fitted 0/1.

    ``params``, ``bse`` and ``x`` without the intercept; ``fitted`` the probabilities.
    """
    u = _unit(x)
    out = []
    for name, b, se, k in zip(names, params, bse, u, strict=True):
        if abs(b * k) > COEF_LIMIT or not np.isfinite(se) or se * k > SE_LIMIT:
            per = "0 -> 1" if k == 1 else f"2 SD ({k:.4g})"
            out.append(f"{name}: coefficient {b:.4g} (ratio {np.exp(min(b * k, 700)):.4g} "
                       f"per {per}), standard error {se:.4g}")
    if fitted is not None:
        at = (fitted < FITTED_EPS) | (fitted > 1 - FITTED_EPS)
        if at.any():
            out.append(f"{int(at.sum()):,} of {len(fitted):,} fitted probabilities are 0 or 1 "
                       f"(within {FITTED_EPS:g})")
    return out


def message(findings: Sequence[Finding], signs: Sequence[str], *, outcome: str,
            cox: bool = False) -> str:
    """One warning text: the cross-table of each finding, then the fitted model's signs."""
    by = ", ".join(repr(f.variable) for f in findings)
    parts = [f"Separation of the outcome {outcome!r} " + (
        f"by {by}: the estimates involving " + ("it" if len(findings) == 1 else "them") + " are unreliable"
        if findings else "in the fitted model: the estimates named below are unreliable")]
    parts += [f.text(outcome, cox) for f in findings]
    if signs:
        parts.append("Fitted model: " + "; ".join(signs))
    return "\n".join(parts)


def too_good(x: np.ndarray, y: np.ndarray, name: str) -> str:
    """A verdict note when ``x`` alone explains nearly all of ``y`` (see module notes), else ''.

    Examples
    --------
    >>> too_good(np.repeat([1, 2, 3], 20), np.r_[np.ones(20), np.zeros(40)], "score")[:36]
    'TOO GOOD TO BE TRUE: score alone dec'
    >>> too_good(np.tile([1, 2, 3], 20), np.tile([0, 1], 30), "score")
    ''
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    if not len(y) or y.min() == y.max() or x.min() == x.max():
        return ""
    f = _numeric(name, x, y, cox=False)
    if f is None or not (f.auc >= AUC_LIMIT or (f.kind != "near" and f.pure_share >= PURE_SHARE)):
        return ""
    groups = ", ".join(f"{g}: {s:.1%} of {n:,}" for g, s, n in
                       zip(f.table["group"], f.table["share"], f.table["n"], strict=True))
    how = (f"decides the outcome for {f.pure_share:.1%} of rows" if f.pure_share >= PURE_SHARE
           else f"ranks {f.auc:.1%} of (outcome, no outcome) pairs correctly")
    return (f"TOO GOOD TO BE TRUE: {name} alone {how} (AUC {f.auc:.3f}; outcome share by "
            f"{name}: {groups}); real customers are "
            "never this predictable: check for leakage (a value recorded after the outcome) or "
            "synthetic data")
