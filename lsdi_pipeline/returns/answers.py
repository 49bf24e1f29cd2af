"""The Feasibility and Narrative sheets: a borough's answer for each PI, and its narrative for each cluster.

Both sheets are optional: a workbook without one, or whose header lacks a required column, is
loaded with a finding, and the rows of such a sheet are set aside with that reason.
"""

from __future__ import annotations

from lsdi_pipeline.checks.findings import Location
from lsdi_pipeline.reference import clean_code
from lsdi_pipeline.returns.reader import Cell
from lsdi_pipeline.returns.reading import ReturnReading
from lsdi_pipeline.returns.tables import Table, is_blank, read_table, typed


def read_optional_sheets(parser: ReturnReading) -> None:
    return_format = parser.format
    for sheet_format, read in (
        (return_format.feasibility, read_feasibility),
        (return_format.narrative, read_narrative),
    ):
        sheet = parser.find_sheet(sheet_format.name, required=sheet_format.required)
        if sheet is None:
            continue
        table = read_table(sheet, sheet_format)
        if table.missing:
            labels = ", ".join(repr(c.label) for c in sheet_format.columns if c.name in table.missing)
            message = f"the '{sheet.name}' sheet's header row (row 1) lacks {labels}, so its rows could not be read"
            parser.finding("optional_sheet_missing", message, Location(sheet.name, 1))
            for row_number, _, raw in table.records():
                parser.set_aside(sheet_format.name, row_number, raw, message)
            continue
        read(parser, table)


def _at(table: Table, row_number: int, fields: dict[str, Cell], field_name: str) -> Location:
    cell = fields[field_name]
    return Location(table.format.name, row_number, table.column_name(field_name), cell.ref, typed(cell))


def read_feasibility(parser: ReturnReading, table: Table) -> None:
    """One answer per catalogue PI: whether the borough can provide it, and the main issue if not."""
    sheet = table.format.name
    seen: dict[str, int] = {}
    for row_number, fields, raw in table.records():
        code_cell = fields["pi_code"]
        pi = None if is_blank(code_cell.value) else parser.catalogue.indicators.get(clean_code(code_cell.value))
        if pi is None:
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "answer_invalid",
                f"PI code '{typed(code_cell) or ''}' is not in the catalogue",
                _at(table, row_number, fields, "pi_code"),
            )
            continue
        answers = {}
        problem = None
        for name in ("can_provide", "main_issue"):
            cell = fields.get(name)
            if cell is None or is_blank(cell.value):
                answers[name] = None
            elif (answer := table.format.column(name).answer(str(cell.value))) is None:
                problem = (
                    name,
                    f"{pi['pi_code']}: '{typed(cell)}' is not one of the answers for {table.column_name(name)}",
                )
                break
            else:
                answers[name] = answer
        if problem:
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "answer_invalid",
                problem[1],
                _at(table, row_number, fields, problem[0]),
                pi["pi_code"],
            )
            continue
        if pi["pi_code"] in seen:
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "duplicate_row",
                f"{pi['pi_code']} was already answered in row {seen[pi['pi_code']]}",
                _at(table, row_number, fields, "pi_code"),
                pi["pi_code"],
            )
            continue
        seen[pi["pi_code"]] = row_number
        comment = fields.get("comment")
        parser.screen_text(sheet, row_number, table, "comment", comment, pi["pi_code"])
        parser.result.feasibility.append(
            {
                "submission_id": parser.submission["submission_id"],
                "borough_code": parser.submission["borough_code"],
                "pi_code": pi["pi_code"],
                **answers,
                "comment": typed(comment) if comment else None,
                "row_number": row_number,
            }
        )


def read_narrative(parser: ReturnReading, table: Table) -> None:
    """One narrative per cluster of PIs."""
    sheet = table.format.name
    seen: dict[str, int] = {}
    for row_number, fields, raw in table.records():
        code_cell = fields["cluster_code"]
        code = None if is_blank(code_cell.value) else clean_code(code_cell.value)
        where = _at(table, row_number, fields, "cluster_code")
        if code not in parser.catalogue.clusters:
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "answer_invalid",
                f"cluster code '{typed(code_cell) or ''}' is not in the catalogue",
                where,
            )
            continue
        if code in seen:
            parser.reject_row(
                sheet,
                row_number,
                raw,
                "duplicate_row",
                f"cluster {code} already has a narrative in row {seen[code]}",
                where,
            )
            continue
        seen[code] = row_number
        parser.screen_text(sheet, row_number, table, "narrative", fields["narrative"])
        parser.result.narratives.append(
            {
                "submission_id": parser.submission["submission_id"],
                "borough_code": parser.submission["borough_code"],
                "cluster_code": code,
                "narrative": typed(fields["narrative"]),
                "row_number": row_number,
            }
        )
