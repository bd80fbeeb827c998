"""Write the generator's chunks to disk and keep the tallies behind ``TRUTH.json`` (internal)."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pandas as pd

from . import _world as W


class Sink:
    """Append-only writers for every output file, plus running counts."""

    def __init__(self, folder: Path, fmt: str, platform_files: dict):
        self.folder, self.fmt, self.platform_files = folder, fmt, platform_files
        self.paths: dict[str, Path] = {}
        self._handles: dict[str, object] = {}
        self._parquet: dict[str, object] = {}
        self.tally: Counter = Counter()
        self.kinds: dict[str, Counter] = {p: Counter() for p in platform_files}
        self.cells: dict[str, Counter] = {p: Counter() for p in platform_files}
        self._write_branches()

    def _write_branches(self) -> None:
        frame = pd.DataFrame(
            [(b.branch_id, b.name_en, b.name_ar, b.name_fa, b.city) for b in W.BRANCHES],
            columns=["branch_id", "name_en", "name_ar", "name_fa", "city"],
        )
        path = self.folder / "branches.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        self.paths["branches"] = path

    def _csv(self, name: str, file: str, encoding: str = "utf-8", newline: str = "\n"):
        if name not in self._handles:
            path = self.folder / file
            self._handles[name] = (open(path, "w", encoding=encoding, newline=""), newline)
            self.paths[name] = path
            return self._handles[name], True
        return self._handles[name], False

    def _append(self, name: str, frame: pd.DataFrame, file: str, encoding="utf-8", newline="\n", header=None):
        (handle, nl), new = self._csv(name, file, encoding, newline)
        if new:
            writer = csv.writer(handle, lineterminator=nl)
            for row in header if header is not None else [list(frame.columns)]:
                writer.writerow(row)
        frame.to_csv(handle, header=False, index=False, lineterminator=nl)

    def logs(self, tables: dict[str, pd.DataFrame], cust, contacts) -> None:
        for name, frame in tables.items():
            if self.fmt == "parquet":
                self._append_parquet(name, frame)
            else:
                self._append(name, frame, f"{name}.csv")
            self.tally[name] += len(frame)
        self.tally["churned"] += int((cust.death >= 0).sum())
        self.tally["cancelled_contract"] += int(((cust.death >= 0) & (cust.plan == "contract")).sum())
        self.tally["unresolved_contacts"] += int((~contacts.resolved).sum())
        self.tally["complaints"] += int(contacts.complaint.sum())
        self.tally["recovered_contacts"] += int(contacts.recovered.sum())
        self.tally["silent_customers"] += int(cust.silent.sum())
        for i, a in enumerate(("promoter", "passive", "detractor")):
            self.tally[f"attitude_{a}"] += int((cust.attitude == i).sum())

    def _append_parquet(self, name: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from ..datasets import SAMPLES, _typed

        typed = _typed(frame.replace("", None), SAMPLES[name])
        table = pa.Table.from_pandas(typed, preserve_index=False)
        if name not in self._parquet:
            path = self.folder / f"{name}.parquet"
            self._parquet[name] = pq.ParquetWriter(path, table.schema)
            self.paths[name] = path
        self._parquet[name].write_table(table)

    def export(self, platform: str, header, body: pd.DataFrame, kinds: pd.Series, counts: dict) -> None:
        file, _, encoding, newline = self.platform_files[platform]
        self._append(platform, body, file, encoding, newline, header=header)
        self.kinds[platform].update(kinds.tolist())
        self.cells[platform].update(counts)

    def rows(self, platform: str) -> int:
        """Rows written so far to ``platform``'s export."""
        return int(sum(self.kinds[platform].values()))

    def answer_key(self, frame: pd.DataFrame) -> None:
        self._append("responses", frame, "responses.csv")
        self.tally["responses"] += len(frame)

    def close(self) -> dict[str, Path]:
        for handle, _ in self._handles.values():
            handle.close()
        for writer in self._parquet.values():
            writer.close()
        return dict(self.paths)


def _hazard_90d(plan: str, attitude: str, unresolved: int) -> float:
    h = W.BASELINE_HAZARD[plan] * W.HR_ATTITUDE[attitude] * W.HR_PER_UNRESOLVED**unresolved
    return 1 - math.exp(-3 * h)


def truth(seed: int, scale: float, sink: Sink) -> dict:
    """Everything planted, and everything counted, as a JSON-ready dict."""
    t = sink.tally
    exports = {}
    for platform, (file, lang, encoding, newline) in sink.platform_files.items():
        kinds = dict(sorted(sink.kinds[platform].items()))
        exports[platform] = {
            "file": file,
            "language": lang,
            "encoding": encoding,
            "line_ending": "CRLF" if newline == "\r\n" else "LF",
            "timezone": W.TIMEZONES[platform],
            "rows": int(sum(kinds.values())),
            "rows_by_kind": kinds,
            "cells": dict(sorted(sink.cells[platform].items())),
        }
    one_bad = {k: round(_hazard_90d("prepaid", "passive", k), 4) for k in (0, 1, 2, 3)}
    return {
        "generator": "cxanalytics.synth",
        "seed": seed,
        "scale": scale,
        "window": {"start": "2024-07-01", "end": "2026-06-30", "as_of": "2026-07-01T00:00:00+00:00"},
        "counts": dict(sorted(t.items())),
        "exports": exports,
        "answer_key": {
            "file": "responses.csv",
            "rows": t["responses"],
            "note": "kept = genuine rows; quarantine = preview, test, partial, duplicate, speeder, "
            "straightliner, out_of_range rows (the duplicate row is the later copy). Google Forms records "
            "no start time or duration, so its speeder rows cannot be told apart by any cleaning rule: "
            "they are planted to show that limit, and the answer key leaves them out.",
        },
        "effects": {
            "churn_hazard_per_30_days": W.BASELINE_HAZARD,
            "churn_hazard_ratio_attitude_vs_promoter": W.HR_ATTITUDE,
            "churn_hazard_ratio_per_unresolved_contact": W.HR_PER_UNRESOLVED,
            "unresolved_contacts_cap": W.UNRESOLVED_CAP,
            "churn_hazard_ratio_recovered_vs_never_failed": W.HR_RECOVERED,
            "attitude_thresholds_on_latent_z": {"detractor_below": W.DETRACTOR_BELOW, "promoter_above": W.PROMOTER_ABOVE},
            "experience_shift_sd_units": {
                "recovered_complaint": W.SHIFT_RECOVERED,
                "per_unresolved_contact_max_3": W.SHIFT_PER_UNRESOLVED,
                "per_wait_minute_beyond_first": W.SHIFT_PER_WAIT_MINUTE,
            },
            "first_contact_resolution": "logit = 1.5 + 0.5 branch_quality - 0.25 max(wait_min - 1, 0) + 0.3 [store]",
            "p_complaint_given_unresolved": W.P_COMPLAIN,
            "silent_customer_share": W.SILENT_SHARE,
            "p_recovery_given_complaint": W.P_RECOVERY,
            "servqual_gap_planted_p_minus_e": W.SERVQUAL_GAP,
            "servqual_reverse_coded_items": ["responsiveness_2"],
            "pillar_offsets": W.PILLAR_OFFSET,
            "branches": [
                {"branch_id": b.branch_id, "quality": b.quality, "consistency_sd": b.consistency_sd,
                 "wait_factor": b.wait_factor, "share": b.share}
                for b in W.BRANCHES
            ],  # fmt: skip
            "acquisition_cost_mean": {k: v[1] for k, v in W.ACQUISITION.items()},
            "loaded_hourly_wage": W.LOADED_HOURLY_WAGE,
            "recovery_credits": [{"amount": a, "p": p} for a, p in W.RECOVERY_CREDITS],
            "purchase_rate_per_30_days": {"gamma_shape": W.PURCHASE_RATE_SHAPE, "mean": W.PURCHASE_RATE_MEAN},
            "mean_spend": W.SPEND_MEAN,
        },
        "claims": [
            {"claim": "Detractors leave faster than promoters", "planted": True,
             "how": f"hazard ratio {W.HR_ATTITUDE['detractor']} (passives {W.HR_ATTITUDE['passive']})"},
            {"claim": "About 50 % of customers switch after one bad experience, 80 % after three", "planted": False,
             "how": "each unresolved contact multiplies the hazard by 1.3; implied 90-day churn of a prepaid "
                    f"passive after 0/1/2/3 unresolved contacts: {one_bad}"},
            {"claim": "Service recovery paradox on satisfaction", "planted": True,
             "how": f"a recovered complaint lifts the experience by {W.SHIFT_RECOVERED} SD above never-failed"},
            {"claim": "Service recovery paradox on retention", "planted": False,
             "how": "hazard ratio of recovered vs never-failed customers is 1.0"},
            {"claim": "Silent unhappy customers leave unnoticed", "planted": True,
             "how": f"{W.SILENT_SHARE:.0%} of customers complain with p={W.P_COMPLAIN['silent']} after a failure "
                    f"(others {W.P_COMPLAIN['voice']}); without a complaint there is no recovery, so failures stay "
                    "unresolved and raise the hazard"},
            {"claim": "Long waits hurt satisfaction and retention", "planted": True,
             "how": "waits lower first-contact resolution, CES and the experience; retention only through "
                    "unresolved contacts (mediated, no direct effect)"},
            {"claim": "Inconsistent waits drive churn beyond the average wait", "planted": True,
             "how": "first-contact resolution falls only with waits beyond the first minute (a hinge), so at "
                    "the same mean wait more variable waits give more unresolved contacts and a higher hazard"},
            {"claim": "Branches that serve less consistently lose customers beyond their average quality",
             "planted": False,
             "how": "branches differ in visit-to-visit spread of the experience (consistency_sd) but churn "
                    "depends only on the customer's attitude and unresolved contacts, not on that spread"},
        ],  # fmt: skip
    }


def readme_text(seed: int, scale: float, fmt: str) -> str:
    """The data dictionary of a generated folder, from :data:`cxanalytics.datasets.SAMPLES`."""
    from ..datasets import SAMPLES

    lines = [
        "# Sample data",
        "",
        "Synthetic, seeded data of a multi-branch, multi-channel telecom/retail chain, written by",
        f"`cxanalytics sample --seed {seed} --scale {scale:g} --format {fmt}`. Never edit by hand: regenerate.",
        "What was planted (effects and dirt, counted) is in `TRUTH.json`. All people are fictitious;",
        "e-mail domains are example.com and IP addresses are from the documentation range 203.0.113.0/24.",
        "",
    ]
    for s in SAMPLES.values():
        file = s.file if s.raw or fmt == "csv" or s.name in ("responses", "branches") else s.file.replace(".csv", ".parquet")
        lines += [f"## `{file}` (`load_sample({s.name!r})`)", "", f"One row per {s.row}. {s.description}", ""]
        if s.columns:
            lines += ["| column | type | meaning |", "|---|---|---|"]
            for c in s.columns:
                kind = f"ordinal {c.levels[0]}-{c.levels[-1]}" if c.levels else c.dtype
                lines.append(f"| `{c.name}` | {kind} | {c.description} |")
            lines.append("")
    return "\n".join(lines)



