"""The business expectations (Great Expectations) as an asset, with one asset check per expectation."""

import json

import dagster as dg
import pandas as pd

from lsdi_pipeline.assets.metadata import REBUILT_NIGHTLY, table_output, table_type
from lsdi_pipeline.checks.rules import RULES_BY_NAME
from lsdi_pipeline.expectations import worker
from lsdi_pipeline.expectations.families import availability_frame, cadence_frame, integrity_frame
from lsdi_pipeline.expectations.suites import EXPECTATIONS, outcome_table
from lsdi_pipeline.resources import ExpectationsWorker, LsdiPaths

#: one asset check per expectation, named by its suite and rule (a rule has one expectation in a suite)
CHECK_NAMES = [f"expect_{spec.suite}_{spec.check_name}" for spec in EXPECTATIONS]


def _describe(spec) -> str:
    rule = RULES_BY_NAME.get(spec.check_name)
    what = rule.description if rule else "The aggregated frame has one row per borough, PI and period."
    return f"Great Expectations, {spec.suite} suite ({spec.expectation}): {what}"


@dg.asset(group_name="expectations", dagster_type=table_type("dq_expectation"), tags=REBUILT_NIGHTLY)
def dq_expectation(
    paths: LsdiPaths,
    gx: ExpectationsWorker,
    fact_pi_value: pd.DataFrame,
    submission: pd.DataFrame,
    pilot_borough: pd.DataFrame,
    dim_indicator: pd.DataFrame,
    dim_borough: pd.DataFrame,
) -> dg.Output:
    """The availability, cadence and integrity expectations validated with Great Expectations; Data Docs in
    reports/data_docs."""
    # `gx` is here for its start-up: the worker began importing GX when the run started
    outcomes = outcome_table(
        worker.expectation_outcomes(
            availability_frame(fact_pi_value, submission, pilot_borough, dim_indicator),
            cadence_frame(fact_pi_value, dim_indicator, dim_borough),
            integrity_frame(fact_pi_value, dim_indicator, dim_borough),
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
        dg.AssetCheckSpec(name, asset="dq_expectation", description=_describe(spec))
        for name, spec in zip(CHECK_NAMES, EXPECTATIONS, strict=True)
    ]
)
def expectation_checks(dq_expectation: pd.DataFrame):
    """Each expectation's outcome as a check (a warning: business rules never stop the run)."""
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
                "boroughs": ", ".join(sorted(sample["borough_code"].unique())) if "borough_code" in sample else "none",
                "sample": dg.MetadataValue.md(sample.to_markdown(index=False) if len(sample) else "_none_"),
            },
        )
