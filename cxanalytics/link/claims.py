"""The customer-service literature's claims, tested on your own data with intervals.

Every function returns a :class:`ClaimResult`: ``verdict``, a tidy table with one row per
tested statement (``claim``, ``measure``, ``estimate``, ``ci_lower``, ``ci_upper``, ``n``,
``alpha``, ``supported`` — "yes", "no" or "n/a" for descriptive rows — and ``note``), and
``evidence``, the table behind it. A claim is "supported" only when the interval excludes
the null in the claimed direction; when the data point the *other* way the note says so
plainly ("WRONG WAY"); when the group or score alone explains nearly all of the outcome, it
says "TOO GOOD TO BE TRUE" (rule: :func:`cxanalytics._core.separation.too_good`).

The inputs are the frames of :mod:`cxanalytics.link.linking` (``link_responses(...).linked``
or ``encounter_landmarks(...)``), or any table with the same columns. Hazard ratios come
from :func:`cxanalytics.behaviour.survival.cox`. All of this is observational: a supported claim is
an association that survives the stated adjustment, not proof of cause.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxanalytics._core.validate import renamed_parameters

from .._core.separation import too_good
from .._core.validate import check_alpha, require_columns, warn_dropped
from ..behaviour.survival import cox
from ..errors import ConvergenceError, ParameterError, describe
from ._claims_encounters import claim_negative_encounters, claim_recovery_paradox
from ._claims_service import claim_service_standards
from ._claimtools import (
    ClaimResult,
    _direction,
    _effect,
    _frame,
    _null,
    _num,
    _row,
    _verdict,
    _wilson,
)
from .outcomes import outcome_by_group, quantile_band

__all__ = ["ClaimResult", "claim_negative_encounters", "claim_recovery_paradox",
           "claim_silent_customers", "claim_service_standards", "claim_consistency",
           "claim_satisfaction_retention"]

# --------------------------------------------------------------------------- claims
@renamed_parameters(complained="complaint")
def claim_silent_customers(data, *, score: str = "nps", low: float = 6,
                           complaint: str = "complaints_before", churned: str = "churned",
                           duration: str | None = "days_to_churn", strata: str | None = "plan",
                           alpha: float = 0.05) -> ClaimResult:
    """"Unhappy customers rarely complain; they just leave" — tested.

    Parameters
    ----------
    data : LinkResult or DataFrame
        One row per customer or response.
    score : str, default "nps"
        Satisfaction score; ``score <= low`` marks an unhappy customer.
    low : float, default 6
        Highest unhappy score (6 for NPS detractors).
    complaint : str, default "complaints_before"
        Complaint count or flag (> 0 means complained), as ``complaint`` in
        :func:`cxanalytics.satisfaction_churn_link`.  (Called ``complained`` before 0.2;
        the old name still works, with a ``FutureWarning``.)
    churned : str
        Churn flag.
    duration : str or None, default "days_to_churn"
        Time to churn or censoring (None: compare churn shares, for data without times).
    strata : str or None, default "plan"
        Cox stratum, if present.
    alpha : float, default 0.05

    Returns
    -------
    ClaimResult
        ``verdict`` rows: most unhappy customers do not complain (share, "yes" when above
        50 %); silent unhappy customers churn more than satisfied ones; silent unhappy
        customers churn more than unhappy complainers; and the combined claim (the first
        two). ``evidence``: per group (satisfied, unhappy_complained, unhappy_silent)
        ``n``, ``churned``, ``churn_share``.

    Warns
    -----
    DataQualityWarning
        Rows with a missing score, complaint count, churn flag or duration are left out; the
        message gives their number and share.

    Notes
    -----
    When complainers leave *more* than silent customers (as in some real data, where a
    complaint marks a customer already on the way out) the third row says so.
    """
    alpha = check_alpha(alpha)
    data = _frame(data)
    require_columns(data, [score, complaint, churned, duration], what="data")
    s, c = _num(data, score), _num(data, complaint)
    ok = ~np.isnan(s) & ~np.isnan(c) & ~np.isnan(_num(data, churned))
    if duration is not None:
        ok &= ~np.isnan(_num(data, duration))
    warn_dropped(int((~ok).sum()), len(ok), "with a missing value", function="claim_silent_customers",
                 column=[x for x in (score, complaint, churned, duration) if x is not None])
    data, s, c = data[ok], s[ok], c[ok]
    unhappy, silent = s <= low, c <= 0
    st = strata if strata is not None and strata in data.columns else None
    rows = []
    nu = int(unhappy.sum())
    p, lo, hi = _wilson(float((unhappy & silent).sum()), nu, alpha) if nu else (np.nan,) * 3
    sup1 = lo > 0.5
    rows.append(_row("Most unhappy customers do not complain", "share silent", p, lo, hi, nu, alpha,
                     sup1, f"unhappy: {score} <= {low:g}"))
    keep = (unhappy & silent) | ~unhappy
    m, est, lo, hi, n, extra = _effect(data[keep], (unhappy & silent)[keep], churned=churned,
                                       duration=duration, strata=st, covariates=[], alpha=alpha)
    sup2, note = _direction(lo, hi, _null(m), True)
    rows.append(_row("Silent unhappy customers churn more than satisfied ones", m, est, lo, hi, n,
                     alpha, sup2, note, extra))
    m, est, lo, hi, n, extra = _effect(data[unhappy], silent[unhappy], churned=churned, duration=duration,
                                strata=st, covariates=[], alpha=alpha)
    sup3, note = _direction(lo, hi, _null(m), True)
    if note.startswith("WRONG WAY"):
        note = "WRONG WAY: unhappy complainers churn more than silent unhappy customers"
    rows.append(_row("Silent unhappy customers churn more than unhappy complainers", m, est, lo, hi,
                     n, alpha, sup3, note, extra))
    rows.append(_row("Silent unhappy customers leave unnoticed (rows 1 and 2)", "combined", np.nan,
                     np.nan, np.nan, len(data), alpha, sup1 and sup2))
    y = data[churned].to_numpy(dtype=bool)
    masks = {"satisfied": ~unhappy, "unhappy_complained": unhappy & ~silent,
             "unhappy_silent": unhappy & silent}
    ev = pd.DataFrame({"group": list(masks), "n": [int(v.sum()) for v in masks.values()],
                       "churned": [int(y[v].sum()) for v in masks.values()]})
    with np.errstate(invalid="ignore", divide="ignore"):
        ev["churn_share"] = ev["churned"] / ev["n"]
    return ClaimResult(_verdict(rows), ev)


def claim_consistency(linked, *, spread: str = "sd_wait_s_before",
                      level: str = "mean_wait_s_before", duration: str = "days_to_churn",
                      churned: str = "churned", strata: str | None = "plan",
                      alpha: float = 0.05) -> ClaimResult:
    """"Inconsistent service drives customers away, beyond how good it is on average" — tested.

    Parameters
    ----------
    linked : LinkResult or DataFrame
        One row per customer/response with a per-customer ``spread`` of experience across
        contacts (default: SD of waits before the response) and its ``level`` (the mean).
    spread, level : str
        Columns of the spread and the average of the experience measure.
    duration, churned, strata, alpha
        As in :func:`claim_recovery_paradox`.

    Returns
    -------
    ClaimResult
        ``verdict``: hazard ratio per standard deviation of ``spread``, adjusted for
        ``level`` ("yes" when above 1). ``evidence``: churn per year by tercile of spread
        (columns of :func:`cxanalytics.link.outcomes.outcome_by_group`, group ``spread_band``).

    Warns
    -----
    DataQualityWarning
        Rows with a missing ``spread`` or ``level`` (fewer than two contacts) are left out;
        the message gives their number and share.

    Notes
    -----
    Both columns are standardised (z-scores) before the Cox fit, so the hazard ratio is
    per SD of spread at a fixed average. Rows without a spread (fewer than two contacts)
    are left out.
    """
    alpha = check_alpha(alpha)
    data = _frame(linked, "linked")
    require_columns(data, [spread, level, duration, churned], what="linked")
    sp, lv = _num(data, spread), _num(data, level)
    ok = ~np.isnan(sp) & ~np.isnan(lv)
    warn_dropped(int((~ok).sum()), len(ok), "with a missing value", function="claim_consistency", column=[spread, level])
    data, sp, lv = data[ok], sp[ok], lv[ok]
    if len(data) < 10 or sp.std() == 0:
        raise ParameterError(describe("Too few customers with a varying spread", parameter="linked",
                                      received=len(data), expected="at least 10 rows with a spread"))
    d = data.assign(_spread=(sp - sp.mean()) / sp.std(), _level=(lv - lv.mean()) / max(lv.std(), 1e-12))
    st = strata if strata is not None and strata in d.columns else None
    fit = cox(d, duration=duration, event=churned, covariates=["_spread", "_level"], strata=st,
              alpha=alpha)
    hr, lo, hi, n = fit.loc[0, ["hazard_ratio", "ci_lower", "ci_upper", "n"]]
    sup, note = _direction(lo, hi, 1.0, True)
    rows = [_row(f"Inconsistent experience ({spread}) drives churn beyond its average ({level})",
                 "hazard ratio per SD of spread", hr, lo, hi, n, alpha, sup, note,
                 too_good(sp, _num(d, churned), repr(spread)))]
    ev = outcome_by_group(d.assign(spread_band=quantile_band(pd.Series(sp, index=d.index))),
                          churned, by="spread_band", duration=duration, alpha=alpha)
    return ClaimResult(_verdict(rows), ev)


def claim_satisfaction_retention(data, *, satisfaction: str, churned: str,
                                 duration: str | None = None, strata: str | None = None,
                                 alpha: float = 0.05) -> ClaimResult:
    """"Satisfied customers stay" — the direction of the satisfaction-churn link, tested.

    Parameters
    ----------
    data : LinkResult or DataFrame
        One row per customer.
    satisfaction : str
        Numeric (or ordinal) satisfaction score.
    churned : str
        Churn flag (0/1 or bool).
    duration : str, optional
        Time to churn or censoring: a Cox hazard ratio per point; otherwise a logistic
        odds ratio per point on the churn flag (when scores separate churners perfectly,
        as in IBM's synthetic Telco data, the linear-probability slope per point with an
        HC3 interval instead).
    strata : str, optional
        Cox stratum.
    alpha : float, default 0.05

    Returns
    -------
    ClaimResult
        ``verdict``: ratio per scale point ("yes" when below 1, or a slope below 0; "WRONG WAY" in the note
        when churn significantly *rises* with satisfaction). ``evidence``: churn by score
        (columns of :func:`cxanalytics.link.outcomes.outcome_by_group`).

    Warns
    -----
    DataQualityWarning
        Rows with a missing ``satisfaction`` are left out; the message gives their number
        and share (the Cox or logistic fit warns about other missing values itself).

    Examples
    --------
    >>> sat = np.repeat([1, 2, 3, 4, 5], 20)
    >>> churn = np.concatenate([np.arange(20) < k for k in (12, 9, 6, 4, 2)])
    >>> df = pd.DataFrame({"sat": sat, "churn": churn})
    >>> claim_satisfaction_retention(df, satisfaction="sat", churned="churn").verdict["supported"].item()
    'yes'
    """
    from .drivers import repurchase_model

    alpha = check_alpha(alpha)
    data = _frame(data)
    require_columns(data, [satisfaction, churned, duration, strata], what="data")
    s = _num(data, satisfaction)
    warn_dropped(int(np.isnan(s).sum()), len(s), "with a missing value", function="claim_satisfaction_retention",
                 column=satisfaction)
    d = data.assign(_sat=s)[~np.isnan(s)]
    if duration is not None:
        fit = cox(d, duration=duration, event=churned, covariates="_sat", strata=strata, alpha=alpha)
        measure = "hazard ratio per point"
        est, lo, hi, n = fit.loc[0, ["hazard_ratio", "ci_lower", "ci_upper", "n"]]
    else:
        try:
            fit = repurchase_model(d, churned, "_sat", alpha=alpha).odds_ratios
            measure = "odds ratio per point"
            est, lo, hi, n = fit.loc[1, ["odds_ratio", "ci_lower", "ci_upper", "n"]]
        except ConvergenceError:  # (quasi-)separation: scores that fully decide churn
            import statsmodels.api as sm

            ok = d[churned].notna().to_numpy()
            y, x = _num(d, churned)[ok], d["_sat"].to_numpy(dtype=float)[ok]
            ols = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3")
            est = float(ols.params[1])
            lo, hi = (float(v) for v in ols.conf_int(alpha)[1])
            measure, n = "change in churn share per point (linear, HC3)", int(ok.sum())
    sup, note = _direction(lo, hi, _null(measure), False)
    if note.startswith("WRONG WAY"):
        note = (f"WRONG WAY: churn rises with {satisfaction!r}; the naive link runs opposite to "
                "the claim (look for confounders such as tenure or who answers the survey)")
    rows = [_row(f"Churn falls as {satisfaction!r} rises", measure, est, lo, hi, n, alpha, sup, note,
                 too_good(d["_sat"], _num(d, churned), repr(satisfaction)))]
    ev = outcome_by_group(d.assign(**{satisfaction: s[~np.isnan(s)]}), churned, by=satisfaction,
                          alpha=alpha)
    return ClaimResult(_verdict(rows), ev)
