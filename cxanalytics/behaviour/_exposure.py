"""Customer lifetimes observed in the logs: exposure, churn and revenue per segment (internal).

Shared by :func:`cxanalytics.money.economics.clv_by_segment` and
:func:`cxanalytics.money.retention_costs.retention_vs_acquisition`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .._core import timeutil as tu
from .._core.dask import is_dask_frame
from .._core.validate import require_columns, require_frame, warn_dropped
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe


def _times(data: pd.DataFrame, col: str) -> pd.Series:
    return tu.parse_times(data[col], col)


def lifetimes(customers, transactions, *, segment, customer, acquired, cancelled, time, amount, as_of, window, lapse,
              function):
    """One row per customer (index: id): segment, start, end, churned, exposure_days, revenue.

    Customers acquired after ``as_of`` or without a segment, and transactions without a known
    customer or time or after ``as_of``, are left out with warnings naming ``function``.
    Transactions are grouped by the customer's integer position, with times kept as datetimes
    (no per-row Python objects).
    """
    cust = require_frame(customers, parameter="customers")
    require_columns(cust, [customer, acquired, segment], what="customers")
    idx = pd.Index(cust[customer].to_numpy(), name="customer")
    if idx.has_duplicates or idx.hasnans:
        raise ColumnError(describe("Customer ids must be unique and present", column=customer,
                                   received=f"{int(idx.duplicated().sum())} repeated, {int(idx.isna().sum())} missing",
                                   expected="one row per customer"))
    start = _times(cust, acquired).set_axis(idx)
    if start.isna().any():
        raise ColumnError(describe("Customers without an acquisition time", column=acquired,
                                   received=f"{int(start.isna().sum())} missing", expected="a time in every row"))
    tz = getattr(start.dtype, "tz", None)
    latest = [start.max()]
    cancel = None
    if cancelled is not None and cancelled in cust.columns and cust[cancelled].notna().any():
        cancel = _times(cust, cancelled).set_axis(idx)
        latest.append(cancel.max())
    tx = dask_totals = None
    if transactions is not None and is_dask_frame(transactions):
        from ._daskvalue import latest_time

        tx = transactions
        require_columns(tx, [customer, time, amount], what="transactions")
        tx_dtype, tx_latest = latest_time(tx, time) if as_of is None else (tx.dtypes[time], None)
        if (getattr(tx_dtype, "tz", None) is None) != (tz is None):
            raise ColumnError(describe("Transaction and acquisition times disagree on time zones", column=time,
                                       received=str(tx_dtype), expected=f"like {acquired} ({start.dtype})"))
        latest.append(tx_latest)
        dask_totals = True
    elif transactions is not None:
        tx = require_frame(transactions, parameter="transactions")
        require_columns(tx, [customer, time, amount], what="transactions")
        tx_t = _times(tx, time)
        if (getattr(tx_t.dtype, "tz", None) is None) != (tz is None):
            raise ColumnError(describe("Transaction and acquisition times disagree on time zones", column=time,
                                       received=str(tx_t.dtype), expected=f"like {acquired} ({start.dtype})"))
        latest.append(tx_t.max())
    as_of_ts = max(t for t in latest if not pd.isna(t)) if as_of is None else tu.to_tz(as_of, tz, "as_of")
    later = (start > as_of_ts).to_numpy()
    warn_dropped(int(later.sum()), len(cust), f"acquired after as_of={as_of_ts}", function=function,
                 what="customers", stacklevel=4)
    no_seg = cust[segment].isna().to_numpy() if segment is not None else np.zeros(len(cust), dtype=bool)
    warn_dropped(int((no_seg & ~later).sum()), len(cust), "with a missing value", function=function,
                 column=segment, role="segment", what="customers", stacklevel=4)
    seg = cust[segment].to_numpy() if segment is not None else np.full(len(cust), "all", dtype=object)
    end = pd.Series(as_of_ts, index=idx).astype(start.dtype)
    churned = np.zeros(len(cust), dtype=bool)
    revenue = np.zeros(len(cust))
    if cancel is not None:
        gone = (cancel.notna() & (cancel <= as_of_ts)).to_numpy()
        end = end.mask(gone, cancel)
        churned |= gone
    if dask_totals is not None:
        from ._daskvalue import quantile_from_counts, transaction_totals

        can_lapse = _lapse_mask(cust, lapse) & ~churned
        need_gaps = bool(can_lapse.any()) and window is None
        got = transaction_totals(tx, idx, customer=customer, time=time, amount=amount, as_of=as_of_ts, gaps=need_gaps)
        for n_out, reason in (("unknown", f"whose {customer!r} is missing or not in customers"),
                              ("no_time", f"with a missing value in {time!r}"), ("late", f"after as_of={as_of_ts}")):
            warn_dropped(got[n_out], got["rows"], reason, function=function, what="transactions", stacklevel=4)
        if got["no_amount"]:
            warnings.warn(f"{function}: {got['no_amount']:,} transaction(s) have no number in "
                          f"{amount!r}: they count as 0 revenue", DataQualityWarning, stacklevel=3)
        if amount is not None:
            revenue = got["revenue"]
        last = pd.Series(got["last"].array, index=idx).astype(start.dtype)
        seen = last.where(last.notna() & (last > start), start)
        if not can_lapse.any():
            window_days = np.inf
        elif window is not None:
            window_days = tu.window_days(window, tu._NS_PER_DAY)
        elif not len(got["gap_counts"]):
            raise ParameterError(describe("No repeat purchases to choose a lapse window from", parameter="window",
                                          expected="an explicit window such as '90D'"))
        else:
            window_days = quantile_from_counts(got["gap_values"], got["gap_counts"], 0.9)
        lapsed = can_lapse & ((as_of_ts - seen).dt.total_seconds() / 86400.0 > window_days).to_numpy()
        end = end.mask(lapsed, seen)
        churned |= lapsed
    elif tx is not None:
        code = idx.get_indexer(tx[customer])  # customers as integer positions (-1: not a customer)
        known = code >= 0
        no_time = tx_t.isna().to_numpy()
        keep = (tx_t <= as_of_ts).to_numpy() & known
        for n_out, reason in ((~known, f"whose {customer!r} is missing or not in customers"),
                              (known & no_time, f"with a missing value in {time!r}"),
                              (known & ~no_time & ~keep, f"after as_of={as_of_ts}")):
            warn_dropped(int(n_out.sum()), len(tx), reason, function=function, what="transactions", stacklevel=4)
        sub = pd.DataFrame({"customer": code[keep], "t": tx_t.array[keep]})
        if amount is not None:
            sub["amount"] = pd.to_numeric(tx[amount], errors="coerce").to_numpy()[keep]
            if sub["amount"].isna().any():
                warnings.warn(f"{function}: {int(sub['amount'].isna().sum()):,} transaction(s) have no number in "
                              f"{amount!r}: they count as 0 revenue", DataQualityWarning, stacklevel=3)
            positions = np.arange(len(idx))
            revenue = sub.groupby("customer")["amount"].sum().reindex(positions, fill_value=0.0).to_numpy()
        last = sub.groupby("customer")["t"].max().reindex(np.arange(len(idx)))
        last = pd.Series(last.array, index=idx).astype(start.dtype)
        seen = last.where(last.notna() & (last > start), start)
        can_lapse = _lapse_mask(cust, lapse) & ~churned
        window_days = _window(sub, window) if can_lapse.any() else np.inf
        lapsed = can_lapse & ((as_of_ts - seen).dt.total_seconds() / 86400.0 > window_days).to_numpy()
        end = end.mask(lapsed, seen)
        churned |= lapsed
    exposure = ((end - start).dt.total_seconds() / 86400.0).clip(lower=0.0).to_numpy()
    out = pd.DataFrame({"segment": seg, "start": start, "end": end, "churned": churned,
                        "exposure_days": exposure, "revenue": revenue}, index=idx)
    return out[~later & ~no_seg], as_of_ts


def _window(sub: pd.DataFrame, window) -> float:
    """Lapse window in days: given, or the 90th percentile of gaps between a customer's purchases."""
    if window is not None:
        return tu.window_days(window, tu._NS_PER_DAY)
    sub = sub.sort_values(["customer", "t"])  # only a data-chosen window needs the purchases in order
    same = sub["customer"].eq(sub["customer"].shift()).to_numpy()
    gaps = (sub["t"].diff().dt.total_seconds() / 86400.0)[same]
    if len(gaps) == 0:
        raise ParameterError(describe("No repeat purchases to choose a lapse window from", parameter="window",
                                      expected="an explicit window such as '90D'"))
    return float(gaps.quantile(0.9))


def _lapse_mask(cust: pd.DataFrame, lapse) -> np.ndarray:
    if lapse is True or lapse is False:
        return np.full(len(cust), bool(lapse))
    if isinstance(lapse, str):
        require_columns(cust, [lapse], what="customers")
        return cust[lapse].fillna(False).astype(bool).to_numpy()
    if isinstance(lapse, Mapping) and len(lapse) == 1:
        (col, val), = lapse.items()
        require_columns(cust, [col], what="customers")
        vals = list(val) if isinstance(val, list | tuple | set) else [val]
        return cust[col].isin(vals).to_numpy()
    raise ParameterError(describe("Cannot read lapse", parameter="lapse", received=repr(lapse)[:60],
                                  expected="True, False, a boolean column name or {column: value(s)}"))


def period_days(period) -> float:
    try:
        td = period if isinstance(period, pd.Timedelta) else pd.Timedelta(period)
    except (ValueError, TypeError):
        td = None
    if td is None or pd.isna(td) or td <= pd.Timedelta(0):
        raise ParameterError(describe("Cannot read the period", parameter="period", received=str(period),
                                      expected="a positive length such as '365D' or '30D'"))
    return td.value / tu._NS_PER_DAY


def segment_rates(life: pd.DataFrame, period_days: float, alpha: float) -> pd.DataFrame:
    """Per segment: n, churned, customer_periods, revenue, hazard and retention with exact intervals."""
    g = life.groupby("segment", sort=True, observed=True)
    out = g.agg(n=("churned", "size"), n_active=("churned", lambda s: int((~s).sum())), churned=("churned", "sum"),
                exposure=("exposure_days", "sum"), revenue=("revenue", "sum")).reset_index()
    out["customer_periods"] = out.pop("exposure") / period_days
    k, e = out["churned"].to_numpy(dtype=float), out["customer_periods"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = k / e
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / e
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / e
    out["hazard"] = hazard
    out["retention"] = np.exp(-hazard)
    out["retention_ci_lower"], out["retention_ci_upper"] = np.exp(-hi), np.exp(-lo)
    return out
