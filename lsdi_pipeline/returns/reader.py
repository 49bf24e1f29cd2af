"""Opening an untrusted return: limits checked before parsing, every cell with its reference.

A workbook is checked as a zip archive (member count, sizes, compression ratio) and the sheets
that are read are scanned with a streaming XML parser (defusedxml) before openpyxl reads them:
the scan finds every cell where openpyxl will put it, so a cell outside the limits is refused
however its reference is written, and it finds formulas and merged cells. openpyxl then reads
those sheets in read-only mode, bounded by what the scan found: only the cells that exist are
kept, never a dense rectangle. A CSV is decoded as UTF-8, else Windows-1252, under the same row
and column limits. Either way the result is a `Book` of `Sheet`s of located cells.

These checks keep an honest mistake cheap; they are not the guarantee. Each file is read in a
child process with a memory limit and a timeout (`workers.map_untrusted`), so whatever a file
does costs at most those limits.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lsdi_pipeline.returns.format import LSDI_R1, Limits, is_read


class FileRejected(Exception):
    """The file as a whole cannot be used; `check_name` names the rule it broke."""

    def __init__(self, check_name: str, message: str):
        super().__init__(message)
        self.check_name = check_name
        self.message = message


@dataclass(frozen=True)
class Cell:
    value: object
    ref: str
    number_format: str | None = None
    #: the cell holds a formula; `value` is its last calculated (cached) value, nothing is recalculated
    formula: bool = False


@dataclass
class Sheet:
    name: str
    #: (Excel row number, cells in column order up to the last one holding something); row 1 (the header) is always
    #: first
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    hidden: bool = False
    #: merged cell ranges (B1:C1): only the top-left cell of each holds a value
    merged: list[str] = field(default_factory=list)


@dataclass
class Book:
    sheets: dict[str, Sheet]
    file_format: str
    encoding: str | None = None
    #: the sheets present but not read (instructions, a borough's own workings): (name, hidden)
    other_sheets: list[tuple[str, bool]] = field(default_factory=list)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
#: a cell reference as openpyxl reads it (letters, then digits; zero-padding allowed)
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


def reader_for(name: str | Path) -> str:
    """How a file is read, from its name alone: `csv`, `xlsx`, or its extension (which no reader takes)."""
    suffix = Path(name).suffix.lower()
    return {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}.get(suffix, suffix)


def read_book(path: Path, limits: Limits = Limits()) -> Book:
    """Read an .xlsx or .csv return; raise `FileRejected` with a reason a person can act on."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileRejected("file_limits", f"the file is {size:,} bytes; the limit is {limits.max_file_bytes:,}")
    reader, suffix = reader_for(path), path.suffix.lower()
    if reader == "csv":
        return _read_csv(path.read_bytes(), limits)
    if reader == "xlsx":
        return _read_workbook(path, limits)
    if suffix == ".xls":
        raise FileRejected(
            "file_unsupported_type", "an Excel 97-2003 .xls workbook: save it as .xlsx and send it again"
        )
    raise FileRejected(
        "file_unsupported_type",
        f"a '{suffix or 'no extension'}' file is not a return: send an .xlsx workbook or a .csv file",
    )


# -- workbooks --------------------------------------------------------------------------------------
@dataclass
class _SheetScan:
    """What the streaming scan of one sheet part found: its extent, formula cells and merged ranges."""

    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    formulas: set[str] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)


def _read_workbook(path: Path, limits: Limits) -> Book:
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _OLE_MAGIC:
        raise FileRejected(
            "file_encrypted",
            "the workbook is password-protected (or an old .xls file renamed .xlsx): "
            "remove the password and save as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        raise FileRejected(
            "file_unreadable",
            "the file is not an Excel workbook (.xlsx): it may be damaged or another kind of file renamed",
        )
    scans = _check_archive(path, limits)
    import openpyxl  # deferred: keeps `dagster definitions validate` light

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation and styles it does not read
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets, others = {}, []
            for ws in workbook.worksheets:
                if not is_read(ws.title):
                    others.append((ws.title, ws.sheet_state != "visible"))
                    continue
                scan = scans.get(ws.title)
                if scan is None:  # never read a sheet the scan has not seen: its limits would be unchecked
                    raise FileRejected(
                        "file_unreadable",
                        f"the '{ws.title}' sheet's part could not be found in the workbook: "
                        "open it in Excel and save it again",
                    )
                sheets[ws.title] = Sheet(ws.title, _sheet_rows(ws, scan), ws.sheet_state != "visible", scan.merged)
        finally:
            workbook.close()
    except (FileRejected, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileRejected(
            "file_unreadable", f"the workbook could not be opened ({type(exc).__name__}: {exc})"
        ) from exc
    return Book(sheets, "xlsx", other_sheets=others)


def _sheet_rows(ws, scan: _SheetScan) -> list[tuple[int, list[Cell]]]:
    """The rows that hold something (and row 1), each up to its last cell holding something, located as in Excel."""
    letters = [column_letter(i + 1) for i in range(scan.max_col)]
    rows = []
    if scan.max_row == 0:
        return [(1, [])]
    for number, row in enumerate(ws.iter_rows(min_row=1, max_row=scan.max_row, max_col=scan.max_col), start=1):
        last = max((i for i, c in enumerate(row) if c.value is not None), default=-1)
        if last < 0 and number > 1:
            continue
        cells = []
        for i in range(last + 1):
            c = row[i]
            ref = f"{letters[i]}{number}"
            cells.append(Cell(c.value, ref, getattr(c, "number_format", None), ref in scan.formulas))
        rows.append((number, cells))
    return rows


def _check_archive(path: Path, limits: Limits) -> dict[str, _SheetScan]:
    """Check the archive's limits before anything is parsed; scan the sheets that will be read (by sheet name)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_members:
                raise FileRejected(
                    "file_limits", f"the workbook has {len(members):,} parts; the limit is {limits.max_members:,}"
                )
            unpacked = sum(m.file_size for m in members)
            if unpacked > limits.max_unpacked_bytes:
                raise FileRejected(
                    "file_limits",
                    f"the workbook unpacks to {unpacked:,} bytes; the limit is {limits.max_unpacked_bytes:,}",
                )
            for m in members:
                if m.file_size > 1_000_000 and m.file_size > limits.max_compression_ratio * max(m.compress_size, 1):
                    raise FileRejected(
                        "file_limits",
                        f"part {m.filename} is compressed {m.file_size / max(m.compress_size, 1):,.0f}:1; "
                        f"the limit is {limits.max_compression_ratio:,.0f}:1",
                    )
            titles = _sheet_titles(archive)
            scans, cells = {}, 0
            for member, title in titles.items():
                if not is_read(title):
                    continue
                try:
                    stream = archive.open(member)
                except KeyError:
                    continue  # a sheet without its part: refused when it is read (see _read_workbook)
                with stream:
                    scans[title] = scan = scan_sheet(f"the '{title}' sheet", stream, limits, limits.max_cells - cells)
                cells += scan.cells
    except zipfile.BadZipFile as exc:
        raise FileRejected("file_unreadable", f"the workbook is damaged ({exc})") from exc
    return scans


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (xl/worksheets/sheet1.xml) → sheet name, from the workbook part and its relationships."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise FileRejected(
            "file_unreadable", f"the workbook's list of sheets is damaged ({type(exc).__name__}: {exc})"
        ) from exc
    if book.tag.startswith(f"{{{_STRICT_NS}}}"):
        raise FileRejected(
            "file_unsupported_type",
            "the workbook is saved as 'Strict Open XML Spreadsheet': "
            "save it as 'Excel Workbook (.xlsx)' and send it again",
        )
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    titles = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        titles[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = sheet.get("name")
    return titles


def scan_sheet(member: str, stream, limits: Limits, max_cells: int | None = None) -> _SheetScan:
    """Stream one sheet part and place every cell as openpyxl will (a row's `r` or the next row; a cell's `r` or the
    next column), refusing the file on the first cell outside the limits. `member` names the sheet in messages.

    Linear in the part's size, whatever it holds, and flat in memory: each element is dropped from the tree
    as soon as it ends, so only the elements still open are held.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, iterparse

    scan = _SheetScan()
    max_cells = limits.max_cells if max_cells is None else max_cells
    row = col = 0
    open_elements = []
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            name = element.tag.rpartition("}")[2]
            if event == "start":
                open_elements.append(element)
                if name == "row":
                    row, col = _row_number(element.get("r"), row, member), 0
                elif name == "c":
                    ref = element.get("r")
                    ref_row = row
                    if ref is None:
                        col += 1
                    else:
                        ref_row, col = _reference(ref, member)
                    _check_extent(
                        member, max(row, ref_row), col, limits
                    )  # openpyxl places it in `row`; either is refused
                    scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
                    scan.cells += 1
                    if scan.cells > max_cells:
                        raise FileRejected(
                            "file_limits",
                            f"the sheets read hold more than {limits.max_cells:,} cells; "
                            f"the limit is {limits.max_cells:,}",
                        )
                continue
            if name == "f" and len(open_elements) > 1 and open_elements[-2].tag.rpartition("}")[2] == "c":
                scan.formulas.add(f"{column_letter(col)}{row}")  # a formula in the cell being read
            elif name == "mergeCell" and element.get("ref"):
                scan.merged.append(str(element.get("ref"))[:30])
            open_elements.pop()
            if open_elements:
                open_elements[-1].remove(element)  # its only child by now: every earlier one was removed as it ended
    except (ParseError, DefusedXmlException) as exc:
        raise FileRejected(
            "file_unreadable",
            f"{member} is not well-formed XML ({type(exc).__name__}: {exc}): "
            "open the workbook in Excel and save it again",
        ) from exc
    return scan


def _row_number(text: str | None, previous: int, member: str) -> int:
    """A row's number as openpyxl takes it (`r`, which may be written 5.0, or the row after the last); rows must ascend,
    or openpyxl would silently drop the ones out of order."""
    if text is None:
        return previous + 1
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < 1:  # NaN and infinity are not whole numbers
        raise FileRejected("file_unreadable", f"{member} has a row numbered '{text[:20]}', which is not a row number")
    if number <= previous:
        raise FileRejected(
            "file_unreadable",
            f"{member} lists row {number:,.0f} after row {previous:,}: open the workbook in Excel and save it again",
        )
    return int(number) if number < 1e18 else 10**18


def _reference(text: str, member: str) -> tuple[int, int]:
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        raise FileRejected("file_unreadable", f"{member} has a cell at '{text[:20]}', which is not a cell reference")
    return int(match.group(2)), _column_number(match.group(1).upper())


def _check_extent(member: str, row: int, col: int, limits: Limits) -> None:
    if row > limits.max_rows or col > limits.max_columns:
        raise FileRejected(
            "file_limits",
            f"{member} has a cell at {column_letter(min(col, 16384))}{min(row, 10**9)}"
            f"{'' if row <= 10**9 else ' or beyond'}; returns are limited to {limits.max_rows:,} rows and "
            f"{limits.max_columns} columns",
        )


def column_letter(number: int) -> str:
    """Excel's letters for a 1-based column number: 1 → A, 28 → AB (without importing openpyxl)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


# -- CSV ---------------------------------------------------------------------------------------------
def _read_csv(data: bytes, limits: Limits) -> Book:
    # UTF-8 (a BOM tolerated) or Windows-1252 as the format says; UTF-16 with its BOM is what Excel's "Unicode text"
    # writes
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected(
            "file_unreadable", "the CSV file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8'"
        )
    if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
    if "\x00" in text:
        raise FileRejected("file_unreadable", "the file is binary, not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, next_line, span, cells = [], 1, (1, 1), 0
    try:
        for number, record in enumerate(reader, start=1):
            if number > limits.max_rows:
                raise FileRejected(
                    "file_limits",
                    f"the CSV file has more than {limits.max_rows:,} rows; the limit is {limits.max_rows:,}",
                )
            if len(record) > limits.max_columns:
                raise FileRejected(
                    "file_limits",
                    f"row {number} of the CSV file has {len(record):,} columns; the limit is {limits.max_columns}",
                )
            cells += len(record)
            if cells > limits.max_cells:
                raise FileRejected(
                    "file_limits",
                    f"the CSV file has more than {limits.max_cells:,} fields; the limit is {limits.max_cells:,}",
                )
            rows.append((number, [Cell(v, f"{column_letter(j + 1)}{number}") for j, v in enumerate(record)]))
            span, next_line = (next_line, reader.line_num), reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected(
            "file_unreadable", f"the CSV file could not be read at line {reader.line_num} ({exc})"
        ) from exc
    if rows:
        _check_last_record_closed(text, *span, rows[-1])
    return Book({LSDI_R1.csv.name: Sheet(LSDI_R1.csv.name, rows)}, "csv", encoding)


def _check_last_record_closed(text: str, first_line: int, last_line: int, row: tuple[int, list[Cell]]) -> None:
    """A quote opened and never closed swallows the rest of the file into one cell: refuse it, naming where it opens.

    Only the last record can end that way (the reader stops at the end of the text), so only it is read again strictly.
    """
    if last_line == first_line:
        return
    tail = "".join(text.splitlines(keepends=True)[first_line - 1 :])
    try:
        list(csv.reader(io.StringIO(tail, newline=""), strict=True))
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return
        number, cells = row
        raise FileRejected(
            "file_unreadable",
            f'the quote (") that opens in cell {cells[-1].ref} (row {number}, line {first_line} of '
            f"the file) is never closed, so lines {first_line}–{last_line} were read as one cell: close the quote "
            "or remove it, and send the file again",
        ) from exc
