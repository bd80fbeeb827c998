"""Qualtrics Text iQ columns read as the platform's own coding, and compared with ours.

Text iQ adds columns next to a free-text question ``Q2``: ``Q2 - Topics`` (comma-separated
topic labels), ``Q2 - Sentiment`` (Positive / Negative / Neutral / Mixed), ``Q2 - Sentiment
Score``, ``Q2 - Sentiment Polarity`` and ``Q2 - Topic Sentiment Label``.  They are the
platform's coding, kept as such: never recomputed, never mixed with ours.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._core.validate import require_frame
from ..errors import ParameterError
from .themes import ThemeResult

__all__ = ["TEXTIQ_FIELDS", "compare_textiq", "textiq_coding"]

#: Suffix of a Text iQ column -> column of :func:`textiq_coding`.
TEXTIQ_FIELDS = {"Topics": "topics", "Sentiment": "sentiment", "Sentiment Score": "sentiment_score",
                 "Sentiment Polarity": "sentiment_polarity", "Topic Sentiment Label": "topic_sentiment_label",
                 "Topic Sentiment Score": "topic_sentiment_score"}
_PATTERN = re.compile(r"^(?P<q>.+?) - (?P<f>" + "|".join(sorted(map(re.escape, TEXTIQ_FIELDS), key=len,
                                                                  reverse=True)) + r")$")


def textiq_coding(raw: pd.DataFrame) -> pd.DataFrame:
    """Text iQ coding of every text question of a Qualtrics export, one row per response x topic.

    Parameters
    ----------
    raw : DataFrame
        A Qualtrics export with its column ids as headers (the header rows removed).

    Returns
    -------
    DataFrame
        ``row`` (index label in ``raw``), ``question``, ``topic`` (one topic; NA when the
        response has none), ``sentiment``, ``sentiment_score``, ``sentiment_polarity``,
        ``topic_sentiment_label`` (and ``topic_sentiment_score`` when exported).  Empty
        (with these columns) when the export has no Text iQ columns.

    Examples
    --------
    >>> raw = pd.DataFrame({"Q2": ["slow and rude", "ok"], "Q2 - Topics": ["Speed,Staff", ""],
    ...                     "Q2 - Sentiment": ["Negative", "Neutral"], "Q2 - Sentiment Score": ["-3", "0"]})
    >>> textiq_coding(raw)[["row", "question", "topic", "sentiment", "sentiment_score"]].to_numpy().tolist()
    [[0, 'Q2', 'Speed', 'Negative', -3.0], [0, 'Q2', 'Staff', 'Negative', -3.0], [1, 'Q2', nan, 'Neutral', 0.0]]
    """
    raw = require_frame(raw, parameter="raw")
    groups: dict[str, dict[str, str]] = {}
    for c in raw.columns:
        m = _PATTERN.match(str(c))
        if m:
            groups.setdefault(m["q"], {})[TEXTIQ_FIELDS[m["f"]]] = c
    cols = ["row", "question", "topic", *[v for v in TEXTIQ_FIELDS.values() if v != "topics"]]
    parts = []
    for q, fields in groups.items():
        d = pd.DataFrame({"row": raw.index, "question": q})
        for f in TEXTIQ_FIELDS.values():
            if f == "topics":
                continue
            s = raw[fields[f]] if f in fields else pd.Series(np.nan, index=raw.index)
            d[f] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float) if f.endswith(("score", "polarity")) else s.to_numpy()
        topics = raw[fields["topics"]] if "topics" in fields else pd.Series(np.nan, index=raw.index)
        d["topic"] = [[t.strip() for t in str(v).split(",") if t.strip()] or [np.nan]
                      if isinstance(v, str) else [np.nan] for v in topics]
        parts.append(d.explode("topic"))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    return out[[c for c in cols if c in out.columns]]


def compare_textiq(ours: ThemeResult, theirs: pd.DataFrame, *, question: str | None = None) -> pd.DataFrame:
    """Overlap of our themes with Text iQ topics on the same responses.

    Parameters
    ----------
    ours : ThemeResult
        Themes found on the comment column of the same export rows.
    theirs : DataFrame
        :func:`textiq_coding` output.
    question : str, optional
        Which question's coding (needed when several are coded).

    Returns
    -------
    DataFrame
        One row per (theme, topic): ``theme``, ``name``, ``topic``, ``n_both``, ``n_ours``,
        ``n_theirs``, ``jaccard`` (``n_both`` over responses in either) and ``best`` (the
        topic with the highest Jaccard for this theme), sorted by theme and Jaccard.
    """
    if not isinstance(ours, ThemeResult):
        raise ParameterError(f"compare_textiq: ours is {type(ours).__name__}; expected a ThemeResult")
    qs = theirs["question"].dropna().unique().tolist()
    if question is None and len(qs) > 1:
        raise ParameterError(f"compare_textiq: question is None; expected one of {qs}")
    t = theirs if question is None else theirs[theirs["question"] == question]
    t = t.dropna(subset=["topic"])
    ind = ours.indicators()
    rows = []
    for topic, g in t.groupby("topic", sort=True):
        has = ind.index.isin(g["row"].unique())
        for j, name in enumerate(ours.themes["name"], start=1):
            mine = ind[f"theme_{j}"].to_numpy(dtype=bool)
            both, either = int((mine & has).sum()), int((mine | has).sum())
            rows.append({"theme": j, "name": name, "topic": topic, "n_both": both, "n_ours": int(mine.sum()),
                         "n_theirs": int(has.sum()), "jaccard": both / either if either else np.nan})
    out = pd.DataFrame(rows, columns=["theme", "name", "topic", "n_both", "n_ours", "n_theirs", "jaccard"])
    out = out.sort_values(["theme", "jaccard"], ascending=[True, False], kind="stable").reset_index(drop=True)
    out["best"] = ~out.duplicated("theme")
    return out
