"""Alchemer, Typeform, LimeSurvey, KoBoToolbox and Microsoft Forms exports (internal).

Each platform has an ``*_evidence(header, width)`` function that returns the evidence it
was recognised by (or ``None``) and a layout that names the columns and fills their
``questions`` records (see :mod:`._common`); the metadata roles come from :mod:`._roles`.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from ._common import Layout, metadata, question, row, squash
from ._roles import KOBO_FORM, KOBO_SERVER, metadata_role

# ----------------------------------------------------------------------------- Microsoft Forms
_MS_FIRST = ["id", "start time", "completion time"]


def microsoft_forms_evidence(header, width) -> str | None:
    row1 = [c.casefold() for c in row(header, 0, width)]
    if row1[:3] == _MS_FIRST:
        return f"columns 1-3 are headed {row(header, 0, width)[:3]}, the Microsoft Forms export"
    return None


def microsoft_forms_layout(header, width, evidence) -> Layout:
    row1 = row(header, 0, width)
    recs = []
    fixed = True
    for j, h in enumerate(row1):
        role = metadata_role("microsoft_forms", h) if fixed else None
        if role is None and j >= 3:
            fixed = False  # the fixed columns come first; the questions follow
        quiz = re.match(r"^(Points|Feedback) - (.+)$", h)
        if role is not None or quiz:
            recs.append(metadata(h, j + 1, h, role or ("quiz_" + quiz.group(1).lower())))
        else:
            recs.append(question(h, j + 1, h, question_id=f"q{j + 1}", question_text=h,
                                 answer_type="question", role=metadata_role("any", h)))
    return Layout("microsoft_forms", evidence, 1, list(row1), recs)


# ----------------------------------------------------------------------------- Alchemer
_ALCHEMER_MARKERS = ("timestarted", "datesubmitted")


def alchemer_evidence(header, width) -> str | None:
    row1 = row(header, 0, width)
    keys = [squash(h) for h in row1[:25]]
    if all(m in keys for m in _ALCHEMER_MARKERS):
        known = [h for h in row1[:25] if metadata_role("alchemer", h)]
        return f"columns {known[:5]} are Alchemer (SurveyGizmo) response fields"
    return None


def alchemer_layout(header, width, evidence) -> Layout:
    """Alchemer heads sub-columns ``"{row or option}:{question}"`` (``"Other - Write In:..."``)."""
    row1 = row(header, 0, width)
    full = set(row1)
    rights = Counter(h.split(":", 1)[1].lstrip(":").strip() for h in row1 if ":" in h)
    recs, ids, leading = [], {}, True
    for j, h in enumerate(row1):
        role = metadata_role("alchemer", h) if leading else metadata_role("any", h)
        leading = leading and role is not None
        if role is not None and (leading or role in ("email", "ip_address", "latitude", "longitude")):
            recs.append(metadata(h, j + 1, h, role))
            continue
        text, sub, kind = h, None, "question"
        if ":" in h:
            left, right = h.split(":", 1)
            right = right.lstrip(":").strip()
            if right and (right in full or rights[right] >= 2):
                text, sub = right, left.strip()
                kind = "other_specify" if re.match(r"other\b", sub, re.IGNORECASE) else "sub_item"
        qid = ids.setdefault(text, f"q{len(ids) + 1}")
        recs.append(question(h, j + 1, h, question_id=qid, question_text=text, sub_question=sub,
                             answer_type=kind))
    return Layout("alchemer", evidence, 1, list(row1), recs)


# ----------------------------------------------------------------------------- Typeform
_TOKEN = re.compile(r"^[a-z0-9]{32}$")
_TYPEFORM_FIXED = ("startdateutc", "submitdateutc", "networkid", "stagedateutc")
_MARKDOWN = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def strip_markdown(text: str) -> str:
    """Question text without Typeform's markdown (``*bold*``, ``_italic_``, ``[link](url)``)."""
    return _MARKDOWN.sub(r"\2", _LINK.sub(r"\1", text)).replace("\\*", "*").replace("\\_", "_")


def typeform_evidence(header, width) -> str | None:
    row1 = row(header, 0, width)
    fixed = [h for h in row1 if squash(h) in _TYPEFORM_FIXED]
    tokens = [r[0] for r in header[1:] if r and isinstance(r[0], str) and _TOKEN.match(r[0].strip())]
    if row1[0] == "#" and (fixed or (len(header) > 1 and len(tokens) == len(header) - 1)):
        why = f"Typeform columns {fixed}" if fixed else "32-character response tokens"
        return f"column 1 is headed '#' with {why}"
    if {"submitdateutc", "networkid"} <= {squash(h) for h in row1}:
        return f"Typeform columns {fixed}"
    return None


def _choice_runs(row1: list[str], values: list[pd.Series], fixed: set[int]) -> set[int]:
    """Columns of multiple-selection questions: runs of columns that hold only their own header
    (or nothing), at least one of them ticked somewhere, ``Other`` columns included."""
    proven = [len(v) > 0 and bool((v == h).all()) for h, v in zip(row1, values, strict=True)]
    out: set[int] = set()
    j = 0
    while j < len(row1):
        k = j
        while k < len(row1) and k not in fixed and (proven[k] or not len(values[k])
                                                    or (k > j and row1[k].casefold() == "other")):
            k += 1
        if k - j >= 2 and any(proven[j:k]):
            out.update(range(j, k))
        j = max(k, j + 1)
    return out


def typeform_layout(header, width, evidence, body: pd.DataFrame) -> Layout:
    """Multiple-selection questions are one column per choice, headed by the choice and holding it
    when ticked: consecutive such columns form one question (a repeated choice starts the next
    one), and an ``Other`` column holds the text typed for "Other"."""
    row1 = row(header, 0, width)
    roles: dict[int, str] = {}
    after_submit = False
    for j, h in enumerate(row1):
        key = squash(h)
        if j == 0 and h == "#":
            roles[j] = "response_id"
        elif key in _TYPEFORM_FIXED or key == "responsetype" or after_submit:
            role = metadata_role("typeform", h)
            if role is not None:
                roles[j] = role
        after_submit = after_submit or key == "submitdateutc"
    values = [body[j].dropna().astype(str).str.strip() for j in range(width)]
    choices = _choice_runs(row1, values, set(roles))
    recs, n, labels = [], 0, None
    for j, h in enumerate(row1):
        if j in roles:
            recs.append(metadata(h, j + 1, h, roles[j]))
            labels = None
            continue
        text = strip_markdown(h)
        other = h.casefold() == "other" and j > 0 and (j in choices or recs[-1]["answer_type"] == "question")
        if other:
            prev = recs[-1]
            recs.append(question(h, j + 1, h, question_id=prev["question_id"], question_text=prev["question_text"],
                                 sub_question=h, answer_type="other_specify"))  # fmt: skip
            labels = None
        elif j in choices:
            if labels is None or h in labels:
                n, labels = n + 1, set()
            labels.add(h)
            recs.append(question(h, j + 1, h, question_id=f"q{n}", choice=text, answer_type="choice"))
        else:
            n, labels = n + 1, None
            recs.append(question(h, j + 1, h, question_id=f"q{n}", question_text=text,
                                 answer_type="question", role=metadata_role("any", text)))
    return Layout("typeform", evidence, 1, list(row1), recs)


# ----------------------------------------------------------------------------- LimeSurvey
_LS_CODES = ["id", "submitdate", "lastpage", "startlanguage"]
_LS_SUB = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*)\[(?P<sub>[^\[\]]+)\]$")
_LS_TIMING = re.compile(r"^(?:\d+X\d+(?:X\d+\w*)?time|interviewtime|groupTime\d+)$", re.IGNORECASE)
#: ISO 639-1 language codes (LimeSurvey's ``startlanguage``, optionally with a variant: de-informal, pt-BR)
_ISO639 = frozenset("""aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi
mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd
se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa
wo xh yi yo za zh zu""".split())
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _language(cell: str) -> bool:
    return re.split(r"[-_]", cell, maxsplit=1)[0] in _ISO639


def _limesurvey_by_values(header, width) -> bool:
    """Full-text headings in any language: in every response row shown, the first four columns
    hold LimeSurvey's fixed fields (a whole number, a submission time ``YYYY-MM-DD hh:mm:ss`` or
    nothing, a page number or nothing, an ISO 639-1 language code), at least one submitted."""
    rows = [row(header, i, width) for i in range(1, len(header))]

    def fits(r):
        return (r[0].isdigit() and (not r[1] or bool(_DATE.match(r[1]))) and (not r[2] or r[2].isdigit())
                and _language(r[3]))

    return width >= 5 and len(rows) >= 1 and all(fits(r) for r in rows) and any(r[1] for r in rows)


def limesurvey_evidence(header, width) -> str | None:
    row1 = row(header, 0, width)
    if [h.lower() for h in row1[:4]] == _LS_CODES:
        return f"columns 1-4 are LimeSurvey's response fields {row1[:4]}"
    if _limesurvey_by_values(header, width):
        return (f"columns 1-4 ({row1[:4]}) hold a response id, a submission date, a last page and a "
                "start language, LimeSurvey's first fields")
    return None


def limesurvey_layout(header, width, evidence) -> Layout:
    row1 = row(header, 0, width)
    by_position = [h.lower() for h in row1[:4]] != _LS_CODES
    recs, leading = [], True
    for j, h in enumerate(row1):
        role = metadata_role("limesurvey", h)
        if by_position and j < 4:
            role = ("response_id", "submitted_at", "last_page", "language")[j]
        leading = leading and role is not None
        if role is not None and (leading or role in ("duration_s", "ip_address", "email")):
            recs.append(metadata(h, j + 1, h, role))
            continue
        if _LS_TIMING.match(h):
            recs.append(question(h, j + 1, h, question_text=h, answer_type="timing", is_metadata=True))
            continue
        m = _LS_SUB.match(h) or re.match(r"^(?P<code>.*?)\s*\[(?P<sub>[^\[\]]*)\]\s*$", h, re.DOTALL)
        if m:
            sub = m.group("sub").strip()
            kind = "other_specify" if sub.lower() in ("other", "comment", "otro", "autre") else "sub_item"
            recs.append(question(h, j + 1, h, question_id=m.group("code").strip(), question_text=m.group("code").strip(),
                                 sub_question=sub, answer_type=kind))  # fmt: skip
        else:
            recs.append(question(h, j + 1, h, question_id=h, question_text=h, answer_type="question"))
    return Layout("limesurvey", evidence, 1, list(row1), recs)


# ----------------------------------------------------------------------------- KoBoToolbox
_KOBO_MARKERS = frozenset({"uuid", "submissiontime", "validationstatus", "version", "index", "submittedby"})
_GEO = re.compile(r"^_(?P<q>.+)_(?P<part>latitude|longitude|altitude|precision)$")
_GEOPOINT = re.compile(r"^-?\d+(\.\d+)? -?\d+(\.\d+)?( -?\d+(\.\d+)?){0,2}$")


def kobotoolbox_evidence(header, width) -> str | None:
    row1 = row(header, 0, width)
    found = [h for h in row1 if h.startswith("_") and squash(h) in _KOBO_MARKERS]
    if len(found) >= 2:
        return f"KoBoToolbox server columns {found[:5]}"
    return None


def kobotoolbox_layout(header, width, evidence, body: pd.DataFrame) -> Layout:
    """Group paths ``group/question`` give the question text; ``q/choice`` columns after ``q``
    are the choices of a multiple-select question; geopoints are personal data."""
    row1 = row(header, 0, width)
    recs, seen = [], set()
    for j, h in enumerate(row1):
        key = squash(h)
        geo = _GEO.match(h)
        if h.startswith("_"):
            role = KOBO_SERVER.get(key) or (({"latitude": "latitude", "longitude": "longitude"}
                                             .get(geo.group("part"), "location")) if geo else None)
            recs.append(metadata(h, j + 1, h, role))
            continue
        if key in KOBO_FORM:
            recs.append(metadata(h, j + 1, h, KOBO_FORM[key]))
            continue
        parent, _, last = h.rpartition("/")
        values = body[j].dropna().astype(str).str.strip()
        role = "location" if len(values) and bool(values.str.match(_GEOPOINT).all()) else metadata_role("any", last or h)
        if parent and parent in seen:
            recs.append(question(h, j + 1, h, question_id=parent, question_text=parent.rpartition("/")[2],
                                 choice=last, answer_type="choice", role=role))  # fmt: skip
        else:
            recs.append(question(h, j + 1, h, question_id=h, question_text=last or h,
                                 sub_question=None, answer_type="question", role=role))
        seen.add(h)
    return Layout("kobotoolbox", evidence, 1, list(row1), recs)
