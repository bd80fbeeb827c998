"""The package namespace: every public name resolves lazily, and importing is cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import cxanalytics as cx


def test_every_public_name_resolves_to_its_module():
    for name in cx.__all__:
        if name == "__version__":
            continue
        obj = getattr(cx, name)
        module = importlib.import_module(f"cxanalytics.{cx._EXPORTS[name]}")
        assert getattr(module, name) is obj, name
        assert name in dir(cx)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nps_score'"):
        cx.nps_score  # noqa: B018


def test_from_import_works_for_public_names():
    namespace: dict = {}
    exec("from cxanalytics import clean_export_in_chunks, nps", namespace)
    assert namespace["nps"].__module__ == "cxanalytics.survey.metrics"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_loads_no_heavy_dependency():
    loaded = _modules_after("import cxanalytics")
    assert not {"pandas", "scipy", "statsmodels", "matplotlib", "dask"} & loaded


def test_cleaning_path_needs_neither_scipy_nor_statsmodels():
    loaded = _modules_after("import cxanalytics as cx\ncx.clean_export_in_chunks\ncx.read_export\ncx.clean_responses")
    assert "pandas" in loaded
    assert not {"scipy", "statsmodels", "matplotlib"} & loaded


def test_functions_named_like_submodules_are_not_shadowed():
    code = ("import cxanalytics.behaviour.clv, cxanalytics.survey.consistency, cxanalytics.money.sensitivity\n"
            "import cxanalytics as cx\n"
            "assert all(callable(f) and f.__name__ == n for n, f in "
            "[('clv', cx.clv), ('consistency', cx.consistency), ('sensitivity', cx.sensitivity)])")
    subprocess.run([sys.executable, "-c", code], check=True)
