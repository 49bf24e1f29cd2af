"""Crash safety with real processes: a killed run never damages the published warehouse, and an
analyst's open session in another process never blocks a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lsdi_pipeline.warehouse.store import STAGING_PREFIX, WAREHOUSE_FILE
from lsdi_pipeline_tests.pipeline import copy_bundled_raw, materialize_all, table

ROOT = Path(__file__).resolve().parent.parent


def _start_run(raw: Path, warehouse: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {
        "LSDI_RAW_DIR": str(raw),
        "LSDI_WAREHOUSE_DIR": str(warehouse),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "lsdi_pipeline.cli", "run"],
        cwd=raw.parent,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_run_killed_while_publishing_leaves_the_published_file_byte_identical_and_the_next_run_recovers(tmp_path):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    published = (warehouse / WAREHOUSE_FILE).read_bytes()
    before = len(table(warehouse, "submission"))
    (raw / "returns" / "late.csv").write_text(
        "borough_code,pi_code,period,numerator,denominator,value,source_agency,"
        "reporting_frequency,note\nE09000003,L01,2007-04,,,210,Children's social care,"
        "Monthly,synthetic\n"
    )
    run = _start_run(raw, warehouse)
    deadline = time.monotonic() + 240
    while not list(warehouse.glob(f"{STAGING_PREFIX}.*.duckdb")):
        assert run.poll() is None, "the run finished before its staging file was seen"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)  # the whole process group, mid-publish
    run.wait()
    assert (warehouse / WAREHOUSE_FILE).read_bytes() == published
    assert list(warehouse.glob(f"{STAGING_PREFIX}*"))  # what the killed run left behind
    materialize_all(raw, warehouse)  # no clean-up by hand: the lock died with its process, staging is swept
    assert not list(warehouse.glob(f"{STAGING_PREFIX}*"))
    assert len(table(warehouse, "submission")) == before + 1


def test_a_second_process_reading_the_warehouse_all_through_a_run_neither_blocks_it_nor_sees_it_half_done(tmp_path):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    before = len(table(warehouse, "submission"))
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys, time\n"
                f"con = duckdb.connect({str(warehouse / WAREHOUSE_FILE)!r}, read_only=True)\n"
                "print(con.execute('SELECT count(*) FROM submission').fetchone()[0], flush=True)\n"
                "sys.stdin.readline()\n"
                "print(con.execute('SELECT count(*) FROM submission').fetchone()[0], flush=True)\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert int(reader.stdout.readline()) == before
        (raw / "returns" / "another.xlsx").write_bytes(b"not a workbook")
        result = materialize_all(raw, warehouse)  # the reader holds its connection for the whole run
        assert result.success
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == before  # its snapshot, never a half-loaded state
    finally:
        reader.kill()
    assert len(table(warehouse, "submission")) == before + 1  # new connections see the new file
