"""The ``labels`` field of a codebook row parsed (``"label=score|label=score"``), and blank cells.

Below both :mod:`cxanalytics.ingest.codebook` (which checks each row's labels) and
:mod:`cxanalytics.ingest.cleaning` (which recodes answers with them), so that neither
imports the other for it.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import CodebookError, describe

__all__ = ["is_blank", "parse_labels"]


def is_blank(v: Any) -> bool:
    """True for None, NaN and text that is empty or only spaces.

    Examples
    --------
    >>> [is_blank(v) for v in (None, float("nan"), " ", "0", 0)]
    [True, True, True, False, False]
    """
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def parse_labels(spec: Any, *, scored: bool, where: str = "labels") -> dict[str, Any]:
    """Parse a ``labels`` field: ``"label=score|label=score"`` (or ``label=suffix`` for multi).

    Examples
    --------
    >>> parse_labels("Poor=1|Good = 5", scored=True)
    {'Poor': 1.0, 'Good': 5.0}
    >>> parse_labels("Phone=phone|E-mail=email", scored=False)
    {'Phone': 'phone', 'E-mail': 'email'}
    >>> parse_labels(None, scored=True)
    {}
    """
    if is_blank(spec):
        return {}
    out: dict[str, Any] = {}
    for part in str(spec).split("|"):
        label, eq, value = part.rpartition("=")
        if not eq or not label.strip() or not value.strip():
            raise CodebookError(describe("Malformed answer-label mapping", column=where, received=part,
                                         expected="'label=score' pairs separated by '|'"))  # fmt: skip
        if scored:
            try:
                out[label.strip()] = float(value)
            except ValueError:
                raise CodebookError(describe("Answer-label score is not a number", column=where,
                                             received=part, expected="'label=<number>'")) from None  # fmt: skip
        else:
            out[label.strip()] = value.strip()
    return out
