"""The borough return, format LSDI-R1 (return-format.md): workbooks and CSVs written here, parsed for real."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import time
from collections import Counter

import openpyxl
import pytest

from lsdi_pipeline.returns.format import Limits
from lsdi_pipeline.returns.parse import parse_return
from lsdi_pipeline_tests.returns_builder import (
    CSV_HEADER,
    PI_DATA_HEADER,
    RECEIVED_AT,
    Formatted,
    parse,
    pi_row,
    reference_data,
    write_csv,
    write_return,
)

NBSP = "\u00a0"
BARNET = "E09000003"
AGENCY_CODES = {
    "Children's social care": "childrens_social_care",
    "Education": "education",
    "Health": "health",
    "Police": "police",
    "Probation": "probation",
    "Youth offending service": "youth_offending",
    "CAFCASS": "cafcass",
    "LSCB": "lscb",
    "Other": "other",
}


# -- reading the result ----------------------------------------------------------------------------
def pick(record: dict, *keys) -> tuple:
    return tuple(record[k] for k in keys)


def checks_on(result, row_number, sheet="PI data") -> set[str]:
    return {i["check_name"] for i in result.issues if i["sheet"] == sheet and i["row_number"] == row_number}


def fact_on(result, row_number) -> dict:
    [fact] = [f for f in result.figures if f["row_number"] == row_number]
    return fact


def rejected_on(result, row_number, sheet="PI data") -> dict:
    [row] = [r for r in result.rejected_rows if r["sheet"] == sheet and r["row_number"] == row_number]
    return row


def assert_file_rejected(result, check_name):
    assert result.status == "rejected"
    assert result.reject_reason
    assert [i["check_name"] for i in result.issues] == [check_name]
    assert (result.pi_values, result.feasibility, result.narratives, result.rejected_rows) == ([], [], [], [])


def one_pi(path, row, **kwargs):
    return parse(write_return(path, pi_rows=[row], **kwargs))


# -- a clean return ----------------------------------------------------------------------------------
def clean_row(pi: dict) -> list:
    """A figure the catalogue asks for, for a period that has ended, inside the PI's valid range."""
    period = {"monthly": "2008-03", "quarterly": "2007/08 Q4", "annual": "2007/08"}[pi["expected_cadence"]]
    if pi["period_basis"] == "snapshot":
        period = "2008-03-31"
    elif pi["period_basis"] == "calendar_year":
        period = "2007"
    value = (int(pi["valid_min"]) + int(pi["valid_max"])) // 2
    return pi_row(pi["pi_code"], period, value=value, frequency=pi["expected_cadence"].capitalize())


def test_a_workbook_with_a_clean_figure_for_every_phase_1_pi_is_accepted_without_findings(
    workbook_path, catalogue_rows
):
    phase_1 = [pi for pi in catalogue_rows if pi["status"] == "phase_1"]
    clusters = sorted({pi["cluster_code"] for pi in catalogue_rows})
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[clean_row(pi) for pi in phase_1],
            feasibility_rows=[[pi["pi_code"], "Yes", "None", None] for pi in phase_1],
            narrative_rows=[[code, f"How {code} went"] for code in clusters],
        )
    )
    assert result.issues == [] and result.rejected_rows == []
    assert result.status == "accepted"
    assert sorted(f["pi_code"] for f in result.pi_values) == sorted(pi["pi_code"] for pi in phase_1)
    assert {f["quality_status"] for f in result.figures} == {"ok"}
    assert len(result.feasibility) == len(phase_1) and len(result.narratives) == len(clusters)


def test_the_submission_records_who_sent_the_return_and_for_when(workbook_path):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45))
    assert result.submission["borough_code"] == BARNET
    assert result.submission["template_version"] == "LSDI-R1"
    assert result.submission["return_period"] == "2007/08"
    assert result.submission["submitted_on"] == dt.date(2008, 4, 14)
    assert result.submission["file_format"] == "xlsx"
    assert result.status == "accepted_with_issues"  # the other phase-1 PIs are missing


def test_submission_fields_given_by_the_caller_are_kept(workbook_path):
    register, catalogue = reference_data()
    write_return(workbook_path, pi_rows=[pi_row("NI59", "2007/08 Q3", value=45)])
    submission = {"submission_id": 7, "file_name": "barnet.xlsx", "received_at": RECEIVED_AT, "file_sha256": "ab" * 32}
    result = parse_return(workbook_path, submission, register, catalogue)
    assert {k: result.submission[k] for k in submission} == submission
    assert {f["submission_id"] for f in result.pi_values} == {7}


def test_parsing_leaves_the_file_untouched(workbook_path):
    write_return(workbook_path, pi_rows=[pi_row("NI59", "2007/08 Q3", value=45), pi_row("NI999", "banana", value="x")])
    before = hashlib.sha256(workbook_path.read_bytes()).hexdigest()
    parse(workbook_path)
    assert hashlib.sha256(workbook_path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("written", ["2007/08", "2007/2008", "FY 2007/08", "2007–08"])
def test_return_period_is_recorded_as_the_canonical_financial_year(workbook_path, written):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Return period": written})
    assert result.submission["return_period"] == "2007/08"
    assert "return_period_invalid" not in {i["check_name"] for i in result.issues}


@pytest.mark.parametrize("written", ["2007/08 Q3", "Dec 2007", None])
def test_return_period_that_is_not_a_financial_year_is_a_located_warning(workbook_path, written):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Return period": written})
    assert result.status == "accepted_with_issues"
    [finding] = [i for i in result.issues if i["check_name"] == "return_period_invalid"]
    assert (finding["sheet"], finding["row_number"], finding["cell_ref"], finding["severity"]) == (
        "About",
        4,
        "B4",
        "warning",
    )
    assert fact_on(result, 2)["value"] == 45


# -- tolerated header variations -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        ["pi code", "PERIOD", "numerator", "DENOMINATOR", "value", "SOURCE AGENCY", "reporting frequency", "NOTE"],
        [
            "  PI code ",
            " Period",
            "Numerator ",
            f"{NBSP}Denominator",
            "Value  ",
            "Source agency",
            "Reporting frequency",
            "Note",
        ],
        ["pi_code", "period", "numerator", "denominator", "value", "source_agency", "reporting_frequency", "note"],
        ["PI_Code", "Period", "Numerator", "Denominator", "Value", "Source_Agency", "Reporting_Frequency", "Note"],
    ],
    ids=["any case", "surrounding spaces", "snake_case", "mixed snake_case"],
)
def test_header_names_are_read_in_any_case_spacing_or_snake_case(workbook_path, header):
    result = one_pi(
        workbook_path,
        pi_row(
            "NI59",
            "2007/08 Q3",
            numerator=45,
            denominator=100,
            value=45,
            agency="Children's social care",
            frequency="Quarterly",
            note="checked",
        ),
        headers={"PI data": header},
    )
    fact = fact_on(result, 2)
    assert pick(fact, "pi_code", "period", "value", "numerator", "denominator") == ("NI59", "2007/08 Q3", 45, 45, 100)
    assert (fact["source_agency"], fact["reported_frequency"], fact["note"]) == (
        "childrens_social_care",
        "quarterly",
        "checked",
    )
    assert checks_on(result, 2) == set()


def test_columns_may_come_in_any_order(workbook_path):
    header = ["Note", "Value", "Reporting frequency", "Period", "Denominator", "Source agency", "Numerator", "PI code"]
    result = one_pi(
        workbook_path,
        ["checked", 45, "Quarterly", "2007/08 Q3", 100, "Children's social care", 45, "NI59"],
        headers={"PI data": header},
    )
    fact = fact_on(result, 2)
    assert pick(fact, "pi_code", "period", "value", "numerator", "denominator") == ("NI59", "2007/08 Q3", 45, 45, 100)
    assert (fact["reported_frequency"], fact["note"]) == ("quarterly", "checked")
    assert checks_on(result, 2) == set()


def test_extra_columns_are_ignored_on_a_loaded_row(workbook_path):
    result = one_pi(
        workbook_path,
        [*pi_row("NI59", "2007/08 Q3", value=45), "J. Smith", "=see cell F2"],
        headers={"PI data": [*PI_DATA_HEADER, "Checked by", "Workings"]},
    )
    assert fact_on(result, 2)["value"] == 45
    assert checks_on(result, 2) == set()


def test_extra_columns_are_kept_in_a_rejected_rows_raw_record(workbook_path):
    result = one_pi(
        workbook_path,
        ["NI999", "2007/08", None, None, "45", None, None, "typo", "J. Smith"],
        headers={"PI data": [*PI_DATA_HEADER, "Checked by"]},
    )
    raw = json.loads(rejected_on(result, 2)["raw_record"])
    assert raw == {"PI code": "NI999", "Period": "2007/08", "Value": "45", "Note": "typo", "Checked by": "J. Smith"}


@pytest.mark.parametrize("missing", ["PI code", "Period", "Value"])
def test_a_pi_data_sheet_without_a_required_column_is_rejected(workbook_path, missing):
    header = [h for h in PI_DATA_HEADER if h != missing]
    result = one_pi(workbook_path, ["x"] * len(header), headers={"PI data": header})
    assert_file_rejected(result, "column_missing")
    assert missing in result.reject_reason


# -- codes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [" NI59 ", f"{NBSP}NI59{NBSP}", f"NI59{NBSP}", "\tNI59"])
def test_pi_code_with_surrounding_or_non_breaking_spaces_is_read(workbook_path, code):
    result = one_pi(workbook_path, pi_row(code, "2007/08 Q3", value=45))
    assert fact_on(result, 2)["pi_code"] == "NI59"
    assert result.rejected_rows == []


@pytest.mark.parametrize("code", [f" {BARNET} ", f"{NBSP}{BARNET}{NBSP}", f"{NBSP}00AC"])
def test_borough_code_with_surrounding_or_non_breaking_spaces_is_read(workbook_path, code):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Borough code": code})
    assert result.submission["borough_code"] == BARNET


# -- sheets ------------------------------------------------------------------------------------------
def test_sheet_names_are_matched_case_insensitively_ignoring_surrounding_spaces(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[pi_row("NI59", "2007/08 Q3", value=45)],
            feasibility_rows=[["NI59", "Yes", "None", None]],
            narrative_rows=[["C01", "Going well"]],
            sheet_names={
                "About": " ABOUT",
                "PI data": "  pi Data ",
                "Feasibility": "feasibility ",
                "Narrative": "NARRATIVE",
            },
        )
    )
    assert result.status != "rejected"
    assert fact_on(result, 2)["value"] == 45
    assert [f["pi_code"] for f in result.feasibility] == ["NI59"]
    assert [n["cluster_code"] for n in result.narratives] == ["C01"]
    assert not result.submission["ignored_sheets"]
    assert "optional_sheet_missing" not in {i["check_name"] for i in result.issues}


def test_other_sheets_are_not_read_and_their_names_are_recorded(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[pi_row("NI59", "2007/08 Q3", value=45)],
            extra_sheets={
                "Instructions": [["PI code", "Period", "Value"], ["NI999", "banana", "x"]],
                "Our workings": [["NI59", "2007/08 Q1", 99]],
            },
        )
    )
    ignored = result.submission["ignored_sheets"]
    assert "Instructions" in ignored and "Our workings" in ignored
    assert not any(name in ignored for name in ("About", "PI data", "Feasibility", "Narrative"))
    assert [f["row_number"] for f in result.pi_values] == [2]
    assert result.rejected_rows == []
    assert {i["sheet"] for i in result.issues} <= {"PI data"}


def test_a_workbook_without_a_pi_data_sheet_is_rejected(workbook_path):
    result = parse(write_return(workbook_path, omit=("PI data",)))
    assert_file_rejected(result, "sheet_missing")
    assert "PI data" in result.reject_reason


def test_a_workbook_without_an_about_sheet_is_rejected(workbook_path):
    result = parse(write_return(workbook_path, pi_rows=[pi_row("NI59", "2007/08 Q3", value=45)], omit=("About",)))
    assert result.status == "rejected"
    assert result.pi_values == []


@pytest.mark.parametrize("sheet", ["Feasibility", "Narrative"])
def test_a_missing_feasibility_or_narrative_sheet_is_a_warning_not_a_rejection(workbook_path, sheet):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), omit=(sheet,))
    assert fact_on(result, 2)["value"] == 45
    [missing] = [i for i in result.issues if i["check_name"] == "optional_sheet_missing"]
    assert missing["sheet"] == sheet and missing["severity"] == "warning"


# -- the borough -------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, expected", [("00AC", "E09000003"), ("00ab", "E09000002"), ("00BK", "E09000033")])
def test_legacy_ons_code_identifies_the_borough(workbook_path, code, expected):
    result = one_pi(
        workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Borough code": code, "Borough name": None}
    )
    assert result.submission["borough_code"] == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Barnet", "E09000003"),
        ("Kensington & Chelsea", "E09000020"),
        ("Kingston", "E09000021"),
        ("Barking & Dagenham", "E09000002"),
        ("London Borough of Barnet", "E09000003"),
        ("  barnet ", "E09000003"),
    ],
)
def test_official_name_or_known_alias_identifies_the_borough_when_the_code_is_blank(workbook_path, name, expected):
    result = one_pi(
        workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Borough code": None, "Borough name": name}
    )
    assert result.submission["borough_code"] == expected
    assert result.status != "rejected"


@pytest.mark.parametrize("code, name", [("E09000020", "Kensington & Chelsea"), ("00AX", "Kingston")])
def test_code_with_an_alias_of_the_same_authority_is_accepted(workbook_path, code, name):
    result = one_pi(
        workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Borough code": code, "Borough name": name}
    )
    assert result.status != "rejected"


def test_code_and_name_naming_different_authorities_reject_the_file_with_both_values(workbook_path):
    result = one_pi(
        workbook_path,
        pi_row("NI59", "2007/08 Q3", value=45),
        about={"Borough code": "E09000003", "Borough name": "Camden"},
    )
    assert_file_rejected(result, "borough_mismatch")
    assert "E09000003" in result.reject_reason and "Camden" in result.reject_reason


@pytest.mark.parametrize(
    "about",
    [
        {"Borough code": "E09000001", "Borough name": None},  # the City of London is not one of the 32 boroughs
        {"Borough code": "00ZZ", "Borough name": "Barnet"},
        {"Borough code": None, "Borough name": "Gotham"},
        {"Borough code": None, "Borough name": None},
    ],
    ids=["city of london", "unknown code", "unknown name", "both blank"],
)
def test_unknown_borough_rejects_the_file(workbook_path, about):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about=about)
    assert_file_rejected(result, "borough_unknown")


@pytest.mark.parametrize("version", ["LSDI-R0", "LSDI R1 draft", None])
def test_wrong_or_blank_template_version_rejects_the_file(workbook_path, version):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45), about={"Template version": version})
    assert_file_rejected(result, "template_version")


# -- files that cannot be used ---------------------------------------------------------------------------
def test_text_named_xlsx_is_rejected_as_unreadable(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_text("PI code,Period,Value\nNI59,2007/08 Q3,45\n")
    assert_file_rejected(parse(path), "file_unreadable")


def test_password_protected_workbook_is_rejected(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))  # the OLE container Excel encrypts into
    assert_file_rejected(parse(path), "file_encrypted")


@pytest.mark.parametrize("name", ["return.txt", "return.xls", "return"])
def test_a_file_that_is_not_xlsx_or_csv_is_rejected(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000) if name.endswith(".xls") else b"NI59 45\n")
    result = parse(path)
    assert_file_rejected(result, "file_unsupported_type")


def test_a_file_over_the_size_limit_is_rejected(workbook_path):
    write_return(workbook_path, pi_rows=[pi_row("NI59", "2007/08 Q3", value=45)])
    result = parse(workbook_path, Limits(max_file_bytes=workbook_path.stat().st_size - 1))
    assert_file_rejected(result, "file_limits")


def test_a_small_workbook_with_a_cell_at_xfd1048576_is_rejected_quickly(workbook_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "PI data"
    workbook.active.append(PI_DATA_HEADER)
    workbook.active["XFD1048576"] = 1
    workbook.save(workbook_path)
    assert workbook_path.stat().st_size < 20_000
    started = time.perf_counter()
    result = parse(workbook_path)
    assert time.perf_counter() - started < 5
    assert_file_rejected(result, "file_limits")
    assert "XFD1048576" in result.reject_reason


# -- Submitted on -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "submitted_on, expected",
    [
        (dt.datetime(2008, 3, 14), dt.date(2008, 3, 14)),
        (dt.date(2008, 3, 14), dt.date(2008, 3, 14)),
        ("2008-03-14", dt.date(2008, 3, 14)),
        (None, RECEIVED_AT.date()),
    ],
    ids=["datetime cell", "date cell", "ISO text", "blank"],
)
def test_submitted_on_is_a_date_cell_or_iso_text_else_the_day_the_file_arrived(workbook_path, submitted_on, expected):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q2", value=45), about={"Submitted on": submitted_on})
    assert result.submission["submitted_on"] == expected
    assert "submitted_on_invalid" not in {i["check_name"] for i in result.issues}


def test_submitted_on_that_is_not_a_date_is_a_located_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q2", value=45), about={"Submitted on": "next Tuesday"})
    assert result.submission["submitted_on"] == RECEIVED_AT.date()
    [finding] = [i for i in result.issues if i["check_name"] == "submitted_on_invalid"]
    assert pick(finding, "sheet", "row_number", "cell_ref", "value_found") == ("About", 5, "B5", "next Tuesday")


# -- each row's fate: rejected rows ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "row, check_name",
    [
        (pi_row("NI999", "2007/08", value=45), "pi_code_unknown"),
        (pi_row(None, "2007/08", value=45, note="forgot the code"), "pi_code_unknown"),
        (pi_row(f"{NBSP}", "2007/08", value=45), "pi_code_unknown"),
        (pi_row("NI62", "banana", value=45), "period_unreadable"),
        (pi_row("NI62", "2007/09", value=45), "period_unreadable"),
        (pi_row("NI62", None, value=45), "period_unreadable"),
        (pi_row("NI62", "2007/08", value="see note"), "value_unreadable"),
        (pi_row("NI62", "2007/08", value="#DIV/0!"), "value_unreadable"),  # written as an Excel error cell
        (pi_row("NI62", "2007/08", numerator="about twelve", denominator=100, value=12), "value_unreadable"),
    ],
    ids=[
        "unknown PI",
        "blank PI",
        "nbsp PI",
        "banana period",
        "non-consecutive years",
        "blank period",
        "stray text value",
        "excel error",
        "stray text numerator",
    ],
)
def test_a_row_that_cannot_be_attributed_is_rejected_whole(workbook_path, row, check_name):
    result = one_pi(workbook_path, row)
    assert result.pi_values == []
    rejected = rejected_on(result, 2)
    assert rejected["reason"]
    assert json.loads(rejected["raw_record"])  # the row as read, nothing lost
    assert checks_on(result, 2) == {check_name}
    [finding] = [i for i in result.issues if i["row_number"] == 2]
    assert finding["severity"] == "error"


def test_rows_giving_different_figures_for_the_same_pi_and_period_are_all_rejected(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[
                pi_row("NI62", "2007/08", value=12),
                pi_row("NI62", "2007/08", value=14),
                pi_row("NI62", "2007/08 Q1", value=13, frequency="Quarterly"),
            ],
        )
    )
    assert [f["row_number"] for f in result.pi_values] == [4]
    assert sorted(r["row_number"] for r in result.rejected_rows) == [2, 3]
    assert checks_on(result, 2) == checks_on(result, 3) == {"duplicate_conflict"}


def test_an_identical_repeat_row_is_set_aside_and_the_first_is_loaded(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[
                pi_row("NI62", "2007/08", numerator=6, denominator=50, value=12),
                pi_row("NI62", "2007/08", numerator=6, denominator=50, value=12),
            ],
        )
    )
    assert [f["row_number"] for f in result.pi_values] == [2]
    assert [r["row_number"] for r in result.rejected_rows] == [3]
    assert checks_on(result, 3) == {"duplicate_row"}
    assert checks_on(result, 2) == set()


def test_the_same_figure_written_two_ways_is_a_repeat_not_a_conflict(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[pi_row("NI62", "2007/08", value=12), pi_row("NI62", "2007-08", value="12%", frequency="Annual")],
        )
    )
    assert [f["row_number"] for f in result.pi_values] == [2]
    assert checks_on(result, 3) == {"duplicate_row"}


# -- loaded with quality_status = error ------------------------------------------------------------------
@pytest.mark.parametrize(
    "row, check_name",
    [
        (pi_row("NI59", "2007/08 Q3", numerator=70, denominator=60, value=100), "numerator_exceeds_denominator"),
        (pi_row("NI59", "2007/08 Q3", value=120), "percent_out_of_range"),
        (pi_row("NI59", "2007/08 Q3", value=-1), "percent_out_of_range"),
        (pi_row("L01", "2007-12", value=-3), "count_invalid"),
        (pi_row("L01", "2007-12", value=2.5), "count_invalid"),
        (pi_row("L01", "2007-12", value=25000), "value_out_of_range"),
        (pi_row("NI51", "2007/08", value=20), "value_out_of_range"),
        (pi_row("NI51", "2007/08", value=2), "value_out_of_range"),
        (pi_row("NI59", "2007/08 Q3", numerator=45, denominator=100, value=60), "value_inconsistent"),
        (pi_row("NI59", "2007/08 Q3", numerator=45, denominator=100, value=46), "value_inconsistent"),
        (pi_row("L03", "2008-03-31", numerator=500, denominator=84803, value=80), "value_inconsistent"),
    ],
    ids=[
        "numerator over denominator",
        "percent over 100",
        "negative percent",
        "negative count",
        "fractional count",
        "count over valid max",
        "score over valid max",
        "score under valid min",
        "percent inconsistent",
        "percent one point off",
        "rate inconsistent",
    ],
)
def test_an_impossible_figure_is_loaded_as_an_error(workbook_path, row, check_name):
    result = one_pi(workbook_path, row)
    fact = fact_on(result, 2)
    assert fact["quality_status"] == "error"
    assert check_name in checks_on(result, 2)
    assert result.rejected_rows == []


@pytest.mark.parametrize(
    "row",
    [
        pi_row("NI59", "2007/08 Q3", numerator=1, denominator=3, value=33.3),
        pi_row("NI59", "2007/08 Q3", numerator=1, denominator=3, value=33),
        pi_row("L03", "2008-03-31", numerator=500, denominator=84803, value=59),
        pi_row("NI59", "2007/08 Q3", value=0),
        pi_row("NI59", "2007/08 Q3", value=100),
        pi_row("NI59", "2007/08 Q3", numerator=60, denominator=60, value=100),
        pi_row("NI51", "2007/08", value=4),
        pi_row("L01", "2007-12", value=0),
    ],
    ids=[
        "rounded to 1dp",
        "rounded to integer",
        "rate rounded",
        "0%",
        "100%",
        "numerator equals denominator",
        "score at valid min",
        "zero count",
    ],
)
def test_a_possible_figure_at_the_edge_is_loaded_ok(workbook_path, row):
    result = one_pi(workbook_path, row)
    assert fact_on(result, 2)["quality_status"] == "ok"
    assert checks_on(result, 2) == set()


# -- loaded with quality_status = warning --------------------------------------------------------------------
def test_quarterly_figures_for_an_annual_pi_are_a_cadence_mismatch(workbook_path):
    result = one_pi(workbook_path, pi_row("NI62", "2007/08 Q1", value=12, frequency="Quarterly"))
    assert fact_on(result, 2)["quality_status"] == "warning"
    assert fact_on(result, 2)["reported_frequency"] == "quarterly"
    assert checks_on(result, 2) == {"cadence_mismatch"}


def test_a_snapshot_on_a_quarter_end_fits_a_quarterly_snapshot_pi(workbook_path):
    result = one_pi(workbook_path, pi_row("L03", dt.datetime(2007, 12, 31), value=40))
    fact = fact_on(result, 2)
    assert (fact["period"], fact["period_type"], fact["quality_status"]) == ("2007-12-31", "snapshot", "ok")


def test_a_month_figure_for_a_quarterly_snapshot_pi_is_a_cadence_mismatch(workbook_path):
    result = one_pi(workbook_path, pi_row("L03", dt.datetime(2007, 12, 1), value=40))
    assert fact_on(result, 2)["period"] == "2007-12"
    assert "cadence_mismatch" in checks_on(result, 2)


def test_yyyy_yy_on_an_annual_row_is_loaded_as_the_financial_year_with_a_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("NI62", "2007-08", value=12, frequency="Annual"))
    fact = fact_on(result, 2)
    assert (fact["period"], fact["period_type"], fact["quality_status"]) == ("2007/08", "year", "warning")
    assert checks_on(result, 2) == {"period_ambiguous"}


def test_yyyy_yy_on_a_blank_frequency_row_is_loaded_as_the_financial_year_with_a_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("NI62", "2007-08", value=12))
    assert fact_on(result, 2)["period"] == "2007/08"
    assert checks_on(result, 2) == {"period_ambiguous"}


def test_yyyy_yy_on_a_monthly_row_is_loaded_as_the_month_with_a_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("L01", "2007-08", value=310, frequency="Monthly"))
    fact = fact_on(result, 2)
    assert (fact["period"], fact["period_type"], fact["period_start"]) == ("2007-08", "month", dt.date(2007, 8, 1))
    assert fact["quality_status"] == "warning"
    assert checks_on(result, 2) == {"period_ambiguous"}


def test_a_month_that_cannot_be_a_financial_year_is_not_ambiguous(workbook_path):
    result = one_pi(workbook_path, pi_row("L01", "2007-12", value=310, frequency="Monthly"))
    assert fact_on(result, 2)["quality_status"] == "ok"
    assert checks_on(result, 2) == set()


def test_a_figure_for_a_period_not_ended_by_submitted_on_is_a_warning(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            about={"Submitted on": dt.datetime(2008, 1, 15)},
            pi_rows=[pi_row("NI59", "2007/08 Q4", value=45), pi_row("NI59", "2007/08 Q3", value=45)],
        )
    )
    assert fact_on(result, 2)["quality_status"] == "warning"
    assert checks_on(result, 2) == {"period_incomplete"}
    assert fact_on(result, 3)["quality_status"] == "ok"


def test_a_blank_submitted_on_judges_completeness_by_the_day_the_file_arrived(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            about={"Submitted on": None},
            pi_rows=[
                pi_row("L01", "2008-04", value=300, frequency="Monthly"),
                pi_row("L01", "2008-03", value=300, frequency="Monthly"),
            ],
        )
    )
    assert checks_on(result, 2) == {"period_incomplete"}
    assert checks_on(result, 3) == set()


@pytest.mark.parametrize("written", ["approx 45", "c. 45", "~45"])
def test_a_qualified_number_is_loaded_as_the_number_with_a_warning(workbook_path, written):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=written))
    fact = fact_on(result, 2)
    assert pick(fact, "value", "value_status", "raw_value", "quality_status") == (45, "reported", written, "warning")
    assert checks_on(result, 2) == {"qualified_number"}


# -- loaded ok, and the values read ------------------------------------------------------------------------
def test_a_sound_figure_is_loaded_ok_without_findings(workbook_path):
    result = one_pi(
        workbook_path,
        pi_row(
            "NI59",
            "2007/08 Q3",
            numerator=45,
            denominator=100,
            value=45,
            agency="Children's social care",
            frequency="Quarterly",
        ),
    )
    fact = fact_on(result, 2)
    assert pick(fact, "borough_code", "pi_code", "period", "period_type") == (BARNET, "NI59", "2007/08 Q3", "quarter")
    assert (fact["period_start"], fact["period_end"]) == (dt.date(2007, 10, 1), dt.date(2007, 12, 31))
    assert (fact["value"], fact["value_status"], fact["quality_status"]) == (45, "reported", "ok")
    assert checks_on(result, 2) == set()


@pytest.mark.parametrize(
    "pi_code, period, cell, value",
    [
        ("NI59", "2007/08 Q3", "45%", 45),
        ("NI59", "2007/08 Q3", Formatted(0.45, "0%"), 45),
        ("NI59", "2007/08 Q3", Formatted(0.455, "0.0%"), 45.5),
        ("L01", "2007-12", "1,204", 1204),
        ("L01", "2007-12", f"{NBSP}1,204 ", 1204),
    ],
    ids=["percent text", "percent formatted", "percent formatted 1dp", "thousands separator", "nbsp"],
)
def test_tolerated_number_forms_are_read_as_their_number(workbook_path, pi_code, period, cell, value):
    result = one_pi(workbook_path, pi_row(pi_code, period, value=cell))
    fact = fact_on(result, 2)
    assert fact["value"] == pytest.approx(value)
    assert fact["quality_status"] == "ok"


@pytest.mark.parametrize(
    "pi_code, period, numerator, denominator, value",
    [
        ("NI59", "2007/08 Q3", 45, 60, 75),
        ("L03", "2008-03-31", 170, 84803, 20.0465),
        ("NI111", "2007/08 Q3", 25, 20000, 125),
    ],
)
def test_a_blank_value_is_derived_from_numerator_and_denominator(
    workbook_path, pi_code, period, numerator, denominator, value
):
    result = one_pi(workbook_path, pi_row(pi_code, period, numerator=numerator, denominator=denominator))
    fact = fact_on(result, 2)
    assert (fact["value_status"], fact["quality_status"]) == ("reported", "ok")
    assert fact["value"] == pytest.approx(value, abs=1e-3)
    assert checks_on(result, 2) == set()


def test_a_count_with_a_blank_value_is_not_provided(workbook_path):
    result = one_pi(workbook_path, pi_row("L01", "2007-12"))
    assert (fact_on(result, 2)["value"], fact_on(result, 2)["value_status"]) == (None, "not_provided")


@pytest.mark.parametrize(
    "marker, status, check_name",
    [
        *[
            (m, "not_provided", "pi_not_provided")
            for m in [None, "n/a", "N/A", "-", "not collected", "not available", "nk"]
        ],
        *[(m, "suppressed", "pi_suppressed") for m in ["<5", "c", "[c]", "*"]],
        *[(m, "not_available", "pi_not_provided") for m in ["x", ":", "[x]"]],
        *[(m, "not_applicable", "pi_not_provided") for m in ["z", "[z]"]],
        *[(m, "low_reliability", "pi_marked_unreliable") for m in ["u", "[u]"]],
        *[(m, "rounds_to_zero", "pi_marked_unreliable") for m in ["low", "k", "~"]],
    ],
)
def test_a_marker_is_loaded_with_its_status_a_null_value_and_an_availability_finding(
    workbook_path, marker, status, check_name
):
    result = one_pi(workbook_path, pi_row("NI62", "2007/08", value=marker, frequency="Annual"))
    fact = fact_on(result, 2)
    assert (fact["value"], fact["value_status"], fact["quality_status"]) == (None, status, "ok")
    [finding] = [i for i in result.issues if i["row_number"] == 2]
    assert (finding["check_name"], finding["category"]) == (check_name, "availability")
    assert result.rejected_rows == []


@pytest.mark.parametrize("label", list(AGENCY_CODES) + list(AGENCY_CODES.values()))
def test_source_agency_is_read_from_its_label_or_code(workbook_path, label):
    result = one_pi(workbook_path, pi_row("L01", "2007-12", value=300, agency=label))
    assert fact_on(result, 2)["source_agency"] == AGENCY_CODES.get(label, label)
    assert checks_on(result, 2) == set()


def test_an_unknown_source_agency_is_a_warning_and_the_catalogues_agency_is_assumed(workbook_path):
    result = one_pi(workbook_path, pi_row("L08", "2007-12", value=30, agency="Met Police CAIT"))
    fact = fact_on(result, 2)
    assert (fact["source_agency"], fact["quality_status"]) == ("police", "warning")
    assert checks_on(result, 2) == {"agency_unknown"}


def test_an_unknown_reporting_frequency_is_a_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("L01", "2007-12", value=300, frequency="Fortnightly"))
    fact = fact_on(result, 2)
    assert (fact["reported_frequency"], fact["quality_status"]) == (None, "warning")
    assert checks_on(result, 2) == {"frequency_unknown"}


def test_a_blank_source_agency_is_the_catalogues_agency(workbook_path):
    result = one_pi(workbook_path, pi_row("L08", "2007-12", value=30))
    assert fact_on(result, 2)["source_agency"] == "police"


@pytest.mark.parametrize(
    "frequency, period, code",
    [("Monthly", "2007-12", "monthly"), ("Quarterly", "2007/08 Q3", "quarterly"), ("Annual", "2007/08", "annual")],
)
def test_reporting_frequency_is_recorded(workbook_path, frequency, period, code):
    result = one_pi(workbook_path, pi_row("L01", period, value=300, frequency=frequency))
    assert fact_on(result, 2)["reported_frequency"] == code


def test_text_a_borough_wrote_is_stored_exactly_as_written(workbook_path):
    note = "  Provisional – from the LSCB minutes; “see below”  "
    narrative = "Referrals rose by 12%.\nSee =HYPERLINK note  "
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[
                pi_row("NI59", "2007/08 Q3", value=45, note=note),
                pi_row("NI999", "2007/08", value=45, note=note),
            ],
            narrative_rows=[["C01", narrative]],
        )
    )
    assert fact_on(result, 2)["note"] == note
    assert json.loads(rejected_on(result, 3)["raw_record"])["Note"] == note
    assert result.narratives[0]["narrative"] == narrative


# -- the whole file: every row exactly once, every finding located -------------------------------------------------
MIXED_PI_ROWS = [
    pi_row("NI59", "2007/08 Q1", numerator=45, denominator=100, value=45),  # 2 ok
    pi_row("NI999", "2007/08", value="45"),  # 3 unknown PI
    pi_row(None, "2007/08", value=5, note="code lost"),  # 4 blank PI
    pi_row("NI62", "banana", value=12),  # 5 unreadable period
    pi_row("NI62", "2007/08", value="see note"),  # 6 stray text
    pi_row(None, None),  # 7 fully empty: skipped
    pi_row("L01", "2007-12", value=-3),  # 8 error
    pi_row("NI59", "2007/08 Q2", value="approx 45"),  # 9 warning
    pi_row("L08", "2007-12", value="n/a"),  # 10 not provided
    pi_row("NI65", "2007/08", value=12),  # 11 repeated by 12
    pi_row("NI65", "2007/08", value=12),  # 12 repeat
    pi_row("L02", "2007/08 Q1", value=10),  # 13 conflicts with 14
    pi_row("L02", "2007/08 Q1", value=11),  # 14
    pi_row("NI62", "2007/08 Q3", value=112, frequency="Annual"),  # 15 several findings
    pi_row("L11", "2007/08 Q3", value="<5"),  # 16 suppressed
    ["   ", None, NBSP, None, None, None, None, None],  # 17 only spaces: skipped
    pi_row("NI59", "2007/08 Q3", value="#DIV/0!"),  # 18 excel error
]
MIXED_FEASIBILITY = [
    ["NI59", "Yes", "None", None],
    ["NI999", "No", None, None],
    ["NI62", "Maybe", None, None],
    [None, None, None, None],
    ["L01", "Partially", "Data integrity", "Manual count"],
]
MIXED_NARRATIVE = [["C01", "Good"], ["C99", "Lost"], ["C01", "Again"]]


@pytest.fixture
def mixed_workbook(workbook_path):
    return write_return(
        workbook_path, pi_rows=MIXED_PI_ROWS, feasibility_rows=MIXED_FEASIBILITY, narrative_rows=MIXED_NARRATIVE
    )


def test_every_non_empty_data_row_ends_up_exactly_once(mixed_workbook):
    result = parse(mixed_workbook)
    for sheet, loaded, rows in (
        ("PI data", result.pi_values, MIXED_PI_ROWS),
        ("Feasibility", result.feasibility, MIXED_FEASIBILITY),
        ("Narrative", result.narratives, MIXED_NARRATIVE),
    ):
        non_empty = [n for n, row in enumerate(rows, start=2) if any(str(v).strip() for v in row if v is not None)]
        rejected = [r["row_number"] for r in result.rejected_rows if r["sheet"] == sheet]
        placed = Counter([r["row_number"] for r in loaded] + rejected)
        assert sorted(placed) == non_empty, sheet
        assert set(placed.values()) == {1}, sheet


def test_fully_empty_rows_are_skipped_and_later_rows_keep_their_excel_row_numbers(mixed_workbook):
    result = parse(mixed_workbook)
    assert {7, 17}.isdisjoint({i["row_number"] for i in result.issues if i["sheet"] == "PI data"})
    assert fact_on(result, 8)["value"] == -3
    assert rejected_on(result, 18)["row_number"] == 18


def test_the_mixed_workbook_rows_meet_their_fates(mixed_workbook):
    result = parse(mixed_workbook)
    assert {f["row_number"]: f["quality_status"] for f in result.figures} == {
        2: "ok",
        8: "error",
        9: "warning",
        10: "ok",
        11: "ok",
        15: "error",
        16: "ok",
    }
    assert sorted(r["row_number"] for r in result.rejected_rows if r["sheet"] == "PI data") == [
        3,
        4,
        5,
        6,
        12,
        13,
        14,
        18,
    ]
    assert result.status == "accepted_with_issues"
    assert [f["pi_code"] for f in result.feasibility] == ["NI59", "L01"]
    assert (result.feasibility[1]["can_provide"], result.feasibility[1]["main_issue"]) == (
        "partially",
        "data_integrity",
    )
    assert [n["narrative"] for n in result.narratives] == ["Good"]


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_every_finding_about_a_cell_names_its_sheet_row_column_cell_and_value(mixed_workbook):
    result = parse(mixed_workbook)
    workbook = openpyxl.load_workbook(mixed_workbook)
    about_absent_things = {"pi_missing_from_return", "optional_sheet_missing"}
    located = [i for i in result.issues if i["check_name"] not in about_absent_things]
    assert len(located) >= 15
    for finding in located:
        sheet = workbook[finding["sheet"]]
        cell = sheet[finding["cell_ref"]]
        assert cell.row == finding["row_number"], finding
        assert sheet.cell(row=1, column=cell.column).value == finding["column_name"], finding
        assert finding["value_found"] == _as_text(cell.value), finding


def test_every_finding_on_a_csv_names_its_row_column_cell_and_value(csv_path):
    rows = [
        [BARNET, "NI59", "2007/08 Q1", "45", "100", "45", "", "", "", "yesterday"],
        [BARNET, "NI999", "2007/08", "", "", "45", "", "", "", ""],
        [BARNET, "NI62", "2007/08", "", "", "see note", "", "", "", ""],
        [BARNET, "NI65", "2007/08", "", "", "12", "", "", "", ""],
        [BARNET, "NI65", "2007/08", "", "", "12", "", "", "", ""],
        [BARNET, "L02", "2007/08 Q1", "", "", "10", "", "", "", ""],
        [BARNET, "L02", "2007/08 Q1", "", "", "11", "", "", "", ""],
        [BARNET, "L01", "2007-08", "", "", "n/a", "", "Monthly", "", ""],
    ]
    result = parse(write_csv(csv_path, rows, header=[*CSV_HEADER, "submitted_on"]))
    grid = [CSV_HEADER + ["submitted_on"], *rows]
    assert len(result.issues) >= 8
    for finding in result.issues:
        column = openpyxl.utils.column_index_from_string("".join(ch for ch in finding["cell_ref"] if ch.isalpha()))
        assert int("".join(ch for ch in finding["cell_ref"] if ch.isdigit())) == finding["row_number"], finding
        assert finding["sheet"] == "PI data", finding
        assert grid[0][column - 1] == finding["column_name"], finding
        assert (finding["value_found"] or "") == grid[finding["row_number"] - 1][column - 1], finding


def test_a_phase_1_pi_absent_from_a_workbook_is_reported_missing(workbook_path, catalogue_rows):
    result = one_pi(workbook_path, pi_row("NI59", "2007/08 Q3", value=45))
    missing = {i["pi_code"] for i in result.issues if i["check_name"] == "pi_missing_from_return"}
    assert missing == {pi["pi_code"] for pi in catalogue_rows if pi["status"] == "phase_1"} - {"NI59"}
    assert {i["category"] for i in result.issues if i["check_name"] == "pi_missing_from_return"} == {"availability"}


def test_a_pi_whose_only_row_was_rejected_is_not_also_reported_missing(workbook_path):
    result = one_pi(workbook_path, pi_row("NI59", "banana", value=45))
    assert "NI59" not in {i["pi_code"] for i in result.issues if i["check_name"] == "pi_missing_from_return"}
    assert [(i["check_name"], i["cell_ref"]) for i in result.issues if i["pi_code"] == "NI59"] == [
        ("period_unreadable", "B2")
    ]


# -- feasibility and narrative -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "can_provide, main_issue, expected",
    [
        ("Yes", "None", ("yes", "none")),
        ("Partially", "Reporting cycle", ("partially", "reporting_cycle")),
        ("No", "Data availability", ("no", "data_availability")),
        ("Partially", "Data integrity", ("partially", "data_integrity")),
        ("No", "Other", ("no", "other")),
        ("no", " data availability ", ("no", "data_availability")),
    ],
)
def test_a_feasibility_answer_is_loaded(workbook_path, can_provide, main_issue, expected):
    result = parse(
        write_return(workbook_path, feasibility_rows=[["NI59", can_provide, main_issue, "Held by the MASH"]])
    )
    [answer] = result.feasibility
    assert pick(answer, "pi_code", "can_provide", "main_issue", "comment") == ("NI59", *expected, "Held by the MASH")
    assert checks_on(result, 2, "Feasibility") == set()


@pytest.mark.parametrize(
    "row, column",
    [
        (["NI59", "Maybe", "None", None], "Can provide"),
        (["NI59", "Yes", "Staffing", None], "Main issue"),
        (["NI999", "Yes", "None", None], "PI code"),
        ([None, "Yes", "None", "no code"], "PI code"),
    ],
)
def test_an_invalid_feasibility_row_is_rejected(workbook_path, row, column):
    result = parse(write_return(workbook_path, feasibility_rows=[row]))
    assert result.feasibility == []
    assert rejected_on(result, 2, "Feasibility")["reason"]
    [finding] = [i for i in result.issues if i["sheet"] == "Feasibility"]
    assert (finding["check_name"], finding["column_name"]) == ("answer_invalid", column)


def test_a_narrative_is_loaded_per_cluster(workbook_path):
    result = parse(
        write_return(workbook_path, narrative_rows=[["C01", "Referrals are timely"], [" c02 ", "Plans reviewed"]])
    )
    assert [pick(n, "cluster_code", "narrative") for n in result.narratives] == [
        ("C01", "Referrals are timely"),
        ("C02", "Plans reviewed"),
    ]


@pytest.mark.parametrize("code", ["C99", "NI59", None])
def test_a_narrative_for_an_unknown_cluster_is_rejected(workbook_path, code):
    result = parse(write_return(workbook_path, narrative_rows=[[code, "Some text"]]))
    assert result.narratives == []
    assert rejected_on(result, 2, "Narrative")["reason"]
    assert checks_on(result, 2, "Narrative") == {"answer_invalid"}


# -- the CSV form ---------------------------------------------------------------------------------------
def csv_row(
    pi_code, period, value, *, borough=BARNET, numerator=None, denominator=None, agency=None, frequency=None, note=None
):
    return [borough, pi_code, period, numerator, denominator, value, agency, frequency, note]


def test_a_utf8_csv_is_read_and_its_encoding_recorded(csv_path):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45, note="Café data – “final”")]))
    assert result.submission["file_format"] == "csv"
    assert codecs.lookup(result.submission["encoding"]).name == "utf-8"
    assert fact_on(result, 2)["note"] == "Café data – “final”"
    assert result.status == "accepted"


def test_a_utf8_csv_with_a_byte_order_mark_is_read(csv_path):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45, note="£5k budget")], bom=True))
    assert result.submission["borough_code"] == BARNET  # the first header survives the mark
    assert codecs.lookup(result.submission["encoding"]).name in ("utf-8", "utf-8-sig")
    assert fact_on(result, 2)["note"] == "£5k budget"


def test_a_windows_1252_csv_is_read_and_its_encoding_recorded(csv_path):
    note = "£250 spent – estimate"
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45, note=note)], encoding="cp1252"))
    assert codecs.lookup(result.submission["encoding"]).name == "cp1252"
    assert fact_on(result, 2)["note"] == note


def test_a_csv_naming_two_boroughs_is_rejected(csv_path):
    result = parse(
        write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45), csv_row("NI59", "2007/08 Q3", 50, borough="E09000007")])
    )
    assert_file_rejected(result, "borough_mismatch")


def test_a_csv_may_name_its_borough_by_legacy_code(csv_path):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45, borough="00AC")]))
    assert result.submission["borough_code"] == BARNET
    assert fact_on(result, 2)["borough_code"] == BARNET


def test_a_csv_mixing_a_boroughs_current_and_legacy_codes_names_one_borough(csv_path):
    result = parse(
        write_csv(
            csv_path,
            [
                csv_row("NI59", "2007/08 Q3", 45, borough="00AC"),
                csv_row("NI59", "2007/08 Q4", 47, borough=f" {BARNET}{NBSP}"),
            ],
        )
    )
    assert result.submission["borough_code"] == BARNET
    assert len(result.pi_values) == 2


@pytest.mark.parametrize("borough", ["E09000001", "00ZZ", None])
def test_a_csv_naming_no_known_borough_is_rejected(csv_path, borough):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45, borough=borough)]))
    assert_file_rejected(result, "borough_unknown")


def test_a_csv_submitted_on_column_gives_the_submission_date(csv_path):
    rows = [[*csv_row("NI59", "2007/08 Q3", 45), "2008-03-14"], [*csv_row("NI59", "2007/08 Q4", 45), "2008-03-14"]]
    result = parse(write_csv(csv_path, rows, header=[*CSV_HEADER, "submitted_on"]))
    assert result.submission["submitted_on"] == dt.date(2008, 3, 14)
    assert checks_on(result, 3) == {"period_incomplete"}


def test_a_csv_without_submitted_on_was_submitted_the_day_it_arrived(csv_path):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45)]))
    assert result.submission["submitted_on"] == RECEIVED_AT.date()


def test_a_csvs_rows_follow_the_same_period_and_value_rules(csv_path):
    result = parse(
        write_csv(
            csv_path,
            [
                csv_row("NI59", "Q3 2007/08", "45%"),
                csv_row("L01", "2007-08", "1,204", frequency="Monthly"),
                csv_row("NI62", "2007/08", "c"),
                csv_row("NI62", "2007/08 Q1", "approx 12"),
                csv_row("NI999", "2007/08", "45"),
                csv_row("NI59", "2007/08 Q1", "see note"),
                ["", "", "", "", "", "", "", "", ""],
            ],
        )
    )
    assert (fact_on(result, 2)["period"], fact_on(result, 2)["value"]) == ("2007/08 Q3", 45)
    assert pick(fact_on(result, 3), "period", "value") == ("2007-08", 1204)
    assert checks_on(result, 3) == {"period_ambiguous"}
    assert (fact_on(result, 4)["value"], fact_on(result, 4)["value_status"]) == (None, "suppressed")
    assert checks_on(result, 5) == {"qualified_number", "cadence_mismatch"}
    assert [(r["sheet"], r["row_number"]) for r in result.rejected_rows] == [("PI data", 6), ("PI data", 7)]


def test_a_csv_gives_no_missing_pi_findings_and_no_feasibility_or_narrative(csv_path):
    result = parse(write_csv(csv_path, [csv_row("NI59", "2007/08 Q3", 45)]))
    assert result.issues == []
    assert (result.feasibility, result.narratives) == ([], [])


def test_a_csv_header_in_another_case_and_order_is_read(csv_path):
    header = ["Value", "PI_Code", "Period", "Borough_Code", "Note"]
    result = parse(write_csv(csv_path, [["45", "NI59", "2007/08 Q3", BARNET, "ok"]], header=header))
    fact = fact_on(result, 2)
    assert (fact["pi_code"], fact["value"], fact["note"]) == ("NI59", 45, "ok")


def test_a_csv_that_is_binary_is_rejected(csv_path):
    csv_path.write_bytes(b"PK\x03\x04\x00\x00borough_code\x00\x81\x8d")
    assert_file_rejected(parse(csv_path), "file_unreadable")


def test_a_csv_saved_as_unicode_text_utf16_is_read(csv_path):
    text = (
        "borough_code,pi_code,period,numerator,denominator,value,source_agency,reporting_frequency,note\r\n"
        "E09000003,NI62,2007/08,12,100,12,Children's social care,Annual,Zoë’s note\r\n"
    )
    csv_path.write_bytes(text.encode("utf-16"))
    result = parse(csv_path)
    assert result.submission["encoding"] == "utf-16"
    assert [(f["pi_code"], f["value"], f["note"]) for f in result.pi_values] == [("NI62", 12.0, "Zoë’s note")]


def test_a_far_away_cell_is_found_whatever_the_tag_prefix_or_attribute_order():
    import io

    from lsdi_pipeline.returns.reader import FileRejected, scan_sheet

    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row>'
        b'<x:c s="1" r="XFD1048576" t="n"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    with pytest.raises(FileRejected) as rejected:
        scan_sheet("the 'PI data' sheet", io.BytesIO(xml), Limits())
    assert rejected.value.check_name == "file_limits" and "XFD1048576" in rejected.value.message


# -- what a sloppy or hostile return must not do (found in review) ------------------------------------------
@pytest.mark.parametrize("period", ["2300", "Q1 1066", "31/03/1208", dt.datetime(1208, 3, 31)])
def test_a_period_far_outside_any_real_year_is_a_rejected_row(workbook_path, period):
    result = one_pi(workbook_path, pi_row("NI62", period, value=12))
    assert result.status == "accepted_with_issues"
    assert [i["check_name"] for i in result.issues if i["pi_code"] == "NI62"] == ["period_unreadable"]
    assert "outside the years" in result.rejected_rows[0]["reason"]


def test_a_submission_date_in_the_year_208_is_unreadable_and_the_arrival_date_is_used(workbook_path):
    result = one_pi(
        workbook_path, pi_row("NI62", "2007/08", value=12, frequency="Annual"), about={"Submitted on": "0208-03-14"}
    )
    assert "submitted_on_invalid" in {i["check_name"] for i in result.issues}
    assert result.submission["submitted_on"] == dt.date(2008, 4, 20)


def test_a_submission_date_written_in_words_is_read(workbook_path):
    result = one_pi(
        workbook_path, pi_row("NI62", "2007/08", value=12, frequency="Annual"), about={"Submitted on": "14 April 2008"}
    )
    assert result.submission["submitted_on"] == dt.date(2008, 4, 14)


def test_a_feasibility_sheet_with_its_header_out_of_place_keeps_its_rows_as_rejected_rows(workbook_path):
    result = parse(
        write_return(
            workbook_path,
            pi_rows=[pi_row("NI62", "2007/08", value=12)],
            headers={"Feasibility": ["Feasibility of each PI"]},
            feasibility_rows=[["PI code", "Can provide", "Main issue", "Comment"], ["NI62", "Yes", "None", "ok"]],
        )
    )
    rejected = [r for r in result.rejected_rows if r["sheet"] == "Feasibility"]
    assert [r["row_number"] for r in rejected] == [2, 3]
    assert "header row (row 1) lacks 'PI code'" in rejected[0]["reason"]


def test_the_official_ni_spelling_of_a_pi_code_is_accepted(workbook_path):
    result = one_pi(workbook_path, pi_row("NI 62", "2007/08", value=12, frequency="Annual"))
    assert [f["pi_code"] for f in result.pi_values] == ["NI62"]


def test_a_percentage_for_a_count_pi_is_a_warning(workbook_path):
    result = one_pi(workbook_path, pi_row("L01", "Apr 2007", value="45%", frequency="Monthly"))
    assert "unit_mismatch" in {i["check_name"] for i in result.issues}
    assert result.figures[0]["quality_status"] == "warning"
