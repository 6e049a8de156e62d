"""The raw-month suite: one crafted bad month per expectation, and the sample passing every one."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from conftest import ZH_HEADER, WriteCsv

from orchestration.loading.ingest import connect_build_db, ingest_landing
from orchestration.quality.frames import raw_month_frame, raw_month_parameters
from orchestration.quality.runner import SuiteReport, run_suite
from orchestration.sample import write_sample_files
from orchestration.warehouse import Warehouse

NOV = date(2025, 11, 1)
GOOD = ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "1"]


def validate(warehouse: Warehouse, first: date = NOV, last: date = NOV, flow: str = "export") -> SuiteReport:
    con = connect_build_db(warehouse)
    try:
        frame = raw_month_frame(con, flow, first, last)
    finally:
        con.close()
    return run_suite("raw_month", frame, raw_month_parameters(first, last), locate_by=("source_file", "row_number"))


def failed(report: SuiteReport) -> dict[str, str]:
    return {o.expectation: o.summary() for o in (*report.errors, *report.warnings)}


def test_the_sample_passes_every_raw_expectation(warehouse: Warehouse) -> None:
    write_sample_files(warehouse.landing)
    ingest_landing(warehouse)
    for flow in ("export", "import"):
        report = validate(warehouse, date(2024, 1, 1), date(2025, 12, 1), flow)
        assert report.rows > 3000
        assert len(report.outcomes) == 9
        assert failed(report) == {}


def test_duplicate_keys_within_a_vintage_block_the_month(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/dup_2025-11.csv", ZH_HEADER, [GOOD, GOOD])
    ingest_landing(warehouse)
    report = validate(warehouse)
    [error] = report.errors
    assert error.expectation == "expect_compound_columns_to_be_unique"
    assert "source_file=exports/dup_2025-11.csv row_number=1" in error.summary()
    assert "No duplicate (commodity, partner, regime, province) key" in error.summary()


def test_rows_outside_the_partition_block_it(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/nov_2025-11.csv", ZH_HEADER, [GOOD])
    ingest_landing(warehouse)
    report = validate(warehouse, date(2025, 11, 1), date(2025, 11, 1))
    assert report.errors == []
    con = connect_build_db(warehouse)
    try:
        frame = raw_month_frame(con, "export", NOV, NOV)
    finally:
        con.close()
    october = run_suite("raw_month", frame, raw_month_parameters(date(2025, 10, 1), date(2025, 10, 1)))
    assert [e.expectation for e in october.errors] == ["expect_column_values_to_be_between"]
    assert "The month in the rows is a month of the partition" in october.errors[0].summary()


@pytest.mark.parametrize(
    ("row", "expectation", "severity", "shown"),
    [
        ([*GOOD[:1], "8505111", *GOOD[2:]], "expect_column_values_to_match_regex", "error", "8505111"),
        ([*GOOD[:3], "998", *GOOD[4:]], "expect_column_values_to_be_in_set", "warning", "998"),
        ([*GOOD[:6], "个", GOOD[7]], "expect_column_values_to_be_in_set", "warning", "个"),
    ],
    ids=["seven-digit-code", "unknown-partner", "magnets-not-in-kilograms"],
)
def test_each_line_level_expectation(
    warehouse: Warehouse, write_csv: WriteCsv, row: list[str], expectation: str, severity: str, shown: str
) -> None:
    write_csv("exports/bad_2025-11.csv", ZH_HEADER, [row])
    ingest_landing(warehouse)
    report = validate(warehouse)
    [outcome] = report.errors + report.warnings
    assert (outcome.expectation, outcome.severity) == (expectation, severity)
    assert shown in outcome.summary() and "exports/bad_2025-11.csv" in outcome.summary()


def test_a_file_of_exactly_10000_rows_that_got_past_the_loader_blocks_the_month(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv("exports/capped_2025-11.csv", ZH_HEADER, [GOOD])
    ingest_landing(warehouse)
    # A row count recorded for the file as the portal's cap (a loader bypassed, or an older warehouse).
    con = duckdb.connect(str(warehouse.build_db))
    con.execute("update audit.files set rows = 10000")
    con.close()
    [error] = validate(warehouse).errors
    assert error.expectation == "expect_column_values_to_not_be_in_set"
    assert "10,000 data rows" in error.summary() and "capped_2025-11.csv" in error.summary()


def test_a_negative_quantity_that_got_past_the_loader_blocks_the_month(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv("exports/neg_2025-11.csv", ZH_HEADER, [GOOD])
    ingest_landing(warehouse)
    con = duckdb.connect(str(warehouse.build_db))
    con.execute("update raw.customs_lines set quantity_kg = -1")
    con.close()
    [error] = validate(warehouse).errors
    assert (error.expectation, error.column) == ("expect_column_values_to_be_between", "quantity_kg")
