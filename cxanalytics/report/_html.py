"""The HTML page of ``cxanalytics report`` (internal; see :mod:`cxanalytics.report`).

The page is read in this order:

1. **Findings**: every :func:`cxanalytics.finding` recorded by the notebooks that ran, one
   sentence each (estimate, interval, ``n``) with the figure of its cell, headline findings
   first and one finding per ``key`` (the later notebook's);
2. **Contents**: links to the findings, the About section and each notebook's appendix;
3. **About this report**: what ran on which inputs, the survey exports cleaned, notes;
4. **Appendices**: the notebooks' workings, outputs only (no code), each starting a printed page.

The page is self-contained (figures inline as base64 PNG, no script or font fetched), laid out
for a phone (viewport meta, images at most the screen's width, wide tables scroll) and for
print (appendices start a new page, nothing interactive). Cells tagged ``sample-prose`` (prose
that describes the bundled sample's numbers) are left out unless the data is the sample.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from ._exec import _require
from .findings import Finding, read_findings

#: Tag of notebook cells whose prose only holds for the bundled sample data.
SAMPLE_PROSE = "sample-prose"
_HIDDEN = {"parameters", "injected-parameters"}

_CSS = """<style>
/* cxanalytics report: right-to-left text (Arabic, Persian) takes its direction from its content */
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li {
  unicode-bidi: plaintext;
}
.cx-note { border-left: 4px solid #c0504d; padding: 0.3em 0.8em; background: #fbeeee; }
.cx-front { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
  max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; color: #1a1a1a; }
.cx-front h1 { font-size: 1.35rem; margin: 0.2rem 0 0.2rem; }
.cx-front h2 { font-size: 1.2rem; margin: 1.2rem 0 0.5rem; border-bottom: 1px solid #ccc; }
.cx-front .cx-sub { color: #555; font-size: 0.9rem; margin: 0 0 0.5rem; }
.cx-findings { list-style: none; padding: 0; margin: 0; }
.cx-finding { margin: 0 0 1.2rem; break-inside: avoid; }
.cx-finding p { margin: 0 0 0.3rem; }
.cx-finding .cx-sentence { font-size: 1.05rem; }
.cx-finding .cx-from { color: #555; font-size: 0.85rem; }
.cx-finding figure { margin: 0.3rem 0 0; }
.cx-front table { border-collapse: collapse; font-size: 0.9rem; display: block; overflow-x: auto; }
.cx-front th, .cx-front td { border: 1px solid #ddd; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
.cx-toc a { text-decoration: none; }
img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon table { display: block; overflow-x: auto; max-width: 100%; }
.jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  /* a finding's figure at twice a phone's width, so its labels are legible; it scrolls sideways by itself */
  .cx-finding figure { overflow-x: auto; }
  .cx-finding figure img { max-width: none; width: 46rem; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
  .jp-Notebook { padding: 0.5rem !important; }
  .jp-RenderedHTMLCommon { padding-right: 0 !important; }
}
@media print {
  .cx-appendices, .jp-Cell:has(.cx-appendix) { break-before: page; }
  .cx-finding, figure, img, .jp-OutputArea-output { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .jp-RenderedHTMLCommon table { display: table; font-size: 8pt; }
}
</style>
"""

_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>\n?"
                              r"|<script type=\"module\">(?:(?!</script>).)*?https://(?:(?!</script>).)*</script>\n?",
                              flags=re.DOTALL)


def _esc(text: object) -> str:
    return html.escape(str(text))


def _md_escape(text: object) -> str:
    return html.escape(str(text)).replace("|", "&#124;")


def anchor(name: str) -> str:
    """The element id of a notebook's appendix (``03_satisfaction.ipynb`` -> ``nb-03_satisfaction``)."""
    return "nb-" + re.sub(r"[^A-Za-z0-9_-]", "-", Path(name).stem)


def _findings_html(found: Sequence[Finding], titles: dict[str, str]) -> str:
    parts = ['<section id="findings"><h2>Findings</h2>']
    if not found:
        parts.append("<p>No notebook that ran states a finding (<code>cx.finding</code>): see the appendices.</p>")
        return "".join(parts) + "</section>"
    parts.append('<ol class="cx-findings">')
    for i, item in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        same_figure_next = nxt is not None and item.figure and nxt.figure == item.figure
        source = (f'<p class="cx-from">From <a href="#{anchor(item.notebook)}">'
                  f"{_esc(titles.get(item.notebook, item.notebook))}</a></p>") if item.notebook else ""
        parts.append(f'<li class="cx-finding" id="finding-{i + 1}"><p class="cx-sentence">{_esc(item.sentence())}</p>')
        if item.figure and not same_figure_next:  # findings of one cell share their figure: shown once, after them
            parts.append(f'<figure><img src="data:image/png;base64,{item.figure}" '
                         f'alt="Figure for: {_esc(item.text)}"></figure>')
        parts.append(source + "</li>")
    parts.append("</ol></section>")
    return "".join(parts)


def _toc_html(runs: Sequence, titles: dict[str, str]) -> str:
    items = ['<li><a href="#findings">Findings</a></li>', '<li><a href="#about">About this report</a></li>']
    for letter, run in zip(_letters(), runs, strict=False):
        status = {"ran": "", "skipped": " (not run)", "failed": " (failed)"}.get(run.status, "")
        items.append(f'<li><a href="#{anchor(run.name)}">Appendix {letter} · {_esc(titles[run.name])}</a>'
                     f"{_esc(status)}</li>")
    return f'<nav id="contents" class="cx-toc"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def _letters():
    for i in range(26 * 27):
        yield (chr(64 + i // 26) if i >= 26 else "") + chr(65 + i % 26)


def _about_html(runs: Sequence, data, engine_note_html: str) -> str:
    rows = []
    for r in runs:
        status = {"ran": "ran", "skipped": f"skipped: {r.detail}", "failed": "failed: see its appendix"}[r.status]
        rows.append(f"<tr><td>{_esc(r.name)}</td><td>{_esc(r.title)}</td><td>{_esc(status)}</td></tr>")
    parts = ['<section id="about"><h2>About this report</h2>',
             "<p>Produced by <code>cxanalytics report</code>: the numbered notebooks, run on the data below. Each "
             "finding above is computed by a notebook from these data and links to its appendix. Code is left out; "
             "the executed notebooks (with code) are in <code>notebooks/</code> beside this page.</p>",
             "<table><thead><tr><th>notebook</th><th>section</th><th>status</th></tr></thead><tbody>",
             *rows, "</tbody></table>",
             "<p><strong>Inputs found:</strong> "
             + (", ".join(f"<code>{_esc(n)}</code>" for n in sorted(data.inputs)) or "none") + ".</p>"]
    if engine_note_html:
        parts.append(f"<p>{engine_note_html}</p>")
    if not data.surveys.empty:
        head = "".join(f"<th>{h}</th>" for h in ("export", "platform", "encoding", "read", "kept", "quarantined",
                                                  "codebook"))
        body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>"
                       for row in data.surveys.itertuples(index=False))
        parts.append("<p><strong>Survey exports cleaned</strong> (kept responses are stacked into "
                     "<code>responses.csv</code>; names, e-mails, IP addresses and comments are left out; every "
                     "export's cleaned responses, quarantine, log and codebook are in <code>cleaned/</code> beside "
                     "this page):</p>"
                     f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    if data.notes:
        parts.append("<p><strong>Notes from cleaning:</strong></p><ul>"
                     + "".join(f"<li>{_esc(n)}</li>" for n in data.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _md_to_html(text: str) -> str:
    """The engine note's Markdown (``**bold**``) as HTML."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


# --------------------------------------------------------------------------- appendices
def _appendix_cells(runs: Sequence, sample: bool) -> tuple[list, dict]:
    nbformat = _require("nbformat")
    new_md = nbformat.v4.new_markdown_cell
    cells, meta = [], {}
    for letter, run in zip(_letters(), runs, strict=False):
        cells.append(new_md(f'<div class="cx-appendix" id="{anchor(run.name)}">Appendix {letter} · '
                            f"{_md_escape(run.name)}</div>"))
        if run.status == "ran":
            nb = nbformat.read(str(run.output), as_version=4)
            for cell in nb.cells:
                tags = set(cell.metadata.get("tags", []))
                if _HIDDEN & tags or (SAMPLE_PROSE in tags and not sample):
                    continue
                cells.append(cell)
            meta.setdefault("kernelspec", nb.metadata.get("kernelspec", {}))
            meta.setdefault("language_info", nb.metadata.get("language_info", {}))
        elif run.status == "skipped":
            cells.append(new_md(f"# {_md_escape(run.title)}\n\n<p class=\"cx-note\">Not run: {_md_escape(run.detail)}. "
                                f"This notebook ({_md_escape(run.name)}) reads inputs that were not given.</p>"))
        else:
            copy = (f" The executed copy, with the traceback, is notebooks/{_md_escape(run.name)}."
                    if run.output is not None else "")
            cells.append(new_md(f"# {_md_escape(run.title)}\n\n<p class=\"cx-note\">This notebook failed: "
                                f"{_md_escape(run.detail)}.{copy}</p>"))
    return cells, meta


def combined_html(runs: Sequence, data, title: str, engine_note: str = "", sample: bool = True) -> str:
    """The report page: findings, contents, about, then each notebook's outputs as an appendix.

    ``sample``: the data is the bundled sample as it is, so ``sample-prose`` cells are kept.
    """
    nbformat = _require("nbformat")
    nbconvert = _require("nbconvert")
    titles = {r.name: r.title for r in runs}
    ran = [r.output for r in runs if r.status == "ran" and r.output is not None]
    found = read_findings(ran) if ran else []
    merged = nbformat.v4.new_notebook()
    merged.metadata["title"] = title
    cells, meta = _appendix_cells(runs, sample)
    merged.cells.extend(cells)
    merged.metadata.update(meta)
    exporter = nbconvert.HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(merged)
    body = _EXTERNAL_SCRIPT.sub("", body)  # self-contained: nothing is fetched (MathJax, require.js)
    n_ran = sum(r.status == "ran" for r in runs)
    front = (f'<div class="cx-front"><header><h1>{_esc(title)}</h1><p class="cx-sub">{n_ran} of {len(runs)} '
             f"notebooks ran on the data given; {len(found)} finding{'s' if len(found) != 1 else ''}.</p></header>"
             + _findings_html(found, titles) + _toc_html(runs, titles)
             + _about_html(runs, data, _md_to_html(engine_note))
             + '</div><div class="cx-appendices"></div>')
    head_extra = ("" if 'name="viewport"' in body else _VIEWPORT + "\n") + _CSS
    body = body.replace("</head>", head_extra + "</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + front, body, count=1)
