"""cxanalytics: customer-feedback analytics, from raw exports to retention economics.

The public API is re-exported here by name.  Importing the package never imports
matplotlib: plotting lives in :mod:`cxanalytics.plotting`.
"""

from __future__ import annotations

from .errors import (
    ConvergenceWarning,
    CxError,
    DataQualityWarning,
    SmallSampleWarning,
)

__version__ = "0.1.0"

__all__ = [
    "CxError",
    "DataQualityWarning",
    "SmallSampleWarning",
    "ConvergenceWarning",
    "__version__",
]
