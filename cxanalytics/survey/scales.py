"""Reliability of multi-item scales: Cronbach's alpha with the Feldt interval, item statistics.

Everything is computed from the items' covariance matrix, so the same formulas
serve raw answers (:func:`cronbach_alpha`, :func:`item_statistics`) and a
published covariance matrix (:func:`cronbach_alpha_from_covariance`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.scalecheck import check_items, item_scales, warn_suspect_codes
from .._core.validate import (
    answer_values,
    check_alpha,
    require_columns,
    require_frame,
    warn_dropped,
)
from ..errors import DataQualityWarning, ParameterError, describe

__all__ = ["cronbach_alpha", "cronbach_alpha_from_covariance", "item_statistics"]

MISSING = ("listwise", "pairwise")


# ----------------------------------------------------------------------------- helpers
def _items(data: pd.DataFrame, items: Sequence[str] | None, scale=None, codebook=None,
           function: str = "cronbach_alpha") -> list[str]:
    data = require_frame(data)
    cols = list(data.columns) if items is None else list(items)
    require_columns(data, cols)
    if len(cols) < 2:
        raise ParameterError(describe("A scale needs at least two items", parameter="items",
                                      received=cols, expected="two or more item columns"))
    for c in cols:
        answer_values(data[c], c)  # raises ColumnError for text or boolean items
    scales = item_scales(cols, scale=scale, codebook=codebook)
    if scales is None:
        warn_suspect_codes(data, cols, function, stacklevel=4)
    else:
        check_items(data, scales)
    return cols


def _moments(data, items, missing, function):
    """Covariance matrix, item means/sds/counts and the n for the interval.

    Rows left out (listwise: any item missing; pairwise: every item missing) are announced
    with a warning naming ``function``.
    """
    if missing not in MISSING:
        raise ParameterError(describe("Unknown missing-value handling", parameter="missing",
                                      received=missing, expected="'listwise' or 'pairwise'"))
    x = pd.DataFrame({c: answer_values(data[c], c) for c in items})
    if missing == "listwise":
        complete = x.notna().all(axis=1).to_numpy()
        warn_dropped(int((~complete).sum()), len(x), "with a missing value", function=function, column=items,
                     role="items; missing='listwise'", stacklevel=4)
        x = x.dropna()
        counts = np.full((len(items), len(items)), len(x))
    else:
        present = x.notna().to_numpy(dtype="float64")
        warn_dropped(int((present.sum(axis=1) == 0).sum()), len(x), "without an answer", function=function,
                     column=items, role="items", stacklevel=4)
        counts = (present.T @ present).astype(np.int64)
    cov = x.cov(min_periods=2).to_numpy()  # pairwise-complete when rows have gaps
    n = int(counts.min())
    return cov, x.mean().to_numpy(), x.std().to_numpy(), np.diag(counts).copy(), n


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    return k / (k - 1) * (1 - np.trace(cov) / total) if total > 0 else np.nan


def _feldt(a: float, n: int | None, k: int, level: float) -> tuple[float, float]:
    if n is None or n < 2 or not np.isfinite(a):
        return np.nan, np.nan
    d1, d2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - a) * stats.f.ppf(1 - level / 2, d1, d2)
    upper = 1 - (1 - a) * stats.f.ppf(level / 2, d1, d2)
    return float(lower), float(upper)


def _result(cov: np.ndarray, n: int | None, level: float) -> pd.DataFrame:
    k = cov.shape[0]
    a = _alpha(cov)
    if np.isfinite(a) and a < 0:
        warnings.warn(f"Cronbach's alpha is negative ({a:.3f}): the items covary negatively on "
                      "average; check for reverse-worded items that were not recoded",
                      DataQualityWarning, stacklevel=3)
    if np.any(np.diag(cov) <= 0):
        warnings.warn("At least one item has zero variance; alpha is not informative",
                      DataQualityWarning, stacklevel=3)
    lower, upper = _feldt(a, n, k, level)
    return pd.DataFrame({"cronbach_alpha": [a], "ci_lower": [lower], "ci_upper": [upper],
                         "n": [np.nan if n is None else n], "k": [k]})


def _check_cov(covariance) -> tuple[np.ndarray, list]:
    names = list(covariance.columns) if isinstance(covariance, pd.DataFrame) else None
    cov = np.asarray(covariance, dtype="float64")
    problem = None
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or cov.shape[0] < 2:
        problem, expected = f"shape {cov.shape}", "a square k x k matrix with k >= 2"
    elif not np.all(np.isfinite(cov)):
        problem, expected = "non-finite entries", "finite numbers"
    elif not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-10):
        problem, expected = "an asymmetric matrix", "a symmetric matrix"
    elif np.any(np.diag(cov) < 0):
        problem, expected = "negative variances", "a non-negative diagonal"
    if problem:
        raise ParameterError(describe("Invalid covariance matrix", parameter="covariance",
                                      received=problem, expected=expected))
    return cov, names or [f"item_{i + 1}" for i in range(cov.shape[0])]


# ----------------------------------------------------------------------------- public
def cronbach_alpha(data: pd.DataFrame, *, items: Sequence[str] | None = None,
                   missing: str = "listwise", alpha: float = 0.05, scale: tuple[float, float] | None = None,
                   codebook=None) -> pd.DataFrame:
    """Cronbach's alpha of a multi-item scale with the Feldt confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, one numeric column per item (reverse-worded items
        already recoded); not modified.
    items : list of str, optional
        Item columns; all columns of ``data`` when omitted.
    missing : {"listwise", "pairwise"}, default "listwise"
        ``"listwise"`` uses respondents who answered every item; ``"pairwise"``
        estimates each covariance from the respondents who answered both items,
        and uses the smallest such count as n in the interval.
    alpha : float, default 0.05
        Significance level of the ``1 - alpha`` interval (not Cronbach's alpha).
    scale : (low, high), optional
        The items' answer scale, e.g. ``(1, 5)``: answers outside it raise
        :class:`ScaleRangeError`.
    codebook : Codebook, optional
        Instead of ``scale``: each item's ``scale_min``-``scale_max`` from the codebook (items
        looked up by item name, then by export column), e.g. ``res.codebook`` of a
        :class:`~cxanalytics.ingest.cleaning.CleanResult`.

    Returns
    -------
    pandas.DataFrame
        One row: ``cronbach_alpha``, ``ci_lower``, ``ci_upper`` (Feldt), ``n``
        (respondents behind the interval), ``k`` (items).  The column is named after the
        statistic (Cronbach's alpha, a reliability between -inf and 1); the ``alpha``
        parameter is the significance level of its ``1 - alpha`` interval, as everywhere.

    Raises
    ------
    ColumnError
        An item column is missing or not numeric.
    ScaleRangeError
        With ``scale`` or ``codebook``: an answer outside its item's scale (the message lists
        the offending values with their counts and points to the codebook's
        ``missing_codes``: a "0 = not applicable" must be declared and cleaned away first).
    ParameterError
        Fewer than two items, an invalid ``missing`` / ``alpha`` / ``scale``, both ``scale``
        and ``codebook``, or an item the codebook does not score.

    Warns
    -----
    DataQualityWarning
        Negative alpha (often un-recoded reverse-worded items) or a constant item;
        respondents left out (``"listwise"``: any item missing; ``"pairwise"``: no
        item answered), with their number and share.  Without ``scale`` or
        ``codebook``: answers that look like undeclared missing codes - a 0 below an
        otherwise 1-5 or 1-7 battery (some items never use 0, or 0 is a lump apart from
        the answers 1-k), or -99/98/99-like codes beside 0-10 answers; they are used as
        they are, not guessed away.

    Notes
    -----
    With item covariance matrix C (k x k): alpha = k/(k-1) (1 - tr(C) / sum(C)),
    i.e. k/(k-1) (1 - sum of item variances / variance of the total score).
    Feldt (1987): lower = 1 - (1 - alpha) F(1 - a/2; n-1, (n-1)(k-1)),
    upper = 1 - (1 - alpha) F(a/2; n-1, (n-1)(k-1)), F the F-distribution quantile.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16(3), 297-334.
    Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement* 11(1), 93-103.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [4, 5, 3, 4, 2, 5], "b": [4, 4, 3, 5, 2, 4],
    ...                    "c": [5, 5, 2, 4, 3, 4]})
    >>> out = cronbach_alpha(df, scale=(1, 5))
    >>> round(float(out["cronbach_alpha"].iloc[0]), 4), int(out["n"].iloc[0])
    (0.8713, 6)
    >>> cronbach_alpha(df.assign(c=[5, 0, 2, 4, 3, 4]), scale=(1, 5))
    Traceback (most recent call last):
    ...
    cxanalytics.errors.ScaleRangeError: 1 answer(s) outside the scale (first at index 1) [column 'c']: received 0 (1 answer); expected numbers 1-5 (or missing). Values that mean 'no answer' ...
    """
    level = check_alpha(alpha)
    cols = _items(data, items, scale, codebook, "cronbach_alpha")
    cov, _, _, _, n = _moments(data, cols, missing, "cronbach_alpha")
    return _result(cov, n, level)


def cronbach_alpha_from_covariance(covariance, *, n: int | None = None,
                                   alpha: float = 0.05) -> pd.DataFrame:
    """Cronbach's alpha from an item covariance matrix (e.g. one printed in a paper).

    Parameters
    ----------
    covariance : array-like or pandas.DataFrame
        Symmetric k x k covariance matrix of the items.
    n : int, optional
        Number of respondents; the Feldt interval is given only when it is known.
    alpha : float, default 0.05
        Significance level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``cronbach_alpha``, ``ci_lower``, ``ci_upper`` (missing without
        ``n``), ``n``, ``k``.

    Raises
    ------
    ParameterError
        The matrix is not square, symmetric and finite, or ``n`` is not an integer >= 2.

    Notes
    -----
    alpha = k/(k-1) (1 - tr(C) / sum(C)); Feldt interval as in :func:`cronbach_alpha`.

    References
    ----------
    Cronbach, L. J. (1951). *Psychometrika* 16(3), 297-334.

    Examples
    --------
    >>> cov = [[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]]
    >>> round(float(cronbach_alpha_from_covariance(cov)["cronbach_alpha"].iloc[0]), 4)
    0.8136
    """
    level = check_alpha(alpha)
    cov, _ = _check_cov(covariance)
    if n is not None and not (isinstance(n, int | np.integer) and not isinstance(n, bool)
                              and n >= 2):
        raise ParameterError(describe("n must be the number of respondents", parameter="n",
                                      received=n, expected="an integer >= 2"))
    return _result(cov, None if n is None else int(n), level)


def item_statistics(data: pd.DataFrame, *, items: Sequence[str] | None = None,
                    missing: str = "listwise", scale: tuple[float, float] | None = None,
                    codebook=None) -> pd.DataFrame:
    """Per-item statistics of a scale: mean, sd, corrected item-total correlation, alpha if deleted.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, one numeric column per item; not modified.
    items : list of str, optional
        Item columns; all columns of ``data`` when omitted.
    missing : {"listwise", "pairwise"}, default "listwise"
        As in :func:`cronbach_alpha`; with ``"pairwise"`` each item's mean, sd and n
        use every answer to that item.
    scale, codebook : optional
        The items' answer scale(s), checked as in :func:`cronbach_alpha`.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``mean``, ``sd``, ``n``,
        ``item_total_correlation`` (corrected: the item against the sum of the
        *other* items) and ``alpha_if_deleted`` (missing when only two items).

    Raises
    ------
    ColumnError, ScaleRangeError, ParameterError
        As in :func:`cronbach_alpha`.

    Warns
    -----
    DataQualityWarning
        Respondents left out (``"listwise"``: any item missing; ``"pairwise"``: no item
        answered), with their number and share; values that look like undeclared
        missing codes, as in :func:`cronbach_alpha`.

    Notes
    -----
    With C the covariance matrix, r_i = sum_j C_ij and S = sum(C):
    corrected item-total correlation = (r_i - C_ii) / sqrt(C_ii (S - 2 r_i + C_ii));
    alpha if item i is deleted = (k-1)/(k-2) (1 - (tr C - C_ii) / (S - 2 r_i + C_ii)).

    References
    ----------
    Cronbach, L. J. (1951). *Psychometrika* 16(3), 297-334.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [4, 5, 3, 4, 2, 5], "b": [4, 4, 3, 5, 2, 4],
    ...                    "c": [5, 5, 2, 4, 3, 4]})
    >>> out = item_statistics(df)
    >>> [round(v, 3) for v in out["alpha_if_deleted"]]
    [0.752, 0.829, 0.868]
    """
    cols = _items(data, items, scale, codebook, "item_statistics")
    cov, means, sds, counts, _ = _moments(data, cols, missing, "item_statistics")
    k = len(cols)
    diag = np.diag(cov)
    row = cov.sum(axis=1)
    rest = cov.sum() - 2 * row + diag  # variance of the total without item i
    with np.errstate(invalid="ignore", divide="ignore"):
        r_it = (row - diag) / np.sqrt(diag * rest)
        a_del = ((k - 1) / (k - 2) * (1 - (np.trace(cov) - diag) / rest) if k > 2
                 else np.full(k, np.nan))
    return pd.DataFrame({"item": cols, "mean": means, "sd": sds, "n": counts.astype(np.int64),
                         "item_total_correlation": r_it, "alpha_if_deleted": a_del})
