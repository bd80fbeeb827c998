"""Which free-text columns of a survey export are comment boxes worth reading for themes.

An export's ``text`` columns (the codebook's role) mix comment boxes ("anything else you would
like to tell us?") with short answers: a course name, a web address, a job title, the tool
named in an "Other (please specify)". Themes are found in the first, not the second.
:func:`comment_columns` lists every text column with what decides it, so the choice is shown,
not hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.validate import require_frame
from ..errors import ParameterError, describe
from ..survey._items import _book
from ._prepare import prepare_comments

__all__ = ["comment_columns"]

_COLUMNS = ["column", "question", "n_rows", "n_answered", "share_answered", "median_words", "share_distinct",
            "share_lists", "share_distinct_parts", "language", "share_language", "comment_box", "reason"]
# A checkbox question some platforms export as one text answer per respondent: the chosen
# options joined by commas or semicolons (Latin or Arabic).
_SEPARATOR = r"\s*[,;\u060c\u061b]\s*"


def _check_thresholds(min_answers: int, min_words: float, min_distinct: float) -> None:
    if not isinstance(min_answers, int | np.integer) or isinstance(min_answers, bool) or min_answers < 1:
        raise ParameterError(describe("min_answers must be a positive whole number", parameter="min_answers",
                                      received=min_answers, expected="an int >= 1, e.g. 30"))
    if not np.isfinite(min_words) or min_words < 0:
        raise ParameterError(describe("min_words must be a non-negative number", parameter="min_words",
                                      received=min_words, expected="a number >= 0, e.g. 3"))
    if not 0 <= min_distinct <= 1:
        raise ParameterError(describe("min_distinct is a share", parameter="min_distinct", received=min_distinct,
                                      expected="a number from 0 to 1, e.g. 0.1"))


def comment_columns(data, codebook=None, *, min_answers: int = 30, min_words: float = 3.0,
                    min_distinct: float = 0.1) -> pd.DataFrame:
    """The free-text columns of cleaned responses, and which of them are comment boxes.

    Every column the codebook marks ``text`` is listed. It counts as a comment box
    (``comment_box`` True) when it has at least ``min_answers`` answers, their median
    length is at least ``min_words`` words (short answers such as a name, a web address
    or a tool are not comments), and at least ``min_distinct`` of the answers are
    distinct (a text column of repeated choices is a category, not a comment), and it is
    not a checkbox question exported as text: at least half of the answers are lists
    (hold a comma or semicolon) and fewer than ``min_distinct`` of the listed parts are
    distinct. ``reason`` says which rule a column failed, or is empty.

    Parameters
    ----------
    data : pandas.DataFrame, CleanedSurveys or CleanResult
        Cleaned responses.
    codebook : optional
        A :class:`~cxanalytics.Codebook`, its table, a ``CleanResult`` or a
        ``CleanedSurveys``; default: the codebook of ``data`` when it carries one.
    min_answers : int, default 30
        Fewer answers than this are too few to find themes in.
    min_words : float, default 3
        The median answer must be at least this many words long.
    min_distinct : float, default 0.1
        Share of the answers (after trimming and case folding) that must be distinct: a
        column where most answers repeat a handful of values (a single-choice question the
        platform exported as text) is a category. Real comment boxes run near 1; the
        sample's generated comments, written from a few phrasings per theme, at 0.19.

    Returns
    -------
    pandas.DataFrame
        One row per text column, comment boxes first and then by answers (descending):
        ``column``, ``question`` (the export's wording, when the codebook has it),
        ``n_rows``, ``n_answered``, ``share_answered`` (fraction of rows), ``median_words``,
        ``share_distinct`` (fraction of answers), ``share_lists`` (fraction of answers
        holding a comma or semicolon), ``share_distinct_parts`` (fraction of the parts, the
        answers split at those marks, that are distinct), ``language`` (the commonest language of
        the answers: ``en``, ``ar``, ``fa`` or ``und``) and ``share_language`` (its fraction
        of the answers), ``comment_box`` and ``reason``.

    Raises
    ------
    ParameterError
        When no codebook is given or carried, or a threshold is out of range.

    Examples
    --------
    >>> data = pd.DataFrame({
    ...     "comment": ["The app keeps logging me out", "Billing was wrong twice this year",
    ...                 "Staff were kind and quick", None],
    ...     "course": ["Stats 101", "Stats 101", "Data 200", "Data 200"]})
    >>> book = pd.DataFrame({"item": ["comment", "course"], "kind": ["text", "text"]})
    >>> found = comment_columns(data, book, min_answers=3)
    >>> found[["column", "n_answered", "median_words", "comment_box"]]
        column  n_answered  median_words  comment_box
    0  comment           3           6.0         True
    1   course           4           2.0        False
    >>> found.loc[1, "reason"]
    'median answer 2 words (below 3)'
    """
    if codebook is None and hasattr(data, "codebook"):
        codebook = data
    if codebook is None:
        raise ParameterError(describe("comment_columns needs a codebook", parameter="codebook", received=None,
                                      expected="a Codebook, its table, a CleanResult or a CleanedSurveys"))
    if hasattr(data, "data") and not isinstance(data, pd.DataFrame):
        data = data.data
    require_frame(data, parameter="data")
    _check_thresholds(min_answers, float(min_words), float(min_distinct))
    table = _book(codebook)
    first = table.drop_duplicates("item")
    questions = dict(zip(first["item"], first["question"], strict=True)) if "question" in first.columns else {}
    rows = []
    for column in dict.fromkeys(first.loc[first["kind"] == "text", "item"]):
        if column not in data.columns:
            continue
        values = data[column]
        answered = values[values.notna()].astype(str).str.strip()
        answered = answered[answered != ""]
        n = len(answered)
        words = answered.str.split().str.len()
        median_words = float(words.median()) if n else 0.0
        distinct = float(answered.str.casefold().nunique() / n) if n else 0.0
        lists = float(answered.str.contains(_SEPARATOR).mean()) if n else 0.0
        parts = answered.str.casefold().str.split(_SEPARATOR, regex=True).explode()
        parts = parts[parts.notna() & (parts != "")]
        distinct_parts = float(parts.nunique() / len(parts)) if len(parts) else 0.0
        if n:
            languages = prepare_comments(answered)["language"].value_counts()
            language, share_language = str(languages.index[0]), float(languages.iloc[0] / n)
        else:
            language, share_language = "und", float("nan")
        if n < min_answers:
            reason = f"{n} answers (fewer than {min_answers})"
        elif median_words < min_words:
            reason = f"median answer {median_words:g} words (below {min_words:g})"
        elif distinct < min_distinct:
            reason = f"{distinct:.0%} of the answers distinct (below {min_distinct:.0%})"
        elif lists >= 0.5 and distinct_parts < min_distinct:
            reason = (f"lists of recurring choices: {lists:.0%} of the answers are lists, {distinct_parts:.0%} of "
                      f"their parts distinct (a checkbox question exported as text)")
        else:
            reason = ""
        question = questions.get(column)
        rows.append({"column": column, "question": question if isinstance(question, str) else None,
                     "n_rows": len(data), "n_answered": n, "share_answered": n / len(data) if len(data) else 0.0,
                     "median_words": median_words, "share_distinct": distinct, "share_lists": lists,
                     "share_distinct_parts": distinct_parts, "language": language,
                     "share_language": share_language, "comment_box": reason == "", "reason": reason})
    out = pd.DataFrame(rows, columns=_COLUMNS)
    if len(out):
        out = out.sort_values(["comment_box", "n_answered"], ascending=[False, False], kind="stable")
    return out.reset_index(drop=True)
