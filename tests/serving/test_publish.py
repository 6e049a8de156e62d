"""Publishing the build database: a new file swapped in whole, meta_publish, and never a failed build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.build_database import build_db, last_published_vintage, record_build
from orchestration.serving.publish import UnauditedBuildError, publish_warehouse
from orchestration.warehouse import Warehouse


@pytest.fixture
def built(warehouse: Warehouse) -> Warehouse:
    """A build database with a tiny fct_trade_monthly, as dbt leaves it."""
    with build_db(warehouse) as con:
        con.execute(
            """create schema marts;
               create table marts.fct_trade_monthly as
               select * from (values (date '2025-10-01', 'export', 7, 'a.csv', 656.0),
                                     (date '2025-11-01', 'export', 9, 'b.csv', 582.0),
                                     (date '2025-11-01', 'import', 8, 'c.csv', 3.0))
                    as t(month, flow, vintage, source_file, tonnes)"""
        )
    return warehouse


def test_a_publish_writes_the_marts_meta_publish_and_parquet_and_records_the_vintage(built: Warehouse) -> None:
    report = publish_warehouse(built)
    assert report.tables == {"marts.fct_trade_monthly": 3, "marts.meta_publish": 2, **_audit_tables(report.tables)}
    con = duckdb.connect(str(built.published_db), read_only=True)
    try:
        meta = con.execute(
            "select flow, first_month, last_month, months, last_vintage, files from marts.meta_publish order by flow"
        ).fetchall()
    finally:
        con.close()
    assert meta == [
        ("export", date(2025, 10, 1), date(2025, 11, 1), 2, 9, 2),
        ("import", date(2025, 11, 1), date(2025, 11, 1), 1, 8, 1),
    ]
    assert report.coverage == (
        "export: 2025-10..2025-11, 2 months, newest vintage 9",
        "import: 2025-11..2025-11, 1 months, newest vintage 8",
    )
    assert pq.read_table(built.exports_dir / "meta_publish.parquet").num_rows == 2
    with build_db(built) as con:
        assert last_published_vintage(con) == 9
    assert [p.name for p in built.root.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_months_whose_dbt_build_failed_are_never_published_until_a_build_succeeds(built: Warehouse) -> None:
    publish_warehouse(built)
    before = built.published_db.read_bytes()
    with build_db(built) as con:
        record_build(con, date(2025, 11, 1), date(2025, 12, 1), "Failure in test not_null_fct_trade_monthly_month")
    with pytest.raises(UnauditedBuildError, match=r"2025-11\.\.2025-12: Failure in test not_null"):
        publish_warehouse(built)
    assert built.published_db.read_bytes() == before
    with build_db(built) as con:
        record_build(con, date(2025, 1, 1), date(2025, 12, 1), None)
    publish_warehouse(built)
    assert built.published_db.read_bytes() != before


def _audit_tables(tables: dict[str, int]) -> dict[str, int]:
    return {name: rows for name, rows in tables.items() if name.startswith("audit.")}


def test_a_warehouse_copied_without_its_links_publishes_again(built: Warehouse, tmp_path: Path) -> None:
    publish_warehouse(built)
    copy = Warehouse(tmp_path / "copy")
    shutil.copytree(built.root, copy.root)  # follows the links: real files and folders where links were
    assert not copy.published_db.is_symlink() and not (copy.generations_dir / "current").is_symlink()
    publish_warehouse(copy)
    assert copy.published_db.is_symlink() and copy.exports_dir.is_symlink()
    assert copy.published_db.resolve().parent == (copy.generations_dir / "current").resolve()
    assert pq.read_table(copy.exports_dir / "fct_trade_monthly.parquet").num_rows == 3
    publish_warehouse(copy)  # the folders moved aside are gone after the next publish
    assert sorted(p.name for p in copy.generations_dir.iterdir() if p.name.startswith(".")) == []


def test_a_publish_killed_before_its_switch_leaves_the_published_set_and_is_cleaned_up(built: Warehouse) -> None:
    publish_warehouse(built)
    before = {p: p.read_bytes() for p in (built.published_db, *sorted(built.exports_dir.glob("*.parquet")))}
    unfinished = built.generations_dir / "20991231T000000000000Z-1"  # what a kill mid-publish leaves
    (unfinished / "exports").mkdir(parents=True)
    (unfinished / "exports" / "fct_trade_monthly.parquet").write_bytes(b"half")
    assert {p: p.read_bytes() for p in before} == before
    publish_warehouse(built)
    assert not unfinished.exists()
    generations = [p for p in built.generations_dir.iterdir() if p.name != "current"]
    assert len(generations) == 2  # the current one and the one before it, for readers mid-switch
