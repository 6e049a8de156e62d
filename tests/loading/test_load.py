"""Loading into the raw layer: idempotence, vintages, quarantine without loss, and atomicity under a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import ZH_HEADER, WriteCsv, render_csv

from orchestration.gacc import GaccFileError
from orchestration.loading.ingest import ingest_landing, months_to_rebuild
from orchestration.loading.landing import landing_file, scan_landing
from orchestration.warehouse import REPO_ROOT, Warehouse

NOV = [
    ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "29,100,000"],
    ["202511", "85051110", "稀土永磁", "304", "德国", "1,100,000", "千克", "?"],
    ["202511", "28469013", "氧化钕", "116", "日本", "40,000", "千克", "2,000,000"],
]
OCT = [["202510", *row[1:]] for row in NOV]


def raw_state(warehouse: Warehouse) -> list[tuple]:
    """Everything a reader of the raw layer can see, lineage included, in a stable order."""
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        return con.execute(
            "select * exclude (loaded_at) from raw.customs_lines order by vintage, row_number"
        ).fetchall()
    finally:
        con.close()


def query(warehouse: Warehouse, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_file_loads_with_lineage_on_every_row(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/2025/gacc_exports_2025-11.csv", ZH_HEADER, NOV, encoding="gb18030", trailing_comma=True)
    [outcome] = ingest_landing(warehouse).outcomes
    assert (outcome.status, outcome.flow, outcome.months, outcome.rows) == ("loaded", "export", (date(2025, 11, 1),), 3)
    rows = query(
        warehouse,
        """select flow, month, hs_code, partner_code, quantity_kg, source_file, source_sha256, row_number, vintage,
                  loaded_at is not null
           from raw.customs_lines order by row_number""",
    )
    sha = landing_file(warehouse.landing, "exports/2025/gacc_exports_2025-11.csv").sha256()
    assert rows[0] == (
        "export",
        date(2025, 11, 1),
        "85051110",
        "502",
        582000,
        "exports/2025/gacc_exports_2025-11.csv",
        sha,
        1,
        outcome.vintage,
        True,
    )
    assert [r[7] for r in rows] == [1, 2, 3]
    [(status, months, n, vintage)] = query(warehouse, "select status, months, rows, vintage from audit.files")
    assert (status, months, n, vintage) == ("loaded", "2025-11", 3, outcome.vintage)


def test_loading_the_same_file_twice_changes_nothing(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    path = write_csv("exports/gacc_exports_2025-11.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    before = (raw_state(warehouse), query(warehouse, "select * from audit.files"))
    assert ingest_landing(warehouse).outcomes == ()
    path.touch()  # a new modification time alone is no new content
    assert ingest_landing(warehouse).outcomes == ()
    assert (raw_state(warehouse), query(warehouse, "select * from audit.files")) == before


def test_the_same_content_under_another_name_is_a_duplicate(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_exports_2025-11.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    before = raw_state(warehouse)
    write_csv("exports/copy/gacc_exports_2025-11 (1).csv", ZH_HEADER, NOV)
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "duplicate"
    assert outcome.reason == "same content as exports/gacc_exports_2025-11.csv, already loaded"
    assert raw_state(warehouse) == before


def test_a_new_file_for_a_loaded_month_is_a_new_vintage(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_exports_2025-10.csv", ZH_HEADER, OCT)
    write_csv("exports/gacc_exports_2025-11_flash.csv", ZH_HEADER, NOV)
    first = {o.file_name: o for o in ingest_landing(warehouse).outcomes}
    revised = [[*NOV[0][:5], "590,000", *NOV[0][6:]], *NOV[1:]]
    write_csv("exports/gacc_exports_2025-11_detailed.csv", ZH_HEADER, revised)
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.vintage > first["exports/gacc_exports_2025-11_flash.csv"].vintage
    assert outcome.superseded == ("exports/gacc_exports_2025-11_flash.csv",)
    current = query(
        warehouse,
        """select month, sum(quantity_kg) filter (partner_code = '502')
           from raw.current_customs_lines group by 1 order by 1""",
    )
    assert current == [(date(2025, 10, 1), 582000), (date(2025, 11, 1), 590000)]  # October untouched
    # The earlier vintage stays queryable.
    history = query(
        warehouse,
        """select vintage, quantity_kg from raw.customs_lines
           where month = '2025-11-01' and partner_code = '502' order by vintage""",
    )
    assert [q for _, q in history] == [582000, 590000]
    statuses = dict(query(warehouse, "select file_name, status from audit.files"))
    assert statuses == {
        "exports/gacc_exports_2025-10.csv": "loaded",
        "exports/gacc_exports_2025-11_flash.csv": "superseded",
        "exports/gacc_exports_2025-11_detailed.csv": "loaded",
    }


def test_a_vintage_of_some_codes_replaces_only_those_codes(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/all_codes_2025-11.csv", ZH_HEADER, NOV)
    ingest_landing(warehouse)
    write_csv("exports/magnets_only_2025-11.csv", ZH_HEADER, [[*NOV[0][:5], "600,000", *NOV[0][6:]]])
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.superseded == ()  # the oxide line of the first file is still current
    current = query(
        warehouse, "select hs_code, partner_code, quantity_kg, source_file from raw.current_customs_lines order by 1, 2"
    )
    assert current == [
        ("28469013", "116", 40000, "exports/all_codes_2025-11.csv"),
        ("85051110", "502", 600000, "exports/magnets_only_2025-11.csv"),
    ]


def test_a_file_is_superseded_once_every_line_of_it_is_replaced(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    """Only the partitions a new vintage has lines in change; a year-to-date file replaces no monthly line."""
    write_csv("exports/two_months.csv", ZH_HEADER, [*OCT, *NOV])  # no month in the name: the rows say
    ingest_landing(warehouse)

    def load(name: str, rows: list[list[str]]) -> tuple[str, ...]:
        write_csv(name, ZH_HEADER, rows)
        [outcome] = ingest_landing(warehouse).outcomes
        assert outcome.status == "loaded", outcome.reason
        return outcome.superseded

    assert load("exports/nov_2025-11.csv", NOV) == ()  # October is still current
    assert load("exports/ytd_2025-10_ytd.csv", OCT) == ()  # another period kind
    assert load("exports/oct_magnets_2025-10.csv", OCT[:2]) == ()  # the October oxide line is still current
    assert load("exports/oct_oxide_2025-10.csv", OCT[2:]) == ("exports/two_months.csv",)
    statuses = dict(query(warehouse, "select file_name, status from audit.files"))
    assert statuses == {
        "exports/two_months.csv": "superseded",
        "exports/nov_2025-11.csv": "loaded",
        "exports/ytd_2025-10_ytd.csv": "loaded",
        "exports/oct_magnets_2025-10.csv": "loaded",
        "exports/oct_oxide_2025-10.csv": "loaded",
    }


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "the file is empty (0 bytes)"),
    "header_only": (render_csv(ZH_HEADER, []).encode("gb18030"), "a header but no data rows"),
    "unknown_header": ("商品编码,金额\n85051110,5\n".encode(), "header column 2 '金额' is not a GACC column"),
    "month_disagrees": (
        render_csv(ZH_HEADER, [NOV[0], ["202510", *NOV[1][1:]]]).encode(),
        "line 3: column 数据年月 / Date of data: the row says '202510' but the file name says 2025-11",
    ),
    "text_in_number": (
        render_csv(ZH_HEADER, [NOV[0], [*NOV[1][:5], "n/a", *NOV[1][6:]]]).encode("gb18030"),
        "line 3: column 第一数量 / Quantity: expected a number, found 'n/a'",
    ),
    "negative_quantity": (
        render_csv(ZH_HEADER, [[*NOV[0][:5], "-582", *NOV[0][6:]]]).encode(),
        "line 2: column 第一数量 / Quantity: expected a non-negative amount, found '-582'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_quarantined_and_no_other_month_changes(
    warehouse: Warehouse, write_csv: WriteCsv, case: str
) -> None:
    write_csv("exports/gacc_exports_2025-10.csv", ZH_HEADER, OCT)
    ingest_landing(warehouse)
    before = raw_state(warehouse)
    content, message = BAD_FILES[case]
    bad = warehouse.landing / "exports" / f"{case}_2025-11.csv"
    bad.write_bytes(content)
    write_csv("exports/good_2025-12.csv", ZH_HEADER, [["202512", *row[1:]] for row in NOV])
    outcomes = {o.file_name: o for o in ingest_landing(warehouse).outcomes}
    quarantined = outcomes[f"exports/{case}_2025-11.csv"]
    assert quarantined.status == "quarantined"
    assert quarantined.reason.startswith(f"exports/{case}_2025-11.csv")
    assert message in quarantined.reason
    assert outcomes["exports/good_2025-12.csv"].status == "loaded"  # other files still load
    after = raw_state(warehouse)
    assert after[: len(before)] == before
    assert {r[1] for r in after[len(before) :]} == {date(2025, 12, 1)}
    assert bad.read_bytes() == content  # the person's file is left as it was
    [(status, reason)] = query(
        warehouse, "select status, reason from audit.files where file_name = ?", [f"exports/{case}_2025-11.csv"]
    )
    assert (status, reason) == ("quarantined", quarantined.reason)
    # Seen once, quarantined once: the next load does not retry an unchanged bad file.
    assert ingest_landing(warehouse).outcomes == ()


def test_unknown_flow_and_not_a_customs_file_are_quarantined(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("downloads/rare_earth_2025-11.csv", ZH_HEADER, NOV)
    (warehouse.landing / "exports").mkdir()
    (warehouse.landing / "exports" / "notes_2025-11.docx").write_bytes(b"PK\x03\x04")
    reasons = {o.file_name: o.reason for o in ingest_landing(warehouse).outcomes}
    assert "cannot tell the trade flow" in reasons["downloads/rare_earth_2025-11.csv"]
    assert "expected a .csv or .xlsx file, got '.docx'" in reasons["exports/notes_2025-11.docx"]
    assert raw_state(warehouse) == []


def test_a_file_of_exactly_10000_rows_is_flagged_as_truncated(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    rows = [["202511", "85051110", "x", f"{i:03d}", "p", "1", "千克", "1"] for i in range(10_000)]
    write_csv("exports/capped_2025-11.csv", ZH_HEADER, rows)
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "quarantined"
    assert outcome.reason == (
        "exports/capped_2025-11.csv: exactly 10,000 data rows: probably truncated at the portal's download cap; "
        "split the query (e.g. by partner or commodity) and download again"
    )
    assert raw_state(warehouse) == []
    write_csv("exports/capped_2025-11.csv", ZH_HEADER, rows[:9_999])  # a fixed download under the same name
    [outcome] = ingest_landing(warehouse).outcomes
    assert (outcome.status, outcome.rows) == ("loaded", 9_999)


def test_paths_outside_the_landing_folder_are_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    outside = tmp_path / "secret_exports_2025-11.csv"
    outside.write_bytes(render_csv(ZH_HEADER, NOV).encode())
    with pytest.raises(
        GaccFileError, match=r"refusing a path outside the landing folder .*: names may not contain '\.\.'"
    ):
        landing_file(warehouse.landing, "../secret_exports_2025-11.csv")
    (warehouse.landing / "exports").mkdir()
    (warehouse.landing / "exports" / "link_2025-11.csv").symlink_to(outside)
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "quarantined"
    assert "refusing a file that resolves outside the landing folder" in outcome.reason
    assert raw_state(warehouse) == []


def test_a_load_killed_half_way_leaves_the_previous_state(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_exports_2025-10.csv", ZH_HEADER, OCT)
    ingest_landing(warehouse)
    before = (raw_state(warehouse), query(warehouse, "select * from audit.files"))
    rows = [
        ["202511", f"{28460000 + i % 90:08d}", "氧化物", f"{100 + i // 90:03d}", "p", "1,000", "千克", "9"]
        for i in range(60_000)
    ]
    write_csv("exports/big_2025-11.csv", ZH_HEADER, rows, encoding="gb18030")
    # A child process loads and is killed once its first batch is inside DuckDB's open transaction.
    child = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from orchestration.loading.ingest import ingest_landing
        from orchestration.warehouse import Warehouse
        def progress(name, rows):
            print("rows", rows, flush=True)
            time.sleep(60)
        ingest_landing(Warehouse(Path({str(warehouse.root)!r})), on_progress=progress)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("rows ")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert (raw_state(warehouse), query(warehouse, "select * from audit.files")) == before
    # The interrupted file is still pending and loads completely on the next run.
    [outcome] = ingest_landing(warehouse).outcomes
    assert (outcome.status, outcome.rows) == ("loaded", 60_000)


def test_writers_are_serialised(warehouse: Warehouse) -> None:
    with (
        warehouse.writer_lock(),
        pytest.raises(TimeoutError, match="another load has held"),
        warehouse.writer_lock(timeout_s=0.5),
    ):
        pass


def test_a_revised_cumulative_also_rebuilds_the_month_derived_from_it(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    us = ["85051110", "稀土永磁", "502", "美国", "1", "千克", "1"]
    write_csv("exports/exports_2025-10_ytd.csv", ZH_HEADER, [["202510", *us]])
    write_csv("exports/exports_2025-11_ytd.csv", ZH_HEADER, [["202511", *us]])
    write_csv("exports/exports_2025-12_ytd.csv", ZH_HEADER, [["202512", *us]])
    # No month in the name: the month column says which year-to-date it is.
    write_csv("imports/进口_累计_revised.csv", ZH_HEADER, [["202505", *us]])
    write_csv("imports/imports_2025-06_ytd.csv", ZH_HEADER, [["202506", *us]])
    write_csv("exports/exports_2025-11.csv", ZH_HEADER, [["202511", *us]])
    files = scan_landing(warehouse.landing)

    def rebuilt(name: str) -> tuple[date, ...]:
        return months_to_rebuild(landing_file(warehouse.landing, name), files)

    # November is YTD(Nov) − YTD(Oct): a revised October cumulative changes November too.
    assert rebuilt("exports/exports_2025-10_ytd.csv") == (date(2025, 10, 1), date(2025, 11, 1))
    assert rebuilt("imports/进口_累计_revised.csv") == (date(2025, 5, 1), date(2025, 6, 1))
    # December's cumulative is the year's last; a monthly file derives nothing; the next year starts afresh.
    assert rebuilt("exports/exports_2025-12_ytd.csv") == (date(2025, 12, 1),)
    assert rebuilt("exports/exports_2025-11.csv") == (date(2025, 11, 1),)
    # Flows are derived apart: June's import cumulative is not next to an export file.
    assert rebuilt("imports/imports_2025-06_ytd.csv") == (date(2025, 6, 1),)
