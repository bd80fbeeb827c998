"""The whole file's encoding, decided once, and the byte repairs every chunk repeats.

:func:`cxanalytics.read_export` decides a text file's encoding from evidence spread over the
file (a strict UTF-8 decode of every byte, the letters of the first 16 MiB, bytes undefined
in cp1252 anywhere, CR-only line ends) and repairs two defects before parsing: NUL padding
and lines written in a code page inside a UTF-8 file (:mod:`cxanalytics.ingest.exports._repair`).
A chunk alone holds only part of that evidence, so a streamed file is judged once, whole, by
the same function (:func:`decide`), and every chunk is read with the encoding decided and the
same repairs applied to its bytes (:meth:`Decoding.apply`): a chunk is decoded exactly as
its lines are in the whole file.  The repair notes name the whole file's lines, and
:func:`repair_warning` names the responses holding them by their row in the whole file.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np

from ...errors import DataQualityWarning, ParameterError, describe
from ..exports._encoding import FileBytes, resolve_encoding
from ..exports._repair import bad_utf8_lines, decode_lines, shown

_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How every chunk's bytes are decoded: the whole file's encoding and repairs.

    Attributes
    ----------
    encoding : str
        Passed to ``read_export`` for every chunk (the encoding decided for the whole file).
    nuls : bool
        Remove NUL padding bytes.
    codec : str or None
        Lines that are not valid UTF-8 are decoded one by one with this code page.
    sep : bytes
        The line separator those lines are found by (the whole file's).
    why : str
        The evidence for ``codec``.
    notes : tuple of str
        The whole file's repair notes, as ``read_export`` words them.
    recoded_lines : tuple of int
        The whole file's lines decoded with ``codec``.
    """

    encoding: str
    nuls: bool = False
    codec: str | None = None
    sep: bytes = b"\n"
    why: str = ""
    notes: tuple[str, ...] = ()
    recoded_lines: tuple[int, ...] = ()

    def apply(self, data: bytes) -> bytes:
        """``data`` (whole lines of the file) repaired as the whole file is."""
        if self.nuls:
            data = data.replace(b"\x00", b"")
        if self.codec is not None:
            spans, _ = bad_utf8_lines(data, self.sep)
            if spans:
                data = decode_lines(data, spans, self.sep, self.codec, self.why).data
        return data


def decide(path: Path, encoding: str | None, source: str) -> Decoding:
    """The encoding of the whole file (as ``read_export`` decides it) and its repairs.

    Raises
    ------
    ParameterError
        A UTF-16/UTF-32 file (its line breaks are not single bytes, so it cannot be cut into
        records byte-wise): re-save it as UTF-8 or read it whole with ``read_export``.
    EncodingError
        Bytes that cannot be decoded, named by their line in the whole file.

    Notes
    -----
    A file that needs a repair is held in memory once while it is judged (the repair of the
    whole file is made, as ``read_export`` makes it, and dropped); every other file is read a
    piece at a time.
    """
    info = resolve_encoding(FileBytes(path), encoding, source=source)
    if info.codec.replace("_", "-") in _WIDE or info.encoding in _WIDE:
        raise ParameterError(describe("A UTF-16/UTF-32 export cannot be streamed", file=source,
                                      received=f"encoding {info.encoding} ({info.evidence})",
                                      expected="a UTF-8 or single-byte export (re-save it as UTF-8), "
                                      "or read_export() + clean_responses() in memory"))  # fmt: skip
    rep = info.repaired
    if rep is None:
        return Decoding(info.encoding)
    return Decoding(info.encoding, nuls=rep.nuls > 0, codec=rep.codec, sep=rep.sep, why=rep.why, notes=rep.notes,
                    recoded_lines=rep.recoded_lines)  # fmt: skip


def repaired_rows(recoded: tuple[int, ...], first: int, last: int, starts: np.ndarray) -> list[int]:
    """The record (by its first line, ``row_number``) holding each recoded line in ``[first, last]``.

    ``starts``: the sorted first lines of the records of that span of lines.
    """
    lines = np.asarray([ln for ln in recoded if first <= ln <= last], dtype=np.int64)
    if not len(lines) or not len(starts):
        return []
    at = np.searchsorted(starts, lines, side="right") - 1
    return [int(starts[i]) for i in at if i >= 0]


def repair_warning(decoding: Decoding, rows: list[int], source: str) -> warnings.WarningMessage | None:
    """``read_export``'s warning about lines decoded with a code page, rows of the whole file."""
    if not decoding.recoded_lines:
        return None
    notes = [*decoding.notes, f"records holding those lines start on lines (row_number) "
                              f"{shown(tuple(dict.fromkeys(sorted(rows))))}"]  # fmt: skip
    return warnings.WarningMessage(f"{source}: {'; '.join(notes)}", DataQualityWarning, source, 0)
