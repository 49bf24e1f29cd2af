"""Where the pipeline reads and writes, and the lock a run holds on the warehouse.

The directories and the instance come from `lsdi_pipeline.environment`, the one module that reads the environment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from lsdi_pipeline import environment
from lsdi_pipeline.derived import sweep_intermediates
from lsdi_pipeline.warehouse.store import remove_stale_staging, warehouse_lock
from lsdi_pipeline.workers import start_sandbox


class LsdiPaths(dg.ConfigurableResource):
    """The raw input directory (LSDI_RAW_DIR) and the warehouse directory (LSDI_WAREHOUSE_DIR).

    While a run uses it, the run holds the warehouse lock: two runs never interleave, so
    neither loses the other's submissions.
    """

    raw_dir: str = environment.DEFAULT_RAW_DIR
    warehouse_dir: str = environment.DEFAULT_WAREHOUSE_DIR

    @classmethod
    def from_env(cls, raw_dir: str | None = None, warehouse_dir: str | None = None) -> LsdiPaths:
        """The directories given, or else those the environment names, or else the project's own."""
        return cls(raw_dir=environment.raw_dir(raw_dir), warehouse_dir=environment.warehouse_dir(warehouse_dir))

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_dir)

    @property
    def archive(self) -> Path:
        return self.warehouse / "archive"

    @property
    def intermediate(self) -> Path:
        """Where the IO manager keeps each asset's last output, for runs that do not rebuild it."""
        return self.warehouse / ".intermediate"

    @property
    def reports(self) -> Path:
        return self.warehouse / "reports"

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[LsdiPaths]:
        with warehouse_lock(self.warehouse):
            stale = remove_stale_staging(self.warehouse)
            if stale and context.log:
                context.log.warning(f"removed {len(stale)} staging file(s) left by an interrupted run")
            start_sandbox()  # the processes that read returns: their imports overlap the run's first steps
            swept = sweep_intermediates(self.intermediate, self.warehouse)
            if swept and context.log:
                context.log.warning(f"set aside {len(swept)} damaged output(s) of an earlier run: {', '.join(swept)}")
            yield self


def run_instance() -> dg.DagsterInstance:
    """The instance a run started here is recorded in (see `environment.dagster_home`)."""
    home = environment.dagster_home()
    return dg.DagsterInstance.from_config(home) if home else dg.DagsterInstance.ephemeral()


class ExpectationsWorker(dg.ConfigurableResource):
    """The Great Expectations worker process, started as the run begins so its import overlaps the run."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from lsdi_pipeline.expectations import worker

        worker.start()
