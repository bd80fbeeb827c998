"""Tests for cxanalytics.ingest.calendars: Gregorian, Jalali and Hijri (Umm al-Qura) dates."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import jdatetime
import pandas as pd
import pytest
from hijridate import Gregorian, Hijri
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.errors import CxError, DataQualityWarning, ParameterError
from cxanalytics.ingest.calendars import (
    AMBIGUOUS_TIME,
    INVALID_DATE,
    NONEXISTENT_TIME,
    UNPARSEABLE_DATE,
    parse_dates,
)

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def parse(x, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return parse_dates(x, **kw)


def day(value) -> dt.date:
    return value.date()


# ------------------------------------------------------------------ published equivalences
# Official Iranian calendar (Calendar Center, Institute of Geophysics, University of Tehran):
# the vernal equinox of 1403 fell on Wednesday 20 March 2024 at 06:36:26 Tehran time, before
# noon, so 1 Farvardin 1403 = 2024-03-20.  The equinox of 1404 fell on Thursday 30 Esfand 1403
# = 20 March 2025 at 12:31:30, after noon, so 1 Farvardin 1404 = Friday 2025-03-21 and 1403 is
# a leap year (30 Esfand exists).  As reported e.g. by eghtesaad24.ir (news 291964, 30 Esfand
# 1403) and the Iranian press on the 1403 tahvil.
JALALI_FACTS = [
    ("1403/01/01", dt.date(2024, 3, 20)),
    ("1403/12/30", dt.date(2025, 3, 20)),
    ("1404/01/01", dt.date(2025, 3, 21)),
]
# Umm al-Qura calendar (KACST), as applied by the Saudi Supreme Court: 1 Ramadan 1445 AH =
# Monday 11 March 2024 (Saudi Press Agency, 10 March 2024); "Saturday 30/12/1445 AH according
# to the Umm al-Qura calendar, corresponding to July 6, 2024 ... Sunday 1/1/1446 AH ...
# corresponding to July 7, 2024" (Supreme Court statement, SPA, 5 July 2024).
HIJRI_FACTS = [
    ("1445/09/01", dt.date(2024, 3, 11)),
    ("1445/12/30", dt.date(2024, 7, 6)),
    ("1446/01/01", dt.date(2024, 7, 7)),
]


@pytest.mark.parametrize(("text", "expected"), JALALI_FACTS)
def test_jalali_matches_official_iranian_calendar(text, expected):
    y, m, d = map(int, text.split("/"))
    assert jdatetime.date(y, m, d).togregorian() == expected  # the library agrees
    for variant in (text, text.translate(PERSIAN), text.replace("/", "-")):
        assert day(parse(variant, calendar="jalali").values) == expected
    assert day(parse(text.translate(PERSIAN)).values) == expected  # auto: Persian digits


@pytest.mark.parametrize(("text", "expected"), HIJRI_FACTS)
def test_hijri_matches_umm_al_qura_supreme_court_dates(text, expected):
    y, m, d = map(int, text.split("/"))
    assert Hijri(y, m, d).to_gregorian() == Gregorian(expected.year, expected.month, expected.day)
    for variant in (text, text.translate(ARABIC)):
        assert day(parse(variant, calendar="hijri").values) == expected
        assert day(parse(variant).values) == expected  # auto: years above 1420 are Hijri


def test_month_names_and_era_markers():
    s = pd.Series(["۱ فروردین ۱۴۰۳", "1 Farvardin 1403", "۳۰ اسفند ۱۴۰۳", "١ رمضان ١٤٤٥ هـ",
                   "1 محرم 1446", "30 ذي الحجة 1445", "۱۴۰۳/۰۱/۰۱ ه.ش", "4 March 2025",
                   "March 4, 2025"])  # fmt: skip
    values, report = parse(s)
    assert report.empty
    assert [day(v) for v in values] == [
        dt.date(2024, 3, 20), dt.date(2024, 3, 20), dt.date(2025, 3, 20), dt.date(2024, 3, 11),
        dt.date(2024, 7, 7), dt.date(2024, 7, 6), dt.date(2024, 3, 20), dt.date(2025, 3, 4),
        dt.date(2025, 3, 4),
    ]  # fmt: skip


def test_jalali_with_time_and_persian_digits():
    s = pd.Series(["1403-12-14 10:22:13", "۱۴۰۳/۱۲/۱۴ ۱۰:۲۲:۱۳", "۱۴ اسفند ۱۴۰۳"])
    res = parse(s, timezone="Asia/Tehran")
    expected = pd.Timestamp("2025-03-04 10:22:13", tz="Asia/Tehran")
    assert res.values.iloc[0] == expected and res.values.iloc[1] == expected
    assert res.values.iloc[2] == expected.normalize()
    assert res.calendar == "jalali" and str(res.values.dtype) == "datetime64[us, Asia/Tehran]"


# ------------------------------------------------------------------ Gregorian locales
def test_gregorian_platform_formats():
    us = parse(pd.Series(["03/04/2025 10:22:13 AM", "03/04/2025 10:22:13 PM"]), dayfirst=False)
    assert us.values.tolist() == [pd.Timestamp("2025-03-04 10:22:13", tz="UTC"),
                                  pd.Timestamp("2025-03-04 22:22:13", tz="UTC")]  # fmt: skip
    eu = parse("04/03/2025", dayfirst=True)
    assert eu.values == pd.Timestamp("2025-03-04", tz="UTC")
    google = parse("3/4/2025 10:22:13", dayfirst=False)
    assert google.values == pd.Timestamp("2025-03-04 10:22:13", tz="UTC")
    for iso in ["2025-03-04 10:22:13", "2025/03/04 10:22:13", "2025-03-04T10:22:13",
                "2025.03.04 10:22:13", "٢٠٢٥/٠٣/٠٤ ١٠:٢٢:١٣"]:  # fmt: skip
        assert parse(iso).values == pd.Timestamp("2025-03-04 10:22:13", tz="UTC"), iso
    assert parse("2025-03-04 12:00:00.25").values.microsecond == 250000
    persian_pm = parse("2025/03/04 10:22 ب.ظ").values
    assert persian_pm == pd.Timestamp("2025-03-04 22:22", tz="UTC")


def test_dayfirst_is_inferred_from_the_column_or_demanded():
    res = parse(pd.Series(["13/03/2025", "04/03/2025"]))
    assert res.dayfirst is True and day(res.values.iloc[1]) == dt.date(2025, 3, 4)
    res = parse(pd.Series(["03/13/2025", "03/04/2025"]))
    assert res.dayfirst is False and day(res.values.iloc[1]) == dt.date(2025, 3, 4)
    with pytest.raises(ParameterError, match="dayfirst"):
        parse_dates(pd.Series(["04/03/2025", "05/03/2025"]))
    with pytest.raises(CxError, match="day-first and month-first"):
        parse_dates(pd.Series(["13/03/2025", "03/13/2025"]))
    assert day(parse("04/04/2025").values) == dt.date(2025, 4, 4)  # same either way


def test_time_zones_and_offsets():
    # Qualtrics writes wall-clock times in the ImportId time zone (America/Denver, UTC-7 in Feb).
    res = parse("2020-02-19 18:16:42", timezone="America/Denver")
    assert res.values.tz_convert("UTC") == pd.Timestamp("2020-02-20 01:16:42", tz="UTC")
    res = parse(pd.Series(["2025-03-04T10:22:13Z", "2025-03-04T10:22:13+03:30"]), timezone="Asia/Tehran")
    assert res.values.tolist() == [pd.Timestamp("2025-03-04 13:52:13", tz="Asia/Tehran"),
                                   pd.Timestamp("2025-03-04 10:22:13", tz="Asia/Tehran")]  # fmt: skip
    # US DST 2024: clocks skipped 02:00-03:00 on 10 March and repeated 01:00-02:00 on 3 November
    res = parse(pd.Series(["2024-03-10 02:30", "2024-11-03 01:30", "2024-07-01 12:00"]),
                timezone="America/Denver")  # fmt: skip
    assert res.report["reason"].tolist() == [NONEXISTENT_TIME, AMBIGUOUS_TIME]
    assert res.values.isna().tolist() == [True, True, False]


# ------------------------------------------------------------------ calendar auto-detection
def test_auto_calendar_rules():
    assert parse("1399/05/01").calendar == "jalali"
    assert parse("1446/08/15").calendar == "hijri"
    with pytest.raises(CxError, match="calendar='jalali' or 'hijri'"):
        parse_dates("1403/05/01")
    with pytest.raises(CxError, match="calendar"):
        parse_dates(pd.Series(["1399/05/01", "1402/05/01"]))
    # evidence inside the column decides the 1400-1420 band
    assert parse(pd.Series(["1403/05/01", "۱۴۰۳/۰۵/۰۲"])).calendar == "jalali"  # Persian digits
    assert parse(pd.Series(["1403/05/01", "1403/01/31"])).calendar == "jalali"  # day 31
    assert parse(pd.Series(["1403/05/01", "1 مهر 1403"])).calendar == "jalali"  # month name
    assert parse(pd.Series(["1410/05/01", "1 رجب 1410"])).calendar == "hijri"
    assert parse("1403/05/01", calendar="hijri").calendar == "hijri"


def test_invalid_and_unparseable_values_are_reported_with_positions():
    s = pd.Series(["1404/12/30", "1403/12/30", "garbage", None, "garbage", "1403/13/01",
                   "1342/01/01", "25/03/04", "1550/01/01"], index=list("abcdefghi"), name="d")  # fmt: skip
    with pytest.warns(DataQualityWarning, match="could not be read"):
        values, report = parse_dates(s.iloc[:6], calendar="jalali")
    assert report["position"].tolist() == [0, 2, 4, 5]
    assert report["index"].tolist() == ["a", "c", "e", "f"]
    assert report["reason"].tolist() == [INVALID_DATE, UNPARSEABLE_DATE, UNPARSEABLE_DATE, INVALID_DATE]
    assert report["expected"].str.len().gt(10).all()
    assert values.isna().tolist() == [True, False, True, True, True, True]
    assert values.name == "d" and list(values.index) == list("abcdef")
    hijri = parse(s.iloc[[6]], calendar="hijri").report
    assert hijri["reason"].tolist() == [INVALID_DATE]
    assert "1343-1500" in hijri["expected"].iloc[0]
    auto = parse(s.iloc[7:]).report
    assert auto["reason"].tolist() == [UNPARSEABLE_DATE, UNPARSEABLE_DATE]  # 2-digit year, 1550


def test_parameters_are_checked():
    with pytest.raises(ParameterError, match="calendar"):
        parse_dates("2025-01-01", calendar="julian")
    with pytest.raises(ParameterError, match="timezone"):
        parse_dates("2025-01-01", timezone="Mars/Olympus")
    with pytest.raises(ParameterError, match="dayfirst"):
        parse_dates("2025-01-01", dayfirst="yes")


def test_datetime_inputs_and_input_not_mutated():
    s = pd.Series([pd.Timestamp("2024-01-01 12:00", tz="Asia/Tehran"), dt.datetime(2024, 1, 2)])
    before = s.copy()
    res = parse(s, timezone="UTC")
    assert res.values.tolist() == [pd.Timestamp("2024-01-01 08:30", tz="UTC"),
                                   pd.Timestamp("2024-01-02", tz="UTC")]  # fmt: skip
    pd.testing.assert_series_equal(s, before)
    assert parse(pd.Series([], dtype=object)).values.empty
    assert "reason" in parse(pd.Series(["x"])).summary().columns


def test_beskar_armor_qualtrics_dates_parse_in_their_import_time_zone(realdata):
    path = realdata / "qualtrics" / "beskar_armor_full.csv"
    head = pd.read_csv(path, nrows=3, header=None)
    tz = json.loads(head.loc[2, 0])["timeZone"]  # the ImportId row
    raw = pd.read_csv(path, skiprows=[1, 2], dtype=str)
    res = parse_dates(raw["StartDate"], timezone=tz)
    assert tz == "America/Denver" and res.report.empty and res.values.notna().all()
    expected = pd.to_datetime(raw["StartDate"]).dt.tz_localize(tz)
    pd.testing.assert_series_equal(res.values, expected.astype(res.values.dtype))
    assert (res.values <= parse_dates(raw["EndDate"], timezone=tz).values).all()


# ------------------------------------------------------------------ properties
DATES = st.dates(min_value=dt.date(1925, 1, 1), max_value=dt.date(2075, 12, 31))


@settings(max_examples=150, deadline=None)
@given(DATES, st.sampled_from(["/", "-"]), st.booleans())
def test_jalali_gregorian_round_trip(date, sep, persian):
    j = jdatetime.date.fromgregorian(date=date)
    text = f"{j.year:04d}{sep}{j.month:02d}{sep}{j.day:02d}"
    text = text.translate(PERSIAN) if persian else text
    assert day(parse(text, calendar="jalali").values) == date


@settings(max_examples=150, deadline=None)
@given(DATES, st.booleans())
def test_hijri_gregorian_round_trip(date, arabic):
    h = Gregorian(date.year, date.month, date.day).to_hijri()
    text = f"{h.year}/{h.month:02d}/{h.day:02d}"
    assert day(parse(text.translate(ARABIC) if arabic else text, calendar="hijri").values) == date


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12), DATES.map(str)), max_size=12))
def test_every_row_is_parsed_missing_or_reported(values):
    s = pd.Series(values, dtype=object)
    res = parse(s, calendar="gregorian", dayfirst=True)
    assert len(res.values) == len(s)
    reported = set(res.report["position"])
    for i, v in enumerate(values):
        parsed = pd.notna(res.values.iloc[i])
        assert parsed + (i in reported) + (v is None) == 1
