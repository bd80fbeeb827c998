"""clean_responses on the three sample exports against TRUTH.json and the answer key
(responses.csv), on the real Beskar Qualtrics export, and its audit/reconciliation invariants."""

from __future__ import annotations

import dataclasses
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.errors import (
    CodebookError,
    DataQualityWarning,
    ParameterError,
    ReconciliationError,
    ScaleRangeError,
)
from cxanalytics.ingest.cleaning import LOG_COLUMNS, REASONS, CleanResult, clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.labels import recode_labels

TRUTH = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))
KEY = pd.read_csv(sample_dir() / "responses.csv", dtype=str, keep_default_na=False)
ITEMS = [c for c in KEY.columns if c.startswith(("nps", "csat", "ces", "e_", "p_", "pillar_"))]
TOPICS = [c for c in KEY.columns if c.startswith("topic_")]
#: Rules each platform needs that the export does not state (README of data/sample).
RULES = {
    "qualtrics": ("qualtrics_en", {}),
    "surveymonkey": ("surveymonkey_ar", {"timezone": "Asia/Riyadh", "test_filter": {"collector_id": "431000999"}}),
    "google_forms": ("google_forms_fa", {"timezone": "Asia/Tehran", "test_filter": {"email": "qa.team@example.com"}}),
}
KIND_TO_REASON = {"partial": "incomplete"}
#: Planted kinds that are flagged (a ``flag_<rule>`` column), not quarantined, by default.
FLAGGED = ("speeder", "straightliner")


@pytest.fixture(scope="module")
def cleaned():
    out = {}
    for platform, (name, rules) in RULES.items():
        export = read_export(load_sample(name))
        before = export.frame.copy(deep=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the samples need no warning
            res = clean_responses(export, pii_key="test-key", **rules)
        out[platform] = (export, res, before)
    return out


def _keyed(platform, export, res):
    """Kept rows indexed like the answer key (Google Forms: GF0000-<position in the export>)."""
    data = res.data
    if platform == "google_forms":
        pos = export.frame.index.get_indexer(data.index)
        data = data.assign(response_id=[f"GF0000-{p:07d}" for p in pos])
    key = KEY[KEY["platform"] == platform].set_index("response_id")
    return data.set_index("response_id"), key


@pytest.mark.parametrize("platform", list(RULES))
def test_quarantine_counts_equal_truth_rows_by_kind(cleaned, platform):
    export, res, _ = cleaned[platform]
    truth = TRUTH["exports"][platform]["rows_by_kind"]
    got = res.quarantine["reason"].value_counts().to_dict()
    expected = {KIND_TO_REASON.get(k, k): n for k, n in truth.items() if k != "genuine"}
    flagged = {k: expected.pop(k) for k in FLAGGED}
    if platform == "google_forms":
        # A Google Forms export records no start time or duration, so its planted speeders
        # (random answers, < 60 s) are indistinguishable from genuine rows: they stay unflagged.
        assert res.rules.set_index("rule").loc["speeder", "applied"] == np.False_
        flagged["speeder"] = 0
    assert got == expected  # platform markers, incomplete, duplicates, out of range: quarantined
    for rule, n in flagged.items():  # speeders and straight-liners: kept, flagged and logged
        assert int(res.data[f"flag_{rule}"].sum()) == n, rule
        logged = res.log[(res.log["rule"] == rule) & (res.log["after"] == "flagged")]
        assert set(res.data.index[res.data[f"flag_{rule}"]]) <= set(logged["row"])
    assert len(res.data) + len(res.quarantine) == TRUTH["exports"][platform]["rows"] == len(export.frame)
    # asked to, the flagged rules quarantine (the planted kinds exactly)
    name, rules = RULES[platform]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        removed = clean_responses(export, pii_key="test-key", remove=("speeders", "straightliners"), **rules)
    expected.update({k: n for k, n in flagged.items() if n})
    assert removed.quarantine["reason"].value_counts().to_dict() == expected
    assert not removed.data[["flag_speeder", "flag_straightliner"]].any().any()


@pytest.mark.parametrize("platform", list(RULES))
def test_kept_rows_and_every_numeric_item_equal_the_answer_key(cleaned, platform):
    export, res, _ = cleaned[platform]
    data, key = _keyed(platform, export, res)
    assert key.index.difference(data.index).empty  # every genuine response kept
    extra = data.index.difference(key.index)
    kinds = TRUTH["exports"][platform]["rows_by_kind"]
    flagged = data.index[data["flag_speeder"] | data["flag_straightliner"]]
    assert set(flagged) <= set(extra)  # no genuine response is flagged
    n_unflaggable = kinds["speeder"] if platform == "google_forms" else 0  # no durations in Google Forms
    assert len(extra) == len(flagged) + n_unflaggable == kinds["straightliner"] + kinds["speeder"]
    common = key.index
    for item in ITEMS:
        expected = pd.to_numeric(key.loc[common, item].replace("", np.nan)).to_numpy(dtype=float)
        np.testing.assert_array_equal(data.loc[common, item].to_numpy(dtype=float), expected, err_msg=item)
    for item in TOPICS:
        expected = key.loc[common, item].map({"true": True, "false": False}).to_numpy(dtype=bool)
        np.testing.assert_array_equal(data.loc[common, item].to_numpy(dtype=bool), expected, err_msg=item)
    stamps = pd.to_datetime(key.loc[common, "submitted_at"]).dt.tz_convert("UTC")
    assert (data.loc[common, "submitted_at"] == stamps).all()
    cid = key.loc[common, "customer_id"].replace("", None)
    assert data.loc[common, "customer_id"].fillna("-").tolist() == cid.fillna("-").tolist()
    if platform != "google_forms":
        dur = pd.to_numeric(key.loc[common, "duration_s"]).to_numpy(dtype=float)
        np.testing.assert_array_equal(data.loc[common, "duration_s"].to_numpy(dtype=float), dur)


def test_missing_values_carry_their_reason_codes(cleaned):
    _, res, _ = cleaned["qualtrics"]
    cells = TRUTH["exports"]["qualtrics"]["cells"]
    codes = res.log[res.log["rule"] == "missing_code"]
    assert (codes["reason"] == "non_substantive").sum() == cells["non_substantive"]
    assert (codes["reason"] == "sentinel").sum() == cells["sentinel"]
    assert set(codes.loc[codes["reason"] == "sentinel", "before"]) == {"-99"}
    assert set(codes.loc[codes["reason"] == "sentinel", "item"]) == {"ces"}
    # never 0: the rows whose CSAT was "N/A" hold NaN
    rows = codes.loc[codes["item"] == "csat", "row"]
    everything = pd.concat([res.data["csat"], res.quarantine["csat"]])
    assert everything.loc[rows].isna().all()
    for platform in ("surveymonkey", "google_forms"):
        _, r, _ = cleaned[platform]
        n = (r.log["reason"] == "non_substantive").sum()
        assert n == TRUTH["exports"][platform]["cells"]["non_substantive"]


def test_google_forms_out_of_range_nps_is_quarantined_not_clipped(cleaned):
    _, res, _ = cleaned["google_forms"]
    q = res.quarantine[res.quarantine["reason"] == "out_of_range"]
    assert len(q) == TRUTH["exports"]["google_forms"]["rows_by_kind"]["out_of_range"] and q["nps"].isna().all()
    logged = res.log[(res.log["rule"] == "out_of_range") & (res.log["item"] == "nps")]
    assert set(logged["row"]) == set(q.index)
    assert {str(v).strip("\u200f") for v in logged["before"]} <= {"11", "۱۱", "١١"}
    assert (res.data["nps"].dropna() <= 10).all()


def test_reverse_coding_is_logged_once_per_column_and_flips_every_answer(cleaned):
    export, res, _ = cleaned["qualtrics"]
    rev = res.log[res.log["rule"] == "reverse_code"].set_index("item")
    assert sorted(rev.index) == ["e_responsiveness_2", "p_responsiveness_2"]
    assert rev["row"].isna().all()  # column-level rows
    assert (rev["before"] == "x").all() and (rev["after"] == "8 - x").all()
    book = res.codebook.table.set_index("item")
    for item in rev.index:
        raw = recode_labels(export.frame[book.loc[item, "column"]], scale="agree7").scores
        cleaned_ = pd.concat([res.data[item], res.quarantine[item]]).reindex(raw.index)
        answered = raw.notna()
        assert rev.loc[item, "n"] == answered.sum() > 0  # n = every cell the rule changed
        np.testing.assert_array_equal(cleaned_[answered].to_numpy(), 8 - raw[answered].to_numpy())
        assert cleaned_[~answered].isna().all()
    ch = res.changes().set_index("rule")
    assert ch.loc["reverse_code", "n"] == rev["n"].sum()


def test_every_row_reconciles_and_summary_adds_up(cleaned):
    for export, res, _ in cleaned.values():
        s = res.summary()
        assert s["n"].iloc[0] == len(export.frame)
        assert s["n"].iloc[0] == s["n"].iloc[1] + s.loc[s["outcome"] == "quarantined", "n"].sum()
        assert res.data.index.union(res.quarantine.index).equals(export.frame.index.sort_values())
        assert res.data.index.intersection(res.quarantine.index).empty
        assert set(res.quarantine["reason"]) <= set(REASONS)
        # every quarantined row has a log row with its reason
        logged = res.log[res.log["after"] == "quarantined"]
        assert set(zip(logged["row"], logged["rule"], strict=True)) >= set(
            zip(res.quarantine.index, res.quarantine["reason"], strict=True))


def test_inputs_are_never_modified(cleaned):
    for export, _, before in cleaned.values():
        pd.testing.assert_frame_equal(export.frame, before)


def test_raw_pii_never_appears_in_data_quarantine_or_log(cleaned):
    for platform, (export, res, _) in cleaned.items():
        pii_cols = res.codebook.of_kind("pii")["column"].tolist()
        raw = set()
        for c in pii_cols:
            raw |= {str(v) for v in export.frame[c].dropna().unique()}
        comments = export.frame[res.codebook.of_kind("text")["column"]].stack().astype(str)
        emails = set(comments.str.extractall(r"([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")[0])
        raw |= emails
        raw |= {"0501234567", "09121234567", "+971 50 123 4567"}
        for name, table in (("data", res.data), ("quarantine", res.quarantine), ("log", res.log)):
            text = {t for t in table.astype(str).stack().unique() if isinstance(t, str)}
            hits = {v for v in raw if v in text} | {t for t in text if any(e in t for e in emails)}
            assert not hits, f"{platform} {name} leaks {sorted(hits)[:3]}"
        assert (res.log.loc[res.log["rule"] == "pseudonymise", "before"] == "<redacted>").all()


def test_pseudonymisation_is_logged_once_per_pii_column_with_its_cell_count(cleaned):
    for platform, (export, res, _) in cleaned.items():
        pii = res.codebook.of_kind("pii").set_index("item")
        logged = res.log[res.log["rule"] == "pseudonymise"].set_index("item")
        assert logged.index.is_unique and logged["row"].isna().all(), platform
        for item, column in pii["column"].items():
            filled = export.frame[column].str.strip().replace("", None).notna().sum()
            pseudonyms = pd.concat([res.data[item], res.quarantine[item]]).notna().sum()
            assert pseudonyms == filled, (platform, item)  # every non-blank cell pseudonymised
            if filled:
                assert logged.loc[item, "n"] == filled and logged.loc[item, "column"] == column
            else:
                assert item not in logged.index  # nothing changed, nothing logged


def test_pseudonyms_are_keyed_and_stable(cleaned):
    export, res, _ = cleaned["qualtrics"]
    again = clean_responses(export, pii_key="test-key")
    other = clean_responses(export, pii_key="another-key")
    assert again.data["email"].equals(res.data["email"])
    assert not other.data["email"].dropna().isin(res.data["email"].dropna()).any()
    # duplicates share one person: the same pseudonym
    dup = res.quarantine[res.quarantine["reason"] == "duplicate"]
    assert dup["email"].isin(res.data["email"]).all()


def test_free_text_emails_and_phones_are_redacted(cleaned):
    _, res, _ = cleaned["qualtrics"]
    red = res.log[res.log["rule"] == "redact_pii"]
    assert len(red) > 0
    after = set(red["after"].astype(str))
    assert all(("[email]" in t) or ("[phone]" in t) for t in after)


def test_duplicates_keep_the_first_submission(cleaned):
    _, res, _ = cleaned["surveymonkey"]
    dup = res.quarantine[res.quarantine["reason"] == "duplicate"]
    firsts = dup["detail"].str.extract(r"row (\d+)")[0].astype(int)
    assert firsts.isin(res.data.index).all()
    kept_time = res.data.loc[firsts.to_numpy(), "submitted_at"].to_numpy()
    assert (dup["submitted_at"].to_numpy() > kept_time).all()


def test_speeder_rule_uses_the_documented_cut(cleaned):
    _, res, _ = cleaned["qualtrics"]
    kept = res.data.loc[~res.data["flag_speeder"], "duration_s"]
    sp = res.data.loc[res.data["flag_speeder"], "duration_s"]
    assert len(sp) > 0 and sp.max() < 0.3 * kept.median() * 1.05 and kept.min() >= 120


def test_flag_only_rules_keep_rows(cleaned):
    export, _, _ = cleaned["qualtrics"]
    res = clean_responses(export, pii_key="k", quarantine=("preview", "test"))
    kinds = TRUTH["exports"]["qualtrics"]["rows_by_kind"]
    assert len(res.quarantine) == kinds["preview"] + kinds["test"]
    assert res.data["flags"].str.contains("speeder").sum() == kinds["speeder"]
    assert res.rules.set_index("rule").loc["speeder", "quarantines"] == np.False_


def test_thresholds_are_configurable(cleaned):
    export, _, _ = cleaned["qualtrics"]
    none = clean_responses(export, pii_key="k", speeder_fraction=None, speeder_sd=None,
                           straightline_min_items=None, min_completion=None, use_finished=False,
                           respondent_key=False)  # fmt: skip
    assert set(none.quarantine["reason"]) == {"preview", "test"}
    strict = clean_responses(export, pii_key="k", speeder_fraction=0.9, remove="speeders")
    assert (strict.quarantine["reason"] == "speeder").sum() > TRUTH["exports"]["qualtrics"]["rows_by_kind"]["speeder"]


def test_explicit_codebook_wins(cleaned, tmp_path):
    export, res, _ = cleaned["qualtrics"]
    book = res.codebook.with_overrides({"Q4_6": {"reverse": False}, "Q5_6": {"reverse": False}})
    path = book.to_csv(tmp_path / "book.csv")
    for given in (book, path, book.table):
        r = clean_responses(export, given, pii_key="k")
        assert "reverse_code" not in set(r.log["rule"])
    with pytest.raises(CodebookError):
        clean_responses(export, Codebook(pd.DataFrame({"column": ["nope"], "item": ["x"], "kind": ["segment"]})))


def test_unknown_labels_are_reported_never_guessed():
    export = read_export(load_sample("google_forms_fa"))
    book = Codebook.infer(export)
    column = book.table.set_index("item").loc["ces", "column"]
    # colloquial wordings the lexicon does not hold ("a bit disagree" / "a bit agree")
    odd = {"تا حدی مخالفم": "یه کم مخالفم", "تا حدی موافقم": "یه کم موافقم"}
    changed = export.frame[column].isin(list(odd)).to_numpy()
    assert changed.sum() > 0
    frame = export.frame.assign(**{column: export.frame[column].replace(odd)})
    with pytest.warns(DataQualityWarning, match="unknown_label"):
        res = clean_responses(dataclasses.replace(export, frame=frame), book, pii_key="k", timezone="Asia/Tehran")
    unknown = res.recodes[res.recodes["reason"] == "unknown_label"]
    assert set(unknown["value"]) == set(odd.values())
    assert unknown["count"].sum() == changed.sum()
    assert (res.log["reason"] == "unknown_label").sum() == unknown["count"].sum()
    everything = pd.concat([res.data["ces"], res.quarantine["ces"]])
    assert everything.loc[export.frame.index[changed]].isna().all()  # left missing, never guessed


def test_codebook_scale_that_disagrees_with_the_answers_is_a_codebook_error(cleaned):
    export, _, _ = cleaned["qualtrics"]
    book = Codebook.infer(export, overrides={"Q6_1": {"scale_min": 1, "scale_max": 5}})
    with pytest.raises(CodebookError, match=r"Q6_1.*outside 1-5"):
        clean_responses(export, book, pii_key="k")


def test_a_few_out_of_range_answers_quarantine_their_rows_not_clip(cleaned):
    export, _, _ = cleaned["qualtrics"]
    book = Codebook.infer(export, overrides={"Q6_1": {"scale_min": 0, "scale_max": 9}})
    res = clean_responses(export, book, pii_key="k")
    tens = (export.frame["Q6_1"] == "10").to_numpy()
    assert tens.sum() > 0
    oor = res.log[(res.log["item"] == "pillar_personalisation") & (res.log["rule"] == "out_of_range")]
    assert set(oor["row"]) == set(export.frame.index[tens])
    assert set(export.frame.index[tens]) <= set(res.quarantine.index)
    assert (res.data["pillar_personalisation"].dropna() <= 9).all()


def test_missing_timezone_warns_and_reads_utc():
    export = read_export(load_sample("surveymonkey_ar"))
    with pytest.warns(DataQualityWarning, match="time zone"):
        res = clean_responses(export, pii_key="k")
    assert str(res.data["submitted_at"].dt.tz) == "UTC" and res.timezone == "UTC"


@pytest.mark.parametrize(
    ("rules", "parameter"),
    [({"speeder_fraction": 2}, "speeder_fraction"), ({"min_completion": -1}, "min_completion"),
     ({"straightline": "some"}, "straightline"), ({"quarantine": ["bogus"]}, "quarantine"),
     ({"straightline_min_items": 1}, "straightline_min_items"), ({"test_filter": ["x"]}, "test_filter"),
     ({"test_filter": {"no_such": "x"}}, "test_filter"), ({"remove": ["fast"]}, "remove")],
)  # fmt: skip
def test_bad_rules_raise_parameter_error(cleaned, rules, parameter):
    export, _, _ = cleaned["qualtrics"]
    with pytest.raises(ParameterError, match=parameter):
        clean_responses(export, **rules)


def test_non_export_is_rejected():
    with pytest.raises(ParameterError, match="SurveyExport"):
        clean_responses(pd.DataFrame({"a": [1]}))


def test_result_reconciliation_is_enforced(cleaned):
    _, res, _ = cleaned["qualtrics"]
    with pytest.raises(ReconciliationError, match="read"):
        CleanResult(res.data.iloc[1:], res.quarantine, res.log, res.recodes, res.rules, res.codebook, res.n_read)
    with pytest.raises(ReconciliationError, match="both"):
        CleanResult(res.data, pd.concat([res.quarantine.iloc[1:], res.data.iloc[:1]]), res.log, res.recodes,
                    res.rules, res.codebook, res.n_read)  # fmt: skip


def test_log_has_the_documented_columns(cleaned):
    _, res, _ = cleaned["google_forms"]
    assert tuple(res.log.columns) == LOG_COLUMNS
    whole = res.log["row"].isna().to_numpy()
    k = int(whole.sum())
    assert k > 0 and whole[:k].all()  # column-level rows first ...
    assert res.log["row"].iloc[k:].is_monotonic_increasing  # ... then cell rows by row
    assert (res.log["n"].iloc[k:] == 1).all() and (res.log["n"].iloc[:k] >= 1).all()
    assert set(res.log.loc[whole, "rule"]) <= {"pseudonymise", "reverse_code"}
    assert "<table" in res._repr_html_() and "CleanResult" in repr(res)
    ch = res.changes()
    # one out-of-range NPS cell per planted out-of-range response
    assert ch.loc[ch["reason"] == "out_of_range", "n"].sum() == TRUTH["exports"]["google_forms"]["rows_by_kind"]["out_of_range"]


def test_beskar_test_and_preview_responses_are_quarantined(realdata):
    export = read_export(realdata / "qualtrics" / "beskar_armor_full.csv")
    res = clean_responses(export, pii_key="k")
    q = res.quarantine
    assert (q["reason"] == "test").sum() == 15 and (q["reason"] == "preview").sum() == 2
    assert (export.frame.loc[q.index[q["reason"] == "test"], "Status"] == "Survey Test").all()
    assert (export.frame.loc[q.index[q["reason"] == "preview"], "Status"] == "Survey Preview").all()
    assert res.timezone == "America/Denver"


def test_beskar_q16_recodes_to_a_five_point_scale(realdata):
    export = read_export(realdata / "qualtrics" / "beskar_armor_full.csv")
    res = clean_responses(export, pii_key="k")
    csat = pd.concat([res.data["csat"], res.quarantine["csat"]])
    counts = csat.value_counts().sort_index()
    # README facts: 6 extremely dissatisfied, 7 somewhat dissatisfied, 13 neither,
    # 8 somewhat satisfied, 9 extremely satisfied
    assert counts.to_dict() == {1.0: 6, 2.0: 7, 3.0: 13, 4.0: 8, 5.0: 9}
    rec = res.recodes[res.recodes["item"] == "csat"].set_index("value")["score"]
    assert rec["Extremely satisfied"] == 5 and rec["Somewhat dissatisfied"] == 2


def test_other_real_qualtrics_files_clean_and_reconcile(realdata):
    for name in ("beskar_armor_subset.csv", "sample.csv", "sample_legacy.csv"):
        export = read_export(realdata / "qualtrics" / name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            res = clean_responses(export, pii_key="k")
        s = res.summary()
        assert s["n"].iloc[0] == len(export.frame) == len(res.data) + len(res.quarantine)


def test_columns_sharing_answers_are_recoded_alike_and_each_answer_set_is_checked_whole():
    # q1 and q3 offer the same answers (recoded once, reused); q2 mixes "Agree" with "Somewhat
    # agree" on a 5-point scale, which must still raise although "Agree" was seen in q1.
    rows = [("Agree", "Agree", "Disagree"), ("Disagree", "Somewhat agree", "Agree")] * 3
    csv = "id,q1,q2,q3\n" + "\n".join(f"r{i},{a},{b},{c}" for i, (a, b, c) in enumerate(rows)) + "\n"
    export = read_export(io.BytesIO(csv.encode("utf-8")))
    book = Codebook(pd.DataFrame({"column": ["id", "q1", "q2", "q3"], "item": ["response_id", "q1", "q2", "q3"],
                                  "kind": ["id", "likert", "likert", "likert"], "scale": [None, "agree5", "agree5", "agree5"],
                                  "scale_min": [None, 1, 1, 1], "scale_max": [None, 5, 5, 5]}))  # fmt: skip
    with pytest.raises(ScaleRangeError, match="7-point"):
        clean_responses(export, book, pii_key="k", timezone="UTC", min_completion=None)
    fine = book.with_overrides({"q2": {"kind": "segment", "scale": None, "scale_min": None, "scale_max": None}})
    res = clean_responses(export, fine, pii_key="k", timezone="UTC", min_completion=None)
    both = pd.concat([res.data, res.quarantine])
    assert both["q1"].tolist() == [4.0, 2.0] * 3 and both["q3"].tolist() == [2.0, 4.0] * 3


def test_test_filter_on_a_pii_column_never_echoes_the_value(cleaned):
    """Google Forms test rows are found by e-mail; the reason must not repeat the address."""
    _, res, _ = cleaned["google_forms"]
    tests = res.quarantine[res.quarantine["reason"] == "test"]
    assert len(tests) == TRUTH["exports"]["google_forms"]["rows_by_kind"]["test"]
    for frame in (res.quarantine.astype("str"), res.log.astype("str")):
        assert not frame.apply(lambda col: col.str.contains("qa.team@example.com", regex=False)).any().any()


def test_time_zone_warning_only_when_there_are_times_to_read(tmp_path):
    from cxanalytics.errors import DataQualityWarning
    from cxanalytics.ingest.exports import read_export

    plain = tmp_path / "plain.csv"
    plain.write_text("How satisfied are you?,Which store?\n" + "".join(f"{1 + k % 5},{'AB'[k % 2]}\n" for k in range(20)),
                     encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clean_responses(read_export(plain), pii_key="k")
    assert not [w for w in caught if "time zone" in str(w.message)]
    timed = tmp_path / "timed.csv"
    timed.write_text("Submitted at,How satisfied are you?\n"
                     + "".join(f"2026-03-{1 + k:02d} 10:00:00,{1 + k % 5}\n" for k in range(20)), encoding="utf-8")
    with pytest.warns(DataQualityWarning, match=r"no time zone: its wall-clock times \(Submitted at\) are read as UTC"):
        clean_responses(read_export(timed), pii_key="k")


def test_no_time_zone_warning_when_every_time_states_its_offset(tmp_path):
    from cxanalytics.ingest.exports import read_export

    offset = tmp_path / "offset.csv"
    offset.write_text("Submitted at,How satisfied are you?\n"
                      + "".join(f"2026-03-{1 + k:02d}T10:00:00+01:00,{1 + k % 5}\n" for k in range(20)), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = clean_responses(read_export(offset), pii_key="k")
    assert not [w for w in caught if "time zone" in str(w.message)]
    assert str(res.data["submitted_at"].iloc[0]) == "2026-03-01 09:00:00+00:00"
