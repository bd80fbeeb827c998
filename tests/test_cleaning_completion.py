"""Completion by the platform's own markers, the item rule's question count, flag-then-decide.

The central case is a Qualtrics NPS export made here (3 header rows, 45 responses, 28 of them
``Finished``: one ``Survey Preview``, two ``Spam``; "Other" text boxes, a multi-select
question spread over choice columns, NPS with Qualtrics' ``_NPS_GROUP`` column, seven Text iQ
columns, timing columns and a reCAPTCHA score), written as a choice-text and as a
numeric-values export.  The genuine complete responses are the 25 finished ones that are
neither preview nor spam: all of them must be kept.  Before this rule set (main at 14560d8)
all 45 were quarantined, every finished one as incomplete ("answered 11 of 26 items": the
count included the other-text boxes, every choice column, ``_NPS_GROUP``, the Text iQ and
timing columns), and a finished spam response was not recognised.
"""

from __future__ import annotations

import csv
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import cxanalytics as cx
from cxanalytics.errors import DataQualityWarning, ParameterError
from cxanalytics.ingest.cleaning import REASONS, clean_responses
from cxanalytics.ingest.cleaning import _completion as C
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export

N, N_FINISHED = 45, 28
PREVIEW_ROWS, SPAM_ROWS = (0,), (1, 2)  # positions among the finished responses
SPEEDER_ROW = 3  # a finished, genuine 27-second detractor
CHOICES = ("Salami", "Cat treats", "Gift box", "Tuna pâté", "Catnip", "Hoodie", "Subscription", "Other")
CHANNELS = ("Friend", "Instagram", "Search engine", "Cat show", "Other (please specify)")
CSAT = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied")
AGREE = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
TEXT_IQ = ("Topics", "Parent Topics", "Sentiment Polarity", "Sentiment Score", "Sentiment",
           "Topic Sentiment Label", "Topic Sentiment Score")  # fmt: skip
META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
        "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
        "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]  # fmt: skip
META_IDS = ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished", "recordedDate",
            "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail", "externalDataReference",
            "locationLatitude", "locationLongitude", "distributionChannel", "userLanguage"]  # fmt: skip
NPS_Q = "How likely are you to recommend Cats & Salami to a friend or colleague?"


def _columns() -> list[tuple[str, str, str]]:
    """(column id, question text, ImportId) of every column, in export order."""
    cols = [(m, m, i) for m, i in zip(META, META_IDS, strict=True)]
    cols += [("Q1", NPS_Q, "QID1"), ("Q1_NPS_GROUP", f"{NPS_Q} - Group", "QID1_NPS_GROUP"),
             ("Q2", "Overall, how satisfied are you with your last order?", "QID2")]  # fmt: skip
    buy = "Which of our products did you buy?"
    cols += [(f"Q3_{k}", f"{buy} - Selected Choice - {c}", f"QID3_{k}") for k, c in enumerate(CHOICES, 1)]
    cols += [("Q3_8_TEXT", f"{buy} - Other - Text", "QID3_8_TEXT")]
    hear = "How did you hear about us?"
    cols += [("Q4", f"{hear} - Selected Choice", "QID4"),
             ("Q4_5_TEXT", f"{hear} - Other (please specify) - Text", "QID4_5_TEXT")]  # fmt: skip
    why = "What is the main reason for your score?"
    cols += [("Q5", why, "QID5_TEXT")]
    cols += [(f"Q5 - {t}", f"{why} - {t}", f"QID5_{t.upper().replace(' ', '_')}") for t in TEXT_IQ]
    rate = "How much do you agree: the cats' salami ..."
    cols += [(f"Q6_{k}", f"{rate} - {a}", f"QID6_{k}") for k, a in enumerate(("tastes good", "is fairly priced",
                                                                                "arrived on time"), 1)]  # fmt: skip
    cols += [(f"Q7_{t}", f"Timing - {t}", f"QID7_{t.upper().replace(' ', '_')}")
             for t in ("First Click", "Last Click", "Page Submit", "Click Count")]  # fmt: skip
    cols += [("Q_RecaptchaScore", "Q_RecaptchaScore", "Q_RecaptchaScore")]
    return cols


def cats_salami_export(numeric: bool = False, seed: int = 12) -> bytes:
    """The export's bytes (UTF-8 with BOM, CRLF), choice text or numeric values."""
    rng = np.random.default_rng(seed)
    cols = _columns()
    names = [c[0] for c in cols]
    rows = []
    start = pd.Timestamp("2026-03-02 09:00:00")
    for i in range(N):
        finished = i < N_FINISHED
        r = dict.fromkeys(names, "")
        status = "Survey Preview" if i in PREVIEW_ROWS else "Spam" if i in SPAM_ROWS else "IP Address"
        duration = 27 if i == SPEEDER_ROW else int(rng.integers(180, 900))
        t0 = start + pd.Timedelta(hours=7 * i)
        progress = 100 if finished else int(rng.choice([12, 25, 40, 55, 70, 85]))
        r.update({"StartDate": f"{t0:%Y-%m-%d %H:%M:%S}",
                  "EndDate": f"{t0 + pd.Timedelta(seconds=duration):%Y-%m-%d %H:%M:%S}",
                  "Status": {"IP Address": "0", "Survey Preview": "1", "Spam": "8"}[status] if numeric else status,
                  "IPAddress": f"203.0.113.{i + 10}", "Progress": str(progress), "Duration (in seconds)": str(duration),
                  "Finished": ("1" if finished else "0") if numeric else str(finished),
                  "RecordedDate": f"{t0 + pd.Timedelta(seconds=duration + 1):%Y-%m-%d %H:%M:%S}",
                  "ResponseId": f"R_{i:04d}cats{i * 7919 % 10000:04d}",
                  "DistributionChannel": "preview" if status == "Survey Preview" else "anonymous",
                  "UserLanguage": "EN", "LocationLatitude": "51.5", "LocationLongitude": "-0.12",
                  "Q_RecaptchaScore": f"{rng.uniform(0.1, 1.0):.1f}"})  # fmt: skip
        # a partial response answered the first `reach` questions, then stopped
        reach = 99 if finished else int(rng.integers(0, 4))
        nps = 2 if i == SPEEDER_ROW else int(rng.choice(11, p=[.03, .02, .03, .04, .05, .08, .08, .12, .15, .2, .2]))
        if reach >= 1:
            r["Q1"] = str(nps)
            group = "Promoter" if nps >= 9 else "Passive" if nps >= 7 else "Detractor"
            r["Q1_NPS_GROUP"] = str({"Detractor": 1, "Passive": 2, "Promoter": 3}[group]) if numeric else group
        if reach >= 2:
            c = int(rng.integers(0, 5))
            r["Q2"] = str(c + 1) if numeric else CSAT[c]
        if reach >= 3:
            picked = rng.choice(len(CHOICES), size=int(rng.integers(1, 3)), replace=False)
            for k in picked:
                r[f"Q3_{k + 1}"] = "1" if numeric else CHOICES[k]
            if len(CHOICES) - 1 in picked:
                r["Q3_8_TEXT"] = "Catnip sausage"
        if finished:
            h = int(rng.integers(0, 5))
            r["Q4"] = str(h + 1) if numeric else CHANNELS[h]
            if h == 4:
                r["Q4_5_TEXT"] = "My vet"
            if rng.random() < 0.6:  # an optional comment, with Text iQ's analysis of it
                negative = nps <= 6
                r["Q5"] = "Too salty for my cat" if negative else "My cat loves it"
                r.update({"Q5 - Topics": "Taste", "Q5 - Parent Topics": "Product",
                          "Q5 - Sentiment Polarity": "-1" if negative else "1",
                          "Q5 - Sentiment Score": "-2" if negative else "2",
                          "Q5 - Sentiment": "Negative" if negative else "Positive",
                          "Q5 - Topic Sentiment Label": "Taste: " + ("Negative" if negative else "Positive"),
                          "Q5 - Topic Sentiment Score": "-1" if negative else "1"})  # fmt: skip
            for k in (1, 2, 3):
                a = int(rng.integers(2, 5))
                r[f"Q6_{k}"] = str(a + 1) if numeric else AGREE[a]
            r.update({"Q7_First Click": f"{rng.uniform(1, 9):.3f}", "Q7_Last Click": f"{rng.uniform(9, 30):.3f}",
                      "Q7_Page Submit": f"{rng.uniform(30, 60):.3f}", "Q7_Click Count": str(int(rng.integers(2, 9)))})  # fmt: skip
        rows.append([r[n] for n in names])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(names)
    w.writerow([c[1] for c in cols])
    w.writerow([json.dumps({"ImportId": c[2], **({"timeZone": "Europe/London"} if c[2] in ("startDate", "endDate",
                                                                                         "recordedDate") else {})},
                           separators=(",", ":")) for c in cols])  # fmt: skip
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _clean(numeric: bool, **rules):
    export = read_export(io.BytesIO(cats_salami_export(numeric)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return export, clean_responses(export, pii_key="k", **rules)


def _raw_rows(numeric: bool) -> list[dict]:
    text = cats_salami_export(numeric).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[3:]]


@pytest.mark.parametrize("numeric", [False, True], ids=["choice_text", "numeric_values"])
def test_cats_salami_keeps_exactly_the_finished_genuine_responses(numeric):
    # expectations counted from the file with the csv module and Qualtrics' documented markers:
    # Finished True/1 and Status neither "Survey Preview"/1 nor "Spam"/8
    raw = _raw_rows(numeric)
    finished = [r["Finished"] in ("True", "1") for r in raw]
    status = [r["Status"] for r in raw]
    genuine = [f and s in ("IP Address", "0") for f, s in zip(finished, status, strict=True)]
    assert (len(raw), sum(finished), sum(genuine)) == (45, 28, 25)
    export, res = _clean(numeric)
    assert res.n_read == 45 and len(res.data) == sum(genuine) == 25
    kept_ids = set(res.data["response_id"])
    assert kept_ids == {r["ResponseId"] for r, g in zip(raw, genuine, strict=True) if g}
    reasons = res.quarantine["reason"].value_counts().to_dict()
    assert reasons == {"incomplete": 17, "spam": 2, "preview": 1}
    spam = res.quarantine[res.quarantine["reason"] == "spam"]
    assert set(export.frame.loc[spam.index, "Status"]) == ({"8"} if numeric else {"Spam"})
    assert (res.quarantine.loc[res.quarantine["reason"] == "incomplete", "detail"].str.startswith("finished")).all()
    # the 27-second finished detractor is flagged, not removed
    speeder = res.data.index[res.data["flag_speeder"]]
    assert len(speeder) == 1 and res.data.loc[speeder[0], "nps"] == 2
    assert res.data["duration_s"].loc[speeder[0]] == 27


def test_cats_salami_item_rule_alone_counts_questions_and_keeps_the_same_responses():
    # without the platform's markers the item rule decides every row: it must count questions,
    # not columns, so every finished respondent (who answered every question shown) is complete
    _, by_platform = _clean(False)
    _, res = _clean(False, use_finished=False)
    assert set(res.data["response_id"]) == set(by_platform.data["response_id"])
    detail = res.quarantine.loc[res.quarantine["reason"] == "incomplete", "detail"]
    assert len(detail) == 17 and detail.str.fullmatch(r"\d of 7 questions answered, none of the last 2").all()


def test_item_rule_counts_questions_not_columns():
    export = read_export(io.BytesIO(cats_salami_export()))
    book = Codebook.infer(export)
    groups = C.question_groups(book, export.questions, export.frame, export.platform)
    # NPS, CSAT, the multi-select (8 choice columns = 1 question), how-heard, 3 matrix rows
    assert sorted(sorted(g) for g in groups) == sorted(
        [["Q1"], ["Q2"], [f"Q3_{k}" for k in range(1, 9)], ["Q4"], ["Q6_1"], ["Q6_2"], ["Q6_3"]])
    counted = {c for g in groups for c in g}
    never = {"Q1_NPS_GROUP", "Q3_8_TEXT", "Q4_5_TEXT", "Q_RecaptchaScore", "Q5"} | {f"Q5 - {t}" for t in TEXT_IQ} \
        | {c for c in export.frame.columns if c.startswith("Q7_")}  # fmt: skip
    assert not counted & never


@pytest.mark.parametrize("column", ["Q5 - Topics", "Q5 - Parent Topics", "Q5 - Sentiment Polarity",
                                    "Q5 - Sentiment Score", "Q5 - Sentiment", "Q5 - Topic Sentiment Label",
                                    "Q5 - Topic Sentiment Score", "Q2_NPS_GROUP", "Q3_4_TEXT", "Q12_First Click",
                                    "Q12_Page Submit", "Q_TimerPage1", "Q_RecaptchaScore", "recaptcha_score",
                                    "Other - Write In:How do you run it?", "P16[other]", "Q_TotalDuration"])  # fmt: skip
def test_never_questions_by_name_alone(column):
    # a plain CSV (no ImportId row, no answer types): the name alone is enough
    assert C._is_excluded(column, {}, set())


@pytest.mark.parametrize("column", ["Q1", "Q6_1", "nps", "How satisfied are you?", "P5[O1]", "Topic of your visit"])
def test_questions_are_not_excluded(column):
    assert not C._is_excluded(column, {}, set())


@pytest.mark.parametrize(("value", "numeric", "expected"),
                         [("Survey Preview", False, "preview"), ("Survey Test", False, "test"), ("Spam", False, "spam"),
                          ("Preview Spam", False, "preview+spam"), ("IP Address", False, ""), ("Imported", False, ""),
                          ("Offline", False, ""), ("0", True, ""), ("1", True, "preview"), ("2", True, "test"),
                          ("4", True, ""), ("8", True, "spam"), ("9", True, "preview+spam"), ("12", True, "spam"),
                          ("16", True, ""), ("17", True, "preview"), ("1", False, "")])  # fmt: skip
def test_qualtrics_status_codes(value, numeric, expected):
    flags = C.status_flags(pd.Series([value, None], dtype="str"), numeric=numeric)
    got = "+".join(k for k in ("preview", "test", "spam") if flags[k][0])
    assert got == expected and not any(flags[k][1] for k in flags)


def _plain(csv_text: str, **rules):
    export = read_export(io.BytesIO(csv_text.encode("utf-8")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return export, clean_responses(export, pii_key="k", timezone="UTC", **rules)


def test_alchemer_status_partial_and_disqualified_are_incomplete():
    rows = ["Time Started,Date Submitted,Status,How satisfied are you overall?,Which city?"]
    statuses = ["Complete"] * 6 + ["Partial"] * 3 + ["Disqualified"]
    for k, s in enumerate(statuses):
        answer = "" if s != "Complete" and k % 2 else str(k % 5 + 1)
        rows.append(f"2015-12-0{k % 9 + 1} 10:00:00,2015-12-0{k % 9 + 1} 10:05:00,{s},{answer},Paris")
    _, res = _plain("\n".join(rows) + "\n")
    assert len(res.data) == 6
    detail = res.quarantine["detail"].value_counts().to_dict()
    assert detail == {"status = Partial (not finished)": 3, "status = Disqualified (screened out)": 1}


def test_limesurvey_submitdate_decides_and_system_columns_are_not_questions():
    head = "id,submitdate,lastpage,startlanguage,seed,startdate,datestamp,P1,P2[SQ001],P2[SQ002],P3,interviewtime"
    rows = [head]
    for k in range(8):
        sub = "" if k >= 6 else "2025-03-01 10:00:00"
        p3 = "" if k in (2, 3) else "Sí"  # two submitted respondents skipped an optional question
        rows.append(f"{k + 1},{sub},{3 if sub else 1},es,{k},2025-03-01 09:50:00,2025-03-01 10:00:00,{k % 5 + 1},"
                    f"{'Sí' if k < 6 else ''},No,{p3 if k < 6 else ''},{600 + k}")  # fmt: skip
    _, res = _plain("\n".join(rows) + "\n")
    assert len(res.data) == 6
    assert res.quarantine["detail"].str.startswith("LimeSurvey submitdate empty: not submitted (last page 1)").all()
    groups = C.question_groups(res.codebook, None, read_export(io.BytesIO(("\n".join(rows) + "\n").encode())).frame, "")
    assert sorted(sorted(g) for g in groups) == [["P1"], ["P2[SQ001]", "P2[SQ002]"], ["P3"]]


def test_kobo_records_are_submissions_and_not_approved_is_rejected():
    head = "start;end;How satisfied are you?;Store;_id;_uuid;_submission_time;_validation_status;_notes;_index"
    rows = [head]
    for k in range(6):
        status = "Not Approved" if k == 4 else ""
        sat = "" if k == 2 else str(k % 5 + 1)  # one record left the rating blank: still a submission
        rows.append(f"2025-10-20 22:1{k}:00;2025-10-20 22:2{k}:00;{sat};Akure;{100 + k};u{k};2025-10-20 21:2{k}:00;"
                    f"{status};;{k + 1}")  # fmt: skip
    _, res = _plain("\n".join(rows) + "\n")
    assert len(res.data) == 5
    assert res.quarantine["reason"].tolist() == ["rejected"]


def test_google_forms_rows_are_submissions():
    rows = ["Timestamp,How likely are you to recommend us?,Which branch?,Anything else?"]
    rows += [f"3/{k + 13}/2026 10:00:00,{'' if k < 3 else k % 11},{'' if k < 3 else 'Main'},{'ok' if k % 2 else ''}"
             for k in range(9)]  # fmt: skip
    export, res = _plain("\n".join(rows) + "\n")
    assert export.platform == "google_forms" and len(res.data) == 9  # optional questions skipped: still complete
    # the platform verdict can be set aside: the item rule then decides
    _, strict = _plain("\n".join(rows) + "\n", use_finished=False)
    assert (strict.quarantine["reason"] == "incomplete").sum() == 3


def test_marker_free_export_item_rule_spares_respondents_who_reached_the_end():
    # a skip-logic survey: "No" to q1 skips q2-q5; everyone who reaches the end answers q6-q7
    head = "Respondent,Have you flown with us?,Seat comfort,Crew,Food,Value,Age,Region"
    rows = [head]
    for k in range(12):
        if k < 4:  # skipped the block, reached the end
            rows.append(f"r{k},No,,,,,30-44,West")
        elif k < 6:  # broke off after the first question
            rows.append(f"r{k},Yes,,,,,,")
        else:
            rows.append(f"r{k},Yes,4,5,3,4,45-60,East")
    _, res = _plain("\n".join(rows) + "\n")
    assert sorted(res.quarantine.index - 2) == [4, 5]
    assert res.quarantine["detail"].str.contains("none of the last 2").all()


def test_item_rule_against_the_platform_warns_when_it_disagrees_for_most_rows():
    # Alchemer marks 6 responses Complete; 4 of them answered only the first of five questions
    rows = ["Time Started,Date Submitted,Status,Q one?,Q two?,Q three?,Q four?,Q five?"]
    for k in range(6):
        answers = "1,,,," if k < 4 else "1,2,3,4,5"
        rows.append(f"2015-12-14 10:0{k}:00,2015-12-14 10:1{k}:00,Complete,{answers}")
    text = "\n".join(rows) + "\n"
    _, trusted = _plain(text)
    assert len(trusted.data) == 6  # the platform's "complete" wins, never overridden
    export = read_export(io.BytesIO(text.encode()))
    with pytest.warns(DataQualityWarning, match="calls 4 of the 6 responses the platform marks complete incomplete"):
        res = clean_responses(export, pii_key="k", timezone="UTC", use_finished=False)
    held = res.quarantine[res.quarantine["reason"] == "incomplete"]
    assert len(held) == 4 and held["detail"].str.fullmatch("1 of 5 questions answered, none of the last 1").all()
    logged = res.log[(res.log["rule"] == "incomplete") & (res.log["after"] == "quarantined")]
    assert set(logged["row"]) == set(held.index)  # each override logged with its reason


def test_remove_quarantines_flagged_rules_and_flags_are_columns():
    _, flagged = _clean(False)
    _, removed = _clean(False, remove=("speeders",))
    assert flagged.data["flag_speeder"].sum() == 1 and removed.data["flag_speeder"].sum() == 0
    assert (removed.quarantine["reason"] == "speeder").sum() == 1
    assert len(removed.data) == len(flagged.data) - 1
    logged = flagged.log[flagged.log["rule"] == "speeder"]
    assert logged["after"].tolist() == ["flagged"] and "median" in logged["reason"].iloc[0]
    assert set(flagged.rules.loc[~flagged.rules["quarantines"], "rule"]) == {"speeder", "straightliner"}
    with pytest.raises(ParameterError, match="remove"):
        _clean(False, remove=("slowpokes",))


def test_nps_with_and_without_the_flagged_speeder_differs_as_computed():
    _, res = _clean(False)
    every = cx.nps(res.data, "nps")
    without = cx.nps(res.data[~res.data["flag_speeder"]], "nps")
    assert int(every["n"].iloc[0]) == 25 and int(without["n"].iloc[0]) == 24
    d = res.data["nps"]
    expected = 100 * ((d >= 9).mean() - (d <= 6).mean())
    assert every["nps"].iloc[0] == pytest.approx(expected)
    d2 = d[~res.data["flag_speeder"]]
    assert without["nps"].iloc[0] == pytest.approx(100 * ((d2 >= 9).mean() - (d2 <= 6).mean()))


def test_declared_missing_codes_become_missing_and_count_as_answered():
    # 0-5 ratings where 0 means "not applicable" (the airline case); the codebook says 1-5
    items = ["seat", "crew", "food", "value", "clean"]
    rows = ["id," + ",".join(items)]
    rows += [f"r{k}," + ",".join("0" if (k + j) % 4 == 0 else str((k + j) % 5 + 1) for j in range(5)) for k in range(10)]
    text = "\n".join(rows) + "\n"
    book = Codebook(pd.DataFrame({"column": ["id", *items], "item": ["response_id", *items],
                                  "kind": ["id"] + ["likert"] * 5, "scale_min": [None] + [1] * 5,
                                  "scale_max": [None] + [5] * 5}))  # fmt: skip
    export = read_export(io.BytesIO(text.encode()))
    zeros = (export.frame[items] == "0").to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        plain = clean_responses(export, book, pii_key="k", timezone="UTC")
        res = clean_responses(export, book, pii_key="k", timezone="UTC", missing_codes={0: "not applicable"})
    assert (plain.quarantine["reason"] == "out_of_range").sum() == int(zeros.any(axis=1).sum()) > 0
    assert len(res.data) == 10  # declared "not applicable" answers are answers, not out of range
    np.testing.assert_array_equal(res.data[items].isna().to_numpy(), zeros)
    logged = res.log[(res.log["rule"] == "missing_code")]
    assert len(logged) == zeros.sum() and (logged["reason"] == "declared missing code not applicable").all()
    assert set(logged["before"]) == {"0"}
    with pytest.raises(ParameterError, match="missing_codes"):
        clean_responses(export, book, pii_key="k", timezone="UTC", missing_codes=["n/a"])


def test_reasons_are_in_priority_order():
    assert REASONS[:5] == ("preview", "test", "spam", "rejected", "incomplete")
