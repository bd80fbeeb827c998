"""Dates in the Gregorian, Jalali (Solar Hijri) and Hijri (Umm al-Qura) calendars.

:func:`parse_dates` turns date strings as survey platforms and analysts write them into a
time-zone-aware ``datetime64`` Series and a report of every value it could not read.  Jalali
dates are converted with ``jdatetime``; Hijri dates with ``hijridate`` (the Umm al-Qura
calendar of Saudi Arabia, years 1343-1500 AH).  Each distinct string is parsed once.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jdatetime
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hijridate import Hijri

from cxanalytics._core.validate import renamed_parameters

from ..errors import CxError, DataQualityWarning, ParameterError, describe
from .text import _normalize_text

__all__ = [
    "UNPARSEABLE_DATE", "INVALID_DATE", "NONEXISTENT_TIME", "AMBIGUOUS_TIME",
    "CALENDARS", "JALALI_MONTHS", "HIJRI_MONTHS", "ParsedDates", "parse_dates",
]  # fmt: skip

UNPARSEABLE_DATE = "unparseable_date"  #: the text is not in any supported date format
INVALID_DATE = "invalid_date"  #: a well-formed date that does not exist in its calendar
NONEXISTENT_TIME = "nonexistent_local_time"  #: skipped by a daylight-saving change in ``tz``
AMBIGUOUS_TIME = "ambiguous_local_time"  #: repeated by a daylight-saving change in ``tz``
CALENDARS = ("auto", "gregorian", "jalali", "hijri")

#: Persian month names of the Jalali calendar (with common Latin transliterations).
JALALI_MONTHS = ("فروردین|farvardin", "اردیبهشت|ordibehesht", "خرداد|khordad", "تیر|tir",
                 "مرداد|امرداد|mordad", "شهریور|shahrivar", "مهر|mehr", "آبان|aban", "آذر|azar",
                 "دی|dey", "بهمن|bahman", "اسفند|esfand")  # fmt: skip
#: Arabic (and Persian) month names of the Hijri calendar.
HIJRI_MONTHS = ("محرم|محرم الحرام", "صفر", "ربيع الأول", "ربيع الآخر|ربيع الثاني",
                "جمادى الأولى|جمادى الأول", "جمادى الآخرة|جمادى الثانية|جمادى الآخر", "رجب",
                "شعبان", "رمضان", "شوال", "ذو القعدة|ذي القعدة", "ذو الحجة|ذي الحجة")  # fmt: skip
_GREGORIAN_MONTHS = ("january|jan", "february|feb", "march|mar", "april|apr", "may", "june|jun",
                     "july|jul", "august|aug", "september|sep|sept", "october|oct",
                     "november|nov", "december|dec")  # fmt: skip


def _squash(s: str) -> str:
    return "".join(ch for ch in _normalize_text(s) if ch.isalnum())


_MONTHS = {_squash(name): (cal, i + 1)
           for cal, table in (("jalali", JALALI_MONTHS), ("hijri", HIJRI_MONTHS),
                              ("gregorian", _GREGORIAN_MONTHS))
           for i, names in enumerate(table) for name in names.split("|")}  # fmt: skip
# Era markers after the year: هـ / ه.ق / ق (lunar Hijri), ه.ش / ش (solar Hijri).
_ERAS = {"ه": "hijri", "ه.ق": "hijri", "ق": "hijri", "ah": "hijri", "ه.ش": "jalali", "ش": "jalali"}
_ERA = r"(?:\s*(?P<era>ه\.ش|ه\.ق|ه|ش|ق|ah))?"
_TIME = (r"(?:(?:t|\s*,\s*|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
         r"\s*(?P<ampm>am|pm|a\.m\.|p\.m\.|ق\.ظ|ب\.ظ|ص|م)?)?\s*(?P<off>z|utc|[+-]\d{2}:?\d{2})?")  # fmt: skip
# RE2 syntax (pyarrow): vectorised over all distinct strings.
_NUMERIC = (r"^(?P<a>\d{1,4})(?P<s1>[/.-])(?P<b>\d{1,2})(?P<s2>[/.-])(?P<c>\d{1,4})" + _ERA + _TIME
            + "$")  # fmt: skip
_NAMED_DMY = re.compile(r"(?P<c>\d{1,2})\s+(?P<mon>\D+?)\s*,?\s+(?P<a>\d{4})" + _ERA + _TIME)
_NAMED_MDY = re.compile(r"(?P<mon>[a-z]+)\.?\s+(?P<c>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<a>\d{4})" + _TIME)
_FIELDS = ("a", "s1", "b", "s2", "c", "era", "H", "M", "S", "f", "ampm", "off")
_ISO = r"(?:1[6-9]|[2-9]\d)\d{2}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_PM = ["pm", "p.m.", "ب.ظ", "م"]
_FORMATS = ("a date such as 2025-03-04 10:22:13, 03/04/2025 10:22:13 AM, 4 March 2025, "
            "1403/12/14, ۱۴ اسفند ۱۴۰۳ or 1446/08/15")  # fmt: skip
_YEAR_FIRST_OR_LAST = "a four-digit year first or last (e.g. 2025-03-04, 04/03/2025)"
_AMBIGUOUS_BAND = (1400, 1420)


@dataclass(frozen=True)
class ParsedDates:
    """Parsed dates and the values that could not be read; unpacks as ``(values, report)``.

    Attributes
    ----------
    values : Series of datetime64[us, tz] (a Timestamp for a scalar input)
    report : DataFrame
        One row per unreadable row: ``position`` (0-based row position), ``index`` (row
        label), ``value``, ``reason`` and ``expected``.
    calendar : str
        The calendar(s) the parsed values were read in, e.g. ``"jalali"`` or
        ``"gregorian+jalali"`` (the requested one when nothing was parsed).
    dayfirst : bool or None
        How day/month/year-last Gregorian dates were read (None: there were none).
    """

    values: Any
    report: pd.DataFrame
    calendar: str
    dayfirst: bool | None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.values, self.report))

    def summary(self) -> pd.DataFrame:
        """Unreadable rows by ``reason``: ``n``."""
        return self.report.groupby("reason").size().rename("n").reset_index()

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False)


def _fields(strings: list[str]) -> dict[str, np.ndarray]:
    """Text fields of each date string (object arrays, "" where absent), plus ``ok`` (a form
    was recognised), ``cal`` (calendar named by a month name or era marker) and ``persian``."""
    arr = pa.array(strings, type=pa.large_string())
    ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    low = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_lower(arr), r"\s+", " "))
    norm = np.asarray(low.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(~ascii_):
        norm[i] = _normalize_text(strings[i])
    found = pc.extract_regex(pa.array(norm, type=pa.large_string()), _NUMERIC)
    out = {f: np.asarray(found.field(f).to_numpy(zero_copy_only=False), dtype=object) for f in _FIELDS}
    out["ok"] = found.is_valid().to_numpy(zero_copy_only=False).copy()
    out["cal"] = np.array([_ERAS.get(e) for e in out["era"]], dtype=object)
    out["persian"] = np.array([not a and any("\u06f0" <= ch <= "\u06f9" for ch in s)
                               for a, s in zip(ascii_, strings, strict=True)], dtype=bool)  # fmt: skip
    for i in np.flatnonzero(~out["ok"]):
        m = _NAMED_DMY.fullmatch(norm[i]) or _NAMED_MDY.fullmatch(norm[i])
        named = _MONTHS.get(_squash(m["mon"])) if m is not None else None
        if named is not None:
            for f, v in m.groupdict().items():
                if f in _FIELDS:
                    out[f][i] = v or ""
            out["b"][i], out["s1"][i], out["s2"][i], out["ok"][i] = str(named[1]), "-", "-", True
            out["cal"][i] = None if named[0] == "gregorian" else named[0]
    return out


def _num(col: Any) -> np.ndarray:
    """Integers from digit strings ("" -> -1)."""
    arr = pa.array(col, type=pa.large_string()) if isinstance(col, np.ndarray) else col
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return pc.cast(arr, pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False)


def _decode(f: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Numbers from the text fields: kind (1 year first, 2 year last), y, p, q, tod (us), off
    (minutes east of UTC or NaN); and the expected form for values that cannot be read."""
    a_len = pc.utf8_length(pa.array(f["a"], type=pa.large_string())).to_numpy(zero_copy_only=False)
    c_len = pc.utf8_length(pa.array(f["c"], type=pa.large_string())).to_numpy(zero_copy_only=False)
    ok = f["ok"] & (f["s1"] == f["s2"])
    first, last = ok & (a_len == 4) & (c_len <= 2), ok & (c_len == 4) & (a_len <= 2)
    a, b, c = _num(f["a"]), _num(f["b"]), _num(f["c"])
    h, mi, sec = _num(f["H"]), _num(f["M"]), np.maximum(_num(f["S"]), 0)
    frac = pc.utf8_rpad(pc.utf8_slice_codeunits(pa.array(f["f"], type=pa.large_string()), 0, 6), 6, "0")
    us = np.where(f["f"] == "", 0, _num(frac))
    ampm = f["ampm"] != ""
    bad_ampm = ampm & ((h < 1) | (h > 12))
    h = np.where(ampm, h % 12 + 12 * np.isin(f["ampm"], _PM), h)
    timed = h >= 0
    bad_time = timed & ((h > 23) | (mi > 59) | (sec > 59))
    tod = np.where(timed, ((h * 60 + mi) * 60 + sec) * 1_000_000 + us, 0)
    off = pa.array(f["off"], type=pa.large_string())
    off = pc.replace_substring(pc.replace_substring(off, "utc", "z"), ":", "")
    minutes = np.where(np.asarray(off.to_numpy(zero_copy_only=False)) == "z", 0.0, np.nan)
    signed = pc.utf8_length(off).to_numpy(zero_copy_only=False) == 5
    sign = np.where(np.asarray(pc.utf8_slice_codeunits(off, 0, 1).to_numpy(zero_copy_only=False)) == "-", -1, 1)
    hhmm = _num(pc.utf8_slice_codeunits(off, 1, 3)) * 60 + _num(pc.utf8_slice_codeunits(off, 3, 5))
    minutes[signed] = (sign * hhmm)[signed]
    expected = np.full(len(ok), None, dtype=object)
    expected[~ok] = _FORMATS
    expected[ok & ~first & ~last] = _YEAR_FIRST_OR_LAST
    expected[ok & bad_time] = "a time of day 00:00:00-23:59:59"
    expected[ok & bad_ampm & timed] = "an hour 1-12 with AM/PM"
    kind = np.where(first, 1, np.where(last, 2, 0))
    kind[expected != None] = 0  # noqa: E711 (elementwise)
    cols = {"kind": kind, "y": np.where(first, a, c), "p": np.where(first, b, a),
            "q": np.where(first, c, b), "tod": tod, "off": minutes, "cal": f["cal"],
            "persian": f["persian"]}  # fmt: skip
    return cols, expected


def _decide_calendar(t: dict[str, np.ndarray]) -> str | None:
    """The calendar of numeric 13xx/14xx dates in a column (see parse_dates Notes)."""
    band = (t["kind"] > 0) & (t["y"] >= 1300) & (t["y"] <= 1500)
    years = t["y"][band & pd.isna(t["cal"])]
    if not len(years):
        return None
    if years.max() < _AMBIGUOUS_BAND[0]:
        return "jalali"
    if years.min() > _AMBIGUOUS_BAND[1]:
        return "hijri"
    marked = {c for c in t["cal"][band] if c is not None}
    if not marked and t["persian"][t["kind"] > 0].any():
        marked = {"jalali"}
    if not marked:
        for kind, y, p, q in {tuple(r) for r in np.column_stack([t[k][band] for k in ("kind", "y", "p", "q")])}:
            m, d = (p, q) if kind == 1 else (q, p)
            ok = {cal for cal in ("jalali", "hijri") if _to_gregorian(cal, int(y), int(m), int(d)) is not None}
            marked |= ok if len(ok) == 1 else set()
    if len(marked) == 1:
        return marked.pop()
    raise CxError(describe(
        "Years 1400-1420 exist in both the Jalali (2021-2041) and the Hijri (1979-2000) "
        "calendars and the data do not say which one this column uses", parameter="calendar",
        received=f"'auto' with years {sorted(set(years.tolist()))[:5]}", expected="calendar='jalali' or 'hijri'"))  # fmt: skip


def _decide_dayfirst(p: np.ndarray, q: np.ndarray, dayfirst: bool | None) -> bool | None:
    """Day/month order of Gregorian dates written with the year last (p, q: first fields)."""
    if dayfirst is not None or not len(p):
        return dayfirst
    day_first, month_first = (p > 12) & (q <= 12), (q > 12) & (p <= 12)
    if day_first.any() and month_first.any():
        i, j = np.flatnonzero(day_first)[0], np.flatnonzero(month_first)[0]
        raise CxError(describe("Dates mix day-first and month-first order", parameter="dayfirst",
                               received=f"dates starting {p[i]}/{q[i]} and {p[j]}/{q[j]}",
                               expected="one order per column; split the column by source"))  # fmt: skip
    if day_first.any() or month_first.any():
        return bool(day_first.any())
    if (p == q).all():
        return None
    i = np.flatnonzero(p != q)[0]
    raise ParameterError(describe(
        "Day/month order cannot be told from the data (no day above 12)", parameter="dayfirst",
        received=f"None with dates like {p[i]:02d}/{q[i]:02d}/YYYY",
        expected="dayfirst=True (04/03/2025 = 4 March) or dayfirst=False (US: 3 April)"))  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)
def _to_gregorian(cal: str, y: int, m: int, d: int) -> dt.date | None:
    try:
        if cal == "jalali":
            return jdatetime.date(y, m, d).togregorian()
        g = Hijri(y, m, d).to_gregorian()
        return dt.date(g.year, g.month, g.day)
    except (ValueError, OverflowError):
        return None


def _gregorian_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """datetime64[D] of Gregorian dates, NaT where the date does not exist (vectorised)."""
    month = ((y - 1970) * 12 + (m - 1)).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    days = month.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    valid = (m >= 1) & (m <= 12) & (d >= 1) & (days.astype("datetime64[M]") == month)
    return np.where(valid, days, np.datetime64("NaT", "D"))


def _other_days(cal: np.ndarray, y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """datetime64[D] of Jalali/Hijri dates via jdatetime/hijridate, once per distinct date."""
    key = (cal == "hijri") * 10**8 + y * 10**4 + m * 100 + d
    inverse, uniq = pd.factorize(key)
    conv = [_to_gregorian("hijri" if k >= 10**8 else "jalali", int(k % 10**8 // 10**4),
                          int(k % 10**4 // 100), int(k % 100)) for k in uniq]  # fmt: skip
    return np.array([v if v is not None else "NaT" for v in conv], dtype="datetime64[D]")[inverse]


@renamed_parameters(tz="timezone")
def parse_dates(
    x: Any,
    *,
    calendar: str = "auto",
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    ambiguous: str = "report",
) -> ParsedDates:
    """Parse Gregorian, Jalali and Hijri date strings into tz-aware timestamps.

    Parameters
    ----------
    x : Series or scalar
        Date strings in ASCII, Arabic-Indic or Persian digits, e.g. ``"2025-03-04 10:22:13"``,
        ``"03/04/2025 10:22:13 AM"``, ``"3/4/2025 10:22:13"``, ``"4 March 2025"``,
        ``"1403/12/14"``, ``"۱۴۰۳-۱۲-۱۴ ۱۰:۲۲:۱۳"``, ``"۱۴ اسفند ۱۴۰۳"``, ``"١٤٤٦/٠٨/١٥ هـ"``,
        ``"15 شعبان 1446"``; Python/pandas datetimes are taken as they are.
    calendar : {"auto", "gregorian", "jalali", "hijri"}, default "auto"
        The calendar of the values; "auto" decides as described in Notes.
    timezone : str, default "UTC"
        IANA time zone of the wall-clock times (e.g. the ``timeZone`` of a Qualtrics ImportId
        row), as in :func:`cxanalytics.clean_responses`.  Values with an explicit offset
        (``Z``, ``+03:30``) are converted to it.  (Called ``tz`` before 0.2; the old name
        still works, with a ``FutureWarning``.)
    dayfirst : bool or None, default None
        Order of day and month in dates written with the year last.  None infers it from the
        column (a first field above 12 means day-first, a second field above 12 means
        month-first) and raises when the column does not tell.
    ambiguous : {"report", "earliest", "latest"}, default "report"
        Local times that occur twice when clocks fall back (e.g. 01:30 on the first Sunday of
        November in America/Denver): reported as :data:`AMBIGUOUS_TIME`, or read as the
        earlier (daylight-saving) or later (standard-time) instant.  Times skipped when clocks
        spring forward are always reported (:data:`NONEXISTENT_TIME`).

    Returns
    -------
    ParsedDates
        ``values`` (datetime64[us, tz], NaT where missing or unreadable) and ``report`` with
        one row per unreadable row: ``position``, ``index``, ``value``, ``reason``
        (:data:`UNPARSEABLE_DATE`, :data:`INVALID_DATE`, :data:`NONEXISTENT_TIME`,
        :data:`AMBIGUOUS_TIME`) and ``expected``.  Unpacks as ``(values, report)``.

    Raises
    ------
    ParameterError
        Unknown ``calendar``/``tz``, or ``dayfirst=None`` on a column whose order is unknowable.
    CxError
        A column that mixes day-first and month-first dates, or ``calendar="auto"`` on
        numeric dates whose calendar cannot be decided.

    Warns
    -----
    DataQualityWarning
        When some values could not be read (listed in ``report``).

    Notes
    -----
    With ``calendar="auto"``: years from 1600 are Gregorian; dates with a Persian or Hijri
    month name, or an era marker (``هـ``/``ه.ق`` Hijri, ``ه.ش`` Jalali) use that calendar;
    other dates with years 1300-1500 take one calendar per column:

    * all such years below 1400 -> Jalali (Hijri 1300-1399 is 1882-1979, mostly before the
      Umm al-Qura table starts in 1343 AH);
    * all above 1420 -> Hijri (Jalali 1421 is 2042, in the future);
    * otherwise (1400-1420 is 2021-2041 in Jalali but 1979-2000 in Hijri) the column must say
      which: month names or era markers in other rows, Persian digits (۰-۹, used in Iran and
      Afghanistan, where the Jalali calendar is official), or a date that exists in only one
      of the two calendars (e.g. day 31, which only Jalali months 1-6 have).  If nothing
      decides, a :class:`CxError` asks for ``calendar="jalali"`` or ``"hijri"``.

    Dates with the year last are day-first in the Jalali and Hijri calendars.  Two-digit
    years are never guessed.

    References
    ----------
    Institute of Geophysics, University of Tehran, Calendar Center (official Iranian calendar);
    King Abdulaziz City for Science and Technology, Umm al-Qura calendar.

    Examples
    --------
    >>> s = pd.Series(["۱۴۰۳/۰۱/۰۱", "1 فروردین 1403", "1403-12-30 10:22:13"])
    >>> values, report = parse_dates(s, timezone="Asia/Tehran")
    >>> [str(v) for v in values]
    ['2024-03-20 00:00:00+03:30', '2024-03-20 00:00:00+03:30', '2025-03-20 10:22:13+03:30']
    >>> parse_dates("03/04/2025 10:22:13 PM", dayfirst=False).values
    Timestamp('2025-03-04 22:22:13+0000', tz='UTC')
    """
    tz = timezone
    if calendar not in CALENDARS:
        raise ParameterError(describe("Unknown calendar", parameter="calendar", received=calendar,
                                      expected=f"one of {CALENDARS}"))  # fmt: skip
    if ambiguous not in ("report", "earliest", "latest"):
        raise ParameterError(describe("Unknown ambiguous-time rule", parameter="ambiguous",
                                      received=ambiguous, expected="'report', 'earliest' or 'latest'"))  # fmt: skip
    if dayfirst not in (None, True, False):
        raise ParameterError(describe("dayfirst must be True, False or None", parameter="dayfirst",
                                      received=dayfirst, expected="True, False or None"))  # fmt: skip
    try:
        pd.DatetimeIndex([], dtype="datetime64[us]").tz_localize(tz)
    except Exception:
        raise ParameterError(describe("Unknown time zone", parameter="timezone", received=tz,
                                      expected="an IANA name such as 'UTC' or 'Asia/Tehran'")) from None  # fmt: skip
    is_series = isinstance(x, pd.Series)
    series = x if is_series else pd.Series([x], dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    n, ulist = len(uniques), uniques.tolist()
    local = np.full(n, np.datetime64("NaT", "us"))
    off = np.full(n, np.nan)  # minutes east of UTC for values with an explicit offset
    reason = np.full(n, None, dtype=object)
    expected = np.full(n, None, dtype=object)
    used: set[str] = set()
    if pd.api.types.is_string_dtype(uniques.dtype) and uniques.dtype != object:
        is_str, when = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    else:
        is_str = np.array([isinstance(u, str) for u in ulist], dtype=bool)
        when = np.array([isinstance(u, dt.date | np.datetime64) for u in ulist], dtype=bool)
    for i in np.flatnonzero(when):  # datetimes are taken as they are
        ts = pd.Timestamp(ulist[i])
        off[i] = 0.0 if ts.tz is not None else np.nan
        local[i] = (ts.tz_convert("UTC").tz_localize(None) if ts.tz else ts).to_datetime64()
        used.add("gregorian")
    reason[~is_str & ~when], expected[~is_str & ~when] = UNPARSEABLE_DATE, _FORMATS
    rows = np.flatnonzero(is_str)
    if calendar in ("auto", "gregorian") and len(rows):  # fast path: ISO 8601, Gregorian
        text = pd.Series([ulist[i] for i in rows], dtype="str").str.strip()
        iso = text.str.fullmatch(_ISO).to_numpy(dtype=bool)
        fast = pd.to_datetime(text[iso], format="ISO8601", errors="coerce")
        keep = np.ones(len(rows), dtype=bool)
        keep[np.flatnonzero(iso)[fast.notna().to_numpy()]] = False
        local[rows[~keep]] = fast.dropna().to_numpy("datetime64[us]")
        used.update(["gregorian"] if not keep.all() else [])
        rows = rows[keep]
    t, exp = _decode(_fields([ulist[i] for i in rows]))
    reason[rows[exp != None]], expected[rows[exp != None]] = UNPARSEABLE_DATE, exp[exp != None]  # noqa: E711
    chosen = calendar if calendar != "auto" else _decide_calendar(t)
    y, p, q, kind = t["y"], t["p"], t["q"], t["kind"]
    if calendar != "auto":
        cal = np.where(kind > 0, calendar, None)
    else:
        cal = np.where(pd.notna(t["cal"]), t["cal"], np.where(y >= 1600, "gregorian", np.where(
            (y >= 1300) & (y <= 1500), chosen, None)))  # fmt: skip
        cal[kind == 0] = None
        out_of_range = (kind > 0) & pd.isna(cal)
        reason[rows[out_of_range]] = UNPARSEABLE_DATE
        expected[rows[out_of_range]] = "a year from 1600 (Gregorian) or 1300-1500 (Jalali/Hijri)"
    greg = cal == "gregorian"
    order = _decide_dayfirst(p[greg & (kind == 2)], q[greg & (kind == 2)], dayfirst)
    month_first = (kind == 1) | (greg & (kind == 2) & (order is False))
    m, d = np.where(month_first, p, q), np.where(month_first, q, p)
    days = np.full(len(y), np.datetime64("NaT", "D"))
    days[greg] = _gregorian_days(y[greg], m[greg], d[greg])
    other = np.isin(cal, ["jalali", "hijri"])
    if other.any():
        days[other] = _other_days(cal[other], y[other], m[other], d[other])
    for name in ("gregorian", "jalali", "hijri"):
        bad = (cal == name) & np.isnat(days)
        rng = " within the Umm al-Qura table (1343-1500 AH)" if name == "hijri" else ""
        reason[rows[bad]], expected[rows[bad]] = INVALID_DATE, f"a date that exists in the {name} calendar{rng}"
        used.update([name] if ((cal == name) & ~np.isnat(days)).any() else [])
    local[rows] = days.astype("datetime64[us]") + t["tod"].astype("timedelta64[us]")
    off[rows] = t["off"]
    has_off = ~np.isnan(off) & ~np.isnat(local)
    naive = np.where(has_off, np.datetime64("NaT", "us"), local)
    dst = {"report": "NaT", "earliest": np.ones(n, dtype=bool), "latest": np.zeros(n, dtype=bool)}
    loc = pd.DatetimeIndex(naive).tz_localize(tz, ambiguous=dst[ambiguous], nonexistent="NaT")
    gone = pd.DatetimeIndex(naive).tz_localize(tz, ambiguous=dst["earliest"], nonexistent="NaT").isna()
    lost = ~np.isnat(naive) & loc.isna()
    reason[lost & gone], expected[lost & gone] = NONEXISTENT_TIME, f"a local time that exists in {tz}"
    reason[lost & ~gone] = AMBIGUOUS_TIME
    expected[lost & ~gone] = f"an explicit UTC offset or ambiguous='earliest'/'latest' (the time occurs twice in {tz})"
    utc = np.where(has_off, local - np.nan_to_num(off).astype("timedelta64[m]"), np.datetime64("NaT", "us"))
    values_u = np.where(has_off, utc, loc.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]"))
    values_u[reason != None] = np.datetime64("NaT")  # noqa: E711
    full = np.append(values_u, np.datetime64("NaT", "us"))[codes].astype("datetime64[us]")
    values = pd.Series(pd.DatetimeIndex(full).tz_localize("UTC").tz_convert(tz), index=series.index,
                       name=series.name)  # fmt: skip
    report = _report(series, codes, ulist, reason, expected)
    if len(report):
        warnings.warn(describe(f"{len(report)} date value(s) could not be read and are NaT",
                               column=series.name, received=str(report["value"].iloc[0]),
                               expected=report["expected"].iloc[0]), DataQualityWarning, stacklevel=2)  # fmt: skip
    out = values if is_series else values.iloc[0]
    return ParsedDates(out, report, "+".join(sorted(used)) or calendar, order)


def _report(series: pd.Series, codes: np.ndarray, ulist: list[Any], reason: np.ndarray,
            expected: np.ndarray) -> pd.DataFrame:  # fmt: skip
    bad = np.append(reason != None, False)  # noqa: E711
    pos = np.flatnonzero(bad[codes])
    values = np.empty(len(ulist), dtype=object)
    values[:] = ulist
    return pd.DataFrame({"position": pos.astype(np.int64), "index": series.index[pos].to_numpy(dtype=object),
                         "value": values[codes[pos]], "reason": reason[codes[pos]],
                         "expected": expected[codes[pos]]})  # fmt: skip
