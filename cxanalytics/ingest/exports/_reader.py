"""``read_export``: bytes in, :class:`SurveyExport` out (internal module)."""

from __future__ import annotations

import codecs
import os
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import DataQualityWarning, ExportFormatError, ParameterError, describe
from ._encoding import FileBytes, pieces, resolve_encoding, sniff_delimiter, whole
from ._grid import STR_DTYPE, Grid, cell_text, read_text_grid, read_workbook_grid
from ._model import SurveyExport, questions_frame
from ._platforms import PLATFORMS, Layout, detect, layout_for
from ._repair import shown
from ._spss import read_spss

_HEAD = 1 << 16
_GRID = re.compile(r"^(.*?)\s*\[[^\[\]]*\]\s*$", re.DOTALL)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load(path_or_buffer) -> tuple[bytes | FileBytes, str, Path | None, bool]:
    """Return ``(data, source name, path or None, came_from_text)``; a file's bytes are read
    from disk as they are needed (:class:`FileBytes`), not all at once."""
    if isinstance(path_or_buffer, str | os.PathLike):
        path = Path(path_or_buffer)
        if not path.is_file():
            raise ParameterError(
                describe("No such file", parameter="path_or_buffer", received=str(path),
                         expected="the path of an existing export file")
            )
        return FileBytes(path), path.name, path, False
    if isinstance(path_or_buffer, bytes | bytearray | memoryview):
        return bytes(path_or_buffer), "<bytes>", None, False
    if hasattr(path_or_buffer, "read"):
        content = path_or_buffer.read()
        name = Path(str(getattr(path_or_buffer, "name", "<buffer>"))).name
        if isinstance(content, str):
            return content.encode("utf-8"), name, None, True
        if isinstance(content, bytes | bytearray):
            return bytes(content), name, None, False
    raise ParameterError(
        describe("Cannot read this object", parameter="path_or_buffer",
                 received=type(path_or_buffer).__name__,
                 expected="a path, bytes, or a file-like object opened in binary mode")
    )


def _empty_error(source: str) -> ExportFormatError:
    return ExportFormatError(
        describe("The file is empty", file=source, received="no header row",
                 expected="a header row followed by one row per response")
    )


def _check_platform(platform) -> str:
    if platform == "auto" or platform in PLATFORMS:
        return platform
    raise ParameterError(
        describe("Unknown survey platform", parameter="platform", received=platform,
                 expected=f"'auto' or one of {', '.join(repr(p) for p in PLATFORMS)}")
    )


def _typed_column(col: pd.Series) -> pd.Series:
    """Workbook body column: keep a uniform cell type, render mixed columns as text."""
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return pd.to_numeric(col)
    if kind == "boolean":
        return col.astype("boolean")
    if kind in ("datetime", "datetime64", "date"):
        return pd.to_datetime(col)
    text = col.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v))
                   else cell_text(v)) if kind != "string" else col
    text = text.astype(STR_DTYPE)
    return text.mask(text.str.strip() == "")


def _unique_names(names: list[str], recs: list[dict]) -> list[str]:
    """Rename repeated column names in place: the 2nd, 3rd, ... ``name`` become ``name (2)``,
    ``name (3)``, ... in order of position (the next free number if that name is taken too).
    The header as written stays in ``questions.header``."""
    counts = Counter(names)
    dupes = [n for n, c in counts.items() if c > 1]
    if not dupes:
        return []
    taken, seen, where = set(names), Counter(), {n: [] for n in dupes}
    for i, name in enumerate(names):
        seen[name] += 1
        if counts[name] < 2:
            continue
        where[name].append(recs[i]["position"])
        if seen[name] > 1:
            k = seen[name]
            while f"{name} ({k})" in taken:
                k += 1
            names[i] = recs[i]["column"] = f"{name} ({k})"
            taken.add(names[i])
    shown = "; ".join(f"{n[:60]!r} x{counts[n]} at positions {where[n]}" for n in dupes[:5])
    more = f"; and {len(dupes) - 5} more" if len(dupes) > 5 else ""
    return [f"{sum(counts[n] - 1 for n in dupes)} repeated column name(s) made unique with ' (2)', "
            f"' (3)', ... in order of position (headers as written in questions.header): {shown}{more}"]


def _fill_question_ids(recs: list[dict]) -> None:
    """Give every answer column a ``question_id``: the platform's, else the first column of a run
    of consecutive columns sharing one question text (``Q [row]`` grids included), else its own."""
    prev_text, prev_id = None, None
    for rec in recs:
        if rec["is_metadata"] or rec["question_id"] is not None:
            prev_text = prev_id = None
            continue
        text = rec["question_text"] or rec["column"]
        m = _GRID.match(text) if rec["sub_question"] is None else None
        key = m.group(1).strip() if m else text
        if key != prev_text:
            prev_text, prev_id = key, rec["column"]
        rec["question_id"] = prev_id


def _assemble(grid: Grid, layout: Layout, *, source: str, notes: list[str]):
    width = grid.cells.shape[1]
    n_header = layout.n_header
    body = grid.cells.iloc[n_header:]
    lines = grid.lines[n_header:]
    empty_rows = body.isna().all(axis=1).to_numpy() if width else np.ones(len(body), bool)
    if empty_rows.any():
        dropped = lines[empty_rows]
        shown = ", ".join(map(str, dropped[:10])) + (" ..." if dropped.size > 10 else "")
        notes.append(f"{dropped.size} completely empty row(s) skipped (lines {shown})")
        body, lines = body.iloc[~empty_rows], lines[~empty_rows]
    names, keep, recs = [], [], []
    for j in range(width):
        name, rec = layout.names[j], dict(layout.questions[j])
        if not name:
            if body[j].isna().all():
                notes.append(f"dropped column {j + 1}: no header and no values "
                             "(e.g. a trailing delimiter on every line)")
                continue
            name = f"unnamed_{j + 1}"
            msg = f"column {j + 1} has values but no header; named {name!r}"
            notes.append(msg)
            warnings.warn(f"{source}: {msg}", DataQualityWarning, stacklevel=3)
        rec["column"] = name
        names.append(name)
        keep.append(j)
        recs.append(rec)
    notes += _unique_names(names, recs)
    _fill_question_ids(recs)
    frame = body[keep].set_axis(names, axis=1)
    if grid.kind == "workbook":
        frame = pd.DataFrame({n: _typed_column(frame[n]) for n in names}, index=frame.index)
    frame.index = pd.Index(lines, name="row_number")
    header_rows = grid.cells.iloc[:n_header][keep].set_axis(names, axis=1)
    header_rows = header_rows.map(cell_text) if grid.kind == "workbook" else header_rows
    header_rows = header_rows.astype(STR_DTYPE)
    header_rows.index = pd.Index(np.arange(1, n_header + 1), name="header_row")
    return frame, questions_frame(recs), header_rows


def _repair_notes(repaired, starts: np.ndarray, source: str) -> list[str]:
    """The repair notes, the responses holding a re-decoded line (by ``row_number``), and a warning."""
    notes = list(repaired.notes)
    if repaired.recoded_lines:
        at = np.searchsorted(starts, np.asarray(repaired.recoded_lines), side="right") - 1
        rows = tuple(dict.fromkeys(int(starts[i]) for i in at if i >= 0))
        notes.append(f"records holding those lines start on lines (row_number) {shown(rows)}")
        warnings.warn(f"{source}: {'; '.join(notes)}", DataQualityWarning, stacklevel=3)
    return notes


def read_export(path_or_buffer, platform: str = "auto", *, encoding: str | None = None,
                sheet: str | int | None = None, delimiter: str | None = None) -> SurveyExport:
    """Read a raw survey-platform export: detect its platform and encoding, parse its headers.

    Parameters
    ----------
    path_or_buffer : str, path, bytes or binary file-like
        A CSV/TSV text export, an ``.xlsx`` workbook or an SPSS ``.sav`` file.  The
        format is recognised from the bytes (zip / SPSS signatures), not the name.
    platform : str, default "auto"
        ``"auto"``, ``"qualtrics"``, ``"qualtrics_legacy"``, ``"surveymonkey"``,
        ``"google_forms"``, ``"microsoft_forms"``, ``"alchemer"``, ``"typeform"``,
        ``"limesurvey"``, ``"kobotoolbox"``, ``"spss"``, ``"csv"`` or ``"excel"`` (the
        last two read one plain header row).  A named platform is checked against the file.
    encoding : str, optional
        Text encoding; detected when omitted (see Notes).  For SPSS files it is passed
        to pyreadstat; workbooks ignore it.
    sheet : str or int, optional
        Workbook sheet name or 0-based index; default the largest sheet.
    delimiter : str, optional
        Field delimiter of a text file; sniffed among ``,``, tab and ``;`` when omitted.

    Returns
    -------
    SurveyExport
        ``frame`` (one row per response, index ``row_number``), ``questions`` (one row
        per column: ``column``, ``position``, ``header``, ``question_id``,
        ``question_text``, ``sub_question``, ``choice``, ``answer_type``, ``import_id``,
        ``time_zone``, ``is_metadata``, ``measure``, ``missing_codes``, ``role``), ``platform``,
        ``encoding``, ``source``, ``timezone``, ``header_rows``, ``value_labels``,
        ``detection``, ``notes``, ``delimiter``, ``sheet``.

    Raises
    ------
    ParameterError
        Unknown ``platform``, ``encoding`` or ``sheet``; a missing file.
    ExportFormatError
        Empty or binary file, ragged row (its line is named), a delimiter that does not
        split the header, a Qualtrics file without its ImportId row, or a ``platform=``
        that does not match what the file holds.
    EncodingError
        Bytes that cannot be decoded (byte offset and line named).

    Warns
    -----
    DataQualityWarning
        A file with header rows but no responses; a column with values but no header;
        lines that are not UTF-8 in a UTF-8 file (decoded with a code page, lines and
        responses named).

    Notes
    -----
    Platforms are recognised, in this order, by: ImportIds in row 3 (Qualtrics; JSON, or
    the 2016 ``{'ImportId': 'QID9-1'}``); ``V1, V2, ...`` in row 1 (legacy Qualtrics, 2
    header rows); SurveyMonkey metadata headers (``Respondent ID``, ``RespondentID``,
    ``Collector ID``, ...) over blank row-2 cells, or a row 2 of SurveyMonkey sub-labels
    (``Response``, ``Open-Ended Response``) when there are no metadata columns; a Google
    Sheets timestamp header (``Timestamp`` and its translations) in column 1; Microsoft
    Forms' ``ID, Start time, Completion time``; Alchemer's ``Time Started`` and ``Date
    Submitted``; Typeform's ``#`` column of 32-character tokens or its ``Submit Date
    (UTC)`` / ``Network ID`` columns; LimeSurvey's ``id, submitdate, lastpage,
    startlanguage`` (or, with full-text headings in any language, first columns holding
    an id, a date, a page number and a language code); KoBoToolbox's ``_uuid``,
    ``_submission_time``, ``_validation_status``, ... columns.  Anything else is a plain
    table with one header row.  Row 1 naming Qualtrics fields (``StartDate``,
    ``ResponseId``, ...) over a row of labels but no ImportId row is an error rather
    than a guess.

    A repeated column name is normal in real exports (the same question text twice, the
    choices of several multiple-selection questions): the second and later ones are
    numbered ``name (2)``, ``name (3)``, ... in order of position (the next free number
    when the file already uses that name); ``questions.header`` keeps the name as
    written and ``notes`` lists them.

    Encodings are detected by byte-order mark, then a strict UTF-8 decode, then a UTF-8
    file with a few lines in a code page (each such line decoded on its own, lines and
    responses named), then cp1256 / Mac Roman / cp1252 from the evidence of the bytes
    (Arabic words; letters that read as parts of words; lines ending in CR only): the
    rules are in :mod:`cxanalytics.ingest.exports._encoding`.  NUL padding is removed.

    Text files are parsed once with pyarrow (no per-row Python); every cell stays text
    and only empty cells become missing ("N/A", "None" stay as written).  Completely
    empty rows and unnamed empty columns (a trailing delimiter) are dropped and listed
    in ``notes``.  SurveyMonkey columns are named ``q1``, ``q2_1``, ``q2_2``, ... and
    metadata columns ``respondent_id``, ...; legacy Qualtrics ``V1...`` columns take
    their row-2 names (``ResponseID``, ``Status``, ...).

    Examples
    --------
    >>> raw = (b'StartDate,Q1\\n"Start Date","How likely are you to recommend us?"\\n'
    ...        b'"{""ImportId"":""startDate"",""timeZone"":""Asia/Riyadh""}",'
    ...        b'"{""ImportId"":""QID1""}"\\n2024-05-01 10:00:00,9\\n')
    >>> ex = read_export(raw)
    >>> ex.platform, ex.timezone, ex.n_responses
    ('qualtrics', 'Asia/Riyadh', 1)
    >>> ex.frame.loc[4, "Q1"]
    '9'
    >>> ex.questions.loc[1, ["column", "import_id", "question_text"]].tolist()
    ['Q1', 'QID1', 'How likely are you to recommend us?']
    """
    platform = _check_platform(platform)
    data, source, path, from_text = _load(path_or_buffer)
    if all(piece.isspace() for piece in pieces(data)):  # empty or only whitespace
        raise _empty_error(source)
    if data[:4] in (b"$FL2", b"$FL3"):
        if platform not in ("auto", "spss"):
            raise ExportFormatError(describe(f"The file is not a {platform} export", file=source,
                                             parameter="platform", received=platform,
                                             expected="'spss': the file is an SPSS system file"))
        return read_spss(data, path, encoding, source=source)
    if platform == "spss":
        raise ExportFormatError(describe("The file is not an SPSS .sav file", file=source,
                                         parameter="platform", received=platform,
                                         expected="a file starting with the '$FL2' signature"))
    if data[:8] == _OLE:
        raise ExportFormatError(describe("Old binary Excel (.xls) workbooks are not supported",
                                         file=source, expected="re-save the workbook as .xlsx"))
    notes: list[str] = []
    if data[:4] == b"PK\x03\x04":
        grid = read_workbook_grid(whole(data), sheet, source=source)
        enc_name, delim = None, None
    else:
        if sheet is not None:
            raise ParameterError(describe("sheet= applies to workbooks only", file=source,
                                          parameter="sheet", received=sheet,
                                          expected="None for a text file"))
        enc = resolve_encoding(data, "utf-8" if from_text else encoding, source=source)
        if enc.repaired is not None:
            data = enc.repaired.data
        head = codecs.getincrementaldecoder(enc.codec)(errors="replace").decode(data[:_HEAD])
        if not head.lstrip("\ufeff").strip():
            raise _empty_error(source)
        delim, delim_evidence = sniff_delimiter(head, delimiter, source=source)
        notes += [f"encoding {enc.encoding}: {enc.evidence}", f"delimiter: {delim_evidence}"]
        grid = read_text_grid(data, enc, delim, head, source=source)
        enc_name = enc.encoding
        if enc.repaired is not None:
            notes += _repair_notes(enc.repaired, grid.lines, source)
    notes += grid.notes
    if grid.cells.empty:
        raise _empty_error(source)
    width = grid.cells.shape[1]
    found, evidence = detect(grid.header(), width, grid.kind, platform, source=source)
    layout = layout_for(found, grid.header(), width, evidence, lambda n: grid.cells.iloc[n:])
    notes += layout.notes
    frame, questions, header_rows = _assemble(grid, layout, source=source, notes=notes)
    if frame.empty:
        warnings.warn(f"{source}: the export has header rows but no responses", DataQualityWarning,
                      stacklevel=2)
    zones = set(questions["time_zone"].dropna())
    return SurveyExport(
        frame=frame, questions=questions, platform=found, encoding=enc_name, source=source,
        timezone=zones.pop() if len(zones) == 1 else None, header_rows=header_rows,
        detection=evidence, notes=tuple(notes), delimiter=delim, sheet=grid.sheet,
    )
