"""Open-text comments in English, Arabic and Persian: preparation, themes, scores, churn.

* :func:`prepare_comments`, :func:`comment_vectorizer`: language per comment and normalisation;
* :func:`comment_columns`: which free-text columns of an export are comment boxes;
* :func:`comment_themes` -> :class:`ThemeResult`: themes (over-split NMF merged, stability-chosen ``k``, or seeds);
* :func:`theme_differences`, :func:`comment_score_model`: themes and scores;
* :func:`claim_theme_churn`: themes and repeat business;
* :func:`textiq_coding`, :func:`compare_textiq`: Qualtrics Text iQ columns.
"""

from ._prepare import STOP_WORDS, comment_vectorizer, prepare_comments
from .churn import claim_theme_churn
from .columns import comment_columns
from .scores import ScoreModelResult, comment_score_model, theme_differences
from .textiq import compare_textiq, textiq_coding
from .themes import ThemeResult, comment_themes

__all__ = ["STOP_WORDS", "ScoreModelResult", "ThemeResult", "claim_theme_churn", "comment_columns",
           "comment_score_model", "comment_themes", "comment_vectorizer", "compare_textiq", "prepare_comments",
           "textiq_coding", "theme_differences"]
