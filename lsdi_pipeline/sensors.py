"""The file-arrival sensor: a run when returns arrive or change in the returns folder."""

from __future__ import annotations

import json

import dagster as dg

from lsdi_pipeline.jobs import job_for_new_returns, lsdi_job, returns_arrival_job
from lsdi_pipeline.resources import LsdiPaths

TICK_SECONDS = 30


def scan(paths: LsdiPaths, cursor: str | None, request: bool = True) -> tuple[list[tuple[str, str]], str]:
    """New or changed files whose size held still since the last tick, as (path, sha256); and the next cursor.

    The cursor remembers each file's size and modification time (and its SHA-256 once hashed),
    and what has been requested, so an unchanged folder costs a directory listing. A file whose bytes the
    archive already holds under its name is not new: a run for it would add nothing (the sensor switched on
    over a folder already loaded, or a file that arrived while a run was archiving). With `request` False (a run is
    in progress) the sizes are remembered but nothing is marked requested: the next tick judges the files again,
    against the archive the run has left.
    """
    # the archive's and the reference's modules import pandas: a tick imports them, loading the definitions does not
    from lsdi_pipeline.reference import RETURNS_DIR
    from lsdi_pipeline.returns.archive import file_sha256, regular_files_in

    state = json.loads(cursor) if cursor else {}
    seen, requested = state.get("files", {}), state.get("requested", {})
    returns_dir = paths.raw / RETURNS_DIR
    files, ready = {}, []
    for path in regular_files_in(returns_dir):
        relative = path.relative_to(returns_dir).as_posix()
        try:
            stat = path.stat(follow_symlinks=False)
            size, mtime = stat.st_size, stat.st_mtime_ns
            before = seen.get(relative)
            if before is None or before[0] != size:
                files[relative] = [size, mtime, None]  # new, or still being copied in: look again next tick
                continue
            sha = before[2] if before[1] == mtime and before[2] else file_sha256(path)
        except OSError:  # gone, or swapped for a link or a pipe, since the listing: look again next tick
            continue
        files[relative] = [size, mtime, sha]
        if requested.get(relative) != sha:
            ready.append((relative, sha))
    if not request:
        return [], json.dumps({"files": files, "requested": requested}, sort_keys=True)
    requested = {**requested, **dict(ready)}
    if ready:
        archived = _archived(paths)
        ready = [(relative, sha) for relative, sha in ready if (relative, sha) not in archived]
    return ready, json.dumps({"files": files, "requested": requested}, sort_keys=True)


def _archived(paths: LsdiPaths) -> set[tuple[str, str]]:
    """(name in the returns folder, SHA-256) of every file the archive holds, as the archive itself tells what is new.

    A ledger that cannot be read hides nothing: the run that is then requested reports it.
    """
    from lsdi_pipeline.returns.archive import LedgerError, read_ledger_records

    try:
        return {(r["original_path"], r["file_sha256"]) for r in read_ledger_records(paths.archive)}
    except (LedgerError, OSError):
        return set()


#: a run in one of these is still to read the returns folder, or reading it
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def runs_reading_returns(context: dg.SensorEvaluationContext) -> list[dg.DagsterRun]:
    """The queued or running runs that archive the returns folder: of the jobs that do, or that materialise
    return_files (a selection launched from the asset graph). None for a sensor evaluated outside any Dagster
    instance (a context built by hand, with no instance): no run can be in progress there."""
    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:
        return []
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS))
    key = dg.AssetKey("return_files")
    return [
        run
        for run in runs
        if run.job_name in (lsdi_job.name, returns_arrival_job.name) or key in (run.asset_selection or ())
    ]


def returns_folder_sensor(paths: LsdiPaths) -> dg.SensorDefinition:
    """The sensor watching `paths.raw`'s returns folder.

    It reads the paths it was built with, not the `paths` resource: a resource takes the warehouse lock, and the
    sensor would wait while a run is publishing.
    """

    @dg.sensor(
        name="returns_folder_sensor",
        jobs=[returns_arrival_job, lsdi_job],
        minimum_interval_seconds=TICK_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Watches the returns folder (LSDI_RAW_DIR/returns) for new or changed .xlsx/.csv files; once a "
        "file's size is stable across two ticks it starts one run of returns_arrival_job that archives and reads the "
        "new files and rebuilds the tables, feedback and report they affect (the whole lsdi_job until a full run has "
        "validated the expectations once). An unchanged folder requests nothing, and nothing is requested while a run "
        "that reads the folder is queued or in progress: the next tick requests only what that run did not take.",
    )
    def sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        running = runs_reading_returns(context)
        if running:
            # the run may yet read a file that arrived since it started: the next tick asks the archive
            _, cursor = scan(paths, context.cursor, request=False)
            return dg.SensorResult(
                skip_reason=f"run {running[0].run_id[:8]} of {running[0].job_name} is "
                f"{running[0].status.value.lower()}: the returns folder is looked at again once no run is reading it",
                cursor=cursor,
            )
        ready, cursor = scan(paths, context.cursor)
        if not ready:
            return dg.SensorResult(run_requests=[], cursor=cursor)
        request = dg.RunRequest(
            run_key=";".join(f"{path}@{sha}" for path, sha in ready),
            job_name=job_for_new_returns(paths).name,
            tags={"lsdi/trigger": "file_arrival", "lsdi/files": ", ".join(path for path, _ in ready)[:1000]},
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return sensor
