"""What a survey's cleaned responses can answer, read from the codebook's roles (internal).

:func:`survey_scores`, :func:`item_batteries`, :func:`segment_columns` and
:func:`driver_items` are public through :mod:`cxanalytics.survey.combined`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ..errors import ParameterError, describe
from ._ranking import is_ranking

__all__ = ["SCORE_KINDS", "driver_items", "item_batteries", "segment_columns", "survey_scores"]

#: Headline metrics, in the order they are reported.
SCORE_KINDS = ("nps", "csat", "ces")
_BATTERY_KINDS = ("servqual_expectation", "servqual_perception", "pillar", "likert")
_DRIVER_KINDS = ("likert", "servqual_perception", "pillar", "csat", "ces")
# A grid row the respondent names themselves ("Other (please specify)", "أخرى", "سایر موارد"):
# its label is the question text's last bracket, or what follows its last " - ".
_LAST_BRACKET = re.compile(r"\[([^\[\]]*)\]\s*$")
_LAST_DASH = re.compile(r"\s[-\u2013]\s+(?!.*\s[-\u2013]\s)(.+)$")
_OTHER_ROW = re.compile(r"^\W*(?:other|others|something else|anything else|\u0623\u062e\u0631\u0649|\u0627\u062e\u0631\u0649|"
                        r"\u063a\u064a\u0631 \u0630\u0644\u0643|\u0633\u0627\u06cc\u0631|\u0633\u0627\u064a\u0631|"
                        r"\u062f\u06cc\u06af\u0631|\u063a\u06cc\u0631\u0647)\b", re.IGNORECASE)


# --------------------------------------------------------------------------- what can be computed
def is_other_row(question: object) -> bool:
    """True when a grid row is the respondent's own ("Other (please specify)") rather than a fixed item.

    The row's label is the question text's last ``[...]`` (SurveyMonkey, Google Forms) or
    what follows its last `` - `` (Qualtrics); it is an "other" row when it starts with
    *other*, *something else* or *anything else*, or the Arabic/Persian words for "other"
    (أخرى, غير ذلك, سایر, دیگر, غیره).

    >>> is_other_row("Please rate any challenges [Other (please specify)]")
    True
    >>> is_other_row("Rate our staff - Others: please say")
    True
    >>> is_other_row("Please rate any challenges [Communication]")
    False
    """
    if not isinstance(question, str):
        return False
    found = _LAST_BRACKET.search(question) or _LAST_DASH.search(question.strip())
    return bool(found) and bool(_OTHER_ROW.match(found.group(1).strip()))


def _book(codebook) -> pd.DataFrame:
    """A codebook table from a CleanedSurveys, CleanResult, Codebook or DataFrame."""
    if hasattr(codebook, "codebook") and hasattr(codebook, "data"):  # CleanedSurveys, CleanResult
        inner = codebook.codebook
        table = inner if isinstance(inner, pd.DataFrame) else inner.table
    elif hasattr(codebook, "table"):
        table = codebook.table
    elif isinstance(codebook, pd.DataFrame):
        table = codebook
    else:
        raise ParameterError(describe("Not a codebook", parameter="codebook", received=type(codebook).__name__,
                                      expected="a Codebook, its table, a CleanResult or a CleanedSurveys"))
    missing = [c for c in ("item", "kind") if c not in table.columns]
    if missing:
        raise ParameterError(describe("Codebook table lacks columns", parameter="codebook", received=missing,
                                      expected="the columns of Codebook.table (item, kind, scale_min, ...)"))
    return table


def _scale(table: pd.DataFrame) -> pd.DataFrame:
    lo = pd.to_numeric(table.get("scale_min", pd.Series(pd.NA, index=table.index)), errors="coerce")
    hi = pd.to_numeric(table.get("scale_max", pd.Series(pd.NA, index=table.index)), errors="coerce")
    return table.assign(scale_min=lo.astype("float64"), scale_max=hi.astype("float64"))


def _unique_items(table: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """One row per (item, kind, scale), with the number of sources that have it, codebook order."""
    rows = _scale(table[table["kind"].isin(kinds)])
    if "source" not in rows.columns:
        rows = rows.assign(source="")
    keys = ["item", "kind", "scale_min", "scale_max"]
    grouped = rows.groupby(keys, sort=False, dropna=False)
    out = grouped.agg(n_sources=("source", "nunique"), **({"grid": ("grid", "first")} if "grid" in rows else {}))
    return out.reset_index()


def survey_scores(codebook) -> pd.DataFrame:
    """The NPS, CSAT and CES items of a codebook, with their scales.

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
        Roles as :meth:`cxanalytics.Codebook.infer` gives them (or as the analyst corrected
        them).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``metric`` (``nps``, ``csat``, ``ces``, in that order), ``item``,
        ``scale_min``, ``scale_max`` and ``n_sources`` (exports that have it). Empty when
        the export has none: then no headline score can be computed.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["q1", "q2", "seg"], "kind": ["csat", "nps", "segment"],
    ...                      "scale_min": [1, 0, None], "scale_max": [5, 10, None]})
    >>> survey_scores(book)
      metric item  scale_min  scale_max  n_sources
    0    nps   q2        0.0       10.0          1
    1   csat   q1        1.0        5.0          1
    """
    found = _unique_items(_book(codebook), SCORE_KINDS).rename(columns={"kind": "metric"})
    found["order"] = found["metric"].map({k: i for i, k in enumerate(SCORE_KINDS)})
    found = found.sort_values("order", kind="stable").reset_index(drop=True)
    return found[["metric", "item", "scale_min", "scale_max", "n_sources"]]


def item_batteries(codebook, *, min_items: int = 3, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Groups of rating items answered on one scale, whose reliability can be measured.

    A battery is a matrix question (the codebook's ``grid``) or, for items asked one by
    one, all items of one role (SERVQUAL expectations, perceptions, pillars, other ratings)
    on the same scale. NPS, CSAT and CES are single items, never a battery.

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
    min_items : int, default 3
        Fewest items a battery needs (Cronbach's alpha is defined from 2, but says
        little about 2 items).
    data : DataFrame, optional
        The cleaned responses.  With them, a grid whose answers are rankings (each
        respondent gives the k items the ranks 1..k) is not a battery of ratings and is
        left out; its name is listed in ``attrs["rankings"]``.

    Notes
    -----
    A grid row the respondent fills in themselves ("Other (please specify)", see
    :func:`is_other_row`) is rated on the grid's scale but is a different item for each
    respondent, and few answer it; it is not part of the battery (so that complete rows
    exist for Cronbach's alpha) and is listed in ``attrs["other_rows"]``.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``battery`` (the grid's name, or the role and scale), ``item``,
        ``kind``, ``scale_min``, ``scale_max``; batteries in codebook order.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["a", "b", "c", "d", "nps"], "kind": ["likert"] * 4 + ["nps"],
    ...                      "scale_min": [1, 1, 1, 1, 0], "scale_max": [5, 5, 5, 7, 10],
    ...                      "grid": ["Q5", "Q5", "Q5", "", ""]})
    >>> item_batteries(book)
      battery item    kind  scale_min  scale_max
    0      Q5    a  likert        1.0        5.0
    1      Q5    b  likert        1.0        5.0
    2      Q5    c  likert        1.0        5.0
    """
    if int(min_items) < 2:
        raise ParameterError(describe("A battery needs at least 2 items", parameter="min_items",
                                      received=min_items, expected="an integer of 2 or more"))
    items = _unique_items(_book(codebook), _BATTERY_KINDS)
    items = items.drop_duplicates("item")  # an item scored on two scales in two exports is not one item
    columns = ["battery", "item", "kind", "scale_min", "scale_max"]
    other_rows: list[str] = []
    if "grid" in items and not items.empty:
        question = _questions(_book(codebook))
        own = [isinstance(g, str) and bool(g.strip()) and is_other_row(question.get(i))
               for i, g in zip(items["item"], items["grid"], strict=True)]
        other_rows = items.loc[own, "item"].tolist()
        items = items[[not o for o in own]]
    if items.empty:
        empty = pd.DataFrame(columns=columns)
        empty.attrs["rankings"] = []
        empty.attrs["other_rows"] = other_rows
        return empty
    grids = items["grid"] if "grid" in items else pd.Series(None, index=items.index, dtype=object)
    role = [f"{k} {lo:g}-{hi:g}" for k, lo, hi in zip(items["kind"], items["scale_min"], items["scale_max"], strict=True)]
    battery = [str(g).strip() if isinstance(g, str) and g.strip() else r for g, r in zip(grids, role, strict=True)]
    # one battery is one scale: a grid that mixes scales is split
    key = pd.Series([f"{b}|{r}" for b, r in zip(battery, role, strict=True)], index=items.index)
    scales_in = key.groupby(pd.Series(battery, index=items.index)).transform("nunique")
    label = [b if n == 1 else f"{b} ({r})" for b, r, n in zip(battery, role, scales_in, strict=True)]
    sizes = key.map(key.value_counts())
    out = items.assign(battery=label)[(sizes >= int(min_items)).to_numpy()]
    rankings = []
    if data is not None:
        for name, g in out.groupby("battery", sort=False):
            if set(g["item"]) <= set(data.columns) and is_ranking(data[g["item"].tolist()]):
                rankings.append(name)
        out = out[~out["battery"].isin(rankings)]
    out = out[columns].reset_index(drop=True)
    out.attrs["rankings"] = rankings
    out.attrs["other_rows"] = other_rows
    return out


def _questions(table: pd.DataFrame) -> dict:
    """Each item's question text (the first source's), for reading a grid row's label."""
    if "question" not in table.columns:
        return {}
    first = table.drop_duplicates("item")
    return dict(zip(first["item"], first["question"], strict=True))


def segment_columns(data: pd.DataFrame, codebook=None, *, max_levels: int = 20, min_per_level: int = 1) -> pd.DataFrame:
    """Categorical columns of the cleaned responses that can group them (``by=``).

    The codebook's ``segment`` items (channel, branch, department, ...), plus ``source``
    when the responses come from more than one export, each kept when it has between 2
    and ``max_levels`` answered levels.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned responses (``CleanedSurveys.data`` or ``CleanResult.data``).
    codebook : optional
        As in :func:`survey_scores`; default: the codebook of ``data`` when it is a
        :class:`CleanedSurveys` or ``CleanResult``.
    max_levels : int, default 20
        More levels than this make a table nobody reads (and likely an identifier).
    min_per_level : int, default 1
        Levels with fewer responses are not counted as levels.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``kind``, ``n`` (responses with a value), ``n_levels``; columns left out
        are not listed.

    Examples
    --------
    >>> data = pd.DataFrame({"channel": ["web", "app", "web", None], "id": ["1", "2", "3", "4"]})
    >>> book = pd.DataFrame({"item": ["channel", "id"], "kind": ["segment", "id"]})
    >>> segment_columns(data, book)
        column     kind  n  n_levels
    0  channel  segment  3         2
    """
    if codebook is None and hasattr(data, "codebook"):
        codebook = data
    if hasattr(data, "data") and not isinstance(data, pd.DataFrame):
        data = data.data
    table = _book(codebook)
    candidates = list(dict.fromkeys(table.loc[table["kind"] == "segment", "item"]))
    rows = []
    if "source" in data.columns:
        candidates = ["source", *candidates]
    for column in candidates:
        if column not in data.columns:
            continue
        counts = data[column].dropna().astype(str).value_counts()
        counts = counts[counts >= int(min_per_level)]
        if 2 <= len(counts) <= int(max_levels):
            rows.append({"column": column, "kind": "source" if column == "source" else "segment",
                         "n": int(counts.sum()), "n_levels": len(counts)})
    return pd.DataFrame(rows, columns=["column", "kind", "n", "n_levels"])


def driver_items(codebook, outcome: str | None = None, *, data: pd.DataFrame | None = None,
                 min_n: int = 30) -> pd.DataFrame:
    """Rating items that may drive an overall score (for :func:`cxanalytics.relative_weights`).

    Parameters
    ----------
    codebook : Codebook, its table, CleanResult or CleanedSurveys
    outcome : str, optional
        The overall score's item; default the first NPS item, else CSAT, else CES.
    data : pandas.DataFrame, optional
        Cleaned responses: an item is kept only when at least ``min_n`` responses answered
        both it and the outcome.
    min_n : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``outcome``, ``item``, ``kind``, ``scale_min``, ``scale_max``: ratings other than
        the outcome (other headline items, pillars, SERVQUAL perceptions, other ratings;
        never SERVQUAL expectations, which rate an ideal provider). Empty without an outcome.

    Examples
    --------
    >>> book = pd.DataFrame({"item": ["nps", "speed", "staff", "nps_group"],
    ...                      "kind": ["nps", "likert", "likert", "metadata"],
    ...                      "scale_min": [0, 1, 1, None], "scale_max": [10, 5, 5, None]})
    >>> driver_items(book)
      outcome   item    kind  scale_min  scale_max
    0     nps  speed  likert        1.0        5.0
    1     nps  staff  likert        1.0        5.0
    """
    table = _book(codebook)
    columns = ["outcome", "item", "kind", "scale_min", "scale_max"]
    if outcome is None:
        scores = survey_scores(table)
        if scores.empty:
            return pd.DataFrame(columns=columns)
        outcome = str(scores["item"].iloc[0])
    elif outcome not in set(table["item"]):
        raise ParameterError(describe("Outcome is not an item of the codebook", parameter="outcome", received=outcome,
                                      expected="one of " + ", ".join(map(str, survey_scores(table)["item"]))))
    items = _unique_items(table, _DRIVER_KINDS).drop_duplicates("item")
    items = items[items["item"] != outcome]
    if data is not None and outcome in data.columns:
        answered = data[outcome].notna()
        enough = [bool(i in data.columns and (answered & data[i].notna()).sum() >= int(min_n)) for i in items["item"]]
        items = items[enough]
    return items.assign(outcome=outcome)[columns].reset_index(drop=True)
