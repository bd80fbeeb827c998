"""cxanalytics: customer-feedback analytics, from raw exports to retention economics.

The public API is re-exported here by name, so ``import cxanalytics as cx`` reaches every
documented function.  Importing the package never imports matplotlib: plotting lives in
:mod:`cxanalytics.plotting`.

The modules, in the order an analysis uses them:

- reading exports: :func:`read_export` (Qualtrics, SurveyMonkey, Google Forms, SPSS, CSV/XLSX);
- text and calendars: :mod:`cxanalytics.text` (digits, labels), :mod:`cxanalytics.calendars`;
- satisfaction metrics: :func:`nps`, :func:`csat`, :func:`ces`, :func:`top_box`,
  :func:`mean_score` and their comparisons between groups and periods;
- repeat business: :func:`customer_summary`, churn labels, :func:`cohort_retention`;
- survival: :func:`kaplan_meier`, :func:`logrank`, :func:`rmst`, :func:`cox`;
- retention models: :func:`fit_sbg`, :func:`fit_bgnbd`, :func:`fit_gamma_gamma`;
- sample data: :func:`cxanalytics.datasets.load_sample`.
"""

from __future__ import annotations

from .behaviour import cohort_matrix, cohort_retention, customer_summary
from .calendars import ParsedDates, parse_dates
from .churn import churn_labels_contractual, churn_labels_noncontractual
from .claims import (
    ClaimResult,
    claim_consistency,
    claim_negative_encounters,
    claim_recovery_paradox,
    claim_satisfaction_retention,
    claim_service_standards,
    claim_silent_customers,
)
from .cleaning import CleanResult, clean_responses
from .clv import (
    BGNBDFit,
    GammaGammaFit,
    SBGFit,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_sbg,
)
from .codebook import Codebook
from .comparisons import compare_means, compare_nps, compare_proportions
from .consistency import consistency, funnel_limits, funnel_table, icc
from .drivers import (
    LogitResult,
    importance_performance,
    relative_weights,
    relative_weights_from_correlation,
    repurchase_model,
)
from .economics import clv, clv_by_segment, clv_from_bgnbd, clv_from_sbg, profit_from_retention_gain
from .errors import (
    ConvergenceWarning,
    CxError,
    DataQualityWarning,
    SmallSampleWarning,
)
from .exports import SurveyExport, read_export
from .improvement import (
    Baseline,
    EffectEstimate,
    ImprovementValue,
    detractors_to_passives,
    fewer_negative_encounters,
    value_of_improvement,
)
from .linking import LinkResult, encounter_landmarks, link_responses
from .logs import read_customers, read_interactions, read_transactions
from .metrics import ces, csat, mean_score, nps, top_box
from .outcomes import nps_group, outcome_by_group, quantile_band
from .retention import bgnbd_frequency_table, bgnbd_holdout_table, bgnbd_pmf, cohort_survivors
from .retention_costs import retention_vs_acquisition
from .scales import cronbach_alpha, cronbach_alpha_from_covariance, item_statistics
from .sensitivity import break_even, break_even_curve, sensitivity
from .servqual import pillar_composite, pillar_scores, servqual_gaps
from .streaming import ChunkedCleanResult, clean_export_in_chunks
from .survival import SurvivalResult, cox, kaplan_meier, logrank, rmst, rmst_difference
from .text import RecodeResult, normalize_digits, normalize_text, parse_number, recode_labels
from .weights import RakeResult, rake

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Baseline",
    "BGNBDFit",
    "ChunkedCleanResult",
    "ClaimResult",
    "CleanResult",
    "Codebook",
    "ConvergenceWarning",
    "CxError",
    "DataQualityWarning",
    "EffectEstimate",
    "GammaGammaFit",
    "ImprovementValue",
    "LinkResult",
    "LogitResult",
    "ParsedDates",
    "RakeResult",
    "RecodeResult",
    "SBGFit",
    "SmallSampleWarning",
    "SurveyExport",
    "SurvivalResult",
    "bgnbd_frequency_table",
    "bgnbd_holdout_table",
    "bgnbd_pmf",
    "break_even",
    "break_even_curve",
    "ces",
    "churn_labels_contractual",
    "churn_labels_noncontractual",
    "claim_consistency",
    "claim_negative_encounters",
    "claim_recovery_paradox",
    "claim_satisfaction_retention",
    "claim_service_standards",
    "claim_silent_customers",
    "clean_export_in_chunks",
    "clean_responses",
    "clv",
    "clv_by_segment",
    "clv_from_bgnbd",
    "clv_from_sbg",
    "cohort_matrix",
    "cohort_retention",
    "cohort_survivors",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "consistency",
    "cox",
    "cronbach_alpha",
    "cronbach_alpha_from_covariance",
    "csat",
    "customer_lifetime_value",
    "customer_summary",
    "detractors_to_passives",
    "encounter_landmarks",
    "fewer_negative_encounters",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_sbg",
    "funnel_limits",
    "funnel_table",
    "icc",
    "importance_performance",
    "item_statistics",
    "kaplan_meier",
    "link_responses",
    "logrank",
    "mean_score",
    "normalize_digits",
    "normalize_text",
    "nps",
    "nps_group",
    "outcome_by_group",
    "parse_dates",
    "parse_number",
    "pillar_composite",
    "pillar_scores",
    "profit_from_retention_gain",
    "quantile_band",
    "rake",
    "read_customers",
    "read_export",
    "read_interactions",
    "read_transactions",
    "recode_labels",
    "relative_weights",
    "relative_weights_from_correlation",
    "repurchase_model",
    "retention_vs_acquisition",
    "rmst",
    "rmst_difference",
    "sensitivity",
    "servqual_gaps",
    "top_box",
    "value_of_improvement",
]
