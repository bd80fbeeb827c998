"""The seeded synthetic service business behind ``data/sample/``.

A multi-branch, multi-channel telecom/retail chain in the Gulf and Iran: customers are
acquired over two years, contact customer service (waits, resolutions, complaints,
recoveries), buy, answer surveys on three platforms in three languages, and leave at a
hazard that depends on their experience. :func:`write_sample` writes

- the raw survey exports in each platform's real shape, with the dirt real exports have
  (``qualtrics_en.csv``, ``surveymonkey_ar.csv``, ``google_forms_fa.csv``);
- ``responses.csv``, the answer key: the genuine responses a correct cleaning recovers;
- the behaviour logs ``customers``, ``transactions``, ``interactions`` and ``branches``;
- ``TRUTH.json``: every planted effect and every planted piece of dirt, counted;
- ``README.md``: the data dictionary (from :data:`cxanalytics.datasets.SAMPLES`).

The same ``seed`` and ``scale`` always give byte-identical files. Work is done in chunks of
customers, each with its own random stream, so ``scale`` can be large without holding the
whole business in memory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError, describe
from . import _world as W
from ._business import (
    end_of_life,
    simulate_churn,
    simulate_contacts,
    simulate_customers,
    simulate_purchases,
)
from ._comments import comment_truth, themed_comments
from ._formats import google_forms, qualtrics, surveymonkey
from ._sink import Sink, readme_text, truth
from ._surveys import REVERSED_ITEMS, add_dirt, draw_responses

__all__ = ["write_sample", "PLATFORM_FILES"]

#: Raw export file of each platform, its language, text encoding and line ending.
PLATFORM_FILES = {
    "qualtrics": ("qualtrics_en.csv", "en", "utf-8-sig", "\n"),
    "surveymonkey": ("surveymonkey_ar.csv", "ar", "cp1256", "\r\n"),
    "google_forms": ("google_forms_fa.csv", "fa", "utf-8", "\n"),
}
_WRITERS = {"qualtrics": qualtrics, "surveymonkey": surveymonkey, "google_forms": google_forms}
_ID_COLUMN = {"qualtrics": "ResponseId", "surveymonkey": "c0"}


def _utc(seconds: np.ndarray) -> np.ndarray:
    stamps = np.datetime_as_string(W.START + seconds.astype("timedelta64[s]"), unit="s")
    return np.char.add(np.char.replace(stamps, "T", " "), "+00:00").astype(object)


def _money(cents: np.ndarray) -> np.ndarray:
    whole = (cents // 100).astype(str)
    return np.char.add(np.char.add(whole, "."), np.char.zfill((cents % 100).astype(str), 2)).astype(object)


def _log_tables(cust, contacts, purchases, first_order: int) -> dict[str, pd.DataFrame]:
    branch_ids = np.array([b.branch_id for b in W.BRANCHES], dtype=object)
    channels = np.array(list(W.CONTACT_CHANNELS), dtype=object)
    cancelled = (cust.plan == "contract") & (cust.death >= 0)
    customers = pd.DataFrame({
        "customer_id": cust.customer_id,
        "acquired_at": _utc(cust.acquired),
        "acquisition_channel": cust.acq_channel,
        "acquisition_cost": _money(cust.acq_cost_cents),
        "segment": cust.segment,
        "plan": cust.plan,
        "branch_id": branch_ids[cust.branch],
        "language": cust.language,
        "cancelled_at": np.where(cancelled, _utc(np.maximum(cust.death, 0)), ""),
    })  # fmt: skip
    who = purchases.customer
    transactions = pd.DataFrame({
        "order_id": np.char.add("O", np.char.zfill((first_order + np.arange(who.size)).astype(str), 10)).astype(object),
        "customer_id": cust.customer_id[who],
        "occurred_at": _utc(purchases.time),
        "amount": _money(purchases.amount_cents),
    })  # fmt: skip
    c = contacts.customer
    branch = branch_ids[cust.branch[c]]
    interactions = pd.DataFrame({
        "interaction_id": np.char.add("I", np.char.zfill((first_order + np.arange(c.size)).astype(str), 10)).astype(object),
        "customer_id": cust.customer_id[c],
        "occurred_at": _utc(contacts.time),
        "channel": channels[contacts.channel],
        "branch_id": branch,
        "agent_id": np.char.add(np.char.add(branch.astype(str), "-A"), np.char.zfill(contacts.agent.astype(str), 2)).astype(object),
        "wait_s": contacts.wait_s.astype(str),
        "handle_s": contacts.handle_s.astype(str),
        "resolved": np.where(contacts.resolved, "true", "false"),
        "complaint": np.where(contacts.complaint, "true", "false"),
        "credit": _money(contacts.credit_cents),
    })  # fmt: skip
    return {"customers": customers, "transactions": transactions, "interactions": interactions}


def _answer_key(dirty: pd.DataFrame, body: pd.DataFrame, cells: dict, cust, platform: str,
                first_row: int) -> pd.DataFrame:
    """Canonical rows of the genuine responses of one export chunk.

    ``first_row`` is the number of rows earlier chunks wrote to the same export. Google Forms
    has no response id: its key is ``GF0000-`` + the row's 0-based position in the whole export
    (seven digits), so that it is unique and can be found from the export at any scale.
    """
    keep = dirty["kind"].eq("genuine").to_numpy()
    if platform in _ID_COLUMN:
        rid = body[_ID_COLUMN[platform]].to_numpy(dtype=object)
    else:
        rid = np.char.add("GF0000-", np.char.zfill((first_row + np.arange(len(body))).astype(str), 7)).astype(object)
    who = dirty["customer"].to_numpy()
    key = pd.DataFrame({
        "response_id": rid,
        "platform": platform,
        "language": PLATFORM_FILES[platform][1],
        "customer_id": cells.get("customer_id", cust.customer_id[np.maximum(who, 0)]),
        "submitted_at": _utc(dirty["submitted"].to_numpy()),
        "duration_s": dirty["duration_s"].astype(str).to_numpy(),
        "channel": dirty["channel"].to_numpy(),
        "branch_id": np.array([b.branch_id for b in W.BRANCHES], dtype=object)[cust.branch[np.maximum(who, 0)]],
    })  # fmt: skip
    for col in dirty.columns:
        if col.startswith(("nps", "csat", "ces", "e_", "p_", "pillar_")):
            values = dirty[col].to_numpy()
            if col[2:] in REVERSED_ITEMS:
                values = 8 - values
            key[col] = values.astype(str)
        elif col.startswith("topic_"):
            key[col] = np.where(dirty[col].to_numpy(), "true", "false")
    if "comment" in cells:
        key["comment"] = cells["comment"]
        key["comment_themes"] = cells.get("comment_themes", np.full(len(key), "", dtype=object))
    for col, rows in cells.get("missing", {}).items():
        key.loc[rows, col] = ""
    return key[keep].reset_index(drop=True)


def write_sample(
    out: str | Path,
    *,
    seed: int = 2026,
    scale: float = 1.0,
    fmt: str = "csv",
    progress: bool = True,
) -> dict[str, Path]:
    """Write the seeded sample business to a folder.

    Parameters
    ----------
    out : path
        Output folder, created if missing; existing sample files are overwritten.
    seed : int, default 2026
        Random seed; ``2026`` is the committed ``data/sample``.
    scale : float, default 1
        Size multiplier: 1 gives about 4,000 customers, 2,200 responses and 45,000
        purchases; the work is done in chunks of 50,000 customers.
    fmt : {"csv", "parquet"}
        Format of the tidy tables (the survey exports are always CSV, as platforms give them).
    progress : bool
        Show a progress bar over chunks (only when there is more than one).

    Returns
    -------
    dict of str to pathlib.Path
        Every file written, by name.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sample(tempfile.mkdtemp(), scale=0.05, progress=False)
    >>> sorted(paths)[:3]
    ['README', 'TRUTH', 'branches']
    """
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ParameterError(describe("scale must be a positive number", parameter="scale", received=scale, expected="> 0"))
    if fmt not in ("csv", "parquet"):
        raise ParameterError(describe("Unknown format", parameter="fmt", received=fmt, expected="'csv' or 'parquet'"))
    scale = float(scale)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    n_total = max(int(round(W.BASE_CUSTOMERS * scale)), 50)
    n_chunks = math.ceil(n_total / W.CHUNK_CUSTOMERS)
    fake_rows = int(round(W.PREVIEW_ROWS * max(scale, 1) ** 0.5))
    sink = Sink(folder, fmt, PLATFORM_FILES)
    chunks = range(n_chunks)
    if progress and n_chunks > 1:
        from tqdm.auto import tqdm

        chunks = tqdm(chunks, desc="chunks of customers", unit="chunk")
    first_order = 0
    theme_counts: dict[str, dict[str, int]] = {}
    for k in chunks:
        rng = np.random.default_rng(np.random.SeedSequence([seed, k]))
        # The comments' own stream: a child of the chunk's seed, so that they leave every other draw unchanged.
        comment_rng = np.random.default_rng(np.random.SeedSequence([seed, k]).spawn(1)[0])
        first = k * W.CHUNK_CUSTOMERS
        cust = simulate_customers(rng, first, min(W.CHUNK_CUSTOMERS, n_total - first))
        contacts = simulate_contacts(rng, cust)
        simulate_churn(rng, cust, contacts)
        contacts = contacts.take(contacts.time < end_of_life(cust)[contacts.customer])
        purchases = simulate_purchases(rng, cust)
        sink.logs(_log_tables(cust, contacts, purchases, first_order), cust, contacts)
        first_order += purchases.time.size + contacts.time.size
        responses = draw_responses(rng, cust, contacts)
        platform_of = pd.Series(cust.language[responses["customer"].to_numpy()]).map(
            {lang: p for p, (_, lang, _, _) in PLATFORM_FILES.items()}
        )
        for platform in PLATFORM_FILES:
            part = responses[platform_of.eq(platform).to_numpy()].reset_index(drop=True)
            dirty = add_dirt(rng, part, platform, fake_rows if k == 0 else 0)
            first_row = sink.rows(platform)  # ids continue across chunks: unique in the whole export
            extra = {"first_row": first_row} if platform == "surveymonkey" else {}
            themed = themed_comments(comment_rng, dirty, cust, PLATFORM_FILES[platform][1])
            header, body, cells = _WRITERS[platform](rng, dirty, cust, themed=themed, **extra)
            sink.export(platform, header, body, dirty["kind"], cells["counts"])
            key = _answer_key(dirty, body, cells, cust, platform, first_row)
            sink.answer_key(key)
            tally = theme_counts.setdefault(PLATFORM_FILES[platform][1], {})
            for theme, count in key["comment_themes"].replace("", "none").value_counts().items():
                tally[theme] = tally.get(theme, 0) + int(count)
    paths = sink.close()
    truth_path = folder / "TRUTH.json"
    truth_dict = truth(seed, scale, sink)
    truth_dict["comments"] = comment_truth(theme_counts)
    truth_path.write_text(json.dumps(truth_dict, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    readme = folder / "README.md"
    readme.write_text(readme_text(seed, scale, fmt), encoding="utf-8")
    paths.update(TRUTH=truth_path, README=readme)
    return dict(sorted(paths.items()))

