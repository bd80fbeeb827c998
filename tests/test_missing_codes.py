"""Missing-value codes (codebook ``missing_codes``): declared, proposed by inference, cleaned away,
and enforced by the metrics and the scale statistics; the airline-like 0 = "not applicable" case."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics._core.missing import parse_missing_codes, zero_apart
from cxanalytics.errors import (
    CodebookError,
    CxError,
    DataQualityWarning,
    ParameterError,
    ScaleRangeError,
)
from cxanalytics.ingest.cleaning import clean_responses
from cxanalytics.ingest.codebook import CODEBOOK_COLUMNS, Codebook
from cxanalytics.ingest.exports import read_export
from cxanalytics.ingest.streaming import clean_export_in_chunks
from cxanalytics.link.drivers import relative_weights
from cxanalytics.survey.metrics import ces, csat, mean_score, nps, top_box
from cxanalytics.survey.scales import cronbach_alpha, item_statistics

AIRLINE_ITEMS = ["Inflight wifi service", "Departure Arrival time convenient", "Online booking",
                 "Gate location", "Food and drink", "Online boarding", "Seat comfort",
                 "Inflight entertainment", "On-board service", "Leg room service", "Baggage handling",
                 "Checkin service", "Inflight service", "Cleanliness"]  # fmt: skip
# share of "not applicable" (coded 0) per item; baggage handling never has one
NA_RATES = [0.08, 0.06, 0.05, 0.01, 0.02, 0.04, 0.005, 0.01, 0.01, 0.03, 0.0, 0.01, 0.01, 0.01]


def airline_frame(n: int = 800, seed: int = 12, rates=NA_RATES) -> pd.DataFrame:
    """Seeded airline-like survey: 14 items rated 1-5 from one latent satisfaction, 0 = not applicable."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    out = {"id": np.arange(1, n + 1)}
    for name, rate in zip(AIRLINE_ITEMS, rates, strict=True):
        score = np.clip(np.round(3.2 + 0.9 * latent + rng.normal(scale=0.8, size=n)), 1, 5).astype(int)
        score[rng.random(n) < rate] = 0
        out[name] = score
    return pd.DataFrame(out)


def alpha_formula(x: np.ndarray) -> float:
    """Cronbach (1951): k/(k-1) (1 - sum of item variances / variance of the total), ddof 1."""
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


@pytest.fixture(scope="module")
def airline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("airline")
    frame = airline_frame()
    path = folder / "airline.csv"
    frame.to_csv(path, index=False)
    export = read_export(path)
    book = Codebook.infer(export)
    res = clean_responses(export, book, timezone="UTC", pii_key="k")
    return frame, path, export, book, res


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


# ----------------------------------------------------------------------------- the codebook field
def test_missing_codes_parse_numbers_labels_ranges_and_text():
    m = parse_missing_codes("0 = not applicable; -99; 97 to 98; N/A; 98: don't know")
    assert m.numbers == ((0.0, "not applicable"), (-99.0, None), (98.0, "don't know"))
    assert m.ranges == ((97.0, 98.0),) and [label for _, label in m.labels] == ["N/A"]
    assert m.inside(1, 5) == [] and m.inside(0, 10) == ["0"]
    assert not parse_missing_codes(None) and not parse_missing_codes(" ; ")
    for bad in ("x = not applicable", "99 to 97", " = "):
        with pytest.raises(CodebookError, match="missing"):
            parse_missing_codes(bad)


def test_codebook_round_trips_missing_codes_and_reads_older_csvs(tmp_path):
    book = Codebook(pd.DataFrame({
        "column": ["Q1", "Q2", "Q3"], "item": ["wifi", "food", "channel"], "kind": ["likert", "likert", "segment"],
        "scale_min": [1, 1, None], "scale_max": [5, 5, None],
        "missing_codes": ["0 = not applicable", "-99 = refused; 98", None]}))  # fmt: skip
    assert list(book.table.columns) == list(CODEBOOK_COLUMNS) and "missing_codes" in CODEBOOK_COLUMNS
    path = book.to_csv(tmp_path / "book.csv")
    back = Codebook.from_csv(path)
    pd.testing.assert_frame_equal(back.table, book.table)
    assert back.table["missing_codes"].tolist()[:2] == ["0 = not applicable", "-99 = refused; 98"]
    # a codebook CSV written before the column existed still loads, with no codes
    old = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").drop(columns="missing_codes")
    old.to_csv(tmp_path / "old.csv", index=False)
    assert Codebook.from_csv(tmp_path / "old.csv").table["missing_codes"].isna().all()


def test_codebook_refuses_contradictory_missing_codes():
    base = {"column": ["Q1"], "item": ["wifi"], "kind": ["likert"], "scale_min": [0], "scale_max": [5]}
    with pytest.raises(CodebookError, match=r"inside the item's scale.*row 1.*0 within 0-5.*scale_min 1"):
        Codebook(pd.DataFrame(base | {"missing_codes": ["0 = not applicable"]}))
    with pytest.raises(CodebookError, match="Only scored items take missing_codes"):
        Codebook(pd.DataFrame({"column": ["Q1"], "item": ["ch"], "kind": ["segment"], "missing_codes": ["99"]}))
    ok = Codebook(pd.DataFrame(base | {"scale_min": [1], "missing_codes": ["0"]}))
    # turning the item into a segment drops its codes instead of failing
    seg = ok.with_overrides({"Q1": {"kind": "segment"}})
    assert seg.table.loc[0, "kind"] == "segment" and pd.isna(seg.table.loc[0, "missing_codes"])


# ----------------------------------------------------------------------------- inference
def test_inference_proposes_zero_as_not_applicable_for_the_whole_battery(airline):
    frame, _, export, book, _ = airline
    t = book.table.set_index("column")
    items = t.loc[AIRLINE_ITEMS]
    assert (items["kind"] == "likert").all()
    assert (items["scale_min"] == 1).all() and (items["scale_max"] == 5).all()  # one scale for all 14
    assert (items["missing_codes"] == "0 = not applicable").all()  # Baggage handling (no 0) included
    assert t.loc["id", "kind"] in ("id", "metadata")  # an id is never a rating
    [note] = [n for n in book.notes if "missing code 0" in n]
    assert "14 items" in note and "13 of 14 items" in note and "1 item(s) never use it" in note
    assert "note" in repr(book)
    # without the proposal the codebook would mix 0-5 and 1-5 (what the issue reported)
    bare = book.with_overrides({c: {"missing_codes": None, "scale_min": 0} for c in AIRLINE_ITEMS})
    assert (bare.table.set_index("column").loc[AIRLINE_ITEMS, "scale_min"] == 0).all()


def test_inference_proposes_zero_when_it_is_a_lump_apart_from_the_scale(tmp_path):
    # every item has zeros, but 0 is more frequent than 1 while 1-5 peaks at 4
    rng = np.random.default_rng(3)
    cols = {f"Item {k}": np.where(rng.random(400) < 0.12, 0, rng.choice([1, 2, 3, 4, 5], 400, p=[.03, .1, .25, .4, .22]))
            for k in range(1, 6)}  # fmt: skip
    pd.DataFrame(cols).to_csv(tmp_path / "lump.csv", index=False)
    book = Codebook.infer(read_export(tmp_path / "lump.csv"))
    t = book.table
    assert (t["scale_min"] == 1).all() and (t["missing_codes"] == "0 = not applicable").all()
    assert any("more often than 1" in n for n in book.notes)


@pytest.mark.parametrize("case", ["genuine_0_to_5", "counts", "zero_to_ten", "too_few_items"])
def test_inference_leaves_a_real_zero_alone(tmp_path, case):
    rng = np.random.default_rng(5)
    n = 300
    if case == "genuine_0_to_5":  # every item uses 0 as the bottom of a smooth 0-5 distribution
        cols = {f"Item {k}": rng.choice(6, n, p=[.05, .1, .2, .3, .2, .15]) for k in range(5)}
    elif case == "counts":  # 0 is the mode and the answers fall away from it: a count, not a scale
        cols = {f"Item {k}": np.minimum(rng.poisson(0.9, n), 5) for k in range(4)}
    elif case == "zero_to_ten":  # 0-10 scales are common in their own right
        cols = {f"Item {k}": np.where(np.arange(n) < 20 * k, 0, rng.integers(1, 11, n)) for k in range(4)}
    else:  # two items are not a battery
        cols = {"Item 1": rng.integers(0, 6, n), "Item 2": rng.integers(1, 6, n)}
    pd.DataFrame(cols).to_csv(tmp_path / "x.csv", index=False)
    book = Codebook.infer(read_export(tmp_path / "x.csv"))
    assert book.table["missing_codes"].isna().all(), book.notes
    assert not any("missing code 0" in n for n in book.notes)


def test_a_labelled_not_applicable_zero_is_no_point_of_the_scale(tmp_path):
    rng = np.random.default_rng(8)
    labels = ["0 - Not applicable", "1 - Very poor", "2 - Poor", "3 - Fair", "4 - Good", "5 - Excellent"]
    cols = {f"Item {k}": rng.choice(labels, 200, p=[.1, .05, .15, .3, .25, .15]) for k in range(4)}
    pd.DataFrame(cols).to_csv(tmp_path / "l.csv", index=False)
    export = read_export(tmp_path / "l.csv")
    book = Codebook.infer(export)
    t = book.table
    assert (t["scale_min"] == 1).all() and (t["scale_max"] == 5).all() and t["missing_codes"].isna().all()
    res = clean_responses(export, book, timezone="UTC", pii_key="k")
    scores = pd.concat([res.data, res.quarantine])["item_0"].reindex(export.frame.index)
    raw = export.frame["Item 0"]
    assert scores[raw == labels[0]].isna().all()  # non-substantive: missing, never 0
    assert scores[raw == labels[5]].eq(5).all() and not len(res.quarantine)


def test_zero_apart_needs_the_evidence_it_names():
    full = {1: 20, 2: 30, 3: 40, 4: 30, 5: 20}
    assert zero_apart({"a": {0: 5} | full, "b": full}, 5) is not None  # b never uses 0
    assert zero_apart({"a": {0: 5} | full, "b": {1: 5, 2: 5}}, 5) is None  # b: too few answers
    assert zero_apart({"a": {0: 5} | full, "b": full}, 10) is None  # not on a 0-10 scale
    assert zero_apart({"a": {0: 5, 99: 1} | full, "b": full}, 5) is None  # answers off the scale
    assert zero_apart({"a": {0: 5, 2: 30, 3: 40, 4: 30}, "b": {0: 1, 2: 30, 3: 4, 4: 3}}, 5) is None  # ends unused


def test_inference_notes_typical_codes_found_outside_the_scale(realdata):
    export = read_export(realdata / "exports" / "limesurvey" / "limesurvey_codes_spanish_bom_crlf.csv")
    book = Codebook.infer(export)
    t = book.table.set_index("column")
    # P9S7[*]: "1. Lo pagamos ...", "4. No tuvimos ese gasto", "99. Ns/Nc" - 99 is not an anchor of the scale
    grid = t.loc[[c for c in t.index if c.startswith("P9S7[")]]
    assert (grid["scale_min"] == 1).all() and (grid["scale_max"] == 4).all()
    assert grid["missing_codes"].isna().all()  # already missing as a sentinel: noted, not declared
    [note] = [n for n in book.notes if "'99 = ns/nc'" in n]
    assert "p9s7_a1" in note and "sentinel" in note and "missing_codes" in note
    # id-like columns are never ratings: the 700 distinct response ids, the seeds, the 8-digit codes
    for column in ("id", "seed", "P0S1"):
        assert t.loc[column, "kind"] in ("id", "metadata"), column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # Spanish labels the lexicon does not know
        res = clean_responses(export, book, timezone="UTC", pii_key="k")
        declared = clean_responses(export, book.with_overrides({"P9S7[A1]": {"missing_codes": "99 = Ns/Nc"}}),
                                   timezone="UTC", pii_key="k")  # fmt: skip
    n99 = int(export.frame["P9S7[A1]"].str.startswith("99.").sum())
    cells = res.log[(res.log["column"] == "P9S7[A1]") & (res.log["reason"] == "sentinel")]
    assert len(cells) == n99 > 0 and not (res.quarantine["reason"] == "out_of_range").any()
    row = declared.log[(declared.log["column"] == "P9S7[A1]") & (declared.log["rule"] == "missing_code")]
    assert row[["before", "n", "reason"]].values.tolist() == [["99", n99, "declared_missing"]]
    pd.testing.assert_frame_equal(declared.data, res.data)


def test_spss_declared_missing_codes_reach_the_codebook(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(1)
    df = pd.DataFrame({f"q{k}": rng.integers(1, 6, 60).astype(float) for k in range(1, 4)})
    df.loc[:4, "q1"] = 9.0
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(df, str(path), missing_ranges={"q1": [9], "q2": [9]})
    book = Codebook.infer(read_export(path))
    t = book.table.set_index("column")
    assert t.loc["q1", "missing_codes"] is not None and "9" in t.loc["q1", "missing_codes"]
    assert tuple(t.loc["q1", ["scale_min", "scale_max"]]) == (1, 5)  # 9 kept out of the scale
    assert any("declared by the export" in n for n in book.notes)
    res = clean_responses(read_export(path), book, timezone="UTC", pii_key="k")
    assert res.data["q1"].isna().sum() + res.quarantine["q1"].isna().sum() == 5


# ----------------------------------------------------------------------------- cleaning
def test_cleaning_turns_declared_codes_into_missing_with_one_log_row_per_item(airline):
    frame, _, _, _, res = airline
    assert len(res.data) == len(frame) and not len(res.quarantine)  # 0 is no longer out of range
    log = res.log[(res.log["rule"] == "missing_code")]
    assert log["row"].isna().all() and (log["reason"] == "declared_missing").all() and (log["before"] == "0").all()
    by_item = log.set_index("column")["n"]
    zeros = (frame[AIRLINE_ITEMS] == 0).sum()
    assert by_item.to_dict() == {c: int(n) for c, n in zeros.items() if n}  # one row per item with a 0
    for c in AIRLINE_ITEMS:
        item = _slug(c)
        np.testing.assert_array_equal(res.data[item].to_numpy(), frame[c].replace(0, np.nan).to_numpy(dtype=float))
    rec = res.recodes[res.recodes["value"] == "0"]
    assert (rec["reason"] == "declared_missing").all() and (rec["matched_by"] == "codebook").all()


def test_streaming_gives_the_same_tables_with_declared_codes(airline, tmp_path):
    _, path, _, book, res = airline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        clean_export_in_chunks(path, book, folder=tmp_path / "s", chunksize=97, timezone="UTC", pii_key="k")
    res.to_parquet(tmp_path / "m")
    for table, by in {"data": ["row_number"], "log": ["row", "column", "item", "rule", "before", "reason"],
                      "recodes": ["column", "item", "value"]}.items():  # fmt: skip
        a, b = (pd.read_parquet(tmp_path / d / f"{table}.parquet") for d in ("m", "s"))
        a, b = (f.astype({c: "str" for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)})
                .sort_values(by, kind="stable").reset_index(drop=True) for f in (a, b))  # fmt: skip
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_a_declared_text_code_and_a_labelled_code_are_missing(tmp_path):
    pd.DataFrame({"q": ["1", "2", "Ns/Nc", "5", "0 - No aplica", "4"] * 5}).to_csv(tmp_path / "t.csv", index=False)
    export = read_export(tmp_path / "t.csv")
    book = Codebook(pd.DataFrame({"column": ["q"], "item": ["q"], "kind": ["likert"], "scale_min": [1],
                                  "scale_max": [5], "missing_codes": ["0 = no aplica; Ns/Nc"]}))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = clean_responses(export, book, timezone="UTC", pii_key="k")
    assert res.data["q"].isna().sum() == 10
    log = res.log[res.log["reason"] == "declared_missing"].set_index("before")["n"].to_dict()
    assert log == {"0": 5, "Ns/Nc": 5}


# ----------------------------------------------------------------------------- reliability
def test_alpha_with_the_declared_code_matches_the_formula_on_1_to_5_answers(airline):
    frame, _, _, _, res = airline
    items = [_slug(c) for c in AIRLINE_ITEMS]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = cronbach_alpha(res.data, items=items, codebook=res.codebook).iloc[0]
        same = cronbach_alpha(res.data, items=items, scale=(1, 5))
        stats_ = item_statistics(res.data, items=items, codebook=res.codebook)
    # the listwise drop of respondents with a "not applicable" is announced; the cleaned 1-5
    # answers raise no suspicion of undeclared codes
    assert caught and all("dropped" in str(w.message) for w in caught), [str(w.message) for w in caught]
    answers = frame[AIRLINE_ITEMS].replace(0, np.nan).dropna().to_numpy(dtype=float)
    assert out["n"] == len(answers) < len(frame)
    assert out["cronbach_alpha"] == pytest.approx(alpha_formula(answers), rel=1e-12)
    assert 0.8 < out["cronbach_alpha"] < 1  # 14 items of one latent factor
    pd.testing.assert_frame_equal(same, out.to_frame().T.astype(same.dtypes.to_dict()), check_names=False)
    assert stats_["n"].iloc[0] == len(answers)


def test_alpha_without_the_declared_code_refuses_or_warns(airline):
    frame, _, _, book, _ = airline
    with pytest.raises(ScaleRangeError) as err:
        cronbach_alpha(frame, items=AIRLINE_ITEMS, scale=(1, 5))
    msg = str(err.value)
    n0 = int((frame["Inflight wifi service"] == 0).sum())
    assert "column 'Inflight wifi service'" in msg and f"received 0 ({n0} answers)" in msg
    assert "1-5" in msg and "missing_codes" in msg and "scale_min/scale_max" in msg
    # the codebook declares 0 missing, but the raw answers still hold it: clean first
    with pytest.raises(ScaleRangeError, match="declares missing_codes '0 = not applicable'.*clean the responses"):
        item_statistics(frame, items=AIRLINE_ITEMS, codebook=book)
    # no scale: alpha is computed on the answers as they are, with a warning naming the suspicion
    with pytest.warns(DataQualityWarning, match=r"cronbach_alpha: 0 may mean 'not applicable' under a 1-5 scale"):
        raw = cronbach_alpha(frame, items=AIRLINE_ITEMS)
    assert raw["cronbach_alpha"].iloc[0] == pytest.approx(alpha_formula(frame[AIRLINE_ITEMS].to_numpy(float)))
    drivers = [*AIRLINE_ITEMS[:3], "Baggage handling"]
    with pytest.warns(DataQualityWarning, match="relative_weights: 0 may mean 'not applicable'"):
        relative_weights(frame, "Cleanliness", drivers, n_resamples=0)
    with pytest.raises(ScaleRangeError, match="column 'Inflight wifi service'.*received 0"):
        relative_weights(frame, "Cleanliness", drivers, n_resamples=0, scale=(1, 5))
    with pytest.raises(ScaleRangeError, match="column 'Cleanliness'.*declares missing_codes"):
        relative_weights(frame, "Cleanliness", drivers, n_resamples=0, codebook=book)  # the outcome is checked too


def test_scale_arguments_are_checked():
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 5]})
    with pytest.raises(ParameterError, match="scale"):
        cronbach_alpha(df, scale=(5, 1))
    with pytest.raises(ParameterError, match="not both"):
        cronbach_alpha(df, scale=(1, 5), codebook=Codebook(pd.DataFrame({"column": ["a"], "item": ["a"],
                                                                         "kind": ["segment"]})))  # fmt: skip
    book = Codebook(pd.DataFrame({"column": ["A"], "item": ["a"], "kind": ["likert"], "scale_min": [1], "scale_max": [5]}))
    with pytest.raises(ParameterError, match=r"Items without a scale in the codebook.*\['b'\]"):
        cronbach_alpha(df, codebook=book)
    with pytest.warns(DataQualityWarning, match=r"-99 \(1 answer\) look like missing-value codes"):
        cronbach_alpha(df.assign(b=[2, -99, 3, 5]))
    with pytest.warns(DataQualityWarning, match=r"item_statistics: -1 \(2 answers\) sit apart below the answers 1-5"):
        item_statistics(df.assign(b=[2, -1, -1, 5]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # plain 1-5 answers, or a real -3..3 scale: no suspicion
        cronbach_alpha(df)
        cronbach_alpha(pd.DataFrame({"a": [-3, -1, 0, 2, 3], "b": [-2, -1, 1, 2, 3]}))


# ----------------------------------------------------------------------------- metrics
def test_metrics_name_every_offending_value_and_point_to_the_codebook():
    df = pd.DataFrame({"q": [0, 0, 0, 1, 5, 4, 98, 3, None]})
    for call, expected in [(lambda: csat(df, "q"), "integers 1-5"), (lambda: top_box(df, "q", scale=(1, 5)), "1-5"),
                           (lambda: ces(df, "q", scale=(1, 5)), "numbers 1-5"),
                           (lambda: mean_score(df, "q", scale=(1, 5)), "1-5")]:  # fmt: skip
        with pytest.raises(ScaleRangeError) as err:
            call()
        msg = str(err.value)
        assert "column 'q'" in msg and "received 0 (3 answers), 98 (1 answer)" in msg and expected in msg
        assert "missing_codes" in msg
    with pytest.raises(ScaleRangeError, match=r"received -99 \(1 answer\), 11 \(2 answers\); expected integers 0-10"):
        nps(pd.DataFrame({"q": [10, 11, 11, -99, 0]}), "q")
    assert issubclass(ScaleRangeError, CxError)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=40),
       st.dictionaries(st.sampled_from([-99, -9, 0, 6, 7, 98, 99]), st.integers(1, 4), max_size=3))
def test_scale_check_lists_exactly_the_values_outside_the_scale(good, bad):
    values = good + [v for v, n in bad.items() for _ in range(n)]
    df = pd.DataFrame({"q": values})
    if not bad:
        assert int(csat(df, "q")["n"].iloc[0]) == len(good)
        return
    with pytest.raises(ScaleRangeError) as err:
        csat(df, "q")
    listed = dict(re.findall(r"(-?\d+) \((\d+) answers?\)", str(err.value)))
    assert {int(v): int(n) for v, n in listed.items()} == bad


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3, 4, 5, 0, -99, 98, 99, -9]), min_size=5, max_size=60),
       st.sets(st.sampled_from([0, -99, 98, 99, -9]), min_size=1, max_size=4))
def test_declared_codes_become_missing_and_are_counted_exactly(answers, declared):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.csv"
        pd.DataFrame({"rid": [f"R{i}" for i in range(len(answers))], "q": answers}).to_csv(path, index=False)
        export = read_export(path)
        spec = "; ".join(f"{c} = code {c}" for c in sorted(declared))
        book = Codebook(pd.DataFrame({"column": ["rid", "q"], "item": ["response_id", "q"], "kind": ["id", "likert"],
                                      "scale_min": [None, 1], "scale_max": [None, 5],
                                      "missing_codes": [None, spec]}))  # fmt: skip
        back = Codebook.from_csv(book.to_csv(Path(folder) / "book.csv"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            res = clean_responses(export, back, timezone="UTC", pii_key="k", min_completion=None)
    raw = pd.Series(answers, index=export.frame.index, dtype=float)
    scores = pd.concat([res.data["q"], res.quarantine["q"]]).reindex(raw.index)
    on_scale = raw.between(1, 5)
    np.testing.assert_array_equal(scores[on_scale].to_numpy(), raw[on_scale].to_numpy())
    assert scores[~on_scale].isna().all()  # declared codes, default sentinels, or out of range: never a score
    log = res.log[res.log["reason"] == "declared_missing"]
    assert log["row"].isna().all()
    assert {int(b): int(n) for b, n in zip(log["before"], log["n"], strict=True)} == \
        {c: int((raw == c).sum()) for c in declared if (raw == c).any()}  # fmt: skip
    # an undeclared 0 is out of range (row quarantined); an undeclared sentinel is missing cell by cell
    if 0 not in declared and (raw == 0).any():
        assert set(raw.index[raw == 0]) <= set(res.quarantine.index)
