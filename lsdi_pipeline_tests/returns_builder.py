"""Writes borough returns for tests: LSDI-R1 workbooks (openpyxl) and CSV files, as a borough would.

`write_return` lays out the template (About, PI data, Feasibility, Narrative); every part can
be overridden so a test can write exactly the variation it is about. `parse` reads a file
back through `parse_return` against the bundled reference data in data/raw.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from lsdi_pipeline import reference
from lsdi_pipeline.reference import AuthorityRegister, Catalogue
from lsdi_pipeline.returns.format import LSDI_R1, Limits
from lsdi_pipeline.returns.parse import parse_return
from lsdi_pipeline.returns.reading import ParsedReturn

RAW_DIR = Path(__file__).resolve().parents[1] / "data" / "raw"
RECEIVED_AT = dt.datetime(2008, 4, 20, 9, 0)

_BARNET_2007 = {
    "template_version": LSDI_R1.version,
    "borough_code": "E09000003",
    "borough_name": "Barnet",
    "return_period": "2007/08",
    "submitted_on": dt.datetime(2008, 4, 14),
    "submitted_by": "LSCB performance officer",
}
#: the About sheet of a return from Barnet for 2007/08: label → value, in the format's order
ABOUT = {f.label: _BARNET_2007[f.name] for f in LSDI_R1.about.fields}
PI_DATA_HEADER = list(LSDI_R1.pi_data.labels)
FEASIBILITY_HEADER = list(LSDI_R1.feasibility.labels)
NARRATIVE_HEADER = list(LSDI_R1.narrative.labels)
CSV_HEADER = list(LSDI_R1.csv.names)
SHEETS = LSDI_R1.sheet_names


@dataclass(frozen=True)
class Formatted:
    """A cell written with an Excel number format, e.g. `Formatted(0.45, "0%")`."""

    value: object
    number_format: str


def pi_row(
    pi_code, period, *, numerator=None, denominator=None, value=None, agency=None, frequency=None, note=None
) -> list:
    """One `PI data` row in the template's column order."""
    fields = {
        "pi_code": pi_code,
        "period": period,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "source_agency": agency,
        "reporting_frequency": frequency,
        "note": note,
    }
    return [fields[name] for name in LSDI_R1.pi_data.names]


def write_return(
    path: Path,
    *,
    about: dict | None = None,
    pi_rows=(),
    feasibility_rows=(),
    narrative_rows=(),
    headers: dict[str, list] | None = None,
    sheet_names: dict[str, str] | None = None,
    omit=(),
    extra_sheets: dict[str, list[list]] | None = None,
) -> Path:
    """Write an LSDI-R1 workbook.

    `about` overrides About fields (None writes a blank value); `headers` replaces a sheet's
    header row; `sheet_names` renames a sheet; `omit` leaves sheets out; `extra_sheets` adds
    sheets of rows after the template's own.
    """
    about_sheet, pi_data, feasibility, narrative = SHEETS
    headers = {
        pi_data: PI_DATA_HEADER,
        feasibility: FEASIBILITY_HEADER,
        narrative: NARRATIVE_HEADER,
        **(headers or {}),
    }
    contents = {
        about_sheet: [[field, value] for field, value in {**ABOUT, **(about or {})}.items()],
        pi_data: [headers[pi_data], *pi_rows],
        feasibility: [headers[feasibility], *feasibility_rows],
        narrative: [headers[narrative], *narrative_rows],
    }
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name in SHEETS:
        if name not in omit:
            _write_sheet(workbook.create_sheet((sheet_names or {}).get(name, name)), contents[name])
    for name, rows in (extra_sheets or {}).items():
        _write_sheet(workbook.create_sheet(name), rows)
    workbook.save(path)
    return path


def _write_sheet(sheet, rows) -> None:
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, Formatted):
                cell.value, cell.number_format = value.value, value.number_format
            else:
                cell.value = value


def write_csv(path: Path, rows, *, header=CSV_HEADER, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write a CSV return (None writes an empty field), encoded as an agency system might."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode(encoding))
    return path


@functools.cache
def reference_data() -> tuple[AuthorityRegister, Catalogue]:
    """The authority register and PI catalogue built from the bundled data/raw."""
    clusters = reference.read_clusters(RAW_DIR)
    indicators = reference.read_indicators(RAW_DIR, clusters)
    boroughs = reference.read_boroughs(RAW_DIR, pilot=pd.DataFrame({"borough_code": []}))
    return AuthorityRegister.from_frame(boroughs), Catalogue.from_frames(indicators, clusters)


def parse(path: Path, limits: Limits = Limits()) -> ParsedReturn:
    """Parse a return as submission 1, received on 20 April 2008 at 09:00."""
    register, catalogue = reference_data()
    submission = {"submission_id": 1, "file_name": path.name, "received_at": RECEIVED_AT}
    return parse_return(path, submission, register, catalogue, limits)
