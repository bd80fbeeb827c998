"""Logistic drivers of repurchase (internal; public as :func:`cxanalytics.link.drivers.repurchase_model`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.covariates import check_covariates, require_full_rank
from .._core.separation import fitted_signs, message, scan
from .._core.validate import (
    as_list,
    check_alpha,
    renamed_parameters,
    require_columns,
    require_frame,
    warn_dropped,
)
from ..errors import (
    ColumnError,
    ConvergenceError,
    ParameterError,
    SeparationWarning,
    describe,
)
from ._logit import LogitResult, _logit_design, marginal_effects


@renamed_parameters(predictors="covariates")
def repurchase_model(linked: pd.DataFrame, outcome: str, covariates: str | Sequence[str], *,
                     reference: dict | None = None, alpha: float = 0.05) -> LogitResult:
    r"""Logistic regression of a binary outcome (e.g. repurchase) on predictors (statsmodels).

    Parameters
    ----------
    linked : DataFrame
        One row per unit, e.g. ``link_responses(...).linked``.
    outcome : str
        True/false (or 0/1) column; rows where it is missing (e.g. censored) are left out.
    covariates : str or list of str
        Numeric columns enter as they are (ordinal categoricals of numbers as numbers);
        text, boolean and categorical columns become one indicator per non-reference level.
        (Called ``predictors`` before 0.2; the old name still works, with a ``FutureWarning``.)
    reference : dict, optional
        Reference level per categorical predictor (default the first level).
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    LogitResult
        ``odds_ratios``: ``term``, ``variable``, ``level``, ``reference``, ``coef`` (log
        odds), ``std_error``, ``z``, ``p_value``, ``odds_ratio``, ``ci_lower``,
        ``ci_upper`` (for the odds ratio), ``n``; the intercept is the first row (its odds
        ratio is the baseline odds). ``marginal_effects``: ``term``, ``method``
        ("discrete change" or "derivative", see Notes), ``ame`` (average marginal effect on
        the probability), ``std_error``, ``z``, ``p_value``, ``ci_lower``, ``ci_upper``,
        ``n``.

    Raises
    ------
    ColumnError
        Missing columns, a non-binary outcome.
    CovariateError
        Before any fit: a text predictor that is mostly numbers, a categorical one with too
        many levels for the events, constant or perfectly collinear predictors (the message
        names them; rules in :mod:`cxanalytics._core.covariates`).
    ConvergenceError
        The fit failed, e.g. complete separation (the message shows the cross-table).

    Warns
    -----
    DataQualityWarning
        Rows with a missing outcome or predictor are left out (the message gives their
        number and share).
    SeparationWarning
        A predictor separates the outcome completely, quasi-completely or nearly
        (single-predictor AUC >= 0.98), or the fit shows huge coefficients, standard errors
        or fitted probabilities of 0 or 1; the message holds the cross-table (rules in
        :mod:`cxanalytics._core.separation`).

    Notes
    -----
    :math:`\mathrm{logit}\,P(y=1) = x^\top\beta`; odds ratio :math:`e^{\beta_j}` with
    Wald interval :math:`e^{\beta_j \pm z_{1-\alpha/2}\mathrm{se}_j}`. The average marginal
    effect of a numeric predictor is :math:`\frac1n\sum_i \beta_j \hat p_i(1-\hat p_i)`
    (statsmodels ``get_margeff(at="overall")``, delta-method standard errors). For a 0/1
    predictor and each level of a categorical one it is the *discrete change*
    :math:`\frac1n\sum_i [\hat P(y=1 \mid x_i, \text{level}) - \hat P(y=1 \mid x_i,
    \text{reference})]`, each row's other predictors kept, with a delta-method standard
    error (for a 0/1 predictor, statsmodels ``get_margeff(at="overall", dummy=True)``). The
    derivative of an indicator can be far from the change it stands for: when a 0/1
    predictor nearly separates the outcome (churn 0.05 % without, 99.5 % with), the
    derivative is about 0.02 while the change is 0.99.

    References
    ----------
    Hosmer, D. W., Lemeshow, S. & Sturdivant, R. X. (2013). *Applied Logistic Regression*,
    3rd ed. Wiley.

    Examples
    --------
    >>> t = [66, 70, 69, 68, 67, 72, 73, 70, 57, 63, 70, 78, 67, 53, 67, 75, 70, 81, 76, 79,
    ...      75, 76, 58]
    >>> y = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    >>> fit = repurchase_model(pd.DataFrame({"temp": t, "damage": y}), "damage", "temp")
    >>> round(float(fit.odds_ratios["coef"].iloc[1]), 4)
    -0.2322
    """
    linked = require_frame(linked, parameter="linked")
    preds = as_list(covariates)
    if not preds:
        raise ParameterError(describe("At least one predictor is required", parameter="covariates",
                                      received=covariates, expected="a column name or a list"))
    require_columns(linked, [outcome, *preds], what="linked")
    z_crit = stats.norm.ppf(1 - check_alpha(alpha) / 2)
    col = linked[outcome]
    if not (pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col)):
        raise ColumnError(describe("Outcome must be true/false", column=outcome,
                                   received=str(col.dtype), expected="booleans or 0/1"))
    y = col.to_numpy(dtype=float, na_value=np.nan)
    if not np.isin(y[~np.isnan(y)], (0.0, 1.0)).all():
        raise ColumnError(describe("Outcome must be 0/1", column=outcome,
                                   received=sorted(set(y[~np.isnan(y)]))[:5], expected="0/1"))
    used = ~np.isnan(y) & linked[preds].notna().all(axis=1).to_numpy()
    events = int(y[used].sum())
    check_covariates(linked[used], preds, m=min(events, int(used.sum()) - events),
                     what="events or non-events (the fewer)", parameter="covariates")
    import statsmodels.api as sm  # after the checks: refusing bad input needs no statsmodels
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    x, terms = _logit_design(linked, preds, dict(reference or {}))
    complete = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
    warn_dropped(int((~complete).sum()), len(complete), "with a missing value", function="repurchase_model",
                 column=[outcome, *preds], role="outcome or predictors")
    y, x = y[complete], sm.add_constant(x[complete], has_constant="add")
    require_full_rank(x[:, 1:], list(terms["term"]), parameter="covariates")
    found = scan(x[:, 1:], terms, y)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit = sm.Logit(y, x).fit(disp=0, maxiter=100)
    except (PerfectSeparationError, np.linalg.LinAlgError, Warning) as err:
        raise ConvergenceError(describe("The logistic fit failed (perfect separation?)",
                                        parameter="covariates", received=list(terms["term"]),
                                        expected="predictors that do not perfectly predict the outcome")
                               + "\n" + (message(found, [], outcome=outcome) if found else
                                          "No single predictor separates the outcome: a combination "
                                          "of them may, or the data carry too little information")) from err
    b, se = np.asarray(fit.params), np.asarray(fit.bse)
    signs = fitted_signs(b[1:], se[1:], x[:, 1:], list(terms["term"]), fit.predict())
    if found or signs:
        warnings.warn(message(found, signs, outcome=outcome), SeparationWarning, stacklevel=2)
    terms = pd.concat([pd.DataFrame([("intercept", "intercept", None, None)], columns=terms.columns),
                       terms], ignore_index=True)
    zval = b / se
    odds = terms.assign(coef=b, std_error=se, z=zval, p_value=2 * stats.norm.sf(np.abs(zval)),
                        odds_ratio=np.exp(b), ci_lower=np.exp(b - z_crit * se),
                        ci_upper=np.exp(b + z_crit * se), n=len(y))
    margins = marginal_effects(fit, x, terms.iloc[1:], z_crit)
    return LogitResult(odds_ratios=odds, marginal_effects=margins, n=len(y),
                       pseudo_r2=float(fit.prsquared))
