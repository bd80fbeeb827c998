"""Run the numbered notebook suite on an analyst's files and write one HTML report.

The notebooks in ``notebooks/`` are the analyst's path (DESIGN.md §5). Each has a papermill
``parameters`` cell whose ``data_dir`` defaults to the bundled sample data. :func:`run_report`

1. assembles a *data folder* laid out like ``data/sample/`` from what the user gave
   (:func:`assemble_data`): a folder (``--data``), tables given one by one
   (``--customers``, ``--transactions``, ``--interactions``, ``--branches``) under their
   canonical names, and raw survey exports (``--survey``, any number) read with
   :func:`cxanalytics.read_export`, cleaned with :func:`cxanalytics.clean_responses`
   (codebook inferred, or ``--codebook``) and stacked into ``responses.csv``;
2. works out which *kinds* of input each notebook needs (:mod:`cxanalytics.report._kinds`:
   ``survey``, ``customers``, ``snapshot``...; any platform's export is a ``survey``) and
   skips, with a note naming the option that would enable it, a notebook whose kinds were
   not given; the exports' cleaned responses, quarantine, log and codebook are kept in
   ``<out>/cleaned/`` (notebook 03 reads them, after 02);
3. executes the others in order with papermill, injecting ``data_dir`` (and
   ``survey_files`` / ``<platform>_file`` / ``codebook_files`` / ``engine`` /
   ``dask_scheduler`` into notebooks that declare them), ``jobs`` at a time, each in a kernel
   started in the notebook's folder; one line per notebook when it starts and ends (and
   papermill's per-cell bars on a terminal);
4. converts the executed notebooks into one self-contained HTML page
   (:mod:`cxanalytics.report._html`): the findings the notebooks recorded with
   :func:`cxanalytics.finding` first, each with its figure, then a table of contents, an
   About section and the notebooks' outputs (no code) as appendices.

A cell that fails (or a kernel that dies, or a cell that times out) stops its notebook
only: the rest still run, the report says which notebook and cell failed, and
:class:`ReportError` is raised at the end (``cxanalytics report`` exits with 1, or 2 when
every failure is a cxanalytics data error). Every path is made absolute first and the
process's working directory is never changed, so ``jobs > 1`` is safe with relative paths.

``engine="dask"`` is for transactions logs larger than memory: the log (a Parquet file or a
folder of Parquet part files, given with ``--transactions`` or as ``transactions.parquet``
in the data folder) is linked, never loaded, and the notebooks that declare an ``engine``
parameter read it lazily with :func:`cxanalytics.ingest.logs.read_transactions` and reduce it with
Dask (optionally on a ``dask.distributed`` cluster, ``scheduler=``), with the same numbers
as pandas: every notebook that reads the log, 00 and 04-10 (row counts, customer summaries,
cohorts, churn labels, linked responses, encounter landmarks, lifetime values, retention
costs, the churn snapshot; 08 compares the two paths on a share of the customers). The
other tables (customers, responses, interactions) are read with pandas everywhere; the
report's front page names the notebooks that read the log with Dask.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ParameterError, describe
from ._data import DataFolder, assemble_data, check_engine, present_inputs, snapshot_file
from ._errors import ReportError
from ._exec import (
    MEMORY_BUDGET_GIB,
    Progress,
    _require,
    _section,
    absolute_papermill,
    kernel_manager_class,
    quiet_papermill,
    run_scheduled,
)
from ._html import _md_escape, combined_html
from ._kinds import (
    find_notebooks,
    is_sample,
    missing_kinds,
    notebook_inputs,
    prerequisites,
    present_kinds,
    skip_detail,
    survey_files,
)
from ._params import check_parameters

__all__ = ["DataFolder", "NotebookRun", "ReportError", "ReportResult", "assemble_data", "find_notebooks",
           "notebook_inputs", "run_report"]



@dataclass(frozen=True)
class NotebookRun:
    """What happened to one notebook: ``status`` 'ran', 'skipped' or 'failed', and why."""

    name: str
    title: str
    status: str
    detail: str = ""
    output: Path | None = None
    error_name: str = ""

    @property
    def bad_input(self) -> bool:
        return self.error_name in _cx_error_names()


@dataclass(frozen=True)
class ReportResult:
    """Result of :func:`run_report`: the HTML ``report``, one :class:`NotebookRun` per notebook."""

    report: Path
    notebooks: tuple[NotebookRun, ...]

    def summary(self) -> pd.DataFrame:
        """One row per notebook: ``notebook``, ``title``, ``status``, ``detail``."""
        return pd.DataFrame([(r.name, r.title, r.status, r.detail) for r in self.notebooks],
                            columns=["notebook", "title", "status", "detail"])


def _cx_error_names() -> set[str]:
    from .. import errors

    found, todo = set(), [errors.CxError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


# --------------------------------------------------------------------------- notebooks
def _title(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            first = "".join(cell.get("source", "")).strip().splitlines()
            if first and first[0].startswith("#"):
                return first[0].lstrip("#").strip()
    return path.stem


# --------------------------------------------------------------------------- execution
def _declared_parameters(path: Path) -> set[str]:
    """Names assigned at the top level of the notebook's ``parameters`` cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next((c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    source = "".join(cell.get("source", "")) if cell is not None else ""
    return set(re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)", source, flags=re.MULTILINE))


def _execute(path: Path, output: Path, parameters: dict, timeout: int, progress: bool, slot: int = 0) -> NotebookRun:
    """Run one notebook (absolute ``path`` and ``output``) in a kernel started in the notebook's folder.

    Safe to call from several threads at once: the process's working directory is neither used
    nor changed (see :mod:`cxanalytics.report._exec`). Any error becomes a 'failed' run.
    """
    papermill = _require("papermill")
    declared = _declared_parameters(path)
    params = {k: v for k, v in parameters.items() if k in declared}
    title = _title(path)
    output.unlink(missing_ok=True)  # a copy from an earlier run must not pass for this one's
    try:
        papermill.execute_notebook(
            str(path),
            str(output),
            parameters=params,
            cwd=None,  # papermill's cwd= would os.chdir the whole process, under the other threads
            resources={"metadata": {"path": str(path.parent)}},  # nbclient: start_kernel(cwd=...)
            kernel_manager_class=kernel_manager_class(),
            kernel_name="python3",
            progress_bar={"desc": path.stem, "leave": False, "position": slot} if progress else False,
            execution_timeout=timeout,
            request_save_on_cell_execute=False,
        )
    except papermill.PapermillExecutionError as exc:
        first = next((line for line in str(exc.source).splitlines() if line.strip()), "")
        where = _section(path, exc.cell_index)
        detail = (f"{path.name}, cell {exc.cell_index + 1} (In [{exc.exec_count}])"
                  + (f" in section '{where}'" if where else "")
                  + f", starting {first[:60]!r}: {exc.ename}: {str(exc.evalue)[:300]}")
        return NotebookRun(path.name, title, "failed", detail, output, exc.ename)
    except Exception as exc:  # the kernel died or did not start, a cell timed out, the output was not written
        first = next((line for line in str(exc).splitlines() if line.strip()), "")
        detail = f"{path.name}: {type(exc).__name__}: {first.strip()[:300]}"
        return NotebookRun(path.name, title, "failed", detail, output if output.exists() else None,
                           type(exc).__name__)
    return NotebookRun(path.name, title, "ran", "", output)


# --------------------------------------------------------------------------- runner
@absolute_papermill
def run_report(
    data_dir: Path | str | None = None,
    out_dir: Path | str = "reports",
    *,
    surveys: Sequence[Path | str] = (),
    codebooks: Sequence[Path | str] = (),
    customers: Path | str | None = None,
    transactions: Path | str | None = None,
    interactions: Path | str | None = None,
    branches: Path | str | None = None,
    responses: Path | str | None = None,
    mapping: Path | str | None = None,
    snapshot: Path | str | Sequence[Path | str] | None = None,
    notebooks_dir: Path | str | None = None,
    timeout: int = 600,
    title: str = "cxanalytics report",
    progress: bool = True,
    jobs: int = 2,
    engine: str = "pandas",
    scheduler: str | None = None,
    parameters: Mapping[str, object] | None = None,
) -> ReportResult:
    """Execute the notebook suite on the user's data; write ``report.html`` and the executed notebooks.

    Parameters
    ----------
    data_dir : path, optional
        Folder laid out like ``data/sample/``. ``None`` with no other input keeps each
        notebook's default, the bundled sample data.
    out_dir : path, default "reports"
        Where ``report.html``, ``notebooks/NN_name.ipynb`` (executed copies) and
        ``cleaned/`` (the survey exports' cleaned responses, quarantine, log, codebook) go.
    surveys, codebooks, customers, transactions, interactions, branches, responses
        Files given one by one, as in :func:`assemble_data`; with any of them the data
        folder is assembled in a temporary folder (removed afterwards) from ``data_dir``
        and these files.
    mapping : path or Mapping, optional
        A column mapping file (``--map``, see :mod:`cxanalytics.ingest.mapping`): the tables of the
        kinds it maps are read, mapped and written into the data folder before any notebook
        runs (:func:`assemble_data`).
    snapshot : path or sequence of paths, optional
        A churn snapshot (one row per customer: tenure, churn flag, charges, segments...;
        several files or Excel workbooks with a ``mapping``, see :func:`assemble_data`),
        injected as ``snapshot_path`` into the notebooks that declare it (09), with the
        mapping's segment columns as ``segments``. Without one, 09 builds a snapshot from
        the customers and transactions, when given.
    notebooks_dir : path, optional
        Folder of the numbered notebooks; defaults to the repository's ``notebooks/``.
    timeout : int, default 600
        Seconds allowed per cell.
    title : str
        Title of the HTML page.
    progress : bool, default True
        Show papermill's per-cell progress bar of each notebook running, when standard
        error is a terminal. A line per notebook when it starts and ends is printed anyway.
    jobs : int, default 2
        Notebooks executed at once, each in its own kernel process, started in the
        notebook's folder (relative paths in a notebook are relative to it). They are
        started longest first (expected seconds at scale, :func:`cxanalytics.report._exec.schedule_order`;
        a notebook after those whose output it reads), so the slots finish together. The
        notebooks run standalone, so the order does not change any result; the report keeps
        their numbered order.
    engine : {'pandas', 'dask'}, default 'pandas'
        How notebooks that declare an ``engine`` parameter (00, 04 to 10) read the
        transactions log. ``'dask'``: lazily, with
        :func:`cxanalytics.ingest.logs.read_transactions` (``engine="dask"``), so that customer
        summaries, cohort counts, linked responses, encounter landmarks, lifetime values
        and retention costs are computed partition by partition on a
        log larger than memory (a Parquet file or a folder of Parquet part files; CSV
        works too), with the same numbers as ``'pandas'``. Other notebooks read their
        inputs with pandas whatever the engine.
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (e.g.
        ``'tcp://10.0.0.5:8786'``), injected as ``dask_scheduler``: the notebooks connect a
        :class:`dask.distributed.Client` to it, so the Dask work runs on that cluster
        (its workers must be able to read the log's path). Default: Dask's local threads.

    Returns
    -------
    ReportResult
        The HTML report's path and what happened to each notebook (``.summary()``).

    Raises
    ------
    ParameterError
        Missing or malformed input files (see :func:`assemble_data`); an unknown
        ``engine``; a ``scheduler`` without ``engine='dask'``.
    CxError
        ``engine='dask'`` but Dask (or, with ``scheduler``, dask.distributed) is not
        installed (``pip install "cxanalytics[scale]"``).
    ReportError
        The notebook folder is missing, or a notebook failed: the message names the
        notebook, the cell (its position, execution count, section and first line) and
        the error. The report is still written, with the failure in place of that
        notebook (``ReportError.report``).

    parameters : mapping, optional
        Notebook parameters (``--param NAME=VALUE``), e.g. ``{"acquisition_cost": 250,
        "margin_rate": 0.35}``: injected into every notebook whose ``parameters`` cell
        declares the name, after the report's own. Checked before any notebook runs
        against the defaults in those cells (:mod:`cxanalytics.report._params`): an
        unknown name or a value of another type is a ParameterError.

    Notes
    -----
    Parameters injected into a notebook's ``parameters`` cell, when it declares them:
    ``data_dir`` (the data folder), ``survey_files`` (list of the raw exports),
    ``<platform>_file`` (the first export of each platform, e.g. ``surveymonkey_file``; it
    stands in for that platform's sample export, e.g. ``surveymonkey_ar.csv``) and
    ``codebook_files`` (list of codebooks), ``engine`` (always) and ``dask_scheduler``
    (with ``scheduler``). A notebook is skipped, with a note in the report, when it
    needs a kind of input the data lacks (``metadata["cxanalytics"]["kinds"]``, else the
    kinds of the inputs it reads, :func:`notebook_inputs`); the note names the option that
    would enable it. ``cleaned_dir`` (``<out_dir>/cleaned``) is injected too: with
    ``surveys`` the exports' cleaned responses, quarantine, log and codebook are written
    there first (:meth:`cxanalytics.CleanedSurveys.write`); notebook 02 writes it, and 03,
    which runs after 02 (``kinds["after"]``), reads it; ``codebook_out_dir``
    (``<out_dir>/codebooks``) receives notebook 01's inferred codebooks, and a churn snapshot
    given as files is kept, mapped, as ``<out_dir>/inputs/snapshot.csv`` (``snapshot_path``),
    so the executed notebook 09 can be run again from there. ``shared_dir`` (a temporary
    folder, removed after the report) is passed as ``shared=`` to the heavy linking functions
    (:func:`cxanalytics.link_responses`, :func:`cxanalytics.encounter_landmarks`): a table a
    notebook built is written there as Parquet and read back, identical, by a later notebook
    that builds it from the same data with the same options (:mod:`cxanalytics.link._sharedtables`).
    Cells tagged ``sample-prose`` (text
    true of the bundled sample only) are left out of the page unless the data is the sample.

    Examples
    --------
    >>> run_report(engine="spark")
    Traceback (most recent call last):
    ...
    cxanalytics.errors.ParameterError: Unknown engine [parameter 'engine']: received 'spark'; expected 'pandas' or 'dask'
    """
    check_engine(engine, scheduler)
    # absolute paths only: notebooks run in threads, and nothing may depend on the working directory
    notebooks = [nb.resolve() for nb in find_notebooks(notebooks_dir)]
    user_parameters = check_parameters(parameters or {}, notebooks)  # before any data is read
    out = Path(out_dir).resolve()
    executed_dir = out / "notebooks"
    tables = {"customers": customers, "transactions": transactions, "interactions": interactions,
              "branches": branches, "responses": responses}
    explicit = (bool(surveys) or bool(codebooks) or mapping is not None or bool(snapshot)
                or any(v is not None for v in tables.values()))
    with tempfile.TemporaryDirectory(prefix="cxanalytics-report-") as tmp:
        if explicit:
            data = assemble_data(Path(tmp).resolve() / "data", data_dir=data_dir, surveys=surveys, codebooks=codebooks,
                                 mapping=mapping, snapshot=snapshot, **tables)
            if not data.mapping_log.empty:  # every change the mapping made, kept beside the report
                out.mkdir(parents=True, exist_ok=True)
                data.mapping_log.to_csv(out / "mapping_log.csv", index=False)
        elif data_dir is not None:
            if not Path(data_dir).is_dir():
                raise ParameterError(describe("Data folder not found", file=data_dir,
                                              expected="a folder laid out like data/sample/"))
            data = DataFolder(Path(data_dir).resolve(), present_inputs(Path(data_dir)))
        else:
            from ..datasets import sample_dir

            data = DataFolder(sample_dir(), present_inputs(sample_dir()))
        parameters: dict[str, object] = {}
        if explicit or data_dir is not None:
            parameters["data_dir"] = str(data.path.resolve())
        sample = is_sample(data_dir, explicit)
        files = survey_files(surveys, data.path, sample)
        if files is not None:
            parameters["survey_files"] = files
        cleaned = out / "cleaned"  # the cleaned responses, quarantine, log and codebook are kept here
        if data.cleaned is not None:
            data.cleaned.write(cleaned)
        parameters["cleaned_dir"] = str(cleaned)
        parameters["codebook_out_dir"] = str(out / "codebooks")  # notebook 01's inferred codebooks, to correct
        parameters["shared_dir"] = str(Path(tmp).resolve() / "shared")  # tables built once, read by later notebooks
        if surveys:
            for path, platform in zip(surveys, data.surveys["platform"], strict=True):
                parameters.setdefault(f"{platform}_file", str(Path(path).resolve()))
        if codebooks:
            parameters["codebook_files"] = [str(Path(c).resolve()) for c in codebooks]
        kept = snapshot_file(data.path)
        if kept is not None:
            if explicit and not kept.is_symlink():  # mapped in a temporary folder (a link is the user's own file)
                (out / "inputs").mkdir(parents=True, exist_ok=True)
                kept = Path(shutil.copy2(kept, out / "inputs" / kept.name))
            parameters["snapshot_path"] = str(kept.resolve())
            parameters.update(data.snapshot_parameters)  # segments; tenure in the source's unit
        parameters["engine"] = engine
        if scheduler is not None:
            parameters["dask_scheduler"] = scheduler
        parameters.update(user_parameters)
        executed_dir.mkdir(parents=True, exist_ok=True)
        bars = progress and sys.stderr.isatty()  # papermill's per-cell bars: only on a terminal
        report = Progress(len(notebooks), bars=bars)
        runs: list[NotebookRun | None] = [None] * len(notebooks)
        todo = []
        present = present_kinds(data.inputs, surveys=bool(surveys))
        for i, nb in enumerate(notebooks):
            missing = missing_kinds(nb, present)  # by kind of input: any platform's export is a survey
            if missing:
                detail = skip_detail(missing)
                report.skipped(i, nb.name, detail)
                runs[i] = NotebookRun(nb.name, _title(nb), "skipped", detail)
            else:
                todo.append(i)
        stems = [nb.stem for nb in notebooks]
        after = {nb.stem: prerequisites(nb) for nb in notebooks}  # e.g. 03 reads what 02 wrote

        def work(stem: str) -> NotebookRun:
            i = stems.index(stem)
            before = [p for p in after[stem] if p in stems]  # all returned (run_scheduled), or skipped
            failed = [p for p in before if getattr(runs[stems.index(p)], "status", "") != "ran"]
            if failed:
                detail = "needs the output of " + ", ".join(f"{p}.ipynb" for p in failed) + ", which did not run"
                report.skipped(i, notebooks[i].name, detail)
                runs[i] = NotebookRun(notebooks[i].name, _title(notebooks[i]), "skipped", detail)
                return runs[i]
            with slot_lock:
                slot = free_slots.pop(0)
            try:
                report.started(i, notebooks[i].name)
                run = _execute(notebooks[i], executed_dir / notebooks[i].name, parameters, timeout, bars, slot)
            finally:
                with slot_lock:
                    free_slots.append(slot)
            report.ended(i, notebooks[i].name, run.detail if run.status == "failed" else "")
            runs[i] = run
            return run

        slot_lock, free_slots = threading.Lock(), list(range(max(1, int(jobs))))  # progress bar rows
        injected = frozenset(parameters)  # papermill may call these unknown (a misparse): see _reportexec
        with quiet_papermill(injected):  # kernels are processes: threads suffice; longest first (issue 15)
            run_scheduled([stems[i] for i in todo], work, jobs=jobs, after=after, memory_budget=MEMORY_BUDGET_GIB)
        engine_note = ""
        if engine == "dask":
            lazy = [r.name for r, nb in zip(runs, notebooks, strict=True)
                    if r.status == "ran" and "engine" in _declared_parameters(nb)]
            engine_note = ("**Engine:** Dask" + (f" (scheduler {_md_escape(scheduler)})" if scheduler else "")
                           + ". The transactions log was read lazily by "
                           + (", ".join(_md_escape(n) for n in lazy) or "no notebook that ran")
                           + "; the other notebooks read their inputs into memory with pandas.")
        page = combined_html(runs, data, title, engine_note, sample)
    index = out / "report.html"
    tmp_file = index.with_suffix(".html.tmp")
    tmp_file.write_text(page, encoding="utf-8")
    tmp_file.replace(index)
    failures = [r for r in runs if r.status == "failed"]
    if failures:
        raise ReportError(f"{len(failures)} notebook(s) failed; report with the failures written to {index}. "
                          + " | ".join(f.detail for f in failures), failures, index)
    return ReportResult(index, tuple(runs))
