"""A sheet of a return read as a table: its header matched to the format's columns, then one record a row.

Also the two readings of a cell every part of the parser shares: as typed, and whether it is blank.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from lsdi_pipeline.checks.findings import field_columns
from lsdi_pipeline.returns.format import SheetFormat
from lsdi_pipeline.returns.reader import Cell, Sheet, column_letter


def cell_text(value: object, number_format: str | None = None) -> str | None:
    """A cell as typed: what the officer sees of it in Excel's formula bar, before anything is read from it.

    Text exactly as written (spaces and all); a number as Excel shows it, to 15 significant digits and so without
    float noise (0.1 + 0.2 is 0.3), never in exponent form below 10^15; TRUE or FALSE; a date as 2008-03-14, with its
    time when it has one; a number in a %-formatted cell as Excel shows it there (0.118 as 11.8%), given the cell's
    `number_format`. None for an empty cell. Every finding's `value_found` and every `raw_*` column is this.
    """
    if value is None:
        return None
    if type(value) is str:  # most cells: the text as written
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (int, float)) and is_percent_format(number_format):
        return number_text(value * 100) + "%"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def typed(cell: Cell) -> str | None:
    """The cell as typed (`cell_text` of its value in its number format)."""
    return cell_text(cell.value, cell.number_format)


@functools.lru_cache(maxsize=256)
def is_percent_format(number_format: str | None) -> bool:
    """Excel shows numbers in this format as percentages (a % outside its quoted text and escapes)."""
    if not number_format:
        return False
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in unquoted


def number_text(number: float) -> str:
    """A number as Excel shows it in the formula bar: 15 significant digits, no exponent unless it is huge or tiny."""
    if not math.isfinite(number):
        return str(number)
    shown = f"{number:.15g}"
    if 1e-9 <= abs(number) < 1e15 or number == 0:
        shown = f"{Decimal(shown):f}"
    return "0" if shown == "-0" else shown


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.replace("\u00a0", " ").strip())


def row_of(cell: Cell) -> int | None:
    """The row number in a cell's reference (None for a cell that has none)."""
    digits = "".join(ch for ch in cell.ref if ch.isdigit())
    return int(digits) if digits else None


@dataclass
class Table:
    """A sheet read as header + records: each record maps field → cell, plus the raw row."""

    sheet: Sheet
    format: SheetFormat
    header: dict[str, tuple[int, str]]  # field → (column index, header text)
    extra: list[tuple[int, str]]  # columns not in the format, kept in raw records

    def records(self):
        header_texts = {i: text for i, text in [*self.header.values(), *self.extra]}
        for row_number, cells in self.sheet.rows[1:]:
            if all(is_blank(c.value) for c in cells):
                continue
            fields = {
                name: cells[i] if i < len(cells) else Cell(None, f"{column_letter(i + 1)}{row_number}")
                for name, (i, _) in self.header.items()
            }
            raw = {
                header_texts.get(i, f"column {i + 1}"): typed(c) for i, c in enumerate(cells) if not is_blank(c.value)
            }
            yield row_number, fields, raw

    @cached_property
    def field_columns(self) -> str:
        """Each field's column letter and header as written, as `fact_pi_value.field_columns` keeps them."""
        return field_columns({name: (column_letter(i + 1), text) for name, (i, text) in self.header.items()})

    def column_name(self, field_name: str) -> str:
        return self.header[field_name][1]

    def cell_ref(self, field_name: str, row_number: int) -> str:
        return f"{column_letter(self.header[field_name][0] + 1)}{row_number}"

    @property
    def missing(self) -> list[str]:
        """The format's required fields that no header names."""
        return [f for f in self.format.required_fields if f not in self.header]


def read_table(sheet: Sheet, sheet_format: SheetFormat) -> Table:
    """Match the sheet's first row to the format's columns: the first column naming a field fills it."""
    header: dict[str, tuple[int, str]] = {}
    extra = []
    first = sheet.rows[0][1] if sheet.rows else []
    for i, cell in enumerate(first):
        if is_blank(cell.value):
            continue
        text = str(cell.value).replace("\u00a0", " ").strip()
        name = sheet_format.field_for(text)
        if name and name not in header:
            header[name] = (i, text)
        else:
            extra.append((i, text))
    return Table(sheet, sheet_format, header, extra)
