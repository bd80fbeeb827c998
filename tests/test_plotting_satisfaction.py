"""Structural tests for the satisfaction plots (Agg backend, no image comparison):
artists, plotted values equal to the results, labels, right-to-left shaping, and no
warnings when the figure is drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import FillBetweenPolyCollection, PathCollection
from matplotlib.container import BarContainer, ErrorbarContainer

from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.plotting._rtl import NATIVE_LAYOUT, display_text
from cxanalytics.plotting.satisfaction import (
    plot_funnel,
    plot_nps_bars,
    plot_pillars,
    plot_servqual_gaps,
    plot_trend,
)
from cxanalytics.survey.consistency import funnel_limits, funnel_table
from cxanalytics.survey.metrics import nps
from cxanalytics.survey.servqual import pillar_scores, servqual_gaps

ARABIC = "دبي مارينا"
PERSIAN = "تهران - ونک"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 300
    branch = rng.choice(["North", ARABIC, PERSIAN], n)
    base = np.where(branch == "North", 7.5, np.where(branch == ARABIC, 6.0, 7.0))
    out = pd.DataFrame({
        "branch": branch,
        "channel": rng.choice(["app", "store"], n),
        "quarter": pd.PeriodIndex(rng.choice(["2025Q1", "2025Q2", "2025Q3"], n), freq="Q"),
        "nps": np.clip(np.round(base + rng.normal(0, 2, n)), 0, 10).astype(int),
        "pillar_speed": rng.integers(0, 11, n), "pillar_care": rng.integers(0, 11, n),
    })
    for dim, shift in (("tangibles", 0), ("reliability", -1), ("empathy", -0.5)):
        for k in (1, 2):
            e = rng.integers(4, 8, n)
            out[f"e_{dim}_{k}"] = e
            out[f"p_{dim}_{k}"] = np.clip(np.round(e + shift + rng.normal(0, 1, n)), 1, 7)
    return out


def draw_without_warnings(ax) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


def texts(labels) -> list[str]:
    return [t.get_text() for t in labels]


# ----------------------------------------------------------------------------- NPS bars
def test_nps_bars_heights_and_interval_markers(data):
    result = nps(data, "nps", by="branch")
    ax = plot_nps_bars(result)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 3 and all(len(b.patches) == len(result) for b in bars)
    bottom = np.zeros(len(result))
    for container, column in zip(bars, ["detractor_share", "passive_share", "promoter_share"],
                                 strict=True):
        heights = [p.get_height() for p in container.patches]
        np.testing.assert_allclose(heights, 100 * result[column])
        np.testing.assert_allclose([p.get_y() for p in container.patches], bottom)
        bottom = bottom + heights
    np.testing.assert_allclose(bottom, 100)
    twin = ax.nps_axis
    (marker,) = [c for c in twin.containers if isinstance(c, ErrorbarContainer)]
    line = marker.lines[0]
    np.testing.assert_allclose(line.get_ydata(), result["nps"])
    segments = marker.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], result["ci_lower"])
    np.testing.assert_allclose([s[1][1] for s in segments], result["ci_upper"])
    assert twin.get_ylim() == (-100, 100)
    # RTL group names are shaped on the ticks; legend names every part
    ticks = texts(ax.get_xticklabels())
    assert ticks == [display_text(v) for v in result["branch"]]
    assert display_text(ARABIC) in ticks and (ARABIC in ticks) == NATIVE_LAYOUT
    assert texts(ax.get_legend().get_texts()) == [
        "Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)", "NPS with interval"]
    draw_without_warnings(ax)


def test_nps_bars_on_given_axes_and_bad_input(data):
    fig, ax = plt.subplots()
    assert plot_nps_bars(nps(data, "nps"), ax=ax, title=ARABIC) is ax
    assert ax.get_title() == display_text(ARABIC)
    assert texts(ax.get_xticklabels()) == ["all"]
    with pytest.raises(ColumnError):
        plot_nps_bars(pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError):
        plot_nps_bars([1, 2])


# ----------------------------------------------------------------------------- trend
def test_trend_lines_and_bands_follow_result(data):
    result = nps(data, "nps", by=["channel", "quarter"])
    ax = plot_trend(result, x="quarter", by="channel")
    lines = ax.get_lines()
    bands = [c for c in ax.collections if isinstance(c, FillBetweenPolyCollection)]
    assert len(lines) == 2 and len(bands) == 2
    for line, (_, part) in zip(lines, result.groupby("channel"), strict=True):
        part = part.sort_values("quarter")
        np.testing.assert_allclose(line.get_ydata(), part["nps"])
    band = bands[0].get_paths()[0].vertices
    first = result[result["channel"] == "app"].sort_values("quarter")
    assert band[:, 1].min() == pytest.approx(first["ci_lower"].min())
    assert band[:, 1].max() == pytest.approx(first["ci_upper"].max())
    assert texts(ax.get_legend().get_texts()) == ["app", "store"]
    assert ax.get_ylabel() == "nps" and ax.get_xlabel() == "quarter"
    draw_without_warnings(ax)


def test_trend_with_text_periods_keeps_their_order_and_shapes_labels():
    r = pd.DataFrame({"month": ["فروردین", "اردیبهشت", "خرداد"], "csat": [0.5, 0.6, 0.55],
                      "ci_lower": [0.4, 0.5, 0.45], "ci_upper": [0.6, 0.7, 0.65]})
    ax = plot_trend(r, x="month")
    assert texts(ax.get_xticklabels()) == [display_text(m) for m in r["month"]]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0, 1, 2])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), r["csat"])
    draw_without_warnings(ax)
    with pytest.raises(ParameterError, match="estimate"):
        plot_trend(r.rename(columns={"csat": "value"}), x="month")


# ----------------------------------------------------------------------------- SERVQUAL
def test_servqual_bars_are_the_gaps_with_their_intervals(data):
    gaps = servqual_gaps(data)
    dims = gaps[gaps["level"] == "dimension"]
    ax = plot_servqual_gaps(gaps)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)][0]
    np.testing.assert_allclose([p.get_width() for p in bars.patches], dims["gap"])
    (err,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    segments = err.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], dims["ci_lower"])
    np.testing.assert_allclose([s[1][0] for s in segments], dims["ci_upper"])
    assert texts(ax.get_yticklabels()) == dims["dimension"].tolist()
    assert ax.yaxis_inverted()  # first dimension on top
    reliability = bars.patches[dims["dimension"].tolist().index("reliability")]
    assert matplotlib.colors.to_hex(reliability.get_facecolor()) == "#d7301f"  # below zero
    draw_without_warnings(ax)
    items = plot_servqual_gaps(gaps, level="item")
    assert len(texts(items.get_yticklabels())) == 6
    with pytest.raises(ParameterError):
        plot_servqual_gaps(gaps, level="overall")


# ----------------------------------------------------------------------------- funnel
def test_funnel_points_limits_and_labels(data):
    table = funnel_table(data, "nps", by="branch")
    ax = plot_funnel(table)
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(points.get_offsets(), table[["n", "estimate"]].to_numpy())
    lines = ax.get_lines()
    assert len(lines) == 5  # target + lower/upper at 95 % and 99.8 %
    assert lines[0].get_ydata()[0] == pytest.approx(table["target"].iloc[0])
    meta = table.attrs["funnel"]
    grid = lines[1].get_xdata()
    lower, upper = funnel_limits(grid, target=meta["target"], level=0.95, sigma=meta["sigma"])
    np.testing.assert_allclose(lines[1].get_ydata(), lower)
    np.testing.assert_allclose(lines[2].get_ydata(), upper)
    flagged = table.loc[table["outside_95"], "branch"].tolist()
    assert display_text(ARABIC) in [display_text(b) for b in flagged]  # planted low branch
    assert sorted(t.get_text() for t in ax.texts) == sorted(display_text(b) for b in flagged)
    assert texts(ax.get_legend().get_texts()) == ["Target", "95% limits", "99.8% limits"]
    draw_without_warnings(ax)


def test_funnel_proportion_exact_curves_and_bad_input(data):
    table = funnel_table(data.assign(promoter=data["nps"] >= 9), "promoter", by="branch",
                         kind="proportion")
    ax = plot_funnel(table, ylabel="Promoter share")
    lines = ax.get_lines()
    lower, _ = funnel_limits(lines[3].get_xdata(), target=table["target"].iloc[0], level=0.998,
                             kind="proportion", method="exact")
    np.testing.assert_allclose(lines[3].get_ydata(), lower)
    for line in lines[1:]:  # exact binomial limits exist at whole n only: every point is drawn
        assert np.isfinite(line.get_ydata()).all()
        np.testing.assert_array_equal(line.get_xdata(), np.round(line.get_xdata()))
    assert ax.get_ylabel() == "Promoter share"
    draw_without_warnings(ax)
    with pytest.raises(ParameterError, match="funnel_table"):
        plot_funnel(pd.DataFrame(table))  # a copy without attrs is refused


# ----------------------------------------------------------------------------- pillars
def test_pillar_profile_values_and_ticks(data):
    scores = pillar_scores(data, by="branch")
    ax = plot_pillars(scores)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 3
    for container, (_, part) in zip(bars, scores.groupby("branch"), strict=True):
        np.testing.assert_allclose(container.lines[0].get_ydata(), part["mean"])
        segments = container.lines[2][0].get_segments()
        np.testing.assert_allclose([s[0][1] for s in segments], part["ci_lower"])
    assert texts(ax.get_xticklabels()) == ["speed", "care"]
    legend = texts(ax.get_legend().get_texts())
    assert display_text(PERSIAN) in legend and (PERSIAN in legend) == NATIVE_LAYOUT
    assert ax.get_ylim() == (0, 10)
    draw_without_warnings(ax)
    with pytest.raises(ColumnError):
        plot_pillars(nps(data, "nps"))
