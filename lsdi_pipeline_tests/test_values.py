"""Reading a number cell (return-format.md, *Values*): a value and a status, never a silent NaN."""

from __future__ import annotations

import datetime as dt

import pytest

from lsdi_pipeline.returns.values import read_number

NBSP = "\u00a0"


@pytest.mark.parametrize(
    "cell, number",
    [
        (45, 45),
        (45.5, 45.5),
        (0, 0),
        ("45", 45),
        ("45.5", 45.5),
        ("1,204", 1204),
        ("12,345,678", 12345678),
        ("1,204.5", 1204.5),
        (f"{NBSP}45{NBSP}", 45),
        (f" 1,204{NBSP}", 1204),
    ],
)
def test_number_however_typed_is_reported(cell, number):
    reading = read_number(cell)
    assert (reading.status, reading.number, reading.qualified) == ("reported", number, False)


@pytest.mark.parametrize("cell", ["45%", "45 %", f"45%{NBSP}"])
def test_percentage_written_as_text_means_its_number(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number) == ("reported", 45)


@pytest.mark.parametrize("number_format", ["0%", "0.0%", "0.00%"])
def test_fraction_in_a_percentage_formatted_cell_means_its_percentage(number_format):
    reading = read_number(0.45, number_format)
    assert reading.status == "reported"
    assert reading.number == pytest.approx(45)


def test_fraction_in_a_general_cell_stays_a_fraction():
    assert read_number(0.45, "General").number == 0.45


@pytest.mark.parametrize("cell", ["approx 45", "approx. 45", "c. 45", "c.45", "~45", "~ 45", f"approx{NBSP}45"])
def test_qualified_number_is_read_as_the_number_and_flagged(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number, reading.qualified) == ("reported", 45, True)


@pytest.mark.parametrize(
    "cell",
    [
        None,
        "",
        "   ",
        NBSP,
        "n/a",
        "N/A",
        "-",
        "not collected",
        "Not collected",
        "not available",
        "nk",
        "NK",
        f"{NBSP}n/a{NBSP}",
        f"not{NBSP}collected",
    ],
)
def test_not_provided_marker_has_no_number(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number) == ("not_provided", None)


@pytest.mark.parametrize("cell", ["<5", "c", "C", "[c]", "[C]", "*", f"{NBSP}<5"])
def test_suppression_marker_has_no_number(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number) == ("suppressed", None)


@pytest.mark.parametrize(
    "cell", ["see note", "45 (provisional)", "forty-five", "12,04", "45 children", "approx", "1.2.3"]
)
def test_stray_text_is_unreadable_with_a_problem(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number) == ("unreadable", None)
    assert cell in reading.problem


@pytest.mark.parametrize("cell", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])
def test_excel_error_is_unreadable_and_named(cell):
    reading = read_number(cell)
    assert (reading.status, reading.number) == ("unreadable", None)
    assert cell in reading.problem


@pytest.mark.parametrize("cell", [dt.datetime(2008, 3, 31), True])
def test_a_date_or_a_boolean_is_not_a_number(cell):
    assert read_number(cell).status == "unreadable"


@pytest.mark.parametrize("typed, number", [("1 204", 1204.0), ("1\u00a0204", 1204.0), ("12 345 678", 12345678.0)])
def test_spaces_between_thousands_are_read(typed, number):
    assert read_number(typed).number == number


@pytest.mark.parametrize(
    "typed, status",
    [("NA", "not_provided"), ("N/K", "not_provided"), ("\u2014", "not_provided"), ("< 5", "suppressed")],
)
def test_common_spellings_of_the_markers_are_read(typed, status):
    assert read_number(typed).status == status


def test_an_infinite_number_is_unreadable_not_silently_missing():
    reading = read_number(float("inf"))
    assert reading.status == "unreadable" and "too large" in reading.problem


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("c", "suppressed"),
        ("[c]", "suppressed"),
        ("x", "not_available"),
        ("X", "not_available"),
        (":", "not_available"),
        ("[x]", "not_available"),
        ("z", "not_applicable"),
        ("[z]", "not_applicable"),
        ("u", "low_reliability"),
        ("[u]", "low_reliability"),
        ("low", "rounds_to_zero"),
        ("LOW", "rounds_to_zero"),
        ("k", "rounds_to_zero"),
        ("~", "rounds_to_zero"),
        (f" {NBSP}z ", "not_applicable"),
    ],
)
def test_each_dfe_symbol_reads_with_its_meaning_and_no_number(cell, status):
    reading = read_number(cell)
    assert (reading.status, reading.number, reading.problem) == (status, None, None)


def test_a_tilde_before_a_number_is_still_an_approximate_figure():
    reading = read_number("~ 45")
    assert (reading.status, reading.number, reading.qualified) == ("reported", 45.0, True)
