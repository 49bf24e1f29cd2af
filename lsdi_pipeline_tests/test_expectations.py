"""The GX business expectations on availability, cadence and integrity (lsdi_pipeline.expectations).

The families are built as the asset builds them (`expectations.families`), from small warehouse
tables: figures as the parser reads them, a catalogue, the pilot. Three runs are shared by the
tests (GX costs seconds to import, milliseconds per expectation): a *clean* set of figures that
breaks nothing, a *faulty* set in which each rule is broken by figures of its own (so each
expectation's count is exact), and empty families. The faulty run also writes Data Docs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lsdi_pipeline.checks.figures import Figure
from lsdi_pipeline.checks.rules.integrity import OUTLIER_MIN_BOROUGHS
from lsdi_pipeline.expectations import worker
from lsdi_pipeline.expectations.families import (
    LOADED_COLUMNS,
    availability_frame,
    cadence_frame,
    expectation_families,
    integrity_frame,
)
from lsdi_pipeline.expectations.suites import (
    EXPECTATIONS,
    FAMILIES,
    OUTCOME_COLUMNS,
    RULES_JUDGED,
    SAMPLE_SIZE,
    SUITES,
    outcome_table,
    run_expectations,
)
from lsdi_pipeline.periods import read_period
from lsdi_pipeline.returns.tables import cell_text
from lsdi_pipeline.returns.values import read_number

REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# The warehouse tables the families are built from
# ---------------------------------------------------------------------------------------------


def catalogue(rows) -> pd.DataFrame:
    """dim_indicator: (pi_code, unit, expected_cadence, period_basis, valid_min, valid_max), phase 1 unless named."""
    optional = (None, None, "phase_1")  # no valid range; phase 1
    frame = pd.DataFrame(
        [(*row, *optional[len(row) - 4 :]) for row in rows],
        columns=["pi_code", "unit", "expected_cadence", "period_basis", "valid_min", "valid_max", "status"],
    )
    return frame.astype({"valid_min": "float64", "valid_max": "float64"})


FACT_COLUMNS = [
    "submission_id",
    "borough_code",
    "pi_code",
    "period",
    "period_type",
    "period_start",
    "period_end",
    "value",
    "value_status",
    "raw_value",
    "numerator",
    "denominator",
    "reported_frequency",
    "quality_status",
    "is_current",
    "sheet",
    "row_number",
    "value_cell_ref",
]


def facts(rows, *, doubled=()) -> pd.DataFrame:
    """fact_pi_value, current figures: (borough_code, pi_code, period, value[, numerator, denominator[, frequency]]).

    The value is read as the parser reads a cell ('n/a', 'x' and '<5' are markers); a key in `doubled` has two
    current figures (a broken warehouse).
    """
    rows = [*rows, *(row for row in rows if tuple(row[:3]) in doubled)]
    records = []
    for row_number, row in enumerate(rows, start=2):
        borough, pi, period, value, numerator, denominator, frequency = (*row, None, None, None)[:7]
        cell, reading = read_number(value), read_period(period).period
        records.append(
            (
                *(1, borough, pi, period, reading.period_type, pd.Timestamp(reading.start), pd.Timestamp(reading.end)),
                *(cell.number, cell.status, cell_text(value), numerator, denominator, frequency),
                *("ok", True, "PI data", row_number, f"E{row_number}"),
            )
        )
    frame = pd.DataFrame(records, columns=FACT_COLUMNS)
    return frame.astype({"value": "float64", "numerator": "float64", "denominator": "float64", "is_current": bool})


SUBMISSION = pd.DataFrame({"submission_id": [1], "status": ["accepted"], "return_period": ["2007/08"]})
#: dim_borough: no child population is known, so no count is compared per child
BOROUGHS = pd.DataFrame({"borough_code": pd.Series(dtype=object), "child_population": pd.Series(dtype="float64")})


def pilot(*boroughs) -> pd.DataFrame:
    return pd.DataFrame({"borough_code": list(boroughs)})


# ---------------------------------------------------------------------------------------------
# The figures. The rows that break a rule name it in the comment; the clean rows break nothing.
# ---------------------------------------------------------------------------------------------

AVAILABILITY_PIS = catalogue(
    [
        ("NI59", "percent", "annual", "financial_year", 0, 100),
        ("NI60", "percent", "quarterly", "financial_year", 0, 100),
        ("NI58", "percent", "annual", "financial_year", 0, 100, "postponed"),  # not asked for: not in the grid
    ]
)
COMPLETE = [("NI59", "2007/08", 40)] + [("NI60", f"2007/08 Q{q}", 50) for q in range(1, 5)]
AVAILABILITY_CLEAN = [(b, pi, period, value) for b in ("00AA", "00AB") for pi, period, value in COMPLETE]
AVAILABILITY_FAULTY = AVAILABILITY_CLEAN + [
    ("00AC", "NI59", "2007/08", "n/a"),  # pi_not_provided
    ("00AC", "NI60", "2007/08 Q1", "x"),  # pi_not_provided (not available)
    ("00AC", "NI60", "2007/08 Q2", "<5"),  # suppressed: pi_suppressed's finding, not pi_not_provided's
    ("00AC", "NI60", "2007/08 Q3", 55),
    # 00AC NI60 2007/08 Q4: no figure at all, period_missing
]
AVAILABILITY_DOUBLED = {("00AB", "NI59", "2007/08")}  # availability_grid (twice)

CADENCE_PIS = catalogue(
    [
        ("NI59", "percent", "annual", "financial_year"),
        ("NI60", "percent", "quarterly", "financial_year"),
        ("NI62", "count", "annual", "snapshot"),
        ("NI63", "percent", "annual", "financial_year"),
        ("NI64", "percent", "annual", "financial_year"),
        ("NI65", "percent", "annual", "financial_year"),
    ]
)
CADENCE_CLEAN = [
    # borough, PI, period, value, numerator, denominator, declared frequency
    ("00AA", "NI59", "2007/08", 40, None, None, "annual"),
    ("00AB", "NI60", "2007/08 Q2", 40),
    ("00AC", "NI62", "2008-03-31", 12, None, None, "annual"),  # a snapshot at the year end of an annual snapshot PI
]
CADENCE_FAULTY = CADENCE_CLEAN + [
    ("00AD", "NI63", "2007/08 Q3", 40),  # cadence_mismatch
    ("00AE", "NI64", "2007/08", 40, None, None, "monthly"),  # frequency_contradicts_period
    ("00AF", "NI65", "2007/08", 40),
    ("00AF", "NI65", "2007", 40),  # basis_mixed: a calendar year in a series of financial years
]

INTEGRITY_PIS = catalogue(
    [
        (pi, unit, "annual", "financial_year", low, high)
        for pi, unit, low, high in [
            ("NI59", "percent", 0, 100),
            ("NI60", "percent", 0, 100),
            ("NI62", "percent", 0, 100),
            ("NI63", "count", 0, None),
            ("NI64", "percent", 0, 100),
            ("NI65", "percent", None, None),
            ("NI66", "count", None, None),
            ("NI67", "percent", 0, 100),
            ("NI68", "rate_per_10k", 0, 500),
            ("NI69", "rate_per_10k", 0, 500),
            ("NI70", "percent", 0, 100),
            ("NI71", "days", 0, None),
            ("NI72", "days", 0, None),
        ]
    ]
)
INTEGRITY_CLEAN = [
    # borough, PI, period, value, numerator, denominator
    ("00AA", "NI59", "2007/08", 50.0, 5, 10),
    ("00AB", "NI60", "2007/08", 33.3, 1, 3),  # rounding
    ("00AC", "NI62", "2007/08", 1.1, 3, 500),  # 0.5 off (0.5000000000000001 in floats): rounding
    ("00AD", "NI63", "2007/08", 0.0),  # no maximum
    ("00AE", "NI64", "2007/08", 100.0, 7, 7),  # numerator = denominator
    # four boroughs' NI71: the median and spread the faulty 00AM is judged against
    *((b, "NI71", "2007/08", v) for b, v in (("00AP", 10.0), ("00AQ", 11.0), ("00AR", 12.0), ("00AS", 13.0))),
    # one figure far from the others, but too few boroughs to call it an outlier
    *((b, "NI72", "2007/08", v) for b, v in (("00AP", 10.0), ("00AQ", 11.0), ("00AR", 12.0), ("00AS", 90.0))),
]
INTEGRITY_FAULTY = INTEGRITY_CLEAN + [
    ("00AF", "NI65", "2007/08 Q1", 120.0),  # percent_out_of_range
    ("00AG", "NI66", "2007/08 Q2", -3.0),  # count_invalid
    ("00AN", "NI66", "2007/08 Q3", 2.5),  # count_invalid: a count is a whole number
    ("00AH", "NI67", "2007/08 Q3", "n/a", 12, 10),  # numerator_exceeds_denominator, on a figure not provided
    ("00AJ", "NI68", "2007/08", 900.0),  # value_out_of_range (above)
    ("00AK", "NI69", "2007/08", -2.0),  # value_out_of_range (below)
    ("00AL", "NI70", "2007/08", 40.0, 1, 2),  # value_inconsistent
    ("00AM", "NI71", "2007/08", 61.0),  # outlier
]

#: each rule and the rows of the faulty families that break it
BROKEN_BY = {
    "period_missing": [("00AC", "NI60", "2007/08 Q4")],
    "pi_not_provided": [("00AC", "NI59", "2007/08"), ("00AC", "NI60", "2007/08 Q1")],
    "availability_grid": [("00AB", "NI59", "2007/08"), ("00AB", "NI59", "2007/08")],
    "cadence_mismatch": [("00AD", "NI63", "2007/08 Q3")],
    "frequency_contradicts_period": [("00AE", "NI64", "2007/08")],
    "basis_mixed": [("00AF", "NI65", "2007")],
    "numerator_exceeds_denominator": [("00AH", "NI67", "2007/08 Q3")],
    "percent_out_of_range": [("00AF", "NI65", "2007/08 Q1")],
    "count_invalid": [("00AG", "NI66", "2007/08 Q2"), ("00AN", "NI66", "2007/08 Q3")],
    "value_out_of_range": [("00AJ", "NI68", "2007/08"), ("00AK", "NI69", "2007/08")],
    "value_inconsistent": [("00AL", "NI70", "2007/08")],
    "outlier": [("00AM", "NI71", "2007/08")],
}


def availability_family(rows, pilot_borough=None, indicators=AVAILABILITY_PIS, **kwargs) -> pd.DataFrame:
    """The availability family of `rows`; the pilot is the boroughs the rows are from unless named."""
    if pilot_borough is None:
        pilot_borough = pilot(*dict.fromkeys(borough for borough, *_ in rows))
    return availability_frame(facts(rows, **kwargs), SUBMISSION, pilot_borough, indicators)


def cadence_family(rows) -> pd.DataFrame:
    return cadence_frame(facts(rows), CADENCE_PIS, BOROUGHS)


def integrity_family(rows) -> pd.DataFrame:
    return integrity_frame(facts(rows), INTEGRITY_PIS, BOROUGHS)


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return run_expectations(
        availability_family(AVAILABILITY_CLEAN), cadence_family(CADENCE_CLEAN), integrity_family(INTEGRITY_CLEAN)
    )


@pytest.fixture(scope="module")
def faulty_families() -> dict[str, pd.DataFrame]:
    return {
        "availability": availability_family(AVAILABILITY_FAULTY, doubled=AVAILABILITY_DOUBLED),
        "cadence": cadence_family(CADENCE_FAULTY),
        "integrity": integrity_family(INTEGRITY_FAULTY),
    }


@pytest.fixture(scope="module")
def data_docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gx") / "data_docs"


@pytest.fixture(scope="module")
def faulty(faulty_families, data_docs_dir) -> pd.DataFrame:
    return run_expectations(*faulty_families.values(), data_docs_dir=data_docs_dir)


def outcomes_of(results: pd.DataFrame, check_name: str) -> pd.DataFrame:
    """The outcomes of a rule's expectations on the row-level frames (not the per-PI and per-borough shares)."""
    rows = results.loc[(results["check_name"] == check_name) & ~results["suite"].str.startswith("availability_by")]
    assert len(rows), f"no expectation for {check_name}"
    return rows


def sample_rows(rows: pd.DataFrame) -> list[dict]:
    return [row for sample in rows["unexpected_sample"] for row in json.loads(sample)]


def located(rows: pd.DataFrame) -> list[tuple]:
    return sorted((r["borough_code"], r["pi_code"], r["period"]) for r in sample_rows(rows))


def row_at(family: pd.DataFrame, borough: str, pi: str, period: str) -> pd.Series:
    [index] = family.index[
        (family["borough_code"] == borough) & (family["pi_code"] == pi) & (family["period"] == period)
    ]
    return family.loc[index]


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

    quarterly = catalogue(
        [("NI59", "percent", "quarterly", "financial_year"), ("NI60", "percent", "quarterly", "financial_year")]
    )
    quarters = [f"2007/08 Q{q}" for q in range(1, 5)]
    figures = [("00AB", "NI59", p, 40) for p in quarters] + [("00AB", "NI60", p, 40) for p in quarters[:2]]
    figures += [("00AC", "NI59", p, 40) for p in quarters]
    figures += [("00AD", "NI59", quarters[0], "n/a"), ("00AD", "NI60", quarters[0], "n/a")]
    grid = availability_family(figures, pilot("00AB", "00AC", "00AD"), quarterly)
    results = run_expectations(grid, cadence_family([]), integrity_family([]))
    by = {
        suite: results.loc[results["suite"] == suite].iloc[0]
        for suite in ("availability_by_pi", "availability_by_borough")
    }
    # NI59: 8 of 12 provided (67%), NI60: 2 of 12 (17%); 00AB 6 of 8 (75%), 00AC 4 of 8 (50%), 00AD 0 of 8
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
# One implementation: the families carry what the rules themselves find
# ---------------------------------------------------------------------------------------------


def test_a_rule_with_a_row_level_implementation_is_asserted_not_reimplemented():
    """GX checks only that the rule's own findings column is empty; what no row-level rule does is GX's own."""
    for spec in EXPECTATIONS:
        if spec.check_name in ("period_missing", "availability_grid"):
            assert spec.expectation != "ExpectColumnValuesToBeNull"
        else:
            assert (spec.expectation, spec.column, dict(spec.kwargs)) == (
                "ExpectColumnValuesToBeNull",
                spec.check_name,
                {"column": spec.check_name},
            )


def test_a_family_column_holds_the_rules_own_messages(faulty_families):
    integrity, cadence = faulty_families["integrity"], faulty_families["cadence"]
    assert row_at(integrity, "00AN", "NI66", "2007/08 Q3")["count_invalid"] == (
        "NI66 2007/08 Q3: you typed 2.5, which is not a whole, non-negative count"
    )
    assert row_at(integrity, "00AM", "NI71", "2007/08")["outlier"].startswith("NI71 2007/08: you typed 61, far from")
    assert (
        row_at(integrity, "00AA", "NI59", "2007/08").drop(["borough_code", "pi_code", "period", "value"]).isna().all()
    )
    assert row_at(cadence, "00AF", "NI65", "2007")["basis_mixed"] == (
        "NI65: 2007 mixes calendar and financial years in one series; this PI is reported on financial years"
    )


@pytest.mark.parametrize(
    "family, rows, indicators, doubled",
    [
        ("availability", AVAILABILITY_FAULTY, AVAILABILITY_PIS, AVAILABILITY_DOUBLED),
        ("cadence", CADENCE_FAULTY, CADENCE_PIS, ()),
        ("integrity", INTEGRITY_FAULTY, INTEGRITY_PIS, ()),
    ],
)
def test_the_asset_builds_the_three_families_at_once_as_each_is_built_alone(family, rows, indicators, doubled):
    """`expectation_families` makes each figure once for the three families; the frames are the same."""
    fact_pi_value, boroughs = facts(rows, doubled=doubled), pilot(*dict.fromkeys(borough for borough, *_ in rows))
    alone = {
        "availability": availability_frame(fact_pi_value, SUBMISSION, boroughs, indicators),
        "cadence": cadence_frame(fact_pi_value, indicators, BOROUGHS),
        "integrity": integrity_frame(fact_pi_value, indicators, BOROUGHS),
    }
    assert alone[family][list(RULES_JUDGED[family])].notna().any().all(), "each rule of the family finds something"
    together = list(expectation_families(fact_pi_value, SUBMISSION, boroughs, indicators, BOROUGHS))
    assert [name for name, _ in together] == list(FAMILIES)
    for name, frame in together:
        pd.testing.assert_frame_equal(frame, alone[name])


def test_a_loaded_figure_is_made_of_the_columns_the_families_read():
    """The families hand `Figure.as_loaded` only LOADED_COLUMNS of each figure: it reads no other."""

    class Reads(dict):
        def __init__(self, record):
            super().__init__(record)
            self.read = set()

        def __getitem__(self, key):
            self.read.add(key)
            return super().__getitem__(key)

        def get(self, key, default=None):
            self.read.add(key)
            return super().get(key, default)

    record = facts(INTEGRITY_FAULTY).assign(raw_period="2007/08", raw_numerator="5", raw_denominator="10")
    fact = Reads(record.astype(object).iloc[0].to_dict())
    Figure.as_loaded(fact, INTEGRITY_PIS.iloc[0].to_dict())
    assert fact.read and fact.read <= set(LOADED_COLUMNS)


def test_a_suppressed_figure_is_not_a_pi_not_provided_finding(faulty_families, faulty):
    suppressed = row_at(faulty_families["availability"], "00AC", "NI60", "2007/08 Q2")
    assert (suppressed["status"], suppressed["pi_not_provided"]) == ("suppressed", None)
    assert ("00AC", "NI60", "2007/08 Q2") not in located(outcomes_of(faulty, "pi_not_provided"))


def test_the_outlier_rule_needs_enough_boroughs(faulty):
    assert len([row for row in INTEGRITY_FAULTY if row[1] == "NI72"]) == OUTLIER_MIN_BOROUGHS - 1
    assert len([row for row in INTEGRITY_FAULTY if row[1] == "NI71"]) == OUTLIER_MIN_BOROUGHS
    assert [pi for _, pi, _ in located(outcomes_of(faulty, "outlier"))] == ["NI71"]


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
        "expect_column_values_to_be_null",
        "numerator_exceeds_denominator",
    )


def test_sample_carries_the_values_under_test(faulty):
    [percent] = sample_rows(outcomes_of(faulty, "percent_out_of_range"))
    assert percent["value"] == 120.0
    assert percent["percent_out_of_range"] == "NI65 2007/08 Q1: you typed 120, which is outside 0–100%"
    [ratio] = sample_rows(outcomes_of(faulty, "numerator_exceeds_denominator"))
    assert ratio["numerator_exceeds_denominator"] == (
        "NI67 2007/08 Q3: the numerator, 12, is larger than the denominator, 10"
    )
    [cadence] = sample_rows(outcomes_of(faulty, "cadence_mismatch"))
    assert (
        cadence["cadence_mismatch"]
        == "NI63 is asked for as an annual figure but a quarterly figure (2007/08 Q3) was given"
    )
    [gap] = sample_rows(outcomes_of(faulty, "value_inconsistent"))
    assert (gap["value_inconsistent"], gap["value"]) == (
        "NI70 2007/08: you typed 40, but numerator / denominator gives 50.0%",
        40.0,
    )


def test_value_below_the_minimum_and_above_the_maximum_are_one_rule_and_one_expectation(faulty):
    [outcome] = outcomes_of(faulty, "value_out_of_range")["unexpected_sample"]
    below, above = sorted(json.loads(outcome), key=lambda r: r["value"])
    assert (below["borough_code"], below["value_out_of_range"]) == (
        "00AK",
        "NI69 2007/08: you typed -2, which is outside the PI's valid range 0–500 (rate_per_10k)",
    )
    assert (above["borough_code"], above["value_out_of_range"]) == (
        "00AJ",
        "NI68 2007/08: you typed 900, which is outside the PI's valid range 0–500 (rate_per_10k)",
    )


def test_sample_is_plain_json_with_null_for_a_missing_number(faulty):
    [row] = sample_rows(outcomes_of(faulty, "numerator_exceeds_denominator"))
    assert row["value"] is None


def test_provision_is_measured_over_the_figures_a_return_gave(faulty_families, faulty):
    """A missing figure is period_missing's finding, not also pi_not_provided's."""
    provision = outcomes_of(faulty, "pi_not_provided").iloc[0]
    present = int((faulty_families["availability"]["status"] != "missing").sum())
    assert provision["element_count"] == present == len(AVAILABILITY_FAULTY) + len(AVAILABILITY_DOUBLED)
    assert provision["unexpected_percent"] == pytest.approx(100 * 2 / present)


def test_unit_rules_judge_every_current_figure_by_its_own_unit(faulty):
    """Every figure is judged; a rule on one unit finds nothing on another (a count of 120, a percentage of 2.5)."""
    for check_name in ("percent_out_of_range", "count_invalid"):
        assert outcomes_of(faulty, check_name).iloc[0]["element_count"] == len(INTEGRITY_FAULTY)
    assert {pi for _, pi, _ in located(outcomes_of(faulty, "percent_out_of_range"))} == {"NI65"}
    assert {pi for _, pi, _ in located(outcomes_of(faulty, "count_invalid"))} == {"NI66"}


def test_sample_is_capped_at_ten_rows_and_no_progress_bar_is_drawn(capfd):
    boroughs = pilot(*(f"00{chr(65 + i)}A" for i in range(15)))
    results = run_expectations(
        availability_family([], boroughs, AVAILABILITY_PIS.iloc[:1]), cadence_family([]), integrity_family([])
    )
    period_missing = outcomes_of(results, "period_missing").iloc[0]
    assert period_missing["unexpected_count"] == 15
    assert len(json.loads(period_missing["unexpected_sample"])) == SAMPLE_SIZE == 10
    assert "Calculating Metrics" not in capfd.readouterr().err


def test_frame_index_does_not_matter():
    """Rows are located by borough, PI and period, whatever index the caller's frame has."""
    integrity = integrity_family(INTEGRITY_FAULTY).set_index("pi_code", drop=False)
    results = run_expectations(availability_family(AVAILABILITY_CLEAN), cadence_family(CADENCE_CLEAN), integrity)
    assert located(outcomes_of(results, "outlier")) == BROKEN_BY["outlier"]


# ---------------------------------------------------------------------------------------------
# Empty families, missing columns
# ---------------------------------------------------------------------------------------------


def test_empty_families_pass_with_nothing_counted():
    results = run_expectations(availability_family([], pilot()), pd.DataFrame(), integrity_family([]))
    assert len(results) == len(EXPECTATIONS)
    assert results["success"].all()
    assert (results["element_count"] == 0).all()
    assert (results["unexpected_count"] == 0).all()
    assert (results["unexpected_sample"] == "[]").all()


def test_family_without_a_column_it_needs_is_refused():
    cadence = cadence_family(CADENCE_CLEAN).drop(columns="basis_mixed")
    with pytest.raises(ValueError, match="cadence frame has no column basis_mixed"):
        run_expectations(availability_family(AVAILABILITY_CLEAN), cadence, integrity_family(INTEGRITY_CLEAN))


# ---------------------------------------------------------------------------------------------
# Data Docs and the cost of importing GX
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_data_docs_index_links_a_validation_page_per_suite(faulty, data_docs_dir, suite):
    index = (data_docs_dir / "index.html").read_text()
    [page] = (data_docs_dir / "validations" / suite).rglob("*.html")
    assert page.relative_to(data_docs_dir).as_posix() in index


def test_data_docs_of_a_new_run_replace_the_pages_of_the_last(faulty_families, tmp_path):
    """A run's Data Docs keep no validation page of an earlier run, nor the page of a suite no longer validated."""
    docs = tmp_path / "data_docs"
    run_expectations(*faulty_families.values(), data_docs_dir=docs)
    earlier = sorted((docs / "validations").rglob("*.html"))
    (docs / "expectations" / "retired_suite.html").write_text("<html></html>", encoding="utf-8")
    run_expectations(*faulty_families.values(), data_docs_dir=docs)
    pages = sorted((docs / "validations").rglob("*.html"))
    assert len(pages) == len(earlier) == len(SUITES) and not set(pages) & set(earlier)
    assert sorted(p.stem for p in (docs / "expectations").glob("*.html")) == sorted(SUITES)
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(p.relative_to(docs).as_posix() in index for p in pages)


def test_importing_the_module_does_not_import_great_expectations():
    probe = "import sys, lsdi_pipeline.expectations.suites; print('great_expectations' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"


def test_data_docs_index_shows_the_validation_results_with_networking_disabled(faulty, data_docs_dir, tmp_path):
    import re

    from lsdi_pipeline_tests.browser import chromium, dump_dom

    chromium()
    pages = list(data_docs_dir.rglob("*.html"))
    assert not [p for p in pages if re.search(r"<(script|link)[^>]*(src|href)=\"https?://", p.read_text())]
    dumped = {}
    for page in (data_docs_dir / "index.html", next((data_docs_dir / "validations" / "integrity").rglob("*.html"))):
        done = dump_dom(page, tmp_path / "profile")
        assert "Failed to load resource" not in done.stderr and "Uncaught" not in done.stderr, done.stderr[-2000:]
        dumped[page.name] = done.stdout
    index = dumped["index.html"]
    for suite in ("availability", "availability_by_pi", "availability_by_borough", "cadence", "integrity"):
        assert f'<a href="#{suite}">{suite}</a>' in index
    for outcome in faulty.itertuples():
        assert outcome.check_name in index
    failed = faulty[~faulty["success"]]
    assert len(failed) and index.count(">Failed<") == len(failed) + faulty.loc[~faulty["success"], "suite"].nunique()
    # GX's own page, its scripts and styles the site's local copies
    detail = next(text for name, text in dumped.items() if name != "index.html")
    assert "Expectation Validation Result" in detail and "value_out_of_range" in detail


# ---------------------------------------------------------------------------------------------
# The worker process
# ---------------------------------------------------------------------------------------------


def test_the_worker_validates_family_by_family_as_this_process_does(faulty_families, faulty, data_docs_dir, tmp_path):
    worker.start()
    docs = tmp_path / "data_docs"
    outcomes = outcome_table(worker.expectation_outcomes(iter(faulty_families.items()), data_docs_dir=docs))
    pd.testing.assert_frame_equal(outcomes, faulty)
    assert worker._pool is not None, "validated in the worker, not in this process"
    pages = sorted(p.name for p in docs.rglob("*.html"))
    assert pages == sorted(p.name for p in data_docs_dir.rglob("*.html")) and "index.html" in pages


def test_a_family_the_worker_cannot_validate_is_refused_and_no_data_docs_are_written(faulty_families, faulty, tmp_path):
    worker.start()
    docs = tmp_path / "data_docs"
    broken = {**faulty_families, "cadence": faulty_families["cadence"].drop(columns="basis_mixed")}
    with pytest.raises(ValueError, match="cadence frame has no column basis_mixed"):
        worker.expectation_outcomes(iter(broken.items()), data_docs_dir=docs)
    assert not list(docs.rglob("*.html"))
    # the worker goes on: the next run is whole
    outcomes = outcome_table(worker.expectation_outcomes(iter(faulty_families.items()), data_docs_dir=docs))
    pd.testing.assert_frame_equal(outcomes, faulty)
    assert worker._pool is not None


def test_when_the_worker_dies_mid_run_the_families_are_validated_here_none_lost(faulty_families, faulty, tmp_path):
    import os
    import signal

    worker.start()
    [pid] = list(worker._pool._processes)  # the worker's process: started with the pool

    def families():
        given = iter(faulty_families.items())
        yield next(given)  # the first family goes to the worker; then it is killed, as an OOM killer would
        os.kill(pid, signal.SIGKILL)
        yield from given

    docs = tmp_path / "data_docs"
    outcomes = outcome_table(worker.expectation_outcomes(families(), data_docs_dir=docs))
    pd.testing.assert_frame_equal(outcomes, faulty)  # every family, the one handed to the dead worker included
    assert worker._pool is None and (docs / "index.html").is_file()
    worker.start()  # the next run has a worker again
    assert worker._pool is not None
