"""The raw-month suite: one crafted bad month per expectation, and the sample passing every one."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from conftest import ZH_HEADER, WriteCsv

from orchestration.build_database import connect_build_db
from orchestration.loading.ingest import ingest_landing
from orchestration.quality.frames import RAW_MONTH_LOCATE_BY, raw_month_frame, raw_month_parameters
from orchestration.quality.runner import SuiteReport, run_suite
from orchestration.reference_codes import partner_codes
from orchestration.sample import write_sample_files
from orchestration.warehouse import Warehouse

NOV = date(2025, 11, 1)
GOOD = ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "1"]


def frame_of(warehouse: Warehouse, first: date = NOV, last: date = NOV, flow: str = "export") -> pd.DataFrame:
    con = connect_build_db(warehouse)
    try:
        return raw_month_frame(con, flow, first, last)
    finally:
        con.close()


def validate(warehouse: Warehouse, first: date = NOV, last: date = NOV, flow: str = "export") -> SuiteReport:
    frame = frame_of(warehouse, first, last, flow)
    return run_suite("raw_month", frame, raw_month_parameters(first, last), locate_by=RAW_MONTH_LOCATE_BY)


def failed(report: SuiteReport) -> dict[str, str]:
    return {o.expectation: o.summary() for o in (*report.errors, *report.warnings)}


def test_the_sample_passes_every_raw_expectation(warehouse: Warehouse) -> None:
    write_sample_files(warehouse.landing)
    ingest_landing(warehouse)
    con = duckdb.connect(str(warehouse.build_db))
    lines = dict(con.execute("select flow, count(*) from raw.current_customs_lines group by flow").fetchall())
    con.close()
    for flow in ("export", "import"):
        first, last = date(2024, 1, 1), date(2025, 12, 1)
        frame = frame_of(warehouse, first, last, flow)
        report = run_suite("raw_month", frame, raw_month_parameters(first, last), locate_by=RAW_MONTH_LOCATE_BY)
        # The suite sees the lines that decide it, out of the flow's 3,000+, from every month of every file.
        assert lines[flow] > 3000 > report.rows
        assert frame.groupby(["month", "source_file"]).ngroups == 24
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
    october = run_suite("raw_month", frame_of(warehouse), raw_month_parameters(date(2025, 10, 1), date(2025, 10, 1)))
    assert [e.expectation for e in october.errors] == ["expect_column_values_to_be_between"]
    assert "The month in the rows is a month of the partition" in october.errors[0].summary()


@pytest.mark.parametrize(
    ("row", "expectation", "severity", "shown"),
    [
        ([*GOOD[:3], "998", *GOOD[4:]], "expect_column_values_to_be_in_set", "warning", "998"),
        ([*GOOD[:6], "个", GOOD[7]], "expect_column_values_to_be_in_set", "warning", "个"),
    ],
    ids=["unknown-partner", "magnets-not-in-kilograms"],
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


def test_a_code_that_got_past_the_loader_blocks_the_month(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    # The reader refuses codes that are not 8 digits; the suite still guards the raw layer itself.
    write_csv("exports/bad_2025-11.csv", ZH_HEADER, [GOOD])
    ingest_landing(warehouse)
    con = duckdb.connect(str(warehouse.build_db))
    con.execute("update raw.customs_lines set hs_code = '8505111'")
    con.close()
    [error] = validate(warehouse).errors
    assert (error.expectation, error.column) == ("expect_column_values_to_match_regex", "hs_code")
    assert "8505111" in error.summary() and "exports/bad_2025-11.csv" in error.summary()


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


def test_a_file_of_one_repeated_row_is_held_back_on_a_handful_of_its_lines(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv("exports/same_2025-11.csv", ZH_HEADER, [GOOD] * 2000)
    ingest_landing(warehouse)
    report = validate(warehouse)
    assert report.rows < 10
    [error] = report.errors + report.warnings
    assert error.expectation == "expect_compound_columns_to_be_unique"
    assert "source_file=exports/same_2025-11.csv row_number=1 " in error.summary()
    assert "source_file=exports/same_2025-11.csv row_number=2 " in error.summary()


def test_bad_lines_among_a_thousand_good_ones_are_each_found_and_named(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    """The bad lines are not the first lines of their code, partner or unit, nor of their key."""
    codes = [f"{10_000_000 + i}" for i in range(20)]  # not rare-earth codes: any unit will do
    partners = partner_codes()[:50]
    rows = [[GOOD[0], codes[i % 20], "商品", partners[i // 20], "伙伴", "1,000", "个", "1"] for i in range(1000)]
    rows[299] = GOOD  # magnets in kilograms, to partner 502
    rows[399] = [GOOD[0], GOOD[1], GOOD[2], partners[0], *GOOD[4:6], "个", GOOD[7]]  # magnets, not in kilograms
    rows[899] = rows[799]
    rows[989][3] = "998"
    write_csv("exports/big_2025-11.csv", ZH_HEADER, rows)
    ingest_landing(warehouse)
    con = duckdb.connect(str(warehouse.build_db))
    con.execute("update raw.customs_lines set quantity_kg = -1 where row_number = 700")
    con.execute("update raw.customs_lines set hs_code = '8505111' where row_number = 950")  # past the reader
    con.close()
    report = validate(warehouse)
    assert report.rows < 100
    found = {(o.expectation, o.column, o.severity): o.summary() for o in (*report.errors, *report.warnings)}
    shown = {
        ("expect_column_values_to_match_regex", "hs_code", "error"): ("hs_code=8505111", [950]),
        ("expect_column_values_to_be_in_set", "partner_code", "warning"): ("partner_code=998", [990]),
        ("expect_column_values_to_be_in_set", "unit", "warning"): ("unit=个", [400]),
        ("expect_column_values_to_be_between", "quantity_kg", "error"): ("quantity_kg=-1.0", [700]),
        (
            "expect_compound_columns_to_be_unique",
            "vintage,month,hs_code,partner_code,regime_code,province_code",
            "error",
        ): (f"hs_code={rows[799][1]} partner_code={rows[799][3]}", [800, 900]),
    }
    assert found.keys() == shown.keys()
    for key, (value, row_numbers) in shown.items():
        assert value in found[key], found[key]
        assert all(f"source_file=exports/big_2025-11.csv row_number={n}" in found[key] for n in row_numbers), found[key]


def test_one_pass_over_every_month_gives_each_month_the_verdict_it_gets_alone(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    from orchestration.quality.frames import RAW_MONTH_GROUPS
    from orchestration.quality.runner import run_suite_by

    write_sample_files(warehouse.landing)
    first, last = date(2025, 9, 1), date(2025, 12, 1)
    ingest_landing(warehouse)
    frame = pd.concat([frame_of(warehouse, first, last, flow) for flow in ("export", "import")])
    parameters = raw_month_parameters(first, last)

    def by_group() -> dict[tuple, tuple[int, list[str]]]:
        reports = run_suite_by("raw_month", frame, RAW_MONTH_GROUPS, parameters, locate_by=RAW_MONTH_LOCATE_BY)
        return {key: (r.rows, sorted(failed(r))) for key, r in reports.items()}

    alone = {
        key: (len(group), sorted(failed(run_suite("raw_month", group.reset_index(drop=True), parameters))))
        for key, group in frame.groupby(list(RAW_MONTH_GROUPS))
    }
    passing = by_group()
    assert len(passing) == 8 and all(not failures for _, failures in passing.values())
    assert [rows for rows, _ in passing.values()] == [rows for rows, _ in alone.values()]
    # A duplicate key in one file: that month of that file fails, and only it.
    write_csv("exports/dup_2025-10.csv", ZH_HEADER, [["202510", *GOOD[1:]]] * 2)
    ingest_landing(warehouse)
    frame = pd.concat([frame_of(warehouse, first, last, flow) for flow in ("export", "import")])
    failing = by_group()
    assert [key[2] for key, (_, failures) in failing.items() if failures] == ["exports/dup_2025-10.csv"]
