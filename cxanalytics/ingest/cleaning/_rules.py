"""Row rules: preview/test, incomplete, duplicate, speeder, straight-liner, out of range (internal).

Each rule returns a boolean mask over the rows and, for the flagged rows, a text saying why.
The rules are vectorised over rows; the few loops run over columns, grids or key columns.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataQualityWarning, ParameterError, describe
from ..codebook import SCORED_KINDS, Codebook
from . import _completion as C
from ._values import Context, clean_text, key_codes, match_key

#: Quarantine reasons, in the order a row's primary reason is chosen.
REASONS = ("preview", "test", "spam", "rejected", "incomplete", "duplicate", "speeder", "straightliner",
           "out_of_range")
#: Response-quality rules that only flag by default (a ``flag_<rule>`` column and a log row);
#: ``clean_responses(remove=...)`` makes them quarantine.
FLAG_ONLY = ("speeder", "straightliner")
#: The reasons that quarantine by default: platform markers, incompleteness, duplicates, out of range.
DEFAULT_QUARANTINE = tuple(r for r in REASONS if r not in FLAG_ONLY)


@dataclass(frozen=True)
class Finding:
    """Rows one rule flagged, why, and how the rule ran."""

    reason: str
    mask: np.ndarray
    detail: pd.Series  # text for flagged rows (index = row numbers of flagged rows)
    applied: bool
    note: str


def _detail(index: pd.Index, mask: np.ndarray, text: pd.Series | np.ndarray | str) -> pd.Series:
    if isinstance(text, str):
        return pd.Series(text, index=index[mask], dtype="str")
    picked = text[mask] if isinstance(text, np.ndarray) else text[mask].to_numpy(dtype=object)
    return pd.Series(picked, index=index[mask], dtype="str")


def _why(n: int) -> np.ndarray:
    """Per-row reason texts, filled in place for flagged rows (one array, no copy per rule)."""
    return np.full(n, "", dtype=object)


def _texts(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=object)


def _fmt_num(x: pd.Series) -> pd.Series:
    return x.round(1).map("{:g}".format).astype("str")


def preview_and_test(data: pd.DataFrame, raw: pd.DataFrame, book: Codebook,
                     test_filter: Mapping | None, platform: str = "") -> list[Finding]:  # fmt: skip
    """The platform's own markers of responses that are not genuine, plus ``test_filter`` matches.

    Qualtrics ``Status`` (text labels, or numeric bit flags in a Qualtrics-shaped export) and
    ``DistributionChannel`` previews, tests and spam; KoBoToolbox ``_validation_status`` "Not
    Approved" (``rejected``); see :mod:`._completion`.
    """
    idx = data.index
    preview = np.zeros(len(idx), dtype=bool)
    test = np.zeros(len(idx), dtype=bool)
    spam = np.zeros(len(idx), dtype=bool)
    why_test = _why(len(idx))
    why_preview = _why(len(idx))
    sources = []
    numeric = str(platform).startswith("qualtrics") or "finished" in data.columns
    for item in ("status", "distribution_channel"):
        if item in data.columns:
            if item == "status":
                hits = C.status_flags(data[item], numeric=numeric)
            else:  # over the distinct values
                codes, uniq = pd.factorize(data[item], use_na_sentinel=True)
                key = [str(u).strip().casefold() for u in uniq]
                hits = {k: np.append(np.array([v == k for v in key], dtype=bool), False)[codes]
                        for k in ("preview", "test")}  # fmt: skip
            p, t = hits["preview"], hits["test"]
            why_preview[p & ~preview] = _texts(f"{item} = " + data[item][p & ~preview])
            preview |= p
            why_test[t & ~test] = _texts(f"{item} = " + data[item][t & ~test])
            test |= t
            spam |= hits.get("spam", np.zeros(len(idx), dtype=bool))
            sources.append(item)
    for key, wanted in (test_filter or {}).items():
        column = _resolve_column(key, raw, book, parameter="test_filter")
        values = [wanted] if isinstance(wanted, str | int | float) else list(wanted)
        targets = set(match_key(pd.Series([str(v) for v in values], dtype="str")).dropna())
        codes, keys = key_codes(raw[column])
        hit = np.append(keys.isin(targets).to_numpy(dtype=bool), False)[codes]
        new = hit & ~test
        if column in set(book.of_kind("pii")["column"]):  # never echo personal data into the audit trail
            why_test[new] = f"test_filter: {column} matched (personal data, value withheld)"
        else:
            why_test[new] = _texts(f"test_filter: {column} = " + clean_text(raw[column][new]))
        test |= hit
        sources.append(f"test_filter {column}")
    rejected, kobo = C.kobo_rejected(raw)
    note = ", ".join(sources) if sources else "no status column and no test_filter"
    spam_text = ("status = " + data["status"][spam].astype("str")) if spam.any() else pd.Series([], dtype="str")
    return [Finding("preview", preview, _detail(idx, preview, why_preview), bool(sources), note),
            Finding("test", test, _detail(idx, test, why_test), bool(sources), note),
            Finding("spam", spam, spam_text.astype("str"), "status" in data.columns,
                    "platform status marks spam" if "status" in data.columns else "no status column"),
            Finding("rejected", rejected, _detail(idx, rejected, f"{kobo} = Not Approved"), kobo is not None,
                    f"{kobo} (KoBoToolbox validation)" if kobo else "no validation status column")]  # fmt: skip


def key_items(book: Codebook, respondent_key) -> list[str]:
    """The respondent keys the duplicate rule compares: the codebook's (``None``), none
    (``False``), or the column / item names given."""
    if respondent_key is None:
        return book.table.loc[book.table["respondent_key"], "item"].tolist()
    if respondent_key is False:
        return []
    return [respondent_key] if isinstance(respondent_key, str) else list(respondent_key)


def _resolve_column(key: str, raw: pd.DataFrame, book: Codebook, *, parameter: str) -> str:
    if key in raw.columns:
        return key
    hit = book.table.loc[book.table["item"] == key, "column"]
    if len(hit):
        return str(hit.iloc[0])
    raise ParameterError(describe("Unknown column", parameter=parameter, received=key,
                                  expected=f"an export column or codebook item, e.g. {list(map(str, raw.columns[:8]))}"))  # fmt: skip


def incomplete(data: pd.DataFrame, raw: pd.DataFrame, book: Codebook, min_completion: float | None,
               use_finished: bool, counted: tuple[np.ndarray | None, list[str]] | None = None, *,
               questions: pd.DataFrame | None = None, platform: str = "", source: str = "") -> Finding:  # fmt: skip
    """Not complete by the platform's own markers, else too few substantive questions answered.

    With ``use_finished`` the platform's verdict (:func:`._completion.verdict`) decides every row
    it covers, and the item rule (answered share of the substantive questions below
    ``min_completion``, none of the last fifth answered) only the rows it does not: it never
    overrides a platform's "complete".  Without ``use_finished`` the item rule decides every
    row; when it then contradicts the platform's "complete" for more than half of the rows the
    platform marks complete, a :class:`DataQualityWarning` says so (each overridden row is
    logged as quarantined, with its count of questions answered).  ``counted`` is ``(count,
    columns)``, the non-blank cells per row already summed over the scored ``columns`` while
    they were recoded.
    """
    idx = data.index
    why = _why(len(idx))
    notes = []
    v = C.verdict(data, raw, platform)
    mask = (v.code == 0) if use_finished else np.zeros(len(idx), dtype=bool)
    why[mask] = v.why[mask]
    if use_finished and v.sources:
        notes.append("platform markers first: " + ", ".join(v.sources))
    groups = C.question_groups(book, questions, raw, platform) if min_completion is not None else []
    decide = (v.code == -1) if use_finished else np.ones(len(idx), dtype=bool)
    n_tail = max(1, -(-len(groups) // 5))
    if groups and decide.any():
        answered, reached_end = C.answered_questions(raw, groups, counted)
        low = (answered / len(groups) < min_completion) & ~reached_end

        def text(rows: np.ndarray) -> pd.Series:  # only for the rows that need it
            return (pd.Series(answered[rows], index=idx[rows]).astype(str)
                    + f" of {len(groups)} questions answered, none of the last {n_tail}")  # fmt: skip

        new = low & decide & ~mask
        why[new] = _texts(text(new))
        mask |= new
        disputed = low & (v.code == 1)
        n_done = int((v.code == 1).sum())
        if not use_finished and n_done and disputed.sum() > n_done / 2:
            warnings.warn(describe(f"The item rule calls {int(disputed.sum())} of the {n_done} responses the platform "
                                   "marks complete incomplete (display logic, randomised blocks and optional "
                                   "questions leave questions unanswered)", file=source or None,
                                   parameter="use_finished", received=False,
                                   expected="use_finished=True to trust the platform's own completion marker"),
                          DataQualityWarning, stacklevel=4)  # fmt: skip
    if groups:
        where = "rows without a platform verdict" if use_finished and v.sources else "every row"
        notes.append(f"item rule on {where}: answered share < {min_completion:g} of {len(groups)} questions "
                     f"and none of the last {n_tail} answered")
    return Finding("incomplete", mask, _detail(idx, mask, why), bool(notes), "; ".join(notes) or "nothing to check")


def duplicates(data: pd.DataFrame, raw: pd.DataFrame, book: Codebook, keys: list[str],
               candidates: np.ndarray, known: dict[str, np.ndarray] | None = None,
               firsts: Mapping[str, pd.Series] | None = None) -> Finding:  # fmt: skip
    """Later submissions of a respondent key (first submission kept); any key column may match.

    ``firsts`` (streaming): ``{column: Series mapping match key -> row number of the first
    submission}`` worked out over a whole file; a key column found there is judged by it.  The
    index may hold the keys' ``pandas.util.hash_array`` (uint64) instead of their text, and
    then ``raw``'s key column may hold each row's hash already (uint64, 0 for no key).
    """
    idx = data.index
    mask = np.zeros(len(idx), dtype=bool)
    why = _why(len(idx))
    if not keys:
        return Finding("duplicate", mask, _detail(idx, mask, why), False, "no respondent key")
    if "submitted_at" in data.columns:
        t = data["submitted_at"]
        stamp = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]").view(np.int64).copy()
        stamp[t.isna().to_numpy()] = np.iinfo(np.int64).max
        order = np.argsort(stamp, kind="stable")  # by time, ties in row order
    else:
        order = np.arange(len(idx))
    row_numbers = idx.to_numpy()
    for key in keys:
        column = _resolve_column(key, raw, book, parameter="respondent_key")
        if firsts is not None and column in firsts:
            lookup = firsts[column]
            if raw[column].dtype == np.uint64:  # per-row hashes of the match keys (0: none), from a first pass
                hashed, codes = raw[column].to_numpy(), None
            else:
                codes, uniq = key_codes(raw[column])
                hashed = pd.util.hash_array(uniq.to_numpy(dtype=object)) if len(uniq) else np.zeros(0, np.uint64)
            if lookup.index.dtype == np.uint64 and lookup.index.is_monotonic_increasing:
                # keyed by sorted pandas.util.hash_array of the match keys: binary search, no hash table
                known_keys = lookup.index.to_numpy()
                pos = np.minimum(np.searchsorted(known_keys, hashed), max(len(known_keys) - 1, 0))
                if len(known_keys):
                    mapped = np.where(known_keys[pos] == hashed, lookup.to_numpy(dtype=float)[pos], np.nan)
                else:
                    mapped = np.full(len(hashed), np.nan)
            elif lookup.index.dtype == np.uint64:  # hashed keys in any order
                mapped = pd.Series(hashed, dtype=np.uint64).map(lookup).to_numpy(dtype=float)
            else:
                mapped = uniq.map(lookup).to_numpy(dtype=float)
            if codes is None:
                mapped[hashed == 0] = np.nan
                first_of, codes = mapped, np.where(hashed == 0, -1, 0)
            else:
                first_of = np.append(mapped, np.nan)[codes]
            dup = candidates & (codes >= 0) & ~np.isnan(first_of) & (first_of != row_numbers)
            new = dup & ~mask
            why[new] = f"same {column} as row " + pd.Series(first_of[new].astype(np.int64)).astype(str).to_numpy()
            mask |= dup
            continue
        value = (known or {}).get(column)
        value = key_codes(raw[column])[0] if value is None else value  # match-key codes, -1 missing
        use = candidates & (value >= 0)
        ordered = order[use[order]]
        codes = value[ordered]
        first_pos = np.empty(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
        first_pos[codes[::-1]] = np.arange(len(codes))[::-1]  # earliest position of each value
        dup = first_pos[codes] != np.arange(len(codes))
        new = dup & ~mask[ordered]
        hit = ordered[new]
        first_rows = row_numbers[ordered[first_pos[codes[new]]]]
        why[hit] = f"same {column} as row " + pd.Series(first_rows).astype(str).to_numpy()
        mask[hit] = True
    return Finding("duplicate", mask, _detail(idx, mask, why), True, f"keys {keys}; earliest submission kept")


def speeders(data: pd.DataFrame, candidates: np.ndarray, fraction: float | None, sd: float | None,
             baseline: tuple[float, float] | None = None) -> Finding:  # fmt: skip
    """Duration below ``fraction`` x median, or more than ``sd`` SDs below the median.

    ``baseline`` (streaming): the ``(median, SD)`` of a whole file, used instead of this frame's.
    """
    idx = data.index
    mask = np.zeros(len(idx), dtype=bool)
    if "duration_s" not in data.columns or (fraction is None and sd is None):
        note = "no duration column" if "duration_s" not in data.columns else "disabled"
        return Finding("speeder", mask, _detail(idx, mask, ""), False, note)
    d = data["duration_s"].to_numpy(dtype=float)
    if baseline is not None:
        med, s = float(baseline[0]), float(baseline[1])
        if np.isnan(med) or np.isnan(s):
            return Finding("speeder", mask, _detail(idx, mask, ""), False, "fewer than 2 durations")
    else:
        base = d[candidates & ~np.isnan(d)]
        if len(base) < 2:
            return Finding("speeder", mask, _detail(idx, mask, ""), False, "fewer than 2 durations")
        med, s = float(np.median(base)), float(np.std(base, ddof=1))
    cuts = [c for c in ((fraction * med) if fraction is not None else None, (med - sd * s) if sd is not None else None)
            if c is not None]  # fmt: skip
    cut = max(cuts)
    mask = ~np.isnan(d) & (d < cut)
    why = "duration " + _fmt_num(data["duration_s"][mask]) + f" s < {cut:.1f} s (median {med:g} s, SD {s:.1f} s)"
    note = f"median {med:g} s, SD {s:.1f} s, cut {cut:.1f} s"
    return Finding("speeder", mask, why.astype("str"), True, note)


def straightliners(ctx: Context, book: Codebook, min_items: int | None, mode: str) -> Finding:
    """The same raw answer across every (or any) grid of at least ``min_items`` answered items."""
    idx = ctx.index
    mask = np.zeros(len(idx), dtype=bool)
    rows = book.table[book.table["kind"].isin(SCORED_KINDS) & book.table["grid"].notna()]
    grids = {g: list(r["item"]) for g, r in rows.groupby("grid", sort=False)} if len(rows) else {}
    grids = {g: items for g, items in grids.items() if min_items is not None and len(items) >= min_items}
    if not grids:
        return Finding("straightliner", mask, _detail(idx, mask, ""), False,
                       f"no grid of >= {min_items} items" if min_items is not None else "disabled")  # fmt: skip
    considered = np.zeros(len(idx), dtype=np.int64)
    flat = np.zeros(len(idx), dtype=np.int64)
    for items in grids.values():
        first = ctx.raw_scores[items[0]]
        n = (~np.isnan(first)).astype(np.int64)
        lo, hi = first.copy(), first.copy()
        for i in items[1:]:
            v = ctx.raw_scores[i]
            n += ~np.isnan(v)
            np.fmin(lo, v, out=lo)  # fmin/fmax skip NaN: the range of the answered items
            np.fmax(hi, v, out=hi)
        ok = n >= min_items
        considered += ok
        flat += ok & (lo == hi)
    mask = (considered > 0) & ((flat == considered) if mode == "all" else (flat > 0))
    why = (pd.Series(flat[mask], index=idx[mask]).astype(str) + " of "
           + pd.Series(considered[mask], index=idx[mask]).astype(str) + " grids answered with a single value")  # fmt: skip
    note = f"{len(grids)} grid(s) of >= {min_items} items; flagged when {mode} are constant"
    return Finding("straightliner", mask, why.astype("str"), True, note)


def out_of_range(ctx: Context, book: Codebook) -> Finding:
    """Any scored answer outside its scale (and not a sentinel): quarantined, never clipped."""
    idx = ctx.index
    mask = np.zeros(len(idx), dtype=bool)
    why = _why(len(idx))
    for item, m in ctx.out_of_range.items():
        why[m & ~mask] = f"{item} outside its scale"
        mask |= m
    return Finding("out_of_range", mask, _detail(idx, mask, why), True, f"{len(ctx.raw_scores)} scored items checked")
