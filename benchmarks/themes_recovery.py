"""Recovery of the sample's planted comment themes by the unlabelled themes (issue 16 goal).

Measure (the one of notebook 10, section 2): within each language, the planted themes of
``TRUTH.json`` are matched one to one to the found themes (Hungarian assignment on the shares);
a planted theme's *share held* is the share of its comments whose primary theme (the argmax of
the comment's NMF weights) is the matched found theme.  The goal: every planted (language, theme)
held with a share of at least 0.8.

Printed: the share held per (language, theme) with ``k`` chosen by stability (the default of
:func:`cxanalytics.comment_themes`), its stability table and time; then, for each fixed ``k``,
the smallest share held in each language, to show whether *any* ``k`` would reach the goal.

Run: ``python benchmarks/themes_recovery.py`` (about half a minute).

Measured 2026-12-04 (sample of the repository, random_state 0), share held with the chosen k:
(billing, staff, app, switching, waiting) ar k=4 [.17, 1, .25, 0, 0]; en k=7 [1, 1, 1, 0, 0];
fa k=3 [0, 0, 1, 0, 0]: 5 of 15 (in Arabic one catch-all theme of 452 comments holds all of
staff *and* switching; the matching gives it to one of them, notebook 10's tie-break to switching).  No fixed k in 3..13 reaches 0.8 for all five themes in any
language: generic remarks (exact repeats) and the phrasings of the big themes take components
before the small themes (waiting, switching: 23 to 54 comments) get one.  Variants tried
(outside the library; smallest share held over k = 4..12 per language):

* TF-IDF without idf, unigrams, KL loss: best ar .84 (one k), en 1.0 (one k), fa 1.0 (k 6-7);
* fit on distinct prepared texts (duplicates once): best ar .76, en .84, fa .82 (k 6-8);
* binary terms with column (term) l2 norms: ar .67 (k 7-10), en .95 (k 6-7), fa 1.0/.89 (k 6-9);
  Arabic billing splits by phrasing (its shared word الفاتورة carries little weight); with
  this matrix top-term Jaccard picks k = 4 / 8 / 8 (ar / en / fa) and assignment ARI 6 / 10 / 9,
  not the k = 6-7 where en and fa are recovered;
* components merged when a term is in at least 80 % of the comments of both (TF-IDF as now):
  fa 1.0 (k 9-12), en 1.0 (k 11-12), ar at best .79 (a staff phrasing joins waiting);
* choosing k by assignment stability (mean adjusted Rand index of primary themes over 5
  resamples) instead of top-term Jaccard: no better aligned with recovery.
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

import cxanalytics as cx
from cxanalytics.datasets import load_sample, sample_dir


def share_held(primary: np.ndarray, planted: pd.Series, names: list[str]) -> np.ndarray:
    """Share of each planted theme's comments held by its one-to-one matched found theme.

    ``primary``: each comment's found theme (any labels, NA allowed); ``planted``: the planted
    theme of each comment (same order); ``names``: the planted themes to score.
    """
    found = pd.Series(primary).astype("string").fillna("<none>").to_numpy()
    labels = np.unique(found)
    flags = found[:, None] == labels[None, :]
    shares = np.array([flags[(planted == t).to_numpy()].mean(axis=0) for t in names])
    rows, cols = linear_sum_assignment(-shares)
    matched = dict(zip(rows, cols, strict=True))
    return np.array([shares[i, matched[i]] if i in matched else 0.0 for i in range(len(names))])


def main() -> None:
    warnings.simplefilter("ignore")
    responses = load_sample("responses")
    commented = responses[cx.prepare_comments(responses["comment"])["n_tokens"].to_numpy() > 0]
    planted = commented["comment_themes"].fillna("")
    truth = json.loads((sample_dir() / "TRUTH.json").read_text(encoding="utf-8"))["comments"]
    names = list(truth["themes"])  # the order of notebook 10 (ties of the matching break alike)
    rows, stab = [], {}
    for language, part in commented.groupby("language", observed=True):
        t0 = time.perf_counter()
        r = cx.comment_themes(part, "comment")
        seconds = time.perf_counter() - t0
        held = share_held(r.assignments["theme"].to_numpy(), planted[part.index], names)
        rows += [{"language": language, "theme": t, "k": r.k, "share_held": h, "seconds": seconds}
                 for t, h in zip(names, held, strict=True)]
        stab[language] = r.stability.set_index("k")["stability"]
    table = pd.DataFrame(rows)
    print(table.pivot(index="theme", columns="language", values="share_held").loc[names].round(3))
    print(f"recovered (>= 0.8): {int((table['share_held'] >= 0.8).sum())} of {len(table)}")
    print(table.groupby("language")[["k", "seconds"]].first().round(2))
    print(pd.DataFrame(stab).T.round(3))
    fixed = {}
    for language, part in commented.groupby("language", observed=True):
        fixed[language] = {k: share_held(cx.comment_themes(part, "comment", k=k).assignments["theme"].to_numpy(),
                                         planted[part.index], names).min() for k in range(3, 14)}
    print("smallest share held with a fixed k:")
    print(pd.DataFrame(fixed).T.round(2))


if __name__ == "__main__":
    main()
