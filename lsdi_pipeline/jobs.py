"""The jobs and the nightly schedule, selected from the asset graph."""

from pathlib import Path

import dagster as dg

from lsdi_pipeline.assets import all_assets
from lsdi_pipeline.assets.metadata import NIGHTLY, REBUILT_BY
from lsdi_pipeline.resources import PHASE2_ASSET, LsdiPaths

#: the whole pipeline as one run in one process: start-up per step would cost more than the steps
lsdi_job = dg.define_asset_job(
    "lsdi_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Everything: read the returns, check them, publish the warehouse, analyse and report.",
)

#: what a newly arrived return changes: everything downstream of the returns folder, less what only the nightly run
#: rebuilds (the Great Expectations suites, too slow to redo for every file; the templates, not about the returns)
NEW_RETURNS = dg.AssetSelection.assets("return_files").downstream() - dg.AssetSelection.tag(REBUILT_BY, NIGHTLY)

returns_arrival_job = dg.define_asset_job(
    "returns_arrival_job",
    selection=NEW_RETURNS,
    executor_def=dg.in_process_executor,
    description="What newly arrived returns change: the new files are read (files already read come from the parse "
    "cache), checked and loaded, and the warehouse, analysis tables, feedback and report are rebuilt. The reference "
    "tables are reused from the last full run, and the Great Expectations suites (dq_expectation) and the templates "
    "are left to the nightly run; until then the warehouse publishes the last validated expectations, with the time "
    "they were evaluated.",
)

#: the Phase II recommendations and everything that shows them: what a run with other thresholds must rebuild
PHASE2_AND_DOWNSTREAM = dg.AssetSelection.assets(PHASE2_ASSET).downstream()

phase2_rules_job = dg.define_asset_job(
    "phase2_rules_job",
    selection=PHASE2_AND_DOWNSTREAM,
    executor_def=dg.in_process_executor,
    description="Phase II recommendations by other thresholds: set them in the Launchpad under resources → "
    "phase2_rules → config (the defaults are lsdi_pipeline/phase2_rules.toml), and the recommendations, the published "
    "warehouse, the Phase I report, the run summary and the feedback are rebuilt by them; the other tables are reused "
    "from the last run. The next run without the override goes back to the file's thresholds: edit the file to keep "
    "them.",
)

#: the outputs the arrival job loads from the last full run: the inputs of what it builds that it does not build
REUSED = tuple(
    sorted(key.to_user_string() for key in (NEW_RETURNS.upstream(depth=1) - NEW_RETURNS).resolve(all_assets))
)


def unreadable_intermediates(paths: LsdiPaths) -> list[Path]:
    """The reused outputs of the last full run that are missing or cannot be unpickled (truncated, overwritten)."""
    import pickle

    unreadable = []
    for name in REUSED:
        path = paths.intermediate / name
        try:
            with open(path, "rb") as f:
                pickle.load(f)
        except Exception:  # noqa: BLE001 — whatever a damaged pickle raises, the output cannot be reused
            unreadable.append(path)
    return unreadable


def job_for_new_returns(paths: LsdiPaths):
    """The arrival job once a full run has left the outputs it reuses, all readable; the whole job otherwise, which
    builds them again."""
    return lsdi_job if unreadable_intermediates(paths) else returns_arrival_job


nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule",
    job=lsdi_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Re-runs the whole pipeline at 02:00 London time: every return, every check, every analysis table "
    "and report.",
)
