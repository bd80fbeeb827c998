"""Display of p-values that underflow, and notebook 09's parameters for a mapped snapshot."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import cxanalytics as cx
from cxanalytics.errors import ParameterError
from cxanalytics.report._snapshotparams import snapshot_notebook_parameters


def test_an_underflowing_chi_square_tail_is_shown_as_a_bound_not_zero():
    p = stats.chi2.sf(2768.995, 2)  # IBM Telco log-rank by contract: exp(-1384.5) underflows to 0.0
    assert p == 0.0
    assert cx.format_p_value(p) == "< 1e-300" and cx.format_p_value(p, with_p=True) == "p < 1e-300"
    assert cx.format_p_value(1.246e-45, digits=2, with_p=True) == "p = 1.2e-45"
    assert cx.format_p_value(float("nan")) == ""


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.01", True, None])
def test_a_value_that_is_not_a_p_value_is_refused(bad):
    with pytest.raises(ParameterError, match="p-value|number"):
        cx.format_p_value(bad)


@given(st.floats(min_value=1e-300, max_value=1.0))
def test_values_above_the_floor_round_trip_to_their_digits(p):
    text = cx.format_p_value(p, digits=6)
    assert not text.startswith("<") and float(text) == pytest.approx(p, rel=1e-5)
    assert np.isfinite(float(text))


def test_a_mapped_snapshot_is_read_in_its_source_unit():
    cols = ["customer_id", "tenure", "tenure_periods", "churned"]
    assert snapshot_notebook_parameters(cols, {"tenure": "days", "tenure_periods": "Year"}, ("contract",)) == {
        "segments": ["contract"], "tenure": "tenure_periods", "tenure_unit": "years", "period": "years"}
    # a unit the notebook cannot take, or no count kept: the canonical days stay
    assert snapshot_notebook_parameters(cols, {"tenure_periods": "fortnights"}, ()) == {}
    assert snapshot_notebook_parameters(cols[:2], {"tenure_periods": "months"}, ()) == {}
