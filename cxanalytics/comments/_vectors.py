"""TF-IDF matrices of prepared comments built as arrays (the matrices of :func:`comment_vectorizer`).

scikit-learn's ``CountVectorizer`` counts n-grams with a Python loop over every n-gram of every
comment; here each chunk of comments is joined by NUL and tokenised by one regular-expression
pass (words) or read as an array of code points (characters), n-grams become integer keys,
and the count matrix is built by sorting keys.  The counts then go through scikit-learn's own
``TfidfTransformer`` (IDF, ``sublinear_tf``, L2 norm), so the matrices equal scikit-learn's:
same features in the same order, same values, and the same order of entries within a row
(which fixes the floating-point summation order downstream).  Checked equal in the tests.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import sparse

from . import _fast
from ._prepare import _ALL_STOP, _EMOJI, _UNIFY, _all_tokens, _luts, _stop_tokens

_TOKEN_OR_NUL = re.compile(rf"[^\W_]+|[{_EMOJI}]|\x00")
_CHUNK = 200_000


def _tokens(texts: list[str], stop: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Token codes, their document numbers and the distinct tokens (``_stop_tokens`` / ``_all_tokens``
    of every text), or None when a text contains NUL or a lone surrogate."""
    joined = _fast.join(texts)
    if joined is None:
        return None
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return None
    toks = _TOKEN_OR_NUL.findall(_fast.translate(joined, _UNIFY, _luts()["unify"]))
    del joined
    codes, uniq = pd.factorize(np.asarray(toks, dtype=object))
    del toks
    uniq = np.asarray(uniq, dtype=object)
    marker = np.fromiter((u == "\x00" for u in uniq), bool, len(uniq))
    is_marker = marker[codes]
    doc = np.cumsum(is_marker)
    keep = ~is_marker
    if stop:
        keep &= ~np.fromiter((u in _ALL_STOP for u in uniq), bool, len(uniq))[codes]
    return codes[keep].astype(np.int64), doc[keep], uniq


def _bigrams(codes: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    same = doc[1:] == doc[:-1]
    return codes[:-1][same], codes[1:][same], doc[1:][same]


def _csr(doc: np.ndarray, feat: np.ndarray, n_docs: int, n_feat: int, dtype, order: np.ndarray | None = None):
    """Count matrix of (document, feature) pairs; within a row, entries sorted by ``order[feature]``
    (scikit-learn's first-occurrence order after fitting) or by feature."""
    if order is None:  # scipy's counting sort by row, then each row's indices sorted and summed
        X = sparse.csr_matrix((np.ones(len(doc), dtype=dtype), (doc, feat)), shape=(n_docs, n_feat))
        X.sum_duplicates()
        return X
    key = doc * max(n_feat, 1) + feat
    key, counts = np.unique(key, return_counts=True)
    rows, cols = key // max(n_feat, 1), key % max(n_feat, 1)
    if order is not None:
        s = np.lexsort((order[cols], rows))
        cols, counts = cols[s], counts[s]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
    idx = np.int32 if max(n_feat, len(cols)) < 2**31 - 1 else np.int64
    return sparse.csr_matrix((counts.astype(dtype), cols.astype(idx), indptr.astype(idx)), shape=(n_docs, n_feat))


class _Lexicon:
    """Tokens of comments looked up in a word list by hash (no token becomes a Python string).

    Each chunk of comments is joined, unified (:data:`_UNIFY`), read as code points and cut
    into tokens as :data:`_TOKEN` cuts it; tokens are hashed (:func:`_fast.token_hashes`) and
    found among the hashes of the words (and of the stop words, dropped when ``stop``).  A
    token that is no word gets -1.  Two different tokens share a 64-bit hash with probability
    about 2**-64 per pair (known constructions need tokens of thousands of characters, so a
    chunk with a token longer than :data:`_fast.MAX_HASHED_TOKEN` goes the exact way).
    """

    def __init__(self, words: list[str], stop: bool):
        self.ok = True
        hashes = self._word_hashes(words)
        self.stop = self._word_hashes(sorted(_ALL_STOP)) if stop else np.zeros(0, np.uint64)
        if hashes is None or self.stop is None or len(np.unique(hashes)) < len(words):
            self.ok = False
            return
        self.stop = np.unique(self.stop)
        self.index = pd.Index(hashes)  # hash -> word number

    @staticmethod
    def _word_hashes(words: list[str]) -> np.ndarray | None:
        if not words:
            return np.zeros(0, np.uint64)
        got = _hash_tokens(words)
        return got[0] if got is not None and len(got[0]) == len(words) and (got[1] == np.arange(len(words))).all() else None

    def word_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """Word number (-1: none) and comment number of each kept token, or None (go the exact way)."""
        got = _hash_tokens(texts) if self.ok else None
        if got is None:
            return None
        h, doc = got
        if len(self.stop):
            keep = ~_fast.member(h, self.stop)
            h, doc = h[keep], doc[keep]
        return self.index.get_indexer(h).astype(np.int64, copy=False), doc


def _hash_tokens(texts: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Hashes and comment numbers of the :data:`_TOKEN` tokens of unified texts, or None."""
    joined = _fast.join(texts)
    cp = None if joined is None else _fast.codepoints(joined)
    if cp is None:
        return None
    luts = _luts()
    cp = luts["unify"][cp]  # one character for one: the unification table drops nothing
    h, doc, _, length = _fast.token_hashes(cp, luts["word"], luts["emoji"])
    if len(length) and length.max() > _fast.MAX_HASHED_TOKEN:
        return None
    return h, doc


def word_tfidf(vectorizer, texts):
    """``vectorizer.transform(texts)`` for a fitted word vectoriser of :func:`comment_vectorizer`, vectorised.

    The same sparse matrix (same counts, IDF weights, ``sublinear_tf`` and L2 norm, float32,
    sorted indices) as scikit-learn's ``transform``; comments are tokenised in chunks of
    joined text (bounded memory).  Any other vectoriser falls back to its own ``transform``.

    Examples
    --------
    >>> from cxanalytics.comments import comment_vectorizer
    >>> v = comment_vectorizer(char=False, min_df=1, stop_words=True).fit(["slow delivery", "the slow refund"])
    >>> bool((word_tfidf(v, ["slow refund again"]) != v.transform(["slow refund again"])).nnz == 0)
    True
    """
    tfidf = getattr(vectorizer, "_tfidf", None)
    tok = getattr(vectorizer, "tokenizer", None)
    if (tfidf is None or tok not in (_stop_tokens, _all_tokens) or vectorizer.ngram_range != (1, 2)
            or vectorizer.analyzer != "word" or vectorizer.binary):
        return vectorizer.transform(texts)
    texts = list(texts)
    vocab = vectorizer.vocabulary_
    n_feat = len(vocab)
    words: dict[str, int] = {}  # every word of a vocabulary term -> number
    uni, big_a, big_b, big_id = {}, [], [], []
    for term, j in vocab.items():
        parts = term.split(" ")
        for p in parts:
            words.setdefault(p, len(words))
        if len(parts) == 1:
            uni[words[term]] = j
        elif len(parts) == 2:
            big_a.append(words[parts[0]])
            big_b.append(words[parts[1]])
            big_id.append(j)
    n_words = max(len(words), 1)
    uni_of = np.full(n_words, -1, dtype=np.int64)
    uni_of[list(uni)] = list(uni.values())
    big_keys = np.asarray(big_a, np.int64) * n_words + np.asarray(big_b, np.int64)
    order = np.argsort(big_keys, kind="stable")
    big_keys, big_ids = big_keys[order], np.asarray(big_id, np.int64)[order]
    stop = tok is _stop_tokens
    lexicon = _Lexicon(list(words), stop)
    parts = []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        got = lexicon.word_ids(chunk)
        if got is None:  # a NUL or lone surrogate in a comment, or a very long token
            got = _tokens(chunk, stop=stop)
            if got is None:
                return vectorizer.transform(texts)
            codes, doc, uniq = got
            w = np.fromiter((words.get(u, -1) for u in uniq), np.int64, len(uniq))[codes] if len(uniq) else codes
        else:
            w, doc = got
        f1 = np.where(w >= 0, uni_of[np.maximum(w, 0)], -1)
        a, b, bdoc = _bigrams(w, doc)
        ok = (a >= 0) & (b >= 0)
        obs = a[ok] * n_words + b[ok]
        if len(big_keys):
            pos = np.minimum(np.searchsorted(big_keys, obs), len(big_keys) - 1)
            hit = big_keys[pos] == obs
            big_rows, big_cols = bdoc[ok][hit], big_ids[pos][hit]
        else:  # a vocabulary without bigrams
            big_rows = big_cols = np.zeros(0, np.int64)
        rows = np.concatenate([doc[f1 >= 0], big_rows]) + start
        cols = np.concatenate([f1[f1 >= 0], big_cols])
        parts.append((rows, cols))
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    X = _csr(rows, cols, len(texts), n_feat, vectorizer.dtype)
    return tfidf.transform(X, copy=False)


def _word_counts(texts: list[str], dtype):
    """Fitted word 1-2-gram counts (all tokens, every term kept) in scikit-learn's layout, and the terms."""
    got = _tokens(texts, stop=False)
    if got is None:
        return None
    codes, doc, uniq = got
    a, b, bdoc = _bigrams(codes, doc)
    nu = max(len(uniq), 1)
    bkey = a * nu + b
    # the stream of terms in scikit-learn's order: per comment its unigrams, then its bigrams
    key = np.concatenate([codes, len(uniq) + bkey])
    kdoc = np.concatenate([doc, bdoc])
    emit = np.argsort(kdoc, kind="stable")
    key, kdoc = key[emit], kdoc[emit]
    ukeys, first, inv = np.unique(key, return_index=True, return_inverse=True)
    terms = np.empty(len(ukeys), dtype=object)
    is_uni = ukeys < len(uniq)
    terms[is_uni] = uniq[ukeys[is_uni]]
    bk = ukeys[~is_uni] - len(uniq)
    terms[~is_uni] = [f"{x} {y}" for x, y in zip(uniq[bk // nu], uniq[bk % nu], strict=True)]
    return _layout(kdoc, inv, first, terms, len(texts), dtype)


def _layout(kdoc, inv, first, terms, n_docs, dtype):
    """Count matrix with features in sorted term order and scikit-learn's within-row order."""
    srt = np.argsort(terms.astype(str) if len(terms) else terms, kind="stable")
    new = np.empty(len(terms), dtype=np.int64)
    new[srt] = np.arange(len(terms))
    first_rank = np.empty(len(terms), dtype=np.int64)
    first_rank[new] = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    X = _csr(kdoc, new[inv], n_docs, len(terms), dtype, order=first_rank)
    return X, terms[srt]


def _char_counts(texts: list[str], dtype):
    """Fitted character 2-5-gram counts (after ``_unify``, every n-gram kept) in scikit-learn's layout."""
    joined = _fast.join(texts)
    if joined is None:
        return None
    joined = re.sub(r"\s\s+", " ", _fast.translate(joined, _UNIFY, _luts()["unify"]))
    cp = _fast.codepoints(joined)
    if cp is None:
        return None
    chars, code = np.unique(cp, return_inverse=True)  # code 0 is NUL when present (smallest)
    if len(chars) >= 2**12 - 1:
        return None
    code = code.astype(np.int64) + 1
    nul = cp == 0
    del cp
    L = len(code)
    doc = np.cumsum(nul)
    nul_cum = np.concatenate([[0], np.cumsum(nul)])
    keys, docs = [], []
    key = code << 48
    for n in range(2, 6):
        key = key[:L - n + 1] + (code[n - 1:] << (12 * (5 - n)))
        valid = nul_cum[n:] - nul_cum[:L - n + 1] == 0  # no NUL in the window
        valid &= ~nul[:L - n + 1]
        keys.append(key[valid])
        docs.append(doc[:L - n + 1][valid])
    key, kdoc = np.concatenate(keys), np.concatenate(docs)
    del keys, docs
    emit = np.argsort(kdoc, kind="stable")  # per comment: its 2-grams, then 3-grams, ... in position order
    key, kdoc = key[emit], kdoc[emit]
    ukeys, first, inv = np.unique(key, return_index=True, return_inverse=True)
    table = np.concatenate([[""], [chr(c) for c in chars]]).astype(object)
    digits = [(ukeys >> (12 * (4 - t))) & 0xFFF for t in range(5)]
    terms = np.array(["".join(p) for p in zip(*[table[d] for d in digits], strict=True)], dtype=object)
    return _layout(kdoc, inv, first, terms, len(texts), dtype)


def comment_tfidf(texts, *, dtype=np.float32):
    """``comment_vectorizer(min_df=1).fit_transform(texts)`` and its feature names, as array work.

    Returns ``(X, names)``: the word 1-2-gram TF-IDF block then the character 2-5-gram block
    (each L2-normalised, as ``FeatureUnion`` stacks them) and the names ``word__<term>`` /
    ``char__<term>``.  Falls back to scikit-learn when a comment contains NUL or a lone
    surrogate, or the comments use 4095 or more distinct characters.

    Examples
    --------
    >>> X, names = comment_tfidf(["slow delivery", "slow refund"])
    >>> X.shape, list(names[:3])
    ((2, 71), ['word__delivery', 'word__refund', 'word__slow'])
    """
    from sklearn.feature_extraction.text import TfidfTransformer

    from ._prepare import comment_vectorizer

    texts = list(texts)
    w = _word_counts(texts, dtype) if texts else None
    c = _char_counts(texts, dtype) if w is not None else None
    if w is None or c is None:
        vec = comment_vectorizer(min_df=1)
        return vec.fit_transform(texts), vec.get_feature_names_out()
    blocks = [TfidfTransformer(sublinear_tf=True).fit(X).transform(X, copy=False) for X in (w[0], c[0])]
    names = np.concatenate([["word__" + t for t in w[1]], ["char__" + t for t in c[1]]]).astype(object)
    return sparse.hstack(blocks).tocsr(), names
