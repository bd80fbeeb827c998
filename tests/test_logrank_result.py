"""The result objects of the survival functions (issue 17): LogrankResult, SurvivalResult.medians.

``logrank`` returns a :class:`LogrankResult` (the test once, one row per group) instead of a
frame that repeated the test on every row, and ``SurvivalResult.median`` (a table) is called
``medians``.  The old spellings work for one release with a ``FutureWarning``; probing by
pandas, NumPy, IPython, copy and pickle never warns.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics.behaviour.survival import LogrankResult, SurvivalResult, kaplan_meier, logrank

# The leukemia fixture (Freireich et al. 1963, as in Kleinbaum & Klein 2012) is in conftest.py.


@pytest.fixture
def result(leukemia) -> LogrankResult:
    return logrank(leukemia, duration="weeks", event="relapse", by="group")


def _silently(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


# ----------------------------------------------------------------- LogrankResult
def test_logrank_result_holds_the_test_once(result):
    assert isinstance(result, LogrankResult) and cx.LogrankResult is LogrankResult
    assert "LogrankResult" in cx.behaviour.survival.__all__ and "LogrankResult" in cx.__all__
    # Kleinbaum & Klein (2012), ch. 2: chi-square 16.79 on 1 df; R survdiff: p = 4.17e-05
    assert result.statistic == pytest.approx(16.79, abs=0.005) and result.df == 1
    assert result.p_value == pytest.approx(4.17e-05, abs=0.005e-05)
    assert isinstance(result.statistic, float) and isinstance(result.df, int) and isinstance(result.p_value, float)
    assert result.n_groups == 2 and result.by == ("group",)
    assert list(result.groups.columns) == ["group", "n", "observed", "expected"]
    assert result.groups["observed"].tolist() == [9, 21] and result.groups["n"].tolist() == [21, 21]
    assert result.groups["expected"].to_numpy() == pytest.approx([19.25, 10.75], abs=0.005)


def test_logrank_summary_is_one_tidy_row(result):
    s = result.summary()
    assert list(s.columns) == ["n_groups", "n", "observed", "statistic", "df", "p_value"]
    assert len(s) == 1
    assert s.iloc[0][["n_groups", "n", "observed", "df"]].tolist() == [2, 42, 30, 1]
    assert s["statistic"].iloc[0] == result.statistic and s["p_value"].iloc[0] == result.p_value
    s.loc[0, "n"] = -1  # a new frame each time: the result is not changed through it
    assert result.summary()["n"].iloc[0] == 42


def test_logrank_result_displays_the_test_and_the_groups(result):
    text = repr(result)
    assert text.splitlines()[0] == ("Log-rank test, 2 groups by group: chi-square 16.79 on 1 df, p = 4.17e-05 "
                                    "(42 subjects, 30 events)")
    assert "placebo" in text and "expected" in text
    html = _silently(result._repr_html_)
    assert html.startswith("<p><b>Log-rank test</b>, 2 groups by group: chi-square 16.79") and "<table" in html
    assert "placebo" in html
    tiny = dataclasses.replace(result, p_value=0.0)
    assert "p < 1e-300" in repr(tiny)


def test_logrank_old_dataframe_access_warns_and_gives_the_old_values(result):
    # the frame logrank returned before 0.2: one row per group, the test repeated on every row
    old = pd.DataFrame({"group": ["6-MP", "placebo"], "n": [21, 21], "observed": [9.0, 21.0],
                        "expected": result.groups["expected"], "statistic": result.statistic,
                        "df": 1, "p_value": result.p_value})
    uses = {
        "result[...]": lambda r: r["p_value"],
        "result[[...]]": lambda r: r[["group", "observed"]],
        "set_index": lambda r: r.set_index("group"),
        "iloc": lambda r: r.iloc[0],
        "loc": lambda r: r.loc[1, "observed"],
        "columns": lambda r: list(r.columns),
        "len": len,
        "a column as attribute": lambda r: r.observed,
        "to_dict": lambda r: r.to_dict("list"),
    }
    expected = {
        "result[...]": old["p_value"], "result[[...]]": old[["group", "observed"]],
        "set_index": old.set_index("group"), "iloc": old.iloc[0], "loc": 21.0,
        "columns": list(old.columns), "len": 2, "a column as attribute": old["observed"],
        "to_dict": old.to_dict("list"),
    }
    for name, use in uses.items():
        with pytest.warns(FutureWarning, match=r"logrank returns a LogrankResult now") as got:
            value = use(result)
        message = str(got[0].message)
        assert ".statistic, .df, .p_value" in message and ".groups" in message and ".summary()" in message, name
        assert got[0].filename == __file__, name  # points at the caller
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, expected[name], check_exact=True)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(value, expected[name], check_exact=True)
        else:
            assert value == expected[name], name
    # the attributes named like the old test columns are the numbers now (no warning)
    assert _silently(lambda: (result.statistic, result.df, result.p_value)) == (
        old["statistic"].iloc[0], 1, old["p_value"].iloc[0])


def test_logrank_result_probing_and_copying_do_not_warn(result):
    from IPython.core.formatters import DisplayFormatter

    def probe():
        assert not hasattr(result, "__array__") and not hasattr(result, "_repr_mimebundle_")
        assert not hasattr(result, "_ipython_display_") and not hasattr(result, "_repr_latex_")
        assert hasattr(result, "_repr_html_") and bool(result)
        assert not pd.api.types.is_list_like(result) and not isinstance(result, pd.DataFrame)
        with pytest.raises(AttributeError, match="no attribute 'not_a_frame_method'"):
            result.not_a_frame_method  # noqa: B018
        with pytest.raises(KeyError):
            result[0]  # NumPy probes this for a result inside a list; the old frame had no column 0 either
        formats = DisplayFormatter().format(result)[0]
        assert set(formats) == {"text/plain", "text/html"}
        again = pickle.loads(pickle.dumps(result))
        for other in (again, copy.copy(result), copy.deepcopy(result), dataclasses.replace(result)):
            assert (other.statistic, other.df, other.p_value, other.n_groups, other.by) == (
                result.statistic, result.df, result.p_value, result.n_groups, result.by)
            pd.testing.assert_frame_equal(other.groups, result.groups)
        assert set(dataclasses.asdict(result)) == {"statistic", "df", "p_value", "n_groups", "groups", "by"}
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.p_value = 0.5

    _silently(probe)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 25), st.booleans(), st.sampled_from("abcd")), min_size=2, max_size=80))
def test_logrank_invariants_any_number_of_groups(rows):
    df = pd.DataFrame(rows, columns=["t", "e", "g"])
    if df["g"].nunique() < 2:
        return
    res = logrank(df, duration="t", event="e", by="g")
    g = res.groups
    assert res.n_groups == len(g) == df["g"].nunique()
    assert 0 <= res.df <= res.n_groups - 1
    assert res.statistic >= 0 and 0 <= res.p_value <= 1
    # every event is observed once, and under the null the expected events add up to the same total
    assert g["observed"].sum() == df["e"].sum() and g["n"].sum() == len(df)
    assert g["expected"].sum() == pytest.approx(g["observed"].sum(), rel=1e-9, abs=1e-9)
    assert (g["expected"] >= -1e-12).all()
    row = res.summary().iloc[0]
    assert (row["n_groups"], row["n"], row["observed"]) == (res.n_groups, len(df), df["e"].sum())
    if df["e"].sum() == 0:  # no event: nothing to compare
        assert res.df == 0 and res.statistic == 0 and res.p_value == 1


# ----------------------------------------------------------------- SurvivalResult.medians
def test_survival_result_median_is_renamed_medians(leukemia):
    km = kaplan_meier(leukemia, duration="weeks", event="relapse", by="group")
    table = km.medians
    assert list(table.columns) == ["group", "n", "n_events", "n_censored", "median", "ci_lower", "ci_upper"]
    assert table.set_index("group")["median"].to_dict() == {"6-MP": 23.0, "placebo": 8.0}
    with pytest.warns(FutureWarning, match="SurvivalResult.median is renamed medians") as got:
        old = km.median
    assert got[0].filename == __file__
    assert old is table
    assert "median" not in {f.name for f in dataclasses.fields(SurvivalResult)}
    # a result pickled before the rename holds the table as "median"
    state = {"curve": km.curve, "median": table, "by": ("group",), "alpha": 0.05, "weighted": False}
    revived = SurvivalResult.__new__(SurvivalResult)
    revived.__setstate__(state)
    assert revived.medians is table and revived.by == ("group",)
    _silently(lambda: pickle.loads(pickle.dumps(km)).medians.equals(table))
    assert _silently(km.summary).equals(table)


def test_no_package_code_reads_the_old_names(leukemia):
    """The package's own callers use the new names: no FutureWarning from a snapshot summary."""
    snap = leukemia.rename(columns={"weeks": "tenure", "relapse": "churned"})
    res = _silently(lambda: cx.survival_by_segment(snap, by="group", tenure_unit="months"))
    summary = _silently(res.summary)
    assert isinstance(res.logrank, LogrankResult)
    assert (summary["logrank_p_value"] == res.logrank.p_value).all()
    assert summary["median"].tolist() == [23.0, 8.0]
    _silently(res._repr_html_)
