"""Benchmark: comment themes + the score model on N synthetic comments vs TfidfVectorizer alone.

Comments are drawn from English, Arabic and Persian word lists (three planted themes, a
score that depends on one of them).  Each part runs in its own process, so the peak resident
memory (``ru_maxrss``) is that part's own:

* ``tfidf``: scikit-learn ``TfidfVectorizer()`` with its defaults fitted on the raw comments
  (the reference cost of "just vectorising");
* ``ours``: :func:`cxanalytics.comment_themes` (stability-chosen ``k`` on a 20k sample, every
  comment assigned) + :func:`cxanalytics.comment_score_model` (5-fold CV, DeLong interval).

Run: ``python benchmarks/bench_text.py [--n 200000]`` (``--n 1000000`` for the issue's goal).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

WORDS = {
    "en": {"billing": "bill charge overcharged invoice refund payment fee".split(),
           "delivery": "delivery parcel courier late delayed package shipping".split(),
           "staff": "staff friendly helpful agent polite rude manager".split(),
           "filler": "the was very and it my again today really so".split()},
    "ar": {"billing": "الفاتورة رسوم مبلغ استرداد الدفع السعر غالي".split(),
           "delivery": "التوصيل الطلب متأخر الشحن المندوب تأخير وصل".split(),
           "staff": "الموظف الموظفين تعامل محترم سيء خدمة ممتاز".split(),
           "filler": "في من على كان جدا و مره الحين".split()},
    "fa": {"billing": "صورتحساب هزینه مبلغ پرداخت قیمت گران بازپرداخت".split(),
           "delivery": "ارسال سفارش تاخیر پیک بسته دیر رسید".split(),
           "staff": "کارمند پشتیبانی برخورد مودب بد خوب همکار".split(),
           "filler": "خیلی این از به که را و بود".split()},
}


def comments(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lang = rng.choice(["en", "ar", "fa"], n, p=[0.4, 0.35, 0.25])
    theme = rng.choice(["billing", "delivery", "staff"], n)
    out = []
    for lg, th in zip(lang, theme, strict=True):
        w = WORDS[lg]
        k = rng.integers(3, 9)
        out.append(" ".join(rng.choice(w[th] + w["filler"], k)))
    nps = np.where(theme == "billing", rng.integers(0, 8, n), rng.integers(4, 11, n))
    return pd.DataFrame({"comment": out, "nps": nps})


def run_part(part: str, n: int) -> dict:
    d = comments(n)
    t0 = time.perf_counter()
    if part == "tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer

        TfidfVectorizer().fit_transform(d["comment"])
        extra = {}
    else:
        import cxanalytics as cx

        t = time.perf_counter()
        cx.prepare_comments(d["comment"])  # timed apart; the two calls below reuse its result
        t_prep = time.perf_counter() - t
        th = cx.comment_themes(d, "comment", n_resamples=3)
        t_themes = time.perf_counter() - t - t_prep
        m = cx.comment_score_model(d, "comment", score="nps", themes=th)
        t_score = time.perf_counter() - t - t_prep - t_themes
        extra = {"k": th.k, "prepare_s": t_prep, "themes_s": t_themes, "score_s": t_score,
                 "auc": float(m.auc["auc"].iloc[0]), "auc_n": int(m.auc["n"].iloc[0])}
    secs = time.perf_counter() - t0
    return {"part": part, "n": n, "seconds": secs, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            **extra}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--part", choices=["tfidf", "ours"])
    a = ap.parse_args()
    if a.part:
        print(json.dumps(run_part(a.part, a.n)))
        return 0
    res = {}
    for part in ("tfidf", "ours"):
        out = subprocess.run([sys.executable, __file__, "--n", str(a.n), "--part", part], check=True,
                             capture_output=True, text=True).stdout
        res[part] = json.loads(out.strip().splitlines()[-1])
        print(res[part], flush=True)
    print(f"time ratio ours / TfidfVectorizer: {res['ours']['seconds'] / res['tfidf']['seconds']:.1f}x "
          f"(goal <= 3x); peak memory {res['ours']['peak_mib']:.0f} MiB vs {res['tfidf']['peak_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
