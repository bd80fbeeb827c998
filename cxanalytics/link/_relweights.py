"""Relative-weight algebra for stacks of resamples (internal to :mod:`cxanalytics.link.drivers`).

Every function works on a stack of B weight rows (bootstrap multinomial counts, or a single
row of ones for the point estimate): moments are matrix products of the counts with the
data (and with the products of column pairs), eigen-decompositions are batched.
"""

from __future__ import annotations

import numpy as np


def _sqrt_parts(rxx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric square root of a (stack of) correlation matrices and its inverse."""
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 1e-12, None)
    half = (vec * np.sqrt(lam)[..., None, :]) @ np.swapaxes(vec, -1, -2)
    inv = (vec / np.sqrt(lam)[..., None, :]) @ np.swapaxes(vec, -1, -2)
    return half, inv


def _linear_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Raw relative weights (..., p) from predictor correlations and validities (Johnson 2000)."""
    half, inv = _sqrt_parts(rxx)
    beta = (inv @ rxy[..., None])[..., 0]  # regression of y on the orthogonal Z
    return (half**2 * (beta**2)[..., None, :]).sum(axis=-1)


def _moments(counts: np.ndarray, x: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means (B, q) and covariance matrices (B, q, q) of ``x`` for weight rows."""
    total = counts.sum(axis=1, keepdims=True)
    mean = counts @ x / total
    iu = np.triu_indices(x.shape[1])
    cross = counts @ pairs / total  # E[x_j x_k] for j <= k
    cov = np.empty((len(counts), x.shape[1], x.shape[1]))
    cov[:, iu[0], iu[1]] = cross - mean[:, iu[0]] * mean[:, iu[1]]
    cov[:, iu[1], iu[0]] = cov[:, iu[0], iu[1]]
    return mean, cov


def _corr(cov: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 1e-300, None))
    return cov / sd[..., :, None] / sd[..., None, :]


def _logit_batch(counts: np.ndarray, xa: np.ndarray, y: np.ndarray, pairs: np.ndarray,
                 max_iter: int = 50, tol: float = 1e-10) -> tuple[np.ndarray, bool]:
    """Weighted logistic fits (Newton-Raphson) of ``y`` on ``xa`` for every weight row."""
    b = np.zeros((len(counts), xa.shape[1]))
    iu = np.triu_indices(xa.shape[1])
    converged = False
    for _ in range(max_iter):
        eta = np.clip(b @ xa.T, -30, 30)
        mu = 1 / (1 + np.exp(-eta))
        grad = (counts * (y - mu)) @ xa
        h = (counts * mu * (1 - mu)) @ pairs
        hess = np.empty((len(counts), xa.shape[1], xa.shape[1]))
        hess[:, iu[0], iu[1]] = h
        hess[:, iu[1], iu[0]] = h
        try:
            step = np.linalg.solve(hess, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = (np.linalg.pinv(hess) @ grad[..., None])[..., 0]
        b = b + step
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(b))):
            converged = True
            break
    return b, converged


def _logistic_weights(counts: np.ndarray, x: np.ndarray, y: np.ndarray,
                      pairs_x: np.ndarray, pairs_xa: np.ndarray) -> tuple[np.ndarray, bool]:
    """Raw logistic relative weights (B, p) for weight rows (Tonidandel & LeBreton 2010)."""
    n, p = x.shape
    mean, cov = _moments(counts, x, pairs_x)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    half, _ = _sqrt_parts(_corr(cov))
    xa = np.column_stack([np.ones(n), x])
    coef, ok = _logit_batch(counts, xa, y, pairs_xa)
    gamma = coef[:, 1:] * sd  # coefficients of the standardised drivers
    b_z = (half @ gamma[..., None])[..., 0]  # coefficients of the orthogonal Z (unit variance)
    eta = coef @ xa.T
    total = counts.sum(axis=1, keepdims=True)
    m_eta = (counts * eta).sum(axis=1, keepdims=True) / total
    s_eta = np.sqrt((counts * (eta - m_eta) ** 2).sum(axis=1) / total[:, 0])
    prob = 1 / (1 + np.exp(-eta))
    m_p = (counts * prob).sum(axis=1, keepdims=True) / total
    m_y = (counts * y).sum(axis=1, keepdims=True) / total
    cov_py = (counts * (prob - m_p) * (y - m_y)).sum(axis=1) / total[:, 0]
    var_p = (counts * (prob - m_p) ** 2).sum(axis=1) / total[:, 0]
    var_y = (counts * (y - m_y) ** 2).sum(axis=1) / total[:, 0]
    r2 = cov_py**2 / (var_p * var_y)
    b_star = b_z * np.sqrt(r2)[:, None] / s_eta[:, None]
    return (half**2 * (b_star**2)[:, None, :]).sum(axis=-1), ok


def _pair_products(x: np.ndarray) -> np.ndarray:
    iu = np.triu_indices(x.shape[1])
    return x[:, iu[0]] * x[:, iu[1]]


