"""Shared pieces of the claim tests (internal): the result type, interval helpers, effects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._core.separation import too_good
from .._core.validate import require_frame
from .._core.wilson import wilson_interval
from ..behaviour.survival import cox
from .linking import LinkResult

COLUMNS = ["claim", "measure", "estimate", "ci_lower", "ci_upper", "n", "alpha", "supported", "note"]


@dataclass(frozen=True)
class ClaimResult:
    """Verdict table and the evidence behind it.

    Attributes
    ----------
    verdict : DataFrame
        ``claim``, ``measure``, ``estimate``, ``ci_lower``, ``ci_upper``, ``n``, ``alpha``,
        ``supported`` ("yes" / "no" / "n/a"), ``note``.
    evidence : DataFrame
        The grouped table the verdict rests on (columns described by each function).
    """

    verdict: pd.DataFrame
    evidence: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The verdict table."""
        return self.verdict.copy()

    def _repr_html_(self) -> str:
        return ("<p><b>Verdict</b></p>" + self.verdict.to_html(index=False)
                + "<p><b>Evidence</b></p>" + self.evidence.to_html(index=False))


# --------------------------------------------------------------------------- helpers
def _frame(data, parameter: str = "data") -> pd.DataFrame:
    return require_frame(data.linked if isinstance(data, LinkResult) else data, parameter=parameter)


def _row(claim, measure, est, lo, hi, n, alpha, supported, note="", extra=""):
    """One verdict row; ``extra`` (e.g. a "TOO GOOD TO BE TRUE" note) is appended to ``note``."""
    flag = "n/a" if supported is None else ("yes" if supported else "no")
    note = "; ".join(t for t in (note, extra) if t)
    return dict(zip(COLUMNS, [claim, measure, float(est), float(lo), float(hi), int(n), alpha, flag, note],
                    strict=True))


def _verdict(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _num(data: pd.DataFrame, column: str) -> np.ndarray:
    s = data[column]
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(float)
    return s.to_numpy(dtype=float, na_value=np.nan)


def _direction(lo: float, hi: float, null: float, claimed_up: bool) -> tuple[bool, str]:
    """Supported when the interval lies beyond ``null`` in the claimed direction."""
    up, down = lo > null, hi < null
    supported = up if claimed_up else down
    wrong = down if claimed_up else up
    if supported:
        return True, ""
    if wrong:
        return False, "WRONG WAY: the interval lies on the other side of no effect"
    return False, "inconclusive: the interval includes no effect"


def _mean_diff(a: np.ndarray, b: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    """Welch difference of means a - b, its interval, and the pooled SD."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan, np.nan, np.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = se**4 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else np.inf
    t = stats.t.ppf(1 - alpha / 2, df)
    d = a.mean() - b.mean()
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    return d, d - t * se, d + t * se, pooled


def _prop_diff(x1, n1, x2, n2, alpha):
    """Difference of two proportions with Newcombe's (1998) hybrid score interval."""
    p1, l1, u1 = _wilson(x1, n1, alpha)
    p2, l2, u2 = _wilson(x2, n2, alpha)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _wilson(x, n, alpha):
    lo, hi = wilson_interval(x, n, stats.norm.ppf(1 - alpha / 2))
    return x / n, float(lo), float(hi)


def _effect(data: pd.DataFrame, flag: np.ndarray, *, churned: str, duration: str | None,
            strata, covariates: Sequence[str], alpha: float) -> tuple[str, float, float, float, int, str]:
    """Effect of ``flag`` (True vs False) on churn, and a "TOO GOOD TO BE TRUE" note or ''.

    A hazard ratio (Cox) with durations; else an odds ratio (logistic) with covariates;
    else the difference in churn shares (Newcombe interval).
    """
    covariates = list(covariates)
    extra = too_good(flag, _num(data, churned), "the group (1 = in it)")
    suffix = f" (adjusted for {', '.join(covariates)})" if covariates else ""
    if duration is not None:
        d = data.assign(_flag=flag.astype(float))
        fit = cox(d, duration=duration, event=churned, covariates=["_flag", *covariates],
                  strata=strata, alpha=alpha)
        r = fit.iloc[0]
        return "hazard ratio" + suffix, r["hazard_ratio"], r["ci_lower"], r["ci_upper"], int(r["n"]), extra
    if covariates:
        from .drivers import repurchase_model

        d = data.assign(_flag=flag.astype(float))
        d = d[d[churned].notna().to_numpy()]  # outcome not observed (e.g. censored horizon)
        r = repurchase_model(d, churned, ["_flag", *covariates], alpha=alpha).odds_ratios.iloc[1]
        return "odds ratio" + suffix, r["odds_ratio"], r["ci_lower"], r["ci_upper"], int(r["n"]), extra
    y = _num(data, churned)
    ok = ~np.isnan(y)
    a, b = y[ok & flag], y[ok & ~flag]
    est, lo, hi = _prop_diff(a.sum(), len(a), b.sum(), len(b), alpha)
    return "difference in share", est, lo, hi, len(a) + len(b), extra


def _standard_text(threshold) -> str:
    """``"wait <= 60 s"``, or per channel ``"phone <= 60 s, chat <= 30 s, other <= 120 s"``."""
    if isinstance(threshold, Mapping):
        return ", ".join(f"{'other' if k == 'default' else k} <= {v:g} s" for k, v in threshold.items())
    return f"wait <= {threshold:g} s"


def _null(measure: str) -> float:
    return 1.0 if "ratio" in measure else 0.0
