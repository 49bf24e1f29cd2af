"""The job and the nightly schedule."""

import dagster as dg

#: the whole pipeline as one run in one process: start-up per step would cost more than the steps
lsdi_job = dg.define_asset_job("lsdi_job", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
                               description="Everything: read the returns, check them, publish the warehouse, analyse and report.")

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule", job=lsdi_job, cron_schedule="0 2 * * *", execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Re-runs the whole pipeline at 02:00 London time: every return, every check, every analysis table and report.")
