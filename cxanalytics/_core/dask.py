"""Dask frames recognised and computed, for every stage's Dask path (internal).

Dask is optional: nothing here imports it until :func:`_dask` is called, so
:func:`is_dask_frame` answers without it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ColumnError, CxError, describe
from . import timeutil as tu

__all__ = ["is_dask_frame"]

_ORDER = "__cx_row"  # position of a row in the log, carried through the shuffle
def is_dask_frame(obj: object) -> bool:
    """True for a Dask DataFrame, decided without importing Dask."""
    return type(obj).__module__.startswith("dask.") and hasattr(obj, "__dask_graph__")


def _dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise CxError(
            describe("Dask is not installed", expected='pip install "cxanalytics[scale]"')
        ) from exc
    return dask, dd


def _compute(dask, *collections, **kwargs):
    """``dask.compute``, with the caller's warning filters as they were before it.

    Dask's pandas helpers run ``warnings.catch_warnings()`` inside tasks (its ``concat``, for
    one, ignores RuntimeWarning and FutureWarning there). That context manager swaps state of
    the whole process and is not thread-safe (see the :mod:`warnings` documentation), so two
    tasks in threads of this process (the default threaded scheduler, or a ``distributed``
    cluster with ``processes=False``) that interleave leave one task's filters in place of the
    caller's: a warning raised afterwards in the caller's thread (this library's, or numpy's)
    may then be ignored or no longer recorded. Restoring the filters after the tasks undoes it.
    """
    with warnings.catch_warnings():
        return dask.compute(*collections, **kwargs)


def _plain(dtype: object) -> object:
    """The in-memory dtype of a Dask column (Dask turns ``str`` into ``string``)."""
    return pd.StringDtype(na_value=np.nan) if isinstance(dtype, pd.StringDtype) else dtype


def _time_dtype(ddf, time: str) -> tuple[np.dtype, object, int]:
    """(resolution dtype, tz, ticks per day) of a Dask time column; ColumnError if not datetimes."""
    dtype = ddf.dtypes[time]
    if not (isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype)):
        tu.parse_times(ddf._meta[time], time)  # numbers: the pandas path's message
        raise ColumnError(
            describe(
                "A Dask time column must hold datetimes",
                column=time,
                received=f"dtype {dtype}",
                expected="datetime64 values (read the log with cxanalytics.read_transactions "
                "or convert with dask.dataframe.to_datetime(..., utc=True))",
            )
        )
    tz = getattr(dtype, "tz", None)
    unit = dtype.unit if tz is not None else np.datetime_data(dtype)[0]
    res = np.dtype(f"M8[{unit}]")
    per_day = int(np.timedelta64(1, "D") // np.timedelta64(1, unit))
    return res, tz, per_day


def _with_order(part: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    """Add the rows' position in the whole log (partition number, then row), kept through a shuffle."""
    number = partition_info["number"] if partition_info else 0
    return part.assign(**{_ORDER: np.arange(len(part), dtype=np.int64) + (number << 40)})


def _ns(part: pd.DataFrame, time: str = "occurred_at") -> np.ndarray:
    """``time`` as int64 nanoseconds since the epoch in UTC (NaT -> iNaT), as ``_linkquery._times``."""
    t = part[time]
    if getattr(t.dtype, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return t.to_numpy().astype("datetime64[ns]").view(np.int64)
