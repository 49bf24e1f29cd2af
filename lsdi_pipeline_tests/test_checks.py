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


def test_the_collection_questions_fail_only_on_what_the_team_acts_on_naming_every_borough(bundled):
    """On the bundled returns: every file loaded, two pilots sent nothing (Barnet, Kingston), Tower Hamlets has 3
    errors in its current files (over the limit of 2), Bromley 67 warnings (over 40); Barking's errors on the file its
    resubmission replaced do not count."""
    evaluations = {e.check_name: e for e in bundled[2].get_asset_check_evaluations()}
    readable = evaluations["latest_files_readable"]
    assert readable.passed and readable.severity == dg.AssetCheckSeverity.ERROR
    overdue = evaluations["due_pilot_returns_received"]
    assert not overdue.passed and overdue.severity == dg.AssetCheckSeverity.WARN
    assert overdue.metadata["boroughs"].value == "Barnet (E09000003), Kingston upon Thames (E09000021)"
    errors = evaluations["current_errors_in_limit"]
    assert not errors.passed and errors.metadata["boroughs"].value == "Tower Hamlets (E09000030)"
    assert errors.metadata["errors_on_current_files"].value == 11  # 15 errors less Barking's 4 on its replaced file
    assert "E09000030" in errors.metadata["sample"].value and "E09000002" not in errors.metadata["sample"].value
    warnings = evaluations["current_warnings_in_limit"]
    assert not warnings.passed and warnings.metadata["boroughs"].value == "Bromley (E09000006)"
    support = evaluations["pilots_above_support_level"]
    assert not support.passed and support.metadata["threshold_pct"].value == 60.0
    assert support.metadata["boroughs"].value == "Barnet (E09000003), Kingston upon Thames (E09000021)"
    assert evaluations["warehouse_is_consistent"].passed


def test_every_check_has_a_unique_readable_name_and_a_unique_description():
    specs = [spec for checks_def in all_asset_checks for spec in checks_def.check_specs]
    names = [spec.name for spec in specs]
    descriptions = [spec.description for spec in specs]
    assert len(set(names)) == len(names) and len(set(descriptions)) == len(descriptions)
    for spec in specs:
        assert len(spec.name) <= 28 and not spec.name.endswith("_"), spec.name  # the UI shows it whole
        assert spec.description and len(spec.description) > 40 and "?" in spec.description, spec.name


def _submission(rows):
    columns = ["submission_id", "borough_code", "file_name", "submitted_on", "received_at", "status", "reject_reason"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"submitted_on": "datetime64[ns]", "received_at": "datetime64[ns]"})


def test_a_rejected_file_fails_its_borough_until_a_file_loads_after_it():
    from lsdi_pipeline.checks.collection import unreadable_latest_files

    submission = _submission(
        [
            (1, "E09000002", "v1.xlsx", "2008-04-01", "2008-04-01 09:00", "rejected", "not a workbook"),
            (2, "E09000002", "v2.xlsx", "2008-04-02", "2008-04-02 09:00", "accepted", None),
            (3, "E09000005", "brent.xlsx", "2008-04-01", "2008-04-01 09:00", "accepted", None),
            (4, "E09000005", "brent v2.xlsx", "2008-04-03", "2008-04-03 09:00", "rejected", "password protected"),
            (5, None, "unknown.xlsx", None, "2008-04-03 10:00", "rejected", "no borough named"),
            (6, "E09000006", "bromley.xlsx", "2008-04-01", "2008-04-01 09:00", "rejected", "empty file"),
        ]
    )
    answer = unreadable_latest_files(submission)
    assert answer.failing == {
        "E09000005": "brent v2.xlsx: password protected",
        "E09000006": "bromley.xlsx: empty file",
        "file unknown.xlsx": "unknown.xlsx: no borough named",
    }
    assert unreadable_latest_files(submission.loc[submission["submission_id"] <= 3]).passed


def test_findings_on_a_replaced_file_do_not_count_and_a_return_not_yet_due_is_not_chased():
    import datetime as dt

    from lsdi_pipeline.checks.collection import current_submissions, findings_over_limit, overdue_pilot_returns

    submission = _submission(
        [
            (1, "E09000002", "v1.xlsx", "2008-04-01", "2008-04-01 09:00", "accepted_with_issues", None),
            (2, "E09000002", "v2.xlsx", "2008-04-02", "2008-04-02 09:00", "accepted_with_issues", None),
            (3, "E09000005", "empty.xlsx", "2008-04-01", "2008-04-01 09:00", "accepted_with_issues", None),
        ]
    )
    facts = pd.DataFrame({"submission_id": [1, 2], "is_current": [False, True]})
    none = pd.DataFrame({"submission_id": pd.Series(dtype=int), "is_current": pd.Series(dtype=bool)})
    current = current_submissions(submission, facts, none, none)
    assert current == {2, 3}  # v1 replaced; Brent's file has no rows but is its latest
    issues = pd.DataFrame(
        {
            "submission_id": [1, 1, 1, 2, 3, 3, None],
            "borough_code": ["E09000002"] * 4 + ["E09000005"] * 2 + ["E09000003"],
            "check_name": ["outlier"] * 3
            + ["count_invalid", "value_unreadable", "value_unreadable", "pilot_return_missing"],
            "severity": ["error"] * 6 + ["warning"],
        }
    )
    answer = findings_over_limit(issues, current, "error", 1)
    assert answer.failing == {"E09000005": "2 errors (2 value_unreadable)"}
    assert answer.figures["errors_on_current_files"] == 3 and len(answer.rows) == 2
    assert findings_over_limit(issues, current, "error", 2).passed
    pilots = pd.DataFrame({"borough_code": ["E09000003"], "return_due_on": pd.to_datetime(["2008-04-11"])})
    assert overdue_pilot_returns(issues, pilots, dt.date(2008, 4, 11)).passed  # due today: not late yet
    late = overdue_pilot_returns(issues, pilots, dt.date(2008, 4, 12))
    assert late.failing == {"E09000003": "no usable return (due 2008-04-11)"}


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
    expectation_checks = [e.check_name for e in evaluations.values() if e.asset_key == dg.AssetKey("dq_expectation")]
    assert len(expectation_checks) == len(EXPECTATIONS)
    every_period = evaluations["every_expected_period_given"]
    assert every_period.metadata["rows_failed"].value == missing["unexpected_count"]
    assert all(evaluations[name].severity == dg.AssetCheckSeverity.WARN for name in expectation_checks)


def test_an_expectation_check_names_every_failing_borough_not_only_the_sample(bundled):
    """The boroughs of a check are those of all its failing rows: more failing rows than the sample holds, and the
    boroughs named are exactly the boroughs of the grid rows that fail."""
    import json

    from lsdi_pipeline.analysis.availability import availability_grid

    warehouse = bundled[1]
    outcomes = table(warehouse, "dq_expectation").set_index(["suite", "check_name"])
    outcome = outcomes.loc[("availability", "period_missing")]
    sample = json.loads(outcome["unexpected_sample"])
    assert outcome["unexpected_count"] > len(sample)
    grid = availability_grid(
        *(table(warehouse, n) for n in ("fact_pi_value", "submission", "pilot_borough")),
        table(warehouse, "dim_indicator"),
    )
    failing = sorted(grid.loc[grid["status"] == "missing", "borough_code"].unique())
    assert outcome["boroughs_failed"] == ", ".join(failing)
    assert len(failing) > len({row["borough_code"] for row in sample})  # the sample alone would name fewer
    evaluations = {e.check_name: e for e in bundled[2].get_asset_check_evaluations()}
    names = table(warehouse, "dim_borough").set_index("borough_code")["borough_name"]
    named = ", ".join(f"{names[code]} ({code})" for code in failing)  # by name and code, as the other checks name them
    assert evaluations["every_expected_period_given"].metadata["boroughs"].value == named


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
