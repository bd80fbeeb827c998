# Test-only reference: the computation of cxanalytics.behaviour.clv.customer_lifetime_value as it was before the
# issue-15 speed work (commit d9d5a0d): every customer computed on its own row, summed with a BLAS product.
# tests/test_speed_equivalence.py checks that the current implementation agrees with it.
"""customer_lifetime_value, one model evaluation per customer (no grouping of equal histories)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxanalytics.behaviour.clv import _rft


def customer_lifetime_value(bgnbd, gamma_gamma, summary, *, horizon, discount_rate=0.0, step=1.0, margin=1.0,
                            customer=None, frequency="frequency", recency="recency", T="T",
                            monetary_value="monetary_value"):
    x, tx, tt = _rft(summary, frequency, recency, T)
    z = summary[monetary_value].to_numpy(dtype=np.float64, na_value=np.nan)
    grid = np.minimum(np.arange(1, int(np.ceil(horizon / step)) + 1) * step, horizon)
    cum = np.stack([bgnbd.conditional_expected_purchases(t, x, tx, tt) for t in grid])
    inc = np.diff(np.vstack([np.zeros(len(x)), cum]), axis=0)
    disc = (1.0 + discount_rate) ** (-grid)
    spend = gamma_gamma.conditional_expected_average_spend(x, z)
    out = {} if customer is None else {customer: summary[customer].to_numpy()}
    out |= {
        "p_alive": bgnbd.p_alive(x, tx, tt),
        "expected_purchases": cum[-1],
        "expected_average_spend": spend,
        "clv": margin * spend * (disc @ inc),
    }
    return pd.DataFrame(out)
