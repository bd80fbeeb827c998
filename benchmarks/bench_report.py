"""Benchmark: the whole notebook suite via ``cxanalytics report``, and a 100,000-draw Monte Carlo.

1. Runs ``cxanalytics report --data data/sample --out <tmp>`` as a user would (a fresh
   process: kernel starts, imports and every numbered notebook), checks that every notebook
   ran, and prints the wall time against the target (60 s on a 2-core machine) with the
   time per notebook (the ``Executing`` progress bars are switched off; papermill's cell
   timings are read back from the executed notebooks).
2. Times :func:`cxanalytics.value_of_improvement` with 100,000 draws on the detractors-to-
   passives effects (hazard ratios with intervals) and prints the best of ``--repeat`` runs
   against the target of 1 s, with the resulting interval (it must match a second run with
   the same seed).

With ``--scale K`` (issue 15) the data are generated first (``cxanalytics sample --scale K`` into
a temporary folder, deleted afterwards) and the report runs with ``--jobs`` and ``--engine``;
besides the time per notebook it prints the peak memory of the whole process tree (the CLI,
its kernels and workers; resident memory summed over the tree, sampled every 0.2 s), each
notebook kernel's own peak (``GiB``), the time each notebook started and ended, and the
ratio of each time to that of merely reading the inputs with pandas (``load_sample`` of the
four logs, in a fresh process). ``--compare CHECKOUT`` runs the same report with the code of
another checkout (for example a worktree of main) and prints both side by side.

``--shared K`` (issue 15, tables computed once per report) times, on ``--scale K`` data, the
tables notebooks 06 and 07 both build (:func:`cxanalytics.link_responses`,
:func:`cxanalytics.encounter_landmarks` with their options): computed (``shared=None``),
computed and written to a shared folder (the first notebook), and read back (the second); median
of 3. Measured on the 2-core machine shared with other jobs (2026-12-04)::

    scale 10 (40k customers, 446k purchases)  compute  compute+write  read
      link_responses                             0.31       0.67         0.12
      encounter_landmarks                        0.33       0.63         0.08
    scale 50 (200k customers, 2.2M purchases)
      link_responses                             2.62       3.82         0.44
      encounter_landmarks                        4.33       6.23         0.63

so a report at scale 50 saves about 6 s in notebook 07 and pays about 3 s in 06 (net about 3 s;
at scale 10 the two cancel). Whole report at scale 10, ``--jobs 1 --compare`` with main (same
notebook code but for ``shared=``; run one after the other, so the differences are mostly
the load of the machine): 117.9 s in cells (this) vs 104.0 s (main); 06 22.7 vs 13.7 s, 07
14.7 vs 10.0 s, but 04 and 05, which did not change, 13.8 vs 10.7 s and 32.9 vs 26.4 s. Cell
by cell (papermill, scale 10, two runs each) the cells of 06 and 07 that build these tables
take 2-8 s with or without ``shared_dir``: what they spend is the Cox fits beside them
(:func:`cxanalytics.cox` on 47k landmarks, 5-7 s; the same fit inside
:func:`cxanalytics.claim_negative_encounters`), not the tables. At scale 50 that Cox fit
(234k landmarks, 67k events) takes 38.9 s in 06 and the claim 42.0 s in 07 (05 fits another on
its own landmarks): the next thing to make fast.

Whole report at scale 50, ``--jobs 2`` (2026-12-05, 2-core machine shared with other jobs; load
noted as the 1-minute load average): before (main: numbered order, inputs parsed by every notebook)
318.7 s wall, peak 2.19 GiB (load ~5); after (longest first with a memory budget, inputs parsed
once per report, kernels returning freed memory) 117.2 s, peak 1.77 GiB (load ~2); side by side
with ``--compare`` under a load of 6-8: 341.3 s / 1.89 GiB (this) vs 361.8 s / 2.09 GiB (main).

After merging the merged comment themes, the Dask engine and notebook 11 (2026-12-05, two helpers'
test runs niced beside it, load 2-5): scale 50, 210.3 s wall (388 s in cells; 10_open_text the
longest at 97 s, of which the text score model 28 s and the claims on themes 16 s, since cut to 4 s),
peak 1.88 GiB; scale 250 (1M customers, 1,224 MB of inputs), 502.2 s wall (834 s in cells; 06
160 s, 05 138 s, 10 137 s), peak 5.11 GiB: 2.4x the time of scale 50 for 5x the data.

Idle machine, 2026-12-06, after the text score model moved to 25,000 rows (``--scale 50 --jobs 2``):
113.1 s wall (19.5x reading the logs, 5.8 s), 185.8 s in cells, **peak 1.71 GiB (1.84 GB)**; the
heaviest pair is now 10_open_text (35.1 s, 0.89 GiB kernel, was 1.17 GiB) beside 04 (0.61 GiB).
Before that change (2026-12-05, same machine idle): 120.3 s, peak 1.87 GiB (2.01 GB). Right after,
``--scale 250 --jobs 2`` (1M customers, 1,224 MB of inputs): 443.7 s wall (14.3x reading, 31.1 s),
741.0 s in cells, peak 5.12 GiB (5.50 GB); 3.9x the time of scale 50 for 5x the data.

Usage::

    python benchmarks/bench_report.py                  # both
    python benchmarks/bench_report.py --skip-report    # Monte Carlo only
    python benchmarks/bench_report.py --draws 1000000 --repeat 3
    python benchmarks/bench_report.py --skip-mc --scale 50 --jobs 2 --compare ../main
    python benchmarks/bench_report.py --skip-mc --shared 10   # shared tables: compute, write, read
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import cxanalytics as cx

ROOT = Path(__file__).resolve().parents[1]
SUITE_TARGET_S, MC_TARGET_S = 60.0, 1.0


def notebook_seconds(executed: Path) -> float:
    """Sum of papermill's per-cell durations recorded in an executed notebook."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in nb["cells"])


def bench_suite(data: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cxanalytics", "report", "--data", str(data), "--out", tmp,
                               "--no-progress"], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"cxanalytics report failed ({done.returncode}):\n{done.stderr[-3000:]}")
        summary = [line for line in done.stdout.splitlines() if line.startswith("Notebooks:")]
        print(f"cxanalytics report on {data}: {summary[0] if summary else ''}")
        for executed in sorted((Path(tmp) / "notebooks").glob("*.ipynb")):
            print(f"  {executed.name:<32}{notebook_seconds(executed):7.1f} s in cells")
        size = (Path(tmp) / "report.html").stat().st_size / 2**20
    verdict = "OK" if wall < SUITE_TARGET_S else "SLOWER than target"
    print(f"whole suite: {wall:.1f} s wall (target < {SUITE_TARGET_S:.0f} s): {verdict}; report.html {size:.1f} MB")
    return wall


READ_INPUTS = """
import time
from cxanalytics.datasets import load_sample
start = time.perf_counter()
for name in ("customers", "transactions", "interactions", "responses"):
    load_sample(name, folder={folder!r})
print(time.perf_counter() - start)
"""


def _tree_rss(proc) -> dict[int, int]:
    """Resident memory of a process and each of its descendants, in bytes, by process id."""
    import psutil

    rss = {}
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss[p.pid] = p.memory_info().rss
        except psutil.Error:
            pass
    return rss


def _watch_lines(stream, lines: list) -> None:
    """Collect ``(seconds since start, line)`` of the CLI's output (its started/finished lines)."""
    start = time.perf_counter()
    for line in stream:
        lines.append((time.perf_counter() - start, line.rstrip("\n")))


def _kernel_peaks(kernels: dict[int, list], lines: list) -> dict[str, float]:
    """Peak resident memory of each notebook's kernel, in bytes.

    A kernel is the notebook whose "finished" (or "failed") line came closest after the kernel
    was last seen (the runner prints it once the kernel has shut down).
    """
    ends = []
    for t, line in lines:
        found = re.search(r"\] (\S+\.ipynb): (finished|failed)", line)
        if found:
            ends.append((t, found.group(1)))
    peaks: dict[str, float] = {}
    for first_last_peak in sorted(kernels.values(), key=lambda v: v[1]):
        last, peak = first_last_peak[1], first_last_peak[2]
        if not ends:
            break
        t, name = min(ends, key=lambda e: abs(e[0] - last))
        ends.remove((t, name))
        peaks[name] = peak
    return peaks


def run_report(checkout: Path, data: Path, jobs: int, engine: str) -> dict:
    """One ``cxanalytics report`` with the code of ``checkout``: wall, peak tree memory, notebook times.

    The peak is that of the sum of the resident memory of the CLI process and all its
    descendants (the kernels running side by side), sampled every 0.2 s; ``kernel_peaks`` is
    each notebook kernel's own peak.
    """
    import threading

    import psutil

    env = dict(os.environ, PYTHONPATH=str(checkout), PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        cmd = [sys.executable, "-m", "cxanalytics", "report", "--data", str(data), "--out", tmp, "--no-progress",
               "--jobs", str(jobs), "--engine", engine]
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list = []
        reader = threading.Thread(target=_watch_lines, args=(child.stdout, lines), daemon=True)
        reader.start()
        proc, peak, kernels = psutil.Process(child.pid), 0, {}
        while child.poll() is None:
            rss, now = _tree_rss(proc), time.perf_counter() - start
            peak = max(peak, sum(rss.values()))
            for pid, value in rss.items():
                if pid != child.pid:
                    first, _, top = kernels.get(pid, (now, now, 0))
                    kernels[pid] = [first, now, max(top, value)]
            time.sleep(0.2)
        wall = time.perf_counter() - start
        reader.join()
        err = child.stderr.read()
        notebooks = {p.name: notebook_seconds(p) for p in sorted((Path(tmp) / "notebooks").glob("*.ipynb"))}
        failed = [line for _, line in lines if "fail" in line.lower()]
    kernels = {pid: v for pid, v in kernels.items() if v[2] > 150 * 2**20}  # kernels, not small helpers
    return {"wall": wall, "peak": peak, "notebooks": notebooks, "rc": child.returncode, "failed": failed,
            "stderr": err[-2000:], "kernel_peaks": _kernel_peaks(kernels, lines), "lines": lines}


def read_seconds(checkout: Path, data: Path) -> float:
    """Seconds to read the four logs with pandas in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, "-c", READ_INPUTS.format(folder=str(data))], capture_output=True,
                          text=True, env=env, cwd=checkout, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def bench_scale(scale: float, jobs: int, engine: str, compare: Path | None) -> None:
    """Generate ``--scale`` data, run the report with this checkout (and ``compare``), print a table."""
    data = Path(tempfile.mkdtemp(prefix=f"bench-scale{scale:g}-"))
    try:
        subprocess.run([sys.executable, "-m", "cxanalytics", "sample", "--scale", str(scale), "--out", str(data)],
                       cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True, capture_output=True)
        size = sum(p.stat().st_size for p in data.iterdir()) / 2**20
        read = read_seconds(ROOT, data)
        runs = {"this": run_report(ROOT, data, jobs, engine)}
        if compare is not None:
            runs["compare"] = run_report(compare.resolve(), data, jobs, engine)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(f"scale {scale:g} ({size:.0f} MB of inputs), --jobs {jobs}, --engine {engine}; "
          f"reading the four logs with pandas: {read:.1f} s")
    names = sorted(set().union(*(r["notebooks"] for r in runs.values())))
    print(f"  {'notebook':<32}" + "".join(f"{k + ' s':>12}{'x read':>8}{'GiB':>6}" for k in runs))
    for name in names:
        cells = "".join(f"{r['notebooks'].get(name, float('nan')):12.1f}{r['notebooks'].get(name, float('nan')) / read:8.1f}"
                        f"{r['kernel_peaks'].get(name, float('nan')) / 2**30:6.2f}" for r in runs.values())
        print(f"  {name:<32}{cells}")
    for label, r in runs.items():
        status = "ok" if r["rc"] == 0 and not r["failed"] else f"rc {r['rc']}; {'; '.join(r['failed'])[:300]}"
        print(f"  {label}: {r['wall']:.1f} s wall ({r['wall'] / read:.1f} x reading), "
              f"{sum(r['notebooks'].values()):.1f} s in notebook cells, peak {r['peak'] / 2**30:.2f} GiB ({status})")
        print("  " + "; ".join(f"{line.split('] ')[-1]} at {t:.0f} s" for t, line in r["lines"]
                                if "finished" in line or "started" in line))


SHARED = """
import shutil, statistics, tempfile, time
import pandas as pd
import cxanalytics as cx
from cxanalytics.datasets import load_sample
s = {{n: load_sample(n, folder={folder!r}) for n in ("responses", "customers", "transactions", "interactions")}}
as_of = s["transactions"]["occurred_at"].max().normalize() + pd.Timedelta(days=1)
calls = {{  # the options of notebooks 06 and 07
    "link_responses": (cx.link_responses, (s["responses"], s["customers"]),
                       dict(transactions=s["transactions"], interactions=s["interactions"], as_of=as_of,
                            window="120D")),
    "encounter_landmarks": (cx.encounter_landmarks, (s["customers"], s["interactions"]),
                            dict(transactions=s["transactions"], as_of=as_of, window="120D")),
}}
print(f"  {{'':<22}}{{'compute':>9}}{{'compute+write':>15}}{{'read':>7}}")
for name, (function, args, kwargs) in calls.items():
    times = {{"compute": [], "write": [], "read": []}}
    for _ in range(3):
        folder = tempfile.mkdtemp()
        for key, shared in (("compute", None), ("write", folder), ("read", folder)):
            start = time.perf_counter()
            function(*args, **kwargs, shared=shared)
            times[key].append(time.perf_counter() - start)
        shutil.rmtree(folder)
    m = {{k: statistics.median(v) for k, v in times.items()}}
    print(f"  {{name:<22}}{{m['compute']:9.2f}}{{m['write']:15.2f}}{{m['read']:7.2f}}")
"""


def bench_shared(scale: float) -> None:
    """Time the tables notebooks 06 and 07 share: computed, computed and written, read back."""
    data = Path(tempfile.mkdtemp(prefix=f"bench-shared{scale:g}-"))
    try:
        subprocess.run([sys.executable, "-m", "cxanalytics", "sample", "--scale", str(scale), "--out", str(data)],
                       cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True, capture_output=True)
        print(f"shared tables at scale {scale:g}, seconds (median of 3):")
        subprocess.run([sys.executable, "-c", SHARED.format(folder=str(data))], cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def bench_monte_carlo(draws: int, repeat: int) -> float:
    effects = cx.detractors_to_passives((1.894, 1.478, 2.426), (1.207, 0.939, 1.552))
    base = cx.Baseline(customers=494, retention=0.669, margin=191.3, discount=0.1)
    cx.value_of_improvement(effects, base, n_draws=1000, random_state=0)  # warm-up (imports, first calls)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = cx.value_of_improvement(effects, base, n_draws=draws, random_state=2026)
        times.append(time.perf_counter() - start)
    again = cx.value_of_improvement(effects, base, n_draws=draws, random_state=2026)
    pd.testing.assert_frame_equal(result.table, again.table)  # same seed, same draws
    row = result.table.set_index("quantity").loc["value"]
    best = min(times)
    verdict = "OK" if best < MC_TARGET_S else "SLOWER than target"
    print(f"value_of_improvement, {draws:,} draws: best of {repeat} {best:.3f} s (target < {MC_TARGET_S:.0f} s): "
          f"{verdict}; value median {row['median']:,.0f}, interval {row['ci_lower']:,.0f} to {row['ci_upper']:,.0f}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample", help="data folder (default data/sample)")
    parser.add_argument("--draws", type=int, default=100_000, help="Monte Carlo draws (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="Monte Carlo repetitions (best is reported)")
    parser.add_argument("--skip-report", action="store_true", help="time only the Monte Carlo")
    parser.add_argument("--skip-mc", action="store_true", help="time only the report")
    parser.add_argument("--scale", type=float, help="generate data of this scale and run the report on it")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run side by side (with --scale)")
    parser.add_argument("--engine", default="pandas", choices=["pandas", "dask"], help="report engine (with --scale)")
    parser.add_argument("--compare", type=Path, help="another checkout to run the same report with (with --scale)")
    parser.add_argument("--shared", type=float, metavar="K",
                        help="time the tables 06 and 07 share (compute, write, read) on scale-K data")
    args = parser.parse_args()
    if not args.skip_mc:
        bench_monte_carlo(args.draws, args.repeat)
    if args.shared is not None:
        bench_shared(args.shared)
        return
    if args.skip_report:
        return
    if args.scale is not None:
        bench_scale(args.scale, args.jobs, args.engine, args.compare)
    else:
        bench_suite(args.data)


if __name__ == "__main__":
    main()
