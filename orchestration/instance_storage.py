"""Dagster's SQLite storage for a warehouse's instance, with the event log's connections kept open.

Dagster's SQLite event log opens a new engine and connection for every event it stores (about three for
an asset event: the run's file and the cross-run index), and closing the last connection to a WAL database
checkpoints it, and each commit waits for an fsync. A one-month load stores about 270 events, a 24-month load
about 1,300: seconds of a run spent opening, syncing and closing files. Here each database file keeps one
pooled connection per process, and commits without an fsync. SQLite's
WAL mode lets the CLI, the run workers, the daemon and the webserver still read and write the same files.
orchestration/dagster.yaml selects this storage; everything else is Dagster's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine, and its pooled connection, per database file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: dict[str, Engine] = {}
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=4,  # the webserver's event watchers read while a run writes
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _commit_without_fsync)
            self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:  # type: ignore[override]
        # As Dagster's own: one connection at a time per process, the database created on first use.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before storing every asset-check event (55 a one-month load), with a new engine and
        # connection each time. A table, once there, stays: only the answer "yes" is kept.
        if table_name not in self._tables_seen:
            if not super().has_table(table_name):
                return False
            self._tables_seen.add(table_name)
        return True

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def _commit_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    # In WAL mode, NORMAL keeps every commit through a crash of any process and the database consistent
    # through a power cut, which may lose the last events: the run's record in DuckDB (audit.*) is the
    # warehouse's own. FULL paid one fsync per event.
    dbapi_connection.execute("pragma synchronous = normal")


class WarehouseSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, event log, schedules under DAGSTER_HOME), its event log pooled."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData, config_value: dict[str, Any]
    ) -> WarehouseSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
