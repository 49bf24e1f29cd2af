"""The borough return's format, declared once: its sheets, columns, labels, answers and limits.

docs/return-format.md is the contract with the boroughs; `LSDI_R1` is that contract as the code
holds it. The parser (`returns.parse`) reads returns by it; the template writer
(`templates.workbook`) and the sample generator (`sample.generator`) write them by it. A later
version (LSDI-R2 for Phase II) is one more declaration in `FORMATS`: a workbook names its version
in the About sheet's `Template version`, which every version keeps, so the version is read before
the rest of the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from lsdi_pipeline import codes
from lsdi_pipeline.codes import normalise_label


@dataclass(frozen=True)
class Limits:
    """What one return may be and cost; the same for workbooks and CSV files (docs/return-format.md, *Limits*).

    A file is read under these limits before its version is known, so they hold for every version.
    """

    max_file_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_members: int = 2_000
    #: rows and columns of a sheet that is read (About, PI data, Feasibility, Narrative) or of a CSV file; a return
    #: has a few hundred rows, an agency's CSV export a few thousand
    max_rows: int = 10_000
    max_columns: int = 100
    #: cells written in the sheets that are read, together (a CSV: its fields)
    max_cells: int = 100_000
    #: reading one file, in a worker process of its own: address space above what the worker held before, and
    #: wall-clock time; a return at the rows limit reads in under 3 s here
    max_memory_mib: int = 1_024
    max_seconds: float = 5.0


@dataclass(frozen=True)
class ColumnFormat:
    """One column of a sheet: the field it fills, its header, whether it must be there, the answers it takes.

    A header is read as `label` or as `name` (the CSV form's header) in any case, with surrounding
    spaces, and with underscores for spaces (`codes.normalise_label`).
    """

    name: str
    label: str
    required: bool = False
    #: a drop-down's answers: the answer as the template offers it → the code stored; read as either, in any case
    answers: Mapping[str, str] = field(default_factory=dict)
    #: other spellings read as one of the answers (`YOS`): spelling → code
    other_spellings: Mapping[str, str] = field(default_factory=dict)
    #: in the header row the format lays out (the template's, or the CSV form's); False for a column a sender may add
    in_header: bool = True
    #: the column's width in the template
    width: float | None = None

    @property
    def headers(self) -> tuple[str, str]:
        """The headers read as this column."""
        return self.label, self.name

    @cached_property
    def _codes(self) -> dict[str, str]:
        lookup = {normalise_label(answer): code for answer, code in self.answers.items()}
        lookup.update({normalise_label(code): code for code in self.answers.values()})
        lookup.update({normalise_label(text): code for text, code in self.other_spellings.items()})
        return lookup

    def answer(self, text: str) -> str | None:
        """The code of an answer as a borough typed it, or None if it is not one of the column's answers."""
        return self._codes.get(normalise_label(text))

    @property
    def answers_text(self) -> str:
        """The answers as a sentence lists them: `Monthly, Quarterly or Annual`."""
        *others, last = self.answers
        return f"{', '.join(others)} or {last}" if others else last


@dataclass(frozen=True)
class SheetFormat:
    """A sheet read as a table: its header in row 1, one record in each row below."""

    name: str
    columns: tuple[ColumnFormat, ...]
    #: a file without the sheet is rejected; without an optional one, it is loaded with a finding
    required: bool = False

    @property
    def header(self) -> tuple[ColumnFormat, ...]:
        """The columns of the header row the format lays out, in order."""
        return tuple(c for c in self.columns if c.in_header)

    @property
    def labels(self) -> tuple[str, ...]:
        """The header row as the template prints it."""
        return tuple(c.label for c in self.header)

    @property
    def names(self) -> tuple[str, ...]:
        """The header row in field names, as the CSV form writes it."""
        return tuple(c.name for c in self.header)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnFormat:
        return next(c for c in self.columns if c.name == name)

    def position(self, name: str) -> int:
        """The column's place (1 for A) in the header row."""
        return next(i for i, c in enumerate(self.header, start=1) if c.name == name)

    @cached_property
    def _fields(self) -> dict[str, str]:
        return {normalise_label(header): c.name for c in self.columns for header in c.headers}

    def field_for(self, header: str) -> str | None:
        """The field a header names, or None for a column that is not in the format."""
        return self._fields.get(normalise_label(header))


@dataclass(frozen=True)
class AboutField:
    """One field of the About sheet: its label in column A, its value beside it in column B."""

    name: str
    label: str

    @property
    def key(self) -> str:
        """The label as it is matched (`codes.normalise_label`)."""
        return normalise_label(self.label)


@dataclass(frozen=True)
class AboutFormat:
    """The About sheet: who sends the return, for when, in which version of the format."""

    name: str
    fields: tuple[AboutField, ...]

    def field(self, name: str) -> AboutField:
        return next(f for f in self.fields if f.name == name)

    def row(self, name: str) -> int:
        """The row the template writes the field in."""
        return next(i for i, f in enumerate(self.fields, start=1) if f.name == name)


@dataclass(frozen=True)
class ReturnFormat:
    """One version of the return: a workbook of four sheets, and a CSV form for agency systems."""

    version: str
    about: AboutFormat
    pi_data: SheetFormat
    feasibility: SheetFormat
    narrative: SheetFormat
    #: the CSV form: PI data alone, one borough per file; its rows count as the PI data sheet's
    csv: SheetFormat

    @property
    def sheets(self) -> tuple[AboutFormat | SheetFormat, ...]:
        """The workbook's sheets, in order: About (always required, for it names the version), then the tables."""
        return self.about, self.pi_data, self.feasibility, self.narrative

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(sheet.name for sheet in self.sheets)


#: every version keeps the About sheet and its Template version field, so a file's version is read from them
#: before its format is known
ABOUT = "About"
VERSION_FIELD = AboutField("template_version", "Template version")

_BOROUGH_CODE = ColumnFormat("borough_code", "Borough code", in_header=False)
_PI_DATA = SheetFormat(
    "PI data",
    (
        ColumnFormat("pi_code", "PI code", required=True, width=10),
        ColumnFormat("period", "Period", required=True, width=14),
        ColumnFormat("numerator", "Numerator", width=13),
        ColumnFormat("denominator", "Denominator", width=13),
        ColumnFormat("value", "Value", required=True, width=11),
        ColumnFormat(
            "source_agency",
            "Source agency",
            answers={label: code for code, label in codes.AGENCY_LABELS.items()},
            other_spellings={"YOS": "youth_offending", "YOT": "youth_offending"},
            width=26,
        ),
        ColumnFormat(
            "reporting_frequency",
            "Reporting frequency",
            answers={label: code for code, label in codes.FREQUENCY_LABELS.items()},
            width=20,
        ),
        ColumnFormat("note", "Note", width=50),
        _BOROUGH_CODE,  # optional: a row naming another authority is set aside
        ColumnFormat("submitted_on", "Submitted on", in_header=False),  # read in the CSV form only
    ),
    required=True,
)

LSDI_R1 = ReturnFormat(
    version="LSDI-R1",
    about=AboutFormat(
        ABOUT,
        (
            VERSION_FIELD,
            AboutField("borough_code", "Borough code"),
            AboutField("borough_name", "Borough name"),
            AboutField("return_period", "Return period"),
            AboutField("submitted_on", "Submitted on"),
            AboutField("submitted_by", "Submitted by (role)"),
        ),
    ),
    pi_data=_PI_DATA,
    feasibility=SheetFormat(
        "Feasibility",
        (
            ColumnFormat("pi_code", "PI code", required=True, width=10),
            ColumnFormat("can_provide", "Can provide", required=True, answers=codes.CAN_PROVIDE, width=14),
            ColumnFormat("main_issue", "Main issue", answers=codes.MAIN_ISSUES, width=20),
            ColumnFormat("comment", "Comment", width=60),
        ),
    ),
    narrative=SheetFormat(
        "Narrative",
        (
            ColumnFormat("cluster_code", "Cluster code", required=True, width=13),
            ColumnFormat("narrative", "Narrative", required=True, width=80),
        ),
    ),
    csv=SheetFormat(
        "PI data",
        (
            replace(_BOROUGH_CODE, required=True, in_header=True),
            *_PI_DATA.header,
            _PI_DATA.column("submitted_on"),  # optional: the date the export was sent
        ),
        required=True,
    ),
)

#: the versions of the return a file may name in `Template version`
FORMATS = {f.version: f for f in (LSDI_R1,)}
_BY_VERSION = {normalise_label(version): f for version, f in FORMATS.items()}
_READ_SHEETS = frozenset(normalise_label(name) for f in FORMATS.values() for name in f.sheet_names)


def format_named(version: str) -> ReturnFormat | None:
    """The format of the version a file names (in any case, with surrounding spaces), or None if there is none."""
    return _BY_VERSION.get(normalise_label(version))


def is_read(sheet_name: str) -> bool:
    """Whether a sheet of this name is one of the format's, which are read (any other sheet is only named)."""
    return normalise_label(sheet_name) in _READ_SHEETS
