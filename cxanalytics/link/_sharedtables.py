"""Linked tables computed once and shared between the notebooks of one report (``shared=`` folders).

:func:`cxanalytics.link_responses` and :func:`cxanalytics.encounter_landmarks` accept
``shared=FOLDER``. The result is then looked up in ``FOLDER`` under a key made of the
function's name, the *contents* of every input table and every option (and the package
version): when an earlier call with the same key wrote it there, it is read back instead of
computed; otherwise it is computed and written. ``cxanalytics report`` gives its notebooks
one such folder (the ``shared_dir`` parameter, a temporary folder removed after the report),
so that a table two notebooks build from the same inputs with the same options is built
once; a notebook run on its own (``shared_dir = None``) computes everything itself.

What is read back is identical to what would be computed: the tables are written as
Parquet, with categorical columns stored as codes and their categories kept in
``meta.json`` (Parquet alone turns integer categories into floats and drops the categories
of an empty column), then read back and compared byte for byte (values, dtypes, index and
names, by :func:`fingerprint`) *before* the entry is published; an entry that does not come back identical is not
published (the computed result is returned, nothing is shared). The warnings the
computation raised (e.g. :class:`cxanalytics.DataQualityWarning` about rows left out) are
stored with it and raised again on every read, so a notebook that reads a shared table warns
as one that computed it. Entries are published by renaming a finished folder, so notebooks
running at the same time never read a half-written entry (both may compute it; the first
to finish publishes it).

The key hashes the input tables' bytes (numeric, datetime, masked and Arrow buffers
directly; object columns through :func:`pandas.util.hash_array`), not their names or
files, so a filtered or edited table never matches an entry written for another. It holds the
package version but not the library's code: a folder kept across edits of cxanalytics itself
(not the report's, which is new for every report) should be emptied after such an edit.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ._linkresult import LinkResult

__all__ = ["file_digest", "fingerprint", "shared_frame", "shared_link"]

_FRAMES = ("linked", "unmatched")


# --------------------------------------------------------------------------- key
def _update_array(h, arr) -> None:
    """Feed the exact contents of one column (any pandas array) into the hash ``h``."""
    h.update(str(arr.dtype).encode())
    if isinstance(arr, pd.Categorical):
        h.update(b"ordered" if arr.ordered else b"unordered")
        _update_array(h, arr.codes)
        _update_array(h, arr.categories.array)
        return
    if isinstance(arr, pd.arrays.NumpyExtensionArray):
        arr = arr.to_numpy()
    if isinstance(arr, np.ndarray):
        if arr.dtype == object:
            h.update(pd.util.hash_array(arr, categorize=False).tobytes())
            return
        if arr.dtype.kind in "fc" and np.isnan(arr).any():  # one NaN, whatever its sign and payload bits
            arr = np.where(np.isnan(arr), np.nan, arr).astype(arr.dtype)
        h.update(np.ascontiguousarray(arr).view(np.uint8).tobytes())
        return
    if isinstance(arr, pd.arrays.DatetimeArray | pd.arrays.TimedeltaArray):
        h.update(np.ascontiguousarray(arr.asi8).view(np.uint8).tobytes())
        h.update(np.ascontiguousarray(arr.isna()).tobytes())
        return
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):  # Int64, Float64, boolean
        _update_array(h, np.where(mask, np.zeros(1, dtype=data.dtype), data))  # what lies under NA is not a value
        _update_array(h, mask)
        return
    chunked = getattr(arr, "_pa_array", None)  # Arrow-backed strings: their characters, however chunked
    if chunked is not None and _update_arrow_strings(h, chunked):
        return
    h.update(pd.util.hash_array(np.asarray(arr, dtype=object), categorize=False).tobytes())


def _update_arrow_strings(h, chunked) -> bool:
    """Hash an Arrow (large) string array by its values, nulls and lengths; False for other types."""
    import pyarrow as pa

    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return False
    array = chunked.combine_chunks()
    h.update(f"{array.type}|{len(array)}".encode())
    if len(array) == 0:
        return True
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets, data = array.buffers()
    ends = np.frombuffer(offsets, dtype=width)[array.offset:array.offset + len(array) + 1]
    h.update((ends - ends[0]).tobytes())
    h.update(memoryview(data)[ends[0]:ends[-1]] if data is not None else b"")
    h.update(array.is_null().to_numpy(zero_copy_only=False).tobytes())
    return True


def fingerprint(*objects) -> str:
    """A hex digest of the exact contents of DataFrames, Series and plain values.

    Two tables get the same digest only if their column names, dtypes, index and values
    are the same (values byte for byte, so ``0.1 + 0.2`` differs from ``0.3``); other
    objects (options) enter by their ``repr``.

    Parameters
    ----------
    *objects
        DataFrames, Series, Index objects or values with a stable ``repr`` (str, numbers,
        Timestamps, tuples, dicts of those).

    Returns
    -------
    str
        32 hexadecimal characters.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2], "t": pd.to_datetime(["2026-01-01", None], utc=True)})
    >>> fingerprint(a) == fingerprint(a.copy())
    True
    >>> fingerprint(a) == fingerprint(a.iloc[:1]), fingerprint(a, "90D") == fingerprint(a, "91D")
    (False, False)
    """
    h = hashlib.blake2b(digest_size=16)
    for obj in objects:
        if isinstance(obj, pd.DataFrame):
            h.update(repr(("frame", obj.shape, [str(c) for c in obj.columns])).encode())
            _update_array(h, obj.columns.array)
            _update_index(h, obj.index)
            for j in range(obj.shape[1]):
                _update_array(h, obj.iloc[:, j].array)
        elif isinstance(obj, pd.Series):
            h.update(repr(("series", obj.name, len(obj))).encode())
            _update_index(h, obj.index)
            _update_array(h, obj.array)
        elif isinstance(obj, pd.Index):
            _update_index(h, obj)
        else:
            h.update(repr(("value", type(obj).__name__, obj)).encode())
        h.update(b"|")
    return h.hexdigest()


def _update_index(h, index: pd.Index) -> None:
    if isinstance(index, pd.RangeIndex):
        h.update(repr(("range", index.start, index.stop, index.step, index.name)).encode())
        return
    h.update(repr(("index", type(index).__name__, index.names, len(index))).encode())
    if isinstance(index, pd.MultiIndex):
        for level in range(index.nlevels):
            _update_array(h, index.get_level_values(level).array)
    else:
        _update_array(h, index.array)


# --------------------------------------------------------------------------- storage
def _storable(frame: pd.DataFrame) -> bool:
    """Parquet needs unique string column names and a flat index."""
    return (all(isinstance(c, str) for c in frame.columns) and frame.columns.is_unique
            and not isinstance(frame.index, pd.MultiIndex) and not frame.attrs)


def _write_frame(frame: pd.DataFrame, folder: Path, name: str) -> dict:
    """Write ``frame`` as ``name.parquet`` (categoricals as codes) and ``name.catJ.parquet``."""
    categoricals = {}
    plain = frame.copy(deep=False)
    for j, column in enumerate(frame.columns):
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            plain[column] = values.cat.codes
            categories = values.cat.categories
            spec = {"ordered": bool(values.cat.ordered), "dtype": str(categories.dtype)}
            if categories.dtype.kind in "iub" or str(categories.dtype) == "str":  # plain values: in meta.json
                spec["values"] = categories.tolist()
            else:
                spec["file"] = f"{name}.cat{j}.parquet"
                pd.DataFrame({"categories": categories.array}).to_parquet(folder / spec["file"])
            categoricals[column] = spec
    plain.to_parquet(folder / f"{name}.parquet")
    return categoricals


def _read_frame(folder: Path, name: str, categoricals: Mapping[str, Mapping]) -> pd.DataFrame:
    frame = pd.read_parquet(folder / f"{name}.parquet")
    for column, spec in categoricals.items():
        categories = (pd.Index(spec["values"], dtype=spec["dtype"]) if "values" in spec
                      else pd.Index(pd.read_parquet(folder / spec["file"])["categories"].array))
        frame[column] = pd.Categorical.from_codes(frame[column].to_numpy(), categories=categories,
                                                  ordered=spec["ordered"])
    return frame


def _warning_class(name: str) -> type[Warning]:
    module, _, qualname = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError, ValueError):
        return UserWarning
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


def _write_link(result, caught, folder: Path) -> None:
    assert isinstance(result, LinkResult)
    meta = {"frames": {name: _write_frame(getattr(result, name), folder, name) for name in _FRAMES},
            "warnings": [[f"{w.category.__module__}.{w.category.__qualname__}", str(w.message)] for w in caught]}
    pd.DataFrame({"horizon_days": [result.horizon_days], "inactivity_days": [result.inactivity_days],
                  "as_of": [result.as_of]}).to_parquet(folder / "scalars.parquet")
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _read_link(folder: Path):
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    frames = {name: _read_frame(folder, name, meta["frames"][name]) for name in _FRAMES}
    scalars = pd.read_parquet(folder / "scalars.parquet").iloc[0]
    result = LinkResult(horizon_days=float(scalars["horizon_days"]), inactivity_days=float(scalars["inactivity_days"]),
                        as_of=scalars["as_of"], **frames)
    return result, [(_warning_class(cls), message) for cls, message in meta["warnings"]]


def _identical(a, b) -> bool:
    """Same tables byte for byte (values, dtypes, index, names: :func:`fingerprint`) and scalars."""
    if any(fingerprint(getattr(a, name)) != fingerprint(getattr(b, name)) for name in _FRAMES):
        return False
    same_float = all(x == y or (np.isnan(x) and np.isnan(y))
                     for x, y in ((a.horizon_days, b.horizon_days), (a.inactivity_days, b.inactivity_days)))
    return same_float and a.as_of == b.as_of and str(a.as_of.tz) == str(b.as_of.tz) and a.as_of.unit == b.as_of.unit


# --------------------------------------------------------------------------- entry point
def shared_link(shared: str | os.PathLike, function: str, inputs: Mapping[str, object],
                compute: Callable[[], object]):
    """Return the :class:`~cxanalytics.LinkResult` stored in ``shared`` under the key of ``inputs``,
    else ``compute()`` it and store it there (see the module's description).

    ``inputs`` are every argument of ``function`` (tables and options, by name); the warnings
    the computation raised are raised again on each read.
    """
    from .. import __version__

    folder = Path(shared)
    folder.mkdir(parents=True, exist_ok=True)
    parts = [function, __version__]
    for name in sorted(inputs):
        parts += [name, inputs[name]]
    entry = folder / f"{function}-{fingerprint(*parts)}"
    if (entry / "meta.json").exists():
        try:
            result, stored = _read_link(entry)
        except Exception:  # a damaged entry: compute instead
            result = None
        if result is not None:
            for category, message in stored:
                warnings.warn(message, category, stacklevel=3)
            return result
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compute()
    seen = set()
    for w in caught:  # raised again, as without shared= (once per text and place, as Python's default filter)
        if (w.category, str(w.message), w.filename, w.lineno) not in seen:
            seen.add((w.category, str(w.message), w.filename, w.lineno))
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not all(_storable(getattr(result, name)) for name in _FRAMES):
        return result
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=folder))
    try:
        _write_link(result, caught, tmp)
        if _identical(result, _read_link(tmp)[0]):
            tmp.rename(entry)  # atomic; fails if another notebook published it first
    except Exception:  # not storable as Parquet (e.g. an object column of mixed types), or published already
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- input tables
def file_digest(path: str | os.PathLike) -> str:
    """A hex digest of a file's bytes (32 hexadecimal characters).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     a, b = Path(d) / "a.csv", Path(d) / "b.csv"
    ...     _ = a.write_text("x\\n1\\n"), b.write_text("x\\n2\\n")
    ...     file_digest(a) == file_digest(a), file_digest(a) == file_digest(b)
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def shared_frame(shared: str | os.PathLike, name: str, key: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return the DataFrame stored in ``shared`` under ``name`` and ``key``, else ``compute()`` it and store it.

    The entry is the folder ``<name>-<fingerprint of key and the package version>``; it is
    published (renamed into place) only when the Parquet written reads back identical to the
    computed frame (:func:`fingerprint`), as for :func:`shared_link`. A frame Parquet cannot
    hold (e.g. an object column of mixed types) is returned without being shared. Warnings
    are not stored: ``compute`` should raise none that matter (reading a typed table).
    """
    from .. import __version__

    folder = Path(shared)
    folder.mkdir(parents=True, exist_ok=True)
    entry = folder / f"{name}-{fingerprint(name, __version__, *key)}"
    if (entry / "meta.json").exists():
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            return _read_frame(entry, "frame", meta["categoricals"])
        except Exception:  # a damaged entry: compute instead
            pass
    frame = compute()
    if not _storable(frame):
        return frame
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=folder))
    try:
        categoricals = _write_frame(frame, tmp, "frame")
        (tmp / "meta.json").write_text(json.dumps({"categoricals": categoricals}), encoding="utf-8")
        if fingerprint(frame) == fingerprint(_read_frame(tmp, "frame", categoricals)):
            tmp.rename(entry)  # atomic; fails if another notebook published it first
    except Exception:  # not storable as Parquet, or published already
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return frame
