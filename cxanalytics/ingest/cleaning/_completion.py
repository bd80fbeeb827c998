"""Completion and platform markers: the platform's own verdicts first, then the item rule (internal).

Survey platforms say themselves which responses are genuine and complete.  Their markers are
read here, keyed on column names (so they work whatever platform the reader detected) and on
the platform when it is known:

* **Qualtrics** ``Status`` ("Response Type"), text or numeric export.  The text labels are
  those of Qualtrics' "Understanding your dataset" page (qualtrics.com/support/survey-platform/
  data-and-analysis-module/data/download-data/understanding-your-dataset/): "IP Address" (a
  normal response), "Survey Preview", "Survey Test", "Spam", "Imported", "Offline".  Numeric
  exports write codes: 0 for a normal response and 1 for a preview (rOpenSci ``excluder``
  documentation of ``qualtrics_fetch``: "Status: numeric flag for preview (1) vs. implemented
  survey (0)"); 2 (test) and 8 (spam) are the codes analysts filter on in published Qualtrics
  cleaning scripts.  The codes combine as bit flags (1 preview, 2 test, 4 imported, 8 spam,
  16 offline; e.g. 9 = preview spam, 17 = offline preview), which is how they are read here:
  imported and offline responses are genuine and kept.  ``Finished`` (True/1) and
  ``Progress`` (< 100 = unfinished) say whether the respondent reached the end.
* **Alchemer** (SurveyGizmo) ``Status``: Complete, Partial or Disqualified (Alchemer API help,
  "SurveyResponse returned fields": ``status`` Complete, Partial, Disqualified).
* **LimeSurvey** ``submitdate``: empty until the respondent submits the last page
  (``lastpage`` is the last page seen).
* **Typeform** ``Submit Date (UTC)``: empty for a partial submission.
* **KoBoToolbox**: every exported record is a submitted form (``_submission_time``);
  ``_validation_status`` "Not Approved" is the project's own rejection.
* **Google Forms** stores a response only when the form is submitted.

Where no marker exists (SurveyMonkey CSV exports, plain tables), the *item rule* decides: a
response answering fewer than ``min_completion`` of the substantive questions is incomplete.
It counts **questions**, not columns: the choice columns of one multi-select question are one
question (answered when any choice is ticked), and "Other - Text" boxes, Qualtrics
``_NPS_GROUP`` columns, Text iQ topic and sentiment columns, timing columns (``_First
Click``, ``_Page Submit``, ``Q_Timer``), reCAPTCHA scores, embedded data and platform
metadata are never questions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import SCORED_KINDS, Codebook
from ._infer import squash
from ._values import answered as filled

#: Bit flags of a numeric Qualtrics ``Status`` (see the module docstring).
QUALTRICS_STATUS_BITS = {"preview": 1, "test": 2, "imported": 4, "spam": 8, "offline": 16}
#: Alchemer ``Status`` values and their verdict (None: complete).
ALCHEMER_STATUS = {"complete": None, "partial": "status = Partial (not finished)",
                   "disqualified": "status = Disqualified (screened out)"}  # fmt: skip
#: KoBoToolbox ``_validation_status`` values that reject a submission (label and code forms).
KOBO_REJECTED = frozenset({"notapproved", "validationstatusnotapproved"})
#: Platforms that export submitted responses only.
SUBMITTED_ONLY = {"google_forms": "Google Forms stores submitted responses only",
                  "typeform": "Typeform exports submitted responses", "kobotoolbox":
                  "KoBoToolbox exports submitted records", "microsoft_forms": "Microsoft Forms stores submitted responses only"}  # fmt: skip

#: Columns that are never questions, whatever the codebook says (names, header cells or ImportIds).
_NEVER_ITEM = re.compile(
    r"(?ix)("
    r"_TEXT$|-TEXT$|\s-\s*text$"  # Qualtrics "Other" text boxes (Q5_7_TEXT, "... - Other - Text")
    r"|other\s*-\s*write\s*in|other\s+word\(s\)|\(please\s+specify\)|\[(other|comment)\]$"  # other boxes
    r"|_NPS_GROUP$|\s-\s*group$"  # Qualtrics NPS group (Promoter/Passive/Detractor)
    r"|\s-\s*(parent\s+)?topics?$|\s-\s*(topic\s+)?sentiment(\s+(score|polarity|label))?$"  # Text iQ
    r"|\s-\s*topic\s+hierarchy(\s+level\s*\d+)?$|\s-\s*(actionability|effort(\s+numeric)?|emotion(\s+intensity)?)$"
    r"|_(first|last)[\s_]click$|_page[\s_]submit$|_click[\s_]count$|^q_?timer"  # timing questions
    r"|captcha"  # reCAPTCHA
    r"|^Q_[A-Za-z]"  # Qualtrics system embedded data (Q_RecaptchaScore, Q_TotalDuration, Q_URL, ...)
    r")"
)
#: Platform metadata by squashed column name, used when the export looks like that platform.
_KOBO_META = frozenset({"start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber",
                        "audit", "instanceid", "formhubuuid", "version"})  # fmt: skip
_LIME_META = frozenset({"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "refurl",
                        "ipaddr", "token", "interviewtime"})  # fmt: skip
_ALCHEMER_META = frozenset({"responseid", "timestarted", "datesubmitted", "status", "contactid", "legacycomments",
                            "comments", "language", "referer", "extendedreferer", "sessionid", "useragent",
                            "extendeduseragent", "tags", "ipaddress", "longitude", "latitude", "country", "city",
                            "stateregion", "postal", "linkid", "urlvariables"})  # fmt: skip
_TYPEFORM_META = frozenset({"", "networkid", "startdateutc", "submitdateutc", "responsetype", "tags", "ending"})
_LIME_SUB = re.compile(r"^(?P<q>[^\[\]]+)\[[^\[\]]+\]$")  # LimeSurvey sub-questions P5[O1]
_ALCHEMER_SUB = re.compile(r"^[^:#]+#\d+:(?P<q>.+)$")  # Alchemer multi-textbox "Tool #1:question"


@dataclass(frozen=True)
class Verdict:
    """The platform's completion verdict per row: 1 complete, 0 not complete, -1 no verdict."""

    code: np.ndarray
    why: np.ndarray  # reason text where code == 0
    sources: tuple[str, ...]


def _names(raw: pd.DataFrame) -> dict[str, str]:
    """Squashed column name -> column (first wins)."""
    out: dict[str, str] = {}
    for c in raw.columns:
        out.setdefault(squash(str(c)), c)
    return out


def _flavour(raw: pd.DataFrame, platform: str) -> set[str]:
    """Platforms whose metadata columns this export carries (by column names or the platform)."""
    names = set(_names(raw))
    raw_names = [str(c) for c in raw.columns]
    found = {platform} if platform else set()
    if {"submitdate", "lastpage"} <= names:
        found.add("limesurvey")
    if any(c.startswith("_") for c in raw_names) and ("uuid" in names or "submissiontime" in names):
        found.add("kobotoolbox")
    if {"timestarted", "datesubmitted"} <= names:
        found.add("alchemer")
    if raw_names and raw_names[0].strip() == "#":
        found.add("typeform")
    return found


def status_flags(values: pd.Series, *, numeric: bool) -> dict[str, np.ndarray]:
    """Masks ``preview``, ``test`` and ``spam`` of a Qualtrics ``Status`` column (text labels, and
    the numeric bit flags when ``numeric``), worked out over its distinct values."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    keys = [str(u).strip().casefold() for u in uniq]
    out = {}
    for name in ("preview", "test", "spam"):
        bit = QUALTRICS_STATUS_BITS[name]
        hit = []
        for k in keys:
            if numeric and re.fullmatch(r"\d+", k):
                hit.append(bool(int(k) & bit))
            elif name == "test":
                hit.append(k in ("test", "survey test") or k.startswith("survey test"))
            else:
                hit.append(name in k)
        out[name] = np.append(np.array(hit, dtype=bool), False)[codes]
    return out


def kobo_rejected(raw: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    """Rows whose KoBoToolbox ``_validation_status`` is "Not Approved", and the column read."""
    column = next((c for c in raw.columns if squash(str(c)) == "validationstatus" and str(c).startswith("_")), None)
    if column is None:
        return np.zeros(len(raw), dtype=bool), None
    codes, uniq = pd.factorize(raw[column], use_na_sentinel=True)
    bad = np.array([squash(str(u)) in KOBO_REJECTED for u in uniq] + [False], dtype=bool)
    return bad[codes], str(column)


def verdict(data: pd.DataFrame, raw: pd.DataFrame, platform: str) -> Verdict:
    """The platform's own completion verdict for every row (see the module docstring).

    ``data`` holds the cleaned rule columns (``finished``, ``progress``, ``status``).
    """
    n = len(raw)
    code = np.full(n, -1, dtype=np.int8)
    why = np.full(n, "", dtype=object)
    sources: list[str] = []
    flavour = _flavour(raw, platform)
    names = _names(raw)

    def mark(done: np.ndarray, text: np.ndarray | str, *, complete: np.ndarray | None = None) -> None:
        new = done & (code != 0)
        why[new] = text[new] if isinstance(text, np.ndarray) else text
        code[done] = 0
        if complete is not None:
            code[complete & (code == -1)] = 1

    platform_all = next((SUBMITTED_ONLY[p] for p in sorted(flavour) if p in SUBMITTED_ONLY), None)
    if platform_all:
        code[:] = 1
        sources.append(platform_all)
    if "finished" in data.columns:
        f = data["finished"]
        mark(f.eq(False).fillna(False).to_numpy(dtype=bool), "finished = False",
             complete=f.eq(True).fillna(False).to_numpy(dtype=bool))  # fmt: skip
        sources.append("finished")
    if "progress" in data.columns:
        p = data["progress"].to_numpy(dtype=float)
        low = ~np.isnan(p) & (p < 100)
        text = np.full(n, "", dtype=object)
        text[low] = [f"progress {v:g} %" for v in np.round(p[low], 1)]
        mark(low, text, complete=(p >= 100) if "finished" not in data.columns else None)
        sources.append("progress < 100")
    if "status" in data.columns:
        codes, uniq = pd.factorize(data["status"], use_na_sentinel=True)
        keys = [str(u).strip().casefold() for u in uniq]
        if keys and set(keys) <= set(ALCHEMER_STATUS) and ({"complete", "partial"} & set(keys)):
            texts = np.array([ALCHEMER_STATUS[k] or "" for k in keys] + [""], dtype=object)[codes]
            bad = np.array([ALCHEMER_STATUS[k] is not None for k in keys] + [False], dtype=bool)[codes]
            ok = np.array([k == "complete" for k in keys] + [False], dtype=bool)[codes]
            mark(bad, texts, complete=ok)
            sources.append("status Complete/Partial/Disqualified")
    for key, label in (("submitdate", "LimeSurvey submitdate"), ("submitdateutc", "Typeform Submit Date")):
        if key == "submitdate" and "limesurvey" not in flavour:
            continue
        column = names.get(key)
        if column is None:
            continue
        sent = filled(raw[column])
        text = f"{label} empty: not submitted"
        if key == "submitdate" and "lastpage" in names:
            last = raw[names["lastpage"]].astype("str").fillna("?")
            text = (f"{label} empty: not submitted (last page " + last + ")").to_numpy(dtype=object)
        mark(~sent, text, complete=sent)
        sources.append(label)
    return Verdict(code, why, tuple(sources))


def _is_excluded(column: str, q: dict, flavour: set[str]) -> bool:
    if q.get("answer_type") in ("other_specify", "text_analytics", "metadata") or q.get("is_metadata") is True:
        return True
    texts = [column, q.get("header"), q.get("import_id"), q.get("sub_question")]
    if any(isinstance(t, str) and _NEVER_ITEM.search(t.strip()) for t in texts):
        return True
    key = squash(column)
    if "kobotoolbox" in flavour and (column.startswith("_") or key in _KOBO_META):
        return True
    if "limesurvey" in flavour and (key in _LIME_META or key.endswith("time")):  # timings: interviewtime, P1Time
        return True
    if "alchemer" in flavour and key in _ALCHEMER_META:
        return True
    return "typeform" in flavour and key in _TYPEFORM_META


def question_groups(book: Codebook, questions: pd.DataFrame | None, raw: pd.DataFrame,
                    platform: str) -> list[list[str]]:  # fmt: skip
    """The substantive questions of an export, each as the list of its columns.

    Scored columns (ratings, matrix rows) are one question each; the other counted columns
    (segments, multi-select choices) that share a question (the export's ``question_id``, the
    codebook ``grid``, a LimeSurvey ``Q[SQ]`` stem or an Alchemer ``Name #k:`` question) form
    one question.  Excluded columns are listed in the module docstring.
    """
    flavour = _flavour(raw, platform)
    qs: dict[str, dict] = {}
    if questions is not None and len(questions):
        qs = {str(r["column"]): r for r in questions.to_dict("records")}
    t = book.table
    counted = t[t["kind"].isin(SCORED_KINDS | {"segment", "multi"})]
    groups: dict[object, list[str]] = {}
    for column, kind, grid in zip(counted["column"], counted["kind"], counted["grid"], strict=True):
        column = str(column)
        q = qs.get(column, {})
        if _is_excluded(column, q, flavour):
            continue
        if kind in SCORED_KINDS:
            key: object = ("item", column)
        else:
            qid = q.get("question_id")
            lime = _LIME_SUB.match(column)
            alch = _ALCHEMER_SUB.match(column)
            if isinstance(qid, str) and qid:
                key = ("question", qid)
            elif isinstance(grid, str) and grid:
                key = ("grid", grid)
            elif lime:
                key = ("question", lime.group("q"))
            elif alch:
                key = ("question", alch.group("q").strip())
            else:
                key = ("item", column)
        groups.setdefault(key, []).append(column)
    return list(groups.values())


def answered_questions(raw: pd.DataFrame, groups: list[list[str]],
                       counted: tuple[np.ndarray | None, list[str]] | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Questions answered per row, and whether each row answered one of the last questions.

    A question with several columns is answered when any of them is non-blank.  The *last
    questions* are the final fifth (at least one) of ``groups`` in the export's column order:
    a respondent who answered one of them reached the end of the questionnaire.  ``counted`` is
    ``(count, columns)``: non-blank cells per row already summed over ``columns`` (the scored
    columns, counted while they were recoded); one-column questions among them are reused and
    columns that are not questions are taken back out.
    """
    total = np.zeros(len(raw), dtype=np.int64)
    done: Counter = Counter()
    if counted is not None and counted[0] is not None:
        total += counted[0]
        done = Counter(counted[1])
    position = {c: k for k, c in enumerate(raw.columns)}
    ordered = sorted(groups, key=lambda cols: min(position.get(c, len(position)) for c in cols))
    n_tail = max(1, -(-len(ordered) // 5))
    tail = np.zeros(len(raw), dtype=bool)
    for k, columns in enumerate(ordered):
        hit = None
        if len(columns) == 1 and done[columns[0]]:
            done[columns[0]] -= 1  # already in the total
        else:
            hit = np.zeros(len(raw), dtype=bool)
            for c in columns:
                hit |= filled(raw[c])
            total += hit
        if k >= len(ordered) - n_tail:
            tail |= hit if hit is not None else filled(raw[columns[0]])
    for c, k in done.items():  # summed while recoding but not a question: taken back out
        if k:
            total -= k * filled(raw[c])
    return total, tail
