"""The marts a Spark build wrote, brought into the build database, so that the suites, the publish and everything
after them read the same tables whichever engine built them.

dbt's `spark` target keeps each table as Parquet under $WAREHOUSE_DIR/spark/tables/<schema>.db/<table>/ (its
`spark.sql.warehouse.dir`), an incremental model in one folder per month. Spark moves a partition column to the end
and names its own types, so every mart is read back in the order and types of its dbt contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from orchestration.serving.table_docs import MARTS
from orchestration.warehouse import Warehouse

# A mart's columns as its contract gives them: (name, dbt data_type).
MartColumns = Sequence[tuple[str, str]]


def spark_table_dir(warehouse: Warehouse, schema: str, table: str) -> Path:
    return warehouse.spark_dir / "tables" / f"{schema}.db" / table


def spark_has_marts(warehouse: Warehouse, marts: Sequence[str]) -> bool:
    """Spark holds a table for every mart (its incremental state may be built on); not after a first Spark build."""
    return all(spark_table_dir(warehouse, MARTS, mart).is_dir() for mart in marts)


def spark_partition_files(warehouse: Warehouse, mart: str) -> dict[str, set[str]]:
    """Each partition folder of a mart ('' for an unpartitioned one) -> the names of its Parquet files: Spark
    writes new names when it rewrites a partition, so what a build rewrote shows."""
    table = spark_table_dir(warehouse, MARTS, mart)
    partitions: dict[str, set[str]] = {}
    for file in table.rglob("*.parquet"):
        partition = "" if file.parent == table else file.parent.relative_to(table).as_posix()
        partitions.setdefault(partition, set()).add(file.name)
    return partitions


def import_spark_marts(
    con: duckdb.DuckDBPyConnection, warehouse: Warehouse, marts: Mapping[str, MartColumns]
) -> dict[str, int]:
    """Replace every mart of the build database with Spark's, in one transaction; rows per mart."""
    rows: dict[str, int] = {}
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {MARTS}")
        for mart, columns in marts.items():
            files = sorted(str(f) for f in spark_table_dir(warehouse, MARTS, mart).rglob("*.parquet"))
            select = ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns)
            # A table with no rows has no file (a warehouse without revisions has an empty revisions mart).
            source = (
                f"read_parquet({files}, hive_partitioning = true, union_by_name = true)"
                if files
                else "(select " + ", ".join(f'null as "{name}"' for name, _ in columns) + " limit 0)"
            )
            con.execute(f"create or replace table {MARTS}.{mart} as select {select} from {source}")
            [(count,)] = con.execute(f"select count(*) from {MARTS}.{mart}").fetchall()
            rows[mart] = int(count)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows
