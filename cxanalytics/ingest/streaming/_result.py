"""What a streamed clean wrote (:class:`ChunkedCleanResult`), and the last step of both engines."""

from __future__ import annotations

import dataclasses
import html
import warnings
from pathlib import Path

import pandas as pd

from ...errors import ReconciliationError, describe
from ..cleaning import REASONS
from ..codebook import Codebook


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ChunkedCleanResult:
    """What :func:`clean_export_in_chunks` wrote, and the counts that reconcile.

    Attributes
    ----------
    counts : pandas.DataFrame
        ``outcome`` (read, kept, quarantined), ``reason`` and ``n``, as
        :meth:`cxanalytics.ingest.cleaning.CleanResult.summary`.
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


_FOLD_EVERY = 32  # per-chunk summary tables are summed every this many chunks


def _fold_log_columns(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Column-level log rows (``row`` missing) of several chunks, ``n`` summed per change."""
    template = frames[0]
    out = pd.concat(frames, ignore_index=True)
    keys = [c for c in out.columns if c not in ("n", "row")]
    out = out.groupby(keys, sort=False, dropna=False, observed=True)["n"].sum().reset_index()
    out.insert(0, "row", pd.Series(pd.NA, index=out.index).astype(template["row"].dtype))
    # categoricals take the categories of every chunk (a change may first appear in a later chunk)
    dtypes = {c: "category" if isinstance(t, pd.CategoricalDtype) else t for c, t in template.dtypes.items()}
    return out[list(template.columns)].astype(dtypes)


def _fold_recodes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Recode tables of several chunks, ``count`` summed per (column, label, ...)."""
    out = pd.concat(frames, ignore_index=True)
    keys = [c for c in out.columns if c != "count"]
    out = out.groupby(keys, sort=False, dropna=False, observed=True)["count"].sum().reset_index()
    return out[list(frames[0].columns)]


def _fold_rules(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rule tables of several chunks: applied anywhere, flags summed, first note kept."""
    out = pd.concat(frames, ignore_index=True)
    return out.groupby("rule", sort=False).agg(applied=("applied", "any"), quarantines=("quarantines", "first"),
                                               n_flagged=("n_flagged", "sum"), note=("note", "first")).reset_index()  # fmt: skip


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


class Totals:
    """The small per-chunk tables of both passes, summed in chunk order (memory stays flat)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pd.DataFrame]] = {"log_columns": [], "recodes": [], "rules": [], "findings": []}
        self.caught: dict[str, warnings.WarningMessage] = {}
        self.n_read = self.n_kept = self.n_chunks = 0
        self.reasons = pd.Series(0, index=list(REASONS), dtype="int64")
        self.order: list[str] = []
        self.goes: dict[str, bool] = {}

    def _append(self, name: str, frame: pd.DataFrame) -> None:
        parts = self.parts[name]
        parts.append(frame)
        if len(parts) >= _FOLD_EVERY:
            fold = {"log_columns": _fold_log_columns, "recodes": _fold_recodes}.get(name, _fold_rules)
            parts[:] = [fold(parts)]

    def add_pass1(self, out: dict, source: str) -> None:
        """A chunk's pass-1 tables (recodes, rules, column-level log rows, warnings)."""
        if not self.order:
            self.order = list(out["rules"]["rule"])
            self.goes = dict(zip(out["rules"]["rule"], out["rules"]["quarantines"], strict=True))
        self.n_read += out["n_read"]
        for name in ("log_columns", "recodes", "rules"):
            self._append(name, out[name])
        for message, category in out["warnings"]:
            self.caught.setdefault(str(message).split(":")[0], warnings.WarningMessage(message, category, source, 0))

    def add_warning(self, w: warnings.WarningMessage | None) -> None:
        """A warning about the whole file's text, issued before the chunks' (as reading comes first)."""
        if w is not None:
            self.caught = {"\0read": w, **self.caught}

    def add_pass2(self, n_kept: int, reasons: pd.Series, findings: dict) -> None:
        """A chunk's verdicts: rows kept, quarantined rows per reason, the two whole-file rules' findings."""
        self.n_chunks += 1
        self.n_kept += n_kept
        self.reasons = self.reasons.add(reasons, fill_value=0).astype("int64")
        f = findings.values()
        self._append("findings", pd.DataFrame({"rule": [x.reason for x in f], "applied": [x.applied for x in f],
                                               "quarantines": False, "n_flagged": [int(x.mask.sum()) for x in f],
                                               "note": [x.note for x in f]}))  # fmt: skip

    def log_columns(self) -> pd.DataFrame:
        return _fold_log_columns(self.parts["log_columns"])

    def finish(self, out: Path, source: str, book: Codebook, paths: dict[str, Path]) -> ChunkedCleanResult:
        rules = _fold_rules(self.parts["rules"]).set_index("rule")
        if self.parts["findings"]:
            found = _fold_rules(self.parts["findings"]).set_index("rule")
            for col in ("applied", "n_flagged", "note"):
                rules.loc[found.index, col] = found[col]
        rules = rules.reset_index().astype({"applied": bool, "quarantines": bool, "n_flagged": "int64"})
        return finish(out, source, book, self.n_read, self.n_kept, self.reasons, _fold_recodes(self.parts["recodes"]),
                      rules, paths, self.n_chunks, self.caught)  # fmt: skip
