"""Where Dagster records a run's events: its own SQLite event log, written through connections kept open.

Dagster's `SqliteEventLogStorage` opens a new SQLite engine and connection for every event it stores, and commits
each with a full sync of the write-ahead log: about 7 ms an event here, and a run of `lsdi_job` stores some 400
events (every step's start, inputs, outputs, materialisation and checks). This subclass keeps one engine for the
index database and one for the run being written, and commits with `synchronous=NORMAL`, which SQLite documents as
safe in WAL mode: a crash of the process loses nothing committed, and a power cut may lose the last commits of the
run history, never corrupt it. The files on disk are Dagster's, so the UI and the daemon read them as ever.

Configured in the instance's `dagster.yaml` (`event_log_storage`), with the instance's home as `base_dir`; the
events go where Dagster's default storage puts them (`history/runs/` under it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)


class EventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log under `<base_dir>/history/runs/`, with the connections kept (see the module)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, sa.Engine] = {}
        super().__init__(os.path.join(base_dir, "history", "runs"), inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> EventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            for old in [name for name in self._engines if name != INDEX_SHARD_NAME]:
                self._engines.pop(old).dispose()  # one run's database at a time: the one being written or read
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                # a connection is only ever used under `_db_lock`, whichever thread holds it
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(engine, "connect", _commit_without_full_sync)
            self._engines[shard] = engine
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


def _commit_without_full_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
