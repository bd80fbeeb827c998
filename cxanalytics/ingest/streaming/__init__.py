"""Cleaning survey exports larger than memory: :func:`clean_export_in_chunks`.

The export is cut into chunks of whole records (a line feed, CRLF or lone carriage return
outside double quotes ends a record, so multi-line answers stay whole and classic Mac files
are cut too); each chunk is read with the export's own header rows by
:func:`cxanalytics.read_export` and cleaned once by :func:`cxanalytics.clean_responses`, and
the kept rows, the quarantined rows and the audit log are appended to Parquet files (one row
group per chunk).  Only one chunk is in memory at a time.

What ``read_export`` decides from the whole file is decided from the whole file here too
(:mod:`._text`): the encoding (a strict UTF-8 decode of every byte, the Mac Roman / cp1252 /
cp1256 evidence) and its repairs (NUL padding, lines in a code page inside a UTF-8 file,
repeated on every chunk and reported once by their lines and rows in the whole file).  The
day/month order of the dates is gathered from the chunks (:mod:`._dates`): a chunk that
cannot tell takes the order the others tell, and chunks that disagree are an error, as the
whole file is.  Workbooks and SPSS files are read whole and cleaned in slices of rows.  Text
columns are written as text whatever a chunk holds, so a column empty in the first chunk
does not fix its Parquet type.

Two rules need the whole file: the duplicate rule (the earliest candidate submission of
each respondent key in the whole file is kept) and the speeder rule (median and SD of the
durations of the whole file's candidate responses).  Pass 1 cleans every chunk with all
the other rules, caches the cleaned chunk in ``folder`` (pseudonymised data; respondent
keys only as 64-bit hashes) and spills each candidate response's submission time, duration
and key hashes to disk.  The whole-file state is then worked out a 64th of the keys at a
time: the keys submitted more than once with their first row, and the median and SD of
the durations (keys are compared by 64-bit hash, whose chance of a collision among a
million keys is about 3e-8).  Pass 2 adds the two rules' verdicts to each cached chunk with
the same rule functions and recombines every row's reasons as the in-memory path does, so
the tables are the in-memory path's.  Memory does not grow with the file beyond what the
Parquet writers keep per row group (a few hundred bytes per column and chunk) and one
array of durations (8 bytes a response) at the end of pass 1.

The chunks can also be cleaned in parallel as Dask tasks (``engine="dask"``, module
:mod:`._dask`), on local processes or a ``dask.distributed`` cluster, with the same results.

Modules: :mod:`._io` (chunks of records, the export being streamed, Parquet sinks),
:mod:`._text` (the whole file's encoding and repairs), :mod:`._dates` (one day/month order),
:mod:`._state` (the per-chunk steps of both passes and the whole-file state), :mod:`._result`
(:class:`ChunkedCleanResult`, the per-chunk tables summed), :mod:`._clean` (the function and
its sequential engine), :mod:`._dask` (the Dask engine).
"""

from ._clean import ENGINES, clean_export_in_chunks
from ._io import _chunks, _record_ends
from ._result import ChunkedCleanResult

__all__ = ["ENGINES", "ChunkedCleanResult", "clean_export_in_chunks"]
# _chunks and _record_ends are imported for the tests of record splitting
_ = (_chunks, _record_ends)
