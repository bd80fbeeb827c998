"""Maximum-likelihood engine shared by the retention models (internal).

Fits run on the logarithms of positive parameters; standard errors come from a
central-difference Hessian in log space and the delta method; intervals are
computed on the log scale.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .errors import ConvergenceWarning, ParameterError, describe


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    k = len(x)
    hess = np.empty((k, k))
    f0 = f(x)
    eye = np.eye(k) * h
    for i in range(k):
        hess[i, i] = (f(x + eye[i]) - 2 * f0 + f(x - eye[i])) / h**2
        for j in range(i):
            hess[i, j] = hess[j, i] = (
                f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j]) - f(x - eye[i] + eye[j]) + f(x - eye[i] - eye[j])
            ) / (4 * h**2)
    return hess


def _fit_mle(negll, x0, names, alpha, model):
    """Minimise ``negll`` over log-parameters; estimates, tidy table, loglik, converged."""
    def gradient_ok(r) -> bool:
        if not (np.all(np.isfinite(r.x)) and np.isfinite(r.fun)):
            return False
        grad = optimize.approx_fprime(r.x, negll, 1e-7)
        return bool(np.all(np.abs(grad) < 1e-4 * max(1.0, abs(r.fun))))

    res = optimize.minimize(negll, x0, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
    if not gradient_ok(res):  # restart from a derivative-free search
        start = res.x if np.all(np.isfinite(res.x)) and np.isfinite(res.fun) else x0
        nm = optimize.minimize(negll, start, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-9})
        again = optimize.minimize(negll, nm.x, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
        res = again if np.isfinite(again.fun) and again.fun <= nm.fun else nm
    x = res.x
    converged = gradient_ok(res) and bool(np.all(np.abs(x) < 25))
    if not converged:
        warnings.warn(
            f"{model}: the optimiser did not converge (log-likelihood {-res.fun:.6g}, "
            f"log-parameters {np.round(x, 4).tolist()}); estimates may be unreliable",
            ConvergenceWarning,
            stacklevel=3,
        )
    se_log = np.full(len(x), np.nan)
    if converged:
        hess = _hessian(negll, x)
        if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh((hess + hess.T) / 2) > 0):
            se_log = np.sqrt(np.diag(np.linalg.inv(hess)))
        else:
            converged = False
            warnings.warn(
                f"{model}: the log-likelihood has no clear maximum (Hessian not positive definite): "
                "the parameters are not identified by these data and standard errors are not available",
                ConvergenceWarning,
                stacklevel=3,
            )
    est = np.exp(x)
    z = stats.norm.ppf(1 - alpha / 2)
    # a flat likelihood (huge se_log) puts a bound beyond the double range: the nearest double
    # is then +inf (or 0), which is the value to report, not a numerical error
    with np.errstate(over="ignore", under="ignore"):
        lower, upper = np.exp(x - z * se_log), np.exp(x + z * se_log)
    table = pd.DataFrame(
        {
            "parameter": list(names),
            "estimate": est,
            "std_error": est * se_log,
            "ci_lower": lower,
            "ci_upper": upper,
        }
    )
    return est, table, float(-res.fun), converged


@dataclass(frozen=True)
class _Fit:
    params: pd.DataFrame
    loglik: float
    n: int
    converged: bool

    def summary(self) -> pd.DataFrame:
        """Tidy table: parameter, estimate, std_error, ci_lower, ci_upper, n, loglik."""
        return self.params.assign(n=self.n, loglik=self.loglik)

    def _repr_html_(self) -> str:
        return f"<p><b>{type(self).__name__}</b></p>" + self.summary().to_html(index=False)

    def _p(self, name: str) -> float:
        return float(self.params.loc[self.params["parameter"] == name, "estimate"].iloc[0])


def _as_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(describe("Values must be finite", parameter=name, received=x, expected="finite numbers"))
    return arr
