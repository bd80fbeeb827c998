"""Tests for cxanalytics.behaviour.scale: the Dask path gives the pandas path's results, bit for bit.

Every test builds the same data as a pandas frame and as a Dask frame (several
partitions, so customers span partitions) and compares the two results exactly.  The
pandas estimators are pinned to published numbers in test_behaviour.py and
test_survival.py; here the Dask path is also pinned directly to the same references.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from cxanalytics.behaviour.scale import is_dask_frame  # noqa: E402
from cxanalytics.behaviour.summaries import cohort_retention, customer_summary  # noqa: E402
from cxanalytics.behaviour.survival import kaplan_meier  # noqa: E402
from cxanalytics.datasets import load_sample  # noqa: E402
from cxanalytics.errors import ColumnError, DataQualityWarning, ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """A two-worker local cluster (threads in this process), closed after the module."""
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
def tx() -> pd.DataFrame:
    return load_sample("transactions")


def same(pandas_result: pd.DataFrame, dask_result: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(pandas_result, dask_result, check_exact=True)


def caught(fn, *args, **kwargs):
    """Result and warning messages of a call."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # an event loop of an earlier test's dask.distributed cluster may be garbage-collected
        # here: its ResourceWarning is not this call's
        warnings.filterwarnings("ignore", category=ResourceWarning)
        out = fn(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in record]


def test_import_does_not_import_dask():
    code = "import sys, cxanalytics, cxanalytics.behaviour.summaries, cxanalytics.behaviour.survival, cxanalytics.ingest.logs, cxanalytics.behaviour.scale\n"
    code += "print(sorted(m for m in sys.modules if m == 'dask' or m.startswith(('dask.', 'distributed'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_is_dask_frame(tx):
    assert is_dask_frame(dd.from_pandas(tx, npartitions=2))
    assert not is_dask_frame(tx) and not is_dask_frame(None)


# --------------------------------------------------------------------------- customer summary
SUMMARY_CASES = [
    {},
    {"as_of": "2026-06-30"},
    {"calibration_end": "2025-12-31", "as_of": "2026-06-30", "unit": "W"},
    {"calibration_end": "2025-12-31"},
    {"aggregate_same_day": False, "unit": "h"},
    {"aggregate_same_day": False, "calibration_end": "2026-01-01 12:00", "as_of": "2026-03-01"},
    {"value": None, "as_of": pd.Timestamp("2026-06-30 23:00", tz="Asia/Tehran")},
]


@pytest.mark.parametrize("kwargs", SUMMARY_CASES)
def test_customer_summary_dask_equals_pandas_on_cluster(tx, on_cluster, kwargs):
    ddf = dd.from_pandas(tx, npartitions=5)
    expected, w_pandas = caught(customer_summary, tx, **kwargs)
    got, w_dask = caught(customer_summary, ddf, **kwargs)
    same(expected, got)
    assert w_dask == w_pandas


@pytest.mark.parametrize("convert_string", [True, False])
def test_customer_summary_dask_threads_and_string_settings(tx, convert_string):
    with dask.config.set({"dataframe.convert-string": convert_string, "scheduler": "threads"}):
        ddf = dd.from_pandas(tx.iloc[:6000], npartitions=3)
        same(customer_summary(tx.iloc[:6000], as_of="2026-06-30"), customer_summary(ddf, as_of="2026-06-30"))


@pytest.mark.parametrize("zone", [None, "America/New_York", "Asia/Tehran"])
def test_customer_summary_dask_time_zones_and_integer_ids(on_cluster, zone):
    # hourly purchases across the 2025 DST changes: wall-clock days in the data's zone
    rng = np.random.default_rng(3)
    n = 4000
    times = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), unit="min")
    times = pd.Series(times).dt.tz_localize(zone, nonexistent="shift_forward", ambiguous="NaT") if zone else pd.Series(times)
    data = pd.DataFrame({"customer_id": rng.integers(0, 300, n), "occurred_at": times, "amount": rng.gamma(2.0, 9.0, n)})
    ddf = dd.from_pandas(data, npartitions=4)
    kwargs = {"calibration_end": "2025-09-30", "as_of": "2025-12-15"}
    expected, w_pandas = caught(customer_summary, data, **kwargs)
    got, w_dask = caught(customer_summary, ddf, **kwargs)
    same(expected, got)
    assert w_dask == w_pandas
    assert str(got["first_purchase"].dt.tz) == str(zone) if zone else got["first_purchase"].dt.tz is None


def test_customer_summary_dask_reports_the_same_warnings(on_cluster):
    rng = np.random.default_rng(5)
    n = 3000
    data = pd.DataFrame({
        "customer_id": pd.Series(rng.integers(0, 200, n)).astype(str).where(rng.random(n) > 0.01),
        "occurred_at": pd.Series(pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 200, n), unit="D"))
        .where(rng.random(n) > 0.01),
        "amount": pd.Series(rng.normal(30, 20, n)).where(rng.random(n) > 0.02),
    })  # fmt: skip
    ddf = dd.from_pandas(data, npartitions=4)
    expected, w_pandas = caught(customer_summary, data, as_of="2026-06-01")
    got, w_dask = caught(customer_summary, ddf, as_of="2026-06-01")
    same(expected, got)
    assert w_dask == w_pandas
    text = " | ".join(m for _, m in w_dask)
    for part in ("customer_summary: dropped", "(customer id or time)", "transactions (", "after as_of=",
                 "transaction(s) have no value", "negative value(s) in"):
        assert part in text


def test_customer_summary_dask_errors(tx):
    ddf = dd.from_pandas(tx.iloc[:500], npartitions=2)
    with pytest.raises(ColumnError, match="amount"):
        customer_summary(ddf.drop(columns="amount"))
    with pytest.raises(ColumnError, match="amount"):
        customer_summary(ddf.assign(amount="x"))
    with pytest.raises(ColumnError, match="Dask time column must hold datetimes"):
        customer_summary(ddf.assign(occurred_at=ddf["occurred_at"].astype(str)))
    with pytest.raises(ColumnError, match="not numbers"):
        customer_summary(ddf.assign(occurred_at=1))
    with pytest.raises(ParameterError, match="unit"):
        customer_summary(ddf, unit="M")
    with pytest.raises(ParameterError, match="as_of"):
        customer_summary(ddf, calibration_end="2026-01-20", as_of="2026-01-10")
    with pytest.raises(ParameterError, match="calibration_end"):
        customer_summary(ddf, calibration_end="2020-01-01")
    with pytest.raises(ParameterError, match="naive"):
        customer_summary(dd.from_pandas(tx.assign(occurred_at=tx["occurred_at"].dt.tz_localize(None)), npartitions=2),
                         as_of=pd.Timestamp("2026-01-01", tz="UTC"))


def test_customer_summary_dask_reads_a_folder_of_parquet_files(tx, tmp_path, on_cluster):
    for k, part in enumerate(np.array_split(np.arange(len(tx)), 4)):
        tx.iloc[part].to_parquet(tmp_path / f"part-{k}.parquet")
    ddf = dd.read_parquet(tmp_path)
    assert ddf.npartitions == 4
    kwargs = {"calibration_end": "2026-01-31", "as_of": "2026-05-31"}
    expected, w_pandas = caught(customer_summary, tx, **kwargs)
    got, w_dask = caught(customer_summary, ddf, **kwargs)
    same(expected, got)
    assert w_dask == w_pandas


@pytest.mark.realdata
def test_customer_summary_dask_matches_fader_hardie_lee_2005_cdnow(realdata, on_cluster):
    # Fader, Hardie & Lee (2005), CDNOW 1/10 sample, 39-week calibration period:
    # 2,357 customers, 1,411 without a repeat purchase, mean frequency 1.0424.
    raw = pd.read_csv(realdata / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    raw["occurred_at"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    s = customer_summary(dd.from_pandas(raw, npartitions=6), calibration_end="1997-09-30", unit="W")
    assert len(s) == 2357 and int((~s["repeat"]).sum()) == 1411
    assert s["frequency"].mean() == pytest.approx(1.0424, abs=5e-5)
    ref = pd.read_csv(realdata / "cdnow" / "cdnow_customers_summary.csv")
    np.testing.assert_array_equal(s["frequency"].to_numpy(), ref["frequency"].to_numpy())
    np.testing.assert_allclose(s["recency"], ref["recency"], atol=0.005 + 1e-9)


logs = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", None]), st.integers(0, 24 * 90),
              st.one_of(st.floats(-10.0, 500.0, allow_nan=False), st.just(float("nan")))),
    min_size=1, max_size=80,
).map(lambda rows: pd.DataFrame({
    "customer_id": pd.Series([r[0] for r in rows], dtype="str"),
    "occurred_at": pd.Timestamp("2026-01-01", tz="Europe/London") + pd.to_timedelta([r[1] for r in rows], unit="h"),
    "amount": [r[2] for r in rows],
}))  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=logs, parts=st.integers(1, 4), same_day=st.booleans(), calibrate=st.booleans())
def test_customer_summary_dask_property_equals_pandas(data, parts, same_day, calibrate):
    kwargs = {"as_of": "2026-04-01", "aggregate_same_day": same_day}
    if calibrate:
        kwargs["calibration_end"] = "2026-02-01"
    with dask.config.set(scheduler="sync"):
        ddf = dd.from_pandas(data, npartitions=parts)
        try:
            expected, w_pandas = caught(customer_summary, data, **kwargs)
        except ParameterError:
            with pytest.raises(ParameterError):
                caught(customer_summary, ddf, **kwargs)
            return
        got, w_dask = caught(customer_summary, ddf, **kwargs)
    same(expected, got)
    assert w_dask == w_pandas


# --------------------------------------------------------------------------- cohorts
@pytest.mark.parametrize("period", ["D", "W", "M", "Q"])
def test_cohort_retention_dask_equals_pandas(tx, on_cluster, period):
    same(cohort_retention(tx, period=period), cohort_retention(dd.from_pandas(tx, npartitions=4), period=period))


def test_cohort_retention_dask_time_zone_warnings_and_errors(tx):
    local = tx.assign(occurred_at=tx["occurred_at"].dt.tz_convert("Asia/Riyadh"))
    local = local.assign(customer_id=local["customer_id"].where(local.index % 97 != 0))
    ddf = dd.from_pandas(local, npartitions=3)
    with dask.config.set(scheduler="threads"):
        expected, w_pandas = caught(cohort_retention, local)
        got, w_dask = caught(cohort_retention, ddf)
        same(expected, got)
        assert w_dask == w_pandas and "cohort_retention: dropped" in w_dask[0][1]
        with pytest.raises(ParameterError, match="period"):
            cohort_retention(ddf, period="fortnight")
        with pytest.raises(ColumnError, match="No usable"), pytest.warns(DataQualityWarning):
            cohort_retention(ddf.assign(customer_id=None))


# --------------------------------------------------------------------------- Kaplan-Meier
def same_km(a, b):
    if a.weighted:  # sums of float weights are added in another order: equal to rounding
        pd.testing.assert_frame_equal(a.curve, b.curve, check_exact=False, rtol=1e-12, atol=1e-12)
        pd.testing.assert_frame_equal(a.medians, b.medians, check_exact=False, rtol=1e-12, atol=1e-12)
    else:
        same(a.curve, b.curve)
        same(a.medians, b.medians)
    assert (a.by, a.alpha, a.weighted) == (b.by, b.alpha, b.weighted)


def test_kaplan_meier_dask_matches_kleinbaum_klein_freireich(leukemia, on_cluster):
    # Freireich et al. (1963) remission data; KM tables of Kleinbaum & Klein (2012), ch. 2.
    km = kaplan_meier(dd.from_pandas(leukemia, npartitions=3), duration="weeks", event="relapse", by="group")
    mp = km.curve[km.curve["group"] == "6-MP"].set_index("time")
    for time, (n_risk, surv) in {6: (21, 0.8571), 7: (17, 0.8067), 10: (15, 0.7529), 13: (12, 0.6902),
                                 16: (11, 0.6275), 22: (7, 0.5378), 23: (6, 0.4482)}.items():
        assert mp.loc[time, "n_at_risk"] == n_risk
        assert mp.loc[time, "survival"] == pytest.approx(surv, abs=5e-5)
    assert km.medians.set_index("group").loc["placebo", "median"] == 8.0  # published median: 8 weeks
    same_km(kaplan_meier(leukemia, duration="weeks", event="relapse", by="group", alpha=0.1),
            kaplan_meier(dd.from_pandas(leukemia, npartitions=2), duration="weeks", event="relapse", by="group", alpha=0.1))


@pytest.fixture(scope="module")
def subjects() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 5000
    return pd.DataFrame({
        "days": rng.integers(0, 700, n),
        "years": np.round(rng.exponential(2.0, n), 3),
        "churned": rng.random(n) < 0.6,
        "plan": pd.Categorical(rng.choice(["prepaid", "contract"], n)),
        "segment": pd.Series(rng.choice(["consumer", "business", None], n, p=[0.6, 0.39, 0.01]), dtype="str"),
        "weight": rng.gamma(2.0, 1.0, n),
    })  # fmt: skip


@pytest.mark.parametrize("kwargs", [
    {"duration": "days", "event": "churned"},
    {"duration": "years", "event": "churned", "by": "plan"},
    {"duration": "days", "event": "churned", "by": ["segment", "plan"]},
    {"duration": "years", "event": "churned", "by": "segment", "weights": "weight"},
])  # fmt: skip
def test_kaplan_meier_dask_equals_pandas(subjects, on_cluster, kwargs):
    expected, w_pandas = caught(kaplan_meier, subjects, **kwargs)
    got, w_dask = caught(kaplan_meier, dd.from_pandas(subjects, npartitions=4), **kwargs)
    same_km(expected, got)
    assert w_dask == w_pandas
    assert not [m for c, m in w_pandas if issubclass(c, RuntimeWarning)]  # issue 14: overflow in exp


class _Interleaving:
    """Stands in for scale._km_checks: its first two calls on a partition enter and leave
    ``warnings.catch_warnings()`` as a: enter, b: enter, a: exit, b: exit (threads, events)."""

    def __init__(self, real):
        self.real, self.lock, self.roles, self.done = real, threading.Lock(), [], []
        self.a_in, self.b_in, self.a_out = threading.Event(), threading.Event(), threading.Event()

    def __dask_tokenize__(self):
        return ("interleaving", id(self))

    def __call__(self, part, *args):
        if len(part):  # not the meta call
            with self.lock:
                role = "ab"[len(self.roles)] if len(self.roles) < 2 else None
                self.roles.append(role)
            if role == "a":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DataQualityWarning)
                    self.a_in.set()
                    assert self.b_in.wait(30)
                self.a_out.set()
                self.done.append(role)
            elif role == "b":
                assert self.a_in.wait(30)
                with warnings.catch_warnings():  # saves the filters of task a, restores them last
                    self.b_in.set()
                    assert self.a_out.wait(30)
                self.done.append(role)
        return self.real(part, *args)


def test_kaplan_meier_dask_keeps_the_callers_warning_filters(subjects, monkeypatch):
    """Issue 14: under ``make test`` the Dask path once lost a warning that the pandas path gave.

    Dask's pandas helpers use ``warnings.catch_warnings()`` inside tasks, which is not
    thread-safe: when two tasks in threads of this process interleave, the one that exits last
    restores the filters the other had set (here: "ignore DataQualityWarning"), and they stay in
    place after ``compute``. Two per-partition tasks are made to interleave that way, every time;
    the warning kaplan_meier_dask gives afterwards must still reach the caller.
    """
    from cxanalytics.behaviour.survival import _km as scale

    interleaving = _Interleaving(scale._km_checks)
    monkeypatch.setattr(scale, "_km_checks", interleaving)
    kwargs = {"duration": "days", "event": "churned", "by": "segment"}
    expected, w_pandas = caught(kaplan_meier, subjects, **kwargs)
    with dask.config.set(scheduler="threads", num_workers=2):
        got, w_dask = caught(kaplan_meier, dd.from_pandas(subjects, npartitions=2), **kwargs)
    assert sorted(interleaving.done) == ["a", "b"]  # the two tasks did interleave
    assert [c for c, _ in w_pandas] == [DataQualityWarning]
    assert w_dask == w_pandas
    same_km(expected, got)


def test_kaplan_meier_dask_integer_seconds_keep_the_pandas_time_grid(on_cluster):
    # wide integer range with many rows: the pandas path counts on a dense grid (float times)
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"s": rng.integers(0, 3_000_000, 300_000), "e": rng.integers(0, 2, 300_000)})
    same_km(kaplan_meier(data, duration="s", event="e"), kaplan_meier(dd.from_pandas(data, npartitions=3), duration="s", event="e"))


def test_kaplan_meier_dask_errors(subjects):
    ddf = dd.from_pandas(subjects, npartitions=2)
    with dask.config.set(scheduler="threads"):
        with pytest.raises(ColumnError, match=r"invalid duration.*'days'.*received -1"):
            kaplan_meier(ddf.assign(days=ddf["days"] - 3), duration="days", event="churned")
        with pytest.raises(ColumnError, match=r"invalid event.*received 2"):
            kaplan_meier(ddf.assign(e=2), duration="days", event="e")
        with pytest.raises(ColumnError, match="Weights"):
            kaplan_meier(ddf, duration="days", event="churned", weights="segment")
        with pytest.raises(ColumnError, match="Durations"):
            kaplan_meier(ddf, duration="segment", event="churned")
        with pytest.raises(ColumnError, match="missing"):
            kaplan_meier(ddf, duration="nope", event="churned")
        with pytest.raises(ParameterError, match="alpha"):
            kaplan_meier(ddf, duration="days", event="churned", alpha=2)
        with pytest.raises(ParameterError, match="No rows"), pytest.warns(DataQualityWarning):
            kaplan_meier(ddf.assign(segment=None), duration="days", event="churned", by="segment")


def test_frame_differences_finds_every_kind_of_difference():
    from cxanalytics.behaviour.scale import frame_differences

    a = pd.DataFrame({"x": [1.0, np.nan, 3.0], "t": pd.to_datetime(["2026-01-01"] * 3, utc=True),
                      "k": pd.Series(["p", None, "r"], dtype="str"), "n": [1, 2, 3]})  # fmt: skip
    same_table = frame_differences(a, a.copy())
    assert same_table["identical"].all() and (same_table["n_different"] == 0).all()
    assert same_table["max_abs_difference"].fillna(0).eq(0).all()
    b = a.assign(x=[1.0, np.nan, 3.25], t=a["t"] + pd.to_timedelta([0, 0, 90], unit="s"), k=["p", None, "s"],
                 n=np.array([1, 2, 3], dtype=np.int32))  # fmt: skip
    d = frame_differences(a, b).set_index("column")
    assert d.loc["x", "max_abs_difference"] == 0.25 and d.loc["x", "n_different"] == 1
    assert d.loc["t", "max_abs_difference"] == 90.0
    assert d.loc["k", "n_different"] == 1 and np.isnan(d.loc["k", "max_abs_difference"])
    assert not d.loc["n", "identical"] and d.loc["n", "n_different"] == 0  # dtype differs only
    with pytest.raises(ParameterError, match="shape"):
        frame_differences(a, a.iloc[:2])
    with pytest.raises(ParameterError, match="left"):
        frame_differences([1], a)
