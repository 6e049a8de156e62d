"""Write-audit-publish: the build database is copied into a new file, which replaces the published one.

Readers never see a half-built state: a reader holding the old file keeps its snapshot (POSIX locks and
data belong to the inode), and the next reader opens the new one. The file is written for DuckDB 1.5
storage, so BI drivers and the PyPI duckdb-cli (1.5.x) open it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.warehouse import Warehouse

PUBLISHED_SCHEMAS = ("marts", "audit")
STORAGE_VERSION = "v1.5.0"


@dataclass(frozen=True)
class PublishReport:
    path: Path
    published_at: datetime
    tables: dict[str, int]  # schema.table -> rows
    exports: tuple[Path, ...]


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """select table_schema, table_name from information_schema.tables
           where table_catalog = 'build' and table_schema in ? order by 1, 2""",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def _replace(tmp: Path, target: Path) -> None:
    # The bytes reach the disk before the name points at them: a crash leaves the old file or the new one.
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)


def publish_warehouse(warehouse: Warehouse) -> PublishReport:
    """Publish marts and audit from the build database. Call it only after the run's checks passed."""
    published_at = datetime.now(UTC)
    tmp = warehouse.published_db.with_name(f".{warehouse.published_db.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    warehouse.exports_dir.mkdir(parents=True, exist_ok=True)
    tables: dict[str, int] = {}
    exports: list[Path] = []
    with warehouse.writer_lock():
        con = duckdb.connect()
        try:
            con.execute(f"attach '{warehouse.build_db}' as build (read_only)")
            con.execute(f"attach '{tmp}' as published (storage_version '{STORAGE_VERSION}')")
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"create schema published.{schema}")
            for schema, table in _tables(con):
                con.execute(f'create table published.{schema}."{table}" as select * from build.{schema}."{table}"')
                [(rows,)] = con.execute(f'select count(*) from published.{schema}."{table}"').fetchall()
                tables[f"{schema}.{table}"] = rows
                if schema == "marts":
                    parquet = warehouse.exports_dir / f"{table}.parquet"
                    parquet_tmp = parquet.with_name(f".{parquet.name}.{os.getpid()}.tmp")
                    con.execute(f"copy build.{schema}.\"{table}\" to '{parquet_tmp}' (format parquet)")
                    _replace(parquet_tmp, parquet)
                    exports.append(parquet)
            con.execute("detach published")
            con.execute("detach build")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            con.close()
        _replace(tmp, warehouse.published_db)
    return PublishReport(warehouse.published_db, published_at, tables, tuple(exports))
