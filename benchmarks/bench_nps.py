"""Benchmark: cxanalytics.nps by segment against a bare pandas groupby().value_counts().

Generates N survey responses (0-10 answers, a few missing) spread over S segments,
then times, in the same run, ``nps(data, "nps", by="segment")`` (counts, shares,
score and adjusted-Wald interval per segment) and the baseline
``data.groupby("segment")["nps"].value_counts()`` (counts only).  It checks that
both count the same promoters and detractors per segment and prints both times
and their ratio (target: at most 2).

Usage::

    python benchmarks/bench_nps.py                      # 10,000,000 responses, 10,000 segments
    python benchmarks/bench_nps.py -n 1000000 -s 500 --repeat 3 --key str
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cxanalytics.survey.metrics import nps


def make_responses(n: int, segments: int, key: str, seed: int = 0) -> pd.DataFrame:
    """N responses: a segment key and a 0-10 answer (float, 1 % missing)."""
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, segments, n)
    answers = rng.choice(11, size=n, p=np.r_[[0.03] * 7, [0.12, 0.18], [0.22, 0.27]]).astype(float)
    answers[rng.random(n) < 0.01] = np.nan
    if key == "str":
        labels = np.array([f"seg{i:06d}" for i in range(segments)], dtype=object)
        seg_col = pd.Series(labels[seg], dtype="str")
    elif key == "category":
        seg_col = pd.Categorical.from_codes(seg, categories=[f"seg{i:06d}" for i in range(segments)])
    else:
        seg_col = seg
    return pd.DataFrame({"segment": seg_col, "nps": answers})


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--responses", type=int, default=10_000_000)
    parser.add_argument("-s", "--segments", type=int, default=10_000)
    parser.add_argument("--key", choices=["int", "str", "category"], default="int",
                        help="dtype of the segment column")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = make_responses(args.responses, args.segments, args.key, args.seed)
    print(f"responses: {len(data):,}  segments: {args.segments:,}  key: {args.key}  "
          f"missing answers: {int(data['nps'].isna().sum()):,}")

    t_base, counts = best_of(lambda: data.groupby("segment", observed=True)["nps"].value_counts(),
                             args.repeat)
    t_cx, out = best_of(lambda: nps(data, "nps", by="segment"), args.repeat)

    table = counts.unstack(fill_value=0)
    table = table.reindex(columns=np.arange(11.0), fill_value=0)
    promoters = table[[9.0, 10.0]].sum(axis=1).to_numpy()
    detractors = table[np.arange(7.0)].sum(axis=1).to_numpy()
    segs = out["segment"].astype(str).to_numpy()
    assert (table.index.astype(str).to_numpy() == segs).all(), "segment order differs"
    assert (out["promoters"].to_numpy() == promoters).all(), "promoter counts differ"
    assert (out["detractors"].to_numpy() == detractors).all(), "detractor counts differ"

    print(f"groupby().value_counts() (counts only): {t_base:8.3f} s")
    print(f"cx.nps(by='segment') with intervals:    {t_cx:8.3f} s")
    print(f"ratio nps / value_counts:               {t_cx / t_base:8.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
