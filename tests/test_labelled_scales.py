"""Labelled rating scales (English, Arabic, Persian) are inferred as ordered scored items with the
positive end high, never as segments; NPS items by header; id-like columns are never ratings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.labels import recode_labels
from cxanalytics.ingest.text import SCALES

# (scale, language) -> the five labels from the negative to the positive end, as platforms word them
LABELS = {
    ("satisfaction5", "en"): ["Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
                              "Somewhat satisfied", "Extremely satisfied"],
    ("agree5", "en"): ["Strongly disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
                       "Strongly agree"],
    ("extent5", "en"): ["Not at all", "A little", "A moderate amount", "A lot", "A great deal"],
    ("definitely5", "en"): ["Definitely not", "Probably not", "Might or might not", "Probably yes", "Definitely yes"],
    ("likely5", "en"): ["Extremely unlikely", "Somewhat unlikely", "Neither likely nor unlikely", "Somewhat likely",
                        "Extremely likely"],
    ("frequency5", "en"): ["Never", "Rarely", "Sometimes", "Often", "Always"],
    ("frequency5_half", "en"): ["Never", "Sometimes", "About half the time", "Most of the time", "Always"],
    ("satisfaction5", "ar"): ["غير راضٍ تمامًا", "غير راضٍ", "محايد", "راضٍ", "راضٍ جدًا"],
    ("agree5", "ar"): ["لا أوافق بشدة", "لا أوافق", "محايد", "أوافق", "أوافق بشدة"],
    ("extent5", "ar"): ["لا على الإطلاق", "بدرجة قليلة", "بدرجة متوسطة", "بدرجة كبيرة", "بدرجة كبيرة جدًا"],
    ("definitely5", "ar"): ["بالتأكيد لا", "ربما لا", "ربما", "ربما نعم", "بالتأكيد نعم"],
    ("likely5", "ar"): ["غير محتمل على الإطلاق", "غير محتمل", "لا محتمل ولا غير محتمل", "محتمل", "محتمل جدًا"],
    ("frequency5", "ar"): ["أبدًا", "نادرًا", "أحيانًا", "غالبًا", "دائمًا"],
    ("satisfaction5", "fa"): ["خیلی ناراضی", "ناراضی", "نه راضی نه ناراضی", "راضی", "خیلی راضی"],
    ("agree5", "fa"): ["کاملاً مخالفم", "مخالفم", "نه موافقم نه مخالفم", "موافقم", "کاملاً موافقم"],
    ("extent5", "fa"): ["اصلاً", "کم", "متوسط", "زیاد", "خیلی زیاد"],
    ("definitely5", "fa"): ["قطعاً نه", "احتمالاً نه", "شاید", "احتمالاً بله", "قطعاً بله"],
    ("likely5", "fa"): ["بسیار بعید", "بعید", "نه محتمل نه بعید", "محتمل است", "بسیار محتمل"],
    ("frequency5", "fa"): ["هرگز", "به ندرت", "گاهی", "اغلب", "همیشه"],
}  # fmt: skip


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """One column per (scale, language): 60 answers, every label used, with a few non-answers."""
    rng = np.random.default_rng(7)
    cols = {}
    for k, labels in enumerate(LABELS.values(), start=1):
        picks = rng.integers(0, 5, 60)
        picks[:5] = np.arange(5)
        answers = np.array(labels, dtype=object)[picks]
        answers[5] = {"en": "Don't know", "ar": "لا أعرف", "fa": "نمی‌دانم"}[list(LABELS)[k - 1][1]]
        cols[f"Q{k}"] = answers
    path = tmp_path_factory.mktemp("labels") / "labels.csv"
    pd.DataFrame(cols).to_csv(path, index=False, encoding="utf-8")
    export = read_export(path)
    return export, Codebook.infer(export)


def test_every_labelled_scale_is_an_ordered_scored_item_not_a_segment(labelled):
    export, book = labelled
    t = book.table.set_index("column")
    for k, (scale, lang) in enumerate(LABELS, start=1):
        row = t.loc[f"Q{k}"]
        assert row["kind"] == "likert", (scale, lang, row["kind"])
        assert row["scale"] == scale, (scale, lang, row["scale"])
        assert (row["scale_min"], row["scale_max"]) == SCALES[scale]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every label known, nothing guessed
        res = clean_responses(export, book, timezone="UTC", pii_key="k")
    for k, labels in enumerate(LABELS.values(), start=1):
        raw = export.frame[f"Q{k}"]
        scores = pd.concat([res.data, res.quarantine])[t.loc[f"Q{k}", "item"]].reindex(raw.index)
        expected = raw.map({lab: float(i + 1) for i, lab in enumerate(labels)})  # negative end 1, positive end 5
        np.testing.assert_array_equal(scores.to_numpy(dtype=float), expected.to_numpy(dtype=float))
        assert scores.iloc[5] != scores.iloc[5]  # "Don't know" is missing, never a score


@pytest.mark.parametrize(("scale", "lang"), list(LABELS))
def test_lexicon_orders_each_scale_from_its_negative_to_its_positive_end(scale, lang):
    res = recode_labels(pd.Series(LABELS[(scale, lang)]), scale=scale)
    assert res.scores.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_frequency_scales_are_told_apart_by_their_middle_labels():
    half = recode_labels(pd.Series(["Never", "Sometimes", "About half the time", "Always"]), scale="frequency5_half")
    assert half.scores.tolist() == [1.0, 2.0, 3.0, 5.0]
    plain = recode_labels(pd.Series(["Never", "Sometimes", "Often", "Always"]), scale="frequency5")
    assert plain.scores.tolist() == [1.0, 3.0, 4.0, 5.0]


def test_beskar_overall_satisfaction_is_a_1_to_5_csat_item(realdata, tmp_path):
    export = read_export(realdata / "qualtrics" / "beskar_armor_full.csv")
    book = Codebook.infer(export)
    q16 = book.table.set_index("column").loc["Q16"]
    assert (q16["kind"], q16["item"], q16["scale"]) == ("csat", "csat", "satisfaction5")
    assert (q16["scale_min"], q16["scale_max"]) == (1, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(export, book, pii_key="k")
    scores = pd.concat([res.data["csat"], res.quarantine["csat"]])
    # README of the real data: 9 extremely satisfied, 8 somewhat satisfied, 13 neither, 7 somewhat
    # dissatisfied, 6 extremely dissatisfied
    assert scores.value_counts().sort_index().to_dict() == {1.0: 6, 2.0: 7, 3.0: 13, 4.0: 8, 5.0: 9}
    # the labels alone make it a scale: under a header without keywords it is a likert item
    export.frame[["Q16"]].rename(columns={"Q16": "Q99"}).to_csv(tmp_path / "q.csv", index=False)
    alone = Codebook.infer(read_export(tmp_path / "q.csv")).table.iloc[0]
    assert (alone["kind"], alone["scale"]) == ("likert", "satisfaction5")


def test_nps_by_header_or_recommend_only_with_0_to_10_answers(tmp_path):
    rng = np.random.default_rng(2)
    n = 60
    pd.DataFrame({
        "NPS": rng.integers(0, 11, n),
        "How likely are you to recommend us to a friend?": rng.integers(0, 11, n),
        "Net Promoter Score": rng.integers(0, 11, n),
        "nps": rng.integers(1, 6, n),  # a 1-5 answer under the name is not an NPS
        "Q1_NPS_GROUP": rng.choice(["Promoter", "Passive", "Detractor"], n),
    }).to_csv(tmp_path / "n.csv", index=False)
    t = Codebook.infer(read_export(tmp_path / "n.csv")).table.set_index("column")
    assert t.loc["NPS", "kind"] == "nps" and (t.loc["NPS", "scale_min"], t.loc["NPS", "scale_max"]) == (0, 10)
    assert t.loc["How likely are you to recommend us to a friend?", "kind"] == "nps"
    assert t.loc["Net Promoter Score", "kind"] == "nps"
    assert t.loc["nps", "kind"] == "likert" and t.loc["nps", "scale_max"] == 5
    assert t.loc["Q1_NPS_GROUP", "kind"] != "nps"


def test_id_like_columns_are_never_ratings(tmp_path):
    rng = np.random.default_rng(4)
    pd.DataFrame({"id": [1, 2, 3, 4, 5], "respondent": [5, 4, 3, 2, 1], "user_id": [3, 1, 2, 5, 4],
                  "seed": [1, 2, 3, 4, 5], "q": [1, 5, 3, 4, 2]}).to_csv(tmp_path / "small.csv", index=False)  # fmt: skip
    t = Codebook.infer(read_export(tmp_path / "small.csv")).table.set_index("column")
    assert t.loc[["id", "respondent", "user_id", "seed"], "kind"].isin(["id", "metadata"]).all()
    assert t.loc["q", "kind"] == "likert"
    codes = rng.choice(np.arange(10_000_000, 99_999_999), 15, replace=False)
    pd.DataFrame({"Codigo": codes, "q": rng.integers(1, 6, 15)}).to_csv(tmp_path / "eight.csv", index=False)
    t = Codebook.infer(read_export(tmp_path / "eight.csv")).table.set_index("column")
    assert t.loc["Codigo", "kind"] == "metadata"  # 8-digit, all distinct: an identifier, not a segment


def test_limesurvey_ids_are_metadata_and_no_rating_is_id_like(realdata):
    export = read_export(realdata / "exports" / "limesurvey" / "limesurvey_codes_spanish_bom_crlf.csv")
    t = Codebook.infer(export).table.set_index("column")
    assert t.loc["id", "kind"] in ("id", "metadata") and t.loc["seed", "kind"] in ("id", "metadata")
    p0s1 = export.frame["P0S1"].dropna()
    assert p0s1.str.fullmatch(r"\d{8}").mean() > 0.99  # the 8-digit id-like column of the README
    assert t.loc["P0S1", "kind"] == "metadata"
    scored = t[t["scale_max"].notna()]
    assert (scored["scale_max"] <= 10).all()


def test_numeric_range_bins_are_groups_not_a_rating_scale(tmp_path):
    # Google Forms "How many installations ... in the past year?" answers are bins such as
    # "10 - 100" and "500-1,000": the second number is not a label of the first (it used to
    # make a 1-200 "scale" and quarantine every "500-1,000" answer as out of range)
    rng = np.random.default_rng(5)
    bins = ["1 - 10", "10 - 100", "100 - 200", "200 - 500", "500-1,000", "> 1,000"]
    pd.DataFrame({"How many installations?": rng.choice(bins, 80),
                  "Rating": rng.integers(1, 6, 80)}).to_csv(tmp_path / "bins.csv", index=False)
    raw = read_export(tmp_path / "bins.csv")
    t = Codebook.infer(raw).table.set_index("column")
    assert t.loc["How many installations?", "kind"] not in ("likert", "csat", "ces", "nps")
    assert t.loc["Rating", "kind"] == "likert"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(raw)
    assert len(res.data) == 80 and len(res.quarantine) == 0
