"""Service standards claim: waits within the standard, satisfaction and churn (internal;
public as :func:`cxanalytics.link.claims.claim_service_standards`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._core.validate import check_alpha, require_columns, warn_dropped
from ._claimtools import (
    ClaimResult,
    _direction,
    _effect,
    _frame,
    _mean_diff,
    _null,
    _num,
    _prop_diff,
    _row,
    _standard_text,
    _verdict,
    _wilson,
)
from .linking import _span
from .outcomes import outcome_by_group


def claim_service_standards(linked, interactions: pd.DataFrame | None = None, *,
                            wait: str = "last_wait_s", threshold: float | Mapping[str, float] = 60,
                            channel: str = "channel", satisfaction: str = "ces",
                            recent: str | float | None = "2D",
                            bands: Sequence[float] = (0, 30, 60, 120, 300, np.inf),
                            duration: str = "days_to_churn", churned: str = "churned",
                            strata: str | None = "plan", alpha: float = 0.05) -> ClaimResult:
    """Service standards: do customers answered within the standard feel better and stay?

    Parameters
    ----------
    linked : LinkResult or DataFrame
        ``link_responses(...)`` with interactions (``last_wait_s``, ``days_since_contact``).
    interactions : DataFrame, optional
        Contacts with ``wait_s``, ``resolved`` (and ``channel``): share meeting the standard
        and first-contact resolution by wait.
    wait : str, default "last_wait_s"
        Wait of the contact before the response, in seconds.
    threshold : float or dict, default 60
        Standard in seconds, or one per ``channel`` (e.g. ``{"phone": 60, "chat": 30}``;
        channels not listed use the ``"default"`` key, else are left out).
    channel : str, default "channel"
        Channel column (for per-channel thresholds).
    satisfaction : str, default "ces"
        Satisfaction or effort score of the response.
    recent : str, days or None, default "2D"
        Use responses given within this time of the contact (``days_since_contact``), so
        that the wait belongs to the experience being rated; None uses all.
    bands : sequence of float
        Edges (seconds) of the dose-response bands.
    duration, churned, strata, alpha
        As in :func:`claim_recovery_paradox`.

    Returns
    -------
    ClaimResult
        ``verdict`` rows: share of contacts meeting the standard ("n/a"); satisfaction
        when met minus when missed ("yes" when above 0); first-contact resolution met minus
        missed (with interactions); churn hazard ratio missed vs met ("yes" when above 1).
        ``evidence``: the dose-response table per wait band: ``band``, ``n``,
        ``mean_satisfaction``, ``satisfaction_ci_lower``, ``satisfaction_ci_upper``,
        ``churn_per_year``, ``churn_ci_lower``, ``churn_ci_upper``, ``contacts``,
        ``resolved_share``, ``resolved_ci_lower``, ``resolved_ci_upper``.
    Warns
    -----
    DataQualityWarning
        Responses without a contact before them (with ``recent``), with a missing wait,
        whose channel has no threshold, or (from the satisfaction comparisons) with a
        missing score; interactions with a missing wait, resolution or threshold; responses
        given more than ``recent`` after the contact. One warning per reason with their
        number and share; the number of responses left out as not recent is also in
        ``verdict.attrs["n_not_recent"]`` (and ``evidence.attrs``).


"""
    alpha = check_alpha(alpha)
    data = _frame(linked, "linked")
    require_columns(data, [wait, satisfaction, duration, churned], what="linked")
    if recent is not None:
        require_columns(data, ["days_since_contact"], what="linked")
        since = _num(data, "days_since_contact")
        warn_dropped(int(np.isnan(since).sum()), len(data), "with a missing value", function="claim_service_standards",
                     column="days_since_contact", role="no contact before the response")
        late = since > _span(recent, "recent")
        n_not_recent = warn_dropped(int(late.sum()), len(data), f"given more than recent={recent!r} after the contact",
                                    function="claim_service_standards", column="days_since_contact")
        data = data[since <= _span(recent, "recent")]
    else:
        n_not_recent = 0

    def limit(frame: pd.DataFrame) -> np.ndarray:
        if not isinstance(threshold, Mapping):
            return np.full(len(frame), float(threshold))
        require_columns(frame, [channel])
        default = threshold.get("default", np.nan)
        return frame[channel].astype(object).map(lambda v: threshold.get(v, default)).to_numpy(dtype=float)

    w = _num(data, wait)
    lim = limit(data)
    ok = ~np.isnan(w) & ~np.isnan(lim)
    warn_dropped(int(np.isnan(w).sum()), len(w), "with a missing value", function="claim_service_standards", column=wait)
    warn_dropped(int((~np.isnan(w) & np.isnan(lim)).sum()), len(w), "whose channel has no threshold (and no 'default')",
                 function="claim_service_standards")
    data, w, met = data[ok], w[ok], (w <= lim)[ok]
    st = strata if strata is not None and strata in data.columns else None
    rows = []
    edges = np.asarray(bands, dtype=float)
    labels = [f"{edges[i]:g}-{edges[i + 1]:g}s" if np.isfinite(edges[i + 1]) else f"{edges[i]:g}s+"
              for i in range(len(edges) - 1)]
    band = pd.Categorical.from_codes(np.clip(np.searchsorted(edges, w, side="right") - 1, 0, len(labels) - 1),
                                     categories=labels, ordered=True)
    if interactions is not None:
        require_columns(interactions, ["wait_s", "resolved"], what="interactions")
        iw = _num(interactions, "wait_s")
        il = limit(interactions)
        res = _num(interactions, "resolved")
        iok = ~np.isnan(iw) & ~np.isnan(il) & ~np.isnan(res)
        warn_dropped(int((~iok).sum()), len(iok), "with a missing wait_s or resolved, or a channel without a threshold",
                     function="claim_service_standards", what="interactions")
        imet = iw[iok] <= il[iok]
        p, lo, hi = _wilson(float(imet.sum()), int(iok.sum()), alpha)
        rows.append(_row(f"Share of contacts meeting the standard ({_standard_text(threshold)})", "share met",
                         p, lo, hi, iok.sum(), alpha, None, "descriptive"))
        r = res[iok]
        est, lo, hi = _prop_diff(r[imet].sum(), imet.sum(), r[~imet].sum(), (~imet).sum(), alpha)
        sup, note = _direction(lo, hi, 0.0, True)
        rows.append(_row("Long waits lower first-contact resolution (met minus missed)",
                         "difference in resolved share", est, lo, hi, iok.sum(), alpha, sup, note))
        ib = np.clip(np.searchsorted(edges, iw[iok], side="right") - 1, 0, len(labels) - 1)
        cnt = np.bincount(ib, minlength=len(labels))
        hit = np.bincount(ib, weights=r, minlength=len(labels))
        fcr = np.array([_wilson(a, b, alpha) if b else (np.nan,) * 3 for a, b in zip(hit, cnt, strict=True)])
    else:
        p = float(met.mean()) if len(met) else np.nan
        rows.append(_row(f"Share of rated contacts meeting the standard ({_standard_text(threshold)})", "share met",
                         *(_wilson(float(met.sum()), len(met), alpha) if len(met) else (p, p, p)),
                         len(met), alpha, None, "descriptive"))
        cnt, fcr = np.zeros(len(labels), dtype=int), np.full((len(labels), 3), np.nan)
    sat = _num(data, satisfaction)
    warn_dropped(int(np.isnan(sat).sum()), len(sat), "with a missing value", function="claim_service_standards",
                 column=satisfaction, scope="from the satisfaction comparisons")
    d, lo, hi, _ = _mean_diff(sat[met], sat[~met], alpha)
    sup, note = _direction(lo, hi, 0.0, True)
    rows.append(_row(f"Long waits lower satisfaction ({satisfaction!r}, met minus missed)",
                     "difference in means", d, lo, hi, int((~np.isnan(sat)).sum()), alpha, sup, note))
    m, est, lo, hi, n, extra = _effect(data, ~met, churned=churned, duration=duration, strata=st,
                                       covariates=[], alpha=alpha)
    sup, note = _direction(lo, hi, _null(m), True)
    rows.append(_row("Long waits raise churn (missed vs met)", m, est, lo, hi, n, alpha, sup, note, extra))
    d2 = data.assign(_band=band, _sat=sat)
    sat_tab = d2.groupby("_band", observed=False)["_sat"].agg(["mean", "std", "count"])
    tcrit = stats.t.ppf(1 - alpha / 2, np.maximum(sat_tab["count"] - 1, 1))
    half = tcrit * sat_tab["std"] / np.sqrt(sat_tab["count"])
    churn = outcome_by_group(d2, churned, by="_band", duration=duration, alpha=alpha)
    ev = pd.DataFrame({"band": labels, "n": churn["n"].to_numpy(),
                       "mean_satisfaction": sat_tab["mean"].to_numpy(),
                       "satisfaction_ci_lower": (sat_tab["mean"] - half).to_numpy(),
                       "satisfaction_ci_upper": (sat_tab["mean"] + half).to_numpy(),
                       "churn_per_year": churn["estimate"].to_numpy(),
                       "churn_ci_lower": churn["ci_lower"].to_numpy(),
                       "churn_ci_upper": churn["ci_upper"].to_numpy(),
                       "contacts": cnt, "resolved_share": fcr[:, 0],
                       "resolved_ci_lower": fcr[:, 1], "resolved_ci_upper": fcr[:, 2]})
    verdict = _verdict(rows)
    verdict.attrs["n_not_recent"] = ev.attrs["n_not_recent"] = n_not_recent
    return ClaimResult(verdict, ev)
