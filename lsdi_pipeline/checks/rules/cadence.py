"""The cadence rules: whether a figure's period is the one asked for, and whether a series adds up."""

from __future__ import annotations

from lsdi_pipeline.checks.rules.rule import Rule

#: how far sub-annual figures may add up away from the annual figure: a share of the annual figure, and never less
#: than one child, case or event
RECONCILE_TOLERANCE = 0.005
RECONCILE_TOLERANCE_AT_LEAST = 1.0

CADENCE: tuple[Rule, ...] = (
    Rule(
        "cadence_mismatch",
        "cadence",
        "warning",
        "The figure's period does not match the PI's expected cadence (e.g. quarterly figures where annual were asked "
        "for).",
        "Report this PI for the periods pre-listed in the template; if your agency only holds other periods, say so "
        "in the Note column.",
        None,
        title="The figures are for other periods than those asked for",
    ),
    Rule(
        "frequency_contradicts_period",
        "cadence",
        "warning",
        "The declared reporting frequency does not match the period given.",
        "Make the Reporting frequency match the period (Annual for 2007/08, Quarterly for 2007/08 Q3, Monthly for "
        "2007-12).",
        None,
        title="The reporting frequency does not match the period",
    ),
    Rule(
        "period_ambiguous",
        "cadence",
        "warning",
        "A period such as 2007-08 could be a financial year or a month; the reading chosen is stated.",
        "Write financial years as 2007/08 and months by name (Aug 2007), which cannot be mistaken for one another.",
        None,
        title="The period could be read two ways",
    ),
    Rule(
        "series_gap",
        "cadence",
        "warning",
        "A PI is reported for some of its expected periods but not all (a gap in the series).",
        "Add the missing periods, or mark them n/a and say in the Note column why they are not available.",
        None,
        title="Some of a PI's periods are missing",
    ),
    Rule(
        "basis_mixed",
        "cadence",
        "warning",
        "One PI is reported on both financial-year and calendar-year periods.",
        "Report every period of a PI on the basis the catalogue asks for (financial years April–March unless stated).",
        None,
        title="Financial years and calendar years are mixed for one PI",
    ),
    Rule(
        "subannual_unreconciled",
        "cadence",
        "warning",
        "Monthly or quarterly figures do not add up to the annual figure given for the same year (counts, and "
        "numerators and denominators of percentages; snapshots and population rates are not summed).",
        "Check the annual figure and the monthly or quarterly figures cover the same cases; correct whichever is "
        "wrong.",
        None,
        title="Monthly or quarterly figures do not add up to the year's",
    ),
    Rule(
        "period_incomplete",
        "cadence",
        "warning",
        "The figure is for a period that had not ended on the date of submission.",
        "Send the final figure once the period has ended, or mark the row as provisional in the Note column.",
        None,
        title="The period had not ended when the return was sent",
    ),
)
