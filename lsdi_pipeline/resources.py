"""Where the pipeline reads and writes, and the lock a run holds on the warehouse.

The directories and the instance come from `lsdi_pipeline.environment`, the one module that reads the environment.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path

import dagster as dg

from lsdi_pipeline import environment
from lsdi_pipeline.derived import sweep_intermediates
from lsdi_pipeline.thresholds import Thresholds
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
    return open_instance(home) if home else dg.DagsterInstance.ephemeral()


def open_instance(home: str | os.PathLike) -> dg.DagsterInstance:
    """The Dagster instance configured in `home`/dagster.yaml. The project's configuration names its home by
    DAGSTER_HOME (see lsdi_pipeline/run_history.py), so DAGSTER_HOME is set to `home` in this process."""
    os.environ["DAGSTER_HOME"] = os.path.abspath(home)
    return dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])


class ExpectationsWorker(dg.ConfigurableResource):
    """The Great Expectations worker process, started as the run begins so its import overlaps the run."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from lsdi_pipeline.expectations import worker

        worker.start()


_RULES_IN_FILE = Thresholds.from_file()

#: the asset whose thresholds these are; it and everything downstream of it must be rebuilt by a run that changes them
PHASE2_ASSET = "phase2_recommendation"


class Phase2Rules(dg.ConfigurableResource):
    """The thresholds of the Phase II rules, one set for the whole run: `phase2_recommendation` decides by them,
    `borough_feedback` flags the pilots needing support by them, and so does the check on the support threshold.

    The defaults are lsdi_pipeline/phase2_rules.toml. A run may override any of them (Launchpad: resources →
    phase2_rules → config), but only a run that also rebuilds what shows the recommendations: see `check_run`.
    """

    retain_min_availability_pct: float = _RULES_IN_FILE.retain_min_availability_pct
    replace_max_availability_pct: float = _RULES_IN_FILE.replace_max_availability_pct
    replace_min_cannot_provide_share: float = _RULES_IN_FILE.replace_min_cannot_provide_share
    revise_min_cadence_mismatch_share: float = _RULES_IN_FILE.revise_min_cadence_mismatch_share
    revise_min_error_share: float = _RULES_IN_FILE.revise_min_error_share
    extend_pilot_below_mean_availability_pct: float = _RULES_IN_FILE.extend_pilot_below_mean_availability_pct
    map_sources_below_multi_agency_share_pct: float = _RULES_IN_FILE.map_sources_below_multi_agency_share_pct
    support_boroughs_below_availability_pct: float = _RULES_IN_FILE.support_boroughs_below_availability_pct

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(**{f.name: getattr(self, f.name) for f in fields(Thresholds)})

    def overridden(self) -> dict[str, tuple[float, float]]:
        """Each threshold this run changes: (the file's value, this run's)."""
        ours, theirs = asdict(self.thresholds), asdict(_RULES_IN_FILE)
        return {name: (theirs[name], ours[name]) for name in theirs if ours[name] != theirs[name]}

    def check_run(self, context: dg.AssetExecutionContext) -> None:
        """Fail the step at once if this run changes a threshold but leaves stale something that shows the
        recommendations: the published warehouse, the report and the feedback would disagree with each other."""
        changed = self.overridden()
        if not changed:
            return
        from lsdi_pipeline.assets import all_assets

        needed = dg.AssetSelection.assets(PHASE2_ASSET).downstream().resolve(all_assets)
        selected = context.run.asset_selection or context.job_def.asset_layer.selected_asset_keys
        left_out = sorted(key.to_user_string() for key in needed - set(selected))
        if left_out:
            shown = ", ".join(f"{name} {before:g} → {after:g}" for name, (before, after) in changed.items())
            raise dg.Failure(
                description=f"This run changes Phase II thresholds ({shown}) but does not rebuild "
                f"{', '.join(left_out)}, which would go on showing the old recommendations. Launch the job "
                f"phase2_rules_job with these thresholds, or materialise {PHASE2_ASSET} with everything downstream "
                f"of it (select {PHASE2_ASSET}+ in the asset graph); to change them for good, edit "
                "lsdi_pipeline/phase2_rules.toml."
            )
