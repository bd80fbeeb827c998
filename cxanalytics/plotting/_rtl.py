"""Right-to-left labels: shape and reorder Arabic and Persian text before matplotlib draws it.

Matplotlib lays text out left to right, one code point at a time, so Arabic and Persian
come out as isolated letters in reverse order. :func:`display_text` joins the letters into
their contextual forms (``arabic-reshaper``) and applies the Unicode bidirectional
algorithm (``python-bidi``); the bundled DejaVu Sans font has the glyphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import arabic_reshaper
from bidi import get_display

__all__ = ["display_text", "display_labels"]

#: Arabic, Arabic Supplement, Arabic Extended-A, and the presentation-form blocks.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def display_text(text: object) -> object:
    """Return ``text`` ready for matplotlib: shaped and reordered when it holds RTL script.

    Anything that is not a string, or a string without Hebrew/Arabic-script letters, is
    returned unchanged, so the function can be applied to every label.

    Examples
    --------
    >>> display_text("Dubai Marina")
    'Dubai Marina'
    >>> shaped = display_text("تهران - ونک")
    >>> shaped != "تهران - ونک" and all("\\ufb50" <= c <= "\\ufeff" for c in shaped if c not in " -")
    True
    """
    if not isinstance(text, str) or not _RTL.search(text):
        return text
    return get_display(arabic_reshaper.reshape(text))


def display_labels(labels: Iterable[object]) -> list[object]:
    """Apply :func:`display_text` to every label."""
    return [display_text(label) for label in labels]
