"""Key-driver analysis: which parts of the experience move the outcome, and by how much.

- :func:`relative_weights` / :func:`relative_weights_from_correlation`: Johnson's (2000)
  relative weights (each driver's share of R², robust to correlated drivers), the logistic
  variant of Tonidandel & LeBreton (2010), with seeded bootstrap intervals computed for many
  resamples at once (one matrix product per block of resamples, batched eigen-decompositions).
- :func:`importance_performance`: driver weight against mean score, with quadrant labels.
- :func:`repurchase_model`: logistic regression (statsmodels) as tidy odds ratios and
  average marginal effects.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxanalytics._core.validate import renamed_parameters

from .._core.covariates import numeric_text, require_full_rank
from .._core.scalecheck import check_items, item_scales, warn_suspect_codes
from .._core.separation import message, scan
from .._core.validate import as_list, check_alpha, require_columns, require_frame, warn_dropped
from ..errors import (
    ColumnError,
    ConvergenceError,
    ConvergenceWarning,
    ParameterError,
    SeparationWarning,
    describe,
)
from ._drivers_logit import repurchase_model
from ._logit import LogitResult
from ._relweights import (
    _corr,
    _linear_weights,
    _logistic_weights,
    _moments,
    _pair_products,
)

__all__ = ["relative_weights", "relative_weights_from_correlation", "importance_performance",
           "repurchase_model", "LogitResult"]

QUADRANTS = {(True, False): "concentrate here", (True, True): "keep up the good work",
             (False, False): "low priority", (False, True): "possible overkill"}


# --------------------------------------------------------------------------- public API
def relative_weights_from_correlation(R, *, outcome: object = None,
                                      names: Sequence[str] | None = None) -> pd.DataFrame:
    r"""Johnson's (2000) relative weights from a correlation matrix.

    Parameters
    ----------
    R : array-like or DataFrame, shape (p + 1, p + 1)
        Correlations among the drivers and the outcome.
    outcome : label or int, optional
        Row/column of the outcome (a label of a DataFrame or a position); default the last.
    names : sequence of str, optional
        Driver names (default the DataFrame labels, or ``x1`` .. ``xp``).

    Returns
    -------
    DataFrame
        ``driver``, ``weight`` (raw relative weight; they sum to R²), ``share`` (weight /
        R²), ``rank`` (1 = largest) and ``r_squared``.

    Raises
    ------
    ParameterError
        A matrix that is not square, symmetric, with unit diagonal and positive definite.

    Notes
    -----
    With :math:`R_{xx} = P \Lambda P^\top`, let :math:`\Lambda^{*} = P\Lambda^{1/2}P^\top`
    (correlations of the drivers with their closest orthogonal counterparts Z) and
    :math:`\beta = \Lambda^{*-1} r_{xy}` (regression of y on Z). The raw weight of driver
    j is :math:`\varepsilon_j = \sum_k \lambda^{*2}_{jk}\beta_k^2`; :math:`\sum_j
    \varepsilon_j = r_{xy}^\top R_{xx}^{-1} r_{xy} = R^2`.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research* 35(1), 1-19.

    Examples
    --------
    >>> R = [[1.0, 0.2, 0.3, 0.4, -0.4], [0.2, 1.0, 0.5, 0.1, 0.1], [0.3, 0.5, 1.0, 0.2, -0.3],
    ...      [0.4, 0.1, 0.2, 1.0, 0.4], [-0.4, 0.1, -0.3, 0.4, 1.0]]
    >>> out = relative_weights_from_correlation(R)
    >>> [round(w, 4) for w in out["weight"]], round(float(out["r_squared"].iloc[0]), 4)
    ([0.2407, 0.0549, 0.1214, 0.2816], 0.6986)
    """
    labels = list(R.columns) if isinstance(R, pd.DataFrame) else None
    try:
        m = np.asarray(R, dtype=float)
    except (TypeError, ValueError) as err:
        raise ParameterError(describe("Cannot read the correlation matrix", parameter="R",
                                      received=type(R).__name__, expected="a square numeric matrix")) from err
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
        raise ParameterError(describe("Correlation matrix must be square", parameter="R",
                                      received=m.shape, expected="(p + 1, p + 1) with p >= 1"))
    if not (np.allclose(m, m.T, atol=1e-10) and np.allclose(np.diag(m), 1, atol=1e-10)):
        raise ParameterError(describe("Not a correlation matrix", parameter="R",
                                      received="asymmetric or diagonal != 1",
                                      expected="symmetric with unit diagonal"))
    k = m.shape[0]
    if outcome is None:
        pos = k - 1
    elif labels is not None and outcome in labels:
        pos = labels.index(outcome)
    elif isinstance(outcome, int) and -k <= outcome < k:
        pos = outcome % k
    else:
        raise ParameterError(describe("Unknown outcome", parameter="outcome", received=outcome,
                                      expected=f"a label of R or a position 0-{k - 1}"))
    idx = [i for i in range(k) if i != pos]
    rxx, rxy = m[np.ix_(idx, idx)], m[idx, pos]
    if np.linalg.eigvalsh(m)[0] <= 1e-12:
        raise ParameterError(describe("Correlation matrix is not positive definite", parameter="R",
                                      received=f"smallest eigenvalue {np.linalg.eigvalsh(m)[0]:.3g}",
                                      expected="drivers that are not collinear"))
    if names is None:
        names = [labels[i] for i in idx] if labels is not None else [f"x{i + 1}" for i in range(k - 1)]
    if len(names) != k - 1:
        raise ParameterError(describe("One name per driver", parameter="names",
                                      received=list(names), expected=f"{k - 1} names"))
    w = _linear_weights(rxx, rxy)
    r2 = float(w.sum())
    return pd.DataFrame({"driver": list(names), "weight": w, "share": w / r2,
                         "rank": stats.rankdata(-w, method="min").astype(int), "r_squared": r2})


def _design_columns(data: pd.DataFrame, outcome: str, drivers: list[str], kind: str):
    require_columns(data, [outcome, *drivers])
    frame = {}
    for col in [outcome, *drivers]:
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(s.cat.categories):
            s = s.astype(float)
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            numeric_text(s, col, parameter="drivers")
            raise ColumnError(describe("Drivers and outcome must be numeric", column=col,
                                       received=str(s.dtype), expected="numbers (or ordinal numeric codes)"))
        frame[col] = s.to_numpy(dtype=float, na_value=np.nan)
    values = np.column_stack(list(frame.values()))
    complete = ~np.isnan(values).any(axis=1)
    warn_dropped(int((~complete).sum()), len(complete), "with a missing value", function="relative_weights",
                 column=[outcome, *drivers], role="outcome or drivers", stacklevel=4)
    values = values[complete]
    y, x = values[:, 0], values[:, 1:]
    if kind == "logistic" and not np.isin(y, (0.0, 1.0)).all():
        raise ColumnError(describe("A logistic outcome must be 0/1", column=outcome,
                                   received=sorted(np.unique(y))[:5], expected="0/1 or True/False"))
    if len(y) <= len(drivers) + 1:
        raise ParameterError(describe("Too few complete rows", parameter="data", received=len(y),
                                      expected=f"more than {len(drivers) + 1}"))
    const = np.ptp(values, axis=0) == 0
    if const.any():
        raise ColumnError(describe("Constant column", column=[outcome, *drivers][int(np.argmax(const))],
                                   expected="a column that varies"))
    if kind == "logistic" and (found := scan(x, pd.DataFrame(
            {"term": drivers, "variable": drivers, "level": None, "reference": None}), y)):
        warnings.warn(message(found, [], outcome=outcome), SeparationWarning, stacklevel=3)
    return y, x


@renamed_parameters(n_boot="n_resamples")
def relative_weights(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                     kind: str = "linear", n_resamples: int = 1000, alpha: float = 0.05,
                     random_state: int | np.random.Generator | None = None,
                     progress: bool = False, block: int | None = None,
                     scale: tuple[float, float] | None = None, codebook=None) -> pd.DataFrame:
    r"""Relative weights of drivers (Johnson 2000) with bootstrap percentile intervals.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows with a missing outcome or driver are left out.
    outcome : str
        Outcome column (numeric; 0/1 or boolean for ``kind="logistic"``).
    drivers : sequence of str
        Numeric driver columns (ordinal categoricals of numbers are used as numbers).
    kind : {"linear", "logistic"}, default "linear"
        Linear (weights sum to the OLS R²) or logistic (Tonidandel & LeBreton 2010).
    n_resamples : int, default 1000
        Bootstrap resamples (0: no intervals).  (Called ``n_boot`` before 0.2; the old name
        still works, with a ``FutureWarning``.)
    alpha : float, default 0.05
        The intervals are the alpha/2 and 1 - alpha/2 percentiles.
    random_state : int or numpy Generator, optional
        Seed of the resampling.
    progress : bool, default False
        Show a tqdm progress bar over blocks of resamples.
    block : int, optional
        Resamples computed at once (default: as many as fit in about 64 MB).
    scale : (low, high), optional
        Answer scale of the drivers: a driver answer outside it raises :class:`ScaleRangeError`.
    codebook : Codebook, optional
        Instead of ``scale``: the outcome and every driver the codebook scores are checked
        against their own ``scale_min``-``scale_max``.

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``weight`` (raw weight), ``share`` (weight / R²),
        ``rank``, ``ci_lower``, ``ci_upper`` (interval of the weight), ``share_ci_lower``,
        ``share_ci_upper``, ``r_squared`` (R², or the pseudo-R² below), ``n``, ``kind``.

    Raises
    ------
    ColumnError
        Missing, non-numeric or constant columns; a non-binary logistic outcome.
    ScaleRangeError
        With ``scale`` or ``codebook``: an answer outside its scale (e.g. a "0 = not
        applicable" not declared in the codebook's ``missing_codes`` and cleaned away).
    ParameterError
        Unknown ``kind``, bad ``n_resamples``, too few rows; collinear drivers (a
        :class:`~cxanalytics.errors.CovariateError` naming them); a text driver that is
        mostly numbers (idem); a bad ``scale``.

    Warns
    -----
    DataQualityWarning
        Rows with a missing outcome or driver are left out (the message gives their
        number and share); without ``scale``/``codebook``, driver answers that look like
        undeclared missing codes (as in :func:`cxanalytics.cronbach_alpha`).
    ConvergenceWarning
        Some logistic fits (e.g. of resamples with separation) did not converge.
    SeparationWarning
        ``kind="logistic"`` and a driver (almost) separates the outcome (see
        :func:`repurchase_model`).

    Notes
    -----
    Linear: see :func:`relative_weights_from_correlation`, applied to the sample
    correlations. Logistic: the logistic regression on the orthogonal Z has coefficients
    :math:`b = \Lambda^{*}\gamma`, where :math:`\gamma` are the coefficients of the
    standardised drivers (one fit on the drivers suffices, since Z is a linear transform of
    them); they are standardised as :math:`b^*_k = b_k R / s_{\hat\eta}` (Z has unit
    variance), with :math:`s_{\hat\eta}` the standard deviation of the fitted logits and
    :math:`R^2` the squared correlation between the outcome and the fitted probabilities
    (:math:`R^2_O`). The raw weights :math:`\sum_k \lambda^{*2}_{jk} b^{*2}_k` then sum to
    that :math:`R^2_O`. Each resample is a row of multinomial counts: its moments are one
    matrix product, so blocks of resamples are computed together.

    References
    ----------
    Johnson, J. W. (2000). *Multivariate Behavioral Research* 35(1), 1-19. Tonidandel, S. &
    LeBreton, J. M. (2010). Determining the relative importance of predictors in logistic
    regression. *Organizational Research Methods* 13(4), 767-781. Menard, S. (2004). Six
    approaches to calculating standardized logistic regression coefficients. *The
    American Statistician* 58(3), 218-223.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 3))
    >>> df = pd.DataFrame(x, columns=["speed", "courtesy", "price"])
    >>> df["sat"] = x @ [0.5, 0.3, 0.0] + rng.normal(size=200)
    >>> out = relative_weights(df, "sat", ["speed", "courtesy", "price"], n_resamples=200, random_state=1)
    >>> out["driver"].tolist(), round(float(out["weight"].sum() - out["r_squared"].iloc[0]), 10)
    (['speed', 'courtesy', 'price'], 0.0)
    """
    data = require_frame(data)
    if kind not in ("linear", "logistic"):
        raise ParameterError(describe("Unknown kind", parameter="kind", received=kind,
                                      expected="'linear' or 'logistic'"))
    if not (isinstance(n_resamples, int | np.integer) and not isinstance(n_resamples, bool) and n_resamples >= 0):
        raise ParameterError(describe("n_resamples must be a whole number >= 0", parameter="n_resamples",
                                      received=n_resamples, expected="e.g. 1000"))
    alpha = check_alpha(alpha)
    names = as_list(drivers)
    if not names or len(set(names)) != len(names) or outcome in names:
        raise ParameterError(describe("Drivers must be distinct columns other than the outcome",
                                      parameter="drivers", received=names, expected="e.g. ['speed', 'price']"))
    scales = item_scales(names if codebook is None else [outcome, *names], scale=scale, codebook=codebook,
                         require_all=False)  # fmt: skip
    y, x = _design_columns(data, outcome, names, kind)
    if scales is None:
        warn_suspect_codes(data, [c for c in names if pd.api.types.is_numeric_dtype(data[c])
                                  and not pd.api.types.is_bool_dtype(data[c])], "relative_weights")  # fmt: skip
    else:
        check_items(data, scales)
    n, p = x.shape
    require_full_rank(x, names, parameter="drivers")
    one = np.ones((1, n))
    xy = np.column_stack([x, y])
    pairs = _pair_products(xy)
    pairs_x = pairs if kind == "linear" else _pair_products(x)
    pairs_xa = None if kind == "linear" else _pair_products(np.column_stack([np.ones(n), x]))

    def weights_for(counts: np.ndarray) -> tuple[np.ndarray, bool]:
        if kind == "linear":
            _, cov = _moments(counts, xy, pairs)
            r = _corr(cov)
            return _linear_weights(r[:, :p, :p], r[:, :p, p]), True
        return _logistic_weights(counts, x, y, pairs_x, pairs_xa)

    point, ok = weights_for(one)
    if not ok:
        raise ConvergenceError(describe("The logistic fit did not converge (separation?)",
                                        parameter="drivers", received=names,
                                        expected="drivers that do not perfectly predict the outcome"))
    w = point[0]
    r2 = float(w.sum())
    out = pd.DataFrame({"driver": names, "weight": w, "share": w / r2,
                        "rank": stats.rankdata(-w, method="min").astype(int)})
    lo = hi = slo = shi = np.full(p, np.nan)
    if n_resamples:
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        size = block or max(1, min(n_resamples, int(8e6 // max(n, 1))))
        boots, failed = [], 0
        starts = range(0, n_resamples, size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="bootstrap", unit="block", total=len(starts))
        for start in starts:
            b = min(size, n_resamples - start)
            idx = rng.integers(0, n, size=(b, n))
            counts = np.bincount((idx + n * np.arange(b)[:, None]).ravel(), minlength=b * n)
            wb, ok_b = weights_for(counts.reshape(b, n).astype(float))
            failed += 0 if ok_b else b
            boots.append(wb)
        wb = np.concatenate(boots)
        keep = np.isfinite(wb).all(axis=1)
        if failed or not keep.all():
            warnings.warn(f"{int(failed or (~keep).sum())} bootstrap fit(s) may not have converged",
                          ConvergenceWarning, stacklevel=2)
        wb = wb[keep]
        sb = wb / wb.sum(axis=1, keepdims=True)
        q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
        lo, hi = np.percentile(wb, q, axis=0)
        slo, shi = np.percentile(sb, q, axis=0)
    return out.assign(ci_lower=lo, ci_upper=hi, share_ci_lower=slo, share_ci_upper=shi,
                      r_squared=r2, n=n, kind=kind)


@renamed_parameters(n_boot="n_resamples")
def importance_performance(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                           kind: str = "linear", scale: tuple[float, float] | None = None,
                           importance_cut: float | None = None,
                           performance_cut: float | None = None, n_resamples: int = 0,
                           alpha: float = 0.05,
                           random_state: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Importance-performance table: each driver's relative weight against its mean score.

    Parameters
    ----------
    data, outcome, drivers, kind, n_resamples, alpha, random_state
        As in :func:`relative_weights` (``n_resamples=0`` by default: no intervals).
    scale : (low, high), optional
        Answer scale of the drivers: performance is then rescaled to 0-100.
    importance_cut : float, optional
        Share of R² above which a driver is "important"; default 1 / number of drivers.
    performance_cut : float, optional
        Performance above which a driver does well; default the mean of the drivers' means.

    Returns
    -------
    DataFrame
        The columns of :func:`relative_weights` plus ``performance`` (mean score, or 0-100),
        ``important`` and ``performing`` (bool) and ``quadrant``: "concentrate here"
        (important, performing poorly), "keep up the good work", "low priority",
        "possible overkill" (performing well, unimportant).

    Raises
    ------
    ParameterError, ColumnError
        As :func:`relative_weights`; a bad ``scale``.

    Warns
    -----
    DataQualityWarning
        As :func:`relative_weights` (whose name the message carries): rows with a missing
        outcome or driver are left out of the weights. ``performance`` is the mean of each
        driver over all its answers.

    References
    ----------
    Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing* 41(1), 77-79.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> x = rng.integers(1, 8, size=(300, 3)).astype(float)
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [1.0, 0.2, 0.0] + rng.normal(size=300))
    >>> importance_performance(df, "y", ["a", "b", "c"], scale=(1, 7))["quadrant"].iloc[0] in (
    ...     "concentrate here", "keep up the good work")
    True
    """
    table = relative_weights(data, outcome, drivers, kind=kind, n_resamples=n_resamples, alpha=alpha,
                             random_state=random_state)
    names = as_list(drivers)
    means = []
    for col in names:
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(float)
        means.append(float(np.nanmean(s.to_numpy(dtype=float, na_value=np.nan))))
    perf = np.array(means)
    if scale is not None:
        if not (isinstance(scale, tuple | list) and len(scale) == 2 and scale[0] < scale[1]):
            raise ParameterError(describe("Invalid scale", parameter="scale", received=scale,
                                          expected="(low, high) with low < high"))
        perf = 100 * (perf - scale[0]) / (scale[1] - scale[0])
    icut = 1 / len(names) if importance_cut is None else float(importance_cut)
    pcut = float(perf.mean()) if performance_cut is None else float(performance_cut)
    important = table["share"].to_numpy() >= icut
    performing = perf >= pcut
    quadrant = [QUADRANTS[(bool(i), bool(q))] for i, q in zip(important, performing, strict=True)]
    return table.assign(performance=perf, important=important, performing=performing,
                        quadrant=quadrant)
