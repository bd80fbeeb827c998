"""Column mapping: cx.map_columns, cx.propose_mapping, the Mapping file, and missing-column errors."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
from _churnfiles import bank_churn, kaggle_telco

import cxanalytics as cx
from cxanalytics.datasets import load_sample
from cxanalytics.errors import ColumnError, ParameterError
from cxanalytics.ingest.mapping import (
    SCHEMAS,
    Mapping,
    MappingError,
    MissingColumnsError,
    read_tables,
)

MONTH_DAYS = 365.25 / 12


# --------------------------------------------------------------------------- proposals
def test_kaggle_telco_csv_is_proposed_and_mapped(tmp_path):
    raw = kaggle_telco()
    path = tmp_path / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
    raw.to_csv(path, index=False)
    data, _ = read_tables(path)  # read as text, like the file
    proposal = cx.propose_mapping(data, file=path.name)  # kind guessed
    assert list(proposal.kinds) == ["snapshot"]
    km = proposal.kinds["snapshot"]
    assert {k: v for k, v in km.columns.items() if v in SCHEMAS["snapshot"]} == {
        "customerID": "customer_id", "tenure": "tenure", "Contract": "contract", "PaymentMethod": "payment_method",
        "MonthlyCharges": "monthly_charges", "TotalCharges": "total_charges", "Churn": "churned"}
    assert km.values["churned"] == {"Yes": True, "No": False}
    assert km.units["tenure"] == {"unit": "months"}  # guessed from the range 0-72 ...
    toml = proposal.to_toml()
    assert "suggest months; check" in toml  # ... and marked as a guess
    assert "11 blank cell(s) read as missing" in toml
    assert Mapping.from_toml(toml) == proposal  # ready to save: the printed TOML reads back the same

    res = cx.map_columns(data, proposal)
    out = res.data
    assert len(out) == len(raw) and out.index.equals(raw.index)
    assert int(out["churned"].sum()) == int((raw["Churn"] == "Yes").sum())
    assert out["churned"].dtype == "boolean"
    np.testing.assert_allclose(out["tenure"], raw["tenure"].astype(int) * MONTH_DAYS)
    np.testing.assert_array_equal(out["tenure_periods"], raw["tenure"].astype(int))
    assert res.units["tenure"] == "days" and res.units["tenure_periods"] == "months"
    assert int(out["total_charges"].isna().sum()) == 11
    blank = res.log.query("step == 'missing' and column == 'total_charges'")
    assert blank["n"].tolist() == [11] and "blank" in blank["detail"].iloc[0]
    np.testing.assert_allclose(out["monthly_charges"], raw["MonthlyCharges"].astype(float))
    assert out["customer_id"].tolist() == raw["customerID"].tolist()
    assert "gender" in res.segments and "contract" in res.segments


def test_bank_churn_csv_is_proposed_and_mapped():
    raw = bank_churn()
    proposal = cx.propose_mapping(raw, kind="snapshot")
    km = proposal.kinds["snapshot"]
    canonical = {k: v for k, v in km.columns.items() if v in SCHEMAS["snapshot"]}
    assert canonical == {"CustomerId": "customer_id", "Tenure": "tenure", "Exited": "churned",
                         "Complain": "complaint", "Satisfaction Score": "satisfaction"}
    assert "RowNumber" not in km.columns and "CreditScore" not in km.columns  # not an id, not satisfaction
    assert km.units["tenure"] == {"unit": "years"} and km.units["satisfaction"] == {"scale": "1-5"}
    assert km.values["churned"] == {"1": True, "0": False}
    res = cx.map_columns(raw, proposal)
    assert len(res.data) == len(raw)
    np.testing.assert_allclose(res.data["tenure"], raw["Tenure"] * 365.25)
    assert int(res.data["churned"].sum()) == int(raw["Exited"].sum())
    assert int(res.data["complaint"].sum()) == int(raw["Complain"].sum())
    assert res.data["customer_id"].tolist() == raw["CustomerId"].astype(str).tolist()  # ids are text, no ".0"
    assert res.units["satisfaction"] == "1-5"


def test_customer_status_joined_is_not_churned_and_says_so():
    raw = pd.DataFrame({"Customer ID": ["a", "b", "c", "d"], "Tenure Months": [3, 10, 1, 40],
                        "Customer Status": ["Stayed", "Churned", "Joined", "Churned"]})
    proposal = cx.propose_mapping(raw, kind="snapshot")
    assert proposal.kinds["snapshot"].values["churned"] == {"Churned": True, "Stayed": False, "Joined": False}
    assert "'Joined' (1 rows): customers who joined during the period, counted as not churned" in proposal.to_toml()
    assert proposal.kinds["snapshot"].units["tenure"] == {"unit": "months"}  # from the name
    assert cx.map_columns(raw, proposal).data["churned"].tolist() == [False, True, False, True]


def test_churn_score_is_not_a_churn_flag():
    raw = pd.DataFrame({"id": list("abcdef"), "tenure_days": [1, 2, 3, 4, 5, 6], "Churn Score": [10, 80, 55, 91, 23, 47],
                        "Churn Label": ["No", "Yes", "No", "Yes", "No", "No"]})
    km = cx.propose_mapping(raw, kind="snapshot").kinds["snapshot"]
    assert km.columns["Churn Label"] == "churned" and "Churn Score" not in km.columns
    assert km.units["tenure"] == {"unit": "days"}


def test_names_are_normalised_before_matching():
    from cxanalytics.ingest._mappropose import normalise, snake

    assert normalise("customerID") == normalise("Customer ID") == normalise("customer_id") == ["customer", "id"]
    assert normalise("Tenure in Months") == ["tenure", "month"]
    assert normalise("MonthlyCharges") == normalise("Monthly Charge") == ["monthly", "charge"]
    assert snake("PreferredLoginDevice") == "preferred_login_device" and snake("Internet Service") == "internet_service"


def test_proposal_lists_required_columns_not_found():
    raw = pd.DataFrame({"Customer ID": ["a", "b"], "Plan": ["x", "y"]})
    proposal = cx.propose_mapping(raw, kind="snapshot")
    assert set(proposal.unmapped["snapshot"]) >= {"tenure", "churned"}
    assert "REQUIRED but not found: tenure, churned" in proposal.to_toml()


def test_transactions_log_with_day_first_times():
    raw = pd.DataFrame({"InvoiceNo": ["536365", "536366", "536367"], "CustomerID": ["17850", "17850", "13047"],
                        "InvoiceDate": ["01/12/2010 08:26", "13/12/2010 08:28", "25/12/2010 08:34"],
                        "Revenue": ["15.30", "22.00", "3.5"]})
    proposal = cx.propose_mapping(raw, kind="transactions")
    km = proposal.kinds["transactions"]
    assert km.columns == {"InvoiceNo": "order_id", "CustomerID": "customer_id", "InvoiceDate": "occurred_at",
                          "Revenue": "amount"}
    assert km.units["occurred_at"] == {"format": "%d/%m/%Y %H:%M"}
    out = cx.map_columns(raw, proposal).data
    assert out["occurred_at"].dt.tz is not None and out["occurred_at"].iloc[1] == pd.Timestamp("2010-12-13 08:28Z")
    assert out["amount"].tolist() == [15.3, 22.0, 3.5]


# --------------------------------------------------------------------------- map_columns
SNAPSHOT = {"snapshot": {"columns": {"cust": "customer_id", "months": "tenure", "left": "churned"},
                         "values": {"churned": {"Y": True, "N": False}}, "units": {"tenure": "months"}}}


def _raw():
    return pd.DataFrame({"cust": ["1", "2", "3"], "months": ["2", "5", ""], "left": ["Y", "N", "y"]})


def test_map_columns_never_mutates_and_keeps_other_columns():
    raw = _raw().assign(note=["a", "b", "c"])
    before = raw.copy()
    res = cx.map_columns(raw, SNAPSHOT)
    pd.testing.assert_frame_equal(raw, before)
    assert list(res.data.columns) == ["customer_id", "tenure", "tenure_periods", "churned", "note"]
    assert res.data["churned"].tolist() == [True, False, True]  # "y" matched ignoring case
    assert res.data["tenure"].isna().tolist() == [False, False, True]
    assert res.log.query("step == 'keep'")["detail"].str.contains("note").all()
    summary = res.summary()
    assert summary.set_index("column").loc["tenure_periods", "what"] == "periods"
    assert summary.set_index("column").loc["tenure", "source"] == "months"


def test_map_columns_errors_name_column_values_and_expectation():
    with pytest.raises(ColumnError, match=r"Values not in the recode table of 'churned'.*column 'left'.*'maybe' \(1\)"):
        cx.map_columns(_raw().assign(left=["Y", "maybe", "N"]), SNAPSHOT)
    with pytest.raises(ColumnError, match=r"not numbers.*column 'months'.*'two' \(1\)"):
        cx.map_columns(_raw().assign(months=["1", "two", "3"]), SNAPSHOT)
    with pytest.raises(ColumnError, match=r"Negative durations"):
        cx.map_columns(_raw().assign(months=["1", "-2", "3"]), SNAPSHOT)
    with pytest.raises(MissingColumnsError, match=r"lacks columns 'months'.*it has columns 'cust', 'left'"):
        cx.map_columns(_raw().drop(columns="months"), SNAPSHOT)
    no_unit = {"snapshot": SNAPSHOT["snapshot"] | {"units": {}}}
    with pytest.raises(ParameterError, match=r"Declare the unit of 'tenure'.*months"):
        cx.map_columns(_raw(), no_unit)
    scored = {"snapshot": SNAPSHOT["snapshot"] | {"units": {"tenure": "months", "satisfaction": "1-5"}}}
    with pytest.raises(ColumnError, match=r"outside the declared scale 1-5.*'7' \(1\)"):
        cx.map_columns(_raw().assign(satisfaction=[1, 7, 5]), scored)
    with pytest.raises(ColumnError, match=r"A target column already exists.*'churned'"):
        cx.map_columns(_raw().assign(churned=[1, 0, 0]), SNAPSHOT)
    with pytest.raises(ColumnError, match=r"tenure_periods would be written twice"):
        cx.map_columns(_raw().assign(tenure_periods=[1, 2, 3]), SNAPSHOT)
    units = {"snapshot": SNAPSHOT["snapshot"] | {"units": {"tenure": "months", "monthly_charges": "USD"}}}
    with pytest.raises(ColumnError, match=r"A unit names a column the data lacks.*'monthly_charges'"):
        cx.map_columns(_raw(), units)
    with pytest.raises(ParameterError, match="Say which kind"):
        cx.map_columns(_raw(), {"snapshot": {}, "customers": {}})


def test_required_columns_missing_after_mapping_come_with_a_proposal():
    raw = pd.DataFrame({"cust": ["1", "2"], "Churned?": ["yes", "no"], "tenure (weeks)": [3, 4]})
    with pytest.raises(MissingColumnsError) as info:
        cx.map_columns(raw, {"snapshot": {"columns": {"cust": "customer_id"}}})
    err = info.value
    assert err.missing == ("tenure", "churned") and err.proposal is not None
    assert "(after mapping) lacks columns 'tenure', 'churned'" in str(err)
    assert err.proposal.kinds["snapshot"].units["tenure"] == {"unit": "weeks"}
    assert '"tenure (weeks)" = "tenure" (in weeks)' in str(err)


def test_currency_factor_and_flags_without_a_table():
    raw = pd.DataFrame({"customer_id": ["a", "b"], "tenure": [10.0, 20.0], "churned": ["TRUE", "false"],
                        "fee_cents": ["1999", "2500"]})
    m = {"snapshot": {"columns": {"fee_cents": "monthly_charges"},
                      "units": {"monthly_charges": {"currency": "EUR", "factor": 0.01}}}}
    res = cx.map_columns(raw, m)
    np.testing.assert_allclose(res.data["monthly_charges"], [19.99, 25.0])
    assert res.units["monthly_charges"] == "EUR"
    assert res.data["churned"].tolist() == [True, False]
    assert res.data["tenure"].tolist() == [10.0, 20.0]  # canonical name: days, logged as an assumption
    assert "assumed in days" in " ".join(res.log["detail"])


# --------------------------------------------------------------------------- the mapping file
@pytest.mark.parametrize(("text", "pattern"), [
    ("[snapshot.columns]\nx = 'Customer ID'\n", r"Malformed target column name \(key 'snapshot.columns.x'\).*'Customer ID'"),
    ("[snapshots.columns]\nx = 'customer_id'\n", r"Unknown kind \(key 'snapshots'\).*snapshot, customers"),
    ("[snapshot]\nrename = {}\n", r"Unknown key \(key 'snapshot.rename'\).*columns"),
    ("[snapshot.units]\nmonthly_charges = 'dollars'\n", r"Malformed currency code.*'dollars'.*ISO 4217"),
    ("[snapshot.units]\nsatisfaction = '5-1'\n", r"Malformed scale.*'5-1'"),
    ("[snapshot.units]\ncontract = 'months'\n", r"Units can only be declared.*'contract'.*tenure"),
    ("[snapshot.units]\nmonthly_charges = { currency = 'USD', factor = -1 }\n", r"currency factor.*-1"),
    ("[snapshot.columns]\na = 'churned'\nb = 'churned'\n", r"Two columns map to the same target.*'a' maps to it too"),
    ("[snapshot.values.churned]\nYes = 'true'\n", r"Malformed recoded value.*true or false"),
    ("[snapshot.values.nothing]\nYes = 1\n", r"neither mapped nor canonical.*'nothing'"),
    ("[transactions.units]\noccurred_at = 'Mars/Olympus'\n", r"Unknown time zone.*'Mars/Olympus'"),
    ("source = 3\n[snapshot]\n", r"Malformed source note.*received 3"),
    ("[snapshot.columns\n", r"not valid TOML"),
])  # fmt: skip
def test_mapping_file_errors_name_file_key_value_and_expectation(tmp_path, text, pattern):
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=pattern) as info:
        Mapping.from_file(path)
    assert str(path) in str(info.value)


def test_yaml_mapping_reads_like_toml(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "m.yaml"
    path.write_text("snapshot:\n  columns:\n    cust: customer_id\n  units:\n    tenure: months\n", encoding="utf-8")
    assert Mapping.from_file(path) == Mapping.from_toml('[snapshot.columns]\ncust = "customer_id"\n'
                                                        '[snapshot.units]\ntenure = "months"\n')


def test_to_toml_writes_every_part_and_reads_back(tmp_path):
    m = Mapping.from_dict({"source": 'a "quoted"\nnote', "customers": {
        "sheet": "Sheet 1", "segments": [], "columns": {"Signup Date": "acquired_at", "ID": "customer_id"},
        "values": {"segment": {"B2B": "business", "1": 2.5}},
        "units": {"acquired_at": {"timezone": "Asia/Dubai", "format": "%d/%m/%Y"}, "acquisition_cost": "AED"}}})
    text = m.save(tmp_path / "m.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["customers"]["units"]["acquisition_cost"] == "AED"
    assert Mapping.from_file(tmp_path / "m.toml") == m


# --------------------------------------------------------------------------- errors of the loaders
def test_log_reader_says_what_is_missing_and_which_mapping_fits(tmp_path):
    path = tmp_path / "orders.csv"
    pd.DataFrame({"Order ID": ["o1", "o2"], "Customer ID": ["c1", "c2"], "Order Date": ["2026-01-02", "2026-01-05"],
                  "Amount": ["10", "12.5"]}).to_csv(path, index=False)
    with pytest.raises(MissingColumnsError) as info:
        cx.read_transactions(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: the transactions log lacks columns 'customer_id', 'occurred_at'; "
                          "it has columns 'Order ID', 'Customer ID', 'Order Date', 'Amount'; a mapping like")
    assert '"Customer ID" = "customer_id", "Order Date" = "occurred_at" would fit' in msg
    assert "--map mapping.toml" in msg
    assert info.value.proposal.kinds["transactions"].columns["Amount"] == "amount"


def test_load_sample_says_what_a_table_lacks(tmp_path):
    pd.DataFrame({"Order": ["o1"], "Customer": ["c1"], "When": ["2026-01-02"], "Amount": ["3"]}).to_csv(
        tmp_path / "transactions.csv", index=False)
    with pytest.raises(MissingColumnsError, match=r"transactions file lacks columns 'order_id', 'customer_id', "
                       r"'occurred_at', 'amount'; it has columns 'Order', 'Customer', 'When', 'Amount'"):
        load_sample("transactions", folder=tmp_path)
