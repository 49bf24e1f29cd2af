"""Asset checks: one per family of findings, and a structural check that blocks publishing."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from lsdi_pipeline.definitions import all_asset_checks, all_assets
from lsdi_pipeline.returns.batch import RETURN_TABLES, build_return_tables
from lsdi_pipeline.warehouse.integrity import warehouse_problems
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, resources, table


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    root = tmp_path_factory.mktemp("checks")
    raw = copy_bundled_raw(root / "raw")
    result = materialize_all(raw, root / "warehouse")
    return raw, root / "warehouse", result


def test_each_family_of_findings_is_a_check_with_rows_boroughs_and_a_sample(bundled):
    evaluations = {e.check_name: e for e in bundled[2].get_asset_check_evaluations()}
    for family in ("structure", "availability", "cadence", "integrity"):
        evaluation = evaluations[f"{family}_findings"]
        assert evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.metadata["rows_failed"].value > 0 and not evaluation.passed
        assert "E090000" in evaluation.metadata["boroughs"].value
        assert "|" in evaluation.metadata["sample"].value  # a markdown table of failing rows
    assert evaluations["warehouse_is_consistent"].passed


def test_every_check_has_a_description():
    for checks_def in all_asset_checks:
        for spec in checks_def.check_specs:
            assert spec.description and len(spec.description) > 40, spec.name


def test_structural_problems_are_found_in_an_inconsistent_warehouse(bundled):
    tables = {
        name: table(bundled[1], name)
        for name in ("submission", "fact_pi_value", "rejected_row", "dq_issue", "dim_borough", "dim_indicator")
    }
    assert warehouse_problems(**tables) == {}
    facts = tables["fact_pi_value"]
    doubled = pd.concat([facts, facts.loc[facts["is_current"]].head(1).assign(submission_id=999)], ignore_index=True)
    problems = warehouse_problems(**{**tables, "fact_pi_value": doubled})
    assert set(problems) == {
        "facts from a submission that was not loaded",
        "more than one current figure for a borough, PI and period",
    }


@dg.multi_asset(group_name="warehouse", outs={name: dg.AssetOut() for name in RETURN_TABLES})
def return_tables(parsed_returns, pilot_borough, dim_borough, dim_indicator):
    """The real Returns tables with one figure made current twice, as a pipeline bug would."""
    tables = build_return_tables(parsed_returns, pilot_borough, dim_indicator, dim_borough)
    facts = tables["fact_pi_value"]
    tables["fact_pi_value"] = TABLES["fact_pi_value"].conform(
        pd.concat([facts, facts.loc[facts["is_current"]].head(1).assign(row_number=9999)], ignore_index=True)
    )
    for name in RETURN_TABLES:
        yield dg.Output(tables[name], output_name=name)


def test_a_failing_structural_check_stops_the_publish_and_keeps_the_published_file(bundled, tmp_path):
    raw, published_dir = bundled[0], tmp_path / "warehouse"
    materialize_all(raw, published_dir)
    before = (published_dir / WAREHOUSE_FILE).read_bytes()
    replaced = {dg.AssetKey(name) for name in RETURN_TABLES}
    assets = [a for a in all_assets if not set(a.keys) & replaced] + [return_tables]
    result = dg.materialize([*assets, *all_asset_checks], raise_on_error=False, resources=resources(raw, published_dir))
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["warehouse_is_consistent"].passed
    assert (
        "more than one current figure for a borough, PI and period" in evaluations["warehouse_is_consistent"].metadata
    )
    materialized = {
        e.asset_key.to_user_string()
        for e in result.get_asset_materialization_events()
        for e in [e.event_specific_data.materialization]
    }
    assert "lsdi_warehouse" not in materialized
    assert (published_dir / WAREHOUSE_FILE).read_bytes() == before


def test_the_business_expectations_are_recorded_with_data_docs_and_a_check_each(bundled):
    from lsdi_pipeline.expectations.suites import EXPECTATIONS

    outcomes = table(bundled[1], "dq_expectation")
    assert list(outcomes["check_name"]) == [spec.check_name for spec in EXPECTATIONS]
    assert set(outcomes["suite"]) == {
        "availability",
        "availability_by_pi",
        "availability_by_borough",
        "cadence",
        "integrity",
    }
    missing = outcomes.loc[outcomes["suite"] == "availability"].set_index("check_name").loc["period_missing"]
    assert not missing["success"] and missing["unexpected_count"] > 0  # two pilots sent nothing
    docs = bundled[1] / "reports" / "data_docs"
    assert (docs / "index.html").exists() and list((docs / "validations").rglob("*.html"))
    evaluations = {e.check_name: e for e in bundled[2].get_asset_check_evaluations()}
    expectation_checks = [name for name in evaluations if name.startswith("expect_")]
    assert len(expectation_checks) == len(EXPECTATIONS)
    assert (
        evaluations["expect_availability_period_missing"].metadata["rows_failed"].value == missing["unexpected_count"]
    )
    assert all(evaluations[name].severity == dg.AssetCheckSeverity.WARN for name in expectation_checks)


def test_each_row_level_expectation_fails_on_the_current_figures_its_rule_found(bundled):
    """One implementation: on the bundled returns, an expectation standing for a row-level rule fails on exactly the
    current figures on which the rule made a finding in dq_issue (for the availability grid, those of the grid)."""
    from lsdi_pipeline.analysis.availability import availability_grid
    from lsdi_pipeline.expectations.suites import ROW_KEY, RULES_JUDGED

    warehouse, key = bundled[1], list(ROW_KEY)
    facts, issues, outcomes = (table(warehouse, name) for name in ("fact_pi_value", "dq_issue", "dq_expectation"))
    current = facts.loc[facts["is_current"], ["submission_id", *key]]
    found = issues.merge(current, on=["submission_id", *key])
    grid = availability_grid(
        facts, *(table(warehouse, name) for name in ("submission", "pilot_borough", "dim_indicator"))
    )
    judged = {"availability": grid[key], "cadence": current[key], "integrity": current[key]}
    failed = 0
    for suite, check_names in RULES_JUDGED.items():
        for check_name in check_names:
            figures = found.loc[found["check_name"] == check_name, key].drop_duplicates().merge(judged[suite])
            [outcome] = outcomes.loc[(outcomes["suite"] == suite) & (outcomes["check_name"] == check_name)].itertuples()
            assert outcome.unexpected_count == len(figures), check_name
            failed += outcome.unexpected_count
    assert failed > 0  # the bundled returns break some of these rules, so the comparison says something
