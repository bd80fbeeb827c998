"""The :class:`SurveyExport` result and the tidy ``questions`` table (internal)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import QUESTION_COLUMNS
from ._grid import STR_DTYPE


def questions_frame(records: list[dict]) -> pd.DataFrame:
    """Build the ``questions`` table with fixed columns and dtypes."""
    qs = pd.DataFrame.from_records(records, columns=list(QUESTION_COLUMNS))
    for col in QUESTION_COLUMNS:
        if col == "position":
            qs[col] = qs[col].astype(np.int64)
        elif col == "is_metadata":
            qs[col] = qs[col].astype(bool)
        else:
            qs[col] = qs[col].astype(STR_DTYPE)
    return qs


@dataclass(frozen=True, eq=False, repr=False)
class SurveyExport:
    """A survey export as read from disk, before any cleaning.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response.  The index, named ``row_number``, is the 1-based line
        of the source file on which the response starts (header lines counted; a
        multi-line answer makes the next response start further down), the sheet row
        for workbooks, or the case number for SPSS files.  Text exports keep every
        cell as text (``str`` dtype, empty cells missing); workbooks and SPSS files
        keep the types their cells store.
    questions : pandas.DataFrame
        One row per column of ``frame``: ``column``, ``position`` (1-based column in
        the source), ``header`` (the raw first header cell), ``question_id``,
        ``question_text``, ``sub_question`` (matrix / grid row label), ``choice``
        (checkbox choice a column stands for), ``answer_type`` (``metadata``,
        ``question``, ``single``, ``open_ended``, ``choice``, ``matrix_row``,
        ``grid_row``, ``sub_item``, ``other_specify``, ``text_analytics``,
        ``nps_group``, ``timing``, ``display_order``), ``import_id`` and ``time_zone``
        (Qualtrics), ``is_metadata``, ``measure`` and ``missing_codes`` (SPSS), and
        ``role``: what a platform's fixed column holds, as the item it becomes in the
        codebook (``response_id``, ``started_at``, ``submitted_at``, ``recorded_at``,
        ``status``, ``finished``, ``progress``, ``duration_s``, ``language``,
        ``last_page``; personal data ``ip_address``, ``email``, ``name``,
        ``first_name``, ``last_name``, ``phone``, ``address``, ``latitude``,
        ``longitude``, ``location``, ``username``, ``network_id``, ``device_id``, ...;
        see :mod:`cxanalytics.ingest.exports._roles`).  Every answer column has a
        ``question_id``: the choice columns of one multiple-selection question, the rows
        of one matrix, or a question and its "Other" box share it.  ``header`` keeps the
        name as written when a repeated name was numbered (``x``, ``x (2)``, ...).
        Unknown fields are missing.
    platform : str
        ``"qualtrics"``, ``"qualtrics_legacy"``, ``"surveymonkey"``,
        ``"google_forms"``, ``"microsoft_forms"``, ``"alchemer"``, ``"typeform"``,
        ``"limesurvey"``, ``"kobotoolbox"``, ``"spss"``, ``"csv"`` or ``"excel"``.
    encoding : str or None
        Encoding used to decode a text file (``None`` for workbooks).
    source : str
        File name (or ``"<buffer>"``).
    timezone : str or None
        Qualtrics ``timeZone`` from the ImportId row when all columns agree.
    header_rows : pandas.DataFrame
        The raw header rows, one row each, columns as in ``frame``.
    value_labels : Mapping
        SPSS value labels, ``{column: {value: label}}``.
    detection : str
        The evidence the platform was recognised by.
    notes : tuple of str
        Everything the reader did beyond plain parsing (encoding and delimiter
        evidence, dropped empty columns or rows, renamed or numbered columns, chosen
        sheet, removed NUL padding, lines decoded with another code page and the
        responses holding them).
    delimiter, sheet : str or None
        Field delimiter of a text file; sheet name of a workbook.
    """

    frame: pd.DataFrame
    questions: pd.DataFrame
    platform: str
    encoding: str | None
    source: str
    timezone: str | None = None
    header_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    value_labels: Mapping[str, Mapping[object, str]] = field(default_factory=dict)
    detection: str = ""
    notes: tuple[str, ...] = ()
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def n_responses(self) -> int:
        """Number of responses (rows of ``frame``)."""
        return len(self.frame)

    def summary(self) -> pd.DataFrame:
        """Tidy overview with columns ``field`` and ``value`` (both text)."""
        qs = self.questions
        items = [
            ("source", self.source),
            ("platform", self.platform),
            ("detection", self.detection),
            ("encoding", self.encoding),
            ("delimiter", self.delimiter),
            ("sheet", self.sheet),
            ("timezone", self.timezone),
            ("n_responses", len(self.frame)),
            ("n_columns", self.frame.shape[1]),
            ("n_metadata_columns", int(qs["is_metadata"].sum())),
            ("n_questions", int(qs.loc[~qs["is_metadata"], "question_id"].nunique())),
            ("n_header_rows", len(self.header_rows)),
            ("n_value_labels", len(self.value_labels)),
            ("notes", " | ".join(self.notes)),
        ]
        out = pd.DataFrame(items, columns=["field", "value"])
        out["value"] = [None if v is None else str(v) for v in out["value"]]
        return out.astype({"field": STR_DTYPE, "value": STR_DTYPE})

    def __repr__(self) -> str:
        return (f"SurveyExport(source={self.source!r}, platform={self.platform!r}, "
                f"responses={len(self.frame)}, columns={self.frame.shape[1]}, "
                f"encoding={self.encoding!r})")

    def _repr_html_(self) -> str:
        title = html.escape(f"{self.source}: {self.platform} export, {len(self.frame)} responses")
        return (f"<div><strong>{title}</strong>{self.summary().to_html(index=False)}"
                f"<p>Questions (first 20 of {len(self.questions)})</p>"
                f"{self.questions.head(20).to_html(index=False)}</div>")
