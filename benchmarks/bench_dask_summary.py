"""Time ``customer_summary`` on a Parquet log larger than memory, on Dask.

Usage: python benchmarks/bench_dask_summary.py [N_TRANSACTIONS] [--customers K] [--folder DIR]
       [--keep] [--workers W] [--seed S] [--no-verify]

1. Generates N transactions with numpy straight into a folder of Parquet files, one
   chunk (file) at a time, never holding the whole log in memory: integer customer ids
   (N / 20 customers by default), microsecond UTC times over two years, gamma amounts.
2. Runs ``customer_summary(dd.read_parquet(folder), unit="W")`` on a
   ``dask.distributed`` LocalCluster (W single-threaded workers in this process, so that
   ``resource.getrusage`` sees all the memory), in a fresh subprocess.
3. Runs the pandas path, ``customer_summary(pd.read_parquet(files), unit="W")``, on a
   10 % sample of the files (every customer's purchases in those files), in another
   fresh subprocess, for comparison.
4. Unless ``--no-verify``: checks that the Dask path gives the pandas path's table,
   exactly, on that sample.

Prints, per step, the wall time, the rows, the peak resident memory of the subprocess
(``ru_maxrss``) and the throughput.  The generated folder is deleted unless ``--keep``
(or ``--folder`` names an existing folder to reuse).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def peak_memory_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def generate(folder: Path, n: int, customers: int, seed: int, chunk: int) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    start = np.datetime64("2024-01-01T00:00:00", "us").astype(np.int64)
    two_years = 2 * 365 * 86_400 * 10**6
    files = []
    for k in range(math.ceil(n / chunk)):
        rows = min(chunk, n - k * chunk)
        rng = np.random.default_rng([seed, k])
        table = pa.table({
            "customer_id": pa.array(rng.integers(0, customers, rows, dtype=np.int64)),
            "occurred_at": pa.array(start + rng.integers(0, two_years, rows), type=pa.timestamp("us", tz="UTC")),
            "amount": pa.array(np.round(rng.gamma(2.0, 20.0, rows), 2)),
        })  # fmt: skip
        path = folder / f"part-{k:05d}.parquet"
        pq.write_table(table, path, row_group_size=chunk)
        files.append(path)
    return files


def sample_files(folder: Path, fraction: float) -> list[Path]:
    files = sorted(folder.glob("part-*.parquet"))
    return files[: max(1, round(fraction * len(files)))]


def step_dask(folder: Path, workers: int, files: list[Path] | None = None):
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from cxanalytics.behaviour.summaries import customer_summary

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=":0",
                      local_directory=str(folder.parent / f"{folder.name}-dask-scratch")) as cluster, Client(cluster):
        t0 = time.perf_counter()
        ddf = dd.read_parquet([str(f) for f in files] if files else str(folder))
        out = customer_summary(ddf, unit="W")
        seconds = time.perf_counter() - t0
        return out, seconds, ddf.npartitions


def step_pandas(files: list[Path]):
    import pandas as pd

    from cxanalytics.behaviour.summaries import customer_summary

    t0 = time.perf_counter()
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    out = customer_summary(df, unit="W")
    return out, time.perf_counter() - t0, len(df)


def child(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    if args.step == "dask":
        out, seconds, parts = step_dask(folder, args.workers)
        rows = int(out["n_transactions"].sum())
        extra = {"partitions": parts}
    elif args.step == "pandas":
        out, seconds, rows = step_pandas(sample_files(folder, args.sample))
        extra = {}
    else:  # verify
        import pandas as pd

        files = sample_files(folder, args.sample)
        expected, _, rows = step_pandas(files)
        out, seconds, _ = step_dask(folder, args.workers, files)
        pd.testing.assert_frame_equal(expected, out, check_exact=True)
        extra = {"identical": True}
    print(json.dumps({"seconds": seconds, "rows": rows, "customers": len(out), "peak_mb": peak_memory_mb(), **extra}))


def run_child(args: argparse.Namespace, step: str, folder: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--folder", str(folder), "--workers", str(args.workers),
           "--sample", str(args.sample)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"step {step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000_000, help="number of transactions")
    parser.add_argument("--customers", type=int, default=None, help="number of customers (default n / 20)")
    parser.add_argument("--chunk", type=int, default=None, help="rows per Parquet file (default min(1M, n / 20))")
    parser.add_argument("--folder", default=None, help="where to write the log (default a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=float, default=0.1, help="share of the files for the pandas path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--child", choices=["dask", "pandas", "verify"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.step = args.child
        return child(args)

    customers = args.customers or max(1, args.n // 20)
    chunk = args.chunk or max(1, min(1_000_000, args.n // 20))
    tmp = None
    if args.folder is None:
        tmp = Path(tempfile.mkdtemp(prefix="cx-dask-bench-"))
        folder = tmp / "transactions"
    else:
        folder = Path(args.folder)
    try:
        if folder.exists() and any(folder.glob("part-*.parquet")):
            print(f"reusing {folder}")
        else:
            t0 = time.perf_counter()
            files = generate(folder, args.n, customers, args.seed, chunk)
            size = sum(f.stat().st_size for f in files) / 2**20
            print(f"generated {args.n:,} transactions of {customers:,} customers in {len(files)} Parquet files "
                  f"({size:,.0f} MB) in {time.perf_counter() - t0:.1f} s; peak memory {peak_memory_mb():,.0f} MB")
        results = {"dask": run_child(args, "dask", folder), "pandas": run_child(args, "pandas", folder)}
        for name, r in results.items():
            label = f"Dask ({args.workers} workers), all rows" if name == "dask" else f"pandas, {args.sample:.0%} sample"
            print(f"{label:<32s} {r['seconds']:9.1f} s  {r['rows']:>13,} rows  {r['customers']:>11,} customers  "
                  f"peak {r['peak_mb']:>9,.0f} MB  {r['rows'] / r['seconds'] / 1e6:6.2f} M rows/s")
        d, p = results["dask"], results["pandas"]
        print(f"throughput Dask / pandas: {(d['rows'] / d['seconds']) / (p['rows'] / p['seconds']):.2f}x")
        if not args.no_verify:
            v = run_child(args, "verify", folder)
            print(f"Dask path on the {args.sample:.0%} sample identical to pandas: {v['identical']}")
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(folder.parent / f"{folder.name}-dask-scratch", ignore_errors=True)


if __name__ == "__main__":
    main()
