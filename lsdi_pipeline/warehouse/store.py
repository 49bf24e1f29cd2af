"""Publishing the warehouse safely while analysts keep read-only sessions open.

A run holds an OS file lock beside the warehouse from the start of its work to the publish,
builds a staging file, checkpoints and closes it, keeps the published file as a backup (a
hard link) and publishes with one atomic `os.replace`. A reader already connected keeps its
snapshot; there is never a moment without a published file; a run that fails before the
rename leaves the published file untouched. The lock dies with its process, so a killed run
leaves nothing to clean up by hand: the next run removes stale staging files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from lsdi_pipeline.warehouse.schema import TABLES

log = logging.getLogger(__name__)

WAREHOUSE_FILE = "lsdi.duckdb"
BACKUP_FILE = "lsdi.previous.duckdb"
LOCK_FILE = ".lsdi.lock"
STAGING_PREFIX = ".lsdi.staging"
#: readable by DuckDB 1.2 and later clients (DuckDB 2.x would write a newer format by default)
STORAGE_VERSION = "v1.2.0"

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


def holds_lock(warehouse_dir: Path) -> bool:
    with _held_guard:
        return str(warehouse_dir.resolve()) in _held


def remove_stale_staging(warehouse_dir: Path) -> list[Path]:
    """Staging files left by a killed run; only safe while holding the lock."""
    stale = sorted(warehouse_dir.glob(STAGING_PREFIX + "*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def publish(warehouse_dir: Path, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Write every table (conformed to its schema) into a staging file and publish it atomically."""
    import duckdb

    with warehouse_lock(warehouse_dir):
        remove_stale_staging(warehouse_dir)
        staging = warehouse_dir / f"{STAGING_PREFIX}.{os.getpid()}.duckdb"
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{staging}' AS staging (STORAGE_VERSION '{STORAGE_VERSION}')")
            for name, frame in tables.items():
                table = TABLES[name]
                for statement in table.ddl("staging"):
                    con.execute(statement)
                con.register("frame", table.conform(frame))
                con.execute(f"INSERT INTO staging.{name} SELECT {', '.join(table.column_names)} FROM frame")
                con.unregister("frame")
            con.execute("CHECKPOINT staging")
            con.execute("DETACH staging")
        finally:
            con.close()
        published = warehouse_dir / WAREHOUSE_FILE
        set_aside_write_ahead_log(published)
        if published.exists():
            backup_tmp = warehouse_dir / f"{STAGING_PREFIX}.backup.{os.getpid()}"
            os.link(published, backup_tmp)
            os.replace(backup_tmp, warehouse_dir / BACKUP_FILE)
        os.replace(staging, published)
        _fsync_dir(warehouse_dir)
        return published


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
    log.warning("moved %s aside to %s: a read-write session had written to the warehouse; connect read-only", wal, stale)
    return stale


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
