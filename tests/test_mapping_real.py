"""Column mapping on real churn files (IBM Telco extended, e-commerce churn), the committed example
mappings, and hypothesis properties (no row lost or duplicated; a canonical frame maps to itself)."""

from __future__ import annotations

import string
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics.ingest.mapping import Mapping, read_tables

MONTH_DAYS = 365.25 / 12
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def telco_files(realdata):
    folder = realdata / "ibm_telco_extended"
    return [folder / "Telco_customer_churn_status.xlsx", folder / "Telco_customer_churn_services.xlsx"]


@pytest.fixture(scope="module")
def telco(telco_files):
    data, log = read_tables(telco_files)
    return data, log


@pytest.fixture(scope="module")
def ecommerce(realdata):
    path = realdata / "ecommerce_churn" / "E Commerce Dataset.xlsx"
    return path, read_tables(path)[0]


def test_ibm_telco_workbooks_join_without_losing_a_customer(telco):
    data, log = telco
    assert len(data) == 7043 and data["Customer ID"].is_unique
    joins = [e for e in log if e["step"] == "join" and e["column"] == "Customer ID"]
    assert "7,043 matched, 0 only in the earlier tables, 0 only in this one" in joins[0]["detail"]
    assert (data["Offer"] == "None").sum() > 0  # "None" is an answer here, not a missing value


def test_ibm_telco_proposal_maps_the_right_columns(telco):
    data, _ = telco
    proposal = cx.propose_mapping(data)
    assert list(proposal.kinds) == ["snapshot"]
    km = proposal.kinds["snapshot"]
    assert {k: v for k, v in km.columns.items() if v in cx.ingest.mapping.SCHEMAS["snapshot"]} == {
        "Customer ID": "customer_id", "Churn Value": "churned", "Tenure in Months": "tenure",
        "Monthly Charge": "monthly_charges", "Total Charges": "total_charges", "Satisfaction Score": "satisfaction",
        "Churn Reason": "churn_reason", "Contract": "contract", "Payment Method": "payment_method"}
    assert km.values["churned"] == {"1": True, "0": False}
    assert km.units["tenure"] == {"unit": "months"} and km.units["satisfaction"] == {"scale": "1-5"}
    toml = proposal.to_toml()
    assert "Not proposed: 'Churn Score' as churned" in toml
    assert "Also looked like churned: 'Churn Label', 'Customer Status'" in toml
    tomllib.loads(toml)


def _check_telco(res, data):
    out = res.data
    assert len(out) == 7043 and out["customer_id"].tolist() == data["Customer ID"].tolist()
    assert int(out["churned"].sum()) == 1869  # realdata README: churned 1,869 of 7,043
    assert out["satisfaction"].value_counts().sort_index().tolist() == [922, 518, 2665, 1789, 1149]
    np.testing.assert_allclose(out["tenure"], data["Tenure in Months"] * MONTH_DAYS)
    assert res.units["tenure"] == "days" and res.units["tenure_periods"] == "months"
    # the satisfaction -> churn link has the direction the README states (1-2 all churned, 4-5 none)
    rate = out.groupby("satisfaction")["churned"].mean()
    assert rate.loc[1.0] == 1.0 and rate.loc[2.0] == 1.0 and rate.loc[4.0] == 0.0 and rate.loc[5.0] == 0.0


def test_ibm_telco_proposal_applied(telco):
    data, _ = telco
    _check_telco(cx.map_columns(data, cx.propose_mapping(data)), data)


def test_ibm_telco_example_mapping(telco_files, telco, repo_root):
    res = cx.read_mapped(telco_files, repo_root / "examples" / "mappings" / "ibm_telco_extended.toml")
    _check_telco(res, telco[0])
    assert res.units["monthly_charges"] == "USD" and set(res.segments) >= {"contract", "payment_method"}
    assert res.log["step"].iloc[:2].tolist() == ["read", "read"]
    assert res.data["contract"].value_counts().to_dict() == (
        telco[0]["Contract"].value_counts().to_dict())


def test_ibm_customer_status_with_joined_gives_the_same_churners(telco):
    data, _ = telco
    m = {"snapshot": {"columns": {"Customer ID": "customer_id", "Customer Status": "churned",
                                  "Tenure in Months": "tenure"},
                      "values": {"churned": {"Churned": True, "Stayed": False, "Joined": False}},
                      "units": {"tenure": "months"}}}
    res = cx.map_columns(data, m)
    counts = res.log.query("step == 'recode'").set_index("detail")["n"].to_dict()
    assert counts == {"'Churned' -> True": 1869, "'Stayed' -> False": 4720, "'Joined' -> False": 454}
    assert (res.data["churned"].to_numpy() == (data["Churn Value"] == 1).to_numpy()).all()


def _check_ecommerce(res, data):
    out = res.data
    assert len(out) == 5630 and int(out["churned"].sum()) == 948  # README: churn 948 of 5,630
    assert out["tenure"].isna().sum() == data["Tenure"].isna().sum() == 264  # missing kept, not dropped
    np.testing.assert_allclose(out["tenure"], data["Tenure"] * MONTH_DAYS)
    rate = out.groupby("complaint")["churned"].mean()
    assert round(rate.loc[True], 3) == 0.317 and round(rate.loc[False], 3) == 0.109  # README: 31.7 % vs 10.9 %
    by_score = out.groupby("satisfaction")["churned"].mean()
    assert round(by_score.loc[1.0], 3) == 0.115 and round(by_score.loc[5.0], 3) == 0.238  # the "wrong" way


def test_ecommerce_proposal_maps_the_right_columns_and_applies(ecommerce):
    path, data = ecommerce
    proposal = cx.propose_mapping(data, kind="snapshot", file=path.name)
    km = proposal.kinds["snapshot"]
    assert {k: v for k, v in km.columns.items() if v in cx.ingest.mapping.SCHEMAS["snapshot"]} == {
        "CustomerID": "customer_id", "Churn": "churned", "Tenure": "tenure", "Complain": "complaint",
        "SatisfactionScore": "satisfaction", "PreferredPaymentMode": "payment_method"}
    assert km.units["tenure"] == {"unit": "months"}
    assert "preferred_login_device" in km.segments
    _check_ecommerce(cx.map_columns(data, proposal), data)


def test_ecommerce_example_mapping_harmonises_labels(ecommerce, repo_root):
    path, data = ecommerce
    res = cx.read_mapped(path, repo_root / "examples" / "mappings" / "ecommerce_churn.toml")
    _check_ecommerce(res, data)
    assert set(res.data["preferred_login_device"]) == {"Mobile Phone", "Computer"}
    assert "CC" not in set(res.data["payment_method"]) and "COD" not in set(res.data["payment_method"])
    assert (res.data["payment_method"] == "Credit Card").sum() == data["PreferredPaymentMode"].isin(
        ["CC", "Credit Card"]).sum()


def test_example_mappings_are_valid_and_round_trip(repo_root):
    for path in sorted((repo_root / "examples" / "mappings").glob("*.toml")):
        m = Mapping.from_file(path)
        assert Mapping.from_toml(m.to_toml()) == m, path.name


# --------------------------------------------------------------------------- properties
_CANONICAL = {t.name for schema in cx.ingest.mapping.SCHEMAS.values() for t in schema.targets}
_names = st.text(alphabet=string.ascii_letters + string.digits + " _-'\"\\é/", min_size=1, max_size=12).filter(
    lambda s: s not in _CANONICAL and not s.startswith("x_") and s != "Churn?")
_cells = st.one_of(st.none(), st.sampled_from(["a", "b", " ", "Yes", "No", "1", "0", "x y"]), st.integers(0, 3))


@st.composite
def _frame_and_mapping(draw):
    n = draw(st.integers(0, 25))
    cols = draw(st.lists(_names, min_size=1, max_size=6, unique=True))
    data = pd.DataFrame({c: pd.Series(draw(st.lists(_cells, min_size=n, max_size=n)), dtype="object") for c in cols})
    renamed = draw(st.lists(st.sampled_from(cols), unique=True))
    columns = {c: f"x_{i}" for i, c in enumerate(renamed)}
    values = {}
    for c in renamed:
        if draw(st.booleans()):
            values[columns[c]] = draw(st.dictionaries(st.sampled_from(["a", "b", "1", "Yes"]),
                                                      st.sampled_from(["A", "B", "z"]), min_size=1))
    flag = None
    if n and draw(st.booleans()):
        flag = pd.Series(draw(st.lists(st.sampled_from(["Yes", "No", None]), min_size=n, max_size=n)), dtype="object")
        data["Churn?"] = flag
        columns["Churn?"] = "churned"
        values["churned"] = {"Yes": True, "No": False}
    return data.set_axis(pd.RangeIndex(n) * 3, axis=0), {"snapshot": {"columns": columns, "values": values}}, flag


@SETTINGS
@given(_frame_and_mapping())
def test_renaming_and_recoding_never_loses_or_duplicates_rows(case):
    data, mapping, flag = case
    res = cx.map_columns(data, mapping, require=False)
    out = res.data
    assert len(out) == len(data) and out.index.equals(data.index)
    cols = mapping["snapshot"]["columns"]
    assert out.shape[1] == data.shape[1]
    for src in data.columns:
        tgt = cols.get(src, src)
        if tgt == "churned":
            assert int(out[tgt].sum()) == int((flag == "Yes").sum())
            assert int(out[tgt].isna().sum()) == int(flag.isna().sum())
            continue
        table = mapping["snapshot"]["values"].get(tgt)
        if table is None:
            assert out[tgt].equals(data[src]), src
        else:  # recoded cells take the new value; the others are kept as they are
            keys = data[src].map(lambda v: None if v is None else str(v).strip() or None)
            expected = [table[k] if k in table else v for k, v in zip(keys, data[src], strict=True)]
            got = out[tgt].tolist()
            assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]


@st.composite
def _canonical_snapshot(draw):
    n = draw(st.integers(3, 20))
    frame = pd.DataFrame({
        "customer_id": pd.array([f"C{i:05d}" for i in draw(st.lists(st.integers(0, 99_999), min_size=n, max_size=n,
                                                                      unique=True))], dtype="str"),
        "tenure": draw(st.lists(st.floats(0, 5000, allow_nan=False), min_size=n, max_size=n)),
        "churned": pd.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype="boolean"),
    })  # fmt: skip
    if draw(st.booleans()):
        frame["monthly_charges"] = draw(st.lists(st.floats(0, 500, allow_nan=False), min_size=n, max_size=n))
    if draw(st.booleans()):
        frame["satisfaction"] = np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), dtype="float64")
    if draw(st.booleans()):
        frame["complaint"] = pd.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype="boolean")
    if draw(st.booleans()):
        frame["contract"] = pd.array(draw(st.lists(st.sampled_from(["monthly", "annual"]), min_size=n, max_size=n)),
                                     dtype="str")
    return frame


@SETTINGS
@given(_canonical_snapshot())
def test_proposal_for_a_canonical_frame_is_the_identity(frame):
    proposal = cx.propose_mapping(frame, kind="snapshot")
    km = proposal.kinds["snapshot"]
    assert km.columns == {c: c for c in frame.columns}
    assert km.values == {}
    assert km.units["tenure"] == {"unit": "days"}
    res = cx.map_columns(frame, proposal)
    pd.testing.assert_frame_equal(res.data, frame)
    assert not (res.log["step"].isin(["rename", "recode", "missing"])).any()


@SETTINGS
@given(st.dictionaries(_names, st.sampled_from(["customer_id", "tenure", "segment_a"]), max_size=3),
       st.dictionaries(_names, st.one_of(st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), _names),
                       min_size=1, max_size=4),
       st.one_of(st.none(), _names))
def test_toml_written_reads_back_the_same(columns, values, source):
    columns = {k: v for k, v in columns.items()}
    targets = list(dict.fromkeys(columns.values()))
    columns = {next(k for k, v in columns.items() if v == t): t for t in targets}
    raw = {"snapshot": {"columns": columns, "values": {"segment": values}}}
    if source is not None:
        raw["source"] = source
    m = Mapping.from_dict(raw)
    assert Mapping.from_toml(m.to_toml()) == m
