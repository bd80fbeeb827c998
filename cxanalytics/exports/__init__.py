"""Read raw survey-platform exports: :func:`read_export` -> :class:`SurveyExport`.

Qualtrics (CSV/TSV, legacy), SurveyMonkey (CSV/XLSX), Google Forms (CSV), SPSS
(``.sav``) and plain CSV/XLSX tables; the platform and the text encoding are
detected and the evidence recorded.  Reading never cleans: answers stay as written.
"""

from __future__ import annotations

from ._model import SurveyExport
from ._platforms import PLATFORMS
from ._reader import read_export

__all__ = ["PLATFORMS", "SurveyExport", "read_export"]
