"""Benchmark: bootstrap relative weights against plain least-squares fits of the same design.

Generates N rows of P correlated drivers and an outcome, then times, in the same run,
``relative_weights(data, "y", drivers, n_resamples=B)`` (point estimate plus B bootstrap
resamples: moments of every resample, batched eigen-decompositions, percentile
intervals) and the baseline of B plain ``numpy.linalg.lstsq`` fits of the resampled
design (coefficients only, nothing else). Prints both times and their ratio
(target: at most 2).

Usage::

    python benchmarks/bench_relative_weights.py                  # 100,000 rows x 20 drivers, 1,000 resamples
    python benchmarks/bench_relative_weights.py -n 20000 -p 10 -b 200
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cxanalytics.link.drivers import relative_weights


def make_data(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mix = np.eye(p) + 0.3 * rng.normal(size=(p, p))
    x = rng.normal(size=(n, p)) @ mix
    y = x @ rng.normal(size=p) + 2.0 * rng.normal(size=n)
    return pd.DataFrame(x, columns=[f"x{i:02d}" for i in range(p)]).assign(y=y)


def baseline(data: pd.DataFrame, drivers: list[str], n_boot: int, seed: int) -> float:
    x = np.column_stack([np.ones(len(data)), data[drivers].to_numpy()])
    y = data["y"].to_numpy()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        np.linalg.lstsq(x[idx], y[idx], rcond=None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="rows")
    parser.add_argument("-p", type=int, default=20, help="drivers")
    parser.add_argument("-b", type=int, default=1_000, help="bootstrap resamples")
    args = parser.parse_args()
    data = make_data(args.n, args.p)
    drivers = [c for c in data.columns if c != "y"]
    start = time.perf_counter()
    out = relative_weights(data, "y", drivers, n_resamples=args.b, random_state=1)
    ours = time.perf_counter() - start
    base = baseline(data, drivers, args.b, seed=1)
    assert np.isclose(out["weight"].sum(), out["r_squared"].iloc[0])
    print(f"rows={args.n:,} drivers={args.p} resamples={args.b:,}")
    print(f"relative_weights (bootstrap): {ours:8.2f} s")
    print(f"numpy.linalg.lstsq x {args.b:,}: {base:8.2f} s")
    print(f"ratio: {ours / base:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
