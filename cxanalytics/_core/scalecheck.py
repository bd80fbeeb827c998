"""Answers checked against their item's scale, for the metrics and the scale statistics (internal).

An answer outside its scale is refused with a :class:`ScaleRangeError` that names the column,
every offending value with its count and the expected scale, and says where to fix it: a value
that means "no answer" (``0 = not applicable``, ``-99``) belongs in the codebook's
``missing_codes`` (cleaning then makes it missing); a wrong scale in ``scale_min`` /
``scale_max`` (or the function's ``scale=``).  When no scale is known, :func:`warn_suspect_codes`
warns about values that look like undeclared missing codes instead of guessing.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, ParameterError, ScaleRangeError, describe
from .lexicon import DEFAULT_SENTINELS
from .missing import fmt_code, parse_missing_codes, zero_apart
from .validate import answer_values

_SHOWN = 8  # offending values listed in a message
HINT = ("values that mean 'no answer' (e.g. '0 = not applicable', '-99') belong in the codebook's "
        "missing_codes, which clean_responses turns into missing values; a wrong scale is fixed in the "
        "codebook's scale_min/scale_max (or the scale= argument, where a function takes one)")  # fmt: skip


def _plain_index(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _counted(value: float, n: int) -> str:
    return f"{fmt_code(value) if np.isfinite(value) else value} ({n} answer{'s' if n != 1 else ''})"


def offending(x: np.ndarray, bad: np.ndarray) -> str:
    """``"0 (12 answers), 98 (3 answers)"``: the distinct offending values with their counts."""
    values, counts = np.unique(x[bad & ~np.isnan(x)], return_counts=True)
    parts = [_counted(v, c) for v, c in zip(values.tolist(), counts.tolist(), strict=True)]
    more = f" and {len(parts) - _SHOWN} more value(s)" if len(parts) > _SHOWN else ""
    return ", ".join(parts[:_SHOWN]) + more


def scale_error(s: pd.Series, x: np.ndarray, bad: np.ndarray, column: str, expected: str, *,
                missing_codes: object = None, hint: str = HINT) -> ScaleRangeError:  # fmt: skip
    """The error for answers ``x[bad]`` of column ``column`` outside the ``expected`` scale."""
    first = int(np.flatnonzero(bad)[0])
    text = describe(f"{int(bad.sum())} answer(s) outside the scale (first at index {_plain_index(s.index[first])!r})",
                    column=column)  # fmt: skip
    codes = parse_missing_codes(missing_codes) if isinstance(missing_codes, str) else None
    declared = codes is not None and any(codes.number_code(float(v)) for v in np.unique(x[bad]))
    if declared:
        hint = (f"the codebook declares missing_codes {missing_codes!r} for this item: clean the responses "
                "first (clean_responses turns declared codes into missing values)")  # fmt: skip
    return ScaleRangeError(f"{text}: received {offending(x, bad)}; expected {expected}. {hint[0].upper()}{hint[1:]}")


def check_values(s: pd.Series, column: str, lo: float, hi: float, *, integer: bool = False,
                 missing_codes: object = None, hint: str = HINT) -> np.ndarray:  # fmt: skip
    """The answers of ``s`` as float64 (NaN for missing); raise unless all lie in ``[lo, hi]``."""
    x = answer_values(s, column)
    bad = (x < lo) | (x > hi) | np.isinf(x)
    if integer and not pd.api.types.is_integer_dtype(s):
        bad |= np.isfinite(x) & (x != np.floor(x))
    if bad.any():
        expected = f"{'integers' if integer else 'numbers'} {fmt_code(lo)}-{fmt_code(hi)} (or missing)"
        raise scale_error(s, x, bad, column, expected, missing_codes=missing_codes, hint=hint)
    return x


def _check_pair(scale: object) -> tuple[float, float]:
    ok = (isinstance(scale, tuple | list) and len(scale) == 2
          and all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in scale)
          and np.isfinite(scale).all() and scale[0] < scale[1])  # fmt: skip
    if not ok:
        raise ParameterError(describe("Invalid answer scale", parameter="scale", received=scale,
                                      expected="a pair of numbers (low, high) with low < high, e.g. (1, 5)"))  # fmt: skip
    return float(scale[0]), float(scale[1])


def item_scales(items: Sequence[str], *, scale: object = None, codebook: object = None,
                require_all: bool = True) -> dict[str, tuple[float, float, object]] | None:  # fmt: skip
    """``{item: (low, high, missing_codes)}`` from ``scale=`` or a codebook, or None without either.

    With a codebook, an item is looked up by its ``item`` name, then by its export ``column``;
    with ``require_all`` every item must be a scored row of the codebook.
    """
    if scale is not None and codebook is not None:
        raise ParameterError(describe("Give the scale once", parameter="scale, codebook",
                                      received="both", expected="scale=(low, high) or codebook=, not both"))  # fmt: skip
    if scale is not None:
        lo, hi = _check_pair(scale)
        return {c: (lo, hi, None) for c in items}
    if codebook is None:
        return None
    table = getattr(codebook, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(describe("codebook must be a Codebook", parameter="codebook",
                                      received=type(codebook).__name__, expected="a cxanalytics.Codebook"))  # fmt: skip
    out: dict[str, tuple[float, float, object]] = {}
    unknown = []
    for c in items:
        hit = table[table["item"] == c]
        hit = hit if len(hit) else table[table["column"] == c]
        if not len(hit) or not np.isfinite(hit["scale_min"].iloc[0]):
            unknown.append(c)
            continue
        mc = hit["missing_codes"].iloc[0] if "missing_codes" in hit.columns else None
        out[c] = (float(hit["scale_min"].iloc[0]), float(hit["scale_max"].iloc[0]), mc)
    if unknown and require_all:
        raise ParameterError(describe("Items without a scale in the codebook", parameter="codebook",
                                      received=unknown[:10],
                                      expected="scored items of the codebook (by item or column name)"))  # fmt: skip
    return out


def check_items(data: pd.DataFrame, scales: dict[str, tuple[float, float, object]]) -> None:
    """Raise :class:`ScaleRangeError` for the first item holding answers outside its scale."""
    for c, (lo, hi, mc) in scales.items():
        check_values(data[c], c, lo, hi, missing_codes=mc)


def warn_suspect_codes(data: pd.DataFrame, items: Sequence[str], function: str, *, stacklevel: int = 3) -> None:
    """Warn when answers look like undeclared missing codes (no scale was given to check them).

    Three signs, on whole-number answers: typical missing-value codes (-99, 98, 99, ...) beside
    answers that otherwise lie within 0-10; a 0 below an otherwise 1-5 or 1-7 battery
    (:func:`cxanalytics._core.missing.zero_apart`); negative values below a run of consecutive
    answers within 0-10 (``-1`` under 1-5).
    """
    tables: dict[str, dict[float, int]] = {}
    for c in items:
        x = answer_values(data[c], c)
        x = x[~np.isnan(x)]
        if len(x) and not np.all(x == np.round(x)):
            return
        values, counts = np.unique(x, return_counts=True)
        tables[c] = dict(zip(values.tolist(), counts.tolist(), strict=True))
    pooled: dict[float, int] = {}
    for t in tables.values():
        for v, n in t.items():
            pooled[v] = pooled.get(v, 0) + n
    codes = {v: n for v, n in pooled.items() if v in DEFAULT_SENTINELS}
    rest = [v for v in pooled if v not in codes]
    messages = []
    if codes and rest and min(rest) >= 0 and max(rest) <= 10:
        shown = ", ".join(_counted(v, n) for v, n in sorted(codes.items()))
        messages.append(f"{shown} look like missing-value codes beside answers {fmt_code(min(rest))}-"
                        f"{fmt_code(max(rest))}")  # fmt: skip
    elif rest:
        top = max(rest)
        why = zero_apart(tables, top)
        if why is not None:
            messages.append(f"0 may mean 'not applicable' under a 1-{fmt_code(top)} scale ({why})")
        body = sorted(v for v in rest if v >= 0)
        below = sorted(v for v in rest if v < 0)
        if below and len(body) >= 3 and body[-1] - body[0] == len(body) - 1 <= 10 and below[-1] < body[0] - 1:
            shown = ", ".join(_counted(v, pooled[v]) for v in below)
            messages.append(f"{shown} sit apart below the answers {fmt_code(body[0])}-{fmt_code(body[-1])}")
    for m in messages:
        warnings.warn(describe(f"{function}: {m}; the answers were used as they are", column=", ".join(items[:6]),
                               expected=f"scale=(low, high) or codebook= to check them; {HINT}"),
                      DataQualityWarning, stacklevel=stacklevel)  # fmt: skip
