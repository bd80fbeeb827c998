"""A churn snapshot given without a mapping: link it, or stop with a proposed mapping (internal; for the report).

``report --snapshot FILE`` without ``--map`` reads the snapshot as it is only when it is
one CSV or Parquet file in the canonical columns (``tenure`` in days, ``churned``). Anything
else (an Excel workbook, several files to join, other column names such as IBM's
``Tenure in Months`` / ``Churn Value``) stops with a
:class:`~cxanalytics.ingest.mapping.MissingColumnsError` that carries a mapping proposed from the
file's names and values; the command line saves it as ``OUT/proposed_mapping.toml`` and
prints the command that runs the report again with it (:func:`rerun_command`).
"""

from __future__ import annotations

import dataclasses
import shlex
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import ParameterError, describe

__all__ = ["CANONICAL_SUFFIXES", "REQUIRED", "rerun_command", "unmapped_snapshot_error"]

#: Columns a snapshot read without a mapping must have, and the files it may come in.
REQUIRED = ("tenure", "churned")
CANONICAL_SUFFIXES = (".csv", ".parquet")


def unmapped_snapshot_error(paths: Sequence[Path]):
    """None when ``paths`` is one canonical CSV/Parquet snapshot; otherwise the error with a proposal.

    Several files are read and joined on their customer id as ``cxanalytics map`` does; the
    proposal names the workbook sheet it read.
    """
    from ..ingest._mapfiles import missing_columns_error, peek, read_tables
    from ..ingest.mapping import propose_mapping

    paths = [Path(p) for p in paths]
    single = len(paths) == 1
    canonical_file = single and paths[0].suffix.lower() in CANONICAL_SUFFIXES
    if canonical_file:
        sample = peek(paths[0])
        if sample is not None and all(c in sample.columns for c in REQUIRED):
            return None
    try:
        data, _ = read_tables(paths if not single else paths[0])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ParameterError(describe("Cannot read the churn snapshot", file=", ".join(map(str, paths)),
                                      parameter="--snapshot", received=str(exc)[:160],
                                      expected="a CSV, Parquet or Excel table, one row per customer")) from None
    columns = [str(c) for c in data.columns]
    proposal = propose_mapping(data, kind="snapshot", file=", ".join(p.name for p in paths))
    sheet = data.attrs.get("sheet") if single else None
    if sheet is not None:
        km = proposal.kinds["snapshot"]
        proposal = dataclasses.replace(proposal, kinds={"snapshot": dataclasses.replace(km, sheet=sheet)})
    missing = [c for c in REQUIRED if c not in columns]
    why = ("several files are joined only through a mapping" if not single
           else f"a {paths[0].suffix or 'suffix-less'} file is read only through a mapping" if not canonical_file
           else "notebook 09 reads the canonical columns (tenure in days, churned true/false)")
    return missing_columns_error(missing or list(REQUIRED), columns, file=paths if not single else paths[0],
                                 what="snapshot", kind="snapshot", proposal=proposal, hint=why)


def rerun_command(argv: Sequence[str], mapping: Path | str, *, program: str = "cxanalytics") -> str:
    """The command line ``argv`` again with ``--map MAPPING`` (replacing one given), quoted for a POSIX shell.

    Examples
    --------
    >>> rerun_command(["report", "--snapshot", "E Commerce Dataset.xlsx", "--out", "out dir"],
    ...               "out dir/proposed_mapping.toml")
    "cxanalytics report --snapshot 'E Commerce Dataset.xlsx' --out 'out dir' --map 'out dir/proposed_mapping.toml'"
    >>> rerun_command(["report", "--map=old.toml", "--snapshot", "a.csv"], "new.toml")
    'cxanalytics report --snapshot a.csv --map new.toml'
    """
    args, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--map":
            skip = True
            continue
        if a.startswith("--map="):
            continue
        args.append(a)
    return shlex.join([program, *args, "--map", str(mapping)])
