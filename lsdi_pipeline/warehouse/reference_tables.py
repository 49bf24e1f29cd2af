"""The Reference tables: the borough register, the PI catalogue, the mapping stage, the pilot and DfE's published
figures.

Part of the warehouse schema (`lsdi_pipeline.warehouse.schema`): docs/warehouse.md is the contract.
"""

from lsdi_pipeline import codes
from lsdi_pipeline.warehouse.table import BOROUGH_COMMENT, PI_COMMENT, Table, column

TABLES = (
    Table(
        "dim_borough",
        "The authorities that may send returns (the 32 London boroughs in the bundled data).",
        (
            column("borough_code", "VARCHAR", "Current GSS code (E09000002 …).", False),
            column("legacy_code", "VARCHAR", "Legacy ONS code used in 2008 (00AB …); accepted in returns."),
            column("dfe_la_code", "INTEGER", "DfE local-authority number (e.g. 302 for Barnet)."),
            column("borough_name", "VARCHAR", "Official name.", False),
            column("aliases", "VARCHAR", "Other names accepted in returns, ';'-separated."),
            column(
                "inner_outer", "VARCHAR", "inner or outer London (DfE statistical split).", True, ("inner", "outer")
            ),
            column(
                "comparison_group",
                "VARCHAR",
                "The group the borough is compared within (London for the 32 boroughs).",
                False,
            ),
            column("is_pilot", "BOOLEAN", "True for boroughs in the Phase I feasibility pilot.", False),
            column("child_population", "INTEGER", "Children aged 0–17 (ONS mid-year estimate)."),
            column("child_population_year", "INTEGER", "Mid-year the child population refers to."),
            column(
                "statistical_neighbours",
                "VARCHAR",
                "DfE statistical neighbours as DfE LA numbers, ';'-separated, closest first.",
            ),
            column(
                "neighbour_model",
                "VARCHAR",
                "The statistical-neighbour model the list comes from (e.g. DfE May 2025): a dated reference fact, "
                "applied to every period.",
            ),
            column(
                "region_code",
                "VARCHAR",
                "GSS code of the borough's DfE region (E12000007 London): the region of region_value in "
                "cmp_borough_pi.",
            ),
            column("source", "VARCHAR", "Where these reference facts come from."),
        ),
        ("borough_code",),
    ),
    Table(
        "dim_goal",
        "The few overarching goals the PIs sit under.",
        (
            column("goal_code", "VARCHAR", "Goal code (G1 …).", False),
            column("title", "VARCHAR", "The goal.", False),
            column("description", "VARCHAR", "What the goal covers."),
        ),
        ("goal_code",),
    ),
    Table(
        "dim_cluster",
        "Clusters of 3 or 4 PIs under one goal, each with its own narrative in a return.",
        (
            column("cluster_code", "VARCHAR", "Cluster code (C01 …).", False),
            column("goal_code", "VARCHAR", "The goal the cluster sits under; see dim_goal.", False),
            column("title", "VARCHAR", "Cluster title.", False),
            column("narrative_prompt", "VARCHAR", "The question a borough answers in its narrative for this cluster."),
        ),
        ("cluster_code",),
    ),
    Table(
        "dim_indicator",
        "The PI catalogue: the 36 performance indicators of the dataset.",
        (
            column("pi_code", "VARCHAR", "PI code used in returns (NI59, L01 …).", False),
            column("title", "VARCHAR", "Short title.", False),
            column("definition", "VARCHAR", "What is measured."),
            column("goal_code", "VARCHAR", "Goal of the PI's cluster; see dim_goal.", False),
            column("cluster_code", "VARCHAR", "Cluster; see dim_cluster.", False),
            column(
                "unit",
                "VARCHAR",
                "Unit of value: percent (0–100), rate_per_1k/10k/100k, count, days or score.",
                False,
                codes.UNITS,
            ),
            column(
                "polarity",
                "VARCHAR",
                "Which direction is better: higher_is_better, lower_is_better, in_band or neutral.",
                False,
                codes.POLARITIES,
            ),
            column("band_min", "DOUBLE", "Lower edge of the good band (in_band PIs only)."),
            column("band_max", "DOUBLE", "Upper edge of the good band (in_band PIs only)."),
            column("valid_min", "DOUBLE", "Lowest possible value; below it a figure is an error."),
            column("valid_max", "DOUBLE", "Highest possible value; above it a figure is an error."),
            column("source_agency", "VARCHAR", "Agency that holds the data.", False, codes.AGENCIES),
            column(
                "source_type",
                "VARCHAR",
                "local_authority (children's social care, education, LSCB) or multi_agency.",
                False,
                codes.SOURCE_TYPES,
            ),
            column(
                "expected_cadence",
                "VARCHAR",
                "How often a figure is asked for: monthly, quarterly or annual.",
                False,
                codes.CADENCES,
            ),
            column(
                "period_basis",
                "VARCHAR",
                "financial_year, calendar_year or snapshot (a figure on a date).",
                False,
                codes.PERIOD_BASES,
            ),
            column("ni_ref", "VARCHAR", "2008 National Indicator Set reference ('NI 65'); NULL for local measures."),
            column(
                "status",
                "VARCHAR",
                "phase_1 (collected in the pilot) or postponed (not collected yet).",
                False,
                codes.PI_STATUSES,
            ),
            column("numerator_definition", "VARCHAR", "What the numerator counts (ratio PIs)."),
            column("denominator_definition", "VARCHAR", "What the denominator counts (ratio PIs)."),
            column("status_reason", "VARCHAR", "Why a PI is postponed."),
            column("evidence", "VARCHAR", "Provenance of the definition."),
            column(
                "national_polarity",
                "VARCHAR",
                "Polarity of the England-wide rank and band (national_rank, national_band), as DfE's LAIT gives it "
                "for the published measure; NULL where DfE publishes none.",
                True,
                ("higher_is_better", "lower_is_better", "neutral"),
            ),
            column(
                "published_source",
                "VARCHAR",
                "The DfE published file and column the PI's England-wide figures come from (see published_value); "
                "NULL if none.",
            ),
        ),
        ("pi_code",),
    ),
    Table(
        "mapping_response",
        "The mapping stage (Oct–Dec 2007): each borough's answer to the request for LSCB performance information.",
        (
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("response", "VARCHAR", "responded or no_response.", False, codes.MAPPING_RESPONSES),
            column(
                "contribution",
                "VARCHAR",
                "full_report, partial_report, acknowledged_only or none.",
                False,
                codes.MAPPING_CONTRIBUTIONS,
            ),
            column("response_date", "DATE", "When the borough responded; NULL if it did not."),
            column("note", "VARCHAR", "Provenance note (the bundled mapping data are synthetic)."),
        ),
        ("borough_code",),
    ),
    Table(
        "mapping_inventory",
        "The measures each contributing borough's LSCB performance report held, by agency and frequency.",
        (
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("measure", "VARCHAR", "The measure as the borough's report named it.", False),
            column("pi_code", "VARCHAR", "The catalogue PI the measure corresponds to; NULL if none."),
            column("source_agency", "VARCHAR", "Agency the measure comes from.", False, codes.AGENCIES),
            column("source_type", "VARCHAR", "local_authority or multi_agency.", False, codes.SOURCE_TYPES),
            column(
                "frequency",
                "VARCHAR",
                "How often the report gives it: monthly, quarterly or annual.",
                False,
                codes.CADENCES,
            ),
        ),
        ("borough_code", "measure"),
    ),
    Table(
        "pilot_borough",
        "The boroughs in the Phase I feasibility pilot.",
        (
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("expressed_interest_on", "DATE", "When the borough expressed interest in the pilot."),
            column("chair_confirmed_on", "DATE", "When the LSCB chair confirmed pilot status; NULL while outstanding."),
            column("return_due_on", "DATE", "When the pilot return was due."),
        ),
        ("borough_code",),
    ),
    Table(
        "published_value",
        "DfE's published statistics (Explore Education Statistics files in data/raw/published/) for the PIs whose "
        "definition they match, as dataset/published_measures.csv declares. The data team's table: true figures, "
        "not for publication as it stands.",
        (
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column(
                "period",
                "VARCHAR",
                "Canonical period label (2024/25, or the snapshot 2025-03-31 for a PI counted on 31 March).",
                False,
            ),
            column(
                "geographic_level",
                "VARCHAR",
                "national, regional or local_authority.",
                False,
                ("national", "regional", "local_authority"),
            ),
            column(
                "area_code",
                "VARCHAR",
                "GSS code: E92000001 England, E12… regions (E13000001/2 Inner/Outer London), E06/E08/E09/E10 local "
                "authorities.",
                False,
            ),
            column(
                "dfe_la_code",
                "INTEGER",
                "DfE local-authority number (old_la_code); NULL for England and the regions.",
            ),
            column("area_name", "VARCHAR", "The area as DfE names it.", False),
            column(
                "value",
                "DOUBLE",
                "The published figure in the PI's unit; NULL where a symbol stands (see value_status).",
            ),
            column("numerator", "DOUBLE", "The published numerator, where the file gives one."),
            column(
                "denominator",
                "DOUBLE",
                "The published denominator (or, for a rate, the population), where there is one.",
            ),
            column(
                "value_status",
                "VARCHAR",
                "reported, or the meaning of DfE's symbol: suppressed (c), not_available (x, :), not_applicable "
                "(z), low_reliability (u), rounds_to_zero (low, k, ~).",
                False,
                codes.VALUE_STATUSES,
            ),
            column(
                "raw_value",
                "VARCHAR",
                "The cell as published (numerator / denominator for a rate DfE publishes as its parts).",
            ),
            column("source_file", "VARCHAR", "The file under the raw directory it was read from.", False),
        ),
        ("pi_code", "period", "geographic_level", "area_code"),
    ),
)
