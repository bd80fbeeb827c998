"""What a streamed clean wrote (:class:`ChunkedCleanResult`), and the last step of both engines."""

from __future__ import annotations

import dataclasses
import html
import warnings
from pathlib import Path

import pandas as pd

from ..cleaning import REASONS
from ..codebook import Codebook
from ..errors import ReconciliationError, describe


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ChunkedCleanResult:
    """What :func:`clean_export_in_chunks` wrote, and the counts that reconcile.

    Attributes
    ----------
    counts : pandas.DataFrame
        ``outcome`` (read, kept, quarantined), ``reason`` and ``n``, as
        :meth:`cxanalytics.cleaning.CleanResult.summary`.
    rules : pandas.DataFrame
        ``rule``, ``applied``, ``quarantines``, ``n_flagged`` (summed over chunks) and ``note``.
    paths : dict of str to pathlib.Path
        The Parquet files written (data, quarantine, log, recodes, rules, summary, codebook).
    n_chunks : int
    source : str
    """

    counts: pd.DataFrame
    rules: pd.DataFrame
    paths: dict[str, Path]
    n_chunks: int
    source: str = ""

    def summary(self) -> pd.DataFrame:
        """Row counts: ``outcome``, ``reason``, ``n`` (read = kept + quarantined)."""
        return self.counts.copy()

    def __repr__(self) -> str:
        n = dict(zip(self.counts["outcome"], self.counts["n"], strict=False))
        q = int(self.counts.loc[self.counts["outcome"] == "quarantined", "n"].sum())
        return (f"ChunkedCleanResult(source={self.source!r}, read={n.get('read')}, kept={n.get('kept')}, "
                f"quarantined={q}, chunks={self.n_chunks})")  # fmt: skip

    def _repr_html_(self) -> str:
        return f"<div><strong>{html.escape(repr(self))}</strong>{self.counts.to_html(index=False)}</div>"


def finish(out: Path, source: str, book: Codebook, n_read: int, n_kept: int, reasons: pd.Series,
           recodes: pd.DataFrame, rules: pd.DataFrame, paths: dict[str, Path], n_chunks: int,
           caught: dict[str, warnings.WarningMessage]) -> ChunkedCleanResult:  # fmt: skip
    """Check read = kept + quarantined, re-issue the chunks' warnings once, write the small tables."""
    reasons = reasons.reindex(list(REASONS) + [r for r in reasons.index if r not in REASONS])
    n_q = int(reasons.sum())
    if n_read != n_kept + n_q:
        raise ReconciliationError(describe("Rows do not reconcile", file=source,
                                           received=f"read {n_read}, kept {n_kept}, quarantined {n_q}",
                                           expected="read = kept + quarantined"))  # fmt: skip
    for w in caught.values():
        warnings.warn(w.message, w.category, stacklevel=3)
    counts = pd.DataFrame([("read", None, n_read), ("kept", None, n_kept)]
                          + [("quarantined", r, int(n)) for r, n in reasons.items()],
                          columns=["outcome", "reason", "n"]).astype({"n": "int64"})  # fmt: skip
    paths = dict(paths)
    for name, frame in (("recodes", recodes), ("rules", rules), ("summary", counts), ("codebook", book.table)):
        frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object}).to_parquet(
            out / f"{name}.parquet", index=False)
        paths[name] = out / f"{name}.parquet"
    return ChunkedCleanResult(counts=counts, rules=rules, paths=paths, n_chunks=n_chunks, source=source)
