"""cxanalytics: customer-feedback analytics, from raw exports to retention economics.

The public API is re-exported here by name, so ``import cxanalytics as cx`` reaches every
documented function.  Importing the package is cheap: each name is imported from its module
on first use (PEP 562), so a script that only cleans exports never loads SciPy or
statsmodels, and matplotlib is never imported (plotting lives in
:mod:`cxanalytics.plotting`).

The stages, in the order an analysis (and the notebooks) use them, one package each:

- :mod:`cxanalytics.ingest` (notebooks 01-02): :func:`read_export` (Qualtrics, SurveyMonkey,
  Google Forms, SPSS, CSV/XLSX), :func:`propose_mapping`, :func:`map_columns` for your own
  tables, digits, numbers, answer labels and calendars, :func:`clean_responses`, the logs;
- :mod:`cxanalytics.survey` (03): :func:`nps`, :func:`csat`, :func:`ces`, :func:`top_box`,
  :func:`mean_score` and their comparisons between groups and periods; several exports as one
  table and what it can answer (:func:`combine_cleaned`, :func:`read_cleaned`,
  :func:`survey_scores`, :func:`item_batteries`, :func:`segment_columns`, :func:`driver_items`);
- :mod:`cxanalytics.behaviour` (04, 08): :func:`customer_summary`, churn labels,
  :func:`cohort_retention`; survival (:func:`kaplan_meier`, :func:`logrank`, :func:`rmst`,
  :func:`cox`); retention models (:func:`fit_sbg`, :func:`fit_bgnbd`, :func:`fit_gamma_gamma`);
- :mod:`cxanalytics.link` (05): responses linked to behaviour, outcomes, drivers, claims;
- :mod:`cxanalytics.money` (06): lifetime values, retention costs, improvements, break-even;
- :mod:`cxanalytics.report` (07): findings, the report and the command line;
- beside them: churn snapshots (one row per customer: tenure, churn flag, charges, segments):
  :func:`churn_by_segment`, :func:`survival_by_segment`, :func:`fit_sbg_snapshot`,
  :func:`snapshot_clv`, :func:`satisfaction_churn_link` (:mod:`cxanalytics.snapshot`, 09);
  open text (:mod:`cxanalytics.comments`, 10-11);
- sample data: :func:`cxanalytics.datasets.load_sample`.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module (relative to this package) that defines it.
_EXPORTS: dict[str, str] = {
    "cohort_matrix": "behaviour.summaries",
    "cohort_retention": "behaviour.summaries",
    "customer_summary": "behaviour.summaries",
    "parse_dates": "ingest.calendars",
    "ParsedDates": "ingest.calendars",
    "churn_labels_contractual": "behaviour.churn",
    "churn_labels_noncontractual": "behaviour.churn",
    "claim_consistency": "link.claims",
    "claim_negative_encounters": "link.claims",
    "claim_recovery_paradox": "link.claims",
    "claim_satisfaction_retention": "link.claims",
    "claim_service_standards": "link.claims",
    "claim_silent_customers": "link.claims",
    "ClaimResult": "link.claims",
    "clean_responses": "ingest.cleaning",
    "CleanResult": "ingest.cleaning",
    "BGNBDFit": "behaviour.clv",
    "customer_lifetime_value": "behaviour.clv",
    "fit_bgnbd": "behaviour.clv",
    "fit_gamma_gamma": "behaviour.clv",
    "fit_sbg": "behaviour.clv",
    "fit_sbg_censored": "behaviour.clv",
    "GammaGammaFit": "behaviour.clv",
    "SBGFit": "behaviour.clv",
    "Codebook": "ingest.codebook",
    "claim_theme_churn": "comments",
    "comment_columns": "comments",
    "comment_score_model": "comments",
    "compare_textiq": "comments",
    "textiq_coding": "comments",
    "comment_themes": "comments",
    "comment_vectorizer": "comments",
    "prepare_comments": "comments",
    "ScoreModelResult": "comments",
    "theme_differences": "comments",
    "ThemeResult": "comments",
    "compare_means": "survey.comparisons",
    "compare_nps": "survey.comparisons",
    "compare_proportions": "survey.comparisons",
    "consistency": "survey.consistency",
    "funnel_limits": "survey.consistency",
    "funnel_table": "survey.consistency",
    "icc": "survey.consistency",
    "importance_performance": "link.drivers",
    "LogitResult": "link.drivers",
    "relative_weights": "link.drivers",
    "relative_weights_from_correlation": "link.drivers",
    "repurchase_model": "link.drivers",
    "clv": "money.economics",
    "clv_by_segment": "money.economics",
    "clv_interval": "money.economics",
    "clv_from_bgnbd": "money.economics",
    "clv_from_sbg": "money.economics",
    "profit_from_retention_gain": "money.economics",
    "Estimate": "money.economics",
    "ConvergenceWarning": "errors",
    "CovariateError": "errors",
    "CxError": "errors",
    "DataQualityWarning": "errors",
    "SeparationWarning": "errors",
    "SmallSampleWarning": "errors",
    "read_export": "ingest.exports",
    "Finding": "report.findings",
    "finding": "report.findings",
    "read_findings": "report.findings",
    "SurveyExport": "ingest.exports",
    "Baseline": "money.improvement",
    "detractors_to_passives": "money.improvement",
    "EffectEstimate": "money.improvement",
    "fewer_negative_encounters": "money.improvement",
    "ImprovementValue": "money.improvement",
    "value_of_improvement": "money.improvement",
    "encounter_landmarks": "link.linking",
    "link_responses": "link.linking",
    "LinkResult": "link.linking",
    "read_customers": "ingest.logs",
    "read_interactions": "ingest.logs",
    "read_transactions": "ingest.logs",
    "Mapping": "ingest.mapping",
    "MappingError": "ingest.mapping",
    "MappingResult": "ingest.mapping",
    "map_columns": "ingest.mapping",
    "MissingColumnsError": "ingest.mapping",
    "propose_mapping": "ingest.mapping",
    "read_mapped": "ingest.mapping",
    "ces": "survey.metrics",
    "csat": "survey.metrics",
    "mean_score": "survey.metrics",
    "nps": "survey.metrics",
    "top_box": "survey.metrics",
    "nps_group": "link.outcomes",
    "outcome_by_group": "link.outcomes",
    "quantile_band": "link.outcomes",
    "bgnbd_frequency_table": "behaviour.retention",
    "bgnbd_holdout_table": "behaviour.retention",
    "bgnbd_pmf": "behaviour.retention",
    "cohort_survivors": "behaviour.retention",
    "retention_vs_acquisition": "money.retention_costs",
    "cronbach_alpha": "survey.scales",
    "cronbach_alpha_from_covariance": "survey.scales",
    "item_statistics": "survey.scales",
    "break_even": "money.sensitivity",
    "break_even_curve": "money.sensitivity",
    "break_even_interval": "money.sensitivity",
    "sensitivity": "money.sensitivity",
    "pillar_composite": "survey.servqual",
    "pillar_scores": "survey.servqual",
    "servqual_gaps": "survey.servqual",
    "churn_by_segment": "snapshot",
    "fit_sbg_snapshot": "snapshot",
    "format_p_value": "snapshot",
    "satisfaction_churn_link": "snapshot",
    "snapshot_clv": "snapshot",
    "snapshot_from_logs": "snapshot",
    "snapshot_retention_vs_acquisition": "snapshot",
    "SnapshotSurvival": "snapshot",
    "survival_by_segment": "snapshot",
    "tenure_life_table": "snapshot",
    "ChunkedCleanResult": "ingest.streaming",
    "clean_export_in_chunks": "ingest.streaming",
    "cox": "behaviour.survival",
    "kaplan_meier": "behaviour.survival",
    "logrank": "behaviour.survival",
    "LogrankResult": "behaviour.survival",
    "rmst": "behaviour.survival",
    "rmst_difference": "behaviour.survival",
    "CleanedSurveys": "survey.combined",
    "combine_cleaned": "survey.combined",
    "driver_items": "survey.combined",
    "item_batteries": "survey.combined",
    "read_cleaned": "survey.combined",
    "segment_columns": "survey.combined",
    "survey_scores": "survey.combined",
    "headline_scores": "survey.combined",
    "SurvivalResult": "behaviour.survival",
    "normalize_digits": "ingest.text",
    "normalize_text": "ingest.text",
    "parse_number": "ingest.text",
    "recode_labels": "ingest.labels",
    "RecodeResult": "ingest.labels",
    "rake": "survey.weights",
    "RakeResult": "survey.weights",
}

__all__ = ["__version__", *_EXPORTS]



def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access and cache it here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxanalytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """The package module; a public function wins over a submodule of the same name.

    Three public functions share their name with a submodule (``clv``, ``consistency``,
    ``sensitivity``).  Importing a submodule normally binds it as an attribute of its
    package, which would hide the function; here that binding is skipped (the submodule
    stays in ``sys.modules``), so ``cx.clv`` is always the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

