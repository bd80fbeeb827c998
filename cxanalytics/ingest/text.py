"""Unicode normalisation, numbers and the answer-label lexicon (English, Arabic, Persian).

Survey exports written in Arabic or Persian mix digit systems (ASCII, Arabic-Indic
U+0660-U+0669, Extended Arabic-Indic/Persian U+06F0-U+06F9), invisible bidirectional
marks, zero-width joiners and letter variants that look alike but compare unequal.  This
module turns such text into numbers and scale scores, and says *why* whenever it cannot:
nothing is guessed.  Every function accepts a scalar or a pandas Series; on a Series it
works on the distinct values only (exports hold few distinct labels).

Reason codes (module constants) explain every missing result: :data:`MISSING`,
:data:`NON_SUBSTANTIVE`, :data:`SENTINEL`, :data:`DECLARED_MISSING`, :data:`UNKNOWN_LABEL`, :data:`OUT_OF_RANGE`,
:data:`NOT_ON_SCALE`, :data:`LABEL_NUMBER_CONFLICT`, :data:`NOT_A_NUMBER`,
:data:`AMBIGUOUS_SEPARATOR`.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from .._core.lexicon import DEFAULT_SENTINELS, LEXICON, NON_SUBSTANTIVE_LABELS, SCALES, LexiconRow
from ..errors import DataQualityWarning, ParameterError, ScaleRangeError, describe

__all__ = [
    "MISSING", "NON_SUBSTANTIVE", "SENTINEL", "DECLARED_MISSING", "UNKNOWN_LABEL", "OUT_OF_RANGE", "NOT_ON_SCALE",
    "LABEL_NUMBER_CONFLICT", "NOT_A_NUMBER", "AMBIGUOUS_SEPARATOR", "REASON_CODES",
    "SCALES", "LEXICON", "NON_SUBSTANTIVE_LABELS", "DEFAULT_SENTINELS", "LexiconRow",
    "normalize_digits", "strip_marks", "normalize_text", "parse_number", "lexicon",
    "recode_labels", "RecodeResult",
]  # fmt: skip

MISSING = "missing"  #: blank cell, None or NaN
NON_SUBSTANTIVE = "non_substantive"  #: "Don't know", "N/A", "Prefer not to say", ...
SENTINEL = "sentinel"  #: a numeric missing-value code such as -99, outside the scale
DECLARED_MISSING = "declared_missing"  #: a missing-value code the codebook declares (``missing_codes``)
UNKNOWN_LABEL = "unknown_label"  #: text the lexicon does not know: reported, never guessed
OUT_OF_RANGE = "out_of_range"  #: a number outside the scale that is not a sentinel
NOT_ON_SCALE = "not_on_scale"  #: a non-integer number inside the scale range (e.g. 3.5)
LABEL_NUMBER_CONFLICT = "label_number_conflict"  #: "1 - Strongly agree" on a 1-5 agree scale
NOT_A_NUMBER = "not_a_number"  #: text that is not a number
AMBIGUOUS_SEPARATOR = "ambiguous_separator"  #: "1,234": thousands or decimal comma?
REASON_CODES = (MISSING, NON_SUBSTANTIVE, SENTINEL, DECLARED_MISSING, UNKNOWN_LABEL, OUT_OF_RANGE, NOT_ON_SCALE,
                LABEL_NUMBER_CONFLICT, NOT_A_NUMBER, AMBIGUOUS_SEPARATOR)  # fmt: skip

# ----------------------------------------------------------------------------- characters
_DIGITS = {0x0660 + i: 0x30 + i for i in range(10)} | {0x06F0 + i: 0x30 + i for i in range(10)}
# Invisible format characters: bidi marks (LRM U+200E, RLM U+200F, ALM U+061C), embeddings and
# overrides (U+202A-U+202E), isolates (U+2066-U+2069), ZWSP/ZWNJ/ZWJ (U+200B-U+200D), word
# joiner (U+2060), BOM (U+FEFF) and soft hyphen (U+00AD).
_MARKS = [0x061C, 0x00AD, 0x2060, 0xFEFF, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
          *range(0x2066, 0x206A)]  # fmt: skip
_SPACES = [0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
_MARK_TABLE = dict.fromkeys(_MARKS)
_NUMBER_TABLE = _DIGITS | _MARK_TABLE | dict.fromkeys(_SPACES, 0x20)
_MINUS = "-\u2212\u2010\u2011\u2012\u2013\ufe63\uff0d"  # hyphen-minus, MINUS SIGN, dashes
_QUOTES = "\"'`\u00b4\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a"
# Arabic combining marks (harakat U+064B-U+065F, superscript alef U+0670, Quranic signs) and
# tatweel U+0640 are removed for matching; letter variants are unified.
_ARABIC_MARKS = [c for c in range(0x0610, 0x06EE) if unicodedata.category(chr(c)) == "Mn"]
_LETTERS = {"\u06cc": "\u064a", "\u0649": "\u064a", "\u06a9": "\u0643", "\u0629": "\u0647",
            "\u06c0": "\u0647", "\u06d5": "\u0647", "\u0623": "\u0627", "\u0625": "\u0627",
            "\u0622": "\u0627", "\u0671": "\u0627", "\u2019": "'", "\u2018": "'", "\u02bc": "'"}  # fmt: skip
_TEXT_TABLE = (_NUMBER_TABLE | dict.fromkeys(_ARABIC_MARKS) | {0x0640: None}
               | {ord(k): v for k, v in _LETTERS.items()})  # fmt: skip
_WS = re.compile(r"\s+")


def _is_missing(x: Any) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def _map_unique(x: Any, func: Callable[[Any], Any]) -> tuple[list[Any], np.ndarray] | None:
    """For a Series: ``func`` applied to each distinct non-missing value, and the codes."""
    if not isinstance(x, pd.Series):
        return None
    codes, uniques = pd.factorize(x, use_na_sentinel=True)
    return [func(u) for u in uniques], codes


def _series_like(x: pd.Series, values: list[Any], codes: np.ndarray, fill: Any, dtype: Any) -> pd.Series:
    arr = np.empty(len(values) + 1, dtype=object)
    arr[:-1] = values
    arr[-1] = fill
    return pd.Series(arr[codes], index=x.index, name=x.name, dtype=dtype)


def _text_map(x: Any, func: Callable[[str], str]) -> Any:
    mapped = _map_unique(x, lambda u: func(u) if isinstance(u, str) else u)
    if mapped is None:
        return func(x) if isinstance(x, str) else x
    dtype = x.dtype if pd.api.types.is_string_dtype(x.dtype) else object
    return _series_like(x, *mapped, fill=None if dtype is object else np.nan, dtype=dtype)


def normalize_digits(x: Any) -> Any:
    """Replace Arabic-Indic (U+0660-U+0669) and Persian (U+06F0-U+06F9) digits by ASCII digits.

    Parameters
    ----------
    x : str, Series or any scalar
        Non-string values (numbers, missing values) are returned unchanged.

    Returns
    -------
    str or Series
        The same text with only the digits changed (idempotent).

    Examples
    --------
    >>> normalize_digits("\u0661\u0664\u0660\u0663/\u06f1\u06f2/\u06f1\u06f4")
    '1403/12/14'
    """
    return _text_map(x, lambda s: s.translate(_DIGITS))


def strip_marks(x: Any) -> Any:
    """Remove invisible bidi marks (LRM, RLM, ALM), ZWNJ/ZWJ, isolates, BOM and soft hyphens.

    Examples
    --------
    >>> strip_marks("\u200f12\u200c3\u200e")
    '123'
    """
    return _text_map(x, lambda s: s.translate(_MARK_TABLE))


def _normalize_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).translate(_TEXT_TABLE).casefold()
    return _WS.sub(" ", s).strip().strip(_QUOTES).strip()


def normalize_text(x: Any) -> Any:
    """Normalise answer text for matching labels across spellings, scripts and keyboards.

    Applies NFKC, removes invisible marks, ZWNJ/ZWJ, tatweel (U+0640) and Arabic diacritics
    (harakat U+064B-U+065F, U+0670), unifies yeh (ی U+06CC, ى U+0649 -> ي U+064A), kaf
    (ک U+06A9 -> ك U+0643), teh marbuta and heh-with-yeh (ة U+0629, ۀ U+06C0 -> ه U+0647) and
    alef forms (أ إ آ ٱ -> ا), converts digits to ASCII, casefolds, collapses whitespace and strips
    surrounding quotes.  The result is for comparison, not for display.

    Examples
    --------
    >>> normalize_text('  "Strongly   AGREE" ') == normalize_text("strongly agree")
    True
    >>> normalize_text("نمی‌دانم") == normalize_text("نميدانم")
    True
    >>> normalize_text("کاملاً راضی") == normalize_text("كاملا راضي")
    True
    """
    return _text_map(x, _normalize_text)


# ----------------------------------------------------------------------------- numbers
_PLAIN = re.compile(r"(\d+)(?:\.(\d*))?|\.(\d+)")
_EXPONENT = re.compile(r"(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_GROUPED_COMMA = re.compile(r"\d{1,3},\d{3}")


def _grouped(int_part: str, seps: str) -> str | None:
    """Digits of an integer part written with thousands separators, or None if malformed."""
    groups = re.split("[" + re.escape(seps) + "]", int_part)
    if len(groups) > 1 and (
        not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:])
    ):
        return None
    digits = "".join(groups)
    return digits if digits.isdigit() else None


def _number(s: str, decimal_comma: bool | None) -> tuple[float, str | None]:
    s = unicodedata.normalize("NFKC", s.translate(_NUMBER_TABLE)).strip().strip(_QUOTES).strip()
    if not s:
        return math.nan, MISSING
    sign = ""
    if s[0] in _MINUS or s[0] in "+\uff0b":
        sign = "-" if s[0] in _MINUS else ""
        s = s[1:].lstrip()
    if _EXPONENT.fullmatch(s):
        return float(sign + s), None
    s = s.replace("\u060c", ",")  # Arabic comma behaves like ","
    group = "\u066c "
    if "\u066b" in s:  # ARABIC DECIMAL SEPARATOR
        if "." in s:
            return math.nan, NOT_A_NUMBER
        decimal, group = "\u066b", group + ","
    elif "." in s and "," in s:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        group += "," if decimal == "." else "."
    elif "." in s:
        decimal = "." if s.count(".") == 1 else ""
        group += "." if not decimal else ""
    elif "," in s:
        if s.count(",") > 1 or decimal_comma is False:
            decimal, group = "", group + ","
        elif decimal_comma is None and not any(c in s for c in group) and _GROUPED_COMMA.fullmatch(s):
            return math.nan, AMBIGUOUS_SEPARATOR
        else:
            decimal = ","
    else:
        decimal = ""
    int_part, _, frac = s.partition(decimal) if decimal and s.count(decimal) == 1 else (s, "", "")
    if decimal and s.count(decimal) != 1:
        return math.nan, NOT_A_NUMBER
    digits = _grouped(int_part, group) if int_part else ""
    if digits is None or (frac and not frac.isdigit()) or not (digits or frac):
        return math.nan, NOT_A_NUMBER
    return float(f"{sign}{digits or '0'}.{frac or '0'}"), None


def _number_any(x: Any, decimal_comma: bool | None) -> tuple[float, str | None]:
    if _is_missing(x):
        return math.nan, MISSING
    if isinstance(x, str):
        return _number(x, decimal_comma)
    if isinstance(x, Real) and not isinstance(x, bool | np.bool_):
        return float(x), None
    return math.nan, NOT_A_NUMBER


def parse_number(x: Any, *, decimal_comma: bool | None = None, return_reason: bool = False) -> Any:
    """Parse numbers written with any digits, separators, marks and minus signs.

    Handles Arabic-Indic and Persian digits, the Arabic decimal separator ٫ (U+066B) and
    thousands separator ٬ (U+066C), the Arabic/Persian comma ، (U+060C, treated like ","),
    bidi marks (U+200E, U+200F, U+061C) and ZWNJ/ZWJ anywhere, NBSP/thin/narrow spaces as
    thousands separators, surrounding quotes and whitespace, and a leading minus in its
    Unicode forms (U+2212 MINUS SIGN, U+2010-U+2013 dashes, U+FE63, U+FF0D).

    Parameters
    ----------
    x : str, number or Series
    decimal_comma : bool or None, default None
        Whether a single comma is a decimal separator.  ``None`` decides from the text:
        ``"1,5"`` is 1.5 and ``"1,234,567"`` is 1234567, but ``"1,234"`` is ambiguous and is
        reported as :data:`AMBIGUOUS_SEPARATOR` rather than guessed.
    return_reason : bool, default False
        Also return why a value is NaN (a reason code, or None where parsing succeeded).

    Returns
    -------
    float or Series of float64, or a (values, reasons) pair when ``return_reason`` is True
        NaN where the input is missing (:data:`MISSING`) or not a number
        (:data:`NOT_A_NUMBER`, :data:`AMBIGUOUS_SEPARATOR`).

    Notes
    -----
    Rules: ``٫`` is always decimal and ``٬`` always groups; when both ``.`` and ``,`` occur the
    later one is the decimal separator; a single ``.`` is decimal; thousands groups must be
    well formed (1-3 digits, then groups of exactly 3).  Words such as ``inf``, ``nan`` or
    percentages are not numbers.

    Examples
    --------
    >>> parse_number("\u200f\u2212\u0661\u066c\u0662\u0663\u0664\u066b\u0665")
    -1234.5
    >>> parse_number("۱۲\u200c۳")
    123.0
    >>> parse_number("1,234", return_reason=True)
    (nan, 'ambiguous_separator')
    """
    mapped = _map_unique(x, lambda u: _number_any(u, decimal_comma))
    if mapped is None:
        value, reason = _number_any(x, decimal_comma)
        return (value, reason) if return_reason else value
    pairs, codes = mapped
    values = _series_like(x, [p[0] for p in pairs], codes, np.nan, "float64")
    if not return_reason:
        return values
    return values, _series_like(x, [p[1] for p in pairs], codes, MISSING, object)


# ----------------------------------------------------------------------------- lexicon
_QUALIFIERS = ("somewhat", "slightly", "moderately", "tend to", "إلى حد ما", "تا حدودی", "تا حدی", "نسبتاً", "کمی")


def _key(s: str) -> str:
    return "".join(ch for ch in _normalize_text(s) if ch.isalnum())


def lexicon(scale: str | None = None) -> pd.DataFrame:
    """List the lexicon: one row per label variant.

    Returns
    -------
    DataFrame
        ``scale``, ``language``, ``score`` (NaN for non-substantive answers), ``kind``
        (``"score"`` or the non-substantive kind), ``label`` and ``key`` (the matching key).

    Examples
    --------
    >>> t = lexicon("satisfaction5")
    >>> sorted(t["language"].unique())
    ['ar', 'en', 'fa']
    """
    rows = [(r.scale, r.language, float(r.score), "score", lab)
            for r in LEXICON if scale in (None, r.scale) for lab in r.labels.split("|")]  # fmt: skip
    rows += [("*", lang, np.nan, kind, lab) for kind, by in NON_SUBSTANTIVE_LABELS.items()
             for lang, labels in by.items() for lab in labels.split("|")]  # fmt: skip
    out = pd.DataFrame(rows, columns=["scale", "language", "score", "kind", "label"])
    return out.assign(key=out["label"].map(_key))


def _index() -> tuple[dict[str, dict[str, tuple[int, str, bool]]], dict[str, str]]:
    qual = tuple(_key(q) for q in _QUALIFIERS)
    scales: dict[str, dict[str, tuple[int, str, bool]]] = {name: {} for name in SCALES}
    for r in LEXICON:
        for lab in r.labels.split("|"):
            k = _key(lab)
            old = scales[r.scale].get(k)
            if old is not None and old[0] != r.score:
                raise RuntimeError(f"lexicon: {lab!r} has two scores on {r.scale}")
            scales[r.scale][k] = (r.score, r.language, any(q in k for q in qual))
    missing = {_key(lab): kind for kind, by in NON_SUBSTANTIVE_LABELS.items()
               for labels in by.values() for lab in labels.split("|")}  # fmt: skip
    return scales, missing


_SCALE_INDEX, _NS_INDEX = _index()
_EMBEDDED = (re.compile(r"[(\[]?\s*(-?\d+)\s*[)\]]?\s*[-\u2013\u2014=:.|]?\s*(\D.*)?"),
             re.compile(r"(\D.*?)\s*[(\[]\s*(-?\d+)\s*[)\]]"))  # fmt: skip


@dataclass(frozen=True)
class RecodeResult:
    """Scores recoded from answer labels, with the reasons and a per-value report.

    Unpacks as ``scores, report = recode_labels(...)``.

    Attributes
    ----------
    scores : Series of float64 (or a float for a scalar input)
    reasons : Series of reason codes (None where scored), or a str/None for a scalar
    report : DataFrame
        One row per distinct value: ``value``, ``count``, ``score``, ``reason``, ``detail``
        (matched lexicon key, non-substantive kind) and ``matched_by`` (``lexicon``,
        ``number``, ``number_and_label``, ``embedded_number``).
    scale, scale_min, scale_max : the scale used
    """

    scores: Any
    reasons: Any
    report: pd.DataFrame
    scale: str
    scale_min: float
    scale_max: float

    def __iter__(self) -> Iterator[Any]:
        return iter((self.scores, self.report))

    @property
    def unknown(self) -> pd.DataFrame:
        """The labels the lexicon did not know (``value``, ``count``)."""
        return self.report.loc[self.report["reason"] == UNKNOWN_LABEL, ["value", "count"]]

    def summary(self) -> pd.DataFrame:
        """Counts by outcome: ``reason`` ("scored" for recoded values), ``n_values``, ``n``."""
        r = self.report.assign(reason=self.report["reason"].fillna("scored"))
        g = r.groupby("reason", sort=True)
        return pd.DataFrame({"n_values": g.size(), "n": g["count"].sum()}).reset_index()

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False)


def _check_scale(scale: Any) -> tuple[str, float, float]:
    if isinstance(scale, str) and scale in SCALES:
        lo, hi = SCALES[scale]
        return scale, lo, hi
    if (isinstance(scale, tuple) and len(scale) == 2 and all(isinstance(v, Real) for v in scale)
            and scale[0] < scale[1]):  # fmt: skip
        return f"{scale[0]:g}-{scale[1]:g}", float(scale[0]), float(scale[1])
    raise ParameterError(describe("Unknown scale", parameter="scale", received=scale,
                                  expected=f"one of {sorted(SCALES)} or a (min, max) tuple"))  # fmt: skip


def _score_number(v: float, lo: float, hi: float, sentinels: frozenset[float]) -> tuple[float, str | None]:
    if lo <= v <= hi:
        return (v, None) if v == int(v) else (math.nan, NOT_ON_SCALE)
    return math.nan, SENTINEL if v in sentinels else OUT_OF_RANGE


def _recode_one(value: Any, name: str, lo: float, hi: float, sentinels: frozenset[float]) -> tuple:
    """(score, reason, detail, matched_by, language, qualified) for one distinct value."""
    number, why = _number_any(value, None)
    if why is None:
        return (*_score_number(number, lo, hi, sentinels), None, "number", None, False)
    if why == MISSING or not isinstance(value, str):
        return math.nan, why, None, None, None, False
    index = _SCALE_INDEX.get(name, {})
    norm = _normalize_text(value)
    key = "".join(ch for ch in norm if ch.isalnum())
    if key in _NS_INDEX:
        return math.nan, NON_SUBSTANTIVE, _NS_INDEX[key], "lexicon", None, False
    if key in index:
        score, lang, qualified = index[key]
        return float(score), None, key, "lexicon", lang, qualified
    for pattern, num_group in zip(_EMBEDDED, (1, 2), strict=True):
        m = pattern.fullmatch(norm)
        if m is None:
            continue
        n, text = float(m.group(num_group)), m.group(3 - num_group) or ""
        tkey = "".join(ch for ch in text if ch.isalnum())
        if tkey in _NS_INDEX:
            return math.nan, NON_SUBSTANTIVE, _NS_INDEX[tkey], "lexicon", None, False
        score, reason = _score_number(n, lo, hi, sentinels)
        if tkey in index:
            if reason is None and index[tkey][0] != n:
                return math.nan, LABEL_NUMBER_CONFLICT, tkey, "number_and_label", None, False
            return score, reason, tkey, "number_and_label", index[tkey][1], index[tkey][2]
        return score, reason, None, "embedded_number" if tkey else "number", None, False
    return math.nan, UNKNOWN_LABEL, None, None, None, False


def recode_labels(
    x: Any, *, scale: str | tuple[float, float], sentinels: Any = DEFAULT_SENTINELS
) -> RecodeResult:
    """Recode answer labels (English, Arabic, Persian) or numbers to scores on a scale.

    Parameters
    ----------
    x : Series or scalar
        Text labels ("Somewhat satisfied", "٥ - راضٍ جدًا", "(4) Agree", "کاملاً موافقم"),
        numbers, or numbers written as text in any digits.
    scale : str or (min, max)
        A named scale of :data:`SCALES` uses the lexicon (:func:`lexicon`): ``"agree5"``,
        ``"agree7"``, ``"satisfaction5"``, ``"nps"``, ``"extent5"`` ("Not at all" ... "A great
        deal"), ``"likely5"``, ``"definitely5"`` ("Definitely not" ... "Definitely yes"),
        ``"frequency5"`` (never, rarely, sometimes, often, always) and ``"frequency5_half"``
        (never, sometimes, about half the time, most of the time, always), each scored so that
        the positive end is high; a tuple accepts numbers (and numbers embedded in labels) only.
    sentinels : iterable of numbers, default :data:`DEFAULT_SENTINELS`
        Missing-value codes (-99, -98, -97, -9, -8, 98, 99, 999).  A sentinel is treated as
        missing only when outside the scale; inside it, it is a score.

    Returns
    -------
    RecodeResult
        ``scores`` (float64, NaN where not scored), ``reasons`` (reason code per row, None
        where scored) and ``report`` (one row per distinct value).  Unpacks as
        ``(scores, report)``.

    Raises
    ------
    ParameterError
        Unknown ``scale`` or non-numeric ``sentinels``.
    ScaleRangeError
        On a 5-point scale, the data hold both a qualified label ("Somewhat agree") and an
        unqualified one ("Agree") with the same score: the column is a 7-point scale.

    Warns
    -----
    DataQualityWarning
        When some labels are unknown to the lexicon (they are NaN with reason
        :data:`UNKNOWN_LABEL`; add them to the lexicon or recode them explicitly).

    Notes
    -----
    Matching uses :func:`normalize_text` and then ignores every character that is not a letter
    or digit, so "Don't know", "dont know" and "DON’T KNOW" match, as do Persian labels
    written with ZWNJ, a space or nothing ("نمی‌دانم", "نمیدانم").  A number embedded in a
    label ("5 - Very satisfied", "Agree (4)") is the platform's code: it is used when the
    text agrees with the lexicon or is not in it, and reported as
    :data:`LABEL_NUMBER_CONFLICT` when the text says otherwise.  Non-substantive answers
    ("N/A", "Don't know", "Prefer not to say", "لا أعرف", "نمی‌دانم", "مورد ندارد") become
    missing with reason :data:`NON_SUBSTANTIVE`, never 0.

    Examples
    --------
    >>> s = pd.Series(["Extremely satisfied", "5 - Very satisfied", "راضٍ", "نمی‌دانم", "-99", "meh"])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = recode_labels(s, scale="satisfaction5")
    >>> res.scores.tolist()
    [5.0, 5.0, 4.0, nan, nan, nan]
    >>> res.reasons.tolist()
    [None, None, None, 'non_substantive', 'sentinel', 'unknown_label']
    """
    name, lo, hi = _check_scale(scale)
    try:
        sent = frozenset(float(v) for v in sentinels)
    except (TypeError, ValueError):
        raise ParameterError(describe("sentinels must be numbers", parameter="sentinels",
                                      received=sentinels, expected="an iterable of numbers")) from None  # fmt: skip
    is_series = isinstance(x, pd.Series)
    series = x if is_series else pd.Series([x], dtype=object)
    pairs, codes = _map_unique(series, lambda u: _recode_one(u, name, lo, hi, sent))  # type: ignore[misc]
    scores = _series_like(series, [p[0] for p in pairs], codes, np.nan, "float64")
    reasons = _series_like(series, [p[1] for p in pairs], codes, MISSING, object)
    counts = np.bincount(codes[codes >= 0], minlength=len(pairs))
    cols = ["score", "reason", "detail", "matched_by"]
    rep = pd.DataFrame([p[:4] for p in pairs], columns=cols).astype({"score": "float64"})
    rep.insert(0, "count", counts)
    rep.insert(0, "value", pd.Series(pd.factorize(series)[1], dtype=object))
    if (codes < 0).any():
        row = pd.DataFrame([[None, int((codes < 0).sum()), np.nan, MISSING, None, None]],
                           columns=["value", "count", *cols])  # fmt: skip
        rep = pd.concat([rep, row], ignore_index=True) if len(rep) else row
    rep = rep.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)
    _check_seven_point(pairs, name, hi - lo + 1)
    unknown = rep.loc[rep["reason"] == UNKNOWN_LABEL]
    if len(unknown):
        shown = ", ".join(f"{v!r} ({c})" for v, c in zip(unknown["value"][:5], unknown["count"][:5], strict=True))
        warnings.warn(describe(f"{len(unknown)} answer label(s) not in the lexicon for scale {name!r} "
                               "were left missing (reason 'unknown_label')", column=series.name,
                               received=shown, expected="labels listed by cxanalytics.text.lexicon()"),
                      DataQualityWarning, stacklevel=2)  # fmt: skip
    if not is_series:
        return RecodeResult(float(scores.iloc[0]), reasons.iloc[0], rep, name, lo, hi)
    return RecodeResult(scores, reasons, rep, name, lo, hi)


def _check_seven_point(pairs: list[tuple], name: str, points: float) -> None:
    if points != 5:
        return
    seen: dict[tuple[Any, Any], set[bool]] = {}
    for score, _, _, _, lang, qualified in pairs:
        if lang is not None:
            seen.setdefault((lang, score), set()).add(qualified)
    clash = [k for k, v in seen.items() if len(v) == 2]
    if clash:
        raise ScaleRangeError(describe(
            "Both a qualified label ('somewhat ...') and an unqualified one share a score: the "
            "answers look like a 7-point scale", parameter="scale", received=name,
            expected="a 7-point scale (scale='agree7') or an explicit recode"))  # fmt: skip
