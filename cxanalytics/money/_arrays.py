"""Inputs of the money formulas broadcast to one shape, checked and wrapped back (internal).

Shared by :mod:`cxanalytics.money.economics`' lifetime values and retention gains.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ParameterError, describe
from ._uncertain import Estimate

_TIMINGS = ("end", "start")


# ----------------------------------------------------------------------------- helpers
def _broadcast(named: Mapping[str, object]) -> tuple[list[np.ndarray], pd.Index | None]:
    """Broadcast scalars / arrays / Series (sharing one index) to float arrays."""
    index = None
    arrays = []
    for name, value in named.items():
        if isinstance(value, Estimate):
            raise ParameterError(describe("Input carries an interval; plain numbers expected", parameter=name,
                                          received=f"Estimate({value.value:g}, ...)",
                                          expected="a plain number here, or clv_interval() for the lifetime value with its interval"))
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not value.index.equals(index):
                raise ParameterError(describe("Series inputs must share one index", parameter=name,
                                              received=list(value.index[:5]), expected=list(index[:5])))
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ParameterError(describe("Expected numbers", parameter=name, received=repr(value)[:60],
                                          expected="a number, array or Series of numbers")) from exc
        arrays.append(arr)
    try:
        return list(np.broadcast_arrays(*arrays)), index
    except ValueError as exc:
        shapes = {n: np.shape(a) for n, a in zip(named, arrays, strict=True)}
        raise ParameterError(describe("Inputs cannot be broadcast together", parameter=", ".join(named),
                                      received=shapes, expected="scalars or arrays of one shape")) from exc


def _wrap(values: np.ndarray, index: pd.Index | None, name: str):
    if index is not None:
        return pd.Series(values, index=index, name=name)
    return float(values) if np.ndim(values) == 0 else values


def _check(name: str, arr: np.ndarray, ok: np.ndarray, expected: str) -> None:
    bad = ~(np.isfinite(arr) & ok) if arr.size else np.zeros(0, dtype=bool)
    if np.any(bad):
        raise ParameterError(describe("Value out of range", parameter=name, received=arr[bad].ravel()[0],
                                      expected=expected))


def _margin_multiple(m, r, i, h, timing):
    """m * sum_t S_t / (1 + i)^t with S_t = r^t over h periods (h = inf: closed form)."""
    q = r / (1.0 + i)
    infinite = np.isinf(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        geom = np.where(q == 1.0, np.where(infinite, np.inf, h), (1.0 - np.power(q, np.where(infinite, 1.0, h))) / (1.0 - q))
        closed_end = r / (1.0 + i - r)
        closed_start = (1.0 + i) / (1.0 + i - r)
    if timing == "end":
        out = np.where(infinite, closed_end, q * geom)
    else:
        out = np.where(infinite, closed_start, geom)
    return m * out


def _check_timing(timing: str) -> None:
    if timing not in _TIMINGS:
        raise ParameterError(describe("Unknown timing", parameter="timing", received=timing, expected="'end' or 'start'"))


def plain_clv(margin, retention, discount, *, horizon=None, timing: str = "end"):
    """:func:`cxanalytics.money.economics.clv` of plain numbers (no :class:`Estimate`): inputs checked.

    Shared by ``clv`` and :func:`cxanalytics.money.economics.clv_interval` (its point value, gradient and draws).

    Examples
    --------
    >>> round(plain_clv(100.0, 0.8, 0.1), 4)
    266.6667
    """
    _check_timing(timing)
    h = np.inf if horizon is None else horizon
    (m, r, i, h), index = _broadcast({"margin": margin, "retention": retention, "discount": discount, "horizon": h})
    _check("margin", m, np.ones(m.shape, dtype=bool), "finite numbers")
    _check("retention", r, (r >= 0) & (r <= 1), "a probability in [0, 1]")
    _check("discount", i, i >= 0, "a rate >= 0")
    h_ok = np.isinf(h) | ((h >= 0) & (h == np.floor(h)))
    if np.any(~h_ok | np.isnan(h) | (h < 0)):
        raise ParameterError(describe("Horizon must be a whole number of periods", parameter="horizon",
                                      received=horizon, expected="None, numpy.inf or an integer >= 0"))
    if np.any(np.isinf(h) & (r == 1) & (i == 0)):
        raise ParameterError(describe("Infinite value: retention 1 with no discounting over an infinite horizon",
                                      parameter="retention", received=1.0, expected="retention < 1, a discount > 0 or a horizon"))
    return _wrap(_margin_multiple(m, r, i, h, timing), index, "clv")
