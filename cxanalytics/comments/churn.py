"""Comment themes and repeat business: churn of the customers who mention a theme, adjusted."""

from __future__ import annotations

import numpy as np
import pandas as pd  # noqa: F401 (doctests)

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import check_alpha, require_columns, warn_dropped
from ..errors import ParameterError
from ..link._claimtools import ClaimResult, _direction, _effect, _frame, _null, _row, _verdict
from ..link.outcomes import outcome_by_group
from .themes import ThemeResult, comment_themes  # noqa: F401 (doctests)

__all__ = ["claim_theme_churn"]


@renamed_parameters(adjust="strata")
def claim_theme_churn(linked, themes: ThemeResult, theme: int | str, *, column: str = "comment",
                      churned: str = "churned", duration: str | None = "days_to_churn",
                      strata: str | None = "plan", alpha: float = 0.05) -> ClaimResult:
    """"Customers who complained about <theme> churned more" — tested, adjusted for a covariate.

    Parameters
    ----------
    linked : LinkResult or DataFrame
        :func:`cxanalytics.link_responses` output (one row per linked response) holding the
        comment ``column``, the churn flag and its duration.
    themes : ThemeResult
        Themes found by :func:`cxanalytics.comment_themes`; each linked comment is assigned
        to them (:meth:`ThemeResult.assign`).
    theme : int or str
        Theme number or name.
    column : str, default "comment"
        Comment column.  Rows without a comment are left out (a ``DataQualityWarning`` says
        how many): the comparison is between customers who commented.
    churned : str, default "churned"
    duration : str or None, default "days_to_churn"
        With a duration: a Cox hazard (churn-rate) ratio, stratified by ``strata``; without:
        a logistic odds ratio with ``strata`` as a covariate.
    strata : str or None, default "plan"
        The adjustment column, as ``strata`` in the other claims.  (Called ``adjust``
        before 0.2; the old name still works, with a ``FutureWarning``.)
    alpha : float, default 0.05

    Returns
    -------
    ClaimResult
        ``verdict``: one row, "yes" when the interval of the ratio lies above 1 ("WRONG WAY"
        in the note when it lies below; "n/a" when no or every comment mentions the theme).  ``evidence``: churn by mention (columns of
        :func:`cxanalytics.link.outcomes.outcome_by_group`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> bill = rng.random(n) < 0.4
    >>> df = pd.DataFrame({"comment": np.where(bill, "wrong bill charge", "nice staff"),
    ...                    "plan": rng.choice(["a", "b"], n),
    ...                    "days_to_churn": np.where(bill, rng.exponential(100, n), rng.exponential(300, n))})
    >>> df["churned"] = df["days_to_churn"] < 365
    >>> df.loc[~df["churned"], "days_to_churn"] = 365.0
    >>> th = comment_themes(df, "comment", seeds={"billing": ["bill"]})
    >>> claim_theme_churn(df, th, "billing").verdict["supported"].item()
    'yes'
    """
    alpha = check_alpha(alpha)
    data = _frame(linked, parameter="linked")
    require_columns(data, [column, churned, duration, strata], what="linked")
    if not isinstance(themes, ThemeResult):
        raise ParameterError(f"claim_theme_churn: themes is {type(themes).__name__}; expected a ThemeResult")
    names = themes.themes["name"].tolist()
    if isinstance(theme, str):
        if theme not in names:
            raise ParameterError(f"claim_theme_churn: theme is {theme!r}; expected one of {names}")
        number = names.index(theme) + 1
    elif isinstance(theme, (int, np.integer)) and 1 <= theme <= len(names):
        number = int(theme)
    else:
        raise ParameterError(f"claim_theme_churn: theme is {theme!r}; expected 1..{len(names)} or a theme name")
    name = names[number - 1]
    assigned = themes.assign(data[column])
    commented = assigned["text"].notna().to_numpy()
    warn_dropped(int((~commented).sum()), len(data), "without a comment (the comparison is among customers "
                 "who commented)", function="claim_theme_churn", column=column)
    data, assigned = data[commented], assigned[commented]
    flag = assigned[f"theme_{number}"].to_numpy(dtype=bool)
    claim = f"Customers who mention {name!r} churn more"
    if flag.all() or not flag.any():
        who = "every" if flag.all() else "no"
        row = _row(claim, "hazard ratio" if duration else "odds ratio", np.nan, np.nan, np.nan, len(flag), alpha,
                   None, f"{who} linked comment mentions {name!r}: no comparison")
        return ClaimResult(_verdict([row]), data.iloc[:0])
    if duration is not None:
        measure, est, lo, hi, n, extra = _effect(data, flag, churned=churned, duration=duration, strata=strata,
                                                 covariates=[], alpha=alpha)
        if strata is not None:
            measure = f"hazard ratio (stratified by {strata})"
    else:
        measure, est, lo, hi, n, extra = _effect(data, flag, churned=churned, duration=None, strata=None,
                                                 covariates=[strata] if strata else [], alpha=alpha)
    sup, note = _direction(lo, hi, _null(measure), True)
    rows = [_row(claim, measure, est, lo, hi, n, alpha, sup, note, extra)]
    ev = outcome_by_group(data.assign(**{f"mentions {name}": flag}), churned, by=f"mentions {name}",
                          duration=duration, alpha=alpha)
    return ClaimResult(_verdict(rows), ev)
