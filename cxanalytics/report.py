"""Run the numbered notebook suite on a data folder and write an HTML report.

The notebooks in ``notebooks/`` are the analyst's path (DESIGN.md §5). Each has a
papermill ``parameters`` cell whose ``data_dir`` defaults to the bundled sample data;
:func:`run_report` executes them in order with another ``data_dir`` injected, keeps the
executed notebooks, and converts them into one self-contained HTML page (no code cells,
figures embedded) that a person can open in a browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .errors import CxError, describe

__all__ = ["ReportError", "find_notebooks", "run_report"]

_NOTEBOOK_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")


class ReportError(CxError):
    """A notebook of the suite failed while building the report."""


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the repository this package was installed from."""
    return Path(__file__).resolve().parents[1] / "notebooks"


def find_notebooks(notebooks_dir: Path | str | None = None) -> list[Path]:
    """Return the numbered notebooks (``NN_name.ipynb``) of a folder, in order.

    Raises
    ------
    ReportError
        If the folder does not exist or holds no numbered notebook.
    """
    folder = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    if not folder.is_dir():
        raise ReportError(
            describe("Notebook folder not found", file=folder, expected="a folder of NN_name.ipynb notebooks")
        )
    found = sorted(p for p in folder.iterdir() if _NOTEBOOK_NAME.match(p.name))
    if not found:
        raise ReportError(describe("No numbered notebooks found", file=folder, expected="files named NN_name.ipynb"))
    return found


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the installation
        raise CxError(
            f"The report needs the optional package {module!r}: install the notebooks extra "
            "(pip install 'cxanalytics[notebooks]') or use the project's `make demo`."
        ) from None


def _execute(path: Path, output: Path, parameters: dict, timeout: int) -> None:
    papermill = _require("papermill")
    try:
        papermill.execute_notebook(
            str(path),
            str(output),
            parameters=parameters,
            cwd=str(path.parent),
            kernel_name="python3",
            progress_bar=True,
            execution_timeout=timeout,
            request_save_on_cell_execute=False,
        )
    except papermill.PapermillExecutionError as exc:
        raise ReportError(
            describe(
                f"Notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}",
                file=path.name,
                expected="every cell to run; open the executed copy to see the traceback",
                received=str(output),
            )
        ) from None


def _combined_html(executed: Sequence[Path], title: str) -> str:
    nbformat = _require("nbformat")
    nbconvert = _require("nbconvert")
    merged = nbformat.v4.new_notebook()
    merged.metadata["title"] = title
    for path in executed:
        nb = nbformat.read(str(path), as_version=4)
        merged.cells.extend(c for c in nb.cells if "parameters" not in c.metadata.get("tags", []))
        merged.metadata.setdefault("kernelspec", nb.metadata.get("kernelspec", {}))
        merged.metadata.setdefault("language_info", nb.metadata.get("language_info", {}))
    exporter = nbconvert.HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(merged)
    return body


def run_report(
    data_dir: Path | str | None = None,
    out_dir: Path | str = "reports",
    *,
    notebooks_dir: Path | str | None = None,
    timeout: int = 600,
    title: str = "cxanalytics report",
) -> Path:
    """Execute the notebook suite and write ``report.html`` plus the executed notebooks.

    Parameters
    ----------
    data_dir : path, optional
        Folder with the data (same layout as ``data/sample/``). ``None`` keeps each
        notebook's default, the bundled sample data.
    out_dir : path, default "reports"
        Where ``report.html`` and ``notebooks/NN_name.ipynb`` (executed copies) go.
    notebooks_dir : path, optional
        Folder of the numbered notebooks; defaults to the repository's ``notebooks/``.
    timeout : int, default 600
        Seconds allowed per cell.
    title : str
        Title of the HTML page.

    Returns
    -------
    pathlib.Path
        The HTML report.

    Raises
    ------
    ReportError
        A notebook is missing or a cell fails; the message names the notebook and cell.
    """
    notebooks = find_notebooks(notebooks_dir)
    out = Path(out_dir)
    executed_dir = out / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    parameters = {} if data_dir is None else {"data_dir": str(Path(data_dir).resolve())}
    executed = []
    for i, nb in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] {nb.name}", flush=True)
        target = executed_dir / nb.name
        _execute(nb, target, parameters, timeout)
        executed.append(target)
    html = _combined_html(executed, title)
    index = out / "report.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(index)
    return index.resolve()
