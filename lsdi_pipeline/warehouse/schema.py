"""The warehouse schema — the public contract of docs/warehouse.md, in one place.

Each table's DDL, its DuckDB `COMMENT`s, the dtypes its frames are conformed to and the
pandera schema that checks them are all derived from the specs below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from lsdi_pipeline import codes

_PANDAS_DTYPE = {
    "VARCHAR": "string",
    "INTEGER": "Int64",
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "BOOLEAN": "boolean",
    "DATE": "datetime64[ns]",
    "TIMESTAMP": "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    comment: str
    nullable: bool = True
    allowed: tuple | None = None


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())

    def without(self, *names: str) -> Table:
        """The same table less some columns (for frames that gain them later, e.g. `is_current`)."""
        return Table(
            self.name,
            self.comment,
            tuple(c for c in self.columns if c.name not in names),
            tuple(k for k in self.key if k not in names),
        )

    def plus(self, *columns: Column) -> Table:
        """The same table with more columns (for frames that carry what a later step needs, then drops)."""
        return Table(self.name, self.comment, (*self.columns, *columns), self.key)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, schema: str) -> list[str]:
        cols = ",\n  ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        statements = [
            f"CREATE TABLE {schema}.{self.name} (\n  {cols}\n)",
            f"COMMENT ON TABLE {schema}.{self.name} IS {_quote(self.comment)}",
        ]
        statements += [f"COMMENT ON COLUMN {schema}.{self.name}.{c.name} IS {_quote(c.comment)}" for c in self.columns]
        return statements

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with exactly this table's columns, in order, in their pandas dtypes."""
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.name}: frame lacks columns {missing}")
        out = frame[self.column_names].copy()
        for c in self.columns:
            dtype = _PANDAS_DTYPE[c.sql_type]
            if dtype.startswith("datetime"):
                out[c.name] = pd.to_datetime(out[c.name])
            elif dtype == "string":
                out[c.name] = (
                    out[c.name].astype("object").where(out[c.name].notna(), None).map(_storable_text).astype("string")
                )
            else:
                out[c.name] = out[c.name].astype(dtype)
        return out.reset_index(drop=True)

    def pandera_schema(self) -> pa.DataFrameSchema:
        columns = {}
        for c in self.columns:
            checks = [pa.Check.isin(list(c.allowed))] if c.allowed else []
            if c.sql_type == "DOUBLE":  # every figure in the warehouse is a finite number (NULL where there is none)
                checks.append(pa.Check(_finite, error="finite numbers only (no infinity or NaN)"))
            columns[c.name] = pa.Column(
                _PANDAS_DTYPE[c.sql_type], checks=checks, nullable=c.nullable, description=c.comment
            )
        return pa.DataFrameSchema(
            columns, strict=True, ordered=True, unique=list(self.key) or None, name=self.name, description=self.comment
        )


def _storable_text(value):
    """Text DuckDB can store: the bytes of a file name that are not UTF-8 (kept as surrogate escapes) shown as \\xNN."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


def _finite(values: pd.Series) -> pd.Series:
    return pd.Series(np.isfinite(values.to_numpy(dtype=float)), index=values.index)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _c(name, sql_type, comment, nullable=True, allowed=None) -> Column:
    return Column(name, sql_type, comment, nullable, tuple(allowed) if allowed else None)


_SUBMISSION_ID = "The submission (file) this row came from; see submission."
_BOROUGH = "GSS code of the borough (E09000002 …); see dim_borough."
_PI = "PI code from the catalogue; see dim_indicator."

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "dim_borough",
            "The authorities that may send returns (the 32 London boroughs in the bundled data).",
            (
                _c("borough_code", "VARCHAR", "Current GSS code (E09000002 …).", False),
                _c("legacy_code", "VARCHAR", "Legacy ONS code used in 2008 (00AB …); accepted in returns."),
                _c("dfe_la_code", "INTEGER", "DfE local-authority number (e.g. 302 for Barnet)."),
                _c("borough_name", "VARCHAR", "Official name.", False),
                _c("aliases", "VARCHAR", "Other names accepted in returns, ';'-separated."),
                _c(
                    "inner_outer", "VARCHAR", "inner or outer London (DfE statistical split).", True, ("inner", "outer")
                ),
                _c(
                    "comparison_group",
                    "VARCHAR",
                    "The group the borough is compared within (London for the 32 boroughs).",
                    False,
                ),
                _c("is_pilot", "BOOLEAN", "True for boroughs in the Phase I feasibility pilot.", False),
                _c("child_population", "INTEGER", "Children aged 0–17 (ONS mid-year estimate)."),
                _c("child_population_year", "INTEGER", "Mid-year the child population refers to."),
                _c(
                    "statistical_neighbours",
                    "VARCHAR",
                    "DfE statistical neighbours as DfE LA numbers, ';'-separated, closest first.",
                ),
                _c(
                    "neighbour_model",
                    "VARCHAR",
                    "The statistical-neighbour model the list comes from (e.g. DfE May 2025): a dated reference fact, applied to every period.",
                ),
                _c(
                    "region_code",
                    "VARCHAR",
                    "GSS code of the borough's DfE region (E12000007 London): the region of region_value in cmp_borough_pi.",
                ),
                _c("source", "VARCHAR", "Where these reference facts come from."),
            ),
            ("borough_code",),
        ),
        Table(
            "dim_goal",
            "The few overarching goals the PIs sit under.",
            (
                _c("goal_code", "VARCHAR", "Goal code (G1 …).", False),
                _c("title", "VARCHAR", "The goal.", False),
                _c("description", "VARCHAR", "What the goal covers."),
            ),
            ("goal_code",),
        ),
        Table(
            "dim_cluster",
            "Clusters of 3 or 4 PIs under one goal, each with its own narrative in a return.",
            (
                _c("cluster_code", "VARCHAR", "Cluster code (C01 …).", False),
                _c("goal_code", "VARCHAR", "The goal the cluster sits under; see dim_goal.", False),
                _c("title", "VARCHAR", "Cluster title.", False),
                _c("narrative_prompt", "VARCHAR", "The question a borough answers in its narrative for this cluster."),
            ),
            ("cluster_code",),
        ),
        Table(
            "dim_indicator",
            "The PI catalogue: the 36 performance indicators of the dataset.",
            (
                _c("pi_code", "VARCHAR", "PI code used in returns (NI59, L01 …).", False),
                _c("title", "VARCHAR", "Short title.", False),
                _c("definition", "VARCHAR", "What is measured."),
                _c("goal_code", "VARCHAR", "Goal of the PI's cluster; see dim_goal.", False),
                _c("cluster_code", "VARCHAR", "Cluster; see dim_cluster.", False),
                _c(
                    "unit",
                    "VARCHAR",
                    "Unit of value: percent (0–100), rate_per_1k/10k/100k, count, days or score.",
                    False,
                    codes.UNITS,
                ),
                _c(
                    "polarity",
                    "VARCHAR",
                    "Which direction is better: higher_is_better, lower_is_better, in_band or neutral.",
                    False,
                    codes.POLARITIES,
                ),
                _c("band_min", "DOUBLE", "Lower edge of the good band (in_band PIs only)."),
                _c("band_max", "DOUBLE", "Upper edge of the good band (in_band PIs only)."),
                _c("valid_min", "DOUBLE", "Lowest possible value; below it a figure is an error."),
                _c("valid_max", "DOUBLE", "Highest possible value; above it a figure is an error."),
                _c("source_agency", "VARCHAR", "Agency that holds the data.", False, codes.AGENCIES),
                _c(
                    "source_type",
                    "VARCHAR",
                    "local_authority (children's social care, education, LSCB) or multi_agency.",
                    False,
                    codes.SOURCE_TYPES,
                ),
                _c(
                    "expected_cadence",
                    "VARCHAR",
                    "How often a figure is asked for: monthly, quarterly or annual.",
                    False,
                    codes.CADENCES,
                ),
                _c(
                    "period_basis",
                    "VARCHAR",
                    "financial_year, calendar_year or snapshot (a figure on a date).",
                    False,
                    codes.PERIOD_BASES,
                ),
                _c("ni_ref", "VARCHAR", "2008 National Indicator Set reference ('NI 65'); NULL for local measures."),
                _c(
                    "status",
                    "VARCHAR",
                    "phase_1 (collected in the pilot) or postponed (not collected yet).",
                    False,
                    codes.PI_STATUSES,
                ),
                _c("numerator_definition", "VARCHAR", "What the numerator counts (ratio PIs)."),
                _c("denominator_definition", "VARCHAR", "What the denominator counts (ratio PIs)."),
                _c("status_reason", "VARCHAR", "Why a PI is postponed."),
                _c("evidence", "VARCHAR", "Provenance of the definition."),
                _c(
                    "national_polarity",
                    "VARCHAR",
                    "Polarity of the England-wide rank and band (national_rank, national_band), as DfE's LAIT gives it for the published measure; NULL where DfE publishes none.",
                    True,
                    ("higher_is_better", "lower_is_better", "neutral"),
                ),
                _c(
                    "published_source",
                    "VARCHAR",
                    "The DfE published file and column the PI's England-wide figures come from (see published_value); NULL if none.",
                ),
            ),
            ("pi_code",),
        ),
        Table(
            "mapping_response",
            "The mapping stage (Oct–Dec 2007): each borough's answer to the request for LSCB performance information.",
            (
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("response", "VARCHAR", "responded or no_response.", False, codes.MAPPING_RESPONSES),
                _c(
                    "contribution",
                    "VARCHAR",
                    "full_report, partial_report, acknowledged_only or none.",
                    False,
                    codes.MAPPING_CONTRIBUTIONS,
                ),
                _c("response_date", "DATE", "When the borough responded; NULL if it did not."),
                _c("note", "VARCHAR", "Provenance note (the bundled mapping data are synthetic)."),
            ),
            ("borough_code",),
        ),
        Table(
            "mapping_inventory",
            "The measures each contributing borough's LSCB performance report held, by agency and frequency.",
            (
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("measure", "VARCHAR", "The measure as the borough's report named it.", False),
                _c("pi_code", "VARCHAR", "The catalogue PI the measure corresponds to; NULL if none."),
                _c("source_agency", "VARCHAR", "Agency the measure comes from.", False, codes.AGENCIES),
                _c("source_type", "VARCHAR", "local_authority or multi_agency.", False, codes.SOURCE_TYPES),
                _c(
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
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("expressed_interest_on", "DATE", "When the borough expressed interest in the pilot."),
                _c("chair_confirmed_on", "DATE", "When the LSCB chair confirmed pilot status; NULL while outstanding."),
                _c("return_due_on", "DATE", "When the pilot return was due."),
            ),
            ("borough_code",),
        ),
        Table(
            "submission",
            "One row per file ever seen in the returns folder, with what became of it.",
            (
                _c("submission_id", "INTEGER", "Identifier, in the order files were first seen.", False),
                _c("borough_code", "VARCHAR", "The borough the file was attributed to; NULL if it could not be."),
                _c("file_name", "VARCHAR", "File name as received.", False),
                _c("file_sha256", "VARCHAR", "SHA-256 of the file's bytes; the archive copy is named by it.", False),
                _c(
                    "submitted_on",
                    "DATE",
                    "Date of submission from the return ('Submitted on'), else the date first seen.",
                ),
                _c(
                    "received_at",
                    "TIMESTAMP",
                    "When the pipeline first saw the file (UTC); never changes on a re-run.",
                    False,
                ),
                _c("template_version", "VARCHAR", "Template version named on the About sheet (NULL for CSV returns)."),
                _c(
                    "status",
                    "VARCHAR",
                    "accepted, accepted_with_issues, rejected or duplicate.",
                    False,
                    codes.SUBMISSION_STATUSES,
                ),
                _c("reject_reason", "VARCHAR", "Why a file was rejected, or which file a duplicate repeats."),
                _c("ignored_sheets", "VARCHAR", "Sheets present but not read, ';'-separated."),
                _c("file_format", "VARCHAR", "xlsx or csv (or the extension of an unsupported file)."),
                _c("encoding", "VARCHAR", "Text encoding of a CSV return (utf-8, utf-8-sig or cp1252)."),
                _c("return_period", "VARCHAR", "Financial year the return covers, from the About sheet."),
                _c("original_path", "VARCHAR", "Path of the file under the returns folder when first seen.", False),
                _c(
                    "archive_path",
                    "VARCHAR",
                    "Path of the pipeline's own copy, relative to the warehouse directory; NULL for an entry that was not a regular file (a link, a pipe), which is never copied.",
                ),
            ),
            ("submission_id",),
        ),
        Table(
            "fact_pi_value",
            "Tidy PI figures: one row per submission × PI × period, with its quality and whether it is current. The data team's table: true figures, small ones included; not for publication (publish cmp_borough_pi and the reports).",
            (
                _c("submission_id", "INTEGER", _SUBMISSION_ID, False),
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("pi_code", "VARCHAR", _PI, False),
                _c(
                    "period",
                    "VARCHAR",
                    "Canonical period label (2007/08, 2007/08 Q3, 2007-12, 2007, 2007 Q4, 2008-03-31).",
                    False,
                ),
                _c(
                    "period_type",
                    "VARCHAR",
                    "month, quarter, year (financial), calendar_quarter, calendar_year or snapshot.",
                    False,
                    codes.PERIOD_TYPES,
                ),
                _c("period_start", "DATE", "First day of the period.", False),
                _c("period_end", "DATE", "Last day of the period (the date itself for a snapshot).", False),
                _c(
                    "value",
                    "DOUBLE",
                    "The figure in the PI's unit (percentages 0–100); NULL unless reported. The data team's table: true figures, small ones included, not for publication (cmp_borough_pi is safe to publish).",
                ),
                _c(
                    "value_status",
                    "VARCHAR",
                    "reported, not_provided, suppressed (by the borough), or a DfE symbol's meaning: not_available (x, :, [x]), not_applicable (z, [z]), low_reliability (u, [u]), rounds_to_zero (low, k, ~).",
                    False,
                    codes.VALUE_STATUSES,
                ),
                _c("raw_value", "VARCHAR", "The Value cell exactly as read."),
                _c("numerator", "DOUBLE", "Numerator as reported."),
                _c("denominator", "DOUBLE", "Denominator as reported."),
                _c("reported_frequency", "VARCHAR", "Reporting frequency the borough declared.", True, codes.CADENCES),
                _c(
                    "source_agency",
                    "VARCHAR",
                    "Agency the borough named as the source (else the catalogue's).",
                    False,
                    codes.AGENCIES,
                ),
                _c(
                    "quality_status",
                    "VARCHAR",
                    "ok, warning (please check) or error (excluded from comparisons).",
                    False,
                    codes.QUALITY_STATUSES,
                ),
                _c(
                    "is_current",
                    "BOOLEAN",
                    "True for the figure from the latest submission for this borough × PI × period.",
                    False,
                ),
                _c("sheet", "VARCHAR", "Sheet the row came from (PI data).", False),
                _c("row_number", "INTEGER", "Excel row number (header = 1).", False),
                _c("value_cell_ref", "VARCHAR", "Cell reference of the row's Value cell (E14), for locating findings."),
                _c("note", "VARCHAR", "The borough's note on the row, as written."),
            ),
            ("submission_id", "pi_code", "period"),
        ),
        Table(
            "fact_feasibility",
            "Each borough's view of how feasible each PI is to collect.",
            (
                _c("submission_id", "INTEGER", _SUBMISSION_ID, False),
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("pi_code", "VARCHAR", _PI, False),
                _c("can_provide", "VARCHAR", "yes, partially or no.", True, tuple(codes.CAN_PROVIDE.values())),
                _c(
                    "main_issue",
                    "VARCHAR",
                    "none, reporting_cycle, data_availability, data_integrity or other.",
                    True,
                    tuple(codes.MAIN_ISSUES.values()),
                ),
                _c("comment", "VARCHAR", "The borough's comment, as written."),
                _c(
                    "is_current",
                    "BOOLEAN",
                    "True for the answer from the latest submission for this borough × PI.",
                    False,
                ),
                _c("row_number", "INTEGER", "Excel row number on the Feasibility sheet.", False),
            ),
            ("submission_id", "pi_code"),
        ),
        Table(
            "fact_narrative",
            "Each borough's contextual narrative per cluster of PIs.",
            (
                _c("submission_id", "INTEGER", _SUBMISSION_ID, False),
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("cluster_code", "VARCHAR", "Cluster; see dim_cluster.", False),
                _c("narrative", "VARCHAR", "The narrative, as written."),
                _c(
                    "is_current",
                    "BOOLEAN",
                    "True for the narrative from the latest submission for this borough × cluster.",
                    False,
                ),
                _c("row_number", "INTEGER", "Excel row number on the Narrative sheet.", False),
            ),
            ("submission_id", "cluster_code"),
        ),
        Table(
            "rejected_row",
            "Data rows that could not be attributed, kept whole so nothing a borough sent is lost.",
            (
                _c("submission_id", "INTEGER", _SUBMISSION_ID, False),
                _c("sheet", "VARCHAR", "PI data, Feasibility or Narrative (a CSV's rows count as PI data).", False),
                _c("row_number", "INTEGER", "Excel row number (header = 1).", False),
                _c("raw_record", "VARCHAR", "The row as read, as JSON text (header → cell).", False),
                _c("reason", "VARCHAR", "Why the row could not be used.", False),
            ),
            ("submission_id", "sheet", "row_number"),
        ),
        Table(
            "dq_rule",
            "The data-quality rule list.",
            (
                _c("check_name", "VARCHAR", "Rule code.", False),
                _c("category", "VARCHAR", "structure, availability, cadence or integrity.", False, codes.DQ_CATEGORIES),
                _c(
                    "severity",
                    "VARCHAR",
                    "error (not used in comparisons) or warning (please check).",
                    False,
                    codes.SEVERITIES,
                ),
                _c("description", "VARCHAR", "What the rule finds.", False),
                _c("fix_hint", "VARCHAR", "What the borough officer should do.", False),
            ),
            ("check_name",),
        ),
        Table(
            "dq_issue",
            "Every data-quality finding, located to the file, sheet, row and cell.",
            (
                _c(
                    "submission_id",
                    "INTEGER",
                    "The submission; NULL for something never sent (a pilot's missing return).",
                ),
                _c("borough_code", "VARCHAR", "The borough concerned, when known."),
                _c("pi_code", "VARCHAR", "The PI concerned, when any."),
                _c("period", "VARCHAR", "The period concerned, when any."),
                _c("check_name", "VARCHAR", "Rule code; see dq_rule.", False),
                _c("category", "VARCHAR", "structure, availability, cadence or integrity.", False, codes.DQ_CATEGORIES),
                _c("severity", "VARCHAR", "error or warning.", False, codes.SEVERITIES),
                _c("message", "VARCHAR", "What is wrong, in words for the borough.", False),
                _c("sheet", "VARCHAR", "Sheet of the finding."),
                _c("row_number", "INTEGER", "Excel row number (header = 1)."),
                _c("column_name", "VARCHAR", "Column of the finding, as named in the header."),
                _c("cell_ref", "VARCHAR", "Cell reference (E14)."),
                _c(
                    "value_found",
                    "VARCHAR",
                    "The cell's content as read (free text with personal data is masked here).",
                ),
                _c("fix_hint", "VARCHAR", "What the borough officer should do (the rule's fix hint; see dq_rule)."),
            ),
        ),
        Table(
            "dq_expectation",
            "The business expectations (Great Expectations) as last validated: one row per expectation, with how many rows it judged and failed.",
            (
                _c("suite", "VARCHAR", "availability, cadence or integrity: the aggregated frame validated.", False),
                _c("expectation", "VARCHAR", "The Great Expectations expectation type.", False),
                _c(
                    "check_name",
                    "VARCHAR",
                    "The rule the expectation measures (see dq_rule), or its own name for an invariant of the frame.",
                    False,
                ),
                _c("column_name", "VARCHAR", "The column under test."),
                _c("success", "BOOLEAN", "True when every row judged met the expectation.", False),
                _c("element_count", "INTEGER", "Rows judged.", False),
                _c("unexpected_count", "INTEGER", "Rows that failed.", False),
                _c("unexpected_percent", "DOUBLE", "Share of the rows judged that failed, 0–100."),
                _c(
                    "unexpected_sample",
                    "VARCHAR",
                    "Up to 10 failing rows as JSON (borough_code, pi_code, period and the values tested).",
                ),
                _c(
                    "evaluated_at",
                    "TIMESTAMP",
                    "When Great Expectations validated the data (UTC). Runs started by newly arrived returns "
                    "leave the expectations to the nightly run, so this can be earlier than the newest submission.",
                    False,
                ),
            ),
        ),
        Table(
            "availability_matrix",
            "What each pilot borough provided of each phase-1 PI: expected periods against figures given.",
            (
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("pi_code", "VARCHAR", _PI, False),
                _c(
                    "periods_expected",
                    "INTEGER",
                    "Periods the PI's expected cadence asks for in the years the returns cover.",
                    False,
                ),
                _c(
                    "periods_provided",
                    "INTEGER",
                    "Of those, periods with a current reported figure not flagged error.",
                    False,
                ),
                _c("periods_not_provided", "INTEGER", "Of those, periods marked not provided (n/a, blank, …).", False),
                _c("periods_suppressed", "INTEGER", "Of those, periods the borough suppressed (<5, c, …).", False),
                _c(
                    "periods_missing",
                    "INTEGER",
                    "Of those, periods with no row at all (or only an error figure).",
                    False,
                ),
                _c("availability_pct", "DOUBLE", "periods_provided / periods_expected × 100.", False),
            ),
            ("borough_code", "pi_code"),
        ),
        Table(
            "cadence_mismatch",
            "Figures given at another cadence than the catalogue asks for, by borough, PI and the cadence given.",
            (
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("pi_code", "VARCHAR", _PI, False),
                _c("expected_cadence", "VARCHAR", "The cadence the catalogue asks for.", False, codes.CADENCES),
                _c(
                    "reported_frequency",
                    "VARCHAR",
                    "The cadence of the periods given (as their period type implies).",
                    False,
                    codes.CADENCES,
                ),
                _c("periods", "INTEGER", "How many current figures were given at that cadence.", False),
                _c("period_list", "VARCHAR", "The periods, ', '-separated.", False),
                _c(
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
                _c("pi_code", "VARCHAR", _PI, False),
                _c("responses", "INTEGER", "Boroughs that answered for this PI.", False),
                _c("can_provide_yes", "INTEGER", "Boroughs that can provide the PI.", False),
                _c("can_provide_partially", "INTEGER", "Boroughs that can provide it in part.", False),
                _c("can_provide_no", "INTEGER", "Boroughs that cannot provide it.", False),
                _c("issue_none", "INTEGER", "Boroughs reporting no issue.", False),
                _c("issue_reporting_cycle", "INTEGER", "Boroughs whose main issue is the reporting cycle.", False),
                _c("issue_data_availability", "INTEGER", "Boroughs whose main issue is data availability.", False),
                _c("issue_data_integrity", "INTEGER", "Boroughs whose main issue is data integrity.", False),
                _c("issue_other", "INTEGER", "Boroughs with another main issue.", False),
            ),
            ("pi_code",),
        ),
        Table(
            "cmp_borough_pi",
            "Each borough against London and England, per PI and period, on current figures not flagged error. Safe to publish: no suppressed figure can be worked out from it (see docs/warehouse.md, Disclosure control).",
            (
                _c("pi_code", "VARCHAR", _PI, False),
                _c("period", "VARCHAR", "Canonical period label.", False),
                _c("borough_code", "VARCHAR", _BOROUGH, False),
                _c("value", "DOUBLE", "The borough's figure; NULL where suppressed (see suppressed)."),
                _c("comparison_group", "VARCHAR", "The authorities compared (London for the 32 boroughs).", False),
                _c(
                    "group_mean",
                    "DOUBLE",
                    "London: mean of the group's published figures (suppressed ones take no part); NULL with fewer than 3.",
                ),
                _c(
                    "group_median", "DOUBLE", "London: median of the group's published figures; NULL with fewer than 3."
                ),
                _c(
                    "group_q1",
                    "DOUBLE",
                    "London: lower quartile of the published figures (linear interpolation, as quantile_cont and Excel QUARTILE.INC); NULL with fewer than 3.",
                ),
                _c("group_q3", "DOUBLE", "London: upper quartile (linear interpolation); NULL with fewer than 3."),
                _c(
                    "group_pooled",
                    "DOUBLE",
                    "London: Σ numerator / Σ denominator in the PI's unit, over the pooled_reporting boroughs whose published figure gave both; NULL with fewer than 3.",
                ),
                _c(
                    "rank",
                    "INTEGER",
                    "London: 1 = best by the catalogue's polarity among the published figures; ties share the best rank; in_band ranks by distance from the band; NULL for neutral PIs and suppressed figures.",
                ),
                _c(
                    "boroughs_reporting",
                    "INTEGER",
                    "London: boroughs whose published figure the group statistics are computed on (suppressed figures not counted).",
                    False,
                ),
                _c(
                    "quartile_band",
                    "VARCHAR",
                    "London: A–D, A best by the catalogue's polarity; NULL for neutral PIs, suppressed figures and groups under 3.",
                    True,
                    ("A", "B", "C", "D"),
                ),
                _c("diff_from_group", "DOUBLE", "value − group_median; NULL where either is NULL."),
                _c(
                    "change_from_previous",
                    "DOUBLE",
                    "value − the borough's figure for the adjacent previous period of the same type; NULL across a gap, or next to a suppressed figure.",
                ),
                _c(
                    "sn_median",
                    "DOUBLE",
                    "Median of the published figures of the borough's statistical neighbours in the group (see dim_borough.neighbour_model); NULL with fewer than 3.",
                ),
                _c(
                    "suppressed",
                    "BOOLEAN",
                    "True when the figure is hidden (primary: a small count; secondary: to protect one; see suppression).",
                    False,
                ),
                _c(
                    "suppression",
                    "VARCHAR",
                    "primary (a count of 1–5, or a rate or percentage on a numerator of 1–5) or secondary (hidden so that a primary one cannot be worked out from a total); NULL when published.",
                    True,
                    ("primary", "secondary"),
                ),
                _c(
                    "england_value",
                    "DOUBLE",
                    "DfE's published figure for England for the PI and period (published_value); NULL where DfE publishes none.",
                ),
                _c(
                    "region_value",
                    "DOUBLE",
                    "DfE's published figure for the borough's region (dim_borough.region_code, London) for the PI and period.",
                ),
                _c(
                    "national_rank",
                    "INTEGER",
                    "England: 1 = best by LAIT's polarity (dim_indicator.national_polarity) among every English local authority with a figure — this borough's return, the others' DfE published figures; ties share the best rank; NULL for neutral measures and suppressed figures.",
                ),
                _c(
                    "authorities_ranked",
                    "INTEGER",
                    "England: how many local authorities national_rank and national_band are computed over.",
                ),
                _c(
                    "national_band",
                    "VARCHAR",
                    "England: LAIT's quartile band over the same authorities: value intervals [min, Q1], (Q1, Q2], (Q2, Q3], (Q3, max] (R type 7 quantiles), A–D from the best by LAIT's polarity.",
                    True,
                    ("A", "B", "C", "D"),
                ),
                _c(
                    "sn_mean",
                    "DOUBLE",
                    "Mean of the figures of the borough's DfE statistical neighbours (dim_borough.neighbour_model), as LAIT: a neighbour's return where it sent one, its DfE published figure otherwise; NULL with fewer than 3.",
                ),
                _c("sn_reporting", "INTEGER", "How many statistical neighbours sn_mean is computed over."),
                _c(
                    "pooled_reporting",
                    "INTEGER",
                    "How many boroughs group_pooled covers (published figures giving both numerator and denominator).",
                ),
            ),
            ("pi_code", "period", "borough_code"),
        ),
        Table(
            "published_value",
            "DfE's published statistics (Explore Education Statistics files in data/raw/published/) for the PIs whose definition they match, as dataset/published_measures.csv declares. The data team's table: true figures, not for publication as it stands.",
            (
                _c("pi_code", "VARCHAR", _PI, False),
                _c(
                    "period",
                    "VARCHAR",
                    "Canonical period label (2024/25, or the snapshot 2025-03-31 for a PI counted on 31 March).",
                    False,
                ),
                _c(
                    "geographic_level",
                    "VARCHAR",
                    "national, regional or local_authority.",
                    False,
                    ("national", "regional", "local_authority"),
                ),
                _c(
                    "area_code",
                    "VARCHAR",
                    "GSS code: E92000001 England, E12… regions (E13000001/2 Inner/Outer London), E06/E08/E09/E10 local authorities.",
                    False,
                ),
                _c(
                    "dfe_la_code",
                    "INTEGER",
                    "DfE local-authority number (old_la_code); NULL for England and the regions.",
                ),
                _c("area_name", "VARCHAR", "The area as DfE names it.", False),
                _c(
                    "value",
                    "DOUBLE",
                    "The published figure in the PI's unit; NULL where a symbol stands (see value_status).",
                ),
                _c("numerator", "DOUBLE", "The published numerator, where the file gives one."),
                _c(
                    "denominator",
                    "DOUBLE",
                    "The published denominator (or, for a rate, the population), where there is one.",
                ),
                _c(
                    "value_status",
                    "VARCHAR",
                    "reported, or the meaning of DfE's symbol: suppressed (c), not_available (x, :), not_applicable (z), low_reliability (u), rounds_to_zero (low, k, ~).",
                    False,
                    codes.VALUE_STATUSES,
                ),
                _c(
                    "raw_value",
                    "VARCHAR",
                    "The cell as published (numerator / denominator for a rate DfE publishes as its parts).",
                ),
                _c("source_file", "VARCHAR", "The file under the raw directory it was read from.", False),
            ),
            ("pi_code", "period", "geographic_level", "area_code"),
        ),
        Table(
            "bias_by_source",
            "How far the dataset leans on local-authority sources: PIs, frequency, availability and what boroughs hold, by source.",
            (
                _c("source_type", "VARCHAR", "local_authority or multi_agency.", False, codes.SOURCE_TYPES),
                _c(
                    "source_agency",
                    "VARCHAR",
                    "The agency; NULL on the row totalling the source type.",
                    True,
                    codes.AGENCIES,
                ),
                _c("pis_in_dataset", "INTEGER", "PIs in the catalogue from this source.", False),
                _c("share_of_dataset_pct", "DOUBLE", "Those PIs as a share of all PIs, 0–100.", False),
                _c("pis_phase_1", "INTEGER", "Of those, PIs collected in Phase I (not postponed).", False),
                _c("pis_more_than_annual", "INTEGER", "Phase-1 PIs asked for more often than once a year.", False),
                _c(
                    "availability_pct",
                    "DOUBLE",
                    "Expected pilot figures provided for this source's PIs, 0–100; NULL if none expected.",
                ),
                _c(
                    "measures_in_mapping",
                    "INTEGER",
                    "Measures from this source in the contributing boroughs' reports (mapping inventory).",
                    False,
                ),
                _c(
                    "measures_more_than_annual_in_mapping",
                    "INTEGER",
                    "Of those, measures reported more often than once a year.",
                    False,
                ),
                _c(
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
                _c("pi_code", "VARCHAR", "The PI; NULL for a programme-level recommendation."),
                _c(
                    "recommendation",
                    "VARCHAR",
                    "retain, revise, postpone or replace (PIs); extend_pilot, map_sources, support_boroughs, chase_responses (programme).",
                    False,
                ),
                _c("reasons", "VARCHAR", "Why, in words that cite the figures.", False),
                _c("evidence", "VARCHAR", "The figures behind it, as JSON.", False),
                _c("rule", "VARCHAR", "The rule of config/phase2_rules.toml that decided it.", False),
            ),
        ),
        Table(
            "mapping_summary",
            "The mapping stage in figures, as the Phase I report gives them.",
            (
                _c(
                    "measure",
                    "VARCHAR",
                    "invited, responded, no response, supplied information, acknowledged only, …",
                    False,
                ),
                _c("boroughs", "INTEGER", "Number of boroughs.", False),
                _c("measure_order", "INTEGER", "Order in which the report lists the measures.", False),
            ),
            ("measure",),
        ),
    )
}
