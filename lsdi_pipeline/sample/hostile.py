"""Hostile returns: files within the size limits that cost the most to read, for the benchmark and the tests.

Each writes one file that a careless or malicious sender could send, as small as the limits allow
and as expensive as we know how to make it. `lsdi bench` times a run with the costliest of them
beside the bundled returns; the tests run all of them through the pipeline.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from lsdi_pipeline.returns.format import LSDI_R1, Limits

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEETML}.sheet.main+xml"/>'
    "{sheets}{strings}</Types>"
)
_SHEET_TYPE = f'<Override PartName="/xl/worksheets/sheet{{i}}.xml" ContentType="{_SPREADSHEETML}.worksheet+xml"/>'
_STRINGS_TYPE = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SPREADSHEETML}.sharedStrings+xml"/>'
SHEETS = LSDI_R1.sheet_names
_BARNET_2007 = {
    "template_version": LSDI_R1.version,
    "borough_code": "E09000003",
    "borough_name": "Barnet",
    "return_period": "2007/08",
    "submitted_on": "2008-04-14",
    "submitted_by": "LSCB performance officer",
}
#: a return from Barnet for 2007/08, well formed: only its size or shape is hostile
ABOUT = tuple((f.label, _BARNET_2007[f.name]) for f in LSDI_R1.about.fields)
PI_HEADER = LSDI_R1.pi_data.labels


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _rows_xml(rows) -> str:
    from lsdi_pipeline.returns.reader import column_letter

    out = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_inline(f"{column_letter(c)}{r}", v) for c, v in enumerate(row, start=1) if v is not None)
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def write_workbook(
    path: Path,
    pi_rows_xml: str,
    shared_strings: str | None = None,
    extra_parts: dict[str, bytes] | None = None,
    pi_header: Sequence[str] = PI_HEADER,
) -> Path:
    """A minimal LSDI-R1 workbook written part by part, so any part can be made as large or as odd as wanted (its PI
    data header too: columns in another order, headed otherwise)."""
    about, pi_data, feasibility, narrative = SHEETS
    sheets = {
        about: _rows_xml(ABOUT),
        pi_data: _rows_xml([pi_header]) + pi_rows_xml,
        feasibility: _rows_xml([LSDI_R1.feasibility.labels]),
        narrative: _rows_xml([LSDI_R1.narrative.labels]),
    }
    workbook = (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(SHEETS, start=1))
        + "</sheets></workbook>"
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, 5)
        )
        + (
            f'<Relationship Id="rId9" Type="{_RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            if shared_strings is not None
            else ""
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(i=i) for i in range(1, 5)),
                strings=_STRINGS_TYPE if shared_strings is not None else "",
            ),
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, name in enumerate(SHEETS, start=1):
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<worksheet xmlns="{_MAIN}"><sheetData>{sheets[name]}</sheetData></worksheet>',
            )
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
    return path


def shared_strings_flood(path: Path, limits: Limits = Limits()) -> Path:
    """A string table that unpacks to just under the unpacked-size limit, compressing just under the ratio limit;
    every reader loads it whole before the first cell."""
    budget = int(limits.max_unpacked_bytes * 0.97)
    item = "<si><t>{:08d}" + "x" * 80 + "</t></si>"
    count = budget // len(item.format(0))
    table = (
        f'<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">'
        + "".join(item.format(i) for i in range(count))
        + "</sst>"
    )
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>2007/08</t></is></c></row>'
        for r in range(2, 2 + min(count, limits.max_rows - 2))
    )
    return write_workbook(path, rows, table)


def cells_at_the_limit(path: Path, limits: Limits = Limits()) -> Path:
    """As many cells as the limit allows, each a long note that looks like personal data to the screening."""
    columns = len(PI_HEADER)
    rows = min(limits.max_rows - 1, limits.max_cells // columns - 1)
    note = "Child J.S. born 12/03/2001, NHS 943 476 5919, lives at SW1A 1AA; " * 30
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            _inline(f"{c}{r}", v)
            for c, v in zip(
                "ABCDEFGH",
                (
                    f"L{r % 9 + 1:02d}",
                    f"{1990 + r % 100}-{r % 12 + 1:02d}",
                    str(r),
                    str(r + 1),
                    str(r % 100),
                    "Police",
                    "Monthly",
                    note,
                ),
            )
        )
        + "</row>"
        for r in range(2, rows + 2)
    )
    return write_workbook(path, body)


def csv_at_the_limit(path: Path, limits: Limits = Limits()) -> Path:
    """A CSV as long as the rows limit and as large as the file limit allow, every note long and screened."""
    rows = min(limits.max_rows - 1, limits.max_cells // 9 - 1)
    note_length = max(10, limits.max_file_bytes // rows - 80)
    note = ("Child J.S. born 12/03/2001, NHS 943 476 5919; " * (note_length // 47 + 1))[:note_length]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(LSDI_R1.csv.names) + "\r\n")
        for r in range(rows):
            period = f"{1990 + r % 100}-{r % 12 + 1:02d}"
            f.write(f'E09000003,L{r % 9 + 1:02d},{period},{r},{r + 1},{r % 100},Police,Monthly,"{note}"\r\n')
    return path


def deep_nesting(path: Path, limits: Limits = Limits()) -> Path:
    """One cell holding elements nested a million deep: a parser that recurses, or keeps the tree, pays for it."""
    depth = 1_000_000
    return write_workbook(
        path, '<row r="2"><c r="A2" t="inlineStr"><is>' + "<r>" * depth + "</r>" * depth + "</is></c></row>"
    )


HOSTILE: dict[str, Callable[[Path, Limits], Path]] = {
    "shared_strings_flood.xlsx": shared_strings_flood,
    "cells_at_the_limit.xlsx": cells_at_the_limit,
    "csv_at_the_limit.csv": csv_at_the_limit,
    "deep_nesting.xlsx": deep_nesting,
}
