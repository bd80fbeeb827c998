"""Cleaning survey exports with a full audit trail."""

from __future__ import annotations

from ._writers import neutralise_formula

__all__ = ["neutralise_formula"]
