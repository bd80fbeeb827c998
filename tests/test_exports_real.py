"""Real exports from seven platforms (../shared/realdata/exports): reading, platform, roles, PII.

One test per file of the folder, found by glob: a file added later is covered without code.
Known files are checked against expectations pinned below, each counted by hand from the
file itself (Python's ``csv`` module or openpyxl, not this library) and from the platform's
documentation; a file without expectations must at least read, hold responses and question
columns, and name a respondent id or a timestamp.

How the responses were counted (records as ``csv.reader`` returns them with the file's
encoding and delimiter, ``newline=""``): records minus the platform's header rows
(Qualtrics 3, legacy Qualtrics 2, SurveyMonkey 2, the others 1); no file has a blank record.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from cxanalytics.errors import DataQualityWarning
from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import PLATFORMS, read_export

ROOT = Path(__file__).resolve().parents[1]
_BASE = Path(os.environ.get("CXANALYTICS_REALDATA") or ROOT.parent / "shared" / "realdata") / "exports"
FILES = sorted(p.relative_to(_BASE).as_posix() for p in _BASE.rglob("*")
               if p.is_file() and p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".sav")) \
    if _BASE.is_dir() else []  # fmt: skip

QUALTRICS_PII = ["IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                 "LocationLatitude", "LocationLongitude"]

#: file -> platform, encoding, responses, roles {role: column}, pii columns, repeated names.
EXPECTED = {
    # 1,707 records - 1 header; Alchemer writes no Response ID column in this export
    "alchemer/surveygizmo_jupyter_ux_2015.csv": dict(
        platform="alchemer", encoding="utf-8", responses=1706, repeated=0,
        roles={"started_at": "Time Started", "submitted_at": "Date Submitted", "status": "Status"},
        pii=[]),
    # 126 records - 1 header (cells with LF inside CRLF rows count once)
    "google_forms/gforms_jupyter_education_2016.csv": dict(
        platform="google_forms", encoding="utf-8", responses=125, repeated=0,
        roles={"submitted_at": "Timestamp"},
        pii=["What are the names of the course instructors?"]),  # people's names
    # 339 records - 1 header; one question text appears twice
    "google_forms/gforms_r_community_2019_spanish.csv": dict(
        platform="google_forms", encoding="utf-8", responses=338, repeated=1,
        roles={"submitted_at": "Timestamp"}, pii=[]),
    # openpyxl: 230 sheet rows, 171 with a filled cell, minus the header row
    "google_forms/gforms_spack_2020.xlsx": dict(
        platform="google_forms", encoding=None, responses=170, repeated=0,
        roles={"submitted_at": "Timestamp"}, pii=[]),
    # 16 ';'-delimited records - 1 header
    "kobotoolbox/kobo_customer_satisfaction_semicolon.csv": dict(
        platform="kobotoolbox", encoding="utf-8", responses=15, repeated=0,
        roles={"response_id": "_id", "started_at": "start", "submitted_at": "end",
               "recorded_at": "_submission_time", "status": "_validation_status",
               "username": "_submitted_by", "instance_id": "_uuid", "form_version": "__version__"},
        pii=["_submitted_by"]),
    # 701 records (BOM, CRLF) - 1 header
    "limesurvey/limesurvey_codes_spanish_bom_crlf.csv": dict(
        platform="limesurvey", encoding="utf-8-sig", responses=700, repeated=0,
        roles={"response_id": "id", "submitted_at": "submitdate", "last_page": "lastpage",
               "language": "startlanguage", "started_at": "startdate", "recorded_at": "datestamp"},
        pii=[]),
    # 34 records - 3 header rows; row 3 is {'ImportId': ...} with single quotes
    "qualtrics/qualtrics_2016_insights_3row_exhaustive.csv": dict(
        platform="qualtrics", encoding="utf-8", responses=31, repeated=36,
        roles={"response_id": "ResponseID", "started_at": "StartDate", "submitted_at": "EndDate",
               "finished": "Finished", "status": "Status"},
        pii=QUALTRICS_PII),
    # 32 records - 3 header rows
    "qualtrics/qualtrics_3row_numeric_preview.csv": dict(
        platform="qualtrics", encoding="utf-8", responses=29, repeated=0,
        roles={"response_id": "ResponseId", "started_at": "StartDate", "submitted_at": "EndDate",
               "recorded_at": "RecordedDate", "status": "Status", "finished": "Finished",
               "progress": "Progress", "duration_s": "Duration (in seconds)",
               "user_language": "UserLanguage"},
        pii=QUALTRICS_PII),  # not "consent": its text quotes e-mail addresses, its answers are 1
    # 7 records (BOM) - 2 header rows
    "qualtrics/qualtrics_legacy_v1v10_many_types.csv": dict(
        platform="qualtrics_legacy", encoding="utf-8-sig", responses=5, repeated=0,
        roles={"response_id": "ResponseID", "started_at": "StartDate", "submitted_at": "EndDate",
               "status": "Status", "finished": "Finished"},
        pii=["Name", "EmailAddress", "IPAddress", "LocationLatitude", "LocationLongitude"]),
    # 213 records (BOM) - 2 header rows (question texts, then Response / Open-Ended Response / ...)
    "surveymonkey/sm_k8s_contributor_2019.csv": dict(
        platform="surveymonkey", encoding="utf-8-sig", responses=211, repeated=0,
        roles={"response_id": "respondent_id", "started_at": "start_date",
               "submitted_at": "end_date", "collector_id": "collector_id"},
        pii=["ip_address", "email_address", "first_name", "last_name"]),
    # Mac Roman, lines end in CR only: 1,188 records - 2 header rows
    "surveymonkey/sm_starwars_macroman_CR_original.csv": dict(
        platform="surveymonkey", encoding="mac_roman", responses=1186, repeated=0,
        roles={"response_id": "respondentid"}, pii=[]),
    # 552 records - 2 header rows; no metadata columns but RespondentID
    "surveymonkey/sm_steak_risk.csv": dict(
        platform="surveymonkey", encoding="utf-8", responses=550, repeated=0,
        roles={"response_id": "respondentid"}, pii=[]),
    # 181 records - 1 header; 28 repeated names (choice labels of three questions, "Other", ...)
    "typeform/typeform_osmi_2020_markdown_headers.csv": dict(
        platform="typeform", encoding="utf-8", responses=180, repeated=28,
        roles={"response_id": "#"}, pii=[]),
}


def _read(rel: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_export(_BASE / rel)


def _roles(ex) -> dict[str, str]:
    """role -> the first column with it (a Qualtrics embedded ``ResponseID`` repeats ``ResponseId``)."""
    qs = ex.questions.dropna(subset=["role"]).drop_duplicates("role")
    return dict(zip(qs["role"], qs["column"], strict=True))


def _files():
    return FILES or [pytest.param("", marks=pytest.mark.skip(reason="no exports folder"))]


pytestmark = pytest.mark.realdata


@pytest.mark.parametrize("rel", _files())
def test_every_export_reads_with_platform_roles_and_questions(rel, realdata):
    ex = _read(rel)
    qs = ex.questions
    assert list(qs["column"]) == list(ex.frame.columns) and ex.frame.columns.is_unique
    answers = qs[~qs["is_metadata"]]
    assert len(ex.frame) > 0 and len(answers) > 0
    assert answers["question_id"].notna().all()  # every answer column belongs to a question
    roles = _roles(ex)
    assert set(roles) & {"response_id", "started_at", "submitted_at"}, roles
    assert ex.platform in PLATFORMS
    exp = EXPECTED.get(rel)
    if exp is None:
        return  # a file added later: the generic checks above are all it is held to
    assert (ex.platform, ex.encoding, ex.n_responses) == (exp["platform"], exp["encoding"], exp["responses"])
    assert {r: roles.get(r) for r in exp["roles"]} == exp["roles"]
    n_repeated = int((qs["header"].duplicated() & (qs["header"] != "")).sum())
    assert n_repeated == exp["repeated"]
    if exp["repeated"]:
        assert any("repeated column name" in n for n in ex.notes)


@pytest.mark.parametrize("rel", _files())
def test_personal_data_is_identified_and_never_reaches_cleaned_output(rel, realdata):
    ex = _read(rel)
    book = Codebook.infer(ex)
    pii = book.of_kind("pii")["column"].tolist()
    if rel in EXPECTED:
        assert sorted(pii) == sorted(EXPECTED[rel]["pii"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(ex, book, pii_key="test-key")
    raw = set()
    for col in pii:
        values = ex.frame[col].dropna().astype(str).str.strip()
        raw.update(v for v in values if len(v) >= 3)
    # a value also typed into a column that is not personal data may appear through that column
    # (gforms_jupyter_education_2016: one course is named after its instructor)
    others = ex.frame.drop(columns=pii).map(lambda v: str(v).strip())
    raw -= set(others.to_numpy().ravel())
    for part in (res.data, res.quarantine, res.log):
        cells = set(part.astype(str).to_numpy().ravel())
        assert not raw & cells, f"personal data in cleaned output: {sorted(raw & cells)[:3]}"


def test_surveymonkey_sub_header_row_is_never_a_response(realdata):
    for rel in [f for f in FILES if f.startswith("surveymonkey/")]:
        ex = _read(rel)
        first = ex.frame.iloc[0]
        assert ex.frame.index[0] == 3  # line 1: questions, line 2: sub-labels, line 3: first response
        assert not ex.frame.isin(["Response", "Open-Ended Response"]).any().any(), rel
        assert str(first.iloc[0]).isdigit()  # the respondent id of the first response


@pytest.mark.parametrize("rel,question_id,n_columns,answer_types", [
    # multi-select over six columns: each choice column holds its label when ticked
    ("surveymonkey/sm_starwars_macroman_CR_original.csv", "q3", 6, {"choice"}),
    # "Which of the below would make you likely to attend more of the Community Meetings?":
    # 7 choices and an "Other (please specify)" box
    ("surveymonkey/sm_k8s_contributor_2019.csv", "q13", 8, {"choice", "other_specify"}),
    ("limesurvey/limesurvey_codes_spanish_bom_crlf.csv", "P5", 5, {"sub_item"}),
    ("limesurvey/limesurvey_codes_spanish_bom_crlf.csv", "P16", 2, {"question", "other_specify"}),
    # Typeform: 12 choice columns (one per disorder) and the "Other" text column
    ("typeform/typeform_osmi_2020_markdown_headers.csv", "q51", 13, {"choice", "other_specify"}),
    ("alchemer/surveygizmo_jupyter_ux_2015.csv", "q5", 2, {"question", "other_specify"}),
    ("qualtrics/qualtrics_2016_insights_3row_exhaustive.csv", "QID6", 2, {"question", "other_specify"}),
])
def test_question_groups(rel, question_id, n_columns, answer_types, realdata):
    if rel not in FILES:
        pytest.skip(f"{rel} not in the exports folder")
    ex = _read(rel)
    group = ex.questions[ex.questions["question_id"] == question_id]
    assert len(group) == n_columns and set(group["answer_type"]) == answer_types
    book = Codebook.infer(ex).table.set_index("column")
    assert (book.loc[group["column"], "question_id"] == question_id).all()


def test_typeform_markdown_is_stripped_from_question_text_only(realdata):
    rel = "typeform/typeform_osmi_2020_markdown_headers.csv"
    if rel not in FILES:
        pytest.skip(f"{rel} not in the exports folder")
    qs = _read(rel).questions.set_index("column")
    assert qs.loc["*Are you self-employed?*", "question_text"] == "Are you self-employed?"
    assert qs.loc["What country do you *live* in?", "question_text"] == "What country do you live in?"
    assert qs.loc["#", "role"] == "response_id"


def test_qualtrics_2016_duplicate_names_keep_their_headers(realdata):
    rel = "qualtrics/qualtrics_2016_insights_3row_exhaustive.csv"
    if rel not in FILES:
        pytest.skip(f"{rel} not in the exports folder")
    ex = _read(rel)
    qs = ex.questions.set_index("column")
    # five columns are headed Q44#2_red_pandas_4 in row 1 (ImportIds QID44#2-1-1 ... differ)
    same = [c for c in qs.index if qs.loc[c, "header"] == "Q44#2_red_pandas_4"]
    assert same == ["Q44#2_red_pandas_4"] + [f"Q44#2_red_pandas_4 ({k})" for k in range(2, 6)]
    assert qs.loc[same, "import_id"].is_unique
    assert "2016 Qualtrics format" in ex.detection
    assert qs.loc["Q9_1", ["import_id", "question_id"]].tolist() == ["QID9-1", "QID9"]
    assert pd.Series(ex.frame["Finished"]).eq("1").all()  # as written: 31 finished test responses
