"""Reading a churn snapshot: column checks, tenure units, and a snapshot built from the logs (internal)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._core.timeutil import parse_times
from .._core.validate import as_list, require_columns, require_frame, warn_dropped
from ..behaviour._exposure import lifetimes
from ..errors import ColumnError, DataQualityWarning, ParameterError, describe

#: Length of one tenure unit in days (a month is a twelfth of a Julian year).
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "quarters": 365.25 / 4, "years": 365.25}


def unit_days(unit: str, parameter: str) -> float:
    """Days in one ``unit`` ('days', 'weeks', 'months', 'quarters', 'years'; singular accepted)."""
    key = unit.lower().strip() if isinstance(unit, str) else unit
    if isinstance(key, str) and not key.endswith("s"):
        key += "s"
    if key not in UNIT_DAYS:
        raise ParameterError(describe("Unknown time unit", parameter=parameter, received=unit,
                                      expected=", ".join(UNIT_DAYS)))
    return UNIT_DAYS[key]


def churn_flags(data: pd.DataFrame, column: str, what: str = "Churn flag") -> np.ndarray:
    """A true/false flag as floats 1.0 / 0.0 (NaN where missing); ColumnError unless boolean or 0/1."""
    col = data[column]
    hint = "True/False or 1/0 (recode labels such as 'Yes'/'No' with a column mapping first)"
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(col.cat.categories.dtype) if pd.api.types.is_numeric_dtype(col.cat.categories) else col.astype(object)
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        y = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.unique(col.dropna())
        if all(isinstance(v, bool | np.bool_) for v in values):
            y = col.map({True: 1.0, False: 0.0}).to_numpy(dtype=np.float64, na_value=np.nan)
        elif all(isinstance(v, str) and v.strip().lower() in ("true", "false") for v in values):
            # 'true' / 'false' text, as a mapped snapshot's CSV holds them when a flag is missing somewhere
            y = col.map(lambda v: np.nan if pd.isna(v) else float(v.strip().lower() == "true")).to_numpy(
                dtype=np.float64, na_value=np.nan)
        else:
            raise ColumnError(describe(f"{what} must be true/false", column=column,
                                       received=[str(v) for v in values[:5]], expected=hint))
    bad = ~np.isnan(y) & (y != 0) & (y != 1)
    if bad.any():
        raise ColumnError(describe(f"{int(bad.sum())} value(s) of the {what.lower()} neither 0 nor 1", column=column,
                                   received=float(y[bad][0]), expected=hint))
    return y


def tenure_values(data: pd.DataFrame, column: str) -> np.ndarray:
    """Tenure as floats (NaN where missing); ColumnError unless numeric, finite where present and >= 0."""
    col = data[column]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise ColumnError(describe("Tenure must be numeric", column=column, received=f"dtype {col.dtype}",
                                   expected="a number of periods (e.g. months) >= 0"))
    t = col.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isinf(t) | (t < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ColumnError(describe(f"{int(bad.sum())} tenure(s) negative or infinite", column=column,
                                   row=data.index[first], received=float(t[first]), expected="a finite number >= 0"))
    return t


def prepare(snapshot, *, tenure: str | None, churned: str, by=None, extra=(), what: str = "snapshot",
            function: str, stacklevel: int = 5) -> pd.DataFrame:
    """Checked columns of a snapshot: ``_tenure`` (if asked), ``_churned`` (0/1), by-columns, extras.

    Rows with a missing tenure, churn flag or by-value are left out with one
    DataQualityWarning (:func:`cxanalytics._core.validate.warn_dropped`) naming ``function``.
    """
    data = require_frame(snapshot, parameter="snapshot")
    by_cols = as_list(by)
    extra = [c for c in extra if c is not None]
    require_columns(data, [tenure, churned, *by_cols, *extra], what=what)
    if data.empty:
        raise ParameterError(describe("The snapshot has no rows", parameter="snapshot", received="0 rows",
                                      expected="one row per customer"))
    y = churn_flags(data, churned)
    out = pd.DataFrame({"_churned": y}, index=data.index)
    missing = {churned: np.isnan(y)}
    if tenure is not None:
        out["_tenure"] = tenure_values(data, tenure)
        missing[tenure] = np.isnan(out["_tenure"].to_numpy())
    for col in by_cols:
        out[col] = data[col]
        missing[col] = data[col].isna().to_numpy()
    for col in extra:
        if col not in out.columns:
            out[col] = data[col]
    gone = np.logical_or.reduce(list(missing.values()))
    if gone.any():
        cols = [k for k, v in missing.items() if v.any()]
        warn_dropped(int(gone.sum()), len(data), "with a missing value", function=function,
                     column=cols if len(cols) > 1 else cols[0], what="customers", stacklevel=stacklevel)
        out = out[~gone]
    if out.empty:
        raise ParameterError(describe("No customer has the values needed", parameter="snapshot",
                                      received=f"{len(data)} rows, all with missing values",
                                      expected=f"rows with {', '.join([c for c in (tenure, churned, *by_cols) if c])}"))
    return out


def _times(values: pd.Series, column: str) -> pd.Series:
    return parse_times(values, column).reset_index(drop=True)


def snapshot_from_logs(customers: pd.DataFrame, transactions: pd.DataFrame, *,
                       interactions: pd.DataFrame | None = None, responses: pd.DataFrame | None = None,
                       segments=("segment", "plan", "acquisition_channel"), satisfaction: str | None = "csat",
                       tenure_unit: str = "days", as_of: object = None, window: object = None,
                       lapse: object = True, customer: str = "customer_id", acquired: str = "acquired_at",
                       cancelled: str | None = "cancelled_at", time: str = "occurred_at", amount: str = "amount",
                       acquisition_cost: str | None = "acquisition_cost", complaint: str = "complaint",
                       submitted: str = "submitted_at") -> pd.DataFrame:
    """A churn snapshot (one row per customer) built from the customer and transaction logs.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer``, ``acquired``, optional ``cancelled``, the
        ``segments`` and ``acquisition_cost``.
    transactions : pandas.DataFrame
        One row per purchase: ``customer``, ``time``, ``amount``.
    interactions : pandas.DataFrame, optional
        Service contacts with a true/false ``complaint`` column: gives ``complaint``
        (the customer complained at least once before leaving or ``as_of``).
    responses : pandas.DataFrame, optional
        Survey responses with ``customer``, ``submitted`` and the ``satisfaction``
        score: gives ``satisfaction``, the customer's latest score before leaving or
        ``as_of`` (missing for customers who never answered).
    segments : sequence of str, default ('segment', 'plan', 'acquisition_channel')
        Columns of ``customers`` copied to the snapshot (those absent are skipped).
    satisfaction : str or None, default 'csat'
        Score column of ``responses``.
    tenure_unit : str, default 'days'
        Unit of ``tenure`` ('days', 'weeks', 'months', 'quarters', 'years'); days are
        the canonical unit of a snapshot's tenure (:func:`cxanalytics.map_columns`).
    as_of, window, lapse, customer, acquired, cancelled, time, amount
        As in :func:`cxanalytics.money.economics.clv_by_segment`: churn is a cancellation,
        or (for customers who may lapse) a silence longer than ``window`` after the
        last purchase, dated at that purchase.
    acquisition_cost, complaint, submitted : str
        Column names (``acquisition_cost=None`` when there is none).

    Returns
    -------
    pandas.DataFrame
        One row per customer acquired by ``as_of``, in the canonical snapshot columns:
        ``customer_id``, ``tenure`` (from acquisition to churn or ``as_of``, in
        ``tenure_unit``), ``churned`` (bool), ``monthly_charges`` (revenue per month of
        tenure, the first month counted in full), ``total_charges`` (revenue),
        ``acquisition_cost``, the ``segments``, ``satisfaction`` and ``complaint``
        (when their tables are given).

    Raises
    ------
    ColumnError, ParameterError
        As :func:`cxanalytics.money.economics.clv_by_segment`; missing columns of the
        interactions or responses.

    Warns
    -----
    DataQualityWarning
        Customers acquired after ``as_of`` are left out.

    Examples
    --------
    >>> from cxanalytics.datasets import load_sample
    >>> snap = snapshot_from_logs(load_sample("customers"), load_sample("transactions"), lapse={"plan": "prepaid"})
    >>> len(snap), sorted(snap.columns)[:4]
    (4000, ['acquisition_channel', 'acquisition_cost', 'churned', 'customer_id'])
    """
    per = unit_days(tenure_unit, "tenure_unit")
    cust = require_frame(customers, parameter="customers")
    segs = [s for s in segments if s in cust.columns]
    require_columns(cust, [customer, acquisition_cost], what="customers")
    life, _ = lifetimes(cust, transactions, segment=None, customer=customer, acquired=acquired, cancelled=cancelled,
                        time=time, amount=amount, as_of=as_of, window=window, lapse=lapse,
                        function="snapshot_from_logs")
    days = life["exposure_days"].to_numpy()
    out = pd.DataFrame({"customer_id": life.index.to_numpy(), "tenure": days / per,
                        "churned": life["churned"].to_numpy(dtype=bool),
                        "monthly_charges": life["revenue"].to_numpy() / (np.maximum(days, UNIT_DAYS["months"]) / UNIT_DAYS["months"]),
                        "total_charges": life["revenue"].to_numpy()})
    rows = cust.set_index(customer).reindex(life.index)
    if acquisition_cost is not None:
        out["acquisition_cost"] = rows[acquisition_cost].to_numpy()
    for s in segs:
        out[s] = rows[s].to_numpy()
    end = life["end"]
    if responses is not None:
        resp = require_frame(responses, parameter="responses")
        require_columns(resp, [customer, submitted, satisfaction], what="responses")
        score = resp[satisfaction]
        if isinstance(score.dtype, pd.CategoricalDtype):
            score = score.astype("float64")
        r = pd.DataFrame({"c": resp[customer].to_numpy(), "t": _times(resp[submitted], submitted),
                          "s": pd.to_numeric(score).to_numpy(dtype=np.float64, na_value=np.nan)})
        r = r[r["c"].isin(life.index) & r["s"].notna()]
        r = r[r["t"] <= r["c"].map(end)].sort_values(["c", "t"])
        out["satisfaction"] = r.groupby("c")["s"].last().reindex(life.index).to_numpy()
    if interactions is not None:
        inter = require_frame(interactions, parameter="interactions")
        require_columns(inter, [customer, time, complaint], what="interactions")
        flag = inter[complaint].astype("boolean")
        if flag.isna().any():
            warnings.warn(f"snapshot_from_logs: {int(flag.isna().sum())} interaction(s) without a {complaint!r} value counted as no "
                          "complaint", DataQualityWarning, stacklevel=2)
        i = pd.DataFrame({"c": inter[customer].to_numpy(), "t": _times(inter[time], time),
                          "k": flag.fillna(False).to_numpy(dtype=bool)})
        i = i[i["c"].isin(life.index) & i["k"]]
        i = i[i["t"] <= i["c"].map(end)]
        out["complaint"] = life.index.isin(i["c"].unique())
    return out
