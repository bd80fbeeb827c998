"""Right-to-left labels: drawn joined and in Unicode-bidi visual order, without missing glyphs.

The rendering tests read the glyphs back from matplotlib's own text layout with the bundled
DejaVu Sans, so they check what is drawn rather than the string handed to matplotlib.  The
reference for the visual order is the Unicode Bidirectional Algorithm (UAX #9) as
implemented by python-bidi (``get_display`` without reshaping gives the characters in
visual order, left to right); the reference for joining is the Unicode Arabic presentation
forms (initial, medial and final forms, as arabic-reshaper assigns them).
"""

from __future__ import annotations

import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")
import arabic_reshaper
import matplotlib.pyplot as plt
import pytest
from bidi import get_display
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from cxanalytics.plotting import _rtl
from cxanalytics.plotting._rtl import display_labels, display_text

LABELS = [
    "اصفهان - چهارباغ",  # Persian branch name of the sample (Isfahan Chaharbagh)
    "تهران - ونک",  # Persian (Tehran Vanak)
    "الرياض - العليا",  # Arabic (Riyadh Olaya)
    "مسقط - القرم",  # Arabic (Muscat Qurum)
    "BR06 اصفهان - چهارباغ",  # Latin then Persian: a left-to-right paragraph
]


@pytest.fixture
def pre_shaping(monkeypatch):
    """display_text as it behaves with a matplotlib that lays text out left to right."""
    monkeypatch.setattr(_rtl, "NATIVE_LAYOUT", False)


def test_latin_and_non_strings_pass_through():
    assert display_text("Dubai Marina") == "Dubai Marina"
    assert display_text(3.5) == 3.5
    assert display_labels(["a", None]) == ["a", None]


def test_persian_is_joined_and_reversed(pre_shaping):
    # Unicode presentation forms (Unicode Standard, Arabic Presentation Forms-B): teh initial
    # U+FE97 joins to the next letter; in visual order it comes last in a right-to-left word.
    shaped = display_text("تهران")
    assert shaped[-1] == "\ufe97"
    assert "\u062a" not in shaped, "isolated teh replaced by its contextual form"


def test_persian_letters_draw_with_the_default_font():
    fig, ax = plt.subplots()
    labels = ["اصفهان - چهارباغ", "شخصی\u200cسازی", "الرياض - العليا"]
    ax.set_xticks(range(3), display_labels(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a UserWarning
        fig.canvas.draw()
    plt.close(fig)


@given(st.text(alphabet="ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیي ۰۱۲۳۴۵۶۷۸۹0123456789-", max_size=30))
def test_shaping_keeps_the_text_length_in_letters(text):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_rtl, "NATIVE_LAYOUT", False)
        shaped = display_text(text)
    assert isinstance(shaped, str)
    # Shaping only ever merges lam-alef pairs into one ligature; it never adds letters.
    assert len(shaped) <= len(text)


# ----------------------------------------------------------------------------- what is drawn
_text_helpers = pytest.importorskip("matplotlib._text_helpers")
needs_native = pytest.mark.skipif(not hasattr(FT2Font, "_layout"),
                                  reason="matplotlib < 3.11 has no text layout to read back")


def _drawn(text: str) -> list:
    """Glyphs matplotlib lays out for ``text`` with DejaVu Sans, sorted left to right."""
    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    font.set_size(12, 72)
    return sorted(_text_helpers.layout(text, font), key=lambda item: item.x)


def _base(char: str) -> str:
    """A presentation-form character as its base letter (NFKC), others unchanged."""
    return unicodedata.normalize("NFKC", char)


@needs_native
@pytest.mark.parametrize("label", LABELS)
def test_rtl_label_is_drawn_in_unicode_bidi_visual_order(label):
    # matplotlib >= 3.11 reorders text itself: a pre-reordered label came out reversed
    drawn = "".join(_base(item.char) for item in _drawn(display_text(label)))
    assert drawn == get_display(label)  # UAX #9 visual order, left to right


@needs_native
@pytest.mark.parametrize("label", LABELS[:4])
def test_rtl_label_letters_are_drawn_joined(label):
    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    # right to left on screen = logical order of a right-to-left label
    glyphs = [item.glyph_index for item in reversed(_drawn(display_text(label)))]
    forms = arabic_reshaper.reshape(label)
    assert len(glyphs) == len(forms)
    joined = [(glyph, form) for glyph, form in zip(glyphs, forms, strict=True)
              if unicodedata.decomposition(form).startswith(("<initial>", "<medial>", "<final>"))]
    assert len(joined) >= 4
    for glyph, form in joined:  # the font's glyph for the contextual form was drawn
        assert glyph == font.get_char_index(ord(form)), (label, form)
