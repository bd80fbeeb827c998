"""Platform detection and header-row interpretation (internal).

Each platform reader turns the header rows of a :class:`~._grid.Grid` into one
proposed column name and one ``questions`` record per source column.  Detection is
rule based and every rule returns the evidence it saw, which ends up in
``SurveyExport.detection``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from ..errors import ExportFormatError, describe

PLATFORMS = ("qualtrics", "qualtrics_legacy", "surveymonkey", "google_forms", "spss", "csv", "excel")

QUALTRICS_METADATA = frozenset({
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel",
    "UserLanguage",
})
SURVEYMONKEY_METADATA = frozenset({
    "respondent id", "collector id", "start date", "end date", "ip address", "email address",
    "first name", "last name",
})
SURVEYMONKEY_SUBLABELS = frozenset({"response", "open-ended response"})
#: First-column headers Google Sheets writes for a form's submission time, by sheet locale.
GOOGLE_TIMESTAMP_HEADERS = frozenset({
    "timestamp", "marca temporal", "horodateur", "zeitstempel", "carimbo de data/hora",
    "informazioni cronologiche", "tijdstempel", "الطابع الزمني", "طابع زمني", "مهر زمانی", "زمان‌نما",
    "برچسب زمانی",
})
GOOGLE_METADATA = frozenset({"email address", "score", "total score"})

_DATA_LIKE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|-?\d+(\.\d+)?|true|false)\b",
    re.IGNORECASE,
)
_GRID = re.compile(r"^(?P<question>.*?)\s*\[(?P<row>[^\[\]]*)\]\s*$", re.DOTALL)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QID = re.compile(r"^(?P<qid>QID\d+)(?:_(?P<suffix>.+))?$")

QUESTION_COLUMNS = (
    "column", "position", "header", "question_id", "question_text", "sub_question", "choice",
    "answer_type", "import_id", "time_zone", "is_metadata", "measure", "missing_codes",
)


def question(column: str, position: int, header: str, **fields) -> dict:
    """One ``questions`` record; fields not given are missing."""
    rec = dict.fromkeys(QUESTION_COLUMNS)
    rec.update(column=column, position=position, header=header, is_metadata=False)
    for key, value in fields.items():
        if key not in rec:
            raise KeyError(key)  # programming error, not user input
        rec[key] = value if value != "" else None
    return rec


@dataclass
class Layout:
    """How the header rows of a grid map onto frame columns."""

    platform: str
    evidence: str
    n_header: int
    names: list[str]  # proposed name per source column ("" = unnamed)
    questions: list[dict]
    notes: list[str] = field(default_factory=list)


def _row(header: list[list[str]], i: int, width: int) -> list[str]:
    row = header[i] if i < len(header) else []
    return [c.strip() if isinstance(c, str) else "" for c in row] + [""] * (width - len(row))


def _import_id(cell: str) -> dict | None:
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        obj = json.loads(cell)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and "ImportId" in obj else None


def slug(text: str) -> str:
    """ASCII snake_case of a header (``"Respondent ID"`` -> ``"respondent_id"``)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", ascii_.lower()).strip("_")


# ----------------------------------------------------------------------------- evidence
def _qualtrics_evidence(header, width) -> str | None:
    if len(header) < 3:
        return None
    n = sum(_import_id(c) is not None for c in _row(header, 2, width))
    return f"row 3 holds ImportId JSON in {n} of {width} columns" if n and n >= width / 2 else None


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
    if not where or any(row2[j] for j in where):
        return None  # SurveyMonkey leaves row 2 blank under its metadata columns
    if row1[0].lower() != "respondent id" and len(where) < 2:
        return None
    meta = [row1[j] for j in where]
    subs = sorted({c for c in row2 if c.lower() in SURVEYMONKEY_SUBLABELS})
    tail = f" and row 2 sub-labels {subs}" if subs else ""
    return f"row 1 has SurveyMonkey metadata columns {meta[:4]} over blank row-2 cells{tail}"


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


# ----------------------------------------------------------------------------- layouts
def _split_sub(text: str) -> tuple[str, str | None]:
    if " - " in text:
        left, right = text.rsplit(" - ", 1)
        return left.strip(), right.strip()
    return text, None


def qualtrics_layout(header, width, evidence) -> Layout:
    ids, texts, imports = (_row(header, i, width) for i in range(3))
    names, recs, zones = [], [], set()
    for j in range(width):
        meta = _import_id(imports[j]) or {}
        imp = str(meta.get("ImportId", "")) or None
        tz = meta.get("timeZone")
        if tz:
            zones.add(tz)
        m = _QID.match(imp or "")
        text, sub = texts[j], None
        if m is None:
            kind = "metadata"
        else:
            suffix = m.group("suffix")
            kind = ("question" if suffix is None else "open_ended" if suffix == "TEXT"
                    else "other_specify" if suffix.endswith("_TEXT")
                    else "text_analytics" if suffix.startswith("TEXT_") else "sub_item")
            if suffix not in (None, "TEXT"):
                text, sub = _split_sub(texts[j])
        names.append(ids[j] or (imp or ""))
        recs.append(question(names[-1], j + 1, ids[j], question_id=m.group("qid") if m else None,
                             question_text=text, sub_question=sub, answer_type=kind,
                             import_id=imp, time_zone=tz, is_metadata=m is None))
    notes = [f"time zones in the ImportId row: {sorted(zones)}"] if len(zones) > 1 else []
    return Layout("qualtrics", evidence, 3, names, recs, notes)


def legacy_layout(header, width, evidence) -> Layout:
    ids, texts = _row(header, 0, width), _row(header, 1, width)
    taken = set(ids)
    names, recs, renamed = [], [], []
    for j in range(width):
        name = ids[j]
        if re.fullmatch(r"V\d+", name) and _IDENT.match(texts[j]) and texts[j] not in taken:
            name = texts[j]
            taken.add(name)
            renamed.append(f"{ids[j]}->{name}")
        m = re.match(r"^(Q\d+)", ids[j])
        text, sub = texts[j], None
        if m and "_" in ids[j]:
            text, sub = _split_sub(texts[j])
        names.append(name)
        recs.append(question(name, j + 1, ids[j], question_id=m.group(1) if m else None,
                             question_text=text, sub_question=sub,
                             answer_type="question" if m else "metadata", is_metadata=m is None))
    notes = [f"legacy V-columns renamed from their row-2 labels: {', '.join(renamed)}"] if renamed else []
    return Layout("qualtrics_legacy", evidence, 2, names, recs, notes)


def surveymonkey_layout(header, width, evidence, body: pd.DataFrame) -> Layout:
    row1, row2 = _row(header, 0, width), _row(header, 1, width)
    groups: list[list[int]] = []
    kinds: dict[int, str] = {}
    current = None
    for j in range(width):
        h1, h2 = row1[j], row2[j]
        if h1 and not h2:
            kinds[j], current = "metadata", None
        elif h1 or (h2 and current is None):
            groups.append([j])
            kinds[j], current = "question", h1
        elif h2:
            groups[-1].append(j)
            kinds[j] = "question"
        else:
            kinds[j] = "unnamed"
    names = [""] * width
    recs: list[dict | None] = [None] * width
    for j in range(width):
        if kinds[j] == "metadata":
            names[j] = slug(row1[j]) or f"meta_{j + 1}"
            recs[j] = question(names[j], j + 1, row1[j], question_text=row1[j],
                               answer_type="metadata", is_metadata=True)
        elif kinds[j] == "unnamed":
            recs[j] = question("", j + 1, "")
    for n, cols in enumerate(groups, start=1):
        text = row1[cols[0]]
        for k, j in enumerate(cols, start=1):
            names[j] = f"q{n}" if len(cols) == 1 else f"q{n}_{k}"
            sub = row2[j]
            values = body[j].dropna().astype(str).str.strip()
            if sub.lower() == "response":
                kind, choice, sub = "single", None, None
            elif sub.lower() == "open-ended response":
                kind, choice, sub = "open_ended", None, None
            elif re.match(r"other \(please specify\)", sub, re.IGNORECASE):
                kind, choice = "other_specify", None
            elif len(values) and bool((values == sub).all()):
                kind, choice, sub = "choice", sub, None
            else:
                kind, choice = ("matrix_row" if len(cols) > 1 else "sub_item"), None
            recs[j] = question(names[j], j + 1, row1[j], question_id=f"q{n}", question_text=text,
                               sub_question=sub, choice=choice, answer_type=kind)
    return Layout("surveymonkey", evidence, 2, names, recs)


def google_forms_layout(header, width, evidence) -> Layout:
    row1 = _row(header, 0, width)
    names, recs, n, last = [], [], 0, None
    for j, h in enumerate(row1):
        names.append(h)
        if j == 0 or h.casefold() in GOOGLE_METADATA:
            recs.append(question(h, j + 1, h, question_text=h, answer_type="metadata",
                                 is_metadata=True))
            last = None
            continue
        m = _GRID.match(h)
        text, sub = (m.group("question"), m.group("row").strip()) if m else (h, None)
        if not (m and text == last):
            n += 1
        last = text if m else None
        recs.append(question(h, j + 1, h, question_id=f"q{n}", question_text=text,
                             sub_question=sub, answer_type="grid_row" if m else "question"))
    return Layout("google_forms", evidence, 1, names, recs)


def plain_layout(header, width, evidence, platform) -> Layout:
    row1 = _row(header, 0, width)
    recs = [question(h, j + 1, h, question_text=h) for j, h in enumerate(row1)]
    return Layout(platform, evidence, 1 if header else 0, list(row1), recs)


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
    return plain_layout(header, width, evidence, platform)
