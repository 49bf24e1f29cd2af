"""The Definitions of lsdi_pipeline: every asset, the jobs, the schedule and the sensor, wired to one set of paths.

`build_defs(paths)` is the only way they are made: `lsdi run`, the tests and the code location below all call it,
so a run for other directories gets its own resources, IO manager and sensor. `defs` is the code location that
`dagster dev` and `dagster definitions validate` load, for the directories the environment names.
"""

from __future__ import annotations

import dagster as dg

from lsdi_pipeline.assets import all_asset_checks, all_assets
from lsdi_pipeline.jobs import lsdi_job, nightly_schedule, phase2_rules_job, returns_arrival_job
from lsdi_pipeline.progress import progress_logger
from lsdi_pipeline.resources import ExpectationsWorker, LsdiPaths, Phase2Rules
from lsdi_pipeline.sensors import returns_folder_sensor

__all__ = ["all_asset_checks", "all_assets", "build_defs", "defs", "run_resources"]


def run_resources(paths: LsdiPaths) -> dict:
    """The resources of a run over `paths`."""
    return {
        "paths": paths,
        "gx": ExpectationsWorker(),
        # one set of Phase II thresholds for every asset and check of the run that uses them
        "phase2_rules": Phase2Rules(),
        # intermediate frames live beside the warehouse they were built for, so materialising one asset
        # never picks up frames built from another raw or warehouse directory
        "io_manager": dg.FilesystemIOManager(base_dir=str(paths.intermediate)),
    }


def build_defs(paths: LsdiPaths) -> dg.Definitions:
    """Every asset, check, job, schedule and sensor of the pipeline, reading `paths.raw` and writing
    `paths.warehouse`."""
    return dg.Definitions(
        assets=all_assets,
        asset_checks=all_asset_checks,
        jobs=[lsdi_job, returns_arrival_job, phase2_rules_job],
        schedules=[nightly_schedule],
        sensors=[returns_folder_sensor(paths)],
        resources=run_resources(paths),
        executor=dg.in_process_executor,
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    )


defs = build_defs(LsdiPaths.from_env())
