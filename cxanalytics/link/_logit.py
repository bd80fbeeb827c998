"""Pieces of :func:`cxanalytics.link.drivers.repurchase_model` (internal): the result type, the
design matrix, and average marginal effects (derivatives for numeric predictors, discrete
changes for 0/1 and categorical ones)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from ..errors import ParameterError, describe


@dataclass(frozen=True)
class LogitResult:
    """Logistic regression returned by :func:`~cxanalytics.link.drivers.repurchase_model`.

    Attributes
    ----------
    odds_ratios : DataFrame
        One row per coefficient (see :func:`~cxanalytics.link.drivers.repurchase_model`).
    marginal_effects : DataFrame
        Average marginal effects on the probability: the discrete change for 0/1 and
        categorical predictors, the derivative for other numeric ones.
    n : int
        Rows used.
    pseudo_r2 : float
        McFadden's pseudo-R².
    """

    odds_ratios: pd.DataFrame
    marginal_effects: pd.DataFrame
    n: int
    pseudo_r2: float

    def summary(self) -> pd.DataFrame:
        """Odds ratios and average marginal effects side by side."""
        ame = self.marginal_effects[["term", "ame", "ci_lower", "ci_upper"]].rename(
            columns={"ci_lower": "ame_ci_lower", "ci_upper": "ame_ci_upper"})
        return self.odds_ratios[["term", "odds_ratio", "ci_lower", "ci_upper", "p_value"]].merge(
            ame, on="term", how="left")

    def _repr_html_(self) -> str:
        return (f"<p><b>Logistic regression</b> (n = {self.n}, McFadden R² = {self.pseudo_r2:.3f})</p>"
                + self.summary().to_html(index=False))


def _logit_design(data: pd.DataFrame, predictors: list[str], reference: dict):
    blocks, rows = [], []
    for name in predictors:
        col = data[name]
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered and \
                pd.api.types.is_numeric_dtype(col.cat.categories):
            col = col.astype(float)
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            blocks.append(col.to_numpy(dtype=float, na_value=np.nan)[:, None])
            rows.append((name, name, None, None))
            continue
        levels = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) \
            else sorted(col.dropna().unique(), key=lambda v: (str(type(v)), v))
        levels = [v for v in levels if (col == v).any()]
        ref = reference.get(name, levels[0] if levels else None)
        if len(levels) < 2 or ref not in levels:
            raise ParameterError(describe("A categorical predictor needs two or more levels and a "
                                          "valid reference", parameter="reference", column=name,
                                          received=ref, expected=f"one of {levels}"))
        values = col.to_numpy(dtype=object)
        missing = col.isna().to_numpy()
        for level in levels:
            if level != ref:
                blocks.append(np.where(missing, np.nan, values == level).astype(float)[:, None])
                rows.append((f"{name}[{level}]", name, level, ref))
    return np.hstack(blocks), pd.DataFrame(rows, columns=["term", "variable", "level", "reference"])


def discrete_change(params: np.ndarray, cov: np.ndarray, x: np.ndarray, column: int,
                    siblings: list[int]) -> tuple[float, float]:
    r"""Average discrete change of P(y = 1) when ``column`` goes from 0 to 1, and its SE.

    ``x`` includes the intercept. The indicator columns of the same variable (``siblings``,
    ``column`` among them) are all 0 in the reference scenario and all but ``column`` 0 in
    the other: each row is moved to the reference level and to the level, its other
    predictors kept. The standard error is the delta method's:
    :math:`\mathrm{se}^2 = g^\top V g`, :math:`g = \frac1n\sum_i [f(x_{i1}^\top\beta)x_{i1}
    - f(x_{i0}^\top\beta)x_{i0}]`, :math:`f = p(1-p)`.
    """
    x0 = x.copy()
    x0[:, siblings] = 0.0
    x1 = x0.copy()
    x1[:, column] = 1.0
    p0, p1 = expit(x0 @ params), expit(x1 @ params)
    grad = ((p1 * (1 - p1)) @ x1 - (p0 * (1 - p0)) @ x0) / len(x)
    return float(np.mean(p1 - p0)), float(np.sqrt(grad @ cov @ grad))


def marginal_effects(fit, x: np.ndarray, terms: pd.DataFrame, z_crit: float) -> pd.DataFrame:
    """Average marginal effects of every term (``terms`` without the intercept row)."""
    me = fit.get_margeff(at="overall", method="dydx")
    ame, ase = np.array(me.margeff, dtype=float), np.array(me.margeff_se, dtype=float)
    method = np.full(len(terms), "derivative", dtype=object)
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    variables = terms["variable"].to_numpy()
    for j, (var, level) in enumerate(zip(variables, terms["level"], strict=True)):
        col = x[:, j + 1]
        if level is not None and not pd.isna(level):
            siblings = [k + 1 for k in np.flatnonzero(variables == var)]
        elif np.all((col == 0) | (col == 1)):
            siblings = [j + 1]
        else:
            continue
        ame[j], ase[j] = discrete_change(params, cov, x, j + 1, siblings)
        method[j] = "discrete change"
    z = ame / ase
    return pd.DataFrame({"term": terms["term"].to_numpy(), "method": method, "ame": ame,
                         "std_error": ase, "z": z, "p_value": 2 * stats.norm.sf(np.abs(z)),
                         "ci_lower": ame - z_crit * ase, "ci_upper": ame + z_crit * ase,
                         "n": len(x)})
