"""Tests for cxanalytics.survey.weights.rake: a hand-worked 2x2 example, the closed-form
2x2 raking solution, the metrics accepting the weights, errors, and properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.errors import ColumnError, ConvergenceWarning, CxError, ParameterError
from cxanalytics.survey.metrics import nps
from cxanalytics.survey.weights import RakeResult, rake


def two_by_two() -> pd.DataFrame:
    """100 respondents: men-young 30, men-old 20, women-young 10, women-old 40."""
    cells = [("m", "young", 30), ("m", "old", 20), ("f", "young", 10), ("f", "old", 40)]
    sex = [s for s, _, k in cells for _ in range(k)]
    age = [a for _, a, k in cells for _ in range(k)]
    return pd.DataFrame({"sex": sex, "age": age})


TARGETS = {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.5, "old": 0.5}}


def cell_weights(result: RakeResult, data: pd.DataFrame) -> dict[tuple[str, str], float]:
    frame = data.assign(w=result.weights)
    return frame.groupby(["sex", "age"])["w"].agg(["min", "max"]).apply(
        lambda r: r["min"] if np.isclose(r["min"], r["max"]) else np.nan, axis=1).to_dict()


def test_rake_first_sweep_matches_hand_worked_2x2():
    # Hand-worked first sweep (Deming & Stephan 1940 algorithm), n = 100, start w = 1.
    # Sex: sample 50 men / 50 women, target 0.5 / 0.5 -> factors 1 and 1 (nothing moves).
    # Age: sample young 30 + 10 = 40, old 20 + 40 = 60; target 50 each:
    #      young factor 50 / 40 = 1.25, old factor 50 / 60 = 0.8333...
    # After one sweep: men weigh 30 * 1.25 + 20 * 0.8333 = 54.1667, so sex is off by
    # 0.041667 and one sweep has not converged.
    data = two_by_two()
    with pytest.warns(ConvergenceWarning, match="did not converge after 1 sweep"):
        out = rake(data, TARGETS, max_iter=1)
    assert not out.converged and out.iterations == 1
    cells = cell_weights(out, data)
    # the weights are rescaled to mean 1; the hand-worked ones already average 1:
    # (40 * 1.25 + 60 * 0.8333) / 100 = 1
    assert cells[("m", "young")] == pytest.approx(1.25, rel=1e-12)
    assert cells[("f", "young")] == pytest.approx(1.25, rel=1e-12)
    assert cells[("m", "old")] == pytest.approx(5 / 6, rel=1e-12)
    assert cells[("f", "old")] == pytest.approx(5 / 6, rel=1e-12)
    men = out.margins.query("variable == 'sex' and level == 'm'")["achieved"].iloc[0]
    assert men == pytest.approx((30 * 1.25 + 20 * 5 / 6) / 100, rel=1e-12)  # 0.541667


def test_rake_converges_to_closed_form_2x2_solution():
    # Independent check: raking a 2x2 table keeps its odds ratio and meets the margins
    # (Deming & Stephan 1940; Bishop, Fienberg & Holland 1975, ch. 3).  Sample cells
    # m-young 30, m-old 20, f-young 10, f-old 40: odds ratio (30 * 40) / (20 * 10) = 6.
    # Margins 50/50 and 50/50 force cells (a, 50 - a; 50 - a, a) with a² / (50 - a)² = 6,
    # so a = 50 sqrt(6) / (1 + sqrt(6)) = 35.5051...
    data = two_by_two()
    out = rake(data, TARGETS)
    assert out.converged and out.iterations < 100
    a = 50 * np.sqrt(6) / (1 + np.sqrt(6))
    cells = cell_weights(out, data)
    assert cells[("m", "young")] == pytest.approx(a / 30, rel=1e-7)
    assert cells[("m", "old")] == pytest.approx((50 - a) / 20, rel=1e-7)
    assert cells[("f", "young")] == pytest.approx((50 - a) / 10, rel=1e-7)
    assert cells[("f", "old")] == pytest.approx(a / 40, rel=1e-7)
    np.testing.assert_allclose(out.margins["achieved"], out.margins["target"], atol=1e-8)
    assert out.margins["n"].tolist() == [50, 50, 40, 60]
    np.testing.assert_allclose(out.margins["sample_share"], [0.5, 0.5, 0.4, 0.6])


def test_design_effect_is_kish_formula():
    data = two_by_two()
    out = rake(data, TARGETS)
    w = out.weights.to_numpy()
    cv2 = w.var() / w.mean() ** 2  # population variance: deff = 1 + CV²
    assert out.design_effect == pytest.approx(1 + cv2, rel=1e-12)
    assert out.n_effective == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert out.weights.mean() == pytest.approx(1.0)


def test_weights_flow_into_nps():
    data = two_by_two().assign(score=[10] * 30 + [9] * 20 + [3] * 10 + [7] * 40)
    out = rake(data, TARGETS)
    assert "weight" in out.data and "weight" not in data  # input untouched
    weighted = nps(out.data, "score", weights="weight").iloc[0]
    cells = cell_weights(out, data)
    promoters = 30 * cells[("m", "young")] + 20 * cells[("m", "old")]
    detractors = 10 * cells[("f", "young")]
    total = out.weights.sum()
    assert weighted["nps"] == pytest.approx(100 * (promoters - detractors) / total, rel=1e-10)
    assert weighted["n_effective"] == pytest.approx(out.n_effective, rel=1e-10)


def test_result_index_alignment_and_summary():
    data = two_by_two().set_index(pd.Index(range(1000, 1100)))
    out = rake(data, TARGETS, name="w_rake")
    assert out.weights.index.equals(data.index) and out.weights.name == "w_rake"
    summary = out.summary()
    assert summary.loc[0, "converged"] and summary.loc[0, "n"] == 100
    assert "Margins" in out._repr_html_()


def test_base_weights_are_the_starting_point():
    # rows already weighted to the targets need no change
    data = two_by_two()
    cells = {("m", "young"): 1.0, ("m", "old"): 1.0, ("f", "young"): 3.0, ("f", "old"): 1.0}
    base = [cells[(s, a)] for s, a in zip(data["sex"], data["age"], strict=True)]
    out = rake(data.assign(b=base), {"sex": {"m": 50 / 120, "f": 70 / 120},
                                     "age": {"young": 60 / 120, "old": 60 / 120}}, weights="b")
    assert out.converged and out.iterations == 1
    np.testing.assert_allclose(out.weights, np.array(base) / np.mean(base))


def test_trimming_bounds_are_respected_and_margins_still_met():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"g": rng.choice(list("abc"), 500, p=[0.8, 0.15, 0.05]),
                         "h": rng.choice(list("xy"), 500, p=[0.7, 0.3])})
    # cells a/b/c x x/y = 299/113, 45/25, 12/6: untrimmed raking gives weights up to 4.4;
    # weights within [0.3, 3.0] that meet the margins exist (c needs 50 weight over 18 rows)
    targets = {"g": {"a": 0.55, "b": 0.35, "c": 0.10}, "h": {"x": 0.5, "y": 0.5}}
    free = rake(data, targets)
    assert free.weights.max() > 4
    out = rake(data, targets, trim=(0.3, 3.0))
    assert out.converged
    assert out.weights.max() <= 3.0 * (1 + 1e-9) and out.weights.min() >= 0.3 * (1 - 1e-9)
    assert out.weights.max() == pytest.approx(3.0)  # the bound is active
    np.testing.assert_allclose(out.margins["achieved"], out.margins["target"], atol=1e-8)
    assert out.design_effect < free.design_effect


def test_margins_needing_an_empty_cell_warn_and_say_why():
    # cells m-young 10, m-old 10, f-young 10, no f-old.  "old" exists only among men, so
    # with sex 0.5 / 0.5 and age young y / old 1 - y the solution is m-old 1 - y,
    # m-young y - 0.5, f-young 0.5: reachable for y = 0.9, impossible for y = 0.4
    # (m-young would be -0.1), where IPF drives the m-young weights to 0.
    data = pd.DataFrame({"sex": ["m"] * 20 + ["f"] * 10,
                         "age": ["young"] * 10 + ["old"] * 10 + ["young"] * 10})
    out = rake(data, {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.9, "old": 0.1}})
    assert out.converged
    assert out.weights.iloc[0] == pytest.approx(0.4 * 30 / 10)  # m-young share 0.4, 10 rows
    with pytest.warns(ConvergenceWarning, match="heading to 0"):
        bad = rake(data, {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.4, "old": 0.6}})
    assert not bad.converged and bad.weights.iloc[0] < 1e-3


def test_infeasible_trim_warns_convergence():
    # "b" holds 5 of 100 rows but must carry half the weight: 10x the mean, above 2
    data = pd.DataFrame({"g": ["a"] * 95 + ["b"] * 5})
    with pytest.warns(ConvergenceWarning, match="trim bounds"):
        out = rake(data, {"g": {"a": 0.5, "b": 0.5}}, trim=(0.5, 2.0), max_iter=50)
    assert not out.converged


@pytest.mark.parametrize(("targets", "error", "match"), [
    ({"sex": {"m": 0.6, "f": 0.5}, "age": {"young": 0.5, "old": 0.5}}, ParameterError,
     "sum to 1"),
    ({"sex": {"m": 1.0}}, ColumnError, "no target share"),
    ({"sex": {"m": 0.4, "f": 0.4, "x": 0.2}}, ParameterError, "do not occur"),
    ({"sex": {"m": 1.0, "f": 0.0}}, ParameterError, "positive"),
    ({"region": {"n": 1.0}}, ColumnError, "region"),
    ({}, ParameterError, "targets"),
    ({"sex": [0.5, 0.5]}, ParameterError, "levels to shares"),
])
def test_bad_targets_raise_clear_errors(targets, error, match):
    with pytest.raises(error, match=match):
        rake(two_by_two(), targets)


def test_bad_arguments_raise():
    data = two_by_two()
    for kwargs in ({"trim": (2, 3)}, {"max_iter": 0}, {"tol": -1}, {"weights": "sex"}):
        with pytest.raises(CxError):
            rake(data, TARGETS, **kwargs)
    with pytest.raises(ColumnError, match="missing"):
        rake(data.assign(sex=[None] + data["sex"].tolist()[1:]), TARGETS)
    with pytest.raises(ParameterError):
        rake(["not", "a", "frame"], TARGETS)


# ----------------------------------------------------------------------------- properties
@st.composite
def samples(draw):
    n = draw(st.integers(20, 150))
    k1, k2 = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    g1 = np.r_[np.arange(k1), rng.integers(0, k1, n - k1)]  # every level present
    g2 = np.r_[np.arange(k2), rng.integers(0, k2, n - k2)][rng.permutation(n)]
    t1 = rng.dirichlet(np.full(k1, 3.0))
    t2 = rng.dirichlet(np.full(k2, 3.0))
    data = pd.DataFrame({"a": [f"a{v}" for v in g1], "b": [f"b{v}" for v in g2]})
    targets = {"a": {f"a{i}": float(t) for i, t in enumerate(t1)},
               "b": {f"b{i}": float(t) for i, t in enumerate(t2)}}
    return data, targets, rng.permutation(n)


@settings(max_examples=60, deadline=None)
@given(samples())
def test_property_margins_met_weights_positive_and_row_order_invariant(case):
    data, targets, order = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # sparse cells may converge slowly
        out = rake(data, targets, max_iter=2000)
        shuffled = rake(data.iloc[order], targets, max_iter=2000)
    assert np.all(out.weights >= 0)
    assert out.weights.mean() == pytest.approx(1.0)
    assert out.design_effect >= 1 - 1e-12
    if out.converged:
        np.testing.assert_allclose(out.margins["achieved"], out.margins["target"], atol=1e-8)
        assert np.all(out.weights > 0)
    # (sparse samples can make the targets reachable only with some cells at weight 0:
    # IPF then drives those weights towards 0, does not converge and warns)
    # the same weight for the same row, whatever the row order
    np.testing.assert_allclose(shuffled.weights.loc[data.index], out.weights, rtol=1e-6,
                               atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 80), st.floats(0.1, 0.9))
def test_property_single_variable_converges_in_one_sweep(n, share):
    # with one variable the post-stratification weight is exact after one sweep
    data = pd.DataFrame({"g": ["x"] * n + ["y"] * 7})
    out = rake(data, {"g": {"x": share, "y": 1 - share}})
    assert out.converged and out.iterations == 1
    assert out.weights.iloc[0] / out.weights.iloc[-1] == pytest.approx(
        (share / n) / ((1 - share) / 7), rel=1e-10)
