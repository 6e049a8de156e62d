"""Holding back a failing month: only unpublished vintages, the earlier vintage returns, statuses follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
from conftest import ZH_HEADER, WriteCsv

from orchestration.build_database import build_db, last_published_vintage, record_publish
from orchestration.loading.holds import HoldRequest, has_unpublished_audit, hold_back, unpublished_months
from orchestration.loading.ingest import ingest_landing
from orchestration.warehouse import Warehouse

NOV = [
    ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "29,100,000"],
    ["202511", "28469013", "氧化钕", "116", "日本", "40,000", "千克", "2,000,000"],
]
DEC = [["202512", *row[1:]] for row in NOV]
NOV_1 = date(2025, 11, 1)


def us_magnets(con: duckdb.DuckDBPyConnection, month: date) -> float:
    [(kg,)] = con.execute(
        """select sum(quantity_kg) from raw.current_customs_lines
           where month = ? and hs_code = '85051110' and partner_code = '502'""",
        [month],
    ).fetchall()
    return float(kg)


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select file_name, status from audit.files").fetchall())


def test_a_held_month_returns_to_its_earlier_vintage_and_the_other_months_stay(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv("exports/nov.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        record_publish(con, datetime.now(UTC), last_vintage=1, path="published")
    revised = [[*NOV[0][:5], "600,000", *NOV[0][6:]], *DEC]  # revises November, adds December
    write_csv("exports/nov_dec_revised.csv", ZH_HEADER, revised)
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        assert statuses(con) == {"exports/nov.csv": "loaded", "exports/nov_dec_revised.csv": "loaded"}
        assert us_magnets(con, NOV_1) == 600_000
        assert unpublished_months(con) == (NOV_1, date(2025, 12, 1))

        held = hold_back(con, "raw_month_expectations", [HoldRequest(month=NOV_1, reason="bad", flow="export")])

        assert [(h.month, h.vintage, h.file_name) for h in held] == [(NOV_1, 2, "exports/nov_dec_revised.csv")]
        assert us_magnets(con, NOV_1) == 582_000  # the published vintage is current again
        assert us_magnets(con, date(2025, 12, 1)) == 582_000  # the file's month that passed is not held
        assert unpublished_months(con) == (date(2025, 12, 1), date(2025, 12, 1))
        # The revision still has a current month, so it stays 'loaded'; its lines of November stay queryable.
        assert statuses(con)["exports/nov_dec_revised.csv"] == "loaded"
        [(kept,)] = con.execute("select count(*) from raw.customs_lines where vintage = 2").fetchall()
        assert kept == 3


def test_a_published_vintage_is_never_held_and_a_wholly_held_file_is_quarantined_with_the_reason(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv("exports/nov.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        record_publish(con, datetime.now(UTC), last_vintage=1, path="published")
        assert hold_back(con, "marts_month_expectations", [HoldRequest(month=NOV_1, reason="bad")]) == []
        assert last_published_vintage(con) == 1
        assert not has_unpublished_audit(con)
    write_csv("exports/nov_revised.csv", ZH_HEADER, NOV[:1])
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        assert has_unpublished_audit(con)
        held = hold_back(con, "marts_month_expectations", [HoldRequest(month=NOV_1, reason="WORLD is off")])
        assert [h.file_name for h in held] == ["exports/nov_revised.csv"]
        [(status, reason)] = con.execute(
            "select status, reason from audit.files where file_name = 'exports/nov_revised.csv'"
        ).fetchall()
        assert status == "quarantined"
        assert reason == "held back by marts_month_expectations: 2025-11 WORLD is off"
        assert statuses(con)["exports/nov.csv"] == "loaded"
        assert unpublished_months(con) is None


def test_holding_a_vintage_brings_back_the_file_it_had_superseded(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/nov.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    write_csv("exports/nov_again.csv", ZH_HEADER, [[*row[:5], "1", *row[6:]] for row in NOV])
    ingest_landing(warehouse)
    with build_db(warehouse) as con:
        assert statuses(con) == {"exports/nov.csv": "superseded", "exports/nov_again.csv": "loaded"}
        hold_back(con, "raw_month_expectations", [HoldRequest(month=NOV_1, reason="bad", vintage=2)])
        assert statuses(con) == {"exports/nov.csv": "loaded", "exports/nov_again.csv": "quarantined"}
        assert us_magnets(con, NOV_1) == 582_000
