"""A number with its uncertainty (internal; :class:`Estimate` is re-exported by :mod:`cxanalytics.money.economics`).

:class:`Estimate` carries an input of the money calculations - a retention rate, a
margin - together with what is known of its uncertainty: an interval, a standard
error, or the counts behind a proportion. :func:`as_estimate` reads the usual ways of
writing one (a plain number, ``(estimate, ci_lower, ci_upper)``, a tidy row);
:func:`working_se` and :func:`draw` give the standard error and Monte Carlo draws that
:func:`cxanalytics.money.economics.clv_interval` propagates.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import DataQualityWarning, ParameterError, describe

__all__ = ["Estimate", "as_estimate"]

_NAN = float("nan")
_SCALES = ("identity", "log", "logit")


def _given(x: float) -> bool:
    return not math.isnan(x)


@dataclass(frozen=True)
class Estimate:
    """A number with its uncertainty: an interval, a standard error or the counts behind it.

    Parameters
    ----------
    value : float
        The estimate.
    ci_lower, ci_upper : float, optional
        Its interval (both or neither), at confidence ``level``.
    level : float, default 0.95
        Confidence level of ``ci_lower`` to ``ci_upper``.
    std_error : float, optional
        Standard error of ``value``; used in preference to the interval.
    count, n : float, optional
        For a proportion: ``count`` successes (e.g. customers retained) out of ``n``
        trials (customers at risk); used in preference to both of the above. Build it
        with :meth:`from_counts`.
    scale : {'identity', 'log', 'logit'} or None, default None
        Scale on which the estimate is close to normal and its interval symmetric;
        None leaves it to the calculation (logit for a retention rate, identity
        otherwise).

    Raises
    ------
    ParameterError
        A value that is not a finite number; an interval with only one end, or one
        that does not contain ``value``; a level outside (0, 1); a negative standard
        error; counts outside 0 <= count <= n, n > 0, or a value other than count / n.

    Notes
    -----
    Uncertainty is read from the counts when given, else from ``std_error``, else
    from the interval (half its width on the working scale, over
    :math:`z_{1 - (1 - level)/2}`); an Estimate with none of them is exact.

    Examples
    --------
    >>> Estimate(120.0, 100.0, 140.0).ci_upper
    140.0
    >>> r = Estimate.from_counts(631, 1000)
    >>> round(r.value, 3), round(r.ci_lower, 4), round(r.ci_upper, 4)
    (0.631, 0.6007, 0.6605)
    """

    value: float
    ci_lower: float = _NAN
    ci_upper: float = _NAN
    level: float = 0.95
    std_error: float = _NAN
    count: float = _NAN
    n: float = _NAN
    scale: str | None = None

    def __post_init__(self) -> None:
        if self.scale not in (None, *_SCALES):
            raise ParameterError(describe("Unknown scale", parameter="Estimate.scale", received=self.scale,
                                          expected="None, 'identity', 'log' or 'logit'"))
        for field in ("value", "ci_lower", "ci_upper", "level", "std_error", "count", "n"):
            raw = getattr(self, field)
            if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
                raise ParameterError(describe("Estimate fields must be numbers", parameter=f"Estimate.{field}",
                                              received=repr(raw)[:60], expected="a real number"))
            object.__setattr__(self, field, float(raw))
        v, lo, hi = self.value, self.ci_lower, self.ci_upper
        if not math.isfinite(v):
            raise ParameterError(describe("Estimate value must be finite", parameter="Estimate.value", received=v,
                                          expected="a finite number"))
        if _given(lo) != _given(hi) or (_given(lo) and not (math.isfinite(lo) and math.isfinite(hi) and lo <= v <= hi)):
            raise ParameterError(describe("Interval must have both ends and contain the estimate",
                                          parameter="Estimate.ci_lower, Estimate.ci_upper", received=(lo, v, hi),
                                          expected="ci_lower <= value <= ci_upper, all finite"))
        if not 0 < self.level < 1:
            raise ParameterError(describe("Level must be a probability", parameter="Estimate.level", received=self.level,
                                          expected="0 < level < 1, e.g. 0.95"))
        if _given(self.std_error) and not (math.isfinite(self.std_error) and self.std_error >= 0):
            raise ParameterError(describe("Standard error must be >= 0", parameter="Estimate.std_error",
                                          received=self.std_error, expected="a finite number >= 0"))
        k, n = self.count, self.n
        if _given(k) or _given(n):
            if not (math.isfinite(k) and math.isfinite(n) and 0 <= k <= n and n > 0):
                raise ParameterError(describe("Counts must satisfy 0 <= count <= n, n > 0", parameter="Estimate.count, Estimate.n",
                                              received=(k, n), expected="e.g. count=631 retained of n=1000 at risk"))
            if not math.isclose(v, k / n, rel_tol=1e-12, abs_tol=1e-15):
                raise ParameterError(describe("Value must be count / n", parameter="Estimate.value", received=v,
                                              expected=f"{k / n} (= {k:g} / {n:g}); use Estimate.from_counts"))

    @classmethod
    def from_counts(cls, retained: float, at_risk: float, *, level: float = 0.95) -> Estimate:
        """A proportion from its counts, e.g. ``retained`` customers of ``at_risk``, with a Jeffreys interval.

        Parameters
        ----------
        retained : float
            Successes (customers still active at the end of the period).
        at_risk : float
            Trials (customers active at its start), > 0. Weighted (non-integer) counts
            are accepted.
        level : float, default 0.95
            Confidence level of the interval stored with the estimate.

        Returns
        -------
        Estimate
            ``value`` retained / at_risk, ``std_error`` :math:`\\sqrt{p(1-p)/n}`,
            ``ci_lower`` / ``ci_upper`` the Jeffreys interval, ``count`` and ``n``.

        Raises
        ------
        ParameterError
            Counts that are not numbers with 0 <= retained <= at_risk, at_risk > 0.

        Notes
        -----
        The Jeffreys interval is the equal-tailed interval of the
        :math:`\\mathrm{Beta}(k + 1/2, n - k + 1/2)` distribution, with the lower limit
        set to 0 when k = 0 and the upper to 1 when k = n (Brown, Cai & DasGupta 2001),
        the distribution :func:`cxanalytics.money.economics.clv_interval` draws from.

        References
        ----------
        Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
        binomial proportion. *Statistical Science* 16(2), 101-133.

        Examples
        --------
        >>> Estimate.from_counts(631, 1000).std_error.__round__(5)
        0.01526
        """
        for name, x in (("retained", retained), ("at_risk", at_risk)):
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
                raise ParameterError(describe("Counts must be finite numbers", parameter=name, received=repr(x)[:60],
                                              expected="e.g. retained=631, at_risk=1000"))
        k, n = float(retained), float(at_risk)
        if not (0 <= k <= n and n > 0):
            raise ParameterError(describe("Counts must satisfy 0 <= retained <= at_risk, at_risk > 0",
                                          parameter="retained, at_risk", received=(k, n), expected="e.g. 631 of 1000"))
        if not 0 < level < 1:
            raise ParameterError(describe("Level must be a probability", parameter="level", received=level,
                                          expected="0 < level < 1, e.g. 0.95"))
        p = k / n
        tail = (1 - level) / 2
        lo = 0.0 if k == 0 else float(stats.beta.ppf(tail, k + 0.5, n - k + 0.5))
        hi = 1.0 if k == n else float(stats.beta.ppf(1 - tail, k + 0.5, n - k + 0.5))
        return cls(p, min(lo, p), max(hi, p), level, math.sqrt(p * (1 - p) / n), k, n)


# ----------------------------------------------------------------------------- reading inputs
def _pick(row: Mapping, keys: tuple[str, ...]):
    for key in keys:
        if key in row:
            return key
    return None


def _from_row(row: Mapping, name: str) -> Estimate:
    """An Estimate from a tidy row: ``<name>`` with ``<name>_ci_lower`` ..., or ``estimate`` with ``ci_lower`` ..."""
    prefix = f"{name}_" if name in row else ""
    key = name if name in row else _pick(row, ("estimate",))
    if key is None:
        raise ParameterError(describe("Row has no estimate", parameter=name, received=list(row)[:12],
                                      expected=f"a column {name!r} (with {name}_ci_lower, {name}_ci_upper) or "
                                               "'estimate' (with ci_lower, ci_upper)"))
    fields: dict[str, float] = {"value": row[key]}
    for field in ("ci_lower", "ci_upper", "std_error"):
        col = f"{prefix}{field}"
        if col in row:
            if pd.isna(row[col]):
                raise ParameterError(describe("Uncertainty column is missing a value", parameter=name, column=col,
                                              received=row[col], expected="a number (drop the column for an exact input)"))
            fields[field] = row[col]
    for field in ("level", "scale"):
        if field in row:
            fields[field] = row[field]
    try:
        return Estimate(**{k: float(v) if isinstance(v, numbers.Real) else v for k, v in fields.items()})
    except ParameterError as exc:
        raise ParameterError(f"{exc} (reading parameter {name!r})") from exc


def as_estimate(x, name: str) -> Estimate:
    """Read an input with its uncertainty.

    Accepted: an :class:`Estimate`; a plain number (exact); ``(estimate, ci_lower,
    ci_upper)``; a pandas Series, mapping or one-row DataFrame with columns ``<name>``,
    ``<name>_ci_lower``, ``<name>_ci_upper`` (as :func:`clv_by_segment` writes them) or
    ``estimate``, ``ci_lower``, ``ci_upper`` (optionally ``std_error`` and ``level``).
    """
    if isinstance(x, Estimate):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return Estimate(float(x))
        except ParameterError as exc:
            raise ParameterError(describe("Expected a finite number", parameter=name, received=x,
                                          expected="a finite number or an Estimate")) from exc
    if isinstance(x, tuple | list) and len(x) == 3:
        try:
            vals = [float(v) for v in x]
        except (TypeError, ValueError) as exc:
            raise ParameterError(describe("Expected three numbers", parameter=name, received=repr(x)[:60],
                                          expected="(estimate, ci_lower, ci_upper)")) from exc
        try:
            return Estimate(*vals)
        except ParameterError as exc:
            raise ParameterError(f"{exc} (reading parameter {name!r})") from exc
    if isinstance(x, pd.DataFrame):
        if len(x) != 1:
            raise ParameterError(describe("Expected one row", parameter=name, received=f"{len(x)} rows",
                                          expected="a one-row DataFrame, a row (Series) or an Estimate"))
        return _from_row(x.iloc[0], name)
    if isinstance(x, pd.Series | Mapping):
        return _from_row(x, name)
    raise ParameterError(describe("Cannot read the input", parameter=name, received=repr(x)[:60],
                                  expected="a number, (estimate, ci_lower, ci_upper), a tidy row or an Estimate"))


# ----------------------------------------------------------------------------- working scale
_FORWARD = {"identity": lambda v: v, "log": np.log, "logit": special.logit}
_INVERSE = {"identity": lambda v: v, "log": np.exp, "logit": special.expit}
_SLOPE = {"identity": lambda v: 1.0, "log": lambda v: 1.0 / v, "logit": lambda v: 1.0 / (v * (1.0 - v))}
_DOMAIN = {"identity": "finite numbers", "log": "numbers > 0", "logit": "numbers in (0, 1)"}


def _z(level: float) -> float:
    return float(special.ndtri(0.5 + level / 2))


def scale_of(est: Estimate, default: str) -> str:
    """The working scale of an input: its own ``scale`` if set, else the calculation's default."""
    return est.scale if est.scale is not None else default


def working_se(est: Estimate, scale: str, name: str, *, stacklevel: int = 3) -> float:
    """Standard error on the working scale, from ``std_error`` (delta method) or the interval.

    Not for counts (see :func:`natural_se` and :func:`draw`). Warns when the interval is
    far from symmetric on the working scale.
    """
    g = _FORWARD[scale]
    with np.errstate(divide="ignore", invalid="ignore"):
        if _given(est.std_error):
            if est.std_error == 0:
                return 0.0
            slope = float(_SLOPE[scale](est.value)) if np.isfinite(g(est.value)) else math.inf
            if not math.isfinite(slope):
                raise ParameterError(describe(f"A standard error cannot be put on the {scale} scale at this value",
                                              parameter=name, received=est.value,
                                              expected=f"{_DOMAIN[scale]}, or the counts (Estimate.from_counts)"))
            return est.std_error * abs(slope)
        if not _given(est.ci_lower) or est.ci_lower == est.ci_upper:
            return 0.0
        lo, mid, hi = (float(g(v)) for v in (est.ci_lower, est.value, est.ci_upper))
    if not all(math.isfinite(v) for v in (lo, mid, hi)):
        raise ParameterError(describe(f"The interval of {name} cannot be put on the {scale} scale",
                                      parameter=name, received=(est.ci_lower, est.value, est.ci_upper),
                                      expected=f"an interval of {_DOMAIN[scale]}, or the counts (Estimate.from_counts)"))
    if abs((hi - mid) - (mid - lo)) > 0.1 * (hi - lo) + 1e-12:
        warnings.warn(f"The interval of {name} ({est.ci_lower:g} to {est.ci_upper:g} around {est.value:g}) is not "
                      f"symmetric on the {scale} scale; half its width is used as {_z(est.level):.3g} standard errors",
                      DataQualityWarning, stacklevel=stacklevel)
    return (hi - lo) / (2 * _z(est.level))


def natural_se(est: Estimate, scale: str, name: str, *, stacklevel: int = 4) -> float:
    """Standard error on the input's own scale (the delta method's): binomial for counts."""
    if _given(est.n):
        return math.sqrt(est.value * (1.0 - est.value) / est.n)
    if _given(est.std_error):
        return est.std_error
    se = working_se(est, scale, name, stacklevel=stacklevel)
    return se / abs(float(_SLOPE[scale](est.value))) if se else 0.0


def draw(est: Estimate, scale: str, z: np.ndarray, name: str) -> np.ndarray:
    """Monte Carlo draws of an input from standard normal deviates ``z`` (monotone in z).

    Counts: the Jeffreys posterior Beta(k + 1/2, n - k + 1/2) by its inverse CDF at
    Phi(z); otherwise normal on the working scale, mapped back.
    """
    if _given(est.n):
        return special.betaincinv(est.count + 0.5, est.n - est.count + 0.5, special.ndtr(z))
    se = working_se(est, scale, name, stacklevel=4)
    if se == 0:
        return np.full(np.shape(z), est.value)
    return _INVERSE[scale](_FORWARD[scale](est.value) + se * z)
