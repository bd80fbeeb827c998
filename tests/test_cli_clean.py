"""The ``cxanalytics clean`` sub-command: outputs, summary, options, exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import cxanalytics.cli as cli
from cxanalytics.cli import EXIT_BAD_INPUT, EXIT_OK, build_parser, main
from cxanalytics.datasets import load_sample, sample_dir

TRUTH = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))


def test_clean_has_help():
    sub = build_parser()._subparsers._group_actions[0].choices["clean"]
    text = sub.format_help()
    for option in ("--out", "--codebook", "--timezone", "--test-filter"):
        assert option in text


def test_clean_surveymonkey_writes_outputs_and_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["clean", str(load_sample("surveymonkey_ar")), "--out", str(out), "--timezone", "Asia/Riyadh",
                 "--test-filter", "collector_id=431000999", "--pii-key", "k", "--no-progress"])
    assert code == EXIT_OK
    text = capsys.readouterr().out
    kinds = TRUTH["exports"]["surveymonkey"]["rows_by_kind"]
    assert f"{sum(kinds.values()):,}" in text and f"{kinds['genuine']:,}" in text
    assert "Asia/Riyadh" in text and len(text.splitlines()) < 25  # one screen
    for name in ("data", "quarantine", "log", "recodes", "codebook", "summary", "rules"):
        assert (out / f"{name}.csv").is_file()
    q = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig")
    assert q["reason"].value_counts().to_dict() == {("incomplete" if k == "partial" else k): n
                                                    for k, n in kinds.items() if k != "genuine"}


def test_clean_with_an_edited_codebook_and_parquet(tmp_path, capsys):
    first = tmp_path / "first"
    assert main(["clean", str(load_sample("qualtrics_en")), "--out", str(first), "--pii-key", "k"]) == EXIT_OK
    book = pd.read_csv(first / "codebook.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    book.loc[book["column"].isin(["Q4_6", "Q5_6"]), "reverse"] = "false"
    path = tmp_path / "book.csv"
    book.to_csv(path, index=False, encoding="utf-8-sig")
    second = tmp_path / "second"
    code = main(["clean", str(load_sample("qualtrics_en")), "--out", str(second), "--codebook", str(path),
                 "--format", "parquet", "--pii-key", "k"])
    assert code == EXIT_OK
    log = pd.read_parquet(second / "log.parquet")
    assert "reverse_code" not in set(log["rule"].astype(str))
    capsys.readouterr()


def test_progress_bar_on_large_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "CLEAN_PROGRESS_BYTES", 0)
    assert main(["clean", str(load_sample("qualtrics_en")), "--out", str(tmp_path), "--pii-key", "k"]) == EXIT_OK
    assert "cleaning columns" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nope.csv"], "not found"), (["{sample}", "--test-filter", "novalue"], "--test-filter"),
     (["{sample}", "--codebook", "missing.csv"], "Codebook file not found"),
     (["{sample}", "--timezone", "Mars/Olympus"], "time zone")],
)  # fmt: skip
def test_bad_input_exits_2_with_a_message(tmp_path, capsys, args, message):
    args = [a.replace("{sample}", str(load_sample("qualtrics_en"))) for a in args]
    code = main(["clean", *args, "--out", str(tmp_path / "o")])
    assert code == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
