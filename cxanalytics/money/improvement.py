"""The value of a service improvement, with the uncertainty of the effects behind it.

- :func:`value_of_improvement` turns estimated effects (hazard ratios, odds ratios,
  probabilities or differences, with their intervals, e.g. from the link analysis) into
  the value of a change in service, propagating the intervals by Monte Carlo;
- :func:`detractors_to_passives` and :func:`fewer_negative_encounters` build the effect
  tables of the two usual scenarios.

One-way sensitivity and break-even are in :mod:`cxanalytics.money.sensitivity`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from .._core.validate import check_alpha
from ..errors import DataQualityWarning, ParameterError, describe
from .economics import clv

__all__ = [
    "EffectEstimate",
    "Baseline",
    "ImprovementValue",
    "detractors_to_passives",
    "fewer_negative_encounters",
    "value_of_improvement",
]

_QUANTITIES = ["retention_after", "retention_gain", "clv_gain", "value"]
_SCALES = ("hazard_ratio", "odds_ratio", "probability", "difference")


@dataclass(frozen=True)
class EffectEstimate:
    """One estimated effect with its interval.

    ``scale``: 'hazard_ratio' (multiplies the churn hazard), 'odds_ratio' (multiplies
    the odds of churning in a period), 'probability' (the retention per period after
    the change) or 'difference' (added to the retention per period). ``weight``
    multiplies the effect on its transformed scale (log, logit or identity): -1 undoes
    an effect, 0.3 applies 30 % of it. ``level`` is the interval's confidence level.
    """

    term: str
    effect: float
    ci_lower: float
    ci_upper: float
    scale: str = "hazard_ratio"
    weight: float = 1.0
    level: float = 0.95


@dataclass(frozen=True)
class Baseline:
    """The customers an improvement reaches, as they are now.

    ``customers``: how many; ``retention``: their retention per period; ``margin``:
    margin per period; ``discount``: discount rate per period; ``horizon`` and
    ``timing`` as in :func:`cxanalytics.money.economics.clv`.
    """

    customers: float
    retention: float
    margin: float
    discount: float
    horizon: int | None = None
    timing: str = "end"


@dataclass(frozen=True)
class ImprovementValue:
    """Result of :func:`value_of_improvement`: ``table`` of quantiles and the ``draws``."""

    table: pd.DataFrame
    draws: pd.DataFrame
    n_draws: int
    alpha: float

    def summary(self) -> pd.DataFrame:
        """The quantile table (quantity, point, mean, median, ci_lower, ci_upper, p_positive)."""
        return self.table

    def _repr_html_(self) -> str:
        return (f"<p><b>ImprovementValue</b>: {self.n_draws:,} draws, {100 * (1 - self.alpha):g} % intervals</p>"
                + self.table.to_html(index=False))


# ----------------------------------------------------------------------------- effects
def _as_effects(effects) -> pd.DataFrame:
    if isinstance(effects, EffectEstimate):
        effects = [effects]
    if isinstance(effects, pd.DataFrame):
        missing = [c for c in ("effect", "ci_lower", "ci_upper") if c not in effects.columns]
        if missing:
            raise ParameterError(describe("Effects table lacks columns", parameter="effects", received=missing,
                                          expected="columns effect, ci_lower, ci_upper (term, scale, weight, level optional)"))
        n = len(effects)
        frame = pd.DataFrame({
            "term": effects["term"].astype(str).to_numpy() if "term" in effects else [f"effect_{k}" for k in range(n)],
            "effect": effects["effect"].to_numpy(dtype=np.float64),
            "ci_lower": effects["ci_lower"].to_numpy(dtype=np.float64),
            "ci_upper": effects["ci_upper"].to_numpy(dtype=np.float64),
            "scale": effects["scale"].to_numpy() if "scale" in effects else "hazard_ratio",
            "weight": effects["weight"].to_numpy(dtype=np.float64) if "weight" in effects else 1.0,
            "level": effects["level"].to_numpy(dtype=np.float64) if "level" in effects else 0.95,
        })
    elif isinstance(effects, Sequence) and effects and all(isinstance(e, EffectEstimate) for e in effects):
        frame = pd.DataFrame([e.__dict__ for e in effects])
    else:
        raise ParameterError(describe("Cannot read the effects", parameter="effects", received=type(effects).__name__,
                                      expected="a DataFrame (effect, ci_lower, ci_upper, ...) or EffectEstimate(s)"))
    if len(frame) == 0:
        raise ParameterError(describe("No effects given", parameter="effects", expected="at least one effect"))
    for _, row in frame.iterrows():  # a handful of rows: clear messages matter more than speed
        _check_effect(row)
    clash = frame["term"].duplicated() | frame["term"].isin(["draw", *_QUANTITIES])
    if clash.any():
        raise ParameterError(describe("Effect terms must be unique and not a result name", parameter="effects",
                                      received=frame["term"][clash].tolist(), expected=f"names other than {_QUANTITIES}"))
    if (frame["scale"] == "probability").sum() > 1:
        raise ParameterError(describe("At most one effect on the probability scale", parameter="effects",
                                      received=frame["term"][frame["scale"] == "probability"].tolist(),
                                      expected="one retention level after the change"))
    return frame


def _check_effect(row) -> None:
    where = f"effect {row['term']!r}"
    if row["scale"] not in _SCALES:
        raise ParameterError(describe(f"Unknown scale of {where}", parameter="effects", received=row["scale"],
                                      expected=" / ".join(_SCALES)))
    vals = np.array([row["ci_lower"], row["effect"], row["ci_upper"]])
    lo = {"hazard_ratio": 0.0, "odds_ratio": 0.0, "probability": 0.0, "difference": -1.0}[row["scale"]]
    hi = {"probability": 1.0, "difference": 1.0}.get(row["scale"], np.inf)
    open_ok = (vals > lo) & (vals < hi) if row["scale"] != "difference" else (vals >= lo) & (vals <= hi)
    if not (np.all(np.isfinite(vals)) and np.all(open_ok) and vals[0] <= vals[1] <= vals[2]):
        raise ParameterError(describe(f"Bad estimate or interval of {where}", parameter="effects",
                                      received=tuple(float(v) for v in vals),
                                      expected=f"ci_lower <= effect <= ci_upper, each in ({lo:g}, {hi:g}) for {row['scale']}"))
    if not (np.isfinite(row["weight"]) and 0 < row["level"] < 1):
        raise ParameterError(describe(f"Bad weight or level of {where}", parameter="effects",
                                      received=(row["weight"], row["level"]), expected="a finite weight, 0 < level < 1"))


def _transform(scale: str, x):
    if scale in ("hazard_ratio", "odds_ratio"):
        return np.log(x)
    if scale == "probability":
        return special.logit(x)
    return np.asarray(x, dtype=np.float64)


def _untransform(scale: str, y):
    if scale in ("hazard_ratio", "odds_ratio"):
        return np.exp(y)
    if scale == "probability":
        return special.expit(y)
    return y


def _effect(x, name: str) -> EffectEstimate:
    if isinstance(x, EffectEstimate):
        return x
    try:
        est, lo, hi = (float(v) for v in x)
    except (TypeError, ValueError) as exc:
        raise ParameterError(describe("Expected an effect with its interval", parameter=name, received=repr(x)[:60],
                                      expected="EffectEstimate or (effect, ci_lower, ci_upper)")) from exc
    return EffectEstimate(name, est, lo, hi)


def detractors_to_passives(detractor, passive) -> pd.DataFrame:
    """Effects table for moving detractors to passives.

    Parameters
    ----------
    detractor, passive : EffectEstimate or (effect, ci_lower, ci_upper)
        Hazard ratios (or odds ratios, set ``scale`` on an EffectEstimate) of detractors
        and of passives against the same reference group (e.g. promoters).

    Returns
    -------
    pandas.DataFrame
        Two rows (term, effect, ci_lower, ci_upper, scale, weight, level): the
        detractor effect with weight -1 (removed) and the passive effect with weight +1.

    Notes
    -----
    The change in log hazard is :math:`\\log HR_p - \\log HR_d`. The two estimates are
    drawn independently; both are measured against one reference group, so they are
    usually positively correlated and the interval of their ratio is, if anything,
    too wide (conservative).

    Examples
    --------
    >>> detractors_to_passives((1.9, 1.5, 2.4), (1.35, 1.1, 1.65))[["term", "effect", "weight"]]
            term  effect  weight
    0  detractor    1.90    -1.0
    1    passive    1.35     1.0
    """
    d, p = _effect(detractor, "detractor"), _effect(passive, "passive")
    if d.scale != p.scale:
        raise ParameterError(describe("Both effects must be on one scale", parameter="passive",
                                      received=p.scale, expected=d.scale))
    rows = [d.__dict__ | {"weight": -1.0}, p.__dict__ | {"weight": 1.0}]
    return pd.DataFrame(rows)[["term", "effect", "ci_lower", "ci_upper", "scale", "weight", "level"]]


def fewer_negative_encounters(per_encounter, *, encounters_per_customer: float, reduction: float) -> pd.DataFrame:
    """Effects table for cutting negative encounters (e.g. unresolved contacts) by a share.

    Parameters
    ----------
    per_encounter : EffectEstimate or (effect, ci_lower, ci_upper)
        Hazard ratio of one more negative encounter.
    encounters_per_customer : float
        Mean negative encounters per customer per period, now.
    reduction : float
        Share of them removed, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        One row with weight ``-reduction * encounters_per_customer``.

    Notes
    -----
    With hazard :math:`\\propto HR^{c}` for c encounters, removing a share x of them
    shifts the log hazard by :math:`-x c \\log HR`. Applied at the mean count this is exact
    when customers have similar counts and understates the gain otherwise (the hazard
    is convex in the count).

    Examples
    --------
    >>> fewer_negative_encounters((1.3, 1.2, 1.4), encounters_per_customer=0.5, reduction=0.2)["weight"].item()
    -0.1
    """
    e = _effect(per_encounter, "per_encounter")
    for name, v, ok in (("encounters_per_customer", encounters_per_customer, encounters_per_customer >= 0),
                        ("reduction", reduction, 0 < reduction <= 1)):
        if not (np.isfinite(v) and ok):
            raise ParameterError(describe("Out of range", parameter=name, received=v,
                                          expected="a count >= 0" if name.startswith("enc") else "a share in (0, 1]"))
    row = e.__dict__ | {"weight": -float(reduction) * float(encounters_per_customer)}
    return pd.DataFrame([row])[["term", "effect", "ci_lower", "ci_upper", "scale", "weight", "level"]]


# ----------------------------------------------------------------------------- Monte Carlo
def _baseline(base) -> Baseline:
    if isinstance(base, Mapping):
        try:
            base = Baseline(**base)
        except TypeError as exc:
            raise ParameterError(describe("Cannot read the baseline", parameter="base", received=sorted(base),
                                          expected="customers, retention, margin, discount (horizon, timing)")) from exc
    if not isinstance(base, Baseline):
        raise ParameterError(describe("Cannot read the baseline", parameter="base", received=type(base).__name__,
                                      expected="Baseline or a dict of its fields"))
    if not (np.isfinite(base.customers) and base.customers >= 0):
        raise ParameterError(describe("Customers must be a count >= 0", parameter="base", received=base.customers,
                                      expected="e.g. 1227"))
    clv(base.margin, base.retention, base.discount, horizon=base.horizon, timing=base.timing)  # validates
    return base


def _retention_after(r0: float, frame: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """Retention after the change for each row of ``values`` (draws x effects, transformed scale)."""
    scale, w = frame["scale"].to_numpy(), frame["weight"].to_numpy()
    r = np.full(values.shape[0], r0)
    level = scale == "probability"
    if level.any():
        r = special.expit(values[:, level][:, 0])
    odds = scale == "odds_ratio"
    if odds.any():  # churn log-odds shift
        r = special.expit(special.logit(r) - values[:, odds] @ w[odds])
    hz = scale == "hazard_ratio"
    if hz.any():  # r = exp(-H)  ->  exp(-H * HR)
        with np.errstate(divide="ignore"):
            r = np.exp(np.log(r) * np.exp(values[:, hz] @ w[hz]))
    diff = scale == "difference"
    if diff.any():
        r = np.clip(r + values[:, diff] @ w[diff], 0.0, 1.0)
    return r


def value_of_improvement(effects, base, *, n_draws: int = 10_000, alpha: float = 0.05,
                         random_state=None) -> ImprovementValue:
    """What a service improvement is worth, with the uncertainty of the effects behind it.

    Parameters
    ----------
    effects : pandas.DataFrame, EffectEstimate or list of EffectEstimate
        Estimated effects with intervals: columns ``effect``, ``ci_lower``, ``ci_upper``
        and optionally ``term``, ``scale`` ('hazard_ratio' default, 'odds_ratio',
        'probability', 'difference'), ``weight`` (default 1) and ``level`` (default
        0.95). :func:`detractors_to_passives` and :func:`fewer_negative_encounters`
        build the usual ones.
    base : Baseline or dict
        The customers reached now: ``customers``, ``retention``, ``margin``, ``discount``
        (per period), optional ``horizon`` and ``timing``.
    n_draws : int, default 10000
        Monte Carlo draws.
    alpha : float, default 0.05
        The interval is the (alpha/2, 1 - alpha/2) quantile range of the draws.
    random_state : int, numpy.random.Generator or None
        Seed for reproducible draws.

    Returns
    -------
    ImprovementValue
        ``table``: one row per ``quantity`` - 'retention_after', 'retention_gain'
        (points of retention, as a probability difference), 'clv_gain' (per customer)
        and 'value' (x customers) - with ``point`` (at the point estimates), ``mean``,
        ``median``, ``ci_lower``, ``ci_upper`` and ``p_positive`` (share of draws > 0);
        ``draws``: one row per draw with each effect (natural scale) and the four
        quantities.

    Raises
    ------
    ParameterError
        Bad effects (interval not containing the estimate, values off the scale), more
        than one 'probability' effect, bad baseline, n_draws < 1.

    Warns
    -----
    DataQualityWarning
        An interval far from symmetric on its transformed scale (half its width is used).

    Notes
    -----
    Each effect is drawn from a normal on its natural scale for inference - log for
    ratios, logit for probabilities, identity for differences - centred on the
    transformed estimate with :math:`se = (g(U) - g(L)) / (2 z_{1 - (1-level)/2})`.
    A zero-width interval gives a point mass, and the result collapses to the
    deterministic value. Effects are independent. Retention per period :math:`r`
    becomes: the 'probability' effect if there is one; then
    :math:`\\mathrm{logit}(1 - r)` shifts by :math:`\\sum w \\log OR`; then
    :math:`r \\to r^{\\exp(\\sum w \\log HR)}` (a hazard ratio scales the cumulative
    hazard :math:`-\\log r`); then :math:`r \\to r + \\sum w\\, d` (clipped to [0, 1]).
    ``clv_gain`` is :func:`cxanalytics.money.economics.clv` after minus before.

    Examples
    --------
    Moving 1,000 detractors (retention 0.70 a year, margin 120) to passives:

    >>> fx = detractors_to_passives((1.9, 1.5, 2.4), (1.35, 1.1, 1.65))
    >>> res = value_of_improvement(fx, Baseline(1000, 0.70, 120.0, 0.1), random_state=1)
    >>> res.table[["quantity", "point", "median"]].round(3)
              quantity      point     median
    0  retention_after      0.776      0.776
    1   retention_gain      0.076      0.076
    2         clv_gain     77.579     77.086
    3            value  77579.059  77085.615
    """
    alpha = check_alpha(alpha)
    if not (isinstance(n_draws, int | np.integer) and n_draws >= 1):
        raise ParameterError(describe("n_draws must be a whole number >= 1", parameter="n_draws", received=n_draws,
                                      expected="e.g. 10000"))
    frame = _as_effects(effects)
    base = _baseline(base)
    rng = np.random.default_rng(random_state)
    scales = frame["scale"].tolist()
    mu = np.array([_transform(s, e) for s, e in zip(scales, frame["effect"], strict=True)])
    lo = np.array([_transform(s, e) for s, e in zip(scales, frame["ci_lower"], strict=True)])
    hi = np.array([_transform(s, e) for s, e in zip(scales, frame["ci_upper"], strict=True)])
    z = stats.norm.ppf(0.5 + frame["level"].to_numpy() / 2)
    se = (hi - lo) / (2 * z)
    skew = np.abs((hi - mu) - (mu - lo)) > 0.1 * (hi - lo) + 1e-12
    if skew.any():
        warnings.warn(f"Interval(s) of {frame['term'][skew].tolist()} are not symmetric on the transformed scale; "
                      "the draws use half their width", DataQualityWarning, stacklevel=2)
    values = mu + se * rng.standard_normal((int(n_draws), len(frame)))
    before = clv(base.margin, base.retention, base.discount, horizon=base.horizon, timing=base.timing)

    def outcomes(v):
        r = _retention_after(float(base.retention), frame, v)
        gain = clv(base.margin, r, base.discount, horizon=base.horizon, timing=base.timing) - before
        return {"retention_after": r, "retention_gain": r - base.retention, "clv_gain": gain,
                "value": base.customers * gain}

    drawn, point = outcomes(values), outcomes(mu[None, :])
    draws = pd.DataFrame({"draw": np.arange(int(n_draws))}
                         | {t: _untransform(s, values[:, k]) for k, (t, s) in enumerate(zip(frame["term"], scales, strict=True))}
                         | drawn)
    qs = np.quantile(np.column_stack(list(drawn.values())), [0.5, alpha / 2, 1 - alpha / 2], axis=0)
    table = pd.DataFrame({
        "quantity": list(drawn),
        "point": [float(v[0]) for v in point.values()],
        "mean": [float(np.mean(v)) for v in drawn.values()],
        "median": qs[0], "ci_lower": qs[1], "ci_upper": qs[2],
        "p_positive": [float(np.mean(v > 0)) for v in drawn.values()],
    })
    return ImprovementValue(table=table, draws=draws, n_draws=int(n_draws), alpha=alpha)
