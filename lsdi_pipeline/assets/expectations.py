"""The business expectations (Great Expectations) as an asset, with one asset check per expectation."""

import json

import dagster as dg

from lsdi_pipeline.assets.metadata import REBUILT_NIGHTLY, DataFrame, table_output, table_type
from lsdi_pipeline.checks.rules import RULES_BY_NAME
from lsdi_pipeline.checks.rules.availability import AVAILABILITY_TARGET
from lsdi_pipeline.expectations import worker
from lsdi_pipeline.expectations.suites import EXPECTATIONS, outcome_table
from lsdi_pipeline.resources import ExpectationsWorker, LsdiPaths

#: each expectation's check: a name that reads whole in the UI, and the question it answers (what its rows are)
QUESTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("availability", "period_missing"): (
        "every_expected_period_given",
        "Did the pilot boroughs give every period each phase-1 PI asks for? One row per pilot × PI × expected "
        "period; fails on each period no return gave at all.",
    ),
    ("availability", "pi_not_provided"): (
        "given_periods_have_a_figure",
        "Does every period a return gave have a figure? Fails on each one marked not provided, not available or not "
        "applicable (rule pi_not_provided).",
    ),
    ("availability", "availability_grid"): (
        "grid_one_row_per_figure",
        "Is the availability grid one row per borough, PI and period? A failure is a pipeline bug, not a borough's.",
    ),
    ("availability_by_pi", "period_missing"): (
        "pi_availability_met",
        f"Does every phase-1 PI reach the availability target (at least {AVAILABILITY_TARGET:g}% of the figures "
        "expected of the pilot boroughs provided)? One row per PI; fails on each PI below it.",
    ),
    ("availability_by_borough", "period_missing"): (
        "pilot_availability_met",
        f"Does every pilot borough reach the availability target (at least {AVAILABILITY_TARGET:g}% of the figures "
        "expected of it provided)? One row per pilot; fails on each borough below it.",
    ),
    ("cadence", "cadence_mismatch"): ("cadence_as_catalogue", ""),
    ("cadence", "frequency_contradicts_period"): ("frequency_matches_period", ""),
    ("cadence", "basis_mixed"): ("one_period_basis_per_pi", ""),
    ("integrity", "numerator_exceeds_denominator"): ("numerator_within_denom", ""),
    ("integrity", "percent_out_of_range"): ("percentages_within_0_to_100", ""),
    ("integrity", "count_invalid"): ("counts_whole_non_negative", ""),
    ("integrity", "value_out_of_range"): ("values_within_valid_range", ""),
    ("integrity", "value_inconsistent"): ("value_matches_its_fraction", ""),
    ("integrity", "outlier"): ("no_outliers_among_boroughs", ""),
}


def _describe(spec) -> str:
    """The check's question; for an expectation standing for a row-level rule, the rule's own description."""
    question = QUESTIONS[spec.suite, spec.check_name][1]
    if question:
        return f"{question} (Great Expectations, {spec.suite} suite.)"
    rule = RULES_BY_NAME[spec.check_name]
    return (
        f"Does no current figure break rule {spec.check_name}? {rule.description} Fails on each current figure the "
        f"rule flags (Great Expectations, {spec.suite} suite)."
    )


#: one asset check per expectation
CHECK_NAMES = [QUESTIONS[spec.suite, spec.check_name][0] for spec in EXPECTATIONS]


@dg.asset(group_name="expectations", dagster_type=table_type("dq_expectation"), tags=REBUILT_NIGHTLY)
def dq_expectation(
    paths: LsdiPaths,
    gx: ExpectationsWorker,
    fact_pi_value: DataFrame,
    submission: DataFrame,
    pilot_borough: DataFrame,
    dim_indicator: DataFrame,
    dim_borough: DataFrame,
) -> dg.Output:
    """The availability, cadence and integrity expectations validated with Great Expectations; Data Docs in
    reports/data_docs."""
    import pandas as pd  # the frames' builders and pandas are imported when the asset runs, not at load

    from lsdi_pipeline.expectations.families import expectation_families

    # `gx` is here for its start-up: the worker began importing GX when the run started; it validates each family
    # while the next is built
    outcomes = outcome_table(
        worker.expectation_outcomes(
            expectation_families(fact_pi_value, submission, pilot_borough, dim_indicator, dim_borough),
            data_docs_dir=paths.reports / "data_docs",
        )
    )
    failed = int((~outcomes["success"].astype(bool)).sum())
    evaluated_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    return table_output(
        "dq_expectation",
        outcomes.rename(columns={"column": "column_name"}).assign(evaluated_at=evaluated_at),
        summary=f"{len(outcomes)} expectations, {failed} not met; Data Docs in {paths.reports / 'data_docs'}",
        data_docs=dg.MetadataValue.path(str((paths.reports / "data_docs" / "index.html").resolve())),
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(name, asset="dq_expectation", description=_describe(spec), additional_deps=["dim_borough"])
        for name, spec in zip(CHECK_NAMES, EXPECTATIONS, strict=True)
    ],
    ins={name: dg.AssetIn(name) for name in ("dq_expectation", "dim_borough")},
)
def expectation_checks(dq_expectation: DataFrame, dim_borough: DataFrame):
    """Each expectation's outcome as a check (a warning: business rules never stop the run), naming every borough
    with a failing row by name and code, as the data team's other checks do."""
    import pandas as pd

    names = dict(zip(dim_borough["borough_code"], dim_borough["borough_name"], strict=True))
    for name, spec, outcome in zip(CHECK_NAMES, EXPECTATIONS, dq_expectation.itertuples(index=False), strict=True):
        assert outcome.check_name == spec.check_name, "outcomes come back in the order of EXPECTATIONS"
        sample = pd.DataFrame(json.loads(outcome.unexpected_sample or "[]"))
        yield dg.AssetCheckResult(
            check_name=name,
            passed=bool(outcome.success),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_judged": int(outcome.element_count),
                "rows_failed": int(outcome.unexpected_count),
                "percent_failed": float(outcome.unexpected_percent or 0.0),
                "boroughs": _named(outcome.boroughs_failed, names),
                "sample": dg.MetadataValue.md(sample.to_markdown(index=False) if len(sample) else "_none_"),
            },
        )


def _named(codes: str | None, names: dict[str, str]) -> str:
    """`dq_expectation.boroughs_failed` (codes, comma-separated) as "Name (code)", or "none"."""
    if not isinstance(codes, str) or not codes:
        return "none"
    return ", ".join(f"{names[c]} ({c})" if c in names else c for c in codes.split(", "))
