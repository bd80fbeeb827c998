"""Display helpers for the snapshot notebook: p-values that underflow are shown as a bound, not 0 (internal)."""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ParameterError, describe

#: Below this a p-value is shown as a bound: double precision cannot tell such values from 0.
P_FLOOR = 1e-300


def format_p_value(p: float, *, digits: int = 3, with_p: bool = False) -> str:
    """A p-value as text: ``'< 1e-300'`` where it underflows (0 in double precision), never ``'0'``.

    Parameters
    ----------
    p : float
        The p-value (in [0, 1]; NaN gives an empty string).
    digits : int, default 3
        Significant digits of values above the floor.
    with_p : bool, default False
        Prefix ``'p = '`` or ``'p < '`` (for a sentence).

    Returns
    -------
    str
        ``'< 1e-300'`` for p below :data:`P_FLOOR` (chi-square tails such as a log-rank
        statistic of 2,769 on 2 degrees of freedom, p = exp(-1384.5), underflow to 0);
        otherwise the value with ``digits`` significant digits.

    Raises
    ------
    ParameterError
        A value that is not a number in [0, 1], or ``digits`` below 1.

    Examples
    --------
    >>> format_p_value(0.0)
    '< 1e-300'
    >>> format_p_value(1.2463e-45, digits=2, with_p=True)
    'p = 1.2e-45'
    >>> format_p_value(0.0, with_p=True)
    'p < 1e-300'
    >>> format_p_value(0.04213)
    '0.0421'
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ParameterError(describe("digits must be a whole number >= 1", parameter="digits", received=digits,
                                      expected="e.g. 3"))
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise ParameterError(describe("A p-value must be a number", parameter="p", received=p, expected="0 <= p <= 1"))
    p = float(p)
    if np.isnan(p):
        return ""
    if not 0.0 <= p <= 1.0:
        raise ParameterError(describe("A p-value must lie in [0, 1]", parameter="p", received=p, expected="0 <= p <= 1"))
    if p < P_FLOOR:
        return f"{'p ' if with_p else ''}< {P_FLOOR:.0e}"
    return f"{'p = ' if with_p else ''}{p:.{digits}g}"
