"""Unlabelled themes: over-split by NMF, merged by the terms that characterise each component.

A small theme (a complaint made by 3 % of the comments) seldom gets an NMF factor of its own
when the number of factors equals the number of themes: the frequent phrasings of the big
themes and exact repeats of generic remarks take the factors first.  So the comments are
*over-split* into many components (``components``, 30 by default), each comment belongs to
its main component, and components are merged back into themes:

1. each component is described by its **characteristic terms**: the terms that are more than
   :data:`CHARACTERISTIC_RATIO` times as frequent (share of comments containing the term)
   among the component's comments as among all comments; its *profile* is the share of its
   comments containing each characteristic term (zero for the other terms);
2. components are merged by average-linkage hierarchical clustering (``scipy.cluster.hierarchy``)
   on the cosine distance between profiles: two phrasings of one complaint share its
   characteristic words, two different complaints do not;
3. the number of themes ``k`` is chosen by **persistence**: a cut of the tree into ``k`` themes
   holds over a range of merge distances; the ``k`` whose range is widest, averaged over the
   tree of all comments and the trees of ``n_resamples`` random 80 % subsamples (components
   refitted on each), is the most stable.

A comment's theme is the theme of its main component; a theme that is no comment's main theme
(a phrasing shared by several themes, such as "honestly ...") is dropped.  Themes are numbered
by weight (the sum of their comments' theme weights), largest first, and named by their
characteristic terms in the form most often written (:func:`surface_forms`), never by a term
seen only in masked text (e-mails, phone numbers).
"""

from __future__ import annotations

import re
import unicodedata
import warnings

import numpy as np
import pandas as pd

from ._prepare import _TOKEN, _UNIFY, prepare_comments, pseudonymise

#: A term characterises a component when the share of the component's comments containing it
#: is more than this many times the share of all comments containing it.
CHARACTERISTIC_RATIO = 2.0

#: Components of the over-split (at most one per 10 comments).
COMPONENTS = 30

_PLACEHOLDER = re.compile(r"\[(?:email|phone|url|user|number|name|id|card|iban)\]", re.IGNORECASE)


def n_components(n_docs: int, n_terms: int, components: int | None) -> int:
    """Over-split size: ``components`` (default :data:`COMPONENTS`, but at most one per 10
    comments), never more than the comments or terms less one."""
    want = min(COMPONENTS, max(n_docs // 10, 2)) if components is None else int(components)
    return int(max(1, min(want, n_docs - 1, n_terms - 1)))


def fit_nmf(X, n: int, seed: int, max_iter: int, init: str = "nndsvd"):
    """NMF (NNDSVD initialisation by default, ``"random"`` for resamples), convergence warnings silenced."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(n_components=n, init=init, random_state=seed, max_iter=max_iter, tol=1e-3)
        w = nmf.fit_transform(X)
    return nmf, w


#: Rows from which :func:`nmf_transform` splits the work over threads.
THREADED_ROWS = 100_000


def nmf_transform(nmf, X, threads: int | None = None) -> np.ndarray:
    """``nmf.transform(X)`` (the same numbers), with the rows split over threads.

    With the components fixed, scikit-learn's coordinate descent updates each row of ``W``
    on its own (from ``X @ H.T`` and ``H @ H.T``, both constant); only the stopping rule (the
    summed projected gradient against the first sweep's) joins the rows.  So blocks of rows
    are swept on separate threads in lock-step (scikit-learn's compiled sweep releases the
    GIL), and all stop on the summed violation as one run would (each block's violation is
    summed in float32 on its own, so the stop could move by one sweep only if the ratio fell
    within rounding of ``tol``; equal in the tests and on the benchmark).  Small inputs, other solvers or
    penalties, and a scikit-learn without the sweep go through ``nmf.transform``.
    """
    import os

    from scipy import sparse

    try:
        from sklearn.decomposition._cdnmf_fast import _update_cdnmf_fast
    except ImportError:  # pragma: no cover - a scikit-learn that moved its private sweep
        return nmf.transform(X)
    if threads is None:  # the CPUs this process may use
        threads = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    threads = int(threads)
    plain = (nmf.solver == "cd" and not nmf.shuffle and nmf.alpha_W == 0 and nmf.alpha_H in ("same", 0)
             and sparse.issparse(X) and X.dtype == nmf.components_.dtype)
    if threads < 2 or X.shape[0] < THREADED_ROWS or not plain:
        return nmf.transform(X)
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.exceptions import ConvergenceWarning

    X = sparse.csr_matrix(X)
    if not X.has_sorted_indices:  # scikit-learn's input check sorts them (the order of each row's sum)
        X = X.sorted_indices()
    Ht = np.ascontiguousarray(nmf.components_.T)
    HHt = np.dot(Ht.T, Ht)
    XHt = np.ascontiguousarray(X @ Ht)
    perm = np.arange(Ht.shape[1], dtype=np.intp)
    W = np.zeros((X.shape[0], Ht.shape[1]), dtype=X.dtype)
    bounds = np.linspace(0, X.shape[0], threads + 1).astype(np.int64)
    blocks = list(zip(bounds[:-1], bounds[1:], strict=True))
    with ThreadPoolExecutor(threads) as ex:
        first, sweeps = None, 0
        while sweeps < nmf.max_iter:
            sweeps += 1
            violation = sum(ex.map(lambda b: _update_cdnmf_fast(W[b[0]:b[1]], HHt, XHt[b[0]:b[1]], perm), blocks))
            first = violation if first is None else first
            if first == 0 or violation / first <= nmf.tol:
                break
    if sweeps == nmf.max_iter and nmf.tol > 0:
        warnings.warn(f"Maximum number of iterations {nmf.max_iter} reached. Increase it to improve convergence.",
                      ConvergenceWarning, stacklevel=2)
    return W


def profiles(X, primary: np.ndarray, n: int) -> np.ndarray:
    """Characteristic-term profile of each of ``n`` components (rows; all zero without comments).

    ``X``: comments x terms (any non-negative weights: presence is what counts); ``primary``:
    each comment's main component (-1 for none).
    """
    from scipy import sparse

    B = sparse.csr_matrix(X, copy=True)
    B.data = (B.data > 0).astype(np.float64)
    ok = primary >= 0
    overall = np.asarray(B[ok].mean(axis=0)).ravel() if ok.any() else np.zeros(B.shape[1])
    member = sparse.csr_matrix((np.ones(ok.sum()), (primary[ok], np.flatnonzero(ok))), shape=(n, B.shape[0]))
    size = np.asarray(member.sum(axis=1)).ravel()
    share = np.asarray((member @ B).todense()) / np.maximum(size, 1)[:, None]
    return np.where(share > CHARACTERISTIC_RATIO * overall[None, :], share, 0.0)


def tree(P: np.ndarray) -> np.ndarray:
    """Average-linkage tree on the cosine distance of profiles (a zero profile is at distance 1)."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    norm = np.linalg.norm(P, axis=1)
    U = P / np.where(norm > 0, norm, 1.0)[:, None]
    D = np.clip(1.0 - U @ U.T, 0.0, 1.0)
    D[(norm == 0)[:, None] | (norm == 0)[None, :]] = 1.0
    np.fill_diagonal(D, 0.0)
    return linkage(squareform(D, checks=False), method="average")


def persistence(Z: np.ndarray, ks) -> np.ndarray:
    """Range of merge distances over which each cut into ``k`` clusters holds (0 if impossible).

    With ``m`` leaves, ``k`` clusters exist for distances from the ``(m - k)``-th merge height
    to the next one (from 0 when ``k = m``; the single cluster ``k = 1`` up to distance 1).

    Examples
    --------
    >>> Z = np.array([[0, 1, 0.1, 2], [2, 3, 0.2, 2], [4, 5, 0.9, 4]])  # two tight pairs
    >>> persistence(Z, [1, 2, 3, 4]).round(2).tolist()
    [0.1, 0.7, 0.1, 0.1]
    """
    m = Z.shape[0] + 1
    heights = np.concatenate([[0.0], Z[:, 2], [1.0]])  # heights[i]: height of the i-th merge (i >= 1)
    out = []
    for k in ks:
        out.append(float(heights[m - k + 1] - heights[m - k]) if 1 <= k <= m else 0.0)
    return np.maximum(np.asarray(out, dtype=float), 0.0)


def merge(X, primary: np.ndarray, n: int, k: int) -> np.ndarray:
    """Theme (0 .. k-1) of each of ``n`` components, cutting the tree of their profiles at ``k``."""
    from scipy.cluster.hierarchy import fcluster

    if n == 1:
        return np.zeros(1, dtype=np.int64)
    labels = fcluster(tree(profiles(X, primary, n)), t=k, criterion="maxclust")
    _, out = np.unique(labels, return_inverse=True)
    return out.astype(np.int64)


def pool(W: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Theme weights of each comment: the largest weight among each theme's components.

    ``W``: comments x components; ``M``: components x themes (0/1).  A comment's main theme
    is thus the theme of its main component, as in the profiles that merged the components
    (summing instead would favour themes made of many components).
    """
    out = np.zeros((W.shape[0], M.shape[1]))
    for j in range(M.shape[1]):
        cols = M[:, j] > 0
        if cols.any():
            out[:, j] = W[:, cols].max(axis=1)
    return out


def primary_of(W: np.ndarray) -> np.ndarray:
    """Main component of each comment (-1 when all its weights are zero)."""
    return np.where(W.sum(axis=1) > 0, W.argmax(axis=1), -1)


def choose_k(X, W: np.ndarray, ks, n: int, n_resamples: int, rng: np.random.Generator, max_iter: int,
             subsample: int = 2000) -> pd.DataFrame:
    """Persistence of each candidate ``k``: on the tree of all comments and on resampled trees.

    Each resample draws 80 % of (at most ``subsample``) comments, refits the over-split NMF on
    them from a random start (as Greene et al. 2014: the agreement then also covers the
    starting point, and the SVD of NNDSVD is not paid again) and builds its own tree.  Returns ``k``, ``persistence`` (tree of all comments) and
    ``stability`` (mean persistence over that tree and the resampled ones).
    """
    ks = list(ks)
    full = persistence(tree(profiles(X, primary_of(W), n)), ks)
    runs = [full]
    rows = np.arange(X.shape[0]) if X.shape[0] <= subsample else np.sort(rng.choice(X.shape[0], subsample, replace=False))
    for i in range(n_resamples):
        s = np.sort(rng.choice(rows, size=max(int(0.8 * len(rows)), 2), replace=False))
        Xs = X[s]
        ns = min(n, Xs.shape[0] - 1, Xs.shape[1] - 1)
        _, Ws = fit_nmf(Xs, ns, i + 1, max_iter, init="random")
        runs.append(persistence(tree(profiles(Xs, primary_of(Ws), ns)), ks))
    return pd.DataFrame({"k": ks, "persistence": full, "stability": np.mean(runs, axis=0)})


# --------------------------------------------------------------------------- names
def _strip(word: str) -> str:
    i, j = 0, len(word)
    while i < j and unicodedata.category(word[i])[0] in "PZ":
        i += 1
    while j > i and unicodedata.category(word[j - 1])[0] in "PZ":
        j -= 1
    return word[i:j]


def surface_forms(originals) -> tuple[dict[str, str], set[str]]:
    """Most frequent written form of each normalised token, and the tokens seen in masked text.

    ``originals``: comments as written.  A word (split at spaces) that prepares to a single
    token maps that token to the word as written (trimmed of punctuation, lower case); the
    most frequent form wins (the first in code-point order on a tie).  *Masked* tokens are those of the words
    that :func:`cxanalytics.comments._prepare.pseudonymise` masks (e-mails, phone numbers, URLs,
    handles, long numbers) or of placeholders already present (``[email]`` ...): they are never
    shown as theme terms.

    Examples
    --------
    >>> forms, masked = surface_forms(["الفاتورة خاطئة", "Call me at +971 50 123 4567"])
    >>> forms["الفاتوره"], sorted(masked)
    ('الفاتورة', ['123', '4567', '50', '971'])
    """
    counts: dict[str, dict[str, int]] = {}
    masked: set[str] = set()
    words: dict[str, int] = {}
    for text in originals:
        if not isinstance(text, str):
            continue
        kept = pseudonymise(text, limit=len(text) + 10)
        mine = set(_TOKEN.findall(_PLACEHOLDER.sub(" ", kept).lower().translate(_UNIFY)))
        every = set(_TOKEN.findall(text.lower().translate(_UNIFY)))
        masked |= every - mine
        for w in _PLACEHOLDER.sub(" ", kept).split():
            w = _strip(w)
            if w:
                words[w] = words.get(w, 0) + 1
    if words:
        uniq = list(words)
        prepared = prepare_comments(uniq)["text"].to_numpy(dtype=object)
        for w, p in zip(uniq, prepared, strict=True):
            toks = _TOKEN.findall(p.translate(_UNIFY)) if isinstance(p, str) else []
            if len(toks) == 1:
                c = counts.setdefault(toks[0], {})
                c[w.lower()] = c.get(w.lower(), 0) + words[w]
    best = {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in counts.items()}
    # masked tokens: also any token that prepares from a masked raw token
    if masked:
        raw = sorted(masked)
        masked |= {t for p in prepare_comments(raw)["text"] if isinstance(p, str) for t in _TOKEN.findall(p.translate(_UNIFY))}
    return best, masked


def written(term: str, forms: dict[str, str]) -> str:
    """A vocabulary term (word or bigram) in its most frequent written form."""
    return " ".join(forms.get(t, t) for t in term.split(" "))


def theme_terms(X, vocab: np.ndarray, H: np.ndarray, primary: np.ndarray, k: int, top: int,
                forms: dict[str, str], masked: set[str]) -> list[list[str]]:
    """Top terms of each theme in their written form, masked terms left out.

    Ranked by the share of the theme's comments containing them among its characteristic
    terms, then by the theme's summed NMF loadings ``H`` (themes x terms).
    """
    P = profiles(X, primary, k)
    shown = np.array([not any(t in masked for t in v.split(" ")) for v in vocab], dtype=bool)
    out = []
    for j in range(k):
        order = np.lexsort((-H[j], -P[j]))  # primary key: profile share, then loading
        out.append([written(str(vocab[i]), forms) for i in order if shown[i] and (P[j, i] > 0 or H[j, i] > 0)][:top])
    return out


def discover(X, vocab: np.ndarray, originals, *, k: int | None, ks, components: int | None, n_resamples: int,
             top: int, rng: np.random.Generator, max_iter: int, random_state: int):
    """Over-split, merge, name: ``(nmf, merge matrix components x themes, terms, stability table)``."""
    n = n_components(X.shape[0], X.shape[1], components)
    nmf, W = fit_nmf(X, n, random_state, max_iter)
    primary = primary_of(W)
    stability = pd.DataFrame(columns=["k", "persistence", "stability"])
    if k is None:
        stability = choose_k(X, W, [v for v in ks if v <= n], n, n_resamples, rng, max_iter)
        k = int(stability.loc[stability["stability"].idxmax(), "k"])  # the smaller k on a tie
    group = merge(X, primary, n, k)
    M = np.zeros((n, group.max() + 1))
    M[np.arange(n), group] = 1.0
    mass = pool(W, M).sum(axis=0)
    M = M[:, np.argsort(-mass, kind="stable")]  # themes numbered by weight, largest first
    # A theme that is no comment's main theme (a phrasing shared by several themes, such as
    # "honestly ...", whose comments all lean to the theme of what they are about) is dropped.
    held = np.bincount(primary_of(pool(W, M)) + 1, minlength=M.shape[1] + 1)[1:] > 0
    M = M[:, held] if held.any() else M
    theme = primary_of(pool(W, M))
    forms, masked = surface_forms(originals)
    terms = theme_terms(X, vocab, M.T @ nmf.components_, theme, M.shape[1], top, forms, masked)
    return nmf, M, terms, stability
