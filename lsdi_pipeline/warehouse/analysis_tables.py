"""The Analysis tables: availability, cadence, feasibility, the comparison across boroughs, bias by source and the
Phase II recommendations.

Part of the warehouse schema (`lsdi_pipeline.warehouse.schema`): docs/warehouse.md is the contract.
"""

from lsdi_pipeline import codes
from lsdi_pipeline.warehouse.table import (
    BOROUGH_COMMENT,
    BOROUGH_NAME_COMMENT,
    PI_COMMENT,
    PI_NAME_COMMENT,
    Table,
    column,
)

#: how the statistics and figures of cmp_borough_pi are rounded (analysis.rounding), said in each column's comment
ROUNDED_STATISTIC = " Rounded as DfE: to the unit's decimal places, and at least one."
ROUNDED_FIGURE = " Rounded as DfE publishes a figure: percentages and rates to 1 decimal place, counts and days whole."

TABLES = (
    Table(
        "mapping_summary",
        "The mapping stage in figures, as the Phase I report gives them.",
        (
            column(
                "measure",
                "VARCHAR",
                "invited, responded, no response, supplied information, acknowledged only, …",
                False,
            ),
            column("boroughs", "INTEGER", "Number of boroughs.", False),
            column("measure_order", "INTEGER", "Order in which the report lists the measures.", False),
        ),
        ("measure",),
    ),
    Table(
        "availability_matrix",
        "What each pilot borough provided of each phase-1 PI: expected periods against figures given.",
        (
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("borough_name", "VARCHAR", BOROUGH_NAME_COMMENT),
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column("pi_name", "VARCHAR", PI_NAME_COMMENT),
            column(
                "periods_expected",
                "INTEGER",
                "Periods the PI's expected cadence asks for in the years the returns cover.",
                False,
            ),
            column(
                "periods_provided",
                "INTEGER",
                "Of those, periods with a current reported figure not flagged error.",
                False,
            ),
            column("periods_not_provided", "INTEGER", "Of those, periods marked not provided (n/a, blank, …).", False),
            column("periods_suppressed", "INTEGER", "Of those, periods the borough suppressed (<5, c, …).", False),
            column(
                "periods_missing",
                "INTEGER",
                "Of those, periods with no row at all (or only an error figure).",
                False,
            ),
            column("availability_pct", "DOUBLE", "periods_provided / periods_expected × 100.", False),
        ),
        ("borough_code", "pi_code"),
    ),
    Table(
        "cadence_mismatch",
        "Figures given at another cadence than the catalogue asks for, by borough, PI and the cadence given.",
        (
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("borough_name", "VARCHAR", BOROUGH_NAME_COMMENT),
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column("pi_name", "VARCHAR", PI_NAME_COMMENT),
            column("expected_cadence", "VARCHAR", "The cadence the catalogue asks for.", False, codes.CADENCES),
            column(
                "reported_frequency",
                "VARCHAR",
                "The cadence of the periods given (as their period type implies).",
                False,
                codes.CADENCES,
            ),
            column("periods", "INTEGER", "How many current figures were given at that cadence.", False),
            column("period_list", "VARCHAR", "The periods, ', '-separated.", False),
            column(
                "declared_frequency",
                "VARCHAR",
                "The reporting frequency the borough declared on those rows (', '-separated if several).",
            ),
        ),
        ("borough_code", "pi_code", "reported_frequency"),
    ),
    Table(
        "feasibility_summary",
        "How feasible the pilot boroughs found each PI to collect (current feasibility answers).",
        (
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column("pi_name", "VARCHAR", PI_NAME_COMMENT),
            column("responses", "INTEGER", "Boroughs that answered for this PI.", False),
            column("can_provide_yes", "INTEGER", "Boroughs that can provide the PI.", False),
            column("can_provide_partially", "INTEGER", "Boroughs that can provide it in part.", False),
            column("can_provide_no", "INTEGER", "Boroughs that cannot provide it.", False),
            column("issue_none", "INTEGER", "Boroughs reporting no issue.", False),
            column("issue_reporting_cycle", "INTEGER", "Boroughs whose main issue is the reporting cycle.", False),
            column("issue_data_availability", "INTEGER", "Boroughs whose main issue is data availability.", False),
            column("issue_data_integrity", "INTEGER", "Boroughs whose main issue is data integrity.", False),
            column("issue_other", "INTEGER", "Boroughs with another main issue.", False),
        ),
        ("pi_code",),
    ),
    Table(
        "cmp_borough_pi",
        "Each borough against London and England, per PI and period, on current figures not flagged error. Safe to "
        "publish: no suppressed figure can be worked out from it (see docs/warehouse.md, Disclosure control).",
        (
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column("pi_name", "VARCHAR", PI_NAME_COMMENT),
            column("unit", "VARCHAR", "The PI's unit (dim_indicator.unit): what value and the statistics are in."),
            column("period", "VARCHAR", "Canonical period label.", False),
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("borough_name", "VARCHAR", BOROUGH_NAME_COMMENT),
            column(
                "value",
                "DOUBLE",
                "The borough's figure as published; NULL where suppressed (see suppressed). Rounded as DfE "
                "publishes it (analysis.rounding): percentages and rates to 1 decimal place, counts and days whole, "
                "halves away from zero; every statistic of the table is computed on these rounded figures.",
            ),
            column(
                "value_shown",
                "VARCHAR",
                "The figure as DfE's files print it: value as text to its decimal places (22.6, 1234), or the "
                f"symbol {codes.SUPPRESSED_SYMBOL} where it is suppressed.",
            ),
            column("comparison_group", "VARCHAR", "The authorities compared (London for the 32 boroughs).", False),
            column(
                "group_mean",
                "DOUBLE",
                "London: mean of the group's published figures (suppressed ones take no part); NULL with fewer "
                "than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "group_median",
                "DOUBLE",
                "London: median of the group's published figures; NULL with fewer than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "group_q1",
                "DOUBLE",
                "London: lower quartile of the published figures (linear interpolation, as quantile_cont and Excel "
                "QUARTILE.INC); NULL with fewer than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "group_q3",
                "DOUBLE",
                "London: upper quartile (linear interpolation); NULL with fewer than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "group_pooled",
                "DOUBLE",
                "London: Σ numerator / Σ denominator in the PI's unit, over the pooled_reporting boroughs whose "
                "published figure gave both; NULL with fewer than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "rank",
                "INTEGER",
                "London: 1 = best by the catalogue's polarity among the published figures; ties share the best "
                "rank; in_band ranks by distance from the band; NULL for neutral PIs and suppressed figures.",
            ),
            column(
                "boroughs_reporting",
                "INTEGER",
                "London: boroughs whose published figure the group statistics are computed on (suppressed figures "
                "not counted).",
                False,
            ),
            column(
                "quartile_band",
                "VARCHAR",
                "London: A–D, A best by the catalogue's polarity; NULL for neutral PIs, suppressed figures and "
                "groups under 3.",
                True,
                ("A", "B", "C", "D"),
            ),
            column(
                "diff_from_group",
                "DOUBLE",
                "value − group_median (both as shown); NULL where either is NULL." + ROUNDED_STATISTIC,
            ),
            column(
                "change_from_previous",
                "DOUBLE",
                "value − the borough's figure for the adjacent previous period of the same type; NULL across a "
                "gap, or next to a suppressed figure." + ROUNDED_FIGURE,
            ),
            column(
                "sn_median",
                "DOUBLE",
                "Median of the published figures of the borough's statistical neighbours in the group (see "
                "dim_borough.neighbour_model); NULL with fewer than 3." + ROUNDED_STATISTIC,
            ),
            column(
                "suppressed",
                "BOOLEAN",
                "True when the figure is hidden (primary: a small count; secondary: to protect one; see suppression).",
                False,
            ),
            column(
                "suppression",
                "VARCHAR",
                "primary (a count of 1–5, or a rate or percentage on a numerator of 1–5) or secondary (hidden so "
                "that a primary one cannot be worked out from a total); NULL when published.",
                True,
                ("primary", "secondary"),
            ),
            column(
                "england_value",
                "DOUBLE",
                "DfE's published figure for England for the PI and period (published_value); NULL where DfE "
                "publishes none. As DfE publishes it: counts (totals) to the nearest 10, percentages and rates to "
                "1 decimal place.",
            ),
            column(
                "region_value",
                "DOUBLE",
                "DfE's published figure for the borough's region (dim_borough.region_code, London) for the PI and "
                "period; rounded as england_value.",
            ),
            column(
                "national_rank",
                "INTEGER",
                "England: 1 = best by LAIT's polarity (dim_indicator.national_polarity) among every English local "
                "authority with a figure — this borough's return, the others' DfE published figures; ties share "
                "the best rank; NULL for neutral measures and suppressed figures.",
            ),
            column(
                "authorities_ranked",
                "INTEGER",
                "England: how many local authorities national_rank and national_band are computed over.",
            ),
            column(
                "national_band",
                "VARCHAR",
                "England: LAIT's quartile band over the same authorities: value intervals [min, Q1], (Q1, Q2], "
                "(Q2, Q3], (Q3, max] (R type 7 quantiles), A–D from the best by LAIT's polarity.",
                True,
                ("A", "B", "C", "D"),
            ),
            column(
                "sn_mean",
                "DOUBLE",
                "Mean of the figures of the borough's DfE statistical neighbours (dim_borough.neighbour_model), as "
                "LAIT: a neighbour's return where it sent one, its DfE published figure otherwise; NULL with fewer "
                "than 3." + ROUNDED_STATISTIC,
            ),
            column("sn_reporting", "INTEGER", "How many statistical neighbours sn_mean is computed over."),
            column(
                "pooled_reporting",
                "INTEGER",
                "How many boroughs group_pooled covers (published figures giving both numerator and denominator).",
            ),
        ),
        ("pi_code", "period", "borough_code"),
    ),
    Table(
        "bias_by_source",
        "How far the dataset leans on local-authority sources: PIs, frequency, availability and what boroughs "
        "hold, by source.",
        (
            column("source_type", "VARCHAR", "local_authority or multi_agency.", False, codes.SOURCE_TYPES),
            column(
                "source_agency",
                "VARCHAR",
                "The agency; NULL on the row totalling the source type.",
                True,
                codes.AGENCIES,
            ),
            column("pis_in_dataset", "INTEGER", "PIs in the catalogue from this source.", False),
            column("share_of_dataset_pct", "DOUBLE", "Those PIs as a share of all PIs, 0–100.", False),
            column("pis_phase_1", "INTEGER", "Of those, PIs collected in Phase I (not postponed).", False),
            column("pis_more_than_annual", "INTEGER", "Phase-1 PIs asked for more often than once a year.", False),
            column(
                "availability_pct",
                "DOUBLE",
                "Expected pilot figures provided for this source's PIs, 0–100; NULL if none expected.",
            ),
            column(
                "measures_in_mapping",
                "INTEGER",
                "Measures from this source in the contributing boroughs' reports (mapping inventory).",
                False,
            ),
            column(
                "measures_more_than_annual_in_mapping",
                "INTEGER",
                "Of those, measures reported more often than once a year.",
                False,
            ),
            column(
                "boroughs_holding",
                "INTEGER",
                "Contributing boroughs whose report held at least one measure from this source.",
                False,
            ),
        ),
    ),
    Table(
        "phase2_recommendation",
        "The recommended content of Phase II: one row per PI, and programme-level rows with a NULL pi_code.",
        (
            column("pi_code", "VARCHAR", "The PI; NULL for a programme-level recommendation."),
            column("pi_name", "VARCHAR", "The PI's title (dim_indicator.title); NULL for a programme-level row."),
            column(
                "recommendation",
                "VARCHAR",
                "retain, revise, postpone or replace (PIs); extend_pilot, map_sources, support_boroughs, "
                "chase_responses (programme).",
                False,
            ),
            column("reasons", "VARCHAR", "Why, in words that cite the figures.", False),
            column(
                "evidence",
                "JSON",
                "The figures behind it, as a JSON object (evidence->>'$.availability_pct'); its keys per "
                "recommendation are listed in docs/warehouse.md.",
                False,
            ),
            column("rule", "VARCHAR", "The rule of config/phase2_rules.toml that decided it.", False),
        ),
    ),
)
