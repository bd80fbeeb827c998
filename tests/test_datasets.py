"""The sample-data loader: what it lists, the types it gives, and its errors."""

from __future__ import annotations

import pandas as pd
import pytest

from cxanalytics.datasets import SAMPLES, list_samples, load_sample, sample_dir
from cxanalytics.errors import CxError, ParameterError


def test_every_sample_file_is_listed_and_present():
    listed = list_samples()
    assert list(listed.columns) == ["name", "file", "row", "raw", "description"]
    for spec in SAMPLES.values():
        assert (sample_dir() / spec.file).exists(), spec.file


@pytest.mark.parametrize("name", [s.name for s in SAMPLES.values() if not s.raw])
def test_tidy_samples_have_their_declared_types(name):
    frame = load_sample(name)
    spec = SAMPLES[name]
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert len(frame) > 0
    for col in spec.columns:
        x = frame[col.name]
        if col.dtype == "datetime":
            assert str(x.dt.tz) == "UTC", col.name
        elif col.dtype == "ordinal":
            assert x.cat.ordered and list(x.cat.categories) == list(col.levels), col.name
        elif col.dtype == "int":
            assert x.dtype == "Int64", col.name
        elif col.dtype == "bool":
            assert x.dtype == "boolean", col.name
        elif col.dtype == "category":
            assert isinstance(x.dtype, pd.CategoricalDtype), col.name
        elif col.dtype == "str":
            assert pd.api.types.is_string_dtype(x), col.name


def test_raw_exports_are_returned_as_paths():
    path = load_sample("qualtrics_en")
    assert path.name == "qualtrics_en.csv" and path.exists()


def test_unknown_sample_names_the_choices():
    with pytest.raises(ParameterError, match=r"parameter 'name'.*received 'custmers'.*customers"):
        load_sample("custmers")


def test_missing_folder_says_how_to_regenerate(tmp_path):
    with pytest.raises(CxError, match="cxanalytics sample"):
        load_sample("customers", folder=tmp_path)


def test_readme_documents_every_column(repo_root):
    readme = (repo_root / "data" / "sample" / "README.md").read_text(encoding="utf-8")
    for spec in SAMPLES.values():
        assert f"`{spec.file}`" in readme
        for col in spec.columns:
            assert f"`{col.name}`" in readme, col.name
