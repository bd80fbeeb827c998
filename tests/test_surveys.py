"""cxanalytics.survey.combined: several cleaned exports as one table, written and read back; what it can answer."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _tinydata import tiny_export_text

import cxanalytics as cx
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ParameterError
from cxanalytics.survey.combined import (
    CleanedSurveys,
    combine_cleaned,
    driver_items,
    item_batteries,
    read_cleaned,
    segment_columns,
    survey_scores,
)

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT.parent / "shared" / "realdata" / "exports"


def tiny_export(n: int = 40, seed: int = 1, stores=("North", "South", "East")) -> str:
    return tiny_export_text(n, seed, stores, months=6)


def cleaned(text: str):
    return cx.clean_responses(cx.read_export(io.StringIO(text)), timezone="UTC")


@pytest.fixture(scope="module")
def two():
    return {"spring": cleaned(tiny_export(40, 1)), "autumn": cleaned(tiny_export(25, 2, ("North", "West")))}


def test_combine_keeps_every_row_once_with_its_source(two):
    both = combine_cleaned(two)
    assert list(both.data.columns[:3]) == ["source", "platform", "row_number"]
    assert both.data["source"].value_counts().to_dict() == {"spring": 40, "autumn": 25}
    assert len(both.data) + len(both.quarantine) == sum(r.n_read for r in two.values())
    assert both.summary[["source", "read", "kept", "quarantined"]].values.tolist() == [
        ["spring", 40, 40, 0], ["autumn", 25, 25, 0]]
    # the scores are the per-export scores, in order
    for name, r in two.items():
        mine = both.data.loc[both.data["source"] == name, "nps"].to_numpy()
        np.testing.assert_array_equal(mine, r.data["nps"].to_numpy())
        assert both.data.loc[both.data["source"] == name, "row_number"].tolist() == list(r.data.index)
    assert set(both.codebook["source"]) == {"spring", "autumn"}
    assert "CleanedSurveys(sources=2, kept=65" in repr(both)


def test_combine_names_a_sequence_by_file_and_numbers_duplicates(two):
    results = list(two.values())
    both = combine_cleaned(results)
    assert both.data["source"].unique().tolist() == ["<buffer>", "<buffer> (2)"]


def test_combine_refuses_nothing_and_non_results():
    with pytest.raises(ParameterError, match="No cleaned export"):
        combine_cleaned({})
    with pytest.raises(ParameterError, match="Not a cleaning result"):
        combine_cleaned({"a": pd.DataFrame()})


def test_item_named_like_an_added_column_is_renamed():
    text = tiny_export(10).replace("Which store did you visit?", "platform")
    both = combine_cleaned({"x": cleaned(text)})
    assert both.data.columns.is_unique
    assert "platform_answer" in both.data.columns and set(both.data["platform"]) == {"google_forms"}
    assert "platform_answer" in set(both.codebook["item"])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_and_read_back(two, tmp_path, fmt):
    both = combine_cleaned(two)
    paths = both.write(tmp_path, format=fmt)
    assert paths["responses"].name == f"responses.{fmt}" and paths["codebook"].name == "codebook.csv"
    back = read_cleaned(tmp_path)
    assert isinstance(back, CleanedSurveys)
    assert back.data.shape == both.data.shape
    pd.testing.assert_series_equal(back.data["nps"], both.data["nps"], check_dtype=False)
    assert back.data["submitted_at"].dt.tz is not None
    assert (back.data["submitted_at"] == both.data["submitted_at"]).all()
    assert back.data["flag_speeder"].dtype == "boolean"
    assert survey_scores(back).equals(survey_scores(both))
    # writing the other format replaces the first: read_cleaned never mixes two writes
    other = "csv" if fmt == "parquet" else "parquet"
    both.write(tmp_path, format=other)
    assert not (tmp_path / f"responses.{fmt}").exists()


def test_write_refuses_unknown_format_and_a_file(two, tmp_path):
    both = combine_cleaned(two)
    with pytest.raises(ParameterError, match="Unknown format"):
        both.write(tmp_path, format="xlsx")
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        both.write(f)
    with pytest.raises(ParameterError, match="not found"):
        read_cleaned(tmp_path / "nothing")


def test_what_can_be_computed_from_a_tiny_export(two):
    both = combine_cleaned(two)
    scores = survey_scores(both)
    assert scores[["metric", "item", "scale_min", "scale_max", "n_sources"]].values.tolist() == [
        ["nps", "nps", 0.0, 10.0, 2], ["csat", "csat", 1.0, 5.0, 2]]
    batteries = item_batteries(both)
    assert batteries["item"].tolist() == ["staff_were_friendly", "staff_were_quick", "staff_were_competent"]
    assert batteries["battery"].nunique() == 1
    assert item_batteries(both, min_items=4).empty
    segments = segment_columns(both.data, both)
    assert segments["column"].tolist() == ["source", "branch"]
    assert segments.set_index("column")["n_levels"].to_dict() == {"source": 2, "branch": 4}
    drivers = driver_items(both, data=both.data)
    assert set(drivers["outcome"]) == {"nps"}
    assert drivers["item"].tolist() == ["csat", "staff_were_friendly", "staff_were_quick", "staff_were_competent"]
    assert driver_items(both, "csat")["item"].tolist()[0] == "staff_were_friendly"
    assert driver_items(both, data=both.data, min_n=100).empty
    with pytest.raises(ParameterError, match="Outcome is not an item"):
        driver_items(both, "nope")


def test_on_the_sample_exports_the_roles_match_the_codebook_kinds():
    folder = load_sample("qualtrics_en").parent
    results = {p: cx.clean_responses(cx.read_export(folder / f), timezone="UTC")
               for p, f in (("qualtrics", "qualtrics_en.csv"),)}
    scores = survey_scores(results["qualtrics"])
    assert scores["metric"].tolist() == ["nps", "csat", "ces"]
    batteries = item_batteries(results["qualtrics"])
    book = results["qualtrics"].codebook.table
    # every SERVQUAL and pillar item is in a battery, and a battery never mixes scales
    scored = set(book.loc[book["kind"].isin(["servqual_expectation", "servqual_perception", "pillar"]), "item"])
    assert scored <= set(batteries["item"])
    assert (batteries.groupby("battery")[["scale_min", "scale_max"]].nunique() == 1).all().all()
    drivers = driver_items(results["qualtrics"])
    assert not drivers["kind"].eq("servqual_expectation").any()
    assert "channel" in segment_columns(results["qualtrics"].data, results["qualtrics"])["column"].tolist()


def test_segment_columns_leave_out_identifiers_and_constants():
    data = pd.DataFrame({"id": [str(i) for i in range(30)], "one": ["a"] * 30, "two": ["a", "b"] * 15})
    book = pd.DataFrame({"item": ["id", "one", "two"], "kind": ["segment"] * 3})
    assert segment_columns(data, book)["column"].tolist() == ["two"]
    assert segment_columns(data, book, min_per_level=16).empty


def test_not_a_codebook():
    with pytest.raises(ParameterError, match="Not a codebook"):
        survey_scores(42)
    with pytest.raises(ParameterError, match="lacks columns"):
        survey_scores(pd.DataFrame({"item": ["a"]}))


@pytest.mark.skipif(not EXPORTS.is_dir(), reason="real exports (../shared) not present")
def test_every_real_export_combines_writes_and_reads_back(tmp_path):
    import warnings

    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in sorted(p for p in EXPORTS.rglob("*") if p.is_file()):
            results[path.stem] = cx.clean_responses(cx.read_export(path))
    both = combine_cleaned(results)
    assert len(both.data) + len(both.quarantine) == sum(r.n_read for r in results.values())
    assert both.data.columns.is_unique
    for fmt in ("parquet", "csv"):
        both.write(tmp_path / fmt, format=fmt)
        back = read_cleaned(tmp_path / fmt)
        assert back.data.shape == both.data.shape
        assert back.summary["kept"].tolist() == both.summary["kept"].tolist()
    # the customer-satisfaction export has CSAT items; a matrix question is a battery
    kobo = [n for n in results if n.startswith("kobo")]
    assert kobo and not survey_scores(results[kobo[0]]).empty
    assert sum(len(item_batteries(r)) > 0 for r in results.values()) >= 5
    # the ranking grids of the Kubernetes and Star Wars SurveyMonkey exports are not scales; no other grid is
    rankings = {n: item_batteries(r, data=r.data).attrs["rankings"] for n, r in results.items()}
    assert {n: v for n, v in rankings.items() if v} == {"sm_k8s_contributor_2019": ["q14"],
                                                        "sm_starwars_macroman_CR_original": ["q4"]}
    # "Other (please specify)" rows inside a rating grid are not battery items: only Kubernetes q6_11 is one
    others = {n: item_batteries(r).attrs["other_rows"] for n, r in results.items()}
    assert {n: v for n, v in others.items() if v} == {"sm_k8s_contributor_2019": ["q6_11"]}
    # and no item of these exports is reverse-coded by its wording (three were, wrongly, in the Kubernetes one)
    assert not any(r.codebook.table["reverse"].any() for r in results.values())


# --------------------------------------------------------------------------- headline_scores
SAMPLE_SCORES = pd.DataFrame({"metric": ["nps", "csat", "ces"], "item": ["nps", "csat", "ces"],
                              "scale_min": [0, 1, 1], "scale_max": [10, 5, 7]})


def test_headline_scores_equal_the_metric_functions_on_the_sample():
    r = load_sample("responses")
    got = cx.headline_scores(r, SAMPLE_SCORES, alpha=0.1).set_index("metric")
    direct = {"nps": cx.nps(r, "nps", alpha=0.1), "csat": cx.csat(r, "csat", scale=(1, 5), alpha=0.1),
              "ces": cx.ces(r, "ces", scale=(1, 7), alpha=0.1)}
    for metric, out in direct.items():
        row = out.iloc[0]
        assert got.loc[metric, ["n", "n_missing"]].tolist() == [row["n"], row["n_missing"]]
        assert got.loc[metric, ["estimate", "se", "ci_lower", "ci_upper"]].tolist() == pytest.approx(
            [row[metric], row["se"], row["ci_lower"], row["ci_upper"]], rel=0, abs=0)
    # the sample's NPS, as notebook 07 prints it: -6.75 (-9.93 to -3.55), n = 2,208
    assert got.loc["nps", "n"] == 2208 and got.loc["nps", "estimate"] == pytest.approx(-6.748, abs=5e-4)


def test_headline_scores_by_group_one_row_per_item_and_level():
    r = load_sample("responses")
    got = cx.headline_scores(r, SAMPLE_SCORES, by="channel")
    levels = r["channel"].dropna().unique()
    assert len(got) == 3 * len(levels) and set(got["level"]) == set(levels)
    by_direct = cx.csat(r, "csat", scale=(1, 5), by="channel").set_index("channel")["csat"]
    mine = got[got["metric"] == "csat"].set_index("level")["estimate"]
    pd.testing.assert_series_equal(mine.sort_index(), by_direct.sort_index(), check_names=False)
    # by level, the counts add up to the overall count of answered items (no row counted twice or lost)
    overall = cx.headline_scores(r, SAMPLE_SCORES).set_index("metric")["n"]
    assert got.groupby("metric")["n"].sum().to_dict() == overall.to_dict()


def test_headline_scores_empty_and_bad_input():
    r = load_sample("responses")
    empty = cx.headline_scores(r, SAMPLE_SCORES.iloc[:0])
    assert empty.empty and list(empty.columns) == ["metric", "item", "n", "n_missing", "estimate", "se",
                                                   "ci_lower", "ci_upper"]
    with pytest.raises(ParameterError, match="expected nps, csat or ces"):
        cx.headline_scores(r, SAMPLE_SCORES.assign(metric=["nps", "csat", "mean"]))
    with pytest.raises(ParameterError, match="survey_scores output"):
        cx.headline_scores(r, SAMPLE_SCORES[["item"]])
    with pytest.raises(cx.CxError, match="nope"):
        cx.headline_scores(r, SAMPLE_SCORES, by="nope")


def test_ranking_grids_are_not_batteries():
    """A SurveyMonkey ranking grid (real Kubernetes 2019 and Star Wars exports) gave alpha NaN as a 'scale'."""
    book = pd.DataFrame({"item": ["r1", "r2", "r3", "s1", "s2", "s3"], "kind": ["likert"] * 6,
                         "scale_min": [1] * 6, "scale_max": [3] * 3 + [5] * 3, "grid": ["R"] * 3 + ["S"] * 3})
    rng = np.random.default_rng(1)
    ranks = np.array([rng.permutation(3) + 1 for _ in range(40)])
    data = pd.DataFrame(ranks, columns=["r1", "r2", "r3"]).assign(s1=rng.integers(1, 6, 40), s2=rng.integers(1, 6, 40),
                                                                 s3=rng.integers(1, 6, 40))
    assert set(item_batteries(book)["battery"]) == {"R", "S"}
    found = item_batteries(book, data=data)
    assert set(found["battery"]) == {"S"} and found.attrs["rankings"] == ["R"]
    data.loc[:30, "r3"] = data.loc[:30, "r2"]  # ties: ratings after all
    assert set(item_batteries(book, data=data)["battery"]) == {"R", "S"}


@pytest.mark.parametrize("question, other", [
    ("Please rate any challenges to the listed steps [Other (please specify)]", True),
    ("How satisfied are you with... - Others", True),
    ("Rate each - something else: please say", True),
    ("قيّم الخدمات [أخرى (يرجى التحديد)]", True),
    ("به این موارد امتیاز دهید [سایر موارد]", True),
    ("Please rate any challenges [Communication]", False),
    ("Rate our staff - Otherwise helpful staff", False),
    ("[Other] rate this", False),
    (None, False),
])
def test_is_other_row_reads_the_row_label(question, other):
    from cxanalytics.survey._items import is_other_row

    assert is_other_row(question) is other


def test_other_please_specify_rows_are_not_battery_items():
    """Real Kubernetes 2019 SurveyMonkey grid: q6_11 'Other (please specify)' left no complete row for alpha."""
    q = "Please rate any challenges [{}]"
    book = pd.DataFrame({"item": ["a", "b", "c", "o"], "kind": ["likert"] * 4, "scale_min": [1] * 4,
                         "scale_max": [5] * 4, "grid": ["G"] * 4,
                         "question": [q.format(x) for x in ("Speed", "Staff", "Price", "Other (please specify)")]})
    found = item_batteries(book)
    assert found["item"].tolist() == ["a", "b", "c"] and found.attrs["other_rows"] == ["o"]
    # a rated "other" row outside any grid is an item like any other; so is a grid without question texts
    assert item_batteries(book.assign(grid=["G", "G", "G", ""]), min_items=3).attrs["other_rows"] == []
    assert item_batteries(book.drop(columns="question"))["item"].tolist() == ["a", "b", "c", "o"]
