"""Opening an untrusted return: limits checked before parsing, every cell with its reference.

A workbook is checked as a zip archive (sizes, compression ratio, cell references) before
openpyxl (with defusedxml installed) reads it. A CSV is decoded as UTF-8, else Windows-1252.
Either way the result is a `Book` of `Sheet`s of located cells.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path



class FileRejected(Exception):
    """The file as a whole cannot be used; `check_name` names the rule it broke."""

    def __init__(self, check_name: str, message: str):
        super().__init__(message)
        self.check_name = check_name
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_rows: int = 50_000
    max_columns: int = 100


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
    #: (Excel row number, cells in column order); the header is row 1
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    hidden: bool = False
    #: merged cell ranges (B1:C1): only the top-left cell of each holds a value
    merged: list[str] = field(default_factory=list)


@dataclass
class Book:
    sheets: dict[str, Sheet]
    file_format: str
    encoding: str | None = None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: a cell whose first child is a formula (Excel and openpyxl write <f> before the cached <v>)
_FORMULA_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?f[\s>/]')
#: a cell tag's reference, whatever its namespace prefix or attribute order
_CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def read_book(path: Path, limits: Limits = Limits()) -> Book:
    """Read an .xlsx or .csv return; raise `FileRejected` with a reason a person can act on."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileRejected("file_limits", f"the file is {size:,} bytes; the limit is {limits.max_file_bytes:,}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path.read_bytes())
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path, limits)
    if suffix == ".xls":
        raise FileRejected("file_unsupported_type", "an Excel 97-2003 .xls workbook: save it as .xlsx and send it again")
    raise FileRejected("file_unsupported_type", f"a '{suffix or 'no extension'}' file is not a return: send an .xlsx workbook or a .csv file")


def _read_workbook(path: Path, limits: Limits) -> Book:
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _OLE_MAGIC:
        raise FileRejected("file_encrypted", "the workbook is password-protected (or an old .xls file renamed .xlsx): "
                           "remove the password and save as .xlsx")
    if not zipfile.is_zipfile(path):
        raise FileRejected("file_unreadable", "the file is not an Excel workbook (.xlsx): it may be damaged or another kind of file renamed")
    formulas = _check_archive(path, limits)
    import openpyxl  # deferred: keeps `dagster definitions validate` light

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation and styles it does not read
            workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileRejected("file_unreadable", f"the workbook could not be opened ({type(exc).__name__}: {exc})") from exc
    sheets = {}
    for ws in workbook.worksheets:
        rows = []
        in_formula = formulas.get(ws.title, set())
        for row in ws.iter_rows(max_row=min(ws.max_row, limits.max_rows), max_col=min(ws.max_column, limits.max_columns)):
            cells = [Cell(c.value, c.coordinate, c.number_format, c.coordinate in in_formula) for c in row]
            rows.append((row[0].row if row else 0, cells))
        sheets[ws.title] = Sheet(ws.title, rows, ws.sheet_state != "visible", [str(r) for r in ws.merged_cells.ranges])
    workbook.close()
    return Book(sheets, "xlsx")


def _check_archive(path: Path, limits: Limits) -> dict[str, set[str]]:
    """Check the archive's limits before anything is parsed; return the formula cells of each sheet (by sheet name)."""
    formulas: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > limits.max_unpacked_bytes:
                raise FileRejected("file_limits", f"the workbook unpacks to {unpacked:,} bytes; the limit is {limits.max_unpacked_bytes:,}")
            for m in members:
                if m.file_size > 1_000_000 and m.file_size > limits.max_compression_ratio * max(m.compress_size, 1):
                    raise FileRejected("file_limits", f"part {m.filename} is compressed {m.file_size / max(m.compress_size, 1):,.0f}:1; "
                                       f"the limit is {limits.max_compression_ratio:,.0f}:1")
                if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                    xml = archive.read(m)
                    _check_cell_references(m.filename, xml, limits)
                    formulas[m.filename] = {ref.decode() for ref in _FORMULA_CELL.findall(xml)}
            titles = _sheet_titles(archive)
    except zipfile.BadZipFile as exc:
        raise FileRejected("file_unreadable", f"the workbook is damaged ({exc})") from exc
    return {titles[member]: refs for member, refs in formulas.items() if member in titles and refs}


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (xl/worksheets/sheet1.xml) → sheet name, from the workbook part and its relationships."""
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    titles = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        titles[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = sheet.get("name")
    return titles


def _check_cell_references(member: str, xml: bytes, limits: Limits) -> None:
    max_row = max_col = 0
    for letters, digits in _CELL_REF.findall(xml):
        max_row = max(max_row, int(digits))
        max_col = max(max_col, _column_number(letters.decode()))
    if max_row > limits.max_rows or max_col > limits.max_columns:
        raise FileRejected("file_limits", f"{member} has a cell at {column_letter(max_col)}{max_row}; returns are limited to "
                           f"{limits.max_rows:,} rows and {limits.max_columns} columns")


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


def _read_csv(data: bytes) -> Book:
    # UTF-8 (a BOM tolerated) or Windows-1252 as the format says; UTF-16 with its BOM is what Excel's "Unicode text" writes
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected("file_unreadable", "the CSV file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8'")
    if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
    if "\x00" in text:
        raise FileRejected("file_unreadable", "the file is binary, not a CSV text file")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRejected("file_unreadable", f"the CSV file could not be read ({exc})") from exc
    rows = [(i, [Cell(v, f"{column_letter(j + 1)}{i}") for j, v in enumerate(rec)])
            for i, rec in enumerate(records, start=1)]
    return Book({"PI data": Sheet("PI data", rows)}, "csv", encoding)
