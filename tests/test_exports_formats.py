"""Export formats written here byte by byte: platforms, roles, PII, repeated names, encodings.

Each test builds a small export the way the platform documents it (or the way a real export
of the corpus shows it) and checks what the reader and the codebook make of it.
"""

from __future__ import annotations

import csv
import io
import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.errors import DataQualityWarning, ExportFormatError
from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.cleaning._pii import looks_like_name, names_column
from cxanalytics.ingest.codebook import Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.exports._codepage import word_evidence


def to_csv(rows, delimiter=",", newline="\r\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting).writerows(rows)
    return buf.getvalue()


def quiet(raw, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_export(raw, **kw)


def roles(ex) -> dict[str, str]:
    qs = ex.questions.dropna(subset=["role"]).drop_duplicates("role")
    return dict(zip(qs["role"], qs["column"], strict=True))


def kinds(ex) -> dict[str, str]:
    t = Codebook.infer(ex).table
    return dict(zip(t["column"], t["kind"], strict=True))


def assert_no_raw_pii(ex, columns):
    """No raw value of ``columns`` is a cell of the cleaned data, the quarantine or the log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = clean_responses(ex, pii_key="k")
    raw = {str(v).strip() for c in columns for v in ex.frame[c].dropna()}
    for part in (res.data, res.quarantine, res.log):
        assert not raw & set(part.astype(str).to_numpy().ravel())


# ----------------------------------------------------------------------------- Microsoft Forms
def test_microsoft_forms_documented_header():
    # Microsoft Forms "Open in Excel" columns: ID, Start time, Completion time, Email, Name, then questions
    rows = [["ID", "Start time", "Completion time", "Email", "Name", "How satisfied are you?",
             "Which features do you use?", "Comments"],
            ["1", "5/1/24 10:00:01", "5/1/24 10:03:12", "ana@example.com", "Ana Silva", "4",
             "Search;Export;", "Great"],
            ["2", "5/1/24 11:00:00", "5/1/24 11:01:30", "ben@example.org", "Ben Okafor", "2",
             "Search;", ""],
            ["3", "5/2/24 09:12:00", "5/2/24 09:20:41", "anonymous", "", "5", "Export;", "ok"]]
    ex = read_export(to_csv(rows).encode("utf-8-sig"))
    assert ex.platform == "microsoft_forms" and "Microsoft Forms" in ex.detection
    assert roles(ex) == {"response_id": "ID", "started_at": "Start time", "submitted_at": "Completion time",
                         "email": "Email", "name": "Name"}
    k = kinds(ex)
    assert (k["ID"], k["Start time"], k["Completion time"], k["Email"], k["Name"]) == (
        "id", "timestamp", "timestamp", "pii", "pii")
    assert ex.questions.set_index("column").loc["How satisfied are you?", "question_id"] == "q6"
    assert_no_raw_pii(ex, ["Email", "Name"])


# ----------------------------------------------------------------------------- SurveyMonkey
SM_HEAD = [["RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address", "Email Address",
            "First Name", "LastName", "Custom Data", "How satisfied are you?", "Which apply?", "", "",
            "Contact information", "", "", "", "Comments"],
           ["", "", "", "", "", "", "", "", "", "Response", "Price", "Speed",
            "Other (please specify)", "Name", "Company", "Email Address", "Phone Number",
            "Open-Ended Response"]]
SM_BODY = [["5001", "77", "01/13/2017 10:00:00 AM", "01/13/2017 10:05:00 AM", "10.1.2.3", "", "",
            "", "", "Very satisfied", "Price", "", "", "Ana Silva", "Acme", "ana@example.com",
            "+1 555 0100", "fine"],
           ["5002", "77", "01/14/2017 11:00:00 AM", "01/14/2017 11:09:00 AM", "10.1.2.4", "", "",
            "", "", "Satisfied", "", "Speed", "cheaper", "Ben Okafor", "", "ben@example.org", "",
            ""]]


def test_surveymonkey_legacy_names_and_contact_block():
    ex = read_export(to_csv(SM_HEAD + SM_BODY).encode())
    assert ex.platform == "surveymonkey" and ex.n_responses == 2
    assert ex.frame.index.tolist() == [3, 4]
    r = roles(ex)
    assert (r["response_id"], r["started_at"], r["submitted_at"], r["ip_address"]) == (
        "respondentid", "startdate", "enddate", "ip_address")
    qs = ex.questions.set_index("column")
    block = qs[qs["question_text"] == "Contact information"]
    assert block["role"].tolist() == ["name", "company", "email", "phone"]
    assert any("contact-information block" in n for n in ex.notes)
    k = kinds(ex)
    assert all(k[c] == "pii" for c in block.index) and k["ip_address"] == "pii"
    assert_no_raw_pii(ex, list(block.index) + ["ip_address"])


def test_surveymonkey_nul_padded_sub_header_is_text_not_binary():
    head = to_csv(SM_HEAD[:1]).encode()
    sub = ",".join(c + "\x00" * 24 if c else "" for c in SM_HEAD[1]).encode() + b"\r\n"
    raw = head + sub + to_csv(SM_BODY).encode()
    ex = read_export(raw)
    assert ex.platform == "surveymonkey" and ex.n_responses == 2
    assert ex.frame["respondentid"].tolist() == ["5001", "5002"]
    assert any("NUL padding byte(s) removed (lines 2)" in n for n in ex.notes)
    assert not ex.frame.isin(["Response"]).any().any()
    # space padding too
    sub = ",".join(c + " " * 12 for c in SM_HEAD[1]).encode() + b"\r\n"
    assert read_export(head + sub + to_csv(SM_BODY).encode()).frame["respondentid"].tolist() == ["5001", "5002"]
    # NULs among other control bytes are still a binary file
    with pytest.raises(ExportFormatError, match="binary"):
        read_export(head + b"\x00\x01\x02\x03" + sub)


def test_surveymonkey_two_rows_without_any_metadata_column():
    rows = [["Do you ever gamble?", "Age", "What would you change?"],
            ["Response", "Response", "Open-Ended Response"],
            ["Yes", "18-29", "nothing"], ["No", "30-44", ""]]
    ex = read_export(to_csv(rows).encode())
    assert ex.platform == "surveymonkey" and "sub-header row" in ex.detection
    assert ex.frame.index.tolist() == [3, 4] and ex.frame["q1"].tolist() == ["Yes", "No"]
    assert ex.questions["answer_type"].tolist() == ["single", "single", "open_ended"]


# ----------------------------------------------------------------------------- Qualtrics 2016
def test_qualtrics_2016_insights_import_ids():
    rows = [["ResponseID", "StartDate", "EndDate", "Finished", "Status", "Q1", "Q2", "Q2_TEXT", "Q3_1", "Q3_2",
             "LocationLatitude"],
            ["ResponseID", "StartDate", "EndDate", "Finished", "Status", "How satisfied?", "Fruit?",
             "Fruit? - Other - Text", "Rate - Apples", "Rate - Pears", "LocationLatitude"],
            ["{'ImportId': 'responseId'}", "{'ImportId': 'startDate'}", "{'ImportId': 'endDate'}",
             "{'ImportId': 'finished'}", "{'ImportId': 'status'}", "{'ImportId': 'QID1'}",
             "{'ImportId': 'QID2'}", "{'ImportId': 'QID2-TEXT'}", "{'ImportId': 'QID3-1'}",
             "{'ImportId': 'QID3-2'}", "{'ImportId': 'Location-LocationLatitude'}"],
            ["R_1", "2016-07-28 12:58:31", "2016-07-28 12:59:31", "1", "0", "5", "Other", "kiwi", "4", "2",
             "47.6"]]  # fmt: skip
    ex = read_export(to_csv(rows).encode())
    assert ex.platform == "qualtrics" and "2016 Qualtrics format" in ex.detection
    qs = ex.questions.set_index("column")
    assert qs.loc["Q3_2", ["import_id", "question_id", "answer_type", "sub_question"]].tolist() == [
        "QID3-2", "QID3", "sub_item", "Pears"]
    assert qs.loc["Q2_TEXT", "answer_type"] == "other_specify"  # QID2-TEXT right after QID2
    assert roles(ex)["latitude"] == "LocationLatitude" and kinds(ex)["LocationLatitude"] == "pii"


def test_qualtrics_side_by_side_timing_and_nps_group_columns():
    ids = ["ResponseId", "Q1", "Q1_NPS_GROUP", "Q2#1_1", "Q3_First Click", "Q4_DO"]
    imports = ["_recordId", "QID1", "QID1_NPS_GROUP", "QID2#1_1", "QID3_FIRST_CLICK", "QID4_DO"]
    rows = [ids, ["Response ID", "Recommend?", "Recommend? - Group", "SBS - A", "Timing - First Click", "Order"],
            [f'{{"ImportId":"{i}"}}' for i in imports], ["R_1", "9", "Promoter", "3", "1.2", "1|2"]]
    qs = read_export(to_csv(rows).encode()).questions.set_index("column")
    assert qs["answer_type"].tolist() == ["metadata", "question", "nps_group", "sub_item", "timing",
                                          "display_order"]
    assert qs.loc["Q2#1_1", "question_id"] == "QID2"


# ----------------------------------------------------------------------------- Alchemer
def test_alchemer_fields_sub_columns_and_location():
    rows = [["Response ID", "Time Started", "Date Submitted", "Status", "Language", "IP Address", "Longitude",
             "Latitude", "City", "Postal", "How often?", "Other - Write In:How often?", "Tool #1:Which tools?",
             "Tool #2:Which tools?", "Note: anything else?"],
            ["12", "2015-12-21 22:21:47", "2015-12-21 22:25:00", "Complete", "English", "1.2.3.4", "-122.3",
             "47.6", "Seattle", "98101", "Daily", "", "vim", "git", "no"],
            ["13", "2015-12-22 08:00:00", "", "Partial", "English", "1.2.3.5", "", "", "", "", "Other", "hourly",
             "", "", ""]]  # fmt: skip
    ex = read_export(to_csv(rows).encode())
    assert ex.platform == "alchemer"
    r = roles(ex)
    assert (r["response_id"], r["started_at"], r["submitted_at"], r["status"], r["language"]) == (
        "Response ID", "Time Started", "Date Submitted", "Status", "Language")
    k = kinds(ex)
    assert [k[c] for c in ("IP Address", "Longitude", "Latitude", "City", "Postal")] == ["pii"] * 5
    qs = ex.questions.set_index("column")
    assert qs.loc["Other - Write In:How often?", ["question_id", "answer_type", "question_text"]].tolist() == [
        qs.loc["How often?", "question_id"], "other_specify", "How often?"]
    assert qs.loc["Tool #2:Which tools?", ["question_text", "sub_question"]].tolist() == ["Which tools?", "Tool #2"]
    assert qs.loc["Note: anything else?", "question_text"] == "Note: anything else?"  # a colon in a question
    assert_no_raw_pii(ex, ["IP Address", "City", "Postal"])


# ----------------------------------------------------------------------------- Typeform
def test_typeform_token_markdown_choices_and_fixed_columns():
    rows = [["#", "*How likely* are you to recommend us?", "Billing", "Delivery", "Other", "What is your e-mail?",
             "Start Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags"],
            ["a" * 32, "9", "Billing", "", "", "a@example.com", "2020-05-01 10:00:00", "2020-05-01 10:03:00",
             "8f2c9b1e4d", ""],
            ["b" * 32, "3", "", "Delivery", "late box", "b@example.com", "2020-05-02 10:00:00",
             "2020-05-02 10:01:00", "17aa02ce91", ""]]  # fmt: skip
    ex = read_export(to_csv(rows).encode())
    assert ex.platform == "typeform" and "Typeform" in ex.detection
    qs = ex.questions.set_index("column")
    assert qs.loc["*How likely* are you to recommend us?", ["header", "question_text"]].tolist() == [
        "*How likely* are you to recommend us?", "How likely are you to recommend us?"]
    assert qs.loc[["Billing", "Delivery", "Other"], "answer_type"].tolist() == ["choice", "choice", "other_specify"]
    assert qs.loc[["Billing", "Delivery", "Other"], "question_id"].nunique() == 1
    assert {"response_id": "#", "started_at": "Start Date (UTC)", "submitted_at": "Submit Date (UTC)",
            "network_id": "Network ID"}.items() <= roles(ex).items()
    k = kinds(ex)
    assert (k["Network ID"], k["What is your e-mail?"], k["#"]) == ("pii", "pii", "id")
    book = Codebook.infer(ex).table.set_index("column")
    assert book.loc["Billing", "grid"] == book.loc["Delivery", "grid"] == qs.loc["Billing", "question_id"]
    assert_no_raw_pii(ex, ["Network ID", "What is your e-mail?"])


# ----------------------------------------------------------------------------- LimeSurvey
def test_limesurvey_code_headers_sub_questions_and_participant_fields():
    rows = [["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate", "datestamp", "ipaddr",
             "email", "Q1", "Q2[SQ001]", "Q2[SQ002]", "Q3", "Q3[other]", "interviewtime", "123X4time"],
            ["1", "2025-03-17 21:19:03", "3", "fr", "339942976", "tok1", "2025-03-17 20:47:30",
             "2025-03-17 21:19:03", "10.0.0.1", "ana@example.com", "A1", "Y", "", "A2", "", "1893", "120"],
            ["2", "", "1", "fr", "968253993", "tok2", "2025-03-18 08:00:00", "2025-03-18 08:02:00", "10.0.0.2",
             "ben@example.org", "A2", "", "Y", "-oth-", "autre chose", "120", "60"]]  # fmt: skip
    ex = read_export(to_csv(rows).encode("utf-8-sig"))
    assert ex.platform == "limesurvey"
    r = roles(ex)
    assert {k: r[k] for k in ("response_id", "submitted_at", "last_page", "language", "started_at",
                              "recorded_at", "ip_address", "access_token", "email", "duration_s")} == {
        "response_id": "id", "submitted_at": "submitdate", "last_page": "lastpage", "language": "startlanguage",
        "started_at": "startdate", "recorded_at": "datestamp", "ip_address": "ipaddr", "access_token": "token",
        "email": "email", "duration_s": "interviewtime"}
    qs = ex.questions.set_index("column")
    assert qs.loc["Q2[SQ002]", ["question_id", "sub_question", "answer_type"]].tolist() == ["Q2", "SQ002", "sub_item"]
    assert qs.loc["Q3[other]", ["question_id", "answer_type"]].tolist() == ["Q3", "other_specify"]
    assert qs.loc["123X4time", ["answer_type", "is_metadata"]].tolist() == ["timing", True]
    k = kinds(ex)
    assert (k["ipaddr"], k["token"], k["email"], k["submitdate"]) == ("pii", "pii", "pii", "timestamp")
    book = Codebook.infer(ex).table.set_index("column")
    assert book.loc[["Q2[SQ001]", "Q2[SQ002]"], "question_id"].tolist() == ["Q2", "Q2"]


def test_limesurvey_full_text_headings_in_another_language_found_by_their_values():
    rows = [["ID de la réponse", "Date de soumission", "Dernière page", "Langue de départ", "Votre avis ? [Prix]",
             "Votre avis ? [Service]"],
            ["7", "2024-02-01 10:00:00", "2", "fr", "Bon", "Mauvais"], ["8", "", "1", "fr", "Bon", ""]]
    ex = read_export(to_csv(rows).encode())
    assert ex.platform == "limesurvey"
    assert roles(ex) == {"response_id": "ID de la réponse", "submitted_at": "Date de soumission",
                         "last_page": "Dernière page", "language": "Langue de départ"}
    qs = ex.questions.set_index("column")
    assert qs.loc["Votre avis ? [Service]", ["question_id", "sub_question"]].tolist() == ["Votre avis ?", "Service"]


# ----------------------------------------------------------------------------- KoBoToolbox
def test_kobotoolbox_semicolons_group_paths_choices_and_geopoints():
    rows = [["start", "end", "deviceid", "grp/branch", "grp/channels", "grp/channels/web", "grp/channels/phone",
             "loc", "_loc_latitude", "_loc_longitude", "_id", "_uuid", "_submission_time", "_validation_status",
             "_submitted_by", "__version__", "_index"],
            ["2025-10-20T22:17:57.140+01:00", "2025-10-20T22:19:01.562+01:00", "collect:abc123", "Akure", "web phone",
             "1", "1", "7.25 5.19 350 5", "7.25", "5.19", "586881963", "3b3da26e-82a4", "2025-10-20T21:19:02",
             "validation_status_approved", "enumerator1", "vbTuBg75", "1"]]  # fmt: skip
    ex = read_export(to_csv(rows, delimiter=";", quoting=csv.QUOTE_ALL).encode())
    assert (ex.platform, ex.delimiter) == ("kobotoolbox", ";")
    r = roles(ex)
    assert {k: r.get(k) for k in ("started_at", "submitted_at", "response_id", "recorded_at", "status",
                                  "username", "device_id", "form_version", "instance_id")} == {
        "started_at": "start", "submitted_at": "end", "response_id": "_id", "recorded_at": "_submission_time",
        "status": "_validation_status", "username": "_submitted_by", "device_id": "deviceid",
        "form_version": "__version__", "instance_id": "_uuid"}
    qs = ex.questions.set_index("column")
    assert qs.loc["grp/branch", "question_text"] == "branch"
    assert qs.loc["grp/channels/web", ["question_id", "choice", "answer_type"]].tolist() == [
        "grp/channels", "web", "choice"]
    k = kinds(ex)
    assert [k[c] for c in ("loc", "_loc_latitude", "_loc_longitude", "_submitted_by", "deviceid")] == ["pii"] * 5


# ----------------------------------------------------------------------------- repeated names
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Other", "Why?", "Other (2)", "Q1", "x"]), min_size=1, max_size=8))
def test_property_repeated_names_become_unique_and_keep_their_headers(header):
    header = ["id"] + header
    values = [str(i) for i in range(len(header))]
    ex = quiet(to_csv([header, values]).encode())
    assert ex.frame.columns.is_unique and len(ex.frame.columns) == len(header)
    assert ex.frame.iloc[0].tolist() == values  # no column lost or moved
    assert ex.questions["header"].tolist() == header
    for name, col in zip(header, ex.frame.columns, strict=True):
        assert col == name or col.startswith(f"{name} (")  # the first keeps its name, later ones numbered
    assert [c for c, h in zip(ex.frame.columns, header, strict=True) if c == h][:1] == ["id"]


# ----------------------------------------------------------------------------- encodings
MAC_TEXT = ["La información está aquí", "¿Dónde está el café?", "Qué tal en España", "déjà vu, très bien",
            "“Quoted” and don’t", "Ärger über Öl"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_mac_roman_is_told_from_cp1252_by_its_letters(newline):
    text = to_csv([["q", "note"]] + [[str(i), t] for i, t in enumerate(MAC_TEXT)], newline=newline)
    mac = read_export(text.encode("mac_roman"))
    assert mac.encoding == "mac_roman" and mac.frame["note"].tolist() == MAC_TEXT
    assert "Mac Roman" in mac.notes[0]
    win = read_export(text.encode("cp1252"))
    assert win.encoding == "cp1252" and win.frame["note"].tolist() == MAC_TEXT


def test_mac_roman_bytes_undefined_in_cp1252_are_not_taken_for_arabic():
    # è = 0x8F, ê = 0x90, ç = 0x8D in Mac Roman: bytes cp1252 leaves undefined, Persian letters in cp1256
    text = to_csv([["q"], ["très crème brûlée"], ["fenêtre, garçon, première"]])
    ex = read_export(text.encode("mac_roman"))
    assert ex.encoding == "mac_roman" and ex.frame["q"].tolist() == ["très crème brûlée", "fenêtre, garçon, première"]


def test_cr_only_line_endings_decide_when_the_letters_do_not():
    # no non-ASCII character touches a letter: the bytes cannot tell; classic Mac line endings can
    raw = b"q,note\r1,Universe?\x8c\xe6\r2,plain\r"
    ex = read_export(raw)
    assert ex.encoding == "mac_roman" and "carriage return only" in ex.notes[0]
    assert ex.frame["note"].tolist() == ["Universe?\u00e5\u00ca", "plain"]
    assert read_export(raw.replace(b"\r", b"\n")).encoding == "cp1252"


# Western European words as written: a capital or a small letter first, small letters after,
# typographic marks where they stand
LOWER = st.sampled_from(list("abcdeilmnorstuäöüßéèàçñáíóúâêôœ"))
WORD = st.builds(lambda pre, first, rest, post: pre + first + "".join(rest) + post,
                 st.sampled_from(["", "“", "‘", "¿", "¡"]),
                 st.sampled_from(list("bGkMsTlrnÄÖÜÉÑÀÇ")), st.lists(LOWER, min_size=1, max_size=8),
                 st.sampled_from(["", "”", "’", "’s", "™", "…", ",", " —", "–x"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=10))
def test_property_western_cp1252_text_is_never_read_as_mac_roman(words):
    text = " ".join(words)
    raw = text.encode("cp1252")
    # word by word, the Mac Roman reading of cp1252 bytes is never the more plausible one
    assert word_evidence(raw.decode("mac_roman")) <= word_evidence(text)
    ex = quiet(to_csv([["q"], [text]], newline="\n").encode("cp1252"))
    assert ex.encoding != "mac_roman"  # (a word of accented letters only may read as cp1256 Arabic)
    assert ex.encoding != "cp1252" or ex.frame["q"].iloc[0] == text


def test_utf8_with_a_few_cp1256_lines_is_decoded_line_by_line():
    good = [["1", "سلام عليكم"], ["2", "خدمة ممتازة\nشكراً"], ["3", "café"]]
    head = to_csv([["id", "comment"]] + good, newline="\n").encode("utf-8")
    bad = to_csv([["4", "الخدمة بطيئة جداً"]], newline="\n").encode("cp1256")
    tail = to_csv([["5", "ممتاز"]], newline="\n").encode("utf-8")
    with pytest.warns(DataQualityWarning, match=r"lines 6\b"):
        ex = read_export(head + bad + tail)
    assert ex.encoding == "utf-8"
    assert ex.frame["comment"].tolist() == ["سلام عليكم", "خدمة ممتازة\nشكراً", "café", "الخدمة بطيئة جداً", "ممتاز"]
    assert ex.frame.index.tolist() == [2, 3, 5, 6, 7]
    assert any("decoded one by one as cp1256" in n for n in ex.notes)
    assert any("(row_number) 6" in n for n in ex.notes)


def test_utf8_with_a_few_cp1252_lines_keeps_the_utf8_ones():
    good = to_csv([["id", "comment"], ["1", "naïve café"], ["2", "Ærø"], ["3", "über"]], newline="\n").encode()
    bad = to_csv([["4", "déjà vu"], ["5", "l’été"]], newline="\n").encode("cp1252")
    with pytest.warns(DataQualityWarning, match="cp1252"):
        ex = read_export(good + bad)
    assert ex.frame["comment"].tolist() == ["naïve café", "Ærø", "über", "déjà vu", "l’été"]
    assert any("lines 5, 6" in n for n in ex.notes)


# ----------------------------------------------------------------------------- personal data in answers
def test_names_are_found_by_their_answers_not_by_the_word_alone():
    names = pd.Series(["Tom Griffiths\nJessica Hamrick", "Prof. Dr. Lars Kaleschke", "Gabriel del Rio, Ana Lee",
                       "Massimo D'Antoni", ""])
    courses = pd.Series(["COGSCI 131", "Introduction to data science", "Physics 2", "Data Science"])
    assert names_column("What are the names of the course instructors?", names)
    assert not names_column("What is the official name of your course?", courses)
    assert not names_column("Who taught the course?", names)  # no "name" in the question: keywords decide
    assert not looks_like_name("version 2") and looks_like_name("José María Pérez")


def test_a_consent_text_quoting_e_mail_addresses_is_not_personal_data():
    # qualtrics_3row_numeric_preview.csv: the consent question quotes the investigators' addresses
    consent = "Consent form: write to the investigator (pi@example.edu) with any question. I agree"
    rows = [["ResponseId", "consent", "Q5"], ["Response ID", consent, "Your e-mail address (optional)"],
            ['{"ImportId":"_recordId"}', '{"ImportId":"QID4"}', '{"ImportId":"QID5_TEXT"}'],
            ["R_1", "1", "ana@example.com"], ["R_2", "1", ""], ["R_3", "1", "ben@example.org"]]
    k = kinds(read_export(to_csv(rows).encode()))
    assert k["consent"] != "pii" and k["Q5"] == "pii"


def test_codebook_question_id_round_trips_through_csv(tmp_path):
    ex = read_export(to_csv(SM_HEAD + SM_BODY).encode())
    book = Codebook.infer(ex)
    back = Codebook.from_csv(book.to_csv(tmp_path / "book.csv"))
    assert back.table["question_id"].tolist() == book.table["question_id"].tolist()
    assert book.table.set_index("column").loc["q2_2", "question_id"] == "q2"


# ----------------------------------------------------------------------------- line-by-line repair
BASE_ARABIC = "ابتثجحخدرزسشصضطظعغفقكلمنهوي"  # bytes >= 0xC1 in cp1256: two in a row are never UTF-8
UTF8_WORD = st.text(st.sampled_from(list("abc xyz") + list("éàüßسلامپچ")), min_size=1, max_size=10)


@settings(max_examples=80, deadline=None)
@given(st.lists(UTF8_WORD.map(lambda w: w.strip() + "é"), min_size=3, max_size=12), st.data())
def test_property_only_the_lines_not_in_utf8_are_re_decoded(cells, data):
    n_bad = data.draw(st.integers(1, max(1, (len(cells) - 1) // 2)))
    bad_at = sorted(data.draw(st.sets(st.integers(0, len(cells) - 1), min_size=n_bad, max_size=n_bad)))
    arabic = [data.draw(st.text(st.sampled_from(list(BASE_ARABIC)), min_size=2, max_size=8)) for _ in bad_at]
    values = list(cells)
    raw = b"q\n"
    for i, cell in enumerate(cells):
        if i in bad_at:
            values[i] = arabic[bad_at.index(i)]
            raw += to_csv([[values[i]]], newline="\n").encode("cp1256")
        else:
            raw += to_csv([[cell]], newline="\n").encode("utf-8")
    ex = quiet(raw)
    assert ex.encoding == "utf-8"
    assert ex.frame["q"].tolist() == values  # the UTF-8 lines untouched, the others decoded as cp1256
    lines = ", ".join(str(i + 2) for i in bad_at[:10])
    assert any("decoded one by one as cp1256" in n and f"lines {lines}" in n for n in ex.notes)


def test_line_repair_across_pieces_and_long_lines(monkeypatch):
    from cxanalytics.ingest.exports import _repair

    monkeypatch.setattr(_repair, "_PIECE", 16)  # pieces far shorter than the lines
    good = [f"{i},{'سلام عليكم ' * (i + 1)}" for i in range(6)]
    raw = ("id,comment\n" + "\n".join(good[:3]) + "\n").encode()
    raw += "3,خدمة سريعة جداً\n".encode("cp1256") + ("\n".join(good[3:]) + "\n").encode()
    spans, sep = _repair.bad_utf8_lines(raw)
    assert sep == b"\n" and len(spans) == 1
    start, end = spans[0]
    assert raw[start:end] == "3,خدمة سريعة جداً\n".encode("cp1256")
    with pytest.warns(DataQualityWarning, match="lines 5;"):
        ex = read_export(raw)
    assert ex.frame["comment"].tolist()[3] == "خدمة سريعة جداً"
    assert ex.frame["comment"].tolist()[4] == "سلام عليكم " * 4
