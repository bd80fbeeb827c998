"""Personal data among the answer columns of an export (internal).

Platform metadata (IP address, e-mail, names, location, user names) is named by the reader
(``SurveyExport.questions.role``).  Answer columns are judged here, from the question text
*and* the answers, so that a question that merely mentions an e-mail address (a consent
text quoting the investigators' addresses) is not taken for personal data, and a question
that asks for people's names is, whatever its wording:

* a question-text keyword for e-mail, phone or name (:mod:`._keywords`) is kept unless
  every answer is one of at most ten numbers (coded choices such as consent ``1``);
* a question whose text mentions a name (``name``, ``nombre``, ``nom``, ``اسم``, ``نام``)
  is personal data when at least half of its answers look like people's names: one or
  more names (one a line, or separated by commas, ``;`` or "and"), each two to four
  words of the Latin script starting with a capital (titles such as ``Dr.`` or
  ``Prof.`` and particles such as ``van`` or ``del`` allowed), without digits.  Names in
  scripts without capitals (Arabic, Persian) are not recognised by their answers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._audit import REDACTED
from ._values import Context, _arrow_text, match_key

_NAME_WORD = re.compile(r"\b(names?|nombres?|noms?|nome|namen|اسم|أسماء|نام)\b", re.IGNORECASE)
_TITLE = r"(?:(?:Prof|Dr|Mr|Mrs|Ms|Mx|Sr|Sra|Dra|Mme|M)\.?\s+)*"
_PARTICLE = r"(?:\s+(?:van|von|der|den|de|del|da|di|du|la|le|bin|al|el))*"
_TOKEN = r"[A-Z\u00c0-\u00de][^\W\d_]*(?:[-'’][^\W\d_]+)*\.?"  # Latin script: a capital first
_PERSON = re.compile(rf"^{_TITLE}{_TOKEN}(?:{_PARTICLE}\s+{_TOKEN}){{1,3}}$")
_SEPARATORS = re.compile(r"\n|,|;|\s+and\s+|\s+&\s+|\s+y\s+|\s+et\s+")
_SAMPLE = 2000
_BLOCK = 1 << 14  # rows per block of the known-personal-data scrub


def looks_like_name(text: str) -> bool:
    """Whether every name listed in ``text`` reads as a person's name (``"Jessica Hamrick"``).

    Examples
    --------
    >>> looks_like_name("Prof. Dr. Lars Kaleschke"), looks_like_name("Tom Griffiths\\nJessica Hamrick")
    (True, True)
    >>> looks_like_name("COGSCI 131"), looks_like_name("Introduction to data science")
    (False, False)
    """
    lines = [ln.strip() for ln in _SEPARATORS.split(str(text)) if ln.strip()]
    return bool(lines) and all(len(ln) <= 60 and _PERSON.match(ln) is not None for ln in lines)


def names_column(question: str, values: pd.Series) -> bool:
    """Whether a column asking about names holds people's names (half of its answers or more)."""
    if not isinstance(question, str) or not _NAME_WORD.search(question):
        return False
    answers = values.dropna().astype(str).str.strip()
    answers = answers[answers != ""].head(_SAMPLE)
    if len(answers) < 3:
        return False
    return float(answers.map(looks_like_name).mean()) >= 0.5


def coded_choices(values: pd.Series) -> bool:
    """Whether every answer is one of at most ten numbers (a coded single choice)."""
    answers = values.dropna().astype(str).str.strip()
    answers = answers[answers != ""]
    if not len(answers):
        return False
    numbers = pd.to_numeric(answers, errors="coerce")
    return bool(numbers.notna().all()) and numbers.nunique() <= 10


def adjust_role(role: tuple[str, str] | None, question: str, values: pd.Series) -> tuple[str, str] | None:
    """The keyword role of an answer column, corrected by its answers (see the module notes)."""
    if role is not None and role[0] == "pii" and coded_choices(values):
        return None
    if (role is None or role[0] != "pii") and names_column(question, values):
        return "pii", "name"
    return role


def known_pii(ctx: Context) -> pa.Array | None:
    """The distinct match keys the pseudonymisation recorded (``ctx.known_pii``, then emptied)."""
    parts, ctx.known_pii = ctx.known_pii, []
    known = pc.unique(pa.concat_arrays(parts)) if parts else None
    return known if known is not None and len(known) else None


def scrub_known_pii(ctx: Context, known: pa.Array, s: pd.Series, row: dict) -> pd.Series:
    """Cells equal to a value recorded in a personal-data column of the same export become ``REDACTED``.

    A respondent who types an instructor's name into "name of your course" puts personal
    data in a column that is not personal data; the value is known from the personal-data
    column, so it is removed wherever it appears (logged per cell, value never shown).
    The match keys are looked up with Arrow in blocks of rows (over each block's distinct
    values), so no column-length key array is built.
    """
    hits = []
    for start in range(0, len(s), _BLOCK):
        codes, uniq = pd.factorize(s.iloc[start : start + _BLOCK], use_na_sentinel=True)
        if not len(uniq):
            continue
        keys = _arrow_text(match_key(pd.Series(uniq, dtype="str")).astype("str"))
        hit = pc.fill_null(pc.is_in(keys, value_set=known), False).to_numpy(zero_copy_only=False)
        if hit.any():
            hits.append(start + np.flatnonzero(np.isin(codes, np.flatnonzero(hit))))
    if not hits:
        return s
    mask = np.zeros(len(s), dtype=bool)
    mask[np.concatenate(hits)] = True
    ctx.log.add(ctx.rows[mask], column=row["column"], item=row["item"], rule="redact_pii", before=REDACTED,
                after=REDACTED, reason="a value recorded in a personal-data column of this export")  # fmt: skip
    return s.mask(mask, REDACTED)
