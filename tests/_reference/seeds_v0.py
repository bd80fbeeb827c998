# Test-only reference: seeded theme matching as it was before the issue-15 speed work (commit af93206):
# every comment's tokens tested against every term in a Python loop.
# tests/test_speed_equivalence.py checks that the current implementation agrees with it.
"""Seed hits per comment and theme, one comment at a time."""

from __future__ import annotations

import numpy as np

from cxanalytics.comments._prepare import _TOKEN, _UNIFY
from cxanalytics.comments.themes import _PREFIXES, _SUFFIXES


def _seed_match(tokens: list[str], seed: str) -> bool:
    if seed.endswith("*"):
        stem = seed[:-1]
        return any(t.startswith(stem) for t in tokens)
    words = seed.split()
    if len(words) > 1:
        n = len(words)
        return any(tokens[i:i + n] == words for i in range(len(tokens) - n + 1))
    for t in tokens:
        if t == seed:
            return True
        i = t.find(seed)
        if i >= 0 and t[:i] in _PREFIXES and t[i + len(seed):] in _SUFFIXES:
            return True
    return False


def seed_hits(texts, terms_per_theme) -> np.ndarray:
    """Hits (number of a theme's terms found) per comment and theme."""
    hits = np.zeros((len(texts), len(terms_per_theme)))
    for r, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        toks = _TOKEN.findall(text.translate(_UNIFY))
        for j, terms in enumerate(terms_per_theme):
            hits[r, j] = sum(_seed_match(toks, s) for s in terms)
    return hits
