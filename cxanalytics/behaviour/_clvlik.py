"""Log-likelihoods of the BG/NBD and Gamma-Gamma models with analytic derivatives (internal).

Each ``_*_objective`` returns three functions of the log-parameters for
:func:`cxanalytics.behaviour._mle._fit_mle`: the negative log-likelihood, its gradient and its
Hessian.  The derivatives are written in the natural parameters theta and carried to the
log scale by the chain rule, ``g_log = theta * g`` and
``H_log = (theta theta^T) * H + diag(theta * g)``.  Differences of digamma functions that
cancel in closed form (psi(a+1) - psi(a) = 1/a, ...) are written out, and logarithms of
ratios use ``log1p``, so that the gradient is accurate to rounding: the optimum it
defines does not depend on the order of the customers or on the machine.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def _to_log_scale(theta, grad, hess):
    """Gradient and Hessian in log-parameters from those in the natural parameters theta."""
    return theta * grad, np.outer(theta, theta) * hess + np.diag(theta * grad)


def _bgnbd_ll(r, al, a, b, x, tx, tt):
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6)."""
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(al) - special.betaln(a, b)
    term1 = special.betaln(a, b + x) - (r + x) * np.log(al + tt)
    with np.errstate(invalid="ignore", divide="ignore"):
        term2 = np.where(x > 0, special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    return common + np.logaddexp(term1, term2)


def _bgnbd_objective(x, tx, tt, weight):
    """BG/NBD negative log-likelihood, gradient and Hessian in log-parameters (rows pooled with counts ``weight``).

    One customer's log-likelihood is C + log(e^{t1} + e^{t2}) (FHL 2005, eq. 6; t2 only
    when x > 0).  With w2 = e^{t2} / (e^{t1} + e^{t2}) the posterior probability of having
    dropped out after the last purchase (0 when x = 0) and w1 = 1 - w2:

    - d/dr = psi(r+x) - psi(r) - w1 log(1 + T/alpha) - w2 log(1 + t_x/alpha)
    - d/dalpha = r/alpha - (r+x) (w1/(alpha+T) + w2/(alpha+t_x))
    - d/da = psi(a+b) - psi(a+b+x) + w2/a
    - d/db = psi(a+b) - psi(a+b+x) + psi(b+x) - psi(b) - w2/(b+x-1)

    and the Hessian is w1 H1 + w2 H2 + H_C + w1 w2 d d^T with d = grad t1 - grad t2 =
    (-log((alpha+T)/(alpha+t_x)), (r+x)(T-t_x)/((alpha+T)(alpha+t_x)), -1/a, 1/(b+x-1)).
    """
    repeat = x > 0

    def negll(p):
        r, al, a, b = np.exp(p)
        ll = np.dot(weight, _bgnbd_ll(r, al, a, b, x, tx, tt))
        return -ll if np.isfinite(ll) else np.inf

    def parts(p):
        r, al, a, b = np.exp(p)
        c = np.where(repeat, b + x - 1, 1.0)  # b + x - 1 where it is used (x > 0)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            log_odds = special.betaln(a + 1, c) - special.betaln(a, b + x) + (r + x) * np.log1p((tt - tx) / (al + tx))
        w2 = np.where(repeat, special.expit(log_odds), 0.0)
        return r, al, a, b, c, w2, 1.0 - w2

    def grad(p):
        r, al, a, b, c, w2, w1 = parts(p)
        ab = special.digamma(a + b) - special.digamma(a + b + x)
        d = np.stack([
            special.digamma(r + x) - special.digamma(r) - w1 * np.log1p(tt / al) - w2 * np.log1p(tx / al),
            r / al - (r + x) * (w1 / (al + tt) + w2 / (al + tx)),
            ab + w2 / a,
            ab + special.digamma(b + x) - special.digamma(b) - w2 / c,
        ])
        return -np.exp(p) * (d @ weight)

    def hess(p):
        r, al, a, b, c, w2, w1 = parts(p)
        theta = np.exp(p)
        ab = special.polygamma(1, a + b) - special.polygamma(1, a + b + x)
        h = np.zeros((4, 4, len(x)))
        h[0, 0] = special.polygamma(1, r + x) - special.polygamma(1, r)
        h[0, 1] = h[1, 0] = 1 / al - (w1 / (al + tt) + w2 / (al + tx))
        h[1, 1] = -r / al**2 + (r + x) * (w1 / (al + tt) ** 2 + w2 / (al + tx) ** 2)
        h[2, 2] = ab - w2 / a**2
        h[2, 3] = h[3, 2] = ab
        h[3, 3] = ab - special.polygamma(1, b) + special.polygamma(1, b + x) + w2 / c**2
        d = np.stack([
            -np.log1p((tt - tx) / (al + tx)),
            (r + x) * (tt - tx) / ((al + tt) * (al + tx)),
            np.full(len(x), -1 / a),
            1 / c,
        ]) * np.sqrt(w1 * w2)
        hess_nat = h @ weight + (d * weight) @ d.T
        _, out = _to_log_scale(theta, -grad(p) / theta, hess_nat)
        return -out

    return negll, grad, hess


def _gamma_gamma_objective(x, z):
    """Gamma-Gamma negative log-likelihood, gradient and Hessian in log-parameters.

    Per customer (x repeat purchases of mean value zbar):

    - d/dp = x (psi(px+q) - psi(px) - log(1 + gamma/(x zbar)))
    - d/dq = psi(px+q) - psi(q) - log(1 + x zbar/gamma)
    - d/dgamma = q/gamma - (px+q)/(gamma + x zbar)

    with second derivatives x^2 (psi1(px+q) - psi1(px)), x psi1(px+q), -x/(gamma + x zbar),
    psi1(px+q) - psi1(q), x zbar/(gamma (gamma + x zbar)) and
    -q/gamma^2 + (px+q)/(gamma + x zbar)^2 (psi1 the trigamma function).
    """
    xz = x * z

    def negll(par):
        p, q, g = np.exp(par)
        px = p * x
        ll = np.sum(special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
                    + (px - 1) * np.log(z) + px * np.log(x) - (px + q) * np.log(g + xz))
        return -ll if np.isfinite(ll) else np.inf

    def natural_grad(p, q, g):
        px = p * x
        both = special.digamma(px + q)
        return np.array([
            np.sum(x * (both - special.digamma(px) - np.log1p(g / xz))),
            np.sum(both - special.digamma(q) - np.log1p(xz / g)),
            np.sum(q / g - (px + q) / (g + xz)),
        ])

    def grad(par):
        theta = np.exp(par)
        return -theta * natural_grad(*theta)

    def hess(par):
        theta = np.exp(par)
        p, q, g = theta
        px = p * x
        both = special.polygamma(1, px + q)
        pq = np.sum(x * both)
        pg = -np.sum(x / (g + xz))
        qg = np.sum(xz / (g * (g + xz)))
        h = np.array([
            [np.sum(x**2 * (both - special.polygamma(1, px))), pq, pg],
            [pq, np.sum(both - special.polygamma(1, q)), qg],
            [pg, qg, np.sum(-q / g**2 + (px + q) / (g + xz) ** 2)],
        ])
        return -_to_log_scale(theta, natural_grad(p, q, g), h)[1]

    return negll, grad, hess
