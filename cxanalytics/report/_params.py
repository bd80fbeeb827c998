"""User-given notebook parameters for :func:`cxanalytics.report.run_report` (``--param NAME=VALUE``; internal).

Each notebook declares its parameters in the cell tagged ``parameters`` (papermill's
convention): ``margin_rate = 0.30``, ``acquisition_cost = "acquisition_cost"`` and so on. A
value given by the user is checked against the defaults of the notebooks that declare the
name before any notebook runs: an unknown name, or a value of the wrong type, is a
:class:`~cxanalytics.errors.ParameterError` naming the parameter, the value and what the
notebook expects. A parameter renamed in the notebooks (:data:`RENAMED`) is still accepted under
its old name for one release, with a :class:`FutureWarning`.
"""

from __future__ import annotations

import ast
import difflib
import json
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..errors import ParameterError, describe

__all__ = ["RENAMED", "RESERVED", "check_parameters", "declared_defaults", "parse_param_args"]

#: Parameters the report sets from its own options (files and engine): given with those options, not --param.
RESERVED = {"data_dir": "--data or the input files", "survey_files": "--survey", "codebook_files": "--codebook",
            "snapshot_path": "--snapshot", "engine": "--engine", "dask_scheduler": "--scheduler",
            "cleaned_dir": "--out (the report keeps them in <out>/cleaned)",
            "codebook_out_dir": "--out (the report keeps them in <out>/codebooks)",
            "shared_dir": "nothing: the report shares tables between notebooks in a temporary folder"}
#: Notebook parameters renamed to the library's word for the idea: old name -> new name.
RENAMED = {"n_boot": "n_resamples"}
_NOT_A_LITERAL = object()


def _parameters_cell(path: Path) -> str:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cell = next((c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    return "".join(cell.get("source", "")) if cell is not None else ""


def declared_defaults(path: Path | str) -> dict[str, object]:
    """Name -> default value of every top-level assignment in a notebook's ``parameters`` cell.

    A default that is not a Python literal (an expression) is kept as ``_NOT_A_LITERAL``: such a
    parameter accepts any value.
    """
    try:
        tree = ast.parse(_parameters_cell(Path(path)))
    except SyntaxError:
        return {}
    out: dict[str, object] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                try:
                    out[target.id] = ast.literal_eval(value)
                except ValueError:
                    out[target.id] = _NOT_A_LITERAL
    return out


def parse_param_args(items: Iterable[str]) -> dict[str, str]:
    """``["margin_rate=0.4", "segments=contract,offer"]`` -> ``{"margin_rate": "0.4", ...}`` (text, typed later).

    Examples
    --------
    >>> parse_param_args(["margin_rate=0.4", "title=A = B"])
    {'margin_rate': '0.4', 'title': 'A = B'}
    >>> parse_param_args(["margin_rate"])
    Traceback (most recent call last):
    ...
    cxanalytics.errors.ParameterError: A notebook parameter is given as NAME=VALUE [parameter '--param']: received 'margin_rate'; expected e.g. --param margin_rate=0.35
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(describe("A notebook parameter is given as NAME=VALUE", parameter="--param",
                                          received=item, expected="e.g. --param margin_rate=0.35"))
        out[name] = value
    return out


def _kind(default: object) -> str:
    if default is _NOT_A_LITERAL or default is None:
        return "any"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, numbers.Integral):
        return "int"
    if isinstance(default, numbers.Real):
        return "float"
    if isinstance(default, str):
        return "str"  # a column name or a number (e.g. acquisition_cost: a column, or the cost itself)
    if isinstance(default, list | tuple):
        return "list"
    if isinstance(default, dict):
        return "dict"
    return "any"


_EXPECTED = {"bool": "true or false", "int": "a whole number", "float": "a number",
             "str": "text (a column name), or a number", "list": "a list, e.g. a,b,c or [\"a\", \"b\"]",
             "dict": "a mapping, e.g. {\"plan\": \"prepaid\"}", "any": "a Python literal or text"}


def _from_text(text: str, kind: str) -> object:
    """A command-line value in the type of the default (left as text when it does not convert: _fits refuses it)."""
    s = text.strip()
    if kind == "bool":
        flags = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        return flags.get(s.lower(), text)
    try:
        value = ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = _NOT_A_LITERAL
    if kind == "list":
        return list(value) if isinstance(value, list | tuple) else [p.strip() for p in s.split(",") if p.strip()]
    if kind == "str":  # a number stays a number (a cost instead of a column); anything else is the text
        return value if isinstance(value, numbers.Real | str) and not isinstance(value, bool) else text
    return text if value is _NOT_A_LITERAL else value


def _fits(value: object, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, numbers.Integral)
    if kind == "float":
        return isinstance(value, numbers.Real)
    if kind == "str":
        return isinstance(value, str | numbers.Real)
    if kind == "list":
        return isinstance(value, list | tuple)
    return isinstance(value, dict)


def check_parameters(given: Mapping[str, object], notebooks: Sequence[Path | str], *,
                     from_text: bool = False) -> dict[str, object]:
    """Check user parameters against the notebooks' ``parameters`` cells; return them typed.

    Parameters
    ----------
    given : mapping
        Name -> value (Python values, or with ``from_text`` the text after ``NAME=``).
    notebooks : sequence of paths
        The notebooks of the suite.
    from_text : bool, default False
        Convert text values to the type of the notebook's default (numbers, true/false,
        lists written ``a,b,c`` or as a Python literal).

    Returns
    -------
    dict
        The values to inject, typed. A value is injected only into the notebooks that
        declare its name.

    Raises
    ------
    ParameterError
        A name no notebook declares (the message lists the closest names and all the
        declared ones), a name the report sets from its own options, or a value whose
        type does not fit the default of a notebook that declares it.

    Examples
    --------
    >>> from cxanalytics.report.runner import find_notebooks
    >>> nbs = find_notebooks()
    >>> check_parameters({"margin_rate": "0.4", "acquisition_cost": "250"}, nbs, from_text=True)
    {'margin_rate': 0.4, 'acquisition_cost': 250}
    >>> check_parameters({"margin_rat": 0.4}, nbs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cxanalytics.errors.ParameterError: Unknown notebook parameter [parameter 'margin_rat']: received 0.4; expected one of the declared names (closest: margin_rate)...
    """
    declared = {Path(nb).name: declared_defaults(nb) for nb in notebooks}
    names = sorted({n for d in declared.values() for n in d} - set(RESERVED))
    given = _renamed(given, set(names))
    out: dict[str, object] = {}
    for name, raw in given.items():
        if name in RESERVED:
            raise ParameterError(describe("This notebook parameter is set by the report", parameter=name,
                                          received=raw, expected=f"give it with {RESERVED[name]}"))
        owners = {nb: d[name] for nb, d in declared.items() if name in d}
        if not owners:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            raise ParameterError(describe("Unknown notebook parameter", parameter=name, received=raw,
                                          expected=(f"one of the declared names (closest: {', '.join(close)})"
                                                    if close else "one of the declared names")
                                          + f"; the notebooks declare: {', '.join(names)}"))
        value = raw
        for nb, default in owners.items():
            kind = _kind(default)
            if from_text and isinstance(raw, str):
                value = _from_text(raw, kind)
            if not _fits(value, kind):
                raise ParameterError(describe(f"Wrong type for the notebook parameter (default {default!r} in {nb})",
                                              parameter=name, received=raw, expected=_EXPECTED[kind]))
        out[name] = value
    return out


def _renamed(given: Mapping[str, object], declared: set[str]) -> dict[str, object]:
    """``given`` with the old names of renamed parameters (:data:`RENAMED`) replaced by the new ones.

    Only where no notebook declares the old name and some notebook declares the new one; a
    :class:`FutureWarning` names the new spelling, and giving both names is an error.
    """
    out = dict(given)
    for old, new in RENAMED.items():
        if old in out and old not in declared and new in declared:
            if new in out:
                raise ParameterError(describe(f"Notebook parameter {old!r} is the old name of {new!r}; give only {new!r}",
                                              parameter=new, received=f"both {old} and {new}"))
            warnings.warn(f"notebook parameter {old!r} is renamed {new!r}; the old name will stop working in the "
                          "next release", FutureWarning, stacklevel=3)
            out = {(new if k == old else k): v for k, v in out.items()}
    return out
