"""The Instructions sheet of the return template: what each sheet asks for and how to fill it in.

The parser does not read it; what it says is what the parser expects (docs/return-format.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.styles import Alignment, Border
from openpyxl.worksheet.worksheet import Worksheet

from lsdi_pipeline.periods import expected_periods, financial_year
from lsdi_pipeline.returns.format import LSDI_R1
from lsdi_pipeline.templates.cells import WRAP, day_text, period_text, protect_sheet, text_cell
from lsdi_pipeline.templates.layout import HEADING, NO_FILL, TITLE, fit_row


def write_instructions(ws: Worksheet, borough: Mapping, return_year: int) -> None:
    """What the return asks for and how to fill it in, one paragraph a row."""
    year = financial_year(return_year)
    months, quarter = period_text(expected_periods(return_year, "monthly", "financial_year")[0]), f"{year.label} Q1"
    *others, last = LSDI_R1.sheet_names
    sheets = f"{', '.join(others)} and {last}"
    lines = [
        (
            f"London Datasets Initiative — safeguarding performance return {year.label} — {borough['borough_name']}",
            "title",
        ),
        (
            f"This workbook is the {LSDI_R1.version} return for {year.label} ({day_text(year.start)} to "
            f"{day_text(year.end)}). Fill it in and send it back as an Excel workbook (.xlsx).",
            None,
        ),
        ("The sheets", "heading"),
        (
            "About — check the borough and return period; enter the date you send the return in 'Submitted on' and "
            "your role (not your name) in 'Submitted by (role)'.",
            None,
        ),
        (
            "PI data — one row per PI per period, already listed. Fill in Numerator, Denominator and Value for every "
            "row.",
            None,
        ),
        ("Feasibility — one row per PI: can you provide it (Yes, Partially, No), the main issue, and a comment.", None),
        ("Narrative — one row per cluster of PIs: answer the prompt in column C in the Narrative column.", None),
        ("PI definitions — what each PI measures, its unit and the periods asked for. For reference only.", None),
        ("Filling in figures", "heading"),
        (
            f"Periods are listed for you: months as {months}, quarters of the financial year as {quarter} (Q1 = "
            f"April–June), the financial year as {year.label}, a calendar year as {return_year}, and counts on a date "
            f"as {year.end.isoformat()} (the figure on that day). Do not change them.",
            None,
        ),
        (
            "Percentages: enter a plain number from 0 to 100 — 45 means 45%. Do not enter 0.45 and do not format the "
            "cell as a percentage.",
            None,
        ),
        (
            "Rates and percentages: give the Numerator and Denominator whenever the PI has them (see PI definitions). "
            "The Value must equal numerator ÷ denominator in the PI's unit (× 100 for a percentage, × 10,000 for a "
            "rate per 10,000). If you leave Value blank, it is calculated from them.",
            None,
        ),
        (
            "Not available: write n/a in the Value cell (a blank cell means the same) and say why in the Note column "
            "and on the Feasibility sheet.",
            None,
        ),
        (
            "Small numbers: please send the true figures — the pipeline suppresses small numbers itself before "
            "anything is published or shared. If your agency's rules require you to suppress, write <5 instead of the "
            "figure.",
            None,
        ),
        (
            "Numbers only in Numerator, Denominator and Value: no words such as TBC, and no formulas (paste figures as "
            "values). If a figure is an estimate, give the number and say so in the Note column.",
            None,
        ),
        (
            "Excel warns when a figure looks wrong (for example a percentage above 100). Choose Yes to keep n/a or <5; "
            "otherwise choose No and correct the figure.",
            None,
        ),
        (
            "Source agency and Reporting frequency are filled in from the PI catalogue. Change the agency only if "
            "another agency supplied the figure; choose from the drop-down lists.",
            None,
        ),
        (
            "One row per PI per period. If you can only give a PI for other periods than those listed (for example a "
            "year instead of quarters), write n/a in the listed rows and add your figures in the empty rows at the "
            "bottom of the PI data sheet, with the Period and Reporting frequency they are for.",
            None,
        ),
        (
            "Corrections: send the whole return again with every figure, not only the corrected ones — a blank row in "
            "the latest return counts as 'not provided' and replaces the figure sent before.",
            None,
        ),
        ("Keep the layout", "heading"),
        (
            f"Do not rename, delete or hide the sheets {sheets}, and do not change their header rows (row 1). "
            "Do not merge cells. You may add sheets of your own workings: they are not read.",
            None,
        ),
        (
            "The sheets are protected, without a password, so that headers, PI codes and periods are not changed by "
            "accident. The cells you fill in are shaded yellow and are not locked.",
            None,
        ),
        ("Personal data", "heading"),
        (
            "This is an aggregate return. Do not write names, dates of birth, NHS numbers, pupil numbers, addresses or "
            "postcodes in notes, comments or narratives: describe services and trends, not individual children.",
            None,
        ),
        ("'Submitted by (role)' is a role, such as LSCB performance officer, not a person's name.", None),
    ]
    ws.column_dimensions["A"].width = 110
    for row, (line, kind) in enumerate(lines, start=1):
        cell = text_cell(ws, row, 1, line)
        cell.fill, cell.border, cell.alignment = NO_FILL, Border(), WRAP  # a page of text, not a table
        if kind == "title":
            cell.font = TITLE
        elif kind == "heading":  # set off from the paragraph above it
            cell.font, cell.alignment = HEADING, Alignment(wrap_text=True, vertical="bottom")
        fit_row(ws, row, minimum=24 if kind == "heading" else 0)
    protect_sheet(ws)
