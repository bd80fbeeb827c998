"""Write canonical responses in each survey platform's real export shape (internal).

Each writer returns ``(header_rows, body, cells)``: the header rows as lists of strings
(written once, by the first chunk), the body as a DataFrame of strings in column order, and
what it did to single cells: ``counts`` of the cell-level dirt it planted (non-substantive
codes, sentinels, non-Latin digits) for ``TRUTH.json``, the rows whose answer became
``missing`` per canonical column, and (Google Forms) the ``customer_id`` as typed.
"""

from __future__ import annotations

import json

import jdatetime
import numpy as np
import pandas as pd

from . import _labels as L
from . import _world as W
from ._business import Customers
from ._surveys import SERVQUAL_ITEMS, TOPICS

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
RLM = "\u200f"
SM_COLLECTOR, SM_TEST_COLLECTOR = "431000001", "431000999"
GF_TEST_EMAIL = "qa.team@example.com"
_BLOCKS = {1: 25, 2: 60}
_QUALTRICS_IMPORT_IDS = ("startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
                         "recordedDate", "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail",
                         "externalDataReference", "locationLatitude", "locationLongitude", "distributionChannel",
                         "userLanguage")  # fmt: skip  # answered blocks of a partial response -> Qualtrics Progress


def _local(seconds: pd.Series, tz: str) -> pd.Series:
    offset = W.UTC_OFFSET_MINUTES[tz] * 60
    return pd.Series(pd.Timestamp(W.START) + pd.to_timedelta(seconds.to_numpy() + offset, unit="s"))


def _labels(values: pd.Series, labels: tuple[str, ...], first: int) -> np.ndarray:
    return np.asarray(labels, dtype=object)[values.to_numpy() - first]


def _strs(values: pd.Series) -> np.ndarray:
    return values.astype(np.int64).astype(str).to_numpy(dtype=object)


def _blank_partials(body: pd.DataFrame, resp: pd.DataFrame, blocks: list[list[str]]) -> None:
    answered = resp["answered"].to_numpy()
    for b, cols in enumerate(blocks, start=1):
        body.loc[answered < b, cols] = ""


def _non_substantive(rng, body, resp, column, lang) -> np.ndarray:
    genuine = np.flatnonzero(resp["kind"].eq("genuine").to_numpy() & (resp["answered"].to_numpy() > 1))
    k = int(round(W.DIRT["non_substantive"] * genuine.size))
    rows = rng.choice(genuine, size=k, replace=False)
    codes = L.NON_SUBSTANTIVE[lang]
    body.iloc[rows, body.columns.get_loc(column)] = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), k)]
    return rows


def _comments(rng, resp: pd.DataFrame, lang: str, emails: np.ndarray, themed=None, cells=None) -> np.ndarray:
    """The comment column. The main stream ``rng`` is drawn exactly as before the themed comments
    existed (so every other value stays the same); ``themed`` = (text, theme) from
    :func:`._comments.themed_comments` replaces the text, except comments with personal data."""
    roll = resp["comment_roll"].to_numpy()
    sentiment = resp["sentiment"].to_numpy()
    out = np.full(len(resp), "", dtype=object)
    for s, phrases in L.COMMENTS[lang].items():
        idx = np.flatnonzero((sentiment == s) & (roll < (0.6 if s < 0 else 0.4)))
        out[idx] = np.asarray(phrases, dtype=object)[rng.integers(0, len(phrases), idx.size)]
    pii = np.flatnonzero(roll < 0.02)
    templates = np.asarray(L.PII_COMMENTS[lang], dtype=object)[rng.integers(0, 2, pii.size)]
    out[pii] = [t.format(email=e) for t, e in zip(templates, emails[pii], strict=True)]
    if themed is not None:
        text, theme = themed
        pii_text = out[pii]
        out = text.copy()
        out[pii] = pii_text
        theme = theme.copy()
        theme[pii] = ""
        if cells is not None:
            cells["comment_themes"] = theme
    return out


def _people(rng, resp: pd.DataFrame, cust: Customers) -> dict[str, np.ndarray]:
    n = len(resp)
    who = resp["customer"].to_numpy()
    # A person keeps their name and e-mail across submissions (duplicates share them).
    number = np.char.zfill(np.char.replace(cust.customer_id[np.maximum(who, 0)].astype(str), "C", ""), 7)
    index = number.astype(np.int64)
    first = np.asarray(L.FIRST_NAMES, dtype=object)[index % len(L.FIRST_NAMES)]
    last = np.asarray(L.LAST_NAMES, dtype=object)[(index // len(L.FIRST_NAMES)) % len(L.LAST_NAMES)]
    real = who >= 0
    cid = np.where(real, cust.customer_id[np.maximum(resp["customer"].to_numpy(), 0)], "")
    email = np.char.add(np.char.add(np.char.lower(first.astype(str)), "."), np.char.lower(cid.astype(str)))
    email = np.char.add(email, "@example.com").astype(object)
    ip = np.char.add("203.0.113.", rng.integers(1, 255, n).astype(str)).astype(object)
    return {"first": np.where(real, first, ""), "last": np.where(real, last, ""), "cid": cid, "email": np.where(real, email, ""), "ip": ip}


def _branch_names(resp: pd.DataFrame, cust: Customers, lang: str) -> np.ndarray:
    names = np.asarray([getattr(b, f"name_{lang}") for b in W.BRANCHES], dtype=object)
    return names[cust.branch[np.maximum(resp["customer"].to_numpy(), 0)]]


def _channel(resp: pd.DataFrame, lang: str) -> np.ndarray:
    index = {c: i for i, c in enumerate(W.CONTACT_CHANNELS)}
    return np.asarray(L.CHANNEL_LABELS[lang], dtype=object)[resp["channel"].map(index).to_numpy()]


def qualtrics(rng, resp: pd.DataFrame, cust: Customers, themed=None) -> tuple[list[list[str]], pd.DataFrame, dict]:
    """Qualtrics CSV, choice text: 3 header rows (ids, question text, ImportId JSON)."""
    tz = W.TIMEZONES["qualtrics"]
    end = _local(resp["submitted"], tz)
    start = end - pd.to_timedelta(resp["duration_s"].to_numpy(), unit="s").to_series(index=end.index)
    fmt = "%Y-%m-%d %H:%M:%S"
    kind = resp["kind"].to_numpy()
    p = _people(rng, resp, cust)
    status = np.select([kind == "preview", kind == "test"], ["Survey Preview", "Survey Test"], "IP Address")
    finished = kind != "partial"
    progress = np.where(finished, 100, resp["answered"].map(_BLOCKS).fillna(100).to_numpy())
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    rid = ["R_" + "".join(chars) for chars in alphabet[rng.integers(0, alphabet.size, (len(resp), 15))]]
    branch = np.array([W.BRANCHES[i] for i in cust.branch[np.maximum(resp["customer"].to_numpy(), 0)]], dtype=object)
    lat = np.array([b.lat for b in branch]) + rng.normal(0, 0.05, len(resp))
    lon = np.array([b.lon for b in branch]) + rng.normal(0, 0.05, len(resp))
    nps = _strs(resp["nps"])
    nps[nps == "0"], nps[nps == "10"] = L.NPS_END_LABELS["en"]
    body = pd.DataFrame(
        {
            "StartDate": start.dt.strftime(fmt).to_numpy(),
            "EndDate": end.dt.strftime(fmt).to_numpy(),
            "Status": status,
            "IPAddress": np.where(status == "IP Address", p["ip"], ""),
            "Progress": progress.astype(np.int64).astype(str),
            "Duration (in seconds)": _strs(resp["duration_s"]),
            "Finished": np.where(finished, "True", "False"),
            "RecordedDate": end.dt.strftime(fmt).to_numpy(),
            "ResponseId": rid,
            "RecipientLastName": p["last"],
            "RecipientFirstName": p["first"],
            "RecipientEmail": p["email"],
            "ExternalReference": p["cid"],
            "LocationLatitude": np.char.mod("%.4f", lat),
            "LocationLongitude": np.char.mod("%.4f", lon),
            "DistributionChannel": np.select([kind == "preview", kind == "test"], ["preview", "test"], "email"),
            "UserLanguage": "EN",
            "Q1": nps,
            "Q2": _labels(resp["csat"], L.CSAT_LABELS["en"], 1),
            "Q3": _labels(resp["ces"], L.AGREE7_LABELS["en"], 1),
        }
    )
    ids, texts, imports = list(body.columns), [], []
    meta_text = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                 "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
                 "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
                 "Distribution Channel", "User Language"]  # fmt: skip
    texts += meta_text
    imports += [{"ImportId": c, "timeZone": tz} if c.endswith("Date") else {"ImportId": c} for c in _QUALTRICS_IMPORT_IDS]
    texts += [L.QUESTIONS[k]["en"] for k in ("nps", "csat", "ces")]
    imports += [{"ImportId": f"QID{i}"} for i in (1, 2, 3)]
    cols = {}
    for q, prefix, key in ((4, "e_", "expectation"), (5, "p_", "perception")):
        for j, item in enumerate(SERVQUAL_ITEMS, start=1):
            v = _strs(resp[prefix + item])
            v[v == "1"], v[v == "7"] = L.SCALE7_END_LABELS["en"]
            cols[f"Q{q}_{j}"] = v
            texts.append(f"{L.QUESTIONS[key]['en']} - The company {L.SERVQUAL_ITEM_TEXT[item][0]}")
            imports.append({"ImportId": f"QID{q}_{j}"})
    for j, pillar in enumerate(W.PILLARS, start=1):
        cols[f"Q6_{j}"] = _strs(resp[f"pillar_{pillar}"])
        texts.append(f"{L.QUESTIONS['pillars']['en']} - {L.PILLAR_TEXT[pillar][0]}")
        imports.append({"ImportId": f"QID6_{j}"})
    cols["Q7"] = _channel(resp, "en")
    cols["Q8"] = np.asarray(_branch_names(resp, cust, "en"))
    chosen = resp[[f"topic_{t}" for t in TOPICS]].to_numpy()
    names = np.asarray(L.TOPIC_LABELS["en"])
    cols["Q9"] = [",".join(names[row]) for row in chosen]
    extra: dict = {}
    cols["Q10"] = _comments(rng, resp, "en", p["email"], themed, extra)
    for q, key in ((7, "channel"), (8, "branch"), (9, "topics"), (10, "comment")):
        texts.append(L.QUESTIONS[key]["en"])
        imports.append({"ImportId": f"QID{q}_TEXT" if q == 10 else f"QID{q}"})
    body = pd.concat([body, pd.DataFrame(cols)], axis=1)
    ids = list(body.columns)
    na = _non_substantive(rng, body, resp, "Q2", "en")
    genuine = np.flatnonzero(resp["kind"].eq("genuine").to_numpy() & (resp["answered"].to_numpy() > 1))
    genuine = np.setdiff1d(genuine, na)
    sentinel = rng.choice(genuine, size=int(round(W.DIRT["sentinel"] * genuine.size)), replace=False)
    body.iloc[sentinel, body.columns.get_loc("Q3")] = "-99"
    counts = {"non_substantive": int(na.size), "sentinel": int(sentinel.size)}
    servqual = [c for c in ids if c.startswith(("Q4_", "Q5_"))]
    later = [c for c in ids if c.startswith(("Q6_", "Q7", "Q8"))]
    _blank_partials(body, resp, [["Q1", "Q2", "Q3"], servqual, later, ["Q9", "Q10"]])
    header = [ids, texts, [json.dumps(d, separators=(",", ":")) for d in imports]]
    return header, body, {"counts": counts, "missing": {"csat": na, "ces": sentinel}, "comment": body["Q10"].to_numpy(), **extra}


def surveymonkey(rng, resp: pd.DataFrame, cust: Customers, first_row: int = 0, themed=None) -> tuple[list[list[str]], pd.DataFrame, dict]:
    """SurveyMonkey 'all responses' CSV in Arabic: 2 header rows, blank cells continue a question.

    ``first_row`` is the number of rows earlier chunks wrote to the export: respondent ids keep
    increasing across chunks, so they stay unique in the whole file.
    """
    tz = W.TIMEZONES["surveymonkey"]
    end = _local(resp["submitted"], tz)
    start = end - pd.to_timedelta(resp["duration_s"].to_numpy(), unit="s").to_series(index=end.index)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    kind = resp["kind"].to_numpy()
    p = _people(rng, resp, cust)
    rid = (11_400_000_000 + (first_row + np.arange(len(resp))) * 7 + rng.integers(0, 7, len(resp))).astype(str)
    row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
    row2 = [""] * len(row1)
    data = [rid, np.where(kind == "test", SM_TEST_COLLECTOR, SM_COLLECTOR), start.dt.strftime(fmt).to_numpy(),
            end.dt.strftime(fmt).to_numpy(), p["ip"], p["email"], p["first"], p["last"], p["cid"]]  # fmt: skip

    def add(question: str, sub: list[str], columns: list) -> None:
        row1.extend([question] + [""] * (len(sub) - 1))
        row2.extend(sub)
        data.extend(columns)

    add(L.QUESTIONS["nps"]["ar"], ["Response"], [_strs(resp["nps"])])
    add(L.QUESTIONS["csat"]["ar"], ["Response"], [_labels(resp["csat"], L.CSAT_LABELS["ar"], 1)])
    add(L.QUESTIONS["ces"]["ar"], ["Response"], [_labels(resp["ces"], L.AGREE7_LABELS["ar"], 1)])
    for prefix, key in (("e_", "expectation"), ("p_", "perception")):
        add(L.QUESTIONS[key]["ar"], [L.SERVQUAL_ITEM_TEXT[i][1] for i in SERVQUAL_ITEMS],
            [_labels(resp[prefix + i], L.AGREE7_LABELS["ar"], 1) for i in SERVQUAL_ITEMS])  # fmt: skip
    add(L.QUESTIONS["pillars"]["ar"], [L.PILLAR_TEXT[x][1] for x in W.PILLARS], [_strs(resp[f"pillar_{x}"]) for x in W.PILLARS])
    add(L.QUESTIONS["channel"]["ar"], ["Response"], [_channel(resp, "ar")])
    add(L.QUESTIONS["branch"]["ar"], ["Response"], [_branch_names(resp, cust, "ar")])
    topic_cols = [np.where(resp[f"topic_{t}"].to_numpy(), label, "") for t, label in zip(TOPICS, L.TOPIC_LABELS["ar"], strict=True)]
    add(L.QUESTIONS["topics"]["ar"], list(L.TOPIC_LABELS["ar"]), topic_cols)
    extra: dict = {}
    add(L.QUESTIONS["comment"]["ar"], ["Open-Ended Response"], [_comments(rng, resp, "ar", p["email"], themed, extra)])
    names = [f"c{i}" for i in range(len(row1))]
    body = pd.DataFrame(dict(zip(names, data, strict=True)))
    na = _non_substantive(rng, body, resp, names[10], "ar")
    _blank_partials(body, resp, [names[9:12], names[12:32], names[32:40], names[40:]])
    cells = {"counts": {"non_substantive": int(na.size)}, "missing": {"csat": na}, "comment": body[names[-1]].to_numpy(), **extra}
    return [row1, row2], body, cells


def _jalali(local: pd.Series) -> np.ndarray:
    days = local.dt.normalize()
    unique = pd.unique(days)
    conv = {d: jdatetime.date.fromgregorian(date=pd.Timestamp(d).date()).strftime("%Y/%m/%d") for d in unique}
    return (days.map(conv) + " " + local.dt.strftime("%H:%M:%S")).to_numpy(dtype=object)


def google_forms(rng, resp: pd.DataFrame, cust: Customers, themed=None) -> tuple[list[list[str]], pd.DataFrame, dict]:
    """Google Forms CSV from a Persian-locale sheet: Jalali timestamps, grids as ``Question [Row]``."""
    local = _local(resp["submitted"], W.TIMEZONES["google_forms"])
    kind = resp["kind"].to_numpy()
    p = _people(rng, resp, cust)
    n = len(resp)
    cid = p["cid"].copy()
    roll = rng.random(n)
    cid[(roll < 0.03) & (kind != "test")] = ""  # left blank
    typo = np.flatnonzero((roll >= 0.03) & (roll < 0.05) & (cid != ""))
    cid[typo] = [c[:-1] for c in cid[typo]]  # a digit dropped: will not match the customer table
    email = np.where(kind == "test", GF_TEST_EMAIL, p["email"])
    cols = {
        L.QUESTIONS["timestamp"]["fa"]: _jalali(local),
        L.QUESTIONS["email"]["fa"]: email,
        L.QUESTIONS["customer_number"]["fa"]: cid,
        L.QUESTIONS["nps"]["fa"]: _strs(resp["nps"]),
        L.QUESTIONS["csat"]["fa"]: _labels(resp["csat"], L.CSAT_LABELS["fa"], 1),
        L.QUESTIONS["ces"]["fa"]: _labels(resp["ces"], L.AGREE7_LABELS["fa"], 1),
    }
    for prefix, key in (("e_", "expectation"), ("p_", "perception")):
        for item in SERVQUAL_ITEMS:
            cols[f"{L.QUESTIONS[key]['fa']} [{L.SERVQUAL_ITEM_TEXT[item][2]}]"] = _strs(resp[prefix + item])
    for pillar in W.PILLARS:
        cols[f"{L.QUESTIONS['pillars']['fa']} [{L.PILLAR_TEXT[pillar][2]}]"] = _strs(resp[f"pillar_{pillar}"])
    cols[L.QUESTIONS["channel"]["fa"]] = _channel(resp, "fa")
    cols[L.QUESTIONS["branch"]["fa"]] = _branch_names(resp, cust, "fa")
    names = np.asarray(L.TOPIC_LABELS["fa"])
    cols[L.QUESTIONS["topics"]["fa"]] = [", ".join(names[row]) for row in resp[[f"topic_{t}" for t in TOPICS]].to_numpy()]
    extra: dict = {}
    comments = _comments(rng, resp, "fa", p["email"], themed, extra)
    comments[kind == "test"] = "تست - لطفاً نادیده بگیرید"
    if "comment_themes" in extra:
        extra["comment_themes"][kind == "test"] = ""
    cols[L.QUESTIONS["comment"]["fa"]] = comments
    body = pd.DataFrame(cols)
    na = _non_substantive(rng, body, resp, L.QUESTIONS["csat"]["fa"], "fa")
    counts = {"non_substantive": int(na.size)}
    # Digits typed on Persian (and some on Arabic) keyboards, with stray right-to-left marks.
    numeric = [c for c in body.columns[3:] if body[c].str.fullmatch(r"\d+").all()] + [body.columns[2]]
    digits = rng.random(n)
    persian, arabic = digits < W.DIRT["persian_digits"], digits > 0.95
    for c in numeric:
        v = body[c].to_numpy(dtype=object)
        v[persian] = [s.translate(PERSIAN_DIGITS) for s in v[persian]]
        v[arabic] = [s.translate(ARABIC_DIGITS) for s in v[arabic]]
        body[c] = v
    marked = np.flatnonzero(persian & (rng.random(n) < 0.1))
    col = body.columns.get_loc(L.QUESTIONS["nps"]["fa"])
    body.iloc[marked, col] = [RLM + s for s in body.iloc[marked, col]]
    stamp = body.columns[0]
    body.loc[persian, stamp] = body.loc[persian, stamp].str.translate(PERSIAN_DIGITS)
    counts.update(persian_digit_rows=int(persian.sum()), arabic_digit_rows=int(arabic.sum()), rtl_marks=int(marked.size))
    counts.update(customer_number_blank=int(((roll < 0.03) & (kind != "test")).sum()), customer_number_typo=int(typo.size))
    cells = {"counts": counts, "missing": {"csat": na}, "customer_id": np.where(cid == "", None, cid),
             "comment": comments, **extra}
    return [list(body.columns)], body, cells
