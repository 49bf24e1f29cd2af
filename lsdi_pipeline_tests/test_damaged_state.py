"""What a run finds it cannot trust, with real DuckDB files and real processes: a damaged published file or
backup, an analyst's read-write session held across the run, a step failing after the publish, a warehouse
directory that cannot be written, and `lsdi template` given a directory or run from the wrong folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from lsdi_pipeline.warehouse.store import BACKUP_FILE, HELD_BY_WRITER, WAREHOUSE_FILE, unreadable
from lsdi_pipeline_tests.pipeline import (
    BUNDLED_RAW,
    copy_bundled_raw,
    lsdi_run,
    materialize_all,
    project_instance,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
DAMAGED = f"set-aside/*-{WAREHOUSE_FILE}"
BACKUP_DAMAGED = f"set-aside/*-{BACKUP_FILE}"


def _cut_to_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _text(path: Path) -> None:
    path.write_text("submission_id,file_name\n1,not a database\n", encoding="utf-8")


SHAPES = {"zero bytes": _zero_bytes, "cut to half": _cut_to_half, "random bytes": _random_bytes, "a text file": _text}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One bundled warehouse for the tests that only read or copy its file."""
    root = tmp_path_factory.mktemp("built")
    materialize_all(copy_bundled_raw(root / "raw"), root / "warehouse")
    return root / "warehouse"


@pytest.fixture()
def instance_home(tmp_path) -> Path:
    """A Dagster instance for `lsdi run`, so the test can read the run's metadata and log."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home


def _run_ok(raw: Path, warehouse: Path, home: Path) -> tuple[subprocess.CompletedProcess, dict, list[str]]:
    """A real `lsdi run` that must exit 0; its `lsdi_warehouse` metadata and the warnings in its log."""
    done = lsdi_run(raw, warehouse, env_extra={"DAGSTER_HOME": str(home)})
    assert done.returncode == 0, f"lsdi run exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    with project_instance(home) as instance:
        run = instance.get_runs(limit=1)[0]
        logs = instance.all_logs(run.run_id)
        materialization = instance.get_latest_materialization_event(dg.AssetKey("lsdi_warehouse")).asset_materialization
    assert materialization is not None
    warnings = [e.user_message for e in logs if not e.is_dagster_event and e.level >= 30]
    return done, {k: v.value for k, v in materialization.metadata.items()}, warnings


def _in_process(raw: Path, warehouse: Path) -> dict:
    result = materialize_all(raw, warehouse)
    return {k: v.value for k, v in result.asset_materializations_for_node("lsdi_warehouse")[0].metadata.items()}


def _one(warehouse: Path, pattern: str, exclude: set[Path] = frozenset()) -> Path:
    found = set(warehouse.glob(pattern)) - set(exclude)
    assert len(found) == 1, (pattern, sorted(p.name for p in warehouse.iterdir()))
    return found.pop()


@pytest.mark.parametrize("shape", SHAPES)
def test_a_file_duckdb_cannot_read_whole_is_unreadable_and_a_sound_one_is_not(built, tmp_path, shape):
    copy = tmp_path / WAREHOUSE_FILE
    shutil.copy(built / WAREHOUSE_FILE, copy)
    assert unreadable(copy) is None
    SHAPES[shape](copy)
    reason = unreadable(copy)
    assert reason and reason != HELD_BY_WRITER
    assert str(tmp_path) not in reason  # named by its name only: the reason reaches the run's metadata


def _relative(path: Path, warehouse: Path) -> str:
    return path.relative_to(warehouse).as_posix()


def test_a_damaged_published_file_or_backup_is_set_aside_never_trusted_and_the_run_publishes_a_fresh_one(
    tmp_path, instance_home
):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    clean = len(table(warehouse, "submission"))
    published, backup = warehouse / WAREHOUSE_FILE, warehouse / BACKUP_FILE
    shutil.copy(published, backup)  # the good backup a second run would have left
    good_backup = backup.read_bytes()

    _cut_to_half(published)  # shape 1: the published file cut short; the backup is sound
    damaged = published.read_bytes()
    done, metadata, warnings = _run_ok(raw, warehouse, instance_home)
    first_aside = _one(warehouse, DAMAGED)
    assert first_aside.read_bytes() == damaged
    assert backup.read_bytes() == good_backup  # the damaged file is never made the backup
    assert metadata["compared_with"] == f"{BACKUP_FILE}, an earlier publish ({WAREHOUSE_FILE} could not be read)"
    assert metadata["submissions_added"] == 0 and metadata["set_aside"] == _relative(first_aside, warehouse)
    assert any(first_aside.name in w and "could not be read" in w for w in warnings)
    assert (
        f"{WAREHOUSE_FILE} could not be read" in done.stderr and first_aside.name in done.stderr
    )  # the progress lines
    assert len(table(warehouse, "submission")) == clean

    _random_bytes(published)  # shape 2: the published file overwritten, and the backup a text file
    _text(backup)
    _, metadata, warnings = _run_ok(raw, warehouse, instance_home)
    second_aside, backup_aside = _one(warehouse, DAMAGED, {first_aside}), _one(warehouse, BACKUP_DAMAGED)
    assert metadata["set_aside"] == f"{_relative(second_aside, warehouse)}, {_relative(backup_aside, warehouse)}"
    assert metadata["compared_with"].startswith("nothing readable")
    assert metadata["submissions_added"] == clean  # nothing to compare with: every submission counts as added
    assert sum(second_aside.name in w or backup_aside.name in w for w in warnings) == 2
    assert not backup.exists() and len(table(warehouse, "submission")) == clean

    _zero_bytes(published)  # shape 3: an empty published file and no backup
    metadata = _in_process(raw, warehouse)
    assert metadata["compared_with"] == f"nothing: {WAREHOUSE_FILE} could not be read, and there is no {BACKUP_FILE}"
    third_aside = _one(warehouse, DAMAGED, {first_aside, second_aside})
    assert third_aside.stat().st_size == 0

    _text(backup)  # shape 4: a sound published file and a damaged backup, replaced by this publish's backup
    before = published.stat().st_ino
    metadata = _in_process(raw, warehouse)
    assert metadata["set_aside"].startswith("set-aside/") and metadata["set_aside"].endswith("-" + BACKUP_FILE)
    assert metadata["compared_with"] == f"{BACKUP_FILE}, the last publish" and metadata["submissions_added"] == 0
    assert backup.stat().st_ino == before and unreadable(backup) is None
    assert len(table(warehouse, "submission")) == clean


def _read_write_session(path: Path, *statements: str) -> subprocess.Popen:
    """Another process holding a read-write connection, as `duckdb lsdi.duckdb` does, after running `statements`; it
    runs each line it reads on stdin, and closes its connection (checkpointing what it wrote) on an empty line."""
    script = (
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(path)!r})\n"
        f"for statement in {list(statements)!r}:\n"
        "    con.execute(statement)\n"
        "print('ready', flush=True)\n"
        "for line in sys.stdin:\n"
        "    if not line.strip():\n"
        "        break\n"
        "    con.execute(line)\n"
        "    print('done', flush=True)\n"
        "con.close()\n"
    )
    session = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert session.stdout.readline().strip() == "ready"
    return session


def _close(session: subprocess.Popen, *statements: str) -> None:
    for statement in statements:
        session.stdin.write(statement + "\n")
        session.stdin.flush()
        assert session.stdout.readline().strip() == "done"
    session.stdin.write("\n")
    session.stdin.flush()
    assert session.wait(timeout=60) == 0


def _tables(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


NOTE = "CREATE TABLE analyst_note AS SELECT 'mine' AS note"


def test_a_read_write_session_held_across_runs_neither_stops_them_nor_gets_its_changes_published(
    tmp_path, instance_home
):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    materialize_all(raw, warehouse)
    clean = len(table(warehouse, "submission"))
    published, backup = warehouse / WAREHOUSE_FILE, warehouse / BACKUP_FILE

    holder = _read_write_session(published)  # run 1: a session that only holds the file open
    held = published.stat().st_ino
    try:
        _, metadata, warnings = _run_ok(raw, warehouse, instance_home)
        assert any(
            f"a read-write session held {WAREHOUSE_FILE}" in w and "not part of the warehouse" in w for w in warnings
        )
        assert "read-write session" in metadata["warnings"] and metadata["set_aside"] == "none"
        assert metadata["compared_with"].startswith(f"{BACKUP_FILE}, the last publish (copied from {WAREHOUSE_FILE}")
        assert metadata["submissions_added"] == 0
        assert backup.stat().st_ino != held  # a copy, not the file the session holds
        _close(holder, NOTE)  # what it writes and checkpoints on closing lands in the file it holds, nowhere else
    finally:
        holder.kill()
    assert "analyst_note" not in _tables(backup) | _tables(published)
    assert len(table(warehouse, "submission")) == clean

    writer = _read_write_session(
        published, NOTE
    )  # run 2: a session that has written a row, so a write-ahead log exists
    try:
        assert (warehouse / (WAREHOUSE_FILE + ".wal")).exists()
        _, metadata, warnings = _run_ok(raw, warehouse, instance_home)
        wal = _one(warehouse, WAREHOUSE_FILE + ".wal.*.set-aside")
        assert metadata["set_aside"] == wal.name and any(wal.name in w for w in warnings)
        assert any(f"a read-write session held {WAREHOUSE_FILE}" in w for w in warnings)
        assert metadata["compared_with"].startswith(f"{BACKUP_FILE}, the last publish (copied")
        _close(writer)
    finally:
        writer.kill()
    assert "analyst_note" not in _tables(backup) | _tables(published)
    assert not (warehouse / (WAREHOUSE_FILE + ".wal")).exists()
    assert len(table(warehouse, "submission")) == clean


def test_lsdi_run_says_whether_it_published_and_which_step_failed(tmp_path):
    raw, warehouse = copy_bundled_raw(tmp_path / "raw"), tmp_path / "warehouse"
    (warehouse / "reports" / "run_summary.md").mkdir(
        parents=True
    )  # where run_summary, after the publish, writes its file
    done = lsdi_run(raw, warehouse)
    assert done.returncode == 1
    message = next(line for line in done.stderr.splitlines() if line.startswith("lsdi run failed"))
    assert "in step run_summary;" in message and "the warehouse WAS published in this run" in message
    assert "left as it was" not in message
    assert unreadable(warehouse / WAREHOUSE_FILE) is None and len(table(warehouse, "submission")) > 0

    before = (warehouse / WAREHOUSE_FILE).read_bytes()
    (raw / "dataset" / "clusters.csv").unlink()  # a reference step fails long before the publish
    done = lsdi_run(raw, warehouse)
    message = next(line for line in done.stderr.splitlines() if line.startswith("lsdi run failed"))
    assert done.returncode == 1 and "in step dim_cluster" in message and "was not published in this run" in message
    assert (warehouse / WAREHOUSE_FILE).read_bytes() == before


def _lsdi(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LSDI_RAW_DIR", "LSDI_WAREHOUSE_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "lsdi_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def _one_clear_line(done: subprocess.CompletedProcess, *expected: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("lsdi ")]
    assert len(lines) == 1 and all(text in lines[0] for text in expected), done.stderr
    return lines[0]


def _not_a_directory(tmp_path: Path) -> str:
    (tmp_path / "blocker").write_text("a regular file where a directory should be")
    return "blocker/warehouse"


def _read_only_directory(tmp_path: Path) -> str:
    if os.geteuid() == 0:
        pytest.skip("root writes into a 0o555 directory regardless of its mode")
    (tmp_path / "locked").mkdir(mode=0o555)
    return "locked/warehouse"


@pytest.mark.parametrize(
    "unwritable", [_not_a_directory, _read_only_directory], ids=["parent is a file", "read-only parent"]
)
def test_a_warehouse_directory_that_cannot_be_written_is_one_clear_line_and_exit_2(tmp_path, unwritable):
    given = unwritable(tmp_path)
    done = _lsdi("run", "--raw-dir", str(BUNDLED_RAW), "--warehouse-dir", given, cwd=tmp_path)
    line = _one_clear_line(done, f"'{given}'", "LSDI_WAREHOUSE_DIR")
    assert str(tmp_path) not in line  # the directory as given, not resolved


def test_lsdi_template_writes_into_a_directory_under_the_standard_name(tmp_path):
    name = "Barnet_E09000003_LSDI-R1_2007-08.xlsx"
    template = ("template", "--borough", "E09000003", "--period", "2007/08", "--raw-dir", str(BUNDLED_RAW), "--output")
    (tmp_path / "existing").mkdir()
    # a folder that does not exist yet is created, however deep (issue 15)
    for output in ("existing", "new/", "missing/new/"):
        done = _lsdi(*template, output, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / output / name).stat().st_size > 0
    done = _lsdi(*template, "missing/barnet.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "missing" / "barnet.xlsx").stat().st_size > 0
    (tmp_path / "a_file").write_text("not a folder")
    _one_clear_line(_lsdi(*template, "a_file/barnet.xlsx", cwd=tmp_path), "'a_file/barnet.xlsx'", "not a folder")


def test_lsdi_template_outside_the_project_says_where_it_looked(tmp_path):
    done = _lsdi("template", "--borough", "E09000003", "--period", "2007/08", "--output", "barnet.xlsx", cwd=tmp_path)
    _one_clear_line(done, "'data/raw'", "LSDI_RAW_DIR", "--raw-dir")
    assert not (tmp_path / "barnet.xlsx").exists()
