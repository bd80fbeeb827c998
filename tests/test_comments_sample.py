"""The sample's comments: their own random stream leaves every other value unchanged, and the
comment functions recover what TRUTH.json plants (themes, effects on NPS and churn, the false one)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

import cxanalytics as cx
import cxanalytics.synth as synth
from cxanalytics.comments._prepare import _UNIFY
from cxanalytics.datasets import load_sample, sample_dir

TRUTH = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))["comments"]
# The analyst's codebook of notebook 10: one seed term per theme and language.
CODEBOOK = {
    "billing": {"en": ["bill*"], "ar": ["الفاتورة"], "fa": ["صورتحساب"]},
    "staff": {"en": ["staff"], "ar": ["الموظفين"], "fa": ["کارکنان"]},
    "app": {"en": ["app"], "ar": ["التطبيق"], "fa": ["اپلیکیشن"]},
    "switching": {"en": ["another provider"], "ar": ["شركة أخرى"], "fa": ["اپراتور"]},
    "waiting": {"en": ["waiting"], "ar": ["الانتظار"], "fa": ["انتظار"]},
}


@pytest.fixture(scope="module")
def commented():
    responses = load_sample("responses")
    written = cx.prepare_comments(responses["comment"])["n_tokens"].to_numpy() > 0
    return responses[written]


@pytest.fixture(scope="module")
def themes(commented):
    return cx.comment_themes(commented, "comment", seeds=CODEBOOK)


def test_comment_stream_leaves_every_other_value_unchanged(tmp_path, monkeypatch):
    """Without any comment text, the sample differs from the committed one only in the comments."""

    def no_comments(rng, resp, cust, lang):
        rng.random(len(resp))  # the comment stream may be drawn differently: nothing else may move
        return np.full(len(resp), "", dtype=object), np.full(len(resp), "", dtype=object)

    monkeypatch.setattr(synth, "themed_comments", no_comments)
    synth.write_sample(tmp_path, seed=2026, progress=False)
    committed = sample_dir()
    for name in ("customers.csv", "transactions.csv", "interactions.csv", "branches.csv"):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
    new = pd.read_csv(tmp_path / "responses.csv", dtype=str, keep_default_na=False)
    old = pd.read_csv(committed / "responses.csv", dtype=str, keep_default_na=False)
    rest = [c for c in old.columns if c not in ("comment", "comment_themes")]
    pd.testing.assert_frame_equal(new[rest], old[rest])
    assert (new["comment_themes"] == "").all() and (old["comment_themes"] != "").any()
    for platform, (file, _, encoding, _) in synth.PLATFORM_FILES.items():
        a = pd.read_csv(tmp_path / file, dtype=str, keep_default_na=False, encoding=encoding, header=None)
        b = pd.read_csv(committed / file, dtype=str, keep_default_na=False, encoding=encoding, header=None)
        assert a.shape == b.shape, platform
        changed = [c for c in a.columns if not a[c].equals(b[c])]
        assert changed == [a.shape[1] - 1], platform  # the comment question, the last column
    truth_new = json.loads((tmp_path / "TRUTH.json").read_text(encoding="utf-8"))
    truth_old = json.loads((committed / "TRUTH.json").read_text(encoding="utf-8"))
    assert {k for k in truth_old if truth_new[k] != truth_old[k]} == {"comments"}


def test_truth_counts_match_the_answer_key():
    key = pd.read_csv(sample_dir() / "responses.csv", dtype=str, keep_default_na=False)
    counts = key.assign(t=key["comment_themes"].replace("", "none")).groupby(["language", "t"]).size()
    assert {lang: dict(c.droplevel(0)) for lang, c in counts.groupby(level=0)} == TRUTH["counts"]
    assert (key.loc[key["comment_themes"] != "", "comment"] != "").all()


def test_each_planted_theme_is_recovered_by_one_codebook_theme(commented, themes):
    flags = themes.indicators().to_numpy(dtype=bool)
    names = list(TRUTH["themes"])
    shares = np.array([flags[(commented["comment_themes"] == t).to_numpy()].mean(axis=0) for t in names])
    rows, cols = linear_sum_assignment(-shares)  # one found theme per planted theme
    assert len(rows) == len(names)
    assert shares[rows, cols].min() >= 0.8, dict(zip(names, shares[rows, cols], strict=True))


def test_planted_nps_differences_lie_in_their_intervals_and_the_false_one_is_not_confirmed(commented, themes):
    diff = cx.theme_differences(themes, commented, score="nps").set_index("name")
    for name, effect in TRUTH["effects"]["nps"].items():
        planted = effect["difference_detractor_minus_promoter"]
        assert diff.loc[name, "ci_lower"] <= planted <= diff.loc[name, "ci_upper"], name
        assert bool(diff.loc[name, "significant"]) == (planted != 0), name
    assert "false_claim" in TRUTH["effects"]["nps"]["app"]


def test_planted_churn_effects_and_the_false_one(themes):
    link = cx.link_responses(load_sample("responses"), load_sample("customers"),
                             transactions=load_sample("transactions"), interactions=load_sample("interactions"),
                             as_of=pd.Timestamp("2026-07-01", tz="UTC"))
    linked = link.linked[cx.prepare_comments(link.linked["comment"])["n_tokens"].to_numpy() > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every linked row has a comment: nothing to announce
        switching = cx.claim_theme_churn(linked, themes, "switching").verdict.iloc[0]
        app = cx.claim_theme_churn(linked, themes, "app").verdict.iloc[0]
    assert switching["supported"] == "yes" and switching["ci_lower"] > 1
    assert TRUTH["effects"]["churn"]["app"]["hazard_ratio"] == 1.0
    assert app["supported"] == "no" and app["ci_lower"] <= 1.0 <= app["ci_upper"]


def test_text_model_of_detractors_beats_guessing(commented, themes):
    model = cx.comment_score_model(commented, "comment", score="nps", themes=themes)
    auc = model.auc.iloc[0]
    assert 0.5 < auc["ci_lower"] < auc["auc"] < auc["ci_upper"]
    # Reported terms: words in at least 1 % of the comments, the direction of their coefficient.
    terms = model.terms
    assert (terms["features"] == "word").all() and (terms["n"] >= 0.01 * auc["n"]).all()
    assert ((terms["coefficient"] > 0) == (terms["direction"] == "low")).all()
    # Billing is planted on detractors: its codebook term is reported on the low side in every language.
    low = set(terms.loc[terms["direction"] == "low", "term"])
    for term in (t for terms_ in CODEBOOK["billing"].values() for t in terms_):
        key = cx.prepare_comments([term.rstrip("*")])["text"].iloc[0].translate(_UNIFY)
        assert any(w == key or w.split()[-1] == key for w in low), (term, sorted(low))


def test_each_planted_theme_is_recovered_by_one_unlabelled_theme_per_language(commented):
    # The measure of notebook 10: one-to-one matching of planted and found themes within each language;
    # share of a planted theme's comments whose primary theme is its matched found theme, at least 0.8.
    names = list(TRUTH["themes"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for language, part in commented.groupby("language", observed=True):
            r = cx.comment_themes(part, "comment")
            assert not r.stability.empty and r.k in set(r.stability["k"])  # k chosen by stability
            flags = r.indicators().to_numpy(dtype=bool)
            shares = np.array([flags[(part["comment_themes"] == t).to_numpy()].mean(axis=0) for t in names])
            i, j = linear_sum_assignment(-shares)
            held = dict(zip(i, shares[i, j], strict=True))
            assert all(held.get(a, 0.0) >= 0.8 for a in range(len(names))), (language, held)
