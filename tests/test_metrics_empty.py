"""A metric on zero usable answers warns (DataQualityWarning) instead of returning a silent NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxanalytics as cx
from cxanalytics.errors import DataQualityWarning

CALLS = {
    "nps": lambda d, **k: cx.nps(d, "q", **k),
    "csat": lambda d, **k: cx.csat(d, "q", **k),
    "ces": lambda d, **k: cx.ces(d, "q", **k),
    "ces_top_box": lambda d, **k: cx.ces(d, "q", method="top_box", **k),
    "top_box": lambda d, **k: cx.top_box(d, "q", scale=(1, 5), **k),
    "mean_score": lambda d, **k: cx.mean_score(d, "q", **k),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("values", [[np.nan, np.nan, np.nan], []], ids=["all_missing", "no_rows"])
def test_zero_answers_warn_and_still_return_the_tidy_row(name, values):
    data = pd.DataFrame({"q": pd.Series(values, dtype="float64")})
    with pytest.warns(DataQualityWarning, match=r"No usable answer: the estimate is NaN \[column 'q'\]") as got:
        out = CALLS[name](data)
    assert got[0].filename == __file__  # points at the caller, not inside the library
    assert len(out) == 1 and int(out["n"].iloc[0]) == 0 and int(out["n_missing"].iloc[0]) == len(values)
    assert np.isnan(out.iloc[0, 2:].drop(labels=[c for c in out.columns if c.startswith("n")], errors="ignore")
                    .astype(float)).any()


@pytest.mark.parametrize("name", list(CALLS))
def test_an_empty_group_is_named(name):
    data = pd.DataFrame({"q": [np.nan, np.nan, 5.0, 4.0], "branch": ["north", "north", "south", "south"]})
    with pytest.warns(DataQualityWarning, match=r"in \{'branch': 'north'\}"):
        out = CALLS[name](data, by="branch")
    assert out.set_index("branch").loc["north", "n"] == 0 and out.set_index("branch").loc["south", "n"] == 2


@pytest.mark.parametrize("name", list(CALLS))
def test_answers_present_no_warning(name):
    data = pd.DataFrame({"q": [5.0, 4.0, 3.0, np.nan]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = CALLS[name](data)
    assert int(out["n"].iloc[0]) == 3
