"""The pairs the ``compare_*`` functions compare, and the tidy frame of their differences (internal).

Shared by :func:`cxanalytics.survey.comparisons.compare_nps`, ``compare_proportions`` and
``compare_means``: the arguments they share checked (:func:`_setup`), the pairs formed (all
pairs of groups, each group against a reference, or consecutive periods), p-values adjusted
for multiple comparisons and small groups flagged (:func:`_finish`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._core.validate import as_list, check_alpha, require_columns, require_frame, warn_dropped
from ..errors import ColumnError, ParameterError, SmallSampleWarning, describe
from ._groupstats import _choice, _Groups

#: The periods ``period=`` accepts, and the p-value adjustments ``p_adjust=`` accepts.
PERIODS = ("M", "Q", "Y")
P_ADJUST = ("holm", "bonferroni", "fdr_bh", None)


def _setup(data, by, period, time, reference, alpha, p_adjust, min_n, function):
    """Validate the shared arguments; return the frame to summarise and its key columns."""
    data = require_frame(data)
    check_alpha(alpha)
    _choice(p_adjust, P_ADJUST, "p_adjust")
    if not (isinstance(min_n, int | np.integer) and not isinstance(min_n, bool) and min_n >= 0):
        raise ParameterError(describe("min_n must be a non-negative integer", parameter="min_n",
                                      received=min_n, expected="an integer >= 0"))
    keys = as_list(by)
    if period is None:
        if not keys:
            raise ParameterError(describe("Nothing to compare", parameter="by",
                                          expected="by= (groups) and/or period= (M, Q or Y)"))
        return data, keys
    _choice(period, PERIODS, "period")
    if reference is not None:
        raise ParameterError(describe("reference= compares groups, not periods",
                                      parameter="reference", received=reference,
                                      expected="None when period= is given"))
    if "period" in keys:
        raise ParameterError(describe("'period' is reserved for the period column",
                                      parameter="by", received=by, expected="other column names"))
    require_columns(data, [time])
    ts = data[time]
    if not pd.api.types.is_datetime64_any_dtype(ts):
        raise ColumnError(describe("Timestamps must be datetimes (parse them first)",
                                   column=time, received=str(ts.dtype),
                                   expected="a datetime64 column"))
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)  # wall-clock time where the answer was given
    warn_dropped(int(ts.isna().sum()), len(data), "with a missing value", function=function,
                 column=time, role="timestamp", stacklevel=4)
    return data.assign(period=ts.dt.to_period(period)), [*keys, "period"]


def _warn_unanswered(function: str, column: str, g: _Groups, s: dict, period) -> None:
    """Announce the rows left out for a missing answer (those of a missing period are already announced)."""
    missing = s["n_missing"]
    if period is not None:
        missing = missing[g.keys["period"].notna().to_numpy()]
    warn_dropped(int(missing.sum()), len(g.codes), "with a missing value", function=function,
                 column=column, role="answer", stacklevel=4)


def _pairs(g: _Groups, keys: list[str], period, reference) -> tuple[np.ndarray, np.ndarray]:
    if period is not None:
        i = np.arange(g.size - 1)
        j = i + 1
        keep = np.ones(len(i), dtype=bool)
        for part in g.parts[:-1]:  # same by-group
            keep &= part[i] == part[j]
        has = g.keys["period"].notna().to_numpy()
        keep &= has[i] & has[j]
        return i[keep], j[keep]
    if reference is None:
        return np.triu_indices(g.size, 1)
    ref = reference if isinstance(reference, tuple) else (reference,)
    if len(ref) != len(keys):
        raise ParameterError(describe("reference must give one value per by column",
                                      parameter="reference", received=reference,
                                      expected=f"{len(keys)} value(s) for {keys}"))
    match = np.ones(g.size, dtype=bool)
    for col, value in zip(keys, ref, strict=True):
        match &= (g.keys[col] == value).to_numpy(dtype=bool, na_value=False)
    if not match.any():
        shown = _labels(g.keys.head(10))
        raise ParameterError(describe("reference group not found", parameter="reference",
                                      received=reference, expected=f"one of the groups: {shown}"))
    r = int(np.flatnonzero(match)[0])
    j = np.delete(np.arange(g.size), r)
    return np.full(len(j), r), j


def _labels(keys: pd.DataFrame) -> str:
    """Group keys as text: ``a, b`` for one by column, ``('a', 1), ('b', 2)`` for several."""
    rows = keys.itertuples(index=False, name=None)
    return ", ".join(repr(r[0]) if len(r) == 1 else repr(r) for r in rows)


def _pair_frame(g: _Groups, keys: list[str], period, i, j) -> pd.DataFrame:
    k = g.keys
    if period is not None:
        out = {c: k[c].iloc[i].reset_index(drop=True) for c in keys[:-1]}
        out["period_a"] = k["period"].iloc[i].reset_index(drop=True)
        out["period_b"] = k["period"].iloc[j].reset_index(drop=True)
        return pd.DataFrame(out)
    out = {}
    for c in keys:
        out[f"{c}_a"] = k[c].iloc[i].reset_index(drop=True)
        out[f"{c}_b"] = k[c].iloc[j].reset_index(drop=True)
    return pd.DataFrame(out, index=range(len(i)))


def _adjust(p: np.ndarray, how) -> np.ndarray:
    out = p.copy()
    ok = np.isfinite(p)
    if how is not None and ok.any():
        out[ok] = multipletests(p[ok], method=how)[1]
    return out


def _finish(g, keys, period, i, j, s, cols, p_adjust, min_n, weights, stat_cols) -> pd.DataFrame:
    """Assemble the pair frame; adjust p-values; flag and warn about small groups."""
    out = _pair_frame(g, keys, period, i, j)
    size = s["n_eff"]
    out["n_a"], out["n_b"] = s["n"][i].astype(np.int64), s["n"][j].astype(np.int64)
    for name, values in cols.items():
        out[name] = values
    out["p_adjusted"] = _adjust(cols["p_value"], p_adjust)
    for name, values in stat_cols.items():
        out[name] = values
    out["small_sample"] = (size[i] < min_n) | (size[j] < min_n)
    if weights is not None:
        out["n_effective_a"], out["n_effective_b"] = size[i], size[j]
    used = np.unique(np.r_[i, j]).astype(np.intp)
    small = used[size[used] < min_n]
    if len(small):
        labels = _labels(g.keys.iloc[small[:8]])
        more = "" if len(small) <= 8 else f" and {len(small) - 8} more"
        warnings.warn(f"{len(small)} group(s) below min_n={min_n} answers (flagged in "
                      f"'small_sample'): {labels}{more}", SmallSampleWarning, stacklevel=3)
    return out


def _normal_test(centre, se):
    with np.errstate(invalid="ignore", divide="ignore"):
        z = centre / se
    return z, 2 * stats.norm.sf(np.abs(z))
