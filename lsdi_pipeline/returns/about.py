"""Who sent a return and for when: a workbook's About sheet, or a CSV file's borough and date columns.

The About sheet's `Template version` picks the format the rest of the workbook is read in. A file
that cannot be attributed to one borough is rejected (`FileRejected`); a return period or
submission date that cannot be used is a finding on its cell.
"""

from __future__ import annotations

import datetime as dt

from lsdi_pipeline import codes
from lsdi_pipeline.checks.findings import Location
from lsdi_pipeline.periods import YEARS, read_period
from lsdi_pipeline.returns.format import ABOUT, FORMATS, VERSION_FIELD, format_named
from lsdi_pipeline.returns.reader import Cell, FileRejected
from lsdi_pipeline.returns.reading import ReturnReading
from lsdi_pipeline.returns.tables import Table, cell_text, is_blank, row_of, typed

#: how a date written as text may look (day first), after the ISO forms
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d.%m.%Y",
)


def read_date(value: object) -> dt.date | None:
    """A date from a date cell or text such as 2008-03-14, 14/03/2008 or 14 March 2008 (day first), else None."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = " ".join(str(value).replace("\u00a0", " ").split())
        value = None
        for fmt in _DATE_FORMATS:
            try:
                value = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    return value if value is not None and value.year in YEARS else None


def read_about(parser: ReturnReading) -> None:
    """The version, borough, return period and submission date, from the About sheet's field/value pairs."""
    sheet = parser.find_sheet(ABOUT, required=True)
    parser.submission["ignored_sheets"] = (
        ";".join(n + (" (hidden)" if hidden else "") for n, hidden in parser.book.other_sheets) or None
    )
    fields: dict[str, Cell] = {}
    for row_number, cells in sheet.rows:
        if cells and not is_blank(cells[0].value):
            fields.setdefault(
                codes.normalise_label(str(cells[0].value)),
                cells[1] if len(cells) >= 2 else Cell(None, f"B{row_number}"),
            )
    blank = Cell(None, "")
    version = fields.get(VERSION_FIELD.key, blank)
    parser.submission["template_version"] = typed(version)
    return_format = None if is_blank(version.value) else format_named(str(version.value))
    if return_format is None:
        found = "blank" if is_blank(version.value) else f"'{version.value}'"
        raise FileRejected(
            "template_version",
            f"'{VERSION_FIELD.label}' on the {ABOUT} sheet is {found}, not {' or '.join(FORMATS)}",
        )
    parser.format = return_format
    parser.submission["template_version"] = return_format.version
    about = return_format.about

    def value_of(name: str) -> Cell:
        return fields.get(about.field(name).key, blank)

    attribute(parser, value_of("borough_code").value, value_of("borough_name").value)
    read_return_period(parser, value_of("return_period"))
    read_submitted_on(parser, value_of("submitted_on"), ABOUT)


def attribute(parser: ReturnReading, code_value: object, name_value: object) -> None:
    """The borough the return is from, by its code or else its name; both given must name the same authority."""
    register = parser.register
    by_code = None if is_blank(code_value) else register.by_code_text(str(code_value))
    by_name = None if is_blank(name_value) else register.by_name_text(str(name_value))
    if not is_blank(code_value) and by_code is None:
        raise FileRejected("borough_unknown", f"borough code '{cell_text(code_value)}' is not a known authority code")
    if by_code and by_name and by_code != by_name:
        raise FileRejected(
            "borough_mismatch",
            f"borough code '{cell_text(code_value)}' is {register.names[by_code]} "
            f"but borough name '{cell_text(name_value)}' is {register.names[by_name]}",
        )
    borough = by_code or by_name
    if borough is None:
        found = "blank" if is_blank(name_value) else f"'{cell_text(name_value)}', not a known authority"
        raise FileRejected("borough_unknown", f"the borough code is blank and the borough name is {found}")
    parser.submission["borough_code"] = borough


def read_return_period(parser: ReturnReading, cell: Cell) -> None:
    reading = read_period(cell.value, "annual")
    if reading.period is not None and reading.period.period_type == "year":
        parser.submission["return_period"] = reading.period.label
        return
    label = parser.format.about.field("return_period").label
    parser.finding(
        "return_period_invalid",
        f"'{label}' is {'blank' if is_blank(cell.value) else repr(typed(cell))}, not a financial year such as 2007/08",
        Location(ABOUT, row_of(cell), label, cell.ref or None, typed(cell)),
    )


def read_submitted_on(parser: ReturnReading, cell: Cell, sheet: str, column_name: str | None = None) -> None:
    """The day the return was sent: never later than the day it arrived, which is also the day a blank one means."""
    label = parser.format.about.field("submitted_on").label
    received = parser.submission["received_at"]
    received_date = received.date() if isinstance(received, dt.datetime) else received
    if is_blank(cell.value):
        parser.submission["submitted_on"] = received_date
        return
    date = read_date(cell.value)
    where = Location(sheet, row_of(cell), column_name or label, cell.ref or None, typed(cell))
    if date is None:
        parser.finding(
            "submitted_on_invalid",
            f"'{label}' is '{typed(cell)}', not a date; the date the file arrived ({received_date}) was used",
            where,
        )
        date = received_date
    elif date > received_date:
        parser.finding(
            "submitted_on_after_arrival",
            f"'{label}' is {date}, after the file arrived on {received_date}; {received_date} was used",
            where,
        )
        date = received_date
    parser.submission["submitted_on"] = date


def read_csv_header(parser: ReturnReading) -> Table:
    """A CSV file's one borough (every row naming one must name the same) and its latest `submitted_on`."""
    csv_form = parser.format.csv
    table = parser.require_columns(parser.book.sheets[csv_form.name], csv_form)
    register = parser.register
    boroughs: dict[str, str] = {}
    latest_submitted = None
    for _, fields, _ in table.records():
        code = fields["borough_code"].value
        if not is_blank(code):
            resolved = register.by_code_text(str(code))
            if resolved is None:
                raise FileRejected(
                    "borough_unknown",
                    f"borough_code '{cell_text(code)}' (cell {fields['borough_code'].ref}) "
                    "is not a known authority code",
                )
            boroughs.setdefault(resolved, fields["borough_code"].ref)
        if "submitted_on" in fields and not is_blank(fields["submitted_on"].value):
            cell = fields["submitted_on"]
            if latest_submitted is None or (read_date(cell.value) or dt.date.min) > (
                read_date(latest_submitted.value) or dt.date.min
            ):
                latest_submitted = cell
    if len(boroughs) > 1:
        named = ", ".join(f"{register.names[b]} ({ref})" for b, ref in boroughs.items())
        raise FileRejected(
            "borough_mismatch", f"the file names more than one borough: {named}; send one file per borough"
        )
    if not boroughs:
        has_rows = any(True for _ in table.records())
        raise FileRejected(
            "borough_unknown",
            "no row names a borough in the borough_code column"
            if has_rows
            else "the CSV file has a header row but no data rows",
        )
    parser.submission["borough_code"] = next(iter(boroughs))
    read_submitted_on(
        parser,
        latest_submitted or Cell(None, ""),
        csv_form.name,
        table.column_name("submitted_on") if "submitted_on" in table.header else "submitted_on",
    )
    return table
