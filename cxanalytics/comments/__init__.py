"""Open-text comments in English, Arabic and Persian: preparation, themes, scores, churn.

* :func:`prepare_comments`, :func:`comment_vectorizer`: language per comment and normalisation;
* :func:`comment_themes` -> :class:`ThemeResult`: themes (NMF, stability-chosen ``k``, or seeds);
* :func:`theme_differences`, :func:`comment_score_model`: themes and scores;
* :func:`claim_theme_churn`: themes and repeat business;
* :func:`textiq_coding`, :func:`compare_textiq`: Qualtrics Text iQ columns.
"""

from ._prepare import STOP_WORDS, comment_vectorizer, prepare_comments
from .scores import ScoreModelResult, comment_score_model, theme_differences
from .themes import ThemeResult, comment_themes

__all__ = ["STOP_WORDS", "ScoreModelResult", "ThemeResult", "comment_score_model", "comment_themes",
           "comment_vectorizer", "prepare_comments", "theme_differences"]
