"""Pieces shared by the platform readers: the ``questions`` record, layouts, header cells (internal)."""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass, field

QUESTION_COLUMNS = (
    "column", "position", "header", "question_id", "question_text", "sub_question", "choice",
    "answer_type", "import_id", "time_zone", "is_metadata", "measure", "missing_codes", "role",
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


def row(header: list[list[str]], i: int, width: int) -> list[str]:
    """Header row ``i`` padded to ``width``, each cell stripped of spaces and NUL padding."""
    cells = header[i] if i < len(header) else []
    return [c.strip().strip("\x00").strip() if isinstance(c, str) else "" for c in cells] + [""] * (width - len(cells))


def import_id(cell: str) -> dict | None:
    """The Qualtrics ImportId object of a row-3 cell: JSON, or the 2016 ``{'ImportId': ...}``."""
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        obj = json.loads(cell)
    except ValueError:
        if not cell.startswith("{'"):
            return None
        try:  # the 2016 "Insights" exports wrote a Python dict: {'ImportId': 'QID9-1'}
            obj = ast.literal_eval(cell)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return obj if isinstance(obj, dict) and "ImportId" in obj else None


def slug(text: str) -> str:
    """ASCII snake_case of a header (``"Respondent ID"`` -> ``"respondent_id"``)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", ascii_.lower()).strip("_")


def squash(text: object) -> str:
    """Lower-case ASCII letters and digits only (``"Start Date (UTC)"`` -> ``"startdateutc"``)."""
    return slug(text).replace("_", "") if isinstance(text, str) else ""


def split_sub(text: str) -> tuple[str, str | None]:
    """``"Question - Row"`` -> ``("Question", "Row")``."""
    if " - " in text:
        left, right = text.rsplit(" - ", 1)
        return left.strip(), right.strip()
    return text, None


def metadata(name: str, position: int, header: str, role: str | None, **fields) -> dict:
    """A metadata ``questions`` record."""
    return question(name, position, header, question_text=fields.pop("question_text", header),
                    answer_type="metadata", is_metadata=True, role=role, **fields)
