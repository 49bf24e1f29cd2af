"""The PI data sheet (or a CSV file's rows): each row a figure loaded with its findings, or a row set aside.

A row is set aside whole (`ReturnReading.reject_row`) when it cannot be attributed: unknown PI
code, another borough's code, an unreadable period or value, or one of several rows giving
different figures for the same PI and period. Every other row is a figure, checked by
`checks.figures`; what its findings make of it is decided in `returns.statuses`.
"""

from __future__ import annotations

from lsdi_pipeline import codes
from lsdi_pipeline.checks.figures import Figure, check_figure
from lsdi_pipeline.checks.findings import TYPED_COLUMNS, Finding, Location
from lsdi_pipeline.periods import read_period
from lsdi_pipeline.reference import clean_code
from lsdi_pipeline.returns.reader import Cell
from lsdi_pipeline.returns.reading import ReturnReading
from lsdi_pipeline.returns.tables import Table, is_blank, typed
from lsdi_pipeline.returns.values import CellReading, is_figure, read_number

#: a finding names at most this many rows (each row has a finding of its own), so its size never grows with the file
MAX_ROWS_NAMED = 5


def read_pi_data(parser: ReturnReading, table: Table) -> None:
    """Every row of the sheet; then, in a workbook, each phase-1 PI that has no row at all."""
    pending: dict[tuple[str, str], list[tuple[dict, dict, list[Finding]]]] = {}
    with_rows: set[str] = set()
    for row_number, fields, raw in table.records():
        outcome = read_pi_row(parser, table, row_number, fields, raw, with_rows)
        if outcome is not None:
            fact, issues = outcome
            pending.setdefault((fact["pi_code"], fact["period"]), []).append((fact, raw, issues))
    for (pi_code, period), rows in pending.items():
        if len(rows) == 1:
            parser.result.pi_values.append(rows[0][0])
            continue
        resolve_duplicates(parser, table, pi_code, period, rows)
    if parser.book.file_format == "xlsx":
        indicators = parser.catalogue.indicators
        for pi_code in parser.catalogue.phase_1_codes():
            if indicators[pi_code]["pi_code"] not in with_rows:
                real = indicators[pi_code]["pi_code"]
                parser.finding(
                    "pi_missing_from_return",
                    f"{real} ({indicators[pi_code]['title']}) has no row in the return",
                    Location(table.format.name),
                    pi_code=real,
                )


def resolve_duplicates(parser: ReturnReading, table: Table, pi_code: str, period: str, rows: list) -> None:
    """Rows for the same PI and period: repeats of the first are set aside; rows that differ are all set aside."""
    sheet = table.format.name
    shown = ", ".join(str(f["row_number"]) for f, _, _ in rows[:MAX_ROWS_NAMED])
    rows_text = shown if len(rows) <= MAX_ROWS_NAMED else f"{shown}, … ({len(rows):,} rows in all)"
    signature = {(f["value"], f["value_status"], f["numerator"], f["denominator"]) for f, _, _ in rows}
    first = rows[0][0]
    if len(signature) == 1:
        parser.result.pi_values.append(first)
        for fact, raw, issues in rows[1:]:
            parser.drop_row_issues(issues)
            message = (
                f"row {fact['row_number']} repeats row {first['row_number']} for {pi_code} {period}; "
                "the repeat was set aside"
            )
            parser.reject_row(
                sheet,
                fact["row_number"],
                raw,
                "duplicate_row",
                message,
                Location(
                    sheet,
                    fact["row_number"],
                    table.column_name("pi_code"),
                    table.cell_ref("pi_code", fact["row_number"]),
                    raw.get(table.column_name("pi_code")),
                ),
                pi_code,
                period,
            )
        return
    for fact, raw, issues in rows:
        parser.drop_row_issues(issues)
        message = f"rows {rows_text} give different figures for {pi_code} {period}; none can be used"
        parser.reject_row(
            sheet,
            fact["row_number"],
            raw,
            "duplicate_conflict",
            message,
            Location(
                sheet,
                fact["row_number"],
                table.column_name("value"),
                table.cell_ref("value", fact["row_number"]),
                fact["raw_value"],
            ),
            pi_code,
            period,
        )


def read_pi_row(
    parser: ReturnReading, table: Table, row_number: int, fields: dict[str, Cell], raw: dict, with_rows: set[str]
) -> tuple[dict, list[Finding]] | None:
    """One row as a figure and the findings on it, or None when the row was set aside.

    A row with a catalogue PI code adds the code to `with_rows`, even when the row is then set aside.
    """
    sheet = table.format.name

    def where(field_name: str) -> Location:
        cell = fields.get(field_name)
        if cell is None:
            return Location(sheet, row_number)
        return Location(sheet, row_number, table.column_name(field_name), cell.ref or None, typed(cell))

    code_cell = fields["pi_code"]
    pi = None if is_blank(code_cell.value) else parser.catalogue.indicators.get(clean_code(code_cell.value))
    if pi is None:
        message = (
            "the PI code is blank"
            if is_blank(code_cell.value)
            else f"'{typed(code_cell)}' is not a PI code in the catalogue"
        )
        parser.reject_row(sheet, row_number, raw, "pi_code_unknown", message, where("pi_code"))
        return None
    pi_code = pi["pi_code"]
    with_rows.add(pi_code)
    row_issues: list[Finding] = []
    borough_cell = fields.get("borough_code")
    if borough_cell is not None and not is_blank(borough_cell.value):
        named = parser.register.by_code_text(str(borough_cell.value))
        if named != parser.submission["borough_code"]:
            names = parser.register.names
            said = (
                f"{names[named]} ({typed(borough_cell)})"
                if named
                else f"'{typed(borough_cell)}', not a known authority"
            )
            own = parser.submission["borough_code"]
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "borough_row_mismatch",
                f"{pi_code}: the row's borough code is {said}, but the return is "
                f"{names.get(own, own)}'s; the row was set aside",
                where("borough_code"),
                pi_code,
            )
            return None

    def flag(check_name, message, field_name, period=None):
        row_issues.append(parser.finding(check_name, message, where(field_name), pi_code, period, field_name))

    frequency = None
    freq_cell = fields.get("reporting_frequency")
    if freq_cell is not None and not is_blank(freq_cell.value):
        frequencies = table.format.column("reporting_frequency")
        frequency = frequencies.answer(str(freq_cell.value))
        if frequency is None:
            flag(
                "frequency_unknown",
                f"reporting frequency '{typed(freq_cell)}' is not {frequencies.answers_text}",
                "reporting_frequency",
            )
    reading = read_period(fields["period"].value, frequency)
    if reading.period is None:
        parser.drop_row_issues(row_issues)
        parser.reject_row(
            sheet, row_number, raw, "period_unreadable", f"{pi_code}: {reading.error}", where("period"), pi_code
        )
        return None
    period = reading.period
    readings: dict[str, CellReading] = {}
    for name in ("value", "numerator", "denominator"):
        cell = fields.get(name)
        readings[name] = read_number(cell.value, cell.number_format) if cell is not None else read_number(None)
        if readings[name].status == "unreadable":
            parser.drop_row_issues(row_issues)
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "value_unreadable",
                f"{pi_code} {period.label}: the {name} cell {readings[name].problem}",
                where(name),
                pi_code,
                period.label,
            )
            return None
    for name in ("value", "numerator", "denominator"):
        cell = fields.get(name)
        if cell is not None and cell.formula:
            flag(
                "formula_cell",
                f"{pi_code} {period.label}: {name} is a formula; its last calculated value "
                f"({typed(cell) or 'none stored'}) was read — nothing is recalculated",
                name,
                period.label,
            )
    value, numerator, denominator = readings["value"], readings["numerator"], readings["denominator"]
    number = value.number
    value_status = value.status
    unit = pi["unit"]
    if (
        value_status == "not_provided"
        and is_blank(fields["value"].value)
        and numerator.number is not None
        and denominator.number
        and unit in codes.UNIT_SCALE
    ):
        derived = numerator.number / denominator.number * codes.UNIT_SCALE[unit]
        if not is_figure(derived):
            parser.drop_row_issues(row_issues)
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "value_unreadable",
                f"{pi_code} {period.label}: the Value cell is blank and numerator ÷ denominator "
                f"({typed(fields['numerator'])} ÷ {typed(fields['denominator'])}) "
                "is too large to be a figure",
                where("denominator"),
                pi_code,
                period.label,
            )
            return None
        number, value_status = round(derived, 4), "reported"
    label = period.label
    qualified = {name: typed(fields[name]) for name, r in readings.items() if r.qualified}
    as_typed = {TYPED_COLUMNS[name]: _typed(fields.get(name)) for name in ("period", "numerator", "denominator")}
    figure = Figure(
        pi,
        period,
        number if value_status == "reported" else None,
        value_status,
        numerator.number,
        denominator.number,
        frequency,
        parser.submission["submitted_on"],
        reading.ambiguity,
        qualified,
        typed(fields["value"]),
        value.percent,
        **as_typed,
    )
    for check_name, field_name, message in check_figure(figure):
        flag(check_name, message, field_name, label)
    agency = pi["source_agency"]
    agency_cell = fields.get("source_agency")
    if agency_cell is not None and not is_blank(agency_cell.value):
        agencies = table.format.column("source_agency")
        named = agencies.answer(str(agency_cell.value))
        if named is None:
            flag(
                "agency_unknown",
                f"source agency '{typed(agency_cell)}' is not an agency label; "
                f"{codes.AGENCY_LABELS[agency]} (from the catalogue) was assumed",
                "source_agency",
                label,
            )
        else:
            agency = named
    note_cell = fields.get("note")
    parser.screen_text(sheet, row_number, table, "note", note_cell, pi_code, label)
    fact = {
        "submission_id": parser.submission["submission_id"],
        "borough_code": parser.submission["borough_code"],
        "pi_code": pi_code,
        "period": label,
        "period_type": period.period_type,
        "period_start": period.start,
        "period_end": period.end,
        "value": number if value_status == "reported" else None,
        "value_status": value_status,
        "raw_value": typed(fields["value"]),
        "numerator": numerator.number,
        "denominator": denominator.number,
        "reported_frequency": frequency,
        "source_agency": agency,
        "sheet": sheet,
        "row_number": row_number,
        "value_cell_ref": where("value").cell_ref,
        "note": typed(note_cell) if note_cell is not None else None,
        **as_typed,
        "field_columns": table.field_columns,
    }
    return fact, row_issues


def _typed(cell: Cell | None) -> str | None:
    return None if cell is None else typed(cell)
