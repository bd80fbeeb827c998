"""Draw survey responses and their dirt for one chunk (internal).

The result is a *canonical* response table (numbers, not labels): one row per exported row,
with a ``kind`` column saying whether the row is a genuine response or planted dirt. The
platform writers in :mod:`._formats` turn it into each platform's real export shape.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _world as W
from ._business import CHANNEL_NAMES, DAY, WINDOW_S, Contacts, Customers, end_of_life, history_at

TOPICS = ("billing", "network", "device", "plan_change", "other")
ITEMS_PER_DIMENSION = 2
SERVQUAL_ITEMS = tuple(f"{d}_{k}" for d in W.SERVQUAL_DIMENSIONS for k in range(1, ITEMS_PER_DIMENSION + 1))
#: Items worded negatively in the questionnaire (both E and P stored reversed: 8 - score).
REVERSED_ITEMS = ("responsiveness_2",)


def _clip_round(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi).astype(np.int64)


def draw_responses(rng: np.random.Generator, cust: Customers, contacts: Contacts) -> pd.DataFrame:
    """Genuine responses: who answered, when, and what (numeric answers)."""
    n = cust.acquired.size
    last_second = end_of_life(cust) - 3600
    earliest = cust.acquired + 7 * DAY
    chosen = rng.random(n) < W.P_RESPOND
    post = rng.random(n) < W.P_POST_CONTACT
    # Relationship survey: an invitation at a uniform moment between the customer's first week and
    # the end of the window, drawn without looking at when the customer will leave; only customers
    # still there answer it. (Drawing the moment within the customer's own lifetime would tie the
    # survey date to the future churn date and bias every survey -> churn analysis.)
    span = np.maximum(WINDOW_S - 3600 - earliest, 0)
    t = earliest + (rng.random(n) * span).astype(np.int64)
    # Post-contact survey: every contact sends an invitation with probability 1/2; the customer
    # answers the first one, 1-48 hours after that contact.
    invited = np.flatnonzero(rng.random(contacts.time.size) < 0.5)
    first_customer, first_at = np.unique(contacts.customer[invited], return_index=True)
    trigger = np.full(n, -1)
    trigger[first_customer] = invited[first_at]
    delay = rng.integers(3600, 48 * 3600, n)
    post &= trigger >= 0
    if contacts.time.size:
        t = np.where(post, contacts.time[np.maximum(trigger, 0)] + delay, t)
    trigger = np.where(post, trigger, -1)
    who = np.flatnonzero(chosen & (t >= earliest) & (t < last_second))
    t, trigger = t[who], trigger[who]
    hist = history_at(contacts, who, t)
    last = np.where(trigger >= 0, trigger, hist["last"])
    channel = np.where(last >= 0, contacts.channel[np.maximum(last, 0)], cust.preferred[who])
    wait_min = np.where(trigger >= 0, contacts.wait_s[np.maximum(trigger, 0)] / 60.0, 1.0)
    unres = np.minimum(hist["unresolved"], 3)
    over_wait = np.maximum(wait_min - 1.0, 0.0)
    zr = (
        cust.z[who]
        + W.SHIFT_RECOVERED * (hist["recovered"] > 0)
        + W.SHIFT_PER_UNRESOLVED * unres
        + W.SHIFT_PER_WAIT_MINUTE * over_wait
    )
    sd = np.array([b.consistency_sd for b in W.BRANCHES])[cust.branch[who]]
    r = zr + sd * rng.standard_normal(who.size)
    m = who.size
    out = {
        "customer": who,
        "submitted": t,
        # Genuine respondents take at least 2 minutes; speeders (added as dirt) take under one.
        "duration_s": np.maximum(np.rint(290 * rng.lognormal(0, 0.5, m)), 120).astype(np.int64),
        "channel": np.asarray(CHANNEL_NAMES)[channel],
        "wait_min": wait_min,
        "unresolved_before": hist["unresolved"],
        "recovered_before": hist["recovered"],
    }
    # NPS within the current attitude group, nudged by the visit's experience.
    det, pro = zr < W.DETRACTOR_BELOW, zr > W.PROMOTER_ABOVE
    nps_det = _clip_round(5.2 + 1.5 * (r - W.DETRACTOR_BELOW) + rng.standard_normal(m), 0, 6)
    nps_pas = 7 + (r + 0.5 * rng.standard_normal(m) > (W.DETRACTOR_BELOW + W.PROMOTER_ABOVE) / 2)
    nps_pro = 9 + (rng.random(m) < 1 / (1 + np.exp(-1.5 * (r - W.PROMOTER_ABOVE))))
    out["nps"] = np.where(det, nps_det, np.where(pro, nps_pro, nps_pas)).astype(np.int64)
    out["csat"] = _clip_round(3.2 + 0.8 * r + 0.55 * rng.standard_normal(m), 1, 5)
    out["ces"] = _clip_round(4.9 + 0.6 * r - 0.3 * over_wait + 0.9 * rng.standard_normal(m), 1, 7)
    level = 5.9 + 0.4 * rng.standard_normal(m)
    for item in SERVQUAL_ITEMS:
        dim = item.rsplit("_", 1)[0]
        e = _clip_round(level + 0.7 * rng.standard_normal(m), 1, 7)
        p = _clip_round(level + W.SERVQUAL_GAP[dim] + 0.7 * r + 0.8 * rng.standard_normal(m), 1, 7)
        out[f"e_{item}"], out[f"p_{item}"] = (8 - e, 8 - p) if item in REVERSED_ITEMS else (e, p)
    for pillar in W.PILLARS:
        extra = -0.5 * unres if pillar == "resolution" else (-0.3 * over_wait if pillar == "time_effort" else 0)
        x = 6.3 + 1.3 * r + W.PILLAR_OFFSET[pillar] + extra + 1.1 * rng.standard_normal(m)
        out[f"pillar_{pillar}"] = _clip_round(x, 0, 10)
    topics = rng.random((m, len(TOPICS))) < np.array([0.35, 0.30, 0.15, 0.15, 0.10])
    topics[~topics.any(axis=1), 4] = True
    out["topics"] = topics
    out["sentiment"] = np.where(r < -0.8, -1, np.where(r > 0.8, 1, 0))
    out["comment_roll"] = rng.random(m)
    frame = pd.DataFrame({k: v for k, v in out.items() if k != "topics"})
    for j, topic in enumerate(TOPICS):
        frame[f"topic_{topic}"] = topics[:, j]
    frame["kind"] = "genuine"
    return frame


def add_dirt(rng: np.random.Generator, resp: pd.DataFrame, platform: str, fake_rows: int) -> pd.DataFrame:
    """Turn some genuine rows into dirt and add duplicate rows and ``fake_rows`` preview/test rows.

    Kinds are exclusive per row; ``kind`` says what each row is, for ``TRUTH.json``.
    """
    resp = resp.copy()
    n = len(resp)
    if n == 0:
        return resp
    order = rng.permutation(n)
    shares = [("speeder", W.DIRT["speeder"]), ("straightliner", W.DIRT["straightliner"])]
    if platform != "google_forms":  # a Google Form cannot be submitted half-way
        shares.append(("partial", W.DIRT["partial"]))
    if platform == "google_forms":
        shares.append(("out_of_range", W.DIRT["out_of_range"]))
    kind = resp["kind"].to_numpy(dtype=object).copy()
    pos = 0
    for name, share in shares:
        k = int(round(share * n))
        kind[order[pos : pos + k]] = name
        pos += k
    resp["kind"] = kind
    items = [c for c in resp.columns if c.startswith(("e_", "p_", "pillar_"))]
    sp = resp["kind"].eq("speeder")
    resp.loc[sp, "duration_s"] = rng.integers(20, 60, int(sp.sum()))
    for col in ["nps", "csat", "ces", *items]:
        hi = {"nps": 10, "csat": 5}.get(col, 10 if col.startswith("pillar_") else 7)
        lo = 0 if col == "nps" or col.startswith("pillar_") else 1
        resp.loc[sp, col] = rng.integers(lo, hi + 1, int(sp.sum()))
    st = resp["kind"].eq("straightliner")
    value = rng.integers(4, 8, int(st.sum()))
    for col in items:
        resp.loc[st, col] = np.minimum(value, 10 if col.startswith("pillar_") else 7)
    resp.loc[resp["kind"].eq("out_of_range"), "nps"] = 11
    # A partial response stops after the first or second block of questions.
    resp["answered"] = np.where(resp["kind"].eq("partial"), rng.integers(1, 3, n), 99)
    # Duplicates: a second submission of a genuine response, minutes later, same answers.
    genuine = np.flatnonzero(resp["kind"].eq("genuine").to_numpy())
    dup = resp.iloc[rng.choice(genuine, size=int(round(W.DIRT["duplicate"] * n)), replace=False)].copy()
    dup["submitted"] += rng.integers(120, 3600, len(dup))
    dup["kind"] = "duplicate"
    extra = [dup]
    # Only Qualtrics records previews; elsewhere every try-out is a test submission.
    fakes = (("preview", fake_rows), ("test", fake_rows + 1)) if platform == "qualtrics" else (("test", 2 * fake_rows + 1),)
    for name, k in fakes:
        fake = resp.iloc[rng.choice(n, size=k, replace=True)].copy()
        fake["kind"] = name
        fake["customer"] = -1
        fake["submitted"] = rng.integers(0, 20 * DAY, k)  # the survey was tried out early
        extra.append(fake)
    resp = pd.concat([resp, *extra], ignore_index=True)
    return resp.sort_values("submitted", kind="stable", ignore_index=True)
