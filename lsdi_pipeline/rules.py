"""The data-quality rule list: one source of truth, published as the `dq_rule` table.

A rule's severity decides what happens to the row it is found on: `error` keeps the row
out of comparisons (or, for rules marked `rejects`, out of the facts altogether, kept in
`rejected_row`); `warning` asks the borough to check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Rule:
    check_name: str
    category: str
    severity: str
    description: str
    fix_hint: str
    #: a finding of this rule puts the whole file or row aside rather than loading it
    rejects: str | None = None  # None | "file" | "row"


RULES: tuple[Rule, ...] = (
    # structure: files
    Rule(
        "file_unreadable",
        "structure",
        "error",
        "The file could not be read as an Excel workbook (.xlsx) or a CSV file.",
        "Save the return from Excel as an .xlsx workbook (File > Save As > Excel Workbook) and send it again.",
        "file",
    ),
    Rule(
        "file_unsupported_type",
        "structure",
        "error",
        "The file is not an .xlsx workbook or a .csv file.",
        "Send the return as the LSDI-R1 .xlsx template; old .xls workbooks must be saved as .xlsx.",
        "file",
    ),
    Rule(
        "file_encrypted",
        "structure",
        "error",
        "The workbook is password-protected or encrypted.",
        "Remove the password (File > Info > Protect Workbook) and send the return again.",
        "file",
    ),
    Rule(
        "file_not_regular",
        "structure",
        "error",
        "The entry in the returns folder is a link, a pipe or a device, not a file; it was neither followed nor read.",
        "Put the return file itself in the returns folder, not a shortcut or link to it.",
        "file",
    ),
    Rule(
        "file_limits",
        "structure",
        "error",
        "The file breaks a limit of the return format: file size, unpacked size, parts, compression ratio, "
        "rows, columns or cells (a cell far outside the return's range counts), or the memory or time reading it took.",
        "Send only the four LSDI-R1 sheets; remove large embedded objects and stray cells far below or right of the data.",
        "file",
    ),
    Rule(
        "template_version",
        "structure",
        "error",
        "The About sheet does not name template version LSDI-R1.",
        "Use the current LSDI-R1 template; its About sheet has 'Template version' = LSDI-R1.",
        "file",
    ),
    Rule(
        "sheet_missing",
        "structure",
        "error",
        "A required sheet (About, or PI data) is missing.",
        "Keep the sheet names of the template (About, PI data, Feasibility, Narrative); do not rename or delete them.",
        "file",
    ),
    Rule(
        "column_missing",
        "structure",
        "error",
        "A required column (PI code, Period, Value) is missing from the header row.",
        "Keep the template's header row in row 1 of the sheet, with the column names unchanged.",
        "file",
    ),
    Rule(
        "borough_unknown",
        "structure",
        "error",
        "The borough named in the return is not a known authority.",
        "Fill 'Borough code' with your authority's code (e.g. E09000003 or 00AC) on the About sheet.",
        "file",
    ),
    Rule(
        "borough_mismatch",
        "structure",
        "error",
        "The borough code and name name different authorities, or a CSV names more than one borough.",
        "Check 'Borough code' and 'Borough name' on the About sheet (or the borough_code column) name your authority.",
        "file",
    ),
    # structure: parts of a readable file
    Rule(
        "optional_sheet_missing",
        "structure",
        "warning",
        "The Feasibility or Narrative sheet is missing from a workbook return.",
        "Fill in the Feasibility and Narrative sheets of the template: they are part of the return.",
        None,
    ),
    Rule(
        "return_period_invalid",
        "structure",
        "warning",
        "The About sheet's return period is blank or not a financial year.",
        "Write the financial year the return covers as 2007/08.",
        None,
    ),
    Rule(
        "submitted_on_invalid",
        "structure",
        "warning",
        "The About sheet's 'Submitted on' is not a date; the date the file arrived was used.",
        "Enter the date of submission as a date (e.g. 2008-03-14).",
        None,
    ),
    Rule(
        "submitted_on_after_arrival",
        "structure",
        "error",
        "'Submitted on' is later than the day the file arrived; the arrival date was "
        "used instead, so a mistyped year cannot keep the return current ahead of later corrections.",
        "Enter the date the return was sent; it cannot be later than the day it reached the data team.",
        None,
    ),
    Rule(
        "sheet_hidden",
        "structure",
        "warning",
        "A sheet of the return (About, PI data, Feasibility or Narrative) is hidden; it was read as usual.",
        "Unhide the sheet (right-click a sheet tab > Unhide) and check what it holds before sending.",
        None,
    ),
    Rule(
        "merged_cells",
        "structure",
        "warning",
        "Cells are merged in a sheet that is read: only the top-left cell of a merged range holds a value.",
        "Unmerge the cells (Home > Merge & Center) and put each value in its own cell.",
        None,
    ),
    Rule(
        "formula_cell",
        "structure",
        "warning",
        "A cell holds a formula (a number, note, comment or narrative); its last calculated value was read and nothing was recalculated.",
        "Paste the figures as values (Paste Special > Values) so the return holds the numbers you checked.",
        None,
    ),
    Rule(
        "personal_data",
        "structure",
        "warning",
        "A note, comment or narrative seems to hold personal data (an NHS number, a unique pupil number, a date of birth, a postcode or a child's name); it is masked wherever it is published.",
        "Describe cases without identifying anyone: remove names, dates of birth, NHS numbers, pupil numbers and postcodes from the text.",
        None,
    ),
    Rule(
        "sheet_duplicated",
        "structure",
        "error",
        "Two sheets of the workbook have the same name once case and spaces are ignored (e.g. 'PI data' and ' pi DATA ').",
        "Keep one sheet of each name: delete or rename the old copy (check hidden sheets too).",
        "file",
    ),
    Rule(
        "pi_code_unknown",
        "structure",
        "error",
        "The PI code is blank or not in the PI catalogue; the row cannot be used.",
        "Use the PI codes exactly as pre-filled in the template (e.g. NI59); do not edit the PI code column.",
        "row",
    ),
    Rule(
        "period_unreadable",
        "structure",
        "error",
        "The period cannot be read; the row cannot be used.",
        "Write periods as 2007/08 (year), 2007/08 Q3 (quarter), 2007-12 (month) or 2008-03-31 (snapshot date).",
        "row",
    ),
    Rule(
        "value_unreadable",
        "structure",
        "error",
        "A number cell holds text that is neither a number nor a recognised marker, or a number "
        "too large to be a figure (or one whose figure, numerator ÷ denominator, would be); the row cannot be used.",
        "Enter numbers only; leave the cell blank or write n/a if not available, <5 if suppressed; put explanations in the Note column.",
        "row",
    ),
    Rule(
        "borough_row_mismatch",
        "structure",
        "error",
        "A row's borough code names another authority than the return's (or no known "
        "authority); the row was set aside, neither loaded as the return's borough nor as the one it names.",
        "Send each borough's figures in that borough's own return: correct or delete the borough code on the row.",
        "row",
    ),
    Rule(
        "duplicate_conflict",
        "structure",
        "error",
        "Several rows give different figures for the same PI and period; none can be used.",
        "Keep one row per PI and period; delete the others or correct their period.",
        "row",
    ),
    Rule(
        "duplicate_row",
        "structure",
        "warning",
        "A row repeats another row for the same PI and period exactly; the repeat was set aside.",
        "Delete the repeated row.",
        "row",
    ),
    Rule(
        "answer_invalid",
        "structure",
        "error",
        "A feasibility answer or narrative row cannot be used (unknown PI or cluster code, or an answer outside the drop-down list).",
        "Use the codes pre-filled in the template and choose answers from the drop-down lists.",
        "row",
    ),
    Rule(
        "agency_unknown",
        "structure",
        "warning",
        "The source agency is not one of the agency labels; the catalogue's agency was assumed.",
        "Choose the source agency from the drop-down list.",
        None,
    ),
    Rule(
        "frequency_unknown",
        "structure",
        "warning",
        "The reporting frequency is not Monthly, Quarterly or Annual.",
        "Choose the reporting frequency from the drop-down list.",
        None,
    ),
    Rule(
        "pi_postponed",
        "structure",
        "warning",
        "A figure was given for a PI postponed to a later phase; it is kept but not asked for.",
        "No action needed; postponed PIs are not part of this phase's return.",
        None,
    ),
    # availability
    Rule(
        "pi_not_provided",
        "availability",
        "warning",
        "A figure was marked as not provided (blank, n/a, not collected, …), not available (x, :, [x]) or not applicable (z, [z]).",
        "If the figure can be obtained from the source agency, send it; otherwise say why in the Feasibility sheet.",
        None,
    ),
    Rule(
        "pi_suppressed",
        "availability",
        "warning",
        "A figure was suppressed by the borough (<5, c, [c], *).",
        "Send the true figure: the pipeline suppresses small numbers itself before anything is published.",
        None,
    ),
    Rule(
        "pi_marked_unreliable",
        "availability",
        "warning",
        "A figure was given as a DfE symbol with no value: low reliability (u, [u]) or rounds to zero (low, k, ~).",
        "Send the figure itself, with any caveat in the Note column: the pipeline applies its own disclosure control.",
        None,
    ),
    Rule(
        "pi_missing_from_return",
        "availability",
        "warning",
        "A phase-1 PI has no row at all in a workbook return.",
        "Add a row for every PI and period pre-listed in the template, marking figures you cannot supply n/a.",
        None,
    ),
    Rule(
        "period_missing",
        "availability",
        "warning",
        "An expected period of a phase-1 PI has no figure at all from a pilot borough (measured across the pilot by the availability expectation; the findings row by row are pi_missing_from_return and series_gap).",
        "Send a figure for every PI and period pre-listed in the template, or mark it n/a with the reason in the Note column.",
        None,
    ),
    Rule(
        "pilot_return_missing",
        "availability",
        "warning",
        "A pilot borough has sent no return at all.",
        "Send the return for the pilot period, even if incomplete.",
        None,
    ),
    # cadence
    Rule(
        "cadence_mismatch",
        "cadence",
        "warning",
        "The figure's period does not match the PI's expected cadence (e.g. quarterly figures where annual were asked for).",
        "Report this PI for the periods pre-listed in the template; if your agency only holds other periods, say so in the Note column.",
        None,
    ),
    Rule(
        "frequency_contradicts_period",
        "cadence",
        "warning",
        "The declared reporting frequency does not match the period given.",
        "Make the Reporting frequency match the period (Annual for 2007/08, Quarterly for 2007/08 Q3, Monthly for 2007-12).",
        None,
    ),
    Rule(
        "period_ambiguous",
        "cadence",
        "warning",
        "A period such as 2007-08 could be a financial year or a month; the reading chosen is stated.",
        "Write financial years as 2007/08 and months by name (Aug 2007), which cannot be mistaken for one another.",
        None,
    ),
    Rule(
        "series_gap",
        "cadence",
        "warning",
        "A PI is reported for some of its expected periods but not all (a gap in the series).",
        "Add the missing periods, or mark them n/a and say in the Note column why they are not available.",
        None,
    ),
    Rule(
        "basis_mixed",
        "cadence",
        "warning",
        "One PI is reported on both financial-year and calendar-year periods.",
        "Report every period of a PI on the basis the catalogue asks for (financial years April–March unless stated).",
        None,
    ),
    Rule(
        "subannual_unreconciled",
        "cadence",
        "warning",
        "Monthly or quarterly figures do not add up to the annual figure given for the same year (counts, and numerators and denominators of percentages; snapshots and population rates are not summed).",
        "Check the annual figure and the monthly or quarterly figures cover the same cases; correct whichever is wrong.",
        None,
    ),
    Rule(
        "period_incomplete",
        "cadence",
        "warning",
        "The figure is for a period that had not ended on the date of submission.",
        "Send the final figure once the period has ended, or mark the row as provisional in the Note column.",
        None,
    ),
    # integrity
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
        "Check the value equals numerator / denominator in the PI's unit, or leave the value blank to have it calculated.",
        None,
    ),
    Rule(
        "differs_from_published",
        "integrity",
        "warning",
        "A returned figure differs from DfE's published figure for the same borough, PI and period by more than DfE's rounding (half its last digit).",
        "Check the figure against what was sent to DfE (the children in need census); if DfE's is right, send it; if the difference is real (a revised or local count), say why in the Note column.",
        None,
    ),
    Rule(
        "outlier",
        "integrity",
        "warning",
        "The figure is far from the other boroughs' figures for the same PI and period (robust z-score above 3.5, at least 5 boroughs).",
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

RULES_BY_NAME: dict[str, Rule] = {rule.check_name: rule for rule in RULES}


def rule(check_name: str) -> Rule:
    return RULES_BY_NAME[check_name]


def registering_in(registry: dict, check_name: str):
    """A decorator that registers a rule's function under its `check_name`, which must be in the rule list."""
    if check_name not in RULES_BY_NAME:
        raise KeyError(f"{check_name} is not in the rule list")

    def register(fn):
        registry[check_name] = fn
        return fn

    return register


def rule_table() -> pd.DataFrame:
    """The rule list as the `dq_rule` table."""
    return pd.DataFrame(
        [(r.check_name, r.category, r.severity, r.description, r.fix_hint) for r in RULES],
        columns=["check_name", "category", "severity", "description", "fix_hint"],
    )


def rule_page() -> str:
    """The rule list as a Markdown page for people (docs/data-quality-rules.md is generated from it)."""
    outcome = {
        "file": "the file is rejected",
        "row": "the row is set aside in `rejected_row`",
        None: "the figure is loaded",
    }
    lines = [
        "# Data-quality rules",
        "",
        "Generated from `lsdi_pipeline/rules.py` by `lsdi rules` — do not edit by hand. The same list is the warehouse",
        "table `dq_rule`; every finding in `dq_issue` names one of these rules in `check_name`.",
        "",
        "- **error**: the value must not be used in comparisons (or the file or row cannot be used at all);",
        "- **warning**: please check — the figure is used, but needs a second look.",
        "",
    ]
    for category in ("structure", "availability", "cadence", "integrity"):
        lines += [
            f"## {category.capitalize()}",
            "",
            "| rule | severity | what it finds | what happens | how to fix it |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in RULES:
            if r.category == category:
                happens = outcome[r.rejects] + (" as an error" if r.rejects is None and r.severity == "error" else "")
                lines.append(f"| `{r.check_name}` | {r.severity} | {r.description} | {happens} | {r.fix_hint} |")
        lines.append("")
    return "\n".join(lines)
