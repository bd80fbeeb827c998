"""Plots for cxanalytics results: the only place matplotlib and seaborn are imported.

Every function takes the library's tidy results (or data), an optional ``ax=None``
and returns the :class:`matplotlib.axes.Axes` it drew on.  Arabic and Persian labels
are shaped and reordered for right-to-left display before drawing.
"""

from __future__ import annotations

__all__: list[str] = []
