"""``clean_responses``: an export and a codebook in, trusted responses and their audit out."""

from __future__ import annotations

import re
import secrets
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import CodebookError, DataQualityWarning, ParameterError, describe
from ..codebook import SCORED_KINDS, Codebook
from ..text import DEFAULT_SENTINELS, parse_number
from . import _rules as R
from . import _values as V
from ._assemble import _assemble, _key_columns, _release
from ._audit import LogBuilder
from ._pii import known_pii, scrub_known_pii
from ._result import CleanResult

_PASS_THROUGH = ("status", "metadata", "segment", "id", "customer_id")
#: Output columns the row rules read.
_RULE_ITEMS = ("status", "distribution_channel", "finished", "progress", "submitted_at", "duration_s")


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def _has_naive_times(values: pd.Series) -> bool:
    """Whether a raw time column holds a clock time without a UTC offset (``+01:00``, ``Z``)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return False
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return bool(len(text)) and not text.str.contains(_OFFSET).all()


def _codebook(export: Any, codebook: Any) -> Codebook:
    if codebook is None:
        return Codebook.infer(export)
    if isinstance(codebook, str | Path):
        book = Codebook.from_csv(codebook)
    elif isinstance(codebook, pd.DataFrame):
        book = Codebook(codebook)
    elif isinstance(codebook, Codebook):
        book = codebook
    else:
        raise ParameterError(describe("Unsupported codebook", parameter="codebook", received=type(codebook).__name__,
                                      expected="None (infer), a Codebook, a DataFrame or a CSV path"))  # fmt: skip
    book.check(export)
    return book


#: Names ``remove=`` accepts for the flag-only rules (plural as in the CLI, or the rule's name).
REMOVABLE = {"speeders": "speeder", "speeder": "speeder", "straightliners": "straightliner",
             "straightliner": "straightliner"}  # fmt: skip


def _check_rules(min_completion, speeder_fraction, speeder_sd, straightline_min_items, straightline,
                 quarantine, test_filter, respondent_key, remove=()) -> tuple[str, ...]:  # fmt: skip
    def prob(name: str, v: Any, lo: float, hi: float) -> None:
        if v is not None and not (isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi):
            raise ParameterError(describe("Rule threshold out of range", parameter=name, received=v,
                                          expected=f"None or a number in [{lo:g}, {hi:g}]"))  # fmt: skip

    prob("min_completion", min_completion, 0.0, 1.0)
    prob("speeder_fraction", speeder_fraction, 0.0, 1.0)
    prob("speeder_sd", speeder_sd, 0.0, 100.0)
    if straightline_min_items is not None and not (isinstance(straightline_min_items, int | np.integer)
                                                   and straightline_min_items >= 2):  # fmt: skip
        raise ParameterError(describe("straightline_min_items must be an integer >= 2", parameter="straightline_min_items",
                                      received=straightline_min_items, expected="None or an integer >= 2"))  # fmt: skip
    if straightline not in ("all", "any"):
        raise ParameterError(describe("Unknown straight-lining mode", parameter="straightline", received=straightline,
                                      expected="'all' (every grid constant) or 'any'"))  # fmt: skip
    q = (quarantine,) if isinstance(quarantine, str) else tuple(quarantine)
    bad = [r for r in q if r not in R.REASONS]
    if bad:
        raise ParameterError(describe("Unknown quarantine reason", parameter="quarantine", received=bad,
                                      expected=f"a subset of {R.REASONS}"))  # fmt: skip
    asked = (remove,) if isinstance(remove, str) else tuple(remove or ())
    unknown = [r for r in asked if r not in REMOVABLE]
    if unknown:
        raise ParameterError(describe("Unknown response-quality rule to remove", parameter="remove", received=unknown,
                                      expected="a subset of ('speeders', 'straightliners')"))  # fmt: skip
    q = q + tuple(REMOVABLE[r] for r in asked if REMOVABLE[r] not in q)
    if test_filter is not None and not isinstance(test_filter, Mapping):
        raise ParameterError(describe("test_filter must map a column to value(s)", parameter="test_filter",
                                      received=type(test_filter).__name__, expected="{'collector_id': '431000999'}"))  # fmt: skip
    if respondent_key is not None and respondent_key is not False and not isinstance(respondent_key, str | Sequence):
        raise ParameterError(describe("respondent_key must name columns", parameter="respondent_key",
                                      received=respondent_key, expected="None, False or column/item names"))  # fmt: skip
    return q


def _check_missing_codes(missing_codes: Any) -> dict[float, str]:
    """``missing_codes`` as ``{code: label}`` (a sequence of numbers gets empty labels)."""
    if missing_codes is None:
        return {}
    pairs = missing_codes.items() if isinstance(missing_codes, Mapping) else (
        [(missing_codes, "")] if isinstance(missing_codes, str | int | float) else [(c, "") for c in missing_codes])  # fmt: skip
    out: dict[float, str] = {}
    for code, label in pairs:
        value = parse_number(pd.Series([str(code)], dtype=object)).iloc[0]
        if isinstance(code, bool) or pd.isna(value):
            raise ParameterError(describe("Missing-value codes must be numbers", parameter="missing_codes",
                                          received=code, expected="e.g. [0, -99, 98] or {0: 'not applicable'}"))  # fmt: skip
        out[float(value)] = str(label or "")
    return out


def _declared_missing(ctx: V.Context, s: pd.Series, row: dict, codes: dict[float, str],
                      declared: np.ndarray) -> pd.Series:  # fmt: skip
    """Cells of a scored column holding a declared missing-value code become missing (logged);
    ``declared`` counts them per row (they were answered: the completion rule counts them)."""
    if not codes:
        return s
    where, uniq = pd.factorize(s, use_na_sentinel=True)
    values = parse_number(pd.Series(np.asarray(uniq, dtype=object), dtype=object)).to_numpy(dtype=float)
    hit_u = np.isin(values, list(codes))
    if not hit_u.any():
        return s
    hit = np.append(hit_u, False)[where]
    labels = np.array([f"declared missing code {codes[v]}".strip() if h else None
                       for v, h in zip(values, hit_u, strict=True)] + [None], dtype=object)  # fmt: skip
    ctx.log.add(ctx.rows[hit], column=row["column"], item=row["item"], rule="missing_code",
                before=s[hit].to_numpy(dtype=object), after=None, reason=labels[where[hit]])  # fmt: skip
    declared += hit
    return s.mask(hit)


_NOT_TEXT = frozenset({"pii", "customer_id", "timestamp", "duration", "progress", "finished", "multi"})


def _columns(ctx: V.Context, raw: pd.DataFrame, book: Codebook, tz: str, calendar: str,
             dayfirst: bool | None, progress: bool, missing: dict[float, str] | None = None) -> dict[str, pd.Series]:  # fmt: skip
    rows = book.table.to_dict("records")
    out: dict[str, pd.Series] = {}
    stamps = [r for r in rows if r["kind"] == "timestamp"]
    parsed = V.dates(ctx, raw, stamps, tz=tz, calendar=calendar, dayfirst=dayfirst)
    boxes = V.checkbox_columns(ctx, raw, [r for r in rows if r["kind"] == "multi" and not V.has(r, "labels")])
    declared = np.zeros(len(raw), dtype=np.int64)
    steps = rows
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(rows, desc="cleaning columns", unit="col")
    for r in steps:
        kind, item, s = r["kind"], r["item"], raw[r["column"]]
        if kind in SCORED_KINDS:
            new = {item: V.score(ctx, _declared_missing(ctx, s, r, missing or {}, declared), r)}
        elif kind == "timestamp":
            new = {item: parsed[item]}
        elif kind in ("duration", "progress"):
            new = {item: V.number(ctx, s, r)}
        elif kind == "finished":
            new = {item: V.flag(s, r)}
        elif kind == "pii":
            new = {item: V.pseudonymise(ctx, s, r)}
        elif kind == "customer_id":
            new = {item: V.identifier(ctx, s, r)}
        elif kind == "text":
            new = {item: V.free_text(ctx, s, r)}
        elif kind == "multi":
            new = V.joined_checkbox(ctx, s, r) if V.has(r, "labels") else {item: boxes[item]}
        else:
            new = {item: V.clean_text(s, digits=kind == "customer_id").rename(item)}
        clash = [k for k in new if k in out]
        if clash:
            raise CodebookError(describe("Two codebook rows produce the same output column", column=r["column"],
                                         received=clash, expected="unique item names"))  # fmt: skip
        out.update(new)
        if kind not in SCORED_KINDS:
            _release()  # text work (pseudonyms, trimming) leaves freed Arrow memory behind
    known = known_pii(ctx)  # the pseudonymisation's keys of the personal-data values
    if known is not None:  # personal data typed into other text columns (a name in "name of your course")
        for r in rows:
            if r["kind"] not in SCORED_KINDS and r["kind"] not in _NOT_TEXT and r["item"] in out \
                    and pd.api.types.is_string_dtype(out[r["item"]].dtype):  # fmt: skip
                out[r["item"]] = scrub_known_pii(ctx, known, out[r["item"]], r)
        del known
        _release()
    if ctx.answered is not None and declared.any():
        ctx.answered += declared  # a declared missing code ("not applicable") is an answer
    if "duration_s" not in out and {"started_at", "submitted_at"} <= set(out):
        out["duration_s"] = (out["submitted_at"] - out["started_at"]).dt.total_seconds().rename("duration_s")
        ctx.notes.append("duration_s derived as submitted_at - started_at")
    return out


def clean_responses(
    export: Any,
    codebook: Any = None,
    *,
    timezone: str | None = None,
    calendar: str = "auto",
    dayfirst: bool | None = None,
    test_filter: Mapping[str, Any] | None = None,
    min_completion: float | None = 0.8,
    use_finished: bool = True,
    respondent_key: str | Sequence[str] | bool | None = None,
    speeder_fraction: float | None = 0.3,
    speeder_sd: float | None = 2.0,
    straightline_min_items: int | None = 5,
    straightline: str = "all",
    quarantine: Sequence[str] = R.DEFAULT_QUARANTINE,
    remove: Sequence[str] = (),
    sentinels: Sequence[float] = DEFAULT_SENTINELS,
    missing_codes: Sequence[float] | Mapping[float, str] | None = None,
    pii_key: str | bytes | None = None,
    progress: bool = False,
    speeder_baseline: tuple[float, float] | None = None,
    duplicate_firsts: Mapping[str, pd.Series] | None = None,
) -> CleanResult:
    """Clean a survey export: recode, normalise, pseudonymise, flag and quarantine, with an audit.

    Parameters
    ----------
    export : SurveyExport
        From :func:`cxanalytics.read_export`; never modified.
    codebook : Codebook, DataFrame, path or None
        The column roles and scales; ``None`` infers them (:meth:`Codebook.infer`).  An
        explicit codebook always wins and must match the export's columns.
    timezone : str, optional
        IANA zone of the export's wall-clock times.  Default: the export's own (Qualtrics
        ImportId ``timeZone``), else UTC with a :class:`DataQualityWarning`.  SurveyMonkey
        and Google Forms exports carry no zone: pass the account's (e.g. ``"Asia/Riyadh"``,
        ``"Asia/Tehran"``).  An explicit value wins over the export's.
    calendar, dayfirst : passed to :func:`cxanalytics.ingest.calendars.parse_dates` (one call for
        every timestamp column, so start and end dates share one day/month order).
    test_filter : mapping, optional
        ``{column or item: value(s)}`` marking test responses, e.g. ``{"collector_id":
        "431000999"}`` or ``{"email": "qa.team@example.com"}``; compared after text
        normalisation.  The platforms' own markers are always recognised (Qualtrics ``Status``
        previews, tests and spam, KoBoToolbox "Not Approved"; see Notes).
    min_completion : float or None, default 0.8
        The item rule, for rows the platform gives no verdict on (see ``use_finished``): a
        response answering fewer than this share of the substantive questions, and none of
        the last fifth of them, is incomplete (non-substantive answers count as answered).
        Questions, not columns, are counted: a multi-select question is one question however
        many choice columns it has; "Other - Text" boxes, ``_NPS_GROUP``, Text iQ, timing and
        reCAPTCHA columns, embedded data and metadata are never questions.  ``None`` disables it.
    use_finished : bool, default True
        The platform's own completion marker decides where it exists: Qualtrics ``Finished``
        and ``Progress``, Alchemer ``Status`` (Complete / Partial / Disqualified), LimeSurvey
        ``submitdate``, Typeform ``Submit Date``; Google Forms, Typeform and KoBoToolbox exports
        hold submitted responses only.  The item rule then never overrides a platform's
        "complete".  ``False`` ignores the markers: the item rule decides every row (with a
        :class:`DataQualityWarning` when it contradicts the platform for most responses).
    respondent_key : str, list, False or None
        Columns/items identifying a person for duplicates; default the codebook's
        ``respondent_key`` rows (customer id and e-mail).  A later submission matching an
        earlier one on any key is a duplicate; the earliest (by ``submitted_at``) is kept.
    speeder_fraction, speeder_sd : float or None, defaults 0.3 and 2.0
        A speeder took less than ``speeder_fraction`` x the median duration, or more than
        ``speeder_sd`` standard deviations less than the median (whichever cut is higher);
        median and SD are of the responses that passed the earlier rules.
    straightline_min_items : int or None, default 5
        Grids (matrix questions) with at least this many answered items are checked.
    straightline : {"all", "any"}, default "all"
        Flag a response whose raw answers are constant in every checked grid ("all") or in
        any ("any").  "all" is the default because a genuine respondent may rate one short
        grid all 10s, but rarely every grid, least of all one with a negatively worded item.
    quarantine : sequence of str, default every reason but ``speeder`` and ``straightliner``
        Reasons that move a row to ``quarantine``; other reasons only flag (``data.flags``).
    remove : sequence of {"speeders", "straightliners"}, default ()
        Response-quality rules that quarantine too.  By default speeders and straight-liners
        are flagged, not removed: a ``flag_speeder`` / ``flag_straightliner`` column in
        ``data`` (and ``quarantine``) and a log row (``after`` = "flagged"), so an analyst
        can show every metric with and without them before deciding.
    sentinels : numbers, default :data:`cxanalytics.ingest.text.DEFAULT_SENTINELS`
        Missing-value codes (only outside an item's scale).
    missing_codes : numbers or mapping, optional
        Declared missing-value codes of every scored item, even inside its scale, e.g.
        ``{0: "not applicable"}`` for 0-5 ratings where 0 means N/A, or ``[98, 99]``: such
        answers become missing, logged as ``missing_code`` ("declared missing code ..."),
        and still count as answered for the completion rule.
    pii_key : str or bytes, optional
        Key of the pseudonymisation hash.  Default: a random key per call (pseudonyms cannot
        be linked across runs); pass a secret key to get stable pseudonyms.
    progress : bool, default False
        Show a progress bar over columns (tqdm).
    speeder_baseline : (float, float), optional
        For cleaning a file in chunks (:func:`cxanalytics.ingest.streaming.clean_export_in_chunks`):
        the median and SD of the durations of the whole file's candidate responses, used
        instead of this export's.  NaN values mean "fewer than 2 durations".
    duplicate_firsts : mapping, optional
        For cleaning in chunks: ``{key column: Series}`` mapping each match key (trimmed,
        lower-cased text) to the row number of the earliest candidate submission in the
        whole file; a row whose key maps to another row is a duplicate of it.  The index may
        instead hold ``pandas.util.hash_array`` of the keys (uint64), to save memory.

    Returns
    -------
    CleanResult
        ``data``, ``quarantine``, ``log``, ``recodes``, ``rules``, ``codebook``; ``summary()``
        reconciles rows read with rows kept plus quarantined.

    Raises
    ------
    ParameterError
        Invalid rules or export.
    CodebookError
        A codebook that disagrees with the export.
    ReconciliationError
        If a row were lost or duplicated (checked on every call).

    Warns
    -----
    DataQualityWarning
        Answer labels the lexicon does not know (left missing, listed in ``recodes``), no
        known time zone, or (``use_finished=False``) an item rule that contradicts the
        platform's "complete" for most of the responses it marks complete.

    Notes
    -----
    Rules, in the order that chooses a row's primary quarantine reason: ``preview``, ``test``
    and ``spam`` (Qualtrics ``Status`` as text, or numeric codes read as bit flags 1 preview,
    2 test, 8 spam, where 4 imported and 16 offline are genuine; ``DistributionChannel``;
    ``test_filter``), ``rejected`` (KoBoToolbox ``_validation_status`` "Not Approved"),
    ``incomplete``, ``duplicate``, ``speeder``, ``straightliner`` (both flag-only unless
    ``remove``), ``out_of_range`` (an answer outside its scale that is not a sentinel: the row
    is quarantined and the value never clipped).  The platform markers are read by column
    name, so they work whatever platform the reader detected.  Cells: labels and numbers in any
    digits are read by :func:`cxanalytics.ingest.text.recode_labels` (explicit codebook ``labels``
    first); answers matching the codebook's ``missing_codes`` become missing (reason
    ``declared_missing``; one column-level log row per item and code, ``n`` the cells);
    non-substantive answers and sentinels become missing with a reason code, never 0;
    negatively worded items become ``scale_min + scale_max - x``; PII columns become keyed
    SipHash-2-4 pseudonyms (Aumasson & Bernstein 2012; 64-bit, via ``pandas.util.hash_array``),
    and e-mails/phone numbers inside free text become ``[email]``/``[phone]``.

    The speeder rule compares each duration with the median completion time, as in Greszki,
    Meyer & Schoen (2015) and Leiner (2019); the 0.3 fraction and the 2-SD cut are the
    conventions the project's issue states, not estimates.

    References
    ----------
    Greszki, R., Meyer, M., & Schoen, H. (2015). Exploring the effects of removing "too fast"
    responses and respondents from web surveys. *Public Opinion Quarterly*, 79(2), 471-503.
    Leiner, D. J. (2019). Too fast, too straight, too weird: Non-reactive indicators for
    meaningless data in internet surveys. *Survey Research Methods*, 13(3), 229-248.

    Examples
    --------
    >>> from cxanalytics.datasets import load_sample
    >>> from cxanalytics.ingest.exports import read_export
    >>> res = clean_responses(read_export(load_sample("qualtrics_en")), pii_key="k")
    >>> s = res.summary()
    >>> int(s["n"].iloc[0]) == int(s["n"].iloc[1:].sum())
    True
    """
    frame = getattr(export, "frame", None)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(describe("clean_responses needs a SurveyExport", parameter="export",
                                      received=type(export).__name__, expected="read_export(...)"))  # fmt: skip
    if not frame.index.is_unique:
        raise ParameterError(describe("Export rows must have unique row numbers", parameter="export",
                                      received="duplicate index values", expected="a read_export() result"))  # fmt: skip
    q_reasons = _check_rules(min_completion, speeder_fraction, speeder_sd, straightline_min_items, straightline,
                             quarantine, test_filter, respondent_key, remove)  # fmt: skip
    missing = _check_missing_codes(missing_codes)
    book = _codebook(export, codebook)
    tz = timezone or getattr(export, "timezone", None)
    if tz is None:
        times = [c for c in book.table.loc[book.table["kind"] == "timestamp", "column"]
                 if c in frame.columns and _has_naive_times(frame[c])]
        if times:  # no warning when there is no time to read, or every time states its offset
            warnings.warn(describe(f"The export states no time zone: its wall-clock times ({', '.join(map(str, times))}) "
                                   "are read as UTC", file=getattr(export, "source", None), parameter="timezone",
                                   expected="the survey account's time zone, e.g. timezone='Europe/London'"),
                          DataQualityWarning, stacklevel=2)  # fmt: skip
        tz = "UTC"
    source = str(getattr(export, "source", ""))
    key = pii_key if pii_key is not None else secrets.token_bytes(16)
    keys = R.key_items(book, respondent_key)
    ctx = V.Context(frame.index, LogBuilder(), V.pii_key(key), tuple(sentinels), key_columns=_key_columns(keys, frame, book))
    cols = _columns(ctx, frame, book, tz, calendar, dayfirst, progress, missing)
    _release()
    # the row rules read a few columns; the full table is only built once, split into kept/quarantined
    ruled = pd.DataFrame({k: cols[k] for k in _RULE_ITEMS if k in cols}, index=frame.index, copy=False)
    platform = str(getattr(export, "platform", "") or "")
    findings = R.preview_and_test(ruled, frame, book, test_filter, platform)
    findings.append(R.incomplete(ruled, frame, book, min_completion, use_finished, (ctx.answered, ctx.answered_from),
                                 questions=getattr(export, "questions", None), platform=platform, source=source))  # fmt: skip
    ctx.filled.clear()
    ctx.answered = None
    early = np.logical_or.reduce([f.mask for f in findings]) if len(frame) else np.zeros(0, dtype=bool)
    findings.append(R.duplicates(ruled, frame, book, keys, ~early, ctx.key_codes, duplicate_firsts))
    ctx.key_codes.clear()
    early = early | findings[-1].mask
    findings.append(R.speeders(ruled, ~early, speeder_fraction, speeder_sd, speeder_baseline))
    findings.append(R.straightliners(ctx, book, straightline_min_items, straightline))
    findings.append(R.out_of_range(ctx, book))
    ctx.raw_scores.clear()
    del ruled
    return _assemble(ctx, frame, cols, book, findings, q_reasons, source, export, tz)
