"""Findings: one sentence with its estimate and interval, recorded where the notebook computes it.

A notebook states a finding with :func:`finding` in the cell that draws its figure. The call
shows the sentence (a Markdown and a plain-text line) and records the numbers as a
``display_data`` output of MIME type :data:`MIME`, so the finding travels with the executed
notebook. :func:`read_findings` collects them from executed notebooks, each with the figure
(PNG) of its cell; ``cxanalytics report`` puts them on the report's first page.

Findings are computed for the data the notebook ran on: pass the numbers from the computed
results, never typed-in values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ParameterError, describe

__all__ = ["MIME", "Finding", "finding", "read_findings"]

#: MIME type of the ``display_data`` output that records a finding in a notebook.
MIME = "application/vnd.cxanalytics.finding+json"


def _number(value: float, fmt: str | None) -> str:
    """``value`` formatted with ``fmt`` (a format spec), or with three significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    x = float(value)
    if fmt:
        text = format(x, fmt)
    elif x == 0 or not math.isfinite(x):
        text = f"{x:g}"
    else:
        text = f"{x:,.{max(0, 2 - math.floor(math.log10(abs(x))))}f}"
    return text.replace("-", "\u2212")


@dataclass(frozen=True)
class Finding:
    """One finding: a sentence, the estimate it states, its interval and the sample size.

    Attributes
    ----------
    text : str
        The finding in words, without the numbers (they follow it in :meth:`sentence`).
    estimate, ci_lower, ci_upper : float
        The estimate and the limits of its interval (``nan`` when there is none).
    n : int or None
        Units the estimate rests on (responses, customers...).
    key : str or None
        Identifies the finding across notebooks: of two findings with the same key, the later
        one (later notebook, later cell) is kept by :func:`read_findings`.
    headline : bool
        Headline findings come first in the report.
    level : float
        Confidence level of the interval.
    unit : str
        Unit shown after the estimate (e.g. ``"points"``); empty for none.
    fmt : str or None
        Format spec of the numbers (e.g. ``".1%"``); None: three significant digits.
    notebook : str
        Notebook the finding was read from (set by :func:`read_findings`).
    figure : str or None
        Base64 PNG of the figure drawn in the finding's cell (set by :func:`read_findings`).

    Examples
    --------
    >>> f = Finding("Net Promoter Score", -6.748, -9.928, -3.55, n=2208, unit="points")
    >>> f.sentence()
    'Net Promoter Score: −6.75 points (95 % interval −9.93 to −3.55; n = 2,208).'
    """

    text: str
    estimate: float
    ci_lower: float = math.nan
    ci_upper: float = math.nan
    n: int | None = None
    key: str | None = None
    headline: bool = False
    level: float = 0.95
    unit: str = ""
    fmt: str | None = None
    notebook: str = ""
    figure: str | None = field(default=None, repr=False)

    def sentence(self) -> str:
        """The finding as one sentence: text, estimate, interval and ``n``."""
        unit = f" {self.unit}" if self.unit else ""
        parts = []
        if not (math.isnan(self.ci_lower) or math.isnan(self.ci_upper)):
            parts.append(f"{self.level * 100:g} % interval {_number(self.ci_lower, self.fmt)} to "
                         f"{_number(self.ci_upper, self.fmt)}")
        if self.n is not None:
            parts.append(f"n = {int(self.n):,}")
        tail = f" ({'; '.join(parts)})" if parts else ""
        return f"{self.text.rstrip('.')}: {_number(self.estimate, self.fmt)}{unit}{tail}."

    def record(self) -> dict:
        """The JSON-able record stored under :data:`MIME` (everything but ``notebook`` and ``figure``)."""
        out = asdict(self)
        del out["notebook"], out["figure"]
        for name in ("estimate", "ci_lower", "ci_upper"):
            out[name] = None if math.isnan(out[name]) else out[name]
        return out

    def bundle(self) -> dict:
        """The MIME bundle :func:`finding` displays: the record, Markdown and plain text."""
        return {MIME: self.record(), "text/markdown": f"**Finding.** {self.sentence()}",
                "text/plain": f"Finding: {self.sentence()}"}

    @classmethod
    def from_record(cls, record: dict, *, notebook: str = "", figure: str | None = None) -> Finding:
        """Rebuild a finding from its :meth:`record` (unknown keys are ignored)."""
        names = {f.name for f in cls.__dataclass_fields__.values()} - {"notebook", "figure"}
        values = {k: v for k, v in record.items() if k in names}
        for name in ("estimate", "ci_lower", "ci_upper"):
            values[name] = math.nan if values.get(name) is None else float(values[name])
        return cls(**values, notebook=notebook, figure=figure)


def _float(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(describe("A finding's numbers must be numbers", parameter=name, received=repr(value),
                                      expected="a float (nan for none)")) from None
    return x


def finding(text: str, *, estimate: float, ci_lower: float = math.nan, ci_upper: float = math.nan,
            n: int | None = None, key: str | None = None, headline: bool = False, level: float = 0.95,
            unit: str = "", fmt: str | None = None) -> None:
    """State a finding in a notebook: show its sentence and record it for the report.

    Call it in the cell that draws the finding's figure, with numbers taken from the
    computed results. In a notebook (an IPython kernel) it displays one output with the
    record (MIME type :data:`MIME`), a Markdown and a plain-text line; outside IPython it
    prints the plain-text line. :func:`read_findings` reads the findings back from the
    executed notebook, with the figure of the same cell.

    Parameters
    ----------
    text : str
        The finding in words, e.g. ``"Net Promoter Score, all responses"``; the estimate,
        interval and ``n`` are appended (see :meth:`Finding.sentence`).
    estimate : float
        The estimate the sentence states.
    ci_lower, ci_upper : float, optional
        Its interval; ``nan`` (the default) for none.
    n : int, optional
        Units the estimate rests on.
    key : str, optional
        Findings with the same key across notebooks are one finding: the later one is kept.
    headline : bool, default False
        Put the finding first in the report.
    level : float, default 0.95
        Confidence level of the interval (``1 - alpha``).
    unit : str, optional
        Unit after the estimate, e.g. ``"points"``.
    fmt : str, optional
        Format spec for the numbers, e.g. ``".1%"`` for shares; default three significant digits.

    Returns
    -------
    None
        Nothing, so that a call at the end of a cell adds no second output.

    Raises
    ------
    ParameterError
        ``text`` is empty or a number is not a number.

    Examples
    --------
    >>> finding("Share of customers who churned", estimate=0.339, ci_lower=0.324, ci_upper=0.354, n=4000,
    ...         fmt=".1%")
    Finding: Share of customers who churned: 33.9% (95 % interval 32.4% to 35.4%; n = 4,000).
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(describe("A finding needs a sentence", parameter="text", received=repr(text),
                                      expected="a non-empty string"))
    if not 0 < float(level) < 1:
        raise ParameterError(describe("Confidence level out of range", parameter="level", received=level,
                                      expected="a number between 0 and 1"))
    item = Finding(text.strip(), _float(estimate, "estimate"), _float(ci_lower, "ci_lower"),
                   _float(ci_upper, "ci_upper"), None if n is None else int(n), key, bool(headline), float(level),
                   unit, fmt)
    shell = _ipython()
    if shell is None:
        print(item.bundle()["text/plain"])
        return
    from IPython.display import display

    display(item.bundle(), raw=True)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks extra
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _cell_findings(nb: dict, notebook: str) -> list[Finding]:
    found = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        figure = next((o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})), None)
        if isinstance(figure, list):
            figure = "".join(figure)
        for output in outputs:
            record = output.get("data", {}).get(MIME)
            if record is not None:
                if isinstance(record, str):
                    record = json.loads(record)
                found.append(Finding.from_record(record, notebook=notebook,
                                                 figure=figure.replace("\n", "") if figure else None))
    return found


def read_findings(notebooks: str | Path | Iterable[str | Path]) -> list[Finding]:
    """The findings recorded by :func:`finding` in executed notebooks, with their figures.

    Parameters
    ----------
    notebooks : path or iterable of paths
        Executed ``.ipynb`` files, in the order of the suite.

    Returns
    -------
    list of Finding
        Headline findings first, then the others, each group in notebook and cell order.
        Of findings sharing a ``key``, only the last (later notebook, later cell) is kept, in
        that later place. ``figure`` is the base64 PNG of the first figure of the finding's
        cell (None if the cell drew none); ``notebook`` the file name.

    Raises
    ------
    ParameterError
        A file is missing or is not a notebook.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cell = {"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [
    ...     {"output_type": "display_data", "metadata": {},
    ...      "data": Finding("NPS", -6.7, -9.9, -3.6, n=2208, key="nps").bundle()}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "03_x.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> [f.sentence() for f in read_findings(path)]
    ['NPS: −6.70 (95 % interval −9.90 to −3.60; n = 2,208).']
    """
    paths = [notebooks] if isinstance(notebooks, (str, Path)) else list(notebooks)
    found: list[Finding] = []
    for path in map(Path, paths):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ParameterError(describe("Cannot read the notebook", file=path, received=type(exc).__name__,
                                          expected="an executed .ipynb file")) from None
        found.extend(_cell_findings(nb, path.name))
    last = {f.key: i for i, f in enumerate(found) if f.key is not None}
    kept = [f for i, f in enumerate(found) if f.key is None or last[f.key] == i]
    return [f for f in kept if f.headline] + [f for f in kept if not f.headline]
