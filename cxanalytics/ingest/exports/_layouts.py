"""Header layouts of Qualtrics, SurveyMonkey and Google Forms exports and plain tables (internal).

Each layout turns the header rows into one proposed column name and one ``questions``
record per source column (see :mod:`._common`).
"""

from __future__ import annotations

import re

import pandas as pd

from ._common import Layout, import_id, metadata, question, row, slug, split_sub
from ._roles import contact_block, metadata_role

SURVEYMONKEY_SUBLABELS = frozenset({"response", "open-ended response"})
GOOGLE_METADATA = frozenset({"email address", "score", "total score"})
_GRID = re.compile(r"^(?P<question>.*?)\s*\[(?P<row>[^\[\]]*)\]\s*$", re.DOTALL)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# ImportIds: QID12, QID12_3, QID12#1_3 (side by side), QID12_TEXT; 2016 exports wrote dashes
_QID = re.compile(r"^(?P<qid>QID\d+)(?P<side>#\d+)?(?:_(?P<suffix>.+))?$")
_TIMING = frozenset({"FIRST_CLICK", "LAST_CLICK", "PAGE_SUBMIT", "CLICK_COUNT"})


def _qualtrics_kind(suffix: str | None) -> str:
    if suffix is None:
        return "question"
    if suffix == "TEXT":
        return "open_ended"
    if suffix in _TIMING:
        return "timing"
    if suffix == "NPS_GROUP":
        return "nps_group"
    if suffix == "DO" or suffix.endswith("_DO"):
        return "display_order"
    if re.fullmatch(r"(?:\d+_){2,}TEXT", suffix):
        return "open_ended"  # a text box in a matrix cell (2016: QID46-1-1-TEXT)
    if suffix.endswith("_TEXT"):
        return "other_specify"
    if suffix.startswith("TEXT_"):
        return "text_analytics"
    return "sub_item"


def qualtrics_layout(header, width, evidence) -> Layout:
    ids, texts, imports = (row(header, i, width) for i in range(3))
    names, recs, zones = [], [], set()
    for j in range(width):
        meta = import_id(imports[j]) or {}
        imp = str(meta.get("ImportId", "")) or None
        tz = meta.get("timeZone")
        if tz:
            zones.add(tz)
        m = _QID.match(imp.replace("-", "_") if imp and imp.startswith("QID") else (imp or ""))
        text, sub = texts[j], None
        names.append(ids[j] or (imp or ""))
        if m is None:
            recs.append(metadata(names[-1], j + 1, ids[j], metadata_role("qualtrics", ids[j], imp),
                                 question_text=text, import_id=imp, time_zone=tz))
            continue
        suffix = m.group("suffix")
        kind = _qualtrics_kind(suffix)
        if suffix == "TEXT" and recs and recs[-1]["question_id"] == m.group("qid"):
            kind = "other_specify"  # 2016 exports: QID6-TEXT after QID6 is its "Other" text box
        if suffix not in (None, "TEXT"):
            text, sub = split_sub(texts[j])
        recs.append(question(names[-1], j + 1, ids[j], question_id=m.group("qid"), question_text=text,
                             sub_question=sub, answer_type=kind, import_id=imp, time_zone=tz))
    notes = [f"time zones in the ImportId row: {sorted(zones)}"] if len(zones) > 1 else []
    return Layout("qualtrics", evidence, 3, names, recs, notes)


def legacy_layout(header, width, evidence) -> Layout:
    ids, texts = row(header, 0, width), row(header, 1, width)
    taken = set(ids)
    names, recs, renamed = [], [], []
    for j in range(width):
        name = ids[j]
        if re.fullmatch(r"V\d+", name) and _IDENT.match(texts[j]) and texts[j] not in taken:
            name = texts[j]
            taken.add(name)
            renamed.append(f"{ids[j]}->{name}")
        m = re.match(r"^(Q\d+)", ids[j])
        names.append(name)
        if m is None:
            role = metadata_role("qualtrics_legacy", name, texts[j])
            recs.append(metadata(name, j + 1, ids[j], role, question_text=texts[j]))
            continue
        text, sub = texts[j], None
        if "_" in ids[j]:
            text, sub = split_sub(texts[j])
        recs.append(question(name, j + 1, ids[j], question_id=m.group(1), question_text=text,
                             sub_question=sub, answer_type="question"))
    notes = [f"legacy V-columns renamed from their row-2 labels: {', '.join(renamed)}"] if renamed else []
    return Layout("qualtrics_legacy", evidence, 2, names, recs, notes)


def _surveymonkey_kind(sub: str, values: pd.Series, n_cols: int) -> tuple[str, str | None, str | None]:
    """``(answer_type, choice, sub_question)`` of one SurveyMonkey column."""
    low = sub.lower()
    if low == "response":
        return "single", None, None
    if low == "open-ended response":
        return "open_ended", None, None
    if re.match(r"other \(please specify\)", sub, re.IGNORECASE):
        return "other_specify", None, sub
    if len(values) and bool((values == sub).all()):
        return "choice", sub, None
    return ("matrix_row" if n_cols > 1 else "sub_item"), None, sub


def surveymonkey_layout(header, width, evidence, body: pd.DataFrame) -> Layout:
    row1, row2 = row(header, 0, width), row(header, 1, width)
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
            recs[j] = metadata(names[j], j + 1, row1[j], metadata_role("surveymonkey", row1[j]))
        elif kinds[j] == "unnamed":
            recs[j] = question("", j + 1, "")
    notes = []
    for n, cols in enumerate(groups, start=1):
        text = row1[cols[0]]
        contact = contact_block([row2[j] for j in cols]) if len(cols) >= 3 else None
        if contact:
            notes.append(f"question q{n} is a contact-information block: its {len(cols)} columns are "
                         "personal data")
        for k, j in enumerate(cols, start=1):
            names[j] = f"q{n}" if len(cols) == 1 else f"q{n}_{k}"
            values = body[j].dropna().astype(str).str.strip()
            kind, choice, sub = _surveymonkey_kind(row2[j], values, len(cols))
            recs[j] = question(names[j], j + 1, row1[j], question_id=f"q{n}", question_text=text,
                               sub_question=sub, choice=choice, answer_type=kind,
                               role=contact[k - 1] if contact else None)
    return Layout("surveymonkey", evidence, 2, names, recs, notes)


def google_forms_layout(header, width, evidence) -> Layout:
    row1 = row(header, 0, width)
    names, recs, n, last = [], [], 0, None
    for j, h in enumerate(row1):
        names.append(h)
        if j == 0 or h.casefold() in GOOGLE_METADATA:
            role = "submitted_at" if j == 0 else metadata_role("google_forms", h)
            recs.append(metadata(h, j + 1, h, role))
            last = None
            continue
        m = _GRID.match(h)
        text, sub = (m.group("question"), m.group("row").strip()) if m else (h, None)
        if not (m and text == last):
            n += 1
        last = text if m else None
        recs.append(question(h, j + 1, h, question_id=f"q{n}", question_text=text,
                             sub_question=sub, answer_type="grid_row" if m else "question",
                             role=metadata_role("google_forms_answers", h)))
    return Layout("google_forms", evidence, 1, names, recs)


def plain_layout(header, width, evidence, platform) -> Layout:
    row1 = row(header, 0, width)
    recs = [question(h, j + 1, h, question_text=h, role=metadata_role(platform, h))
            for j, h in enumerate(row1)]
    return Layout(platform, evidence, 1 if header else 0, list(row1), recs)
