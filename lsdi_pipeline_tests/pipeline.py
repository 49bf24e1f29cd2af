"""Running the real pipeline in tests: a copy of the bundled raw data, a warehouse in tmp_path."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from lsdi_pipeline.definitions import build_defs, run_resources
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.warehouse.store import WAREHOUSE_FILE

BUNDLED_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"


def copy_bundled_raw(target: Path) -> Path:
    shutil.copytree(BUNDLED_RAW, target)
    return target


@contextlib.contextmanager
def project_instance(home: Path):
    """The Dagster instance in `home`, configured by a copy of the project's dagster.yaml, which names its home by
    DAGSTER_HOME: set for as long as the instance is open."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance


def paths(raw_dir: Path, warehouse_dir: Path) -> LsdiPaths:
    return LsdiPaths(raw_dir=str(raw_dir), warehouse_dir=str(warehouse_dir))


def resources(raw_dir: Path, warehouse_dir: Path) -> dict:
    """The run's resources for these directories, as the Definitions have them."""
    return run_resources(paths(raw_dir, warehouse_dir))


def materialize_all(raw_dir: Path, warehouse_dir: Path, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    """Run the whole job, as `lsdi run` does, into a real DuckDB file: the Definitions `build_defs` makes for these
    directories, in a temporary instance."""
    job = build_defs(paths(raw_dir, warehouse_dir)).resolve_job_def("lsdi_job")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=raise_on_error)


def query(warehouse_dir: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse_dir / WAREHOUSE_FILE), read_only=True) as con:
        return con.execute(sql).df()


def table(warehouse_dir: Path, name: str) -> pd.DataFrame:
    return query(warehouse_dir, f"SELECT * FROM {name}")


def lsdi_run(
    raw_dir: Path, warehouse_dir: Path, *args: str, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    """`lsdi run` as an operator starts it: a new process, this instance-free environment, its exit code and output."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {
        "LSDI_RAW_DIR": str(raw_dir),
        "LSDI_WAREHOUSE_DIR": str(warehouse_dir),
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "lsdi_pipeline.cli", "run", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=raw_dir.parent,
        timeout=600,
    )


def lsdi_run_ok(raw_dir: Path, warehouse_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`lsdi run` that must exit 0; on failure the assertion shows what it printed."""
    done = lsdi_run(raw_dir, warehouse_dir, *args)
    assert done.returncode == 0, f"lsdi run exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return done
