"""Themes in open-text comments: over-split NMF merged into themes chosen by stability.

Without a codebook, the comments' word TF-IDF matrix is over-split by non-negative matrix
factorisation (Lee & Seung 1999, scikit-learn's ``NMF``) into many components, which are
merged into themes by average-linkage clustering of their characteristic terms; the number
of themes ``k`` is the cut of that tree that persists over the widest range of distances, on
average over the tree of all comments and the trees of 80 % subsamples (stability across
resamples, as Greene, O'Callaghan & Cunningham 2014 ask of ``k``).  The method is described
in :mod:`cxanalytics.comments._merge`.  An analyst's codebook of seed terms replaces the
discovery step (``seeds=``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._core.validate import check_alpha, require_columns, require_frame
from ..errors import ParameterError
from ._merge import discover, n_components, nmf_transform, pool
from ._prepare import (
    _TOKEN,
    _UNIFY,
    _partial,
    _prepared,
    comment_vectorizer,
    display_term,
    pseudonymise,
)
from ._stats import wilson

__all__ = ["ThemeResult", "comment_themes"]

# Arabic proclitics and Persian / Arabic suffixes a seed term may carry inside a comment token.
_PREFIXES = ("", "و", "ف", "ب", "ل", "ال", "وال", "بال", "فال", "لل", "كال", "وب", "ول")
_SUFFIXES = ("", "ها", "هاي", "هايي", "ي", "ش", "م", "ت", "مان", "تان", "شان", "ه", "ات", "ين", "ون", "s", "es")


@dataclass
class ThemeResult:
    """Themes found in (or given for) a comment column, returned by :func:`comment_themes`.

    Attributes
    ----------
    themes : DataFrame
        One row per theme (unlabelled themes numbered by weight, largest first): ``theme``
        (number), ``name`` (top three terms), ``terms`` (top terms, each in its most frequent
        written form; terms seen in masked text such as e-mails or phone numbers are never
        listed), ``language`` (dominant language of its comments),
        ``n`` (comments assigned) and ``example_1`` … ``example_3`` (the most typical
        comments, pseudonymised).
    prevalence : DataFrame
        ``theme``, ``name``, ``n`` (comments mentioning it), ``n_total`` (comments with
        words), ``share``, ``ci_lower``, ``ci_upper`` (Wilson), ``alpha``.
    by_segment : DataFrame or None
        The same per value of ``by`` (its columns first).
    assignments : DataFrame
        Same index as the input: ``text`` (prepared), ``language``, ``theme`` (primary theme
        number, NA without words or without a match), ``weight`` (its share of the comment's
        theme weights) and one boolean column ``theme_<number>`` per theme (mentions).
    stability : DataFrame
        For each candidate ``k``: ``persistence`` (range of merge distances over which the
        cut into ``k`` themes holds, tree of all comments) and ``stability`` (its mean over
        that tree and the resampled trees; the largest chooses ``k``); empty when ``k`` or
        ``seeds`` was given.
    k : int
    method : str
        "nmf" or "seeds".
    """

    themes: pd.DataFrame
    prevalence: pd.DataFrame
    by_segment: pd.DataFrame | None
    assignments: pd.DataFrame
    stability: pd.DataFrame
    k: int
    method: str
    _model: Any = field(default=None, repr=False)

    def indicators(self) -> pd.DataFrame:
        """Boolean mention columns ``theme_<number>`` (same index as the input)."""
        return self.assignments[[f"theme_{t}" for t in self.themes["theme"]]].copy()

    def assign(self, comments) -> pd.DataFrame:
        """Assign new comments to these themes (same columns as :attr:`assignments`)."""
        return self._model.assign(_prepared(comments))

    def summary(self) -> pd.DataFrame:
        """Themes with their prevalence."""
        return self.themes.merge(self.prevalence, on=["theme", "name"], suffixes=("_assigned", ""))

    def _repr_html_(self) -> str:
        return f"<p><b>{self.k} comment themes</b> ({self.method})</p>" + self.summary().to_html(index=False)


# --------------------------------------------------------------------------- seeds
def _seed_key(term: str) -> str:
    return _partial(term).translate(_UNIFY)


def _word_match(token: str, seed: str) -> bool:
    """A one-word seed matches a token equal to it or carrying an allowed proclitic/suffix."""
    if token == seed:
        return True
    i = token.find(seed)
    return i >= 0 and token[:i] in _PREFIXES and token[i + len(seed):] in _SUFFIXES


def _term_matches(vocab: list[str], term: str) -> np.ndarray:
    """Which tokens of ``vocab`` a one-word (or trailing-``*`` prefix) term matches."""
    if term.endswith("*"):
        stem = term[:-1]
        return np.fromiter((t.startswith(stem) for t in vocab), bool, len(vocab))
    return np.fromiter((_word_match(t, term) for t in vocab), bool, len(vocab))


def _phrase_in(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(tokens[i:i + n] == words for i in range(len(tokens) - n + 1))


class _SeedModel:
    def __init__(self, seeds: Mapping[str, Any]):
        self.names = list(seeds)
        self.terms = []
        for name, terms in seeds.items():
            if isinstance(terms, Mapping):  # {"en": [...], "ar": [...], "fa": [...]}
                terms = [t for ts in terms.values() for t in ts]
            if isinstance(terms, str) or not isinstance(terms, Sequence) or not terms:
                raise ParameterError(f"comment_themes: seeds[{name!r}] is {terms!r}; expected a non-empty "
                                     "list of terms (or a mapping language -> list of terms)")
            self.terms.append([_seed_key(t) for t in terms])

    def assign(self, prepared: pd.DataFrame) -> pd.DataFrame:
        # Each distinct token is tested against each term once (not once per comment): a
        # comment's hits for a theme are the number of its terms matched by any of its tokens.
        texts = prepared["text"].to_numpy(dtype=object)
        tokens = [_TOKEN.findall(t.translate(_UNIFY)) if isinstance(t, str) else [] for t in texts]
        ids: dict[str, int] = {}
        occ_tok = np.fromiter((ids.setdefault(t, len(ids)) for toks in tokens for t in toks), np.int64)
        occ_row = np.repeat(np.arange(len(tokens)), [len(toks) for toks in tokens])
        vocab = list(ids)
        hits = np.zeros((len(prepared), len(self.names)))
        for j, terms in enumerate(self.terms):
            for term in terms:
                words = term.split()
                if len(words) > 1 and not term.endswith("*"):  # a phrase: consecutive exact tokens
                    wids = [ids.get(w, -1) for w in words]  # -1: a word no comment has
                    rows = set.intersection(*(set(occ_row[occ_tok == wid].tolist()) for wid in wids))
                    matched = np.array(sorted(r for r in rows if _phrase_in(tokens[r], words)), dtype=np.int64)
                else:
                    matched = np.unique(occ_row[_term_matches(vocab, term)[occ_tok]]) if vocab else occ_row[:0]
                hits[matched, j] += 1
        return _assignments(prepared, hits)


# --------------------------------------------------------------------------- NMF
class _NMFModel:
    def __init__(self, vectorizer, nmf, merge: np.ndarray):
        self.vectorizer, self.nmf, self.merge = vectorizer, nmf, merge  # merge: components x themes (0/1)

    def weights(self, prepared: pd.DataFrame) -> np.ndarray:
        from ._vectors import word_tfidf  # vectorizer.transform, vectorised (same matrix)

        text = prepared["text"].fillna("").to_numpy(dtype=object)
        w = np.zeros((len(text), self.merge.shape[1]))
        ok = prepared["n_tokens"].to_numpy() > 0
        if ok.any():
            w[ok] = pool(nmf_transform(self.nmf, word_tfidf(self.vectorizer, text[ok])), self.merge)
        return w

    def assign(self, prepared: pd.DataFrame) -> pd.DataFrame:
        return _assignments(prepared, self.weights(prepared), one_hot=True)


def _assignments(prepared: pd.DataFrame, w: np.ndarray, one_hot: bool = False) -> pd.DataFrame:
    k = w.shape[1]
    total = w.sum(axis=1)
    best = w.argmax(axis=1)
    has = total > 0
    theme = pd.array(np.where(has, best + 1, 0), dtype="Int64")
    theme[~has] = pd.NA
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(has, w[np.arange(len(w)), best] / total, np.nan)
    # .to_numpy(): the public columns take pandas' default string dtype
    out = pd.DataFrame({"text": prepared["text"].to_numpy(), "language": prepared["language"].to_numpy(), "theme": theme,
                        "weight": weight}, index=prepared.index)
    for j in range(k):
        out[f"theme_{j + 1}"] = (has & (best == j)) if one_hot else (w[:, j] > 0)
    return out


# --------------------------------------------------------------------------- learning sample
def _canonical(text: np.ndarray, original: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``idx`` ordered by (prepared text, text as written): an order that ignores the rows'."""
    keys = pd.DataFrame({"text": pd.Series(text[idx], dtype=object), "original": pd.Series(original[idx], dtype=object)})
    return idx[keys.sort_values(["text", "original"], kind="stable").index.to_numpy()]


def _learning_sample(text: np.ndarray, original: np.ndarray, idx: np.ndarray, sample: int,
                     rng: np.random.Generator) -> np.ndarray:
    """The comments (positions among ``idx``) the themes are learnt on, in canonical order.

    Up to ``sample`` comments: all of them, else a random draw that does not depend on the
    order of the rows.  Each comment gets a pseudo-random key from its content (the text as
    written, which determines the prepared text) and its occurrence number among identical
    comments, mixed with a seed drawn from ``rng``; the ``sample`` smallest keys are chosen
    (every comment equally likely, copies of one comment drawn independently), and only
    those are sorted.
    """
    if len(idx) <= sample:
        return _canonical(text, original, idx)
    seed = np.uint64(rng.integers(0, 2**63))
    h = pd.util.hash_array(original[idx], categorize=False)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    start = np.r_[True, hs[1:] != hs[:-1]]
    run = np.cumsum(start) - 1
    occurrence = np.empty(len(h), dtype=np.uint64)
    occurrence[order] = (np.arange(len(h)) - np.flatnonzero(start)[run]).astype(np.uint64)
    key = pd.util.hash_array(h ^ (occurrence * np.uint64(0xBF58476D1CE4E5B9)) ^ seed, categorize=False)
    chosen = np.argpartition(key, sample - 1)[:sample]
    return _canonical(text, original, idx[np.sort(chosen)])


# --------------------------------------------------------------------------- tables
def _prevalence(ind: np.ndarray, names: list[str], alpha: float) -> pd.DataFrame:
    x = ind.sum(axis=0).astype(float)
    n = np.full(len(names), float(ind.shape[0]))
    share, lo, hi = wilson(x, n, alpha)
    return pd.DataFrame({"theme": np.arange(1, len(names) + 1), "name": names, "n": x.astype(np.int64),
                         "n_total": n.astype(np.int64), "share": share, "ci_lower": lo, "ci_upper": hi,
                         "alpha": alpha})


def _theme_table(assign: pd.DataFrame, weights: np.ndarray, names: list[str], terms: list[list[str]],
                 originals: pd.Series) -> pd.DataFrame:
    rows = []
    total = np.maximum(weights.sum(axis=1), 1e-300)
    for j, name in enumerate(names):
        mine = assign[f"theme_{j + 1}"].to_numpy(dtype=bool)
        langs = assign["language"][mine].value_counts()
        lang = str(langs.index[0]) if len(langs) else "und"
        score = np.where(mine, weights[:, j] / total, -np.inf)
        top = [i for i in np.argsort(-score, kind="stable")[:3] if np.isfinite(score[i])]
        ex = [pseudonymise(str(originals.iloc[i])) for i in top] + [None] * (3 - len(top))
        rows.append({"theme": j + 1, "name": " / ".join(display_term(t, lang) for t in terms[j][:3]) or name,
                     "terms": [display_term(t, lang) for t in terms[j]], "language": lang, "n": int(mine.sum()),
                     "example_1": ex[0], "example_2": ex[1], "example_3": ex[2]})
    return pd.DataFrame(rows)


def comment_themes(data: pd.DataFrame, column: str, *, k: int | None = None, by: str | Sequence[str] | None = None,
                   seeds: Mapping[str, Any] | None = None, k_range: Sequence[int] = range(3, 11), components: int | None = None,
                   n_resamples: int = 5, sample: int = 20_000, top_terms: int = 10, min_df: int | float = 3,
                   max_features: int = 20_000, max_iter: int = 300, alpha: float = 0.05,
                   random_state: int = 0) -> ThemeResult:
    """Themes of a comment column, their prevalence with intervals, and each comment's theme.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    column : str
        The comment column (English, Arabic, Persian; mixed freely).
    k : int, optional
        Number of themes (a cut of the tree of components); by default chosen from
        ``k_range`` by its persistence across the tree and ``n_resamples`` subsample trees.
        A theme that ends up as no comment's main theme (a phrasing shared by several
        themes, such as "honestly ...") is dropped, so :attr:`ThemeResult.k` can be smaller.
    by : str or list of str, optional
        Segment column(s): prevalence per segment in :attr:`ThemeResult.by_segment`.
    seeds : mapping, optional
        An analyst's codebook: theme name -> list of terms (any language; a trailing ``*``
        matches a prefix; multi-word terms match a phrase; Arabic proclitics such as و/ال and
        Persian suffixes such as ها are allowed around a term), or theme name -> {language:
        terms}.  A comment mentions every theme whose term it contains.
    k_range : sequence of int, default 3..10
        Candidate numbers of themes (at most ``components``).
    components : int, optional
        Size of the over-split: NMF components merged into themes (default 30, but at most
        one per 10 comments).
    n_resamples : int, default 5
        Subsamples (80 % of at most 2000 comments, components refitted) whose trees enter
        the stability of ``k``.
    sample : int, default 20000
        Comments (drawn at random) on which the themes are learnt; every comment is then
        assigned.  The themes do not depend on the order of the rows.  Keeps the cost of a million comments close to that of vectorising them.
    top_terms : int, default 10
    min_df, max_features :
        Vocabulary limits of the word TF-IDF (stop words of the three languages removed).
    max_iter : int, default 300
    alpha : float, default 0.05
        Wilson intervals at level ``1 - alpha``.
    random_state : int, default 0

    Returns
    -------
    ThemeResult

    Examples
    --------
    >>> df = pd.DataFrame({"comment": ["the bill was wrong", "billing error again", "fast delivery",
    ...                                "delivery was late", "wrong bill amount", "late delivery again"]})
    >>> r = comment_themes(df, "comment", seeds={"billing": ["bill*"], "delivery": ["delivery"]})
    >>> r.prevalence[["name", "n", "n_total"]].to_numpy().tolist()
    [['billing', 3, 6], ['delivery', 3, 6]]
    """
    data = require_frame(data, parameter="data")
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    require_columns(data, [column, *by_cols], what="data")
    alpha = check_alpha(alpha)
    prepared = _prepared(data[column])
    has_words = prepared["n_tokens"].to_numpy() > 0
    rng = np.random.default_rng(random_state)
    stability = pd.DataFrame(columns=["k", "stability"])
    if seeds is not None:
        if not isinstance(seeds, Mapping) or not seeds:
            raise ParameterError(f"comment_themes: seeds is {seeds!r}; expected a mapping theme -> terms")
        model = _SeedModel(seeds)
        assign = model.assign(prepared)
        weights = np.column_stack([assign[f"theme_{j + 1}"].to_numpy(float) for j in range(len(seeds))])
        names, terms, method = list(seeds), [[str(s) for s in t] for t in model.terms], "seeds"
        table_names = names
    else:
        idx = np.flatnonzero(has_words)
        if len(idx) < 10:
            raise ParameterError(f"comment_themes: column {column!r} has {len(idx)} comments with words; "
                                 "expected at least 10 to find themes")
        text, original = prepared["text"].to_numpy(dtype=object), prepared["original"].to_numpy(dtype=object)
        learn = _learning_sample(text, original, idx, sample, rng)
        vec = comment_vectorizer(stop_words=True, char=False, min_df=min_df, max_features=max_features)
        X = vec.fit_transform(text[learn])
        vocab = vec.get_feature_names_out()
        ks = []
        if k is None:
            ks = [int(v) for v in k_range if 2 <= int(v) <= n_components(*X.shape, components)]
            if not ks:
                raise ParameterError(f"comment_themes: k_range {list(k_range)} leaves no candidate from 2 to "
                                     f"{n_components(*X.shape, components)} (the components of the over-split)")
        elif not isinstance(k, (int, np.integer)) or not 1 <= k <= n_components(*X.shape, components):
            raise ParameterError(f"comment_themes: k is {k!r}; expected an integer from 1 to "
                                 f"{n_components(*X.shape, components)} (the components of the over-split)")
        nmf, merge, terms, stability = discover(
            X, vocab, original[learn], k=k, ks=ks, components=components,
            n_resamples=n_resamples, top=top_terms, rng=rng, max_iter=max_iter, random_state=random_state)
        model = _NMFModel(vec, nmf, merge)
        weights = model.weights(prepared)
        assign = _assignments(prepared, weights, one_hot=True)
        names, method = [" / ".join(t[:3]) for t in terms], "nmf"
        table_names = None
    themes = _theme_table(assign, weights, names, terms, prepared["original"])
    if table_names is not None:
        themes["name"] = table_names
    names = themes["name"].tolist()
    ind = assign[[f"theme_{j + 1}" for j in range(len(names))]].to_numpy(dtype=bool)[has_words]
    prevalence = _prevalence(ind, names, alpha)
    by_segment = None
    if by_cols:
        keys = data.loc[has_words, by_cols].reset_index(drop=True)
        parts = []
        for key, g in keys.groupby(by_cols, dropna=False, sort=True, observed=True):
            p = _prevalence(ind[g.index.to_numpy()], names, alpha)
            key = key if isinstance(key, tuple) else (key,)
            for c, v in zip(by_cols, key, strict=True):
                p.insert(by_cols.index(c), c, v)
            parts.append(p)
        by_segment = pd.concat(parts, ignore_index=True)
    return ThemeResult(themes, prevalence, by_segment, assign, stability.astype({"k": int}), int(len(names)),
                       method, model)
