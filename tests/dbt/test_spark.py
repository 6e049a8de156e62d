"""The same dbt project on Spark (`--target spark`) builds the same marts as on DuckDB, from the raw layer as Parquet.

Needs the optional group `.[spark]` and Java: without them the test is skipped and says so. A real build: the
sample is loaded and built on DuckDB, its raw layer and audit trail written as Parquet (hive layout, by month, as
the lake will be), then built on Spark; every mart is compared with EXCEPT ALL both ways, by column name (Spark
moves the partition column `month` of an incremental model to the end), doubles to 9 significant digits.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import duckdb
import pytest
from test_marts import dbt_build, run_dbt

from orchestration.loading.ingest import ingest_landing
from orchestration.sample import write_sample_files
from orchestration.warehouse import Warehouse

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="SPARK NOT TESTED: the optional group is not installed (pip install -c requirements.lock -e '.[spark]')",
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="SPARK NOT TESTED: no Java runtime on PATH"),
]


def significant(column: str, data_type: str) -> str:
    if data_type != "DOUBLE":
        return f"{column}::{data_type} as {column}"
    return f"round({column}, 9 - cast(ceil(log10(abs(nullif({column}, 0)))) as integer)) as {column}"


def test_every_mart_on_spark_equals_the_duckdb_build(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path / "duckdb")

    lake = warehouse.root / "lake"
    con = duckdb.connect(str(warehouse.build_db))
    try:
        for folder in (lake / "raw", lake / "audit" / "files"):
            folder.mkdir(parents=True)
        con.execute(
            f"copy (select * from raw.flagged_customs_lines) to '{lake}/raw/flagged_customs_lines' "
            "(format parquet, partition_by (month))"
        )
        con.execute(f"copy (select * from audit.files) to '{lake}/audit/files/files.parquet' (format parquet)")
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
    finally:
        con.close()

    output = run_dbt(warehouse.root, tmp_path / "spark", "build", "--target", "spark")
    assert "ERROR=0" in output

    tables = warehouse.root / "spark" / "tables" / "marts.db"
    con = duckdb.connect()
    con.execute(f"attach '{warehouse.build_db}' as duck (read_only)")
    compared = {}
    for mart in marts:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            f"where database_name = 'duck' and schema_name = 'marts' and table_name = '{mart}' order by column_index"
        ).fetchall()
        select = ", ".join(significant(column, data_type) for column, data_type in columns)
        files = sorted((tables / mart).rglob("*.parquet"))
        # An empty table has no file to read (the sample has no revision).
        spark = (
            f"read_parquet({[str(file) for file in files]}, hive_partitioning = true, union_by_name = true)"
            if files
            else f"(select * from duck.marts.{mart} limit 0)"
        )
        duck_rows = f"select {select} from duck.marts.{mart}"
        spark_rows = f"select {select} from {spark}"
        only_duckdb, only_spark = (
            con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            for a, b in ((duck_rows, spark_rows), (spark_rows, duck_rows))
        )
        rows = con.execute(f"select count(*) from duck.marts.{mart}").fetchone()[0]
        compared[mart] = (rows, only_duckdb, only_spark)
    assert len(compared) >= 8
    assert {mart: diff for mart, diff in compared.items() if diff[1:] != (0, 0)} == {}, compared
    assert compared["fct_trade_monthly"][0] > 1000
