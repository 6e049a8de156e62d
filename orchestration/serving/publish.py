"""Write-audit-publish: the build database is copied into a new generation, which replaces the published one.

A generation is a folder holding the DuckDB file and every Parquet export of one publish:

    published/<generation>/rare_earth.duckdb, published/<generation>/exports/<mart>.parquet
    published/current -> <generation>                 (switched with one rename: the commit point)
    rare_earth.duckdb -> published/current/rare_earth.duckdb
    exports           -> published/current/exports

The entry links never change; renaming one `current` link onto another switches the DuckDB file and
every export at once, so a kill at any moment leaves readers the old set or the new set, never a mix.
A reader holding an old file keeps its snapshot (POSIX locks and data belong to the inode); the
generation before the current one is kept so that a reader resolving the links mid-switch still
finds its files. The file is written for DuckDB 1.5 storage, so BI drivers and the PyPI duckdb-cli
(1.5.x) open it too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from orchestration.build_database import (
    BUILD_MEMORY_LIMIT,
    PARTNER_FLOW,
    TableDocs,
    record_publish,
    unaudited_builds,
)
from orchestration.progress import logger as progress
from orchestration.quality.runner import EXPECTATIONS_DIR
from orchestration.serving.table_docs import MARTS, published_docs
from orchestration.warehouse import Warehouse

PUBLISHED_SCHEMAS = (MARTS, "audit")
STORAGE_VERSION = "v1.5.0"
CURRENT = "current"


@dataclass(frozen=True)
class PublishReport:
    path: Path
    published_at: datetime
    tables: dict[str, int]  # schema.table -> rows
    exports: tuple[Path, ...]
    coverage: tuple[str, ...]  # per flow: first..last month, months, newest vintage


class UnauditedBuildError(RuntimeError):
    """The build database holds months whose dbt build failed."""


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, docs: dict[str, TableDocs]) -> list[tuple[str, str]]:
    """Every mart, and the audit tables that are documented (the others are the pipeline's own bookkeeping)."""
    tables = con.execute(
        """select table_schema, table_name from information_schema.tables
           where table_catalog = ? and table_schema in ? order by 1, 2""",
        [catalog, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return [(schema, table) for schema, table in tables if schema == MARTS or table in docs[schema]]


def _comment(con: duckdb.DuckDBPyConnection, catalog: str, docs: dict[str, TableDocs]) -> None:
    """A comment on every published table and column that has a description: analysts read them with
    `duckdb_tables()` / `duckdb_columns()`, BI tools show them, and the PostgreSQL replica copies them."""
    present = set(
        con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ?", [catalog]
        ).fetchall()
    )
    statements = []  # one script: a statement per call cost as much as the whole publish's copying
    for schema, table in _tables(con, catalog, docs):
        description, columns = docs[schema].get(table, ("", {}))
        target = f'{catalog}.{schema}."{table}"'
        if description.strip():
            statements.append(f"comment on table {target} is {_literal(description)}")
        statements += [
            f'comment on column {target}."{column}" is {_literal(text)}'
            for column, text in columns.items()
            if (schema, table, column) in present and text.strip()
        ]
    if statements:
        con.execute("begin transaction;\n" + ";\n".join(statements) + ";\ncommit")


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


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
           from build.marts.fct_trade_monthly group by flow
           union all
           -- The partner-reported source, every current line of it (the mirror mart shows only what it compares): its
           -- newest vintage is published too, so the next load does not take it for unpublished.
           select cast(? as timestamptz), ?, min(month), max(month), cast(count(distinct month) as integer),
                  max(vintage), cast(count(distinct source_file) as integer), cast(? as varchar), cast(? as varchar)
           from build.raw.current_partner_lines having count(*) > 0
           order by flow""",
        [
            published_at,
            version("dbt-core"),
            suite_versions(),
            published_at,
            PARTNER_FLOW,
            version("dbt-core"),
            suite_versions(),
        ],
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link(target: str, at: Path, aside: Path) -> None:
    """Point the link `at` to `target` with one rename, durable before it returns. A real folder where the link
    belongs (a warehouse published before generations, or copied without its links) is moved into `aside` first,
    once; the next publish removes it."""
    if at.is_dir() and not at.is_symlink():
        at.rename(aside / f".replaced-{at.name}-{os.getpid()}")
    staged = at.with_name(f".{at.name}.{os.getpid()}.link")
    staged.unlink(missing_ok=True)
    os.symlink(target, staged)
    os.replace(staged, at)
    _fsync(at.parent)


def current_generation(warehouse: Warehouse) -> Path | None:
    link = warehouse.generations_dir / CURRENT
    return link.resolve() if link.is_symlink() else None


def _entry_links(warehouse: Warehouse) -> None:
    """rare_earth.duckdb and exports/ as links into the current generation (once; they never change)."""
    for entry, inside in ((warehouse.published_db, "rare_earth.duckdb"), (warehouse.exports_dir, "exports")):
        target = f"{warehouse.generations_dir.name}/{CURRENT}/{inside}"
        if not (entry.is_symlink() and os.readlink(entry) == target):
            _link(target, entry, aside=warehouse.generations_dir)


def remove_stale_generations(warehouse: Warehouse) -> list[Path]:
    """Remove what a killed publish left (unfinished generations, temporary files) and generations older
    than the one before the current. Returns what was removed."""
    removed: list[Path] = []
    folder = warehouse.generations_dir
    current = current_generation(warehouse)
    generations = sorted(p for p in folder.iterdir() if p.name != CURRENT) if folder.is_dir() else []
    complete = [g for g in generations if not g.name.startswith(".") and (g / "rare_earth.duckdb").exists()]
    keep = {current}
    if current in complete:
        earlier = complete[: complete.index(current)]
        keep.update(earlier[-1:])
    for path in generations:
        if path not in keep:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            removed.append(path)
    # Temporary files of the releases before generations.
    for pattern in (f".{warehouse.published_db.name}.*.tmp", "exports/.*.tmp"):
        for path in warehouse.root.glob(pattern):
            path.unlink()
            removed.append(path)
    return removed


def publish_warehouse(warehouse: Warehouse) -> PublishReport:
    """Publish marts and audit from the build database. Call it only after the run's checks passed."""
    published_at = datetime.now(UTC)
    tables: dict[str, int] = {}
    docs = published_docs()
    with warehouse.writer_lock():
        generation = warehouse.generations_dir / f"{published_at:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
        exports_dir = generation / "exports"
        exports_dir.mkdir(parents=True)
        database = generation / "rare_earth.duckdb"
        con = duckdb.connect(config={"memory_limit": BUILD_MEMORY_LIMIT})
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
            con.execute(f"attach '{database}' as published (storage_version '{STORAGE_VERSION}')")
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"create schema published.{schema}")
            for schema, table in _tables(con, "build", docs):
                con.execute(f'create table published.{schema}."{table}" as select * from build.{schema}."{table}"')
            _write_meta_publish(con, published_at)
            [(last_vintage,)] = con.execute(
                "select coalesce(max(last_vintage), 0) from published.marts.meta_publish"
            ).fetchall()
            # The published audit.publishes holds this publish too (the build's own records it after the switch).
            con.execute("use published")
            record_publish(con, published_at, last_vintage, str(warehouse.published_db))
            con.execute("use memory")
            _comment(con, "published", docs)
            for schema, table in _tables(con, "published", docs):
                [(rows,)] = con.execute(f'select count(*) from published.{schema}."{table}"').fetchall()
                tables[f"{schema}.{table}"] = rows
                if schema == MARTS:
                    con.execute(
                        f"copy published.{schema}.\"{table}\" to '{exports_dir / table}.parquet' (format parquet)"
                    )
            coverage = tuple(
                row[0]
                for row in con.execute(
                    """select flow || ': ' || strftime(first_month, '%Y-%m') || '..' || strftime(last_month, '%Y-%m')
                              || ', ' || months || ' months, newest vintage ' || last_vintage
                       from published.marts.meta_publish order by flow"""
                ).fetchall()
            )
            con.execute("detach published")
            # Every byte on disk before the switch: after a crash the new generation is whole or not current.
            for path in (database, *exports_dir.iterdir(), exports_dir, generation, warehouse.generations_dir):
                _fsync(path)
            _link(generation.name, warehouse.generations_dir / CURRENT, aside=warehouse.generations_dir)
            _entry_links(warehouse)
            con.execute("use build")
            record_publish(con, published_at, last_vintage, str(warehouse.published_db))
            con.execute("use memory")
            con.execute("detach build")
        except BaseException:
            if current_generation(warehouse) != generation.resolve():
                shutil.rmtree(generation, ignore_errors=True)
            raise
        finally:
            con.close()
        # After the switch: unfinished generations a killed publish left, and all but the previous one.
        removed = remove_stale_generations(warehouse)
    if removed:
        progress.info(f"removed {len(removed)} unfinished or superseded published files")
    exports = tuple(warehouse.exports_dir / path.name for path in sorted(exports_dir.iterdir()))
    progress.info(f"published {warehouse.published_db} and {len(exports)} Parquet exports")
    return PublishReport(warehouse.published_db, published_at, tables, exports, coverage)
