"""Whether a grid of numeric answers is a ranking question (internal, for :mod:`cxanalytics.survey.combined`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["is_ranking"]


def is_ranking(answers: pd.DataFrame, *, share: float = 0.9, min_rows: int = 10) -> bool:
    """True when the answers rank the items: each respondent gives k items distinct ranks 1..k.

    A "rank these in order" question (SurveyMonkey Ranking, Qualtrics Rank Order) exported as
    one numeric column per item looks like a battery of ratings, but its rows are
    permutations: the items compete, so Cronbach's alpha (negative or undefined when every
    row sums to the same total) and relative weights do not apply.  Decided on the rows that
    answered every item: at least ``share`` of at least ``min_rows`` rows are permutations.

    Examples
    --------
    >>> ranks = pd.DataFrame({"a": [1, 2, 3] * 4, "b": [2, 3, 1] * 4, "c": [3, 1, 2] * 4})
    >>> is_ranking(ranks), is_ranking(ranks.assign(c=[3, 3, 2] * 4))
    (True, False)
    """
    values = answers.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    complete = values[~np.isnan(values).any(axis=1)]
    k = values.shape[1]
    if k < 2 or len(complete) < min_rows:
        return False
    permutation = (np.sort(complete, axis=1) == np.arange(1, k + 1)).all(axis=1)
    return bool(permutation.mean() >= share)
