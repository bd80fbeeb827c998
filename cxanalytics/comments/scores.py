"""Comment themes and scores: which themes low scorers mention more, and a text model of the low score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.validate import check_alpha, require_columns, require_frame, warn_dropped
from ..errors import ParameterError
from ._prepare import _ALL_STOP, _prepared
from ._stats import bh, delong, newcombe, two_proportion_p
from ._vectors import comment_tfidf
from .themes import ThemeResult, comment_themes  # noqa: F401 (comment_themes: doctests)

__all__ = ["ScoreModelResult", "comment_score_model", "theme_differences", "low_score_flag"]


def low_score_flag(data: pd.DataFrame, *, score: str | None, low: float | None, high: float | None,
                   target: str | None, function: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is_low, is_high, missing) boolean arrays from a score column with cut-offs, or a 0/1 ``target``.

    ``missing``: no score (a missing or non-numeric value); such a row is neither low nor high.
    """
    if (score is None) == (target is None):
        raise ParameterError(f"{function}: give exactly one of score= (with low=/high=) or target=; "
                             f"received score={score!r}, target={target!r}")
    if target is not None:
        v = pd.to_numeric(data[target].astype("float64", errors="ignore") if data[target].dtype == bool
                          else data[target], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(v) & ~np.isin(v, [0.0, 1.0])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"{function}: column {target!r} row {data.index[i]!r} is {data[target].iloc[i]!r}; "
                                 "expected 0/1 or True/False (1 = low score)")
        return v == 1, v == 0, np.isnan(v)
    v = pd.to_numeric(data[score], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if low is None:
        raise ParameterError(f"{function}: low is None; expected the highest score counted as low (6 for NPS)")
    hi = low if high is None else high
    return v <= low, (v > hi) if high is None else (v >= hi), np.isnan(v)


def announce_left_out(data: pd.DataFrame, *, score: str | None, target: str | None, missing: np.ndarray,
                      has_comment: np.ndarray, function: str, comment: str | None = None) -> None:
    """Warn (:func:`warn_dropped`) about rows without a usable score, then rows without a comment."""
    col = score if score is not None else target
    warn_dropped(int(missing.sum()), len(data), "with a missing or non-numeric value", function=function,
                 column=col, role="score" if score is not None else "target", stacklevel=4)
    no_text = ~missing & ~np.asarray(has_comment, dtype=bool)
    warn_dropped(int(no_text.sum()), len(data), "without a comment", function=function, column=comment,
                 role="comment" if comment else None, stacklevel=4)


# --------------------------------------------------------------------------- differences
def theme_differences(themes: ThemeResult, data: pd.DataFrame, *, score: str | None = None, low: float | None = 6,
                      high: float | None = 9, target: str | None = None, alpha: float = 0.05,
                      fdr: float = 0.05) -> pd.DataFrame:
    """Which themes low scorers (detractors, low CSAT) mention more than high scorers.

    Parameters
    ----------
    themes : ThemeResult
        From :func:`comment_themes` on the same rows of ``data`` (same index).
    data : DataFrame
    score : str, optional
        Score column; ``<= low`` is the low group, ``>= high`` the high group (defaults:
        NPS detractors 0-6 vs promoters 9-10; for a 1-5 CSAT use ``low=2, high=4``).
    target : str, optional
        Instead of ``score``: a 0/1 column, 1 = low group, 0 = high group.
    alpha : float, default 0.05
        Newcombe (1998) hybrid score intervals at level ``1 - alpha``.
    fdr : float, default 0.05
        False-discovery rate of the Benjamini-Hochberg (1995) adjustment across themes.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``name``, ``x_low``, ``n_low``, ``share_low``,
        ``x_high``, ``n_high``, ``share_high``, ``difference`` (low minus high), ``ci_lower``,
        ``ci_upper``, ``p_value`` (two-proportion z test), ``p_adjusted`` (BH),
        ``significant`` (``p_adjusted <= fdr``), ``alpha``.  Only comments with words count;
        rows without a score or without a comment are left out with a ``DataQualityWarning``
        giving their number.

    Examples
    --------
    >>> df = pd.DataFrame({"c": ["bill wrong"] * 30 + ["nice staff"] * 30,
    ...                    "nps": [2] * 25 + [10] * 5 + [10] * 25 + [2] * 5})
    >>> r = comment_themes(df, "c", seeds={"billing": ["bill"], "staff": ["staff"]})
    >>> d = theme_differences(r, df, score="nps")
    >>> d[["name", "share_low", "share_high", "significant"]].to_numpy().tolist()
    [['billing', 0.8333333333333334, 0.16666666666666666, True], ['staff', 0.16666666666666666, 0.8333333333333334, True]]
    """
    data = require_frame(data, parameter="data")
    require_columns(data, [score, target], what="data")
    alpha = check_alpha(alpha)
    if not isinstance(themes, ThemeResult):
        raise ParameterError(f"theme_differences: themes is {type(themes).__name__}; expected a ThemeResult")
    if not themes.assignments.index.equals(data.index):
        raise ParameterError("theme_differences: data's index differs from the one the themes were found on; "
                             "pass the same rows (or use themes.assign(...) on these comments)")
    is_low, is_high, missing = low_score_flag(data, score=score, low=low, high=high, target=target,
                                              function="theme_differences")
    words = themes.assignments["theme"].notna().to_numpy() | themes.assignments["text"].notna().to_numpy()
    announce_left_out(data, score=score, target=target, missing=missing, has_comment=words,
                      function="theme_differences")
    ind = themes.indicators().to_numpy(dtype=bool)
    lo_rows, hi_rows = is_low & words, is_high & words
    x1, n1 = ind[lo_rows].sum(axis=0), np.full(ind.shape[1], lo_rows.sum())
    x2, n2 = ind[hi_rows].sum(axis=0), np.full(ind.shape[1], hi_rows.sum())
    d, cl, cu = newcombe(x1, n1, x2, n2, alpha)
    p = two_proportion_p(x1, n1, x2, n2)
    adj = bh(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"theme": themes.themes["theme"].to_numpy(), "name": themes.themes["name"].to_numpy(),
                             "x_low": x1, "n_low": n1, "share_low": x1 / n1, "x_high": x2, "n_high": n2,
                             "share_high": x2 / n2, "difference": d, "ci_lower": cl, "ci_upper": cu,
                             "p_value": p, "p_adjusted": adj, "significant": adj <= fdr, "alpha": alpha})


# --------------------------------------------------------------------------- score model
@dataclass
class ScoreModelResult:
    """A cross-validated text model of the low score, returned by :func:`comment_score_model`.

    Attributes
    ----------
    auc : DataFrame
        One row: ``auc`` (of the pooled out-of-fold probabilities), ``se`` (DeLong),
        ``ci_lower``, ``ci_upper``, ``n``, ``n_low``, ``folds``, ``alpha``.
    folds : DataFrame
        ``fold``, ``n``, ``auc`` per held-out fold.
    terms : DataFrame
        ``term``, ``features`` ("word"), ``coefficient`` (log-odds of a low score per unit
        TF-IDF, the mean of the folds' models: no extra fit on all rows), ``n`` (comments containing it),
        ``direction`` ("low" / "high"): the ``top`` strongest each way among the word terms
        (1-2-grams, emoji; not only stop words) in at least 1 % of the comments (and 5) whose
        coefficient has the same sign in every fold's model (fewer when fewer qualify).
    themes : DataFrame or None
        With ``themes=``: per theme ``theme``, ``name``, ``n``, ``share_low`` (low scorers
        among its comments) and ``mean_probability`` (mean out-of-fold probability of a low
        score of its comments).
    predictions : Series
        Out-of-fold probability of a low score per analysed row (index of ``data``).
    """

    auc: pd.DataFrame
    folds: pd.DataFrame
    terms: pd.DataFrame
    themes: pd.DataFrame | None
    predictions: pd.Series

    def _repr_html_(self) -> str:
        return "<p><b>Low score from comment text</b></p>" + self.auc.to_html(index=False)


def _classifier(C: float, random_state: int):
    from sklearn.linear_model import LogisticRegression

    # liblinear's dual coordinate descent: the same L2-penalised likelihood as its primal
    # Newton solver (equal AUCs to 4-5 digits on the real sets), about twice as fast here.
    # Stopping at tol 1e-3 instead of 1e-4 gives the same AUC to 4 digits (0.69909 on 200k
    # benchmark comments either way) for about 3/4 of the time.
    return LogisticRegression(C=C, solver="liblinear", dual=True, tol=1e-3, max_iter=1000, random_state=random_state)


def comment_score_model(data: pd.DataFrame, column: str, *, score: str | None = None, low: float | None = 6,
                        target: str | None = None, themes: ThemeResult | None = None, folds: int = 5,
                        C: float = 4.0, top: int = 15, alpha: float = 0.05, max_rows: int | None = 25_000,
                        random_state: int = 0) -> ScoreModelResult:
    """Cross-validated logistic regression of the low score on the comment text.

    Features are TF-IDF word 1-2-grams and character 2-5-grams of the prepared comments
    (:func:`prepare_comments`, :func:`comment_vectorizer`); the model is scikit-learn's
    L2-penalised ``LogisticRegression``.  Every row is predicted by a model that did not see
    it (stratified ``folds``-fold cross-validation); the AUC of these predictions gets
    DeLong et al.'s (1988) interval.  The vocabulary and IDF weights are learnt once from all
    analysed comments (unsupervised: no labels), the classifier in each fold.

    Parameters
    ----------
    data : DataFrame
    column : str
        Comment column.
    score : str, optional
        Score column; ``<= low`` is a low score (default 6: NPS detractors).
    target : str, optional
        Instead: a 0/1 column with 1 = low score (e.g. a negative review).
    themes : ThemeResult, optional
        Themes found on the same rows: adds the per-theme table.
    folds : int, default 5
    C : float, default 4.0
        Inverse L2 penalty.
    top : int, default 15
        Terms listed each way.
    alpha : float, default 0.05
    max_rows : int or None, default 25000
        With more analysed comments than this, the model is cross-validated on a stratified
        random subsample of ``max_rows`` of them (the share of low scores kept; drawn with
        ``random_state``).  The AUC, its DeLong interval and ``n`` / ``n_low`` are then those of
        the subsample: an honest estimate of the same quantity (the interval is wider than a
        full-data one would be), and ``predictions`` / the theme table cover the subsample's
        rows only.  The AUC is then that of a model learnt from ``max_rows * (folds - 1) /
        folds`` comments, so if more training text would help it is conservative: on the
        benchmark's 200,000 comments (``benchmarks/bench_text.py``) 0.6942 with 25,000 rows
        against 0.6991 with 50,000, a difference near one DeLong standard error (about 0.004 at
        25,000 comments), for less than half the time and memory (the character n-grams and
        the logistic fits grow faster than the rows).  ``None``: always all rows.
    random_state : int, default 0

    Returns
    -------
    ScoreModelResult
        Rows without a score or without words in the comment are left out, with a
        ``DataQualityWarning`` giving their number.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bad = ["slow refund", "rude staff", "bill wrong", "never again"]
    >>> good = ["great staff", "fast delivery", "love it", "very helpful"]
    >>> y = rng.integers(0, 2, 200)
    >>> text = [(bad if v else good)[i % 4] + " " + ["today", "ok", "x"][i % 3] for i, v in enumerate(y)]
    >>> r = comment_score_model(pd.DataFrame({"c": text, "neg": y}), "c", target="neg")
    >>> float(r.auc["auc"].iloc[0])
    1.0
    """
    from sklearn.model_selection import StratifiedKFold

    data = require_frame(data, parameter="data")
    require_columns(data, [column, score, target], what="data")
    alpha = check_alpha(alpha)
    is_low, is_high, missing = low_score_flag(data, score=score, low=low, high=None, target=target,
                                              function="comment_score_model")
    prepared = _prepared(data[column])
    words = prepared["n_tokens"].to_numpy() > 0
    announce_left_out(data, score=score, target=target, missing=missing, has_comment=words,
                      function="comment_score_model",
                      comment=column)
    use = (is_low | is_high) & words
    if max_rows is not None and (not isinstance(max_rows, (int, np.integer)) or max_rows < 2 * folds):
        raise ParameterError(f"comment_score_model: max_rows is {max_rows!r}; expected None or an integer "
                             f">= 2 * folds ({2 * folds})")
    if max_rows is not None and use.sum() > max_rows:
        from sklearn.model_selection import train_test_split

        rows = np.flatnonzero(use)
        keep, _ = train_test_split(rows, train_size=int(max_rows), stratify=is_low[rows],
                                   random_state=random_state)
        use = np.zeros(len(use), dtype=bool)
        use[keep] = True
    text = prepared["text"].to_numpy(dtype=object)[use]
    y = is_low[use].astype(int)
    n_low = int(y.sum())
    if not isinstance(folds, (int, np.integer)) or folds < 2 or min(n_low, len(y) - n_low) < folds:
        raise ParameterError(f"comment_score_model: {n_low} low and {len(y) - n_low} other comments with words "
                             f"for folds={folds!r}; expected at least `folds` (>= 2) of each")
    oof = np.empty(len(y))
    fold_rows = []
    # The vocabulary and IDF weights are learnt once from all analysed comments (no labels
    # are used); only the classifier is refitted in each fold.
    X, names = comment_tfidf(text)  # = comment_vectorizer(min_df=1).fit_transform(text), as array work
    cv = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=random_state)
    same_sign = np.ones((2, X.shape[1]), dtype=bool)  # positive / negative in every fold so far
    coef = np.zeros(X.shape[1])
    for f, (tr, te) in enumerate(cv.split(text, y), start=1):
        model = _classifier(C, random_state).fit(X[tr], y[tr])
        oof[te] = model.predict_proba(X[te])[:, 1]
        same_sign &= np.stack([model.coef_[0] > 0, model.coef_[0] < 0])
        coef += model.coef_[0] / folds
        fold_rows.append((f, len(te), delong(y[te], oof[te])[0]))
    auc, se, lo, hi = delong(y, oof, alpha)
    # Reported terms: words (and emoji) in at least 1 % of the comments (and 5), not made of stop
    # words only, whose coefficient has one sign in every fold's model; rare n-grams with large
    # coefficients are fitted noise, not evidence.
    n_with = X.getnnz(axis=0)
    stable = ((same_sign[0] & (coef > 0)) | (same_sign[1] & (coef < 0))) & (n_with >= max(5, 0.01 * len(y)))
    stable &= np.array([n.startswith("word__") and not set(n[6:].split()) <= _ALL_STOP for n in names.astype(str)])
    order = np.flatnonzero(stable)[np.argsort(coef[stable], kind="stable")]
    pick = np.concatenate([order[::-1][:top][coef[order[::-1][:top]] > 0], order[:top][coef[order[:top]] < 0]])
    terms = pd.DataFrame({"term": [n.split("__", 1)[-1] for n in names[pick]],
                          "features": [n.split("__", 1)[0] for n in names[pick]], "coefficient": coef[pick],
                          "n": n_with[pick].astype(np.int64)})
    terms["direction"] = np.where(terms["coefficient"] > 0, "low", "high")
    preds = pd.Series(oof, index=data.index[use], name="p_low")
    theme_table = None
    if themes is not None:
        ind = themes.indicators().to_numpy(dtype=bool)[use]
        n = ind.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            theme_table = pd.DataFrame({"theme": themes.themes["theme"], "name": themes.themes["name"], "n": n,
                                        "share_low": (ind & (y[:, None] == 1)).sum(axis=0) / n,
                                        "mean_probability": (ind * oof[:, None]).sum(axis=0) / n})
    auc_row = pd.DataFrame({"auc": [auc], "se": [se], "ci_lower": [lo], "ci_upper": [hi], "n": [len(y)],
                            "n_low": [n_low], "folds": [int(folds)], "alpha": [alpha]})
    return ScoreModelResult(auc_row, pd.DataFrame(fold_rows, columns=["fold", "n", "auc"]), terms, theme_table,
                            preds)
