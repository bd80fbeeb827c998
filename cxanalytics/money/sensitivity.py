"""What-ifs for retention economics: one-way sensitivity (tornado) and break-even.

- :func:`sensitivity` gives the result at the low and high value of each input, the
  others held at base (the tornado table);
- :func:`break_even` finds the input value at which a result reaches a target;
- :func:`break_even_interval` gives it an interval when the other inputs or the target
  are estimates (:class:`~cxanalytics.money.economics.Estimate`);
- :func:`break_even_curve` is the line to plot around it.

The plots are :func:`cxanalytics.plotting.economics.plot_tornado` and
:func:`cxanalytics.plotting.economics.plot_break_even`; joint uncertainty of estimated
effects is in :func:`cxanalytics.money.improvement.value_of_improvement`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._core.validate import check_alpha
from ..errors import ParameterError, describe
from ._uncertain import Estimate, as_estimate, draw, natural_se, scale_of

__all__ = ["sensitivity", "break_even", "break_even_interval", "break_even_curve"]


def _call(func: Callable[..., float], inputs: Mapping[str, object], name: str, value) -> float:
    out = func(**{**inputs, name: value}) if name is not None else func(value)
    try:
        out = float(out)
    except (TypeError, ValueError) as exc:
        raise ParameterError(describe("func must return a number", parameter="func", received=repr(out)[:60],
                                      expected="a float")) from exc
    return out


def sensitivity(func: Callable[..., float], base_inputs: Mapping[str, object],
                ranges: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """One-way sensitivity: the result at the low and high value of each input, the others held at base.

    Parameters
    ----------
    func : callable
        Called as ``func(**inputs)``; returns a number.
    base_inputs : mapping
        Every argument of ``func`` at its base value.
    ranges : mapping of name -> (low, high)
        The inputs to vary and their plausible range.

    Returns
    -------
    pandas.DataFrame
        One row per varied input, largest swing first: ``input``, ``low``, ``high``,
        ``base`` (input's base value), ``output_low``, ``output_high``, ``output_base``
        and ``swing`` = abs(output_high - output_low) (the tornado table).

    Raises
    ------
    ParameterError
        An input of ``ranges`` missing from ``base_inputs``, a range that is not two
        numbers, or a result that is not a finite number.

    Notes
    -----
    One-way analysis ignores interactions between inputs; the Monte Carlo of
    :func:`cxanalytics.money.improvement.value_of_improvement` varies the effects jointly.

    Examples
    --------
    >>> from cxanalytics.money.economics import clv
    >>> t = sensitivity(clv, {"margin": 100.0, "retention": 0.8, "discount": 0.1},
    ...                 {"retention": (0.75, 0.85), "discount": (0.08, 0.12), "margin": (90, 110)})
    >>> t[["input", "output_low", "output_high", "swing"]].round(1)
           input  output_low  output_high  swing
    0  retention       214.3        340.0  125.7
    1     margin       240.0        293.3   53.3
    2   discount       285.7        250.0   35.7
    """
    if not isinstance(base_inputs, Mapping) or not isinstance(ranges, Mapping) or not ranges:
        raise ParameterError(describe("base_inputs and ranges must be mappings", parameter="ranges",
                                      received=type(ranges).__name__, expected="{'input': (low, high), ...}"))
    base = dict(base_inputs)
    unknown = [name for name in ranges if name not in base]
    if unknown:
        raise ParameterError(describe("Input(s) not in base_inputs", parameter="ranges", received=unknown,
                                      expected=f"names among {sorted(base)}"))
    out_base = _call(func, base, next(iter(ranges)), base[next(iter(ranges))])
    rows = []
    for name, rng in ranges.items():
        try:
            low, high = (float(v) for v in rng)
        except (TypeError, ValueError) as exc:
            raise ParameterError(describe(f"Range of {name!r} must be two numbers", parameter="ranges",
                                          received=repr(rng)[:60], expected="(low, high)")) from exc
        outs = [_call(func, base, name, low), _call(func, base, name, high)]
        if not np.all(np.isfinite(outs + [out_base])):
            raise ParameterError(describe(f"Result not finite when varying {name!r}", parameter="ranges",
                                          received=(low, high), expected="a range where func is finite"))
        rows.append({"input": name, "low": low, "high": high, "base": base[name], "output_low": outs[0],
                     "output_high": outs[1], "output_base": out_base, "swing": abs(outs[1] - outs[0])})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable", ignore_index=True)


def _bracket(bracket) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in bracket)
    except (TypeError, ValueError) as exc:
        raise ParameterError(describe("bracket must be two numbers", parameter="bracket", received=repr(bracket)[:60],
                                      expected="(low, high)")) from exc
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ParameterError(describe("bracket must be finite with low < high", parameter="bracket",
                                      received=(a, b), expected="(low, high)"))
    return a, b


def break_even(func: Callable[..., float], input: str | None, target: float, bracket, *,
               base_inputs: Mapping[str, object] | None = None, xtol: float = 1e-12) -> float:
    """The value of one input at which ``func`` reaches ``target`` (Brent's method).

    Parameters
    ----------
    func : callable
        ``func(**{**base_inputs, input: x})``, or ``func(x)`` when ``base_inputs`` is None.
    input : str or None
        Name of the input solved for (None with a one-argument ``func``).
    target : float
        Result to reach, e.g. 0 for "pays for itself", or a cost.
    bracket : (low, high)
        Interval of the input known to contain the break-even point.
    base_inputs : mapping, optional
        Values of the other inputs.
    xtol : float, default 1e-12
        Absolute tolerance on the input.

    Returns
    -------
    float or pandas.DataFrame
        The input value x with func(x) = target; when ``target`` or a base input is an
        :class:`~cxanalytics.money.economics.Estimate`, the break-even with its interval (the
        tidy frame of :func:`break_even_interval`, delta method).

    Raises
    ------
    ParameterError
        Bad bracket, or ``func - target`` does not change sign over it (the message
        gives the two results).

    Notes
    -----
    :func:`scipy.optimize.brentq` on :math:`f(x) - target`; if f is monotone over the
    bracket the root is unique.

    Examples
    --------
    Retention at which a customer worth 100 a period reaches a lifetime value of 400:

    >>> from cxanalytics.money.economics import clv
    >>> x = break_even(clv, "retention", 400.0, (0.5, 0.99),
    ...                base_inputs={"margin": 100.0, "retention": 0.8, "discount": 0.1})
    >>> round(x, 6)
    0.88
    """
    a, b = _bracket(bracket)
    inputs = dict(base_inputs) if base_inputs is not None else None
    uncertain = [k for k, v in (inputs or {}).items() if isinstance(v, Estimate)] + (
        ["target"] if isinstance(target, Estimate) else [])
    if uncertain:
        return break_even_interval(func, input, target, bracket, base_inputs=base_inputs, xtol=xtol)
    if inputs is not None and input not in inputs:
        raise ParameterError(describe("Input not in base_inputs", parameter="input", received=input,
                                      expected=f"one of {sorted(inputs)}"))

    def gap(x):
        return (_call(func, inputs, input, x) if inputs is not None else _call(func, {}, None, x)) - float(target)

    fa, fb = gap(a), gap(b)
    if not (np.isfinite(fa) and np.isfinite(fb)) or np.sign(fa) == np.sign(fb) != 0:
        raise ParameterError(describe(f"The result does not cross the target {target} over the bracket",
                                      parameter="bracket", received=f"({a}, {b}) giving ({fa + target}, {fb + target})",
                                      expected="a bracket where func - target changes sign"))
    return float(optimize.brentq(gap, a, b, xtol=xtol))


def _root(gap, a: float, b: float, xtol: float) -> float:
    """Root of ``gap`` in [a, b]; -inf / +inf when the target lies beyond the low / high end."""
    fa, fb = gap(a), gap(b)
    if not (np.isfinite(fa) and np.isfinite(fb)):
        raise ParameterError(describe("Result not finite at the ends of the bracket", parameter="bracket",
                                      received=(a, b), expected="a bracket where func is finite"))
    if fa == 0 or fb == 0 or np.sign(fa) != np.sign(fb):
        return float(optimize.brentq(gap, a, b, xtol=xtol))
    if fa == fb:
        raise ParameterError(describe("func is flat over the bracket for some draws", parameter="bracket",
                                      received=(a, b), expected="a bracket where func changes with the input"))
    below = (fb > fa) == (fa > 0)  # func increasing and already above the target, or decreasing and below
    return -np.inf if below else np.inf


def _vector_roots(func, inputs, input, drawn, targets, a, b, xtol):
    """Every draw's root at once by bisection when func takes arrays (checked); None when it does not."""
    n = len(targets)

    def gap(x):
        out = func(**{**inputs, **drawn, input: x}) if inputs is not None else func(x)
        arr = np.asarray(out, dtype=np.float64)
        if arr.shape != (n,):
            raise TypeError("not one result per draw")
        return arr - targets

    try:
        fa, fb = gap(np.full(n, a)), gap(np.full(n, b))
        for i in range(min(n, 3)):  # the array call must agree with the scalar one
            over = {k: float(v[i]) for k, v in drawn.items()}
            one = _call(func, {**inputs, **over}, input, a) if inputs is not None else _call(func, {}, None, a)
            if not np.isclose(one - targets[i], fa[i], rtol=1e-9, atol=1e-12):
                return None
    except (TypeError, ValueError, AttributeError, IndexError):
        return None
    if not (np.all(np.isfinite(fa)) and np.all(np.isfinite(fb))):
        raise ParameterError(describe("Result not finite at the ends of the bracket", parameter="bracket",
                                      received=(a, b), expected="a bracket where func is finite"))
    crosses = (fa == 0) | (fb == 0) | (np.sign(fa) != np.sign(fb))
    if np.any(~crosses & (fa == fb)):
        raise ParameterError(describe("func is flat over the bracket for some draws", parameter="bracket",
                                      received=(a, b), expected="a bracket where func changes with the input"))
    lo, hi, f_lo = np.full(n, a), np.full(n, b), fa
    for _ in range(min(int(np.ceil(np.log2((b - a) / xtol))) + 1, 200)):
        mid = (lo + hi) / 2
        f_mid = gap(mid)
        same = np.sign(f_mid) == np.sign(f_lo)
        lo, f_lo, hi = np.where(same, mid, lo), np.where(same, f_mid, f_lo), np.where(same, hi, mid)
    roots = np.where(fa == 0, a, np.where(fb == 0, b, (lo + hi) / 2))
    below = (fb > fa) == (fa > 0)
    return np.where(crosses, roots, np.where(below, -np.inf, np.inf))


def break_even_interval(func: Callable[..., float], input: str | None, target, bracket, *,
                        base_inputs: Mapping[str, object] | None = None, method: str = "delta",
                        alpha: float = 0.05, n_draws: int = 2000, random_state=None,
                        xtol: float = 1e-12) -> pd.DataFrame:
    """The break-even value of one input with an interval, when other inputs or the target are estimates.

    Parameters
    ----------
    func, input, bracket, xtol
        As in :func:`break_even`.
    target : float or Estimate
        Result to reach; an :class:`~cxanalytics.money.economics.Estimate` (e.g. a mean
        acquisition cost with its interval) when it is itself estimated.
    base_inputs : mapping, optional
        Values of the other inputs; any of them may be an
        :class:`~cxanalytics.money.economics.Estimate` (its interval, standard error or
        counts). The solved input's entry is a placeholder.
    method : {'delta', 'monte_carlo'}, default 'delta'
        How the uncertainty is propagated (see Notes).
    alpha : float, default 0.05
        The interval is at level 1 - alpha.
    n_draws : int, default 2000
        Monte Carlo draws (each solves for the root once).
    random_state : int, numpy.random.Generator or None
        Seed of the Monte Carlo draws.

    Returns
    -------
    pandas.DataFrame
        One row: ``input``, ``target`` (its point value), ``break_even`` (the root at
        the point values, as :func:`break_even`), ``std_error``, ``ci_lower``,
        ``ci_upper``, ``method`` and ``share_outside`` (Monte Carlo: share of draws
        whose break-even lies beyond the bracket, counted as -inf or +inf; NaN for
        the delta method). ``std_error`` is NaN when some draws lie outside.

    Raises
    ------
    ParameterError
        As :func:`break_even`; an unreadable Estimate; an unknown method; n_draws < 1;
        bad alpha; func flat at the break-even point.

    Warns
    -----
    DataQualityWarning
        An input interval far from symmetric on its working scale.

    Notes
    -----
    With :math:`f(x^*, \\theta) = T`, the implicit function theorem gives
    :math:`\\partial x^*/\\partial\\theta_j = -f_{\\theta_j}/f_x` and
    :math:`\\partial x^*/\\partial T = 1/f_x`. The **delta method** takes these
    derivatives by central finite differences and gives
    :math:`se(x^*) = \\sqrt{\\sum_j (f_{\\theta_j} se_j)^2 + se_T^2}/|f_x|` and the Wald
    interval :math:`x^* \\pm z\\, se` (deterministic; may reach past the bracket or
    the input's range when the uncertainty is large). The **Monte Carlo** method draws
    every uncertain input and the target independently (normal on the Estimate's
    ``scale``, identity by default; Jeffreys beta draws for counts) and solves for
    the break-even in each draw with Brent's method; the interval is the percentile
    range, and draws whose break-even lies beyond the bracket count as -inf or +inf,
    so an infinite limit means "beyond the bracket". It assumes, like
    :func:`break_even`, that func is monotone in the input over the bracket.

    Examples
    --------
    Retention at which a customer with margin 100 (interval 90 to 110) is worth the
    400 it costs to win one (interval 360 to 440):

    >>> from cxanalytics.money.economics import Estimate, clv
    >>> out = break_even_interval(clv, "retention", Estimate(400.0, 360.0, 440.0), (0.5, 0.99),
    ...                           base_inputs={"margin": Estimate(100.0, 90.0, 110.0), "retention": 0.8,
    ...                                        "discount": 0.1})
    >>> out[["break_even", "std_error", "ci_lower", "ci_upper"]].round(4)
       break_even  std_error  ci_lower  ci_upper
    0        0.88     0.0127    0.8551    0.9049
    """
    alpha = check_alpha(alpha)
    if method not in ("delta", "monte_carlo"):
        raise ParameterError(describe("Unknown method", parameter="method", received=method,
                                      expected="'delta' or 'monte_carlo'"))
    a, b = _bracket(bracket)
    t_est = as_estimate(target, "target")
    inputs = dict(base_inputs) if base_inputs is not None else None
    if inputs is not None and input not in inputs:
        raise ParameterError(describe("Input not in base_inputs", parameter="input", received=input,
                                      expected=f"one of {sorted(inputs)}"))
    uncertain = {k: as_estimate(v, k) for k, v in (inputs or {}).items() if isinstance(v, Estimate) and k != input}
    point = {k: (v.value if isinstance(v, Estimate) else v) for k, v in (inputs or {}).items()}

    def value(x, **over):
        return _call(func, {**point, **over}, input, x) if inputs is not None else _call(func, {}, None, x)

    x_hat = break_even(func, input, t_est.value, (a, b), base_inputs=point if inputs is not None else None, xtol=xtol)
    z = stats.norm.ppf(1 - alpha / 2)
    if method == "delta":
        h = 1e-6 * (b - a)
        lo_x, hi_x = max(a, x_hat - h), min(b, x_hat + h)
        slope = (value(hi_x) - value(lo_x)) / (hi_x - lo_x)
        if not (np.isfinite(slope) and slope != 0):
            raise ParameterError(describe("func is flat at the break-even point", parameter="func",
                                          received=f"slope {slope} at {input} = {x_hat}", expected="a non-zero slope"))
        var = natural_se(t_est, scale_of(t_est, "identity"), "target") ** 2
        for name, est in uncertain.items():
            se_j = natural_se(est, scale_of(est, "identity"), name)
            if se_j > 0:
                step = 1e-6 * max(abs(est.value), se_j)
                grad = (value(x_hat, **{name: est.value + step}) - value(x_hat, **{name: est.value - step})) / (2 * step)
                var += (grad * se_j) ** 2
        se = float(np.sqrt(var) / abs(slope))
        lo, hi, outside = x_hat - z * se, x_hat + z * se, np.nan
    else:
        if not (isinstance(n_draws, int | np.integer) and not isinstance(n_draws, bool) and n_draws >= 1):
            raise ParameterError(describe("n_draws must be a whole number >= 1", parameter="n_draws", received=n_draws,
                                          expected="e.g. 2000"))
        deviates = np.random.default_rng(random_state).standard_normal((int(n_draws), len(uncertain) + 1))
        targets = draw(t_est, scale_of(t_est, "identity"), deviates[:, 0], "target")
        drawn = {k: draw(est, scale_of(est, "identity"), deviates[:, j + 1], k) for j, (k, est) in enumerate(uncertain.items())}
        exact = np.all(targets == t_est.value) and all(np.all(v == uncertain[k].value) for k, v in drawn.items())
        roots = (np.full(int(n_draws), x_hat) if exact
                 else _vector_roots(func, point if inputs is not None else None, input, drawn, targets, a, b, xtol))
        if roots is None:  # func takes scalars only: one Brent search per draw
            roots = np.empty(int(n_draws))
            for i in range(int(n_draws)):
                over = {k: float(v[i]) for k, v in drawn.items()}
                roots[i] = _root(lambda x, over=over, t=float(targets[i]): value(x, **over) - t, a, b, xtol)
        lo, hi = np.quantile(roots, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
        # each root is exact only to the solver's tolerance: a limit within it of the point
        # (a near-degenerate draw distribution) is the point itself, not a limit beside it
        tol = 4 * xtol * max(1.0, abs(x_hat))
        lo = x_hat if x_hat <= lo <= x_hat + tol else lo
        hi = x_hat if x_hat - tol <= hi <= x_hat else hi
        finite = np.isfinite(roots)
        outside = float(1.0 - finite.mean())
        se = float(np.std(roots, ddof=1)) if finite.all() and n_draws > 1 else (0.0 if n_draws == 1 else np.nan)
    return pd.DataFrame({"input": [input if input is not None else "x"], "target": [t_est.value], "break_even": [x_hat],
                         "std_error": [se], "ci_lower": [float(lo)], "ci_upper": [float(hi)], "method": [method],
                         "share_outside": [outside]})


def break_even_curve(func: Callable[..., float], input: str | None, bracket, *,
                     base_inputs: Mapping[str, object] | None = None, n: int = 101) -> pd.DataFrame:
    """The result over a grid of one input (the line of a break-even plot).

    Parameters
    ----------
    func, input, bracket, base_inputs
        As in :func:`break_even`.
    n : int, default 101
        Grid points, evenly spaced over the bracket.

    Returns
    -------
    pandas.DataFrame
        ``input`` (the name), ``value`` (input value) and ``output``.

    Raises
    ------
    ParameterError
        Bad bracket or n < 2.

    Examples
    --------
    >>> from cxanalytics.money.economics import clv
    >>> c = break_even_curve(clv, "retention", (0.5, 0.9), n=3,
    ...                      base_inputs={"margin": 100.0, "retention": 0.8, "discount": 0.1})
    >>> c.round(2)
           input  value  output
    0  retention    0.5   83.33
    1  retention    0.7  175.00
    2  retention    0.9  450.00
    """
    a, b = _bracket(bracket)
    if not (isinstance(n, int | np.integer) and n >= 2):
        raise ParameterError(describe("n must be a whole number >= 2", parameter="n", received=n, expected="e.g. 101"))
    grid = np.linspace(a, b, int(n))
    inputs = dict(base_inputs) if base_inputs is not None else {}
    out = [_call(func, inputs, input, x) for x in grid]
    return pd.DataFrame({"input": input if input is not None else "x", "value": grid, "output": out})
