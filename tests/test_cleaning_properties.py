"""Property tests (hypothesis): random and mutated exports either raise a CxError or clean into a
result that reconciles; writers neutralise formulas, write atomically and round-trip."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxanalytics.datasets import load_sample
from cxanalytics.errors import CxError
from cxanalytics.ingest.cleaning import clean_responses, neutralise_formula
from cxanalytics.ingest.cleaning._writers import unneutralise, write_csv_atomic
from cxanalytics.ingest.exports import read_export

CELLS = st.one_of(
    st.sampled_from(["", "5", "-99", "11", "N/A", "لا أعرف", "نمی‌دانم", "۷", "٣", "Strongly agree",
                     "7 - Strongly agree", "Survey Test", "a@b.com", "=1+1", "3.5", "True", "False",
                     "2025-03-04 10:22:13", "1403/12/14 10:00:00"]),
    st.text(max_size=12),
)  # fmt: skip
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(res, export) -> None:
    assert len(res.data) + len(res.quarantine) == len(export.frame)
    assert res.data.index.intersection(res.quarantine.index).empty
    assert res.data.index.union(res.quarantine.index).sort_values().equals(export.frame.index.sort_values())
    s = res.summary()
    assert s["n"].iloc[0] == s["n"].iloc[1] + s.loc[s["outcome"] == "quarantined", "n"].sum()


def _clean(data: bytes):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export = read_export(data)
    except CxError:
        return None, None
    before = export.frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = clean_responses(export, pii_key="k", timezone="UTC")
        except CxError:
            return export, None
    pd.testing.assert_frame_equal(export.frame, before)
    return export, res


@SETTINGS
@given(header=st.lists(st.sampled_from(["Q1", "Q2", "Status", "Duration (in seconds)", "Finished", "EndDate",
                                        "email", "How likely are you to recommend us?", "Overall satisfied?",
                                        "x [a]", "x [b]", "x [c]"]), min_size=1, max_size=8, unique=True),
       rows=st.lists(st.lists(CELLS, min_size=8, max_size=8), min_size=0, max_size=12))  # fmt: skip
def test_random_exports_raise_cx_error_or_reconcile(header, rows):
    lines = [",".join(header)] + [",".join('"' + c.replace('"', '""') + '"' for c in r[: len(header)]) for r in rows]
    export, res = _clean(("\n".join(lines) + "\n").encode("utf-8"))
    if res is not None:
        _check(res, export)


@pytest.fixture(scope="module")
def sample_lines():
    text = load_sample("qualtrics_en").read_text(encoding="utf-8-sig")
    return text.splitlines(keepends=True)


@SETTINGS
@given(data=st.data())
def test_mutated_sample_exports_raise_cx_error_or_reconcile(sample_lines, data):
    lines = list(sample_lines[:40])
    ops = data.draw(st.lists(st.sampled_from(["drop", "dup", "cell", "truncate", "swap"]), min_size=1, max_size=4))
    for op in ops:
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "truncate":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))] + "\n"
        elif op == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            fields = lines[i].rstrip("\n").split(",")
            k = data.draw(st.integers(0, len(fields) - 1))
            fields[k] = data.draw(CELLS).replace(",", " ").replace('"', "")
            lines[i] = ",".join(fields) + "\n"
    export, res = _clean("".join(lines).encode("utf-8"))
    if res is not None:
        _check(res, export)


@given(st.text(max_size=20))
def test_neutralised_cells_never_start_with_a_formula_trigger(value):
    out = neutralise_formula(value)
    is_number = bool(pd.Series([value]).str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?").iloc[0])
    assert is_number or not str(out).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unneutralise(out) == value


def test_plain_negative_numbers_are_not_prefixed():
    assert neutralise_formula("-99") == "-99" and neutralise_formula("-1.5") == "-1.5"
    assert neutralise_formula("-1+2") == "'-1+2" and neutralise_formula("+971 50 123 4567") == "'+971 50 123 4567"


def test_csv_writer_is_atomic_and_neutralises(tmp_path, monkeypatch):
    frame = pd.DataFrame({"a": ["=cmd|' /C calc'!A0", "-99", "ok"], "b": [1.5, np.nan, -2.0]})
    path = write_csv_atomic(frame, tmp_path / "x.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["a"].tolist() == ["'=cmd|' /C calc'!A0", "-99", "ok"]
    assert back["b"].tolist() == ["1.5", "", "-2.0"]
    # a failing write leaves the previous file intact and no temporary file behind
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_csv_atomic(frame.assign(a="new"), tmp_path / "x.csv")
    assert pd.read_csv(path, dtype=str)["a"].iloc[2] == "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


@pytest.fixture(scope="module")
def gf_result():
    export = read_export(load_sample("google_forms_fa"))
    return clean_responses(export, pii_key="k", timezone="Asia/Tehran",
                           test_filter={"email": "qa.team@example.com"})  # fmt: skip


def test_to_csv_and_to_parquet_write_every_table(gf_result, tmp_path):
    csv_paths = gf_result.to_csv(tmp_path / "csv")
    assert set(csv_paths) == {"data", "quarantine", "log", "recodes", "rules", "summary", "codebook"}
    data = pd.read_csv(csv_paths["data"], encoding="utf-8-sig", index_col="row_number")
    assert len(data) == len(gf_result.data)
    np.testing.assert_array_equal(data["nps"].to_numpy(dtype=float), gf_result.data["nps"].to_numpy(dtype=float))
    log = pd.read_csv(csv_paths["log"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(log) == len(gf_result.log)
    assert not log.stack().str.startswith(("=", "@")).any()
    pq_paths = gf_result.to_parquet(tmp_path / "pq")
    back = pd.read_parquet(pq_paths["data"]).set_index("row_number")
    pd.testing.assert_series_equal(back["csat"], gf_result.data["csat"], check_names=False)
    assert str(back["submitted_at"].dt.tz) == "UTC"
    quarantine = pd.read_parquet(pq_paths["quarantine"])
    assert quarantine["reason"].value_counts().to_dict() == gf_result.quarantine["reason"].value_counts().to_dict()


def test_writers_refuse_a_file_as_folder(gf_result, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(CxError, match="file"):
        gf_result.to_csv(f)


def test_empty_and_header_only_exports():
    for data in (b"", b"Q1,Q2\n"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                export = read_export(io.BytesIO(data))
        except CxError:
            continue
        res = clean_responses(export, pii_key="k", timezone="UTC")
        assert len(res.data) + len(res.quarantine) == 0


# ------------------------------------------------------------- timestamps: fast path == parse_dates
STAMPS = st.one_of(
    st.builds("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format, st.integers(1300, 2100), st.integers(0, 13),
              st.integers(0, 32), st.integers(0, 24), st.integers(0, 60), st.integers(0, 60)),
    st.sampled_from(["2025-03-30 02:30:00", "2025-10-26 02:30:00", "2024-03-10 02:30:00", "2024-11-03 01:30:00",
                     "2024-02-29 23:59:59", "2025-02-29 10:00:00", "1403-12-30 10:22:13", "۲۰۲۵-۰۱-۰۵ ۰۸:۰۰:۰۰",
                     "05/01/2025 08:00:00", " 2025-01-05 08:00:00", "2025-01-05T08:00:00", "", "x"]),
    st.none(),
)  # fmt: skip


@SETTINGS
@given(st.lists(STAMPS, min_size=1, max_size=30),
       st.sampled_from(["UTC", "Europe/Berlin", "America/Denver", "Asia/Tehran"]),
       st.sampled_from(["auto", "gregorian"]))  # fmt: skip
def test_timestamp_fast_path_reads_and_reports_exactly_like_parse_dates(values, tz, calendar):
    from cxanalytics.ingest.calendars import parse_dates
    from cxanalytics.ingest.cleaning._values import _parse_stamps

    text = pd.Series(values, dtype="str")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = parse_dates(text, calendar=calendar, timezone=tz, dayfirst=True)
    except CxError as err:
        with pytest.raises(type(err)):
            _parse_stamps(text, calendar=calendar, tz=tz, dayfirst=True)
        return
    # the same values split into two "columns" (the cleaning reads every timestamp column at once)
    half = len(values) // 2
    parts = [text.iloc[:half].reset_index(drop=True), text.iloc[half:].reset_index(drop=True)]
    utc, report, used = _parse_stamps(parts, calendar=calendar, tz=tz, dayfirst=True)
    utc = pd.Series(np.concatenate(utc)).dt.tz_localize("UTC")
    expected = ref.values.dt.tz_convert("UTC").reset_index(drop=True)
    assert utc.isna().tolist() == expected.isna().tolist()
    assert (utc[utc.notna()].to_numpy() == expected[expected.notna()].to_numpy()).all()
    cols = ["position", "value", "reason"]
    report = report.assign(position=report["position"] + np.where(report["part"] == 1, half, 0))
    got = report[cols].sort_values("position").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref.report[cols].sort_values("position").reset_index(drop=True),
                                  check_dtype=False)  # fmt: skip
    assert used == ref.calendar
