"""Writing borough text back out safely: never a live formula in a spreadsheet or CSV file (HTML: `reports.html`).

`DataFrame.to_excel` and spreadsheet writers may store text beginning with `=` as a formula; a
borough's narrative `=HYPERLINK(…)` would become a working link in every recipient's copy. Text
cells are therefore always written as strings, and CSV cells that a spreadsheet would evaluate are
prefixed with an apostrophe (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pandas as pd

#: what makes a spreadsheet treat a cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def missing(value: object) -> bool:
    """Whether a cell holds no value: None, NaN, NaT or NA (a list or other container is a value)."""
    if value is None:
        return True
    # most cells are text or plain numbers: asking pandas about each would cost more than writing it
    if isinstance(value, str):
        return False
    if isinstance(value, float):
        return value != value  # NaN
    if isinstance(value, int):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_cell(worksheet, row: int, column: int, value: object, cell_format=None) -> None:
    """Write a value to an XlsxWriter sheet (0-based): numbers as numbers, anything else always as text, never a
    formula."""
    kind = value.__class__
    if kind is str:  # most cells are text or plain numbers: written without asking what else they could be
        worksheet.write_string(row, column, value, cell_format)
        return
    if kind is int or (kind is float and value == value):
        worksheet.write_number(row, column, value, cell_format)
        return
    if missing(value):
        if cell_format is not None:
            worksheet.write_blank(row, column, None, cell_format)
        return
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        worksheet.write_number(row, column, value, cell_format)
    else:
        worksheet.write_string(row, column, str(value), cell_format)


def neutralise(value: object) -> object:
    """A CSV cell a spreadsheet will not evaluate: text starting with a formula trigger gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text with every cell neutralised."""
    return csv_text(frame.columns, frame.itertuples(index=False))


def csv_text(columns: Iterable, rows: Iterable[Iterable]) -> str:
    """A header row and rows as CSV text with every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow(["" if missing(v) else neutralise(v) for v in row])
    return buffer.getvalue()
