"""The sample-data generator: reproducible, internally consistent, and it plants what TRUTH.json says."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.duration.hazard_regression import PHReg

from cxanalytics.datasets import load_sample
from cxanalytics.errors import ParameterError
from cxanalytics.synth import PLATFORM_FILES, write_sample
from cxanalytics.synth import _world as W

HEADER_ROWS = {"qualtrics": 3, "surveymonkey": 2, "google_forms": 1}


def _records(path, encoding, header_rows):
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[:header_rows], rows[header_rows:]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    write_sample(folder, seed=7, scale=0.25, progress=False)
    return folder


def test_same_seed_gives_byte_identical_files(small, tmp_path):
    write_sample(tmp_path, seed=7, scale=0.25, progress=False)
    for path in small.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_another_seed_gives_other_data(small, tmp_path):
    write_sample(tmp_path, seed=8, scale=0.25, progress=False)
    assert (tmp_path / "transactions.csv").read_bytes() != (small / "transactions.csv").read_bytes()


def test_committed_sample_is_what_the_generator_writes(repo_root, tmp_path):
    """data/sample is never hand-edited: regenerating with its seed reproduces every byte."""
    committed = repo_root / "data" / "sample"
    write_sample(tmp_path, seed=2026, scale=1, progress=False)
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (committed / name).read_bytes() == (tmp_path / name).read_bytes(), f"{name} differs: run `make sample`"


def test_export_rows_reconcile_with_truth(small):
    truth = json.loads((small / "TRUTH.json").read_text(encoding="utf-8"))
    genuine = 0
    for platform, (file, _lang, encoding, newline) in PLATFORM_FILES.items():
        info = truth["exports"][platform]
        header, body = _records(small / file, encoding, HEADER_ROWS[platform])
        assert len(body) == info["rows"] == sum(info["rows_by_kind"].values())
        assert all(len(r) == len(header[0]) for r in body), "ragged rows"
        raw = (small / file).read_bytes()
        assert (b"\r\n" in raw) == (newline == "\r\n")
        genuine += info["rows_by_kind"]["genuine"]
    assert truth["answer_key"]["rows"] == genuine == len(load_sample("responses", folder=small))


def test_platform_shapes(small):
    q_header, q_body = _records(small / "qualtrics_en.csv", "utf-8-sig", 3)
    assert (small / "qualtrics_en.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    imports = [json.loads(cell) for cell in q_header[2]]
    assert imports[0] == {"ImportId": "startDate", "timeZone": "Asia/Dubai"}
    assert {"ImportId": "QID1"} in imports
    status = pd.Series([r[2] for r in q_body]).value_counts()
    assert set(status.index) == {"IP Address", "Survey Preview", "Survey Test"}
    with pytest.raises(UnicodeDecodeError):
        (small / "surveymonkey_ar.csv").read_bytes().decode("utf-8")
    sm_header, _ = _records(small / "surveymonkey_ar.csv", "cp1256", 2)
    assert sm_header[0][0] == "Respondent ID" and sm_header[1][9] == "Response"
    assert sm_header[0][13] == "" and sm_header[1][13] != "", "blank question cells continue the matrix"
    gf_header, gf_body = _records(small / "google_forms_fa.csv", "utf-8", 1)
    assert any("[" in h and h.endswith("]") for h in gf_header[0]), "grid questions as Question [Row]"
    stamps = [r[0] for r in gf_body]
    assert any(s.startswith(("1403/", "1404/", "1405/")) for s in stamps), "Jalali years"
    assert any(s.startswith("۱۴۰") for s in stamps), "Persian digits"


def test_logs_are_consistent(small):
    customers = load_sample("customers", folder=small)
    tx = load_sample("transactions", folder=small)
    inter = load_sample("interactions", folder=small)
    assert customers["customer_id"].is_unique and tx["order_id"].is_unique
    first = tx.groupby("customer_id")["occurred_at"].min()
    acquired = customers.set_index("customer_id")["acquired_at"]
    assert (first == acquired.loc[first.index]).all(), "the first purchase happens at acquisition"
    cancelled = customers.set_index("customer_id")["cancelled_at"].dropna()
    last = tx.groupby("customer_id")["occurred_at"].max().loc[cancelled.index]
    assert (last <= cancelled).all(), "no purchase after a cancellation"
    end = pd.Timestamp("2026-07-01", tz="UTC")
    assert tx["occurred_at"].max() < end and inter["occurred_at"].max() < end
    assert set(inter["customer_id"]) <= set(customers["customer_id"])
    assert ((inter["complaint"]) | ~(inter["credit"] > 0)).all(), "credits only follow complaints"


def test_response_ids_are_unique_across_chunks(tmp_path, monkeypatch):
    """Issue 15: at --scale 50 (four chunks) SurveyMonkey ids restarted in every chunk and Google
    Forms keys were numbered per chunk, so the answer key had duplicate response ids and could not
    be matched to the export. Same bug on a small case: 1,000 customers in chunks of 300."""
    monkeypatch.setattr(W, "CHUNK_CUSTOMERS", 300)
    write_sample(tmp_path, seed=11, scale=0.25, progress=False)
    key = load_sample("responses", folder=tmp_path)
    assert key["response_id"].is_unique
    _, sm_body = _records(tmp_path / "surveymonkey_ar.csv", "cp1256", 2)
    sm_ids = pd.Series([r[0] for r in sm_body])
    assert sm_ids.is_unique and sm_ids.astype("int64").is_monotonic_increasing
    _, gf_body = _records(tmp_path / "google_forms_fa.csv", "utf-8", 1)
    gf = key[key["platform"] == "google_forms"]
    position = gf["response_id"].str.removeprefix("GF0000-").astype("int64").to_numpy()
    assert position.max() < len(gf_body) and (np.diff(position) > 0).all()
    typed = pd.Series([gf_body[i][2] for i in position], index=gf.index)  # the customer number as typed
    typed = typed.str.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2))
    same = typed.eq(gf["customer_id"].astype("string").fillna(""))
    assert same.mean() > 0.9, "a Google Forms key points at the export row it was written to"


def test_bad_arguments_raise_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="scale"):
        write_sample(tmp_path, scale=0)
    with pytest.raises(ParameterError, match="fmt"):
        write_sample(tmp_path, fmt="xlsx")


def test_chunks_join_into_one_consistent_business(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "CHUNK_CUSTOMERS", 300)
    write_sample(tmp_path, seed=3, scale=0.2, progress=False)  # 800 customers in 3 chunks
    customers = load_sample("customers", folder=tmp_path)
    assert len(customers) == 800 and customers["customer_id"].is_unique
    truth = json.loads((tmp_path / "TRUTH.json").read_text(encoding="utf-8"))
    assert truth["counts"]["transactions"] == len(load_sample("transactions", folder=tmp_path))
    header, body = _records(tmp_path / "qualtrics_en.csv", "utf-8-sig", 3)
    assert len(body) == truth["exports"]["qualtrics"]["rows"], "header rows written once"


def test_parquet_logs_load_like_csv(tmp_path, small):
    write_sample(tmp_path, seed=7, scale=0.25, fmt="parquet", progress=False)
    assert (tmp_path / "transactions.parquet").exists() and not (tmp_path / "transactions.csv").exists()
    for name in ("customers", "transactions", "interactions"):
        pd.testing.assert_frame_equal(load_sample(name, folder=tmp_path), load_sample(name, folder=small))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1))
def test_any_seed_reconciles(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("any")
    write_sample(folder, seed=seed, scale=0.05, progress=False)
    truth = json.loads((folder / "TRUTH.json").read_text(encoding="utf-8"))
    responses = load_sample("responses", folder=folder)
    assert len(responses) == sum(e["rows_by_kind"]["genuine"] for e in truth["exports"].values())
    assert responses["nps"].between(0, 10).all()
    assert truth["counts"]["customers"] == len(load_sample("customers", folder=folder))


# --- the planted effects are there to be found --------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return {name: load_sample(name) for name in ("responses", "customers", "interactions")}


def test_detractor_hazard_ratio_recovered_by_cox(sample):
    """Cox model (statsmodels PHReg) on contract customers' cancellations after their first response.

    The planted hazard ratio (TRUTH.json) must lie inside the estimate's 95 % interval.
    """
    r, c = sample["responses"], sample["customers"]
    m = r.sort_values("submitted_at").drop_duplicates("customer_id").merge(c, on="customer_id")
    m = m[m["plan"] == "contract"]
    end = pd.Timestamp("2026-07-01", tz="UTC")
    event = m["cancelled_at"].notna().to_numpy().astype(int)
    days = ((m["cancelled_at"].fillna(end) - m["submitted_at"]).dt.total_seconds() / 86400).to_numpy()
    nps = m["nps"].astype(float).to_numpy()
    x = np.column_stack([nps <= 6, (nps >= 7) & (nps <= 8)]).astype(float)
    fit = PHReg(np.maximum(days, 0.01), x, status=event).fit()
    lo, hi = np.exp(fit.conf_int()).T
    assert lo[0] < W.HR_ATTITUDE["detractor"] < hi[0]
    assert lo[1] < W.HR_ATTITUDE["passive"] < hi[1]
    assert np.exp(fit.params[0]) > 1.3, "detractors clearly leave faster"


def test_one_bad_experience_does_not_make_half_switch(sample):
    """The planted-false claim: churn within 90 days of a first unresolved contact is far below 50 %."""
    inter, c = sample["interactions"], sample["customers"]
    first_bad = inter[~inter["resolved"]].groupby("customer_id")["occurred_at"].min()
    c = c.set_index("customer_id").loc[first_bad.index]
    c = c[c["plan"] == "contract"]
    start = first_bad.loc[c.index]
    observed = start + pd.Timedelta(days=90) < pd.Timestamp("2026-07-01", tz="UTC")
    left = (c["cancelled_at"] - start).dt.days.le(90).fillna(False)
    share = left[observed].mean()
    assert 0.01 < share < 0.25


def test_waits_lower_first_contact_resolution(sample):
    inter = sample["interactions"]
    short = inter.loc[inter["wait_s"].between(1, 60), "resolved"].mean()
    long = inter.loc[inter["wait_s"] > 600, "resolved"].mean()
    assert short - long > 0.2


def test_unresolved_contacts_lower_satisfaction(sample):
    """Unresolved contacts BEFORE a response lower its CSAT (contacts after it cannot)."""
    r, inter = sample["responses"], sample["interactions"]
    bad = inter.loc[~inter["resolved"], ["customer_id", "occurred_at"]]
    pairs = r[["response_id", "customer_id", "submitted_at"]].merge(bad, on="customer_id")
    before = set(pairs.loc[pairs["occurred_at"] < pairs["submitted_at"], "response_id"])
    csat = r["csat"].astype(float)
    had_bad = r["response_id"].isin(before)
    assert had_bad.sum() > 100
    assert csat[~had_bad].mean() - csat[had_bad].mean() > 0.1
