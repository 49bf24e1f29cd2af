"""The Returns tables: every file received, its figures, answers and narratives, what was set aside, and the
data-quality rules and findings.

Part of the warehouse schema (`lsdi_pipeline.warehouse.schema`): docs/warehouse.md is the contract.
"""

from lsdi_pipeline import codes
from lsdi_pipeline.warehouse.table import BOROUGH_COMMENT, PI_COMMENT, SUBMISSION_COMMENT, Table, column

TABLES = (
    Table(
        "submission",
        "One row per file ever seen in the returns folder, with what became of it.",
        (
            column("submission_id", "INTEGER", "Identifier, in the order files were first seen.", False),
            column("borough_code", "VARCHAR", "The borough the file was attributed to; NULL if it could not be."),
            column("file_name", "VARCHAR", "File name as received.", False),
            column("file_sha256", "VARCHAR", "SHA-256 of the file's bytes; the archive copy is named by it.", False),
            column(
                "submitted_on",
                "DATE",
                "Date of submission from the return ('Submitted on'), else the date first seen.",
            ),
            column(
                "received_at",
                "TIMESTAMP",
                "When the pipeline first saw the file (UTC); never changes on a re-run.",
                False,
            ),
            column("template_version", "VARCHAR", "Template version named on the About sheet (NULL for CSV returns)."),
            column(
                "status",
                "VARCHAR",
                "accepted, accepted_with_issues, rejected or duplicate.",
                False,
                codes.SUBMISSION_STATUSES,
            ),
            column("reject_reason", "VARCHAR", "Why a file was rejected, or which file a duplicate repeats."),
            column("ignored_sheets", "VARCHAR", "Sheets present but not read, ';'-separated."),
            column("file_format", "VARCHAR", "xlsx or csv (or the extension of an unsupported file)."),
            column("encoding", "VARCHAR", "Text encoding of a CSV return (utf-8, utf-8-sig or cp1252)."),
            column("return_period", "VARCHAR", "Financial year the return covers, from the About sheet."),
            column("original_path", "VARCHAR", "Path of the file under the returns folder when first seen.", False),
            column(
                "archive_path",
                "VARCHAR",
                "Path of the pipeline's own copy, relative to the warehouse directory; NULL for an entry that was "
                "not a regular file (a link, a pipe), which is never copied.",
            ),
        ),
        ("submission_id",),
    ),
    Table(
        "fact_pi_value",
        "Tidy PI figures: one row per submission × PI × period, with its quality and whether it is current. The "
        "data team's table: true figures, small ones included; not for publication (publish cmp_borough_pi and the "
        "reports).",
        (
            column("submission_id", "INTEGER", SUBMISSION_COMMENT, False),
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column(
                "period",
                "VARCHAR",
                "Canonical period label (2007/08, 2007/08 Q3, 2007-12, 2007, 2007 Q4, 2008-03-31).",
                False,
            ),
            column(
                "period_type",
                "VARCHAR",
                "month, quarter, year (financial), calendar_quarter, calendar_year or snapshot.",
                False,
                codes.PERIOD_TYPES,
            ),
            column("period_start", "DATE", "First day of the period.", False),
            column("period_end", "DATE", "Last day of the period (the date itself for a snapshot).", False),
            column(
                "value",
                "DOUBLE",
                "The figure in the PI's unit (percentages 0–100); NULL unless reported. The data team's table: "
                "true figures, small ones included, not for publication (cmp_borough_pi is safe to publish).",
            ),
            column(
                "value_status",
                "VARCHAR",
                "reported, not_provided, suppressed (by the borough), or a DfE symbol's meaning: not_available (x, "
                ":, [x]), not_applicable (z, [z]), low_reliability (u, [u]), rounds_to_zero (low, k, ~).",
                False,
                codes.VALUE_STATUSES,
            ),
            column(
                "raw_value",
                "VARCHAR",
                "The Value cell as typed (84, 0.118 in a %-formatted cell, approx 45, n/a), before it was read as "
                "`value`.",
            ),
            column("numerator", "DOUBLE", "Numerator as reported."),
            column("denominator", "DOUBLE", "Denominator as reported."),
            column("reported_frequency", "VARCHAR", "Reporting frequency the borough declared.", True, codes.CADENCES),
            column(
                "source_agency",
                "VARCHAR",
                "Agency the borough named as the source (else the catalogue's).",
                False,
                codes.AGENCIES,
            ),
            column(
                "quality_status",
                "VARCHAR",
                "ok, warning (please check) or error (excluded from comparisons).",
                False,
                codes.QUALITY_STATUSES,
            ),
            column(
                "is_current",
                "BOOLEAN",
                "True for the figure from the latest submission for this borough × PI × period.",
                False,
            ),
            column("sheet", "VARCHAR", "Sheet the row came from (PI data).", False),
            column("row_number", "INTEGER", "Excel row number (header = 1).", False),
            column("value_cell_ref", "VARCHAR", "Cell reference of the row's Value cell (E14), for locating findings."),
            column("note", "VARCHAR", "The borough's note on the row, as written."),
            column(
                "raw_period",
                "VARCHAR",
                "The Period cell as typed (Oct-Dec 2007, a date cell as 2007-12-31), before it was read as `period`.",
            ),
            column("raw_numerator", "VARCHAR", "The Numerator cell as typed, before it was read as `numerator`."),
            column("raw_denominator", "VARCHAR", "The Denominator cell as typed, before it was read as `denominator`."),
            column(
                "field_columns",
                "JSON",
                "Where each field of the row is in the return: field → [column letter, header as written], e.g. "
                '{"period": ["B", "Period"], "value": ["E", "Value"]}; a field\'s cell is its letter and `row_number`. '
                "Findings across figures are located by it, since returns order and name their columns differently.",
            ),
        ),
        ("submission_id", "pi_code", "period"),
    ),
    Table(
        "fact_feasibility",
        "Each borough's view of how feasible each PI is to collect.",
        (
            column("submission_id", "INTEGER", SUBMISSION_COMMENT, False),
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("pi_code", "VARCHAR", PI_COMMENT, False),
            column("can_provide", "VARCHAR", "yes, partially or no.", True, tuple(codes.CAN_PROVIDE.values())),
            column(
                "main_issue",
                "VARCHAR",
                "none, reporting_cycle, data_availability, data_integrity or other.",
                True,
                tuple(codes.MAIN_ISSUES.values()),
            ),
            column("comment", "VARCHAR", "The borough's comment, as written."),
            column(
                "is_current",
                "BOOLEAN",
                "True for the answer from the latest submission for this borough × PI.",
                False,
            ),
            column("row_number", "INTEGER", "Excel row number on the Feasibility sheet.", False),
        ),
        ("submission_id", "pi_code"),
    ),
    Table(
        "fact_narrative",
        "Each borough's contextual narrative per cluster of PIs.",
        (
            column("submission_id", "INTEGER", SUBMISSION_COMMENT, False),
            column("borough_code", "VARCHAR", BOROUGH_COMMENT, False),
            column("cluster_code", "VARCHAR", "Cluster; see dim_cluster.", False),
            column("narrative", "VARCHAR", "The narrative, as written."),
            column(
                "is_current",
                "BOOLEAN",
                "True for the narrative from the latest submission for this borough × cluster.",
                False,
            ),
            column("row_number", "INTEGER", "Excel row number on the Narrative sheet.", False),
        ),
        ("submission_id", "cluster_code"),
    ),
    Table(
        "rejected_row",
        "Data rows that could not be attributed, kept whole so nothing a borough sent is lost.",
        (
            column("submission_id", "INTEGER", SUBMISSION_COMMENT, False),
            column("sheet", "VARCHAR", "PI data, Feasibility or Narrative (a CSV's rows count as PI data).", False),
            column("row_number", "INTEGER", "Excel row number (header = 1).", False),
            column("raw_record", "VARCHAR", "The row as read, as JSON text (header → cell).", False),
            column("reason", "VARCHAR", "Why the row could not be used.", False),
        ),
        ("submission_id", "sheet", "row_number"),
    ),
    Table(
        "dq_rule",
        "The data-quality rule list.",
        (
            column("check_name", "VARCHAR", "Rule code.", False),
            column("title", "VARCHAR", "The rule in plain words, as the borough's feedback names it.", False),
            column("category", "VARCHAR", "structure, availability, cadence or integrity.", False, codes.DQ_CATEGORIES),
            column(
                "severity",
                "VARCHAR",
                "error (not used in comparisons) or warning (please check).",
                False,
                codes.SEVERITIES,
            ),
            column("description", "VARCHAR", "What the rule finds.", False),
            column("fix_hint", "VARCHAR", "What the borough officer should do.", False),
        ),
        ("check_name",),
    ),
    Table(
        "dq_issue",
        "Every data-quality finding, located to the file, sheet, row and cell.",
        (
            column(
                "submission_id",
                "INTEGER",
                "The submission; NULL for something never sent (a pilot's missing return).",
            ),
            column("borough_code", "VARCHAR", "The borough concerned, when known."),
            column("pi_code", "VARCHAR", "The PI concerned, when any."),
            column("period", "VARCHAR", "The period concerned, when any."),
            column("check_name", "VARCHAR", "Rule code; see dq_rule.", False),
            column("category", "VARCHAR", "structure, availability, cadence or integrity.", False, codes.DQ_CATEGORIES),
            column("severity", "VARCHAR", "error or warning.", False, codes.SEVERITIES),
            column("message", "VARCHAR", "What is wrong, in words for the borough.", False),
            column("sheet", "VARCHAR", "Sheet of the finding."),
            column("row_number", "INTEGER", "Excel row number (header = 1)."),
            column(
                "column_name",
                "VARCHAR",
                "Column of the field the finding judges, as named in the return's header (on the About sheet, the "
                "field's label).",
            ),
            column(
                "cell_ref",
                "VARCHAR",
                "The cell the officer must change (E14): in the column of the field the finding judges (a Period "
                "finding at the Period cell, a numerator finding at the Numerator cell); NULL when there is none to "
                "point at (no return, a PI with no row, a period with no figure, a sheet as a whole).",
            ),
            column(
                "value_found",
                "VARCHAR",
                "The cell at `cell_ref` as typed, before any conversion: what the officer sees in Excel (84, 0.118 "
                "for a %-formatted cell shown as 11.8%, a date typed as text as that text); free text with personal "
                "data is masked here.",
            ),
            column("fix_hint", "VARCHAR", "What the borough officer should do (the rule's fix hint; see dq_rule)."),
        ),
    ),
    Table(
        "dq_expectation",
        "The business expectations (Great Expectations) as last validated: one row per expectation, with how many "
        "rows it judged and failed.",
        (
            column("suite", "VARCHAR", "availability, cadence or integrity: the aggregated frame validated.", False),
            column("expectation", "VARCHAR", "The Great Expectations expectation type.", False),
            column(
                "check_name",
                "VARCHAR",
                "The rule the expectation measures (see dq_rule), or its own name for an invariant of the frame.",
                False,
            ),
            column("column_name", "VARCHAR", "The column under test."),
            column("success", "BOOLEAN", "True when every row judged met the expectation.", False),
            column("element_count", "INTEGER", "Rows judged.", False),
            column("unexpected_count", "INTEGER", "Rows that failed.", False),
            column("unexpected_percent", "DOUBLE", "Share of the rows judged that failed, 0–100."),
            column(
                "unexpected_sample",
                "VARCHAR",
                "Up to 10 failing rows as JSON (borough_code, pi_code, period and the values tested).",
            ),
            column(
                "boroughs_failed",
                "VARCHAR",
                "Every borough with a failing row, comma-separated (all of them, not only the sample's); NULL when "
                "none failed or the rows are PIs.",
            ),
            column(
                "evaluated_at",
                "TIMESTAMP",
                "When Great Expectations validated the data (UTC). Runs started by newly arrived returns "
                "leave the expectations to the nightly run, so this can be earlier than the newest submission.",
                False,
            ),
        ),
    ),
)
