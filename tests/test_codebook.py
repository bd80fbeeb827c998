"""Codebook inference on the three sample exports and real Qualtrics files; CSV round trip;
explicit codebooks win; CodebookError for codebooks that disagree with the export."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import CodebookError, CxError
from cxanalytics.ingest.codebook import CODEBOOK_COLUMNS, KINDS, Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.labels import recode_labels

KEY_ITEMS = [c for c in pd.read_csv(sample_dir() / "responses.csv", nrows=0).columns
             if c.startswith(("nps", "csat", "ces", "e_", "p_", "pillar_"))]  # fmt: skip
SAMPLES = ("qualtrics_en", "surveymonkey_ar", "google_forms_fa")


@pytest.fixture(scope="module", params=SAMPLES)
def sample_export(request):
    return request.param, read_export(load_sample(request.param))


@pytest.fixture(scope="module")
def books():
    return {name: Codebook.infer(read_export(load_sample(name))) for name in SAMPLES}


def test_infer_names_every_answer_key_item_in_each_language(books):
    for name, book in books.items():
        items = set(book.table["item"])
        missing = [i for i in KEY_ITEMS if i not in items]
        assert not missing, f"{name}: items not inferred: {missing}"


def test_inferred_scales_match_the_questionnaire(books):
    for name, book in books.items():
        t = book.table.set_index("item")
        assert tuple(t.loc["nps", ["scale_min", "scale_max"]]) == (0, 10), name
        assert tuple(t.loc["csat", ["scale_min", "scale_max"]]) == (1, 5), name
        assert t.loc["csat", "scale"] == "satisfaction5", name
        assert tuple(t.loc["ces", ["scale_min", "scale_max"]]) == (1, 7), name
        assert t.loc["ces", "scale"] == "agree7", name  # qualified + plain labels: 7 points
        for item in [i for i in KEY_ITEMS if i.startswith(("e_", "p_"))]:
            assert tuple(t.loc[item, ["scale_min", "scale_max"]]) == (1, 7), (name, item)
        for item in [i for i in KEY_ITEMS if i.startswith("pillar_")]:
            assert tuple(t.loc[item, ["scale_min", "scale_max"]]) == (0, 10), (name, item)


def test_reverse_coding_is_inferred_from_negative_wording_in_three_languages(books):
    truth = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))
    reversed_items = truth["effects"]["servqual_reverse_coded_items"]  # ["responsiveness_2"]
    for name, book in books.items():
        sq = book.of_kind("servqual_expectation", "servqual_perception")
        flagged = sorted(sq.loc[sq["reverse"], "item"])
        assert flagged == sorted(f"{p}_{i}" for p in "ep" for i in reversed_items), name
        assert set(sq["dimension"]) == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}


def test_roles_of_metadata_pii_and_segments(books):
    q = books["qualtrics_en"].table.set_index("column")
    assert q.loc["ResponseId", "kind"] == "id"
    assert q.loc["EndDate", "item"] == "submitted_at"
    assert q.loc["Duration (in seconds)", "item"] == "duration_s"
    assert set(q.loc[["IPAddress", "RecipientEmail", "RecipientFirstName", "LocationLatitude"], "kind"]) == {"pii"}
    assert q.loc["ExternalReference", "kind"] == "customer_id"
    assert q.loc["Q9", "kind"] == "multi" and "plan_change" in q.loc["Q9", "labels"]
    assert q.loc["Q10", "kind"] == "text"
    sm = books["surveymonkey_ar"].table.set_index("item")
    assert sm.loc["channel", "kind"] == "segment" and sm.loc["branch", "kind"] == "segment"
    assert {f"topic_{t}" for t in ("billing", "network", "device", "plan_change", "other")} <= set(sm.index)
    gf = books["google_forms_fa"].table.set_index("item")
    assert gf.loc["customer_id", "respondent_key"] and gf.loc["email", "respondent_key"]
    assert gf.loc["submitted_at", "kind"] == "timestamp"


def test_persian_somewhat_labels_come_from_the_lexicon_not_codebook_labels(books):
    # "تا حدی مخالفم" / "تا حدی موافقم" are lexicon rows (agree7 3 and 5), so inference writes
    # no per-column labels for them, and every distinct answer of the column recodes.
    book = books["google_forms_fa"]
    ces = book.table.set_index("item").loc["ces"]
    assert pd.isna(ces["labels"])
    answers = read_export(load_sample("google_forms_fa")).frame[ces["column"]].dropna().drop_duplicates()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown label would warn
        res = recode_labels(answers, scale="agree7")
    scored = dict(zip(res.report["value"], res.report["score"], strict=True))
    assert scored["تا حدی مخالفم"] == 3 and scored["تا حدی موافقم"] == 5
    assert (res.report["reason"].isna() | (res.report["reason"] == "non_substantive")).all()


def test_google_forms_grid_rows_parse_without_platform_detection():
    path = load_sample("google_forms_fa")
    auto = Codebook.infer(read_export(path)).table
    named = Codebook.infer(read_export(path, platform="google_forms")).table
    cols = ["item", "kind", "scale_min", "scale_max", "dimension", "reverse"]
    pd.testing.assert_frame_equal(auto[cols], named[cols])


def test_csv_round_trip_keeps_every_field(books, tmp_path):
    for name, book in books.items():
        path = book.to_csv(tmp_path / f"{name}.csv")
        back = Codebook.from_csv(path)
        pd.testing.assert_frame_equal(back.table, book.table)
    assert list(books["qualtrics_en"].table.columns) == list(CODEBOOK_COLUMNS)


def test_edited_csv_wins_over_inference(books, tmp_path):
    book = books["qualtrics_en"]
    path = book.to_csv(tmp_path / "book.csv")
    edited = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    edited.loc[edited["column"] == "Q3", ["item", "kind"]] = ["effort", "likert"]
    edited.to_csv(path, index=False, encoding="utf-8-sig")
    back = Codebook.from_csv(path).table.set_index("column")
    assert back.loc["Q3", "item"] == "effort" and back.loc["Q3", "kind"] == "likert"
    assert back.loc["Q3", "scale"] == "agree7"


def test_overrides_win_over_inference():
    export = read_export(load_sample("qualtrics_en"))
    book = Codebook.infer(export, overrides={"Q4_6": {"reverse": False}, "Q1": {"item": "recommend"}})
    t = book.table.set_index("column")
    assert not t.loc["Q4_6", "reverse"] and t.loc["Q1", "item"] == "recommend"
    with pytest.raises(CodebookError, match="Q99"):
        Codebook.infer(export, overrides={"Q99": {"kind": "nps"}})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": ["bogus"]}, "Unknown kind"),
        ({"kind": ["likert"], "scale_min": [5], "scale_max": [1]}, "needs a scale"),
        ({"kind": ["nps"], "scale": ["agree5"], "scale_min": [0], "scale_max": [10]}, "disagree"),
        ({"kind": ["nps"], "scale": ["likert11"]}, "Unknown label scale"),
        ({"kind": ["segment"], "reverse": [True]}, "reverse"),
        ({"kind": ["likert"], "scale_min": [1], "scale_max": [5], "labels": ["Agree"]}, "Malformed"),
        ({"kind": ["likert"], "scale_min": [1], "scale_max": [5], "labels": ["Agree=four"]}, "not a number"),
        ({"item": ["has space"]}, "identifier"),
        ({"reverse": ["maybe"], "kind": ["likert"], "scale_min": [1], "scale_max": [5]}, "true/false"),
    ],
)
def test_bad_codebooks_raise_codebook_error_naming_the_field(change, message):
    base = {"column": ["Q1"], "item": ["q1"], "kind": ["segment"]}
    with pytest.raises(CodebookError, match=message):
        Codebook(pd.DataFrame(base | change))


def test_duplicate_items_and_missing_required_columns_are_rejected():
    with pytest.raises(CodebookError, match="unique"):
        Codebook(pd.DataFrame({"column": ["a", "b"], "item": ["x", "x"], "kind": ["segment", "segment"]}))
    with pytest.raises(CodebookError, match="required"):
        Codebook(pd.DataFrame({"column": ["a"], "item": ["x"]}))


def test_codebook_missing_export_columns_is_named(books):
    export = read_export(load_sample("surveymonkey_ar"))
    with pytest.raises(CodebookError, match=r"50 codebook column\(s\) missing.*StartDate"):
        books["qualtrics_en"].check(export)


def test_from_csv_errors_name_the_file(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        Codebook.from_csv(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("column,item,kind\nQ1,nps,nonsense\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="bad.csv"):
        Codebook.from_csv(bad)


def test_codebook_csv_neutralises_formula_text_and_reads_it_back(tmp_path):
    book = Codebook(pd.DataFrame({"column": ["Q1"], "item": ["q1"], "kind": ["text"],
                                  "question": ["=HYPERLINK(\"http://x\")"]}))  # fmt: skip
    path = book.to_csv(tmp_path / "b.csv")
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    assert Codebook.from_csv(path).table.loc[0, "question"] == '=HYPERLINK("http://x")'


def test_real_qualtrics_exports_infer_csat_from_text_labels(realdata):
    export = read_export(realdata / "qualtrics" / "beskar_armor_full.csv")
    t = Codebook.infer(export).table.set_index("column")
    assert t.loc["Q16", "kind"] == "csat" and t.loc["Q16", "scale"] == "satisfaction5"
    assert t.loc["Q18", "kind"] == "segment"  # "satisfaction" in the text, but yes/no answers
    for f in ("beskar_armor_subset.csv", "sample.csv", "sample_legacy.csv"):
        book = Codebook.infer(read_export(realdata / "qualtrics" / f))
        assert set(book.table["kind"]) <= set(KINDS)
        assert (book.table["kind"] == "id").sum() == 1


def test_infer_rejects_non_exports():
    with pytest.raises(CxError):
        Codebook.infer(pd.DataFrame({"a": [1]}))


def test_summary_and_html(books):
    s = books["qualtrics_en"].summary()
    assert int(s.loc[s["kind"] == "servqual_expectation", "n"].iloc[0]) == 10
    assert "<table" in books["qualtrics_en"]._repr_html_()
    assert np.issubdtype(books["qualtrics_en"].table["scale_min"].dtype, np.floating)


@pytest.mark.parametrize(("text", "negative"), [
    ("Employees are too busy to respond to customers' requests promptly", True),
    ("The company fails to keep its promises", True),
    ("They never call back", True),
    ("لا يقدم الموظفون اهتماما شخصيا", True),
    # a real SurveyMonkey export (Kubernetes contributor survey 2019) had all three reversed,
    # so that "4" became 2 and "5: strongly agree" became 1 in the cleaned answers
    ("GitHub tools and processes (not our customized tooling)", False),
    ("Debugging test failures", False),
    ("I understand enough about how Kubernetes CI works to be able to diagnose my own PR failures", False),
])
def test_negative_wording_reads_statements_not_asides_or_topics(text, negative):
    from cxanalytics.ingest.cleaning._infer import is_negative

    assert is_negative(text) is negative


@pytest.mark.parametrize("file", ["qualtrics_en.csv", "surveymonkey_ar.csv", "google_forms_fa.csv"])
def test_sample_reverse_items_are_still_found(file):
    """The sample's negatively worded item ("too busy to respond", in en/ar/fa) stays reverse-coded."""
    table = Codebook.infer(read_export(sample_dir() / file)).table
    assert table.loc[table["reverse"], "item"].tolist() == ["e_responsiveness_2", "p_responsiveness_2"]
