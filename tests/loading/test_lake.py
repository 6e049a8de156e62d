"""The lake (warehouse/lake/): the raw layer and the audit trail as Parquet, the rows DuckDB builds from, each month
replaced whole."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from conftest import ZH_HEADER, WriteCsv

from orchestration.build_database import FLAGGED_VIEW, build_db
from orchestration.loading.ingest import ingest_landing
from orchestration.loading.lake import LINES_FILE, lake_months, table_dir, write_lake
from orchestration.warehouse import Warehouse

NOV = [
    ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "29,100,000"],
    ["202511", "28469013", "氧化钕", "116", "日本", "40,000", "千克", "2,000,000"],
]
DEC = [["202512", *row[1:]] for row in NOV]
NOV_1, DEC_1 = date(2025, 11, 1), date(2025, 12, 1)


def differences(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> tuple[int, int]:
    """Rows only in the build database's flagged lines, and only in the lake."""
    lake = f"read_parquet('{table_dir(warehouse.lake_dir, FLAGGED_VIEW)}/*/*.parquet', hive_partitioning = true)"
    columns = ", ".join(
        name for (name,) in con.execute(f"select column_name from (describe {FLAGGED_VIEW})").fetchall()
    )
    build, files = f"select {columns} from {FLAGGED_VIEW}", f"select {columns} from {lake}"
    return tuple(
        con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
        for a, b in ((build, files), (files, build))
    )


@pytest.fixture
def two_months(warehouse: Warehouse, write_csv: WriteCsv) -> Warehouse:
    """November and December loaded into the raw layer."""
    write_csv("exports/nov.csv", ZH_HEADER, NOV)
    write_csv("exports/dec.csv", ZH_HEADER, DEC)
    ingest_landing(warehouse)
    return warehouse


def test_the_lake_holds_the_flagged_lines_of_every_month_and_a_revision_replaces_its_month(
    two_months: Warehouse, write_csv: WriteCsv
) -> None:
    warehouse = two_months
    with build_db(warehouse) as con:
        written = write_lake(con, warehouse.lake_dir, None, None)
        assert written.months == [NOV_1, DEC_1] and written.rows == 4
        assert differences(con, warehouse) == (0, 0)
        december = table_dir(warehouse.lake_dir, FLAGGED_VIEW) / "month=2025-12-01" / LINES_FILE
        december_bytes = december.read_bytes()

    revised = [[*NOV[0][:5], "600,000", *NOV[0][6:]]]
    write_csv("exports/nov_revised.csv", ZH_HEADER, revised)
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        written = write_lake(con, warehouse.lake_dir, NOV_1, NOV_1)
        # November again, with both vintages flagged; December untouched, byte for byte.
        assert written.months == [NOV_1] and written.rows == 3
        assert differences(con, warehouse) == (0, 0)
        assert december.read_bytes() == december_bytes
        [(current,)] = con.execute(
            f"""select quantity_kg from read_parquet('{table_dir(warehouse.lake_dir, FLAGGED_VIEW)}/*/*.parquet',
                hive_partitioning = true) where month = '2025-11-01' and hs_code = '85051110' and is_current"""
        ).fetchall()
        assert current == 600000
        audit = table_dir(warehouse.lake_dir, "audit.files") / "files.parquet"
        assert con.execute(f"select count(*) from '{audit}'").fetchone()[0] == 3


def test_a_month_missing_from_the_lake_and_a_killed_write_are_mended_by_the_next_write(two_months: Warehouse) -> None:
    warehouse = two_months
    with build_db(warehouse) as con:
        write_lake(con, warehouse.lake_dir, None, None)
        (table_dir(warehouse.lake_dir, FLAGGED_VIEW) / "month=2025-11-01" / LINES_FILE).unlink()
        # What a load killed mid-write leaves: its staging folder, or an audit table's hidden half-file.
        (warehouse.lake_dir / ".staging-4242" / "month=2025-12-01").mkdir(parents=True)
        half_written = table_dir(warehouse.lake_dir, "audit.files") / ".files.parquet.tmp"
        half_written.write_bytes(b"PAR1")
        assert lake_months(warehouse.lake_dir) == {DEC_1}

        written = write_lake(con, warehouse.lake_dir, DEC_1, DEC_1)
        assert written.months == [NOV_1, DEC_1]
        assert lake_months(warehouse.lake_dir) == {NOV_1, DEC_1}
        assert differences(con, warehouse) == (0, 0)
        assert not list(warehouse.lake_dir.glob(".staging-*")) and not half_written.exists()
