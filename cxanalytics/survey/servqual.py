"""Quality as perception against expectation: SERVQUAL gaps and experience-pillar scores.

:func:`servqual_gaps` compares each respondent's perception (P) of the service with their
expectation (E), item by item and dimension by dimension, with paired t intervals for
the gap P - E; :func:`pillar_scores` summarises the 0-10 experience pillars per group and
:func:`pillar_composite` gives each customer one composite score.

Answers may be numeric columns or ordered categoricals of numeric codes (as
:func:`cxanalytics.datasets.load_sample` gives them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.validate import (
    answer_values,
    as_list,
    check_alpha,
    require_columns,
    require_frame,
    warn_dropped,
)
from ..errors import ColumnError, ParameterError, ScaleRangeError, describe

__all__ = ["servqual_gaps", "pillar_scores", "pillar_composite"]

_STEM = re.compile(r"^(?P<dimension>.+)_(?P<k>\d+)$")


# ----------------------------------------------------------------------------- shared helpers
def _check_scale(scale: object) -> tuple[float, float]:
    ok = (isinstance(scale, tuple | list) and len(scale) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in scale)
          and scale[0] < scale[1])
    if not ok:
        raise ParameterError(describe("Invalid answer scale", parameter="scale", received=scale,
                                      expected="a pair (low, high) with low < high"))
    return float(scale[0]), float(scale[1])


def _in_scale(x: np.ndarray, column: str, scale: tuple[float, float]) -> np.ndarray:
    bad = (x < scale[0]) | (x > scale[1]) | np.isinf(x)
    if bad.any():
        raise ScaleRangeError(describe(f"{int(bad.sum())} answer(s) outside the scale",
                                       column=column, received=float(x[bad][0]),
                                       expected=f"{scale[0]:g}-{scale[1]:g} (or missing)"))
    return x


def _t_stats(diff: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Column-wise one-sample t summary of ``diff`` (n x k, NaN = missing)."""
    n = np.sum(~np.isnan(diff), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(diff, axis=0) / n
        ss = np.nansum((diff - mean) ** 2, axis=0)
        sd = np.sqrt(ss / (n - 1))
        se = sd / np.sqrt(n)
        crit = stats.t.ppf(1 - alpha / 2, n - 1)
        t = mean / se
        p = 2 * stats.t.sf(np.abs(t), n - 1)
    return {"n": n.astype(np.int64), "mean": mean, "sd": sd, "se": se,
            "ci_lower": mean - crit * se, "ci_upper": mean + crit * se, "t": t, "p_value": p}


# ----------------------------------------------------------------------------- SERVQUAL
def _servqual_items(data: pd.DataFrame, items) -> dict[str, tuple[str, str]]:
    if items is None:
        found = {c[2:]: (c, "p_" + c[2:]) for c in map(str, data.columns)
                 if c.startswith("e_") and "p_" + c[2:] in data.columns}
        if not found:
            raise ColumnError(describe("No SERVQUAL item pairs found", parameter="items",
                                       expected="columns e_<item> with matching p_<item>, "
                                                "or items= given explicitly"))
        return found
    if isinstance(items, Mapping):
        out = {}
        for item, pair in items.items():
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise ParameterError(describe("Each item maps to (expectation, perception) "
                                              "columns", parameter=f"items[{item!r}]",
                                              received=pair, expected="a pair of column names"))
            out[str(item)] = (pair[0], pair[1])
    elif isinstance(items, Sequence) and not isinstance(items, str) and len(items):
        out = {str(i): (f"e_{i}", f"p_{i}") for i in items}
    else:
        raise ParameterError(describe("items must be item names or a mapping", parameter="items",
                                      received=items, expected="None, a list of item stems, or "
                                      "{item: (expectation_column, perception_column)}"))
    require_columns(data, [c for pair in out.values() for c in pair], what="data (SERVQUAL items)")
    return out


def _servqual_dimensions(items: dict[str, tuple[str, str]], dimensions) -> dict[str, list[str]]:
    if dimensions is None:
        out: dict[str, list[str]] = {}
        for item in items:
            m = _STEM.match(item)
            out.setdefault(m["dimension"] if m else item, []).append(item)
        return out
    if not isinstance(dimensions, Mapping):
        raise ParameterError(describe("dimensions must map each dimension to its items",
                                      parameter="dimensions", received=type(dimensions).__name__,
                                      expected="{dimension: [item, ...]}"))
    out = {str(d): as_list(v) for d, v in dimensions.items()}
    listed = [i for v in out.values() for i in v]
    unknown = sorted(set(listed) - set(items))
    missing = sorted(set(items) - set(listed))
    twice = sorted({i for i in listed if listed.count(i) > 1})
    if unknown or missing or twice or any(not v for v in out.values()):
        raise ParameterError(describe("dimensions must assign every item to exactly one dimension",
                                      parameter="dimensions",
                                      received=f"unknown {unknown}, unassigned {missing}, "
                                               f"repeated {twice}",
                                      expected="items " + ", ".join(items)))
    return out


def _check_importance(importance, dims: list[str]) -> np.ndarray | None:
    if importance is None:
        return None
    if not isinstance(importance, Mapping) or set(map(str, importance)) != set(dims):
        raise ParameterError(describe("importance must give points to every dimension",
                                      parameter="importance",
                                      received=dict(importance) if isinstance(importance, Mapping)
                                      else importance,
                                      expected="{dimension: points} for " + ", ".join(dims)))
    points = np.array([importance[d] for d in dims], dtype="float64")
    if not np.all(np.isfinite(points) & (points >= 0)) or abs(points.sum() - 100) > 1e-6:
        raise ParameterError(describe("Importance points must be non-negative and sum to 100",
                                      parameter="importance", received=dict(importance),
                                      expected="points summing to 100"))
    return points / 100


def servqual_gaps(data: pd.DataFrame, *, items=None, dimensions=None,
                  importance: Mapping[str, float] | None = None,
                  reverse: Sequence[str] | None = None, scale: tuple[float, float] = (1, 7),
                  alpha: float = 0.05) -> pd.DataFrame:
    """SERVQUAL gaps: perception minus expectation, per item, per dimension and overall.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; not modified.  Answers numeric or ordered categoricals
        of numeric codes.
    items : None, list of str, or dict, optional
        None: every pair of columns ``e_<item>`` / ``p_<item>``.  A list of item stems
        (``["reliability_1", ...]``) uses those pairs.  A dict
        ``{item: (expectation_column, perception_column)}`` names the columns.
    dimensions : dict, optional
        ``{dimension: [item, ...]}`` assigning every item to one dimension.  Default:
        the item name without its trailing ``_<number>`` (``reliability_2`` ->
        ``reliability``).
    importance : dict, optional
        ``{dimension: points}``, points summing to 100 (SERVQUAL's allocation
        question); adds an importance-weighted overall gap.
    reverse : list of str, optional
        Negatively worded items to reverse-code as ``low + high - x`` before anything is
        computed: an item name reverses both its columns, a column name only that one
        (e.g. the codebook's ``reverse`` flags).
    scale : tuple, default (1, 7)
        Answer scale; answers outside it raise :class:`ScaleRangeError`.
    alpha : float, default 0.05
        Intervals are ``1 - alpha`` paired t intervals.

    Returns
    -------
    pandas.DataFrame
        One row per item (``level == "item"``), then per dimension (``"dimension"``), then
        ``"overall"`` (unweighted mean of the dimension gaps) and, with importance,
        ``"overall_weighted"``.  Columns: ``level``; ``dimension`` (missing on overall
        rows); ``item`` (missing except on item rows); ``n`` respondents with both E and P
        (for dimensions: every item of the dimension; overall: every item); ``expectation``
        and ``perception`` means over those respondents; ``gap`` = perception -
        expectation; ``sd`` of the paired differences; ``se``; ``ci_lower``,
        ``ci_upper``; ``t`` and ``p_value`` (two-sided test of no gap).

    Raises
    ------
    ColumnError
        No item pairs found, a column missing or not numeric.
    ScaleRangeError
        An answer outside ``scale``.
    ParameterError
        Bad ``items``, ``dimensions``, ``importance``, ``reverse``, ``scale`` or ``alpha``.

    Warns
    -----
    DataQualityWarning
        Respondents with a missing expectation or perception answer are left out of the
        overall gap and of the items and dimensions concerned (each row's ``n`` counts those
        used); the message gives their number and share.

    Notes
    -----
    For respondent i the gap on an item is d_i = P_i - E_i; the gap is the mean of d_i
    with the paired t interval mean ± t(1 - alpha/2; n - 1) sd(d)/sqrt(n) (the same as
    ``scipy.stats.ttest_rel``).  A respondent's dimension score is the mean of its items
    (E and P separately); the overall gap is the mean of the dimension gaps, the weighted
    one sum_d (points_d / 100) gap_d, each computed per respondent and then averaged, so
    all intervals are paired.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item
    scale for measuring consumer perceptions of service quality. *Journal of Retailing*
    64(1), 12-40.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"e_speed_1": [6, 7, 5, 6], "p_speed_1": [4, 6, 5, 3],
    ...                    "e_speed_2": [7, 7, 6, 6], "p_speed_2": [5, 6, 6, 4]})
    >>> out = servqual_gaps(df)
    >>> out[["level", "dimension", "item"]].fillna("-").to_numpy().tolist()
    [['item', 'speed', 'speed_1'], ['item', 'speed', 'speed_2'], ['dimension', 'speed', '-'], \
['overall', '-', '-']]
    >>> [round(g, 3) for g in out["gap"]]
    [-1.5, -1.25, -1.375, -1.375]
    """
    data = require_frame(data)
    alpha = check_alpha(alpha)
    lo, hi = _check_scale(scale)
    pairs = _servqual_items(data, items)
    dims = _servqual_dimensions(pairs, dimensions)
    weights = _check_importance(importance, list(dims))
    flip = set(as_list(reverse))
    known = set(pairs) | {c for p in pairs.values() for c in p}
    if flip - known:
        raise ParameterError(describe("reverse names unknown items or columns",
                                      parameter="reverse", received=sorted(flip - known),
                                      expected="SERVQUAL item names or their e_/p_ columns"))

    def column(name: str, item: str) -> np.ndarray:
        x = _in_scale(answer_values(data[name], name), name, (lo, hi))
        return lo + hi - x if item in flip or name in flip else x

    names = list(pairs)
    e = np.column_stack([column(pairs[i][0], i) for i in names])
    p = np.column_stack([column(pairs[i][1], i) for i in names])
    both = ~np.isnan(e) & ~np.isnan(p)
    e, p = np.where(both, e, np.nan), np.where(both, p, np.nan)
    warn_dropped(int((~both.all(axis=1)).sum()), len(both), "with a missing value", function="servqual_gaps",
                 column=[c for i in names for c in pairs[i]], role="expectation or perception",
                 scope="from the overall gap (and from the items and dimensions concerned)")

    # dimension scores per respondent: mean over the dimension's items, complete only
    index = {item: j for j, item in enumerate(names)}
    members = [np.array([index[i] for i in dims[d]]) for d in dims]
    e_dim = np.column_stack([e[:, m].mean(axis=1) for m in members])
    p_dim = np.column_stack([p[:, m].mean(axis=1) for m in members])
    blocks = [("item", _owner(dims, names), names, e, p),
              ("dimension", list(dims), [None] * len(dims), e_dim, p_dim)]
    even = np.full(len(dims), 1 / len(dims))
    blocks.append(("overall", [None], [None], e_dim @ even[:, None], p_dim @ even[:, None]))
    if weights is not None:
        blocks.append(("overall_weighted", [None], [None], e_dim @ weights[:, None],
                       p_dim @ weights[:, None]))

    frames = []
    for level, dim_col, item_col, ee, pp in blocks:
        s = _t_stats(pp - ee, alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            frames.append(pd.DataFrame({
                "level": level, "dimension": pd.array(dim_col, dtype="str"),
                "item": pd.array(item_col, dtype="str"), "n": s["n"],
                "expectation": np.nansum(ee, axis=0) / s["n"],
                "perception": np.nansum(pp, axis=0) / s["n"], "gap": s["mean"], "sd": s["sd"],
                "se": s["se"], "ci_lower": s["ci_lower"], "ci_upper": s["ci_upper"],
                "t": s["t"], "p_value": s["p_value"]}))
    return pd.concat(frames, ignore_index=True)


def _owner(dims: dict[str, list[str]], names: list[str]) -> list[str]:
    owner = {i: d for d, members in dims.items() for i in members}
    return [owner[i] for i in names]


# ----------------------------------------------------------------------------- pillars
def _pillar_columns(data: pd.DataFrame, pillars) -> dict[str, str]:
    if pillars is None:
        found = {c[len("pillar_"):]: c for c in map(str, data.columns) if c.startswith("pillar_")}
        if not found:
            raise ColumnError(describe("No pillar columns found", parameter="pillars",
                                       expected="columns named pillar_<name>, or pillars= given"))
        return found
    if isinstance(pillars, Mapping):
        out = {str(k): v for k, v in pillars.items()}
    elif isinstance(pillars, Sequence) and not isinstance(pillars, str) and len(pillars):
        out = {(c[len("pillar_"):] if c.startswith("pillar_") else c): c for c in pillars}
    else:
        raise ParameterError(describe("pillars must be column names or a mapping",
                                      parameter="pillars", received=pillars,
                                      expected="None, a list of columns, or {pillar: column}"))
    require_columns(data, list(out.values()), what="data (pillars)")
    return out


def _pillar_matrix(data, pillars, scale) -> tuple[dict[str, str], np.ndarray]:
    cols = _pillar_columns(require_frame(data), pillars)
    lo_hi = _check_scale(scale)
    x = np.column_stack([_in_scale(answer_values(data[c], c), c, lo_hi) for c in cols.values()])
    return cols, x


def pillar_composite(data: pd.DataFrame, *, pillars=None, min_answered: int | None = None,
                     scale: tuple[float, float] = (0, 10)) -> pd.Series:
    """Each respondent's composite experience score: the mean of their pillar answers.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; not modified.
    pillars : None, list of str, or dict, optional
        Pillar columns: None takes every ``pillar_<name>`` column; a list names the
        columns; ``{pillar: column}`` names both.
    min_answered : int, optional
        Fewest answered pillars for a composite; default all of them.
    scale : tuple, default (0, 10)
        Answer scale; answers outside it raise :class:`ScaleRangeError`.

    Returns
    -------
    pandas.Series
        ``pillar_composite``, aligned with ``data``: the mean of the answered pillars,
        missing where fewer than ``min_answered`` were answered.

    Raises
    ------
    ColumnError, ScaleRangeError, ParameterError
        No pillar columns, non-numeric or out-of-scale answers, bad ``min_answered``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pillar_a": [8, 4, None], "pillar_b": [6, 5, 7]})
    >>> pillar_composite(df).tolist()
    [7.0, 4.5, nan]
    >>> pillar_composite(df, min_answered=1).tolist()
    [7.0, 4.5, 7.0]
    """
    cols, x = _pillar_matrix(data, pillars, scale)
    need = len(cols) if min_answered is None else min_answered
    if not (isinstance(need, int) and not isinstance(need, bool) and 1 <= need <= len(cols)):
        raise ParameterError(describe("min_answered out of range", parameter="min_answered",
                                      received=min_answered, expected=f"an integer 1-{len(cols)}"))
    answered = np.sum(~np.isnan(x), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(x, axis=1) / answered
    return pd.Series(np.where(answered >= need, mean, np.nan), index=data.index,
                     name="pillar_composite")


def pillar_scores(data: pd.DataFrame, *, pillars=None, by: str | Sequence[str] | None = None,
                  alpha: float = 0.05, scale: tuple[float, float] = (0, 10),
                  composite: bool = False) -> pd.DataFrame:
    """Mean score of each experience pillar (0-10) with a t interval, overall or per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; not modified.
    pillars : None, list of str, or dict, optional
        As in :func:`pillar_composite`.
    by : str or list of str, optional
        Group columns (missing keys form their own group).
    alpha : float, default 0.05
        Intervals are ``1 - alpha`` Student t intervals.
    scale : tuple, default (0, 10)
        Answer scale; answers outside it raise :class:`ScaleRangeError`.
    composite : bool, default False
        Also summarise the per-respondent composite (:func:`pillar_composite`, all
        pillars answered) as the pillar ``"composite"``.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per group and pillar (pillars in the given order): the
        ``by`` columns; ``pillar``; ``n`` answers; ``mean``; ``sd``; ``se``;
        ``ci_lower``; ``ci_upper``.

    Raises
    ------
    ColumnError, ScaleRangeError, ParameterError
        Missing or non-numeric columns, out-of-scale answers, bad ``alpha``.

    Warns
    -----
    DataQualityWarning
        Respondents with a missing pillar answer are left out of that pillar's mean (and of
        the composite); the message gives their number and share.

    Notes
    -----
    mean ± t(1 - alpha/2; n - 1) sd / sqrt(n), sd with the n - 1 denominator.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pillar_time": [8, 6, 7, 3], "pillar_care": [9, 9, 7, 5],
    ...                    "branch": ["a", "a", "b", "b"]})
    >>> out = pillar_scores(df, by="branch")
    >>> out[["branch", "pillar", "n", "mean"]].to_numpy().tolist()
    [['a', 'time', 2, 7.0], ['a', 'care', 2, 9.0], ['b', 'time', 2, 5.0], ['b', 'care', 2, 6.0]]
    """
    alpha = check_alpha(alpha)
    keys = as_list(by)
    cols, x = _pillar_matrix(data, pillars, scale)
    require_columns(data, keys)
    names = list(cols)
    warn_dropped(int(np.isnan(x).any(axis=1).sum()), len(x), "with a missing value", function="pillar_scores",
                 column=list(cols.values()), role="pillars", scope="from the pillars concerned")
    if composite:
        if "composite" in names:
            raise ParameterError(describe("A pillar is already called 'composite'",
                                          parameter="composite", received=True,
                                          expected="False, or rename that pillar"))
        x = np.column_stack([x, np.where(np.isnan(x).any(axis=1), np.nan, x.mean(axis=1))])
        names.append("composite")
    values = pd.DataFrame(x, columns=pd.Index(names), index=data.index)
    if keys:
        values = pd.concat([data[keys], values], axis=1)
    long = values.melt(id_vars=keys, value_vars=names, var_name="pillar", value_name="score")
    long["pillar"] = pd.Categorical(long["pillar"], categories=names, ordered=True)
    grouped = long.groupby([*keys, "pillar"], observed=True, dropna=False, sort=True)["score"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    out["pillar"] = out["pillar"].astype(str)
    n = out["n"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        se = out["sd"].to_numpy() / np.sqrt(n)
        crit = stats.t.ppf(1 - alpha / 2, n - 1)
    mean = out["mean"].to_numpy()
    return out.assign(n=out["n"].astype(np.int64), se=se, ci_lower=mean - crit * se,
                      ci_upper=mean + crit * se)
