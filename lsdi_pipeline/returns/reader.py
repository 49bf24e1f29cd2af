"""Opening an untrusted return: limits checked before parsing, every cell with its reference.

A workbook is checked as a zip archive (member count, sizes, compression ratio); then each sheet
that is read is read once, by a streaming XML parser (expat, with defusedxml's guards) that places
every cell where openpyxl would put it, so a cell outside the limits is refused however its
reference is written, and keeps the cells of each row as written, their formulas and the merged
cells: only the cells that exist are kept, never a dense rectangle. Once every limit has held, the
cells' values and number formats are made from what was kept as openpyxl makes them (its date,
duration and number-format rules; a formula's last calculated value), with the workbook's styles
and string table. A CSV is decoded as UTF-8, else Windows-1252, under the same row and column
limits. Either way the result is a `Book` of `Sheet`s of located cells.

These checks keep an honest mistake cheap; they are not the guarantee. Each file is read in a
child process with a memory limit and a timeout (`workers.map_untrusted`), so whatever a file
does costs at most those limits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lsdi_pipeline.returns.format import LSDI_R1, Limits, is_read


class FileRejected(Exception):
    """The file as a whole cannot be used; `check_name` names the rule it broke."""

    def __init__(self, check_name: str, message: str):
        super().__init__(message)
        self.check_name = check_name
        self.message = message


class Cell(NamedTuple):
    """One cell as read, where it is (`ref`, A1). Immutable; a tuple so that a sheet's many are cheap to make."""

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
#: the parts every workbook has where Excel puts them (openpyxl reads them there too)
_CONTENT_TYPES = "[Content_Types].xml"
_WORKBOOK_PART = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_STYLES_PART = "xl/styles.xml"
_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass
class _SheetScan:
    """What the streaming read of one sheet part found: its extent, its cells as written, formulas and merged ranges."""

    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    #: (row, column) of the cells holding a formula
    formulas: set[tuple[int, int]] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)
    #: row → column → the cell as written: (its type `t`, its style `s`, its value `v`, its inline string); rows ascend
    written: dict[int, dict[int, tuple]] = field(default_factory=dict)
    #: a cell refers to the workbook's string table
    shared_strings: bool = False


@dataclass(frozen=True)
class _Styles:
    """What the workbook's styles say of a cell, by its style index: its number format, and whether a number in it is a
    date or a duration (read as openpyxl reads them; a workbook without styles has openpyxl's one default style)."""

    formats: tuple[str, ...] = ("General",)
    dates: frozenset[int] = frozenset()
    durations: frozenset[int] = frozenset()


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
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, limits)
            parts, epoch = _workbook_sheets(archive)
            scans, others, cells = [], [], 0
            for title, member, hidden in parts:
                if not is_read(title):
                    others.append((title, hidden))
                    continue
                with archive.open(member) as stream:
                    scan = scan_sheet(f"the '{title}' sheet", stream, limits, limits.max_cells - cells)
                cells += scan.cells
                scans.append((title, hidden, scan))
            # every limit is checked by now: what the cells hold is read only from here on
            styles = _read_styles(archive)
            strings = _read_shared_strings(archive) if any(scan.shared_strings for *_, scan in scans) else []
    except zipfile.BadZipFile as exc:
        raise FileRejected("file_unreadable", f"the workbook is damaged ({exc})") from exc
    sheets = {}
    for title, hidden, scan in scans:
        sheets[title] = Sheet(
            title, _sheet_rows(f"the '{title}' sheet", scan, styles, strings, epoch), hidden, scan.merged
        )
    return Book(sheets, "xlsx", other_sheets=others)


def _check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The archive's limits, checked before anything in it is parsed."""
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
    if _CONTENT_TYPES not in archive.NameToInfo:
        raise FileRejected(
            "file_unreadable",
            f"the workbook has no list of its parts ({_CONTENT_TYPES}): open it in Excel and save it again",
        )


def _workbook_sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str, bool]], dt.datetime]:
    """The worksheets in the workbook's order, as (name, part, hidden), leaving out chart sheets and sheets whose part
    is missing (as openpyxl does); and the workbook's date system (1900, or 1904 for `date1904`)."""
    from defusedxml import DefusedXmlException, ElementTree
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    try:
        book = ElementTree.fromstring(archive.read(_WORKBOOK_PART))
        rels = ElementTree.fromstring(archive.read(_WORKBOOK_RELS))
    except KeyError as exc:
        raise FileRejected(
            "file_unreadable",
            f"the workbook's list of sheets is missing ({exc.args[0] if exc.args else exc}): "
            "open it in Excel and save it again",
        ) from exc
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
    targets = {}  # relationship id → (part, a chart sheet's)
    for rel in rels:
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id")] = (part, "chartsheet" in rel.get("Type", ""))
    epoch = WINDOWS_EPOCH
    for properties in book.iter(f"{{{_MAIN_NS}}}workbookPr"):
        if properties.get("date1904") not in (None, "", "false", "f", "0"):
            epoch = MAC_EPOCH
    sheets = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        part, chart = targets.get(sheet.get(f"{{{_REL_NS}}}id"), (None, False))
        if part in archive.NameToInfo and not chart:
            sheets.append((sheet.get("name") or "", part, sheet.get("state", "visible") != "visible"))
    return sheets, epoch


def _read_styles(archive: zipfile.ZipFile) -> _Styles:
    """Each cell style's number format (xl/styles.xml: `cellXfs`, with the workbook's own `numFmts`)."""
    from defusedxml import DefusedXmlException, ElementTree
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    try:
        root = ElementTree.fromstring(archive.read(_STYLES_PART))
    except KeyError:
        return _Styles()
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise FileRejected(
            "file_unreadable", f"the workbook's styles are damaged ({type(exc).__name__}: {exc})"
        ) from exc
    custom, ids = {}, []
    try:
        for child in root:  # of each list, the last one written counts (as in openpyxl)
            name = _local(child.tag)
            if name == "numFmts":
                custom = {int(f.get("numFmtId")): f.get("formatCode") for f in child if _local(f.tag) == "numFmt"}
            elif name == "cellXfs":
                ids = [int(xf.get("numFmtId", 0)) for xf in child if _local(xf.tag) == "xf"]
    except (TypeError, ValueError) as exc:
        raise FileRejected(
            "file_unreadable", f"the workbook's styles name a number format that is not a number ({exc})"
        ) from exc
    if not ids:
        return _Styles()
    codes = [custom[i] if i in custom else BUILTIN_FORMATS.get(i) for i in ids]
    return _Styles(
        tuple(code or "General" for code in codes),
        frozenset(i for i, code in enumerate(codes) if is_date_format(code)),
        frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code)),
    )


def _read_shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The workbook's string table, where its list of parts says it is (read by openpyxl)."""
    from defusedxml import DefusedXmlException, ElementTree
    from openpyxl.reader.strings import read_string_table

    try:
        types = ElementTree.fromstring(archive.read(_CONTENT_TYPES))
        part = next((o.get("PartName", "") for o in types if o.get("ContentType") == _SHARED_STRINGS), None)
        if part is None:
            return []
        with archive.open(part[1:]) as stream:
            return read_string_table(stream)
    except KeyError as exc:
        raise FileRejected(
            "file_unreadable", f"the workbook's string table is missing ({exc}): open it in Excel and save it again"
        ) from exc
    except (ElementTree.ParseError, DefusedXmlException, TypeError, ValueError) as exc:
        raise FileRejected(
            "file_unreadable", f"the workbook's string table is damaged ({type(exc).__name__}: {exc})"
        ) from exc


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def scan_sheet(member: str, stream, limits: Limits, max_cells: int | None = None) -> _SheetScan:
    """Stream one sheet part and place every cell as openpyxl does (a row's `r` or the next row; a cell's `r` or the
    next column), refusing the file on the first cell outside the limits; keep each cell of a row as written, with
    whether it holds a formula, and the sheet's merged ranges. `member` names the sheet in messages.

    What openpyxl reads of a cell is kept: its type (`t`), style (`s`), the text of its first `v` and of its first
    inline string `is` (its `t`, then each run's `t`), each text up to its element's first child (ElementTree's
    `.text`). Elements are known by their local name, whatever their prefix.

    Linear in the part's size, whatever it holds, and flat in memory: no tree is built, only the depth of the elements
    open and the cells are held. The XML is parsed by expat with the guards defusedxml gives it (no entity
    declarations, no external references), and an entity it cannot expand is an error.
    """
    from xml.parsers import expat

    from defusedxml import DefusedXmlException

    scan = _SheetScan()
    written, formulas, merged = scan.written, scan.formulas, scan.merged
    max_cells = limits.max_cells if max_cells is None else max_cells
    max_rows, max_columns = limits.max_rows, limits.max_columns
    kinds: dict[str, int] = {}  # element name ('namespace}local') → what it is to the reader
    columns: dict[str, int] = {}  # column letters → number
    # where the read is: the row and column, the depth of the row, cell, inline string and run open (0: none)
    row = col = depth = row_depth = cell_depth = inline_depth = run_depth = cells = max_row = max_col = 0
    #: the row's cell being read: [row, column, t, s, v, inline string, formula]; its inline string: [t, runs' t]
    cell: list | None = None
    inline: list | None = None
    #: the text being collected, the element's depth and what it is
    text: list[str] | None = None
    text_depth = text_for = 0

    def end_text() -> None:
        nonlocal text
        value, text = "".join(text), None
        if text_for == _V:
            cell[4] = value
        elif text_for == _T:
            inline[0] = value  # the last one counts
        else:
            inline[1][-1] = value  # the run's last one counts

    def start(name: str, attrs: dict) -> None:
        nonlocal row, col, depth, row_depth, cell, cell_depth, inline, inline_depth, run_depth, cells, max_row, max_col
        nonlocal text, text_depth, text_for
        kind = kinds.get(name)
        if kind is None:
            kind = kinds[name] = _kind(name)
        if text is not None:  # the element whose text is read has a child: its text ends there
            end_text()
        depth += 1
        if not kind:
            return
        if kind >= _V:  # a cell's value, inline string or formula: only a row's cell being read has them
            if cell is None:
                return
            if depth == cell_depth + 1:
                if kind == _V:
                    if cell[4] is None:
                        cell[4], text, text_depth, text_for = "", [], depth, _V
                elif kind == _IS:
                    if cell[5] is None:
                        inline = cell[5] = ["", None]
                        inline_depth = depth
                elif kind == _F:
                    cell[6] = True
            elif inline is not None and depth == inline_depth + 1:
                if kind == _T:
                    text, text_depth, text_for = [], depth, _T
                elif kind == _R:
                    if inline[1] is None:
                        inline[1] = []
                    inline[1].append("")
                    run_depth = depth
            elif kind == _T and run_depth and depth == run_depth + 1:
                text, text_depth, text_for = [], depth, _R
            return
        if kind <= _OTHER_C:
            ref = attrs.get("r")
            ref_row = row
            if ref is None:
                col += 1
            else:
                letters = ref.rstrip(_DIGITS)
                digits = ref[len(letters) :]
                column = columns.get(letters)
                if column is not None and digits.isdigit() and digits.isascii() and len(digits) < 19:  # as most are
                    ref_row, col = int(digits), column
                else:
                    ref_row, col = _reference(ref, member, columns)
            if row > max_rows or ref_row > max_rows or col > max_columns:  # openpyxl places it in `row`
                _check_extent(member, max(row, ref_row), col, limits)
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
            cells += 1
            if cells > max_cells:
                raise FileRejected(
                    "file_limits",
                    f"the sheets read hold more than {limits.max_cells:,} cells; the limit is {limits.max_cells:,}",
                )
            if kind == _C and row_depth and depth == row_depth + 1:  # only a row's own cells hold values
                cell, cell_depth = [row, col, attrs.get("t", "n"), attrs.get("s"), None, None, False], depth
        elif kind <= _OTHER_ROW:
            row, col, row_depth = _row_number(attrs.get("r"), row, member), 0, depth if kind == _ROW else 0
        elif attrs.get("ref"):  # a merged range
            merged.append(str(attrs["ref"])[:30])

    def end(name: str) -> None:
        nonlocal depth, row_depth, cell, cell_depth, inline, inline_depth, run_depth
        if text is not None and depth == text_depth:
            end_text()
        if depth == cell_depth:  # the cell itself: nothing else is at its depth while it is open
            at_row, at_col, data_type, style, value, string, formula = cell
            row_cells = written.get(at_row)
            if row_cells is None:
                row_cells = written[at_row] = {}
            if string is not None:
                string = string[0] if string[1] is None else string[0] + "".join(string[1])
            row_cells[at_col] = (data_type, style, value, string)
            if formula:
                formulas.add((at_row, at_col))
            if data_type == "s" and value:
                scan.shared_strings = True
            cell, cell_depth = None, 0
        elif depth == inline_depth:
            inline, inline_depth, run_depth = None, 0, 0
        elif depth == run_depth:
            run_depth = 0
        elif depth == row_depth:
            row_depth = 0
        depth -= 1

    def data(chunk: str) -> None:
        if text is not None:
            text.append(chunk)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.EntityDeclHandler = _forbid_entity_declaration
    parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity
    parser.ExternalEntityRefHandler = _forbid_external_reference
    parser.SkippedEntityHandler = _undefined_entity
    try:
        parser.ParseFile(stream)
    except (expat.ExpatError, DefusedXmlException) as exc:
        kind = "ParseError" if isinstance(exc, expat.ExpatError) else type(exc).__name__
        raise FileRejected(
            "file_unreadable",
            f"{member} is not well-formed XML ({kind}: {exc}): open the workbook in Excel and save it again",
        ) from exc
    scan.max_row, scan.max_col, scan.cells = max_row, max_col, cells
    return scan


_DIGITS = "0123456789"
#: the elements of a sheet part the reader acts on: by local name, and rows, cells and their values in
#: SpreadsheetML's namespace (what openpyxl reads); a row or cell in another namespace holds no value, but is
#: placed and counted all the same
_C, _OTHER_C, _ROW, _OTHER_ROW, _MERGE, _V, _IS, _T, _R, _F = range(1, 11)  # in this order: see `start`
_ELEMENTS = {"c": _C, "row": _ROW, "v": _V, "is": _IS, "t": _T, "r": _R, "f": _F, "mergeCell": _MERGE}
_OTHER = {_C: _OTHER_C, _ROW: _OTHER_ROW, _V: 0, _IS: 0}


def _kind(name: str) -> int:
    """What an element is to the sheet reader, from its expat name ('namespace}local', or 'local')."""
    namespace, _, local = name.rpartition("}")
    kind = _ELEMENTS.get(local, 0)
    return kind if namespace == _MAIN_NS else _OTHER.get(kind, kind)


def _forbid_entity_declaration(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    from defusedxml import EntitiesForbidden

    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed_entity(name, base, sysid, pubid, notation_name):
    from defusedxml import EntitiesForbidden

    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external_reference(context, base, sysid, pubid):
    from defusedxml import ExternalReferenceForbidden

    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _undefined_entity(name, is_parameter_entity):
    from xml.parsers import expat

    raise expat.ExpatError(f"undefined entity {'%' if is_parameter_entity else '&'}{name};")


def _sheet_rows(
    member: str, scan: _SheetScan, styles: _Styles, strings: list[str], epoch: dt.datetime
) -> list[tuple[int, list[Cell]]]:
    """The rows that hold something (and row 1), each up to its last cell holding something, located as in Excel; each
    cell's value and number format as openpyxl reads them (`data_only`: a formula's last calculated value)."""
    letters = [column_letter(i + 1) for i in range(scan.max_col)]
    formats, formulas = styles.formats, scan.formulas
    rows = [] if 1 in scan.written else [(1, [])]
    for number in sorted(scan.written):
        values = _row_values(member, number, scan.written[number], letters, styles, strings, epoch)
        last = max((col for col, (value, _) in values.items() if value is not None), default=0)
        if not last and number > 1:
            continue
        cells = []
        for col in range(1, last + 1):
            ref = f"{letters[col - 1]}{number}"
            value, style = values.get(col, _NOT_WRITTEN)
            formula = bool(formulas) and (number, col) in formulas
            if style is None:  # no cell written there
                cells.append(Cell(None, ref, None, formula))
                continue
            try:
                number_format = formats[style]
            except IndexError:
                raise FileRejected(
                    "file_unreadable", f"{member} gives cell {ref} style {style:,}, which the workbook's styles lack"
                ) from None
            cells.append(Cell(value, ref, number_format, formula))
        rows.append((number, cells))
    return rows


_NOT_WRITTEN = (None, None)


def _row_values(
    member: str, number: int, written: dict, letters: list[str], styles: _Styles, strings: list[str], epoch
) -> dict[int, tuple[object, int]]:
    """Column → (value, style) of the cells written in one row."""
    values, dates = {}, styles.dates
    try:
        for col, (data_type, style_text, text, inline) in written.items():
            style = int(style_text) if style_text and style_text.isdecimal() else _style(member, style_text)
            if data_type == "inlineStr":
                values[col] = inline, style
            elif not text:
                values[col] = None, style
            elif data_type == "n" and text.isdecimal() and style not in dates:  # most cells: as openpyxl reads them
                values[col] = int(text), style
            else:
                ref = f"{letters[col - 1]}{number}"
                values[col] = _cell_value(member, ref, data_type, text, style, styles, strings, epoch), style
    except ValueError as exc:  # a number too long for int() (over 4,300 digits): only in a file made to break readers
        raise FileRejected(
            "file_unreadable", f"{member} has a number in row {number} that cannot be read ({exc})"
        ) from exc
    return values


def _style(member: str, text: str | None) -> int:
    """A cell's style index (`s`; none is style 0)."""
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise FileRejected(
            "file_unreadable", f"{member} gives a cell the style '{text[:20]}', which is not a style number"
        ) from None


def _cell_value(
    member: str, ref: str, data_type: str, text: str, style: int, styles: _Styles, strings: list[str], epoch
) -> object:
    """A cell's value as openpyxl reads it from its type and the text of its `v`."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    try:
        if data_type == "n":
            value = float(text) if "." in text or "E" in text or "e" in text else int(text)
            if style in styles.dates:
                try:
                    value = from_excel(value, epoch, timedelta=style in styles.durations)
                except (OverflowError, ValueError):
                    value = "#VALUE!"  # openpyxl's reading of a date beyond the calendar
            return value
        if data_type == "s":
            return strings[int(text)]
        if data_type == "b":
            return bool(int(text))
        if data_type == "d":
            return from_ISO8601(text)
    except (ValueError, IndexError, OverflowError) as exc:
        raise FileRejected(
            "file_unreadable",
            f"{member} has '{text[:20]}' in cell {ref}, which is not what a cell of type '{data_type[:20]}' holds: "
            "open the workbook in Excel and save it again",
        ) from exc
    return text  # a formula's text result (str), an error (e), or a type openpyxl keeps as written


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


def _reference(text: str, member: str, columns: dict[str, int] | None = None) -> tuple[int, int]:
    """A cell reference's row and column numbers (`columns` caches the column letters' numbers)."""
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        raise FileRejected("file_unreadable", f"{member} has a cell at '{text[:20]}', which is not a cell reference")
    letters, digits = match.groups()
    row = int(digits) if len(digits.lstrip("0")) < 19 else 10**18  # beyond every limit, however many digits
    if columns is None:
        return row, _column_number(letters.upper())
    column = columns.get(letters)
    if column is None:
        column = columns[letters] = _column_number(letters.upper())
    return row, column


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
