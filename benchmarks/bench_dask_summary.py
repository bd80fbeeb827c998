"""Time ``customer_summary`` on a Parquet log larger than memory, on Dask.

Usage: python benchmarks/bench_dask_summary.py [N_TRANSACTIONS] [--customers K] [--chunk ROWS]
       [--folder DIR] [--keep] [--workers W] [--seed S] [--no-verify] [--no-pandas]
       [--phases] [--scratch DIR]

1. Generates N transactions with numpy straight into a folder of Parquet files, one
   chunk (file) at a time, never holding the whole log in memory: integer customer ids
   (N / 20 customers by default), microsecond UTC times over two years, gamma amounts.
2. Runs ``customer_summary(dd.read_parquet(folder), unit="W")`` on a
   ``dask.distributed`` LocalCluster (W single-threaded workers in this process, so that
   ``resource.getrusage`` sees all the memory), in a fresh subprocess.
3. Unless ``--no-pandas``: runs the pandas path, ``customer_summary(pd.read_parquet(files),
   unit="W")``, on a 10 % sample of the files (every customer's purchases in those files),
   in another fresh subprocess, for comparison.
4. Unless ``--no-verify``: checks that the Dask path gives the pandas path's table,
   exactly, on that sample.

Prints, per step, the wall time, the rows, the peak resident memory of the subprocess
(``ru_maxrss``) and the throughput; for the Dask run also its CPU seconds (system part),
the bytes it wrote (``wchar``) and how many reached the disk, the largest size of Dask's
scratch folder (where the P2P shuffle writes every row), and the cores that other processes
used meanwhile.  ``--phases`` adds the task stream by task prefix (window from the start,
busy seconds, CPU, peak memory and bytes written in that window) and the pandas finishing
in the client.  ``--scratch`` puts the scratch folder elsewhere (``/dev/shm`` keeps the
shuffle off the disk).  The generated folder is deleted unless ``--keep`` (or ``--folder``
names an existing folder to reuse).

Measured 2026-12-06 (2 cores, 24 GiB, ext4 disk; two workers; P2P shuffle; 1M-row files;
``--phases --no-verify --no-pandas``; runs while no other job was running).  Stage 1 is
reading, the per-partition counts and the shuffle's writes (up to the shuffle barrier);
stage 2 the shuffle's reads and one row per customer per partition; then the per-customer
rows are gathered and finished in the client.  Seconds; CPU with the system part; MB
written by the shuffle with the part that reached the disk::

     rows  cust. parts stage1 stage2 gather  wall    CPU (sys) peak MB  written (disk) Mrows/s
    before: the counts factorised the ids of every unshuffled partition
      50M   2.5M    50    6.6    4.5    1.0  12.1   20.3 ( 3.6)   1,509  2,103 (     0)    4.15
     100M   5.0M   100   18.6   10.2    2.3  31.1   54.5 ( 7.3)   2,196  4,216 ( 2,451)    3.21
     200M  10.0M   200   44.6   23.0    5.0  72.6  122.0 (22.3)   2,899  8,470 ( 8,415)    2.75
     200M   2.5M   200   35.8   21.5    0.6  57.9   91.3 (20.6)   1,635  8,470 ( 8,399)    3.46
    after: the counts only test for missing ids
      50M   2.5M    50    5.8    4.7    0.5  11.0   18.3 ( 2.7)   1,299  2,103 (     0)    4.56
     100M   5.0M   100   12.4   10.5    2.1  25.0   40.0 ( 7.5)   2,181  4,216 ( 3,219)    4.00
     200M  10.0M   200   31.1   20.9    5.6  57.6   88.4 (19.5)   2,888  8,470 ( 8,467)    3.47
     200M   2.5M   200   36.1   18.8    2.4  57.3   86.0 (21.7)   1,918  8,470 ( 8,454)    3.49

Over 3-5 runs of each size, CPU seconds before: 50M 19.7-23.1, 100M 53.7-60.1, 200M
121-130 (6.0x from 50M to 200M); after: 50M 18.3-19.5, 100M 40.0-44.5, 200M 84.0-93.8
(4.7x).  While another job held one core (it runs at normal priority, these runs at
``nice 19``), the wall times before were 50M 17.5-20.0 s and 200M 96.7-118.5 s, up to
6.8x: the 6.9x of issue 15.  (Before, at 200M, the slow counts ran on past the barrier,
to 64.0 s, beside stage 2.)

Why 200M rows took more than 4x the time of 50M.  (1) Fixed: the per-partition counts behind
the warnings factorised the customer ids of each *unshuffled* 1M-row partition, where they
are nearly all distinct.  ``factorize_ids`` counts ids whose range is below four times the
rows and hashes them above it: with N / 20 customers that switch happens at N = 80M, and a
partition's counts went from 29 ms to 150 ms (busy seconds of the ``summary_counts`` tasks:
3.2, 19.9, 40.9 at 50M, 100M, 200M).  With 2.5M customers at 200M the switch does not
happen, and the old code was about as fast as the new one.  The counts now use ``notna``
(what the codes' -1 meant), and the results are unchanged.  (2) Other load: other jobs at
normal priority take a core from a ``nice 19`` run, and the longer run overlaps them more.
(3) Left, about 5x wall and 4.7x CPU: stage 2 and the gather grow with the rows and
customers (18.8 s with 2.5M customers, 20.9 s with 10M: hashing ids that span 10x the
partition's rows; gathering and sorting 10M summary rows in the client, 0.5 s -> 5.6 s, is
also the peak memory's growth).  Stage 1 grows 5.4x for 4x rows, of which the kernel's part
6.5x: the shuffle writes 42 bytes a row, 2.1 GB at 50M, which stay in the page cache and are
deleted before they are flushed, but 8.5 GB at 200M, which are all written to the disk while
the shuffle runs.  With the scratch folder on ``/dev/shm`` (nothing reaches the disk) 200M
took 56.5 s and 91.9 CPU s, about the same: the cost is most likely the kernel's work for
gigabytes of new page-cache pages (a plain loop writing 8 MB blocks into ``/dev/shm`` on
this machine: 0.4 s/GB for most gigabytes, 1-2.5 s/GB for some after the fourth), not the
disk itself.  The number of partitions does not matter (200M in fifty 4M-row files: 100 CPU
s while another job ran, 95-103 with 200 files then).  These costs are inherent in an exact
shuffle of every row (each customer's purchases in the log's order, so that sums agree to
the last bit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
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


class Sampler(threading.Thread):
    """Samples, every ``every`` seconds, this process's resident memory, the bytes it has written
    and the size of a folder (Dask's scratch space, where shuffles spill)."""

    def __init__(self, folder: Path, every: float = 0.25):
        super().__init__(daemon=True)
        self.folder, self.every, self.samples, self.stopped = folder, every, [], threading.Event()

    @staticmethod
    def _io_written() -> tuple[int, int]:
        """Bytes passed to ``write()`` (``wchar``) and bytes sent to the disk (``write_bytes`` less
        ``cancelled_write_bytes``): a spill file deleted before the page cache is flushed never
        reaches the disk."""
        with open("/proc/self/io") as f:
            io = {k: int(v) for k, v in (line.split(":") for line in f)}
        return io["wchar"], io["write_bytes"] - io["cancelled_write_bytes"]

    def _folder_bytes(self) -> int:
        total = 0
        for root, _, names in os.walk(self.folder):
            for name in names:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total

    def sample(self) -> None:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        user, system = os.times()[:2]
        written, disk = self._io_written()
        with open("/proc/stat") as f:  # CPU time of the whole machine (jiffies): user nice system idle iowait irq softirq steal
            ticks = [int(x) for x in f.readline().split()[1:9]]
        machine = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        self.samples.append((time.perf_counter(), rss, written, self._folder_bytes(), user + system, system, disk,
                             machine))  # fmt: skip

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()

    def between(self, start: float, stop: float) -> dict:
        """Peak memory, bytes written, peak scratch size (MB) and CPU seconds of the process between two times."""
        inside = [s for s in self.samples if start <= s[0] <= stop] or [min(self.samples, key=lambda s: abs(s[0] - stop))]
        before = [s for s in self.samples if s[0] < start]
        first = before[-1] if before else self.samples[0]
        return {"peak_mb": max(s[1] for s in inside) / 2**20, "written_mb": (inside[-1][2] - first[2]) / 2**20,
                "scratch_mb": max(s[3] for s in inside) / 2**20, "cpu": inside[-1][4] - first[4],
                "system": inside[-1][5] - first[5], "disk_mb": (inside[-1][6] - first[6]) / 2**20,
                "others": (inside[-1][7] - first[7]) - (inside[-1][4] - first[4])}  # fmt: skip


def task_phases(stream: list[dict], t0_wall: float, t0: float, sampler: Sampler) -> list[dict]:
    """The task stream summarised by task prefix: tasks, busy seconds, window (from the start), memory and disk."""
    from dask.utils import key_split

    by = {}
    for task in stream:
        for ss in task["startstops"]:
            if ss["action"] != "compute":
                continue
            p = by.setdefault(key_split(task["key"]), {"tasks": 0, "busy": 0.0, "start": math.inf, "stop": -math.inf})
            p["tasks"] += 1
            p["busy"] += ss["stop"] - ss["start"]
            p["start"], p["stop"] = min(p["start"], ss["start"] - t0_wall), max(p["stop"], ss["stop"] - t0_wall)
    out = []
    for name, p in sorted(by.items(), key=lambda kv: kv[1]["start"]):
        out.append({"phase": name, **p, **sampler.between(t0 + p["start"], t0 + p["stop"])})
    return out


def scratch_folder(folder: Path, scratch: str | Path | None) -> Path:
    """Dask's local directory (where P2P shuffles write): beside the log, or inside ``--scratch``."""
    return Path(scratch) / f"{folder.name}-dask-scratch" if scratch else folder.parent / f"{folder.name}-dask-scratch"


def step_dask(folder: Path, workers: int, files: list[Path] | None = None, phases: bool = False,
              scratch: Path | None = None):
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, get_task_stream

    from cxanalytics.behaviour import scale
    from cxanalytics.behaviour.summaries import customer_summary

    scratch = scratch_folder(folder, scratch)
    sampler = Sampler(scratch)
    marks = {}
    if phases:  # time the Dask computation apart from the pandas finishing in the client
        compute = scale._compute

        def timed_compute(*args, **kwargs):
            marks["compute_start"] = time.perf_counter()
            try:
                return compute(*args, **kwargs)
            finally:
                marks["compute_stop"] = time.perf_counter()

        scale._compute = timed_compute
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=":0",
                      local_directory=str(scratch)) as cluster, Client(cluster) as client:
        sampler.sample()
        sampler.start()
        t0, t0_wall = time.perf_counter(), time.time()
        with get_task_stream(client) if phases else contextlib.nullcontext() as ts:
            ddf = dd.read_parquet([str(f) for f in files] if files else str(folder))
            out = customer_summary(ddf, unit="W")
        seconds = time.perf_counter() - t0
        sampler.stopped.set()
        sampler.join()
        sampler.sample()
        whole = sampler.between(t0, math.inf)
        extra = {k: whole[k] for k in ("written_mb", "disk_mb", "scratch_mb", "cpu", "system", "others")}
        if phases:
            extra["phases"] = task_phases(ts.data, t0_wall, t0, sampler)
            stop = t0 + seconds
            extra["phases"].append({"phase": "client: finish", "tasks": 0, "busy": stop - marks["compute_stop"],
                                    "start": marks["compute_stop"] - t0, "stop": seconds,
                                    **sampler.between(marks["compute_stop"], stop)})  # fmt: skip
        return out, seconds, ddf.npartitions, extra


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
        out, seconds, parts, extra = step_dask(folder, args.workers, phases=args.phases, scratch=args.scratch)
        rows = int(out["n_transactions"].sum())
        extra["partitions"] = parts
    elif args.step == "pandas":
        out, seconds, rows = step_pandas(sample_files(folder, args.sample))
        extra = {}
    else:  # verify
        import pandas as pd

        files = sample_files(folder, args.sample)
        expected, _, rows = step_pandas(files)
        out, seconds, _, _ = step_dask(folder, args.workers, files, scratch=args.scratch)
        pd.testing.assert_frame_equal(expected, out, check_exact=True)
        extra = {"identical": True}
    print(json.dumps({"seconds": seconds, "rows": rows, "customers": len(out), "peak_mb": peak_memory_mb(), **extra}))


def run_child(args: argparse.Namespace, step: str, folder: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", step, "--folder", str(folder), "--workers", str(args.workers),
           "--sample", str(args.sample)] + (["--phases"] if args.phases else [])  # fmt: skip
    if args.scratch:
        cmd += ["--scratch", args.scratch]
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
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas path on the sample")
    parser.add_argument("--scratch", default=None,
                        help="folder for Dask's scratch space (shuffle files; default beside the log)")
    parser.add_argument("--phases", action="store_true",
                        help="also print the Dask run per task prefix (window, busy time, memory, disk written)")
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
        results = {"dask": run_child(args, "dask", folder)}
        if not args.no_pandas:
            results["pandas"] = run_child(args, "pandas", folder)
        for name, r in results.items():
            label = f"Dask ({args.workers} workers), all rows" if name == "dask" else f"pandas, {args.sample:.0%} sample"
            print(f"{label:<32s} {r['seconds']:9.1f} s  {r['rows']:>13,} rows  {r['customers']:>11,} customers  "
                  f"peak {r['peak_mb']:>9,.0f} MB  {r['rows'] / r['seconds'] / 1e6:6.2f} M rows/s")
        d = results["dask"]
        print(f"Dask: {d['partitions']} partitions, {d['cpu']:,.1f} CPU s ({d['system']:,.1f} s system), "
              f"{d['written_mb']:,.0f} MB written ({d['disk_mb']:,.0f} MB reached the disk), scratch space at most "
              f"{d['scratch_mb']:,.0f} MB; {d['cpu'] / d['seconds']:.2f} cores used, other processes "
              f"{max(d['others'], 0) / d['seconds']:.2f} cores")
        for p in d.get("phases", []):
            print(f"  {p['phase']:<28s} {p['tasks']:>6,} tasks  {p['start']:7.1f}-{p['stop']:7.1f} s  "
                  f"busy {p['busy']:7.1f} s  CPU {p['cpu']:6.1f} s (sys {p['system']:5.1f})  peak {p['peak_mb']:>7,.0f} MB  "
                  f"written {p['written_mb']:>7,.0f} MB  "
                  f"scratch {p['scratch_mb']:>7,.0f} MB")
        if "pandas" in results:
            p = results["pandas"]
            print(f"throughput Dask / pandas: {(d['rows'] / d['seconds']) / (p['rows'] / p['seconds']):.2f}x")
        if not args.no_verify:
            v = run_child(args, "verify", folder)
            print(f"Dask path on the {args.sample:.0%} sample identical to pandas: {v['identical']}")
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(scratch_folder(folder, args.scratch), ignore_errors=True)


if __name__ == "__main__":
    main()
