"""Churn snapshots: one row per customer with tenure and a churn flag, as most analysts have them.

A snapshot (the IBM Telco and bank-churn shape) holds, per customer, the time with the
company, whether the customer has left, and often the monthly charges, segments
(contract, plan, payment method), a satisfaction score and a complaint flag. Customers
still active are right-censored at their tenure, so the snapshot is survival data, and
the functions here answer from it, with intervals:

- :func:`churn_by_segment`: churn share per segment (Wilson intervals);
- :func:`survival_by_segment`: Kaplan-Meier curves by segment, log-rank test and
  restricted mean tenure (Cox regression: :func:`cxanalytics.behaviour.survival.cox` on the
  snapshot directly, ``duration="tenure", event="churned"``);
- :func:`tenure_life_table`: customers at risk, lost and censored per period, the
  retention curve by tenure;
- :func:`fit_sbg_snapshot`: the shifted-beta-geometric model fitted to censored
  tenures (:func:`cxanalytics.behaviour.clv.fit_sbg_censored`);
- :func:`snapshot_clv` and :func:`snapshot_retention_vs_acquisition`: lifetime value
  with margin from the charges and retention from the fitted curve, and what a
  retained customer is worth against a new one;
- :func:`satisfaction_churn_link`: the satisfaction / complaint -> churn link with a
  verdict that says when it runs the wrong way or is too good to be true;
- :func:`snapshot_from_logs`: a snapshot built from the customer and transaction logs;
- :func:`format_p_value`: a p-value as text, ``'< 1e-300'`` where it underflows to 0.

Column names are keyword arguments whose defaults are the canonical snapshot columns
(``customer_id``, ``tenure``, ``churned``, ``monthly_charges``, ``total_charges``,
``satisfaction``, ``complaint``, ``acquisition_cost``), so the functions run on a snapshot
renamed to them, or on the original names passed explicitly.
"""

from __future__ import annotations

from ._display import format_p_value
from ._frame import snapshot_from_logs
from ._link import satisfaction_churn_link
from ._rates import SnapshotSurvival, churn_by_segment, survival_by_segment, tenure_life_table
from ._value import fit_sbg_snapshot, snapshot_clv, snapshot_retention_vs_acquisition

__all__ = [
    "SnapshotSurvival",
    "churn_by_segment",
    "fit_sbg_snapshot",
    "format_p_value",
    "satisfaction_churn_link",
    "snapshot_clv",
    "snapshot_from_logs",
    "snapshot_retention_vs_acquisition",
    "survival_by_segment",
    "tenure_life_table",
]
