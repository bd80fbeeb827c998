"""The vectorised Cox fit (cxanalytics.behaviour.survival._coxfit) against statsmodels ``PHReg``.

``cox()`` uses the vectorised fit; statsmodels ``PHReg`` (Breslow and Efron ties), which
loops over the distinct event times, is the external reference: coefficients to rtol 1e-8,
standard errors to rtol 1e-6 and the log partial likelihood to rtol 1e-10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.hazard_regression import PHReg

import cxanalytics as cx
from cxanalytics.behaviour.survival import cox
from cxanalytics.behaviour.survival._cox import _design
from cxanalytics.behaviour.survival._coxfit import fit_cox
from cxanalytics.datasets import load_sample
from cxanalytics.link.linking import encounter_landmarks, link_responses

AS_OF = "2026-07-01T00:00:00+00:00"


def _phreg(t, e, x, groups, ties="breslow"):
    model = PHReg(t, x, status=np.asarray(e, dtype=float), strata=groups, ties=ties)
    fit = model.fit()
    return model, np.asarray(fit.params), np.asarray(fit.bse)


def _check_against_phreg(t, e, x, groups=None, ties="breslow"):
    ours = fit_cox(t, e, x, groups, ties=ties)
    model, params, bse = _phreg(t, e, x, groups, ties)
    assert ours.converged
    np.testing.assert_allclose(ours.params, params, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.bse, bse, rtol=1e-6)
    np.testing.assert_allclose(ours.loglike, model.loglike(params), rtol=1e-10)
    return ours


def _random(seed, n=2000, n_strata=None, rounding=10.0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n) < 0.3, rng.normal(size=n), rng.uniform(-2, 2, n)]).astype(float)
    t = np.round(rng.exponential(np.exp(-(0.7 * x[:, 0] - 0.4 * x[:, 1] + 0.2 * x[:, 2]))) * rounding)
    e = (rng.random(n) < 0.7).astype(int)
    groups = None if n_strata is None else rng.integers(0, n_strata, n)
    return t, e, x, groups


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("seed,n_strata,rounding", [(0, None, 10.0), (1, 3, 10.0), (2, 5, 2.0),
                                                    (3, None, 1e6), (4, 2, 1.0)])
def test_matches_phreg_on_random_data_with_ties_and_strata(seed, n_strata, rounding, ties):
    t, e, x, groups = _random(seed, n_strata=n_strata, rounding=rounding)
    assert len(np.unique(t[e == 1])) < (e == 1).sum() or rounding > 1e5  # tied event times
    _check_against_phreg(t, e, x, groups, ties)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_matches_phreg_with_large_covariates_and_a_stratum_without_events(ties):
    t, e, x, groups = _random(11, n=1500, n_strata=4)
    e[groups == 2] = 0
    x[:, 1] = 1e3 + 50 * x[:, 1]  # offset and scale: exp(eta) would overflow without the shift
    _check_against_phreg(t, e, x, groups, ties)


@pytest.fixture(scope="module")
def sample():
    return {n: load_sample(n) for n in ("responses", "customers", "transactions", "interactions")}


def _notebook_calls(sample):
    """The Cox models of notebooks 05, 06 and 07 (and claims) on the bundled sample."""
    link = link_responses(sample["responses"], sample["customers"], transactions=sample["transactions"],
                          interactions=sample["interactions"], as_of=AS_OF)
    linked = link.linked.assign(nps_group=cx.nps_group(link.linked["nps"]),
                                tenure_years=link.linked["tenure_days"] / 365.25)
    lm = encounter_landmarks(sample["customers"], sample["interactions"], transactions=sample["transactions"],
                             as_of=AS_OF)
    ref = {"nps_group": "promoter"}
    return [(linked, ["nps_group", "tenure_years", "segment", "channel"], "plan", ref),
            (linked, ["nps_group", "unresolved_before"], "plan", ref),
            (lm.linked, ["encounter"], "plan", {})]


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_frame_matches_phreg_on_the_notebook_models(sample, ties):
    for frame, covs, strata, ref in _notebook_calls(sample):
        fit = cox(frame, duration="days_to_churn", event="churned", covariates=covs, strata=strata, reference=ref,
                  ties=ties)
        d = frame.dropna(subset=[*covs, strata])
        x, terms = _design(d, covs, ref)
        groups = d.groupby(strata, sort=True).ngroup().to_numpy()
        t, e = d["days_to_churn"].to_numpy(float), d["churned"].to_numpy(int)
        ours = _check_against_phreg(t, e, x, groups, ties)
        _, params, bse = _phreg(t, e, x, groups, ties)
        assert list(fit["term"]) == list(terms["term"])
        np.testing.assert_allclose(fit["coef"], params, rtol=1e-8)
        np.testing.assert_allclose(fit["std_error"], bse, rtol=1e-6)
        np.testing.assert_allclose(fit["z"], params / bse, rtol=1e-6)
        np.testing.assert_allclose(fit["coef"], ours.params, rtol=0, atol=0)  # cox() used the fast fit
        assert (fit["n"] == len(d)).all() and (fit["n_events"] == e.sum()).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-100, 100), n_strata=st.sampled_from([None, 2, 4]),
       ties=st.sampled_from(["breslow", "efron"]))
def test_invariant_to_row_order_and_to_shifting_a_covariate(seed, shift, n_strata, ties):
    t, e, x, groups = _random(seed, n=300, n_strata=n_strata, rounding=5.0)
    base = fit_cox(t, e, x, groups, ties=ties)
    perm = np.random.default_rng(seed).permutation(len(t))
    shuffled = fit_cox(t[perm], e[perm], x[perm], None if groups is None else groups[perm], ties=ties)
    shifted = fit_cox(t, e, x + np.array([0.0, shift, 0.0]), groups, ties=ties)
    assert base.converged and shuffled.converged and shifted.converged
    for other in (shuffled, shifted):
        np.testing.assert_allclose(other.params, base.params, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(other.bse, base.bse, rtol=1e-6)
        np.testing.assert_allclose(other.loglike, base.loglike, rtol=1e-10)


def test_monotone_likelihood_is_not_reported_as_converged_by_cox():
    # a level without events: cox() keeps statsmodels' path, which warns (tests/test_survival.py)
    df = pd.DataFrame({"t": np.arange(1.0, 21.0), "e": [1, 0] * 10, "g": ["a", "b"] * 10})
    with pytest.warns(cx.errors.ConvergenceWarning), pytest.warns(cx.errors.SeparationWarning):
        cox(df, duration="t", event="e", covariates="g")
