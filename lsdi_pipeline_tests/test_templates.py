"""The LSDI-R1 template: what it asks for, how it guards its layout, and that the real parser reads it back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lsdi_pipeline import codes, reference
from lsdi_pipeline.periods import expected_periods
from lsdi_pipeline.returns.format import LSDI_R1
from lsdi_pipeline.templates.workbook import template_file_name, write_template, write_templates
from lsdi_pipeline_tests.returns_builder import RAW_DIR, parse

RETURN_YEAR = 2007
BARNET = "E09000003"


@pytest.fixture(scope="module")
def clusters() -> pd.DataFrame:
    return reference.read_clusters(RAW_DIR)


@pytest.fixture(scope="module")
def indicators(clusters) -> pd.DataFrame:
    return reference.read_indicators(RAW_DIR, clusters)


@pytest.fixture(scope="module")
def boroughs() -> pd.DataFrame:
    return reference.read_boroughs(RAW_DIR, reference.read_pilot(RAW_DIR))


@pytest.fixture
def template(tmp_path, boroughs, indicators, clusters):
    borough = boroughs.set_index("borough_code", drop=False).loc[BARNET]
    return write_template(tmp_path / "template.xlsx", borough, RETURN_YEAR, indicators, clusters)


@dataclass(frozen=True)
class Asked:
    pi: dict
    period_label: str


def asked_for(indicators: pd.DataFrame) -> list[Asked]:
    """What the template must pre-list, from the catalogue and the period grammar: phase-1 PIs in catalogue order."""
    phase_1 = indicators[indicators["status"] == "phase_1"].astype(object).where(indicators.notna(), None)
    return [
        Asked(pi, period.label)
        for pi in phase_1.to_dict("records")
        for period in expected_periods(RETURN_YEAR, pi["expected_cadence"], pi["period_basis"])
    ]


def validations_at(ws, coordinate: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def the_validation_at(ws, coordinate: str):
    found = validations_at(ws, coordinate)
    assert len(found) == 1, f"{ws.title}!{coordinate} has {len(found)} validations"
    return found[0]


# -- what the workbook holds ---------------------------------------------------------------------
def test_the_template_has_the_four_return_sheets_and_two_sheets_the_parser_ignores(template):
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Instructions", "About", "PI data", "Feasibility", "Narrative", "PI definitions"]
    assert set(LSDI_R1.sheet_names) <= set(book.sheetnames)
    assert parse(template).submission["ignored_sheets"] == "Instructions;PI definitions"


def test_the_about_sheet_names_the_borough_version_and_year_and_leaves_submission_to_the_officer(template):
    about = openpyxl.load_workbook(template)["About"]
    fields = {about.cell(row, 1).value: about.cell(row, 2) for row in range(1, about.max_row + 1)}
    assert list(fields) == [
        "Template version",
        "Borough code",
        "Borough name",
        "Return period",
        "Submitted on",
        "Submitted by (role)",
    ]
    assert [fields[f].value for f in ("Template version", "Borough code", "Borough name", "Return period")] == [
        "LSDI-R1",
        BARNET,
        "Barnet",
        "2007/08",
    ]
    submitted_on, submitted_by = fields["Submitted on"], fields["Submitted by (role)"]
    assert submitted_on.value is None and submitted_on.is_date
    assert the_validation_at(about, submitted_on.coordinate).type == "date"
    assert submitted_by.value is None
    assert "not your name" in the_validation_at(about, submitted_by.coordinate).prompt


def test_headers_are_exactly_the_formats(template):
    book = openpyxl.load_workbook(template)

    def header(name):
        return [c.value for c in book[name][1] if c.value is not None]

    assert header("PI data") == [
        "PI code",
        "Period",
        "Numerator",
        "Denominator",
        "Value",
        "Source agency",
        "Reporting frequency",
        "Note",
    ]
    assert header("Feasibility") == ["PI code", "Can provide", "Main issue", "Comment"]
    assert header("Narrative")[:2] == ["Cluster code", "Narrative"]
    for name in ("PI data", "Feasibility", "Narrative", "PI definitions"):
        assert book[name].freeze_panes == "A2"
        assert all(c.font.bold for c in book[name][1] if c.value is not None)


def test_every_phase_1_pi_is_listed_once_for_each_period_it_is_asked_for_and_postponed_pis_not_at_all(
    template, indicators
):
    pi_data = openpyxl.load_workbook(template)["PI data"]
    listed = [(row[0].value, row[1].value) for row in pi_data.iter_rows(min_row=2) if row[0].value is not None]
    asked = asked_for(indicators)
    assert [code for code, _ in listed] == [a.pi["pi_code"] for a in asked]
    assert len(set(listed)) == len(listed)
    postponed = set(indicators.loc[indicators["status"] == "postponed", "pi_code"])
    assert postponed and not postponed & {code for code, _ in listed}
    parsed = parse(template)
    assert sorted((f["pi_code"], f["period"]) for f in parsed.pi_values) == sorted(
        (a.pi["pi_code"], a.period_label) for a in asked
    )


def test_periods_codes_and_labels_are_written_as_text_in_forms_the_parser_reads_without_a_warning(template, indicators):
    pi_data = openpyxl.load_workbook(template)["PI data"]
    rows = {(r[0].value, r[1].value): r for r in pi_data.iter_rows(min_row=2) if r[0].value is not None}
    # a month as Apr 2007: 2007-08 would be read as the financial year 2007/08 and warned about
    assert ("L01", "Aug 2007") in rows and ("L01", "Apr 2007") in rows
    assert ("L03", "2008-03-31") in rows and ("L03", "2007-06-30") in rows  # quarterly snapshots
    assert ("NI59", "2007/08 Q3") in rows and ("NI64", "2007/08") in rows
    assert ("NI112", "2007") in rows  # the calendar year, as text
    for row in rows.values():
        assert all(c.data_type == "s" for c in (row[0], row[1], row[5], row[6]))
    first = rows[("L01", "Apr 2007")]
    assert (first[5].value, first[6].value) == ("Children's social care", "Monthly")
    assert rows[("NI111", "2007/08 Q1")][5].value == "Youth offending service"
    assert {i["check_name"] for i in parse(template).issues} == {"pi_not_provided"}


def test_feasibility_lists_each_phase_1_pi_and_narrative_each_cluster_that_has_one(template, indicators, clusters):
    book = openpyxl.load_workbook(template)
    phase_1 = indicators[indicators["status"] == "phase_1"]
    assert [r[0].value for r in book["Feasibility"].iter_rows(min_row=2)] == list(phase_1["pi_code"])
    narrative = [(r[0].value, r[2].value) for r in book["Narrative"].iter_rows(min_row=2)]
    with_phase_1 = clusters[clusters["cluster_code"].isin(phase_1["cluster_code"])]
    assert [code for code, _ in narrative] == list(with_phase_1["cluster_code"])
    assert all(prompt.endswith(p) for (_, prompt), p in zip(narrative, with_phase_1["narrative_prompt"]))
    assert book["Narrative"]["C1"].value == "Prompt"


def test_pi_definitions_describe_only_the_pis_asked_for(template, indicators):
    sheet = openpyxl.load_workbook(template)["PI definitions"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    assert [r["PI code"] for r in rows] == list(indicators.loc[indicators["status"] == "phase_1", "pi_code"])
    ni59 = next(r for r in rows if r["PI code"] == "NI59")
    assert ni59["Unit"] == "percentage (0–100)" and ni59["Polarity"] == "Higher is better"
    assert ni59["Expected frequency"] == "Quarterly" and ni59["Source agency"] == "Children's social care"
    assert ni59["Numerator"].startswith("Initial assessments completed") and ni59["Definition"]
    assert next(r for r in rows if r["PI code"] == "NI65")["Polarity"] == "Best within a band (10–15)"


def test_the_instructions_say_how_to_fill_in_what_the_parser_expects(template):
    sheet = openpyxl.load_workbook(template)["Instructions"]
    text = " ".join(c.value for c in sheet["A"] if c.value)
    for point in (
        "45 means 45%",
        "n/a",
        "<5",
        "true figures",
        "One row per PI per period",
        "Do not rename",
        "header rows",
        "not a person's name",
        "dates of birth",
        "Apr 2007",
        "2007/08 Q1",
        "2008-03-31",
    ):
        assert point in text, point


def test_catalogue_text_starting_with_equals_is_written_as_text_not_as_a_formula(
    tmp_path, boroughs, indicators, clusters
):
    formula = '=HYPERLINK("http://example.invalid","x")'
    indicators = indicators.assign(definition=indicators["definition"].where(indicators["pi_code"] != "NI59", formula))
    borough = boroughs[boroughs["borough_code"] == BARNET].iloc[0]
    path = write_template(tmp_path / "template.xlsx", borough, RETURN_YEAR, indicators, clusters)
    sheet = openpyxl.load_workbook(path)["PI definitions"]
    cell = next(r[2] for r in sheet.iter_rows(min_row=2) if r[0].value == "NI59")
    assert (cell.value, cell.data_type) == (formula, "s")


# -- drop-downs, number checks and protection -----------------------------------------------------
def test_drop_down_lists_sit_on_the_agency_frequency_and_feasibility_columns(template):
    book = openpyxl.load_workbook(template)
    pi_data, feasibility = book["PI data"], book["Feasibility"]
    agency = the_validation_at(pi_data, "F2")
    assert agency.type == "list" and all(label in agency.formula1 for label in codes.AGENCY_LABELS.values())
    assert the_validation_at(pi_data, "G2").formula1 == '"Monthly,Quarterly,Annual"'
    assert the_validation_at(feasibility, "B2").formula1 == '"Yes,Partially,No"'
    assert (
        the_validation_at(feasibility, "C2").formula1 == '"None,Reporting cycle,Data availability,Data integrity,Other"'
    )
    # feasibility answers outside the list lose the row, so Excel refuses them; agency and frequency only warn
    assert the_validation_at(feasibility, "B2").errorStyle == "stop"
    assert agency.errorStyle == "warning"
    # the parser's answer lists are what the drop-downs offer
    can_provide, main_issue = (LSDI_R1.feasibility.column(name) for name in ("can_provide", "main_issue"))
    offered = the_validation_at(feasibility, "B2").formula1.strip('"').split(",")
    assert {can_provide.answer(a) for a in offered} == set(codes.CAN_PROVIDE.values())
    offered = the_validation_at(feasibility, "C2").formula1.strip('"').split(",")
    assert {main_issue.answer(a) for a in offered} == set(codes.MAIN_ISSUES.values())


def test_numbers_are_checked_against_each_pis_range_but_only_warn_so_markers_can_be_typed(template):
    pi_data = openpyxl.load_workbook(template)["PI data"]
    row_of = {(r[0].value, r[1].value): r[0].row for r in pi_data.iter_rows(min_row=2) if r[0].value is not None}
    percent = the_validation_at(pi_data, f"E{row_of[('NI59', '2007/08 Q1')]}")
    assert (percent.type, percent.operator, percent.formula1, percent.formula2) == ("decimal", "between", "0", "100")
    rate = the_validation_at(pi_data, f"E{row_of[('L03', '2008-03-31')]}")
    assert (rate.formula1, rate.formula2) == ("0", "500")
    score = the_validation_at(pi_data, f"E{row_of[('NI51', '2007/08')]}")
    assert (score.formula1, score.formula2) == ("4", "16")
    counts = the_validation_at(pi_data, "C2")
    assert counts is the_validation_at(pi_data, "D2")
    assert (counts.type, counts.operator, counts.formula1) == ("decimal", "greaterThanOrEqual", "0")
    for dv in (percent, rate, score, counts):
        assert dv.allow_blank and dv.showErrorMessage and dv.errorStyle == "warning"
    assert "45 means 45%" in percent.prompt
    assert all(c.number_format == "General" for c in pi_data["E"][1:])  # no percent format: 45 is 45%


def test_headers_codes_and_periods_are_locked_and_the_cells_to_fill_in_are_not(template):
    book = openpyxl.load_workbook(template)
    for ws in book.worksheets:
        assert ws.protection.sheet and ws.protection.password is None, ws.title
    pi_data = book["PI data"]
    assert all(c.protection.locked for c in pi_data[1])
    assert pi_data["A2"].protection.locked and pi_data["B2"].protection.locked
    assert not any(pi_data.cell(2, col).protection.locked for col in range(3, 9))
    spare = pi_data.max_row  # rows below the pre-listed ones, for figures for other periods
    assert pi_data.cell(spare, 1).value is None and not pi_data.cell(spare, 1).protection.locked
    about = book["About"]
    assert all(about.cell(row, 1).protection.locked for row in range(1, 7))
    assert about["B1"].protection.locked and about["B4"].protection.locked  # template version and return period
    assert not any(about[ref].protection.locked for ref in ("B2", "B3", "B5", "B6"))
    feasibility, narrative = book["Feasibility"], book["Narrative"]
    assert feasibility["A2"].protection.locked and not feasibility["B2"].protection.locked
    assert (
        narrative["A2"].protection.locked
        and narrative["C2"].protection.locked
        and not narrative["B2"].protection.locked
    )
    assert narrative["B2"].number_format == "@"  # typed text stays text, even text starting with =


# -- filled in and read back ----------------------------------------------------------------------
def officer_figures(asked: Asked, row: int) -> tuple[object, object, object]:
    """Numerator, denominator and value an officer would type for this row, consistent with each other."""
    unit = asked.pi["unit"]
    if unit == "percent":
        denominator = 40 + row
        numerator = denominator // 2 + row % 7
        return numerator, denominator, round(numerator / denominator * 100, 1)
    if unit in codes.UNIT_SCALE:
        numerator, denominator = 300 + row, 60_000
        return numerator, denominator, round(numerator / denominator * codes.UNIT_SCALE[unit], 2)
    if unit == "score":
        return None, None, 12
    return None, None, 100 + row


def test_a_filled_in_template_is_read_back_exactly_as_typed(template, indicators, clusters):
    asked = asked_for(indicators)
    book = openpyxl.load_workbook(template)
    about, pi_data = book["About"], book["PI data"]
    about["B2"] = None  # the code cleared: the name identifies the borough
    about["B5"] = dt.datetime(2008, 4, 14)
    about["B6"] = "LSCB performance officer"
    expected = {}
    markers = {5: ("n/a", "not_provided"), 9: ("N/A", "not_provided"), 20: ("<5", "suppressed")}
    first_percent = next(
        row for row, a in enumerate(asked, start=2) if a.pi["unit"] == "percent" and row not in markers
    )
    for row, item in enumerate(asked, start=2):
        assert pi_data.cell(row, 1).value == item.pi["pi_code"]
        numerator, denominator, value = officer_figures(item, row)
        status = "reported"
        typed = value
        if row in markers:
            typed, status = markers[row]
            value = None
        elif row == 2:  # L01, a count, typed as text with a thousands separator
            typed, value = "1,204", 1204
        elif row == first_percent:
            numerator = denominator = None
            typed, value = "45%", 45
        for column, cell_value in ((3, numerator), (4, denominator), (5, typed)):
            pi_data.cell(row, column).value = cell_value
        expected[row] = (item.pi["pi_code"], item.period_label, value, status, numerator, denominator)
    feasibility = book["Feasibility"]
    answers = {
        2: ("Yes", "None", "yes", "none"),
        3: ("Partially", "Data availability", "partially", "data_availability"),
        4: ("No", "Reporting cycle", "no", "reporting_cycle"),
    }
    for row, (can, issue, _, _) in answers.items():
        feasibility.cell(row, 2).value, feasibility.cell(row, 3).value = can, issue
    feasibility["D3"] = "Health partner data arrive a quarter late."
    narrative = book["Narrative"]
    written = {}
    for row in range(2, narrative.max_row + 1):
        written[narrative.cell(row, 1).value] = narrative.cell(row, 2).value = (
            f"Referral volumes were stable over the year ({row})."
        )
    book.save(template)

    parsed = parse(template)
    assert parsed.status in codes.LOADED_STATUSES
    assert parsed.submission["borough_code"] == BARNET
    assert parsed.submission["submitted_on"] == dt.date(2008, 4, 14)
    assert [i for i in parsed.issues if i["severity"] == "error"] == []
    assert {i["check_name"] for i in parsed.issues} == {"pi_not_provided", "pi_suppressed"}
    assert parsed.rejected_rows == []
    assert len(parsed.pi_values) == len(asked)
    facts = {
        f["row_number"]: (f["pi_code"], f["period"], f["value"], f["value_status"], f["numerator"], f["denominator"])
        for f in parsed.pi_values
    }
    assert facts == expected
    assert all(f["quality_status"] == "ok" for f in parsed.figures)
    loaded = {f["row_number"]: (f["can_provide"], f["main_issue"]) for f in parsed.feasibility}
    assert len(loaded) == len(set(indicators.loc[indicators["status"] == "phase_1", "pi_code"]))
    assert {row: loaded[row] for row in answers} == {row: (a[2], a[3]) for row, a in answers.items()}
    assert {n["cluster_code"]: n["narrative"] for n in parsed.narratives} == written


def test_a_badly_filled_template_is_reported_cell_by_cell(template):
    book = openpyxl.load_workbook(template)
    pi_data, narrative = book["PI data"], book["Narrative"]
    row_of = {(r[0].value, r[1].value): r[0].row for r in pi_data.iter_rows(min_row=2) if r[0].value is not None}
    over_100, swapped, tbc = (
        row_of[("NI59", "2007/08 Q1")],
        row_of[("NI60", "2007/08 Q2")],
        row_of[("L02", "2007/08 Q3")],
    )
    pi_data.cell(over_100, 5).value = 140
    pi_data.cell(swapped, 3).value, pi_data.cell(swapped, 4).value = 30, 20
    pi_data.cell(tbc, 5).value = "TBC"
    added = max(row_of.values()) + 1
    for column, value in ((1, "NI999"), (2, "2007/08"), (5, 12), (7, "Annual")):
        pi_data.cell(added, column).value = value
    hyperlink = '=HYPERLINK("http://example.invalid","x")'
    narrative["B2"] = hyperlink
    narrative["B2"].data_type = "s"  # what Excel stores when typed into the template's text-formatted cell
    book.save(template)

    parsed = parse(template)
    assert parsed.status == "accepted_with_issues"
    found = {(i["check_name"], i["sheet"], i["cell_ref"]) for i in parsed.issues}
    assert ("percent_out_of_range", "PI data", f"E{over_100}") in found
    assert ("numerator_exceeds_denominator", "PI data", f"C{swapped}") in found
    assert ("value_unreadable", "PI data", f"E{tbc}") in found
    assert ("pi_code_unknown", "PI data", f"A{added}") in found
    tbc_issue = next(i for i in parsed.issues if i["check_name"] == "value_unreadable")
    assert tbc_issue["value_found"] == "TBC" and tbc_issue["severity"] == "error"
    assert sorted(r["row_number"] for r in parsed.rejected_rows) == sorted([tbc, added])
    # a narrative is stored exactly as written; it is made safe wherever the pipeline writes it out again
    assert next(n for n in parsed.narratives if n["row_number"] == 2)["narrative"] == hyperlink


def test_a_narrative_entered_as_a_live_formula_is_reported(template):
    book = openpyxl.load_workbook(template)
    book["Narrative"]["B2"] = '=HYPERLINK("http://example.invalid","x")'  # a live formula, pasted over the text format
    book.save(template)
    parsed = parse(template)
    assert any(
        i["sheet"] == "Narrative" and i["cell_ref"] == "B2" and i["check_name"] == "formula_cell" for i in parsed.issues
    )


# -- every pilot borough --------------------------------------------------------------------------
def test_a_template_is_written_for_every_pilot_borough(tmp_path, boroughs, indicators, clusters):
    pilots = boroughs[boroughs["is_pilot"]]
    assert len(pilots) == len(reference.read_pilot(RAW_DIR))
    for borough in pilots.to_dict("records"):
        path = write_template(tmp_path / f"{borough['borough_code']}.xlsx", borough, RETURN_YEAR, indicators, clusters)
        parsed = parse(path)
        assert parsed.submission["borough_code"] == borough["borough_code"]
        assert parsed.submission["return_period"] == "2007/08"
        assert {i["check_name"] for i in parsed.issues} == {"pi_not_provided"}


def test_the_same_template_is_written_byte_for_byte_each_time(tmp_path, boroughs, indicators, clusters):
    borough = boroughs[boroughs["borough_code"] == BARNET].iloc[0]
    first = write_template(tmp_path / "first.xlsx", borough, RETURN_YEAR, indicators, clusters)
    second = write_template(tmp_path / "second.xlsx", borough, RETURN_YEAR, indicators, clusters)
    assert first.read_bytes() == second.read_bytes()


def test_many_templates_written_together_are_the_same_files_as_written_one_by_one(
    tmp_path, boroughs, indicators, clusters
):
    chosen = boroughs[boroughs["is_pilot"]].head(3).to_dict("records")
    assert any(isinstance(b["legacy_code"], str) and b["legacy_code"] for b in chosen)
    # a name with characters XML escapes, and a borough known by its GSS code alone
    chosen.append(
        {**chosen[0], "borough_code": "E09000099", "borough_name": "Barking & <Dagenham>", "legacy_code": None}
    )
    together = write_templates(
        [(tmp_path / f"together_{b['borough_code']}.xlsx", b) for b in chosen], RETURN_YEAR, indicators, clusters
    )
    for borough, path in zip(chosen, together):
        alone = write_template(
            tmp_path / f"alone_{borough['borough_code']}.xlsx", borough, RETURN_YEAR, indicators, clusters
        )
        assert path.read_bytes() == alone.read_bytes(), borough["borough_name"]
    about = {row[0]: row[1] for row in openpyxl.load_workbook(together[-1])["About"].iter_rows(values_only=True)}
    assert about["Borough name"] == "Barking & <Dagenham>" and about["Borough code"] == "E09000099"
    assert write_templates([], RETURN_YEAR, indicators, clusters) == []


# -- how it looks and prints ----------------------------------------------------------------------
def test_every_sheet_prints_landscape_one_page_wide_with_its_header_rows_and_a_footer_naming_the_return(template):
    book = openpyxl.load_workbook(template)
    for ws in book.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_area == f"'{ws.title}'!$A$1:${openpyxl.utils.get_column_letter(ws.max_column)}${ws.max_row}"
        assert ws.oddFooter.left.text == "Barnet — LSDI-R1 return 2007/08", ws.title
        assert ws.oddFooter.right.text == "Page &P of &N" and ws.oddFooter.center.text == "&A"
        # a table's header row on every page; About is a six-row form
        assert ws.print_title_rows == (None if ws.title == "About" else "$1:$1"), ws.title


def test_an_ampersand_in_a_borough_name_is_printed_as_itself_in_the_footer(tmp_path, boroughs, indicators, clusters):
    borough = {**boroughs[boroughs["borough_code"] == BARNET].iloc[0].to_dict(), "borough_name": "Barking & Dagenham"}
    path = write_template(tmp_path / "template.xlsx", borough, RETURN_YEAR, indicators, clusters)
    footer = openpyxl.load_workbook(path)["PI data"].oddFooter.left.text
    assert footer == "Barking && Dagenham — LSDI-R1 return 2007/08"  # && is how a footer writes one &


def test_every_cell_of_the_form_is_arial_headers_stand_out_and_the_cells_to_fill_in_are_shaded(template):
    book = openpyxl.load_workbook(template)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.has_style:
                    assert cell.font.name == "Arial" and cell.font.sz >= 10, (ws.title, cell.coordinate)
                    shaded = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
                    # shaded yellow exactly when the officer fills the cell in
                    if cell.row > 1 or ws.title in ("About", "Instructions"):
                        assert (shaded == "00FFF2CC") == (not cell.protection.locked), (ws.title, cell.coordinate)
        if ws.title not in ("About", "Instructions"):
            header = [c for c in ws[1] if c.value is not None]
            assert all(c.font.b and c.fill.fgColor.rgb == "00BDD7EE" for c in header), ws.title
    instructions = book["Instructions"]
    assert instructions["A1"].font.sz == 14 and instructions["A1"].font.b
    pi_data = book["PI data"]
    assert pi_data["C2"].fill.fgColor.rgb == "00FFF2CC" and pi_data["A2"].fill.fill_type is None


def wrapped_lines_drawn(text: str, width_chars: float, chars_per_width: float) -> int:
    """A plain greedy word wrap, `chars_per_width` average characters to a unit of column width."""
    room, lines, used = width_chars * chars_per_width, 0, 0
    for paragraph in text.split("\n"):
        lines, used = lines + 1, 0
        for word in paragraph.split(" "):
            if used and used + 1 + len(word) > room:
                lines, used = lines + 1, len(word)
            else:
                used += (1 if used else 0) + len(word)
    return lines


def test_rows_of_wrapped_text_are_tall_enough_for_every_line(template):
    """Each wrapped cell's row holds at least as many lines as a word wrap of its text needs even at 1.3 characters
    a unit of column width (Arial's lower-case text runs at about 1.2): nothing is clipped when the file opens."""
    book = openpyxl.load_workbook(template)
    checked = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
                    continue
                width = ws.column_dimensions[cell.column_letter].width
                lines = wrapped_lines_drawn(cell.value, width, 1.3)
                height = ws.row_dimensions[cell.row].height
                if lines > 1:
                    assert height is not None, (ws.title, cell.coordinate, cell.value)
                    assert height >= lines * cell.font.sz * 1.2, (ws.title, cell.coordinate, lines, height)
                    checked += 1
    assert checked > 60  # instructions, About hints, Narrative prompts and PI definitions
    paragraphs = sorted((len(c.value), c.row) for c in book["Instructions"]["A"][1:])
    height = book["Instructions"].row_dimensions
    longest, middling = paragraphs[-1][1], paragraphs[len(paragraphs) // 2][1]
    assert (height[longest].height or 0) > (height[middling].height or 15)
    assert height[paragraphs[0][1]].height is None or height[paragraphs[0][1]].height <= 24  # one line, or a heading


def test_libreoffice_prints_each_sheet_on_its_own_pages_with_the_header_row_repeated(template, tmp_path):
    import shutil
    import subprocess

    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip("LibreOffice and poppler-utils are not installed")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(template)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = subprocess.run(
        [pdftotext, "-layout", str(tmp_path / "template.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    book = openpyxl.load_workbook(template)
    sheet_of_page = []
    for number, page in enumerate(pages, start=1):
        footer = [line for line in page.splitlines() if "Barnet — LSDI-R1 return 2007/08" in line]
        assert len(footer) == 1, page[-300:]
        assert f"Page {number} of {len(pages)}" in footer[0]
        sheet_of_page.append(next(name for name in reversed(book.sheetnames) if name in footer[0]))
    # every sheet printed, in order, each on pages of its own
    assert list(dict.fromkeys(sheet_of_page)) == book.sheetnames
    assert sheet_of_page == sorted(sheet_of_page, key=book.sheetnames.index)
    # short sheets fit one page; PI data needs a page for about every 40 of its rows, and each repeats its header
    count = {name: sheet_of_page.count(name) for name in book.sheetnames}
    assert count["About"] == count["Feasibility"] == 1 and count["Instructions"] <= 2
    rows = book["PI data"].max_row
    assert rows / 45 <= count["PI data"] <= rows / 30 + 1
    for page, name in zip(pages, sheet_of_page):
        if name == "PI data":
            assert "PI code" in page and "Reporting frequency" in page
    assert len(pages) == sum(count.values())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Barnet", "Barnet_E09000003_LSDI-R1_2007-08.xlsx"),
        ("Barking & Dagenham", "Barking_and_Dagenham_E09000003_LSDI-R1_2007-08.xlsx"),
        ("King's Lynn and West Norfolk", "Kings_Lynn_and_West_Norfolk_E09000003_LSDI-R1_2007-08.xlsx"),
        ("Bristol, City of", "Bristol_City_of_E09000003_LSDI-R1_2007-08.xlsx"),
        ("Ynys Môn / Anglesey", "Ynys_Mon_Anglesey_E09000003_LSDI-R1_2007-08.xlsx"),
        ('<>:"|?*', "E09000003_LSDI-R1_2007-08.xlsx"),
    ],
)
def test_a_template_file_is_named_after_the_borough_in_characters_every_file_system_takes(name, expected):
    assert template_file_name(BARNET, name, RETURN_YEAR) == expected


# -- `lsdi template` ------------------------------------------------------------------------------
def lsdi_template(capsys, *output: str, borough: str = "Barnet", period: str = "2007/08") -> tuple[int, str, str]:
    from lsdi_pipeline import cli

    code = cli.main(["template", "--borough", borough, "--period", period, *(("--output", *output) if output else ())])
    done = capsys.readouterr()
    return code, done.out, done.err


def one_clear_line(code: int, err: str, *expected: str) -> str:
    assert code == 2 and "Traceback" not in err
    [line] = err.splitlines()
    assert line.startswith("lsdi template: ") and all(text in line for text in expected), line
    return line


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A folder outside the project, with no LSDI_RAW_DIR set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LSDI_RAW_DIR", raising=False)
    return tmp_path


def test_lsdi_template_outside_the_project_says_where_it_looked_in_one_line(elsewhere, capsys):
    code, _, err = lsdi_template(capsys, "barnet.xlsx")
    one_clear_line(code, err, "'data/raw'", "LSDI_RAW_DIR", "--raw-dir")
    assert not (elsewhere / "barnet.xlsx").exists()


def test_lsdi_template_reads_the_raw_folder_lsdi_raw_dir_names(elsewhere, capsys, monkeypatch):
    monkeypatch.setenv("LSDI_RAW_DIR", str(RAW_DIR.resolve()))
    code, out, err = lsdi_template(capsys, "barnet.xlsx")
    assert (code, err) == (0, "")
    assert out.strip() == "wrote the 2007/08 LSDI-R1 template for Barnet to barnet.xlsx"
    assert parse(elsewhere / "barnet.xlsx").submission["borough_code"] == BARNET


@pytest.mark.parametrize("output", ["templates/", "templates/2007-08/", "existing"])
def test_lsdi_template_writes_into_a_folder_under_the_standard_name_creating_it(elsewhere, capsys, monkeypatch, output):
    monkeypatch.setenv("LSDI_RAW_DIR", str(RAW_DIR.resolve()))
    (elsewhere / "existing").mkdir()
    code, out, err = lsdi_template(capsys, output)
    assert (code, err) == (0, "")
    written = elsewhere / output / "Barnet_E09000003_LSDI-R1_2007-08.xlsx"
    assert written.is_file() and str(Path(output) / written.name) in out
    code, _, _ = lsdi_template(capsys, f"{output.rstrip('/')}/deeper/barnet.xlsx")  # a file's folder is created too
    assert code == 0 and (elsewhere / output / "deeper" / "barnet.xlsx").is_file()


def test_lsdi_template_reports_an_output_it_cannot_write_in_one_line(elsewhere, capsys, monkeypatch):
    monkeypatch.setenv("LSDI_RAW_DIR", str(RAW_DIR.resolve()))
    (elsewhere / "notes.txt").write_text("a file, not a folder")
    one_clear_line(*lsdi_template(capsys, "notes.txt/")[::2], "'notes.txt/'", "is a file, not a folder")
    one_clear_line(*lsdi_template(capsys, "notes.txt/barnet.xlsx")[::2], "'notes.txt' is a file, not a folder")
    one_clear_line(*lsdi_template(capsys, "barnet")[::2], "'barnet'", ".xlsx", "folder ending in /")
    assert (elsewhere / "notes.txt").read_text() == "a file, not a folder"
    # a folder nobody can create files in (even root: /proc takes no new files)
    one_clear_line(*lsdi_template(capsys, "/proc/lsdi/")[::2], "cannot write '/proc/lsdi/'", "--output")
    assert list(elsewhere.iterdir()) == [elsewhere / "notes.txt"]


def test_lsdi_template_reports_an_incomplete_raw_folder_a_wrong_year_or_borough_in_one_line(
    elsewhere, capsys, monkeypatch
):
    import shutil

    raw = elsewhere / "raw"
    raw.mkdir()
    shutil.copy(RAW_DIR / "boroughs.csv", raw / "boroughs.csv")
    monkeypatch.setenv("LSDI_RAW_DIR", str(raw))
    one_clear_line(*lsdi_template(capsys, "barnet.xlsx")[::2], f"'{raw}'", "clusters.csv", "LSDI_RAW_DIR")
    monkeypatch.setenv("LSDI_RAW_DIR", str(RAW_DIR.resolve()))
    one_clear_line(*lsdi_template(capsys, "barnet.xlsx", period="2007")[::2], "'2007'", "2007/08")
    one_clear_line(*lsdi_template(capsys, "barnet.xlsx", borough="Gotham")[::2], "'Gotham'", "boroughs.csv")
    assert not (elsewhere / "barnet.xlsx").exists()
