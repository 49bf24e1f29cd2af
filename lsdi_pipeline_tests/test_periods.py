"""The period grammar of LSDI-R1 (return-format.md, *Periods*)."""

from __future__ import annotations

import datetime as dt

import pytest

from lsdi_pipeline.periods import expected_periods, read_period

D = dt.date

CANONICAL = [
    # label, period_type, first day, last day
    ("2007/08", "year", D(2007, 4, 1), D(2008, 3, 31)),
    ("2007/08 Q1", "quarter", D(2007, 4, 1), D(2007, 6, 30)),
    ("2007/08 Q2", "quarter", D(2007, 7, 1), D(2007, 9, 30)),
    ("2007/08 Q3", "quarter", D(2007, 10, 1), D(2007, 12, 31)),
    ("2007/08 Q4", "quarter", D(2008, 1, 1), D(2008, 3, 31)),
    ("2007-12", "month", D(2007, 12, 1), D(2007, 12, 31)),
    ("2008-02", "month", D(2008, 2, 1), D(2008, 2, 29)),
    ("2007", "calendar_year", D(2007, 1, 1), D(2007, 12, 31)),
    ("2007 Q1", "calendar_quarter", D(2007, 1, 1), D(2007, 3, 31)),
    ("2007 Q4", "calendar_quarter", D(2007, 10, 1), D(2007, 12, 31)),
    ("2008-03-31", "snapshot", D(2008, 3, 31), D(2008, 3, 31)),
]


@pytest.mark.parametrize("label, period_type, start, end", CANONICAL)
def test_canonical_label_reads_as_itself_with_its_dates(label, period_type, start, end):
    reading = read_period(label)
    assert reading.error is None and reading.ambiguity is None
    assert (reading.period.label, reading.period.period_type, reading.period.start, reading.period.end) == (
        label,
        period_type,
        start,
        end,
    )


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("2007–08", "2007/08"),  # en dash
        ("2007/2008", "2007/08"),
        ("FY 2007/08", "2007/08"),
        ("2007-08 Q3", "2007/08 Q3"),
        ("Q3 2007/08", "2007/08 Q3"),
        ("Dec 2007", "2007-12"),
        ("December 2007", "2007-12"),
        ("12/2007", "2007-12"),
        ("Q4 2007", "2007 Q4"),
        ("31/03/2008", "2008-03-31"),
    ],
)
def test_accepted_spelling_reads_as_the_canonical_period(written, canonical):
    reading = read_period(written)
    assert reading.error is None and reading.ambiguity is None
    assert reading.period == read_period(canonical).period
    assert reading.period.label == canonical


def test_day_first_date_is_read_day_first():
    assert read_period("01/03/2008").period.start == D(2008, 3, 1)


@pytest.mark.parametrize("cell", [dt.datetime(2007, 12, 1), D(2007, 12, 1)])
def test_date_cell_on_the_first_of_a_month_is_that_month(cell):
    period = read_period(cell).period
    assert (period.label, period.period_type, period.start, period.end) == (
        "2007-12",
        "month",
        D(2007, 12, 1),
        D(2007, 12, 31),
    )


@pytest.mark.parametrize(
    "cell, label",
    [
        (dt.datetime(2008, 3, 31), "2008-03-31"),
        (D(2008, 3, 31), "2008-03-31"),
        (dt.datetime(2007, 12, 15), "2007-12-15"),
    ],
)
def test_date_cell_on_any_other_day_is_a_snapshot(cell, label):
    period = read_period(cell).period
    assert (period.label, period.period_type, period.start, period.end) == (
        label,
        "snapshot",
        cell_date(cell),
        cell_date(cell),
    )


def cell_date(cell) -> dt.date:
    return cell.date() if isinstance(cell, dt.datetime) else cell


# -- the ambiguity rule -----------------------------------------------------------------------
@pytest.mark.parametrize("frequency", ["annual", None])
def test_yyyy_yy_on_an_annual_or_undeclared_row_is_the_financial_year_with_a_stated_ambiguity(frequency):
    reading = read_period("2007-08", frequency)
    assert reading.period == read_period("2007/08").period
    assert reading.ambiguity


def test_yyyy_yy_on_a_monthly_row_is_the_month_with_a_stated_ambiguity():
    reading = read_period("2007-08", "monthly")
    assert (reading.period.label, reading.period.period_type) == ("2007-08", "month")
    assert (reading.period.start, reading.period.end) == (D(2007, 8, 1), D(2007, 8, 31))
    assert reading.ambiguity


@pytest.mark.parametrize("frequency", ["monthly", "annual", None])
def test_yyyy_mm_that_cannot_be_a_financial_year_is_a_month_without_ambiguity(frequency):
    reading = read_period("2007-12", frequency)
    assert reading.period.label == "2007-12" and reading.period.period_type == "month"
    assert reading.ambiguity is None


@pytest.mark.parametrize("written", ["2007/08", "2007–08", "2007/2008", "FY 2007/08"])
def test_unambiguous_financial_year_spellings_carry_no_ambiguity_on_a_monthly_row(written):
    reading = read_period(written, "monthly")
    assert reading.period.label == "2007/08" and reading.ambiguity is None


# -- unreadable periods -------------------------------------------------------------------------
@pytest.mark.parametrize("written", ["2007/09", "Q5 2007", "31/02/2008", "2007-13", "banana", "", "   ", None])
def test_unreadable_period_gives_an_error_not_an_exception(written):
    reading = read_period(written)
    assert reading.period is None
    assert reading.error


# -- expected periods -------------------------------------------------------------------------------
MONTHS_2007_08 = [
    "2007-04",
    "2007-05",
    "2007-06",
    "2007-07",
    "2007-08",
    "2007-09",
    "2007-10",
    "2007-11",
    "2007-12",
    "2008-01",
    "2008-02",
    "2008-03",
]


@pytest.mark.parametrize(
    "cadence, basis, labels",
    [
        ("annual", "financial_year", ["2007/08"]),
        ("quarterly", "financial_year", ["2007/08 Q1", "2007/08 Q2", "2007/08 Q3", "2007/08 Q4"]),
        ("monthly", "financial_year", MONTHS_2007_08),
        ("annual", "calendar_year", ["2007"]),
        ("annual", "snapshot", ["2008-03-31"]),
        ("quarterly", "snapshot", ["2007-06-30", "2007-09-30", "2007-12-31", "2008-03-31"]),
        (
            "monthly",
            "snapshot",
            [
                "2007-04-30",
                "2007-05-31",
                "2007-06-30",
                "2007-07-31",
                "2007-08-31",
                "2007-09-30",
                "2007-10-31",
                "2007-11-30",
                "2007-12-31",
                "2008-01-31",
                "2008-02-29",
                "2008-03-31",
            ],
        ),
    ],
)
def test_expected_periods_of_a_financial_year_for_each_cadence_and_basis(cadence, basis, labels):
    assert [p.label for p in expected_periods(2007, cadence, basis)] == labels


@pytest.mark.parametrize(
    "cadence, basis",
    [
        ("annual", "financial_year"),
        ("quarterly", "financial_year"),
        ("monthly", "financial_year"),
        ("annual", "calendar_year"),
        ("annual", "snapshot"),
        ("quarterly", "snapshot"),
        ("monthly", "snapshot"),
    ],
)
def test_expected_periods_are_canonical_periods(cadence, basis):
    for period in expected_periods(2007, cadence, basis):
        assert read_period(period.label, cadence).period == period
