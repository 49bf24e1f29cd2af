"""The LSDI-R1 declaration is the contract: the template and the generator write it, the parser reads it."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from lsdi_pipeline import reference
from lsdi_pipeline.returns.format import FORMATS, LSDI_R1, SheetFormat, format_named
from lsdi_pipeline.returns.reader import Cell, Sheet
from lsdi_pipeline.returns.tables import read_table
from lsdi_pipeline.sample.generator import write_sample
from lsdi_pipeline.templates.workbook import write_template
from lsdi_pipeline_tests.returns_builder import RAW_DIR, parse, pi_row, write_csv, write_return

BARNET = "E09000003"
#: findings that say a file's layout is not the format's: a sheet, a column or an About field not where it belongs
LAYOUT_FINDINGS = {
    "template_version",
    "sheet_missing",
    "sheet_duplicated",
    "sheet_hidden",
    "merged_cells",
    "column_missing",
    "optional_sheet_missing",
    "borough_unknown",
    "borough_mismatch",
    "return_period_invalid",
    "submitted_on_invalid",
}
TABLES = {"PI data": LSDI_R1.pi_data, "Feasibility": LSDI_R1.feasibility, "Narrative": LSDI_R1.narrative}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    clusters = reference.read_clusters(RAW_DIR)
    indicators = reference.read_indicators(RAW_DIR, clusters)
    boroughs = reference.read_boroughs(RAW_DIR, reference.read_pilot(RAW_DIR))
    borough = boroughs.set_index("borough_code", drop=False).loc[BARNET]
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    return openpyxl.load_workbook(write_template(path, borough, 2007, indicators, clusters))


@pytest.fixture(scope="module")
def sample_returns(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(RAW_DIR / "boroughs.csv", raw / "boroughs.csv")
    shutil.copytree(RAW_DIR / "dataset", raw / "dataset")
    write_sample(raw)
    return sorted((raw / "returns").iterdir())


def header(ws) -> list:
    return [c.value for c in ws[1] if c.value is not None]


def sheet_with_header(*texts: str) -> Sheet:
    return Sheet("sheet", [(1, [Cell(text, f"{chr(65 + i)}1") for i, text in enumerate(texts)])])


# -- the declaration ------------------------------------------------------------------------------
def test_lsdi_r1_is_the_one_version_and_is_named_in_any_case():
    assert list(FORMATS) == ["LSDI-R1"] and FORMATS["LSDI-R1"] is LSDI_R1
    assert format_named(" lsdi-r1 ") is LSDI_R1
    assert format_named("LSDI-R2") is None
    assert LSDI_R1.sheet_names == ("About", "PI data", "Feasibility", "Narrative")
    assert [s.name for s in TABLES.values() if s.required] == ["PI data"]


def test_the_declaration_says_what_docs_return_format_md_says():
    assert LSDI_R1.pi_data.labels == (
        "PI code",
        "Period",
        "Numerator",
        "Denominator",
        "Value",
        "Source agency",
        "Reporting frequency",
        "Note",
    )
    assert LSDI_R1.pi_data.required_fields == ("pi_code", "period", "value")
    assert LSDI_R1.feasibility.labels == ("PI code", "Can provide", "Main issue", "Comment")
    assert LSDI_R1.narrative.labels == ("Cluster code", "Narrative")
    assert LSDI_R1.csv.names == (
        "borough_code",
        "pi_code",
        "period",
        "numerator",
        "denominator",
        "value",
        "source_agency",
        "reporting_frequency",
        "note",
    )
    assert [c.name for c in LSDI_R1.csv.columns][-1] == "submitted_on"
    assert [f.label for f in LSDI_R1.about.fields] == [
        "Template version",
        "Borough code",
        "Borough name",
        "Return period",
        "Submitted on",
        "Submitted by (role)",
    ]
    assert list(LSDI_R1.feasibility.column("main_issue").answers) == [
        "None",
        "Reporting cycle",
        "Data availability",
        "Data integrity",
        "Other",
    ]


# -- the template writes it -----------------------------------------------------------------------
def test_the_templates_return_sheets_are_the_declarations_in_order(template):
    assert [name for name in template.sheetnames if name in LSDI_R1.sheet_names] == list(LSDI_R1.sheet_names)


def test_the_templates_header_rows_are_exactly_the_declarations_labels(template):
    assert header(template["PI data"]) == list(LSDI_R1.pi_data.labels)
    assert header(template["Feasibility"]) == list(LSDI_R1.feasibility.labels)
    # the template's own prompt column follows the format's: the parser keeps it in raw records only
    assert header(template["Narrative"]) == [*LSDI_R1.narrative.labels, "Prompt"]
    assert LSDI_R1.narrative.field_for("Prompt") is None


def test_the_templates_about_labels_are_the_declarations_in_order(template):
    about = template["About"]
    assert [about.cell(row, 1).value for row in range(1, about.max_row + 1)] == [f.label for f in LSDI_R1.about.fields]
    assert about.cell(LSDI_R1.about.row("template_version"), 2).value == LSDI_R1.version


@pytest.mark.parametrize(
    ("sheet", "field_name"),
    [
        ("PI data", "source_agency"),
        ("PI data", "reporting_frequency"),
        ("Feasibility", "can_provide"),
        ("Feasibility", "main_issue"),
    ],
)
def test_every_drop_down_offers_exactly_the_declarations_answers(template, sheet, field_name):
    column = TABLES[sheet].column(field_name)
    ws = template[sheet]
    letter = openpyxl.utils.get_column_letter(TABLES[sheet].position(field_name))
    [drop_down] = [dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref]
    assert drop_down.formula1.strip('"').split(",") == list(column.answers)
    assert drop_down.promptTitle == column.label


# -- the generator writes it ----------------------------------------------------------------------
def test_the_generators_returns_parse_without_a_layout_finding(sample_returns):
    assert len(sample_returns) == 11
    for path in sample_returns:
        result = parse(path)
        assert result.status == "accepted_with_issues", path.name
        assert {i["check_name"] for i in result.issues} & LAYOUT_FINDINGS == set(), path.name
        if path.suffix == ".xlsx":
            assert result.submission["template_version"] == LSDI_R1.version


def test_every_header_the_generator_writes_is_a_column_of_the_format(sample_returns):
    for path in sample_returns:
        if path.suffix == ".csv":
            assert path.read_text(encoding="cp1252").splitlines()[0].split(",") == [c.name for c in LSDI_R1.csv.columns]
            continue
        book = openpyxl.load_workbook(path)
        for name, sheet_format in TABLES.items():
            found = header(book[name])
            assert [sheet_format.field_for(text) for text in found] == list(sheet_format.names), (path.name, name)
        about = book["About"]
        labels = [about.cell(row, 1).value for row in range(1, len(LSDI_R1.about.fields) + 1)]
        assert labels == [f.label for f in LSDI_R1.about.fields], path.name


# -- the parser reads it --------------------------------------------------------------------------
@pytest.mark.parametrize("sheet_format", [*TABLES.values(), LSDI_R1.csv], ids=[*TABLES, "CSV form"])
def test_every_header_the_declaration_lists_is_read_as_its_column_in_any_case(sheet_format: SheetFormat):
    for column in sheet_format.columns:
        for text in {h for header in column.headers for h in (header, header.upper(), f"  {header.lower()} ")}:
            table = read_table(sheet_with_header(text), sheet_format)
            assert table.header == {column.name: (0, text.strip())}, text
            assert table.extra == []


def test_every_column_of_a_return_is_read_from_the_header_the_csv_form_writes(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[pi_row("NI59", "2007/08 Q3", value=45, agency="Police", frequency="Quarterly", note="ok")],
            feasibility_rows=[["NI59", "Partially", "Data integrity", "checked"]],
            narrative_rows=[["C01", "A steady year"]],
            headers={name: list(sheet_format.names) for name, sheet_format in TABLES.items()},
        )
    )
    assert {i["check_name"] for i in result.issues} & LAYOUT_FINDINGS == set()
    [fact] = result.pi_values
    assert (fact["value"], fact["source_agency"], fact["reported_frequency"], fact["note"]) == (
        45,
        "police",
        "quarterly",
        "ok",
    )
    assert [(f["can_provide"], f["main_issue"], f["comment"]) for f in result.feasibility] == [
        ("partially", "data_integrity", "checked")
    ]
    assert [n["narrative"] for n in result.narratives] == ["A steady year"]


@pytest.mark.parametrize("field_name", ["can_provide", "main_issue"])
def test_every_answer_the_declaration_lists_is_read_as_its_code(workbook_path, field_name):
    column = LSDI_R1.feasibility.column(field_name)
    typed = [(answer, code) for answer, code in column.answers.items()]
    typed += [(code.upper(), code) for code in column.answers.values()]
    for i, (text, code) in enumerate(typed):
        row = ["NI59", "Yes", None, None]
        row[LSDI_R1.feasibility.position(field_name) - 1] = text
        path = workbook_path.with_name(f"answer_{i}.xlsx")
        [answer] = parse(write_return(path, feasibility_rows=[row])).feasibility
        assert answer[field_name] == code, text


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        *((label, code) for label, code in LSDI_R1.pi_data.column("source_agency").answers.items()),
        *((code, code) for code in LSDI_R1.pi_data.column("source_agency").answers.values()),
        ("YOS", "youth_offending"),
        ("yot", "youth_offending"),
    ],
)
def test_every_agency_label_code_and_spelling_is_read_as_its_code(workbook_path, typed, code):
    result = parse(write_return(workbook_path, pi_rows=[pi_row("NI59", "2007/08 Q3", value=45, agency=typed)]))
    assert "agency_unknown" not in {i["check_name"] for i in result.issues}  # NI59's own agency is not assumed
    [fact] = result.pi_values
    assert fact["source_agency"] == code


@pytest.mark.parametrize("sheet_format", [LSDI_R1.pi_data, LSDI_R1.csv], ids=["PI data", "CSV form"])
def test_a_required_column_missing_rejects_the_file_naming_its_label(tmp_path, sheet_format: SheetFormat):
    for name in sheet_format.required_fields:
        column = sheet_format.column(name)
        if sheet_format is LSDI_R1.csv:
            header_row = [c for c in sheet_format.names if c != name]
            result = parse(write_csv(tmp_path / f"{name}.csv", [[BARNET, "NI59"]], header=header_row))
        else:
            header_row = [c for c in sheet_format.labels if c != column.label]
            result = parse(write_return(tmp_path / f"{name}.xlsx", headers={"PI data": header_row}))
        assert [i["check_name"] for i in result.issues] == ["column_missing"], name
        assert f"the 'PI data' sheet's header row (row 1) lacks '{column.label}'" in result.reject_reason, name


@pytest.mark.parametrize("sheet_format", [LSDI_R1.feasibility, LSDI_R1.narrative], ids=["Feasibility", "Narrative"])
def test_an_optional_sheets_required_column_missing_is_a_finding_naming_its_label(workbook_path, sheet_format):
    for name in sheet_format.required_fields:
        label = sheet_format.column(name).label
        path = workbook_path.with_name(f"{sheet_format.name}_{name}.xlsx")
        header_row = [c for c in sheet_format.labels if c != label]
        result = parse(write_return(path, headers={sheet_format.name: header_row}))
        [finding] = [i for i in result.issues if i["check_name"] == "optional_sheet_missing"]
        assert f"lacks '{label}', so its rows could not be read" in finding["message"], name


def test_a_version_the_declarations_do_not_know_is_rejected_naming_the_one_they_do(workbook_path):
    result = parse(write_return(workbook_path, about={"Template version": "LSDI-R2"}))
    assert [i["check_name"] for i in result.issues] == ["template_version"]
    assert result.reject_reason == "'Template version' on the About sheet is 'LSDI-R2', not LSDI-R1"
    assert result.submission["template_version"] == "LSDI-R2"
