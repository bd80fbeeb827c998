"""Column transforms: scores, dates, durations, checkboxes, text, PII (internal).

Every function works on one column at a time over its distinct values (``pd.factorize``) and
records what it changed in the :class:`._audit.LogBuilder`; none loops over rows.
"""

from __future__ import annotations

import base64
import hashlib
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..._core.missing import match_codes, parse_missing_codes
from ...errors import CodebookError, DataQualityWarning, describe
from .._labelspec import parse_labels
from ..calendars import parse_dates
from ..labels import recode_labels
from ..text import (
    DECLARED_MISSING,
    LABEL_NUMBER_CONFLICT,
    NON_SUBSTANTIVE,
    NOT_ON_SCALE,
    OUT_OF_RANGE,
    SENTINEL,
    UNKNOWN_LABEL,
    normalize_digits,
    normalize_text,
    parse_number,
    strip_marks,
)
from ._audit import PSEUDONYM, REDACTED, LogBuilder

#: Log rule of each reason a scored cell became missing.
MISSING_RULES = {NON_SUBSTANTIVE: "missing_code", SENTINEL: "missing_code", DECLARED_MISSING: "missing_code",
                 OUT_OF_RANGE: "out_of_range"}  # fmt: skip
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<![\w])\+?\d[\d\s\-().]{6,}\d(?![\w])")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_STAMP = (r"(?:1[6-9]|[2-9][0-9])[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]) "
          r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
RECODE_COLUMNS = ("column", "item", "value", "count", "score", "reason", "matched_by")


@dataclass
class Context:
    """What the column transforms share: the log, per-value recodes and row-level findings."""

    index: pd.Index
    log: LogBuilder
    hash_key: str
    sentinels: tuple
    recodes: list[dict] = field(default_factory=list)  # one dict of arrays per scored column
    raw_scores: dict[str, np.ndarray] = field(default_factory=dict)
    filled: dict[str, np.ndarray] = field(default_factory=dict)  # column -> non-blank cells
    answered: np.ndarray | None = None  # non-blank answers per row, summed over the scored columns
    answered_from: list[str] = field(default_factory=list)  # the columns summed (one per scored row)
    out_of_range: dict[str, np.ndarray] = field(default_factory=dict)
    key_codes: dict[str, np.ndarray] = field(default_factory=dict)  # column -> match-key codes (PII)
    key_columns: frozenset | None = None  # columns whose key codes the duplicate rule reads (None: all)
    known_pii: list[pa.Array] = field(default_factory=list)  # match keys of personal-data values (the scrub)
    unknown: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dayfirst: bool | None = None  # the day/month order the dates were read in (None: none needed it)

    def wants_key(self, column: str) -> bool:
        """Whether the duplicate rule will read ``column``'s match-key codes."""
        return self.key_columns is None or column in self.key_columns

    @property
    def rows(self) -> np.ndarray:
        return self.index.to_numpy(dtype=np.int64)


def has(row: dict, field: str) -> bool:
    """Whether a codebook record has a non-blank text ``field``."""
    v = row.get(field)
    return isinstance(v, str) and bool(v.strip())


def pii_key(key: object) -> str:
    """A 16-character SipHash key derived from any user key (str or bytes)."""
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)  # type: ignore[arg-type]
    return base64.urlsafe_b64encode(hashlib.blake2b(raw, digest_size=12).digest()).decode("ascii")


def _hex(values: np.ndarray) -> pa.StringArray:
    """uint64 -> 16 lower-case hex characters each, as an Arrow string array (no Python objects)."""
    b = np.ascontiguousarray(values, dtype=np.uint64).astype(">u8").view(np.uint8).reshape(-1, 8)
    chars = np.empty((len(values), 16), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = _HEX[b >> 4], _HEX[b & 15]
    offsets = np.arange(0, 16 * (len(values) + 1), 16, dtype=np.int32)
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(chars))


def _nonascii(s: pd.Series) -> np.ndarray:
    """Rows holding non-ASCII text (missing -> False); pyarrow's kernel when available."""
    arrow = getattr(s.array, "__arrow_array__", None)
    if arrow is not None:
        ascii_ = pc.string_is_ascii(arrow()).fill_null(True)
        return ~np.asarray(ascii_.to_numpy(zero_copy_only=False), dtype=bool)
    if pd.api.types.is_string_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
        return s.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(dtype=bool)
    return np.ones(len(s), dtype=bool)


def answered(s: pd.Series) -> np.ndarray:
    """Cells holding something other than blanks (over distinct values)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    filled = np.array([not (isinstance(u, str) and not u.strip()) for u in uniq] + [False], dtype=bool)
    return filled[codes]


def clean_text(s: pd.Series, *, digits: bool = False) -> pd.Series:
    """Strip whitespace and invisible marks (and optionally normalise digits); keeps missing."""
    if not pd.api.types.is_string_dtype(s.dtype):
        s = s.astype("str")
    out = s.str.strip()
    odd = _nonascii(s)
    if odd.any():
        sub = out[odd]
        sub = strip_marks(normalize_digits(sub) if digits else sub).str.strip()
        out = out.copy()
        out[odd] = sub
    return out.where(out != "", None).astype("str")


def match_key(s: pd.Series) -> pd.Series:
    """Text for matching (respondent keys, test filters): trimmed, digits/marks normalised,
    lower-cased; non-ASCII values also get :func:`normalize_text` (letter variants)."""
    text = clean_text(s, digits=True)
    out = text.str.lower()
    odd = _nonascii(text) & text.notna().to_numpy(dtype=bool)
    if odd.any():
        out = out.copy()
        out[odd] = normalize_text(text[odd])
    return out


def _factor(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(np.asarray(uniq, dtype=object), dtype=object)


def score(ctx: Context, s: pd.Series, row: dict) -> pd.Series:
    """Recode a scored column: explicit labels, then the lexicon; missing codes with reasons.

    Answers matching the codebook's ``missing_codes`` become missing (reason
    :data:`cxanalytics.ingest.text.DECLARED_MISSING`), logged as one column-level ``missing_code`` row
    per item and code (``before`` the code, ``n`` the cells); sentinels, non-substantive labels
    and out-of-range answers are logged cell by cell.
    """
    column, item = row["column"], row["item"]
    lo, hi = float(row["scale_min"]), float(row["scale_max"])
    codes, uniq = _factor(s)
    explicit = {"".join(ch for ch in normalize_text(k) if ch.isalnum()): v
                for k, v in parse_labels(row.get("labels"), scored=True).items()}  # fmt: skip
    by_codebook = np.zeros(len(uniq), dtype=bool)
    if explicit:
        keys = uniq.map(lambda u: "".join(ch for ch in normalize_text(u) if ch.isalnum()) if isinstance(u, str) else None)
        by_codebook = keys.isin(list(explicit)).to_numpy(dtype=bool)
    scale = row["scale"] if has(row, "scale") else (lo, hi)
    u_score, u_reason, matched = _recode_distinct(ctx, uniq, scale)
    if by_codebook.any():
        u_score[by_codebook] = keys[by_codebook].map(explicit).to_numpy(dtype=float)
        u_reason[by_codebook] = None
        matched[by_codebook] = "codebook"
        outside = by_codebook & ((u_score < lo) | (u_score > hi))
        u_score[outside], u_reason[outside] = np.nan, OUT_OF_RANGE
    declared = np.array(match_codes(parse_missing_codes(row.get("missing_codes") if has(row, "missing_codes") else None),
                                    uniq), dtype=object)  # fmt: skip
    is_declared = declared != None  # noqa: E711
    u_score[is_declared], u_reason[is_declared], matched[is_declared] = np.nan, DECLARED_MISSING, "codebook"
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq))
    blank_u = np.array([isinstance(u, str) and not u.strip() for u in uniq] + [True], dtype=bool)
    if ctx.answered is None:
        ctx.answered = np.zeros(len(codes), dtype=np.int64)
    ctx.answered += ~blank_u[codes]  # a running count instead of one mask per column
    ctx.answered_from.append(column)
    ctx.recodes.append({"column": column, "item": item, "value": [None if u is None else str(u) for u in uniq.tolist()],
                        "count": counts, "score": u_score, "reason": u_reason, "matched_by": matched})  # fmt: skip
    n_out = int(counts[u_reason == OUT_OF_RANGE].sum())
    n_in = int(counts[~np.isnan(u_score)].sum())
    if n_out >= 5 and n_out > n_in:
        seen = parse_number(uniq[u_reason == OUT_OF_RANGE]).dropna()
        raise CodebookError(describe("Most answers fall outside the codebook's scale", column=column,
                                     received=f"{n_out} of {n_out + n_in} answers outside {lo:g}-{hi:g} "
                                     f"(e.g. {sorted(seen.unique().tolist())[:5]})",
                                     expected="scale_min/scale_max that match the question's scale"))  # fmt: skip
    for code in dict.fromkeys(declared[is_declared]):  # one column-level row per declared code
        ctx.log.add_column(int(counts[declared == code].sum()), column=column, item=item, rule="missing_code",
                           before=code, after=None, reason=DECLARED_MISSING)  # fmt: skip
    values = np.append(u_score, np.nan)[codes]
    raw_text = np.append(uniq.to_numpy(dtype=object), None)
    for reason in (NON_SUBSTANTIVE, SENTINEL, OUT_OF_RANGE, UNKNOWN_LABEL, NOT_ON_SCALE, LABEL_NUMBER_CONFLICT,
                   "not_a_number", "ambiguous_separator"):  # fmt: skip
        bad_u = np.flatnonzero(u_reason == reason)
        if not len(bad_u):
            continue
        mask = np.isin(codes, bad_u)
        ctx.log.add(ctx.rows[mask], column=column, item=item, rule=MISSING_RULES.get(reason, "unreadable"),
                    before=raw_text[codes[mask]], after=None, reason=reason)  # fmt: skip
        if reason == OUT_OF_RANGE:
            ctx.out_of_range[item] = mask
        if reason == UNKNOWN_LABEL:
            ctx.unknown[item] = int(mask.sum())
    ctx.raw_scores[item] = values
    if row.get("reverse"):
        answered = ~np.isnan(values)
        flipped = lo + hi - values
        ctx.log.add_column(int(answered.sum()), column=column, item=item, rule="reverse_code", before="x",
                           after=f"{lo + hi:g} - x", reason=f"negatively worded: {lo:g} + {hi:g} - x")  # fmt: skip
        values = flipped
    return pd.Series(values, index=ctx.index, name=item, dtype="float64", copy=False)


#: (scale, sentinels, distinct answers) -> {answer: (score, reason, matched_by)}: recode_labels
#: is a pure function of these, so its results are shared by every clean in the process.
_RECODE_MEMO: dict[tuple, dict] = {}
_RECODE_MEMO_SIZE = 1024


def _recode_distinct(ctx: Context, uniq: pd.Series, scale: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score, reason and ``matched_by`` of each distinct answer (fresh arrays).

    Columns of one questionnaire share their answer sets (every item of a grid offers the same
    labels), so :func:`recode_labels` runs once per (scale, sentinels, set of distinct answers)
    and the result is reused, across calls too (the chunks of a streamed export); a whole set is always recoded together, so its checks (e.g. 7-point labels
    on a 5-point scale) see exactly the answers of the column.
    """
    memo_key = (scale if isinstance(scale, str) else tuple(scale), ctx.sentinels, frozenset(uniq.tolist()))
    known = _RECODE_MEMO.get(memo_key)
    if known is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            res = recode_labels(uniq, scale=scale, sentinels=ctx.sentinels)
        u_match = res.report.set_index("value")["matched_by"] if len(res.report) else pd.Series(dtype=object)
        matched = [u_match.get(u) if u in u_match.index else None for u in uniq]
        known = dict(zip(uniq.tolist(), zip(res.scores.to_numpy(dtype=float).tolist(),
                                                res.reasons.to_numpy(dtype=object).tolist(), matched, strict=True),
                         strict=True))  # fmt: skip
        if len(_RECODE_MEMO) >= _RECODE_MEMO_SIZE:
            _RECODE_MEMO.clear()
        _RECODE_MEMO[memo_key] = known
    triples = [known[u] for u in uniq.tolist()]
    return (np.array([t[0] for t in triples], dtype=float), np.array([t[1] for t in triples], dtype=object),
            np.array([t[2] for t in triples], dtype=object))  # fmt: skip


def dates(ctx: Context, frame: pd.DataFrame, rows: list[dict], *, tz: str, calendar: str,
          dayfirst: bool | None) -> dict[str, pd.Series]:  # fmt: skip
    """Parse every timestamp column (one day/month order for all), to UTC."""
    if not rows:
        return {}
    texts = [frame[r["column"]] for r in rows]
    decided: list[bool | None] = []
    utc, rep, used = _parse_stamps(texts, calendar=calendar, tz=tz, dayfirst=dayfirst, decided=decided)
    ctx.dayfirst = decided[0]
    out = {}
    for k, r in enumerate(rows):
        out[r["item"]] = pd.Series(pd.DatetimeIndex(utc[k]).tz_localize("UTC"), index=ctx.index, name=r["item"])
        mine = rep[rep["part"] == k]
        if len(mine):
            pos = mine["position"].to_numpy()
            ctx.log.add(ctx.rows[pos], column=r["column"], item=r["item"], rule="unreadable",
                        before=mine["value"].to_numpy(dtype=object), after=None,
                        reason=mine["reason"].to_numpy(dtype=object))  # fmt: skip
    ctx.notes.append(f"dates: {used} calendar, time zone {tz}, stored as UTC")
    return out


def _fast_stamps(text: pd.Series, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Cells read by the fast path (mask) and their UTC times (datetime64[us], NaT elsewhere)."""
    values = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    fast = text.str.fullmatch(_STAMP).fillna(False).to_numpy(dtype=bool).copy()
    if not fast.any():
        return fast, values
    chosen = pa.array(text[fast])
    stamp = pc.strptime(chosen, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    # strptime rolls 2025-02-30 over to March: keep a value only if its day survived
    same_day = pc.equal(pc.day(stamp), pc.cast(pc.utf8_slice_codeunits(chosen, 8, 10), pa.int64()))
    wall = pd.DatetimeIndex(stamp.to_numpy(zero_copy_only=False))
    wall = wall.where(np.asarray(same_day.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool))
    try:
        local = wall.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    except Exception:  # an unknown zone: parse_dates raises the ParameterError
        return np.zeros(len(text), dtype=bool), values
    ok = np.asarray(local.notna(), dtype=bool)
    where = np.flatnonzero(fast)
    fast[where[~ok]] = False
    values[where[ok]] = local[ok].tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]")
    return fast, values


def _parse_stamps(texts: pd.Series | list[pd.Series], *, calendar: str, tz: str,
                  dayfirst: bool | None, decided: list | None = None) -> tuple[list[np.ndarray], pd.DataFrame, str]:  # fmt: skip
    """UTC times of each column (datetime64[us]), the unreadable-value report (``part`` = the
    column's position in ``texts``, ``position`` within it) and the calendar(s) used; the
    day/month order decided is appended to ``decided``.

    Platform timestamps are mostly ``YYYY-MM-DD HH:MM:SS`` (Qualtrics, SurveyMonkey exports
    re-saved by Excel): with ``calendar`` "auto" or "gregorian", ASCII values in exactly that
    form with a year from 1600 (Gregorian by :func:`cxanalytics.ingest.calendars.parse_dates`' own
    rule) that exist in ``tz`` are read column by column with one vectorised ``strptime`` and
    localised.  Every other value of every column - other layouts, other digits, Jalali/Hijri
    years, impossible dates, local times skipped or repeated by a clock change - goes to
    ``parse_dates`` in one call (so all columns share one day/month order), which reads or
    reports it exactly as it would have in the full columns.
    """
    texts = [texts] if isinstance(texts, pd.Series) else list(texts)
    values, rests = [], []
    for text in texts:
        text = text.astype("str")
        if calendar in ("auto", "gregorian") and len(text):
            fast, v = _fast_stamps(text, tz)
        else:
            fast, v = np.zeros(len(text), dtype=bool), np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
        rest = np.flatnonzero(~fast)
        values.append(v)
        rests.append((rest, text.iloc[rest], bool(fast.any())))
    sizes = np.array([len(r[0]) for r in rests], dtype=np.int64)
    stacked = pd.concat([r[1] for r in rests], ignore_index=True) if rests else pd.Series([], dtype="str")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        parsed = parse_dates(stacked, calendar=calendar, timezone=tz, dayfirst=dayfirst)
    del stacked
    got = parsed.values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for k, (rest, _, _) in enumerate(rests):
        values[k][rest] = got[starts[k] : starts[k + 1]]
    used = set(parsed.calendar.split("+")) if len(parsed.values.dropna()) else set()
    if any(r[2] for r in rests):
        used.add("gregorian")
    at = parsed.report["position"].to_numpy(dtype=np.int64)
    part = np.searchsorted(starts, at, side="right") - 1
    within = np.concatenate([r[0] for r in rests])[at] if len(at) else at
    rep = parsed.report.assign(part=part, position=within)
    if decided is not None:
        decided.append(parsed.dayfirst)
    return values, rep, "+".join(sorted(used)) or parsed.calendar


def number(ctx: Context, s: pd.Series, row: dict) -> pd.Series:
    """A plain number (duration, progress), read over distinct values; unreadable text logged and missing."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    u_values, u_reasons = parse_number(pd.Series(np.asarray(uniq, dtype=object), dtype=object), return_reason=True)
    u_reasons = u_reasons.to_numpy(dtype=object)
    u_bad = np.append((u_reasons != None) & (u_reasons != "missing"), False)  # noqa: E711
    bad = u_bad[codes]
    if bad.any():
        ctx.log.add(ctx.rows[bad], column=row["column"], item=row["item"], rule="unreadable",
                    before=s[bad].to_numpy(dtype=object), after=None, reason=u_reasons[codes[bad]])  # fmt: skip
    values = np.append(u_values.to_numpy(dtype=float), np.nan)[codes]
    return pd.Series(values, index=ctx.index, name=row["item"], copy=False)


def flag(s: pd.Series, row: dict) -> pd.Series:
    """true/false text -> nullable boolean (read over distinct values)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    key = clean_text(pd.Series(uniq)).str.casefold()
    yes = np.append(key.isin(["true", "1", "yes"]).to_numpy(dtype=bool), False)[codes]
    no = np.append(key.isin(["false", "0", "no"]).to_numpy(dtype=bool), False)[codes]
    return pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=s.index, name=row["item"])


def key_codes(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of the :func:`match_key` of each cell (-1 where missing) and the distinct keys.

    Computed over the column's distinct raw values, so the text work is done once per value.
    """
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    raw = pd.Series(uniq)
    keys = match_key(raw)
    if pd.api.types.is_string_dtype(raw.dtype) and keys.notna().all() and \
            pc.all(pc.equal(pa.array(keys), pa.array(raw))).as_py() is not False:  # fmt: skip
        return codes, keys.reset_index(drop=True)  # already keys (distinct): no second pass
    kcodes, kuniq = pd.factorize(keys, use_na_sentinel=True)
    return np.append(kcodes, -1)[codes], pd.Series(kuniq, dtype="str")


def identifier(ctx: Context, s: pd.Series, row: dict) -> pd.Series:
    """A respondent identifier (customer id): trimmed text with digits/marks normalised, worked
    out over distinct values; its match-key codes are kept for the duplicate rule."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    text = clean_text(pd.Series(uniq), digits=True)
    if ctx.wants_key(row["column"]):
        kcodes, _ = pd.factorize(match_key(text), use_na_sentinel=True)
        ctx.key_codes[row["column"]] = np.append(kcodes, -1)[codes]
    out = pa.array(text).take(pa.array(codes, mask=codes < 0))
    return pd.Series(out, index=ctx.index, name=row["item"], dtype="str")


def _keyed_hash(keys: pd.Series, hash_key: str, chunk: int = 1 << 16) -> np.ndarray:
    """SipHash-2-4 of each text (uint64), converted to Python strings a chunk at a time."""
    out = np.empty(len(keys), dtype=np.uint64)
    for start in range(0, len(keys), chunk):
        part = keys.iloc[start : start + chunk].to_numpy(dtype=object)
        out[start : start + len(part)] = pd.util.hash_array(part, hash_key=hash_key, categorize=False)
    return out


def pseudonymise(ctx: Context, s: pd.Series, row: dict) -> pd.Series:
    """Keyed SipHash-2-4 pseudonyms of the (trimmed, lower-cased) values; raw values never kept.

    Hashes each distinct key once and builds the text column with one Arrow ``take``; the
    key codes are kept in ``ctx.key_codes`` for the duplicate rule, and the keys that could
    name someone in ``ctx.known_pii`` for the scrub of the other columns.
    """
    codes, keys = key_codes(s)
    if ctx.wants_key(row["column"]):
        ctx.key_codes[row["column"]] = codes
    ctx.known_pii.append(known_pii_keys(s, keys))  # the same keys, for the scrub of the other columns
    hexes = _hex(_keyed_hash(keys, ctx.hash_key))
    n = int((codes >= 0).sum())
    if n:
        ctx.log.add_column(n, column=row["column"], item=row["item"], rule="pseudonymise",
                           before=REDACTED, after=PSEUDONYM, reason=f"pii: {row['item']}")  # fmt: skip
    out = pc.take(hexes, pa.array(codes, mask=codes < 0))
    return pd.Series(out, index=ctx.index, name=row["item"], dtype="str")


def _arrow_text(s: pd.Series) -> pa.Array:
    """The text of a pandas ``str`` Series as one Arrow large_string array (no Python objects)."""
    arr = pa.array(s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(arr, pa.large_string())


def known_pii_keys(s: pd.Series, keys: pd.Series) -> pa.Array:
    """Those of a personal-data column's distinct match ``keys`` (from :func:`key_codes`) that could
    name someone elsewhere (a letter, >= 3 chars); none for e-mail, IP or number columns."""
    head = s.dropna().head(1000).astype("str")
    if not len(keys) or (len(head) and (head.str.contains("@", regex=False).mean() > 0.5
                                        or not head.str.contains(r"[^\W\d_]").any())):  # fmt: skip
        return pa.array([], type=pa.large_string())  # e-mail addresses (redacted in free text anyway), IPs, numbers
    arr = _arrow_text(keys.dropna().astype("str"))
    keep = pc.and_(pc.greater_equal(pc.utf8_length(arr), 3), pc.match_substring_regex(arr, r"[^\W\d_]"))
    return pc.filter(arr, keep)


def _redact(text: str) -> str:
    return _PHONE_IN_TEXT.sub("[phone]", _EMAIL_IN_TEXT.sub("[email]", text))


def free_text(ctx: Context, s: pd.Series, row: dict) -> pd.Series:
    """Free text with e-mail addresses and phone numbers replaced by ``[email]`` / ``[phone]``."""
    text = clean_text(s)
    codes, uniq = _factor(text)
    fixed = uniq.map(lambda u: _redact(u) if isinstance(u, str) else u)
    changed_u = np.flatnonzero((fixed != uniq).to_numpy(dtype=bool))
    out = pd.Series(np.append(fixed.to_numpy(dtype=object), None)[codes], index=ctx.index, name=row["item"], dtype="str")
    if len(changed_u):
        mask = np.isin(codes, changed_u)
        ctx.log.add(ctx.rows[mask], column=row["column"], item=row["item"], rule="redact_pii", before=REDACTED,
                    after=out[mask].to_numpy(dtype=object), reason="e-mail or phone number in free text")  # fmt: skip
    return out


def checkbox_columns(ctx: Context, frame: pd.DataFrame, rows: list[dict]) -> dict[str, pd.Series]:
    """One boolean per choice column; a question left wholly blank is missing, not False."""
    out: dict[str, pd.Series] = {}
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["grid"] if has(r, "grid") else r["column"], []).append(r)
    for members in groups.values():
        chosen = {r["item"]: clean_text(frame[r["column"]]).notna().to_numpy(dtype=bool) for r in members}
        blank = ~np.any(np.column_stack(list(chosen.values())), axis=1)
        for item, ticks in chosen.items():
            s = pd.Series(ticks, index=ctx.index, name=item, dtype="boolean")
            s[blank] = pd.NA
            out[item] = s
    return out


def joined_checkbox(ctx: Context, s: pd.Series, row: dict) -> dict[str, pd.Series]:
    """Choices joined in one cell ("Billing,Device") -> one boolean per choice in ``labels``."""
    choices = parse_labels(row.get("labels"), scored=False)
    codes, uniq = _factor(clean_text(s))
    tokens = [{t.strip() for t in u.split(",")} if isinstance(u, str) else set() for u in uniq]
    out = {}
    for label, suffix in choices.items():
        hit_u = np.array([label.strip() in t for t in tokens] + [False], dtype=bool)
        s_out = pd.Series(hit_u[codes], index=ctx.index, name=f"{row['item']}_{suffix}", dtype="boolean")
        s_out[codes < 0] = pd.NA
        out[s_out.name] = s_out
    return out
