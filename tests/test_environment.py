"""environment.yml must mirror pyproject.toml, and the lock file must cover both."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def _split(requirement: str) -> tuple[str, str]:
    name, _extras, spec = _REQ.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra, items in project["optional-dependencies"].items():
        if extra != "dev":
            reqs += items
    return dict(_split(r) for r in reqs)


def _environment_requirements() -> tuple[dict[str, str], dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        else:
            conda[_split(dep.replace("=", "==", 1) if re.match(r"^python=", dep) else dep)[0]] = dep
    merged = {}
    for dep in list(conda.values()) + [p for p in pip if not p.startswith("-e")]:
        name, spec = _split(dep)
        merged[name] = spec
    return merged, env


def test_environment_yml_mirrors_pyproject():
    wanted = _pyproject_requirements()
    have, env = _environment_requirements()
    have.pop("python", None)
    have.pop("pip", None)
    assert have == wanted, (
        "environment.yml and pyproject.toml disagree; "
        f"only in pyproject: {sorted(set(wanted) - set(have))}, only in environment.yml: "
        f"{sorted(set(have) - set(wanted))}, different specifiers: "
        f"{sorted(k for k in set(have) & set(wanted) if have[k] != wanted[k])}"
    )
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"], "environment.yml must pin Python 3.11"
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(p.startswith("-e .") for p in pip), "environment.yml must install the package itself with pip"


def test_lock_file_pins_every_dependency_exactly():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock line is not pinned with '==': {line!r}"
            lock[name.lower().replace("_", "-")] = version
    missing = sorted(set(_pyproject_requirements()) - set(lock))
    assert not missing, f"requirements.lock does not pin: {missing} (run `make lock`)"
