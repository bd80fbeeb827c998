"""Notebook parameters for a mapped churn snapshot (for :mod:`cxanalytics.report`; internal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Units notebook 09 accepts for tenure and its period (singular forms are normalised).
PERIOD_UNITS = ("days", "weeks", "months", "quarters", "years")


def snapshot_notebook_parameters(columns: Sequence[str], units: Mapping[str, str],
                                 segments: Sequence[str]) -> dict[str, object]:
    """Parameters of notebook 09 for a snapshot written by a column mapping.

    A mapping stores tenure in days and keeps the count in the source's own unit as
    ``tenure_periods`` (e.g. months). The notebook then reads that count with its unit, so
    tenures, life tables and values are shown in the periods of the source (months, or the
    years of a bank-churn table) rather than in converted days, and the period of the
    life table is that unit. The mapping's segment columns are passed as ``segments``.

    Examples
    --------
    >>> snapshot_notebook_parameters(["tenure", "tenure_periods", "churned"],
    ...                              {"tenure": "days", "tenure_periods": "months"}, ["contract"])
    {'segments': ['contract'], 'tenure': 'tenure_periods', 'tenure_unit': 'months', 'period': 'months'}
    >>> snapshot_notebook_parameters(["tenure", "churned"], {"tenure": "days"}, [])
    {}
    """
    out: dict[str, object] = {}
    if segments:
        out["segments"] = list(segments)
    unit = units.get("tenure_periods")
    if isinstance(unit, str) and "tenure_periods" in columns:
        unit = unit.strip().lower()
        unit = unit if unit.endswith("s") else unit + "s"
        if unit in PERIOD_UNITS:
            out.update(tenure="tenure_periods", tenure_unit=unit, period=unit)
    return out
