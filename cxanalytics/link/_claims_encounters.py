"""Claims about service encounters: negative encounters and churn, the service-recovery paradox
(internal; public as :func:`cxanalytics.link.claims.claim_negative_encounters` and
:func:`cxanalytics.link.claims.claim_recovery_paradox`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._core.separation import too_good
from .._core.validate import check_alpha, require_columns, warn_dropped
from ..behaviour.survival import cox
from ..errors import ParameterError, describe
from ._claimtools import (
    ClaimResult,
    _direction,
    _effect,
    _frame,
    _mean_diff,
    _null,
    _num,
    _row,
    _verdict,
    _wilson,
)
from .linking import LinkResult, _span


def claim_negative_encounters(landmarks, *, count: str = "encounter", window="90D",
                              folklore: Mapping[int, float] | None = None, max_count: int = 3,
                              inactivity_days: float | None = None, strata: str | None = "plan",
                              alpha: float = 0.05) -> ClaimResult:
    """"Half of customers switch after one bad experience, 80 % after three" — tested.

    Parameters
    ----------
    landmarks : LinkResult or DataFrame
        Usually :func:`cxanalytics.link.linking.encounter_landmarks` (one row per k-th negative
        encounter); a ``link_responses`` frame works with ``count="unresolved_before"``.
    count : str, default "encounter"
        Number of negative encounters so far; values above ``max_count`` are pooled.
    window : str or days, default "90D"
        Churn window after the landmark.
    folklore : dict, default {1: 0.5, 3: 0.8}
        Claimed churn share after k encounters.
    max_count : int, default 3
        Largest count shown on its own (the last group is ``max_count`` or more).
    inactivity_days : float, optional
        Lapse window of non-contractual customers (taken from a LinkResult).
    strata : str or None, default "plan"
        Stratum of the Cox trend model (separate baseline hazards), if present.
    alpha : float, default 0.05

    Returns
    -------
    ClaimResult
        ``verdict``: one row per folklore value ("yes" when the claimed share lies inside
        the Wilson interval of the observed share) and a trend row (hazard ratio per
        negative encounter, supported when above 1). ``evidence``: ``encounters``, ``n``
        (landmarks whose window was fully observed), ``left`` (left within the window),
        ``estimate``, ``ci_lower``, ``ci_upper``.

    Warns
    -----
    DataQualityWarning
        Landmarks with a missing ``count`` (left out of everything) or a missing
        ``days_observed`` (left out of the shares), with their number and share. Landmarks
        whose window is not yet observed are left out of the shares by design and not warned
        about (``evidence["n"]`` counts the ones used).

    Notes
    -----
    "Left within the window" means the contract ended, or the last sign of life of a lapsed
    customer fell, within ``window`` days of the landmark. A landmark counts only if that
    was knowable by ``as_of``: window observed for contracts, window plus the inactivity
    window for lapses. A customer contributes one landmark per count, so the trend model's
    intervals are somewhat too narrow.

    Examples
    --------
    >>> lm = pd.DataFrame({"encounter": [0] * 40 + [1] * 40, "churned": [True, False] * 40,
    ...                    "days_to_lapse": [30.0, np.nan] * 40, "days_to_churn": [30.0, 400.0] * 40,
    ...                    "days_observed": 400.0, "churn_rule": "cancellation"})
    >>> out = claim_negative_encounters(lm, strata=None)
    >>> out.verdict["supported"].tolist()
    ['yes', 'no', 'no']
    """
    alpha = check_alpha(alpha)
    if isinstance(landmarks, LinkResult) and inactivity_days is None:
        inactivity_days = landmarks.inactivity_days
    data = _frame(landmarks, "landmarks")
    require_columns(data, [count, "churned", "days_to_lapse", "days_to_churn", "days_observed",
                           "churn_rule"], what="landmarks")
    w = _span(window, "window")
    folklore = {1: 0.5, 3: 0.8} if folklore is None else dict(folklore)
    lapse = data["churn_rule"].eq("inactivity").to_numpy()
    if lapse.any() and (inactivity_days is None or not np.isfinite(inactivity_days)):
        raise ParameterError(describe("Lapsed customers need the inactivity window",
                                      parameter="inactivity_days", received=inactivity_days,
                                      expected="the LinkResult, or the window in days"))
    need = w + np.where(lapse, inactivity_days or 0.0, 0.0)
    known = data["days_observed"].to_numpy(dtype=float) >= need
    left = data["churned"].to_numpy(dtype=bool) & (data["days_to_lapse"].to_numpy(dtype=float) <= w)
    k = np.minimum(_num(data, count), max_count)
    ok = known & ~np.isnan(k)
    warn_dropped(int(np.isnan(k).sum()), len(k), "with a missing value", function="claim_negative_encounters",
                 column=count, role="count")
    warn_dropped(int((np.isnan(_num(data, "days_observed")) & ~np.isnan(k)).sum()), len(k),
                 "with a missing value", function="claim_negative_encounters", column="days_observed",
                 scope="from the shares left")
    levels = np.arange(max_count + 1)
    n = np.bincount(k[ok].astype(int), minlength=max_count + 1)
    x = np.bincount(k[ok].astype(int), weights=left[ok], minlength=max_count + 1)
    est = np.array([_wilson(a, b, alpha) if b else (np.nan,) * 3 for a, b in zip(x, n, strict=True)])
    labels = [str(v) if v < max_count else f"{max_count}+" for v in levels]
    evidence = pd.DataFrame({"encounters": labels, "n": n, "left": x.astype(int),
                             "estimate": est[:, 0], "ci_lower": est[:, 1], "ci_upper": est[:, 2]})
    rows = []
    for kk, claimed in sorted(folklore.items()):
        i = min(int(kk), max_count)
        p, lo, hi = est[i]
        inside = lo <= claimed <= hi
        note = (f"observed {p:.1%} vs claimed {claimed:.0%}: "
                + ("consistent" if inside else ("far below the claim" if hi < claimed else "above the claim")))
        rows.append(_row(f"{claimed:.0%} leave within {w:g} days after {kk} negative encounter(s)",
                         "share left", p, lo, hi, n[i], alpha, inside, note))
    st = strata if strata is not None and strata in data.columns else None
    d = data.assign(_k=k)[~np.isnan(k)]
    fit = cox(d, duration="days_to_churn", event="churned", covariates="_k", strata=st, alpha=alpha)
    hr, lo, hi = fit.loc[0, ["hazard_ratio", "ci_lower", "ci_upper"]]
    sup, note = _direction(lo, hi, 1.0, True)
    rows.append(_row("Each negative encounter raises the churn hazard", "hazard ratio per encounter",
                     hr, lo, hi, fit.loc[0, "n"], alpha, sup, note,
                     too_good(d["_k"], _num(d, "churned"), "the count of negative encounters")))
    return ClaimResult(_verdict(rows), evidence)


def claim_recovery_paradox(linked, *, satisfaction: str = "csat", repurchased: str | None = "repurchased",
                           duration: str = "days_to_churn", churned: str = "churned",
                           recovered: str = "recovered_before", unresolved: str = "unresolved_before",
                           contacts: str | None = "contacts_before", strata: str | None = "plan",
                           adjust: Sequence[str] = ("tenure_days",),
                           alpha: float = 0.05) -> ClaimResult:
    """Service recovery paradox: are recovered customers better off than those never failed?

    Parameters
    ----------
    linked : LinkResult or DataFrame
        ``link_responses(...)`` with interactions (the history columns).
    satisfaction : str, default "csat"
        Satisfaction score (numeric or ordinal of numbers).
    repurchased : str or None, default "repurchased"
        Repurchase-within-horizon column (NA when unobserved); None to skip.
    duration, churned : str
        Time to churn or censoring and the event flag.
    recovered, unresolved, contacts : str
        History counts before the response: recovered complaints, unresolved contacts and
        all contacts (None: do not require a contact for the never-failed group).
    strata : str or None, default "plan"
        Stratum of the Cox model, if present.
    adjust : sequence of str, default ("tenure_days",)
        Covariates of the retention (Cox) and repurchase (logistic) comparisons: customers
        with a recovered complaint have usually been customers for longer, and tenure
        alone lowers churn.
    alpha : float, default 0.05

    Returns
    -------
    ClaimResult
        ``verdict`` rows: paradox on satisfaction (standardised mean difference recovered -
        never failed, "yes" when above 0), on retention (churn hazard ratio recovered vs
        never failed, "yes" when below 1), on repurchase (odds ratio, "yes" when above 1;
        the difference in shares without ``adjust``), and whether recovery beats leaving the problem unresolved (satisfaction).
        ``evidence``: per group (never_failed, recovered, unresolved) ``n``,
        ``mean_satisfaction``, ``churned``, ``repurchase_n``, ``repurchase_share``.

    Warns
    -----
    DataQualityWarning
        Rows with a missing history count (left out of every comparison), a missing
        ``satisfaction`` (left out of the satisfaction comparisons) or a missing
        ``repurchased`` (left out of the repurchase comparison), one warning per reason with
        their number and share; the Cox fit warns about missing covariates or strata itself.
        Mixed histories are left out by design (see Notes) and not warned about.

    Notes
    -----
    Groups (history before the response): *never failed* — contacts, none unresolved or
    recovered; *recovered* — at least one recovered complaint and nothing unresolved;
    *unresolved* — a failure left unresolved and no recovery. Mixed histories are left
    out. The standardised difference divides by the pooled SD (Cohen's d).

    References
    ----------
    de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery paradox: a
    meta-analysis. *Journal of Service Research* 10(1), 60-77.
    """
    alpha = check_alpha(alpha)
    data = _frame(linked, "linked")
    require_columns(data, [satisfaction, duration, churned, recovered, unresolved, contacts,
                           repurchased], what="linked")
    rec, unres = _num(data, recovered), _num(data, unresolved)
    touched = _num(data, contacts) > 0 if contacts else np.ones(len(data), dtype=bool)
    group = np.select([(rec == 0) & (unres == 0) & touched, (rec > 0) & (unres == 0),
                       (unres > 0) & (rec == 0)], ["never_failed", "recovered", "unresolved"], "")
    sat = _num(data, satisfaction)
    history = [c for c in (recovered, unresolved, contacts) if c]
    warn_dropped(int(np.isnan(np.column_stack([_num(data, c) for c in history])).any(axis=1).sum()), len(data),
                 "with a missing value", function="claim_recovery_paradox", column=history, role="history counts")
    grouped = np.isin(group, ["never_failed", "recovered", "unresolved"])
    warn_dropped(int((grouped & np.isnan(sat)).sum()), len(data), "with a missing value",
                 function="claim_recovery_paradox", column=satisfaction, scope="from the satisfaction comparisons")
    st = strata if strata is not None and strata in data.columns else None
    rows = []
    d, lo, hi, sd = _mean_diff(sat[group == "recovered"], sat[group == "never_failed"], alpha)
    sup, note = _direction(lo, hi, 0.0, True)
    n_pair = int(np.sum(np.isin(group, ["recovered", "never_failed"]) & ~np.isnan(sat)))
    rows.append(_row("Recovery paradox on satisfaction (recovered > never failed)",
                     "standardised mean difference", d / sd, lo / sd, hi / sd, n_pair, alpha, sup,
                     note or f"{d:+.3f} points on {satisfaction!r}"))
    pair = np.isin(group, ["recovered", "never_failed"])
    adjust = list(adjust)
    require_columns(data, adjust, what="linked")
    measure, est, lo, hi, n, extra = _effect(data[pair], group[pair] == "recovered", churned=churned,
                                             duration=duration, strata=st, covariates=adjust, alpha=alpha)
    sup, note = _direction(lo, hi, _null(measure), False)
    rows.append(_row("Recovery paradox on retention (recovered churn less)", measure, est, lo, hi,
                     n, alpha, sup, note, extra))
    rep_n = rep_share = np.full(3, np.nan)
    names = ["never_failed", "recovered", "unresolved"]
    if repurchased is not None:
        y = _num(data, repurchased)
        warn_dropped(int((pair & np.isnan(y)).sum()), len(data), "with a missing value",
                     function="claim_recovery_paradox", column=repurchased, scope="from the repurchase comparison")
        cnt = [(~np.isnan(y[group == g])).sum() for g in names]
        hit = [np.nansum(y[group == g]) for g in names]
        rep_n = np.array(cnt, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rep_share = np.array(hit) / rep_n
        measure, est, lo, hi, n, extra = _effect(data[pair], group[pair] == "recovered",
                                                 churned=repurchased, duration=None, strata=None,
                                                 covariates=adjust, alpha=alpha)
        sup, note = _direction(lo, hi, _null(measure), True)
        rows.append(_row("Recovery paradox on repurchase (recovered buy again more)",
                         measure.replace("share", "repurchase share"), est, lo, hi, n, alpha,
                         sup, note, extra))
    d, lo, hi, sd = _mean_diff(sat[group == "recovered"], sat[group == "unresolved"], alpha)
    sup, note = _direction(lo, hi, 0.0, True)
    rows.append(_row("Recovery beats an unresolved failure (satisfaction)",
                     "standardised mean difference", d / sd, lo / sd, hi / sd,
                     int(np.sum(np.isin(group, ["recovered", "unresolved"]) & ~np.isnan(sat))),
                     alpha, sup, note))
    ev = pd.DataFrame({"group": names,
                       "n": [int((group == g).sum()) for g in names],
                       "mean_satisfaction": [np.nanmean(sat[group == g]) if (group == g).any() else np.nan
                                             for g in names],
                       "churned": [int(data[churned].to_numpy(dtype=bool)[group == g].sum()) for g in names],
                       "repurchase_n": rep_n, "repurchase_share": rep_share})
    return ClaimResult(_verdict(rows), ev)
