"""Byte-level repairs of a text export before it is parsed (internal).

Two defects of real exports are repaired rather than refused, and every repair is named in
the export's notes:

* **NUL padding**: SurveyMonkey has written sub-header rows padded with NUL bytes.  A file
  whose only control bytes, besides tab and line breaks, are NULs is text with padding,
  not a binary file; the NULs are removed (they never carry an answer).
* **Lines in another code page**: a UTF-8 file in which a few lines were pasted from a
  program writing cp1256 or cp1252.  Each line that is not valid UTF-8 is decoded on its
  own, with the code page those lines point to, and re-encoded as UTF-8; the valid lines
  are left byte for byte as they were, so nothing else is garbled.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_CONTROLS = re.compile(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]")
_PIECE = 8 << 20


def nul_padding(head: bytes) -> bool:
    """Whether the NUL bytes of ``head`` pad text (no other control byte but tab, CR, LF, FF)."""
    rest = head.replace(b"\x00", b"")
    return bool(rest.strip()) and _CONTROLS.search(rest) is None


@dataclass(frozen=True)
class Repaired:
    """Repaired bytes, what was done, and the 1-based physical lines decoded with a code page.

    ``nuls`` (NUL bytes removed), ``codec`` (the code page of the re-decoded lines, chosen for
    the reason ``why``) and ``sep`` (the line separator they were found by) let a reader of
    the file in pieces repeat the repair on each piece (:mod:`cxanalytics.ingest.streaming`).
    """

    data: bytes
    notes: tuple[str, ...]
    recoded_lines: tuple[int, ...] = ()
    nuls: int = 0
    codec: str | None = None
    why: str = ""
    sep: bytes = b"\n"

    def then(self, later: Repaired | None) -> Repaired:
        """This repair followed by ``later`` (made on this repair's bytes; lines are unchanged)."""
        if later is None:
            return self
        return Repaired(later.data, self.notes + later.notes, self.recoded_lines + later.recoded_lines,
                        self.nuls + later.nuls, later.codec or self.codec, later.why or self.why, later.sep)


def _line_numbers(data: bytes, starts: list[int], sep: bytes) -> tuple[int, ...]:
    out, line, pos = [], 1, 0
    for start in starts:
        line += data.count(sep, pos, start)
        pos = start
        out.append(line)
    return tuple(out)


def shown(lines: tuple[int, ...], k: int = 10) -> str:
    """``"3, 7, 12"`` (the first ``k``, then ``...``)."""
    return ", ".join(map(str, lines[:k])) + (" ..." if len(lines) > k else "")


def strip_nuls(data: bytes) -> Repaired:
    """Remove every NUL byte; the lines that held one are listed."""
    sep = b"\n" if b"\n" in data else b"\r"
    starts, pos = [], data.find(b"\x00")
    while pos >= 0:
        start = data.rfind(sep, 0, pos) + 1
        starts.append(start)
        end = data.find(sep, pos)
        pos = -1 if end < 0 else data.find(b"\x00", end)
    lines = _line_numbers(data, starts, sep)
    n = data.count(b"\x00")
    fixed = data.replace(b"\x00", b"")
    return Repaired(fixed, (f"{n} NUL padding byte(s) removed (lines {shown(lines)})",), nuls=n, sep=sep)


def bad_utf8_lines(data: bytes, sep: bytes | None = None) -> tuple[list[tuple[int, int]], bytes]:
    """``(start, end)`` byte spans of the lines that are not valid UTF-8, and the line separator.

    The file is checked a piece at a time (pieces end at a line break), so no decoded copy
    of it is held.  ``sep``: the separator (default ``\\n`` if there is one, else ``\\r``).
    """
    sep = sep or (b"\n" if b"\n" in data else b"\r")
    spans: list[tuple[int, int]] = []
    view = memoryview(data)
    pos, n = 0, len(data)
    while pos < n:
        stop = n if pos + _PIECE >= n else data.rfind(sep, pos, pos + _PIECE) + 1
        if stop <= pos:  # one line longer than a piece: take it whole
            stop = data.find(sep, pos + _PIECE) + 1 or n
        try:
            codecs.utf_8_decode(view[pos:stop], "strict", True)
        except UnicodeDecodeError as exc:
            at = pos + exc.start
            start = data.rfind(sep, 0, at) + 1
            end = data.find(sep, at)
            end = n if end < 0 else end + 1
            spans.append((start, end))
            pos = end
            continue
        pos = stop
    return spans, sep


def count_lines(data: bytes) -> tuple[int, int]:
    """``(valid, invalid)``: lines holding non-ASCII bytes that are / are not valid UTF-8."""
    sep = b"\n" if b"\n" in data else b"\r"
    valid = invalid = 0
    for m in re.finditer(rb"[^" + sep + rb"]*[\x80-\xff][^" + sep + rb"]*", data):
        try:
            m.group().decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
        else:
            valid += 1
    return valid, invalid


def decode_lines(data: bytes, spans: list[tuple[int, int]], sep: bytes, codec: str, why: str) -> Repaired:
    """Re-encode the lines ``spans`` from ``codec`` to UTF-8; everything else kept as it was."""
    parts, pos = [], 0
    for start, end in spans:
        parts.append(data[pos:start])
        parts.append(data[start:end].decode(codec, errors="replace").encode("utf-8"))
        pos = end
    parts.append(data[pos:])
    lines = _line_numbers(data, [s for s, _ in spans], sep)
    note = (f"{len(lines)} line(s) not valid UTF-8 decoded one by one as {codec} ({why}); "
            f"every other line read as UTF-8: lines {shown(lines)}")
    return Repaired(b"".join(parts), (note,), lines, codec=codec, why=why, sep=sep)
