"""`cxanalytics map`, `cxanalytics report --map`, and the data folder assembled through a mapping."""

from __future__ import annotations

import tomllib

import nbformat
import pandas as pd
import pytest
from _churnfiles import kaggle_telco

from cxanalytics.datasets import load_sample
from cxanalytics.ingest.mapping import Mapping, MissingColumnsError
from cxanalytics.report._data import assemble_data
from cxanalytics.report.cli import EXIT_BAD_INPUT, EXIT_OK, main

TX_MAPPING = """
[transactions.columns]
Invoice = "order_id"
Customer = "customer_id"
"Invoice Date" = "occurred_at"
Revenue = "amount"

[transactions.units]
occurred_at = { timezone = "Asia/Dubai", format = "%d/%m/%Y %H:%M" }
amount = "AED"
"""


def _renamed_transactions(tmp_path, n=40):
    tx = load_sample("transactions").head(n)
    local = tx["occurred_at"].dt.tz_convert("Asia/Dubai")
    raw = pd.DataFrame({"Invoice": tx["order_id"], "Customer": tx["customer_id"],
                        "Invoice Date": local.dt.strftime("%d/%m/%Y %H:%M"), "Revenue": tx["amount"].map("{:,.2f}".format)})
    path = tmp_path / "my_orders.csv"
    raw.to_csv(path, index=False)
    return path, tx


def test_map_prints_a_proposal_ready_to_save(tmp_path, capsys):
    path = tmp_path / "telco.csv"
    kaggle_telco(200).to_csv(path, index=False)
    assert main(["map", str(path), "--kind", "snapshot"]) == EXIT_OK
    out = capsys.readouterr().out
    parsed = tomllib.loads(out)
    assert parsed["snapshot"]["columns"]["customerID"] == "customer_id"
    assert "# name matches 'customer id'" in out and str(tmp_path) not in out  # the file's name only
    assert main(["map", str(path), "--kind", "snapshot", "--out", str(tmp_path / "m.toml")]) == EXIT_OK
    said = capsys.readouterr().out
    assert "Every required column was found." in said and "--check" in said
    assert Mapping.from_file(tmp_path / "m.toml").kinds["snapshot"].values["churned"] == {"Yes": True, "No": False}
    assert main(["map", str(path), "--check", str(tmp_path / "m.toml")]) == EXIT_OK
    checked = capsys.readouterr().out
    assert "200 rows of kind snapshot" in checked and "months -> days" in checked


def test_map_check_with_a_bad_mapping_exits_2(tmp_path, capsys):
    path = tmp_path / "telco.csv"
    kaggle_telco(50).to_csv(path, index=False)
    bad = tmp_path / "bad.toml"
    bad.write_text('[snapshot.units]\ntenure = "moons"\n', encoding="utf-8")
    assert main(["map", str(path), "--check", str(bad)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Unknown duration unit" in err and "bad.toml" in err and "'moons'" in err


def test_report_on_a_file_that_does_not_fit_proposes_a_mapping(tmp_path, capsys):
    path, _ = _renamed_transactions(tmp_path)
    out_dir = tmp_path / "out"
    code = main(["report", "--transactions", str(path), "--out", str(out_dir), "--no-progress"])
    assert code == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert "my_orders.csv: the transactions file lacks columns 'order_id', 'customer_id', 'occurred_at', 'amount'" \
        in captured.err
    assert "it has columns 'Invoice', 'Customer', 'Invoice Date', 'Revenue'" in captured.err
    assert "--map" in captured.out
    saved = out_dir / "proposed_mapping.toml"
    proposal = Mapping.from_file(saved)
    assert proposal.kinds["transactions"].columns == {"Invoice": "order_id", "Customer": "customer_id",
                                                      "Invoice Date": "occurred_at", "Revenue": "amount"}
    assert tomllib.loads(captured.out.split("\n", 2)[2])["transactions"]["columns"]["Customer"] == "customer_id"
    assert not (out_dir / "report.html").exists()


def test_several_tables_that_do_not_fit_give_one_error_and_one_proposal(tmp_path):
    tx, _ = _renamed_transactions(tmp_path)
    customers = tmp_path / "clients.csv"
    pd.DataFrame({"Client ID": ["a", "b"], "Signup Date": ["2025-01-02", "2025-02-03"]}).to_csv(customers, index=False)
    with pytest.raises(MissingColumnsError) as info:
        assemble_data(tmp_path / "d", transactions=tx, customers=customers)
    assert set(info.value.proposal.kinds) == {"transactions", "customers"}
    assert "transactions file lacks" in str(info.value) and "customers file lacks" in str(info.value)


def test_assemble_maps_a_table_into_the_data_folder(tmp_path):
    path, tx = _renamed_transactions(tmp_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(TX_MAPPING, encoding="utf-8")
    data = assemble_data(tmp_path / "d", transactions=path, mapping=mapping)
    assert "transactions" in data.inputs
    loaded = load_sample("transactions", folder=data.path)  # the notebooks' loader reads the mapped table
    pd.testing.assert_series_equal(loaded["occurred_at"], tx["occurred_at"].dt.floor("min"), check_names=False)
    assert loaded["amount"].round(2).tolist() == tx["amount"].round(2).tolist()
    assert loaded["order_id"].tolist() == tx["order_id"].tolist()
    assert (data.path / "mapping_log.csv").exists() and set(data.mapping_log["table"]) == {"transactions"}
    assert any("transactions: mapped with" in n for n in data.notes)


def test_assemble_reports_what_a_mapped_table_still_lacks(tmp_path):
    path, _ = _renamed_transactions(tmp_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(TX_MAPPING.replace('Revenue = "amount"\n', "").replace('amount = "AED"\n', ""), encoding="utf-8")
    with pytest.raises(MissingColumnsError, match=r"transactions file \(after mapping\) lacks columns 'amount'"):
        assemble_data(tmp_path / "d", transactions=path, mapping=mapping)


@pytest.mark.slow
def test_report_with_map_runs_the_notebooks_on_the_mapped_table(tmp_path, capsys):
    path, tx = _renamed_transactions(tmp_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(TX_MAPPING, encoding="utf-8")
    suite = tmp_path / "nbs"
    suite.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir = "default"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Purchases"), params, nbformat.v4.new_code_cell(
        "from cxanalytics.datasets import load_sample\n"
        "tx = load_sample('transactions', folder=data_dir)\n"
        "print('purchases', len(tx), 'revenue', round(float(tx['amount'].sum()), 2))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(suite / "01_purchases.ipynb"))
    out_dir = tmp_path / "out"
    code = main(["report", "--transactions", str(path), "--map", str(mapping), "--notebooks", str(suite),
                 "--out", str(out_dir), "--no-progress"])
    assert code == EXIT_OK, capsys.readouterr().err
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert f"purchases {len(tx)} revenue {round(float(tx['amount'].round(2).sum()), 2)}" in html
    assert (out_dir / "mapping_log.csv").exists()


def test_sample_logs_under_other_names_map_back_to_the_sample(tmp_path):
    """Customers, transactions and interactions renamed and reformatted as an analyst's export might be:
    the proposed mappings (plus the time zone the analyst knows) give back the sample tables exactly."""
    c, t, i = (load_sample(n) for n in ("customers", "transactions", "interactions"))
    yes_no = {True: "Yes", False: "No"}
    files = {
        "customers": pd.DataFrame({
            "Customer Number": c.customer_id,
            "Signup Date": c.acquired_at.dt.tz_convert("Asia/Dubai").dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Acquisition Channel": c.acquisition_channel, "CAC": c.acquisition_cost.map("{:,.2f}".format),
            "Segment": c.segment, "Plan": c.plan, "Home Branch": c.branch_id, "Language": c.language,
            "Cancellation Date": c.cancelled_at.dt.strftime("%Y-%m-%d %H:%M:%S%z")}),
        "transactions": pd.DataFrame({"Order No": t.order_id, "Client ID": t.customer_id, "Order Date": t.occurred_at,
                                      "Revenue": t.amount}),
        "interactions": pd.DataFrame({
            "Ticket ID": i.interaction_id, "Customer ID": i.customer_id, "Contact Date": i.occurred_at,
            "Contact Channel": i.channel, "Branch": i.branch_id, "Agent": i.agent_id, "Wait (min)": i.wait_s / 60,
            "Handle Time Seconds": i.handle_s, "Resolved": i.resolved.map(yes_no), "Complaint": i.complaint.map(yes_no),
            "Goodwill Credit": i.credit}),
    }  # fmt: skip
    paths, mapping = {}, None
    for name, frame in files.items():
        paths[name] = tmp_path / f"my_{name}.csv"
        frame.to_csv(paths[name], index=False)
        assert main(["map", str(paths[name]), "--kind", name, "--out", str(tmp_path / f"{name}.toml")]) == EXIT_OK
        proposal = Mapping.from_file(tmp_path / f"{name}.toml")
        mapping = proposal if mapping is None else mapping.merge(proposal)
    text = mapping.to_toml().replace('acquired_at = { format', 'acquired_at = { timezone = "Asia/Dubai", format')
    (tmp_path / "all.toml").write_text(text, encoding="utf-8")
    data = assemble_data(tmp_path / "d", mapping=tmp_path / "all.toml", **paths)
    for name, original in (("customers", c), ("transactions", t), ("interactions", i)):
        mapped = load_sample(name, folder=data.path)
        if name == "customers":  # acquisition costs were written with 2 decimals
            original = original.assign(acquisition_cost=original["acquisition_cost"].round(2))
        pd.testing.assert_frame_equal(mapped, original, check_exact=False, rtol=1e-12, obj=name)
    assert set(data.mapping_log["table"]) == set(files)


def test_a_data_folder_in_the_users_columns_is_mapped_too(tmp_path):
    path, tx = _renamed_transactions(tmp_path)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "transactions.csv").write_bytes(path.read_bytes())
    mapping = tmp_path / "m.toml"
    mapping.write_text(TX_MAPPING, encoding="utf-8")
    data = assemble_data(tmp_path / "d", data_dir=folder, mapping=mapping)
    assert load_sample("transactions", folder=data.path)["order_id"].tolist() == tx["order_id"].tolist()
    assert (folder / "transactions.csv").read_bytes() == path.read_bytes()  # the user's file is untouched
