"""Infer a codebook from an export: roles, items, scales, dimensions, reverse-coding (internal).

Used by :meth:`cxanalytics.ingest.codebook.Codebook.infer`.  Each column's role comes first from
platform metadata names, then from question-text keywords (:mod:`._keywords`), and a scored
role is kept only when the answers fit a scale; columns without a keyword are classified by
their values alone.  Only the first ``sample_rows`` rows are read, so inference costs the
same on a million-row export as on a small one.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from ..exports import SurveyExport
from ..exports._roles import role_kind
from ..labels import lexicon
from ..text import DEFAULT_SENTINELS, SCALES, normalize_text, parse_number
from . import _keywords as K
from ._pii import adjust_role
from ._propose import declared_in_export

SCORED = ("nps", "csat", "ces", "likert", "servqual_expectation", "servqual_perception", "pillar")
_GRID = re.compile(r"^(?P<q>.*?)\s*\[(?P<row>[^\[\]]+)\]\s*$", re.DOTALL)
_EMBEDDED = re.compile(r"^\s*[(\[]?\s*(-?\d+)\s*[)\]]?\s*[-\u2013\u2014=:.|]\s*([^\d\s].*)$")  # "7 - Agree", never "10 - 100"
_ANCHOR = re.compile(r"(\d+)\s*=")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d\s\-().]{8,}$")
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$|^[0-9a-f:]{6,}$", re.IGNORECASE)
_ID_LIKE = re.compile(r"^[A-Za-z]{0,4}[-_]?\d{3,}$")
_ID_NAMES = frozenset({"id", "seed", "respondent", "uuid", "index", "token", "rowid", "recordid", "respondentno"})
FIT_SHARE = 0.8  # share of answers that must fit a scale for a scored role


def words(text: object) -> str:
    """Normalised text with every non-letter/digit run turned into one space."""
    if not isinstance(text, str):
        return ""
    return " ".join(re.sub(r"[\W_]+", " ", normalize_text(text)).split())


def squash(text: object) -> str:
    """Lower-case letters and digits only (for metadata names)."""
    return "".join(ch for ch in words(text) if ch.isalnum())


@cache
def _patterns(spec: str) -> tuple[tuple[str, bool], ...]:
    out = []
    for kw in spec.split("|"):
        whole = kw.endswith("=")
        norm = words(kw.rstrip("="))
        if norm:
            out.append((norm, whole))
    return tuple(out)


def hits(text: str, spec: str) -> int:
    """Number of keywords of ``spec`` found in ``text`` (already passed through :func:`words`)."""
    padded = f" {text} "
    return sum((f" {kw} " if whole else f" {kw}") in padded for kw, whole in _patterns(spec))


def _table_match(text: str, table: tuple) -> str | None:
    """First key of a (key, language, keywords) table with the most hits, or None."""
    best, score = None, 0
    for key, _, spec in table:
        n = hits(text, spec)
        if n > score:
            best, score = key, n
    return best


def _role(text: str) -> tuple[str, str] | None:
    for kind, item, _, spec in K.ROLE_KEYWORDS:
        if hits(text, spec):
            return kind, item
    return None


_ASIDE = re.compile(r"\([^()]*\)")


def is_negative(text: str) -> bool:
    """Whether item wording is negative (reverse-coded), in English, Arabic or Persian.

    Text in parentheses is an aside, not the statement: it is not read.
    """
    text = _ASIDE.sub(" ", text)
    return any(hits(words(text), spec) for _, spec in K.NEGATIVE_WORDING)


@lru_cache(maxsize=1)
def _lexicon_keys() -> tuple[dict[str, dict[str, float]], frozenset[str]]:
    lex = lexicon()
    scored = lex[lex["kind"] == "score"]
    by_scale = {s: dict(zip(g["key"], g["score"], strict=True)) for s, g in scored.groupby("scale")}
    return by_scale, frozenset(lex.loc[lex["kind"] != "score", "key"])


def _key(label: str) -> str:
    return "".join(ch for ch in normalize_text(label) if ch.isalnum())


class Profile:
    """What the distinct answers of a column (or a grid of columns) look like."""

    def __init__(self, values: pd.Series):
        counts = values.dropna().value_counts(sort=False)
        counts = counts[counts.index.map(lambda v: str(v).strip() != "")] if len(counts) else counts
        self.total = int(counts.sum())
        self.n_distinct = len(counts)
        uniq = pd.Series(counts.index, dtype=object)
        nums = parse_number(uniq).to_numpy(dtype=float) if len(uniq) else np.array([])
        text = [str(u) for u in uniq]
        emb = [_EMBEDDED.match(normalize_text(t)) if np.isnan(n) else None for t, n in zip(text, nums, strict=True)]
        by_scale, ns = _lexicon_keys()
        # "0 - Not applicable" is a non-answer, not a point (nor an anchor) of the scale
        ns_text = {i: _key(m.group(2)) for i, m in enumerate(emb) if m is not None and _key(m.group(2)) in ns}
        emb = [None if i in ns_text else m for i, m in enumerate(emb)]
        nums = np.array([float(m.group(1)) if m else n for m, n in zip(emb, nums, strict=True)])
        c = counts.to_numpy(dtype=np.int64)
        sentinel = np.isin(nums, DEFAULT_SENTINELS)
        self.numbers = nums[~np.isnan(nums) & ~sentinel]
        self.number_counts = c[~np.isnan(nums) & ~sentinel]
        self.n_sentinel = int(c[sentinel].sum())
        self.anchors = sorted({float(m.group(1)) for m in emb if m} - set(map(float, DEFAULT_SENTINELS)))
        label_idx = np.flatnonzero(np.isnan(nums))
        keys = [ns_text.get(i, _key(text[i])) for i in label_idx]
        self.labels = [text[i] for i in label_idx]
        self.label_keys = keys
        self.label_counts = c[label_idx]
        self.n_ns = int(sum(n for k, n in zip(keys, self.label_counts, strict=True) if k in ns))
        self.scale_hits = {s: int(sum(n for k, n in zip(keys, self.label_counts, strict=True) if k in idx))
                           for s, idx in by_scale.items()}  # fmt: skip
        self.text = text
        self.counts = c

    @property
    def n_numeric(self) -> int:
        return int(self.number_counts.sum())

    def share(self, pattern: re.Pattern) -> float:
        if not self.total:
            return 0.0
        ok = sum(n for t, n in zip(self.text, self.counts, strict=True) if pattern.match(t.strip()))
        return ok / self.total

    def label_scale(self) -> str | None:
        """The lexicon scale the text labels belong to (agree5/agree7 decided by qualifiers)."""
        best = max(self.scale_hits, key=lambda s: (self.scale_hits[s], s == "nps", s == "satisfaction5"), default=None)
        if best is None or self.scale_hits[best] == 0:
            return None
        if best in ("agree5", "agree7"):
            quals = [words(q) for q in K.QUALIFIERS]
            qualified = any(any(f" {q}" in f" {words(lab)}" for q in quals) for lab in self.labels)
            steps = _lexicon_keys()[0]["agree7"]  # plain "agree"/"disagree" (2 and 6 of 7) beside "somewhat ..."
            plain = any(not any(f" {q}" in f" {words(lab)}" for q in quals) and steps.get(k) in (2.0, 6.0)
                        for lab, k in zip(self.labels, self.label_keys, strict=True))  # fmt: skip
            many = len({k for k in self.label_keys if k in _lexicon_keys()[0]["agree7"]}) > 5
            return "agree7" if (qualified and plain) or many else "agree5"
        return best

    def fit(self, scale: str | None, lo: float, hi: float) -> float:
        """Share of answers that are on the scale, non-substantive or sentinels."""
        if not self.total:
            return 0.0
        on = self.number_counts[(self.numbers >= lo) & (self.numbers <= hi)].sum()
        labelled = self.scale_hits.get(scale, 0) if scale else 0
        return float(on + labelled + self.n_ns + self.n_sentinel) / self.total

    def numeric_range(self, question: str = "") -> tuple[float, float] | None:
        """Scale range from anchors ("0 = poor ... 10 = excellent", "7 - Strongly agree") or values."""
        anchors = [float(a) for a in _ANCHOR.findall(words_digits(question))]
        anchors = sorted(set(anchors) | set(self.anchors))
        if len(anchors) >= 2 and anchors[-1] - anchors[0] >= 2:
            return anchors[0], anchors[-1]
        if not len(self.numbers):
            return None
        ints = self.numbers[self.numbers == np.round(self.numbers)]
        if len(ints) < len(self.numbers) or ints.min() < 0:
            return None
        top = ints.max()
        lo = 0.0 if ints.min() == 0 else 1.0
        for hi in (5.0, 7.0, 10.0):
            if top <= hi:
                return lo, hi
        return None


def words_digits(text: object) -> str:
    return normalize_text(text) if isinstance(text, str) else ""


def _scale_for(kind: str, prof: Profile, question: str) -> tuple[str | None, float, float] | None:
    """(named scale or None, min, max) for a scored kind, or None when the answers do not fit."""
    if kind == "nps":  # 0-10 answers: a "recommend" item rated 1-5 or 1-7 is no NPS
        rng = prof.numeric_range(question)
        short = rng is not None and rng[1] < 10 and not prof.scale_hits.get("nps")
        return ("nps", 0.0, 10.0) if prof.fit("nps", 0, 10) >= FIT_SHARE and not short else None
    named = prof.label_scale()
    if named is not None and named != "nps":
        lo, hi = SCALES[named]
        if kind == "ces" and named == "satisfaction5":
            return None
        return (named, float(lo), float(hi)) if prof.fit(named, lo, hi) >= FIT_SHARE else None
    rng = prof.numeric_range(question)
    if rng is None or (kind == "likert" and prof.n_distinct < 3):
        return None
    if kind in ("servqual_expectation", "servqual_perception") and rng[1] == 5.0 and rng[0] == 1.0:
        rng = (1.0, 7.0) if prof.numbers.max() > 5 else rng
    return (None, *rng) if prof.fit(None, *rng) >= FIT_SHARE else None


def _question_parts(q: pd.Series, platform: str) -> tuple[str, str | None]:
    text = q.get("question_text")
    text = text if isinstance(text, str) and text else str(q["column"])
    sub = q.get("sub_question")
    sub = sub if isinstance(sub, str) and sub else None
    if sub is None and q.get("answer_type") not in ("metadata",):
        m = _GRID.match(text)
        if m:
            return m.group("q"), m.group("row").strip()
    if sub is not None and text.endswith(sub) and text != sub:
        text = text[: -len(sub)].rstrip(" -\u2013:")
    return text, sub


def _slug(text: str, fallback: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
    return s if s and s[0].isalpha() else fallback


def _row(column, item, kind, question, **kw) -> dict:
    base = {"column": column, "item": item, "kind": kind, "scale_min": np.nan, "scale_max": np.nan,
            "scale": None, "dimension": None, "reverse": False, "grid": None,
            "respondent_key": kind == "customer_id" or item == "email", "labels": None,
            "question": question}  # fmt: skip
    base.update(kw)
    return base


def _metadata(q: pd.Series) -> tuple[str, str] | None:
    hit = role_kind(q.get("role"))  # the platform's own fixed columns, named by the reader
    if hit:
        return hit
    for name in (q.get("import_id"), q.get("header"), q["column"]):
        hit = K.METADATA_NAMES.get(squash(name)) if isinstance(name, str) else None
        if hit:
            return hit
    return None


def _unscored(prof: Profile, answer_type: object) -> str:
    if prof.share(_EMAIL) >= 0.5:
        return "pii"
    if answer_type == "open_ended":
        return "text"
    long_unique = prof.n_distinct > max(20, 0.5 * prof.total) and np.mean([len(t) for t in prof.text] or [0]) > 15
    if long_unique:
        return "text"
    if prof.total and prof.n_numeric == prof.total and prof.n_distinct > 20:
        return "metadata"
    return "segment"


def _textless_choice(q: pd.Series) -> bool:
    """A choice column exported without its question's text (Typeform): grouped by question_id."""
    return q.get("answer_type") == "choice" and not isinstance(q.get("question_text"), str)


def id_like(column: object, prof: Profile) -> bool:
    """An identifier, never a rating: named ``id``, ``*_id``, ``respondent``, ``seed``, ``uuid``,
    ``index``, ... or holding distinct whole numbers (at least 12, one of them >= 1000)."""
    name = words(column)
    if squash(column) in _ID_NAMES or name.split(" ")[-1:] == ["id"] or name.startswith("respondent"):
        return True
    nums = prof.numbers
    return (prof.n_numeric + prof.n_sentinel == prof.total >= 12 and prof.n_distinct == prof.total
            and bool(len(nums)) and bool((nums == np.round(nums)).all()) and nums.max() >= 1000)  # fmt: skip


def infer_rows(export: SurveyExport, sample_rows: int) -> list[dict]:
    """One codebook row per column of the export (see :meth:`Codebook.infer`)."""
    frame, _ = declared_in_export(export, export.frame.iloc[:sample_rows])  # declared codes are not answers
    qs = export.questions.set_index("column", drop=False)
    rows: list[dict] = []
    grids: dict[str, list[int]] = {}
    for column in frame.columns:
        q = qs.loc[column] if column in qs.index else pd.Series({"column": column})
        text, sub = _question_parts(q, export.platform)
        full = text if sub is None else f"{text} [{sub}]"
        qid = q.get("question_id") if isinstance(q.get("question_id"), str) else None
        values = frame[column]
        meta = _metadata(q)
        if meta is not None:
            kind, item = meta
            if item == "custom_data_1" and Profile(values).share(_ID_LIKE) >= 0.9:
                kind, item = "customer_id", "customer_id"
            rows.append(_row(column, item, kind, full, question_id=qid))
            continue
        wtext = words(text)
        role = adjust_role(_role(wtext) or (("nps", "nps") if hits(words(column), K.NPS_HEADER) else None),
                           text, values)  # personal data judged by the answers too
        if q.get("answer_type") == "choice":
            role = ("multi", "topic")
        grid_key = q.get("question_id") if isinstance(q.get("question_id"), str) else text
        if sub is not None and q.get("answer_type") != "choice":
            grids.setdefault(f"{grid_key}", []).append(len(rows))
        rows.append(_row(column, None, None, full, question_id=qid, _text=text, _sub=sub, _role=role,
                         _grid=grid_key if sub is not None or _textless_choice(q) else None, _atype=q.get("answer_type"),
                         _choice=q.get("choice")))  # fmt: skip
    _resolve(rows, grids, frame)
    return rows


def _resolve(rows: list[dict], grids: dict[str, list[int]], frame: pd.DataFrame) -> None:
    """Decide kinds, scales and items for the non-metadata rows (grids pooled)."""
    in_grid = {i: g for g, idx in grids.items() for i in idx}
    done: set[int] = set()
    for i, r in enumerate(rows):
        if r["kind"] is not None or i in done:
            continue
        members = grids[in_grid[i]] if i in in_grid else [i]
        done.update(members)
        role = r["_role"]
        pooled = pd.concat([frame[rows[j]["column"]] for j in members], ignore_index=True)
        prof = Profile(pooled)
        kind, item = role if role else (None, None)
        if (kind is None or kind in SCORED) and all(id_like(rows[j]["column"], prof if len(members) == 1
                                                            else Profile(frame[rows[j]["column"]])) for j in members):
            for j in members:
                rows[j].update(kind="metadata", item=_slug(rows[j]["column"], f"col{j + 1}"), respondent_key=False)
            continue
        if kind == "multi":
            for j in members:
                _multi(rows[j], frame[rows[j]["column"]])
            continue
        if kind in (None, *SCORED):
            try_kind = kind or "likert"
            scale = _scale_for(try_kind, prof, r["_text"])
            if scale is None and kind is not None:
                try_kind, scale = "likert", _scale_for("likert", prof, r["_text"])
            if scale is not None:
                _scored(rows, members, try_kind, scale, prof)
                continue
            kind = None
        for j in members:
            rj = rows[j]
            pj = Profile(frame[rj["column"]]) if len(members) > 1 else prof
            k = kind if kind is not None and kind not in SCORED else _unscored(pj, rj["_atype"])
            it = item if kind is not None and kind not in SCORED else None
            if k == "pii" and it is None:
                it = "email" if pj.share(_EMAIL) >= 0.5 else "pii"
            rj.update(kind=k, item=it or _slug(rj["column"], f"col{j + 1}"),
                      respondent_key=k == "customer_id" or it == "email")  # fmt: skip
    _dedupe(rows)
    for r in rows:
        for key in [k for k in r if k.startswith("_")]:
            del r[key]


def _scored(rows, members, kind, scale, prof: Profile) -> None:
    name, lo, hi = scale
    counters: dict[str, int] = {}
    for j in members:
        r = rows[j]
        sub = r["_sub"]
        wording = words(sub or r["_text"])
        r.update(kind=kind, scale=name, scale_min=lo, scale_max=hi, grid=r["_grid"])
        if kind in ("servqual_expectation", "servqual_perception"):
            dim = _table_match(wording, K.SERVQUAL_DIMENSIONS)
            base = dim or "item"
            counters[base] = counters.get(base, 0) + 1
            r.update(item=f"{kind[9]}_{base}_{counters[base]}", dimension=dim, reverse=is_negative(sub or ""))
        elif kind == "pillar":
            name_ = _table_match(wording, K.PILLARS)
            if name_ is None:
                r.update(kind="likert", item=_slug(r["column"], f"col{j + 1}"), reverse=is_negative(sub or ""))
            else:
                r.update(item=f"pillar_{name_}")
        elif kind == "likert":
            r.update(item=_slug(r["column"], f"col{j + 1}"), reverse=is_negative(sub or r["_text"]))
        else:
            r.update(item=kind)


def _multi(r: dict, values: pd.Series) -> None:
    choice = r.get("_choice")
    if isinstance(choice, str) and choice:
        suffix = _table_match(words(choice), K.TOPICS) or _slug(choice, f"c{r['column']}")
        r.update(kind="multi", item=f"topic_{suffix}", grid=r.get("_grid") or r["_text"])
        return
    # tokens of the distinct answers, in order of first appearance (same order as over all rows)
    tokens = pd.Series(pd.unique(values.dropna()), dtype="str").str.split(",").explode().str.strip()
    choices = [c for c in pd.unique(tokens) if isinstance(c, str) and c]
    pairs, used = [], set()
    for k, c in enumerate(choices, start=1):
        suffix = _table_match(words(c), K.TOPICS) or _slug(c, f"choice{k}")
        while suffix in used:
            suffix += "_x"
        used.add(suffix)
        pairs.append(f"{c}={suffix}")
    r.update(kind="multi", item="topic", labels="|".join(pairs) or None)


def _dedupe(rows: list[dict]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        item = r["item"]
        if item in seen:
            seen[item] += 1
            r["item"] = f"{item}_{seen[item]}"
            r["respondent_key"] = False
        else:
            seen[item] = 1
