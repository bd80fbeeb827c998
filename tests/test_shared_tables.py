"""Tables shared between the notebooks of a report (``shared=``, issue 15) are read back identical.

A result read from a ``shared`` folder must be what the function computes: the same values
(exactly), dtypes (integer and string categoricals, empty ones included, tz-aware
timestamps, nullable integers and booleans), index and scalars, and the same warnings. An
input that differs in any value must not match an entry written for another. The same holds
for the typed input tables :func:`cxanalytics.datasets.load_sample` shares (``shared=``, keyed by
the digest of the file's bytes).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from _tinydata import tiny_notebook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxanalytics as cx
from cxanalytics.datasets import load_sample
from cxanalytics.link import _sharedtables
from cxanalytics.link._sharedtables import fingerprint
from cxanalytics.report.runner import run_report


@pytest.fixture(scope="module")
def sample():
    return {n: load_sample(n) for n in ("responses", "customers", "transactions", "interactions")}


def _calls(s):
    """The calls of notebooks 05 (its own options) and 06/07 (shared by both)."""
    as_of = s["transactions"]["occurred_at"].max().normalize() + pd.Timedelta(days=1)
    logs = {"transactions": s["transactions"], "interactions": s["interactions"]}
    return {
        "link 05": (cx.link_responses, (s["responses"], s["customers"]),
                    dict(logs, horizon="180D", as_of=pd.Timestamp("2026-07-01", tz="UTC"))),
        "link 06/07": (cx.link_responses, (s["responses"], s["customers"]), dict(logs, as_of=as_of, window="120D")),
        "landmarks 05": (cx.encounter_landmarks, (s["customers"], s["interactions"]),
                         {"transactions": s["transactions"], "as_of": pd.Timestamp("2026-07-01", tz="UTC")}),
        "landmarks 06/07": (cx.encounter_landmarks, (s["customers"], s["interactions"]),
                            {"transactions": s["transactions"], "as_of": as_of, "window": "120D"}),
    }


def _run(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = function(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


def _assert_identical(a, b):
    for name in ("linked", "unmatched"):
        x, y = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(x, y, check_exact=True, check_index_type=True, check_column_type=True)
        assert list(x.dtypes) == list(y.dtypes)
        for column in x.columns[[isinstance(t, pd.CategoricalDtype) for t in x.dtypes]]:
            assert x[column].cat.categories.dtype == y[column].cat.categories.dtype  # ints stay ints
    assert a.horizon_days == b.horizon_days and a.as_of == b.as_of and str(a.as_of.tz) == str(b.as_of.tz)
    assert a.inactivity_days == b.inactivity_days or (np.isnan(a.inactivity_days) and np.isnan(b.inactivity_days))


@pytest.mark.parametrize("call", ["link 05", "link 06/07", "landmarks 05", "landmarks 06/07"])
def test_a_shared_table_is_read_back_identical_to_the_computed_one(sample, call, tmp_path, monkeypatch):
    function, args, kwargs = _calls(sample)[call]
    direct = function(*args, **kwargs)
    first = function(*args, **kwargs, shared=tmp_path)
    reads = []
    monkeypatch.setattr(_sharedtables, "_read_link", lambda folder, _read=_sharedtables._read_link:
                        reads.append(folder) or _read(folder))
    again = function(*args, **kwargs, shared=tmp_path)
    assert len(reads) == 1 and len(list(tmp_path.iterdir())) == 1  # read from the one entry written
    _assert_identical(first, direct)
    _assert_identical(again, direct)
    tz_columns = [c for c in again.linked.columns if isinstance(again.linked[c].dtype, pd.DatetimeTZDtype)]
    assert tz_columns and all(str(again.linked[c].dt.tz) == "UTC" for c in tz_columns)
    if call.startswith("landmarks"):  # no unmatched landmark: an empty table whose categoricals keep their categories
        assert again.unmatched.empty and list(again.unmatched["channel"].cat.categories) == [
            "app", "chat", "phone", "store"]
    else:  # integer scale answers stay integer categoricals
        assert again.linked["csat"].cat.categories.dtype == np.int64


def test_the_two_notebooks_share_one_entry_each_and_05_its_own(sample, tmp_path):
    for function, args, kwargs in _calls(sample).values():
        function(*args, **kwargs, shared=tmp_path)
        function(*args, **kwargs, shared=tmp_path)
    names = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert names == ["encounter_landmarks"] * 2 + ["link_responses"] * 2


def _small():
    ts = lambda *d: pd.to_datetime(list(d), utc=True)  # noqa: E731
    responses = pd.DataFrame({"customer_id": ["a", "b", "z"], "submitted_at": ts("2026-01-10", "2026-02-01", "2026-01-05"),
                              "nps": pd.Categorical([9, 3, 7], categories=range(11), ordered=True)})
    customers = pd.DataFrame({"customer_id": ["a", "b"], "acquired_at": ts("2025-12-01", "2026-01-01"),
                              "plan": ["contract", "prepaid"], "cancelled_at": ts("2026-03-01", None)})
    transactions = pd.DataFrame({"customer_id": ["a", "b", "q", None],
                                 "occurred_at": ts("2026-01-01", "2026-01-15", "2026-01-20", "2026-01-21")})
    return responses, customers, transactions


def test_warnings_are_raised_again_when_the_table_is_read(tmp_path):
    responses, customers, transactions = _small()
    kwargs = {"transactions": transactions, "as_of": "2026-04-01", "window": "30D"}
    direct, warned = _run(cx.link_responses, responses, customers, **kwargs)
    assert any(c is cx.DataQualityWarning for c, _ in warned)  # the unknown and the missing customer
    first, warned_first = _run(cx.link_responses, responses, customers, **kwargs, shared=tmp_path)
    again, warned_again = _run(cx.link_responses, responses, customers, **kwargs, shared=tmp_path)
    assert len(list(tmp_path.iterdir())) == 1
    assert warned_first == warned and warned_again == warned
    _assert_identical(again, direct)


def test_other_inputs_or_options_never_match_an_entry(tmp_path):
    responses, customers, transactions = _small()
    kwargs = {"transactions": transactions, "as_of": "2026-04-01", "window": "30D"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DataQualityWarning)
        cx.link_responses(responses, customers, **kwargs, shared=tmp_path)
        edited = customers.assign(acquired_at=customers["acquired_at"] - pd.Timedelta("1ns"))
        changed = cx.link_responses(responses, edited, **kwargs, shared=tmp_path)
        other = cx.link_responses(responses, customers, **(kwargs | {"window": "31D"}), shared=tmp_path)
        _assert_identical(changed, cx.link_responses(responses, edited, **kwargs))
        _assert_identical(other, cx.link_responses(responses, customers, **(kwargs | {"window": "31D"})))
    assert len(list(tmp_path.iterdir())) == 3


def test_a_table_parquet_cannot_hold_is_computed_and_not_shared(tmp_path):
    responses, customers, transactions = _small()
    responses = responses.assign(note=pd.Series([1, "two", 3.5], dtype=object))  # mixed types: not Parquet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.DataQualityWarning)
        kwargs = {"transactions": transactions, "as_of": "2026-04-01", "window": "30D"}
        shared = cx.link_responses(responses, customers, **kwargs, shared=tmp_path)
        _assert_identical(shared, cx.link_responses(responses, customers, **kwargs))
    assert list(tmp_path.iterdir()) == []  # nothing published, no temporary folder left


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-10**6, 10**6).map(float)),
                       min_size=1, max_size=30),
       names=st.lists(st.sampled_from(["a", "b", "ب", ""]), min_size=1, max_size=30),
       at=st.integers(0, 29), data=st.data())
def test_fingerprint_is_equal_for_copies_and_differs_for_any_changed_value(values, names, at, data):
    n = min(len(values), len(names))
    frame = pd.DataFrame({"x": pd.array(values[:n], dtype="Float64"), "f": np.array(values[:n], dtype=float),
                          "s": pd.Series(names[:n], dtype="str"), "c": pd.Categorical(names[:n]),
                          "t": pd.to_datetime(np.arange(n), unit="D", utc=True)})
    assert fingerprint(frame) == fingerprint(frame.copy(deep=True))
    i = at % n
    column = data.draw(st.sampled_from(["x", "f", "s", "t"]))
    changed = frame.copy(deep=True)
    if column == "s":
        changed.loc[i, "s"] = changed.loc[i, "s"] + "x"
    elif column == "t":
        changed.loc[i, "t"] = changed.loc[i, "t"] + pd.Timedelta("1us")
    else:
        old = changed.loc[i, column]
        changed.loc[i, column] = 1.5 if pd.isna(old) else (np.nan if column == "f" else None)
    assert fingerprint(changed) != fingerprint(frame)


@pytest.mark.slow
def test_the_report_gives_notebooks_a_temporary_shared_folder(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    tiny_notebook(folder / "01_shared.ipynb", "data_dir = None\nshared_dir = None",
                  "from pathlib import Path\nprint(shared_dir, Path(shared_dir).parent.is_dir())", title="# shared\ntext")
    result = run_report(None, tmp_path / "out", notebooks_dir=folder, progress=False, jobs=1)
    assert result.summary()["status"].tolist() == ["ran"]
    text = nbformat.read(str(tmp_path / "out" / "notebooks" / "01_shared.ipynb"), as_version=4).cells[-1].outputs[0]["text"]
    path, exists = text.split()
    assert path.endswith("shared") and exists == "True" and not path.startswith(str((tmp_path / "out").resolve()))
    assert not Path(path).parent.exists()  # removed with the report's temporary folder


def test_fingerprint_ignores_what_is_not_a_value():
    """What lies under an NA, a NaN's sign and payload, and how Arrow chunks strings are not values."""
    data = np.array([1, 2, 3], dtype=np.int64)
    masked = pd.arrays.IntegerArray(data, np.array([False, True, False]))
    other = pd.arrays.IntegerArray(np.array([1, 99, 3], dtype=np.int64), np.array([False, True, False]))
    assert fingerprint(pd.Series(masked)) == fingerprint(pd.Series(other))
    nan = np.array([np.nan, 1.0])
    negative = np.array([-np.nan, 1.0])
    assert np.signbit(negative[0]) != np.signbit(nan[0])
    assert fingerprint(pd.Series(nan)) == fingerprint(pd.Series(negative))
    assert fingerprint(pd.Series([0.0])) != fingerprint(pd.Series([-0.0]))  # a value: kept
    whole = pd.Series(["ab", None, "c"], dtype="str")
    pieces = pd.concat([pd.Series(["x", "ab"], dtype="str").iloc[1:], pd.Series([None, "c"], dtype="str")],
                       ignore_index=True)
    assert fingerprint(pieces) == fingerprint(whole)
    assert fingerprint(pd.Series(["ab", "", "c"], dtype="str")) != fingerprint(whole)  # empty is not missing


# --------------------------------------------------------------------------- input tables (load_sample)
@pytest.mark.parametrize("name", ["responses", "customers", "transactions", "interactions", "branches"])
def test_an_input_table_is_parsed_once_and_read_back_identical(name, tmp_path, monkeypatch):
    from cxanalytics import datasets

    direct = load_sample(name)
    first = load_sample(name, shared=tmp_path)
    parsed = []
    monkeypatch.setattr(datasets, "_typed", lambda *a, _typed=datasets._typed: parsed.append(a) or _typed(*a))
    again = load_sample(name, shared=tmp_path)
    assert parsed == [] and len(list(tmp_path.iterdir())) == 1  # read from the one entry, not parsed
    for frame in (first, again):
        pd.testing.assert_frame_equal(frame, direct, check_exact=True, check_index_type=True,
                                      check_column_type=True, check_categorical=True)
        assert fingerprint(frame) == fingerprint(direct)  # dtypes, categories and their dtypes included


def test_an_edited_input_file_never_matches_the_entry_of_another(tmp_path):
    shared = tmp_path / "shared"
    folder = tmp_path / "data"
    folder.mkdir()
    from cxanalytics.datasets import sample_dir

    text = (sample_dir() / "customers.csv").read_text(encoding="utf-8")
    (folder / "customers.csv").write_text(text, encoding="utf-8")
    first = load_sample("customers", folder=folder, shared=shared)
    lines = text.splitlines(keepends=True)
    (folder / "customers.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # one customer fewer
    edited = load_sample("customers", folder=folder, shared=shared)
    assert len(edited) == len(first) - 1
    pd.testing.assert_frame_equal(edited, load_sample("customers", folder=folder), check_exact=True)
    assert len(list(shared.iterdir())) == 2
    assert _sharedtables.file_digest(folder / "customers.csv") != _sharedtables.file_digest(
        sample_dir() / "customers.csv")


def test_raw_exports_are_paths_whatever_shared(tmp_path):
    assert load_sample("qualtrics_en", shared=tmp_path) == load_sample("qualtrics_en")
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_damaged_shared_table_is_parsed_again(tmp_path):
    load_sample("branches", shared=tmp_path)
    (entry,) = tmp_path.iterdir()
    (entry / "frame.parquet").write_bytes(b"not parquet")
    pd.testing.assert_frame_equal(load_sample("branches", shared=tmp_path), load_sample("branches"), check_exact=True)
