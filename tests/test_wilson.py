"""The one Wilson score interval (cxanalytics._core.wilson), used by csat/top_box, outcome_by_group, churn_by_segment,
claims and comment themes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics._core.wilson import wilson_interval

Z95 = 1.959963984540054


def test_against_statsmodels():
    """statsmodels 0.15.0 ``proportion_confint(x, n, method="wilson")``: (1, 15) 0.011866895493268553,
    0.2981652987378003; (12, 40) 0.1807484522974653, 0.45430018818144946; (0, 7) 2.7755575615628914e-17,
    0.3543304350666875 - where we give the lower limit as exactly 0 (the share itself)."""
    lo, hi = wilson_interval(np.array([1.0, 12.0, 0.0]), np.array([15.0, 40.0, 7.0]), Z95)
    np.testing.assert_allclose(lo, [0.011866895493268553, 0.1807484522974653, 0.0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(hi, [0.2981652987378003, 0.45430018818144946, 0.3543304350666875], rtol=1e-12)


@given(n=st.integers(1, 10_000), data=st.data(), z=st.sampled_from([1.0, Z95, 2.575829303549, 3.29]))
def test_limits_contain_the_share_and_stay_in_0_1(n, data, z):
    x = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(x, n, z)
    assert 0.0 <= lo <= x / n <= hi <= 1.0
    assert (lo == 0.0) == (x == 0) and (hi == 1.0) == (x == n)


def test_a_group_nobody_chose_has_a_lower_limit_of_exactly_zero():
    """A real KoBoToolbox export printed 2.776e-17 as the lower limit of a group with no satisfied answer."""
    df = pd.DataFrame({"csat": [1, 2, 1, 5, 4, 5], "store": ["a", "a", "a", "b", "b", "b"]})
    out = cx.csat(df, "csat", scale=(1, 5), by="store").set_index("store")
    assert out.loc["a", "ci_lower"] == 0.0 and out.loc["b", "ci_upper"] == 1.0
