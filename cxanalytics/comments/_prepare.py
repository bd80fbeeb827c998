"""Comment preparation: language per comment, normalisation, tokens, stop words, vectoriser.

The character work reuses :mod:`cxanalytics.text` (its translation table: digits of three
scripts to ASCII, invisible marks and ZWNJ removed, tatweel and Arabic diacritics removed,
yeh / kaf / teh marbuta / alef variants unified).  This module adds what free text needs on
top: a language per comment, Persian verb prefixes written apart ("می خواهم" -> "میخواهم",
the same word as "می‌خواهم" with a ZWNJ), emoji kept as tokens, and small stop-word lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..text import _TEXT_TABLE, _WS

LANGUAGES = ("en", "ar", "fa", "und")

# Emoji and pictographs kept as tokens (one token per symbol): Misc Symbols and Dingbats
# U+2600-U+27BF, Misc Technical U+2300-U+23FF, arrows/stars U+2B00-U+2BFF, and the
# supplementary planes' pictographs U+1F000-U+1FAFF.  Skin-tone modifiers U+1F3FB-U+1F3FF
# are dropped by the token pattern (they qualify, not carry, the meaning).
_EMOJI = "\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001f3fa\U0001f400-\U0001faff"
_TOKEN = re.compile(rf"[^\W_]+|[{_EMOJI}]")
_WORD = re.compile(r"[^\W\d_]+(?:['][^\W\d_]+)?|\d+|[" + _EMOJI + "]")
_ARABIC_LETTER = re.compile(r"[\u0620-\u063f\u0641-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_PERSIAN_ONLY = re.compile(r"[\u067e\u0686\u0698\u06af]")  # پ چ ژ گ: not Arabic letters
# A Persian present/continuous prefix written as a separate word: joined to its verb so that
# "می خواهم", "می‌خواهم" (ZWNJ) and "میخواهم" are one token (after unification يـ).
_FA_PREFIX = re.compile(r"(?<![^\W\d_])(ن?م[يی]) (?=[^\W\d_])")

# Small stop-word lists (function words only).  Negations and intensifiers are deliberately
# absent (not, no, never, لا, ما, مش, لم, لن, نه, نمي, خيلي, very, too): they carry opinion.
# Arabic/Persian entries are written in the unified letters of cxanalytics.text.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being am
        it its this that these those i me my we our you your he him his she her they them their there here
        so than then too also just do does did has have had will would can could should may might shall
        what which who whom when where why how all any some such own same about into over under again
        further once up down out off only other more most each few both s t""".split()),
    "ar": frozenset("""في من الي الى علي على عن ان إن أن او أو ثم هذا هذه ذلك تلك هو هي هم هن انا نحن انت انتم
        كان كانت يكون التي الذي الذين اللي مع عند كل بعض قد لقد و ف ب ل ك يا به بها له لها فيه فيها منه
        منها عليه عليها ايضا كما اذا إذا حتي حيث بين كذا هناك هنا""".split()),
    "fa": frozenset("""و در به از كه را با اين آن ان براي تا هم يا اما بر هر پس ولي چون اگر است هست بود شد
        شده مي ها هاي يك ديگر خود او ما شما آنها انها من تو همين همان كرد كردم كند كنم دارد داره
        اش ام ات ايشان نيز بين روي""".split()),
}
_STOP_EVIDENCE = {"ar": STOP_WORDS["ar"] - STOP_WORDS["fa"] - {"و", "ب", "ل", "ك", "ف"},
                  "fa": STOP_WORDS["fa"] - STOP_WORDS["ar"] - {"و", "مي", "ها", "هاي"}}


# Letters that tell Arabic from Persian are kept apart until the language is known: the
# prepared text writes each comment in its language's letters; the vectoriser unifies all.
_EVIDENCE_LETTERS = (0x06CC, 0x0649, 0x06A9, 0x0629, 0x064A, 0x0643)
_PARTIAL_TABLE = {k: v for k, v in _TEXT_TABLE.items() if k not in _EVIDENCE_LETTERS}
_TO_FA = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0629": "\u0647"})
_TO_AR = str.maketrans({"\u06cc": "\u064a", "\u0649": "\u064a", "\u06a9": "\u0643"})
_UNIFY = str.maketrans({"\u06cc": "\u064a", "\u0649": "\u064a", "\u06a9": "\u0643", "\u0629": "\u0647"})
_FA_LETTERS = re.compile(r"[\u06cc\u06a9]")
_AR_LETTERS = re.compile(r"[\u064a\u0643\u0649\u0629]")


def _partial(s: str) -> str:
    """NFKC, the :mod:`cxanalytics.text` table except yeh/kaf/teh marbuta, casefold, spaces."""
    s = unicodedata.normalize("NFKC", s).translate(_PARTIAL_TABLE).casefold()
    s = unicodedata.normalize("NFKC", s).translate(_PARTIAL_TABLE)
    return _WS.sub(" ", s).strip()


def _unify(s: str) -> str:
    """The fully unified form of a prepared comment (all yeh, kaf, teh marbuta variants as one)."""
    return s.translate(_UNIFY)


def _language(text: str) -> str:
    """Language of one comment (after :func:`_partial`) by script and letter / function-word evidence.

    Latin vs Arabic-script letters decide English vs the Arabic script; within it, Persian
    letters (پ چ ژ گ count double; Persian yeh ی and kaf ک) and Persian function words count for
    ``fa``; Arabic yeh ي / ى, kaf ك, teh marbuta ة, words with the article "ال" and Arabic
    function words count for ``ar`` (ties go to ``ar``; no evidence at all gives "ar?", which
    :func:`prepare_comments` resolves to the collection's majority Arabic-script language).  No letters (digits, emoji, empty)
    gives ``und``.  Writing a comment in its language's letters only adds evidence for that
    language, so the language is stable when a prepared comment is prepared again.
    """
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == 0 and latin == 0:
        return "und"
    if latin > arabic:
        return "en"
    words = _FA_PREFIX.sub(r"\1", _unify(text)).split()
    fa = (2 * len(_PERSIAN_ONLY.findall(text)) + len(_FA_LETTERS.findall(text))
          + sum(w in _STOP_EVIDENCE["fa"] for w in words))
    ar = (len(_AR_LETTERS.findall(text)) + sum(len(w) > 3 and w.startswith("ال") for w in words)
          + sum(w in _STOP_EVIDENCE["ar"] for w in words))
    if fa == ar == 0:
        return "ar?"  # Arabic script, no evidence: resolved by the collection (see prepare_comments)
    return "fa" if fa > ar else "ar"


def _partial_many(raws: list[str]) -> list[str]:
    """:func:`_partial` of each string, done on all of them joined by NUL (one C pass per step).

    NUL is a starter that composes with nothing, is no whitespace and no table key, so each
    piece is what :func:`_partial` gives it alone; strings containing NUL go one by one.
    """
    if not raws:
        return []
    joined = "\x00".join(raws)
    if joined.count("\x00") != len(raws) - 1:
        return [_partial(r) for r in raws]
    j = unicodedata.normalize("NFKC", joined).translate(_PARTIAL_TABLE).casefold()
    j = _WS.sub(" ", unicodedata.normalize("NFKC", j).translate(_PARTIAL_TABLE))
    out = [p.strip() for p in j.split("\x00")]
    return out if len(out) == len(raws) else [_partial(r) for r in raws]


def _prepare_many(raws: list[str]) -> list[tuple[str, str]]:
    """:func:`_prepare_one` (without a majority language) of each string."""
    out: list[tuple[str, str] | None] = [None] * len(raws)
    other = []
    for i, r in enumerate(raws):
        if r.isascii():  # fast path, same result: NFKC and the table leave ASCII as is; casefold = lower
            u = _WS.sub(" ", r.lower()).strip()
            out[i] = (u, "en" if _LATIN_LETTER.search(u) else "und")
        else:
            other.append(i)
    parts, langs = [], []
    for start in range(0, len(other), _CHUNK):  # in chunks: bounded memory of the joined passes
        chunk = _partial_many([raws[i] for i in other[start:start + _CHUNK]])
        parts += chunk
        langs += _languages(chunk)
    for lg, table in (("fa", _TO_FA), ("ar", _TO_AR)):
        pick = [j for j, v in enumerate(langs) if v == lg]
        done = _joined_map([parts[j] for j in pick], lambda t, tb=table, lg=lg: (
            _FA_PREFIX.sub(r"\1", t.translate(tb)) if lg == "fa" else t.translate(tb)))
        for j, u in zip(pick, done, strict=True):
            parts[j] = u
    for i, u, lg in zip(other, parts, langs, strict=True):
        out[i] = (u, lg)
    return out


_CHUNK = 20_000


def _joined_map(texts: list[str], f) -> list[str]:
    """``[f(t) for t in texts]`` for a per-character / NUL-free-pattern ``f``, on one NUL-joined string."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    out = f(joined).split("\x00") if joined.count("\x00") == len(texts) - 1 else None
    return out if out is not None and len(out) == len(texts) else [f(t) for t in texts]


# Character classes of _language as one lookup over the Basic Multilingual Plane.
_CLASS_PATTERNS = (_ARABIC_LETTER, _LATIN_LETTER, _PERSIAN_ONLY, _FA_LETTERS, _AR_LETTERS)
_LUT: list[np.ndarray] = []


def _class_lut() -> np.ndarray:
    if not _LUT:  # built on first use (a few hundred ms), then kept
        chars = "".join(chr(i) for i in range(0xD800)) + "\x00" * 0x800 + "".join(chr(i) for i in range(0xE000, 0x10000))
        lut = np.zeros((len(_CLASS_PATTERNS), 0x10000), dtype=bool)
        for c, pat in enumerate(_CLASS_PATTERNS):
            lut[c, [m.start() for m in pat.finditer(chars)]] = True
        _LUT.append(lut)
    return _LUT[0]


def _languages(texts: list[str]) -> list[str]:
    """:func:`_language` of each text (after :func:`_partial`), as array work on all texts at once.

    Checked equal to :func:`_language` one by one; texts containing NUL go one by one.
    """
    m = len(texts)
    if m == 0:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != m - 1:
        return [_language(t) for t in texts]
    try:
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # lone surrogates
        return [_language(t) for t in texts]
    lut = _class_lut()
    piece = np.cumsum(cp == 0, dtype=np.int32)
    bmp = cp < 0x10000
    counts = [np.bincount(piece[bmp], weights=lut[c][cp[bmp]], minlength=m)
              for c in range(len(_CLASS_PATTERNS))]
    arabic, latin, persian, fa_l, ar_l = counts
    words = _FA_PREFIX.sub(r"\1", joined.translate(_UNIFY)).replace("\x00", " \x00 ").split()
    codes, uniq = pd.factorize(pd.Series(words, dtype=object))
    is_marker = np.fromiter((w == "\x00" for w in uniq), bool, len(uniq))
    wpiece = np.cumsum(is_marker[codes]) if len(codes) else np.zeros(0, dtype=np.int64)
    fa_w = np.fromiter((w in _STOP_EVIDENCE["fa"] for w in uniq), np.float64, len(uniq))
    ar_w = np.fromiter(((len(w) > 3 and w.startswith("ال")) + (w in _STOP_EVIDENCE["ar"]) for w in uniq),
                       np.float64, len(uniq))
    fa = 2 * persian + fa_l + np.bincount(wpiece, weights=fa_w[codes], minlength=m)
    ar = ar_l + np.bincount(wpiece, weights=ar_w[codes], minlength=m)
    out = np.select([(arabic == 0) & (latin == 0), latin > arabic, (fa == 0) & (ar == 0), fa > ar],
                    ["und", "en", "ar?", "fa"], "ar")
    return out.tolist()


def _prepare_one(raw: str, ambiguous: str | None = None) -> tuple[str, str]:
    u = _partial(raw)
    return _finish(u, _language(u), ambiguous)


def _finish(u: str, lang: str, ambiguous: str | None) -> tuple[str, str]:
    if lang == "ar?" and ambiguous is not None:
        lang = ambiguous
    if lang == "fa":
        u = _FA_PREFIX.sub(r"\1", u.translate(_TO_FA))
    elif lang == "ar":
        u = u.translate(_TO_AR)
    return u, lang


_CACHE: dict = {}
_CACHE_MIN = 50_000  # columns shorter than this are prepared afresh (hashing would cost more)


def prepare_comments(comments: Iterable[object] | pd.Series) -> pd.DataFrame:
    """Prepare free-text comments for analysis, one output row per input comment.

    Parameters
    ----------
    comments : Series or iterable
        Comments in English, Arabic or Persian (mixed freely).  Missing values stay missing.

    Returns
    -------
    DataFrame
        Same index as ``comments`` (a Series) and one row per comment: ``original`` (as given),
        ``text`` (prepared: NFKC; digits of the three scripts as ASCII; ZWNJ, bidi marks,
        tatweel and Arabic diacritics removed; alef أ/إ/آ/ٱ unified as in
        :func:`cxanalytics.text.normalize_text`; yeh ي/ی/ى and kaf ك/ک written in the comment
        language's letters (Persian ی ک, with ة as ه; Arabic ي ك); casefolded; a Persian
        "می"/"نمی" written apart joined to its verb; whitespace collapsed; punctuation and
        emoji kept; the vectoriser then unifies all yeh, kaf and teh marbuta forms), ``language`` ("en", "ar", "fa", or "und" for no letters; an Arabic-script comment
        with no Arabic or Persian evidence, such as "خوب", takes the majority language of the
        collection) and
        ``n_tokens`` (words, numbers and emoji in ``text``).  Preparing ``text`` again gives
        ``text`` again (idempotent), and nothing but marks, diacritics and spacing is removed.

    Examples
    --------
    >>> p = prepare_comments(["Great service 👍", "خدمة ممتازة جداً", "خیلی می‌خواهم", "۱۲۳"])
    >>> p["language"].tolist()
    ['en', 'ar', 'fa', 'und']
    >>> p["text"].tolist()
    ['great service 👍', 'خدمة ممتازة جدا', 'خیلی میخواهم', '123']
    >>> prepare_comments(p["text"])["text"].equals(p["text"])
    True
    """
    s = comments if isinstance(comments, pd.Series) else pd.Series(list(comments), dtype=object)
    values = s.to_numpy(dtype=object, na_value=None)
    isstr = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
    bad = [(i, v) for i, v in enumerate(values) if not isstr[i] and v is not None]
    if bad:
        i, v = bad[0]
        raise ParameterError(f"prepare_comments: comment at position {i} is {type(v).__name__} {v!r}; "
                             "expected text or a missing value")
    # Large columns: the result of the last large call is kept (keyed by a BLAKE2b digest of
    # every value and of the missing positions), so comment_themes and comment_score_model on
    # one column prepare it once.
    key = None
    if len(values) >= _CACHE_MIN:
        strs = values[isstr].tolist()
        joined = "\x00".join(strs)
        if joined.count("\x00") == len(strs) - 1:  # unambiguous join (no NUL inside a comment)
            import hashlib

            digest = hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=32)
            digest.update(np.flatnonzero(~isstr).tobytes())
            key = (len(values), digest.hexdigest())
        del strs, joined
        if key is not None and _CACHE.get("key") == key:
            text, lang, ntok = (a.copy() for a in _CACHE["value"])
            return pd.DataFrame({"original": values, "text": text, "language": lang, "n_tokens": ntok},
                                index=s.index)
    codes, uniques = pd.factorize(pd.Series(values[isstr], dtype=object))
    done = _prepare_many(list(uniques))
    langs = [d[1] for d in done]
    if "ar?" in langs:  # Arabic script without evidence: the majority language of those with some
        counts = np.bincount(codes, minlength=len(uniques))
        n_fa = sum(c for c, lg in zip(counts, langs, strict=True) if lg == "fa")
        n_ar = sum(c for c, lg in zip(counts, langs, strict=True) if lg == "ar")
        major = "fa" if n_fa > n_ar else "ar"
        done = [_prepare_one(u, major) if lg == "ar?" else d for u, lg, d in zip(uniques, langs, done, strict=True)]
    text = np.full(len(values), None, dtype=object)
    lang = np.full(len(values), None, dtype=object)
    ntok = np.zeros(len(values), dtype=np.int64)
    if done:
        t_u = np.array([d[0] for d in done], dtype=object)
        l_u = np.array([d[1] for d in done], dtype=object)
        n_u = np.fromiter((len(_TOKEN.findall(d[0])) for d in done), np.int64, len(done))
        text[isstr], lang[isstr], ntok[isstr] = t_u[codes], l_u[codes], n_u[codes]
    if key is not None:
        _CACHE["key"], _CACHE["value"] = key, (text.copy(), lang.copy(), ntok.copy())
    return pd.DataFrame({"original": values, "text": text, "language": lang, "n_tokens": ntok}, index=s.index)


def tokens(text: str, *, stop_words: bool = False) -> list[str]:
    """Word, number and emoji tokens of one *prepared* comment, optionally without stop words.

    Examples
    --------
    >>> tokens("the service was great 👍👍")
    ['the', 'service', 'was', 'great', '👍', '👍']
    >>> tokens("the service was great 👍", stop_words=True)
    ['service', 'great', '👍']
    """
    out = _TOKEN.findall(text.translate(_UNIFY))
    if stop_words:
        out = [t for t in out if t not in _ALL_STOP]
    return out


_ALL_STOP = STOP_WORDS["en"] | STOP_WORDS["ar"] | STOP_WORDS["fa"]


def _stop_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.translate(_UNIFY)) if t not in _ALL_STOP]


def _all_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.translate(_UNIFY))


def comment_vectorizer(*, stop_words: bool = False, char: bool = True, min_df: int | float = 2,
                       max_features: int | None = None):
    """The scikit-learn vectoriser used on prepared comments: word 1-2 grams (+ char 2-5 grams).

    Parameters
    ----------
    stop_words : bool, default False
        Drop the :data:`STOP_WORDS` of all three languages from the word features (themes);
        the score model keeps them (negations are never stop words).
    char : bool, default True
        Add TF-IDF character 2-5-grams, across word boundaries (robust to spelling and
        morphology: Arabic clitics, Persian suffixes).
    min_df : int or float, default 2
        Minimum document frequency of a feature.
    max_features : int, optional
        Cap on the word features (the most frequent are kept).

    Returns
    -------
    sklearn.pipeline.FeatureUnion or sklearn.feature_extraction.text.TfidfVectorizer
        Unfitted; fit it on the ``text`` column of :func:`prepare_comments`.

    Examples
    --------
    >>> v = comment_vectorizer(char=False, min_df=1)
    >>> X = v.fit_transform(["slow delivery", "slow refund"])
    >>> sorted(v.vocabulary_)[:3]
    ['delivery', 'refund', 'slow']
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    word = TfidfVectorizer(analyzer="word", tokenizer=_stop_tokens if stop_words else _all_tokens,
                           token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=min_df,
                           max_features=max_features, sublinear_tf=True, dtype=np.float32)
    if not char:
        return word
    chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), preprocessor=_unify, min_df=min_df,
                            sublinear_tf=True, dtype=np.float32)
    return FeatureUnion([("word", word), ("char", chars)])


def display_term(term: str, language: str) -> str:
    """A unified term written in the comment language's own letters (Persian ی and ک for ``fa``).

    Examples
    --------
    >>> display_term("خيلي خوب", "fa")
    'خیلی خوب'
    """
    return term.translate({0x064A: 0x06CC, 0x0643: 0x06A9}) if language == "fa" else term


def word_tfidf(vectorizer, texts):
    """``vectorizer.transform(texts)`` for a fitted word vectoriser of :func:`comment_vectorizer`, vectorised.

    The same sparse matrix (same counts, IDF weights, ``sublinear_tf`` and L2 norm, float32,
    sorted indices) as scikit-learn's ``transform``, but the per-feature Python loop of
    ``CountVectorizer`` is replaced by array work: each comment is tokenised once (one
    ``findall``), the tokens of all comments are factorised together, stop words dropped,
    unigrams and adjacent-token bigrams looked up in the fitted vocabulary by their codes.
    Any other vectoriser falls back to its own ``transform``.

    Examples
    --------
    >>> v = comment_vectorizer(char=False, min_df=1, stop_words=True).fit(["slow delivery", "the slow refund"])
    >>> bool((word_tfidf(v, ["slow refund again"]) != v.transform(["slow refund again"])).nnz == 0)
    True
    """
    from itertools import chain

    from scipy import sparse

    tfidf = getattr(vectorizer, "_tfidf", None)
    tok = getattr(vectorizer, "tokenizer", None)
    if (tfidf is None or tok not in (_stop_tokens, _all_tokens) or vectorizer.ngram_range != (1, 2)
            or vectorizer.analyzer != "word" or vectorizer.binary):
        return vectorizer.transform(texts)
    texts = list(texts)
    n, vocab = len(texts), vectorizer.vocabulary_
    toks = [_TOKEN.findall(t.translate(_UNIFY)) for t in texts]
    lens = np.fromiter(map(len, toks), np.int64, n)
    flat = np.fromiter(chain.from_iterable(toks), dtype=object, count=int(lens.sum()))
    codes, uniq = pd.factorize(flat)
    doc = np.repeat(np.arange(n, dtype=np.int64), lens)
    if tok is _stop_tokens:
        keep = ~np.fromiter((u in _ALL_STOP for u in uniq), bool, len(uniq))[codes]
        codes, doc = codes[keep], doc[keep]
    codes = codes.astype(np.int64)
    u_index = {u: i for i, u in enumerate(uniq)}
    f1 = np.fromiter((vocab.get(u, -1) for u in uniq), np.int64, len(uniq))[codes] if len(uniq) else codes
    same = doc[1:] == doc[:-1]
    a, b, bdoc = codes[:-1][same], codes[1:][same], doc[1:][same]
    big_keys, big_ids = [], []
    size = max(len(uniq), 1)
    for term, j in vocab.items():
        parts = term.split(" ")
        if len(parts) == 2 and parts[0] in u_index and parts[1] in u_index:
            big_keys.append(u_index[parts[0]] * size + u_index[parts[1]])
            big_ids.append(j)
    big_keys, big_ids = np.asarray(big_keys, np.int64), np.asarray(big_ids, np.int64)
    order = np.argsort(big_keys, kind="stable")
    big_keys, big_ids = big_keys[order], big_ids[order]
    obs = a * size + b
    pos = np.minimum(np.searchsorted(big_keys, obs), max(len(big_keys) - 1, 0))
    f2 = np.where((len(big_keys) > 0) & (big_keys[pos] == obs) if len(big_keys) else np.zeros(len(obs), bool),
                  big_ids[pos] if len(big_ids) else -1, -1)
    rows = np.concatenate([doc[f1 >= 0], bdoc[f2 >= 0]])
    cols = np.concatenate([f1[f1 >= 0], f2[f2 >= 0]])
    X = sparse.csr_matrix((np.ones(len(rows), dtype=vectorizer.dtype), (rows, cols)), shape=(n, len(vocab)))
    X.sum_duplicates()
    X.sort_indices()
    return tfidf.transform(X, copy=False)
