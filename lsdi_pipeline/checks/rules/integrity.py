"""The integrity rules: whether a figure's numbers are possible, consistent and in line with others."""

from __future__ import annotations

from lsdi_pipeline.checks.rules.rule import Rule

INTEGRITY: tuple[Rule, ...] = (
    Rule(
        "unit_mismatch",
        "integrity",
        "warning",
        "A figure is written as a percentage (45% or a %-formatted cell) for a PI that is not measured in percent.",
        "Enter the figure in the PI's unit (see the PI definitions sheet): a count or rate, not a percentage.",
        None,
    ),
    Rule(
        "numerator_exceeds_denominator",
        "integrity",
        "error",
        "The numerator is larger than the denominator.",
        "Check the numerator and denominator have not been swapped and count the same cohort.",
        None,
    ),
    Rule(
        "percent_out_of_range",
        "integrity",
        "error",
        "A percentage is outside 0–100.",
        "Enter percentages as numbers from 0 to 100 (45 means 45%).",
        None,
    ),
    Rule(
        "count_invalid",
        "integrity",
        "error",
        "A count is negative or not a whole number.",
        "Counts are whole numbers of children, cases or events; check the figure.",
        None,
    ),
    Rule(
        "value_out_of_range",
        "integrity",
        "error",
        "The value is outside the PI's valid range.",
        "Check the figure and its unit against the PI definition sheet.",
        None,
    ),
    Rule(
        "value_inconsistent",
        "integrity",
        "error",
        "The value does not match its numerator and denominator (beyond rounding).",
        "Check the value equals numerator / denominator in the PI's unit, or leave the value blank to have it "
        "calculated.",
        None,
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
    ),
    Rule(
        "outlier",
        "integrity",
        "warning",
        "The figure is far from the other boroughs' figures for the same PI and period (robust z-score above 3.5, at "
        "least 5 boroughs).",
        "Check the figure and its definition; if it is right, explain it in the Note column or the cluster narrative.",
        None,
    ),
    Rule(
        "qualified_number",
        "integrity",
        "warning",
        "A figure was written as approximate (approx, c., ~); it was read as the number given.",
        "Send the exact figure if available; otherwise note it as an estimate in the Note column.",
        None,
    ),
)
