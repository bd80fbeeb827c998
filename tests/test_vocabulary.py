"""One word per idea across the public API (issue 17, part 5).

The first test walks the signature of every public callable (``cx.__all__``, the methods
of the public result classes, and :mod:`cxanalytics.plotting`) and fails when a parameter
uses a second spelling of an idea that already has a word.  The others check each
deprecated spelling: it still works, gives the same result, warns ``FutureWarning`` naming
the new word, and giving both the old and the new word is an error.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import cxanalytics as cx
import cxanalytics.plotting as cxplot
from cxanalytics._validate import RenamedParameterError, renamed_parameters
from cxanalytics.errors import CxError

#: idea -> (the accepted word, second spellings that must not appear as a parameter).
VOCABULARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "grouping column(s) of a result": ("by", ("group", "groups", "group_by", "groupby", "segment_by")),
    "significance level (interval is 1 - alpha)": ("alpha", ("significance", "sig_level", "conf_level",
                                                             "confidence", "confidence_level", "ci_level")),
    "seed or generator": ("random_state", ("seed", "rng", "random_seed")),
    "number of resamples": ("n_resamples", ("n_boot", "n_bootstrap", "bootstrap", "B", "n_reps")),
    "number of Monte Carlo draws": ("n_draws", ("n_sims", "n_simulations", "draws_n", "nsim")),
    "the analysed column": ("column", ("col", "var", "variable", "field")),
    "time-stamp column of events": ("time", ("timestamp", "time_col", "date", "datetime")),
    "duration column of survival data": ("duration", ("durations", "time_to_event", "length")),
    "event indicator of survival data": ("event", ("events", "status", "observed", "event_col")),
    "per-period discount rate": ("discount", ("discount_rate", "discounting", "rate")),
    "time zone": ("timezone", ("tz", "time_zone")),
    "case weights column": ("weights", ("weight_col", "weighting", "w")),
    "acquisition date column": ("acquired", ("start", "acquired_at", "start_date")),
    "cancellation date column": ("cancelled", ("end", "cancelled_at", "ended", "end_date")),
    "p-value adjustment method": ("p_adjust", ("adjust_p", "correction", "multiple")),
    "iteration limit": ("max_iter", ("maxiter", "n_iter", "max_iterations")),
}

#: Documented exceptions: (callable, parameter) pairs where a word above names another idea.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # a weight attached to one effect of a result object, not a column of case weights
    ("EffectEstimate", "weight"): "weight of one effect in a combined estimate",
}


def _public_callables():
    """(qualified name, callable) for every public function, class and result-class method."""
    for name in cx.__all__:
        obj = getattr(cx, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            yield name, obj
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if inspect.isfunction(member):
                    yield f"{name}.{attr}", member
        elif callable(obj):
            yield name, obj
    for name in cxplot.__all__:
        yield f"plotting.{name}", getattr(cxplot, name)


def _parameters():
    for qualname, obj in _public_callables():
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
            continue
        for p in sig.parameters.values():
            if p.name not in ("self", "cls"):
                yield qualname, p.name


_TODO = {"per-period discount rate", "time zone", "acquisition date column", "cancellation date column",
         "time-stamp column of events", "number of resamples"}


def test_every_public_signature_uses_one_word_per_idea():
    forbidden = {old: (idea, word) for idea, (word, olds) in VOCABULARY.items() for old in olds
                 if idea not in _TODO}
    clashes = [f"{qualname}({name}=...): say {forbidden[name][1]!r} ({forbidden[name][0]})"
               for qualname, name in _parameters()
               if name in forbidden and (qualname.split(".")[-1], name) not in EXCEPTIONS
               and (qualname, name) not in EXCEPTIONS]
    assert not clashes, "Second spellings in the public API:\n" + "\n".join(sorted(clashes))


def test_the_walk_sees_the_whole_api():
    names = {q for q, _ in _public_callables()}
    assert {"nps", "logrank", "kaplan_meier", "SurvivalResult.survival_at", "SBGFit.derl",
            "plotting.plot_outcome_by_group"} <= names
    assert len(names) > 200


def test_the_accepted_words_are_used():
    used = {name for _, name in _parameters()}
    for idea, (word, _) in VOCABULARY.items():
        assert word in used, f"{idea}: {word!r} is not a parameter anywhere; update the table"


# ----------------------------------------------------------------- the shared helper
def test_renamed_parameters_keeps_the_signature_and_the_docstring():
    def f(x, *, by=None):
        """Doc."""
        return x, by

    g = renamed_parameters(group="by")(f)
    assert inspect.signature(g) == inspect.signature(f)
    assert g.__doc__ == "Doc." and g.__name__ == "f"
    assert g.__renamed_parameters__ == {"group": "by"}
    with pytest.warns(FutureWarning, match=r"f: parameter 'group' is renamed 'by'") as got:
        assert g(1, group="a") == (1, "a")
    assert got[0].filename == __file__  # points at the caller
    with pytest.raises(RenamedParameterError, match="give only 'by'"):
        g(1, group="a", by="b")
    assert issubclass(RenamedParameterError, TypeError) and issubclass(RenamedParameterError, CxError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(1, by="b") == (1, "b")


def test_every_renamed_parameter_points_at_a_real_parameter():
    seen = 0
    for qualname, obj in _public_callables():
        renames = getattr(obj, "__renamed_parameters__", None)
        if not renames:
            continue
        params = inspect.signature(obj).parameters
        for old, new in renames.items():
            seen += 1
            assert new in params, f"{qualname}: {old!r} -> {new!r} but no parameter {new!r}"
            assert old not in params, f"{qualname}: old name {old!r} still a parameter"
    assert seen >= 5


# ----------------------------------------------------------------- each deprecated alias
def _survival_frame():
    rng = np.random.default_rng(7)
    n = 60
    return pd.DataFrame({"days": rng.integers(1, 50, n).astype(float),
                         "churned": rng.integers(0, 2, n),
                         "g": np.repeat(["a", "b", "c"], n // 3),
                         "y": rng.integers(0, 11, n).astype(float),
                         "flag": rng.integers(0, 2, n).astype(bool)})


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, tuple | list):
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


# (id, call taking the keyword arguments, {old: value}, {new: value})
ALIASES = [
    ("logrank group", lambda **k: cx.logrank(_survival_frame(), duration="days", event="churned", **k),
     {"group": "g"}, {"by": "g"}),
    ("rmst_difference group", lambda **k: cx.rmst_difference(_survival_frame(), duration="days",
                                                             event="churned", tau=20, **k),
     {"group": "g"}, {"by": "g"}),
    ("outcome_by_group group", lambda **k: cx.outcome_by_group(_survival_frame(), "flag", **k),
     {"group": "g"}, {"by": "g"}),
    ("funnel_table group", lambda **k: cx.funnel_table(_survival_frame(), "y", **k),
     {"group": "g"}, {"by": "g"}),
    ("icc group", lambda **k: cx.icc(_survival_frame(), "y", **k), {"group": "g"}, {"by": "g"}),
]


@pytest.mark.parametrize(("call", "old", "new"), [a[1:] for a in ALIASES], ids=[a[0] for a in ALIASES])
def test_a_deprecated_spelling_works_warns_and_gives_the_same_result(call, old, new):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        expected = call(**new)
    (old_name,), (new_name,) = old, new
    with pytest.warns(FutureWarning, match=rf"parameter '{old_name}' is renamed '{new_name}'") as got:
        result = call(**old)
    assert [w for w in got if issubclass(w.category, FutureWarning)][0].filename == __file__
    _same(result, expected)
    with pytest.raises(TypeError, match="give only"):
        call(**old, **new)
