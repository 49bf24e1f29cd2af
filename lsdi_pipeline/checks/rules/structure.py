"""The structure rules: whether a file can be read as an LSDI-R1 return, and whether each of its rows can be used."""

from __future__ import annotations

from lsdi_pipeline.checks.rules.rule import Rule

STRUCTURE: tuple[Rule, ...] = (
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
        "Send only the four LSDI-R1 sheets; remove large embedded objects and stray cells far below or right of the "
        "data.",
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
        "A cell holds a formula (a number, note, comment or narrative); its last calculated value was read and "
        "nothing was recalculated.",
        "Paste the figures as values (Paste Special > Values) so the return holds the numbers you checked.",
        None,
    ),
    Rule(
        "personal_data",
        "structure",
        "warning",
        "A note, comment or narrative seems to hold personal data (an NHS number, a unique pupil number, a date of "
        "birth, a postcode or a child's name); it is masked wherever it is published.",
        "Describe cases without identifying anyone: remove names, dates of birth, NHS numbers, pupil numbers and "
        "postcodes from the text.",
        None,
    ),
    Rule(
        "sheet_duplicated",
        "structure",
        "error",
        "Two sheets of the workbook have the same name once case and spaces are ignored (e.g. 'PI data' and ' pi DATA "
        "').",
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
        "Enter numbers only; leave the cell blank or write n/a if not available, <5 if suppressed; put explanations "
        "in the Note column.",
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
        "A feasibility answer or narrative row cannot be used (unknown PI or cluster code, or an answer outside the "
        "drop-down list).",
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
)
