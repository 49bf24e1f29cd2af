"""A sample return laid out in the format (`returns.format`): an LSDI-R1 workbook, or an agency system's CSV export.

What goes in it — the About values, the figures and the slips in them — is the generator's; here it
is only written down, in the sheets, columns and header rows the format declares. Same content,
same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lsdi_pipeline.returns.format import LSDI_R1
from lsdi_pipeline.sample.xlsx import make_reproducible


@dataclass
class Row:
    """One PI data row as the borough typed it: a field for each column of the format's PI data sheet."""

    pi_code: str
    period: object
    numerator: object = None
    denominator: object = None
    value: object = None
    source_agency: str | None = None
    reporting_frequency: str | None = None
    note: str | None = None
    #: the Excel number format of the Value cell
    value_format: str | None = None


def write_workbook(
    path: Path,
    about: Mapping[str, object],
    rows: Iterable[Row],
    feasibility: Iterable[tuple],
    narratives: Iterable[tuple],
    *,
    note: str,
    title: str,
    snake_case_header: bool = False,
    workings: bool = False,
) -> None:
    """The About fields (by name) and the sheets' rows in the format's column order; `note` marks it synthetic.

    `snake_case_header` writes the PI data header in field names (`pi_code`); `workings` adds a sheet of the
    borough's own, which the pipeline does not read.
    """
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = LSDI_R1.about.name
    for about_field in LSDI_R1.about.fields:
        sheet.append([about_field.label, about[about_field.name]])
    sheet.append(["Synthetic data", note])
    sheet.cell(LSDI_R1.about.row("submitted_on"), 2).number_format = "yyyy-mm-dd"
    pi_data = LSDI_R1.pi_data
    sheet = wb.create_sheet(pi_data.name)
    sheet.append(list(pi_data.names if snake_case_header else pi_data.labels))
    for row in rows:
        sheet.append([getattr(row, name) for name in pi_data.names])
        if row.value_format:
            sheet.cell(sheet.max_row, pi_data.position("value")).number_format = row.value_format
        if isinstance(row.period, dt.datetime):
            sheet.cell(sheet.max_row, pi_data.position("period")).number_format = "mmm yyyy"
    for sheet_format, answers in ((LSDI_R1.feasibility, feasibility), (LSDI_R1.narrative, narratives)):
        sheet = wb.create_sheet(sheet_format.name)
        sheet.append(list(sheet_format.labels))
        for answer in answers:
            sheet.append(list(answer))
    if workings:
        sheet = wb.create_sheet("Workings")
        sheet.append(["Borough's own workings — not read by the pipeline", note])
    wb.properties.creator = "lsdi sample (synthetic)"
    wb.properties.title = title
    wb.save(path)
    make_reproducible(path)


def write_csv_export(path: Path, figures: Iterable[Mapping[str, object]], encoding: str = "utf-8") -> None:
    """A CSV return: a header of every column of the CSV form, then each figure's fields (by name) in that order."""
    names = [c.name for c in LSDI_R1.csv.columns]
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for figure in figures:
            writer.writerow([figure[name] for name in names])
