"""Missing-value codes declared per item, and the signs of undeclared ones (internal).

A codebook's ``missing_codes`` field lists, separated by ``;``, the answers of an item that
mean "no answer" rather than a score:

* a number: ``-99``;
* a number with its meaning: ``0 = not applicable`` (``:`` also separates);
* a range, as SPSS declares them: ``97 to 99``;
* a label alone: ``N/A`` (matched after :func:`cxanalytics.ingest.text.normalize_text`, letters and
  digits only, like the lexicon).

A number matches an answer written as that number in any digits (``"٠"``, ``"0.0"``) or as a
label that embeds it (``"0 - Not applicable"``, ``"99. Ns/Nc"``); the label of a numeric
code also matches the label written alone.

:func:`zero_apart` is the test shared by codebook inference and the reliability functions for
a ``0`` that sits below an otherwise 1-k battery (a "not applicable" coded 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CodebookError, describe
from .lexicon import DEFAULT_SENTINELS

#: Upper ends of the numeric scales on which a 0 below 1-k is looked for (a 0-10 scale is
#: common in its own right, so 0 is never suspected there).
ZERO_APART_TOPS = (5.0, 7.0)
#: Answers a battery item must have without a single 0 to count as evidence that 0 is not a
#: step of the scale.
ZERO_FREE_MIN_ANSWERS = 30


def _key(text: str) -> str:
    from ..ingest.text import normalize_text

    return "".join(ch for ch in normalize_text(text) if ch.isalnum())


def _number(text: str) -> float:
    from ..ingest.text import parse_number

    v = parse_number(text.strip())
    return float(v) if isinstance(v, int | float) and not math.isnan(v) else math.nan


def fmt_code(value: float) -> str:
    """A numeric code as text: ``0``, ``-99``, ``2.5``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class MissingCodes:
    """Parsed ``missing_codes``: numbers (with labels), ranges and label-only codes."""

    numbers: tuple[tuple[float, str | None], ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (matching key, label) of label-only codes

    def __bool__(self) -> bool:
        return bool(self.numbers or self.ranges or self.labels)

    def number_code(self, value: float) -> str | None:
        """The code text matching a number (``"0"``, ``"97 to 99"``), or None."""
        if math.isnan(value):
            return None
        for code, _ in self.numbers:
            if value == code:
                return fmt_code(code)
        for lo, hi in self.ranges:
            if lo <= value <= hi:
                return f"{fmt_code(lo)} to {fmt_code(hi)}"
        return None

    def label_code(self, key: str) -> str | None:
        """The code text matching a label key (a label-only code or a numeric code's label)."""
        if not key:
            return None
        for k, label in self.labels:
            if key == k:
                return label
        for code, label in self.numbers:
            if label is not None and key == _key(label):
                return fmt_code(code)
        return None

    def inside(self, lo: float, hi: float) -> list[str]:
        """Numeric codes (and ranges) that overlap the scale ``[lo, hi]``."""
        out = [fmt_code(c) for c, _ in self.numbers if lo <= c <= hi]
        out += [f"{fmt_code(a)} to {fmt_code(b)}" for a, b in self.ranges if a <= hi and b >= lo]
        return out

    def codes(self) -> list[float]:
        """The single numeric codes (not ranges)."""
        return [c for c, _ in self.numbers]


def parse_missing_codes(spec: object, *, where: str = "missing_codes") -> MissingCodes:
    """Parse a ``missing_codes`` field (blank -> no codes); :class:`CodebookError` if malformed.

    Examples
    --------
    >>> m = parse_missing_codes("0 = not applicable; -99; 97 to 98; N/A")
    >>> m.numbers, m.ranges, [lab for _, lab in m.labels]
    (((0.0, 'not applicable'), (-99.0, None)), ((97.0, 98.0),), ['N/A'])
    """
    if spec is None or (isinstance(spec, float) and math.isnan(spec)):
        return MissingCodes()
    numbers: list[tuple[float, str | None]] = []
    ranges: list[tuple[float, float]] = []
    labels: list[tuple[str, str]] = []
    for part in str(spec).split(";"):
        part = part.strip()
        if not part:
            continue
        head, sep, label = part, "", ""
        for s in ("=", ":"):
            if s in part:
                head, sep, label = part.partition(s)
                break
        head, label = head.strip(), label.strip()
        lo, to, hi = head.partition(" to ")
        if to and not sep:
            a, b = _number(lo), _number(hi)
            if math.isnan(a) or math.isnan(b) or a > b:
                raise CodebookError(describe("Malformed missing-code range", column=where, received=part,
                                             expected="'low to high' with numbers, e.g. '97 to 99'"))  # fmt: skip
            ranges.append((a, b))
            continue
        value = _number(head)
        if not math.isnan(value):
            numbers.append((value, label or None))
        elif sep:
            raise CodebookError(describe("A missing code before '=' must be a number", column=where,
                                         received=part, expected="'0 = not applicable', '-99' or a label alone"))  # fmt: skip
        elif _key(head):
            labels.append((_key(head), head))
        else:
            raise CodebookError(describe("Empty missing-code label", column=where, received=part,
                                         expected="a number, a range or a label"))  # fmt: skip
    return MissingCodes(tuple(numbers), tuple(ranges), tuple(labels))


def answer_numbers(values: Iterable[object]) -> tuple[np.ndarray, list[str | None]]:
    """Number of each answer (NaN when none) and the label it came with (``"99. Ns/Nc"``).

    Numbers written in any digits are read by :func:`cxanalytics.ingest.text.parse_number`; a
    number embedded in a label (``"0 - Not applicable"``, ``"Agree (4)"``) is used too.
    """
    from ..ingest.labels import _EMBEDDED
    from ..ingest.text import normalize_text, parse_number

    vals = list(values)
    nums = parse_number(pd.Series(vals, dtype=object)).to_numpy(dtype=float, copy=True) if vals else np.zeros(0)
    labels: list[str | None] = [None] * len(vals)
    for i, (v, n) in enumerate(zip(vals, nums, strict=True)):
        if not math.isnan(n) or not isinstance(v, str):
            continue
        norm = normalize_text(v)
        for pattern, group in zip(_EMBEDDED, (1, 2), strict=True):
            m = pattern.fullmatch(norm)
            if m is not None and m.group(3 - group):
                nums[i] = float(m.group(group))
                labels[i] = m.group(3 - group).strip()
                break
    return nums, labels


def match_codes(codes: MissingCodes, values: pd.Series) -> list[str | None]:
    """For each distinct raw answer, the declared code it matches (or None)."""
    if not codes:
        return [None] * len(values)
    nums, _ = answer_numbers(values.tolist())
    out: list[str | None] = []
    for v, n in zip(values.tolist(), nums, strict=True):
        hit = codes.number_code(float(n))
        if hit is None and isinstance(v, str):
            hit = codes.label_code(_key(v))
        out.append(hit)
    return out


def zero_apart(tables: Mapping[str, Mapping[float, int]], top: float) -> str | None:
    """Why 0 looks like a missing-value code under a 1-``top`` battery, or None.

    ``tables`` maps each item of a battery to the counts of its integer answers.  0 is
    suspected when the battery's scale ends at ``top`` (5 or 7: :data:`ZERO_APART_TOPS`),
    every answer lies in 0..top, some item has zeros, at least half of the items use both ends
    1 and ``top``, and either

    * another item answered at least :data:`ZERO_FREE_MIN_ANSWERS` times never uses 0 (the
      items disagree on whether 0 is a step of the scale), or
    * 0 is a lump apart from the body of the answers: over the items that use it, 0 is more
      frequent than 1 while the most frequent answer of 1..top is above 1.

    This is a heuristic: it proposes, it never decides (see the codebook notes).
    """
    if top not in ZERO_APART_TOPS or len(tables) < 2:
        return None
    steps = np.arange(0, int(top) + 1, dtype=float)
    counts = {}
    for name, t in tables.items():
        if any(v not in steps for v, n in t.items() if n > 0):
            return None
        counts[name] = np.array([t.get(v, 0) for v in steps], dtype=np.int64)
    with_zero = [n for n, c in counts.items() if c[0] > 0]
    if not with_zero:
        return None
    full = [n for n, c in counts.items() if c[1] > 0 and c[-1] > 0]
    if 2 * len(full) < len(counts):
        return None
    zero_free = [n for n, c in counts.items() if c[0] == 0 and c.sum() >= ZERO_FREE_MIN_ANSWERS]
    zeros = int(sum(counts[n][0] for n in with_zero))
    if zero_free:
        return (f"0 answered {zeros} times in {len(with_zero)} of {len(counts)} items while "
                f"{len(zero_free)} item(s) never use it")
    pooled = np.sum([counts[n] for n in with_zero], axis=0)
    if pooled[0] > pooled[1] and int(np.argmax(pooled[1:])) > 0:
        return (f"0 answered {zeros} times, more often than 1 ({int(pooled[1])}), apart from the "
                f"answers 1-{fmt_code(top)} that peak at {int(np.argmax(pooled[1:])) + 1}")
    return None


def sentinels_apart(values: Mapping[float, int], lo: float, hi: float) -> dict[float, int]:
    """Typical missing-value codes (:data:`DEFAULT_SENTINELS`) found outside ``[lo, hi]``."""
    return {v: n for v, n in values.items() if n > 0 and v in DEFAULT_SENTINELS and not lo <= v <= hi}
