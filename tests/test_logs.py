"""Tests for cxanalytics.ingest.logs: Parquet/CSV readers of transactions, interactions, customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxanalytics.behaviour.summaries import customer_summary
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, CxError, ParameterError
from cxanalytics.ingest.logs import read_customers, read_interactions, read_transactions
from cxanalytics.synth import write_sample

READERS = {"transactions": read_transactions, "interactions": read_interactions, "customers": read_customers}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The same seeded business written as CSV and as Parquet."""
    out = {}
    for fmt in ("csv", "parquet"):
        folder = tmp_path_factory.mktemp(fmt)
        write_sample(folder, scale=0.05, fmt=fmt, progress=False)
        out[fmt] = folder
    return out


@pytest.mark.parametrize("name", list(READERS))
def test_csv_and_parquet_give_the_same_typed_table(sample, name):
    csv = READERS[name](sample["csv"] / f"{name}.csv")
    parquet = READERS[name](sample["parquet"] / f"{name}.parquet")
    pd.testing.assert_frame_equal(csv, parquet)
    # the sample's data dictionary (load_sample), except that labels are text, not categories
    ref = load_sample(name, folder=sample["parquet"])
    for col in ref.columns:
        expected = ref[col].astype("str").where(ref[col].notna()) if isinstance(ref[col].dtype, pd.CategoricalDtype) else ref[col]
        pd.testing.assert_series_equal(csv[col], expected, check_exact=True)
    for col in csv.columns:
        if col.endswith("_at"):
            assert str(csv[col].dt.tz) == "UTC"


def test_interaction_types(sample):
    contacts = read_interactions(sample["csv"] / "interactions.csv")
    assert contacts["resolved"].dtype == "boolean" and contacts["wait_s"].dtype == "Int64"
    assert contacts["credit"].dtype == np.float64 and pd.api.types.is_string_dtype(contacts["channel"])


def test_folder_of_parquet_files_equals_one_file_and_dask_engine(sample, tmp_path):
    dask = pytest.importorskip("dask")
    whole = read_transactions(sample["parquet"] / "transactions.parquet")
    folder = tmp_path / "tx"
    for k, idx in enumerate(np.array_split(np.arange(len(whole)), 3)):
        sub = folder / f"month={k}"  # a partitioned layout: files are found recursively
        sub.mkdir(parents=True)
        whole.iloc[idx].to_parquet(sub / f"part-{k}.parquet")
    pd.testing.assert_frame_equal(read_transactions(folder), whole)
    ddf = read_transactions(folder, engine="dask")
    assert ddf.npartitions == 3
    assert ddf.dtypes.to_dict() == whole.dtypes.to_dict()
    with dask.config.set(scheduler="threads"):
        pd.testing.assert_frame_equal(ddf.compute().reset_index(drop=True), whole)
        pd.testing.assert_frame_equal(customer_summary(ddf), customer_summary(whole), check_exact=True)


def test_folder_of_csv_files_with_dask(sample, tmp_path):
    pytest.importorskip("dask")
    whole = pd.read_csv(sample["csv"] / "transactions.csv", dtype=str)
    for k, idx in enumerate(np.array_split(np.arange(len(whole)), 2)):
        whole.iloc[idx].to_csv(tmp_path / f"tx-{k}.csv", index=False)
    expected = read_transactions(sample["csv"] / "transactions.csv")
    pd.testing.assert_frame_equal(read_transactions(tmp_path), expected)
    ddf = read_transactions(tmp_path, engine="dask")
    assert ddf.dtypes.to_dict() == expected.dtypes.to_dict()
    pd.testing.assert_frame_equal(ddf.compute(scheduler="sync").reset_index(drop=True), expected)


def test_times_become_utc(tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("customer_id,occurred_at,amount\n007,2026-03-20 23:30:00+03:30,1\n8,2026-03-20T10:00:00Z,2.5\n")
    tx = read_transactions(f)
    assert tx["occurred_at"].tolist() == [pd.Timestamp("2026-03-20 20:00", tz="UTC"), pd.Timestamp("2026-03-20 10:00", tz="UTC")]
    assert tx["customer_id"].tolist() == ["007", "8"]  # ids stay text: leading zeros kept
    naive = pd.DataFrame({"customer_id": [1], "occurred_at": pd.to_datetime(["2026-01-01 12:00"])})
    naive.to_parquet(tmp_path / "naive.parquet")
    assert read_transactions(tmp_path / "naive.parquet")["occurred_at"].iloc[0] == pd.Timestamp("2026-01-01 12:00", tz="UTC")
    local = naive.assign(occurred_at=naive["occurred_at"].dt.tz_localize("Asia/Tehran"))
    local.to_parquet(tmp_path / "local.parquet")
    assert read_transactions(tmp_path / "local.parquet")["occurred_at"].iloc[0] == pd.Timestamp("2026-01-01 08:30", tz="UTC")


def test_columns_subset(sample):
    tx = read_transactions(sample["parquet"] / "transactions.parquet", columns=["amount"])
    assert list(tx.columns) == ["customer_id", "occurred_at", "amount"]
    assert list(read_customers(sample["csv"] / "customers.csv", columns="segment").columns) == ["customer_id", "segment"]


def test_errors_name_the_file_column_or_parameter(sample, tmp_path):
    with pytest.raises(CxError, match="Log not found.*nowhere"):
        read_transactions(tmp_path / "nowhere")
    with pytest.raises(CxError, match="No Parquet or CSV"):
        read_transactions(tmp_path)
    with pytest.raises(ColumnError, match="'channel'"):
        read_interactions(sample["csv"] / "transactions.csv")
    with pytest.raises(ColumnError, match="'coupon'"):
        read_transactions(sample["parquet"] / "transactions.parquet", columns=["coupon"])
    with pytest.raises(ParameterError, match="engine"):
        read_transactions(sample["csv"] / "transactions.csv", engine="spark")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(CxError, match="Unknown log format"):
        read_transactions(tmp_path / "notes.txt")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.csv").write_text("customer_id,occurred_at\n1,2026-01-01\n")
    pd.DataFrame({"customer_id": ["1"]}).to_parquet(mixed / "b.parquet")
    with pytest.raises(CxError, match="mixes"):
        read_transactions(mixed)
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,occurred_at,channel,resolved,wait_s\nC1,2026-01-01,chat,maybe,3\n")
    with pytest.raises(ColumnError, match=r"'resolved'.*'maybe'"):
        read_interactions(bad)
    bad.write_text("customer_id,occurred_at,channel\nC1,yesterday,chat\n")
    with pytest.raises(ColumnError, match="occurred_at"):
        read_interactions(bad)
    bad.write_text("customer_id,occurred_at,channel,wait_s\nC1,2026-01-01,chat,long\n")
    with pytest.raises(ColumnError, match="wait_s"):
        read_interactions(bad)
