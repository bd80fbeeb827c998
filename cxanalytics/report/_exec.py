"""How :mod:`cxanalytics.report` runs notebooks side by side: kernels, papermill's log, progress lines.

Notebooks run in threads of one process (each in its own kernel process), so nothing here may
depend on, or change, the process's working directory:

- papermill's ``cwd=`` is never used: it calls :func:`os.chdir` for the whole process, so with two
  notebooks at once one notebook's relative paths were resolved in the other's folder. Each kernel
  is started in its notebook's folder instead, by nbclient (``resources["metadata"]["path"]``,
  passed to ``KernelManager.start_kernel(cwd=...)`` and from there to ``subprocess.Popen``);
- every path handed to papermill is absolute.

The console is for people. Three messages used to appear on every successful run; their causes:

- ``Kernel is running over TCP without encryption`` (ipykernel >= 7): the kernel manager did not
  provision CurveZMQ keys. :func:`kernel_manager_class` asks for them (``transport_encryption="auto"``)
  when pyzmq has CurveZMQ and the kernelspec declares support, so the kernel's sockets are encrypted;
- ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel``: jupyter_client interrupts (SIGINT)
  a kernel before asking it to shut down, even an idle one. The runner shuts a kernel down after its
  last cell, so the manager skips that interrupt; a kernel still busy (a cell that timed out) is
  stopped by the shutdown request, then SIGTERM/SIGKILL after ``shutdown_wait_time``;
- ``Passed unknown parameter: ...``: papermill's parser of the ``parameters`` cell skips any line
  with more than one ``=``, e.g. ``as_of = None  # ...; None = the last day``, then warns that the
  injected name is unknown. The runner injects only the names its own parser finds assigned in that
  cell (:func:`cxanalytics.report._declared_parameters`), so :func:`quiet_papermill` drops exactly
  those warnings, and papermill's "Unable to parse line" that comes with them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..errors import CxError

__all__ = ["EXPECTED_SECONDS", "Progress", "kernel_manager_class", "quiet_papermill", "run_scheduled",
           "schedule_order"]

T = TypeVar("T")


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the installation
        raise CxError(
            f"The report needs the optional package {module!r}: install the notebooks extra "
            "(pip install 'cxanalytics[notebooks]') or use the project's `make demo`."
        ) from None


def _section(path: Path, cell_index: int) -> str:
    """The last markdown heading at or before a cell (where in the notebook it failed)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    heading = ""
    for cell in nb.get("cells", [])[: cell_index + 1]:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
    return heading


#: Environment variables set (unless already set) for the report's kernels: memory a notebook has
#: freed goes back to the system, so that two notebooks side by side do not each hold on to the
#: peak of their heaviest cell (issue 15). glibc serves blocks of 128 KiB and more (every large
#: array) with ``mmap``, returned on ``free``, instead of letting its threshold grow to 32 MiB
#: and keeping freed arrays in the heap; Arrow (the strings of pandas' ``str`` columns) allocates
#: with the system allocator instead of mimalloc, which keeps freed pages. At scale 50 a kernel
#: holds about 0.3 GiB less after linking (measured: 0.74 -> 0.42 GiB resident after
#: ``link_responses`` and ``encounter_landmarks``, same time).
KERNEL_ENV: dict[str, str] = {
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_TRIM_THRESHOLD_": "131072",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


@functools.cache
def kernel_manager_class() -> type:
    """An ``AsyncKernelManager`` with encrypted sockets (when available) and a quiet shutdown."""
    import zmq
    from jupyter_client import AsyncKernelManager

    curve = zmq.has("curve") and "transport_encryption" in AsyncKernelManager.class_trait_names()

    class ReportKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            if curve:
                kwargs.setdefault("transport_encryption", "auto")
            super().__init__(**kwargs)

        async def start_kernel(self, **kw):  # the environment of kernel processes: see KERNEL_ENV
            env = dict(kw.pop("env", None) or os.environ)
            for name, value in KERNEL_ENV.items():
                env.setdefault(name, value)  # a value the user set wins
            return await super().start_kernel(env=env, **kw)

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:  # shut down after the last cell: nothing to interrupt
                return
            await super()._async_interrupt_kernel()

    return ReportKernelManager


class _PapermillNoise(logging.Filter):
    def __init__(self, declared: frozenset[str]):
        super().__init__()
        self.declared = declared

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Passed unknown parameter: "):
            return message.removeprefix("Passed unknown parameter: ") not in self.declared
        return not message.startswith("Unable to parse line ")


@contextlib.contextmanager
def quiet_papermill(declared: frozenset[str]) -> Iterator[None]:
    """Drop papermill's warnings about the parameters in ``declared`` (see the module's docstring)."""
    noise = _PapermillNoise(declared)
    loggers = [logging.getLogger("papermill"), logging.getLogger("papermill.translators")]
    for logger in loggers:
        logger.addFilter(noise)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(noise)


def absolute_papermill(func):
    """Run ``func`` with papermill's local files read and written without changing directory."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            from papermill.iorw import LocalHandler, papermill_io
        except ImportError:  # the report says which extra to install
            return func(*args, **kwargs)

        class _AbsoluteLocalHandler(LocalHandler):
            """papermill's local files without its process-wide working directory.

            papermill keeps one global "cwd" for local reads and writes, set and restored by
            every ``execute_notebook``: from several threads the restores interleave and can
            leave a stale folder behind, into which every later read or write ``os.chdir``s the
            whole process. The runner's paths are absolute, so none is needed.
            """

            def cwd(self, new_path):
                return None

        # papermill looks handlers up in a private list (register() only prepends, and the
        # lookup takes the first-registered "local"): swap the local entries in place
        handlers = getattr(papermill_io, "_handlers", None)
        if not isinstance(handlers, list):
            return func(*args, **kwargs)
        saved = list(handlers)
        handlers[:] = [(scheme, _AbsoluteLocalHandler() if scheme == "local" else h) for scheme, h in saved]
        try:
            return func(*args, **kwargs)
        finally:
            handlers[:] = saved

    return wrapper


class Progress:
    """One line per notebook when it starts and when it ends (with its seconds), safe from threads.

    With ``bars`` (papermill's per-cell progress bars are shown), lines are written with
    ``tqdm.write`` so that they do not cut through the bars.
    """

    def __init__(self, total: int, bars: bool = False):
        self.total = total
        self.bars = bars
        self._lock = threading.Lock()
        self._started: dict[int, float] = {}

    def _print(self, line: str) -> None:
        with self._lock:
            if self.bars:
                from tqdm.auto import tqdm

                tqdm.write(line, file=sys.stdout)
            else:
                print(line, flush=True)

    def _prefix(self, i: int, name: str) -> str:
        return f"[{i + 1}/{self.total}] {name}"

    def skipped(self, i: int, name: str, detail: str) -> None:
        self._print(f"{self._prefix(i, name)}: skipped ({detail})")

    def started(self, i: int, name: str) -> None:
        self._started[i] = time.perf_counter()
        self._print(f"{self._prefix(i, name)}: started")

    def ended(self, i: int, name: str, failure: str = "") -> None:
        seconds = time.perf_counter() - self._started.pop(i)
        if failure:
            self._print(f"{self._prefix(i, name)}: failed after {seconds:.1f} s: {failure}")
        else:
            self._print(f"{self._prefix(i, name)}: finished in {seconds:.1f} s")


# --------------------------------------------------------------------------- schedule
#: Seconds each notebook took at ``cxanalytics sample --scale 50`` (200k customers, 2.25M purchases),
#: ``--jobs 2``, on a 2-core machine shared with other jobs (papermill's cell durations,
#: ``benchmarks/bench_report.py --scale 50``, 2026-12-05, with the inputs shared). Only their
#: order matters: the notebooks are started longest first so that the job slots finish
#: together. A notebook not listed counts as :data:`DEFAULT_SECONDS`.
EXPECTED_SECONDS: dict[str, float] = {
    "00_overview": 2.2,
    "01_raw_exports": 6.4,
    "02_cleaning": 31.7,
    "03_satisfaction": 6.2,
    "04_repeat_business": 52.3,
    "05_quality_and_loyalty": 62.2,
    "06_retention_economics": 66.8,
    "07_findings": 12.9,
    "08_scale": 24.9,
    "09_churn_snapshot": 21.6,
    "10_open_text": 97.0,
    "11_comment_boxes": 3.7,
}
DEFAULT_SECONDS = 10.0

#: Peak resident memory of each notebook's kernel at scale 50, in GiB (same run, kernels started
#: with :data:`KERNEL_ENV`). With a ``memory_budget`` the runner does not start a notebook beside
#: others when their expected peaks add up to more than the budget, if another ready notebook fits
#: (or nothing else runs). Peaks grow with the data, all about alike, so the same pairs are kept
#: apart at other scales.
EXPECTED_GIB: dict[str, float] = {
    "00_overview": 0.34,
    "01_raw_exports": 0.34,
    "02_cleaning": 0.74,
    "03_satisfaction": 0.92,
    "04_repeat_business": 0.61,
    "05_quality_and_loyalty": 0.98,
    "06_retention_economics": 0.87,
    "07_findings": 0.89,
    "08_scale": 0.66,
    "09_churn_snapshot": 0.65,
    "10_open_text": 1.18,
    "11_comment_boxes": 0.49,
}
DEFAULT_GIB = 0.5
#: The budget :func:`cxanalytics.report.run_report` schedules with, in GiB at scale 50: 05 (the
#: heaviest) never runs beside 03, 06, 07 or 10; the other pairs of heavy notebooks fit. At scale
#: 50 the report's peak (the kernels and the CLI process, 0.2 GiB) then stays under 2 GB.
MEMORY_BUDGET_GIB: float | None = 1.8


def schedule_order(stems: Sequence[str], after: Mapping[str, Sequence[str]],
                   seconds: Mapping[str, float] | None = None) -> list[str]:
    """The order in which notebooks are started when a job slot is free: longest chain first.

    A notebook's priority is its expected seconds plus the longest chain of notebooks that wait
    for it (``after``: stem -> the stems it runs after), so a notebook always comes before those
    that need its output, and the long ones start first (the slots then finish together).

    Parameters
    ----------
    stems : sequence of str
        The notebooks to run (file stems, e.g. ``"06_retention_economics"``).
    after : mapping
        For each stem, the stems whose output it reads; stems not in ``stems`` are ignored.
    seconds : mapping, optional
        Expected seconds per stem (default :data:`EXPECTED_SECONDS`, then :data:`DEFAULT_SECONDS`).

    Returns
    -------
    list of str
        ``stems`` in the order to start them; ties keep the numbered order.

    Examples
    --------
    >>> schedule_order(["02_a", "03_b", "05_c"], {"03_b": ["02_a"]}, {"02_a": 10, "03_b": 30, "05_c": 35})
    ['02_a', '05_c', '03_b']
    """
    seconds = EXPECTED_SECONDS if seconds is None else seconds
    chosen = set(stems)
    waiting: dict[str, list[str]] = {s: [] for s in stems}
    for stem in stems:
        for before in after.get(stem, ()):
            if before in chosen and before != stem:
                waiting[before].append(stem)
    rank: dict[str, float] = {}

    def chain(stem: str, seen: tuple[str, ...] = ()) -> float:
        if stem in seen:
            raise CxError(f"Notebooks wait for each other in a circle: {' -> '.join((*seen, stem))}")
        if stem not in rank:
            own = max(float(seconds.get(stem, DEFAULT_SECONDS)), 1e-3)  # > 0: before those that wait for it
            rank[stem] = own + max((chain(s, (*seen, stem)) for s in waiting[stem]), default=0.0)
        return rank[stem]

    position = {stem: k for k, stem in enumerate(stems)}
    return sorted(stems, key=lambda s: (-chain(s), position[s]))


def run_scheduled(stems: Sequence[str], run: Callable[[str], T], *, jobs: int,
                  after: Mapping[str, Sequence[str]], seconds: Mapping[str, float] | None = None,
                  memory: Mapping[str, float] | None = None, memory_budget: float | None = None) -> dict[str, T]:
    """Call ``run(stem)`` for every stem, ``jobs`` at a time in threads, in :func:`schedule_order`.

    When a slot is free, the first stem in that order whose prerequisites (``after``, among
    ``stems``) have all returned is started. With ``memory_budget``, a stem whose expected
    memory (``memory``, else :data:`EXPECTED_GIB`, then :data:`DEFAULT_GIB`) added to that of
    the stems running exceeds the budget is passed over for a later one that fits; when none
    fits, it waits for a running one to end (a stem always starts when nothing else runs).
    Returns each stem's result; an exception raised by ``run`` is raised again once every
    started call has returned (no new one is started after it).
    """
    order = schedule_order(stems, after, seconds)
    memory = EXPECTED_GIB if memory is None else memory
    chosen = set(stems)
    needs = {s: [p for p in after.get(s, ()) if p in chosen and p != s] for s in stems}
    need_gib = {s: float(memory.get(s, DEFAULT_GIB)) for s in stems}
    slots = max(1, int(jobs))
    results: dict[str, T] = {}
    errors: list[BaseException] = []
    finished: set[str] = set()
    running: set[str] = set()
    cond = threading.Condition()

    def call(stem: str) -> None:
        try:
            value = run(stem)
        except BaseException as exc:  # raised again by the dispatcher
            with cond:
                errors.append(exc)
        else:
            with cond:
                results[stem] = value
        finally:
            with cond:
                running.discard(stem)
                finished.add(stem)
                cond.notify_all()

    def pick() -> str | None:
        ready = [s for s in order if all(p in finished for p in needs[s])]
        if not ready:
            return None
        if memory_budget is None or not running:
            return ready[0]
        used = sum(need_gib[s] for s in running)
        return next((s for s in ready if used + need_gib[s] <= memory_budget), None)

    with ThreadPoolExecutor(max_workers=slots) as pool, cond:
        while (order and not errors) or running:
            stem = pick() if len(running) < slots and not errors else None
            if stem is None:
                cond.wait()
                continue
            order.remove(stem)
            running.add(stem)
            pool.submit(call, stem)
    if errors:
        raise errors[0]
    return results
