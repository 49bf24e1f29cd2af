"""One return being read: what it yields (`ParsedReturn`), and the one way its readers make findings.

The readers of each part of a return (`returns.about`, `returns.pi_data`, `returns.answers`) are handed a
`ReturnReading` and record what they find through it: `finding`, `reject_row` and `set_aside`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lsdi_pipeline import codes
from lsdi_pipeline.checks.findings import Finding, Location
from lsdi_pipeline.checks.personal_data import describe, find_personal_data, mask
from lsdi_pipeline.reference import AuthorityRegister, Catalogue
from lsdi_pipeline.returns.format import ABOUT, LSDI_R1, ReturnFormat, SheetFormat, is_read
from lsdi_pipeline.returns.reader import Book, Cell, FileRejected, Sheet
from lsdi_pipeline.returns.statuses import FILE_REJECTING, ISSUE_LOCATION, figure_quality, submission_statuses
from lsdi_pipeline.returns.tables import Table, cell_text, read_table, row_of, typed


@dataclass
class ParsedReturn:
    """One file's contribution to the warehouse: plain records, and what was found in the file.

    Nothing here is a status: what the findings make of the file and its figures is decided in `returns.statuses`.
    A file with the bytes of one loaded before is parsed no further: `duplicate_of` names that submission.
    """

    submission: dict
    pi_values: list[dict] = field(default_factory=list)
    feasibility: list[dict] = field(default_factory=list)
    narratives: list[dict] = field(default_factory=list)
    rejected_rows: list[dict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    duplicate_of: tuple[int, str] | None = None  # (submission id, file name)

    def reject(self, check_name: str, message: str) -> None:
        """The whole file set aside for one reason: nothing of it is loaded, and that reason is its only finding."""
        self.pi_values, self.feasibility, self.narratives, self.rejected_rows = [], [], [], []
        self.findings = [
            Finding(check_name, message, self.submission["submission_id"], self.submission.get("borough_code"))
        ]

    @property
    def rejected(self) -> bool:
        return any(f.check_name in FILE_REJECTING for f in self.findings)

    @property
    def issues(self) -> list[dict]:
        """The findings as `dq_issue` rows."""
        return [f.record() for f in self.findings]

    @property
    def figures(self) -> list[dict]:
        """The PI figures with the quality this file's own findings give them (rules across files may add more)."""
        facts = pd.DataFrame(self.pi_values, columns=["submission_id", "row_number"])
        findings = pd.DataFrame(self.issues, columns=[*ISSUE_LOCATION, "field"])
        return [dict(v, quality_status=q) for v, q in zip(self.pi_values, figure_quality(facts, findings), strict=True)]

    @property
    def status(self) -> str:
        return self.statuses()["status"]

    @property
    def reject_reason(self) -> str | None:
        return self.statuses()["reject_reason"]

    def statuses(self) -> dict:
        duplicate_of, duplicate_of_file = self.duplicate_of or (None, None)
        submission = pd.DataFrame(
            [{**self.submission, "duplicate_of": duplicate_of, "duplicate_of_file": duplicate_of_file}]
        )
        findings = pd.DataFrame(self.issues, columns=["submission_id", "check_name", "message"])
        return submission_statuses(submission, findings).iloc[0].to_dict()


def empty_result(path: Path, submission: dict) -> ParsedReturn:
    """A file's result before anything is read from it: only its ledger entry."""
    return ParsedReturn(
        dict(
            submission,
            borough_code=None,
            submitted_on=None,
            template_version=None,
            ignored_sheets=None,
            encoding=None,
            return_period=None,
            file_format=path.suffix.lower().lstrip(".") or None,
        )
    )


class ReturnReading:
    """One file being read: its sheets, the format they are read in, and the one way findings are made."""

    def __init__(self, result: ParsedReturn, book: Book, register: AuthorityRegister, catalogue: Catalogue):
        self.result, self.book, self.register, self.catalogue = result, book, register, catalogue
        self.submission = result.submission
        #: a CSV file names no version: it is read in LSDI-R1's CSV form; a workbook's About sheet sets its format
        self.format: ReturnFormat = LSDI_R1
        self.sheets: dict[str, Sheet] = {}
        for name, sheet in book.sheets.items():
            key = codes.normalise_label(name)
            if key in self.sheets and is_read(name):
                raise FileRejected(
                    "sheet_duplicated",
                    f"the workbook has two sheets named '{self.sheets[key].name}' and '{name}'"
                    f"{' (hidden)' if sheet.hidden or self.sheets[key].hidden else ''}: keep one and delete the other",
                )
            self.sheets.setdefault(key, sheet)
        #: ids of findings replaced by a row's rejection; the findings stay alive until parse ends
        self.dropped: set[int] = set()
        self.sheet_names = ", ".join([*book.sheets, *(name for name, _ in book.other_sheets)]) or "none"

    # -- findings --------------------------------------------------------------------------
    def finding(self, check_name, message, where, pi_code=None, period=None, field_name=None) -> Finding:
        found = Finding(
            check_name,
            message,
            self.submission["submission_id"],
            self.submission.get("borough_code"),
            pi_code,
            period,
            where,
            field_name,
        )
        self.result.findings.append(found)
        return found

    def reject_row(self, sheet_name, row_number, raw, check_name, message, where, pi_code=None, period=None):
        self.finding(check_name, message, where, pi_code, period)
        self.set_aside(sheet_name, row_number, raw, message)

    def set_aside(self, sheet_name: str, row_number: int, raw: dict, reason: str) -> None:
        """A row kept whole in `rejected_row`, with the reason a finding gives."""
        self.result.rejected_rows.append(
            {
                "submission_id": self.submission["submission_id"],
                "sheet": sheet_name,
                "row_number": row_number,
                "raw_record": json.dumps(raw, ensure_ascii=False),
                "reason": reason,
            }
        )

    def drop_row_issues(self, issues: list[Finding]) -> None:
        """Findings about a row that is then set aside give way to the reason it was (removed once, at the end)."""
        self.dropped.update(id(i) for i in issues)

    # -- the file ----------------------------------------------------------------------------
    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(codes.normalise_label(name))

    def find_sheet(self, name: str, *, required: bool) -> Sheet | None:
        """The sheet of that name: a required one missing rejects the file, an optional one is a finding."""
        sheet = self.sheet(name)
        if sheet is None and required:
            raise FileRejected("sheet_missing", f"there is no '{name}' sheet (sheets found: {self.sheet_names})")
        if sheet is None:
            self.finding("optional_sheet_missing", f"there is no '{name}' sheet", Location(name))
        return sheet

    def report_sheet_features(self) -> None:
        """Hidden sheets and merged cells in the sheets that are read: they hide or blank out what the borough sent."""
        for name in self.format.sheet_names:
            sheet = self.sheet(name)
            if sheet is None:
                continue
            if sheet.hidden:
                self.finding(
                    "sheet_hidden", f"the '{sheet.name}' sheet is hidden; it was read as usual", Location(sheet.name)
                )
            for cells in sheet.merged:
                first = cells.split(":")[0]
                self.finding(
                    "merged_cells",
                    f"cells {cells} of the '{sheet.name}' sheet are merged: only {first} holds a value, "
                    "the others were read as blank",
                    Location(
                        sheet.name,
                        row_of(Cell(None, first)),
                        None if name == ABOUT else cell_text(_value_at(sheet, _header_of(first))),
                        first,
                        cell_text(_value_at(sheet, first)),
                    ),
                )

    def require_columns(self, sheet: Sheet, sheet_format: SheetFormat) -> Table:
        """The sheet as a table; a header without one of the format's required columns rejects the file."""
        table = read_table(sheet, sheet_format)
        if table.missing:
            found = ", ".join(t for _, t in [*table.header.values(), *table.extra]) or "nothing"
            raise FileRejected(
                "column_missing",
                f"the '{sheet.name}' sheet's header row (row 1) lacks "
                f"{', '.join(repr(sheet_format.column(m).label) for m in table.missing)} (found: {found})",
            )
        return table

    def screen_text(
        self,
        sheet: str,
        row_number: int,
        table: Table,
        field_name: str,
        cell: Cell | None,
        pi_code: str | None = None,
        period: str | None = None,
    ) -> None:
        """Free text holding personal data is kept as written, flagged, and shown masked in the finding.

        A formula is flagged too: its last calculated value is what was read.
        """
        if cell is not None and cell.formula:
            column = table.column_name(field_name)
            self.finding(
                "formula_cell",
                f"the {column} cell is a formula; its last calculated value "
                f"({typed(cell) or 'none stored'}) was read as the text",
                Location(sheet, row_number, column, cell.ref or None, typed(cell)),
                pi_code,
                period,
                field_name,
            )
        if cell is None or not isinstance(cell.value, str):
            return
        found = find_personal_data(cell.value)
        if found:
            column = table.column_name(field_name)
            self.finding(
                "personal_data",
                f"the {column} text seems to hold personal data ({describe(found)})",
                Location(sheet, row_number, column, cell.ref or None, mask(cell.value, found)),
                pi_code,
                period,
                field_name,
            )


def _header_of(ref: str) -> str:
    """The header cell (row 1) of a cell's column."""
    return "".join(ch for ch in ref if ch.isalpha()) + "1"


def _value_at(sheet: Sheet, ref: str) -> object:
    """What the sheet holds at `ref` (None for a cell it does not hold)."""
    row = row_of(Cell(None, ref))
    for number, cells in sheet.rows:
        if number == row:
            return next((c.value for c in cells if c.ref == ref.upper()), None)
    return None
