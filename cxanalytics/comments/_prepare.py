"""Comment preparation: language per comment, normalisation, tokens, stop words, vectoriser.

The character work reuses :mod:`cxanalytics.ingest.text` (its translation table: digits of three
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
from ..ingest.text import _TEXT_TABLE, _WS
from . import _fast

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
# The same rule searched from its fixed part (fast on long strings), the lookbehind checked on
# each match: a letter-less character before "م", or "ن" with a letter-less character before it.
_FA_PREFIX_FAST = re.compile(r"م[يی] (?=[^\W\d_])")
# What pseudonymise() masks besides e-mails and phone numbers.
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_LONG_NUMBER = re.compile(r"\d{6,}")
_LETTER = re.compile(r"[^\W\d_]")


def _fa_prefix_keep(m: re.Match) -> str:
    s, i = m.string, m.start()
    before = s[i - 1] if i else ""
    if not before or not _LETTER.match(before) or (before == "ن" and (i < 2 or not _LETTER.match(s[i - 2]))):
        return m.group()[:-1]
    return m.group()


def _join_fa_prefix(s: str) -> str:
    """``_FA_PREFIX.sub(r"\\1", s)``: a Persian "می" / "نمی" written apart joined to its verb."""
    return _FA_PREFIX_FAST.sub(_fa_prefix_keep, s) if "\u0645" in s else s

# Small stop-word lists (function words only).  Negations and intensifiers are deliberately
# absent (not, no, never, لا, ما, مش, لم, لن, نه, نمي, خيلي, very, too): they carry opinion.
# Arabic/Persian entries are written in the unified letters of cxanalytics.ingest.text.
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
    """NFKC, the :mod:`cxanalytics.ingest.text` table except yeh/kaf/teh marbuta, casefold, spaces."""
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


def _luts() -> dict:
    """Code-point lookup arrays (built on first use, then kept): the translation tables and the
    character classes of :data:`_TOKEN`."""
    if not _LUTS:
        _LUTS.update(partial=_fast.table_lut(_PARTIAL_TABLE), fa=_fast.table_lut(_TO_FA),
                     ar=_fast.table_lut(_TO_AR), unify=_fast.table_lut(_UNIFY), space=_fast.class_lut(_WS),
                     word=_fast.class_lut(re.compile(r"[^\W_]")), emoji=_fast.class_lut(re.compile(f"[{_EMOJI}]")))
        nonspace = ~_LUTS["space"]  # what str.split() keeps (re's \s is str.isspace), NUL apart
        nonspace[0] = False
        _LUTS["nonspace"] = nonspace
    return _LUTS


_LUTS: dict = {}


def _partial_joined(joined: str) -> str:
    """:func:`_partial` of each NUL-separated piece of ``joined``, in one pass per step."""
    lut = _luts()["partial"]
    j = _fast.translate(unicodedata.normalize("NFKC", joined), _PARTIAL_TABLE, lut).casefold()
    return _fast.translate_squeeze(unicodedata.normalize("NFKC", j), _PARTIAL_TABLE, lut, _luts()["space"])


def _partial_many(raws: list[str]) -> list[str]:
    """:func:`_partial` of each string, done on all of them joined by NUL (one C pass per step).

    NUL is a starter that composes with nothing, is no whitespace and no table key, so each
    piece is what :func:`_partial` gives it alone; strings containing NUL go one by one.
    """
    if not raws:
        return []
    joined = _fast.join(raws)
    out = None if joined is None else _partial_joined(joined).split("\x00")
    return out if out is not None and len(out) == len(raws) else [_partial(r) for r in raws]


def _finish_many(texts: list[str], langs: list[str], rows=None) -> None:
    """:func:`_finish` (without a majority language) of ``texts[i]`` for ``i`` in ``rows`` (all), in place."""
    rows = range(len(texts)) if rows is None else rows
    luts = _luts()
    for lg, table in (("fa", _TO_FA), ("ar", _TO_AR)):
        pick = [j for j in rows if langs[j] == lg]
        done = _joined_map([texts[j] for j in pick], lambda t, tb=table, lg=lg: (
            _join_fa_prefix(_fast.translate(t, tb, luts[lg])) if lg == "fa" else _fast.translate(t, tb, luts[lg])))
        for j, u in zip(pick, done, strict=True):
            texts[j] = u


def _prepare_many(raws: list[str]) -> tuple[list[str], list[str]]:
    """Prepared texts and languages (:func:`_prepare_one` without a majority language: "ar?" left)."""
    texts: list[str] = []
    langs: list[str] = []
    for start in range(0, len(raws), _CHUNK):  # in chunks: bounded memory of the joined passes
        chunk = _partial_many(raws[start:start + _CHUNK])
        texts += chunk
        langs += _languages(chunk)
    _finish_many(texts, langs)
    return texts, langs


def _count_tokens(texts: list[str]) -> np.ndarray:
    """``len(_TOKEN.findall(t))`` of each text, counted on code-point arrays of NUL-joined chunks."""
    out = np.zeros(len(texts), dtype=np.int64)
    luts = _luts()
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        joined = _fast.join(chunk)
        cp = None if joined is None else _fast.codepoints(joined)
        if cp is None:
            out[start:start + len(chunk)] = [len(_TOKEN.findall(t)) for t in chunk]
        else:
            out[start:start + len(chunk)] = _fast.count_runs(cp, luts["word"], luts["emoji"], len(chunk))
    return out


_CHUNK = 100_000


def _joined_map(texts: list[str], f) -> list[str]:
    """``[f(t) for t in texts]`` for a per-character / NUL-free-pattern ``f``, on one NUL-joined string."""
    if not texts:
        return []
    joined = _fast.join(texts)
    out = None if joined is None else f(joined).split("\x00")
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


def _class_bits() -> np.ndarray:
    """The classes of :func:`_class_lut` as bits of one uint8 per code point (all planes)."""
    if len(_LUT) < 2:
        bits = np.zeros(0x110000, dtype=np.uint8)
        for c, row in enumerate(_class_lut()):
            bits[:0x10000] |= row.astype(np.uint8) << c
        _LUT.append(bits)
    return _LUT[1]


def _evidence_hashes(language: str) -> np.ndarray:
    """Hashes (:func:`_fast.token_hashes`) of the function words that are evidence for ``language``."""
    key = "evidence_" + language
    if key not in _LUTS:
        cp = _fast.codepoints("\x00".join(sorted(_STOP_EVIDENCE[language])))
        _LUTS[key] = np.unique(_fast.token_hashes(cp, _luts()["nonspace"])[0])
    return _LUTS[key]


def _languages(texts: list[str]) -> list[str]:
    """:func:`_language` of each text (after :func:`_partial`), as array work on all texts at once.

    Checked equal to :func:`_language` one by one; texts containing NUL go one by one.
    """
    m = len(texts)
    if m == 0:
        return []
    joined = _fast.join(texts)
    cp = None if joined is None else _fast.codepoints(joined)
    if cp is None:  # a NUL inside a text, or lone surrogates
        return [_language(t) for t in texts]
    bits = _class_bits()[cp]
    piece = _fast.pieces_of(cp)
    counts = [np.bincount(piece[(bits & (1 << c)) != 0], minlength=m).astype(np.float64)
              for c in range(len(_CLASS_PATTERNS))]
    del piece, bits, cp
    arabic, latin, persian, fa_l, ar_l = counts
    fa = 2 * persian + fa_l
    ar = ar_l.copy()
    # Word evidence, needed only where the Arabic script decides: those texts joined again.
    need = np.flatnonzero((arabic > 0) & (latin <= arabic))
    if len(need):
        sub = "\x00".join(np.asarray(texts, dtype=object)[need].tolist())
        sub = _fast.translate(sub, _UNIFY, _luts()["unify"])
        words = _join_fa_prefix(sub)
        del sub
        cp = _fast.codepoints(words)
        del words
        if cp is None:
            return [_language(t) for t in texts]
        # Each word (a run of non-space, as str.split() cuts) as a hash, found among the evidence words'.
        h, wpiece, start, length = _fast.token_hashes(cp, _luts()["nonspace"])
        long_al = (length > 3) & (cp[start] == 0x0627) & (cp[np.minimum(start + 1, len(cp) - 1)] == 0x0644)
        del cp
        fa_w = _fast.member(h, _evidence_hashes("fa"))
        ar_w = long_al.astype(np.float64) + _fast.member(h, _evidence_hashes("ar"))
        fa[need] += np.bincount(wpiece, weights=fa_w, minlength=len(need))
        ar[need] += np.bincount(wpiece, weights=ar_w, minlength=len(need))
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
        :func:`cxanalytics.ingest.text.normalize_text`; yeh ي/ی/ى and kaf ك/ک written in the comment
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
    out = _prepared(comments)
    # The public frame holds pandas' default string dtype; the library's own callers use the
    # object arrays of _prepared (no conversion of a million strings back and forth).
    frame = pd.DataFrame({c: out[c].to_numpy() for c in out.columns if c != "original"}, index=out.index)
    if isinstance(comments, pd.Series) and comments.dtype == frame["text"].dtype:
        original = pd.Series(comments.array, index=out.index, copy=False)  # already that dtype: no conversion
    else:
        original = out["original"].to_numpy()
    frame.insert(0, "original", original)
    return frame


def _prepared(comments) -> pd.DataFrame:
    """:func:`prepare_comments` with ``original``, ``text`` and ``language`` as object columns."""
    s = comments if isinstance(comments, pd.Series) else pd.Series(list(comments), dtype=object)
    # Large columns: the result of the last large call is kept (keyed by a BLAKE2b digest of
    # every value and of the missing positions), so comment_themes and comment_score_model on
    # one column prepare it once.
    key = _fast.digest_strings(s) if len(s) >= _CACHE_MIN else None
    if key is not None:
        key = (len(s), key)
        if _CACHE.get("key") == key:
            return _CACHE["value"].set_axis(s.index)  # copy-on-write: the caller may modify it
    values = s.to_numpy(dtype=object, na_value=None)
    if isinstance(s.dtype, pd.StringDtype):  # text or missing, nothing else
        isstr = s.notna().to_numpy(dtype=bool)
    else:
        isstr = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
    bad = [(i, values[i]) for i in np.flatnonzero(~isstr) if values[i] is not None]
    if bad:
        i, v = bad[0]
        raise ParameterError(f"prepare_comments: comment at position {i} is {type(v).__name__} {v!r}; "
                             "expected text or a missing value")
    codes, uniques = pd.factorize(pd.Series(values[isstr], dtype=object))
    texts, langs = _prepare_many(list(uniques))
    if "ar?" in langs:  # Arabic script without evidence: the majority language of those with some
        counts = np.bincount(codes, minlength=len(uniques))
        lg_u = np.asarray(langs, dtype=object)
        major = "fa" if counts[lg_u == "fa"].sum() > counts[lg_u == "ar"].sum() else "ar"
        rows = np.flatnonzero(lg_u == "ar?").tolist()
        for j in rows:
            langs[j] = major
        _finish_many(texts, langs, rows)
    text = np.full(len(values), None, dtype=object)
    lang = np.full(len(values), None, dtype=object)
    ntok = np.zeros(len(values), dtype=np.int64)
    if texts:
        t_u = np.array(texts, dtype=object)
        l_u = np.array(langs, dtype=object)
        n_u = _count_tokens(texts)
        text[isstr], lang[isstr], ntok[isstr] = t_u[codes], l_u[codes], n_u[codes]
    out = pd.DataFrame({"original": pd.Series(values, dtype=object, index=s.index, copy=False),
                        "text": pd.Series(text, dtype=object, index=s.index, copy=False),
                        "language": pd.Series(lang, dtype=object, index=s.index, copy=False),
                        "n_tokens": pd.Series(ntok, index=s.index, copy=False)})
    if key is not None:
        _CACHE["key"], _CACHE["value"] = key, out.copy(deep=False)
    return out


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


def pseudonymise(text: str, limit: int = 240) -> str:
    """A comment safe to show: e-mails, phones, URLs, @handles and long numbers masked, shortened.

    Examples
    --------
    >>> pseudonymise("mail me at a.b@example.com or +44 20 7946 0958")
    'mail me at [email] or [phone]'
    """
    from ..ingest.cleaning._values import _redact

    text = _LONG_NUMBER.sub("[number]", _HANDLE.sub("[user]", _URL.sub("[url]", _redact(text))))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
