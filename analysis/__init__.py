"""Statistics for patient-experience surveys: scores, case-mix adjustment,
funnel limits, reliability, disclosure control, cross-sector gaps and
free-text scrubbing.

A pure library: it takes DataFrames and returns frozen dataclasses of numbers
and codes. It never imports the web service, and never returns translated
text.
"""

from analysis._errors import (
    AdjusterDroppedWarning,
    AnalysisError,
    AnalysisWarning,
    InputError,
    SingleLevelAdjusterWarning,
)
from analysis.casemix import CasemixFit, fit_casemix
from analysis.compare import FLAGS, classify_units
from analysis.disclosure_audit import (
    AUDIT_COLUMNS,
    audit_suppression,
    table_is_safe,
    unsafe_cells,
)
from analysis.funnel import (
    Z_95,
    Z_998,
    FunnelLimits,
    Overdispersion,
    funnel_means,
    funnel_proportions,
    overdispersion,
)
from analysis.io import MISSING_CODES, read_responses_csv
from analysis.items import (
    UNIT_COLUMNS,
    ItemResult,
    ItemResults,
    SharedDesign,
    analyse_item,
    analyse_items,
    shared_design,
)
from analysis.reliability import Reliability, unit_reliability
from analysis.scoring import (
    composite_score,
    fft_percent_positive,
    fft_positive,
    indicator,
    likert_score,
    top_box,
)
from analysis.scrub import ScrubEvaluation, evaluate_scrubbing, find_pii, scrub_text
from analysis.sector_gaps import SectorGaps, sector_gaps, transitions_long
from analysis.suppression import (
    MIN_CELL,
    MIN_UNIT_N,
    CellSuppression,
    breakdown,
    suppress_cells,
)
from analysis.synthetic import SyntheticSurvey, synthetic_survey
from analysis.synthetic_text import LabelledComment, synthetic_comments

__all__ = [
    "AUDIT_COLUMNS",
    "FLAGS",
    "MIN_CELL",
    "MIN_UNIT_N",
    "MISSING_CODES",
    "UNIT_COLUMNS",
    "Z_95",
    "Z_998",
    "AdjusterDroppedWarning",
    "AnalysisError",
    "AnalysisWarning",
    "CasemixFit",
    "CellSuppression",
    "FunnelLimits",
    "InputError",
    "ItemResult",
    "ItemResults",
    "LabelledComment",
    "Overdispersion",
    "Reliability",
    "ScrubEvaluation",
    "SectorGaps",
    "SharedDesign",
    "SingleLevelAdjusterWarning",
    "SyntheticSurvey",
    "analyse_item",
    "analyse_items",
    "audit_suppression",
    "breakdown",
    "classify_units",
    "composite_score",
    "evaluate_scrubbing",
    "fft_percent_positive",
    "fft_positive",
    "find_pii",
    "fit_casemix",
    "funnel_means",
    "funnel_proportions",
    "indicator",
    "likert_score",
    "overdispersion",
    "read_responses_csv",
    "scrub_text",
    "sector_gaps",
    "shared_design",
    "suppress_cells",
    "synthetic_comments",
    "synthetic_survey",
    "table_is_safe",
    "top_box",
    "transitions_long",
    "unit_reliability",
    "unsafe_cells",
]
