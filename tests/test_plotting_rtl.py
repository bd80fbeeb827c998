"""Right-to-left labels are shaped and reordered, and draw without missing-glyph warnings."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from hypothesis import given
from hypothesis import strategies as st

from cxanalytics.plotting._rtl import display_labels, display_text


def test_latin_and_non_strings_pass_through():
    assert display_text("Dubai Marina") == "Dubai Marina"
    assert display_text(3.5) == 3.5
    assert display_labels(["a", None]) == ["a", None]


def test_persian_is_joined_and_reversed():
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
    shaped = display_text(text)
    assert isinstance(shaped, str)
    # Shaping only ever merges lam-alef pairs into one ligature; it never adds letters.
    assert len(shaped) <= len(text)
