"""Simulate customers, service contacts, churn and purchases for one chunk (internal).

All times are integer seconds since :data:`~cxanalytics.synth._world.START` (UTC). The
simulation is vectorised over the customers of a chunk; the only loop is over the 25
thirty-day steps of the churn process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _world as W

DAY = 86_400
WINDOW_S = W.WINDOW_DAYS * DAY
CHANNEL_NAMES = tuple(W.CONTACT_CHANNELS)
ATTITUDES = ("promoter", "passive", "detractor")


@dataclass
class Customers:
    """Per-customer arrays of one chunk (index = position in the chunk)."""

    customer_id: np.ndarray  # str
    branch: np.ndarray  # int index into W.BRANCHES
    language: np.ndarray  # str
    segment: np.ndarray  # str
    plan: np.ndarray  # str
    acq_channel: np.ndarray  # str
    acq_cost_cents: np.ndarray  # int
    acquired: np.ndarray  # int seconds
    z: np.ndarray  # latent attitude
    attitude: np.ndarray  # int index into ATTITUDES
    silent: np.ndarray  # bool
    preferred: np.ndarray  # int index into CHANNEL_NAMES
    death: np.ndarray  # int seconds, or -1 when alive at END


@dataclass
class Contacts:
    """Service contacts of one chunk, sorted by customer then time."""

    customer: np.ndarray  # int position in the chunk
    time: np.ndarray  # int seconds
    channel: np.ndarray  # int
    wait_s: np.ndarray  # int
    handle_s: np.ndarray  # int
    resolved: np.ndarray  # bool
    complaint: np.ndarray  # bool
    recovered: np.ndarray  # bool (complaint that led to a resolution)
    credit_cents: np.ndarray  # int
    agent: np.ndarray  # int 1..12 within the branch

    def take(self, keep: np.ndarray) -> Contacts:
        return Contacts(**{k: v[keep] for k, v in vars(self).items()})


@dataclass
class Purchases:
    customer: np.ndarray
    time: np.ndarray
    amount_cents: np.ndarray


def _choice(rng: np.random.Generator, options: dict, n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] if not isinstance(options[k], tuple) else options[k][0] for k in keys])
    return np.asarray(keys)[rng.choice(len(keys), size=n, p=p / p.sum())]


def simulate_customers(rng: np.random.Generator, first: int, n: int) -> Customers:
    shares = np.array([b.share for b in W.BRANCHES])
    branch = rng.choice(len(W.BRANCHES), size=n, p=shares / shares.sum())
    main_lang = np.array([b.language for b in W.BRANCHES])[branch]
    language = np.empty(n, dtype=object)
    for lang, mix in W.LANGUAGE_MIX.items():
        idx = np.flatnonzero(main_lang == lang)
        language[idx] = _choice(rng, {k: v for k, v in mix.items() if v > 0}, idx.size)
    segment = _choice(rng, W.SEGMENTS, n)
    plan = _choice(rng, W.PLANS, n)
    acq_channel = _choice(rng, W.ACQUISITION, n)
    mean_cost = np.array([W.ACQUISITION[c][1] for c in acq_channel])
    acq_cost = np.rint(100 * mean_cost * rng.lognormal(-0.03125, 0.25, n)).astype(np.int64)  # mean 1
    acquired = np.rint(W.ACQUISITION_DAYS * DAY * rng.random(n) ** 0.8).astype(np.int64)
    quality = np.array([b.quality for b in W.BRANCHES])[branch]
    z = quality + 0.15 * (segment == "business") + rng.standard_normal(n)
    attitude = np.where(z < W.DETRACTOR_BELOW, 2, np.where(z > W.PROMOTER_ABOVE, 0, 1))
    silent = rng.random(n) < W.SILENT_SHARE
    pref_p = np.array([v[0] for v in W.CONTACT_CHANNELS.values()])
    preferred = rng.choice(len(pref_p), size=n, p=pref_p)
    ids = np.char.add("C", np.char.zfill(np.arange(first + 1, first + n + 1).astype(str), 7))
    return Customers(
        customer_id=ids.astype(object),
        branch=branch,
        language=language,
        segment=segment,
        plan=plan,
        acq_channel=acq_channel,
        acq_cost_cents=acq_cost,
        acquired=acquired,
        z=z,
        attitude=attitude,
        silent=silent,
        preferred=preferred,
        death=np.full(n, -1, dtype=np.int64),
    )


def simulate_contacts(rng: np.random.Generator, cust: Customers) -> Contacts:
    n = cust.acquired.size
    rate = W.CONTACTS_PER_MONTH * np.where(cust.segment == "business", 1.5, 1.0) * rng.lognormal(-0.125, 0.5, n)
    span = WINDOW_S - cust.acquired
    counts = rng.poisson(rate * span / (W.STEP_DAYS * DAY))
    who = np.repeat(np.arange(n), counts)
    time = cust.acquired[who] + (rng.random(who.size) * span[who]).astype(np.int64)
    order = np.lexsort((time, who))
    who, time = who[order], time[order]
    m = who.size
    channel = np.where(rng.random(m) < 0.7, cust.preferred[who], rng.integers(0, len(CHANNEL_NAMES), m))
    params = np.array([v[1:] for v in W.CONTACT_CHANNELS.values()])  # median wait, log-sd, handle
    wait_factor = np.array([b.wait_factor for b in W.BRANCHES])[cust.branch[who]]
    wait = params[channel, 0] * wait_factor * np.exp(params[channel, 1] * rng.standard_normal(m))
    handle = params[channel, 2] * np.exp(0.5 * rng.standard_normal(m))
    wait_s = np.rint(wait).astype(np.int64)
    quality = np.array([b.quality for b in W.BRANCHES])[cust.branch[who]]
    logit = 1.5 + 0.5 * quality - 0.25 * np.maximum(wait_s / 60 - 1, 0) + 0.3 * (channel == 2)
    failed = rng.random(m) > 1 / (1 + np.exp(-logit))
    p_complain = np.where(cust.silent[who], W.P_COMPLAIN["silent"], W.P_COMPLAIN["voice"])
    complaint = failed & (rng.random(m) < p_complain)
    recovered = complaint & (rng.random(m) < W.P_RECOVERY)
    amounts, probs = zip(*W.RECOVERY_CREDITS, strict=True)
    credit = np.where(recovered, rng.choice(np.array(amounts), size=m, p=np.array(probs)), 0.0)
    return Contacts(
        customer=who,
        time=time,
        channel=channel,
        wait_s=wait_s,
        handle_s=np.maximum(np.rint(handle).astype(np.int64), 15),
        resolved=~failed | recovered,
        complaint=complaint,
        recovered=recovered,
        credit_cents=np.rint(100 * credit).astype(np.int64),
        agent=rng.integers(1, 13, m),
    )


def _counts_by_step(cust: Customers, contacts: Contacts, mask: np.ndarray, steps: int) -> np.ndarray:
    """Cumulative count of masked contacts *before* each step, shape (customers, steps)."""
    n = cust.acquired.size
    who = contacts.customer[mask]
    step = (contacts.time[mask] - cust.acquired[who]) // (W.STEP_DAYS * DAY)
    flat = np.bincount(who * steps + step, minlength=n * steps).reshape(n, steps)
    before = np.cumsum(flat, axis=1) - flat
    return before


def simulate_churn(rng: np.random.Generator, cust: Customers, contacts: Contacts) -> None:
    """Draw each customer's churn time (``cust.death``) from the planted hazard."""
    steps = W.WINDOW_DAYS // W.STEP_DAYS + 1
    unresolved = np.minimum(_counts_by_step(cust, contacts, ~contacts.resolved, steps), W.UNRESOLVED_CAP)
    recovered = _counts_by_step(cust, contacts, contacts.recovered, steps) > 0
    base = np.array([W.BASELINE_HAZARD[p] for p in cust.plan])
    hr = np.array([W.HR_ATTITUDE[a] for a in ATTITUDES])[cust.attitude]
    hazard = (base * hr)[:, None] * W.HR_PER_UNRESOLVED**unresolved * np.where(recovered, W.HR_RECOVERED, 1.0)
    p_churn = 1.0 - np.exp(-hazard)
    start = cust.acquired[:, None] + np.arange(steps)[None, :] * W.STEP_DAYS * DAY
    churn = (rng.random(p_churn.shape) < p_churn) & (start < WINDOW_S)
    first = np.where(churn.any(axis=1), churn.argmax(axis=1), -1)
    offset = (rng.random(first.size) * W.STEP_DAYS * DAY).astype(np.int64)
    death = cust.acquired + first * W.STEP_DAYS * DAY + offset
    cust.death = np.where((first >= 0) & (death < WINDOW_S), death, -1)


def end_of_life(cust: Customers) -> np.ndarray:
    """Last second each customer can act: churn time, or the end of the window."""
    return np.where(cust.death >= 0, cust.death, WINDOW_S)


def simulate_purchases(rng: np.random.Generator, cust: Customers) -> Purchases:
    n = cust.acquired.size
    rate = rng.gamma(W.PURCHASE_RATE_SHAPE, W.PURCHASE_RATE_MEAN / W.PURCHASE_RATE_SHAPE, n)
    spend = np.array([W.SPEND_MEAN[s] for s in cust.segment]) * rng.gamma(4.0, 0.25, n)
    alive = end_of_life(cust) - cust.acquired
    counts = 1 + rng.poisson(rate * alive / (W.STEP_DAYS * DAY))  # the first purchase at acquisition
    who = np.repeat(np.arange(n), counts)
    first_row = np.r_[0, np.cumsum(counts)[:-1]]
    offset = (rng.random(who.size) * alive[who]).astype(np.int64)
    offset[first_row] = 0
    time = cust.acquired[who] + offset
    order = np.lexsort((time, who))
    amount = rng.gamma(6.0, spend[who] / 6.0)
    return Purchases(who[order], time[order], np.maximum(np.rint(100 * amount[order]), 1).astype(np.int64))


def history_at(contacts: Contacts, who: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """Per (customer, time) query: unresolved and recovered contacts strictly before ``t``.

    Also returns the index of the customer's last contact before ``t`` (-1 if none).
    """
    big = np.int64(10**10)
    keys = contacts.customer.astype(np.int64) * big + contacts.time
    q = who.astype(np.int64) * big + t
    start = np.searchsorted(keys, who.astype(np.int64) * big, side="left")
    stop = np.searchsorted(keys, q, side="left")
    cum_unres = np.r_[0, np.cumsum(~contacts.resolved)]
    cum_rec = np.r_[0, np.cumsum(contacts.recovered)]
    return {
        "unresolved": cum_unres[stop] - cum_unres[start],
        "recovered": cum_rec[stop] - cum_rec[start],
        "last": np.where(stop > start, stop - 1, -1),
    }
