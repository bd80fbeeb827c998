"""Array helpers for whole-column text work: one pass over many comments joined by NUL.

A column of comments is joined into one string with NUL (``"\\x00"``) between comments, worked
on by C-level passes (``str`` methods, compiled regular expressions) or as a NumPy array of
code points, and split back.  NUL is a starter that composes with nothing, is no whitespace,
no word character and no emoji, so each piece comes back as the per-comment work would give
it; callers check :func:`join` succeeded (no comment contains NUL) and otherwise go one by one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import numpy as np

_N = 0x110000  # code points
_DROP = np.uint32(0xFFFFFFFF)


def join(texts: list[str]) -> str | None:
    """The texts joined by NUL, or None when a text contains NUL (the join would be ambiguous)."""
    joined = "\x00".join(texts)
    return joined if joined.count("\x00") == max(len(texts) - 1, 0) else None


def codepoints(s: str) -> np.ndarray | None:
    """The code points of ``s`` (uint32), or None when it holds a lone surrogate."""
    try:
        return np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None


def from_codepoints(cp: np.ndarray) -> str:
    return cp.astype(np.uint32, copy=False).tobytes().decode("utf-32-le")


def table_lut(table: Mapping[int, int | str | None]) -> np.ndarray | None:
    """A code-point lookup array for a ``str.translate`` table mapping characters to one character
    or to nothing (dropped: ``0xFFFFFFFF``); None if a value is a longer string."""
    lut = np.arange(_N, dtype=np.uint32)
    for k, v in table.items():
        if v is None:
            lut[k] = _DROP
        elif isinstance(v, str):
            if len(v) != 1:
                return None
            lut[k] = ord(v)
        else:
            lut[k] = v
    return lut


def translate(s: str, table: Mapping, lut: np.ndarray | None) -> str:
    """``s.translate(table)``, as one array lookup when ``lut`` (from :func:`table_lut`) is given."""
    if lut is None or s.isascii():
        return s.translate(table)
    cp = codepoints(s)
    if cp is None:
        return s.translate(table)
    out = lut[cp]
    if (out == _DROP).any():
        out = out[out != _DROP]
    return from_codepoints(out)


def translate_squeeze(s: str, table: Mapping, lut: np.ndarray | None, space: np.ndarray) -> str:
    """``re.sub(r"\\s+", " ", s.translate(table))`` with the spaces at both ends of every
    NUL-separated piece removed (``str.strip`` of each piece), as array work.

    ``space``: :func:`class_lut` of ``\\s``.
    """
    cp = None if lut is None else codepoints(s)
    if cp is None:
        t = re.sub(r"\s+", " ", s.translate(table))
        return t.replace(" \x00", "\x00").replace("\x00 ", "\x00").strip()
    out = lut[cp]
    del cp
    if (out == _DROP).any():
        out = out[out != _DROP]
    ws = space[out]
    if not ws.any():
        return from_codepoints(out)
    first = ws.copy()
    first[1:] &= ~ws[:-1]
    keep = ~ws | first  # each whitespace run squeezed to its first character ...
    out, ws = out[keep], ws[keep]
    out[ws] = 32  # ... written as a space
    edge = np.ones(len(out), dtype=bool)
    edge[1:] = out[:-1] == 0  # at the start of a piece
    edge[:-1] |= out[1:] == 0  # at the end of a piece
    edge[-1] = True
    return from_codepoints(out[~(ws & edge)])


_ALL_CHARS: list[str] = []


def class_lut(pattern: re.Pattern) -> np.ndarray:
    """Boolean array over all code points: does ``pattern`` (one-character class) match it."""
    if not _ALL_CHARS:  # every code point once (surrogates as NUL), built on first use
        _ALL_CHARS.append("".join(map(chr, range(0xD800))) + "\x00" * 0x800 + "".join(map(chr, range(0xE000, _N))))
    chars = _ALL_CHARS[0]
    lut = np.zeros(_N, dtype=bool)
    run = re.compile(f"(?:{pattern.pattern})+")
    for m in run.finditer(chars):
        lut[m.start():m.end()] = True
    lut[0xD800:0xE000] = False
    lut[0] = bool(pattern.fullmatch("\x00"))
    return lut


def pieces_of(cp: np.ndarray) -> np.ndarray:
    """Piece number of each code point of a NUL-joined array (the NULs belong to the next piece)."""
    return np.cumsum(cp == 0, dtype=np.int64)


def _token_starts(cp: np.ndarray, word: np.ndarray, single: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Where tokens start (maximal runs of ``word`` characters, and ``single`` characters that are
    not ``word`` ones; ``None``: no single ones), and the ``word`` mask."""
    w = word[cp]
    starts = w.copy()
    starts[1:] &= ~w[:-1]
    if single is not None:
        starts |= single[cp] & ~w
    return starts, w


def count_runs(cp: np.ndarray, word: np.ndarray, single: np.ndarray, m: int) -> np.ndarray:
    """Per piece of a NUL-joined array: maximal runs of ``word`` characters plus ``single`` ones
    that are not ``word`` characters, i.e. ``len(re.findall("W+|S", piece))`` for classes W, S."""
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    starts, _ = _token_starts(cp, word, single)
    return np.bincount(pieces_of(cp)[starts], minlength=m).astype(np.int64)


# Polynomial hashing of tokens modulo 2**64 (NumPy's unsigned arithmetic wraps): an odd base
# and its inverse.  Known collisions of such hashes need strings thousands of characters long,
# so callers send tokens longer than MAX_HASHED_TOKEN the exact way.
_BASE = 0x9E3779B97F4A7C15
_BASE_INV = pow(_BASE, -1, 2**64)
MAX_HASHED_TOKEN = 256


def token_hashes(cp: np.ndarray, word: np.ndarray,
                 single: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of a NUL-joined code-point array, as numbers.

    A token is a maximal run of ``word`` characters or one ``single`` character that is not
    a ``word`` character (the tokens of ``re.findall("W+|S", piece)``, as :func:`count_runs`
    counts them; ``single=None``: runs only).  Returns, per token in order: a 64-bit hash of its code points (equal
    tokens, equal hashes, wherever they stand), its piece number, its start and its length.

    Examples
    --------
    >>> import re
    >>> w = class_lut(re.compile(r"[a-z]"))
    >>> h, piece, start, n = token_hashes(codepoints("ab cd\\x00cd ab!"), w, class_lut(re.compile("!")))
    >>> piece.tolist(), n.tolist(), bool(h[0] == h[3]) and bool(h[1] == h[2]) and bool(h[0] != h[1])
    ([0, 0, 1, 1, 1], [2, 2, 2, 2, 1], True)
    """
    n = len(cp)
    begins, w = _token_starts(cp, word, single)
    last = w.copy()
    last[:-1] &= ~w[1:]
    starts = np.flatnonzero(begins)
    ends = starts + 1  # a single character; a run ends after its last word character
    ends[w[starts]] = np.flatnonzero(last) + 1
    power = np.cumprod(np.full(n, _BASE, dtype=np.uint64))  # base ** (j + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(cp.astype(np.uint64) * power, out=prefix[1:])
    del power
    inverse = np.cumprod(np.full(n, _BASE_INV, dtype=np.uint64))[starts]  # base ** -(start + 1)
    hashes = (prefix[ends] - prefix[starts]) * inverse
    return hashes, pieces_of(cp)[starts], starts, ends - starts


def member(values: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """``np.isin(values, uniques)`` for distinct ``uniques``, by hash-table lookup (no sort of ``values``)."""
    import pandas as pd

    return pd.Index(uniques).get_indexer(values) >= 0 if len(uniques) else np.zeros(len(values), dtype=bool)


def digest_strings(series) -> str | None:
    """A BLAKE2b digest of a Series of strings / missing values (content and missing positions).

    Arrow-backed string columns are hashed from their buffers (no Python string objects);
    other columns from their values joined by NUL.  None when no exact digest is available
    (a value that is not a string or missing, or a NUL inside a string).
    """
    h = hashlib.blake2b(digest_size=32)
    arr = getattr(series, "array", None)
    pa_arr = getattr(arr, "_pa_array", None)
    if pa_arr is not None:
        import pyarrow as pa

        for chunk in pa_arr.chunks:
            if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
                return None
            off_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            bufs = chunk.buffers()
            offs = np.frombuffer(bufs[1], dtype=off_type)[chunk.offset:chunk.offset + len(chunk) + 1]
            valid = np.asarray(chunk.is_valid())
            h.update(b"chunk")
            h.update((offs - offs[0]).astype(np.int64).tobytes())
            h.update(np.packbits(valid).tobytes())
            if bufs[2] is not None and len(offs):
                h.update(memoryview(bufs[2])[int(offs[0]):int(offs[-1])])
        return "arrow:" + h.hexdigest()
    values = series.to_numpy(dtype=object, na_value=None)
    isstr = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
    if not all(isstr[i] or values[i] is None for i in np.flatnonzero(~isstr)):
        return None
    joined = join(values[isstr].tolist())
    if joined is None:
        return None
    h.update(joined.encode("utf-8", "surrogatepass"))
    h.update(np.flatnonzero(~isstr).tobytes())
    return "object:" + h.hexdigest()
