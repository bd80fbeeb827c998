"""Missing-value codes proposed by codebook inference, each with a note (internal).

Used by :meth:`cxanalytics.ingest.codebook.Codebook.infer` after the roles and scales are inferred
(:mod:`._infer`).  Two sources, in this order in an item's ``missing_codes``:

1. codes the export itself declares (SPSS user-missing values, ``questions.missing_codes``);
2. 0 as "not applicable" for a battery of 1-5 or 1-7 items where 0 sits below the scale
   (:func:`cxanalytics._core.missing.zero_apart`), or for an item scored 1-k from its anchors or
   labels that holds 0s;
Typical codes (:data:`cxanalytics.ingest.text.DEFAULT_SENTINELS`: -99, 98, 99, ...) found outside an
item's scale are only noted: cleaning already makes them missing as sentinels (cell by cell,
reason ``sentinel``), and the note says how to declare them instead.

Nothing is imposed: every proposal is written in the codebook, where the analyst sees it (the
returned notes become :attr:`Codebook.notes`) and can edit it before cleaning.
"""

from __future__ import annotations

import math

import pandas as pd

from ..._core.missing import (
    answer_numbers,
    fmt_code,
    match_codes,
    parse_missing_codes,
    sentinels_apart,
    zero_apart,
)
from ...errors import CodebookError
from ..labels import _NS_INDEX
from ..text import normalize_text

SCORED = ("nps", "csat", "ces", "likert", "servqual_expectation", "servqual_perception", "pillar")
ZERO_LABEL = "not applicable"
MIN_BATTERY = 3  # items of a battery for the 0-below-the-scale rule


def declared_in_export(export, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The sample with the export's own declared missing codes blanked, and those codes by column.

    Blanking them first keeps a user-missing 99 out of the inferred scale.
    """
    qs = getattr(export, "questions", None)
    if qs is None or "missing_codes" not in qs.columns:
        return frame, {}
    specs: dict[str, str] = {}
    masked: dict[str, pd.Series] = {}
    for column, spec in zip(qs["column"], qs["missing_codes"], strict=True):
        if column not in frame.columns or not isinstance(spec, str) or not spec.strip():
            continue
        try:
            codes = parse_missing_codes(spec, where=f"missing_codes of {column!r}")
        except CodebookError:
            continue  # an unreadable declaration stays in export.questions, unused
        values = frame[column]
        uniq = pd.Series(pd.unique(values.dropna()), dtype=object)
        hits = [u for u, c in zip(uniq, match_codes(codes, uniq), strict=True) if c is not None]
        specs[column] = spec.strip()
        if hits:
            masked[column] = values.mask(values.isin(hits))
    return (frame.assign(**masked) if masked else frame), specs


def _counts(values: pd.Series) -> dict[float, int]:
    """Counts of the numbers among a column's answers (numbers embedded in labels included,
    except in a non-substantive label such as "0 - Not applicable")."""
    vc = values.dropna().value_counts(sort=False)
    if not len(vc):
        return {}
    nums, labels = answer_numbers(vc.index.tolist())
    out: dict[float, int] = {}
    for n, c, label in zip(nums, vc.to_numpy(), labels, strict=True):
        if not math.isnan(n) and not (label and _NS_INDEX.get(_key(label))):  # "0 - N/A" is no number
            out[float(n)] = out.get(float(n), 0) + int(c)
    return out


def _key(text: str) -> str:
    return "".join(ch for ch in normalize_text(text) if ch.isalnum())


def _labels(values: pd.Series) -> dict[float, str]:
    """Labels that came with numbers in the answers (``"99. Ns/Nc"`` -> {99: "ns/nc"})."""
    uniq = pd.unique(values.dropna())
    nums, labels = answer_numbers(list(uniq))
    return {float(n): lab for n, lab in zip(nums, labels, strict=True) if lab and not math.isnan(n)}


def _batteries(rows: list[dict]) -> list[list[int]]:
    """Runs of consecutive scored rows of one kind and one numeric 0/1-5 or 0/1-7 scale."""
    runs: list[list[int]] = []
    current: list[int] = []
    key = None
    for i, r in enumerate(rows):
        ok = (r["kind"] in SCORED and r["kind"] != "nps" and r.get("scale") is None
              and r["scale_min"] in (0.0, 1.0) and r["scale_max"] in (5.0, 7.0))  # fmt: skip
        k = (r["kind"], r["scale_max"]) if ok else None
        if k is None or k != key:
            if len(current) >= MIN_BATTERY:
                runs.append(current)
            current = []
        key = k
        if k is not None:
            current.append(i)
    if len(current) >= MIN_BATTERY:
        runs.append(current)
    return runs


def _span(rows: list[dict], members: list[int]) -> str:
    names = [rows[j]["item"] for j in members]
    return f"{len(names)} items {names[0]} .. {names[-1]}" if len(names) > 2 else f"items {', '.join(names)}"


def propose_missing_codes(rows: list[dict], frame: pd.DataFrame, declared: dict[str, str] | None = None) -> list[str]:
    """Fill ``missing_codes`` (and the scale of a battery) in the inferred rows; return the notes."""
    declared = declared or {}
    notes: list[str] = []
    counts = {i: _counts(frame[r["column"]]) for i, r in enumerate(rows)
              if r["kind"] in SCORED and r["column"] in frame.columns}  # fmt: skip
    codes: dict[int, dict[str, str | None]] = {i: {} for i in counts}
    for i, r in enumerate(rows):
        spec = declared.get(r["column"])
        if spec is None:
            continue
        if i not in codes:
            notes.append(f"{r['column']}: missing codes {spec!r} declared by the export not used ({r['kind']} item)")
            continue
        inside = parse_missing_codes(spec).inside(r["scale_min"], r["scale_max"])
        if inside:
            notes.append(f"{r['item']}: declared missing codes {', '.join(inside)} lie inside the inferred scale "
                         f"{r['scale_min']:g}-{r['scale_max']:g} and were not used")  # fmt: skip
            continue
        codes[i][spec] = None
    if declared:
        used = [rows[i]["item"] for i in codes if codes[i]]
        if used:
            notes.append(f"missing codes declared by the export kept for {len(used)} item(s): {', '.join(used[:8])}")
    for members in _batteries(rows):
        top = rows[members[0]]["scale_max"]
        tables = {rows[j]["item"]: counts.get(j, {}) for j in members}
        why = zero_apart(tables, top)
        if why is None:
            continue
        for j in members:
            rows[j].update(scale_min=1.0, scale_max=top)
            codes[j]["0"] = ZERO_LABEL
        notes.append(f"missing code 0 ({ZERO_LABEL}) proposed for the battery of {_span(rows, members)}, "
                     f"scale 1-{fmt_code(top)}: {why}; if 0 is a real answer, set scale_min 0 and clear "
                     "missing_codes")  # fmt: skip
    single = [i for i in codes if rows[i]["scale_min"] == 1.0 and counts[i].get(0.0, 0) > 0 and "0" not in codes[i]]
    for i in single:
        codes[i]["0"] = ZERO_LABEL
    if single:
        n0 = sum(counts[i][0.0] for i in single)
        notes.append(f"missing code 0 ({ZERO_LABEL}) proposed for {_span(rows, single)}: scored from 1 by their "
                     f"anchors or labels, yet 0 answered {n0} times")  # fmt: skip
    found: dict[str, list[tuple[str, int]]] = {}
    labelled: dict[str, str] = {}
    for i in codes:  # typical codes are already missing under clean_responses' sentinels: noted only
        r = rows[i]
        apart = sentinels_apart(counts[i], r["scale_min"], r["scale_max"])
        for v, n in sorted(apart.items()):
            found.setdefault(fmt_code(v), []).append((r["item"], n))
            label = _labels(frame[r["column"]]).get(v) if fmt_code(v) not in labelled else None
            if label:
                labelled[fmt_code(v)] = label
    for code, items in found.items():
        names = ", ".join(name for name, _ in items[:8]) + (", ..." if len(items) > 8 else "")
        shown = f"{code} = {labelled[code]}" if code in labelled else code
        notes.append(f"typical missing-value code {shown!r} answered {sum(n for _, n in items)} times outside the "
                     f"scale of {len(items)} item(s) ({names}): cleaning makes it missing as a sentinel "
                     "(clean_responses(sentinels=...)); add it to missing_codes to declare it")  # fmt: skip
    for i, r in enumerate(rows):
        parts = [code if label is None else f"{code} = {label}" for code, label in codes.get(i, {}).items()]
        r["missing_codes"] = "; ".join(parts) or None
    return notes
