"""Structural tests for the Kaplan-Meier plot (Agg backend, no image comparison)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import FillBetweenPolyCollection, PathCollection

from cxanalytics.behaviour.survival import kaplan_meier
from cxanalytics.errors import ParameterError
from cxanalytics.plotting._rtl import NATIVE_LAYOUT, display_text
from cxanalytics.plotting.survival import plot_survival


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 120
    plan = rng.choice(["basic", "plus", "pro"], n)
    t = np.ceil(rng.exponential(np.where(plan == "basic", 20, np.where(plan == "plus", 30, 45))))
    c = rng.integers(5, 80, n)
    return pd.DataFrame({"days": np.minimum(t, c), "churned": (t <= c).astype(int), "plan": plan})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, FillBetweenPolyCollection)]


def test_one_step_line_per_group_with_result_values(data):
    km = kaplan_meier(data, duration="days", event="churned", by="plan")
    ax = plot_survival(km)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["basic", "plus", "pro"]
    for line, (_, frame) in zip(lines, km.curve.groupby("plan"), strict=True):
        assert line.get_drawstyle() == "steps-post"
        x, y = line.get_xdata(), line.get_ydata()
        assert (x[0], y[0]) == (0.0, 1.0)
        np.testing.assert_array_equal(x[1:], frame["time"].to_numpy())
        np.testing.assert_array_equal(y[1:], frame["survival"].to_numpy())
    assert len(_bands(ax)) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["basic", "plus", "pro"]
    assert ax.get_ylabel() == "Survival probability"


def test_bands_follow_interval_and_can_be_switched_off(data):
    km = kaplan_meier(data, duration="days", event="churned", by="plan")
    ax = plot_survival(km, ci=False)
    assert _bands(ax) == []
    _, ax2 = plt.subplots()
    single = kaplan_meier(data, duration="days", event="churned")
    assert plot_survival(single, ax=ax2) is ax2
    (band,) = _bands(ax2)
    ys = band.get_paths()[0].vertices[:, 1]
    finite = single.curve["ci_lower"].dropna()
    assert np.isclose(ys.min(), min(finite.min(), 1.0))
    assert ax2.get_lines()[0].get_label() == "All" and ax2.get_legend() is None


def test_at_risk_table_matches_result(data):
    km = kaplan_meier(data, duration="days", event="churned", by="plan")
    times = [0, 20, 40, 60]
    ax = plot_survival(km, at_risk=True, at_risk_times=times)
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "At risk"
    expected = km.survival_at(times)
    for row, plan in enumerate(["basic", "plus", "pro"]):
        block = texts[1 + row * (len(times) + 1): 1 + (row + 1) * (len(times) + 1)]
        assert block[0] == plan
        counts = expected.loc[expected["plan"] == plan, "n_at_risk"]
        assert block[1:] == [f"{n:,}" for n in counts]
        n_plan = int((data["plan"] == plan).sum())
        assert block[1] == str(n_plan)  # everyone is at risk at time 0
        assert int(block[2]) == int(((data["plan"] == plan) & (data["days"] >= 20)).sum())


def test_at_risk_defaults_to_ticks_and_no_table_by_default(data):
    km = kaplan_meier(data, duration="days", event="churned", by="plan")
    assert len(plot_survival(km).texts) == 0
    ax = plot_survival(km, at_risk=True)
    lo, hi = ax.get_xlim()
    n_ticks = len([t for t in ax.get_xticks() if lo <= t <= hi])
    assert len(ax.texts) == 1 + 3 * (n_ticks + 1)


def test_label_hook_and_censor_marks():
    df = pd.DataFrame({"days": [3, 5, 8, 9, 4, 6, 10, 12],
                       "churned": [1, 0, 1, 1, 1, 1, 0, 1],
                       "branch": ["تهران"] * 4 + ["الرياض"] * 4})
    km = kaplan_meier(df, duration="days", event="churned", by="branch")
    ax = plot_survival(km, label_formatter=lambda s: f"<{s}>", censor_marks=True, at_risk=True,
                       at_risk_times=[0, 5])
    assert [line.get_label() for line in ax.get_lines()] == ["<الرياض>", "<تهران>"]
    assert "<الرياض>" in [t.get_text() for t in ax.texts]
    marks = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(marks) == 2
    np.testing.assert_array_equal(marks[1].get_offsets()[:, 0], [5.0])


def test_rtl_labels_are_shaped_by_default():
    df = pd.DataFrame({"days": [3, 5, 8, 9, 4, 6, 10, 12],
                       "churned": [1, 0, 1, 1, 1, 1, 0, 1],
                       "branch": ["تهران"] * 4 + ["Dubai"] * 4})
    km = kaplan_meier(df, duration="days", event="churned", by="branch")
    ax = plot_survival(km, xlabel="روز")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "Dubai"
    assert labels[1] == display_text("تهران") and (labels[1] == "تهران") == NATIVE_LAYOUT
    assert ax.get_xlabel() == display_text("روز")
    raw = plot_survival(km, label_formatter=str)
    assert raw.get_lines()[1].get_label() == "تهران"


def test_weighted_counts_and_errors(data):
    km = kaplan_meier(data.assign(w=0.5), duration="days", event="churned", weights="w")
    ax = plot_survival(km, at_risk=True, at_risk_times=[0])
    assert ax.texts[-1].get_text() == f"{0.5 * len(data):,.0f}"
    with pytest.raises(ParameterError, match="SurvivalResult"):
        plot_survival(km.curve)
    grouped = kaplan_meier(data, duration="days", event="churned", by="plan")
    with pytest.raises(ParameterError, match="colours"):
        plot_survival(grouped, colors=["red"])
    ax = plot_survival(grouped, colors=["red", "green", "blue"], title="Retention")
    assert [line.get_color() for line in ax.get_lines()] == ["red", "green", "blue"]
    assert ax.get_title() == "Retention"
