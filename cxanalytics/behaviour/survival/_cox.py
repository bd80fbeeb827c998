"""Cox proportional-hazards regression as a tidy frame (vectorised Newton fit; statsmodels ``PHReg`` fallback)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.covariates import check_covariates, require_full_rank
from ..._core.separation import fitted_signs, message, scan
from ..._core.validate import as_list, check_alpha, require_columns, require_frame, warn_dropped
from ...errors import (
    ConvergenceError,
    ConvergenceWarning,
    ParameterError,
    SeparationWarning,
    describe,
)
from ._coxfit import fit_cox
from ._kmprep import _prepare

__all__ = ["cox"]


# --------------------------------------------------------------------------- Cox
def _design(frame: pd.DataFrame, covariates: list[str], reference: Mapping[str, object]):
    """Numeric design matrix; categorical covariates become treatment (dummy) columns."""
    blocks, rows = [], []
    for name in covariates:
        col = frame[name]
        categorical = not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        if not categorical:
            blocks.append(col.to_numpy(dtype=float)[:, None])
            rows.append((name, name, None, None))
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = set(col.unique())
            levels = [c for c in col.cat.categories if c in present]
        else:
            levels = sorted(col.unique(), key=lambda v: (str(type(v)), v))
        ref = reference.get(name, levels[0])
        if ref not in levels:
            raise ParameterError(describe(f"Reference level not found in column {name!r}",
                                          parameter="reference", received=ref,
                                          expected=f"one of {levels}"))
        if len(levels) < 2:
            raise ParameterError(describe("A categorical covariate needs two or more levels",
                                          column=name, received=levels,
                                          expected="at least two distinct values"))
        values = col.to_numpy()
        for level in levels:
            if level == ref:
                continue
            blocks.append((values == level).astype(float)[:, None])
            rows.append((f"{name}[{level}]", name, level, ref))
    terms = pd.DataFrame(rows, columns=["term", "variable", "level", "reference"])
    return np.hstack(blocks), terms


def _fit_statsmodels(t, e, x, groups, ties, terms):
    """PHReg fit (Newton, then BFGS and a Newton polish when Newton overshoots to inf)."""
    from statsmodels.duration.hazard_regression import PHReg  # after the checks (slow first import)

    model = PHReg(t, x, status=e.astype(float), strata=groups, ties=ties)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit()
    except np.linalg.LinAlgError as err:
        raise ConvergenceError(describe("Cox fit failed: singular information matrix",
                                        parameter="covariates", received=list(terms["term"]),
                                        expected="covariates with information about the "
                                        "event times")) from err
    if not np.all(np.isfinite(fit.params)):  # Newton's steps can overshoot to inf (IBM Telco's offer): BFGS then
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit(method="bfgs", maxiter=1000)
            if np.all(np.isfinite(fit.params)):  # polish: Newton from near the optimum converges tightly
                fit = model.fit(start_params=fit.params)
    params, bse = np.asarray(fit.params), np.asarray(fit.bse)
    return params, bse, model.score(params), caught


def cox(data: pd.DataFrame, *, duration: str, event: str, covariates: str | Sequence[str],
        strata: str | Sequence[str] | None = None, ties: str = "breslow",
        reference: Mapping[str, object] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    r"""Cox proportional-hazards regression as a tidy hazard-ratio frame.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators (1/True event, 0/False censored).
    covariates : str or list of str
        Explanatory columns. Numeric columns enter as they are; text, categorical and
        boolean columns are expanded into one indicator per level except the reference.
    strata : str or list of str, optional
        Columns defining strata with separate baseline hazards (no coefficient estimated).
    ties : {"breslow", "efron"}, default "breslow"
        Handling of tied event times. Breslow is the default of SAS and Stata (and of
        statsmodels); R's ``coxph`` uses Efron, which is closer to the exact likelihood.
    reference : dict, optional
        Reference level per categorical column, e.g. ``{"plan": "basic"}``; default the
        first category (categorical dtype) or the first value in sorted order.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    DataFrame
        One row per coefficient: ``term`` (``column`` or ``column[level]``), ``variable``,
        ``level`` and ``reference`` (None for numeric covariates), ``coef`` (log hazard
        ratio), ``hazard_ratio``, ``std_error`` (of ``coef``), ``z``, ``p_value`` (Wald),
        ``ci_lower``, ``ci_upper`` (interval for the hazard ratio), ``n`` (rows used),
        ``n_events``.

    Raises
    ------
    ColumnError
        Missing columns or invalid durations / events.
    ParameterError
        Unknown ``ties`` or reference level, no events.
    CovariateError
        Before any fit (a ``ParameterError`` and a ``ColumnError``): a text covariate that is
        mostly numbers, a categorical one with more levels than ``min(50, max(2, events //
        5))``, constant or perfectly collinear covariates (named in the message; rules in
        :mod:`cxanalytics._core.covariates`).

    Warns
    -----
    DataQualityWarning
        Rows with missing covariates or strata are left out (the message gives their
        number and share). Missing durations or events raise instead.
    ConvergenceWarning
        The score at the estimate is not close to zero (e.g. a level with no events, whose
        hazard ratio diverges).
    SeparationWarning
        A level with no events (monotone likelihood), a covariate that almost perfectly
        separates subjects with events from those without (AUC >= 0.98), or a fitted
        log hazard ratio beyond 10 (or standard error beyond 5) per 0 -> 1 change or per two
        standard deviations; the message holds the cross-table (rules in
        :mod:`cxanalytics._core.separation`).

    Notes
    -----
    The hazard of subject :math:`i` is :math:`h_0(t) \exp(x_i^\top \beta)`; :math:`\beta`
    maximises the partial likelihood. Intervals are Wald intervals on the log scale:
    :math:`\exp(\hat\beta \pm z_{1-\alpha/2}\,\mathrm{se})`. The fit is a vectorised
    Newton-Raphson (:mod:`cxanalytics.behaviour.survival._coxfit`; standard errors from the inverse
    observed information) that reproduces statsmodels ``PHReg``; when it does not converge or
    there are signs of separation, ``PHReg`` itself is used (with its BFGS fallback).

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34, 187-220. Breslow, N.
    (1974). *Biometrics* 30, 89-99. Efron, B. (1977). *JASA* 72, 557-565.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [3, 5, 6, 8, 9, 4, 10, 12, 15, 16],
    ...                    "churned": [1, 1, 1, 0, 1, 1, 1, 0, 1, 0],
    ...                    "tier": ["basic"] * 5 + ["premium"] * 5})
    >>> fit = cox(df, duration="days", event="churned", covariates="tier")
    >>> fit["term"].iloc[0], round(float(fit["hazard_ratio"].iloc[0]), 3)
    ('tier[premium]', 0.158)
    """
    alpha = check_alpha(alpha)
    if ties not in ("breslow", "efron"):
        raise ParameterError(describe("Unknown ties method", parameter="ties", received=ties,
                                      expected="'breslow' or 'efron'"))
    covs, strata_cols = as_list(covariates), as_list(strata)
    if not covs:
        raise ParameterError(describe("At least one covariate is required",
                                      parameter="covariates", received=covariates,
                                      expected="a column name or a list of them"))
    data = require_frame(data)
    require_columns(data, [duration, event, *covs, *strata_cols])
    incomplete = data[covs + strata_cols].isna().any(axis=1).to_numpy()
    if incomplete.any():
        warn_dropped(int(incomplete.sum()), len(data), "with a missing value", function="cox",
                     column=covs + strata_cols, role="covariates or strata")
        data = data.loc[~incomplete]
    t, e, _, _, _ = _prepare(data, duration, event, None)
    if not e.any():
        raise ParameterError(describe("No events: hazard ratios cannot be estimated",
                                      column=event, received="0 events", expected="some 1s"))
    check_covariates(data, covs, m=int(e.sum()), what="events")
    x, terms = _design(data, covs, dict(reference or {}))
    groups = data.groupby(strata_cols, sort=True).ngroup().to_numpy() if strata_cols else None
    # the partial likelihood ignores shifts (within strata): centre before the rank check
    require_full_rank(x, list(terms["term"]), groups=groups)
    found = scan(x, terms, e, cox=True)
    fast = fit_cox(t, e, x, groups, ties=ties)
    # the same optimum as PHReg, without its loop over event times; anything that could separate
    # (a flag from the scan, a huge fitted coefficient or error) keeps PHReg's own path and numbers
    if fast.converged and not found and not fitted_signs(fast.params, fast.bse, x, list(terms["term"])):
        params, bse, score, caught = fast.params, fast.bse, fast.score, []
    else:  # non-convergence, separation: statsmodels PHReg as before
        params, bse, score, caught = _fit_statsmodels(t, e, x, groups, ties, terms)
    failed = any("converge" in str(w.message) for w in caught)
    failed |= np.max(np.abs(score)) > 1e-4 * max(1.0, float(e.sum()))
    failed |= not np.all(np.isfinite(bse))
    if failed:
        warnings.warn(describe("Cox fit did not converge; estimates are unreliable (a level "
                               "with no events, or separation?)", parameter="covariates",
                               received={k: round(float(v), 3) for k, v in zip(terms["term"], params, strict=True)}),
                      ConvergenceWarning, stacklevel=2)
    signs = fitted_signs(params, bse, x, list(terms["term"]))
    if found or signs:
        warnings.warn(message(found, signs, outcome=event, cox=True), SeparationWarning, stacklevel=2)
    z_crit = stats.norm.ppf(1 - alpha / 2)
    z = params / bse
    with np.errstate(over="ignore"):
        out = terms.assign(coef=params, hazard_ratio=np.exp(params), std_error=bse, z=z,
                           p_value=2 * stats.norm.sf(np.abs(z)),
                           ci_lower=np.exp(params - z_crit * bse),
                           ci_upper=np.exp(params + z_crit * bse), n=len(t),
                           n_events=int(e.sum()))
    return out
