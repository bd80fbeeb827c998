"""Tests for cxanalytics.ingest.exports: platforms, encodings, errors, real exports, properties."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxanalytics.datasets import load_sample
from cxanalytics.errors import (
    CxError,
    DataQualityWarning,
    EncodingError,
    ExportFormatError,
    ParameterError,
)
from cxanalytics.ingest.exports import PLATFORMS, SurveyExport, read_export


# ----------------------------------------------------------------------------- helpers
def to_csv_text(rows, delimiter=",", newline="\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def record_start_lines(text: str, n_skip: int) -> list[int]:
    """Independent oracle: physical line where each csv record starts (csv module)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, start = [], 1
    for rec in reader:
        if rec:
            starts.append(start)
        start = reader.line_num + 1
    return starts[n_skip:]


def import_cell(import_id, tz=None) -> str:
    return f'{{"ImportId":"{import_id}"' + (f',"timeZone":"{tz}"' if tz else "") + "}"


def qualtrics_rows(answers, ids=("ResponseId", "Q1", "Q2"),
                   texts=("Response ID", "كيف تقيم الخدمة؟", "تعليقات")):
    imports = [import_cell("_recordId")] + [import_cell(f"QID{i}") for i in range(1, len(ids))]
    return [list(ids), list(texts), imports, *answers]


SM_ROW1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
           "Email Address", "First Name", "Last Name", "Custom Data 1",
           "ما مدى رضاك عن الخدمة؟", "قيّم ما يلي", "", "", "أي القنوات استخدمت؟", "", "",
           "تعليقات إضافية"]
SM_ROW2 = [""] * 9 + ["Response", "الموظفون", "السرعة", "النظافة", "الفرع",
                      "الموقع الإلكتروني", "Other (please specify)", "Open-Ended Response"]
SM_DATA = [
    ["11402", "2501", "05/01/2024 10:00:01 AM", "05/01/2024 10:04:11 AM", "10.0.0.1", "", "", "",
     "", "راضٍ جداً", "ممتاز", "جيد", "سيئ", "الفرع", "", "", "خدمة سريعة\nوشكراً"],
    ["11403", "2501", "05/02/2024 09:00:00 AM", "05/02/2024 09:03:00 AM", "10.0.0.2", "", "", "",
     "", "محايد", "جيد", "جيد", "جيد", "", "الموقع الإلكتروني", "الهاتف", ""],
    ["11404", "2502", "05/03/2024 11:30:00 AM", "05/03/2024 11:31:00 AM", "10.0.0.3", "", "", "",
     "", "غير راضٍ", "سيئ", "سيئ", "سيئ", "الفرع", "الموقع الإلكتروني", "", "لا شيء"],
]
SM_NAMES = ["respondent_id", "collector_id", "start_date", "end_date", "ip_address",
            "email_address", "first_name", "last_name", "custom_data_1", "q1", "q2_1", "q2_2",
            "q2_3", "q3_1", "q3_2", "q3_3", "q4"]

GF_HEADER = ["Timestamp", "Email address", "Score", "چقدر از خدمات ما راضی هستید؟",
             "کیفیت خدمات [کارکنان]", "کیفیت خدمات [سرعت]", "از کدام کانال‌ها استفاده کردید؟",
             "نظر شما"]
GF_DATA = [
    ["2024/05/01 10:20:30 AM GMT+3:30", "a@example.com", "7 / 10", "خیلی راضی", "عالی", "خوب",
     "تلفن, وب‌سایت", "ممنون"],
    ["2024/05/02 11:00:00 AM GMT+3:30", "b@example.com", "4 / 10", "نمی‌دانم", "ضعیف", "خوب",
     "شعبه", ""],
]


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    wb.save(path)


# ----------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_qualtrics_sample_three_header_rows(realdata):
    ex = read_export(realdata / "qualtrics" / "sample.csv")
    assert isinstance(ex, SurveyExport)
    assert (ex.platform, ex.encoding, ex.delimiter, ex.timezone) == ("qualtrics", "utf-8", ",", None)
    assert ex.frame.shape == (1, 20)
    assert ex.frame.index.tolist() == [4] and ex.frame.index.name == "row_number"
    assert all(pd.api.types.is_string_dtype(t) for t in ex.frame.dtypes)
    row = ex.frame.iloc[0]
    assert (row["Q1"], row["Q2"], row["ResponseId"]) == ("2", "Hello World!", "R_2YPOQ602ER1jkf1")
    assert pd.isna(row["RecipientEmail"])
    qs = ex.questions.set_index("column")
    assert qs.loc["StartDate", "question_text"] == "Anfangsdatum"
    assert qs.loc["RecipientLastName", "question_text"] == "Nachname des Empfängers"
    assert qs.loc["Q1", ["import_id", "question_id", "is_metadata"]].tolist() == ["QID1", "QID1", False]
    assert qs.loc["Q2", "answer_type"] == "open_ended"
    assert qs.loc["Q2 - Topics", "sub_question"] == "Topics"
    assert qs.loc["ResponseId", "import_id"] == "_recordId" and qs.loc["ResponseId", "is_metadata"]
    assert ex.header_rows.shape == (3, 20)
    assert ex.header_rows.loc[3, "Q1"] == '{"ImportId":"QID1"}'


@pytest.mark.realdata
def test_qualtrics_legacy_sample_bom_and_trailing_comma(realdata):
    ex = read_export(realdata / "qualtrics" / "sample_legacy.csv")
    assert (ex.platform, ex.encoding) == ("qualtrics_legacy", "utf-8-sig")
    assert ex.frame.shape == (1, 15)  # 16 fields per line; the empty trailing one is dropped
    assert any("dropped column 16" in n for n in ex.notes)
    assert list(ex.frame.columns[:3]) == ["ResponseID", "ResponseSet", "Name"]
    assert ex.frame.columns[0] == "ResponseID"  # no BOM left in the first name
    row = ex.frame.iloc[0]
    assert (row["ResponseID"], row["Status"], row["Q1"], row["Q2"]) == (
        "R_2YPOQ602ER1jkf1", "0", "2", "Hello World!")
    assert ex.frame.index.tolist() == [3]
    qs = ex.questions.set_index("column")
    assert qs.loc["Status", "header"] == "V7"
    assert qs.loc["Q1", "question_text"] == "This is a multiple choice question."
    assert read_export(realdata / "qualtrics" / "sample_legacy.csv",
                       platform="qualtrics_legacy").frame.shape == (1, 15)


@pytest.mark.realdata
def test_beskar_full_matches_readme_facts(realdata):
    path = realdata / "qualtrics" / "beskar_armor_full.csv"
    ex = read_export(path)
    f = ex.frame
    assert ex.platform == "qualtrics" and f.shape == (44, 24)
    assert ex.timezone == "America/Denver"
    assert f["Status"].value_counts().to_dict() == {
        "IP Address": 27, "Survey Test": 15, "Survey Preview": 2}
    assert (f["Finished"] == "False").sum() == 4
    assert f["Q16"].value_counts().to_dict() == {
        "Neither satisfied nor dissatisfied": 13, "Extremely satisfied": 9,
        "Somewhat satisfied": 8, "Somewhat dissatisfied": 7, "Extremely dissatisfied": 6}
    # multi-line answers are kept whole, stray blank lines included
    assert f["Q18"].iloc[0] == "Yes, by me or someone outside the tribe \n\n"
    # row_number is the physical line where each response starts (csv module as oracle)
    text = path.read_bytes().decode("utf-8")
    assert f.index.tolist() == record_start_lines(text, 3)
    assert f.index[:3].tolist() == [4, 7, 10]
    qs = ex.questions.set_index("column")
    assert qs.loc["Q16", "question_text"] == "Overall, how satisfied are you with your beskar armor?"
    assert qs.loc["StartDate", "time_zone"] == "America/Denver"
    assert pd.isna(qs.loc["Status", "time_zone"])
    assert int((~ex.questions["is_metadata"]).sum()) == 6


@pytest.mark.realdata
def test_beskar_subset_is_a_subset_of_the_full_export(realdata):
    full = read_export(realdata / "qualtrics" / "beskar_armor_full.csv").frame
    sub = read_export(realdata / "qualtrics" / "beskar_armor_subset.csv").frame
    assert sub.shape == (15, 6)
    assert list(sub.columns) == ["StartDate", "EndDate", "ResponseId", "Q16", "Q17",
                                 "SolutionRevision"]
    merged = sub.merge(full, on="ResponseId", suffixes=("", "_full"), validate="one_to_one")
    assert len(merged) == 15
    assert (merged["Q16"] == merged["Q16_full"]).all()
    assert sub.index.tolist() == list(range(4, 19))


@pytest.mark.realdata
def test_hbat_spss_labels_and_readme_means(realdata):
    ex = read_export(realdata / "hbat_spss" / "HBAT.sav")
    assert (ex.platform, ex.encoding) == ("spss", "cp1252")
    assert ex.frame.shape == (100, 24)
    assert ex.frame.index.tolist() == list(range(1, 101))
    # facts from realdata/README.md
    assert round(ex.frame["x19"].mean(), 3) == 6.918
    assert round(ex.frame["x6"].mean(), 2) == 7.81
    assert round(ex.frame["x19"].corr(ex.frame["x22"]), 3) == 0.668
    qs = ex.questions.set_index("column")
    assert qs.loc["x19", "question_text"] == "X19 - Satisfaction"
    assert qs.loc["x6", "measure"] == "scale" and qs.loc["x1", "measure"] == "nominal"
    assert ex.value_labels["x1"] == {1.0: "Less than 1 year", 2.0: "1 to 5 years",
                                     3.0: "Over 5 years"}
    assert ex.value_labels["x19"][10.0] == "Completely Satisfied"
    assert ex.header_rows.loc["label", "x20"] == "X20 - Likely to Recommend"


@pytest.mark.realdata
def test_ecommerce_workbook_picks_the_data_sheet(realdata):
    path = realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx"
    ex = read_export(path)
    assert (ex.platform, ex.sheet, ex.encoding) == ("excel", "E Comm", None)
    assert ex.frame.shape == (5630, 20)
    assert int(ex.frame["Churn"].sum()) == 948  # README: 948 of 5,630 churned
    assert ex.frame["Churn"].dtype == np.int64  # typed workbook cells keep their type
    assert pd.api.types.is_string_dtype(ex.frame["PreferredLoginDevice"])
    assert ex.frame.index[0] == 2 and ex.frame.index[-1] == 5631
    assert read_export(path, sheet="Data Dict").sheet == "Data Dict"
    with pytest.raises(ParameterError, match="No such sheet.*E Comm"):
        read_export(path, sheet="Nope")


@pytest.mark.realdata
def test_telco_status_workbook_counts(realdata):
    ex = read_export(realdata / "ibm_telco_extended" / "Telco_customer_churn_status.xlsx")
    f = ex.frame
    assert f.shape == (7043, 11)
    assert f["Satisfaction Score"].value_counts().sort_index().tolist() == [922, 518, 2665,
                                                                             1789, 1149]
    assert f["Customer Status"].value_counts().to_dict() == {
        "Stayed": 4720, "Churned": 1869, "Joined": 454}
    assert int(f["Churn Value"].sum()) == 1869


@pytest.mark.realdata
def test_telco_offer_none_stays_text(realdata):
    f = read_export(realdata / "ibm_telco_extended" / "Telco_customer_churn_services.xlsx").frame
    assert f["Offer"].notna().all()
    assert (f["Offer"] == "None").sum() > 0


# ----------------------------------------------------------------------------- SurveyMonkey
def _check_surveymonkey(ex):
    assert ex.platform == "surveymonkey"
    assert list(ex.frame.columns) == SM_NAMES
    qs = ex.questions.set_index("column")
    assert qs.loc["respondent_id", "is_metadata"] and qs.loc["custom_data_1", "is_metadata"]
    assert qs.loc["q1", ["question_text", "answer_type"]].tolist() == [
        "ما مدى رضاك عن الخدمة؟", "single"]
    assert qs.loc["q2_2", ["question_id", "question_text", "sub_question", "answer_type"]].tolist() \
        == ["q2", "قيّم ما يلي", "السرعة", "matrix_row"]
    assert qs.loc["q3_2", ["question_text", "choice", "answer_type"]].tolist() == [
        "أي القنوات استخدمت؟", "الموقع الإلكتروني", "choice"]
    assert pd.isna(qs.loc["q3_2", "sub_question"])
    assert qs.loc["q3_3", "answer_type"] == "other_specify"
    assert qs.loc["q4", "answer_type"] == "open_ended"
    assert ex.questions["position"].tolist() == list(range(1, 18))
    assert ex.frame["q4"].iloc[0] == "خدمة سريعة\nوشكراً"
    assert pd.isna(ex.frame["q3_1"].iloc[1])


def test_surveymonkey_csv_arabic(tmp_path):
    path = tmp_path / "sm.csv"
    text = to_csv_text([SM_ROW1, SM_ROW2, *SM_DATA])
    path.write_bytes(text.encode("utf-8"))
    ex = read_export(path)
    _check_surveymonkey(ex)
    assert "Respondent ID" in ex.detection
    assert ex.frame.index.tolist() == [3, 5, 6]  # response 1 spans lines 3-4
    assert ex.frame["respondent_id"].tolist() == ["11402", "11403", "11404"]


def test_surveymonkey_xlsx_arabic(tmp_path):
    path = tmp_path / "sm.xlsx"
    rows = [SM_ROW1, SM_ROW2] + [[int(r[0]), int(r[1]), *r[2:]] for r in SM_DATA]
    write_xlsx(path, rows)
    ex = read_export(path)
    _check_surveymonkey(ex)
    assert (ex.sheet, ex.encoding) == ("Responses", None)
    assert ex.frame.index.tolist() == [3, 4, 5]  # sheet rows
    assert ex.frame["respondent_id"].tolist() == [11402, 11403, 11404]
    assert ex.frame["q1"].tolist() == [r[9] for r in SM_DATA]


# ----------------------------------------------------------------------------- Google Forms
def test_google_forms_persian_grid_and_checkbox(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(to_csv_text([GF_HEADER, *GF_DATA], newline="\n"), encoding="utf-8")
    ex = read_export(path)
    assert ex.platform == "google_forms" and "Timestamp" in ex.detection
    assert list(ex.frame.columns) == GF_HEADER
    assert ex.frame["از کدام کانال‌ها استفاده کردید؟"].tolist() == ["تلفن, وب‌سایت", "شعبه"]
    assert ex.frame["Timestamp"].iloc[0] == GF_DATA[0][0]  # kept as written
    qs = ex.questions.set_index("column")
    assert qs.loc[["Timestamp", "Email address", "Score"], "is_metadata"].all()
    grid = qs.loc[["کیفیت خدمات [کارکنان]", "کیفیت خدمات [سرعت]"]]
    assert grid["question_text"].tolist() == ["کیفیت خدمات", "کیفیت خدمات"]
    assert grid["sub_question"].tolist() == ["کارکنان", "سرعت"]
    assert grid["answer_type"].tolist() == ["grid_row", "grid_row"]
    assert grid["question_id"].nunique() == 1
    assert qs.loc["نظر شما", "question_id"] == "q4"


@pytest.mark.parametrize("stamp", ["برچسب زمانی", "الطابع الزمني", "طابع زمني"])
def test_google_forms_persian_and_arabic_timestamp_headers_are_detected(stamp):
    # Google Sheets in a Persian locale heads the column "برچسب زمانی"; Arabic "الطابع الزمني".
    rows = [[stamp, "امتیاز"], ["1403/02/11 10:20", "۹"]]
    ex = read_export(to_csv_text(rows).encode("utf-8"))
    assert ex.platform == "google_forms" and stamp in ex.detection


def test_google_forms_persian_sample_is_detected():
    ex = read_export(load_sample("google_forms_fa"))
    assert ex.platform == "google_forms" and "برچسب زمانی" in ex.detection


def test_google_forms_forced_on_an_unrecognised_timestamp_header():
    rows = [["زمان ارسال", "امتیاز"], ["1403/02/11 10:20", "۹"]]
    raw = to_csv_text(rows).encode("utf-8")
    assert read_export(raw).platform == "csv"
    ex = read_export(raw, platform="google_forms")
    assert ex.platform == "google_forms" and "requested" in ex.detection
    assert ex.frame["امتیاز"].tolist() == ["۹"]  # digits are not touched by the reader


def test_plain_tables_with_platform_like_names_lose_no_response():
    # R's default column names V1, V2 are not a legacy Qualtrics header
    r_table = read_export(b"V1,V2,V3\n1,2,3\n4,5,6\n")
    assert r_table.platform == "csv" and len(r_table.frame) == 2
    # SurveyMonkey-like names over a data row are a plain table, not a sub-label row
    sm_like = read_export(b"Respondent ID,Start Date,Q1\n101,2024-01-01,5\n102,2024-01-02,4\n")
    assert sm_like.platform == "csv" and sm_like.frame["Q1"].tolist() == ["5", "4"]


def test_qualtrics_xlsx_export(tmp_path):
    path = tmp_path / "qualtrics.xlsx"
    write_xlsx(path, qualtrics_rows([["R_1", 5, "ممتاز"], ["R_2", 3, ""]]))
    ex = read_export(path)
    assert (ex.platform, ex.sheet) == ("qualtrics", "Responses")
    assert ex.frame["Q1"].tolist() == [5, 3] and ex.frame.index.tolist() == [4, 5]
    assert ex.frame["Q2"].isna().tolist() == [False, True]
    assert ex.questions.set_index("column").loc["Q1", "import_id"] == "QID1"


@pytest.mark.realdata
def test_spss_from_a_buffer_and_wrong_platform(realdata):
    raw = (realdata / "hbat_spss" / "HBAT.sav").read_bytes()
    ex = read_export(io.BytesIO(raw))
    assert ex.platform == "spss" and ex.frame.shape == (100, 24)
    with pytest.raises(ExportFormatError, match="'spss': the file is an SPSS system file"):
        read_export(io.BytesIO(raw), platform="qualtrics")


# ----------------------------------------------------------------------------- encodings
@pytest.mark.parametrize("bom,codec,name", [
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
])
def test_qualtrics_tsv_utf16_with_bom(bom, codec, name):
    answers = [["R_1", "ممتاز", "سطر أول\nسطر ثان"], ["R_2", "جيد", ""]]
    text = to_csv_text(qualtrics_rows(answers), delimiter="\t")
    ex = read_export(io.BytesIO(bom + text.encode(codec)))
    assert (ex.platform, ex.encoding, ex.delimiter) == ("qualtrics", name, "\t")
    assert ex.frame["Q1"].tolist() == ["ممتاز", "جيد"]
    assert ex.frame["Q2"].iloc[0] == "سطر أول\nسطر ثان"
    assert ex.frame.index.tolist() == [4, 6]
    assert ex.questions.set_index("column").loc["Q1", "question_text"] == "كيف تقيم الخدمة؟"


def test_utf16_without_bom_is_detected():
    text = to_csv_text([["a", "b"], ["نعم", "1"]])
    ex = read_export(text.encode("utf-16-le"))
    assert ex.encoding == "utf-16-le" and ex.frame["a"].tolist() == ["نعم"]


def test_cp1256_arabic_windows_file():
    rows = [["الفرع", "التقييم", "تعليق"], ["الرياض", "راضٍ جداً", "الخدمة ممتازة"],
            ["جدة", "غير راضٍ", "انتظار طويل"]]
    ex = read_export(to_csv_text(rows).encode("cp1256"))
    assert ex.encoding == "cp1256" and "Arabic letters" in ex.notes[0]
    assert list(ex.frame.columns) == rows[0]
    assert ex.frame["تعليق"].tolist() == ["الخدمة ممتازة", "انتظار طويل"]


def test_cp1256_persian_letters_undefined_in_cp1252():
    rows = [["نام", "پاسخ"], ["گروه", "خيلي خوب"]]  # پ and گ are bytes 0x81 and 0x90
    ex = read_export(to_csv_text(rows).encode("cp1256"))
    assert ex.encoding == "cp1256" and "undefined in cp1252" in ex.notes[0]
    assert ex.frame["پاسخ"].tolist() == ["خيلي خوب"]


def test_cp1252_german_and_french_are_not_taken_for_arabic():
    rows = [["Größe", "Qualität", "Commentaire"], ["Länge", "sehr gut, schön", "très bien"],
            ["groß", "mäßig", "déçu"]]
    ex = read_export(to_csv_text(rows).encode("cp1252"))
    assert ex.encoding == "cp1252"
    assert list(ex.frame.columns) == rows[0]
    assert ex.frame["Qualität"].tolist() == ["sehr gut, schön", "mäßig"]


def test_code_page_detection_reads_a_sample_but_scans_for_undefined_bytes(monkeypatch, tmp_path):
    from cxanalytics.ingest.exports import _encoding

    monkeypatch.setattr(_encoding, "_SAMPLE", 64)  # the evidence: the first 64 bytes only
    rows = [["Größe", "Qualität"]] + [["Länge", "sehr gut, schön"]] * 20
    path = tmp_path / "western.csv"
    path.write_bytes(to_csv_text(rows).encode("cp1252"))
    assert read_export(path).encoding == "cp1252"
    # a Persian letter (byte 0x81, undefined in cp1252) far beyond the sample still decides cp1256
    rows = [["q", "note"]] + [["1", "ok"]] * 200 + [["2", "پاسخ"]]
    path = tmp_path / "persian.csv"
    path.write_bytes(to_csv_text(rows).encode("cp1256"))
    ex = read_export(path)
    assert ex.encoding == "cp1256" and "undefined in cp1252" in ex.notes[0]
    assert ex.frame["note"].iloc[-1] == "پاسخ"


def test_encoding_override_and_unknown_encoding():
    raw = to_csv_text([["q"], ["é"]]).encode("cp1252")
    assert read_export(raw, encoding="latin-1").encoding == "iso8859-1"
    with pytest.raises(ParameterError, match="encoding"):
        read_export(raw, encoding="no-such-codec")


def test_undecodable_bytes_name_offset_and_encoding():
    raw = b"q1,q2\nok,ok\n" + b"bad\xff,x\n"
    with pytest.raises(EncodingError) as info:
        read_export(raw, encoding="utf-8", platform="csv")
    msg = str(info.value)
    offset = raw.index(b"\xff")
    assert f"byte offset {offset}" in msg and "utf-8" in msg and "row 3" in msg


def test_damaged_utf8_line_is_decoded_alone_and_reported():
    # was: refused as damaged UTF-8.  Issue 12: a UTF-8 export with a line that is not UTF-8
    # is read line by line (that line with a code page), the line is named and a warning says so
    raw = ("q\n" + "سلام\n" * 20).encode("utf-8") + b"\xd8\n"
    with pytest.warns(DataQualityWarning, match="lines 22"):
        ex = read_export(raw)
    assert ex.encoding == "utf-8" and "1 line(s) in another code page" in ex.notes[0]
    assert ex.frame["q"].tolist() == ["سلام"] * 20 + ["\u0637"]  # 0xD8 in cp1256
    assert any("decoded one by one as cp1256" in n and "lines 22" in n for n in ex.notes)


# ----------------------------------------------------------------------------- plain tables
def test_plain_csv_keeps_text_and_only_blank_is_missing():
    raw = b"id;answer;note\n1;N/A;None\n2;;\"a;b\"\n"
    ex = read_export(raw)
    assert (ex.platform, ex.delimiter) == ("csv", ";")
    assert ex.frame["answer"].tolist()[0] == "N/A" and pd.isna(ex.frame["answer"].iloc[1])
    assert ex.frame["note"].tolist() == ["None", "a;b"]
    assert ex.questions["answer_type"].isna().all()


def test_blank_lines_are_skipped_and_numbered():
    ex = read_export(b"a,b\n\n1,\"x\ny\"\n\n2,z\n")
    assert ex.frame.index.tolist() == [3, 6]
    assert any("empty row" in n and "2, 5" in n for n in ex.notes)


def test_unnamed_column_with_values_warns():
    with pytest.warns(DataQualityWarning, match="no header"):
        ex = read_export(b"a,,c\n1,2,3\n")
    assert list(ex.frame.columns) == ["a", "unnamed_2", "c"]


def test_buffers_and_text_streams():
    raw = b"a,b\n1,2\n"
    buf = io.BytesIO(raw)
    buf.name = "/some/dir/upload.csv"
    assert read_export(buf).source == "upload.csv"
    assert read_export(io.StringIO("a,b\n1,2\n")).frame.shape == (1, 2)
    assert read_export(raw).source == "<bytes>"


def test_summary_and_html(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(to_csv_text(qualtrics_rows([["R_1", "5", "x"]])), encoding="utf-8")
    ex = read_export(path)
    s = ex.summary()
    assert list(s.columns) == ["field", "value"]
    assert s.set_index("field").loc["n_responses", "value"] == "1"
    assert s.set_index("field").loc["n_questions", "value"] == "2"
    html = ex._repr_html_()
    assert "q.csv" in html and "<table" in html
    assert "responses=1" in repr(ex)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("raw", [b"", b"\n\n", codecs.BOM_UTF8, b"   \r\n"])
def test_empty_file(raw):
    with pytest.raises(ExportFormatError, match="empty"):
        read_export(raw)


def test_header_only_qualtrics_is_a_valid_empty_export():
    raw = to_csv_text(qualtrics_rows([])).encode("utf-8")
    with pytest.warns(DataQualityWarning, match="no responses"):
        ex = read_export(raw)
    assert ex.platform == "qualtrics" and ex.frame.shape == (0, 3)
    assert ex.questions["column"].tolist() == ["ResponseId", "Q1", "Q2"]


def test_ragged_long_row_names_its_line():
    text = to_csv_text(qualtrics_rows([["R_1", "a", "b\nc"], ["R_2", "a", "b", "extra"]]))
    with pytest.raises(ExportFormatError, match=r"row 6\]: received '4 fields'; expected 3"):
        read_export(text.encode())


def test_ragged_short_row_names_its_line():
    with pytest.raises(ExportFormatError, match=r"Ragged.*row 3\]: received '2 fields'"):
        read_export(b"a,b,c\n1,2,3\n4,5\n6,7,8\n")


def test_wrong_delimiter():
    with pytest.raises(ExportFormatError, match=r"delimiter.*expected ','.*3 columns"):
        read_export(b"a,b,c\n1,2,3\n", delimiter=";")


def test_duplicate_column_names_are_numbered_not_refused():
    # was: refused.  Issue 12: repeated names are normal in real exports; they are numbered
    # in order of position, the header as written is kept, and a note says so
    ex = read_export(b"q1,q2,q1,q1 (2),q1\n1,2,3,4,5\n")
    # the k-th "q1" becomes "q1 (k)", or the next free number when the file has that name too
    assert list(ex.frame.columns) == ["q1", "q2", "q1 (3)", "q1 (2)", "q1 (4)"]
    assert ex.frame.iloc[0].tolist() == ["1", "2", "3", "4", "5"]
    assert ex.questions["header"].tolist() == ["q1", "q2", "q1", "q1 (2)", "q1"]
    assert any("repeated column name" in n and "positions [1, 3, 5]" in n for n in ex.notes)


def test_qualtrics_missing_import_id_row():
    rows = [["StartDate", "EndDate", "ResponseId", "Q1"],
            ["Start Date", "End Date", "Response ID", "How satisfied?"],
            ["2024-01-01 10:00:00", "2024-01-01 10:05:00", "R_1", "5"]]
    raw = to_csv_text(rows).encode()
    with pytest.raises(ExportFormatError, match="ImportId row"):
        read_export(raw)
    with pytest.raises(ExportFormatError, match="ImportId row"):
        read_export(raw, platform="qualtrics")
    # a one-header-row table that merely uses Qualtrics names is not an error
    assert read_export(to_csv_text([rows[0], rows[2]]).encode()).platform == "csv"


def test_unknown_and_wrong_platforms(tmp_path):
    raw = to_csv_text(qualtrics_rows([["R_1", "5", "x"]])).encode()
    with pytest.raises(ParameterError, match="platform.*'monkey'"):
        read_export(raw, platform="monkey")
    with pytest.raises(ExportFormatError, match="not a surveymonkey export.*qualtrics.*ImportId"):
        read_export(raw, platform="surveymonkey")
    with pytest.raises(ExportFormatError, match="not a qualtrics_legacy export"):
        read_export(raw, platform="qualtrics_legacy")
    with pytest.raises(ExportFormatError, match="SPSS"):
        read_export(raw, platform="spss")
    with pytest.raises(ExportFormatError, match="'csv': the file is a text file"):
        read_export(raw, platform="excel")
    assert read_export(raw, platform="csv").frame.shape == (3, 3)  # plain reading on request
    assert set(PLATFORMS) == {"qualtrics", "qualtrics_legacy", "surveymonkey", "google_forms",
                              "microsoft_forms", "alchemer", "typeform", "limesurvey", "kobotoolbox",
                              "spss", "csv", "excel"}


def test_binary_and_old_excel_and_missing_file(tmp_path):
    with pytest.raises(ExportFormatError, match="binary.*offset 2"):
        read_export(b"ab\x00\x01\x02\xff\x00\x00\x10" * 3)
    with pytest.raises(ExportFormatError, match=r"\.xls"):
        read_export(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ParameterError, match="No such file"):
        read_export(tmp_path / "absent.csv")
    with pytest.raises(ParameterError, match="path_or_buffer"):
        read_export(42)
    with pytest.raises(ExportFormatError, match="workbook could not be opened"):
        read_export(b"PK\x03\x04 not really a zip")
    with pytest.raises(ParameterError, match="sheet"):
        read_export(b"a\n1\n", sheet="x")


# ----------------------------------------------------------------------------- properties
CELL_ALPHABET = st.sampled_from(list("ab Z09,;\t\"'\n") + list("ابتعليكمپگé"))
CELLS = st.text(CELL_ALPHABET, max_size=12)


@st.composite
def qualtrics_export(draw):
    k = draw(st.integers(1, 5))
    ids = ["ResponseId"] + [f"Q{i}" for i in range(1, k)]
    texts = [draw(CELLS) for _ in ids]
    answers = [[f"R_{i}"] + [draw(CELLS) for _ in range(k - 1)]
               for i in range(draw(st.integers(1, 8)))]
    op = draw(st.sampled_from(["none", "drop", "duplicate"]))
    if op != "none":
        i = draw(st.integers(0, len(answers) - 1))
        answers = answers[:i] + answers[i + 1:] if op == "drop" else answers + [answers[i]]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256"]))
    text = to_csv_text(qualtrics_rows(answers, ids=ids, texts=texts), newline=newline)
    return text, text.encode(encoding), answers, ids, encoding


def read_quietly(raw, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_export(raw, **kwargs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qualtrics_export())
def test_property_qualtrics_round_trip(export):
    text, raw, answers, ids, encoding = export
    # random strings mixing Latin accents with single Arabic letters are outside the
    # cp1256/cp1252 heuristic's domain (see the detection properties below): declare it
    ex = read_quietly(raw, encoding="cp1256" if encoding == "cp1256" else None)
    assert ex.encoding == {"utf-16": "utf-16-le"}.get(encoding, encoding)
    assert ex.platform == "qualtrics" and len(ex.frame) == len(answers)
    expected = pd.DataFrame(answers, columns=ids).replace("", np.nan)
    got = ex.frame.reset_index(drop=True)
    assert list(got.columns) == ids
    for col in ids:
        assert got[col].isna().tolist() == expected[col].isna().tolist()
        assert got[col].dropna().tolist() == expected[col].dropna().tolist()
    assert ex.frame.index.tolist() == record_start_lines(text, 3)


@settings(max_examples=150, deadline=None)
@given(qualtrics_export(), st.data())
def test_property_truncated_or_corrupted_bytes(export, data):
    text, raw, answers, ids, _ = export
    cut = data.draw(st.integers(0, len(raw)))
    mutated = bytearray(raw[:cut])
    if mutated and data.draw(st.booleans()):
        pos = data.draw(st.integers(0, len(mutated) - 1))
        mutated[pos] = data.draw(st.integers(0, 255))
    try:
        ex = read_quietly(bytes(mutated))
    except CxError:
        return
    assert isinstance(ex, SurveyExport)
    assert len(ex.frame) <= len(answers) + 3  # never more records than the file holds


BASE_ARABIC = "ابتثجحخدرزسشصضطظعغفقكلمنهويةىء"  # all encoded as bytes >= 0xC1 in cp1256
ARABIC_WORD = st.text(st.sampled_from(list(BASE_ARABIC + "پچژگ")), min_size=1, max_size=7)
ASCII_WORD = st.text(st.sampled_from(list("abcXYZ019")), min_size=1, max_size=6)
WESTERN_WORD = st.builds(lambda a, b: a + b, st.sampled_from(list("bGkMsT")),
                         st.text(st.sampled_from(list("aeoäöüßéèàçñÄÖÜÉ")), max_size=7))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(ARABIC_WORD, ASCII_WORD), min_size=1, max_size=12), st.data())
def test_property_arabic_text_in_cp1256_is_detected(words, data):
    # at least one word of two base letters: such text can never be valid UTF-8 (a very
    # short text such as "اپ" is valid UTF-8 too, and strict UTF-8 wins by design)
    words = words + [data.draw(st.text(st.sampled_from(list(BASE_ARABIC)), min_size=2))]
    sep = data.draw(st.sampled_from([" ", ", ", " - ", "; "]))
    raw = to_csv_text([["q"], [sep.join(words)]]).encode("cp1256")
    ex = read_quietly(raw)
    assert ex.encoding == "cp1256"
    assert ex.frame["q"].iloc[0] == sep.join(words)


@settings(max_examples=100, deadline=None)
@given(st.lists(WESTERN_WORD, min_size=1, max_size=12))
def test_property_western_text_in_cp1252_is_not_taken_for_arabic(words):
    value = " ".join(words)
    raw = to_csv_text([["q"], [value]]).encode("cp1252")
    ex = read_quietly(raw)
    assert ex.encoding == ("utf-8" if value.isascii() else "cp1252")
    assert ex.frame["q"].iloc[0] == value


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_property_random_bytes_never_crash(raw):
    try:
        ex = read_quietly(raw)
    except CxError:
        return
    assert isinstance(ex, SurveyExport) and ex.frame.index.is_monotonic_increasing


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=6))
def test_property_plain_csv_record_count(rows):
    rows = [r for r in rows if any(r)]  # a record with every cell empty is not a response
    header = ["x", "y", "z"]
    text = to_csv_text([header, *rows])
    ex = read_quietly(text.encode("utf-8"))
    assert len(ex.frame) == len(rows)
    assert ex.frame.index.tolist() == record_start_lines(text, 1)[: len(rows)]


def test_no_dangling_state_between_reads(tmp_path):
    """The reader keeps no global state: reading two different files gives independent results."""
    a = read_export(b"a,b\n1,2\n")
    b = read_export(to_csv_text(qualtrics_rows([["R_1", "5", "x"]])).encode())
    assert a.platform == "csv" and b.platform == "qualtrics"
    assert re.fullmatch(r"SurveyExport\(.*\)", repr(a))
