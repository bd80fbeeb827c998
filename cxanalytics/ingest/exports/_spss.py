"""SPSS ``.sav`` files through pyreadstat (internal)."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import ExportFormatError, describe
from ._grid import STR_DTYPE
from ._model import SurveyExport, questions_frame
from ._platforms import question


def _missing_codes(meta, name: str) -> str | None:
    parts = [str(v) for v in (meta.missing_user_values or {}).get(name, [])]
    for rng in (meta.missing_ranges or {}).get(name, []):
        lo, hi = rng.get("lo"), rng.get("hi")
        parts.append(str(lo) if lo == hi else f"{lo} to {hi}")
    return "; ".join(dict.fromkeys(parts)) or None


def read_spss(data: bytes, path: Path | None, encoding: str | None, *, source: str) -> SurveyExport:
    """Read an SPSS system file; user-missing codes are kept as values and listed."""
    import pyreadstat

    tmp = None
    if path is None:
        fd, tmp = tempfile.mkstemp(suffix=".sav")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = Path(tmp)
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding,
                                       dates_as_pandas_datetime=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError, OSError) as exc:
        raise ExportFormatError(
            describe("The SPSS file could not be read", file=source,
                     received=f"{type(exc).__name__}: {exc}", expected="a valid SPSS .sav file")
        ) from None
    finally:
        if tmp is not None:
            os.unlink(tmp)
    for col in df.columns:
        if df[col].dtype == object:
            text = df[col].astype(STR_DTYPE)
            df[col] = text.mask(text == "")
    df.index = pd.Index(np.arange(1, len(df) + 1, dtype=np.int64), name="row_number")
    labels = meta.column_names_to_labels or {}
    measures = meta.variable_measure or {}
    recs = [
        question(name, j + 1, name, question_text=labels.get(name), measure=measures.get(name),
                 missing_codes=_missing_codes(meta, name))
        for j, name in enumerate(df.columns)
    ]
    header_rows = pd.DataFrame(
        [list(df.columns), [labels.get(c) for c in df.columns]], columns=df.columns,
        index=pd.Index(["name", "label"], name="header_row"),
    ).astype(STR_DTYPE)
    file_enc = encoding or meta.file_encoding
    try:
        file_enc = codecs.lookup(file_enc).name if file_enc else None
    except LookupError:
        pass
    notes = [f"{meta.number_rows} cases, {meta.number_columns} variables"]
    with_missing = [r["column"] for r in recs if r["missing_codes"]]
    if with_missing:
        notes.append(f"user-missing codes kept as values for {len(with_missing)} variables "
                     "(listed in questions.missing_codes)")
    value_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    return SurveyExport(
        frame=df, questions=questions_frame(recs), platform="spss", encoding=file_enc,
        source=source, header_rows=header_rows, value_labels=value_labels,
        detection="SPSS system-file signature '$FL2'/'$FL3' at byte 0", notes=tuple(notes),
    )
