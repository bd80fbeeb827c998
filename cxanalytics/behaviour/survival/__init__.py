"""Time-to-event analysis: Kaplan-Meier, log-rank, restricted mean survival time, Cox.

Implemented with numpy, scipy and statsmodels only (no lifelines, whose releases need
pandas < 3).  Counting is vectorised: events and censorings are counted per distinct
time with ``np.bincount`` (or ``np.unique`` when times are not small integers), never by
looping over subjects, so a Kaplan-Meier curve for ten million customers with integer-day
durations takes a fraction of a second.

Conventions shared by every function here:

* ``duration`` holds non-negative, finite numbers (time from entry to the event or to
  censoring); ``event`` holds 1/``True`` for an observed event (churn) and 0/``False`` for
  a right-censored subject (still a customer when observation stopped).
* A subject censored at the same time as an event is counted as still at risk at that
  time (the usual Kaplan-Meier convention).
"""

from ._cox import cox
from ._km import SurvivalResult, kaplan_meier
from ._logrank import LogrankResult, logrank
from ._rmst import rmst, rmst_difference

__all__ = ["SurvivalResult", "LogrankResult", "kaplan_meier", "logrank", "rmst", "rmst_difference", "cox"]
