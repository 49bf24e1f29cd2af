"""The run history as the project's instance writes it (lsdi_pipeline/run_history.py, dagster_home/dagster.yaml):
Dagster's own files, read back by an instance with Dagster's default storage, as the UI and the daemon would."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
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


def test_a_run_killed_while_its_events_are_written_leaves_a_run_history_the_next_run_and_the_ui_read(tmp_path):
    """`synchronous=NORMAL` against the worst moment: the whole process group killed while the run's events are being
    committed. SQLite's files stay whole, the next run records as ever, and the killed run reads back."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_CONFIG, home / "dagster.yaml")
    raw = copy_bundled_raw(tmp_path / "raw")
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "LSDI_RAW_DIR": str(raw),
        "LSDI_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }
    command = [sys.executable, "-m", "lsdi_pipeline.cli", "run"]
    run = subprocess.Popen(
        command, env=env, cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    runs_dir, deadline = home / "history" / "runs", time.monotonic() + 240
    seen = 0  # events of the run committed when it is killed: from then on it commits event after event
    while seen < 20:
        assert run.poll() is None, "the run finished before its events were seen"
        assert time.monotonic() < deadline
        for database in [p for p in runs_dir.glob("*.db") if p.name != "index.db"]:
            with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(database, timeout=0)) as db:
                seen = db.execute("SELECT count(*) FROM event_logs").fetchone()[0]
        time.sleep(0.002)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()

    for database in home.rglob("*.db"):
        with contextlib.closing(sqlite3.connect(database)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), database
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    with project_instance(home) as instance:
        finished, killed = instance.get_runs()  # newest first
        assert finished.status == dg.DagsterRunStatus.SUCCESS
        # nothing it had committed is lost
        assert killed.status != dg.DagsterRunStatus.SUCCESS and len(instance.all_logs(killed.run_id)) >= seen
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # and as the UI reads it
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 2 and instance.all_logs(finished.run_id)
