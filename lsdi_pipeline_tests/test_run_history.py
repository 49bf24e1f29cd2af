"""The run history as the project's instance writes it (lsdi_pipeline/run_history.py, dagster_home/dagster.yaml):
Dagster's own files, read back by an instance with Dagster's default storage, as the UI and the daemon would."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from lsdi_pipeline.cli import run_pipeline
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, project_instance

PROJECT_CONFIG = Path(__file__).resolve().parent.parent / "dagster_home" / "dagster.yaml"


def test_a_run_recorded_by_the_project_instance_reads_back_with_dagsters_default_storage(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_CONFIG, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    raw = copy_bundled_raw(tmp_path / "raw")
    assert run_pipeline(str(raw), str(tmp_path / "warehouse"), only=("dq_rule", "dim_goal")) == 0

    with project_instance(home) as instance:
        [written] = instance.get_runs()
        storage = instance.event_log_storage
        with storage.run_connection(written.run_id) as conn:
            # 1 = NORMAL: a commit writes the WAL without a full sync (safe in WAL mode; see run_history.py)
            assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1
        assert type(storage).__module__ == "lsdi_pipeline.run_history"

    # The UI's view: an instance on the same folder with none of our configuration
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is dg._core.storage.event_log.SqliteEventLogStorage
        [run] = instance.get_runs()
        assert run.run_id == written.run_id and run.status == dg.DagsterRunStatus.SUCCESS
        events = instance.all_logs(run.run_id)
        succeeded = {e.step_key for e in events if e.is_dagster_event and e.dagster_event.is_step_success}
        assert succeeded == {"dq_rule", "dim_goal"}
        latest = instance.get_latest_materialization_event(dg.AssetKey("dq_rule"))
        assert latest is not None and latest.run_id == run.run_id
        assert latest.asset_materialization.metadata["dagster/row_count"].value == 51
        # context.log.debug (Dagster's "Loading file from …" per input and output) is not stored
        assert events and all(e.level >= 20 for e in events if not e.is_dagster_event)
