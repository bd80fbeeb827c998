"""What keeping a customer costs against what winning one costs, average and marginal.

See :func:`retention_vs_acquisition`; lifetime values come from :mod:`cxanalytics.money.economics`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxanalytics._core.validate import renamed_parameters

from .._core.validate import require_columns, require_frame, warn_dropped
from ..behaviour._exposure import lifetimes, period_days, segment_rates
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe
from .economics import clv

__all__ = ["retention_vs_acquisition"]


def _per_segment(value, name: str, segments: pd.Index) -> np.ndarray:
    """A scalar, mapping or Series of per-segment values aligned to ``segments``."""
    if isinstance(value, Mapping | pd.Series):
        got = pd.Series(dict(value) if isinstance(value, Mapping) else value)
        missing = [s for s in segments if s not in got.index]
        if missing:
            raise ParameterError(describe("No value for some segments", parameter=name, received=missing[:5],
                                          expected=f"a value for each of {list(segments)}"))
        return got.reindex(segments).to_numpy(dtype=np.float64)
    return np.full(len(segments), value, dtype=np.float64)


def _marginal_acquisition(cust, segment, cost, channel, min_channel_n):
    """Mean cost of the costliest channel (with enough customers) per segment, and its name."""
    frame = pd.DataFrame({"segment": cust[segment].to_numpy() if segment is not None else "all",
                          "channel": cust[channel].to_numpy(), "cost": cost})
    ch = frame.groupby(["segment", "channel"], observed=True, sort=True)["cost"].agg(["mean", "size"]).reset_index()
    ch = ch[ch["size"] >= min_channel_n].sort_values(["segment", "mean"])
    top = ch.groupby("segment", observed=True).tail(1).set_index("segment")
    return top["mean"], top["channel"]


@renamed_parameters(segment="by")
def retention_vs_acquisition(
    customers: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    by: str | None = "segment",
    hourly_wage: float = 28.0,
    acquisition_cost: str = "acquisition_cost",
    channel: str | None = "acquisition_channel",
    handle: str = "handle_s",
    credit: str | None = "credit",
    other_costs: tuple[str, ...] = (),
    margin: object = None,
    retention: object = None,
    retention_gain: object = None,
    discount: float = 0.1,
    points: float = 0.01,
    period: str | pd.Timedelta = "365D",
    margin_rate: float = 1.0,
    min_channel_n: int = 30,
    as_of: object = None,
    window: object = None,
    lapse: object = True,
    customer: str = "customer_id",
    acquired: str = "acquired_at",
    cancelled: str | None = "cancelled_at",
    time: str = "occurred_at",
    amount: str = "amount",
) -> pd.DataFrame:
    """Cost to win a customer against cost to keep one, per segment, average and marginal.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer``, ``acquired``, ``acquisition_cost``, optional
        ``channel``, ``cancelled`` and ``segment``.
    interactions : pandas.DataFrame
        One row per service contact: ``customer``, ``handle`` (seconds of agent time),
        optional ``credit`` and ``other_costs`` (currency units: discounts, gestures).
    transactions : pandas.DataFrame or dask.dataframe.DataFrame, optional
        Purchases; needed to estimate margin and retention (see :func:`clv_by_segment`)
        unless both are given, and to date silent lapses. A Dask frame (a log larger than
        memory) gives the same table, as in :func:`clv_by_segment`.
    by : str or None, default 'segment'
        Grouping column of ``customers``; None for one row ('all').  (Called ``segment``
        before 0.2; the old name still works, with a ``FutureWarning``.)
    hourly_wage : float, default 28.0
        Loaded cost of one hour of agent time (wage plus overheads), in currency units.
        The default is the sample business's figure: set your own.
    acquisition_cost, channel, handle, credit : str
        Column names; ``channel=None`` when the acquisition channel is unknown (the
        marginal acquisition cost is then missing), ``credit=None`` without credits.
    other_costs : tuple of str, default ()
        Further per-contact cost columns of ``interactions`` added to the cost to retain.
    margin, retention : float, mapping or Series, optional
        Margin and retention per period, per segment; estimated from ``transactions``
        when None.
    retention_gain : float, mapping or Series, optional
        Retention (per period, as a probability difference) that the current retention
        spend buys, e.g. from the link analysis; gives the marginal cost per customer saved.
    discount : float, default 0.1
        Discount rate per period.
    points : float, default 0.01
        Size of the retention gain valued (0.01 = one percentage point).
    period : str or pandas.Timedelta, default '365D'
        Length of one period; costs are per customer-period.
    margin_rate, as_of, window, lapse, customer, acquired, cancelled, time, amount
        As in :func:`clv_by_segment`.
    min_channel_n : int, default 30
        Channels with fewer customers are ignored for the marginal acquisition cost.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``<segment>``, ``n``, ``n_active``, ``customer_periods``,
        ``acquisition_cost_mean`` (per new customer), ``acquisition_cost_marginal``
        (mean cost in the costliest channel), ``marginal_channel``, ``service_hours``,
        ``service_cost`` (hours x wage), ``credit_cost``, ``other_cost``,
        ``cost_to_retain`` (all three, per customer-period), ``cost_ratio``
        (acquisition_cost_mean / cost_to_retain), ``cost_per_customer_saved``
        (cost_to_retain / retention_gain), ``cost_ratio_marginal``
        (acquisition_cost_marginal / cost_per_customer_saved), ``margin``, ``retention``,
        ``clv``, ``value_per_point`` (gain in CLV per customer for ``points`` more
        retention), ``value_per_point_total`` (x active customers) and
        ``break_even_retention_spend`` (per customer-period).

    Raises
    ------
    ColumnError
        Missing columns or non-numeric costs.
    ParameterError
        Negative wage, margin / retention neither given nor estimable, bad points.

    Warns
    -----
    DataQualityWarning
        Customers acquired after ``as_of`` or without a segment, interactions of customers
        not analysed, transactions without a known customer or time or after ``as_of``,
        and customers without an acquisition cost (from the cost means) are left out, one
        warning per reason with their number and share; missing handle times, credits or
        amounts are counted as 0.

    Notes
    -----
    **Average vs marginal (Pfeifer 2005).** The popular claim that acquiring a
    customer costs 5-25 times more than retaining one compares *averages*: all
    acquisition spend over all new customers, and all service spend over all customers
    kept - most of whom would have stayed anyway. Budget should move only on
    *marginal* costs: what the next customer won costs (here, the mean cost in the
    costliest channel in use, the one that grows or shrinks first) against what the
    next customer *saved* costs (the retention spend divided by the retention it buys,
    ``retention_gain``). A large average ratio can coexist with a marginal ratio below
    1, so ``cost_ratio`` alone does not justify moving budget.

    Cost to retain per customer-period is
    :math:`(\\text{hourly\\_wage} \\sum \\text{handle}/3600 + \\sum \\text{credit} + \\sum
    \\text{other}) / E`, with :math:`E` the customer-periods observed. The value of
    ``points`` more retention is :math:`\\Delta = CLV(m, r + p) - CLV(m, r)`
    (:func:`clv`, end of period); the break-even spend per customer-period, paid at the
    start of every period the customer stays, is :math:`\\Delta / CLV_{start}(1, r + p)`.

    References
    ----------
    Pfeifer, P. E. (2005). The optimal ratio of acquisition and retention costs.
    *Journal of Targeting, Measurement and Analysis for Marketing* 13(2), 179-188.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": [1, 2, 3, 4], "acquired_at": pd.to_datetime(["2025-01-01"] * 4),
    ...                   "acquisition_cost": [40.0, 60.0, 40.0, 60.0], "segment": ["a", "a", "b", "b"]})
    >>> i = pd.DataFrame({"customer_id": [1, 2, 3], "handle_s": [3600, 1800, 900],
    ...                   "credit": [10.0, 0.0, 0.0]})
    >>> out = retention_vs_acquisition(c, i, margin=100.0, retention=0.8, as_of="2026-01-01",
    ...                                channel=None, cancelled=None)
    >>> out[["segment", "cost_to_retain", "cost_ratio", "value_per_point"]].round(2)
      segment  cost_to_retain  cost_ratio  value_per_point
    0       a            26.0        1.92            12.64
    1       b             3.5       14.29            12.64
    """
    segment = by
    if not (isinstance(hourly_wage, int | float) and np.isfinite(hourly_wage) and hourly_wage >= 0):
        raise ParameterError(describe("hourly_wage must be a cost >= 0", parameter="hourly_wage", received=hourly_wage,
                                      expected="e.g. 28.0 (currency units per hour)"))
    if not (isinstance(points, int | float) and 0 < points < 1):
        raise ParameterError(describe("points must be a retention gain in (0, 1)", parameter="points",
                                      received=points, expected="e.g. 0.01 for one percentage point"))
    if transactions is None and (margin is None or retention is None):
        raise ParameterError(describe("Margin and retention are needed", parameter="transactions",
                                      expected="transactions= to estimate them, or both margin= and retention="))
    cust = require_frame(customers, parameter="customers")
    inter = require_frame(interactions, parameter="interactions")
    require_columns(cust, [customer, acquisition_cost, channel, segment], what="customers")
    cost_cols = [c for c in (handle, credit, *other_costs) if c is not None]
    require_columns(inter, [customer, *cost_cols], what="interactions")
    for frame, col in [(cust, acquisition_cost)] + [(inter, c) for c in cost_cols]:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            raise ColumnError(describe("Cost column must be numeric", column=col, received=f"dtype {frame[col].dtype}",
                                       expected="numbers (currency units, or seconds for handle time)"))
    life, _ = lifetimes(cust, transactions, segment=segment, customer=customer, acquired=acquired, cancelled=cancelled,
                         time=time, amount=amount if transactions is not None else None, as_of=as_of, window=window,
                         lapse=lapse, function="retention_vs_acquisition")
    out = segment_rates(life, period_days(period), 0.05).set_index("segment")
    segs = out.index
    acq = cust[acquisition_cost].to_numpy(dtype=np.float64, na_value=np.nan)
    used = cust[segment].notna().to_numpy() if segment is not None else np.ones(len(cust), dtype=bool)
    warn_dropped(int((used & np.isnan(acq)).sum()), len(cust), "with a missing value", function="retention_vs_acquisition",
                 column=acquisition_cost, what="customers", scope="from the acquisition-cost means")
    if channel is not None:
        warn_dropped(int((used & cust[channel].isna().to_numpy()).sum()), len(cust), "with a missing value",
                     function="retention_vs_acquisition", column=channel, what="customers",
                     scope="from the marginal acquisition cost")
    acq_seg = pd.Series(acq, index=cust[segment].to_numpy() if segment is not None else np.full(len(acq), "all"))
    out["acquisition_cost_mean"] = acq_seg.groupby(level=0, observed=True).mean().reindex(segs)
    if channel is not None:
        m_cost, m_channel = _marginal_acquisition(cust, segment, acq, channel, min_channel_n)
        out["acquisition_cost_marginal"], out["marginal_channel"] = m_cost.reindex(segs), m_channel.reindex(segs)
    else:
        out["acquisition_cost_marginal"], out["marginal_channel"] = np.nan, None
    row = life.index.get_indexer(inter[customer])  # position among the customers analysed, -1 if not
    known = row >= 0
    warn_dropped(int((~known).sum()), len(inter), f"whose {customer!r} is missing or not among the customers analysed "
                 "(not in customers, acquired after as_of or without a segment)", function="retention_vs_acquisition",
                 what="interactions")
    seg_of = life["segment"].to_numpy()[row[known]]
    gaps = {c: int(inter[c].isna().to_numpy()[known].sum()) for c in cost_cols}
    if any(gaps.values()):
        warnings.warn(f"Missing costs counted as 0: {', '.join(f'{k} ({v})' for k, v in gaps.items() if v)}",
                      DataQualityWarning, stacklevel=2)

    def total(col):
        if col is None:
            return pd.Series(0.0, index=segs)
        vals = inter[col].to_numpy(dtype=np.float64, na_value=0.0)[known]
        return pd.Series(vals).groupby(seg_of).sum().reindex(segs, fill_value=0.0)

    out["service_hours"] = total(handle) / 3600.0
    out["service_cost"] = out["service_hours"] * float(hourly_wage)
    out["credit_cost"] = total(credit)
    out["other_cost"] = sum((total(c) for c in other_costs), start=pd.Series(0.0, index=segs))
    spend = out["service_cost"] + out["credit_cost"] + out["other_cost"]
    out["cost_to_retain"] = spend / out["customer_periods"]
    out["cost_ratio"] = out["acquisition_cost_mean"] / out["cost_to_retain"]
    gain = np.full(len(segs), np.nan) if retention_gain is None else _per_segment(retention_gain, "retention_gain", segs)
    out["cost_per_customer_saved"] = out["cost_to_retain"] / gain
    out["cost_ratio_marginal"] = out["acquisition_cost_marginal"] / out["cost_per_customer_saved"]
    if margin is None:
        margin = margin_rate * out["revenue"] / out["customer_periods"]
    r = out["retention"] if retention is None else _per_segment(retention, "retention", segs)
    m = _per_segment(margin, "margin", segs)
    r = np.asarray(r, dtype=np.float64)
    up = np.minimum(r + points, 1.0)
    out["margin"], out["retention"] = m, r
    out["clv"] = clv(m, r, discount)
    out["value_per_point"] = clv(m, up, discount) - out["clv"]
    out["value_per_point_total"] = out["value_per_point"] * out["n_active"]
    out["break_even_retention_spend"] = out["value_per_point"] / clv(1.0, up, discount, timing="start")
    out = out.reset_index().rename(columns={"segment": segment or "segment"})
    return out[[segment or "segment", "n", "n_active", "customer_periods", "acquisition_cost_mean",
                "acquisition_cost_marginal", "marginal_channel", "service_hours", "service_cost", "credit_cost",
                "other_cost", "cost_to_retain", "cost_ratio", "cost_per_customer_saved", "cost_ratio_marginal",
                "margin", "retention", "clv", "value_per_point", "value_per_point_total", "break_even_retention_spend"]]
