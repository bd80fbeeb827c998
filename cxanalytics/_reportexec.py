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
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import CxError

__all__ = ["Progress", "kernel_manager_class", "quiet_papermill"]


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
