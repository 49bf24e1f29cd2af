"""The code lists of the warehouse contract (docs/warehouse.md): one source of truth."""

from __future__ import annotations

UNITS = ("percent", "rate_per_1k", "rate_per_10k", "rate_per_100k", "count", "days", "score")
#: how a unit is named beside its figures (the report's tables and chart axes)
UNIT_LABELS = {
    "percent": "%",
    "rate_per_1k": "rate per 1,000",
    "rate_per_10k": "rate per 10,000",
    "rate_per_100k": "rate per 100,000",
    "count": "count",
    "days": "days",
    "score": "score",
}
#: how many of the unit one whole of numerator/denominator is worth
UNIT_SCALE = {"percent": 100, "rate_per_1k": 1_000, "rate_per_10k": 10_000, "rate_per_100k": 100_000}

POLARITIES = ("higher_is_better", "lower_is_better", "in_band", "neutral")

LOCAL_AUTHORITY_AGENCIES = ("childrens_social_care", "education", "lscb")
MULTI_AGENCY_AGENCIES = ("health", "police", "probation", "youth_offending", "cafcass", "other")
AGENCIES = (
    "childrens_social_care",
    "education",
    "health",
    "police",
    "probation",
    "youth_offending",
    "cafcass",
    "lscb",
    "other",
)
AGENCY_LABELS = {
    "childrens_social_care": "Children's social care",
    "education": "Education",
    "health": "Health",
    "police": "Police",
    "probation": "Probation",
    "youth_offending": "Youth offending service",
    "cafcass": "CAFCASS",
    "lscb": "LSCB",
    "other": "Other",
}
SOURCE_TYPES = ("local_authority", "multi_agency")

CADENCES = ("monthly", "quarterly", "annual")
FREQUENCY_LABELS = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual"}
PERIOD_TYPES = ("month", "quarter", "year", "calendar_quarter", "calendar_year", "snapshot")
PERIOD_BASES = ("financial_year", "calendar_year", "snapshot")
#: the cadence a period of each type represents
PERIOD_TYPE_CADENCE = {
    "month": "monthly",
    "quarter": "quarterly",
    "calendar_quarter": "quarterly",
    "year": "annual",
    "calendar_year": "annual",
    "snapshot": None,  # a snapshot's cadence is set by the spacing of the dates, not the label
}

PI_STATUSES = ("phase_1", "postponed")

MAPPING_RESPONSES = ("responded", "no_response")
MAPPING_CONTRIBUTIONS = ("full_report", "partial_report", "acknowledged_only", "none")

SUBMISSION_STATUSES = ("accepted", "accepted_with_issues", "rejected", "duplicate")
#: the statuses of a submission whose rows were loaded
LOADED_STATUSES = ("accepted", "accepted_with_issues")
VALUE_STATUSES = (
    "reported",
    "not_provided",
    "suppressed",
    "not_available",
    "not_applicable",
    "low_reliability",
    "rounds_to_zero",
)
#: DfE's Explore Education Statistics symbols (the GSS standard), in returns and in DfE's published files: each is a
#: NULL value with this status, never a rejected row
DFE_SYMBOLS = {
    "c": "suppressed",
    "[c]": "suppressed",
    "x": "not_available",
    ":": "not_available",
    "[x]": "not_available",
    "z": "not_applicable",
    "[z]": "not_applicable",
    "u": "low_reliability",
    "[u]": "low_reliability",
    "low": "rounds_to_zero",
    "k": "rounds_to_zero",
    "~": "rounds_to_zero",
}
#: what DfE prints in place of a suppressed figure, and what our safe-to-publish tables print
SUPPRESSED_SYMBOL = "c"
#: what each status says about a figure, for messages and the data dictionary
VALUE_STATUS_MEANINGS = {
    "reported": "a figure",
    "not_provided": "not provided",
    "suppressed": "suppressed",
    "not_available": "not available",
    "not_applicable": "not applicable",
    "low_reliability": "low reliability",
    "rounds_to_zero": "rounding to zero (under half the last digit shown)",
}
QUALITY_STATUSES = ("ok", "warning", "error")
DQ_CATEGORIES = ("structure", "availability", "cadence", "integrity")
SEVERITIES = ("error", "warning")

#: the Feasibility sheet's answers: the answer as the return offers it → its code
CAN_PROVIDE = {"Yes": "yes", "Partially": "partially", "No": "no"}
MAIN_ISSUES = {
    "None": "none",
    "Reporting cycle": "reporting_cycle",
    "Data availability": "data_availability",
    "Data integrity": "data_integrity",
    "Other": "other",
}


def source_type(agency: str | None) -> str | None:
    """`local_authority` for children's social care, education and the LSCB; else `multi_agency`."""
    if agency is None:
        return None
    return "local_authority" if agency in LOCAL_AUTHORITY_AGENCIES else "multi_agency"


def normalise_label(text: str) -> str:
    """Lower-case, trim, straighten quotes and fold underscores and runs of space."""
    text = str(text).replace("\u00a0", " ").replace("\u2019", "'").replace("_", " ")
    return " ".join(text.strip().lower().split())
