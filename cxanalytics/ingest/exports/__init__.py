"""Read raw survey-platform exports: :func:`read_export` -> :class:`SurveyExport`.

Qualtrics (CSV/TSV, legacy, the 2016 format), SurveyMonkey (CSV/XLSX, legacy), Google
Forms (CSV/XLSX), Microsoft Forms, Alchemer (SurveyGizmo), Typeform, LimeSurvey,
KoBoToolbox, SPSS (``.sav``) and plain CSV/XLSX tables; the platform and the text encoding
are detected and the evidence recorded, and each platform's fixed columns get a role
(identifier, timestamps, status markers, personal data).  Reading never cleans: answers
stay as written.
"""

from __future__ import annotations

from ._model import SurveyExport
from ._platforms import PLATFORMS
from ._reader import read_export

__all__ = ["PLATFORMS", "SurveyExport", "read_export"]
