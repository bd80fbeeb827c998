"""Benchmark: streaming cleaning (``clean_export_in_chunks``) under a memory cap.

Generates Qualtrics-format exports with ``cxanalytics.synth.write_sample(folder, scale=K,
fmt="parquet", progress=False)`` (``qualtrics_en.csv``; scale 100 is about 74,000 responses,
scale 500 about 370,000), then, each in a fresh process:

1. **Under a cap**: the child limits its address space with ``resource.setrlimit(RLIMIT_AS)``
   after its imports, to its size after imports plus a budget (default: 2 x the file size,
   below the 3x the issue asks for) and cleans the large export (a) in memory
   (``read_export`` + ``clean_responses`` + ``to_parquet``) and (b) in chunks.  The in-memory
   path is expected to fail (MemoryError); the streaming path should complete.
2. **Throughput**: both paths on the small export without a cap (rows per second; the
   streaming run includes its first pass).  Fastest of ``--repeat`` runs.

The children run with one glibc arena, a fixed mmap threshold and Arrow's system allocator
(environment variables set by this script), so that address space follows memory in use;
without them glibc and jemalloc reserve several times the resident size.  Peak memory is the child's ``ru_maxrss`` (resident), and its growth over the resident size
after imports.  Address space (``RLIMIT_AS``) counts reserved but unused virtual memory too,
so the cap is stricter than an RSS budget of the same size.

Results (2-core machine, one run, 2026-11-23): large export 375,895 responses, 145 MiB.

* In memory, capped at 290 MiB (2x the file) of address space over imports: MemoryError.
  Uncapped it peaks at +556 MiB resident over imports (3.8x the file), 65,000 rows/s.
* Streaming, same cap, chunks of 10,000: completes, peak +157 MiB over imports, 18,300 rows/s;
  cap 217 MiB (1.5x), chunks of 5,000: completes, +143 MiB, 12,200 rows/s; cap 145 MiB (1x):
  fails (pass 1's per-response state and pandas copies).  The issue's target, a file 3x the
  cap, is not met.  Chunks of 100,000 uncapped: +383 MiB, 34,300 rows/s (53 % of in-memory).
* Small export (74,000 responses, 29 MiB), chunks of 100,000, fastest of 3: streaming
  28,700 rows/s vs in-memory 57,400 rows/s = 50 % (target >= 50 %); both passes included.

Usage::

    python benchmarks/bench_streaming.py                         # scales 100 and 500 in /tmp
    python benchmarks/bench_streaming.py --small /tmp/s100 --large /tmp/s500 --chunksize 20000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path


def _vm_mb() -> tuple[float, float]:
    """(virtual size, resident size) of this process now, MiB."""
    pages = Path("/proc/self/statm").read_text().split()
    size = resource.getpagesize() / 2**20
    return int(pages[0]) * size, int(pages[1]) * size


def _child(mode: str, path: str, out: str, chunksize: int, budget_mb: float | None, result: str) -> None:
    import json
    import warnings

    import pyarrow as pa

    import cxanalytics  # noqa: F401  (imports counted before the cap)
    from cxanalytics.cleaning import clean_responses
    from cxanalytics.exports import read_export
    from cxanalytics.streaming import clean_export_in_chunks

    warnings.simplefilter("ignore")
    if budget_mb is not None:  # threads reserve address space (stacks, allocator arenas): keep them few
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
    vm0, rss0 = _vm_mb()
    cap = None
    if budget_mb is not None:
        cap = int((vm0 + budget_mb) * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    t0, c0 = time.perf_counter(), time.process_time()
    status, n = "ok", None
    try:
        if mode == "memory":
            res = clean_responses(read_export(path), pii_key="k")
            res.to_parquet(out)
            n = res.n_read
        else:
            res = clean_export_in_chunks(path, out_dir=out, chunksize=chunksize, pii_key="k")
            n = int(res.summary()["n"].iloc[0])
    except MemoryError:
        status = "MemoryError"
    except Exception as exc:  # report, do not hide: any failure under the cap is a result
        status = f"{type(exc).__name__}: {str(exc)[:120]}"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(result).write_text(json.dumps({"status": status, "n": n, "wall": wall, "cpu": cpu, "peak_rss": peak, "rss0": rss0, "vm0": vm0,
           "cap_mb": None if cap is None else cap / 2**20}))


def run(mode: str, path: Path, chunksize: int, budget_mb: float | None) -> dict:
    import json

    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as out:
        result = Path(out) / "result.json"
        p = ctx.Process(target=_child, args=(mode, str(path), str(Path(out) / "o"), chunksize, budget_mb, str(result)))
        p.start()
        p.join()
        if p.exitcode != 0:
            return {"status": f"exit code {p.exitcode}", "n": None, "wall": float("nan"), "cpu": float("nan"),
                    "peak_rss": float("nan"), "rss0": float("nan"), "vm0": float("nan"), "cap_mb": budget_mb}
        return json.loads(result.read_text())


def _show(label: str, r: dict) -> None:
    rate = r["n"] / r["wall"] if r["n"] else float("nan")
    cap = f", cap {r['cap_mb']:.0f} MiB AS" if r.get("cap_mb") else ""
    print(f"  {label:<28} {r['status']:<14} wall {r['wall']:7.1f} s  cpu {r['cpu']:7.1f} s  "
          f"peak RSS {r['peak_rss']:7.0f} MiB (+{r['peak_rss'] - r['rss0']:.0f} over imports){cap}  "
          f"{rate:,.0f} rows/s")


def main() -> None:
    import os

    os.environ.setdefault("MALLOC_ARENA_MAX", "1")  # one glibc arena: address space tracks memory in use
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # no jemalloc/mimalloc reservations
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):  # large blocks mmapped, returned on free
        os.environ.setdefault(name, "131072")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=Path, default=None, help="folder with qualtrics_en.csv (default: scale 100)")
    ap.add_argument("--large", type=Path, default=None, help="folder with qualtrics_en.csv (default: scale 500)")
    ap.add_argument("--chunksize", type=int, default=100_000, help="chunk size of the throughput runs")
    ap.add_argument("--cap-chunksize", type=int, default=10_000, help="chunk size of the capped run")
    ap.add_argument("--budget", type=float, default=2.0, help="cap = size after imports + BUDGET x file size")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    from cxanalytics.synth import write_sample

    tmp = Path(tempfile.mkdtemp(prefix="bench_streaming_"))
    for name, scale in (("small", 100), ("large", 500)):
        if getattr(args, name) is None:
            write_sample(tmp / name, scale=scale, fmt="parquet", progress=False)
            setattr(args, name, tmp / name)
    small, large = args.small / "qualtrics_en.csv", args.large / "qualtrics_en.csv"
    size_mb = large.stat().st_size / 2**20
    budget = args.budget * size_mb
    print(f"large export {large}: {size_mb:.0f} MiB; budget {budget:.0f} MiB of address space over imports "
          f"({args.budget:g} x the file); chunks of {args.cap_chunksize:,} responses")
    _show("in memory, capped", run("memory", large, args.cap_chunksize, budget))
    _show("streaming, capped", run("stream", large, args.cap_chunksize, budget))
    print(f"small export {small}: {small.stat().st_size / 2**20:.0f} MiB, no cap, chunks of {args.chunksize:,}, "
          f"fastest of {args.repeat}")
    best = {}
    for _ in range(args.repeat):
        for mode in ("memory", "stream"):
            r = run(mode, small, args.chunksize, None)
            if mode not in best or r["wall"] < best[mode]["wall"]:
                best[mode] = r
    _show("in memory", best["memory"])
    _show("streaming", best["stream"])
    print(f"  streaming throughput = {best['memory']['wall'] / best['stream']['wall']:.0%} of in-memory "
          "(target >= 50 %)")


if __name__ == "__main__":
    main()
