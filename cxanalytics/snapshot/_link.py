"""Satisfaction and complaints against churn in a snapshot, with a verdict (internal; see :mod:`cxanalytics.snapshot`)."""

from __future__ import annotations

import pandas as pd

from .._core.validate import check_alpha, require_columns, require_frame
from ..errors import ParameterError, describe
from ..link._claimtools import ClaimResult, _direction, _effect, _row, _verdict
from ..link.claims import claim_satisfaction_retention
from ._frame import churn_flags, prepare
from ._rates import churn_by_segment


def satisfaction_churn_link(snapshot: pd.DataFrame, *, satisfaction: str | None = "satisfaction",
                            complaint: str | None = "complaint", churned: str = "churned",
                            alpha: float = 0.05) -> ClaimResult:
    """Do satisfied customers stay, and do complainers leave? The snapshot's answer, with a verdict.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        One row per customer.
    satisfaction : str or None, default 'satisfaction'
        Satisfaction score (numeric, e.g. 1-5); None to skip.
    complaint : str or None, default 'complaint'
        Complaint flag (True/False or 1/0); None to skip.
    churned : str, default 'churned'
        Churn flag.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    ClaimResult
        ``verdict``: one row per predictor given, columns as every claim (``claim``,
        ``measure``, ``estimate``, ``ci_lower``, ``ci_upper``, ``n``, ``alpha``,
        ``supported``, ``note``). Satisfaction: the row of
        :func:`cxanalytics.link.claims.claim_satisfaction_retention` (odds ratio of churn per
        scale point; when the score separates churners, the linear slope per point).
        Complaint: the difference in churn share, complainers minus the others
        (Newcombe's hybrid score interval), "yes" when above 0. Notes say "WRONG WAY"
        when the data point the other way, and "TOO GOOD TO BE TRUE" when the predictor
        alone all but decides churn. ``evidence``: churn by level of each predictor:
        ``predictor``, ``level``, ``n``, ``churned``, ``churn_rate``, ``ci_lower``,
        ``ci_upper`` (Wilson, :func:`churn_by_segment`).

    Raises
    ------
    ColumnError
        Missing columns; flags that are not true/false; a score that is not numeric.
    ParameterError
        Both predictors None; bad ``alpha``.

    Warns
    -----
    DataQualityWarning
        Customers with a missing score, complaint flag or churn flag are left out of
        that predictor's rows (counted in the message).

    Notes
    -----
    A snapshot is observational and cross-sectional: the score or complaint may have
    been recorded after the customer had decided to leave (leakage), and both depend on
    tenure. A link that runs the wrong way (churn rising with satisfaction, as in a
    public e-commerce churn table) or one that is perfect (as in IBM's synthetic Telco
    data, where every customer scoring 1-2 churned and none scoring 4-5 did) is reported
    as found, with the note that says what it suggests.

    Examples
    --------
    >>> snap = pd.DataFrame({"satisfaction": [s for s in range(1, 6) for _ in range(20)],
    ...                      "complaint": [True, False] * 50,
    ...                      "churned": [i < k for k in (12, 9, 6, 4, 2) for i in range(20)]})
    >>> satisfaction_churn_link(snap).verdict[["measure", "supported"]]
                    measure supported
    0  odds ratio per point       yes
    1   difference in share        no
    """
    alpha = check_alpha(alpha)
    data = require_frame(snapshot, parameter="snapshot")
    if satisfaction is None and complaint is None:
        raise ParameterError(describe("Nothing to link to churn", parameter="satisfaction, complaint",
                                      received=(None, None), expected="a satisfaction column, a complaint column, or both"))
    require_columns(data, [satisfaction, complaint, churned], what="snapshot")
    rows, evidence = [], []
    if satisfaction is not None:
        part = prepare(data, tenure=None, churned=churned, by=[satisfaction], function="satisfaction_churn_link",
                       stacklevel=4)
        score = part[satisfaction]
        if not pd.api.types.is_numeric_dtype(score) or pd.api.types.is_bool_dtype(score):
            from ..errors import ColumnError

            raise ColumnError(describe("Satisfaction must be a numeric score", column=satisfaction,
                                       received=f"dtype {score.dtype}", expected="numbers, e.g. 1-5"))
        claim = claim_satisfaction_retention(part.assign(_y=part["_churned"]), satisfaction=satisfaction, churned="_y",
                                             alpha=alpha)
        rows.append(claim.verdict.iloc[0].to_dict())
        evidence.append(("satisfaction", satisfaction, part.assign(_y=part["_churned"])))
    if complaint is not None:
        part = prepare(data, tenure=None, churned=churned, by=[complaint], function="satisfaction_churn_link",
                       stacklevel=4)
        flag = churn_flags(part, complaint, what="Complaint flag") == 1
        measure, est, lo, hi, n, extra = _effect(part.assign(_y=part["_churned"]), flag, churned="_y", duration=None,
                                                 strata=None, covariates=[], alpha=alpha)
        sup, note = _direction(lo, hi, 0.0, True)
        if note.startswith("WRONG WAY"):
            note = (f"WRONG WAY: customers with {complaint!r} churn less than the others (complaining may mark "
                    "engaged customers, or longer tenure)")
        rows.append(_row(f"Customers with {complaint!r} churn more", measure, est, lo, hi, n, alpha, sup, note,
                         extra))
        evidence.append(("complaint", complaint, part.assign(_y=part["_churned"], **{complaint: flag})))
    frames = []
    for _, col, part in evidence:
        t = churn_by_segment(part, by=col, churned="_y", alpha=alpha).rename(columns={col: "level"})
        frames.append(t.assign(predictor=col)[["predictor", "level", "n", "churned", "churn_rate", "ci_lower",
                                               "ci_upper"]])
    ev = pd.concat([f.astype({"level": object}) for f in frames], ignore_index=True)
    return ClaimResult(_verdict(rows), ev)
