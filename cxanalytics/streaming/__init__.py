"""Cleaning survey exports larger than memory: :func:`clean_export_in_chunks`.

The export is cut into chunks of whole records (a newline outside double quotes ends a
record, so multi-line answers stay whole), each chunk is read with the export's own header
rows by :func:`cxanalytics.read_export` and cleaned by :func:`cxanalytics.clean_responses`,
and the kept rows, the quarantined rows and the audit log are appended to Parquet files
(one row group per chunk).  Only one chunk is in memory at a time.  The per-response state
of the whole-file rules (submission time, duration and a 64-bit hash of each respondent key)
is spilled to disk in ``out_dir`` and read back a 64th at a time, so memory does not grow
with the file beyond what the Parquet writers keep per row group (a few hundred bytes per
column and chunk) and one array of durations (8 bytes a response) at the end of pass 1.
The parsed chunks of the first pass are kept in a temporary Parquet file in ``out_dir``
(deleted at the end), so the text is parsed once.

Two rules need the whole file, and get it from a first, cheaper pass over the chunks that
cleans only the columns those rules read (status, finished/progress, timestamps, duration,
scored and segment items): the duplicate rule (the earliest candidate submission of each
respondent key in the whole file is kept; keys are compared by 64-bit hash, whose chance of
a collision among a million keys is about 3e-8) and the speeder rule (median and SD of the
durations of the whole file's candidate responses).  Both are handed to ``clean_responses``
(``duplicate_firsts=``, ``speeder_baseline=``), so every chunk is judged as in one pass.

The chunks can also be cleaned in parallel as Dask tasks (``engine="dask"``, module
:mod:`._dask`), on local processes or a ``dask.distributed`` cluster, with the same results.

Modules: :mod:`._io` (chunks of records, Parquet sinks), :mod:`._state` (the per-chunk steps
of both passes and the whole-file state), :mod:`._result` (:class:`ChunkedCleanResult`),
:mod:`._clean` (the function and its sequential engine), :mod:`._dask` (the Dask engine).
"""

from ._clean import ENGINES, clean_export_in_chunks
from ._io import _chunks, _record_ends
from ._result import ChunkedCleanResult

__all__ = ["ENGINES", "ChunkedCleanResult", "clean_export_in_chunks"]
# _chunks and _record_ends are imported for the tests of record splitting
_ = (_chunks, _record_ends)
