"""Cross-validated AUC of "negative from text": cxanalytics vs a plain scikit-learn baseline.

On each labelled real comment set (``../shared/realdata/text`` or ``$CXANALYTICS_REALDATA/text``),
both methods are scored on the same stratified 5-fold split: the AUC of the pooled
out-of-fold probabilities, with DeLong's interval for ours.

* baseline: ``TfidfVectorizer`` word 1-2-grams + ``TfidfVectorizer`` char 2-5-grams on the
  raw text, ``LogisticRegression()`` with scikit-learn's defaults;
* ours: :func:`cxanalytics.comment_score_model` (prepared text, word 1-2 + char 2-5, C=4).

Run: ``python benchmarks/text_auc.py``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, make_pipeline

import cxanalytics as cx


def realdata() -> Path | None:
    root = os.environ.get("CXANALYTICS_REALDATA")
    path = Path(root) if root else Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
    return path / "text" if (path / "text").is_dir() else None


def labelled_sets(text_dir: Path) -> dict[str, pd.DataFrame]:
    """Each set as a frame with ``comment`` and ``negative`` (1 = negative)."""
    out = {}
    f = text_dir / "ar" / "saudi_tourism_reviews.csv"
    if f.exists():
        d = pd.read_csv(f, sep=";", encoding="utf-8-sig")
        out["ar tourism (label 0 vs 1/2)"] = pd.DataFrame({"comment": d["div_text"], "negative": (d["label"] == 0)})
    f = text_dir / "fa" / "taaghche_test.csv"
    if f.exists():
        d = pd.read_csv(f)
        out["fa taaghche (label 0 vs 1/2)"] = pd.DataFrame({"comment": d["text"], "negative": (d["label"] == 0)})
    f = text_dir / "fa" / "digikala_opendata_sample.csv"
    if f.exists():
        d = pd.read_csv(f, na_values=["\\N"], keep_default_na=False)
        d = d[d["recommend"].isin(["recommended", "not_recommended"])]
        out["fa digikala (not_recommended vs recommended)"] = pd.DataFrame(
            {"comment": d["comment"], "negative": d["recommend"] == "not_recommended"})
    f = text_dir / "en" / "amazon_cells_labelled.tsv"
    if f.exists():
        d = pd.read_csv(f, sep="\t", header=None, names=["text", "label"], quoting=3)
        out["en amazon (label 0 vs 1)"] = pd.DataFrame({"comment": d["text"], "negative": d["label"] == 0})
    for k, d in out.items():
        d = d[d["comment"].notna() & (d["comment"].astype(str).str.strip() != "")].reset_index(drop=True)
        out[k] = d.assign(negative=d["negative"].astype(int))
    return out


def baseline_auc(text: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    oof = np.empty(len(y))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(text, y):
        pipe = make_pipeline(FeatureUnion([("w", TfidfVectorizer(ngram_range=(1, 2))),
                                           ("c", TfidfVectorizer(analyzer="char", ngram_range=(2, 5)))]),
                             LogisticRegression(max_iter=1000))
        oof[te] = pipe.fit(text[tr], y[tr]).predict_proba(text[te])[:, 1]
    return float(roc_auc_score(y, oof))


def main() -> int:
    text_dir = realdata()
    if text_dir is None:
        print("real text data not found (set CXANALYTICS_REALDATA); nothing to do")
        return 0
    rows = []
    for name, d in labelled_sets(text_dir).items():
        t0 = time.perf_counter()
        base = baseline_auc(d["comment"].astype(str).to_numpy(dtype=object), d["negative"].to_numpy())
        t1 = time.perf_counter()
        ours = cx.comment_score_model(d, "comment", target="negative").auc.iloc[0]
        t2 = time.perf_counter()
        rows.append({"set": name, "n": len(d), "negative": int(d["negative"].sum()), "baseline_auc": base,
                     "ours_auc": ours["auc"], "ours_ci": f"{ours['ci_lower']:.3f}-{ours['ci_upper']:.3f}",
                     "ours_minus_baseline": ours["auc"] - base, "baseline_s": t1 - t0, "ours_s": t2 - t1})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
