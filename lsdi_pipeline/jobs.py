"""The jobs and the nightly schedule."""

from pathlib import Path

import dagster as dg

from lsdi_pipeline.resources import LsdiPaths

#: the whole pipeline as one run in one process: start-up per step would cost more than the steps
lsdi_job = dg.define_asset_job(
    "lsdi_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Everything: read the returns, check them, publish the warehouse, analyse and report.",
)

#: read from the reference files (or the code), which a newly arrived return does not change: `lsdi run` and the
#: nightly run read them again, and a run for new returns reuses their last output
REFERENCE = (
    "dim_goal",
    "dim_cluster",
    "dim_indicator",
    "pilot_borough",
    "dim_borough",
    "mapping_response",
    "mapping_inventory",
    "mapping_summary",
    "dq_rule",
    "published_value",
)
#: too slow to redo for every file that arrives (the Great Expectations suites), or not about the returns received
NIGHTLY_ONLY = ("dq_expectation", "return_templates")

returns_arrival_job = dg.define_asset_job(
    "returns_arrival_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*REFERENCE, *NIGHTLY_ONLY),
    executor_def=dg.in_process_executor,
    description="What newly arrived returns change: the new files are read (files already read come from the parse cache), "
    "checked and loaded, and the warehouse, analysis tables, feedback and report are rebuilt. The reference tables "
    "are reused from the last full run, and the Great Expectations suites (dq_expectation) and the templates are "
    "left to the nightly run; until then the warehouse publishes the last validated expectations, with the time "
    "they were evaluated.",
)


#: the outputs the arrival job loads from the last full run instead of building them (templates have no output)
REUSED = tuple(name for name in (*REFERENCE, *NIGHTLY_ONLY) if name != "return_templates")


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
    description="Re-runs the whole pipeline at 02:00 London time: every return, every check, every analysis table and report.",
)
