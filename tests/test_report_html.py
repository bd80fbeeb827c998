"""The report page in a real browser (headless Chromium): images load, contents links resolve,
and the first phone screen shows the findings. Skipped when Chromium is not installed."""

from __future__ import annotations

import pytest
from _chromium import Page, chromium, pdf_pages, print_pdf

from cxanalytics.datasets import sample_dir
from cxanalytics.report._data import DataFolder, present_inputs
from cxanalytics.report._html import combined_html
from cxanalytics.report.runner import NotebookRun, _title, find_notebooks

pytestmark = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (Debian package 'chromium')")
pytest.importorskip("websocket")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The page built from the committed executed notebooks (their outputs are those of the sample)."""
    runs = [NotebookRun(nb.name, _title(nb), "ran", "", nb) for nb in find_notebooks()]
    runs.append(NotebookRun("10_missing.ipynb", "10 · Missing", "skipped", "needs interactions.csv"))
    page = combined_html(runs, DataFolder(sample_dir(), present_inputs(sample_dir())), "cxanalytics report")
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_images_load_links_resolve_and_nothing_is_fetched(report):
    with Page(report) as page:
        images = page.eval("[...document.images].map(i => [i.complete, i.naturalWidth])")
        assert len(images) >= 20 and all(ok and width > 0 for ok, width in images)
        links = page.eval("[...document.querySelectorAll('#contents a')].map(a => a.getAttribute('href'))")
        assert len(links) >= len(find_notebooks()) + 2
        missing = page.eval("[...document.querySelectorAll('.cx-front a[href^=\"#\"]')].map(a => a.getAttribute('href'))"
                            ".filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))")
        assert missing == []
        assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
        # the phone screen: no sideways scrolling of the page itself
        assert page.eval("document.documentElement.scrollWidth") <= 390 + 1


def test_first_phone_screen_shows_the_findings(report):
    with Page(report, width=390, height=844) as page:
        heading = page.eval("(() => { const r = document.querySelector('#findings h2').getBoundingClientRect();"
                            " return [r.top, r.bottom]; })()")
        first = page.eval("(() => { const e = document.querySelector('#findings .cx-sentence');"
                          " const r = e.getBoundingClientRect(); return [r.top, r.bottom, e.textContent]; })()")
        assert 0 <= heading[0] < heading[1] <= 844
        assert heading[1] <= first[0] and first[1] <= 844
        assert first[2].startswith("Net Promoter Score, all responses: ")  # a headline, with its numbers
        assert "interval" in first[2]
        # a finding's figure is drawn at twice the phone's width (labels legible) and scrolls by itself
        widths = page.eval("[...document.querySelectorAll('.cx-finding figure img')].map(i => i.getBoundingClientRect().width)")
        assert widths and min(widths) >= 700
        assert page.eval("document.documentElement.scrollWidth") <= 390 + 1


def test_print_starts_each_appendix_on_a_new_page(report, tmp_path):
    pdf = print_pdf(report, tmp_path / "report.pdf")
    pages = pdf_pages(pdf)
    assert pages >= len(find_notebooks()) + 1  # the front pages, then one or more per appendix
