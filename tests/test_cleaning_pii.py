"""The known-personal-data scrub of clean_responses: a value recorded in a personal-data column
of the export is removed wherever else it appears (free text, columns not marked personal data),
checked against a plain-Python reference of the documented rule."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from cxanalytics.datasets import load_sample
from cxanalytics.ingest.cleaning import _pii, clean_responses
from cxanalytics.ingest.cleaning._audit import REDACTED
from cxanalytics.ingest.cleaning._values import match_key
from cxanalytics.ingest.exports import read_export

#: Columns of the Qualtrics sample that are not personal data: free text, a metadata column,
#: a segment column and the response id (the scrub covers every text-like column).
OTHER = {"Q10": "comment", "DistributionChannel": "distribution_channel", "Q8": "branch"}


def _planted():
    """The Qualtrics sample with recorded names typed into three columns that are not personal data."""
    export = read_export(load_sample("qualtrics_en"))
    frame = export.frame.copy()
    first = frame["RecipientFirstName"].dropna()
    last = frame["RecipientLastName"].dropna()
    first, last = first[first.str.len() >= 3], last[last.str.len() >= 3]
    rows = frame.index[::37]
    # the same person's name in another case and with spaces, in free text, a metadata and a segment column
    frame.loc[rows[0::3], "Q10"] = "  " + first.iloc[: len(rows[0::3])].str.upper().to_numpy() + " "
    frame.loc[rows[1::3], "DistributionChannel"] = last.iloc[: len(rows[1::3])].str.lower().to_numpy()
    frame.loc[rows[2::3], "Q8"] = last.iloc[-len(rows[2::3]) :].to_numpy()
    return dataclasses.replace(export, frame=frame), rows


def _reference(frame: pd.DataFrame) -> dict[str, set]:
    """Rows of each other column whose match key equals a recorded name's (>= 3 chars, a letter)."""
    names = pd.concat([frame["RecipientFirstName"], frame["RecipientLastName"]]).dropna()
    keys = {k for k in match_key(names).dropna() if len(k) >= 3 and any(c.isalpha() for c in k)}
    out = {}
    for column in OTHER:
        key = match_key(frame[column])
        out[column] = {i for i, k in key.items() if isinstance(k, str) and k in keys}
    return out


@pytest.fixture(scope="module")
def planted():
    export, rows = _planted()
    return export, rows, clean_responses(export, pii_key="k", timezone="UTC")


def test_every_recorded_name_is_removed_from_other_columns(planted):
    export, rows, res = planted
    expected = _reference(export.frame)
    assert sum(map(len, expected.values())) >= len(rows)  # every planted cell (and any natural match)
    both = pd.concat([res.data, res.quarantine])
    log = res.log[res.log["rule"] == "redact_pii"]
    for column, item in OTHER.items():
        hit = both.index[both[item] == REDACTED]
        assert set(hit) == expected[column], column
        logged = log.loc[log["item"] == item, "row"]
        if item == "comment":  # free text: the scrub's rows besides e-mails and phones redacted in place
            logged = log.loc[(log["item"] == item) & (log["after"] == REDACTED), "row"]
        assert set(logged.astype(int)) == expected[column], column
    names = set(match_key(pd.concat([export.frame["RecipientFirstName"], export.frame["RecipientLastName"]])).dropna())
    names = {k for k in names if len(k) >= 3}
    for item in OTHER.values():  # no recorded name survives anywhere in those columns
        assert not set(match_key(both[item]).dropna()) & names, item


def test_scrub_by_blocks_equals_one_block(planted, monkeypatch):
    export, _, res = planted
    monkeypatch.setattr(_pii, "_BLOCK", 7)  # many blocks, a value repeated across block boundaries
    small = clean_responses(export, pii_key="k", timezone="UTC")
    pd.testing.assert_frame_equal(small.data, res.data)
    pd.testing.assert_frame_equal(small.quarantine, res.quarantine)
    pd.testing.assert_frame_equal(small.log, res.log)


def test_no_recorded_names_no_scrub():
    export = read_export(load_sample("qualtrics_en"))
    frame = export.frame.assign(RecipientFirstName=None, RecipientLastName=None)
    res = clean_responses(dataclasses.replace(export, frame=frame), pii_key="k", timezone="UTC")
    assert not (res.log["after"] == REDACTED).any()
