"""Time ``customer_summary`` against a bare pandas groupby on the same transactions.

Usage: python benchmarks/bench_customer_summary.py [N_TRANSACTIONS] [--customers K] [--seed S]

Generates N synthetic transactions with numpy (customer ids, second-resolution
times over two years, gamma-distributed amounts), then times, in the same run:

* baseline: ``df.groupby("customer_id").agg(min/max/count of time, mean of amount)``;
* ``cxanalytics.behaviour.summaries.customer_summary`` (same-day purchases merged, monetary
  value of the repeat days, recency and T) on the same frame.

Prints both times, their ratio (target <= 1.5) and the peak resident memory of the
process (``resource.getrusage``; kilobytes on Linux, bytes on macOS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import pandas as pd

from cxanalytics.behaviour.summaries import customer_summary


def make_transactions(n: int, customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    seconds = rng.integers(0, 2 * 365 * 86_400, n).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, n),
            "occurred_at": start + seconds,
            "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )


def peak_memory_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=50_000_000, help="number of transactions")
    parser.add_argument("--customers", type=int, default=None, help="number of customers (default n / 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs each")
    args = parser.parse_args(argv)
    customers = args.customers or max(1, args.n // 20)

    t0 = time.perf_counter()
    df = make_transactions(args.n, customers, args.seed)
    print(f"generated {args.n:,} transactions, {customers:,} customers in {time.perf_counter() - t0:.1f} s")
    print(f"peak memory after generating: {peak_memory_mb():,.0f} MB")

    def baseline():
        return df.groupby("customer_id").agg(
            first=("occurred_at", "min"), last=("occurred_at", "max"),
            n=("occurred_at", "count"), mean=("amount", "mean"),
        )

    def ours():
        return customer_summary(df, unit="W")

    timings = {}
    for name, fn in (("pandas groupby().agg(min, max, count, mean)", baseline), ("customer_summary", ours)):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        print(f"{name:<45s} {best:8.2f} s   ({len(out):,} rows)   peak memory so far {peak_memory_mb():,.0f} MB")
        del out
    base, mine = timings.values()
    print(f"ratio customer_summary / groupby: {mine / base:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
