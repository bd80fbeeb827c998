"""Rules every committed notebook keeps (DESIGN.md: notebooks are product, not scratch)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_define_no_functions(path):
    """Logic worth a function lives in the library, tested; a notebook only calls it (no def, lambda or class)."""
    found = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                found.append(f"cell {i}, line {node.lineno}: {type(node).__name__}")
    assert not found, f"{path.name} defines functions: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_are_committed_with_outputs_and_without_errors(path):
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    assert cells and all(c.get("execution_count") for c in cells if "".join(c["source"]).strip()), \
        f"{path.name} has code cells that were not executed"
    bad = [(i, o.get("output_type"), o.get("name")) for i, c in enumerate(cells) for o in c.get("outputs", [])
           if o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    assert not bad, f"{path.name} was committed with errors or warnings (stderr) in code cells: {bad}"
