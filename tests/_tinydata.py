"""Small made-up inputs shared by several test modules: a plain survey export and a one-cell notebook suite."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np

SAT = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def tiny_export_text(n: int = 40, seed: int = 1, stores=("North", "South", "East"), months: int = 6) -> str:
    """A plain CSV export (no platform markers): a timestamp, NPS, CSAT (labels), three agreement items, a store."""
    rng = np.random.default_rng(seed)
    lines = ["Timestamp,How likely are you to recommend us to a friend or colleague?,"
             "Overall how satisfied are you with our service?,Staff were friendly,Staff were quick,"
             "Staff were competent,Which store did you visit?"]
    for i in range(n):
        lines.append(f"2024-{1 + i % months:02d}-1{i % 9} 10:00:00,{rng.integers(0, 11)},{SAT[rng.integers(0, 5)]},"
                     + ",".join(AGREE[rng.integers(0, 5)] for _ in range(3)) + f",{stores[i % len(stores)]}")
    return "\n".join(lines)


def tiny_notebook(path: Path, parameters: str, code: str, *, title: str = "# notebook\ntext",
                  metadata: dict | None = None) -> Path:
    """Write a notebook: a title cell, a ``parameters`` cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(title), params, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.update(metadata or {})
    nbformat.write(nb, str(path))
    return path
