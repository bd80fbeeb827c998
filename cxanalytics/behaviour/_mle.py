"""Maximum-likelihood engine shared by the retention models (internal).

Fits run on the logarithms of positive parameters with the model's analytic gradient:
BFGS from the starting values (a Nelder-Mead search first when BFGS cannot get there),
then Newton steps on a Hessian built from central differences of that gradient until the
step is at the level of rounding.  The optimum is therefore the root of the gradient to
(nearly) machine precision, not wherever a line search happened to give up, and the same
data give the same estimates to about 1e-10 relative whatever the summation order, the
starting values or the floating-point details of the machine.  Convergence is judged by
the Newton decrement :math:`\\lambda = \\sqrt{g^T H^{-1} g}`: the distance to the optimum
in units of standard errors.  Standard errors come from the same Hessian (delta method);
intervals are computed on the log scale.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from ..errors import ConvergenceWarning, ParameterError, describe

_DECREMENT_TOL = 1e-6  # converged: the optimum is less than 1e-6 standard errors away
_STEP_TOL = 1e-12  # Newton steps stop below this (log scale, i.e. relative on the natural scale)
_MAX_LOG = 25.0  # |log parameter| beyond this is a boundary, not an estimate


def _hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Symmetrised central differences of the gradient ``grad`` at ``x`` (when no analytic Hessian is given).

    The step eps^(1/3) max(1, |x_i|) balances truncation (O(h^2)) against rounding
    (O(eps / h)): entries are accurate to about 1e-10 relative.
    """
    k = len(x)
    hess = np.empty((k, k))
    for i in range(k):
        h = np.finfo(float).eps ** (1 / 3) * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        hess[:, i] = (grad(up) - grad(down)) / (up[i] - down[i])
    return (hess + hess.T) / 2


def _newton_step(grad, hessian, x):
    """Gradient, Hessian, Newton step and squared Newton decrement at x (step None if H is not positive definite)."""
    g = grad(x)
    hess = hessian(x)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(hess))):
        return g, hess, None, np.inf
    try:
        factor = linalg.cho_factor(hess)
    except linalg.LinAlgError:
        return g, hess, None, np.inf
    step = -linalg.cho_solve(factor, g)
    return g, hess, step, float(-g @ step)


def _newton(negll, grad, hessian, x, max_iter: int = 60):
    """Damped Newton iterations from ``x`` to the root of ``grad``.

    Backtracking (Armijo) while the Newton decrement is large, full steps once the
    quadratic model is trusted; stops when the step is below ``_STEP_TOL`` or stops
    shrinking (the gradient's rounding level is reached).  Returns x, the squared
    decrement and the Hessian at x (decrement inf when the Hessian there is not positive
    definite).
    """
    previous = np.inf
    for _ in range(max_iter):
        _, hess, step, dec2 = _newton_step(grad, hessian, x)
        if step is None:
            return x, dec2, hess
        size = float(np.max(np.abs(step)))
        if size < _STEP_TOL or (size < 1e-8 and size > 0.5 * previous):
            return x, dec2, hess  # converged, or at the rounding floor: another step is noise
        t = 1.0
        if dec2 > 1e-8:  # far from the optimum: make the objective decrease (Boyd & Vandenberghe 9.5)
            f0 = negll(x)
            while t > 1e-10 and not negll(x + t * step) <= f0 - 0.25 * t * dec2:
                t /= 2
            if t <= 1e-10:
                return x, dec2, hess
        x = x + t * step
        previous = size if t == 1.0 else np.inf
    _, hess, _, dec2 = _newton_step(grad, hessian, x)
    return x, dec2, hess


def _optimise(negll, grad, hessian, x0):
    """BFGS from x0 then Newton; if that ends short of a clear optimum, Nelder-Mead, BFGS and Newton again."""

    def finite(x) -> bool:
        return bool(np.all(np.isfinite(x)) and np.isfinite(negll(x)))

    def jac(x):  # BFGS gets a finite gradient or stops
        g = grad(x)
        return g if np.all(np.isfinite(g)) else np.full(len(x), np.nan)

    res = optimize.minimize(negll, x0, jac=jac, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
    start = res.x if finite(res.x) else x0
    x, dec2, h = _newton(negll, grad, hessian, start)
    if not dec2 < _DECREMENT_TOL**2:  # BFGS stopped short of a clear optimum: derivative-free search, again
        nm = optimize.minimize(negll, start, method="Nelder-Mead",
                               options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-9})
        again = optimize.minimize(negll, nm.x, jac=jac, method="BFGS", options={"gtol": 1e-8, "maxiter": 5000})
        y = again.x if finite(again.x) and negll(again.x) <= nm.fun else nm.x
        y, dec2_y, h_y = _newton(negll, grad, hessian, y)
        if finite(y) and (not finite(x) or negll(y) <= negll(x)):
            x, dec2, h = y, dec2_y, h_y
    return x, dec2, h


def _fit_mle(negll, x0, names, alpha, model, grad, hess=None):
    """Minimise ``negll`` over log-parameters; estimates, tidy table, loglik, converged.

    ``grad`` is the analytic gradient of ``negll``; ``hess`` its Hessian (default: central
    differences of ``grad``).
    """
    hessian = hess if hess is not None else (lambda x: _hessian(grad, x))
    with np.errstate(all="ignore"):  # the search may visit overflowing parameters; they are refused as inf
        x, dec2, h = _optimise(negll, grad, hessian, np.asarray(x0, dtype=float))
        fun = negll(x)
    inside = bool(np.all(np.isfinite(x)) and np.isfinite(fun) and np.all(np.abs(x) < _MAX_LOG))
    positive_definite = bool(np.all(np.isfinite(h))) and bool(np.all(np.linalg.eigvalsh(h) > 0))
    converged = inside and positive_definite and dec2 < _DECREMENT_TOL**2
    if inside and not positive_definite:
        warnings.warn(
            f"{model}: the log-likelihood has no clear maximum (Hessian not positive definite): "
            "the parameters are not identified by these data and standard errors are not available",
            ConvergenceWarning,
            stacklevel=3,
        )
    elif not converged:
        warnings.warn(
            f"{model}: the optimiser did not converge (log-likelihood {-fun:.6g}, "
            f"log-parameters {np.round(x, 4).tolist()}, Newton decrement {np.sqrt(dec2):.3g}); "
            "estimates may be unreliable",
            ConvergenceWarning,
            stacklevel=3,
        )
    se_log = np.sqrt(np.diag(np.linalg.inv(h))) if converged else np.full(len(x), np.nan)
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
    return est, table, float(-fun), converged


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
