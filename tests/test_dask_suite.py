"""Dask transactions logs in link_responses, encounter_landmarks, clv_by_segment, retention_vs_acquisition.

Every test runs the same call on a pandas log and on the same log as a Dask frame (several
partitions, so customers span partitions) on a two-worker LocalCluster, and compares the
results and the warnings exactly. The pandas paths are pinned to references in
test_linking.py and test_economics.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import cxanalytics as cx  # noqa: E402
from cxanalytics.behaviour._daskvalue import quantile_from_counts  # noqa: E402
from cxanalytics.behaviour.scale import frame_differences  # noqa: E402
from cxanalytics.datasets import load_sample  # noqa: E402
from cxanalytics.errors import ColumnError, ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
    cl = distributed.Client(cluster, set_as_default=False)
    yield cl
    cl.close()
    cluster.close()


@pytest.fixture
def on_cluster(client):
    with dask.config.set(scheduler=client):
        yield client


@pytest.fixture(scope="module")
def sample():
    return {k: load_sample(k) for k in ("transactions", "customers", "interactions", "responses")}


def caught(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ResourceWarning)
        out = fn(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in record]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert frame_differences(a, b)["identical"].all()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
       st.floats(0, 1, allow_nan=False))
def test_quantile_from_counts_is_numpys(values, q):
    v = np.array(values)
    u, c = np.unique(v, return_counts=True)
    assert quantile_from_counts(u, c, q) == float(np.quantile(v, q))
    assert quantile_from_counts(u, c, q) == float(pd.Series(v).quantile(q))
    ints = np.rint(v).astype(np.int64)
    ui, ci = np.unique(ints, return_counts=True)
    assert quantile_from_counts(ui, ci, q) == float(np.quantile(ints, q))


@pytest.mark.parametrize("kwargs", [{"segment": "plan"}, {"segment": "segment", "window": "60D"},
                                    {"segment": None, "as_of": "2025-06-30", "lapse": {"plan": "prepaid"}}])
def test_clv_by_segment_on_the_sample(on_cluster, sample, kwargs):
    tx, cu = sample["transactions"], sample["customers"]
    want, w_pandas = caught(cx.clv_by_segment, cu, tx, **kwargs)
    got, w_dask = caught(cx.clv_by_segment, cu, dd.from_pandas(tx, npartitions=5), **kwargs)
    same(want, got)
    assert w_dask == w_pandas


def test_retention_vs_acquisition_on_the_sample(on_cluster, sample):
    tx, cu, it = sample["transactions"], sample["customers"], sample["interactions"]
    for kwargs in ({}, {"segment": None, "retention_gain": 0.02}):
        want, w_pandas = caught(cx.retention_vs_acquisition, cu, it, transactions=tx, **kwargs)
        got, w_dask = caught(cx.retention_vs_acquisition, cu, it, transactions=dd.from_pandas(tx, npartitions=4), **kwargs)
        same(want, got)
        assert w_dask == w_pandas


@pytest.mark.parametrize("kwargs", [{}, {"as_of": "2025-06-30", "acquired": None},
                                    {"inactivity": "60D", "with_interactions": True, "horizon": "30D"}])
def test_link_responses_on_the_sample(on_cluster, sample, kwargs):
    tx, cu, rs = sample["transactions"], sample["customers"], sample["responses"]
    kwargs = dict(kwargs)
    if kwargs.pop("with_interactions", False):
        kwargs["interactions"] = sample["interactions"]
    kwargs.setdefault("as_of", tx["occurred_at"].max())
    want, w_pandas = caught(cx.link_responses, rs, cu, transactions=tx, **kwargs)
    got, w_dask = caught(cx.link_responses, rs, cu, transactions=dd.from_pandas(tx, npartitions=6), **kwargs)
    same(want.linked, got.linked)
    same(want.unmatched, got.unmatched)
    assert (got.inactivity_days, got.horizon_days, got.as_of) == (want.inactivity_days, want.horizon_days, want.as_of)
    assert w_dask == w_pandas


def test_encounter_landmarks_on_the_sample(on_cluster, sample, tmp_path):
    tx, cu, it = sample["transactions"], sample["customers"], sample["interactions"]
    as_of = tx["occurred_at"].max()
    want, w_pandas = caught(cx.encounter_landmarks, cu, it, transactions=tx, as_of=as_of, negative="failure")
    got, w_dask = caught(cx.encounter_landmarks, cu, it, transactions=dd.from_pandas(tx, npartitions=3), as_of=as_of,
                         negative="failure", shared=tmp_path)  # a Dask log is computed, never shared
    same(want.linked, got.linked)
    assert w_dask == w_pandas
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("kwargs", [{}, {"window": "60D"}, {"as_of": "2025-06-30", "quantile": 0.5},
                                    {"customer": "cid", "time": "t", "unit": "W"}])
def test_churn_labels_noncontractual_on_the_sample(on_cluster, sample, kwargs):
    tx = sample["transactions"]
    kwargs = dict(kwargs)
    kwargs.setdefault("as_of", "2026-06-30")
    if "customer" in kwargs:
        tx = tx.rename(columns={"customer_id": "cid", "occurred_at": "t"})
    want, w_pandas = caught(cx.churn_labels_noncontractual, tx, **kwargs)
    got, w_dask = caught(cx.churn_labels_noncontractual, dd.from_pandas(tx, npartitions=5), **kwargs)
    same(want, got)
    assert w_dask == w_pandas


def test_churn_labels_noncontractual_from_a_dask_summary(on_cluster, sample):
    summary = cx.customer_summary(sample["transactions"], as_of="2026-06-30")
    want = cx.churn_labels_noncontractual(summary, as_of="2026-06-30", window="90D")
    got = cx.churn_labels_noncontractual(dd.from_pandas(summary, npartitions=3), as_of="2026-06-30", window="90D")
    same(want, got)


def test_churn_labels_noncontractual_dask_errors_are_the_pandas_ones(sample):
    tx = sample["transactions"].head(500).copy()
    tx.loc[tx.index[3], "occurred_at"] = pd.NaT
    with pytest.raises(ColumnError, match="Missing times") as want:
        caught(cx.churn_labels_noncontractual, tx, as_of="2026-06-30")
    with pytest.raises(ColumnError, match="Missing times") as got:
        caught(cx.churn_labels_noncontractual, dd.from_pandas(tx, npartitions=2), as_of="2026-06-30")
    assert str(got.value) == str(want.value)
    once = tx.drop_duplicates("customer_id").dropna(subset=["occurred_at"])
    with pytest.raises(ParameterError, match="No repeat purchases"):
        cx.churn_labels_noncontractual(dd.from_pandas(once, npartitions=2), as_of="2026-06-30")


def test_snapshot_from_logs_on_the_sample(on_cluster, sample):
    cu, tx = sample["customers"], sample["transactions"]
    kwargs = {"lapse": {"plan": "prepaid"}, "window": "120D", "interactions": sample["interactions"],
              "responses": sample["responses"]}
    want, w_pandas = caught(cx.snapshot_from_logs, cu, tx, **kwargs)
    got, w_dask = caught(cx.snapshot_from_logs, cu, dd.from_pandas(tx, npartitions=4), **kwargs)
    same(want, got)
    assert w_dask == w_pandas


def test_a_dask_log_is_reduced_once_for_repeated_calls(on_cluster, sample, monkeypatch):
    """retention_vs_acquisition per retention gain, then clv_by_segment: one shuffle of the log, same results."""
    from cxanalytics.behaviour import _daskvalue

    calls = []
    reduce = _daskvalue._reduce
    monkeypatch.setattr(_daskvalue, "_reduce", lambda *a, **k: calls.append(k["gaps"]) or reduce(*a, **k))
    monkeypatch.setattr(_daskvalue, "_TOTALS", type(_daskvalue._TOTALS)())
    tx, cu, it = sample["transactions"], sample["customers"], sample["interactions"]
    log = dd.from_pandas(tx, npartitions=4)
    for gain in (0.01, 0.02, 0.05):
        want = cx.retention_vs_acquisition(cu, it, transactions=tx, retention_gain=gain)
        same(want, cx.retention_vs_acquisition(cu, it, transactions=log, retention_gain=gain))
    assert len(calls) == 1
    same(cx.clv_by_segment(cu, tx, by="plan"), cx.clv_by_segment(cu, log, by="plan"))
    assert len(calls) == 1
    other = dd.from_pandas(tx.iloc[:-1], npartitions=4)  # another log: reduced again
    same(cx.clv_by_segment(cu, tx.iloc[:-1], by="plan"), cx.clv_by_segment(cu, other, by="plan"))
    assert len(calls) == 2


def test_dask_log_needs_datetimes(sample):
    tx = sample["transactions"].assign(occurred_at=lambda d: d["occurred_at"].astype(str))
    with pytest.raises(ColumnError):
        cx.link_responses(sample["responses"], sample["customers"], transactions=dd.from_pandas(tx, npartitions=2),
                          as_of="2026-01-01")


# ------------------------------------------------------------------ hypothesis: small logs
_DAY = pd.Timestamp("2025-01-01", tz="UTC")


@st.composite
def logs(draw):
    n_cust = draw(st.integers(2, 6))
    ids = [f"c{i}" for i in range(n_cust)]
    customers = pd.DataFrame({
        "customer_id": ids,
        "acquired_at": [_DAY + pd.Timedelta(days=draw(st.integers(0, 20))) for _ in ids],
        "plan": [draw(st.sampled_from(["contract", "prepaid"])) for _ in ids],
        "segment": [draw(st.sampled_from(["a", "b"])) for _ in ids],
        "cancelled_at": [draw(st.sampled_from([pd.NaT, _DAY + pd.Timedelta(days=150)])) for _ in ids],
    })
    customers["cancelled_at"] = pd.to_datetime(customers["cancelled_at"], utc=True)
    n_tx = draw(st.integers(1, 40))
    tx = pd.DataFrame({
        "customer_id": [draw(st.sampled_from([*ids, "stranger"])) for _ in range(n_tx)],
        "occurred_at": [_DAY + pd.Timedelta(hours=draw(st.integers(0, 24 * 200))) for _ in range(n_tx)],
        "amount": [draw(st.one_of(st.floats(0, 500, allow_nan=False), st.just(np.nan))) for _ in range(n_tx)],
    })
    n_resp = draw(st.integers(1, 8))
    responses = pd.DataFrame({
        "customer_id": [draw(st.sampled_from(ids)) for _ in range(n_resp)],
        "submitted_at": [_DAY + pd.Timedelta(hours=draw(st.integers(0, 24 * 200))) for _ in range(n_resp)],
    })
    return customers, tx, responses, draw(st.integers(1, 4))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logs())
def test_small_logs_give_the_pandas_results(on_cluster, drawn):
    customers, tx, responses, parts = drawn
    ddf = dd.from_pandas(tx, npartitions=parts)
    as_of = _DAY + pd.Timedelta(days=180)
    for kwargs in ({"inactivity": "20D"}, {}):
        try:
            want, w_pandas = caught(cx.link_responses, responses, customers, transactions=tx, as_of=as_of, **kwargs)
        except cx.CxError as err:
            with pytest.raises(type(err)):
                cx.link_responses(responses, customers, transactions=ddf, as_of=as_of, **kwargs)
            continue
        got, w_dask = caught(cx.link_responses, responses, customers, transactions=ddf, as_of=as_of, **kwargs)
        same(want.linked, got.linked)
        assert got.inactivity_days == want.inactivity_days or (np.isnan(got.inactivity_days) and np.isnan(want.inactivity_days))
        assert w_dask == w_pandas
    for kwargs in ({"window": "20D"}, {"lapse": {"plan": "prepaid"}}):
        try:
            want, w_pandas = caught(cx.clv_by_segment, customers, tx, as_of=as_of, **kwargs)
        except cx.CxError as err:
            with pytest.raises(type(err)):
                cx.clv_by_segment(customers, ddf, as_of=as_of, **kwargs)
            continue
        got, w_dask = caught(cx.clv_by_segment, customers, ddf, as_of=as_of, **kwargs)
        same(want, got)
        assert w_dask == w_pandas
    known = tx[tx["customer_id"] != "stranger"]
    for kwargs in ({"window": "20D"}, {}, {"quantile": 0.5}):
        try:
            want, w_pandas = caught(cx.churn_labels_noncontractual, known, as_of=as_of, **kwargs)
        except cx.CxError as err:
            with pytest.raises(type(err)):
                cx.churn_labels_noncontractual(dd.from_pandas(known, npartitions=parts), as_of=as_of, **kwargs)
            continue
        got, w_dask = caught(cx.churn_labels_noncontractual, dd.from_pandas(known, npartitions=parts), as_of=as_of,
                             **kwargs)
        same(want, got)
        assert w_dask == w_pandas
