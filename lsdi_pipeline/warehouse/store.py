"""Publishing the warehouse safely while analysts keep read-only sessions open.

A run holds an OS file lock beside the warehouse from the start of its work to the publish, builds a
staging file (the tables, then the views over them), checkpoints and closes it, keeps the published
file as a backup (a hard link) and publishes with one atomic `os.replace`. A reader already
connected keeps its snapshot; there is never a moment without a published file; a run that fails
before the rename leaves the published file untouched. The lock dies with its process, so a killed
run leaves nothing to clean up by hand: the next run removes stale staging files.

What the last publish left is never trusted blindly: a published file or backup DuckDB cannot
read is set aside under a new name (never deleted, never made the backup), and a published
file a read-write session holds is backed up as a copy of its checkpointed state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from lsdi_pipeline.derived import set_aside
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.views import VIEWS

if TYPE_CHECKING:  # in annotations only: the Dagster definitions import this module (for the resources)
    import pandas as pd

log = logging.getLogger(__name__)

WAREHOUSE_FILE = "lsdi.duckdb"
BACKUP_FILE = "lsdi.previous.duckdb"
LOCK_FILE = ".lsdi.lock"
STAGING_PREFIX = ".lsdi.staging"
#: readable by DuckDB 1.2 and later clients (DuckDB 2.x would write a newer format by default)
STORAGE_VERSION = "v1.2.0"
#: the reason `unreadable` gives for a file a read-write session holds: DuckDB opens no read-only session beside it
HELD_BY_WRITER = "held by a read-write session"

_held: dict[str, list[int]] = {}  # resolved warehouse dir → [lock file descriptor, depth]
_held_guard = threading.Lock()


@contextlib.contextmanager
def warehouse_lock(warehouse_dir: Path) -> Iterator[None]:
    """Hold the warehouse's lock (re-entrant within a process); waits while another run holds it."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    key = str(warehouse_dir.resolve())
    with _held_guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
    if entry is None:
        fd = os.open(warehouse_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        with _held_guard:
            _held[key] = entry = [fd, 1]
    try:
        yield
    finally:
        with _held_guard:
            entry[1] -= 1
            last = entry[1] == 0
            if last:
                del _held[key]
        if last:
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])


def remove_stale_staging(warehouse_dir: Path) -> list[Path]:
    """Staging files left by a killed run; only safe while holding the lock."""
    stale = sorted(warehouse_dir.glob(STAGING_PREFIX + "*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


class Unreadable(Exception):
    """DuckDB could not open or read a warehouse file; `reason` names the file by its name only."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextlib.contextmanager
def open_readonly(path: Path) -> Iterator:
    """A read-only DuckDB session on `path`: any DuckDB error opening or reading it raises `Unreadable`.

    Every read of a warehouse file the pipeline did not just write goes through here, so a damaged
    or locked file is a reason to report, never a traceback.
    """
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            yield con
    except duckdb.Error as exc:
        message = str(exc)
        if "Could not set lock" in message:
            raise Unreadable(HELD_BY_WRITER) from exc
        first_line = message.splitlines()[0] if message else type(exc).__name__
        raise Unreadable(first_line.replace(str(path.resolve()), path.name).replace(str(path), path.name)) from exc


def unreadable(path: Path) -> str | None:
    """Why DuckDB cannot open `path` read-only and read all of it (`HELD_BY_WRITER` among others), or None when it can.

    Opening is not enough: a file cut short opens and counts its rows, and fails only once a column's
    blocks are read. So every column of every table is read, and DuckDB checks each block it reads
    against its checksum.
    """
    try:
        with open_readonly(path) as con:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
            for schema, name in tables:
                con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{schema}"."{name}"').fetchall()
    except Unreadable as exc:
        return exc.reason
    return None


@dataclasses.dataclass(frozen=True)
class Publication:
    """What a publish found and did besides writing the new file: for the run's log and metadata."""

    path: Path
    #: a readable file holding a state published before this one (the backup), or None
    previous: Path | None
    #: what `previous` holds, in words, naming files within the warehouse directory only
    previous_is: str
    #: damaged files and a read-write session's write-ahead log, moved aside within the warehouse directory
    set_aside: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()


def publish(warehouse_dir: Path, tables: Mapping[str, pd.DataFrame]) -> Publication:
    """Write every table (conformed to its schema) into a staging file and publish it atomically."""
    with warehouse_lock(warehouse_dir):
        remove_stale_staging(warehouse_dir)
        staging = _write_staging(warehouse_dir, tables)
        published = warehouse_dir / WAREHOUSE_FILE
        found = _Found()
        wal = set_aside_write_ahead_log(published)
        if wal is not None:
            found.set_aside.append(wal)
            found.warnings.append(
                f"a read-write session had written to {WAREHOUSE_FILE}: its write-ahead log is set aside "
                f"as {wal.name}, and its changes are not part of the warehouse (connect read-only)"
            )
        previous, previous_is = _back_up(warehouse_dir, found)
        os.replace(staging, published)
        _fsync_dir(warehouse_dir)
        return Publication(published, previous, previous_is, tuple(found.set_aside), tuple(found.warnings))


def _write_staging(warehouse_dir: Path, tables: Mapping[str, pd.DataFrame]) -> Path:
    import duckdb

    staging = warehouse_dir / f"{STAGING_PREFIX}.{os.getpid()}.duckdb"
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{staging}' AS staging (STORAGE_VERSION '{STORAGE_VERSION}')")
        # one transaction: each statement on its own would be a commit of its own, synced to disk
        con.execute("BEGIN")
        for name, frame in tables.items():
            table = TABLES[name]
            for statement in table.ddl("staging"):
                con.execute(statement)
            con.register("frame", table.conform(frame))
            con.execute(f"INSERT INTO staging.{name} SELECT {', '.join(table.column_names)} FROM frame")
            con.unregister("frame")
        # views name their tables without a database, so they are created from inside the staging file: they then
        # read whatever file they are in, however it is opened or attached (it is published under another name)
        con.execute("USE staging")
        for view in VIEWS.values():
            if set(view.reads) <= set(tables):
                for statement in view.ddl("staging"):
                    con.execute(statement)
        con.execute("USE memory")
        con.execute("COMMIT")
        con.execute("CHECKPOINT staging")
        con.execute("DETACH staging")
    finally:
        con.close()
    return staging


@dataclasses.dataclass
class _Found:
    set_aside: list[Path] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def set_aside_damaged(self, path: Path, reason: str, keep_name: bool = False) -> None:
        """Move a file DuckDB cannot read into set-aside/ (see `derived.set_aside`); `keep_name` links it instead, so
        the name stays until the publish replaces it: the published file is never missing, not even a damaged one."""
        aside = set_aside(path, path.parent, f"DuckDB cannot read it ({reason})", keep_name)
        self.set_aside.append(path.parent / aside)
        self.warnings.append(f"{path.name} could not be read ({reason}): set aside as {aside}")


def _back_up(warehouse_dir: Path, found: _Found) -> tuple[Path | None, str]:
    """Make the backup the last published state when it can be read, else keep a readable older backup.

    A published file a read-write session holds is backed up as a copy: that session may still checkpoint
    its changes into the file it holds, and the backup must not change with them.
    """
    published, backup = warehouse_dir / WAREHOUSE_FILE, warehouse_dir / BACKUP_FILE
    if not published.exists():
        return _older_backup(backup, found, f"there was no {WAREHOUSE_FILE}")
    source, reason, previous_is = published, unreadable(published), f"{BACKUP_FILE}, the last publish"
    if reason == HELD_BY_WRITER:
        found.warnings.append(
            f"a read-write session held {WAREHOUSE_FILE} during this run: its changes are not part of "
            "the warehouse (connect read-only)"
        )
        source, reason = _checkpointed_copy(published)
        previous_is += f" (copied from {WAREHOUSE_FILE} as last checkpointed, as a read-write session held it)"
    if reason is not None:
        found.set_aside_damaged(published, reason, keep_name=True)
        return _older_backup(backup, found, f"{WAREHOUSE_FILE} could not be read")
    backup_reason = unreadable(backup) if backup.exists() else None
    if backup_reason not in (None, HELD_BY_WRITER):
        found.set_aside_damaged(backup, backup_reason)
    if source == published:
        source = warehouse_dir / f"{STAGING_PREFIX}.backup.{os.getpid()}"
        os.link(published, source)
    os.replace(source, backup)
    return backup, previous_is


def _checkpointed_copy(published: Path) -> tuple[Path | None, str | None]:
    """Copy a file a read-write session holds (reading it needs no lock), and check the copy reads whole.

    A checkpointed DuckDB file is consistent without its write-ahead log, and the copy has none, so it
    holds the last checkpoint: the last publish, unless the session has checkpointed its own changes.
    """
    copy = published.with_name(f"{STAGING_PREFIX}.copy.{os.getpid()}.duckdb")
    shutil.copyfile(published, copy)
    with open(copy, "rb") as f:
        os.fsync(f.fileno())
    reason = unreadable(copy)
    if reason is None:
        return copy, None
    copy.unlink()
    return None, f"{HELD_BY_WRITER}, and a copy of it could not be read: {reason}"


def _older_backup(backup: Path, found: _Found, why: str) -> tuple[Path | None, str]:
    """The backup kept from an earlier publish, when it can be read; a damaged one is set aside."""
    if not backup.exists():
        return None, f"nothing: {why}, and there is no {BACKUP_FILE}"
    reason = unreadable(backup)
    if reason is None:
        return backup, f"{BACKUP_FILE}, an earlier publish ({why})"
    if reason != HELD_BY_WRITER:
        found.set_aside_damaged(backup, reason)
    return None, f"nothing readable: {why}, and {BACKUP_FILE} could not be read ({reason})"


def set_aside_write_ahead_log(published: Path) -> Path | None:
    """A `.wal` beside the published file is left by a read-write session (analysts must connect read-only).

    DuckDB would replay it onto the next file published under that name, so it is moved aside,
    named by the time, rather than let it rewrite the new warehouse.
    """
    wal = published.with_name(published.name + ".wal")
    if not wal.exists():
        return None
    stale = published.with_name(f"{published.name}.wal.{time.strftime('%Y%m%dT%H%M%S')}.set-aside")
    os.replace(wal, stale)
    log.warning(
        "moved %s aside to %s: a read-write session had written to the warehouse; connect read-only", wal, stale
    )
    return stale


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
