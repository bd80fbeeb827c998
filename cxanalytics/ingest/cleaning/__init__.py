"""Cleaning survey exports with a full audit trail: :func:`clean_responses` -> :class:`CleanResult`.

Modules: ``_values`` (per-column transforms), ``_rules`` (row rules), ``_audit`` (log and
reconciliation), ``_writers`` (formula-safe atomic CSV/Parquet), ``_infer`` and ``_keywords``
(codebook inference behind :meth:`cxanalytics.ingest.codebook.Codebook.infer`).
"""

from __future__ import annotations

from ._audit import LOG_COLUMNS
from ._clean import clean_responses
from ._result import CleanResult
from ._rules import REASONS
from ._writers import neutralise_formula

__all__ = ["CleanResult", "LOG_COLUMNS", "REASONS", "clean_responses", "neutralise_formula"]
