"""Shared test fixtures.

Real public datasets live outside the repository, in ``../shared/realdata``
relative to the project root (or wherever ``CXANALYTICS_REALDATA`` points).
Tests that need them use the ``realdata`` fixture, which skips cleanly when the
folder is absent so that a user's fresh clone still passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (derandomize: a seed derived from each test)
# and keep no example database, so that a fresh clone (CI) and a used checkout run the same tests
# and a result never depends on an earlier run. To search with fresh random examples instead, run
# with --hypothesis-profile=explore (failures are then saved to .hypothesis/ and replayed first).
# No deadline in either profile: Hypothesis's default 200 ms per example is a timed assertion,
# which fails on a loaded 2-core CI machine without anything being wrong (speed is measured in
# benchmarks/, never asserted in tests).
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("explore", derandomize=False, print_blob=True, deadline=None)
settings.load_profile("deterministic")

ROOT = Path(__file__).resolve().parents[1]


def _realdata_dir() -> Path:
    env = os.environ.get("CXANALYTICS_REALDATA")
    return Path(env) if env else ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of the real public datasets; skips the test when it is absent."""
    path = _realdata_dir()
    if not path.is_dir():
        pytest.skip(f"real datasets not found (set CXANALYTICS_REALDATA or place them at {path.name}/ beside the project)")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


# --------------------------------------------------------------------------- test order
def pytest_addoption(parser):
    parser.addoption(
        "--reverse-order", action="store_true", default=False,
        help="run the collected tests in reverse order (to find tests that depend on what ran before)",
    )  # fmt: skip


def pytest_collection_modifyitems(config, items):
    if config.getoption("--reverse-order"):
        items.reverse()


# Freireich, E. J. et al. (1963). The effect of 6-mercaptopurine on the duration of
# steroid-induced remissions in acute leukemia. Blood 21, 699-716.  Remission times in
# weeks ("+" = censored) as tabulated in Kleinbaum, D. G. & Klein, M. (2012).
# Survival Analysis: A Self-Learning Text, 3rd ed., Springer (chapters 1-3):
#   6-MP:    6, 6, 6, 6+, 7, 9+, 10, 10+, 11+, 13, 16, 17+, 19+, 20+, 22, 23, 25+, 32+, 32+,
#            34+, 35+
#   placebo: 1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23
_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1),
       (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0),
       (34, 0), (35, 0)]
_PLACEBO = [(t, 1) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]


@pytest.fixture
def leukemia() -> pd.DataFrame:
    rows = [("6-MP", t, e) for t, e in _MP] + [("placebo", t, e) for t, e in _PLACEBO]
    return pd.DataFrame(rows, columns=["group", "weeks", "relapse"])
