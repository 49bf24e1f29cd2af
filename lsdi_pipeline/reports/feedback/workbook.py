"""A submission's feedback as an Excel workbook that opens right: Summary (with what to do next), Findings, and a
sheet per kind of row loaded.

Every table sheet has a frozen header row and a filter over its rows; widths fit the text (long text wraps); dates
are Excel dates. Nothing a borough typed becomes a formula, a link or a number (`safe.write_cell`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from lsdi_pipeline.reports.feedback.content import (
    FINDING_COLUMNS,
    STANDING_TEXT,
    STATUS_TEXT,
    Feedback,
    Table,
    counting,
)
from lsdi_pipeline.reports.feedback.pages import next_steps, replacement_notice
from lsdi_pipeline.reports.safe import missing, write_cell

#: the Findings sheet's column widths (characters), and the columns whose text wraps
FINDING_WIDTHS = {
    "Severity": 9,
    "Problem": 34,
    "Sheet": 11,
    "Row": 6,
    "Column": 16,
    "Cell": 7,
    "Value found": 18,
    "What is wrong": 60,
    "How to fix it": 60,
    "Still counts": 8,
    "Rule code": 16,
}
WRAPPED = {"Problem", "Value found", "What is wrong", "How to fix it", "Note", "Comment", "Narrative", "Main issue"}
DATE_FORMAT = "d mmm yyyy"
MAX_WIDTH = 60
SUMMARY_WIDTH = 80


def write_workbook(path: Path, fb: Feedback) -> None:
    """The submission's feedback as a workbook at `path`."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,  # a non-finite number must never stop the feedback
            "in_memory": True,  # the parts are zipped from memory, not from a temporary file each
        },
    )
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#EEF1F6", "text_wrap": True, "valign": "top"}),
        "label": book.add_format({"bold": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "notice": book.add_format({"bold": True, "text_wrap": True, "bg_color": "#FFF4E0", "valign": "top"}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
        "top": book.add_format({"valign": "top"}),
        "value": book.add_format({"valign": "top", "align": "left"}),
        "date": book.add_format({"num_format": DATE_FORMAT, "align": "left", "valign": "top"}),
        "gone": book.add_format({"italic": True, "font_color": "#4B5563", "bg_color": "#F3F4F6", "valign": "top"}),
        "gone_wrap": book.add_format(
            {"italic": True, "font_color": "#4B5563", "bg_color": "#F3F4F6", "valign": "top", "text_wrap": True}
        ),
    }
    _summary(book, fb, formats)
    findings = fb.findings
    shown = Table(tuple(FINDING_COLUMNS.values()), findings.rows)
    gone = [still != "yes" for still in findings.column("still_counts")]
    _table_sheet(book, "Findings", shown, formats, widths=FINDING_WIDTHS, greyed=gone)
    for title, rows in fb.loaded.items():
        _table_sheet(book, title, rows, formats)
    book.close()


def _summary(book, fb: Feedback, formats: dict) -> None:
    sub = fb.sub
    sheet = book.add_worksheet("Summary")
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, SUMMARY_WIDTH)
    errors, queries = counting(fb.findings)
    write_cell(sheet, 0, 0, "Feedback on your return", formats["title"])
    row = 2
    notice = replacement_notice(fb)
    if notice:
        write_cell(sheet, row, 0, "Replaced", formats["notice"])
        write_cell(sheet, row, 1, notice, formats["notice"])
        sheet.set_row(row, 15 * -(-len(notice) // SUMMARY_WIDTH))
        row += 2
    rows = [
        ("Borough", fb.borough_name or "unattributed"),
        ("File", sub["file_name"]),
        ("Status", STATUS_TEXT.get(sub["status"], sub["status"])),
        ("Standing", STANDING_TEXT[fb.standing]),
        ("Reason", sub["reject_reason"]),
        ("Return for", fb.year),
        ("Submitted on", _day(sub["submitted_on"])),
        ("Received", _day(sub["received_at"])),
        ("Return due", fb.due),
        ("Errors that count", errors),
        ("Queries that count", queries),
    ]
    for label, value in rows:
        _pair(sheet, row, label, value, formats)
        row += 1
    row += 1
    write_cell(sheet, row, 0, "What to do next", formats["title"])
    row += 1
    steps = next_steps(fb)
    for label, text, _ in steps:
        _pair(sheet, row, label, text, formats)
        row += 1
    if fb.corrections_due and any(label == "Deadline" for label, _, _ in steps):
        _pair(sheet, row, "Send corrections by", fb.corrections_due, formats)
        row += 1
    write_cell(sheet, row + 1, 0, "Each finding is on the Findings sheet; what was loaded is on the sheets after it.")


def _pair(sheet, row: int, label: str, value, formats: dict) -> None:
    write_cell(sheet, row, 0, label, formats["label"])
    if isinstance(value, dt.date):
        sheet.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), formats["date"])
    else:
        write_cell(sheet, row, 1, value, formats["text"] if isinstance(value, str) else formats["value"])
    if isinstance(value, str) and len(value) > SUMMARY_WIDTH:  # Excel and LibreOffice do not grow a row to fit
        sheet.set_row(row, 15 * -(-len(value) // SUMMARY_WIDTH))


def _day(value) -> dt.date | None:
    return None if missing(value) else pd.Timestamp(value).date()


def _table_sheet(
    book, title: str, rows: Table, formats: dict, widths: dict | None = None, greyed: list[bool] | None = None
) -> None:
    """A table sheet: bold, frozen header row; a filter over the rows; widths that fit (long text wraps)."""
    sheet = book.add_worksheet(title)
    columns, fixed = rows.columns, widths or {}
    wrapped = [header in WRAPPED for header in columns]
    # each cell's length as text (0 when empty), in the columns whose width fits their text or whose text wraps
    lengths = {
        j: [_text_length(row[j]) for row in rows.rows]
        for j, header in enumerate(columns)
        if wrapped[j] or not fixed.get(header)
    }
    widths_of = [fixed.get(header) or _fitting_width(header, lengths[j]) for j, header in enumerate(columns)]
    for j, header in enumerate(columns):
        write_cell(sheet, 0, j, header, formats["header"])
        sheet.set_column(j, j, widths_of[j], formats["text"] if wrapped[j] else formats["top"])
    lines = [1] * len(rows)  # Excel and LibreOffice do not grow a row to fit its wrapped text: each row's lines
    for j in (j for j, wrap in enumerate(wrapped) if wrap):
        room = max(1, widths_of[j] - 1)
        for i, length in enumerate(lengths[j]):
            if length > room:
                lines[i] = max(lines[i], -(-length // room))
    plain = [formats["text"] if wrap else None for wrap in wrapped]
    grey = [formats["gone_wrap"] if wrap else formats["gone"] for wrap in wrapped]
    for i, row in enumerate(rows.rows, start=1):
        if lines[i - 1] > 1:
            sheet.set_row(i, 15 * lines[i - 1])
        cell_formats = grey if greyed is not None and greyed[i - 1] else plain
        for j, value in enumerate(row):
            if isinstance(value, (bool, np.bool_)):
                value = "yes" if value else "no"
            write_cell(sheet, i, j, value, cell_formats[j])
    sheet.freeze_panes(1, 0)
    _print_setup(sheet)
    if len(columns):
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _text_length(value) -> int:
    """How long a cell's value is as text; 0 when it has none."""
    if value.__class__ is str:
        return len(value)
    return 0 if missing(value) else len(str(value))


def _print_setup(sheet) -> None:
    """Landscape, one page wide, the header row on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _fitting_width(header: str, lengths: Iterable[int]) -> int:
    """A column width that shows the header and the longest value (`lengths`: of each as text) whole, never past
    MAX_WIDTH (text beyond wraps)."""
    longest = max(len(header) + 3, max(lengths, default=0))
    return min(MAX_WIDTH, max(8, longest + 2))
