"""Newly arrived returns cost only what they change: the parse cache, the arrival job, reused feedback and templates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from lsdi_pipeline.definitions import build_defs
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, query, table

NEW_RETURN = (
    "borough_code,pi_code,period,numerator,denominator,value,source_agency,reporting_frequency,note\n"
    "E09000003,L01,2007-04,,,12,Police,Monthly,sent late\n"
)


@pytest.fixture()
def raw(tmp_path) -> Path:
    return copy_bundled_raw(tmp_path / "raw")


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    [materialization] = result.asset_materializations_for_node(asset)
    return {key: value.value for key, value in materialization.metadata.items()}


def test_a_rerun_reads_no_file_again_and_changed_reference_data_reads_them_all(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    first = materialize_all(raw, warehouse)
    files = len(list((raw / "returns").iterdir()))
    assert _metadata(first, "parsed_returns")["parsed_from_cache"] == 0
    facts = table(warehouse, "fact_pi_value")

    second = materialize_all(raw, warehouse)
    assert _metadata(second, "parsed_returns")["parsed_from_cache"] == files
    assert table(warehouse, "fact_pi_value").equals(facts)

    # a new alias could attribute a file differently: nothing parsed against the old register is reused
    boroughs = raw / "boroughs.csv"
    boroughs.write_text(
        boroughs.read_text(encoding="utf-8").replace(",Barnet,,", ",Barnet,Barnet LB,", 1), encoding="utf-8"
    )
    third = materialize_all(raw, warehouse)
    assert _metadata(third, "parsed_returns")["parsed_from_cache"] == 0
    assert len(list((warehouse / ".cache" / "parsed").glob("*.pickle"))) == files  # the stale entries were pruned


def test_a_corrupt_cache_entry_is_parsed_again(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    facts = table(warehouse, "fact_pi_value")
    for entry in (warehouse / ".cache" / "parsed").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = materialize_all(raw, warehouse)
    assert _metadata(again, "parsed_returns")["parsed_from_cache"] == 0
    assert table(warehouse, "fact_pi_value").equals(facts)


def test_feedback_and_templates_are_written_again_only_when_what_they_show_changed(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    first = materialize_all(raw, warehouse)
    submissions = _metadata(first, "borough_feedback")["submissions"]
    assert _metadata(first, "borough_feedback")["reused"] == 0
    assert _metadata(first, "return_templates")["written"] == _metadata(first, "return_templates")["templates"] > 0
    feedback = warehouse / "reports" / "feedback"
    inodes = {p.relative_to(feedback): p.stat().st_ino for p in feedback.rglob("*.xlsx")}

    (raw / "returns" / "barnet_police.csv").write_text(NEW_RETURN, encoding="utf-8")
    second = materialize_all(raw, warehouse)
    assert _metadata(second, "borough_feedback")["submissions"] == submissions + 1
    assert (
        _metadata(second, "borough_feedback")["reused"] == submissions
    )  # nothing the new file touches was sent before
    assert {
        p.relative_to(feedback): p.stat().st_ino for p in feedback.rglob("*.xlsx") if p.relative_to(feedback) in inodes
    } == inodes
    assert list((feedback / "E09000003").glob("*barnet_police.xlsx"))
    assert _metadata(second, "return_templates")["written"] == 0

    # a figure superseded by a later file changes what the earlier file's feedback shows: that one is written again
    fact = query(
        warehouse,
        "SELECT f.borough_code, f.pi_code, f.period, f.value FROM fact_pi_value f JOIN submission s "
        "USING (submission_id) WHERE f.is_current AND s.file_format = 'xlsx' AND f.value IS NOT NULL "
        "ORDER BY f.submission_id, f.row_number LIMIT 1",
    ).iloc[0]
    (raw / "returns" / "correction.csv").write_text(
        NEW_RETURN.splitlines()[0] + f"\n{fact.borough_code},{fact.pi_code},{fact.period},,,{fact.value:g},,,resent\n",
        encoding="utf-8",
    )
    third = materialize_all(raw, warehouse)
    assert (
        _metadata(third, "borough_feedback")["reused"] == submissions
    )  # all but the superseded file's (and the new one)
    for path in feedback.rglob("*-findings.csv"):  # every page still matches its submission's findings
        sub_id = int(path.name.split("-")[0])
        expected = query(warehouse, f"SELECT count(*) AS n FROM dq_issue WHERE submission_id = {sub_id}")["n"][0]
        assert len(path.read_text(encoding="utf-8").splitlines()) == expected + 1, path


def _lsdi(*args: str, raw: Path, warehouse: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {
        "LSDI_RAW_DIR": str(raw),
        "LSDI_WAREHOUSE_DIR": str(warehouse),
    }
    return subprocess.run(
        [sys.executable, "-m", "lsdi_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def _sensor_request(raw: Path, warehouse: Path) -> dg.RunRequest:
    """What the sensor of the Definitions for these directories asks for once the folder's files have held still for
    a tick."""
    sensor = build_defs(LsdiPaths(raw_dir=str(raw), warehouse_dir=str(warehouse))).resolve_sensor_def(
        "returns_folder_sensor"
    )
    with dg.instance_for_test() as instance:  # the sensor asks the instance whether a run is reading the folder
        first = sensor(dg.build_sensor_context(instance=instance))
        [request] = sensor(dg.build_sensor_context(cursor=first.cursor, instance=instance)).run_requests
    return request


def test_a_new_return_is_published_by_the_arrival_job_which_keeps_the_last_expectations(raw, tmp_path):
    warehouse = tmp_path / "warehouse"
    (raw / "returns" / "barnet_police.csv").write_text(NEW_RETURN, encoding="utf-8")
    assert _sensor_request(raw, warehouse).job_name == "lsdi_job"  # nothing validated yet: the first run is a whole one

    first = _lsdi("run", "--new-returns", raw=raw, warehouse=warehouse, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "(lsdi_job)" in first.stderr
    expectations = table(warehouse, "dq_expectation")
    submissions = len(table(warehouse, "submission"))

    (raw / "returns" / "enfield_police.csv").write_text(NEW_RETURN.replace("E09000003", "E09000010"), encoding="utf-8")
    assert _sensor_request(raw, warehouse).job_name == "returns_arrival_job"

    second = _lsdi("run", "--new-returns", raw=raw, warehouse=warehouse, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "(returns_arrival_job)" in second.stderr
    for reused in ("dq_expectation", "return_templates", "dim_borough", "dim_indicator", "mapping_summary"):
        assert f" {reused} " not in second.stderr, reused  # not rebuilt: the last full run's output is reused
    files = len(list((raw / "returns").iterdir()))
    assert f"{files} files ({files - 1} read before)" in second.stderr  # the cache holds across processes
    assert len(table(warehouse, "submission")) == submissions + 1
    assert (
        query(
            warehouse,
            "SELECT count(*) AS n FROM fact_pi_value WHERE borough_code = 'E09000010' AND pi_code = 'L01' "
            "AND period = '2007-04' AND is_current",
        )["n"][0]
        == 1
    )
    assert table(warehouse, "dq_expectation").equals(expectations)  # as last validated, and saying when
    assert (
        table(warehouse, "dq_expectation")["evaluated_at"] <= table(warehouse, "submission")["received_at"].max()
    ).all()
    assert (warehouse / "reports" / "phase1_report.html").stat().st_mtime > (
        warehouse / "reports" / "data_docs" / "index.html"
    ).stat().st_mtime


def test_files_read_and_feedback_written_in_worker_processes_give_the_same_results(raw, tmp_path, monkeypatch):
    from lsdi_pipeline import workers

    materialize_all(raw, tmp_path / "one_process")
    monkeypatch.setattr(workers, "PARALLEL_FROM", 2)
    materialize_all(raw, tmp_path / "workers")
    for name in ("submission", "fact_pi_value", "fact_feasibility", "fact_narrative", "rejected_row", "dq_issue"):
        ours, theirs = table(tmp_path / "one_process", name), table(tmp_path / "workers", name)
        drop = [c for c in ("received_at",) if c in ours]
        assert ours.drop(columns=drop).equals(theirs.drop(columns=drop)), name
    feedback = {run: tmp_path / run / "reports" / "feedback" for run in ("one_process", "workers")}
    files = {
        run: sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file()) for run, folder in feedback.items()
    }
    assert files["one_process"] == files["workers"] and len(files["workers"]) > 3 * 11
    for name in files["workers"]:
        if name.suffix == ".csv":
            assert (feedback["one_process"] / name).read_bytes() == (feedback["workers"] / name).read_bytes(), name
