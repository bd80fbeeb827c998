"""Encoding detection and delimiter sniffing for text exports (internal).

Detection order (each step names its evidence):

1. a byte-order mark (UTF-8, UTF-16 LE/BE);
2. NUL bytes: UTF-16 without a BOM when one byte of every pair is mostly NUL; NUL
   padding (a text whose only control bytes besides tab and line breaks are NULs, as
   in SurveyMonkey sub-header rows padded with NULs) is removed, with a note; otherwise
   the file is binary and rejected;
3. a strict UTF-8 decode of the whole file (pure ASCII counts as UTF-8).  Real
   cp1256 Arabic text is never valid UTF-8 once two base Arabic letters (bytes
   >= 0xC1) stand side by side, but a tiny file such as the word "اپ" can be: such a
   file needs ``encoding="cp1256"``;
4. not valid UTF-8 as a whole, but most lines holding non-ASCII bytes are (judged on the
   first 16 MiB): a UTF-8 file with a few lines written in a single-byte code page.  Each
   line that is not valid UTF-8 is decoded on its own with the code page chosen by step 5
   from those lines alone; the other lines are left untouched, and the repaired lines are
   named in the notes (:mod:`._repair`);
5. otherwise a single-byte code page, decided in this order:

   a. cp1256 (Arabic Windows) when at least half of the non-ASCII characters of the
      first 16 MiB decoded as cp1256 are Arabic letters in runs (words) that do not touch
      a Latin letter (cp1256 keeps the French letters of cp1252 and maps German umlauts to
      isolated Arabic letters wedged between Latin ones, which the run rule ignores);
   b. Mac Roman when it reads clearly better than cp1252 (see :func:`word_evidence`): the
      non-ASCII characters that touch an ASCII letter read as lower-case Latin letters,
      upper-case ones not preceded by a lower-case letter, or typographic quotes, dashes,
      ™ and • where such marks stand, at least 2 more often *and* at least 1.5 times as
      often in Mac Roman as in cp1252.  Mac Roman's accented letters sit at 0x80-0x9F,
      where cp1252 has punctuation and ``Ž ‡ ˆ Š`` (é = 0x8E reads ``cafŽ``, á = 0x87
      ``est‡``, ’ = 0xD5 ``donÕt``); cp1252's lower-case letters (0xE0-0xFF) read as
      capitals or symbols in Mac Roman (``cafÈ``), and its punctuation (0x91-0x99) as
      letters that score no better than the punctuation itself, so Western cp1252 text
      does not give Mac Roman the lead;
   c. cp1256 when bytes undefined in cp1252 occur anywhere in the file (Persian letters);
   d. Mac Roman when the evidence of (b) is not decisive either way and the lines end in
      a carriage return only (classic Mac OS, Excel for Mac's "CSV (Macintosh)");
   e. cp1252 otherwise.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import EncodingError, ExportFormatError, ParameterError, describe
from ._codepage import UNDEFINED_IN_CP1252, code_page
from ._repair import Repaired, bad_utf8_lines, count_lines, decode_lines, nul_padding, strip_nuls

DELIMITERS = (",", "\t", ";")
_CHUNK = 8 << 20
_HEAD = 1 << 16
_SAMPLE = 16 << 20  # bytes that decide between the code pages and UTF-8 with a few bad lines


@dataclass(frozen=True)
class EncodingInfo:
    """The encoding reported to the user and the codec used to decode."""

    encoding: str  # reported name, e.g. "utf-8-sig", "utf-16-le", "cp1256"
    codec: str  # Python codec that decodes the bytes (BOM included)
    evidence: str
    repaired: Repaired | None = None  # bytes to parse instead of the file's (see ._repair)


class FileBytes:
    """The bytes of a file on disk, read a piece at a time (never all held in memory).

    Supports what the reader needs of ``bytes``: ``len``, slicing (each slice read from disk),
    ``startswith``; :func:`pieces` iterates it and :func:`whole` reads it all (error paths,
    workbooks).  The CSV parser reads the file itself (:attr:`path`).
    """

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size
        with open(path, "rb") as fh:
            self.head = fh.read(_HEAD)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _ = key.indices(self.size)
        if stop <= len(self.head):
            return self.head[start:stop]
        with open(self.path, "rb") as fh:
            fh.seek(start)
            return fh.read(max(0, stop - start))

    def startswith(self, prefix: bytes) -> bool:
        return self[: len(prefix)] == prefix


def pieces(data: bytes | FileBytes, size: int | None = None) -> Iterator[bytes]:
    """Consecutive pieces of ``size`` bytes (default 8 MiB; the last one shorter; none for
    empty data)."""
    size = size or _CHUNK
    if isinstance(data, FileBytes):
        with open(data.path, "rb") as fh:
            while piece := fh.read(size):
                yield piece
        return
    for start in range(0, len(data), size):
        yield data[start : start + size]


def whole(data: bytes | FileBytes) -> bytes:
    """All the bytes (reads a :class:`FileBytes` from disk)."""
    return data.path.read_bytes() if isinstance(data, FileBytes) else data


def _line_of_offset(data: bytes, offset: int, codec: str) -> int:
    return data[:offset].decode(codec, errors="replace").count("\n") + 1


def _n_nonascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", errors="ignore"))


def check_decodes(data: bytes | FileBytes, codec: str, *, source: str, reported: str) -> bool:
    """Decode ``data`` strictly in pieces; raise :class:`EncodingError` at the first bad byte.

    Returns whether every byte is ASCII.  For UTF-8, an ASCII piece read while no multi-byte
    sequence is pending is valid as it stands and is not decoded.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    skip_ascii = codec in ("utf-8", "utf-8-sig")
    ascii_only = True
    start = 0
    size = len(data)
    for chunk in pieces(data):
        final = start + len(chunk) >= size
        is_ascii = chunk.isascii()
        ascii_only = ascii_only and is_ascii
        if not (skip_ascii and is_ascii and not decoder.getstate()[0]):
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                offset = start + exc.start
                # errors in the incremental decoder may refer to bytes buffered from the
                # previous chunk; clamp to the file.
                offset = max(0, min(offset, size - 1))
                bad = data[offset : offset + 4]
                raise EncodingError(
                    describe(
                        f"Bytes cannot be decoded as {reported}",
                        file=source,
                        row=_line_of_offset(data, offset, codec),
                        received=f"bytes {bad.hex(' ')} at byte offset {offset}",
                        expected=f"valid {reported} text (pass encoding=... to read it with another "
                        "encoding)",
                    )
                ) from None
        start += len(chunk)
    if not size:
        decoder.decode(b"", final=True)
    return ascii_only


def normalise_encoding_name(encoding: str) -> str:
    """Return Python's canonical codec name or raise :class:`ParameterError`."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ParameterError(
            describe(
                "Unknown text encoding",
                parameter="encoding",
                received=encoding,
                expected="a Python codec name such as 'utf-8', 'utf-16', 'cp1256' or 'cp1252'",
            )
        ) from None


def _bom(data: bytes) -> EncodingInfo | None:
    if data.startswith(codecs.BOM_UTF8):
        return EncodingInfo("utf-8-sig", "utf-8-sig", "UTF-8 byte-order mark")
    if data.startswith(codecs.BOM_UTF16_LE):
        return EncodingInfo("utf-16-le", "utf-16", "UTF-16 little-endian byte-order mark")
    if data.startswith(codecs.BOM_UTF16_BE):
        return EncodingInfo("utf-16-be", "utf-16", "UTF-16 big-endian byte-order mark")
    return None


def resolve_encoding(data: bytes | FileBytes, encoding: str | None, *, source: str) -> EncodingInfo:
    """Detect (or check the user's) encoding of ``data``; see the module notes for the rules.

    When the bytes had to be repaired (NUL padding, lines in another code page) the result's
    ``repaired`` holds the bytes to parse and the notes saying what was done.
    """
    bom = _bom(data)
    if encoding is not None:
        name = normalise_encoding_name(encoding)
        codec = name
        if name == "utf-8" and bom is not None and bom.encoding == "utf-8-sig":
            name = codec = "utf-8-sig"
        elif name in ("utf-16-le", "utf-16-be") and bom is not None and bom.codec == "utf-16":
            codec = "utf-16"  # let the codec consume the BOM
        check_decodes(data, codec, source=source, reported=name)
        return EncodingInfo(name, codec, f"encoding={encoding!r} given by the caller")
    if bom is not None:
        try:
            check_decodes(data, bom.codec, source=source, reported=bom.encoding)
        except EncodingError:
            if bom.codec != "utf-8-sig":
                raise
            mixed = _mixed_lines(data, bom)
            if mixed is None:
                raise
            return mixed
        return bom
    head = data[:_HEAD]
    if b"\x00" in head:
        info = _utf16_without_bom(head)
        if info is None:
            if not nul_padding(head):
                offset = head.index(b"\x00")
                raise ExportFormatError(
                    describe(
                        "The file is binary, not a text export",
                        file=source,
                        received=f"a NUL byte at byte offset {offset} among other control bytes",
                        expected="a CSV/TSV text file, an .xlsx workbook or an SPSS .sav file",
                    )
                )
            padding = strip_nuls(whole(data))
            inner = resolve_encoding(padding.data, None, source=source)
            return EncodingInfo(inner.encoding, inner.codec, inner.evidence, padding.then(inner.repaired))
        check_decodes(data, info.codec, source=source, reported=info.encoding)
        return info
    try:
        ascii_only = check_decodes(data, "utf-8", source=source, reported="utf-8")
    except EncodingError:
        return _not_utf8(data, source=source)
    evidence = "ASCII only (read as UTF-8)" if ascii_only else "strict UTF-8 decode succeeded"
    return EncodingInfo("utf-8", "utf-8", evidence)


def _utf16_without_bom(head: bytes) -> EncodingInfo | None:
    arr = np.frombuffer(head[: len(head) // 2 * 2], dtype=np.uint8)
    if arr.size < 4:
        return None
    even_nul = float(np.mean(arr[0::2] == 0))
    odd_nul = float(np.mean(arr[1::2] == 0))
    if odd_nul > 0.4 and even_nul < 0.05:
        return EncodingInfo("utf-16-le", "utf-16-le", f"no BOM; {odd_nul:.0%} of odd bytes are NUL")
    if even_nul > 0.4 and odd_nul < 0.05:
        return EncodingInfo("utf-16-be", "utf-16-be", f"no BOM; {even_nul:.0%} of even bytes are NUL")
    return None


def _mixed_lines(data: bytes | FileBytes, utf8: EncodingInfo) -> EncodingInfo | None:
    """UTF-8 with a few lines in a code page, repaired line by line; ``None`` when most lines
    holding non-ASCII bytes (of the first :data:`_SAMPLE` bytes) are not valid UTF-8."""
    sample = data[:_SAMPLE]
    if len(sample) < len(data):  # judge whole lines only
        sample = sample[: max(sample.rfind(b"\n"), sample.rfind(b"\r")) + 1] or sample
    valid, invalid = count_lines(sample)
    if valid < invalid or not valid:
        return None
    raw = whole(data)
    spans, sep = bad_utf8_lines(raw)
    bad = b"".join(raw[s:e] for s, e in spans)
    codec, why = code_page(bad[:_SAMPLE], undefined=[b for b in UNDEFINED_IN_CP1252 if b in bad])
    repaired = decode_lines(raw, spans, sep, codec, why)
    evidence = (f"UTF-8 with {len(spans)} line(s) in another code page ({valid} lines with non-ASCII "
                f"characters valid UTF-8, {invalid} not, in the first 16 MiB)")
    return EncodingInfo(utf8.encoding, utf8.codec, evidence, repaired)


def _not_utf8(data: bytes | FileBytes, *, source: str) -> EncodingInfo:
    """A code page (see :func:`._codepage.code_page`), or UTF-8 with a few lines in one.

    The evidence is taken from the first :data:`_SAMPLE` bytes, so a large export is neither
    held whole nor decoded whole; bytes undefined in cp1252 are looked for in the whole
    file, a piece at a time.  A file with some valid multi-byte UTF-8 is checked line by
    line (:func:`_mixed_lines`).
    """
    sample = data[:_SAMPLE]
    # final=False: a character cut at the sample's end is left undecoded, not counted as invalid
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=len(sample) == len(data))
    n_bad = text.count("\ufffd")
    n_multibyte = _n_nonascii(text) - n_bad
    del text
    if n_multibyte and 10 * n_multibyte >= n_bad:
        mixed = _mixed_lines(data, EncodingInfo("utf-8", "utf-8", ""))
        if mixed is not None:
            return mixed
    seen: set[bytes] = set()
    for piece in pieces(data):
        seen.update(b for b in UNDEFINED_IN_CP1252 if b not in seen and b in piece)
    cr_only = b"\r" in sample and b"\n" not in sample
    codec, evidence = code_page(sample, undefined=seen, cr_only=cr_only)
    return EncodingInfo(codec, codec, evidence)


def _first_records(head: str, delimiter: str, n: int = 2) -> list[list[str]]:
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    out: list[list[str]] = []
    try:
        for rec in reader:
            if rec:
                out.append(rec)
            if len(out) >= n:
                break
    except csv.Error:
        pass
    return out


def sniff_delimiter(head: str, delimiter: str | None, *, source: str) -> tuple[str, str]:
    """Choose the delimiter among ``, \\t ;`` from the first two records; return it with evidence.

    The chosen delimiter splits record 1 into the most fields among those that split record 2
    into the same number; ties go to ``,`` then tab then ``;``.  A delimiter given by the
    caller that leaves record 1 whole while another one splits it raises
    :class:`ExportFormatError`.
    """
    counts = {}
    for d in DELIMITERS:
        recs = _first_records(head, d)
        n1 = len(recs[0]) if recs else 0
        consistent = len(recs) < 2 or len(recs[1]) == n1
        counts[d] = (n1, consistent)
    best = max(DELIMITERS, key=lambda d: (counts[d][0] > 1 and counts[d][1], counts[d][0]))
    if delimiter is not None:
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise ParameterError(
                describe("delimiter must be one character", parameter="delimiter",
                         received=delimiter, expected="one of ',', ';', '\\t'")
            )
        n_given = len(_first_records(head, delimiter, 1)[0]) if head.strip() else 0
        if n_given <= 1 and counts[best][0] > 1 and best != delimiter:
            raise ExportFormatError(
                describe(
                    "Wrong delimiter: it does not split the header row",
                    file=source,
                    row=1,
                    parameter="delimiter",
                    received=delimiter,
                    expected=f"{best!r}, which splits row 1 into {counts[best][0]} columns",
                )
            )
        return delimiter, f"delimiter={delimiter!r} given by the caller"
    n1, consistent = counts[best]
    if n1 <= 1:
        return ",", "no candidate delimiter splits row 1 (a single column)"
    note = "" if consistent else " (row 2 has a different count)"
    return best, f"{best!r} splits row 1 into {n1} fields{note}"
