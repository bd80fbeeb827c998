"""Join what customers said to what they did next: survey responses -> later behaviour.

:func:`link_responses` gives one row per survey response with the customer's behaviour
*after* the response (repurchase within a horizon, time to churn or censoring) and their
service history *before* it (contacts, unresolved contacts, complaints, recoveries,
tenure), so that cause precedes effect. :func:`outcome_by_group` tabulates an outcome by
satisfaction group with intervals (in :mod:`cxanalytics.link.outcomes`).
:func:`encounter_landmarks` links service contacts instead of responses: the k-th negative
encounter of each customer, with the behaviour after it.

Everything is vectorised: records are sorted once by (customer, time) and every "how many
before / after this response" question is one :func:`numpy.searchsorted` on a combined
integer key plus a prefix sum.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxanalytics._core.validate import renamed_parameters

from .._core import timeutil as tu
from .._core.dask import is_dask_frame
from .._core.validate import require_columns, require_frame
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe
from ._linkquery import (
    _DAY_NS,
    _count_before,
    _flag,
    _Index,
    _log_events,
    _span,
    _times,
    sorted_unique,
)
from ._linkresult import LinkResult

__all__ = ["LinkResult", "link_responses", "encounter_landmarks"]

# --------------------------------------------------------------------------- linking
@renamed_parameters(on="customer", inactivity="window")
def link_responses(responses: pd.DataFrame, customers: pd.DataFrame, *,
                   transactions: pd.DataFrame | None = None,
                   interactions: pd.DataFrame | None = None, customer: str = "customer_id",
                   horizon: str | pd.Timedelta | float = "180D", as_of: object,
                   time: str = "submitted_at", acquired: str | None = "acquired_at",
                   cancelled: str | None = "cancelled_at", plan: str | None = "plan",
                   contractual: Sequence[object] = ("contract",),
                   window: str | pd.Timedelta | float | None = None,
                   shared: str | os.PathLike | None = None) -> LinkResult:
    r"""Link each survey response to the customer's behaviour after it and history before it.

    Parameters
    ----------
    responses : DataFrame
        One row per response with the key ``customer`` and the submission ``time``.
    customers : DataFrame
        One row per customer (unique ``customer``), optionally with ``acquired``, ``cancelled``
        and ``plan`` columns; its other columns are copied to the result (a name already
        used by ``responses`` gets the suffix ``_customer``).
    transactions : DataFrame or dask.dataframe.DataFrame, optional
        Purchases with ``customer`` and ``occurred_at``: repurchase outcomes and the lapse rule.
        A Dask frame (a log larger than memory, datetime ``occurred_at``) gives the same
        result, reduced partition by partition (:mod:`cxanalytics._dasklink`); it is
        never shared through ``shared``.
    interactions : DataFrame, optional
        Service contacts with ``on``, ``occurred_at`` and optionally ``resolved``,
        ``complaint`` and ``wait_s``: the service history before each response.
    customer : str, default "customer_id"
        Customer key shared by the tables.  (Called
        ``on`` before 0.2; the old name still works, with a ``FutureWarning``.)
    horizon : str, Timedelta or number of days, default "180D"
        Repurchase window after the response.
    as_of : date-like
        End of observation; later records are ignored.
    time : str, default "submitted_at"
        Submission time of a response.
    acquired, cancelled, plan : str or None
        Columns of ``customers``: acquisition time (tenure; without it the first purchase
        is used), explicit end of contract, and plan type.
    contractual : sequence, default ("contract",)
        Values of ``plan`` whose customers end by explicit cancellation. Without ``plan``
        every customer is contractual when ``cancelled`` exists, else non-contractual.
    window : str, Timedelta or number of days, optional
        Lapse window for non-contractual customers: silence after which one counts as
        churned; by default the 90th percentile of the gaps between consecutive purchase
        days, as :func:`cxanalytics.behaviour.churn.churn_labels_noncontractual` chooses it.
        (Called ``inactivity`` before 0.2; the old name still works, with a ``FutureWarning``.)
    shared : path, optional
        A folder where results are shared between notebooks (``cxanalytics report`` gives
        each notebook one as ``shared_dir``): the result of an earlier call with the same
        tables (same contents) and options is read from it instead of computed, else the
        result is computed and written there as Parquet for later calls. What is read back
        is identical (checked before it is shared) and raises the same warnings; see
        :mod:`cxanalytics.link._sharedtables`. ``None``: always compute.

    Returns
    -------
    LinkResult
        ``linked`` holds the response columns, the customer columns and:
        ``tenure_days`` (response minus acquisition), ``churn_rule`` ("cancellation" or
        "inactivity"), ``churned`` (bool event), ``days_to_churn`` (response to churn, or
        to censoring at ``as_of`` when ``churned`` is False; NaN without the data for the
        rule), ``days_to_lapse`` (response to the moment the customer left: the
        cancellation, or the last sign of life of a lapsed customer; NaN if not churned),
        ``days_observed`` (response to ``as_of``), ``horizon_observed`` (response + horizon <= as_of), ``repurchased``
        (boolean; NA when the horizon is not fully observed), ``purchases_in_horizon``
        (Int64; NA likewise), ``days_to_next_purchase`` (NaN when none by ``as_of``) and,
        with interactions, ``contacts_before``, ``unresolved_before`` (``resolved`` false),
        ``complaints_before``, ``recovered_before`` (complaint and resolved),
        ``unresolved_complaints_before``, ``last_wait_s`` (wait of the latest contact),
        ``mean_wait_s_before``, ``sd_wait_s_before`` (two or more contacts) and
        ``days_since_contact``. ``unmatched`` holds the other
        responses with a ``reason``: missing_key, key_not_found, missing_time,
        after_as_of, before_acquisition (likely a mistyped key), after_churn (answered
        after the contract ended).

    Raises
    ------
    ColumnError
        Missing columns, duplicated customer keys, unreadable times.
    ParameterError
        Bad ``horizon``, ``window`` or ``as_of``.

    Warns
    -----
    DataQualityWarning
        Non-contractual customers without transactions (their churn is unknown: NaN);
        transactions or interactions left out because their customer is missing or not in
        ``customers``, their time is missing or they fall after ``as_of`` (one warning per
        reason, with their number and share); interactions with a missing ``resolved`` or
        ``complaint``. Responses that cannot be linked are not warned about: they are
        returned in ``unmatched`` with their reason and counted by ``summary()``.

    Notes
    -----
    Only records strictly before the response enter the history columns; outcomes use
    records strictly after it and on or before ``as_of``. Churn follows the business
    model: a contract ends at ``cancelled``; a non-contractual customer is declared lost
    once silent for longer than the inactivity window :math:`w` after their last sign of
    life :math:`\ell = \max(\text{response}, \text{last purchase})`, at time
    :math:`\ell + w` (the day the loss becomes knowable), and is censored at ``as_of``
    when :math:`\text{as\_of} - \ell \le w`. A repurchase outcome is NA unless the whole
    horizon was observed: keeping early repurchases of partly observed horizons while
    dropping their non-repurchases would inflate the rate. A customer with several
    responses contributes several rows.

    Examples
    --------
    >>> import pandas as pd
    >>> ts = lambda *d: pd.to_datetime(list(d), utc=True)
    >>> resp = pd.DataFrame({"customer_id": ["a", "b", "z"],
    ...                      "submitted_at": ts("2026-01-10", "2026-02-01", "2026-01-05")})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "acquired_at": ts("2025-12-01", "2026-01-01"),
    ...                      "plan": ["contract", "contract"],
    ...                      "cancelled_at": ts("2026-03-01", None)})
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "occurred_at": ts("2026-01-01", "2026-02-01", "2026-01-15")})
    >>> res = link_responses(resp, cust, transactions=tx, horizon="30D", as_of="2026-04-01")
    >>> res.linked[["customer_id", "churned", "days_to_churn", "repurchased"]]
      customer_id  churned  days_to_churn  repurchased
    0           a     True           50.0         True
    1           b    False           59.0        False
    >>> res.unmatched[["customer_id", "reason"]]
      customer_id         reason
    0           z  key_not_found

    With ``shared``, a second call with the same tables and options reads the first one's result:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = link_responses(resp, cust, transactions=tx, horizon="30D", as_of="2026-04-01", shared=folder)
    ...     again = link_responses(resp, cust, transactions=tx, horizon="30D", as_of="2026-04-01", shared=folder)
    ...     stored = sum(n.startswith("link_responses-") for n in os.listdir(folder))
    >>> stored, again.linked.equals(first.linked), again.linked.equals(res.linked)
    (1, True, True)
    """
    if shared is not None and not is_dask_frame(transactions):  # a Dask log is not hashed: never shared
        from ._sharedtables import shared_link

        options = {"responses": responses, "customers": customers, "transactions": transactions,
                   "interactions": interactions, "customer": customer, "horizon": horizon, "as_of": as_of, "time": time,
                   "acquired": acquired, "cancelled": cancelled, "plan": plan, "contractual": contractual,
                   "window": window}
        return shared_link(shared, "link_responses", options, lambda: link_responses(**options))
    on = customer
    responses = require_frame(responses, parameter="responses")
    customers = require_frame(customers, parameter="customers")
    require_columns(responses, [on, time], what="responses")
    require_columns(customers, [on, acquired, cancelled, plan], what="customers")
    if customers[on].duplicated().any():
        dup = customers.loc[customers[on].duplicated(), on].iloc[0]
        raise ColumnError(describe("Customer keys must be unique", column=on, received=dup,
                                   expected="one row per customer"))
    h_days = _span(horizon, "horizon")
    s_ns, tz = _times(responses, time, "responses")
    try:
        end = tu.to_tz(as_of, "UTC" if tz is not None else None, "as_of")
    except ParameterError as err:
        raise ParameterError(describe("as_of must match the time zone awareness of the times",
                                      parameter="as_of", received=str(as_of),
                                      expected="an aware date for aware times")) from err
    end_ns = int(end.tz_localize(None).as_unit("ns").value) if end.tz is not None else int(end.as_unit("ns").value)

    # --- which responses can be linked
    codes = pd.Index(customers[on]).get_indexer(responses[on])
    reason = np.full(len(responses), "", dtype=object)
    reason[codes < 0] = "key_not_found"
    reason[responses[on].isna().to_numpy()] = "missing_key"
    nat = np.iinfo(np.int64).min
    reason[(reason == "") & (s_ns == nat)] = "missing_time"
    reason[(reason == "") & (s_ns > end_ns)] = "after_as_of"
    acq_ns = _times(customers, acquired, "customers")[0] if acquired else None
    if acq_ns is not None:
        a = acq_ns[np.maximum(codes, 0)]
        reason[(reason == "") & (a != nat) & (s_ns < a)] = "before_acquisition"
    can_ns = _times(customers, cancelled, "customers")[0] if cancelled else None
    if plan is not None:
        is_contract = customers[plan].isin(list(contractual)).to_numpy()
    else:
        is_contract = np.full(len(customers), can_ns is not None)
    if can_ns is not None:
        c_end = np.where(is_contract & (can_ns != nat) & (can_ns <= end_ns), can_ns, nat)
        ce = c_end[np.maximum(codes, 0)]
        reason[(reason == "") & (ce != nat) & (s_ns > ce)] = "after_churn"
    else:
        c_end = np.full(len(customers), nat)
    ok = reason == ""
    unmatched = responses.loc[~ok].assign(reason=reason[~ok]).reset_index(drop=True)
    code, s = codes[ok], s_ns[ok]
    n = len(code)

    cust = customers.drop(columns=[on]).iloc[code].reset_index(drop=True)
    clash = [c for c in cust.columns if c in responses.columns]
    cust = cust.rename(columns={c: f"{c}_customer" for c in clash})
    linked = pd.concat([responses.loc[ok].reset_index(drop=True), cust], axis=1)

    # --- transactions: repurchase, next purchase, last sign of life
    h_ns = int(round(h_days * _DAY_NS))
    observed = s + h_ns <= end_ns
    first_tx = np.full(n, np.nan)
    last_seen = s.astype(np.float64)
    dask_log = transactions is not None and is_dask_frame(transactions)
    if transactions is not None:
        if dask_log:  # a log larger than memory: each response's answers from every partition, combined
            from ._dasklink import transaction_queries

            got = transaction_queries(transactions, customers, on=on, tz=tz, time=time, end_ns=end_ns, code=code,
                                      s=s, h_ns=h_ns)
            count, nxt, first, last = got["count"], got["nxt"], got["first"], got["last"]
            has_next, has = nxt != np.iinfo(np.int64).max, last != nat
        else:
            transactions = require_frame(transactions, parameter="transactions")
            t_code, t_ns, keep, t_tz = _log_events(transactions, "transactions", customers, on, tz, time, end_ns)
            tc, tt = t_code[keep], t_ns[keep]
            ix = _Index(tc, tt, sorted_unique(np.r_[tt, s, s + h_ns]))
            lo, hi = ix.start(code), ix.stop(code)
            after = ix.pos(code, s, "right")
            count = ix.pos(code, s + h_ns, "right") - after
            has_next, has, top = after < hi, hi > lo, max(len(tt) - 1, 0)
            nxt = ix.times[np.minimum(after, top)] if len(tt) else np.zeros(n)
            last = ix.times[np.maximum(hi - 1, 0)] if len(tt) else np.zeros(n)
            first = ix.times[np.minimum(lo, top)] if len(tt) else np.zeros(n)
        linked["horizon_observed"] = observed
        linked["repurchased"] = pd.array(np.where(observed, count > 0, False), dtype="boolean")
        linked.loc[~observed, "repurchased"] = pd.NA
        linked["purchases_in_horizon"] = pd.array(count, dtype="Int64")
        linked.loc[~observed, "purchases_in_horizon"] = pd.NA
        linked["days_to_next_purchase"] = np.where(has_next, (np.where(has_next, nxt, s) - s) / _DAY_NS, np.nan)
        last_seen = np.where(has, np.maximum(last, s), s).astype(np.float64)
        if acquired is None:
            first_tx = np.where(has, first, np.nan)
    else:
        linked["horizon_observed"] = observed
        linked["repurchased"] = pd.array([pd.NA] * n, dtype="boolean")
        linked["purchases_in_horizon"] = pd.array([pd.NA] * n, dtype="Int64")
        linked["days_to_next_purchase"] = np.nan

    # --- tenure at response
    start = acq_ns[code].astype(np.float64) if acq_ns is not None else first_tx
    if acq_ns is not None:
        start[acq_ns[code] == nat] = np.nan
    linked["tenure_days"] = (s - start) / _DAY_NS

    # --- churn: cancellation for contracts, inactivity rule otherwise
    contract = is_contract[code]
    ce = c_end[code]
    days = np.where(ce != nat, (ce - s) / _DAY_NS, (end_ns - s) / _DAY_NS)
    event = ce != nat
    w_days = np.nan
    if (~contract).any():
        if transactions is None:
            warnings.warn(f"{int((~contract).sum())} linked response(s) of non-contractual "
                          "customers have no transactions to judge churn by: churn left NaN",
                          DataQualityWarning, stacklevel=2)
            days = np.where(contract, days, np.nan)
        else:
            if window is None and dask_log:
                from ..behaviour.scale import lapse_window

                t_tz = getattr(transactions.dtypes["occurred_at"], "tz", None)
                w_days = lapse_window(transactions, customers, is_contract, on=on, end_ns=end_ns,
                                      end_day=tu.day_of(end if tz is None else end.tz_convert(t_tz)))
            elif window is None:
                from ..behaviour.churn import churn_labels_noncontractual

                tx = transactions.loc[keep & ~is_contract[np.maximum(t_code, 0)], [on, "occurred_at"]]
                w_days = float(churn_labels_noncontractual(
                    tx if len(tx) else transactions[[on, "occurred_at"]],
                    as_of=end if tz is None else end.tz_convert(t_tz), customer=on)["window"].iloc[0])
            else:
                w_days = _span(window, "window")
            w_ns = w_days * _DAY_NS
            lapsed = end_ns - last_seen > w_ns
            days = np.where(contract, days, np.where(lapsed, (last_seen + w_ns - s), end_ns - s) / _DAY_NS)
            event = np.where(contract, event, lapsed)
    linked["churn_rule"] = np.where(contract, "cancellation", "inactivity")
    linked["churned"] = event.astype(bool)
    linked["days_to_churn"] = days
    lapse = np.where(contract, days, (last_seen - s) / _DAY_NS)
    linked["days_to_lapse"] = np.where(event.astype(bool), lapse, np.nan)
    linked["days_observed"] = (end_ns - s) / _DAY_NS

    # --- service history strictly before the response
    if interactions is not None:
        interactions = require_frame(interactions, parameter="interactions")
        i_code, i_ns, use, _ = _log_events(interactions, "interactions", customers, on, tz, time, end_ns)
        keep_i = np.flatnonzero(use)
        inter = interactions.iloc[keep_i]
        ix = _Index(i_code[keep_i], i_ns[keep_i], sorted_unique(np.r_[i_ns[keep_i], s]))
        lo, before = ix.start(code), ix.pos(code, s, "left")
        resolved = _flag(inter, "resolved", ix.order)
        complaint = _flag(inter, "complaint", ix.order)
        unresolved = None if resolved is None else np.where(np.isnan(resolved), np.nan, 1 - resolved)
        recovered = None if resolved is None or complaint is None else resolved * complaint
        unres_compl = None if unresolved is None or complaint is None else unresolved * complaint
        linked["contacts_before"] = pd.array(before - lo, dtype="Int64")
        linked["unresolved_before"] = _count_before(unresolved, lo, before)
        linked["complaints_before"] = _count_before(complaint, lo, before)
        linked["recovered_before"] = _count_before(recovered, lo, before)
        linked["unresolved_complaints_before"] = _count_before(unres_compl, lo, before)
        has = before > lo
        prev = np.maximum(before - 1, 0)
        if "wait_s" in inter.columns and len(inter):
            wait = inter["wait_s"].to_numpy(dtype=float, na_value=np.nan)[ix.order]
            linked["last_wait_s"] = np.where(has, wait[np.minimum(prev, len(wait) - 1)], np.nan)
            ok_w = ~np.isnan(wait)
            cw = np.r_[0.0, np.cumsum(np.where(ok_w, wait, 0.0))]
            cn = np.r_[0, np.cumsum(ok_w)]
            cq = np.r_[0.0, np.cumsum(np.where(ok_w, wait, 0.0) ** 2)]
            m = cn[before] - cn[lo]
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (cw[before] - cw[lo]) / m
                var = np.maximum((cq[before] - cq[lo]) - m * mean**2, 0) / (m - 1)
            linked["mean_wait_s_before"] = mean
            linked["sd_wait_s_before"] = np.where(m >= 2, np.sqrt(var), np.nan)
        last_t = ix.times[np.minimum(prev, max(len(ix.times) - 1, 0))] if len(ix.times) else 0
        linked["days_since_contact"] = np.where(has, (s - last_t) / _DAY_NS, np.nan)
    return LinkResult(linked=linked, unmatched=unmatched, horizon_days=h_days,
                      inactivity_days=w_days, as_of=end)


@renamed_parameters(on="customer")
def encounter_landmarks(customers: pd.DataFrame, interactions: pd.DataFrame, *,
                        transactions: pd.DataFrame | None = None, as_of: object,
                        negative: str = "unresolved", max_count: int = 3,
                        horizon: str | pd.Timedelta | float = "90D", customer: str = "customer_id",
                        shared: str | os.PathLike | None = None, **link_options) -> LinkResult:
    """Service contacts as landmarks: the k-th negative encounter and what the customer did next.

    Parameters
    ----------
    customers, interactions, transactions, as_of, horizon, customer
        As in :func:`link_responses` (``customer`` was called ``on`` before 0.2); ``interactions`` needs ``occurred_at``, ``resolved``
        and (for ``negative="failure"``) ``complaint``.
    negative : {"unresolved", "failure"}, default "unresolved"
        A negative encounter is a contact not resolved (``resolved`` false), or any failure
        (not resolved, or resolved only after a complaint).
    max_count : int, default 3
        Landmarks are kept for the first ``max_count`` negative encounters.
    shared : path, optional
        A folder where results are shared between notebooks, as in :func:`link_responses`:
        the landmarks of an earlier call with the same tables and options are read from it.
    **link_options
        Passed on to :func:`link_responses` (``plan``, ``cancelled``, ``window``, ...).

    Returns
    -------
    LinkResult
        ``linked`` has one row per landmark (by customer, then time): the interaction's columns, ``encounter`` (0 for
        a customer's first contact when it was not negative; k = 1 .. ``max_count`` for the
        k-th negative encounter) and the columns :func:`link_responses` adds (history
        strictly before the contact, behaviour after it).

    Raises
    ------
    ColumnError, ParameterError
        As :func:`link_responses`; missing ``resolved``/``complaint``; bad ``max_count``.

    Warns
    -----
    DataQualityWarning
        As :func:`link_responses` (whose name the messages carry): interactions and
        transactions left out, with their number and share.

    Examples
    --------
    >>> ts = lambda *d: pd.to_datetime(list(d), utc=True)
    >>> cust = pd.DataFrame({"customer_id": ["a"], "acquired_at": ts("2026-01-01"),
    ...                      "plan": ["contract"], "cancelled_at": ts("2026-03-01")})
    >>> inter = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                       "occurred_at": ts("2026-01-05", "2026-01-20", "2026-02-01"),
    ...                       "resolved": [True, False, False], "complaint": [False, True, False]})
    >>> lm = encounter_landmarks(cust, inter, as_of="2026-06-30").linked
    >>> lm[["encounter", "unresolved_before", "churned"]].values.tolist()
    [[0, 0, True], [1, 0, True], [2, 1, True]]
    """
    if shared is not None and not is_dask_frame(transactions):
        from ._sharedtables import shared_link

        options = {"customers": customers, "interactions": interactions, "transactions": transactions,
                   "as_of": as_of, "negative": negative, "max_count": max_count, "horizon": horizon, "customer": customer,
                   **link_options}
        return shared_link(shared, "encounter_landmarks", options, lambda: encounter_landmarks(**options))
    on = customer
    if negative not in ("unresolved", "failure"):
        raise ParameterError(describe("Unknown kind of negative encounter", parameter="negative",
                                      received=negative, expected="'unresolved' or 'failure'"))
    if not (isinstance(max_count, int) and max_count >= 1):
        raise ParameterError(describe("max_count must be a whole number >= 1",
                                      parameter="max_count", received=max_count, expected="e.g. 3"))
    interactions = require_frame(interactions, parameter="interactions")
    need = ["resolved"] + (["complaint"] if negative == "failure" else [])
    require_columns(interactions, [on, "occurred_at", *need], what="interactions")
    t_ns, _ = _times(interactions, "occurred_at", "interactions")
    order = np.lexsort((t_ns, pd.factorize(interactions[on], sort=True)[0]))
    inter = interactions.iloc[order].reset_index(drop=True)
    bad = ~inter["resolved"].fillna(True).to_numpy(dtype=bool)
    if negative == "failure":
        bad |= inter["complaint"].fillna(False).to_numpy(dtype=bool)
    codes = pd.factorize(inter[on])[0]
    k = pd.Series(bad.astype(np.int64)).groupby(codes).cumsum().to_numpy()
    first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
    take = (bad & (k <= max_count)) | (first & ~bad)
    marks = inter.loc[take].assign(encounter=np.where(bad[take], k[take], 0))
    return link_responses(marks, customers, transactions=transactions, interactions=interactions,
                          customer=on, horizon=horizon, as_of=as_of, time="occurred_at", **link_options)
