"""Every headline score of an export in one tidy table (NPS, CSAT, CES), overall or by group."""

from __future__ import annotations

import pandas as pd

from .._core.validate import check_alpha, require_columns, require_frame
from ..errors import ParameterError
from .metrics import ces, csat, nps

__all__ = ["headline_scores"]

_COLUMNS = ["metric", "item", "n", "n_missing", "estimate", "se", "ci_lower", "ci_upper"]


def headline_scores(data: pd.DataFrame, scores, *, by: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """NPS, CSAT and CES of every headline item, overall or per level of a grouping column.

    Each item is scored by its own function on its own scale: :func:`cxanalytics.nps`
    (% promoters 9-10 minus % detractors 0-6, adjusted-Wald interval),
    :func:`cxanalytics.csat` (share in the top two answers, Wilson interval) and
    :func:`cxanalytics.ces` (mean, t interval).  Those functions announce the rows they
    leave out (a missing group) with a ``DataQualityWarning``.

    Parameters
    ----------
    data : DataFrame
        Cleaned responses, one row per response.
    scores : DataFrame
        The items to score: :func:`cxanalytics.survey_scores` output (``metric``,
        ``item``, ``scale_min``, ``scale_max``).
    by : str, optional
        A grouping column: one row per item and level (column ``level``).
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.

    Returns
    -------
    DataFrame
        One row per item (and level): ``metric`` (``nps``, ``csat``, ``ces``), ``item``,
        (``level``), ``n``, ``n_missing``, ``estimate`` (NPS in points, CSAT a share, CES
        a mean), ``se``, ``ci_lower``, ``ci_upper``.  Empty, with these columns, when
        ``scores`` is empty.

    Raises
    ------
    ParameterError
        ``scores`` lacks a column, or names a metric other than nps, csat and ces.
    MissingColumnsError
        ``data`` lacks an item or ``by``.

    Examples
    --------
    >>> data = pd.DataFrame({"q_nps": [10, 9, 3, 7, 10], "q_sat": [5, 4, 2, 4, 5], "shop": list("aabbb")})
    >>> scores = pd.DataFrame({"metric": ["nps", "csat"], "item": ["q_nps", "q_sat"],
    ...                        "scale_min": [0, 1], "scale_max": [10, 5]})
    >>> headline_scores(data, scores)[["metric", "item", "n", "estimate"]]
      metric   item  n  estimate
    0    nps  q_nps  5      40.0
    1   csat  q_sat  5       0.8
    >>> t = headline_scores(data, scores, by="shop")
    >>> t[["metric", "level", "n"]].to_numpy().tolist()
    [['nps', 'a', 2], ['nps', 'b', 3], ['csat', 'a', 2], ['csat', 'b', 3]]
    >>> t["estimate"].round(3).tolist()
    [100.0, 0.0, 1.0, 0.667]
    """
    data = require_frame(data, parameter="data")
    alpha = check_alpha(alpha)
    need = {"metric", "item", "scale_min", "scale_max"}
    if not isinstance(scores, pd.DataFrame) or not need <= set(scores.columns):
        got = sorted(scores.columns) if isinstance(scores, pd.DataFrame) else type(scores).__name__
        raise ParameterError(f"headline_scores: scores has {got}; expected survey_scores output with columns "
                             f"{sorted(need)}")
    unknown = sorted(set(scores["metric"]) - {"nps", "csat", "ces"})
    if unknown:
        raise ParameterError(f"headline_scores: scores names metric(s) {unknown}; expected nps, csat or ces")
    require_columns(data, [*scores["item"], by], what="data")
    columns = _COLUMNS if by is None else [*_COLUMNS[:2], "level", *_COLUMNS[2:]]
    parts = []
    for row in scores.itertuples(index=False):
        kw = {"by": by, "alpha": alpha}
        if row.metric == "nps":
            out = nps(data, row.item, **kw)
        else:
            scale = (int(row.scale_min), int(row.scale_max))
            out = (csat if row.metric == "csat" else ces)(data, row.item, scale=scale, **kw)
        out = out.rename(columns={row.metric: "estimate", **({by: "level"} if by is not None else {})})
        parts.append(out.assign(metric=row.metric, item=row.item)[columns])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)
