"""The GX business expectations on availability, cadence and integrity (lsdi_pipeline.expectations.suites).

Three runs are shared by the tests (GX costs seconds to import, milliseconds per expectation):
a *clean* set of families that breaks nothing, a *faulty* set in which each rule is broken by
rows of its own (so each expectation's count is exact), and empty families. The faulty run
also writes Data Docs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lsdi_pipeline.expectations.suites import EXPECTATIONS, OUTCOME_COLUMNS, SAMPLE_SIZE, SUITES, run_expectations

NaN = np.nan
REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# The families. Each row: (borough_code, pi_code, period, ...); the rows that break a rule name
# it in the comment. The clean families are the rows that break nothing.
# ---------------------------------------------------------------------------------------------

AVAILABILITY_CLEAN = [
    ("00AA", "NI59", "2007/08", "provided"),
    ("00AB", "NI60", "2007/08 Q2", "provided"),
]
AVAILABILITY_FAULTY = AVAILABILITY_CLEAN + [
    ("00AC", "NI62", "2007/08", "not_provided"),  # pi_not_provided
    ("00AD", "NI63", "2007/08 Q3", "suppressed"),  # pi_not_provided
    ("00AE", "NI64", "2007/08", "missing"),  # period_missing
    ("00AF", "NI65", "2007/08", "provided"),  # availability_grid (twice)
    ("00AF", "NI65", "2007/08", "provided"),
]

CADENCE_CLEAN = [
    # borough, PI, period, expected_cadence, period_cadence, declared_frequency, expected_basis, period_basis
    ("00AA", "NI59", "2007/08", "annual", "annual", "annual", "financial_year", "financial_year"),
    ("00AB", "NI60", "2007/08 Q2", "quarterly", "quarterly", None, "financial_year", "financial_year"),
    ("00AC", "NI62", "2008-03-31", "annual", None, "annual", "snapshot", "snapshot"),  # snapshot: no period cadence
]
CADENCE_FAULTY = CADENCE_CLEAN + [
    ("00AD", "NI63", "2007/08 Q3", "annual", "quarterly", None, "financial_year", "financial_year"),  # cadence_mismatch
    (
        "00AE",
        "NI64",
        "2007/08",
        "annual",
        "annual",
        "monthly",
        "financial_year",
        "financial_year",
    ),  # frequency_contradicts_period
    ("00AF", "NI65", "2007", "annual", "annual", "annual", "financial_year", "calendar_year"),  # basis_mixed
]

INTEGRITY_CLEAN = [
    # borough, PI, period, unit, value, numerator, denominator, valid_min, valid_max, computed_value, robust_z
    ("00AA", "NI59", "2007/08", "percent", 50.0, 5, 10, 0, 100, 50.0, 0.5),
    ("00AB", "NI60", "2007/08", "percent", 33.3, 1, 3, 0, 100, 100 / 3, -3.5),  # rounding; z on the limit
    (
        "00AC",
        "NI62",
        "2007/08",
        "percent",
        1.1,
        3,
        500,
        0,
        100,
        0.6,
        NaN,
    ),  # 0.5 off (0.5000000000000001 in floats): rounding
    ("00AD", "NI63", "2007/08", "count", 0.0, NaN, NaN, 0, NaN, NaN, 3.5),  # no maximum
    ("00AE", "NI64", "2007/08", "percent", 100.0, 7, 7, 0, 100, 100.0, NaN),  # numerator = denominator
]
INTEGRITY_FAULTY = INTEGRITY_CLEAN + [
    ("00AF", "NI65", "2007/08 Q1", "percent", 120.0, NaN, NaN, NaN, NaN, NaN, NaN),  # percent_out_of_range
    ("00AG", "NI66", "2007/08 Q2", "count", -3.0, NaN, NaN, NaN, NaN, NaN, NaN),  # count_invalid
    ("00AH", "NI67", "2007/08 Q3", "percent", NaN, 12, 10, 0, 100, NaN, NaN),  # numerator_exceeds_denominator
    ("00AJ", "NI68", "2007/08", "rate_per_10k", 900.0, NaN, NaN, 0, 500, NaN, NaN),  # value_out_of_range (above)
    ("00AK", "NI69", "2007/08", "rate_per_10k", -2.0, NaN, NaN, 0, 500, NaN, NaN),  # value_out_of_range (below)
    ("00AL", "NI70", "2007/08", "percent", 40.0, 1, 2, 0, 100, 50.0, NaN),  # value_inconsistent
    ("00AM", "NI71", "2007/08", "days", 61.0, NaN, NaN, 0, NaN, NaN, 5.2),  # outlier
]

#: each rule and the rows of the faulty families that break it
BROKEN_BY = {
    "period_missing": [("00AE", "NI64", "2007/08")],
    "pi_not_provided": [("00AC", "NI62", "2007/08"), ("00AD", "NI63", "2007/08 Q3")],
    "availability_grid": [("00AF", "NI65", "2007/08"), ("00AF", "NI65", "2007/08")],
    "cadence_mismatch": [("00AD", "NI63", "2007/08 Q3")],
    "frequency_contradicts_period": [("00AE", "NI64", "2007/08")],
    "basis_mixed": [("00AF", "NI65", "2007")],
    "numerator_exceeds_denominator": [("00AH", "NI67", "2007/08 Q3")],
    "percent_out_of_range": [("00AF", "NI65", "2007/08 Q1")],
    "count_invalid": [("00AG", "NI66", "2007/08 Q2")],
    "value_out_of_range": [("00AJ", "NI68", "2007/08"), ("00AK", "NI69", "2007/08")],
    "value_inconsistent": [("00AL", "NI70", "2007/08")],
    "outlier": [("00AM", "NI71", "2007/08")],
}


def availability_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["borough_code", "pi_code", "period", "status"])


def cadence_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "borough_code",
            "pi_code",
            "period",
            "expected_cadence",
            "period_cadence",
            "declared_frequency",
            "expected_basis",
            "period_basis",
        ],
    )


def integrity_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "borough_code",
            "pi_code",
            "period",
            "unit",
            "value",
            "numerator",
            "denominator",
            "valid_min",
            "valid_max",
            "computed_value",
            "robust_z",
        ],
    )


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return run_expectations(
        availability_frame(AVAILABILITY_CLEAN), cadence_frame(CADENCE_CLEAN), integrity_frame(INTEGRITY_CLEAN)
    )


@pytest.fixture(scope="module")
def data_docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gx") / "data_docs"


@pytest.fixture(scope="module")
def faulty(data_docs_dir) -> pd.DataFrame:
    return run_expectations(
        availability_frame(AVAILABILITY_FAULTY),
        cadence_frame(CADENCE_FAULTY),
        integrity_frame(INTEGRITY_FAULTY),
        data_docs_dir=data_docs_dir,
    )


def outcomes_of(results: pd.DataFrame, check_name: str) -> pd.DataFrame:
    """The outcomes of a rule's expectations on the row-level frames (not the per-PI and per-borough shares)."""
    rows = results.loc[(results["check_name"] == check_name) & ~results["suite"].str.startswith("availability_by")]
    assert len(rows), f"no expectation for {check_name}"
    return rows


def sample_rows(rows: pd.DataFrame) -> list[dict]:
    return [row for sample in rows["unexpected_sample"] for row in json.loads(sample)]


def located(rows: pd.DataFrame) -> list[tuple]:
    return sorted((r["borough_code"], r["pi_code"], r["period"]) for r in sample_rows(rows))


# ---------------------------------------------------------------------------------------------
# One passing and one failing case for every rule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("check_name", list(BROKEN_BY))
def test_rule_passes_on_families_that_keep_it(clean, check_name):
    rows = outcomes_of(clean, check_name)
    assert rows["success"].all()
    assert rows["unexpected_count"].sum() == 0
    assert sample_rows(rows) == []


@pytest.mark.parametrize("check_name, broken_by", list(BROKEN_BY.items()))
def test_rule_fails_and_names_the_rows_that_break_it(faulty, check_name, broken_by):
    rows = outcomes_of(faulty, check_name)
    assert not rows["success"].all()
    assert rows["unexpected_count"].sum() == len(broken_by)
    assert located(rows) == sorted(broken_by)


def test_availability_per_pi_and_per_borough_is_held_against_the_target():
    from lsdi_pipeline.checks.rules.availability import AVAILABILITY_TARGET

    grid = [
        (b, pi, p, "provided")
        for b in ("00AB", "00AC")
        for pi in ("NI59", "NI60")
        for p in ("2007/08 Q1", "2007/08 Q2")
    ]
    grid = [(b, pi, p, "missing" if (pi == "NI60" or b == "00AC") and p.endswith("Q2") else s) for b, pi, p, s in grid]
    grid += [("00AD", "NI59", "2007/08 Q1", "not_provided"), ("00AD", "NI60", "2007/08 Q1", "not_provided")]
    results = run_expectations(availability_frame(grid), cadence_frame([]), integrity_frame([]))
    by = {
        suite: results.loc[results["suite"] == suite].iloc[0]
        for suite in ("availability_by_pi", "availability_by_borough")
    }
    # NI59: 3 of 5 provided (60%), NI60: 2 of 5 (40%); 00AB 3 of 4 (75%), 00AC 2 of 4 (50%), 00AD 0 of 2
    assert AVAILABILITY_TARGET == 75
    assert sorted(row["pi_code"] for row in json.loads(by["availability_by_pi"]["unexpected_sample"])) == [
        "NI59",
        "NI60",
    ]
    assert sorted(row["borough_code"] for row in json.loads(by["availability_by_borough"]["unexpected_sample"])) == [
        "00AC",
        "00AD",
    ]
    assert by["availability_by_borough"]["element_count"] == 3


def test_every_expectation_is_exercised():
    assert {spec.check_name for spec in EXPECTATIONS} == set(BROKEN_BY)


# ---------------------------------------------------------------------------------------------
# What the outcomes say
# ---------------------------------------------------------------------------------------------


def test_one_row_per_expectation_in_suite_order(faulty):
    assert list(faulty.columns) == OUTCOME_COLUMNS
    assert list(faulty["check_name"]) == [spec.check_name for spec in EXPECTATIONS]
    assert list(faulty["suite"].unique()) == list(SUITES)


def test_outcome_names_the_gx_expectation_and_the_column_under_test(faulty):
    grid = outcomes_of(faulty, "availability_grid").iloc[0]
    assert grid["expectation"] == "expect_compound_columns_to_be_unique"
    assert grid["column"] is None
    numerator = outcomes_of(faulty, "numerator_exceeds_denominator").iloc[0]
    assert (numerator["expectation"], numerator["column"]) == (
        "expect_column_pair_values_a_to_be_greater_than_b",
        "numerator",
    )


def test_sample_carries_the_values_under_test(faulty):
    [percent] = sample_rows(outcomes_of(faulty, "percent_out_of_range"))
    assert percent["value"] == 120.0
    [ratio] = sample_rows(outcomes_of(faulty, "numerator_exceeds_denominator"))
    assert (ratio["numerator"], ratio["denominator"]) == (12, 10)
    [cadence] = sample_rows(outcomes_of(faulty, "cadence_mismatch"))
    assert (cadence["period_cadence"], cadence["expected_cadence"]) == ("quarterly", "annual")
    [gap] = sample_rows(outcomes_of(faulty, "value_inconsistent"))
    assert (gap["computed_value_gap"], gap["value"]) == (10.0, 40.0)


def test_value_below_the_minimum_and_above_the_maximum_are_separate_expectations(faulty):
    below, above = (json.loads(s) for s in outcomes_of(faulty, "value_out_of_range")["unexpected_sample"])
    assert [(r["borough_code"], r["valid_min"]) for r in below] == [("00AK", 0)]
    assert [(r["borough_code"], r["valid_max"]) for r in above] == [("00AJ", 500)]


def test_sample_is_plain_json_with_null_for_a_missing_number(faulty):
    [row] = sample_rows(outcomes_of(faulty, "numerator_exceeds_denominator"))
    assert row["value"] is None


def test_provision_is_measured_over_the_figures_a_return_gave(faulty):
    """A missing figure is period_missing's finding, not also pi_not_provided's."""
    provision = outcomes_of(faulty, "pi_not_provided").iloc[0]
    present = sum(status != "missing" for *_, status in AVAILABILITY_FAULTY)
    assert provision["element_count"] == present
    assert provision["unexpected_percent"] == pytest.approx(100 * 2 / present)


def test_unit_rules_look_only_at_their_unit(faulty):
    percent_rows = sum(unit == "percent" for _, _, _, unit, *_ in INTEGRITY_FAULTY)
    count_rows = sum(unit == "count" for _, _, _, unit, *_ in INTEGRITY_FAULTY)
    assert outcomes_of(faulty, "percent_out_of_range").iloc[0]["element_count"] == percent_rows
    assert outcomes_of(faulty, "count_invalid").iloc[0]["element_count"] == count_rows


def test_sample_is_capped_at_ten_rows_and_no_progress_bar_is_drawn(capfd):
    missing = [(f"00{chr(65 + i)}A", "NI59", "2007/08", "missing") for i in range(15)]
    results = run_expectations(availability_frame(missing), cadence_frame([]), integrity_frame([]))
    period_missing = outcomes_of(results, "period_missing").iloc[0]
    assert period_missing["unexpected_count"] == 15
    assert len(json.loads(period_missing["unexpected_sample"])) == SAMPLE_SIZE == 10
    assert "Calculating Metrics" not in capfd.readouterr().err


def test_frame_index_does_not_matter():
    """Rows are located by borough, PI and period, whatever index the caller's frame has."""
    integrity = integrity_frame(INTEGRITY_FAULTY).set_index("pi_code", drop=False)
    results = run_expectations(availability_frame(AVAILABILITY_CLEAN), cadence_frame(CADENCE_CLEAN), integrity)
    assert located(outcomes_of(results, "outlier")) == BROKEN_BY["outlier"]


# ---------------------------------------------------------------------------------------------
# Empty families, missing columns
# ---------------------------------------------------------------------------------------------


def test_empty_families_pass_with_nothing_counted():
    results = run_expectations(availability_frame([]), pd.DataFrame(), integrity_frame([]))
    assert len(results) == len(EXPECTATIONS)
    assert results["success"].all()
    assert (results["element_count"] == 0).all()
    assert (results["unexpected_count"] == 0).all()
    assert (results["unexpected_sample"] == "[]").all()


def test_family_without_a_column_it_needs_is_refused():
    cadence = cadence_frame(CADENCE_CLEAN).drop(columns="period_basis")
    with pytest.raises(ValueError, match="cadence frame has no column period_basis"):
        run_expectations(availability_frame(AVAILABILITY_CLEAN), cadence, integrity_frame(INTEGRITY_CLEAN))


# ---------------------------------------------------------------------------------------------
# Data Docs and the cost of importing GX
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_data_docs_index_links_a_validation_page_per_suite(faulty, data_docs_dir, suite):
    index = (data_docs_dir / "index.html").read_text()
    [page] = (data_docs_dir / "validations" / suite).rglob("*.html")
    assert page.relative_to(data_docs_dir).as_posix() in index


def test_importing_the_module_does_not_import_great_expectations():
    probe = "import sys, lsdi_pipeline.expectations.suites; print('great_expectations' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
