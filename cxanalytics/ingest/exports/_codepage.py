"""Which single-byte code page a text that is not UTF-8 was written in (internal).

cp1256 (Arabic Windows), Mac Roman or cp1252 (Western Windows), from the evidence of the
bytes themselves; the rules are listed in :mod:`._encoding` (step 5) and each verdict
comes with the evidence it rests on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NEAR = r"A-Za-z\u00c0-\u024f\u0600-\u06ff"  # Latin letters, or more Arabic (keeps runs maximal)
_ARABIC_RUN = re.compile(rf"(?<![{_NEAR}])[\u0600-\u06ff]+(?![{_NEAR}])")
UNDEFINED_IN_CP1252 = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_TOUCHING = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z])")
_WORDS_SAMPLE = 1 << 20  # characters read for the Mac Roman / cp1252 evidence
_MARGIN, _RATIO = 2, 1.5


def _n_nonascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", errors="ignore"))


def arabic_share(text: str) -> float:
    """Share of the non-ASCII characters that are Arabic letters in runs not touching Latin ones."""
    nonascii = _n_nonascii(text)
    arabic = len(text) - len(_ARABIC_RUN.sub("", text))
    return arabic / nonascii if nonascii else 0.0


def _plausible(ch: str, before: str, after: str) -> bool:
    if ch.isalpha():
        name = unicodedata.name(ch, "")
        if not name.startswith("LATIN") or ch >= "\ufb00" or ch == "\u0192":  # ﬁ ﬂ; ƒ: the florin sign
            return False
        return ch.islower() or not before.islower()
    if ch in "\u2019\u2013\u2014\u2122\u2022":  # ’ – — ™ •
        return True
    if ch in "\u2018\u201c\u00bf\u00a1":  # ‘ “ ¿ ¡ open a word
        return after.isalpha()
    if ch == "\u201d":  # ” closes one
        return before.isalpha()
    return False


def word_evidence(text: str) -> int:
    """Non-ASCII characters touching an ASCII letter that read as a plausible part of a word.

    Plausible: a Latin letter that is lower-case, or upper-case and not preceded by a
    lower-case letter; ’ – — ™ •; ‘ “ ¿ ¡ before a letter; ” after one.  Other symbols
    (‡ ˆ ‰ ƒ ÷), non-Latin letters, the typographic ligatures ﬁ ﬂ and capitals inside a lower-case word are not.

    Examples
    --------
    >>> word_evidence("caf\u00e9 d\u00e9j\u00e0"), word_evidence("caf\u017d d\u017dj\u02c6")
    (3, 0)
    """
    n = 0
    for m in _TOUCHING.finditer(text):
        i = m.start()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        n += _plausible(m.group(), before, after)
    return n


def code_page(sample: bytes, *, undefined: Iterable[bytes] = (), cr_only: bool = False) -> tuple[str, str]:
    """``(codec, evidence)`` for bytes that are not UTF-8: cp1256, mac_roman or cp1252.

    ``undefined`` lists the bytes undefined in cp1252 found in the whole file (the sample may
    be only its start); ``cr_only`` says whether its lines end in a carriage return alone.
    """
    seen = set(undefined)
    undefined = [b.hex() for b in UNDEFINED_IN_CP1252 if b in seen]
    bytes_note = f"bytes undefined in cp1252 present (0x{', 0x'.join(undefined)})" if undefined else ""
    text = sample.decode("cp1256")
    share = arabic_share(text)
    del text
    if share >= 0.5:
        return "cp1256", (f"not UTF-8; {share:.0%} of non-ASCII characters are Arabic letters when "
                          "decoded as cp1256 (threshold 50%)" + (f"; {bytes_note}" if bytes_note else ""))
    words = sample[: _WORDS_SAMPLE]
    mac = word_evidence(words.decode("mac_roman"))
    win = word_evidence(words.decode("cp1252", errors="replace"))
    told = (f"{mac} non-ASCII characters read as parts of words in Mac Roman, {win} in cp1252 "
            f"(Mac Roman needs {_MARGIN} more and {_RATIO}x)")
    if mac >= win + _MARGIN and mac >= _RATIO * win:
        return "mac_roman", f"not UTF-8; {told}"
    if undefined:
        return "cp1256", (f"not UTF-8; {bytes_note}; {share:.0%} of non-ASCII characters are Arabic "
                          f"letters in cp1256; {told}")
    decisive = win >= mac + _MARGIN and win >= _RATIO * mac
    if cr_only and not decisive:
        return "mac_roman", (f"not UTF-8; lines end in a carriage return only (classic Mac OS), and "
                             f"the letters do not decide: {told}")
    return "cp1252", (f"not UTF-8; only {share:.0%} of non-ASCII characters would be Arabic letters "
                      f"in cp1256 (threshold 50%) and {told}, so Western European cp1252")
