"""The LSDI-R1 return template: one workbook per borough and year, every figure asked for pre-listed.

The workbook is exactly what docs/return-format.md describes and `parse_return` reads (About,
PI data, Feasibility, Narrative), plus two sheets the pipeline does not read: Instructions and
PI definitions. Every phase-1 PI is listed once for each period its cadence and period basis
require; postponed PIs are not asked for. Sheets are protected without a password: headers,
codes and periods are locked, the cells an officer fills in are not. Pure apart from writing
the one file, which is byte-for-byte reproducible.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lsdi_pipeline import codes
from lsdi_pipeline.periods import Period, expected_periods, financial_year
from lsdi_pipeline.sample.xlsx import make_reproducible

ABOUT, PI_DATA, FEASIBILITY, NARRATIVE = codes.RETURN_SHEETS
INSTRUCTIONS, DEFINITIONS = "Instructions", "PI definitions"

PI_DATA_HEADER = (
    "PI code",
    "Period",
    "Numerator",
    "Denominator",
    "Value",
    "Source agency",
    "Reporting frequency",
    "Note",
)
FEASIBILITY_HEADER = ("PI code", "Can provide", "Main issue", "Comment")
#: `Prompt` is not part of LSDI-R1: the parser keeps it in raw records and otherwise ignores it
NARRATIVE_HEADER = ("Cluster code", "Narrative", "Prompt")
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

CAN_PROVIDE_ANSWERS = ("Yes", "Partially", "No")
MAIN_ISSUE_ANSWERS = ("None", "Reporting cycle", "Data availability", "Data integrity", "Other")
#: unlocked, validated rows left below the pre-listed ones for figures for other periods
SPARE_ROWS = 50

UNIT_LABELS = {
    "percent": "percentage (0–100)",
    "rate_per_1k": "rate per 1,000",
    "rate_per_10k": "rate per 10,000",
    "rate_per_100k": "rate per 100,000",
    "count": "count",
    "days": "days",
    "score": "score",
}
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
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)
_TEXT_FORMAT = "@"  # Excel keeps what an officer types in these cells as text: no dates, no formulas


@dataclass(frozen=True)
class _AskedFor:
    """One pre-listed PI data row: a phase-1 PI and one period it is asked for."""

    pi: dict
    period: Period


def period_text(period: Period) -> str:
    """A period as the template writes it: months as `Apr 2007` (`2007-08` would read as a financial year), else the label."""
    if period.period_type == "month":
        return f"{_MONTH_ABBR[period.start.month - 1]} {period.start.year}"
    return period.label


def write_template(
    path: Path, borough: Mapping, return_year: int, indicators: pd.DataFrame, clusters: pd.DataFrame
) -> Path:
    """Write the LSDI-R1 template of `borough` (a dim_borough row) for the financial year starting in `return_year`."""
    return _write(path, _borough_text(borough), return_year, indicators, clusters)


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
    _write_instructions(workbook.create_sheet(INSTRUCTIONS), borough, return_year)
    _write_about(workbook.create_sheet(ABOUT), borough, return_year)
    _write_pi_data(workbook.create_sheet(PI_DATA), asked)
    _write_feasibility(workbook.create_sheet(FEASIBILITY), phase_1)
    _write_narrative(workbook.create_sheet(NARRATIVE), cluster_rows)
    _write_definitions(workbook.create_sheet(DEFINITIONS), phase_1, asked, clusters)
    workbook.active = 0
    workbook.properties.creator = "lsdi_pipeline"
    workbook.properties.title = (
        f"{codes.TEMPLATE_VERSION} return — {borough['borough_name']} — {financial_year(return_year).label}"
    )
    workbook.save(path)
    make_reproducible(path)
    return path


#: what differs between two boroughs' templates for the same year, as written in the workbook
_BOROUGH_TEXT = ("borough_code", "borough_name", "code_hint")


def _borough_text(borough: Mapping) -> dict[str, str]:
    legacy = borough.get("legacy_code")
    hint = "GSS code" + (
        f"; the legacy ONS code {legacy} is accepted too." if isinstance(legacy, str) and legacy else "."
    )
    return {
        "borough_code": str(borough["borough_code"]),
        "borough_name": str(borough["borough_name"]),
        "code_hint": hint,
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


def _day(date) -> str:
    return f"{date.day} {date:%B %Y}"


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# -- cells ----------------------------------------------------------------------------------------
def _text(ws: Worksheet, row: int, column: int, value: object, *, locked: bool = True):
    """A text cell, stored as text even when it starts with `=` (never a live formula)."""
    cell = ws.cell(row=row, column=column)
    if value is not None:
        cell.value = str(value)
        cell.data_type = "s"
    cell.number_format = _TEXT_FORMAT
    _protect(cell, locked)
    return cell


def _input(ws: Worksheet, row: int, column: int):
    """An empty cell an officer fills in (a number or a date: General format, not text)."""
    cell = ws.cell(row=row, column=column)
    _protect(cell, False)
    return cell


def _protect(cell, locked: bool) -> None:
    if locked:
        cell.fill = _LOCKED_FILL
    else:
        cell.protection = _UNLOCKED


def _header(ws: Worksheet, header: Iterable[str], widths: Iterable[float]) -> None:
    for column, (name, width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = _text(ws, 1, column, name)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"


def _protect_sheet(ws: Worksheet) -> None:
    """Protect the sheet without a password; officers may still resize columns and rows."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _validation(ws: Worksheet, cells: str, **settings) -> DataValidation:
    validation = DataValidation(allow_blank=True, showInputMessage=True, **settings)
    validation.add(cells)
    ws.add_data_validation(validation)
    return validation


def _list_validation(ws: Worksheet, cells: str, choices: Iterable[str], *, title: str, stop: bool) -> DataValidation:
    """A drop-down list. `stop` refuses anything else; otherwise Excel warns and lets the officer keep it."""
    choices = list(choices)
    return _validation(
        ws,
        cells,
        type="list",
        formula1='"' + ",".join(choices) + '"',
        showErrorMessage=True,
        errorStyle="stop" if stop else "warning",
        errorTitle=title[:32],
        error=f"Choose one of: {', '.join(choices)}."[:255],
        promptTitle=title[:32],
        prompt=f"Choose from the list: {', '.join(choices)}."[:255],
    )


def _number_validation(
    ws: Worksheet, cells: str, low: float | None, high: float | None, *, title: str, prompt: str, error: str
) -> DataValidation:
    """A decimal check that warns (never refuses), so `n/a`, `<5` and blanks can still be entered.

    With no bound to check there is only the input message.
    """
    settings: dict = {
        "type": "decimal",
        "showErrorMessage": True,
        "errorStyle": "warning",
        "errorTitle": title[:32],
        "error": error[:255],
        "promptTitle": title[:32],
        "prompt": prompt[:255],
    }
    if low is not None and high is not None:
        settings.update(operator="between", formula1=f"{low:g}", formula2=f"{high:g}")
    elif low is not None:
        settings.update(operator="greaterThanOrEqual", formula1=f"{low:g}")
    elif high is not None:
        settings.update(operator="lessThanOrEqual", formula1=f"{high:g}")
    else:  # no bounds to check: only the input message
        return _validation(ws, cells, promptTitle=title[:32], prompt=prompt[:255])
    return _validation(ws, cells, **settings)


# -- sheets ---------------------------------------------------------------------------------------
def _write_about(ws: Worksheet, borough: Mapping, return_year: int) -> None:
    year = financial_year(return_year)
    fields = (
        ("Template version", codes.TEMPLATE_VERSION, True, "Do not change."),
        ("Borough code", borough["borough_code"], False, borough["code_hint"]),
        ("Borough name", borough["borough_name"], False, "Your authority's name."),
        (
            "Return period",
            year.label,
            True,
            f"The financial year this return covers: {_day(year.start)} to {_day(year.end)}.",
        ),
        ("Submitted on", None, False, "The date you send the return (a date, e.g. 14/04/2008)."),
        ("Submitted by (role)", None, False, "Your role, e.g. LSCB performance officer. Not your name."),
    )
    for row, (name, value, locked, hint) in enumerate(fields, start=1):
        _text(ws, row, 1, name).font = _BOLD
        if value is None:
            _input(ws, row, 2)
        else:
            _text(ws, row, 2, value, locked=locked)
        _text(ws, row, 3, hint).alignment = _WRAP
    submitted_on = ws.cell(row=5, column=2)
    submitted_on.number_format = "yyyy-mm-dd"
    _validation(
        ws,
        submitted_on.coordinate,
        type="date",
        operator="greaterThanOrEqual",
        formula1=f"{to_excel(year.start):g}",
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Submitted on",
        error="Enter the date you send the return, e.g. 14/04/2008.",
        promptTitle="Submitted on",
        prompt="The date you send the return, e.g. 14/04/2008.",
    )
    submitted_by = ws.cell(row=6, column=2)
    submitted_by.number_format = _TEXT_FORMAT
    _validation(
        ws,
        submitted_by.coordinate,
        promptTitle="A role, not a name",
        prompt="Enter your role (e.g. LSCB performance officer), not your name: the return must hold no personal data.",
    )
    for column, width in (("A", 22), ("B", 30), ("C", 70)):
        ws.column_dimensions[column].width = width
    _protect_sheet(ws)


def _write_pi_data(ws: Worksheet, asked: list[_AskedFor]) -> None:
    _header(ws, PI_DATA_HEADER, (10, 14, 13, 13, 11, 26, 20, 50))
    for row, item in enumerate(asked, start=2):
        pi = item.pi
        _text(ws, row, 1, pi["pi_code"])
        _text(ws, row, 2, period_text(item.period))
        for column in (3, 4, 5):
            _input(ws, row, column)
        _text(ws, row, 6, codes.AGENCY_LABELS[pi["source_agency"]], locked=False)
        _text(ws, row, 7, codes.FREQUENCY_LABELS[pi["expected_cadence"]], locked=False)
        _text(ws, row, 8, None, locked=False)
    last_listed = len(asked) + 1
    last = last_listed + SPARE_ROWS
    for row in range(last_listed + 1, last + 1):
        for column in (1, 2, 6, 7, 8):
            _text(ws, row, column, None, locked=False)
        for column in (3, 4, 5):
            _input(ws, row, column)

    _list_validation(ws, f"F2:F{last}", codes.AGENCY_LABELS.values(), title="Source agency", stop=False)
    _list_validation(ws, f"G2:G{last}", codes.FREQUENCY_LABELS.values(), title="Reporting frequency", stop=False)
    _number_validation(
        ws,
        f"C2:D{last}",
        0,
        None,
        title="Numerator / denominator",
        prompt="A whole number of children, cases or events (0 or more). Blank or n/a if not available.",
        error="Numerators and denominators are numbers of 0 or more. Choose Yes to keep n/a or <5; No to correct it.",
    )
    for pi_code, (pi, first, last_of_pi) in _row_spans(asked).items():
        low, high = _value_range(pi)
        _number_validation(
            ws,
            f"E{first}:E{last_of_pi}",
            low,
            high,
            title=f"{pi_code}: {UNIT_LABELS[pi['unit']]}",
            prompt=_value_prompt(pi, low, high),
            error=f"{pi_code} is a {UNIT_LABELS[pi['unit']]}: expected {_range_text(low, high)}. "
            "Choose Yes to keep n/a or <5; No to correct it.",
        )
    _number_validation(
        ws,
        f"E{last_listed + 1}:E{last}",
        None,
        None,
        title="Value",
        prompt="The figure in the PI's unit (see PI definitions); percentages as 0–100. Blank or n/a if not available.",
        error="Enter a number. Choose Yes to keep n/a or <5; No to correct it.",
    )
    _validation(
        ws,
        f"H2:H{last}",
        promptTitle="Note",
        prompt="Explain the figure if needed. No names, dates of birth or other personal data.",
    )
    _protect_sheet(ws)


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
    _header(ws, FEASIBILITY_HEADER, (10, 14, 20, 60))
    for row, pi in enumerate(phase_1, start=2):
        _text(ws, row, 1, pi["pi_code"])
        _text(ws, row, 2, None, locked=False)
        _text(ws, row, 3, None, locked=False)
        _text(ws, row, 4, None, locked=False).alignment = _WRAP
    last = len(phase_1) + 1
    _list_validation(ws, f"B2:B{last}", CAN_PROVIDE_ANSWERS, title="Can provide", stop=True)
    _list_validation(ws, f"C2:C{last}", MAIN_ISSUE_ANSWERS, title="Main issue", stop=True)
    _validation(
        ws,
        f"D2:D{last}",
        promptTitle="Comment",
        prompt="What would make this PI possible or better? No names or other personal data.",
    )
    _protect_sheet(ws)


def _write_narrative(ws: Worksheet, cluster_rows: list[dict]) -> None:
    _header(ws, NARRATIVE_HEADER, (13, 80, 60))
    for row, cluster in enumerate(cluster_rows, start=2):
        _text(ws, row, 1, cluster["cluster_code"])
        _text(ws, row, 2, None, locked=False).alignment = _WRAP
        _text(ws, row, 3, f"{cluster['title']}: {cluster['narrative_prompt']}").alignment = _WRAP
        ws.row_dimensions[row].height = 90
    _validation(
        ws,
        f"B2:B{len(cluster_rows) + 1}",
        promptTitle="Narrative",
        prompt="Answer the prompt in column C. Describe services and trends, not individual children: "
        "no names, dates of birth or other personal data.",
    )
    _protect_sheet(ws)


def _write_definitions(ws: Worksheet, phase_1: list[dict], asked: list[_AskedFor], clusters: pd.DataFrame) -> None:
    _header(ws, DEFINITIONS_HEADER, (10, 40, 60, 40, 40, 18, 14, 24, 12, 24, 40, 24, 30, 10))
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
            UNIT_LABELS[pi["unit"]],
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
            _text(ws, row, column, value).alignment = _WRAP
    _protect_sheet(ws)


def _write_instructions(ws: Worksheet, borough: Mapping, return_year: int) -> None:
    year = financial_year(return_year)
    months, quarter = period_text(expected_periods(return_year, "monthly", "financial_year")[0]), f"{year.label} Q1"
    lines = [
        (
            f"London Datasets Initiative — safeguarding performance return {year.label} — {borough['borough_name']}",
            "title",
        ),
        (
            f"This workbook is the {codes.TEMPLATE_VERSION} return for {year.label} ({_day(year.start)} to "
            f"{_day(year.end)}). Fill it in and send it back as an Excel workbook (.xlsx).",
            None,
        ),
        ("The sheets", "heading"),
        (
            "About — check the borough and return period; enter the date you send the return in 'Submitted on' and your role "
            "(not your name) in 'Submitted by (role)'.",
            None,
        ),
        (
            "PI data — one row per PI per period, already listed. Fill in Numerator, Denominator and Value for every row.",
            None,
        ),
        ("Feasibility — one row per PI: can you provide it (Yes, Partially, No), the main issue, and a comment.", None),
        ("Narrative — one row per cluster of PIs: answer the prompt in column C in the Narrative column.", None),
        ("PI definitions — what each PI measures, its unit and the periods asked for. For reference only.", None),
        ("Filling in figures", "heading"),
        (
            f"Periods are listed for you: months as {months}, quarters of the financial year as {quarter} (Q1 = April–June), "
            f"the financial year as {year.label}, a calendar year as {return_year}, and counts on a date as "
            f"{year.end.isoformat()} (the figure on that day). Do not change them.",
            None,
        ),
        (
            "Percentages: enter a plain number from 0 to 100 — 45 means 45%. Do not enter 0.45 and do not format the cell "
            "as a percentage.",
            None,
        ),
        (
            "Rates and percentages: give the Numerator and Denominator whenever the PI has them (see PI definitions). "
            "The Value must equal numerator ÷ denominator in the PI's unit (× 100 for a percentage, × 10,000 for a rate "
            "per 10,000). If you leave Value blank, it is calculated from them.",
            None,
        ),
        (
            "Not available: write n/a in the Value cell (a blank cell means the same) and say why in the Note column "
            "and on the Feasibility sheet.",
            None,
        ),
        (
            "Small numbers: please send the true figures — the pipeline suppresses small numbers itself before anything is "
            "published or shared. If your agency's rules require you to suppress, write <5 instead of the figure.",
            None,
        ),
        (
            "Numbers only in Numerator, Denominator and Value: no words such as TBC, and no formulas (paste figures as "
            "values). If a figure is an estimate, give the number and say so in the Note column.",
            None,
        ),
        (
            "Excel warns when a figure looks wrong (for example a percentage above 100). Choose Yes to keep n/a or <5; "
            "otherwise choose No and correct the figure.",
            None,
        ),
        (
            "Source agency and Reporting frequency are filled in from the PI catalogue. Change the agency only if another "
            "agency supplied the figure; choose from the drop-down lists.",
            None,
        ),
        (
            "One row per PI per period. If you can only give a PI for other periods than those listed (for example a "
            "year instead of quarters), write n/a in the listed rows and add your figures in the empty rows at the bottom "
            "of the PI data sheet, with the Period and Reporting frequency they are for.",
            None,
        ),
        (
            "Corrections: send the whole return again with every figure, not only the corrected ones — a blank row in the "
            "latest return counts as 'not provided' and replaces the figure sent before.",
            None,
        ),
        ("Keep the layout", "heading"),
        (
            "Do not rename, delete or hide the sheets About, PI data, Feasibility and Narrative, and do not change their "
            "header rows (row 1). Do not merge cells. You may add sheets of your own workings: they are not read.",
            None,
        ),
        (
            "The sheets are protected, without a password, so that headers, PI codes and periods are not changed by "
            "accident. The cells you fill in are not locked.",
            None,
        ),
        ("Personal data", "heading"),
        (
            "This is an aggregate return. Do not write names, dates of birth, NHS numbers, pupil numbers, addresses or "
            "postcodes in notes, comments or narratives: describe services and trends, not individual children.",
            None,
        ),
        ("'Submitted by (role)' is a role, such as LSCB performance officer, not a person's name.", None),
    ]
    ws.column_dimensions["A"].width = 110
    for row, (line, kind) in enumerate(lines, start=1):
        cell = _text(ws, row, 1, line)
        cell.fill = PatternFill()
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = Font(bold=True, size=14)
        elif kind == "heading":
            cell.font = _BOLD
    _protect_sheet(ws)
