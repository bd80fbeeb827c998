"""The :class:`CleanResult` of :func:`clean_responses`: data, quarantine, audit log, writers."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..._core.validate import renamed_parameters
from ...errors import ParameterError, ReconciliationError, describe
from ..codebook import Codebook
from ._audit import reconcile
from ._rules import REASONS
from ._writers import write_csv_atomic, write_parquet_atomic


@dataclass(frozen=True, eq=False, repr=False)
class CleanResult:
    """Cleaned responses, the quarantined ones, and the audit trail that links them to the export.

    Attributes
    ----------
    data : pandas.DataFrame
        Kept responses, one row each, indexed by ``row_number`` (the export's row): one column
        per codebook item (scores as float64 with NaN for missing, timestamps tz-aware UTC,
        checkbox choices as nullable booleans, PII as pseudonyms), ``flag_speeder`` and
        ``flag_straightliner`` (booleans: the response-quality rules, which flag without
        quarantining unless ``clean_responses(remove=...)``) and ``flags`` (reasons of rules
        that flag without quarantining, else missing).
    quarantine : pandas.DataFrame
        Quarantined responses with the same columns plus ``reason`` (the first reason, in the
        order of :data:`REASONS`), ``reasons`` (all, ``;``-separated) and ``detail``.
    log : pandas.DataFrame
        The audit trail, one row per change: ``row`` (the export row; missing on a
        column-level row), ``column``, ``item``, ``rule`` (``missing_code``, ``unreadable``,
        ``out_of_range``, ``reverse_code``, ``pseudonymise``, ``redact_pii``, or a quarantine
        reason), ``n`` (cells the row stands for), ``before`` (PII redacted), ``after`` and
        ``reason``.  "One row per change" means: a **column-level** row (``row`` missing,
        ``n`` = the number of cells changed) when one rule changes every non-missing cell of
        a column the same way - ``pseudonymise`` (keyed pseudonyms of a PII column; ``before``
        is ``<redacted>``, the pseudonyms are in ``data``), ``reverse_code`` (``before``
        ``x``, ``after`` ``min + max - x``) and ``missing_code`` for a code the codebook
        declares (``before`` the code, ``reason`` ``declared_missing``); **cell-level** rows (``row`` set, ``n`` = 1) when
        the change differs from cell to cell - missing codes, unreadable values, out-of-range
        answers (``before`` holds the raw answer), e-mails/phones redacted inside free text
        (``after`` holds the redacted text) - and one row per response a row rule flagged or
        quarantined (``column`` missing; ``after`` "quarantined" or "flagged").  Column-level rows come first, then cell rows by
        ``row``.  ``log["n"].sum()`` per rule is the number of cells changed (see
        :meth:`changes`).
    recodes : pandas.DataFrame
        How each distinct answer of each scored column was read: ``column``, ``item``,
        ``value``, ``count``, ``score``, ``reason`` and ``matched_by`` (``number``,
        ``lexicon``, ``number_and_label``, ``codebook``, ...).
    rules : pandas.DataFrame
        ``rule``, ``applied``, ``quarantines``, ``n_flagged`` and ``note`` (thresholds used).
    codebook : Codebook
    n_read : int
        Rows read from the export.
    source, platform, timezone : str
        Where the responses came from, and the time zone their wall-clock times were read in.
    dayfirst : bool or None
        How dates written day/month/year (or month/day/year) were read: True day first,
        False month first, None when no date needed the order (as decided by
        :func:`cxanalytics.ingest.calendars.parse_dates`).
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame
    log: pd.DataFrame
    recodes: pd.DataFrame
    rules: pd.DataFrame
    codebook: Codebook
    n_read: int
    source: str = ""
    platform: str = ""
    timezone: str = "UTC"
    dayfirst: bool | None = None

    def __post_init__(self) -> None:
        kept, quarantined = self.data.index, self.quarantine.index
        if len(kept) + len(quarantined) != self.n_read:
            raise ReconciliationError(describe("Rows do not reconcile", file=self.source or None,
                                               received=f"read {self.n_read}, kept {len(kept)}, "
                                               f"quarantined {len(quarantined)}",
                                               expected="read = kept + quarantined"))  # fmt: skip
        reconcile(kept.union(quarantined), kept, quarantined, source=self.source)

    def summary(self) -> pd.DataFrame:
        """Row counts that reconcile: ``outcome`` (read, kept, quarantined), ``reason``, ``n``.

        The first row is everything read; then kept; then every quarantine reason (zeros
        included), whose ``n`` add up to the quarantined total.
        """
        counts = self.quarantine["reason"].value_counts() if len(self.quarantine) else pd.Series(dtype="int64")
        reasons = list(REASONS) + [r for r in counts.index if r not in REASONS]
        rows = [("read", None, self.n_read), ("kept", None, len(self.data))]
        rows += [("quarantined", r, int(counts.get(r, 0))) for r in reasons]
        return pd.DataFrame(rows, columns=["outcome", "reason", "n"]).astype({"n": "int64"})

    def changes(self) -> pd.DataFrame:
        """Cells changed, by ``rule`` and ``reason``: ``n`` (the log's ``n`` summed, so a
        column-level row counts every cell it changed)."""
        cells = self.log[self.log["column"].notna()]
        g = cells.groupby(["rule", "reason"], observed=True, sort=True)["n"].sum()
        return g.rename("n").reset_index().astype({"n": "int64"})

    def __repr__(self) -> str:
        return (f"CleanResult(source={self.source!r}, read={self.n_read}, kept={len(self.data)}, "
                f"quarantined={len(self.quarantine)}, log={len(self.log)} rows)")

    def _repr_html_(self) -> str:
        title = html.escape(repr(self))
        return (f"<div><strong>{title}</strong>{self.summary().to_html(index=False)}"
                f"<p>Changes by rule</p>{self.changes().to_html(index=False)}</div>")

    def _tables(self) -> dict[str, tuple[pd.DataFrame, bool]]:
        return {"data": (self.data, True), "quarantine": (self.quarantine, True), "log": (self.log, False),
                "recodes": (self.recodes, False), "rules": (self.rules, False), "summary": (self.summary(), False)}  # fmt: skip

    def _folder(self, folder: str | Path) -> Path:
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ParameterError(describe("Output path is a file", file=folder, expected="a folder"))
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @renamed_parameters(out="folder")
    def to_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write data, quarantine, log, recodes, rules, summary and codebook as CSV files.

        Each file is written atomically (temporary file, then rename) in UTF-8 with a BOM
        (so spreadsheets show Arabic and Persian text), and cells a spreadsheet would run as a
        formula (``=``, ``+``, ``-``, ``@`` first; plain numbers such as ``-99`` excepted) are
        prefixed with an apostrophe.

        Parameters
        ----------
        folder : str or path
            Created if needed.  (Called ``out`` before 0.2; the old name still works, with a
            ``FutureWarning``.)

        Returns
        -------
        dict of str to pathlib.Path
        """
        folder = self._folder(folder)
        paths = {name: write_csv_atomic(frame, folder / f"{name}.csv", index=index, encoding="utf-8-sig")
                 for name, (frame, index) in self._tables().items()}  # fmt: skip
        paths["codebook"] = self.codebook.to_csv(folder / "codebook.csv")
        return paths

    @renamed_parameters(out="folder")
    def to_parquet(self, folder: str | Path) -> dict[str, Path]:
        """Write the same tables as Parquet files (values unchanged), each atomically, in ``folder``."""
        folder = self._folder(folder)
        paths = {name: write_parquet_atomic(frame, folder / f"{name}.parquet", index=index)
                 for name, (frame, index) in self._tables().items()}  # fmt: skip
        paths["codebook"] = write_parquet_atomic(self.codebook.table, folder / "codebook.parquet")
        return paths
