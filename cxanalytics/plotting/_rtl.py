"""Right-to-left labels: Arabic and Persian text that matplotlib draws joined and in order.

Matplotlib 3.11 and later lay text out with libraqm (HarfBuzz shaping and the Unicode
bidirectional algorithm), so Arabic and Persian labels are drawn correctly as they are;
shaping or reordering them beforehand would reverse them a second time.  Older versions
draw text left to right, one code point at a time, so the letters come out isolated and
in reverse order; for those :func:`display_text` joins the letters into their contextual
forms (``arabic-reshaper``) and applies the bidirectional algorithm (``python-bidi``).
The bundled DejaVu Sans font has the glyphs either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import arabic_reshaper
from bidi import get_display
from matplotlib.ft2font import FT2Font

__all__ = ["display_text", "display_labels"]

#: True when matplotlib shapes and reorders text itself (libraqm layout, matplotlib >= 3.11).
NATIVE_LAYOUT = hasattr(FT2Font, "_layout")

#: Hebrew, Arabic, Syriac, Thaana, NKo, ..., Arabic Extended-A, and the presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def display_text(text: object) -> object:
    """Return ``text`` ready for matplotlib to draw right-to-left script correctly.

    With matplotlib's own text layout (:data:`NATIVE_LAYOUT`, matplotlib >= 3.11) every
    value is returned unchanged.  Otherwise a string holding Hebrew or Arabic-script
    letters is shaped (contextual letter forms) and put in visual order; anything else is
    returned unchanged, so the function can be applied to every label.

    Examples
    --------
    >>> display_text("Dubai Marina")
    'Dubai Marina'
    >>> shown = display_text("تهران - ونک")
    >>> shown == "تهران - ونک" if NATIVE_LAYOUT else shown != "تهران - ونک"
    True
    """
    if NATIVE_LAYOUT or not isinstance(text, str) or not _RTL.search(text):
        return text
    return get_display(arabic_reshaper.reshape(text))


def display_labels(labels: Iterable[object]) -> list[object]:
    """Apply :func:`display_text` to every label."""
    return [display_text(label) for label in labels]
