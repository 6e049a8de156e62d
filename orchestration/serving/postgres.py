"""The PostgreSQL replica of the published marts, for the BI tools that speak Postgres (all of them).

The marts are copied with COPY into a new schema, which replaces `marts` by a rename in the same
transaction: a BI query sees the old marts or the new ones, never a mix. A query still running on
the old tables keeps them (it holds their locks); they are dropped once nobody reads them.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from orchestration.progress import logger as progress
from orchestration.serving.table_docs import MARTS

SCHEMA = MARTS  # the replica's schema has the published file's name
RETIRED_PREFIX = "marts_retired_"

_SIMPLE_TYPES = {
    "VARCHAR": "text",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    # The analysts' measures (tonnes, values, percentages): numeric, on which round(x, 1) works (PostgreSQL has no
    # round(double precision, integer)); it holds each DOUBLE as DuckDB writes it, to the last digit.
    "DOUBLE": "numeric",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


@dataclass(frozen=True)
class ReplicaReport:
    tables: dict[str, int]  # table -> rows
    retired_left: int  # old schemas still read by a running query, dropped by a later publish


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type that holds a DuckDB column's values faithfully (text only for text)."""
    if duckdb_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[duckdb_type]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    raise ValueError(f"no PostgreSQL type for DuckDB type {duckdb_type} (add it to orchestration/serving/postgres.py)")


def replicate_marts(published_db: Path, conninfo: str, reader_role: str | None = None) -> ReplicaReport:
    """Copy every table of the published file's `marts` into PostgreSQL's `marts`, swapped in atomically, with
    the file's comments on tables and columns.

    `reader_role` gets USAGE on the schema and SELECT on its tables, nothing else.
    """
    incoming = f"marts_incoming_{time.time_ns()}"
    tables: dict[str, int] = {}
    duck = duckdb.connect(str(published_db), read_only=True)
    try:
        with psycopg.connect(conninfo) as pg, tempfile.TemporaryDirectory() as scratch:
            # One transaction: fill a new schema, then rename it to marts. Nothing is visible before commit.
            pg.execute(sql.SQL("create schema {}").format(sql.Identifier(incoming)))
            for table in _tables(duck):
                tables[table] = _copy_table(duck, pg, incoming, table, Path(scratch))
            if reader_role:
                names = (sql.Identifier(incoming), sql.Identifier(reader_role))
                pg.execute(sql.SQL("grant usage on schema {} to {}").format(*names))
                pg.execute(sql.SQL("grant select on all tables in schema {} to {}").format(*names))
            pg.execute(
                sql.SQL("comment on schema {} is {}").format(
                    sql.Identifier(incoming), sql.Literal(f"Rare-earth trade marts, published from {published_db.name}")
                )
            )
            [(exists,)] = pg.execute("select count(*) from pg_namespace where nspname = %s", [SCHEMA]).fetchall()
            if exists:
                retired = f"{RETIRED_PREFIX}{time.time_ns()}"
                pg.execute(sql.SQL("alter schema {} rename to {}").format(*map(sql.Identifier, (SCHEMA, retired))))
            pg.execute(sql.SQL("alter schema {} rename to {}").format(*map(sql.Identifier, (incoming, SCHEMA))))
            pg.commit()
            retired_left = _drop_retired(pg)
    finally:
        duck.close()
    progress.info(f"copied {len(tables)} marts ({sum(tables.values()):,} rows) to PostgreSQL schema {SCHEMA}")
    return ReplicaReport(tables, retired_left)


def _tables(duck: duckdb.DuckDBPyConnection) -> list[str]:
    rows = duck.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1", [SCHEMA]
    ).fetchall()
    return [r[0] for r in rows]


def _copy_table(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    schema: str,
    table: str,
    scratch: Path,
) -> int:
    columns = duck.execute(
        """select column_name, data_type from information_schema.columns
           where table_schema = ? and table_name = ? order by ordinal_position""",
        [SCHEMA, table],
    ).fetchall()
    [(table_comment,)] = duck.execute(
        "select comment from duckdb_tables() where schema_name = ? and table_name = ?", [SCHEMA, table]
    ).fetchall()
    column_comments = duck.execute(
        """select column_name, comment from duckdb_columns()
           where schema_name = ? and table_name = ? and comment is not null""",
        [SCHEMA, table],
    ).fetchall()
    target = sql.Identifier(schema, table)
    pg.execute(
        sql.SQL("create table {} ({})").format(
            target,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type(type_))) for name, type_ in columns
            ),
        )
    )
    # DuckDB writes NULL as an empty field and an empty string as "", which is what PostgreSQL's CSV reads.
    csv = scratch / f"{table}.csv"
    duck.execute(f"copy {SCHEMA}.\"{table}\" to '{csv}' (format csv, header false)")
    copy_in = sql.SQL("copy {} from stdin (format csv)").format(target)
    with pg.cursor() as cursor, cursor.copy(copy_in) as copy, csv.open("rb") as source:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
    csv.unlink()
    if table_comment:
        pg.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(table_comment)))
    for name, text in column_comments:
        pg.execute(sql.SQL("comment on column {} is {}").format(sql.Identifier(schema, table, name), sql.Literal(text)))
    [(rows,)] = pg.execute(sql.SQL("select count(*) from {}").format(target)).fetchall()
    return int(rows)


def _drop_retired(pg: psycopg.Connection) -> int:
    """Drop old marts schemas nobody reads any more; one still read by a query is left for later."""
    retired = [
        r[0]
        for r in pg.execute(
            "select nspname from pg_namespace where nspname like %s order by 1", [RETIRED_PREFIX + "%"]
        ).fetchall()
    ]
    left = 0
    for schema in retired:
        try:
            with pg.transaction():
                pg.execute("set local lock_timeout = '1s'")
                pg.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
        except psycopg.errors.LockNotAvailable:
            left += 1
    pg.commit()
    return left
