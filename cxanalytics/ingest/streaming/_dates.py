"""One day/month order for the dates of the whole file, from the chunks' own evidence.

:func:`cxanalytics.clean_responses` reads dates written ``NN/NN/YYYY`` in the order their
values show (a first number above 12 is a day, a second one above 12 is a day), one order for
the whole table; dates that cannot tell (no number above 12) are an error, and dates showing
both orders are an error too.  A chunk holds only part of that evidence: a chunk of dates
from the first twelve days of a month cannot tell, while the file can.  So each chunk is
cleaned as the in-memory path would clean it (``dayfirst`` as the caller gave it), the order
each chunk decided is collected (:class:`DateOrder`), two chunks deciding differently raise
the in-memory path's error, and a chunk that cannot tell is cleaned again in the order the
other chunks decided (its dates are the same in either order as far as they show, so the
in-memory path reads them in the file's order too).  Only when no chunk can tell is the
chunk's error raised, as it is for the whole file.

The Jalali/Hijri choice for years 1400-1420 is not gathered this way yet: a chunk whose dates
do not say which calendar they use raises, even when another chunk's do (the caller passes
``calendar=``).
"""

from __future__ import annotations

from typing import Any

from ...errors import CxError, ParameterError, describe

# the message of calendars._decide_dayfirst when no value tells the order
_UNDECIDED = "Day/month order cannot be told from the data"


class DateOrder:
    """The day/month order of a file's dates, gathered chunk by chunk."""

    def __init__(self, given: bool | None) -> None:
        self.given = given
        self.known = given
        self._where: dict[bool, Any] = {}

    def undecided(self, exc: Exception) -> bool:
        """Whether ``exc`` is a chunk's "cannot tell the order" error that the file may resolve."""
        return self.given is None and isinstance(exc, ParameterError) and _UNDECIDED in str(exc)

    def rules(self, rules: dict[str, Any], *, undecided: bool = False) -> dict[str, Any]:
        """The rules to clean a chunk with: the file's order for a chunk that cannot tell."""
        return {**rules, "dayfirst": self.known} if undecided else rules

    def seen(self, order: bool | None, where: Any) -> None:
        """Record a chunk's order (``where``: its first row); raise if chunks disagree."""
        if order is None or self.given is not None:
            return
        self._where.setdefault(order, where)
        if len(self._where) > 1:
            raise CxError(describe("Dates mix day-first and month-first order", parameter="dayfirst",
                                   received=f"the chunk from row {self._where[True]} read day first, the chunk "
                                   f"from row {self._where[False]} month first",
                                   expected="one order per column; split the column by source"))  # fmt: skip
        self.known = order
