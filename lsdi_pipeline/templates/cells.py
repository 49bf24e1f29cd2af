"""The cells of a template sheet: locked text, cells an officer fills in, header rows, drop-downs, number checks.

Also how the template writes a period and a date, so that the parser reads them back without a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lsdi_pipeline.periods import Period
from lsdi_pipeline.templates.layout import BODY, BOLD, GRID, HEADER_FILL, INPUT_FILL, fit_row

WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
TEXT_FORMAT = "@"  # Excel keeps what an officer types in these cells as text: no dates, no formulas
_UNLOCKED = Protection(locked=False)
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_text(period: Period) -> str:
    """A period as the template writes it: months as `Apr 2007` (`2007-08` would read as a financial year)."""
    if period.period_type == "month":
        return f"{_MONTH_ABBR[period.start.month - 1]} {period.start.year}"
    return period.label


def day_text(date) -> str:
    """A date as the template's text writes it: 1 April 2007."""
    return f"{date.day} {date:%B %Y}"


def text_cell(ws: Worksheet, row: int, column: int, value: object, *, locked: bool = True):
    """A text cell of the form, stored as text even when it starts with `=` (never a live formula)."""
    cell = ws.cell(row=row, column=column)
    if value is not None:
        cell.value = str(value)
        cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    _protect(cell, locked)
    return cell


def input_cell(ws: Worksheet, row: int, column: int):
    """An empty cell an officer fills in (a number or a date: General format, not text)."""
    cell = ws.cell(row=row, column=column)
    _protect(cell, False)
    return cell


def _protect(cell, locked: bool) -> None:
    """Every cell of the form in Arial, ruled; the cells to fill in unlocked and shaded."""
    cell.font, cell.border, cell.alignment = BODY, GRID, TOP
    if not locked:
        cell.protection, cell.fill = _UNLOCKED, INPUT_FILL


def header_row(ws: Worksheet, header: Iterable[str], widths: Iterable[float]) -> None:
    """Row 1: bold, shaded, wrapped to its column, locked, and frozen so it stays in view."""
    for column, (name, width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = text_cell(ws, 1, column, name)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = width
    fit_row(ws, 1)
    ws.freeze_panes = "A2"


def protect_sheet(ws: Worksheet) -> None:
    """Protect the sheet without a password; officers may still resize columns and rows."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def validation(ws: Worksheet, cells: str, **settings) -> DataValidation:
    checked = DataValidation(allow_blank=True, showInputMessage=True, **settings)
    checked.add(cells)
    ws.add_data_validation(checked)
    return checked


def list_validation(ws: Worksheet, cells: str, choices: Iterable[str], *, title: str, stop: bool) -> DataValidation:
    """A drop-down list. `stop` refuses anything else; otherwise Excel warns and lets the officer keep it."""
    choices = list(choices)
    return validation(
        ws,
        cells,
        type="list",
        formula1='"' + ",".join(choices) + '"',
        showErrorMessage=True,
        errorStyle="stop" if stop else "warning",
        errorTitle=title[:32],
        error=f"Choose one of: {', '.join(choices)}."[:255],
        promptTitle=title[:32],
        prompt=f"Choose from the list: {', '.join(choices)}."[:255],
    )


def number_validation(
    ws: Worksheet, cells: str, low: float | None, high: float | None, *, title: str, prompt: str, error: str
) -> DataValidation:
    """A decimal check that warns (never refuses), so `n/a`, `<5` and blanks can still be entered.

    With no bound to check there is only the input message.
    """
    settings: dict = {
        "type": "decimal",
        "showErrorMessage": True,
        "errorStyle": "warning",
        "errorTitle": title[:32],
        "error": error[:255],
        "promptTitle": title[:32],
        "prompt": prompt[:255],
    }
    if low is not None and high is not None:
        settings.update(operator="between", formula1=f"{low:g}", formula2=f"{high:g}")
    elif low is not None:
        settings.update(operator="greaterThanOrEqual", formula1=f"{low:g}")
    elif high is not None:
        settings.update(operator="lessThanOrEqual", formula1=f"{high:g}")
    else:  # no bounds to check: only the input message
        return validation(ws, cells, promptTitle=title[:32], prompt=prompt[:255])
    return validation(ws, cells, **settings)
