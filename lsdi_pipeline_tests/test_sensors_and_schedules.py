"""The file-arrival sensor and the nightly schedule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from lsdi_pipeline.definitions import build_defs, defs
from lsdi_pipeline.jobs import nightly_schedule
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.returns.archive import archive_returns

ROOT = Path(__file__).resolve().parent.parent


class Folder:
    """A returns folder and the sensor ticking over it, carrying its cursor from tick to tick."""

    def __init__(self, root: Path, instance: dg.DagsterInstance | None):
        self.instance = instance
        paths = LsdiPaths(raw_dir=str(root / "raw"), warehouse_dir=str(root / "warehouse"))
        self.sensor = build_defs(paths).resolve_sensor_def("returns_folder_sensor")
        self.returns = root / "raw" / "returns"
        self.returns.mkdir(parents=True)
        self.cursor = None

    def evaluate(self) -> dg.SensorResult:
        result = self.sensor(dg.build_sensor_context(cursor=self.cursor, instance=self.instance))
        self.cursor = result.cursor
        return result

    def tick(self) -> list[dg.RunRequest]:
        return self.evaluate().run_requests or []


@pytest.fixture()
def folder(tmp_path) -> Folder:
    with dg.instance_for_test() as instance:
        yield Folder(tmp_path, instance)


def test_a_new_file_is_requested_once_its_size_is_stable_and_only_once(folder):
    (folder.returns / "barnet.xlsx").write_bytes(b"first version")
    assert folder.tick() == []  # first seen: it may still be being copied in
    requests = folder.tick()
    assert len(requests) == 1 and requests[0].run_key.startswith("barnet.xlsx@")
    assert requests[0].tags["lsdi/files"] == "barnet.xlsx"
    assert folder.tick() == [] and folder.tick() == []  # an unchanged folder requests nothing


def test_a_sensor_evaluated_without_an_instance_still_requests_new_files(tmp_path):
    # a context built by hand has no instance to ask about runs in progress: there can be none, and the folder decides
    folder = Folder(tmp_path, None)
    (folder.returns / "barnet.xlsx").write_bytes(b"first version")
    assert folder.tick() == []
    [request] = folder.tick()
    assert request.run_key.startswith("barnet.xlsx@")


def test_a_file_still_growing_waits_for_the_next_tick(folder):
    path = folder.returns / "big.xlsx"
    path.write_bytes(b"x" * 100)
    folder.tick()
    with open(path, "ab") as f:
        f.write(b"y" * 100)
    assert folder.tick() == []  # the size changed since the last tick
    assert len(folder.tick()) == 1


def test_several_files_arriving_together_make_one_run_and_a_changed_file_a_new_one(folder):
    for name in ("a.xlsx", "sub/b.csv", "c.xlsx"):
        (folder.returns / name).parent.mkdir(parents=True, exist_ok=True)
        (folder.returns / name).write_bytes(name.encode())
    folder.tick()
    requests = folder.tick()
    assert len(requests) == 1 and requests[0].tags["lsdi/files"] == "a.xlsx, c.xlsx, sub/b.csv"
    first_key = requests[0].run_key
    (folder.returns / "a.xlsx").write_bytes(b"a.xlsx, corrected")
    folder.tick()
    changed = folder.tick()
    assert len(changed) == 1 and changed[0].run_key.startswith("a.xlsx@") and changed[0].run_key != first_key


def test_a_byte_identical_copy_under_a_new_name_is_requested_and_recorded_as_a_duplicate_by_the_run(folder):
    (folder.returns / "one.xlsx").write_bytes(b"same bytes")
    folder.tick(), folder.tick()
    (folder.returns / "copy of one.xlsx").write_bytes(b"same bytes")
    folder.tick()
    requests = folder.tick()
    assert [r.tags["lsdi/files"] for r in requests] == ["copy of one.xlsx"]


def test_over_a_folder_already_loaded_the_sensor_requests_nothing_until_a_file_is_new_or_changed(folder, tmp_path):
    """Switched on over returns the warehouse's archive already holds, the sensor starts no run: one would add nothing.
    A new file, or new bytes under an old name, is still requested."""
    for name in ("barnet.xlsx", "sub/brent.csv"):
        (folder.returns / name).parent.mkdir(parents=True, exist_ok=True)
        (folder.returns / name).write_bytes(f"{name} as loaded".encode())
    archive_returns(folder.returns, tmp_path / "warehouse" / "archive")
    assert folder.tick() == [] and folder.tick() == []
    (folder.returns / "camden.xlsx").write_bytes(b"arrived later")
    (folder.returns / "barnet.xlsx").write_bytes(b"barnet.xlsx, corrected")
    folder.tick()
    [request] = folder.tick()
    assert request.tags["lsdi/files"] == "barnet.xlsx, camden.xlsx"


def test_a_file_archived_by_a_run_since_it_arrived_is_not_requested_again(folder, tmp_path):
    """A file that came in while a run was archiving, and that run took it: no second run that adds nothing."""
    (folder.returns / "late.xlsx").write_bytes(b"arrived during a run")
    folder.tick()  # seen once: its size must hold still for a tick
    archive_returns(folder.returns, tmp_path / "warehouse" / "archive")  # the run in progress archives it
    assert folder.tick() == []


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.NOT_STARTED])
def test_while_a_run_reads_the_folder_the_sensor_waits_and_then_requests_only_what_the_run_did_not_take(
    folder, tmp_path, status
):
    """A run of the arrival job is in progress (a real run record in the instance): a file that arrives meanwhile
    starts no second run, whose raw step would find it already read. Once the run is over, the archive tells: the file
    the run took is not requested, the one it missed is, with the usual run key."""
    from dagster._core.storage.dagster_run import DagsterRun

    run = folder.instance.add_run(DagsterRun(job_name="returns_arrival_job", run_id="a1b2c3d4-run", status=status))
    (folder.returns / "taken.xlsx").write_bytes(b"arrived while the run was reading")
    (folder.returns / "missed.xlsx").write_bytes(b"arrived after the run had archived")
    for _ in range(3):  # however long the run takes
        result = folder.evaluate()
        assert not result.run_requests
        assert "a1b2c3d4 of returns_arrival_job is " + status.value.lower() in result.skip_reason.skip_message
    archive = tmp_path / "warehouse" / "archive"
    missed = (folder.returns / "missed.xlsx").read_bytes()
    (folder.returns / "missed.xlsx").unlink()
    archive_returns(folder.returns, archive)  # the run archived what was there when its raw step ran
    (folder.returns / "missed.xlsx").write_bytes(missed)
    folder.instance.report_run_canceled(run)
    [request] = folder.tick()  # sizes were held still while waiting: no extra tick needed
    assert request.tags["lsdi/files"] == "missed.xlsx" and request.run_key.startswith("missed.xlsx@")
    assert folder.tick() == []


def test_a_run_of_another_job_does_not_hold_the_sensor_back(folder):
    from dagster._core.storage.dagster_run import DagsterRun

    folder.instance.add_run(
        DagsterRun(job_name="phase2_rules_job", run_id="other-run", status=dg.DagsterRunStatus.STARTED)
    )
    (folder.returns / "barnet.xlsx").write_bytes(b"bytes")
    folder.tick()
    assert len(folder.tick()) == 1


def test_a_damaged_ledger_hides_no_file_from_the_sensor(folder, tmp_path):
    (folder.returns / "barnet.xlsx").write_bytes(b"bytes")
    archive = tmp_path / "warehouse" / "archive"
    archive.mkdir(parents=True)
    (archive / "ledger.csv").write_text("not,a,ledger\n", encoding="utf-8")
    folder.tick()
    assert len(folder.tick()) == 1  # the run it starts says what is wrong with the ledger


def test_hidden_and_office_lock_files_are_ignored(folder):
    (folder.returns / "~$barnet.xlsx").write_bytes(b"lock")
    (folder.returns / ".DS_Store").write_bytes(b"mac")
    folder.tick()
    assert folder.tick() == []


def test_the_nightly_schedule_runs_everything_at_two_in_the_morning_london_time():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Europe/London"
    assert nightly_schedule.job_name == "lsdi_job"
    assert defs.resolve_job_def("lsdi_job").executor_def.name == "in_process"


@pytest.mark.parametrize("command, name", [("schedule", "nightly_schedule"), ("sensor", "returns_folder_sensor")])
def test_the_dagster_cli_lists_the_schedule_and_the_sensor(command, name, tmp_path):
    env = {"DAGSTER_HOME": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), command, "list", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert name in done.stdout


def test_the_sensor_ticks_while_a_run_holds_the_warehouse_lock(folder, tmp_path):
    import time

    warehouse = tmp_path / "warehouse"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from lsdi_pipeline.warehouse.store import warehouse_lock\n"
            f"with warehouse_lock(Path({str(warehouse)!r})):\n    print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        (folder.returns / "late.xlsx").write_bytes(b"arrived during a run")
        started = time.perf_counter()
        folder.tick()
        assert len(folder.tick()) == 1
        assert time.perf_counter() - started < 5
    finally:
        holder.kill()
