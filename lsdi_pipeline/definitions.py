"""The one Definitions object of lsdi_pipeline: every asset, the job, resources and loggers."""

from __future__ import annotations

import dagster as dg

from lsdi_pipeline.assets import analysis, checks, raw, reports, validated, warehouse
from lsdi_pipeline.progress import progress_logger
from lsdi_pipeline.resources import LsdiPaths

all_assets = dg.load_assets_from_modules([raw, validated, warehouse, analysis, reports])
all_asset_checks = dg.load_asset_checks_from_modules([checks])

#: the whole pipeline as one run in one process (see docs: one process beats one per step here)
lsdi_job = dg.define_asset_job("lsdi_job", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
                               description="Everything: read the returns, check them, publish the warehouse, summarise.")

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_asset_checks,
    jobs=[lsdi_job],
    resources={"paths": LsdiPaths.from_env()},
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
