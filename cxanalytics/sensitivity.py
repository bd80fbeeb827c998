"""What-ifs for retention economics: one-way sensitivity (tornado) and break-even.

- :func:`sensitivity` gives the result at the low and high value of each input, the
  others held at base (the tornado table);
- :func:`break_even` finds the input value at which a result reaches a target;
- :func:`break_even_curve` is the line to plot around it.

The plots are :func:`cxanalytics.plotting.economics.plot_tornado` and
:func:`cxanalytics.plotting.economics.plot_break_even`; joint uncertainty of estimated
effects is in :func:`cxanalytics.improvement.value_of_improvement`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import optimize

from .errors import ParameterError, describe

__all__ = ["sensitivity", "break_even", "break_even_curve"]


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
    :func:`cxanalytics.improvement.value_of_improvement` varies the effects jointly.

    Examples
    --------
    >>> from cxanalytics.economics import clv
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
    float
        The input value x with func(x) = target.

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

    >>> from cxanalytics.economics import clv
    >>> x = break_even(clv, "retention", 400.0, (0.5, 0.99),
    ...                base_inputs={"margin": 100.0, "retention": 0.8, "discount": 0.1})
    >>> round(x, 6)
    0.88
    """
    a, b = _bracket(bracket)
    inputs = dict(base_inputs) if base_inputs is not None else None
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
    >>> from cxanalytics.economics import clv
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
