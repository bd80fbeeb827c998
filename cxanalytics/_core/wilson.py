"""The Wilson score interval of a proportion, the one implementation every module uses (internal)."""

from __future__ import annotations

import numpy as np

__all__ = ["wilson_interval", "wilson_interval_of_share"]


def wilson_interval(x, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson (1927) score interval of ``x / n`` at normal quantile ``z`` (vectorised).

    .. math:: \frac{p + z^2/2n \pm z\sqrt{p(1-p)/n + z^2/4n^2}}{1 + z^2/n}

    The limits are clipped to [0, 1] and always contain ``p``: at ``p = 0`` the lower
    limit is exactly 0 and at ``p = 1`` the upper exactly 1 (the formula leaves them a
    rounding error such as 2.8e-17 inside).  NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([0.0, 1.0, 15.0]), np.array([15.0, 15.0, 15.0]), 1.959963984540054)
    >>> lo.tolist()[0], hi.tolist()[2]
    (0.0, 1.0)
    >>> [round(float(v), 4) for v in wilson_interval(1.0, 15.0, 1.959963984540054)]  # R: prop.test(1, 15, correct=FALSE)
    [0.0119, 0.2982]
    """
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return wilson_interval_of_share(x / n, n, z)


def wilson_interval_of_share(p, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`wilson_interval` from the share ``p`` itself (a weighted share with its effective ``n``).

    Examples
    --------
    >>> [round(float(v), 4) for v in wilson_interval_of_share(1 / 15, 15.0, 1.959963984540054)]
    [0.0119, 0.2982]
    """
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        lo = np.clip(np.fmin(centre - half, p), 0.0, 1.0)
        hi = np.clip(np.fmax(centre + half, p), 0.0, 1.0)
    return lo, hi
