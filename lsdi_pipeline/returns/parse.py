"""Interpreting a return (LSDI-R1): who sent it, for when, and every row's fate.

`parse_return` never raises for anything in the file: a file it cannot use is `rejected`
with a reason; a row it cannot attribute goes to `rejected` whole; every finding is
located to sheet, row, column and cell. Pure apart from reading the one file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from lsdi_pipeline import codes
from lsdi_pipeline.checks.figures import Figure, check_figure
from lsdi_pipeline.checks.personal_data import describe, find_personal_data, mask
from lsdi_pipeline.checks.rules import rule
from lsdi_pipeline.periods import YEARS, read_period
from lsdi_pipeline.reference import AuthorityRegister, Catalogue, clean_code
from lsdi_pipeline.returns.reader import Book, Cell, FileRejected, Limits, Sheet, column_letter, read_book
from lsdi_pipeline.returns.values import CellReading, is_figure, read_number

log = logging.getLogger(__name__)

PI_DATA, FEASIBILITY, NARRATIVE, ABOUT = (
    codes.RETURN_SHEETS[1],
    codes.RETURN_SHEETS[2],
    codes.RETURN_SHEETS[3],
    codes.RETURN_SHEETS[0],
)

#: header (normalised) → field, for each sheet; the first fields of each are required
PI_DATA_COLUMNS = {
    "pi code": "pi_code",
    "period": "period",
    "value": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "source agency": "source_agency",
    "reporting frequency": "reporting_frequency",
    "note": "note",
    "borough code": "borough_code",
    "submitted on": "submitted_on",
}
PI_DATA_REQUIRED = ("pi_code", "period", "value")
FEASIBILITY_COLUMNS = {
    "pi code": "pi_code",
    "can provide": "can_provide",
    "main issue": "main_issue",
    "comment": "comment",
}
NARRATIVE_COLUMNS = {"cluster code": "cluster_code", "narrative": "narrative"}
SEVERITY_ORDER = {"ok": 0, "warning": 1, "error": 2}
#: a finding names at most this many rows (each row has a finding of its own), so its size never grows with the file
MAX_ROWS_NAMED = 5


@dataclass
class ParsedReturn:
    """One file's contribution to the warehouse, as plain records."""

    submission: dict
    pi_values: list[dict] = field(default_factory=list)
    feasibility: list[dict] = field(default_factory=list)
    narratives: list[dict] = field(default_factory=list)
    rejected_rows: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Located:
    """A cell's place in the file, for findings."""

    sheet: str
    row_number: int | None = None
    column_name: str | None = None
    cell_ref: str | None = None
    value_found: str | None = None


def parse_return(
    path: Path, submission: dict, register: AuthorityRegister, catalogue: Catalogue, limits: Limits = Limits()
) -> ParsedReturn:
    """Parse one archived file. `submission` carries id, file name, received_at, …; it is completed here."""
    result = empty_result(path, submission)
    try:
        book = read_book(path, limits)
        result.submission["file_format"] = book.file_format
        result.submission["encoding"] = book.encoding
        _ReturnParser(result, book, register, catalogue).parse()
    except FileRejected as rejected:
        reject_file(result, rejected.check_name, without_paths(rejected.message, path))
    except MemoryError:
        reject_file(
            result,
            "file_limits",
            f"reading the file needed more than the {limits.max_memory_mib:,} MiB of memory "
            "one return may use: send only the four LSDI-R1 sheets, without stray cells or embedded objects",
        )
    except Exception as exc:  # a file must never take the run down; the reason says what happened
        log.exception("unexpected failure reading %s", submission.get("file_name"))
        reject_file(
            result, "file_unreadable", without_paths(f"the file could not be read ({type(exc).__name__}: {exc})", path)
        )
    if result.submission.get("status") != "rejected":
        result.submission["status"] = "accepted_with_issues" if result.issues else "accepted"
    return result


#: an absolute path as it shows in an exception's text ('/srv/lsdi/data/warehouse/archive/files/…')
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/(?:[^\s'\"/:;,()]+/)+[^\s'\":;,()]*")


def without_paths(message: str, path: Path | None = None) -> str:
    """A message fit for a borough and for the warehouse: no server path in it, only the file's own name."""
    if path is not None:
        message = message.replace(str(path), path.name)
    return _ABSOLUTE_PATH.sub(lambda m: m.group(0).rstrip("/").rpartition("/")[2] or "…", message)


# -- in a worker process: the reference data, set once, and one file a call ----------------------------------
_reference: tuple[AuthorityRegister, Catalogue] | None = None


def set_reference(register: AuthorityRegister, catalogue: Catalogue) -> None:
    global _reference
    _reference = (register, catalogue)


def parse_job(job: tuple[Path, dict, Limits]) -> ParsedReturn:
    """`parse_return` for a worker process that `set_reference` prepared (see `workers.map_untrusted`)."""
    path, entry, limits = job
    return parse_return(path, entry, *_reference, limits)


def empty_result(path: Path, submission: dict) -> ParsedReturn:
    """A file's result before anything is read from it: only its ledger entry."""
    return ParsedReturn(
        dict(
            submission,
            borough_code=None,
            submitted_on=None,
            template_version=None,
            reject_reason=None,
            ignored_sheets=None,
            encoding=None,
            return_period=None,
            file_format=path.suffix.lower().lstrip(".") or None,
        )
    )


def reject_file(result: ParsedReturn, check_name: str, message: str) -> None:
    result.pi_values, result.feasibility, result.narratives, result.rejected_rows = [], [], [], []
    result.issues = [_issue(result.submission, check_name, message, Located(sheet=None))]
    result.submission.update(status="rejected", reject_reason=message)


def _issue(
    submission: dict,
    check_name: str,
    message: str,
    where: Located,
    pi_code: str | None = None,
    period: str | None = None,
) -> dict:
    r = rule(check_name)
    return {
        "submission_id": submission["submission_id"],
        "borough_code": submission.get("borough_code"),
        "pi_code": pi_code,
        "period": period,
        "check_name": check_name,
        "category": r.category,
        "severity": r.severity,
        "message": message,
        "sheet": where.sheet,
        "row_number": where.row_number,
        "column_name": where.column_name,
        "cell_ref": where.cell_ref,
        "value_found": where.value_found,
    }


def _text(value: object) -> str | None:
    """A cell as text for records and findings (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.replace("\u00a0", " ").strip())


def _read_date(value: object) -> dt.date | None:
    """A date from a date cell or text such as 2008-03-14, 14/03/2008 or 14 March 2008 (day first); None if not a date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = " ".join(str(value).replace("\u00a0", " ").split())
        value = None
        for fmt in (
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
        ):
            try:
                value = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    return value if value is not None and value.year in YEARS else None


@dataclass
class _Table:
    """A sheet read as header + records: each record maps field → cell, plus the raw row."""

    sheet: Sheet
    header: dict[str, tuple[int, str]]  # field → (column index, header text)
    extra: list[tuple[int, str]]  # columns not in the format, kept in raw records

    def records(self):
        header_texts = {i: text for i, text in [*self.header.values(), *self.extra]}
        for row_number, cells in self.sheet.rows[1:]:
            if all(_is_blank(c.value) for c in cells):
                continue
            fields = {
                name: cells[i] if i < len(cells) else Cell(None, f"{column_letter(i + 1)}{row_number}")
                for name, (i, _) in self.header.items()
            }
            raw = {
                header_texts.get(i, f"column {i + 1}"): _text(c.value)
                for i, c in enumerate(cells)
                if not _is_blank(c.value)
            }
            yield row_number, fields, raw

    def column_name(self, field_name: str) -> str:
        return self.header[field_name][1]

    def cell_ref(self, field_name: str, row_number: int) -> str:
        return f"{column_letter(self.header[field_name][0] + 1)}{row_number}"


def _table(sheet: Sheet, columns: dict[str, str]) -> _Table:
    header: dict[str, tuple[int, str]] = {}
    extra = []
    first = sheet.rows[0][1] if sheet.rows else []
    for i, cell in enumerate(first):
        if _is_blank(cell.value):
            continue
        text = str(cell.value).replace("\u00a0", " ").strip()
        name = columns.get(codes.normalise_label(text))
        if name and name not in header:
            header[name] = (i, text)
        else:
            extra.append((i, text))
    return _Table(sheet, header, extra)


class _ReturnParser:
    def __init__(self, result: ParsedReturn, book: Book, register: AuthorityRegister, catalogue: Catalogue):
        self.result, self.book, self.register, self.catalogue = result, book, register, catalogue
        self.submission = result.submission
        self.sheets: dict[str, Sheet] = {}
        for name, sheet in book.sheets.items():
            key = codes.normalise_label(name)
            if key in self.sheets and key in {codes.normalise_label(n) for n in codes.RETURN_SHEETS}:
                raise FileRejected(
                    "sheet_duplicated",
                    f"the workbook has two sheets named '{self.sheets[key].name}' and '{name}'"
                    f"{' (hidden)' if sheet.hidden or self.sheets[key].hidden else ''}: keep one and delete the other",
                )
            self.sheets.setdefault(key, sheet)
        self.pis_with_rows: set[str] = set()
        self.dropped: set[int] = (
            set()
        )  # ids of findings replaced by a row's rejection; the findings stay alive until parse ends
        self.sheet_names = ", ".join([*book.sheets, *(name for name, _ in book.other_sheets)]) or "none"

    # -- findings --------------------------------------------------------------------------
    def finding(self, check_name, message, where, pi_code=None, period=None) -> dict:
        issue = _issue(self.submission, check_name, message, where, pi_code, period)
        self.result.issues.append(issue)
        return issue

    def reject_row(self, sheet_name, row_number, raw, check_name, message, where, pi_code=None, period=None):
        self.finding(check_name, message, where, pi_code, period)
        self.result.rejected_rows.append(
            {
                "submission_id": self.submission["submission_id"],
                "sheet": sheet_name,
                "row_number": row_number,
                "raw_record": json.dumps(raw, ensure_ascii=False),
                "reason": message,
            }
        )

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(codes.normalise_label(name))

    # -- the file ----------------------------------------------------------------------------
    def parse(self) -> None:
        if self.book.file_format == "csv":
            self.parse_csv_header()
        else:
            self.parse_about()
        pi_sheet = self.sheet(PI_DATA)
        if pi_sheet is None:
            raise FileRejected("sheet_missing", f"there is no '{PI_DATA}' sheet (sheets found: {self.sheet_names})")
        pi_table = self.require_columns(pi_sheet, PI_DATA_COLUMNS, PI_DATA_REQUIRED)
        if self.book.file_format == "xlsx":
            self.report_sheet_features()
            self.parse_optional_sheets()
        self.parse_pi_data(pi_table)
        if self.dropped:
            self.result.issues = [i for i in self.result.issues if id(i) not in self.dropped]

    def report_sheet_features(self) -> None:
        """Hidden sheets and merged cells in the sheets that are read: they hide or blank out what the borough sent."""
        for name in codes.RETURN_SHEETS:
            sheet = self.sheet(name)
            if sheet is None:
                continue
            if sheet.hidden:
                self.finding(
                    "sheet_hidden", f"the '{sheet.name}' sheet is hidden; it was read as usual", Located(sheet.name)
                )
            for cells in sheet.merged:
                first = cells.split(":")[0]
                self.finding(
                    "merged_cells",
                    f"cells {cells} of the '{sheet.name}' sheet are merged: only {first} holds a value, "
                    "the others were read as blank",
                    Located(sheet.name, _row_of(Cell(None, first)), None, first, cells),
                )

    def require_columns(self, sheet: Sheet, columns: dict[str, str], required: tuple[str, ...]) -> _Table:
        table = _table(sheet, columns)
        missing = [f for f in required if f not in table.header]
        if missing:
            labels = {v: k for k, v in columns.items()}
            found = ", ".join(t for _, t in [*table.header.values(), *table.extra]) or "nothing"
            raise FileRejected(
                "column_missing",
                f"the '{sheet.name}' sheet's header row (row 1) lacks "
                f"{', '.join(repr(labels[m].capitalize().replace('Pi ', 'PI ')) for m in missing)} (found: {found})",
            )
        return table

    def parse_about(self) -> None:
        about = self.sheet(ABOUT)
        if about is None:
            raise FileRejected("sheet_missing", f"there is no '{ABOUT}' sheet (sheets found: {self.sheet_names})")
        self.submission["ignored_sheets"] = (
            ";".join(n + (" (hidden)" if hidden else "") for n, hidden in self.book.other_sheets) or None
        )
        fields: dict[str, Cell] = {}
        for row_number, cells in about.rows:
            if cells and not _is_blank(cells[0].value):
                fields.setdefault(
                    codes.normalise_label(str(cells[0].value)),
                    cells[1] if len(cells) >= 2 else Cell(None, f"B{row_number}"),
                )
        blank = Cell(None, "")
        version = fields.get("template version", blank)
        self.submission["template_version"] = _text(version.value)
        if _is_blank(version.value) or codes.normalise_label(str(version.value)) != codes.TEMPLATE_VERSION.lower():
            found = "blank" if _is_blank(version.value) else f"'{version.value}'"
            raise FileRejected(
                "template_version", f"'Template version' on the About sheet is {found}, not {codes.TEMPLATE_VERSION}"
            )
        self.submission["template_version"] = codes.TEMPLATE_VERSION
        code_cell, name_cell = fields.get("borough code", blank), fields.get("borough name", blank)
        self.attribute(code_cell.value, name_cell.value)
        self.read_return_period(fields.get("return period", blank))
        self.read_submitted_on(fields.get("submitted on", blank), ABOUT)

    def attribute(self, code_value: object, name_value: object) -> None:
        by_code = None if _is_blank(code_value) else self.register.by_code_text(str(code_value))
        by_name = None if _is_blank(name_value) else self.register.by_name_text(str(name_value))
        if not _is_blank(code_value) and by_code is None:
            raise FileRejected("borough_unknown", f"borough code '{_text(code_value)}' is not a known authority code")
        if by_code and by_name and by_code != by_name:
            raise FileRejected(
                "borough_mismatch",
                f"borough code '{_text(code_value)}' is {self.register.names[by_code]} "
                f"but borough name '{_text(name_value)}' is {self.register.names[by_name]}",
            )
        borough = by_code or by_name
        if borough is None:
            found = "blank" if _is_blank(name_value) else f"'{_text(name_value)}', not a known authority"
            raise FileRejected("borough_unknown", f"the borough code is blank and the borough name is {found}")
        self.submission["borough_code"] = borough

    def read_return_period(self, cell: Cell) -> None:
        reading = read_period(cell.value, "annual")
        if reading.period is not None and reading.period.period_type == "year":
            self.submission["return_period"] = reading.period.label
        else:
            self.finding(
                "return_period_invalid",
                f"'Return period' is {'blank' if _is_blank(cell.value) else repr(_text(cell.value))}, "
                "not a financial year such as 2007/08",
                Located(ABOUT, _row_of(cell), "Return period", cell.ref or None, _text(cell.value)),
            )

    def read_submitted_on(self, cell: Cell, sheet: str, column_name: str = "Submitted on") -> None:
        received = self.submission["received_at"]
        received_date = received.date() if isinstance(received, dt.datetime) else received
        if _is_blank(cell.value):
            self.submission["submitted_on"] = received_date
            return
        date = _read_date(cell.value)
        where = Located(sheet, _row_of(cell), column_name, cell.ref or None, _text(cell.value))
        if date is None:
            self.finding(
                "submitted_on_invalid",
                f"'Submitted on' is '{_text(cell.value)}', not a date; the date the file arrived "
                f"({received_date}) was used",
                where,
            )
            date = received_date
        elif date > received_date:
            self.finding(
                "submitted_on_after_arrival",
                f"'Submitted on' is {date}, after the file arrived on {received_date}; {received_date} was used",
                where,
            )
            date = received_date
        self.submission["submitted_on"] = date

    def parse_csv_header(self) -> None:
        sheet = self.book.sheets[PI_DATA]
        table = self.require_columns(sheet, PI_DATA_COLUMNS, ("borough_code", *PI_DATA_REQUIRED))
        boroughs: dict[str, str] = {}
        latest_submitted = None
        for _, fields, _ in table.records():
            code = fields["borough_code"].value
            if not _is_blank(code):
                resolved = self.register.by_code_text(str(code))
                if resolved is None:
                    raise FileRejected(
                        "borough_unknown",
                        f"borough_code '{_text(code)}' (cell {fields['borough_code'].ref}) is not a known authority code",
                    )
                boroughs.setdefault(resolved, fields["borough_code"].ref)
            if "submitted_on" in fields and not _is_blank(fields["submitted_on"].value):
                cell = fields["submitted_on"]
                if latest_submitted is None or (_read_date(cell.value) or dt.date.min) > (
                    _read_date(latest_submitted.value) or dt.date.min
                ):
                    latest_submitted = cell
        if len(boroughs) > 1:
            named = ", ".join(f"{self.register.names[b]} ({ref})" for b, ref in boroughs.items())
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
        self.submission["borough_code"] = next(iter(boroughs))
        self.read_submitted_on(
            latest_submitted or Cell(None, ""),
            PI_DATA,
            table.column_name("submitted_on") if "submitted_on" in table.header else "submitted_on",
        )

    def parse_optional_sheets(self) -> None:
        for name, columns, required, parse in (
            (FEASIBILITY, FEASIBILITY_COLUMNS, ("pi_code", "can_provide"), self.parse_feasibility),
            (NARRATIVE, NARRATIVE_COLUMNS, ("cluster_code", "narrative"), self.parse_narrative),
        ):
            sheet = self.sheet(name)
            if sheet is None:
                self.finding("optional_sheet_missing", f"there is no '{name}' sheet", Located(name))
                continue
            table = _table(sheet, columns)
            missing = [f for f in required if f not in table.header]
            if missing:
                labels = ", ".join(
                    repr(k.capitalize().replace("Pi ", "PI ")) for k, v in columns.items() if v in missing
                )
                message = f"the '{sheet.name}' sheet's header row (row 1) lacks {labels}, so its rows could not be read"
                self.finding("optional_sheet_missing", message, Located(sheet.name, 1))
                for row_number, _, raw in table.records():
                    self.result.rejected_rows.append(
                        {
                            "submission_id": self.submission["submission_id"],
                            "sheet": name,
                            "row_number": row_number,
                            "raw_record": json.dumps(raw, ensure_ascii=False),
                            "reason": message,
                        }
                    )
                continue
            parse(table)

    def screen_text(
        self,
        sheet: str,
        row_number: int,
        table: _Table,
        field_name: str,
        cell: Cell | None,
        pi_code: str | None = None,
        period: str | None = None,
    ) -> None:
        """Free text holding personal data is kept as written, flagged, and shown masked in the finding; a formula is flagged too."""
        if cell is not None and cell.formula:
            self.finding(
                "formula_cell",
                f"the {table.column_name(field_name)} cell is a formula; its last calculated value "
                f"({_text(cell.value) or 'none stored'}) was read as the text",
                Located(sheet, row_number, table.column_name(field_name), cell.ref or None, _text(cell.value)),
                pi_code,
                period,
            )
        if cell is None or not isinstance(cell.value, str):
            return
        found = find_personal_data(cell.value)
        if found:
            self.finding(
                "personal_data",
                f"the {table.column_name(field_name)} text seems to hold personal data ({describe(found)})",
                Located(sheet, row_number, table.column_name(field_name), cell.ref or None, mask(cell.value, found)),
                pi_code,
                period,
            )

    # -- PI data --------------------------------------------------------------------------------
    def parse_pi_data(self, table: _Table) -> None:
        pending: dict[tuple[str, str], list[tuple[dict, dict, list[dict]]]] = {}
        for row_number, fields, raw in table.records():
            outcome = self.read_pi_row(table, row_number, fields, raw)
            if outcome is not None:
                fact, issues = outcome
                pending.setdefault((fact["pi_code"], fact["period"]), []).append((fact, raw, issues))
        for (pi_code, period), rows in pending.items():
            if len(rows) == 1:
                self.result.pi_values.append(rows[0][0])
                continue
            self.resolve_duplicates(table, pi_code, period, rows)
        if self.book.file_format == "xlsx":
            for pi_code in self.catalogue.phase_1_codes():
                if self.catalogue.indicators[pi_code]["pi_code"] not in self.pis_with_rows:
                    real = self.catalogue.indicators[pi_code]["pi_code"]
                    self.finding(
                        "pi_missing_from_return",
                        f"{real} ({self.catalogue.indicators[pi_code]['title']}) has no row in the return",
                        Located(PI_DATA),
                        pi_code=real,
                    )

    def resolve_duplicates(self, table, pi_code, period, rows) -> None:
        shown = ", ".join(str(f["row_number"]) for f, _, _ in rows[:MAX_ROWS_NAMED])
        rows_text = shown if len(rows) <= MAX_ROWS_NAMED else f"{shown}, … ({len(rows):,} rows in all)"
        signature = {(f["value"], f["value_status"], f["numerator"], f["denominator"]) for f, _, _ in rows}
        first = rows[0][0]
        if len(signature) == 1:
            self.result.pi_values.append(first)
            for fact, raw, issues in rows[1:]:
                self.drop_row_issues(issues)
                message = f"row {fact['row_number']} repeats row {first['row_number']} for {pi_code} {period}; the repeat was set aside"
                self.reject_row(
                    PI_DATA,
                    fact["row_number"],
                    raw,
                    "duplicate_row",
                    message,
                    Located(
                        PI_DATA,
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
            self.drop_row_issues(issues)
            message = f"rows {rows_text} give different figures for {pi_code} {period}; none can be used"
            self.reject_row(
                PI_DATA,
                fact["row_number"],
                raw,
                "duplicate_conflict",
                message,
                Located(
                    PI_DATA,
                    fact["row_number"],
                    table.column_name("value"),
                    table.cell_ref("value", fact["row_number"]),
                    fact["raw_value"],
                ),
                pi_code,
                period,
            )

    def drop_row_issues(self, issues: list[dict]) -> None:
        """Findings about a row that is then set aside are replaced by the reason it was set aside (removed once, at the end)."""
        self.dropped.update(id(i) for i in issues)

    def read_pi_row(self, table: _Table, row_number: int, fields: dict[str, Cell], raw: dict):
        def where(field_name: str) -> Located:
            cell = fields.get(field_name)
            if cell is None:
                return Located(PI_DATA, row_number)
            return Located(PI_DATA, row_number, table.column_name(field_name), cell.ref or None, _text(cell.value))

        code_cell = fields["pi_code"]
        pi = None if _is_blank(code_cell.value) else self.catalogue.indicators.get(clean_code(code_cell.value))
        if pi is None:
            message = (
                "the PI code is blank"
                if _is_blank(code_cell.value)
                else f"'{_text(code_cell.value)}' is not a PI code in the catalogue"
            )
            self.reject_row(PI_DATA, row_number, raw, "pi_code_unknown", message, where("pi_code"))
            return None
        pi_code = pi["pi_code"]
        self.pis_with_rows.add(pi_code)
        row_issues: list[dict] = []
        borough_cell = fields.get("borough_code")
        if borough_cell is not None and not _is_blank(borough_cell.value):
            named = self.register.by_code_text(str(borough_cell.value))
            if named != self.submission["borough_code"]:
                names = self.register.names
                said = (
                    f"{names[named]} ({_text(borough_cell.value)})"
                    if named
                    else f"'{_text(borough_cell.value)}', not a known authority"
                )
                self.reject_row(
                    PI_DATA,
                    row_number,
                    raw,
                    "borough_row_mismatch",
                    f"{pi_code}: the row's borough code is {said}, but the return is "
                    f"{names.get(self.submission['borough_code'], self.submission['borough_code'])}'s; the row was set aside",
                    where("borough_code"),
                    pi_code,
                )
                return None

        def flag(check_name, message, field_name, period=None):
            row_issues.append(self.finding(check_name, message, where(field_name), pi_code, period))

        frequency = None
        freq_cell = fields.get("reporting_frequency")
        if freq_cell is not None and not _is_blank(freq_cell.value):
            frequency = codes.frequency_code(str(freq_cell.value))
            if frequency is None:
                flag(
                    "frequency_unknown",
                    f"reporting frequency '{_text(freq_cell.value)}' is not Monthly, Quarterly or Annual",
                    "reporting_frequency",
                )
        reading = read_period(fields["period"].value, frequency)
        if reading.period is None:
            self.drop_row_issues(row_issues)
            self.reject_row(
                PI_DATA, row_number, raw, "period_unreadable", f"{pi_code}: {reading.error}", where("period"), pi_code
            )
            return None
        period = reading.period
        readings: dict[str, CellReading] = {}
        for name in ("value", "numerator", "denominator"):
            cell = fields.get(name)
            readings[name] = read_number(cell.value, cell.number_format) if cell is not None else read_number(None)
            if readings[name].status == "unreadable":
                self.drop_row_issues(row_issues)
                self.reject_row(
                    PI_DATA,
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
                    f"({_text(cell.value) or 'none stored'}) was read — nothing is recalculated",
                    name,
                    period.label,
                )
        value, numerator, denominator = readings["value"], readings["numerator"], readings["denominator"]
        number = value.number
        value_status = value.status
        unit = pi["unit"]
        if (
            value_status == "not_provided"
            and _is_blank(fields["value"].value)
            and numerator.number is not None
            and denominator.number
            and unit in codes.UNIT_SCALE
        ):
            derived = numerator.number / denominator.number * codes.UNIT_SCALE[unit]
            if not is_figure(derived):
                self.drop_row_issues(row_issues)
                self.reject_row(
                    PI_DATA,
                    row_number,
                    raw,
                    "value_unreadable",
                    f"{pi_code} {period.label}: the Value cell is blank and numerator ÷ denominator "
                    f"({_text(fields['numerator'].value)} ÷ {_text(fields['denominator'].value)}) is too large to be a figure",
                    where("denominator"),
                    pi_code,
                    period.label,
                )
                return None
            number, value_status = round(derived, 4), "reported"
        label = period.label
        qualified = {name: _text(fields[name].value) for name, r in readings.items() if r.qualified}
        figure = Figure(
            pi,
            period,
            number if value_status == "reported" else None,
            value_status,
            numerator.number,
            denominator.number,
            frequency,
            self.submission["submitted_on"],
            reading.ambiguity,
            qualified,
            _text(fields["value"].value),
            value.percent,
        )
        for check_name, field_name, message in check_figure(figure):
            flag(check_name, message, field_name, label)
        agency = pi["source_agency"]
        agency_cell = fields.get("source_agency")
        if agency_cell is not None and not _is_blank(agency_cell.value):
            named = codes.agency_code(str(agency_cell.value))
            if named is None:
                flag(
                    "agency_unknown",
                    f"source agency '{_text(agency_cell.value)}' is not an agency label; "
                    f"{codes.AGENCY_LABELS[agency]} (from the catalogue) was assumed",
                    "source_agency",
                    label,
                )
            else:
                agency = named
        quality = max(
            (i["severity"] for i in row_issues if i["category"] != "availability"), key=SEVERITY_ORDER.get, default="ok"
        )
        note_cell = fields.get("note")
        self.screen_text(PI_DATA, row_number, table, "note", note_cell, pi_code, label)
        fact = {
            "submission_id": self.submission["submission_id"],
            "borough_code": self.submission["borough_code"],
            "pi_code": pi_code,
            "period": label,
            "period_type": period.period_type,
            "period_start": period.start,
            "period_end": period.end,
            "value": number if value_status == "reported" else None,
            "value_status": value_status,
            "raw_value": _text(fields["value"].value),
            "numerator": numerator.number,
            "denominator": denominator.number,
            "reported_frequency": frequency,
            "source_agency": agency,
            "quality_status": quality,
            "sheet": PI_DATA,
            "row_number": row_number,
            "value_cell_ref": where("value").cell_ref,
            "note": _text(note_cell.value) if note_cell is not None else None,
        }
        return fact, row_issues

    # -- feasibility and narrative --------------------------------------------------------------
    def parse_feasibility(self, table: _Table) -> None:
        seen: dict[str, int] = {}
        for row_number, fields, raw in table.records():
            code_cell = fields["pi_code"]
            pi = None if _is_blank(code_cell.value) else self.catalogue.indicators.get(clean_code(code_cell.value))

            def where(f: str) -> Located:
                return Located(FEASIBILITY, row_number, table.column_name(f), fields[f].ref, _text(fields[f].value))

            if pi is None:
                self.reject_row(
                    FEASIBILITY,
                    row_number,
                    raw,
                    "answer_invalid",
                    f"PI code '{_text(code_cell.value) or ''}' is not in the catalogue",
                    where("pi_code"),
                )
                continue
            answers = {}
            problem = None
            for name, allowed in (("can_provide", codes.CAN_PROVIDE), ("main_issue", codes.MAIN_ISSUES)):
                cell = fields.get(name)
                if cell is None or _is_blank(cell.value):
                    answers[name] = None
                elif (answer := allowed.get(codes.normalise_label(str(cell.value)))) is None:
                    problem = (
                        name,
                        f"{pi['pi_code']}: '{_text(cell.value)}' is not one of the answers for {table.column_name(name)}",
                    )
                    break
                else:
                    answers[name] = answer
            if problem:
                self.reject_row(
                    FEASIBILITY, row_number, raw, "answer_invalid", problem[1], where(problem[0]), pi["pi_code"]
                )
                continue
            if pi["pi_code"] in seen:
                self.reject_row(
                    FEASIBILITY,
                    row_number,
                    raw,
                    "duplicate_row",
                    f"{pi['pi_code']} was already answered in row {seen[pi['pi_code']]}",
                    where("pi_code"),
                    pi["pi_code"],
                )
                continue
            seen[pi["pi_code"]] = row_number
            comment = fields.get("comment")
            self.screen_text(FEASIBILITY, row_number, table, "comment", comment, pi["pi_code"])
            self.result.feasibility.append(
                {
                    "submission_id": self.submission["submission_id"],
                    "borough_code": self.submission["borough_code"],
                    "pi_code": pi["pi_code"],
                    **answers,
                    "comment": _text(comment.value) if comment else None,
                    "row_number": row_number,
                }
            )

    def parse_narrative(self, table: _Table) -> None:
        seen: dict[str, int] = {}
        for row_number, fields, raw in table.records():
            code_cell = fields["cluster_code"]
            code = None if _is_blank(code_cell.value) else clean_code(code_cell.value)
            where = Located(
                NARRATIVE, row_number, table.column_name("cluster_code"), code_cell.ref, _text(code_cell.value)
            )
            if code not in self.catalogue.clusters:
                self.reject_row(
                    NARRATIVE,
                    row_number,
                    raw,
                    "answer_invalid",
                    f"cluster code '{_text(code_cell.value) or ''}' is not in the catalogue",
                    where,
                )
                continue
            if code in seen:
                self.reject_row(
                    NARRATIVE,
                    row_number,
                    raw,
                    "duplicate_row",
                    f"cluster {code} already has a narrative in row {seen[code]}",
                    where,
                )
                continue
            seen[code] = row_number
            self.screen_text(NARRATIVE, row_number, table, "narrative", fields["narrative"])
            self.result.narratives.append(
                {
                    "submission_id": self.submission["submission_id"],
                    "borough_code": self.submission["borough_code"],
                    "cluster_code": code,
                    "narrative": _text(fields["narrative"].value),
                    "row_number": row_number,
                }
            )


def _row_of(cell: Cell) -> int | None:
    digits = "".join(ch for ch in cell.ref if ch.isdigit())
    return int(digits) if digits else None
