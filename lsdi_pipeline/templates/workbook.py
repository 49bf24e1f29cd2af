"""The LSDI-R1 return template: one workbook per borough and year, every figure asked for pre-listed.

The workbook is exactly what docs/return-format.md describes and `parse_return` reads (About,
PI data, Feasibility, Narrative: their headers, fields and drop-downs from the declaration in
`returns.format`), plus two sheets the pipeline does not read: Instructions and PI definitions.
Every phase-1 PI is listed once for each period its cadence and period basis require; postponed
PIs are not asked for. Sheets are protected without a password: headers, codes and periods are
locked, the cells an officer fills in are not. Pure apart from writing the one file, which is
byte-for-byte reproducible.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from lsdi_pipeline import codes
from lsdi_pipeline.checks.rules.integrity import PERCENT_RANGE
from lsdi_pipeline.periods import Period, expected_periods, financial_year
from lsdi_pipeline.returns.format import LSDI_R1, SheetFormat
from lsdi_pipeline.sample.xlsx import make_reproducible
from lsdi_pipeline.templates.cells import (
    BOLD,
    TEXT_FORMAT,
    WRAP,
    day_text,
    header_row,
    input_cell,
    list_validation,
    number_validation,
    period_text,
    protect_sheet,
    text_cell,
    validation,
)
from lsdi_pipeline.templates.instructions import write_instructions
from lsdi_pipeline.templates.layout import fit_row, fit_rows, print_setup

INSTRUCTIONS, DEFINITIONS = "Instructions", "PI definitions"
#: the PI data cells an officer types a number in (General format, not text)
_FIGURES = ("numerator", "denominator", "value")
#: the Narrative sheet's column beside the format's: each cluster's prompt, which the parser keeps in raw records
_PROMPT = "Prompt"

DEFINITIONS_HEADER = (
    "PI code",
    "Title",
    "Definition",
    "Numerator",
    "Denominator",
    "Unit",
    "Valid range",
    "Polarity",
    "Expected frequency",
    "Period basis",
    "Periods asked for",
    "Source agency",
    "Cluster",
    "NI reference",
)

#: unlocked, validated rows left below the pre-listed ones for figures for other periods
SPARE_ROWS = 50

#: a PI's unit as the template's prompts and definitions say it (a percentage in words, where the reports write %)
UNIT_IN_WORDS = {**codes.UNIT_LABELS, "percent": "percentage ({}–{})".format(*PERCENT_RANGE)}
POLARITY_LABELS = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "in_band": "Best within a band",
    "neutral": "Neither higher nor lower is better",
}
BASIS_LABELS = {
    "financial_year": "Financial year (April–March)",
    "calendar_year": "Calendar year (January–December)",
    "snapshot": "Snapshot: the figure on the last day of each period",
}


@dataclass(frozen=True)
class _AskedFor:
    """One pre-listed PI data row: a phase-1 PI and one period it is asked for."""

    pi: dict
    period: Period


def write_template(
    path: Path, borough: Mapping, return_year: int, indicators: pd.DataFrame, clusters: pd.DataFrame
) -> Path:
    """Write the LSDI-R1 template of `borough` (a dim_borough row) for the financial year starting in `return_year`.

    Written as `write_templates` writes many, so that one borough's template is the same file either way.
    """
    return write_templates([(path, borough)], return_year, indicators, clusters)[0]


def template_file_name(borough_code: str, borough_name: str, return_year: int) -> str:
    """The file name a borough's template is sent under: `Barnet_E09000003_LSDI-R1_2007-08.xlsx`.

    The name comes first so that a folder of templates sorts by borough; it is cut down to letters, digits and
    underscores (accents dropped, `&` as `and`, apostrophes removed), which every file system, e-mail system and
    shell takes as it is.
    """
    ascii_name = unicodedata.normalize("NFKD", borough_name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.replace("&", " and "))
    name = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_")[:60].rstrip("_")
    year = financial_year(return_year).label.replace("/", "-")
    return "_".join(part for part in (name, borough_code, LSDI_R1.version, year) if part) + ".xlsx"


def _write(path: Path, borough: Mapping, return_year: int, indicators: pd.DataFrame, clusters: pd.DataFrame) -> Path:
    phase_1 = [pi for pi in _records(indicators) if pi["status"] == "phase_1"]
    asked = [
        _AskedFor(pi, period)
        for pi in phase_1
        for period in expected_periods(return_year, pi["expected_cadence"], pi["period_basis"])
    ]
    asked_clusters = {pi["cluster_code"] for pi in phase_1}
    cluster_rows = [c for c in _records(clusters) if c["cluster_code"] in asked_clusters]

    workbook = Workbook()
    workbook.remove(workbook.active)
    write_instructions(workbook.create_sheet(INSTRUCTIONS), borough, return_year)
    _write_about(workbook.create_sheet(LSDI_R1.about.name), borough, return_year)
    _write_pi_data(workbook.create_sheet(LSDI_R1.pi_data.name), asked)
    _write_feasibility(workbook.create_sheet(LSDI_R1.feasibility.name), phase_1)
    _write_narrative(workbook.create_sheet(LSDI_R1.narrative.name), cluster_rows)
    _write_definitions(workbook.create_sheet(DEFINITIONS), phase_1, asked, clusters)
    footer = f"{borough['footer_name']} — {LSDI_R1.version} return {financial_year(return_year).label}"
    for ws in workbook.worksheets:
        has_header = ws.title not in (LSDI_R1.about.name,)  # About is a short form, not a table
        print_setup(ws, footer, last_column=ws.max_column, last_row=ws.max_row, title_rows=1 if has_header else None)
    workbook.active = 0
    workbook.properties.creator = "lsdi_pipeline"
    workbook.properties.title = (
        f"{LSDI_R1.version} return — {borough['borough_name']} — {financial_year(return_year).label}"
    )
    workbook.save(path)
    make_reproducible(path)
    return path


#: what differs between two boroughs' templates for the same year, as written in the workbook; the rows holding
#: them are made tall enough for their markers, which are wider than any English authority's name
_BOROUGH_TEXT = ("borough_code", "borough_name", "code_hint", "footer_name")


def _borough_text(borough: Mapping) -> dict[str, str]:
    legacy = borough.get("legacy_code")
    hint = "GSS code" + (
        f"; the legacy ONS code {legacy} is accepted too." if isinstance(legacy, str) and legacy else "."
    )
    name = str(borough["borough_name"])
    return {
        "borough_code": str(borough["borough_code"]),
        "borough_name": name,
        "code_hint": hint,
        "footer_name": name.replace("&", "&&"),  # a footer reads a lone & as the start of a code
    }


def write_templates(
    targets: Iterable[tuple[Path, Mapping]], return_year: int, indicators: pd.DataFrame, clusters: pd.DataFrame
) -> list[Path]:
    """Write many boroughs' templates for one year, each the same as `write_template` would write.

    The workbook is built once with a marker where each borough's code, name and code hint go,
    and each borough's file is that workbook with its own text put in (escaped for XML): one
    build and a zip copy per borough instead of a build per borough.
    """
    from xml.sax.saxutils import escape

    targets = list(targets)
    if not targets:
        return []
    markers = {field: f"LSDI-TEMPLATE-{field.upper().replace('_', '-')}-MARKER" for field in _BOROUGH_TEXT}
    base = targets[0][0].with_name(f".{targets[0][0].name}.base")
    _write(base, markers, return_year, indicators, clusters)
    try:
        with zipfile.ZipFile(base) as source:
            members = [(info, source.read(info)) for info in source.infolist()]
        for path, borough in targets:
            text = _borough_text(borough)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
                for info, data in members:
                    if info.filename.endswith((".xml", ".rels")):
                        for field, marker in markers.items():
                            data = data.replace(marker.encode(), escape(text[field]).encode())
                    target.writestr(info, data)
    finally:
        base.unlink(missing_ok=True)
    return [path for path, _ in targets]


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# -- the sheets of the format ----------------------------------------------------------------------
def _write_about(ws: Worksheet, borough: Mapping, return_year: int) -> None:
    year = financial_year(return_year)
    about = LSDI_R1.about
    #: each field's value (None: the officer fills it in), whether it is locked, and the hint beside it
    entries = {
        "template_version": (LSDI_R1.version, True, "Do not change."),
        "borough_code": (borough["borough_code"], False, borough["code_hint"]),
        "borough_name": (borough["borough_name"], False, "Your authority's name."),
        "return_period": (
            year.label,
            True,
            f"The financial year this return covers: {day_text(year.start)} to {day_text(year.end)}.",
        ),
        "submitted_on": (None, False, "The date you send the return (a date, e.g. 14/04/2008)."),
        "submitted_by": (None, False, "Your role, e.g. LSCB performance officer. Not your name."),
    }
    for row, about_field in enumerate(about.fields, start=1):
        value, locked, hint = entries[about_field.name]
        text_cell(ws, row, 1, about_field.label).font = BOLD
        if value is None:
            input_cell(ws, row, 2)
        else:
            text_cell(ws, row, 2, value, locked=locked)
        text_cell(ws, row, 3, hint).alignment = WRAP
    for column, width in (("A", 22), ("B", 30), ("C", 70)):
        ws.column_dimensions[column].width = width
    fit_rows(ws, range(1, len(about.fields) + 1))
    submitted_on = ws.cell(row=about.row("submitted_on"), column=2)
    submitted_on.number_format = "yyyy-mm-dd"
    title = about.field("submitted_on").label
    validation(
        ws,
        submitted_on.coordinate,
        type="date",
        operator="greaterThanOrEqual",
        formula1=f"{to_excel(year.start):g}",
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=title,
        error="Enter the date you send the return, e.g. 14/04/2008.",
        promptTitle=title,
        prompt="The date you send the return, e.g. 14/04/2008.",
    )
    submitted_by = ws.cell(row=about.row("submitted_by"), column=2)
    submitted_by.number_format = TEXT_FORMAT
    validation(
        ws,
        submitted_by.coordinate,
        promptTitle="A role, not a name",
        prompt="Enter your role (e.g. LSCB performance officer), not your name: the return must hold no personal data.",
    )
    protect_sheet(ws)


def _format_header(ws: Worksheet, sheet: SheetFormat, *own: tuple[str, float]) -> dict[str, str]:
    """The sheet's header row as the format lays it out, then the template's `own` columns (label, width).

    Returns the column letter of each of the format's fields.
    """
    columns = sheet.header
    header_row(ws, [*sheet.labels, *(label for label, _ in own)], [*(c.width for c in columns), *(w for _, w in own)])
    return {c.name: get_column_letter(sheet.position(c.name)) for c in columns}


def _write_pi_data(ws: Worksheet, asked: list[_AskedFor]) -> None:
    pi_data = LSDI_R1.pi_data
    letter = _format_header(ws, pi_data)
    column = {name: pi_data.position(name) for name in letter}
    texts = [name for name in column if name not in _FIGURES]
    for row, item in enumerate(asked, start=2):
        pi = item.pi
        text_cell(ws, row, column["pi_code"], pi["pi_code"])
        text_cell(ws, row, column["period"], period_text(item.period))
        for name in _FIGURES:
            input_cell(ws, row, column[name])
        text_cell(ws, row, column["source_agency"], codes.AGENCY_LABELS[pi["source_agency"]], locked=False)
        text_cell(ws, row, column["reporting_frequency"], codes.FREQUENCY_LABELS[pi["expected_cadence"]], locked=False)
        text_cell(ws, row, column["note"], None, locked=False).alignment = WRAP  # a long note wraps as it is typed
    last_listed = len(asked) + 1
    last = last_listed + SPARE_ROWS
    for row in range(last_listed + 1, last + 1):
        for name in texts:
            text_cell(ws, row, column[name], None, locked=False)
        ws.cell(row, column["note"]).alignment = WRAP
        for name in _FIGURES:
            input_cell(ws, row, column[name])

    for name in ("source_agency", "reporting_frequency"):
        answered = pi_data.column(name)
        cells = f"{letter[name]}2:{letter[name]}{last}"
        list_validation(ws, cells, answered.answers, title=answered.label, stop=False)
    number_validation(
        ws,
        f"{letter['numerator']}2:{letter['denominator']}{last}",
        0,
        None,
        title="Numerator / denominator",
        prompt="A whole number of children, cases or events (0 or more). Blank or n/a if not available.",
        error="Numerators and denominators are numbers of 0 or more. Choose Yes to keep n/a or <5; No to correct it.",
    )
    value = letter["value"]
    for pi_code, (pi, first, last_of_pi) in _row_spans(asked).items():
        low, high = _value_range(pi)
        number_validation(
            ws,
            f"{value}{first}:{value}{last_of_pi}",
            low,
            high,
            title=f"{pi_code}: {UNIT_IN_WORDS[pi['unit']]}",
            prompt=_value_prompt(pi, low, high),
            error=f"{pi_code} is a {UNIT_IN_WORDS[pi['unit']]}: expected {_range_text(low, high)}. "
            "Choose Yes to keep n/a or <5; No to correct it.",
        )
    number_validation(
        ws,
        f"{value}{last_listed + 1}:{value}{last}",
        None,
        None,
        title=pi_data.column("value").label,
        prompt="The figure in the PI's unit (see PI definitions); percentages as 0–100. Blank or n/a if not available.",
        error="Enter a number. Choose Yes to keep n/a or <5; No to correct it.",
    )
    validation(
        ws,
        f"{letter['note']}2:{letter['note']}{last}",
        promptTitle=pi_data.column("note").label,
        prompt="Explain the figure if needed. No names, dates of birth or other personal data.",
    )
    protect_sheet(ws)


def _row_spans(asked: list[_AskedFor]) -> dict[str, tuple[dict, int, int]]:
    """Each PI with the first and last of its pre-listed rows (a PI's rows are consecutive)."""
    spans: dict[str, tuple[dict, int, int]] = {}
    for row, item in enumerate(asked, start=2):
        code = item.pi["pi_code"]
        first = spans[code][1] if code in spans else row
        spans[code] = (item.pi, first, row)
    return spans


def _value_range(pi: dict) -> tuple[float | None, float | None]:
    low, high = pi["valid_min"], pi["valid_max"]
    if pi["unit"] == "percent":
        low = 0 if low is None else max(0, low)
        high = 100 if high is None else min(100, high)
    return low, high


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"a number from {low:g} to {high:g}"
    if low is not None:
        return f"a number of {low:g} or more"
    if high is not None:
        return f"a number of {high:g} or less"
    return "a number"


def _value_prompt(pi: dict, low: float | None, high: float | None) -> str:
    unit = pi["unit"]
    if unit == "percent":
        how = "Enter 0–100 as a plain number: 45 means 45%."
    elif unit in codes.UNIT_SCALE:
        how = f"Numerator ÷ denominator × {codes.UNIT_SCALE[unit]:,}; {_range_text(low, high)}."
    else:
        how = f"Enter {_range_text(low, high)}."
    tail = " Blank or n/a if not available."
    room = 255 - len(how) - len(tail) - 2
    title = pi["title"] if len(pi["title"]) <= room else pi["title"][: room - 1] + "…"
    return f"{title}. {how}{tail}"


def _write_feasibility(ws: Worksheet, phase_1: list[dict]) -> None:
    feasibility = LSDI_R1.feasibility
    letter = _format_header(ws, feasibility)
    column = {name: feasibility.position(name) for name in letter}
    for row, pi in enumerate(phase_1, start=2):
        text_cell(ws, row, column["pi_code"], pi["pi_code"])
        text_cell(ws, row, column["can_provide"], None, locked=False)
        text_cell(ws, row, column["main_issue"], None, locked=False)
        text_cell(ws, row, column["comment"], None, locked=False).alignment = WRAP
    last = len(phase_1) + 1
    # an answer outside the list loses the row (docs/return-format.md), so Excel refuses it
    for name in ("can_provide", "main_issue"):
        answered = feasibility.column(name)
        cells = f"{letter[name]}2:{letter[name]}{last}"
        list_validation(ws, cells, answered.answers, title=answered.label, stop=True)
    validation(
        ws,
        f"{letter['comment']}2:{letter['comment']}{last}",
        promptTitle=feasibility.column("comment").label,
        prompt="What would make this PI possible or better? No names or other personal data.",
    )
    protect_sheet(ws)


def _write_narrative(ws: Worksheet, cluster_rows: list[dict]) -> None:
    narrative = LSDI_R1.narrative
    letter = _format_header(ws, narrative, (_PROMPT, 60))
    column = {name: narrative.position(name) for name in letter}
    prompt = len(letter) + 1
    for row, cluster in enumerate(cluster_rows, start=2):
        text_cell(ws, row, column["cluster_code"], cluster["cluster_code"])
        text_cell(ws, row, column["narrative"], None, locked=False).alignment = WRAP
        text_cell(ws, row, prompt, f"{cluster['title']}: {cluster['narrative_prompt']}").alignment = WRAP
        fit_row(ws, row, minimum=90)  # room to write a paragraph, and for the whole prompt
    validation(
        ws,
        f"{letter['narrative']}2:{letter['narrative']}{len(cluster_rows) + 1}",
        promptTitle=narrative.column("narrative").label,
        prompt=f"Answer the prompt in column {get_column_letter(prompt)}. Describe services and trends, not "
        "individual children: no names, dates of birth or other personal data.",
    )
    protect_sheet(ws)


# -- the template's own sheet ---------------------------------------------------------------------
def _write_definitions(ws: Worksheet, phase_1: list[dict], asked: list[_AskedFor], clusters: pd.DataFrame) -> None:
    # narrow enough that the sheet, printed one page wide, is still legible: long text wraps onto more lines instead
    header_row(ws, DEFINITIONS_HEADER, (8, 26, 44, 30, 30, 13, 12, 15, 11, 17, 26, 16, 20, 9))
    cluster_titles = dict(zip(clusters["cluster_code"], clusters["title"]))
    periods: dict[str, list[str]] = {}
    for item in asked:
        periods.setdefault(item.pi["pi_code"], []).append(period_text(item.period))
    for row, pi in enumerate(phase_1, start=2):
        polarity = POLARITY_LABELS[pi["polarity"]]
        if pi["polarity"] == "in_band" and pi["band_min"] is not None and pi["band_max"] is not None:
            polarity += f" ({pi['band_min']:g}–{pi['band_max']:g})"
        values = (
            pi["pi_code"],
            pi["title"],
            pi["definition"],
            pi["numerator_definition"],
            pi["denominator_definition"],
            UNIT_IN_WORDS[pi["unit"]],
            _range_text(*_value_range(pi)).removeprefix("a number ").capitalize(),
            polarity,
            codes.FREQUENCY_LABELS[pi["expected_cadence"]],
            BASIS_LABELS[pi["period_basis"]],
            ", ".join(periods[pi["pi_code"]]),
            codes.AGENCY_LABELS[pi["source_agency"]],
            f"{pi['cluster_code']} {cluster_titles.get(pi['cluster_code'], '')}".strip(),
            pi["ni_ref"],
        )
        for column, value in enumerate(values, start=1):
            text_cell(ws, row, column, value).alignment = WRAP
        fit_row(ws, row)
    protect_sheet(ws)
