"""Platform detection and header-row interpretation (internal).

Each platform reader turns the header rows of a :class:`~._grid.Grid` into one
proposed column name and one ``questions`` record per source column.  Detection is
rule based and every rule returns the evidence it saw, which ends up in
``SurveyExport.detection``.
"""

from __future__ import annotations

import re

from ...errors import ExportFormatError, describe
from ._common import QUESTION_COLUMNS, Layout, question, row, slug
from ._common import import_id as _import_id
from ._formats import (
    alchemer_evidence,
    alchemer_layout,
    kobotoolbox_evidence,
    kobotoolbox_layout,
    limesurvey_evidence,
    limesurvey_layout,
    microsoft_forms_evidence,
    microsoft_forms_layout,
    typeform_evidence,
    typeform_layout,
)
from ._layouts import (
    SURVEYMONKEY_SUBLABELS,
    google_forms_layout,
    legacy_layout,
    plain_layout,
    qualtrics_layout,
    surveymonkey_layout,
)

__all__ = ["PLATFORMS", "QUESTION_COLUMNS", "Layout", "detect", "layout_for", "question", "slug"]

PLATFORMS = ("qualtrics", "qualtrics_legacy", "surveymonkey", "google_forms", "microsoft_forms",
             "alchemer", "typeform", "limesurvey", "kobotoolbox", "spss", "csv", "excel")

QUALTRICS_METADATA = frozenset({
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel",
    "UserLanguage",
})
SURVEYMONKEY_METADATA = frozenset({
    "respondent id", "collector id", "start date", "end date", "ip address", "email address",
    "first name", "last name", "respondentid", "collectorid", "startdate", "enddate", "lastname",
})
#: First-column headers Google Sheets writes for a form's submission time, by sheet locale.
GOOGLE_TIMESTAMP_HEADERS = frozenset({
    "timestamp", "marca temporal", "horodateur", "zeitstempel", "carimbo de data/hora",
    "informazioni cronologiche", "tijdstempel", "الطابع الزمني", "طابع زمني", "مهر زمانی", "زمان‌نما",
    "برچسب زمانی",
})

_DATA_LIKE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|-?\d+(\.\d+)?|true|false)\b",
    re.IGNORECASE,
)
_row = row


# ----------------------------------------------------------------------------- evidence
def _qualtrics_evidence(header, width) -> str | None:
    if len(header) < 3:
        return None
    cells = [c for c in _row(header, 2, width) if _import_id(c) is not None]
    n = len(cells)
    if not n or n < width / 2:
        return None
    if all(c.startswith("{'") for c in cells):
        return (f"row 3 holds ImportIds in the 2016 Qualtrics format ({cells[0]}, single quotes) in "
                f"{n} of {width} columns")
    return f"row 3 holds ImportId JSON in {n} of {width} columns"


def _legacy_evidence(header, width) -> str | None:
    row1, row2 = _row(header, 0, width), _row(header, 1, width)
    # V1, V2 alone are also R's default names: require the legacy row-2 labels as well
    if len(header) < 2 or row1[:2] != ["V1", "V2"] or row2[0] not in ("ResponseID", "ResponseSet"):
        return None
    k = 0
    while k < width and row1[k] == f"V{k + 1}":
        k += 1
    return f"row 1 starts with V1...V{k} and row 2 with {row2[0]!r}, the legacy Qualtrics layout"


def _qualtrics_ids_without_import_row(header, width) -> str | None:
    row1 = _row(header, 0, width)
    found = [c for c in row1 if c in QUALTRICS_METADATA]
    if len(found) < 3 or len(header) < 2:
        return None
    row2 = _row(header, 1, width)
    below = [row2[j] for j, c in enumerate(row1) if c in QUALTRICS_METADATA and row2[j]]
    if any(_DATA_LIKE.match(v) for v in below):
        return None  # row 2 is a response: a one-header-row table with Qualtrics names
    return f"row 1 names Qualtrics fields ({', '.join(found[:4])}) and row 2 holds their labels"


def _surveymonkey_evidence(header, width) -> str | None:
    if len(header) < 2:
        return None
    row1, row2 = _row(header, 0, width), _row(header, 1, width)
    where = [j for j, c in enumerate(row1) if c.lower() in SURVEYMONKEY_METADATA]
    subs = sorted({c for c in row2 if c.lower() in SURVEYMONKEY_SUBLABELS})
    n_subs = sum(c.lower() in SURVEYMONKEY_SUBLABELS for c in row2)
    if where and not any(row2[j] for j in where):  # SurveyMonkey leaves row 2 blank under them
        if row1[0].lower() in ("respondent id", "respondentid") or len(where) >= 2:
            meta = [row1[j] for j in where]
            tail = f" and row 2 sub-labels {subs}" if subs else ""
            return f"row 1 has SurveyMonkey metadata columns {meta[:4]} over blank row-2 cells{tail}"
    # no metadata columns: row 2 is the sub-header row all the same ("Response" under questions)
    filled = [c for c in row2 if c]
    labelled = all(row1[j] for j, c in enumerate(row2) if c.lower() in SURVEYMONKEY_SUBLABELS)
    if n_subs >= 2 and labelled and n_subs >= len(filled) / 4:
        return (f"row 2 is SurveyMonkey's sub-header row: {n_subs} of its {len(filled)} filled cells "
                f"are {subs}")
    return None


def _surveymonkey_shape(header, width) -> bool:
    if len(header) < 2:
        return False
    row1, row2 = _row(header, 0, width), _row(header, 1, width)
    continued = any(not row1[j] and row2[j] for j in range(1, width))
    return continued or any(c.lower() in SURVEYMONKEY_SUBLABELS for c in row2)


def _google_evidence(header, width) -> str | None:
    first = _row(header, 0, width)[0]
    if first.casefold() in GOOGLE_TIMESTAMP_HEADERS:
        return f"column 1 is headed {first!r}, the Google Forms submission timestamp"
    return None


def detect(header: list[list[str]], width: int, kind: str, requested: str, *, source: str):
    """Return ``(platform, evidence)`` for the header rows, checking a requested platform."""
    plain = "csv" if kind == "text" else "excel"
    checks = (
        ("qualtrics", _qualtrics_evidence(header, width)),
        ("qualtrics_legacy", _legacy_evidence(header, width)),
        ("qualtrics_no_import", _qualtrics_ids_without_import_row(header, width)),
        ("surveymonkey", _surveymonkey_evidence(header, width)),
        ("google_forms", _google_evidence(header, width)),
        ("microsoft_forms", microsoft_forms_evidence(header, width)),
        ("alchemer", alchemer_evidence(header, width)),
        ("typeform", typeform_evidence(header, width)),
        ("limesurvey", limesurvey_evidence(header, width)),
        ("kobotoolbox", kobotoolbox_evidence(header, width)),
    )
    found, evidence = next(((p, e) for p, e in checks if e), (plain, None))
    if found == "qualtrics_no_import" and requested in ("auto", "qualtrics"):
        row3 = _row(header, 2, width)[:3] if len(header) >= 3 else "no third row"
        raise ExportFormatError(
            describe(
                "Qualtrics export without its ImportId row", file=source, row=3,
                received=f"{row3} ({evidence})",
                expected='row 3 of JSON cells such as {"ImportId":"QID1"}; re-export with the '
                "ImportId row, or pass platform='csv' to read row 1 as plain column names",
            )
        )
    if found == "qualtrics_no_import":
        found, evidence = plain, None
    if requested == "auto" or requested == found:
        return found, evidence or f"no survey-platform header found; {plain} with one header row"
    if requested in ("csv", "excel"):
        if requested != plain:
            what = "a text file" if kind == "text" else "an Excel workbook"
            raise ExportFormatError(
                describe(f"platform={requested!r} does not match the file", file=source,
                         parameter="platform", received=requested,
                         expected=f"{plain!r}: the file is {what}")
            )
        return plain, f"platform={requested!r} requested: one plain header row"
    weak = {"google_forms": found == plain,
            "surveymonkey": found == plain and _surveymonkey_shape(header, width)}
    if weak.get(requested, False):
        return requested, f"platform={requested!r} requested (no {found}-specific header found)"
    saw = f"{found} ({evidence})" if evidence else f"a plain table ({_describe_rows(header, width)})"
    raise ExportFormatError(
        describe(f"The file is not a {requested} export", file=source, parameter="platform",
                 received=requested, expected=f"the platform found in the file: {saw}")
    )


def _describe_rows(header, width) -> str:
    parts = [f"row {i + 1} starts {_row(header, i, width)[:3]}" for i in range(min(3, len(header)))]
    return "; ".join(parts) or "no rows"




def layout_for(platform, header, width, evidence, body_of) -> Layout:
    """Dispatch to the platform's layout; ``body_of(n_header)`` returns the body cells."""
    if platform == "qualtrics":
        return qualtrics_layout(header, width, evidence)
    if platform == "qualtrics_legacy":
        return legacy_layout(header, width, evidence)
    if platform == "surveymonkey":
        return surveymonkey_layout(header, width, evidence, body_of(2))
    if platform == "google_forms":
        return google_forms_layout(header, width, evidence)
    if platform == "microsoft_forms":
        return microsoft_forms_layout(header, width, evidence)
    if platform == "alchemer":
        return alchemer_layout(header, width, evidence)
    if platform == "typeform":
        return typeform_layout(header, width, evidence, body_of(1))
    if platform == "limesurvey":
        return limesurvey_layout(header, width, evidence)
    if platform == "kobotoolbox":
        return kobotoolbox_layout(header, width, evidence, body_of(1))
    return plain_layout(header, width, evidence, platform)
