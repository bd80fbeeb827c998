"""Which *kinds* of input each notebook needs, and whether the user's data has them (for :mod:`cxanalytics.report`).

A notebook runs when every kind it requires is present, whatever the files are called:
any platform's survey export satisfies ``survey``; a churn snapshot file, or customers
and transactions to build one from, satisfy ``snapshot``. A notebook states its kinds in
``metadata["cxanalytics"]["kinds"]`` (``{"requires": [...], "optional": [...]}``); a
notebook that does not is given the kinds of the inputs it reads
(:func:`cxanalytics.report.notebook_inputs`, the sample's raw exports counting as
``survey``). A skipped notebook's note names the command-line option that would enable it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ._errors import ReportError

_NOTEBOOK_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")

#: Every kind of input, with the option (or options) that provide it.
KINDS: dict[str, str] = {
    "survey": "a survey export from any platform (--survey FILE)",
    "responses": "cleaned responses in the sample's columns (--responses FILE)",
    "customers": "a customers table (--customers FILE)",
    "transactions": "a transactions log (--transactions FILE)",
    "interactions": "a service-contacts log (--interactions FILE)",
    "branches": "a branches table (--branches FILE)",
    "snapshot": "a churn snapshot (--snapshot FILE) or a customers table and a transactions log "
                "(--customers FILE --transactions FILE)",
}
#: The sample's raw exports are each a survey.
SURVEY_SAMPLES = ("qualtrics_en", "surveymonkey_ar", "google_forms_fa")


@dataclass(frozen=True)
class NotebookKinds:
    """The kinds a notebook ``requires`` (else it is skipped) and those it uses when present."""

    requires: frozenset[str]
    optional: frozenset[str] = frozenset()


def notebook_inputs(path: Path | str) -> frozenset[str]:
    """The data-folder inputs a notebook reads: names of :data:`cxanalytics.datasets.SAMPLES`.

    Taken from ``metadata["cxanalytics"]["requires"]`` when the notebook states it,
    otherwise from its code: ``load_sample("name" ...)`` calls, ``"name.csv"`` /
    ``"name.parquet"`` literals and, when ``load_sample`` is called with a variable, every
    tidy table named by a string literal. ``TRUTH.json`` is never required (notebooks
    guard it with ``exists()``).
    """
    from ..datasets import SAMPLES

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    stated = nb.get("metadata", {}).get("cxanalytics", {}).get("requires")
    if stated is not None:
        return frozenset(stated)
    code = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    names = set(re.findall(r"load_sample\(\s*[\"']([A-Za-z0-9_]+)[\"']", code))
    # load_sample(name) with a variable: every tidy table named by a string literal counts
    indirect = re.search(r"load_sample\(\s*[A-Za-z_]", code) is not None
    for name, spec in SAMPLES.items():
        stem = Path(spec.file).stem
        if re.search(rf"[\"']{re.escape(stem)}\.(csv|parquet)[\"']", code):
            names.add(name)
        elif indirect and not spec.raw and re.search(rf"[\"']{re.escape(name)}[\"']", code):
            names.add(name)
    return frozenset(names)


def default_notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the repository this package was installed from."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def find_notebooks(notebooks_dir: Path | str | None = None) -> list[Path]:
    """Return the numbered notebooks (``NN_name.ipynb``) of a folder, in order.

    Raises
    ------
    ReportError
        If the folder does not exist or holds no numbered notebook.
    """
    from ..errors import describe

    folder = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    if not folder.is_dir():
        raise ReportError(
            describe("Notebook folder not found", file=folder, expected="a folder of NN_name.ipynb notebooks")
        )
    found = sorted(p for p in folder.iterdir() if _NOTEBOOK_NAME.match(p.name))
    if not found:
        raise ReportError(describe("No numbered notebooks found", file=folder, expected="files named NN_name.ipynb"))
    return found


def kind_of(name: str) -> str:
    """The kind of a sample input (``qualtrics_en`` is a ``survey``; ``customers`` is ``customers``)."""
    return "survey" if name in SURVEY_SAMPLES else name


def notebook_kinds(path: Path | str) -> NotebookKinds:
    """The kinds a notebook declares in its metadata, or those of the inputs its code reads."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    stated = nb.get("metadata", {}).get("cxanalytics", {}).get("kinds")
    if stated is not None:
        unknown = sorted((set(stated.get("requires", [])) | set(stated.get("optional", []))) - set(KINDS))
        if unknown:
            raise ValueError(f"{Path(path).name}: unknown input kinds {unknown}; known: {sorted(KINDS)}")
        return NotebookKinds(frozenset(stated.get("requires", [])), frozenset(stated.get("optional", [])))
    return NotebookKinds(frozenset(kind_of(n) for n in notebook_inputs(path)))


def present_kinds(inputs: frozenset[str], *, surveys: bool) -> frozenset[str]:
    """The kinds the assembled data folder holds (``inputs``: its sample names), plus ``survey``
    when exports were given with ``--survey``."""
    return frozenset({kind_of(n) for n in inputs} | ({"survey"} if surveys else set()))


def skip_detail(missing: set[str] | frozenset[str]) -> str:
    """Why a notebook was skipped, naming the option that would enable it."""
    return "needs " + "; ".join(KINDS.get(k, k) for k in sorted(missing))


def missing_kinds(path: Path, present: frozenset[str]) -> frozenset[str]:
    """The kinds a notebook requires that the data lacks (empty: it can run)."""
    return notebook_kinds(path).requires - present


def prerequisites(path: Path | str) -> tuple[str, ...]:
    """Notebooks (stems, e.g. ``02_cleaning``) whose output this one reads: it runs after them."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(nb.get("metadata", {}).get("cxanalytics", {}).get("kinds", {}).get("after", []))


def survey_files(surveys, folder: Path, sample: bool) -> list[str] | None:
    """The ``survey_files`` parameter: the exports given (``--survey``), else the sample's raw
    exports in a data folder that is not the bundled sample, else None (the notebooks' default)."""
    from ..datasets import SAMPLES

    if surveys:
        return [str(Path(s).resolve()) for s in surveys]
    if sample:
        return None
    found = [folder / SAMPLES[n].file for n in SURVEY_SAMPLES if (folder / SAMPLES[n].file).exists()]
    return [str(p.resolve()) for p in found] or None


def is_sample(data_dir, explicit: bool) -> bool:
    """True when the report runs on the bundled sample as it is (its prose then holds)."""
    from ..datasets import sample_dir

    if explicit:
        return False
    return data_dir is None or Path(data_dir).resolve() == sample_dir().resolve()
