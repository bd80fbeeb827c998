"""``cxanalytics report --engine dask`` on a transactions log larger than a memory cap.

Usage: python benchmarks/bench_dask_report.py [N_TRANSACTIONS] [--cap-mb C] [--chunk R] [--jobs J]
       [--wide K] [--worker-mb W [--threads T] [--target F] [--spill F] [--pause F] [--terminate F]]
       [--notebooks 00,04,...] [--seed S] [--folder DIR] [--keep]

1. Writes N purchases of the sample's customers (times over the sample's two years, gamma
   amounts), with ``--wide K`` extra text columns, as a folder of Parquet part files of R rows,
   one part at a time, in a child process (this process, which hosts the Dask scheduler and is
   counted, never holds a part), and measures the log's size in memory as pandas would hold it:
   one part read with :func:`cxanalytics.ingest.logs.read_transactions`, ``memory_usage(deep=True)``,
   scaled to all parts; also the size of the columns the notebooks read.
2. Runs ``cxanalytics report --data data/sample --transactions FOLDER --engine dask`` on every
   notebook that reads the log (00, 04-10), one kernel at a time by default, and samples the
   resident memory of the whole process tree (this process with the scheduler, the CLI, its
   kernels, the worker) every 0.2 s. With ``--worker-mb`` the work runs on a LocalCluster of
   one worker process with that memory limit and the given ``distributed.worker.memory``
   fractions (``--terminate 0``: never restarted).
3. Prints the log's rows, size on disk and in memory, the cap (default: a third of the
   in-memory size), the peak of the tree and of each process kind, the wall time and each
   notebook's status.

Where the memory went (2026-12-05). Each pass over the log used to read and convert every
column of every part (``read_transactions`` converted the whole frame in one map_partitions,
through which Dask cannot push a column selection): order ids and any wide column were
loaded on every pass. It now converts column by column, and a pass reads only the columns it
uses (with ``--wide 8``: 30 bytes per purchase instead of 395). The kernels hold only
per-customer and per-response tables (nothing of the log is ``compute()``-d whole; notebook
08 compares on a 2% share of customers). The rest is fixed cost per process (measured on a
200,000-row log: this process with the scheduler 188 MB, the CLI 255 MB, a kernel 358 MB,
the worker 418 MB) and the worker's unmanaged memory during p2p shuffles.

Measured on the 2-core machine shared with 3-4 other jobs (load average 6-8), so times are
noisy. 16,000,000 purchases ``--wide 8`` (6,309 MB in memory as pandas = 3.08 x a 2,048 MB cap;
488 MB of it in the columns the notebooks read), worker limited to 1,000 MB with target 0.5,
spill 0.6, pause 0.8: the tree stayed at about 1.5 GB (worker 830 MB, kernel 280 MB, CLI 220 MB,
this process 188 MB), but the worker's unmanaged memory (840 MB, not given back to the OS after
a p2p shuffle) kept it above the pause threshold, so it paused for good in notebook 04's first
shuffle and the run was stopped after 50 min: a pause threshold must sit above the worker's
unmanaged memory.
6,000,000 purchases ``--wide 24 --chunk 100000`` (60 parts, 294 MB on disk, 6,561 MB in memory as
pandas = 3.20 x a 2,048 MB cap; 183 MB in the columns the notebooks read), worker limited to
1,100 MB with target 0.6, spill 0.7, pause 0.95, terminate off: all eight notebooks ran (00 5 s,
04 23 s, 05 24 s, 06 41 s, 07 42 s, 08 8 s, 09 17 s, 10 36 s), 205 s wall, peak tree memory
1,822 MB, under the cap (log in memory / peak = 3.60). Peaks per process kind (they do not
coincide): worker 1,054 MB, kernel 507 MB, this process with the scheduler 318 MB, CLI 258 MB.
The cap is held because the notebooks read a small part of a wide log; on a narrow log the
columns read are most of it, and a log of 3 x 2 GB of those (about 200M purchases) was not run.
12,000,000 purchases ``--wide 12 --chunk 200000`` (6,829 MB in memory = 3.33 x the cap; 366 MB
read), same worker settings: 00 and 04-06 finished in 12 min (load average 6-8), the worker
reached 1,084 MB (108% of its limit at one moment, paused 43 times), the tree about 1.8 GB;
the run was stopped by its time limit in notebook 07, so its peak and wall are not known.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def generate(folder: Path, n: int, chunk: int, seed: int, wide: int = 0) -> list[Path]:
    """The sample's purchases repeated (each copy moved by a few seconds, same day) up to ``n`` rows.

    Each customer keeps the sample's purchase days, so the analyses behave as on the sample
    (customers who never came back still never come back) on a log of any length. ``wide``
    adds that many text columns (``note_0``...: 40-character strings drawn from 1,000, as a
    real log's product names, channels or notes), which make each row large in memory
    (about 80 bytes per column as pandas strings) but small on disk (dictionary-encoded);
    no notebook reads them.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cxanalytics.datasets import load_sample

    tx = load_sample("transactions")
    ids = tx["customer_id"].astype(str).to_numpy()
    us = tx["occurred_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]").astype(np.int64)
    sec_of_day = us % (86_400 * 10**6)
    amounts = tx["amount"].to_numpy(dtype=float)
    words = np.array([f"{i:04d}-" + "abcdefghijklmnopqrstuvwxyz0123456789"[i % 7:][:35] for i in range(1000)])
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(math.ceil(n / chunk)):
        rows = min(chunk, n - k * chunk)
        rng = np.random.default_rng([seed, k])
        pick = (k * chunk + np.arange(rows)) % len(tx)
        # a shift of up to 60 s that never crosses midnight: the purchase days stay the sample's
        room = np.minimum(60 * 10**6, 86_400 * 10**6 - 1 - sec_of_day[pick])
        shift = (rng.random(rows) * room).astype(np.int64)
        table = pa.table({
            "order_id": pa.array(np.char.add("O", (k * chunk + np.arange(rows)).astype(str))),
            "customer_id": pa.array(ids[pick]),
            "occurred_at": pa.array(us[pick] + shift, type=pa.timestamp("us", tz="UTC")),
            "amount": pa.array(amounts[pick]),
        })  # fmt: skip
        for j in range(wide):
            table = table.append_column(f"note_{j}", pa.array(words[rng.integers(0, len(words), rows)]))
        path = folder / f"part-{k:05d}.parquet"
        pq.write_table(table, path)
        files.append(path)
    return files


def memory_size(files: list[Path], columns: list[str] | None = None) -> tuple[int, int]:
    """(rows, bytes) of the log as pandas holds it: one part read as the report's pandas path reads it
    (all columns, or ``columns``), ``memory_usage(deep=True)`` scaled to all parts."""
    import pyarrow.parquet as pq

    from cxanalytics.ingest.logs import read_transactions

    first = read_transactions(files[0], columns=columns)
    per_row = first.memory_usage(deep=True).sum() / len(first)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return rows, int(per_row * rows)


def prepare(folder: Path, n: int, chunk: int, seed: int, wide: int) -> dict:
    """Write the log (unless the folder holds one) and measure it, in a child process: this process
    (which hosts the Dask scheduler and whose memory counts) never imports pandas or holds a part."""
    import json

    cmd = [sys.executable, __file__, str(n), "--chunk", str(chunk), "--seed", str(seed), "--wide", str(wide),
           "--folder", str(folder), "--measure-only"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _role(p) -> str:
    cmd = " ".join(p.cmdline())
    if "ipykernel" in cmd:
        return "kernel"
    if "spawn_main" in cmd or "distributed" in cmd:
        return "dask worker"
    if "cxanalytics report" in cmd or "-m cxanalytics" in cmd:
        return "report CLI"
    return "benchmark (+ scheduler)" if "bench_dask_report" in cmd else "other"


def tree_rss(proc, peaks: dict | None = None) -> int:
    """Resident memory of ``proc`` and its descendants; ``peaks`` keeps the peak of each role."""
    import psutil

    total, roles = 0, {}
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss = p.memory_info().rss
            roles[_role(p)] = roles.get(_role(p), 0) + rss
        except psutil.Error:
            continue
        total += rss
    if peaks is not None:
        for k, v in roles.items():
            peaks[k] = max(peaks.get(k, 0), v)
    return total


#: the notebooks that read the transactions log (all of them honour engine="dask")
NOTEBOOKS = ("00", "04", "05", "06", "07", "08", "09", "10")


def run(folder: Path, jobs: int, worker_mb: float | None, memory: dict | None = None, threads: int = 2,
        notebooks: tuple[str, ...] = NOTEBOOKS) -> dict:
    """The report in a subprocess; with ``worker_mb``, on a LocalCluster of one worker process limited to
    that much memory (spilling to disk beyond it; shuffles go through p2p, on disk), whose memory counts.
    ``memory``: the worker's ``distributed.worker.memory`` fractions (target, spill, pause)."""
    import psutil

    nbs = Path(tempfile.mkdtemp(prefix="bench-dask-nbs-"))
    for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if p.name[:2] in notebooks:
            shutil.copy(p, nbs / p.name)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="bench-dask-report-") as out:
        cmd = [sys.executable, "-m", "cxanalytics", "report", "--data", str(ROOT / "data" / "sample"),
               "--transactions", str(folder), "--notebooks", str(nbs), "--out", out, "--no-progress",
               "--jobs", str(jobs), "--engine", "dask", "--timeout", "3600"]
        cluster = None
        if worker_mb:
            import dask
            import distributed

            # the worker process inherits the environment: its memory thresholds (fractions of the limit)
            for k, v in (memory or {}).items():
                os.environ[f"DASK_DISTRIBUTED__WORKER__MEMORY__{k.upper()}"] = str(v)
            dask.config.refresh()
            cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=threads, processes=True,
                                               memory_limit=f"{worker_mb}MB", dashboard_address=None)
            cmd += ["--scheduler", cluster.scheduler_address]
        start = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        me, peak, peaks = psutil.Process(), 0, {}
        while child.poll() is None:  # this process, its cluster and the report with its kernels
            peak = max(peak, tree_rss(me, peaks))
            time.sleep(0.2)
        wall = time.perf_counter() - start
        stdout, stderr = child.communicate()
        if cluster is not None:
            cluster.close()
    shutil.rmtree(nbs)
    return {"wall": wall, "peak": peak, "peaks": peaks, "rc": child.returncode, "stdout": stdout, "stderr": stderr[-1500:]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=20_000_000)
    ap.add_argument("--cap-mb", type=float, default=None, help="memory cap (default: a third of the log in memory)")
    ap.add_argument("--chunk", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--wide", type=int, default=0, help="extra text columns per purchase (a larger log in memory)")
    ap.add_argument("--folder", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--worker-mb", type=float, default=None,
                    help="run on a LocalCluster worker process with this memory limit (default: the kernels' threads)")
    ap.add_argument("--threads", type=int, default=2, help="threads of the worker")
    ap.add_argument("--target", type=float, default=None, help="worker memory fraction at which it spills data")
    ap.add_argument("--spill", type=float, default=None, help="worker process memory fraction at which it spills")
    ap.add_argument("--pause", type=float, default=None, help="worker process memory fraction at which it pauses")
    ap.add_argument("--terminate", type=float, default=None,
                    help="worker process memory fraction at which its nanny restarts it (0: never)")
    ap.add_argument("--notebooks", default=",".join(NOTEBOOKS), help="comma-separated notebook numbers")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:  # the child process of prepare(): write the log if needed, print its sizes
        import json

        t0 = time.perf_counter()
        files = (sorted(args.folder.glob("*.parquet")) if args.folder.exists()
                 else generate(args.folder, args.n, args.chunk, args.seed, args.wide))
        made = time.perf_counter() - t0
        rows, full = memory_size(files)
        _, used = memory_size(files, ["amount"])
        print(json.dumps({"parts": len(files), "rows": rows, "disk": sum(p.stat().st_size for p in files),
                          "in_memory": full, "used_columns": used, "made": made}))
        return
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-dask-log-")) / "transactions.parquet"
    log = prepare(folder, args.n, args.chunk, args.seed, args.wide)
    in_memory = log["in_memory"]
    cap = args.cap_mb * 2**20 if args.cap_mb else in_memory / 3
    print(f"log: {log['rows']:,} purchases in {log['parts']} parts, {log['disk'] / 2**20:,.0f} MB on disk, "
          f"{in_memory / 2**20:,.0f} MB in memory as pandas (the columns the notebooks use: "
          f"{log['used_columns'] / 2**20:,.0f} MB; written in {log['made']:.0f} s); "
          f"cap {cap / 2**20:,.0f} MB = log / {in_memory / cap:.2f}")
    memory = {k: v if v else False for k, v in (("target", args.target), ("spill", args.spill), ("pause", args.pause),
                                                ("terminate", args.terminate)) if v is not None}
    notebooks = tuple(x.strip() for x in args.notebooks.split(","))
    r = run(folder, args.jobs, args.worker_mb, memory, args.threads, notebooks)
    print(r["stdout"].strip())
    if r["rc"]:
        print(r["stderr"])
    where = (f"cluster worker ({args.threads} threads) limited to {args.worker_mb:,.0f} MB {memory or ''}"
             if args.worker_mb else "threads in the kernels")
    print(f"report --engine dask (notebooks {', '.join(notebooks)}, jobs {args.jobs}, {where}): exit {r['rc']}, "
          f"wall {r['wall']:.0f} s, peak tree memory {r['peak'] / 2**20:,.0f} MB vs cap {cap / 2**20:,.0f} MB "
          f"({'under' if r['peak'] <= cap else 'OVER'} the cap; log in memory / peak = {in_memory / r['peak']:.2f})")
    print("peak per process kind: " + ", ".join(f"{k} {v / 2**20:,.0f} MB" for k, v in sorted(r["peaks"].items())))
    if not args.keep and args.folder is None:
        shutil.rmtree(folder.parent)


if __name__ == "__main__":
    main()
