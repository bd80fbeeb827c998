"""Survey weights: raking (iterative proportional fitting) to known population margins.

A sample that over-represents some customers (one channel answers more surveys, one
language is easier to reach) gives biased shares.  :func:`rake` finds weights that make
the weighted sample reproduce known population shares on several variables at once,
reports whether it converged, the achieved margins against the targets and the price
paid in precision (Kish's design effect and effective sample size).  The weights go
straight into every estimator that takes ``weights=``::

    raked = rake(responses, targets={"channel": {...}, "language": {...}})
    nps(raked.data, "nps", weights="weight")
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.validate import require_columns, require_frame
from ..errors import ColumnError, ConvergenceWarning, ParameterError, describe

__all__ = ["RakeResult", "rake"]

_SUM_TOLERANCE = 1e-6  # how far a variable's target shares may stray from 1


@dataclass(frozen=True)
class RakeResult:
    """The outcome of :func:`rake`.

    Attributes
    ----------
    weights : pandas.Series
        One weight per row of the input, same index, named after ``name``; the weights
        average 1 (they sum to the number of rows).
    data : pandas.DataFrame
        A copy of the input with the weights added as column ``name`` (default
        ``"weight"``), ready for ``weights="weight"`` in the metrics.
    margins : pandas.DataFrame
        One row per (variable, level): ``variable``, ``level``, ``n`` (rows),
        ``sample_share`` (unweighted, or base-weighted), ``target``, ``achieved``
        (weighted share), ``difference`` (achieved - target).
    iterations : int
        Full raking sweeps performed.
    converged : bool
        True when every achieved share is within ``tol`` of its target (and, with
        trimming, the weights are inside the bounds).
    design_effect : float
        Kish's design effect due to weighting, 1 + CV² of the weights.
    n_effective : float
        Kish's effective sample size, n / design_effect = (sum w)² / sum w².
    """

    weights: pd.Series
    data: pd.DataFrame
    margins: pd.DataFrame
    iterations: int
    converged: bool
    design_effect: float
    n_effective: float

    def summary(self) -> pd.DataFrame:
        """One-row frame: ``n``, ``iterations``, ``converged``, ``max_abs_difference``,
        ``design_effect``, ``n_effective``, ``min_weight``, ``max_weight``."""
        w = self.weights.to_numpy()
        return pd.DataFrame({
            "n": [len(w)], "iterations": [self.iterations], "converged": [self.converged],
            "max_abs_difference": [float(self.margins["difference"].abs().max())],
            "design_effect": [self.design_effect], "n_effective": [self.n_effective],
            "min_weight": [float(w.min()) if len(w) else np.nan],
            "max_weight": [float(w.max()) if len(w) else np.nan],
        })

    def _repr_html_(self) -> str:
        return ("<h4>Raking</h4>" + self.summary().to_html(index=False)
                + "<h4>Margins</h4>" + self.margins.to_html(index=False))


# ----------------------------------------------------------------------------- checks
def _check_targets(data: pd.DataFrame, targets: object) -> list[tuple[str, np.ndarray, pd.Index,
                                                                        np.ndarray]]:
    """Validate targets against the data; return (column, codes, levels, shares) per variable."""
    if not isinstance(targets, Mapping) or not targets:
        raise ParameterError(describe("targets must map columns to {level: share} mappings",
                                      parameter="targets", received=type(targets).__name__,
                                      expected="a non-empty dict such as "
                                               "{'channel': {'app': 0.4, 'store': 0.6}}"))
    require_columns(data, list(targets), what="data (raking variables)")
    out = []
    for column, shares in targets.items():
        if not isinstance(shares, Mapping) or not shares:
            raise ParameterError(describe("Each target must map levels to shares",
                                          parameter=f"targets[{column!r}]",
                                          received=type(shares).__name__,
                                          expected="a non-empty {level: share} dict"))
        levels = pd.Index(list(shares))
        values = np.array([shares[k] for k in shares], dtype="float64")
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ParameterError(describe("Target shares must be positive numbers",
                                          parameter=f"targets[{column!r}]", received=dict(shares),
                                          expected="shares > 0 (drop rows of levels with no "
                                                   "population share)"))
        if abs(values.sum() - 1) > _SUM_TOLERANCE:
            raise ParameterError(describe("Target shares must sum to 1",
                                          parameter=f"targets[{column!r}]",
                                          received=f"shares summing to {values.sum():.6g}",
                                          expected="shares that sum to 1"))
        s = data[column]
        if s.isna().any():
            raise ColumnError(describe(f"{int(s.isna().sum())} missing value(s) in a raking "
                                       "variable", column=column,
                                       expected="a level for every row (impute or drop first)"))
        observed = pd.Index(pd.unique(s.to_numpy(dtype=object)))
        extra = observed.difference(levels, sort=False)
        if len(extra):
            raise ColumnError(describe("Data levels have no target share", column=column,
                                       received=sorted(map(str, extra)),
                                       expected="a share for every level present: "
                                                + ", ".join(map(str, levels))))
        absent = levels.difference(observed, sort=False)
        if len(absent):
            raise ParameterError(describe("Target levels do not occur in the data, so no weight "
                                          "can reach them", parameter=f"targets[{column!r}]",
                                          received=sorted(map(str, absent)),
                                          expected="levels present in column "
                                                   f"{column!r}: " + ", ".join(map(str, observed))))
        codes = levels.get_indexer(s.to_numpy(dtype=object))
        out.append((str(column), codes.astype(np.intp), levels, values / values.sum()))
    return out


def _check_trim(trim: object) -> tuple[float, float] | None:
    if trim is None:
        return None
    ok = (isinstance(trim, tuple | list) and len(trim) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in trim)
          and 0 <= trim[0] < 1 < trim[1])
    if not ok:
        raise ParameterError(describe("trim must be (lower, upper) bounds relative to the mean "
                                      "weight", parameter="trim", received=trim,
                                      expected="a pair with 0 <= lower < 1 < upper, e.g. (0.3, 3.0)"))
    return float(trim[0]), float(trim[1])


def _base_weights(data: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    require_columns(data, [weights])
    s = data[weights]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise ColumnError(describe("Base weights must be numeric", column=weights,
                                   received=str(s.dtype), expected="positive numbers"))
    w = s.to_numpy(dtype="float64", na_value=np.nan)
    if not np.all(np.isfinite(w) & (w > 0)):
        raise ColumnError(describe("Base weights must be positive and finite", column=weights,
                                   received=f"{int((~(np.isfinite(w) & (w > 0))).sum())} invalid",
                                   expected="finite numbers > 0"))
    return w


def _check_positive_int(value: object, parameter: str) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1):
        raise ParameterError(describe("Expected a positive integer", parameter=parameter,
                                      received=value, expected="an integer >= 1"))
    return int(value)


# ----------------------------------------------------------------------------- raking
def _max_error(w: np.ndarray, variables) -> float:
    total = w.sum()
    return max(float(np.max(np.abs(np.bincount(codes, w, len(levels)) / total - shares)))
               for _, codes, levels, shares in variables)


def _bounded_step(w: np.ndarray, codes: np.ndarray, totals: np.ndarray, lo: float,
                  hi: float) -> np.ndarray:
    """One raking step for one variable: scale each level to its total within [lo, hi].

    Rows stuck at a bound (in the direction the level must move) keep their weight and
    the free rows of the level absorb the rest; repeated until no new row hits a bound.
    Without bounds this is the plain step ``w * total / current`` in one pass.
    """
    for _ in range(len(w) + 1):
        current = np.bincount(codes, w, len(totals))
        up = np.divide(totals, current, out=np.ones_like(totals), where=current > 0)[codes] > 1
        stuck = (up & (w >= hi)) | (~up & (w <= lo))
        fixed = np.bincount(codes, np.where(stuck, w, 0.0), len(totals))
        free = current - fixed
        scale = np.divide(totals - fixed, free, out=np.ones_like(totals), where=free > 0)
        scaled = w * scale[codes]
        newly_clipped = ~stuck & ((scaled > hi) | (scaled < lo))
        w = np.where(stuck, w, np.clip(scaled, lo, hi))
        if not newly_clipped.any():
            break  # every free row moved freely: the level totals are met
    return w


def rake(data: pd.DataFrame, targets: Mapping[str, Mapping[object, float]], *,
         weights: str | None = None, max_iter: int = 1000, tol: float = 1e-8,
         trim: tuple[float, float] | None = None, name: str = "weight") -> RakeResult:
    """Rake survey weights to known population margins (iterative proportional fitting).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; not modified.
    targets : dict
        ``{column: {level: share}}``: the population share of every level of every
        raking variable.  Each variable's shares must be positive and sum to 1, every
        level in the data needs a share and every level with a share must occur.
    weights : str, optional
        Column of positive base (design) weights to start from; default all 1.
    max_iter : int, default 1000
        Maximum number of full sweeps over the variables.
    tol : float, default 1e-8
        Convergence criterion: the largest absolute difference between an achieved
        weighted share and its target.
    trim : tuple of float, optional
        ``(lower, upper)`` bounds relative to the mean weight, e.g. ``(0.3, 3.0)``.
        Weights are kept inside ``[lower, upper] * mean`` while raking (see Notes), so
        the result both meets the margins (to ``tol``) and respects the bounds when
        such weights exist; otherwise a :class:`ConvergenceWarning` is issued.
    name : str, default "weight"
        Name of the weight Series and of the column added to ``RakeResult.data``.

    Returns
    -------
    RakeResult
        ``weights`` (Series aligned with ``data``, mean 1), ``data`` (the input plus the
        weight column), ``margins`` (variable, level, n, sample_share, target, achieved,
        difference), ``iterations``, ``converged``, ``design_effect``, ``n_effective``.

    Raises
    ------
    ParameterError
        Malformed ``targets`` (shares not positive or not summing to 1, a target level
        absent from the data), bad ``trim``, ``max_iter`` or ``tol``.
    ColumnError
        A raking column is missing, has missing values or levels without a target;
        base weights are not positive numbers.

    Warns
    -----
    ConvergenceWarning
        The margins were not met within ``tol`` after ``max_iter`` sweeps (e.g. the
        trimming bounds are incompatible with the targets).

    Notes
    -----
    Each sweep visits the variables in turn and multiplies the weight of every row at
    level *l* of variable *v* by ``target[v][l] * W / W[v][l]``, where ``W`` is the total
    weight and ``W[v][l]`` the weight currently at that level (Deming & Stephan 1940).
    The algorithm minimises the Kullback-Leibler distance to the base weights subject
    to the margins.  The final weights are scaled to average 1.

    Trimming is built into each step (bounded raking) rather than applied after it:
    within a level, rows already at a bound in the direction the level must move keep
    their weight and the other rows of the level absorb the whole adjustment, clipping
    again as needed.  The total weight stays n, so the mean stays 1 and the bounds are
    relative to the mean.  "Trim, then re-rake" in this way converges whenever weights
    within the bounds that meet the margins exist.

    Kish's design effect of weighting is ``deff = n sum(w²) / (sum w)² = 1 + CV²``
    (CV with the population standard deviation), and the effective sample size is
    ``n / deff``; the metrics use the latter in their intervals.

    References
    ----------
    Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled
    frequency table when the expected marginal totals are known. *Annals of
    Mathematical Statistics* 11(4), 427-444.
    Kish, L. (1965). *Survey Sampling*. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"channel": ["app"] * 6 + ["store"] * 4, "nps": range(1, 11)})
    >>> out = rake(df, {"channel": {"app": 0.5, "store": 0.5}})
    >>> out.converged, [round(w, 4) for w in out.weights.iloc[[0, -1]]]
    (True, [0.8333, 1.25])
    >>> round(out.design_effect, 4), round(out.n_effective, 4)
    (1.0417, 9.6)
    """
    data = require_frame(data)
    max_iter = _check_positive_int(max_iter, "max_iter")
    if not (isinstance(tol, int | float) and not isinstance(tol, bool) and tol > 0):
        raise ParameterError(describe("tol must be a positive number", parameter="tol",
                                      received=tol, expected="a number > 0, e.g. 1e-8"))
    bounds = _check_trim(trim)
    variables = _check_targets(data, targets)
    base = _base_weights(data, weights)
    if len(data) == 0:
        raise ParameterError(describe("Nothing to rake", parameter="data", received="0 rows",
                                      expected="at least one row"))

    w = base / base.mean()
    lo, hi = bounds if bounds is not None else (0.0, np.inf)
    if bounds is not None:
        w = np.clip(w, lo, hi)
    iterations, converged = 0, False
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        for _, codes, _levels, shares in variables:
            w = _bounded_step(w, codes, shares * len(w), lo, hi)
        if _max_error(w, variables) < tol:
            converged = True
            break
    w = w / w.mean()
    if not converged:
        warnings.warn(describe(
            f"Raking did not converge after {iterations} sweep(s)", parameter="max_iter",
            received=f"largest margin difference {_max_error(w, variables):.3g}",
            expected=f"below tol={tol:g}" + (" (the trim bounds may be too tight)"
                                              if bounds is not None else "")
            + (" (some weights are heading to 0: the margins may be unreachable with "
               "positive weights given the sample's empty cells)" if w.min() < 1e-3 else "")),
            ConvergenceWarning, stacklevel=2)

    weight = pd.Series(w, index=data.index, name=name)
    deff = float(len(w) * np.sum(w**2) / np.sum(w) ** 2)
    rows = []
    for column, codes, levels, shares in variables:
        rows.append(pd.DataFrame({
            "variable": column, "level": levels.astype(object),
            "n": np.bincount(codes, minlength=len(levels)).astype(np.int64),
            "sample_share": np.bincount(codes, base, len(levels)) / base.sum(),
            "target": shares, "achieved": np.bincount(codes, w, len(levels)) / w.sum(),
        }))
    margins = pd.concat(rows, ignore_index=True)
    margins["difference"] = margins["achieved"] - margins["target"]
    return RakeResult(weights=weight, data=data.assign(**{name: w}), margins=margins,
                      iterations=iterations, converged=converged, design_effect=deff,
                      n_effective=float(len(w) / deff))
