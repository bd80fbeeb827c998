"""The result of :func:`cxanalytics.link_responses`: linked responses, unmatched ones, and counts.

Below both :mod:`cxanalytics.link.linking` (which builds it) and
:mod:`cxanalytics.link._sharedtables` (which stores it in a ``shared=`` folder and reads it back).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["REASONS", "LinkResult"]

REASONS = ("missing_key", "key_not_found", "missing_time", "after_as_of", "before_acquisition",
           "after_churn")


@dataclass(frozen=True)
class LinkResult:
    """Responses linked to later behaviour, returned by :func:`cxanalytics.link_responses`.

    Attributes
    ----------
    linked : DataFrame
        One row per matched response (columns listed in :func:`cxanalytics.link_responses`).
    unmatched : DataFrame
        The responses that could not be linked, with their columns and a ``reason``.
    horizon_days, inactivity_days : float
        Repurchase horizon and the inactivity window of the lapse rule (NaN when no
        customer was judged by it).
    as_of : pandas.Timestamp
        End of observation.
    """

    linked: pd.DataFrame
    unmatched: pd.DataFrame
    horizon_days: float
    inactivity_days: float
    as_of: pd.Timestamp

    def summary(self) -> pd.DataFrame:
        """Counts that reconcile: responses = linked + unmatched (by reason); outcomes known.

        Returns
        -------
        DataFrame
            ``item`` and ``n``.
        """
        lk, um = self.linked, self.unmatched
        rows = [("responses", len(lk) + len(um)), ("linked", len(lk)), ("unmatched", len(um))]
        counts = um["reason"].value_counts()
        rows += [(f"unmatched: {r}", int(counts.get(r, 0))) for r in REASONS]
        rows += [("churn events", int(lk["churned"].sum())),
                 ("churn censored", int((~lk["churned"]).sum())),
                 ("horizon observed", int(lk["horizon_observed"].sum())),
                 ("repurchased within horizon", int(lk["repurchased"].sum(skipna=True)))]
        return pd.DataFrame(rows, columns=["item", "n"])

    def _repr_html_(self) -> str:
        return ("<p><b>Responses linked to later behaviour</b> "
                f"(horizon {self.horizon_days:g} days, as of {self.as_of})</p>"
                + self.summary().to_html(index=False))
