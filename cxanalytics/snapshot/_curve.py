"""The fitted sBG retention curve as a function of its parameters, for values with intervals (internal)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from ..behaviour._sbg import SBGFit, _sbg_loglik


def residual_value(a, b, tau, z, horizon: int | None = None) -> np.ndarray:
    """Expected discounted periods still to be paid by a customer active after ``tau`` periods.

    :math:`R(\\tau) = \\sum_{t \\ge 1} S(\\tau + t)/S(\\tau)\\, z^t = z \\frac{b + \\tau}{a + b + \\tau}
    {}_2F_1(1, b + \\tau + 1; a + b + \\tau + 1; z)` with :math:`z = 1/(1 + d)`: one unit of
    margin at the end of each period the customer stays (Fader & Hardie 2010's DERL times
    z). ``a`` and ``b`` are 1-d arrays (parameter draws), ``tau`` a 1-d array of whole
    numbers >= 0; the result has one row per draw and one column per tau.

    2F1 is evaluated once per draw, at the largest tau (where scipy's 2F1 is not finite,
    for a + b in the thousands, its series is summed); smaller tenures follow from the
    recursion :math:`R(\\tau) = z\\, r_{\\tau + 1} (1 + R(\\tau + 1))`,
    :math:`r_{\\tau+1} = (b + \\tau)/(a + b + \\tau)`, which is stable downwards (each step
    multiplies the error by :math:`z r < 1`).

    With a ``horizon`` of H periods only the next H margins count:
    :math:`R_H(\\tau) = R(\\tau) - z^H \\frac{S(\\tau + H)}{S(\\tau)} R(\\tau + H)`.
    """
    a, b = (np.atleast_1d(np.asarray(v, dtype=np.float64))[:, None] for v in (a, b))
    tau = np.asarray(tau, dtype=np.int64)
    if horizon is not None:
        h = int(horizon)
        full = residual_value(a[:, 0], b[:, 0], np.r_[tau, tau + h], z)
        j = np.arange(int(tau.max()) + h if tau.size else h)
        log_s = np.c_[np.zeros(len(a)), np.cumsum(np.log(b + j) - np.log(a + b + j), axis=1)]  # log S(0..)
        ratio = np.exp(log_s[:, tau + h] - log_s[:, tau])
        return full[:, : len(tau)] - z**h * ratio * full[:, len(tau):]
    top = int(tau.max()) if tau.size else 0
    with np.errstate(invalid="ignore", over="ignore"):
        last = z * (b + top) / (a + b + top) * special.hyp2f1(1.0, b + top + 1.0, a + b + top + 1.0, z)
    bad = ~np.isfinite(last[:, 0])
    if bad.any():
        j = np.arange(int(np.ceil(np.log(1e-17) / np.log(z))) + 1)
        for k in np.flatnonzero(bad):
            log_terms = np.cumsum(np.log(b[k, 0] + top + j) - np.log(a[k, 0] + b[k, 0] + top + j)) + (j + 1) * np.log(z)
            last[k, 0] = np.exp(log_terms).sum()
    out = np.empty((len(a), top + 1))
    out[:, top] = last[:, 0]
    for t in range(top - 1, -1, -1):
        out[:, t] = z * (b[:, 0] + t) / (a[:, 0] + b[:, 0] + t) * (1.0 + out[:, t + 1])
    return out[:, tau]


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of a function of a few variables."""
    k = len(x)
    eye = np.eye(k) * h
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i + 1):
            out[i, j] = out[j, i] = (f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j]) - f(x - eye[i] + eye[j])
                                     + f(x - eye[i] - eye[j])) / (4 * h * h)
    return out


class Curve:
    """The fitted retention curve as a function of its working parameters, with their covariance.

    Heterogeneous fit: x = (log alpha, log beta), covariance from the observed information.
    Homogeneous limit: x = (logit p,), p the constant churn per period.
    """

    def __init__(self, fit: SBGFit, lost: np.ndarray, censored: np.ndarray):
        self.fit, self.homogeneous = fit, fit.homogeneous
        if self.homogeneous:
            row = fit.params.set_index("parameter").loc["churn"]
            p = float(row["estimate"])
            self.x = np.array([special.logit(p)])
            self.cov = np.array([[(float(row["std_error"]) / (p * (1 - p))) ** 2]])
            return
        t = np.arange(len(lost), dtype=np.float64)
        keep_d, keep_c = lost > 0, (censored > 0) & (t >= 1)
        args = (lost[keep_d], t[keep_d], np.r_[censored[keep_c], 0.0], np.r_[t[keep_c], 1.0])
        self.x = np.log([fit.alpha, fit.beta])
        info = -_hessian(lambda x: _sbg_loglik(*np.exp(x), *args), self.x)
        ok = np.all(np.isfinite(info)) and np.all(np.linalg.eigvalsh((info + info.T) / 2) > 0)
        self.cov = np.linalg.inv(info) if ok else np.full((2, 2), np.nan)

    def residual(self, x: np.ndarray, tau: np.ndarray, z: float, horizon: int | None = None) -> np.ndarray:
        """Residual value per unit margin at tenures ``tau`` (next ``horizon`` periods); rows of ``x`` are draws."""
        x = np.atleast_2d(x)
        if self.homogeneous:
            q = (1.0 - special.expit(x[:, :1])) * z
            value = q / (1.0 - q) if horizon is None else q * (1.0 - q ** int(horizon)) / (1.0 - q)
            return np.broadcast_to(value, (len(x), len(tau)))
        return residual_value(np.exp(x[:, 0]), np.exp(x[:, 1]), tau, z, horizon)

    def first_retention(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        if self.homogeneous:
            return 1.0 - special.expit(x[:, 0])
        return special.expit(x[:, 1] - x[:, 0])  # beta / (alpha + beta)


