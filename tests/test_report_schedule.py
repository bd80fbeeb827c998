"""The report starts notebooks longest first, after the notebooks whose output they read (issue 15).

:func:`cxanalytics.report._exec.schedule_order` ranks each notebook by its expected seconds plus the
longest chain of notebooks waiting for it; :func:`cxanalytics.report._exec.run_scheduled` starts, when a
job slot is free, the first ready notebook in that order (optionally within a memory budget).
"""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxanalytics.errors import CxError
from cxanalytics.report import _exec as _reportexec
from cxanalytics.report._exec import EXPECTED_SECONDS, run_scheduled, schedule_order
from cxanalytics.report._kinds import find_notebooks, prerequisites


def test_the_suite_is_ordered_longest_first_with_02_before_03():
    notebooks = find_notebooks(None)
    stems = [nb.stem for nb in notebooks]
    after = {nb.stem: prerequisites(nb) for nb in notebooks}
    assert after["03_satisfaction"] == ("02_cleaning",)
    assert set(stems) == set(EXPECTED_SECONDS)  # every notebook of the suite has its expected time
    order = schedule_order(stems, after)
    assert order.index("02_cleaning") < order.index("03_satisfaction")
    alone = [s for s in order if s not in ("02_cleaning", "03_satisfaction")]
    assert [EXPECTED_SECONDS[s] for s in alone] == sorted((EXPECTED_SECONDS[s] for s in alone), reverse=True)
    assert order[0] == max(EXPECTED_SECONDS, key=EXPECTED_SECONDS.get)


def test_a_prerequisite_ranks_with_the_chain_that_waits_for_it():
    seconds = {"a": 10, "b": 50, "c": 40, "d": 5}
    assert schedule_order(["a", "b", "c", "d"], {"b": ["a"]}, seconds) == ["a", "b", "c", "d"]  # a: 10 + 50
    assert schedule_order(["a", "c", "d"], {"b": ["a"]}, seconds) == ["c", "a", "d"]  # b not run: a alone
    assert schedule_order(["x", "y"], {}, {}) == ["x", "y"]  # unknown notebooks: equal, numbered order kept


def test_circular_prerequisites_are_an_error():
    with pytest.raises(CxError, match="circle"):
        schedule_order(["a", "b"], {"a": ["b"], "b": ["a"]}, {})


def _recorder(seconds, sleep=0.002):
    """A fake notebook run that records when each stem starts and ends (in logical ticks)."""
    events, lock = [], threading.Lock()

    def run(stem):
        with lock:
            events.append(("start", stem))
        time.sleep(sleep * seconds.get(stem, 1))
        with lock:
            events.append(("end", stem))
        return stem.upper()

    return run, events


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), jobs=st.integers(1, 3), data=st.data())
def test_every_notebook_runs_once_after_its_prerequisites_and_at_most_jobs_at_once(n, jobs, data):
    stems = [f"{k:02d}_nb" for k in range(n)]
    after = {s: data.draw(st.lists(st.sampled_from(stems[:k]), max_size=2, unique=True)) if k else []
             for k, s in enumerate(stems)}  # prerequisites come earlier in the numbered order: no circle
    seconds = {s: data.draw(st.integers(1, 5)) for s in stems}
    run, events = _recorder(seconds, sleep=0.001)
    results = run_scheduled(stems, run, jobs=jobs, after=after, seconds=seconds)
    assert results == {s: s.upper() for s in stems}
    started = [s for kind, s in events if kind == "start"]
    assert sorted(started) == stems
    running, ended = set(), set()
    for kind, s in events:
        if kind == "start":
            assert set(after[s]) <= ended  # its prerequisites had all returned
            running.add(s)
            assert len(running) <= jobs
        else:
            running.discard(s)
            ended.add(s)


def test_with_one_job_notebooks_run_in_schedule_order():
    seconds = {"00_a": 1, "01_b": 9, "02_c": 3, "03_d": 5}
    after = {"03_d": ["02_c"]}
    run, events = _recorder(seconds)
    run_scheduled(list(seconds), run, jobs=1, after=after, seconds=seconds)
    assert [s for kind, s in events if kind == "start"] == schedule_order(list(seconds), after, seconds) == [
        "01_b", "02_c", "03_d", "00_a"]


def test_two_jobs_start_the_two_longest_first():
    seconds = {"00_a": 1, "01_b": 9, "02_c": 3, "03_d": 8}
    run, events = _recorder(seconds)
    run_scheduled(list(seconds), run, jobs=2, after={}, seconds=seconds)
    assert {s for _, s in events[:2]} == {"01_b", "03_d"}


def test_a_memory_budget_keeps_two_big_notebooks_apart():
    seconds = {"a": 9, "b": 8, "c": 2, "d": 1}
    memory = {"a": 1.5, "b": 1.2, "c": 0.3, "d": 0.3}
    run, events = _recorder(seconds, sleep=0.005)
    run_scheduled(list(seconds), run, jobs=2, after={}, seconds=seconds, memory=memory, memory_budget=2.0)
    running = set()
    for kind, s in events:
        running.add(s) if kind == "start" else running.discard(s)
        assert not {"a", "b"} <= running  # 1.5 + 1.2 > 2: never side by side
    assert [s for kind, s in events if kind == "start"][:2] == ["a", "c"]  # c fits beside a; b waits
    # a notebook over the budget on its own still runs (alone)
    run, events = _recorder({"big": 1})
    assert run_scheduled(["big"], run, jobs=2, after={}, memory={"big": 9.0}, memory_budget=2.0) == {"big": "BIG"}


def test_an_error_in_one_run_is_raised_after_the_running_ones_return():
    started = []

    def run(stem):
        started.append(stem)
        if stem == "a":
            raise ValueError("boom")
        time.sleep(0.01)
        return stem

    with pytest.raises(ValueError, match="boom"):
        run_scheduled(["a", "b", "c"], run, jobs=1, after={}, seconds={"a": 3, "b": 2, "c": 1})
    assert started == ["a"]  # nothing new is started after a failure


def test_the_report_runs_with_the_module_defaults():
    assert _reportexec.MEMORY_BUDGET_GIB is None or _reportexec.MEMORY_BUDGET_GIB > max(
        _reportexec.EXPECTED_GIB.values(), default=0)


@pytest.mark.slow
@pytest.mark.parametrize("user_value", [None, "65536"])
def test_kernels_return_freed_memory_unless_the_user_says_otherwise(tmp_path, monkeypatch, user_value):
    import nbformat
    from _tinydata import tiny_notebook

    from cxanalytics.report.runner import run_report

    if user_value is None:
        monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    else:
        monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", user_value)
    folder = tmp_path / "nbs"
    folder.mkdir()
    tiny_notebook(folder / "01_env.ipynb", "data_dir = None",
                  "import os\nprint(os.environ['MALLOC_MMAP_THRESHOLD_'], os.environ['ARROW_DEFAULT_MEMORY_POOL'])",
                  title="# env\ntext")
    run_report(None, tmp_path / "out", notebooks_dir=folder, progress=False, jobs=1)
    text = nbformat.read(str(tmp_path / "out" / "notebooks" / "01_env.ipynb"), as_version=4).cells[-1].outputs[0]["text"]
    assert text.split() == [user_value or _reportexec.KERNEL_ENV["MALLOC_MMAP_THRESHOLD_"], "system"]
