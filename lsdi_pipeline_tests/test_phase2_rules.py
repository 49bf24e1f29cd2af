"""Phase II thresholds overridden for one run, as the Dagster UI launches it: the run goes through a real instance
(`execute_job` of a reconstructable job, what the UI's run launcher does), and what it changes is published."""

from __future__ import annotations

import dagster as dg
import pytest

from lsdi_pipeline.definitions import build_defs
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, table

#: the Launchpad's run config: every pilot below 90% needs support, a PI is retained only at 99% availability
OVERRIDE = {
    "resources": {
        "phase2_rules": {
            "config": {"support_boroughs_below_availability_pct": 90.0, "retain_min_availability_pct": 99.0}
        }
    }
}


def lsdi_definitions() -> dg.Definitions:
    """The code location for the directories the environment names, as `dagster dev` loads it."""
    return build_defs(LsdiPaths.from_env())


def phase2_rules_job() -> dg.JobDefinition:
    return lsdi_definitions().resolve_job_def("phase2_rules_job")


def lsdi_job() -> dg.JobDefinition:
    return lsdi_definitions().resolve_job_def("lsdi_job")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("phase2")
    raw, warehouse = copy_bundled_raw(root / "raw"), root / "warehouse"
    materialize_all(raw, warehouse)
    return raw, warehouse


@pytest.fixture()
def environment(built, monkeypatch):
    raw, warehouse = built
    monkeypatch.setenv("LSDI_RAW_DIR", str(raw))
    monkeypatch.setenv("LSDI_WAREHOUSE_DIR", str(warehouse))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return warehouse


def _support_row(warehouse) -> str:
    recommendations = table(warehouse, "phase2_recommendation")
    return recommendations.loc[recommendations["rule"] == "support_boroughs", "reasons"].item()


def test_a_launchpad_override_reaches_the_published_warehouse_the_report_and_the_feedback(environment):
    warehouse = environment
    reports = warehouse / "reports"
    before = {
        "support": _support_row(warehouse),
        "retained": int((table(warehouse, "phase2_recommendation")["recommendation"] == "retain").sum()),
        "report": (reports / "phase1_report.html").read_text(encoding="utf-8"),
        "index": (reports / "feedback" / "index.html").read_text(encoding="utf-8"),
    }
    assert before["support"].startswith("Boroughs below 60% availability") and before["retained"] > 0
    with dg.instance_for_test() as instance:
        result = dg.execute_job(dg.reconstructable(phase2_rules_job), instance=instance, run_config=OVERRIDE)
        assert result.success
        [run] = instance.get_runs()
        assert run.job_name == "phase2_rules_job" and run.status == dg.DagsterRunStatus.SUCCESS
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"phase2_recommendation", "lsdi_warehouse", "phase1_report", "borough_feedback"} <= materialized
    support = _support_row(warehouse)  # read from the published DuckDB file
    assert support.startswith("Boroughs below 90% availability need support:")
    assert "Bromley (77.1%)" in support and "Barnet (0%)" in support
    assert int((table(warehouse, "phase2_recommendation")["recommendation"] == "retain").sum()) == 0
    report = (reports / "phase1_report.html").read_text(encoding="utf-8")
    assert "Boroughs below 90% availability need support" in report and "Bromley (77.1%)" in report
    assert "Boroughs below 60% availability" in before["report"] and "Boroughs below 60%" not in report
    index = (reports / "feedback" / "index.html").read_text(encoding="utf-8")
    assert index != before["index"]
    assert index.count("Bromley") >= before["index"].count("Bromley")


def test_an_override_that_would_leave_the_warehouse_stale_fails_at_once_saying_what_to_select(environment):
    """Materialising phase2_recommendation alone with other thresholds would change it but not the published table,
    the report or the feedback: the step fails before it computes, naming what to select; nothing is published."""
    warehouse = environment
    published = (warehouse / WAREHOUSE_FILE).read_bytes()
    with dg.instance_for_test() as instance:
        result = dg.execute_job(
            dg.reconstructable(lsdi_job),
            instance=instance,
            run_config=OVERRIDE,
            asset_selection=[dg.AssetKey("phase2_recommendation")],
            raise_on_error=False,
        )
        assert not result.success
        [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = failure.step_failure_data.error.message + str(failure.step_failure_data.user_failure_data)
    assert "support_boroughs_below_availability_pct 60 → 90" in message
    assert "phase2_rules_job" in message and "phase2_recommendation+" in message
    assert "lsdi_warehouse" in message and "phase1_report" in message and "borough_feedback" in message
    assert (warehouse / WAREHOUSE_FILE).read_bytes() == published


def test_without_an_override_one_asset_may_be_refreshed_on_its_own(environment):
    with dg.instance_for_test() as instance:
        result = dg.execute_job(
            dg.reconstructable(lsdi_job), instance=instance, asset_selection=[dg.AssetKey("phase2_recommendation")]
        )
    assert result.success


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t.replace("max_errors_per_borough = 2\n", ""), "max_errors_per_borough is missing"),
        (lambda t: t.replace("max_errors_per_borough = 2", "max_errors_per_borough = 2.5"), "not a whole number"),
        (lambda t: t.replace("retain_min_availability_pct = 60.0", 'retain_min_availability_pct = "60"'), "a number"),
        (lambda t: t.replace("[pi]", "[pi"), "phase2_rules.toml"),
    ],
)
def test_a_threshold_left_out_or_mistyped_in_the_rules_file_is_named(tmp_path, monkeypatch, edit, said):
    from lsdi_pipeline import thresholds

    broken = tmp_path / "phase2_rules.toml"
    broken.write_text(edit(thresholds.RULES_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setattr(thresholds, "RULES_FILE", broken)
    with pytest.raises(ValueError, match=said):
        thresholds.Thresholds.from_file()
        thresholds.CheckThresholds.from_file()
