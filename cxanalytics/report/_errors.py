"""The report's own error: a notebook of the suite failed, or the suite was not found.

Below both :mod:`cxanalytics.report.runner` (which raises it after a run, with the failed
notebooks) and :mod:`cxanalytics.report._kinds` (which raises it when no notebook is found).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CxError

if TYPE_CHECKING:
    from .runner import NotebookRun

__all__ = ["ReportError"]


class ReportError(CxError):
    """A notebook of the suite could not run, or the suite itself was not found.

    ``failures`` lists the notebooks that failed (empty for other problems) and
    ``report`` the HTML page written before the error was raised (None if none was).
    """

    def __init__(self, message: str, failures: Sequence[NotebookRun] = (), report: Path | None = None):
        super().__init__(message)
        self.failures = tuple(failures)
        self.report = report

    @property
    def bad_input(self) -> bool:
        """True when every failure is a :class:`CxError` raised by the library (bad data)."""
        return all(f.bad_input for f in self.failures)
