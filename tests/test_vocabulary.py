"""One word per idea across the public API (issue 17, part 5).

The first test walks the signature of every public callable (``cx.__all__``, the methods
of the public result classes, and :mod:`cxanalytics.plotting`) and fails when a parameter
uses a second spelling of an idea that already has a word.  The others check each
deprecated spelling: it still works, gives the same result, warns ``FutureWarning`` naming
the new word, and giving both the old and the new word is an error.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import cxanalytics as cx
import cxanalytics.plotting as cxplot
from cxanalytics._core.validate import RenamedParameterError, renamed_parameters
from cxanalytics.errors import CxError
from cxanalytics.report._params import RENAMED, check_parameters, declared_defaults
from cxanalytics.report.runner import find_notebooks

#: idea -> (the accepted word, second spellings that must not appear as a parameter).
VOCABULARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "grouping column(s) of a result": ("by", ("group", "groups", "group_by", "groupby", "segment_by", "segment")),
    "significance level (interval is 1 - alpha)": ("alpha", ("significance", "sig_level", "conf_level",
                                                             "confidence", "confidence_level", "ci_level")),
    "seed or generator": ("random_state", ("seed", "rng", "random_seed")),
    "number of resamples": ("n_resamples", ("n_boot", "n_bootstrap", "bootstrap", "B", "n_reps")),
    "number of Monte Carlo draws": ("n_draws", ("n_sims", "n_simulations", "draws_n", "nsim")),
    "the analysed column": ("column", ("col", "var", "variable", "field")),
    "time-stamp column of events": ("time", ("timestamp", "time_col", "date", "datetime")),
    # A churn snapshot's functions name their columns after the snapshot's own columns instead:
    # ``tenure=`` (time with the company, the snapshot's duration column) and ``churned=``, with
    # ``tenure_unit=`` the calendar unit that column is in ('days' ... 'years', beside ``period=``,
    # the model's period); they take one fixed table, as ``customer=`` or ``time=`` do elsewhere.
    "duration column of survival data": ("duration", ("durations", "time_to_event", "length")),
    "event indicator of survival data": ("event", ("events", "status", "observed", "event_col")),
    "per-period discount rate": ("discount", ("discount_rate", "discounting", "rate")),
    "time zone": ("timezone", ("tz", "time_zone")),
    "case weights column": ("weights", ("weight_col", "weighting", "w")),
    "acquisition date column": ("acquired", ("start", "acquired_at", "start_date")),
    "cancellation date column": ("cancelled", ("end", "cancelled_at", "ended", "end_date")),
    "p-value adjustment method": ("p_adjust", ("adjust_p", "correction", "multiple")),
    "iteration limit": ("max_iter", ("maxiter", "n_iter", "max_iterations")),
    "complaint column": ("complaint", ("complained", "complaints")),
    "customer key column": ("customer", ("on", "customer_id", "customer_key", "id_col")),
    "stratum / adjustment column of a claim": ("strata", ("stratum", "stratify", "stratify_by")),
    "amount (spend) column of transactions": ("amount", ("value", "spend", "revenue", "amount_col")),
    "explanatory columns of a model": ("covariates", ("predictors", "regressors", "features", "controls",
                                                      "adjust_for")),
    # the silence after a customer's last purchase after which one counts as churned (lapsed);
    # claim_negative_encounters' ``window`` is not it but the churn window after a landmark, and its
    # ``inactivity_days`` the lapse window in days as LinkResult.inactivity_days carries it
    "lapse window": ("window", ("inactivity", "inactivity_window", "lapse_window")),
    # a ``pandas`` offset ('D', 'W', 'h') or Timedelta in which durations computed from time
    # stamps are given; a snapshot's tenure column has its own ``tenure_unit`` (see above), and
    # a finding's ``unit`` ("points", "%") is the unit of its number, not of time
    "time unit of computed durations": ("unit", ("time_unit", "freq", "unit_of_time")),
    # a file written or read; ``file=`` (map_columns, propose_mapping, Mapping) is another idea:
    # where the data came from, named in messages; read_export's ``path_or_buffer`` also takes an
    # open file
    "path of a file read or written": ("path", ("file_path", "filepath", "filename", "fname")),
    "folder read or written": ("folder", ("out", "out_dir", "output_dir", "outdir", "directory", "dir")),
}

#: Documented exceptions: (callable, parameter) pairs where a word above names another idea.
EXCEPTIONS: dict[tuple[str, str], str] = {
    # a weight attached to one effect of a result object, not a column of case weights
    ("EffectEstimate", "weight"): "weight of one effect in a combined estimate",
    # the table with one row per group (a result field), not the grouping column(s): those are LogrankResult.by
    ("LogrankResult", "groups"): "the per-group table of a log-rank test",
    # ``value`` names which measure a table or plot shows, or the value of an estimate
    ("cohort_matrix", "value"): "which column of the cohort table fills the matrix",
    ("plot_cohort_heatmap", "value"): "which column of the cohort table is coloured",
    ("plot_relative_weights", "value"): "share of R² or raw weight",
    ("Estimate", "value"): "the estimate itself (with its interval)",
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


def test_every_public_signature_uses_one_word_per_idea():
    forbidden = {old: (idea, word) for idea, (word, olds) in VOCABULARY.items() for old in olds}
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


def test_every_notebook_parameter_uses_one_word_per_idea():
    """The notebooks' parameters (``cxanalytics report --param NAME=VALUE``) speak the library's words."""
    forbidden = {old: (idea, word) for idea, (word, olds) in VOCABULARY.items() for old in olds}
    clashes = [f"{nb.name}: {name} = ...: say {forbidden[name][1]!r} ({forbidden[name][0]})"
               for nb in find_notebooks() for name in declared_defaults(nb) if name in forbidden]
    assert not clashes, "Second spellings among the notebook parameters:\n" + "\n".join(clashes)
    declared = {name for nb in find_notebooks() for name in declared_defaults(nb)}
    for old, new in RENAMED.items():
        assert old not in declared and new in declared, (old, new)


def test_a_renamed_notebook_parameter_is_still_accepted():
    with pytest.warns(FutureWarning, match="notebook parameter 'n_boot' is renamed 'n_resamples'"):
        assert check_parameters({"n_boot": "50"}, find_notebooks(), from_text=True) == {"n_resamples": 50}


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


def _dated_frame():
    rng = np.random.default_rng(11)
    return pd.DataFrame({"y": rng.integers(0, 11, 80).astype(float),
                         "at": pd.Timestamp("2026-01-10") + pd.to_timedelta(np.repeat([0, 31], 40), unit="D")})


def _drivers_frame():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 120))
    return pd.DataFrame({"a": a, "b": b, "y": a + 0.5 * b + rng.normal(size=120)})


def _table(names, values):
    return pd.DataFrame({"parameter": names, "estimate": values, "std_error": np.nan,
                         "ci_lower": np.nan, "ci_upper": np.nan})


def _bgnbd_models():
    from cxanalytics.behaviour.clv import BGNBDFit, GammaGammaFit
    return (BGNBDFit(_table(["r", "alpha", "a", "b"], [0.243, 4.414, 0.793, 2.426]), -9582.4, 2357, True),
            GammaGammaFit(_table(["p", "q", "gamma"], [6.25, 3.74, 15.44]), -4055.92, 946, True))


def _bgnbd_summary():
    return pd.DataFrame({"frequency": [0, 2, 1], "recency": [0.0, 30.43, 10.0], "T": [38.86, 38.86, 20.0],
                         "monetary_value": [np.nan, 22.35, 10.0], "tier": ["a", "b", "b"]})


def _sbg():
    return cx.fit_sbg([1000, 631, 468, 382, 326])


def _logs():
    c = pd.DataFrame({"customer_id": [1, 2, 3, 4], "tier": ["a", "a", "b", "b"],
                      "acquired_at": pd.to_datetime(["2024-01-01"] * 4),
                      "cancelled_at": pd.to_datetime(["2025-01-01", None, None, "2024-07-01"]),
                      "acquisition_cost": 50.0, "acquisition_channel": ["web", "web", "shop", "shop"]})
    t = pd.DataFrame({"customer_id": [1, 2, 3, 4], "occurred_at": pd.to_datetime(["2024-01-01"] * 4),
                      "amount": [100.0, 100.0, 50.0, 50.0]})
    return c, t


def _interactions():
    return pd.DataFrame({"customer_id": [1, 2, 3], "handle_s": [300.0, 600.0, 120.0], "credit": [0.0, 5.0, 0.0]})


def _link_tables():
    ts = lambda *d: pd.to_datetime(list(d), utc=True)  # noqa: E731
    resp = pd.DataFrame({"cid": ["a", "b", "z"], "submitted_at": ts("2026-01-10", "2026-02-01", "2026-01-05")})
    cust = pd.DataFrame({"cid": ["a", "b"], "acquired_at": ts("2025-12-01", "2026-01-01"),
                         "plan": ["contract", "contract"], "cancelled_at": ts("2026-03-01", None)})
    return resp, cust


def _link_interactions():
    ts = lambda *d: pd.to_datetime(list(d), utc=True)  # noqa: E731
    return pd.DataFrame({"cid": ["a", "a", "b"], "occurred_at": ts("2026-01-05", "2026-01-20", "2026-02-01"),
                         "resolved": [True, False, False], "complaint": [False, True, False]})


def _claim_frame():
    rng = np.random.default_rng(2)
    n = 400
    words = np.array(["slow delivery and late parcels", "friendly staff helped quickly",
                      "price too high for the plan", "app crashes at login"])
    return pd.DataFrame({"nps": rng.integers(0, 11, n).astype(float), "complaints": rng.integers(0, 3, n),
                         "churned": rng.random(n) < 0.3, "plan": rng.choice(["a", "b"], n),
                         "comment": words[rng.integers(0, 4, n)]})


def _themes():
    return (_fitted_themes(), 1)


@functools.cache
def _fitted_themes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.comment_themes(_claim_frame(), "comment", k=2, n_resamples=1, min_df=1, random_state=0)


def _repurchase_frame():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    return pd.DataFrame({"x": x, "plan": rng.choice(["a", "b"], 300),
                         "bought": rng.random(300) < 1 / (1 + np.exp(-0.8 * x))})


def _logit(result):
    return result.odds_ratios


def _link_purchases():
    ts = lambda *d: pd.to_datetime(list(d), utc=True)  # noqa: E731
    return pd.DataFrame({"cid": ["a", "a", "b"], "occurred_at": ts("2026-01-01", "2026-02-01", "2026-01-15")})


@functools.cache
def _cleaned():
    from cxanalytics.datasets import load_sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cx.clean_responses(cx.read_export(load_sample("qualtrics_en")), pii_key="k")


def _export_file():
    from cxanalytics.datasets import load_sample
    return load_sample("qualtrics_en")


def _written(write, **folder):
    """Write into a new temporary folder (the value given is its name); the files written, by name."""
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        out = write(**{name: Path(tmp) / sub for name, sub in folder.items()})
        files = sorted(p.name for sub in set(folder.values()) for p in (Path(tmp) / sub).iterdir())
        return (files, out) if isinstance(out, pd.DataFrame) else files


def _verdict(result):
    return result.verdict


def _plotted(ax):
    import matplotlib.pyplot as plt
    labels = [t.get_text() for t in ax.get_xticklabels()], ax.get_xlabel()
    plt.close(ax.figure)
    return labels


def _same(a, b):
    if dataclasses.is_dataclass(a) and not isinstance(a, type):  # a result object: field by field
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
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
    ("plot_outcome_by_group group", lambda **k: _plotted(cxplot.plot_outcome_by_group(
        cx.outcome_by_group(_survival_frame(), "flag", by="g"), **k)), {"group": "g"}, {"by": "g"}),
    ("compare_means timestamp", lambda **k: cx.compare_means(_dated_frame(), "y", period="M", min_n=2, **k),
     {"timestamp": "at"}, {"time": "at"}),
    ("compare_nps timestamp", lambda **k: cx.compare_nps(_dated_frame(), "y", period="M", min_n=2, **k),
     {"timestamp": "at"}, {"time": "at"}),
    ("compare_proportions timestamp", lambda **k: cx.compare_proportions(
        _dated_frame(), "y", period="M", min_n=2, scale=(0, 10), top=2, **k), {"timestamp": "at"}, {"time": "at"}),
    ("parse_dates tz", lambda **k: tuple(cx.parse_dates(pd.Series(["2025-03-04 10:22", "2025-03-05"]), **k)),
     {"tz": "Asia/Tehran"}, {"timezone": "Asia/Tehran"}),
    ("relative_weights n_boot", lambda **k: cx.relative_weights(_drivers_frame(), "y", ["a", "b"], random_state=3, **k),
     {"n_boot": 20}, {"n_resamples": 20}),
    ("importance_performance n_boot", lambda **k: cx.importance_performance(
        _drivers_frame(), "y", ["a", "b"], random_state=3, **k), {"n_boot": 20}, {"n_resamples": 20}),
    ("customer_lifetime_value discount_rate", lambda **k: cx.customer_lifetime_value(
        *_bgnbd_models(), _bgnbd_summary(), horizon=52, **k), {"discount_rate": 0.002}, {"discount": 0.002}),
    ("clv_from_bgnbd discount_rate", lambda **k: cx.clv_from_bgnbd(
        *_bgnbd_models(), _bgnbd_summary(), horizon=52, by="tier", **k), {"discount_rate": 0.002}, {"discount": 0.002}),
    ("clv_from_bgnbd segment", lambda **k: cx.clv_from_bgnbd(
        *_bgnbd_models(), _bgnbd_summary(), horizon=52, **k), {"segment": "tier"}, {"by": "tier"}),
    ("SBGFit.derl discount_rate", lambda **k: _sbg().derl(renewals=2, **k),
     {"discount_rate": 0.1}, {"discount": 0.1}),
    ("clv_by_segment segment", lambda **k: cx.clv_by_segment(*_logs(), as_of="2026-01-01", lapse=False,
                                                              period="366D", **k),
     {"segment": "tier"}, {"by": "tier"}),
    ("retention_vs_acquisition segment", lambda **k: cx.retention_vs_acquisition(
        _logs()[0], _interactions(), margin=100.0, retention=0.8, as_of="2026-01-01", min_channel_n=1, **k),
     {"segment": "tier"}, {"by": "tier"}),
    ("churn_labels_contractual start/end", lambda **k: cx.churn_labels_contractual(
        _logs()[0], as_of="2026-01-01", **k), {"start": "acquired_at", "end": "cancelled_at"},
     {"acquired": "acquired_at", "cancelled": "cancelled_at"}),
    ("claim_silent_customers complained", lambda **k: _verdict(cx.claim_silent_customers(
        _claim_frame(), duration=None, strata=None, **k)), {"complained": "complaints"}, {"complaint": "complaints"}),
    ("claim_theme_churn adjust", lambda **k: _verdict(cx.claim_theme_churn(
        _claim_frame(), *_themes(), duration=None, **k)), {"adjust": "plan"}, {"strata": "plan"}),
    ("link_responses on", lambda **k: cx.link_responses(*_link_tables(), horizon="30D", as_of="2026-04-01",
                                                        **k).linked, {"on": "cid"}, {"customer": "cid"}),
    ("encounter_landmarks on", lambda **k: cx.encounter_landmarks(_link_tables()[1], _link_interactions(),
                                                                  as_of="2026-06-30", **k).linked,
     {"on": "cid"}, {"customer": "cid"}),
    ("cohort_survivors start/end", lambda **k: cx.cohort_survivors(_logs()[0], as_of="2026-01-01", period="M", **k),
     {"start": "acquired_at", "end": "cancelled_at"}, {"acquired": "acquired_at", "cancelled": "cancelled_at"}),
    ("customer_summary value", lambda **k: cx.customer_summary(_logs()[1], as_of="2024-12-31", **k),
     {"value": "amount"}, {"amount": "amount"}),
    ("repurchase_model predictors", lambda **k: _logit(cx.repurchase_model(_repurchase_frame(), "bought", **k)),
     {"predictors": ["x", "plan"]}, {"covariates": ["x", "plan"]}),
    ("link_responses inactivity", lambda **k: cx.link_responses(*_link_tables(), transactions=_link_purchases(), customer="cid",
                                                                horizon="30D", as_of="2026-04-01", **k).linked,
     {"inactivity": "20D"}, {"window": "20D"}),
    ("CleanResult.to_csv out", lambda **k: _written(_cleaned().to_csv, **k), {"out": "f"}, {"folder": "f"}),
    ("CleanResult.to_parquet out", lambda **k: _written(_cleaned().to_parquet, **k), {"out": "f"}, {"folder": "f"}),
    ("clean_export_in_chunks out_dir", lambda **k: _written(
        lambda **f: cx.clean_export_in_chunks(_export_file(), chunksize=40, pii_key="k", **f).counts, **k),
     {"out_dir": "f"}, {"folder": "f"}),
]


@pytest.mark.parametrize(("call", "old", "new"), [a[1:] for a in ALIASES], ids=[a[0] for a in ALIASES])
def test_a_deprecated_spelling_works_warns_and_gives_the_same_result(call, old, new):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        expected = call(**new)
    with pytest.warns(FutureWarning) as got:
        result = call(**old)
    future = [str(w.message) for w in got if issubclass(w.category, FutureWarning)]
    for old_name, new_name in zip(old, new, strict=True):
        assert any(f"parameter '{old_name}' is renamed '{new_name}'" in m for m in future), future
    assert [w for w in got if issubclass(w.category, FutureWarning)][0].filename == __file__
    _same(result, expected)
    with pytest.raises(TypeError, match="give only"):
        call(**old, **new)
    with pytest.raises(CxError, match="give only"):
        call(**old, **new)


# ----------------------------------------------------------------- names of result attributes
#: Words that read as one number: a result attribute holding a table is not named with one of them.
NUMBER_WORDS = frozenset({"median", "mean", "estimate", "statistic", "p_value", "rate", "share", "score",
                          "nps", "csat", "ces", "auc", "rmst", "alpha", "hazard_ratio", "odds_ratio"})

#: Documented exceptions: (class, attribute) tables whose name is kept on purpose.
TABLE_NAME_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("SnapshotSurvival", "rmst"): "the output of cx.rmst, named after the function like its km and logrank",
    ("ScoreModelResult", "auc"): "one row: the AUC with its interval (the house shape of one estimate)",
}

#: (class, old attribute, new attribute, a result) for every renamed result attribute.
RENAMED_ATTRIBUTES = [
    ("SurvivalResult", "median", "medians",
     lambda: cx.kaplan_meier(_survival_frame(), duration="days", event="churned", by="g")),
]


def test_no_result_table_is_named_like_one_number():
    clashes = []
    for name in cx.__all__:
        obj = getattr(cx, name)
        if not (inspect.isclass(obj) and dataclasses.is_dataclass(obj)):
            continue
        for f in dataclasses.fields(obj):
            if "DataFrame" in str(f.type) and f.name in NUMBER_WORDS and (name, f.name) not in TABLE_NAME_EXCEPTIONS:
                clashes.append(f"{name}.{f.name}")
    assert not clashes, "Tables named like one number (use a plural or a noun for the table): " + ", ".join(clashes)


@pytest.mark.parametrize(("cls", "old", "new", "make"), RENAMED_ATTRIBUTES, ids=[f"{a[0]}.{a[1]}" for a in RENAMED_ATTRIBUTES])
def test_a_renamed_attribute_works_warns_and_gives_the_same_value(cls, old, new, make):
    result = make()
    assert type(result).__name__ == cls
    names = {f.name for f in dataclasses.fields(result)}
    assert new in names and old not in names
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = getattr(result, new)
    with pytest.warns(FutureWarning, match=rf"{cls}\.{old} is renamed {new}\b") as got:
        value = getattr(result, old)
    assert got[0].filename == __file__
    assert value is expected


# ----------------------------------------------------------------- units of ci columns
def test_every_interval_says_its_unit():
    df = pd.DataFrame({"q": [5, 4, 3, 5, 1, 2, 5, 4] * 5, "n": [10, 9, 8, 7, 6, 5, 0, 9] * 5,
                       "g": list("aabbaabb") * 5,
                       "at": pd.Timestamp("2026-01-10") + pd.to_timedelta(np.repeat([0, 31], 20), unit="D")})
    units = {
        "nps": cx.nps(df, "n", by="g"), "top_box": cx.top_box(df, "q", scale=(1, 5)),
        "csat": cx.csat(df, "q"), "ces top_box": cx.ces(df, "q", method="top_box"),
        "ces": cx.ces(df, "q"), "mean_score": cx.mean_score(df, "q"),
        "compare_nps": cx.compare_nps(df, "n", by="g", min_n=2),
        "compare_proportions": cx.compare_proportions(df, "q", by="g", scale=(1, 5), top=2, min_n=2),
        "compare_means": cx.compare_means(df, "q", period="M", time="at", min_n=2),
        "outcome_by_group": cx.outcome_by_group(_survival_frame(), "flag", by="g"),
        "outcome_by_group rate": cx.outcome_by_group(_survival_frame(), "flag", by="g", duration="days", per=30),
    }
    assert {k: v.attrs.get("unit") for k, v in units.items()} == {
        "nps": "points", "top_box": "fraction", "csat": "fraction", "ces top_box": "fraction",
        "ces": "score", "mean_score": "score", "compare_nps": "points",
        "compare_proportions": "fraction", "compare_means": "score", "outcome_by_group": "fraction",
        "outcome_by_group rate": "events per 30 time units"}
    # the unit is what the numbers are: NPS points are 100 times the difference of two fractions
    shares = units["nps"]
    assert np.allclose(shares["nps"], 100 * (shares["promoter_share"] - shares["detractor_share"]))
    assert ((units["csat"][["csat", "ci_lower", "ci_upper"]] >= 0)
            & (units["csat"][["csat", "ci_lower", "ci_upper"]] <= 1)).all(axis=None)
