"""cx.comment_columns: which free-text columns of an export are comment boxes.

Real exports (../shared/realdata/exports, skipped when absent): the expectations below were read
from the files themselves (the question wording and a look at the answers), not from this
library's output: a comment box asks for the respondent's own words; a web address, a course
field or a single-choice question exported as text is not one.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


OPTIONS = ["Module generation", "Environments", "Binary caches", "Build cache", "External find", "Chaining"]


def _book(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({"item": list(columns), "kind": ["text"] * len(columns)})


def test_rules_each_decide_and_are_named():
    n = 40
    data = pd.DataFrame({
        "comment": [f"the app crashed again on day {i}" for i in range(n)],
        "url": [f"https://example.org/{i}" for i in range(n)],
        "choice": ["no - did not know this was a thing", "yes - it was helpful"] * (n // 2),
        "rare": [f"a long and thoughtful answer number {i}" if i < 5 else None for i in range(n)],
        "checkbox": [", ".join(o for b, o in enumerate(OPTIONS) if (i + 3) >> b & 1) for i in range(n)],
        "rating": list(range(n)),
    })
    book = pd.concat([_book("comment", "url", "choice", "rare", "checkbox"),
                      pd.DataFrame({"item": ["rating"], "kind": ["likert"]})], ignore_index=True)
    found = cx.comment_columns(data, book).set_index("column")
    assert list(found.index) == ["comment", "url", "choice", "checkbox", "rare"]  # boxes first, then by answers
    assert found.loc["comment", "comment_box"] and found.loc["comment", "reason"] == ""
    assert found.loc["url", "reason"] == "median answer 1 words (below 3)"
    assert found.loc["choice", "reason"] == "5% of the answers distinct (below 10%)"
    assert found.loc["rare", "reason"] == "5 answers (fewer than 30)"
    assert found.loc["checkbox", "reason"].startswith("lists of recurring choices: 90% of the answers are lists")  # 4 of 40 pick one
    assert found.loc["checkbox", "share_distinct"] >= 0.1  # whole answers vary: only the parts give it away
    assert found.loc["comment", "median_words"] == 7.0
    assert found.loc["rare", "share_answered"] == pytest.approx(5 / 40)
    assert found["n_rows"].eq(n).all()


def test_language_of_the_answers():
    data = pd.DataFrame({"c": ["الخدمة ممتازة جدا", "التطبيق بطيء جدا", "كانت الفاتورة خاطئة", "great app"]})
    found = cx.comment_columns(data, _book("c"), min_answers=1)
    assert found.loc[0, "language"] == "ar"
    assert found.loc[0, "share_language"] == pytest.approx(0.75)


def test_blank_answers_are_not_answers_and_empty_columns_are_listed():
    data = pd.DataFrame({"c": ["  ", "", None, "fine thanks a lot"], "d": [None] * 4})
    found = cx.comment_columns(data, _book("c", "d"), min_answers=1).set_index("column")
    assert found.loc["c", "n_answered"] == 1
    assert found.loc["d", "n_answered"] == 0 and not found.loc["d", "comment_box"]


def test_codebook_carried_by_a_clean_result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cx.clean_responses(cx.read_export(SAMPLE / "qualtrics_en.csv"))
    found = cx.comment_columns(result)
    assert list(found["column"]) == ["comment"]
    assert bool(found.loc[0, "comment_box"])
    assert found.loc[0, "n_answered"] == result.data["comment"].notna().sum()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"min_answers": 0}, "min_answers"), ({"min_answers": 2.5}, "min_answers"),
    ({"min_words": -1}, "min_words"), ({"min_distinct": 1.5}, "min_distinct"),
])
def test_bad_thresholds_are_named(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        cx.comment_columns(pd.DataFrame({"c": ["a"]}), _book("c"), **kwargs)


def test_without_a_codebook_the_error_says_what_to_give():
    with pytest.raises(ParameterError, match="needs a codebook"):
        cx.comment_columns(pd.DataFrame({"c": ["a"]}))


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=40),
       st.integers(1, 10), st.floats(0, 5), st.floats(0, 1))
def test_properties(answers, min_answers, min_words, min_distinct):
    data = pd.DataFrame({"c": answers, "d": list(reversed(answers))})
    found = cx.comment_columns(data, _book("c", "d"), min_answers=min_answers, min_words=min_words,
                               min_distinct=min_distinct)
    assert sorted(found["column"]) == ["c", "d"]  # every text column once
    assert (found["n_answered"] <= found["n_rows"]).all()
    assert found["comment_box"].eq(found["reason"].eq("")).all()
    assert found["n_answered"].iloc[0] == found["n_answered"].iloc[1]  # same answers, other order
    assert found["share_distinct"].between(0, 1).all()


# --------------------------------------------------------------------------- real exports
_REAL = {
    # Typeform OSMI 2020: two open "anything else?" boxes (comment, comment_2) and the
    # question on what the industry could do are comments; comment_3 holds one-word answers.
    "typeform/typeform_osmi_2020_markdown_headers.csv": (
        ["comment", "comment_2", "briefly_describe_what_you_think_the_industry_as_a_whole_and_or_employers_could_do_"
         "to_improve_mental_health_support_for_employees"], ["comment_3"]),
    # SurveyMonkey k8s 2019: comment_2 and comment_3 are single-choice answers exported as text
    # ("no - didn't know this was a thing", "Funding (...)"); q11 is an open question.
    "surveymonkey/sm_k8s_contributor_2019.csv": (["q11"], ["comment_2", "comment_3"]),
    # Google Forms Jupyter education 2016: the two URL questions are not comments; the pain points are.
    # Google Forms Spack 2020 (xlsx): the features and compilers questions are checkboxes whose
    # answers Forms writes as comma-joined lists of the options; the open questions are comments.
    "google_forms/gforms_spack_2020.xlsx": (
        ["comment", "what_about_spack_helps_you_the_most"],
        ["which_of_the_following_spack_features_do_you_use",
         "which_compilers_do_you_expect_to_use_with_spack_in_the_next_year"]),
    "google_forms/gforms_jupyter_education_2016.csv": (
        ["what_are_the_biggest_pain_points_for_you_in_running_your_class"],
        ["if_your_course_materials_are_publicly_available_online_please_include_the_url",
         "if_there_an_official_course_webpage_please_list_it_here"]),
}


@pytest.mark.parametrize("name", sorted(_REAL))
def test_real_exports(realdata, name):
    path = realdata / "exports" / name
    if not path.exists():
        pytest.skip(f"{name} not in the real data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cx.clean_responses(cx.read_export(path))
    found = cx.comment_columns(result).set_index("column")
    boxes, not_boxes = _REAL[name]
    assert found.loc[boxes, "comment_box"].all(), found.loc[boxes, "reason"].to_dict()
    assert not found.loc[not_boxes, "comment_box"].any()
