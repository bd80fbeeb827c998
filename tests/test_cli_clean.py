"""The ``cxanalytics clean`` sub-command: outputs, summary, options, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cxanalytics.report.cli as cli
from cxanalytics.datasets import load_sample, sample_dir
from cxanalytics.report.cli import EXIT_BAD_INPUT, EXIT_OK, build_parser, main

TRUTH = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))


def test_clean_has_help():
    sub = build_parser()._subparsers._group_actions[0].choices["clean"]
    text = sub.format_help()
    for option in ("--out", "--codebook", "--timezone", "--test-filter", "--encoding", "--calendar",
                   "--min-completion", "--speeder-fraction", "--speeder-sd", "--missing-codes", "--remove", "--keep"):
        assert option in text


def test_clean_surveymonkey_writes_outputs_and_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["clean", str(load_sample("surveymonkey_ar")), "--out", str(out), "--timezone", "Asia/Riyadh",
                 "--test-filter", "collector_id=431000999", "--pii-key", "k", "--no-progress"])
    assert code == EXIT_OK
    text = capsys.readouterr().out
    kinds = TRUTH["exports"]["surveymonkey"]["rows_by_kind"]
    flagged = kinds["speeder"] + kinds["straightliner"]  # flagged and kept by default
    assert f"{sum(kinds.values()):,}" in text and f"{kinds['genuine'] + flagged:,}" in text
    assert re.search(rf"^ +speeder +{kinds['speeder']}$", text, re.M)
    assert re.search(rf"^ +straightliner +{kinds['straightliner']}$", text, re.M)
    assert "Asia/Riyadh" in text and len(text.splitlines()) < 25  # one screen
    for name in ("data", "quarantine", "log", "recodes", "codebook", "summary", "rules"):
        assert (out / f"{name}.csv").is_file()
    q = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig")
    assert q["reason"].value_counts().to_dict() == {("incomplete" if k == "partial" else k): n
                                                    for k, n in kinds.items() if k not in ("genuine", "speeder", "straightliner")}
    data = pd.read_csv(out / "data.csv", encoding="utf-8-sig")
    assert int(data["flag_speeder"].sum()) == kinds["speeder"] and int(data["flag_straightliner"].sum()) == kinds["straightliner"]


def test_clean_remove_quarantines_speeders_and_straightliners(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["clean", str(load_sample("surveymonkey_ar")), "--out", str(out), "--timezone", "Asia/Riyadh",
                 "--test-filter", "collector_id=431000999", "--pii-key", "k", "--remove", "speeders,straightliners"])
    assert code == EXIT_OK
    kinds = TRUTH["exports"]["surveymonkey"]["rows_by_kind"]
    assert f"{kinds['genuine']:,}" in capsys.readouterr().out
    q = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig")
    assert q["reason"].value_counts().to_dict() == {("incomplete" if k == "partial" else k): n
                                                    for k, n in kinds.items() if k != "genuine"}


@pytest.mark.parametrize(("options", "check"), [
    (["--min-completion", "none"], lambda q, d: "incomplete" not in set(q["reason"])),
    (["--speeder-fraction", "none", "--speeder-sd", "none"], lambda q, d: not d["flag_speeder"].any()),
    (["--speeder-fraction", "0.9", "--remove", "speeders"],
     lambda q, d: (q["reason"] == "speeder").sum() > TRUTH["exports"]["surveymonkey"]["rows_by_kind"]["speeder"]),
    (["--keep", "duplicate,test"], lambda q, d: not {"duplicate", "test"} & set(q["reason"])),
    (["--respondent-key", "none"], lambda q, d: "duplicate" not in set(q["reason"])),
    (["--encoding", "cp1256", "--calendar", "gregorian"], lambda q, d: len(d) + len(q) == sum(TRUTH["exports"]["surveymonkey"]["rows_by_kind"].values())),
])  # fmt: skip
def test_clean_options_reach_the_rules(tmp_path, capsys, options, check):
    out = tmp_path / "out"
    code = main(["clean", str(load_sample("surveymonkey_ar")), "--out", str(out), "--timezone", "Asia/Riyadh",
                 "--test-filter", "collector_id=431000999", "--pii-key", "k", *options])
    assert code == EXIT_OK, capsys.readouterr().err
    q = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig")
    d = pd.read_csv(out / "data.csv", encoding="utf-8-sig")
    assert check(q, d)


def test_clean_missing_codes_option(tmp_path, capsys):
    src = tmp_path / "airline.csv"
    rows = ["id,Seat comfort,Crew,Food,Value,Cleanliness"]
    rows += [f"r{k}," + ",".join("0" if (k + j) % 4 == 0 else str((k + j) % 5 + 1) for j in range(5)) for k in range(12)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = tmp_path / "first"
    assert main(["clean", str(src), "--out", str(first), "--timezone", "UTC"]) == EXIT_OK
    book = pd.read_csv(first / "codebook.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    scored = book["kind"] == "likert"
    book.loc[scored, "scale_min"], book.loc[scored, "scale_max"] = "1", "5"
    book.to_csv(tmp_path / "book.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    assert main(["clean", str(src), "--out", str(out), "--timezone", "UTC", "--codebook", str(tmp_path / "book.csv"),
                 "--missing-codes", "0"]) == EXIT_OK
    log = pd.read_csv(out / "log.csv", encoding="utf-8-sig")
    assert (log["rule"] == "missing_code").sum() == 15
    assert len(pd.read_csv(out / "data.csv", encoding="utf-8-sig")) == 12
    capsys.readouterr()


def test_most_rows_quarantined_warns_with_the_relaxing_options(tmp_path, capsys):
    src = tmp_path / "forms.csv"
    rows = ["Timestamp,How likely are you to recommend us?,Email address"]
    rows += [f"3/{k + 13}/2026 10:00:00,{k % 11},qa@example.com" for k in range(8)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(["clean", str(src), "--out", str(tmp_path / "o"), "--timezone", "UTC", "--test-filter",
                 "Email address=qa@example.com"])
    assert code == EXIT_OK
    err = capsys.readouterr().err.splitlines()
    loud = [e for e in err if "no response was kept" in e]
    assert len(loud) == 1 and loud[0].startswith("warning: forms.csv: no response was kept")
    assert "test 8 (--keep test" in loud[0]


def test_warnings_are_one_readable_line(tmp_path, capsys):
    # the SurveyMonkey sample states no time zone: one warning line, no Python warning repr
    assert main(["clean", str(load_sample("surveymonkey_ar")), "--out", str(tmp_path / "o"), "--pii-key", "k",
                 "--test-filter", "collector_id=431000999"]) == EXIT_OK
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines and all(x.startswith("warning: ") for x in lines)
    assert any("time zone" in x for x in lines)
    assert "DataQualityWarning" not in err and "warnings.warn" not in err and ".py:" not in err


def test_a_directory_given_as_a_file_exits_2(tmp_path, capsys):
    assert main(["clean", str(tmp_path), "--out", str(tmp_path / "o")]) == EXIT_BAD_INPUT
    assert "is a directory, not a file" in capsys.readouterr().err
    assert main(["clean", str(load_sample("qualtrics_en")), "--out", str(tmp_path / "o"),
                 "--codebook", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "Codebook file is a directory" in capsys.readouterr().err


def test_broken_pipe_ends_quietly(tmp_path, monkeypatch):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            raise ValueError("no descriptor")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["clean", str(load_sample("qualtrics_en")), "--out", str(tmp_path / "o"), "--pii-key", "k"]) == EXIT_OK


def test_piped_into_head_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).resolve().parents[1])}
    cmd = (f'"{sys.executable}" -m cxanalytics clean "{load_sample("qualtrics_en")}" --out "{tmp_path / "o"}" '
           "--pii-key k --no-progress | head -n 0")
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


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
