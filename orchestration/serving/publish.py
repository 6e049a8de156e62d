"""Write-audit-publish: the build database is copied into a new file, which replaces the published one.

Readers never see a half-built state: a reader holding the old file keeps its snapshot (POSIX locks and
data belong to the inode), and the next reader opens the new one. The file is written for DuckDB 1.5
storage, so BI drivers and the PyPI duckdb-cli (1.5.x) open it too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from orchestration.loading.holds import record_publish, unaudited_builds
from orchestration.progress import logger as progress
from orchestration.quality.runner import EXPECTATIONS_DIR
from orchestration.warehouse import Warehouse

PUBLISHED_SCHEMAS = ("marts", "audit")
STORAGE_VERSION = "v1.5.0"


@dataclass(frozen=True)
class PublishReport:
    path: Path
    published_at: datetime
    tables: dict[str, int]  # schema.table -> rows
    exports: tuple[Path, ...]
    coverage: tuple[str, ...]  # per flow: first..last month, months, newest vintage


class UnauditedBuildError(RuntimeError):
    """The build database holds months whose dbt build failed."""


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        """select table_schema, table_name from information_schema.tables
           where table_catalog = ? and table_schema in ? order by 1, 2""",
        [catalog, list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def suite_versions() -> str:
    """Each expectation suite with the first 12 hex digits of its file's sha256."""
    return ", ".join(
        f"{path.stem}@{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
        for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
    )


def _write_meta_publish(con: duckdb.DuckDBPyConnection, published_at: datetime) -> None:
    # Readers see how fresh the marts are, per flow, in every target (DuckDB, Parquet, PostgreSQL).
    con.execute(
        """create table published.marts.meta_publish as
           select cast(? as timestamptz) as published_at, flow,
                  min(month) as first_month, max(month) as last_month,
                  cast(count(distinct month) as integer) as months,
                  max(vintage) as last_vintage, cast(count(distinct source_file) as integer) as files,
                  cast(? as varchar) as dbt_version, cast(? as varchar) as suite_versions
           from build.marts.fct_trade_monthly group by flow order by flow""",
        [published_at, version("dbt-core"), suite_versions()],
    )


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
            con.execute(f"attach '{warehouse.build_db}' as build")
            with con.cursor() as build:  # its own default catalog: the build database
                build.execute("use build")
                failed = unaudited_builds(build)
            if failed:
                raise UnauditedBuildError(
                    "not published: the last dbt build of these months failed, so their marts may be "
                    f"half-built; build them again: {'; '.join(failed)}"
                )
            con.execute(f"attach '{tmp}' as published (storage_version '{STORAGE_VERSION}')")
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"create schema published.{schema}")
            for schema, table in _tables(con, "build"):
                con.execute(f'create table published.{schema}."{table}" as select * from build.{schema}."{table}"')
            _write_meta_publish(con, published_at)
            for schema, table in _tables(con, "published"):
                [(rows,)] = con.execute(f'select count(*) from published.{schema}."{table}"').fetchall()
                tables[f"{schema}.{table}"] = rows
                if schema == "marts":
                    parquet = warehouse.exports_dir / f"{table}.parquet"
                    parquet_tmp = parquet.with_name(f".{parquet.name}.{os.getpid()}.tmp")
                    con.execute(f"copy published.{schema}.\"{table}\" to '{parquet_tmp}' (format parquet)")
                    _replace(parquet_tmp, parquet)
                    exports.append(parquet)
            coverage = tuple(
                row[0]
                for row in con.execute(
                    """select flow || ': ' || strftime(first_month, '%Y-%m') || '..' || strftime(last_month, '%Y-%m')
                              || ', ' || months || ' months, newest vintage ' || last_vintage
                       from published.marts.meta_publish order by flow"""
                ).fetchall()
            )
            [(last_vintage,)] = con.execute(
                "select coalesce(max(last_vintage), 0) from published.marts.meta_publish"
            ).fetchall()
            con.execute("detach published")
            _replace(tmp, warehouse.published_db)
            con.execute("use build")
            record_publish(con, published_at, last_vintage, str(warehouse.published_db))
            con.execute("use memory")
            con.execute("detach build")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            con.close()
    progress.info(f"published {warehouse.published_db} and {len(exports)} Parquet exports")
    return PublishReport(warehouse.published_db, published_at, tables, tuple(exports), coverage)
