"""The one Definitions object of lsdi_pipeline: every asset, the job, resources and loggers."""

from __future__ import annotations

import dagster as dg

from lsdi_pipeline.assets import analysis, checks, expectations, raw, reports, validated, warehouse
from lsdi_pipeline.jobs import lsdi_job, nightly_schedule, returns_arrival_job
from lsdi_pipeline.progress import progress_logger
from lsdi_pipeline.resources import ExpectationsWorker, LsdiPaths
from lsdi_pipeline.sensors import returns_folder_sensor

all_assets = dg.load_assets_from_modules([raw, validated, warehouse, expectations, analysis, reports])
all_asset_checks = dg.load_asset_checks_from_modules([checks, expectations])


paths = LsdiPaths.from_env()

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_asset_checks,
    jobs=[lsdi_job, returns_arrival_job],
    schedules=[nightly_schedule],
    sensors=[returns_folder_sensor],
    # intermediate frames live beside the warehouse they were built for, so materialising one asset
    # never picks up frames built from another raw or warehouse directory
    resources={
        "paths": paths,
        "gx": ExpectationsWorker(),
        "io_manager": dg.FilesystemIOManager(base_dir=str(paths.intermediate)),
    },
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
