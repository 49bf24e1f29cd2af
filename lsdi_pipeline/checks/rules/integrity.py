"""The integrity rules: whether a figure's numbers are possible, consistent and in line with others."""

from __future__ import annotations

from lsdi_pipeline.checks.rules.rule import Rule

#: the range a percentage must lie in
PERCENT_RANGE = (0, 100)
#: how far a value may be from numerator / denominator in the PI's unit and still be rounding
ROUNDING_TOLERANCE = 0.5
#: robust z-score beyond which a figure is an outlier, and how many boroughs it takes to say so
OUTLIER_Z = 3.5
OUTLIER_MIN_BOROUGHS = 5
#: counts are compared per this many children, so that a large borough is not an outlier for being large
OUTLIER_PER_CHILDREN = 10_000

INTEGRITY: tuple[Rule, ...] = (
    Rule(
        "unit_mismatch",
        "integrity",
        "warning",
        "A figure is written as a percentage (45% or a %-formatted cell) for a PI that is not measured in percent.",
        "Enter the figure in the PI's unit (see the PI definitions sheet): a count or rate, not a percentage.",
        None,
        title="A percentage was given for a PI not measured in percent",
    ),
    Rule(
        "numerator_exceeds_denominator",
        "integrity",
        "error",
        "The numerator is larger than the denominator.",
        "Check the numerator and denominator have not been swapped and count the same cohort.",
        None,
        title="The numerator is larger than the denominator",
    ),
    Rule(
        "percent_out_of_range",
        "integrity",
        "error",
        f"A percentage is outside {PERCENT_RANGE[0]}–{PERCENT_RANGE[1]}.",
        f"Enter percentages as numbers from {PERCENT_RANGE[0]} to {PERCENT_RANGE[1]} (45 means 45%).",
        None,
        title="A percentage is below 0 or above 100",
    ),
    Rule(
        "count_invalid",
        "integrity",
        "error",
        "A count is negative or not a whole number.",
        "Counts are whole numbers of children, cases or events; check the figure.",
        None,
        title="A count is negative or not a whole number",
    ),
    Rule(
        "value_out_of_range",
        "integrity",
        "error",
        "The value is outside the PI's valid range.",
        "Check the figure and its unit against the PI definition sheet.",
        None,
        title="The value is outside the range the PI allows",
    ),
    Rule(
        "value_inconsistent",
        "integrity",
        "error",
        "The value does not match its numerator and denominator (beyond rounding).",
        "Check the value equals numerator / denominator in the PI's unit, or leave the value blank to have it "
        "calculated.",
        None,
        title="The value does not match its numerator and denominator",
    ),
    Rule(
        "differs_from_published",
        "integrity",
        "warning",
        "A returned figure differs from DfE's published figure for the same borough, PI and period by more than DfE's "
        "rounding (half its last digit).",
        "Check the figure against what was sent to DfE (the children in need census); if DfE's is right, send it; if "
        "the difference is real (a revised or local count), say why in the Note column.",
        None,
        title="The figure differs from DfE's published figure",
    ),
    Rule(
        "outlier",
        "integrity",
        "warning",
        "The figure is far from the other boroughs' figures for the same PI and period "
        f"(robust z-score above {OUTLIER_Z:g}, at least {OUTLIER_MIN_BOROUGHS} boroughs).",
        "Check the figure and its definition; if it is right, explain it in the Note column or the cluster narrative.",
        None,
        title="The figure is far from other boroughs' figures",
    ),
    Rule(
        "qualified_number",
        "integrity",
        "warning",
        "A figure was written as approximate (approx, c., ~); it was read as the number given.",
        "Send the exact figure if available; otherwise note it as an estimate in the Note column.",
        None,
        title="The figure was given as approximate",
    ),
)
