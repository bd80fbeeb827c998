"""Answer labels recoded to scale scores with the lexicon (English, Arabic, Persian); nothing is guessed.

The characters and numbers these functions match are normalised by :mod:`cxanalytics.ingest.text`,
which also defines the reason codes.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from .._core.lexicon import DEFAULT_SENTINELS, LEXICON, NON_SUBSTANTIVE_LABELS, SCALES
from ..errors import DataQualityWarning, ParameterError, ScaleRangeError, describe
from .text import (
    LABEL_NUMBER_CONFLICT,
    MISSING,
    NON_SUBSTANTIVE,
    NOT_ON_SCALE,
    OUT_OF_RANGE,
    SENTINEL,
    UNKNOWN_LABEL,
    _map_unique,
    _normalize_text,
    _number_any,
    _series_like,
)

__all__ = ["lexicon", "recode_labels", "RecodeResult"]


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
                               received=shown, expected="labels listed by cxanalytics.ingest.labels.lexicon()"),
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
