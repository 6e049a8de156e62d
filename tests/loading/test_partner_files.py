"""Partner-reported files (UN Comtrade downloads in landing/partner/) through the loader: each quirk of real downloads
loads into raw.partner_lines with its audit record; a broken file is quarantined alone, with its reason, and leaves the
raw layer as it was; a later file for the same reporter, month and commodity is a new vintage."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_files import GOOD, csv_text
from comtrade_files import base_row, render, workbook_bytes

from orchestration.build_database import build_db
from orchestration.comtrade import COMTRADE_COLUMNS
from orchestration.loading.ingest import ingest_landing
from orchestration.loading.landing import Source
from orchestration.warehouse import Warehouse

ESTIMATED = {"netWgt": "152345.678", "isNetWgtEstimated": "true"}
NO_UNIT = {"qtyUnitCode": "-1", "qtyUnitAbbr": "N/A", "qty": "0"}
EXPORT_ROW = {"flowCode": "X", "flowDesc": "Export", "cifvalue": "", "fobvalue": "1000.5", "primaryValue": "1000.5"}

# name -> bytes of a download with one of the quirks seen in real files
QUIRKS: dict[str, bytes] = {
    "unquoted_header_quoted_rows_trailing_comma.csv": render([base_row()]).encode(),
    "booleans_true_false.csv": render([base_row(isLeaf="true", isReported="false")]).encode(),
    "missing_unit_minus_one_and_na.csv": render([base_row(**NO_UNIT)]).encode(),
    "estimated_net_weight_with_decimals.csv": render([base_row(**ESTIMATED)]).encode(),
    "export_row_without_cifvalue.csv": render([base_row(), base_row(**EXPORT_ROW)]).encode(),
    "bom_and_crlf.csv": b"\xef\xbb\xbf" + render([base_row()], newline="\r\n").encode(),
    "empty_second_sheet.xlsx": workbook_bytes({"Sheet1": [COMTRADE_COLUMNS, tuple(base_row().values())], "Sheet2": []}),
}


def drop(warehouse: Warehouse, name: str, content: bytes) -> str:
    path = warehouse.landing / "partner" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return f"partner/{name}"


def partner_rows(warehouse: Warehouse) -> list[tuple[object, ...]]:
    with build_db(warehouse) as con:
        return con.execute(
            "select * exclude (loaded_at) from raw.partner_lines order by vintage, row_number"
        ).fetchall()


@pytest.mark.parametrize("quirk", QUIRKS)
def test_each_quirk_of_real_downloads_loads_with_its_audit_record(warehouse: Warehouse, quirk: str) -> None:
    name = drop(warehouse, quirk, QUIRKS[quirk])

    [outcome] = ingest_landing(warehouse, source=Source.PARTNER).outcomes

    assert (outcome.file_name, outcome.status, outcome.reason) == (name, "loaded", None)
    with build_db(warehouse) as con:
        [(source, status, months, rows)] = con.execute(
            "select source, status, months, rows from audit.files where file_name = ?", [name]
        ).fetchall()
        lines = con.execute(
            """select reporterISO, flowCode, partnerISO, cmdCode, month, netWgt, qtyUnitCode, qtyUnitAbbr, cifvalue
               from raw.current_partner_lines order by row_number"""
        ).fetchall()
    assert (source, status, months, rows) == ("partner", "loaded", "2025-01", len(lines))
    assert lines[0][:5] == ("USA", "M", "CHN", "850511", outcome.months[0])
    if quirk.startswith("estimated"):
        assert lines[0][5] == 152345.678
    if quirk.startswith("missing_unit"):
        assert lines[0][6:8] == (None, None)
    if quirk.startswith("export_row"):
        assert lines[1][1] == "X" and lines[1][8] is None


def test_a_broken_file_is_quarantined_alone_and_the_raw_layer_keeps_its_bytes(warehouse: Warehouse) -> None:
    drop(warehouse, "first.csv", render([base_row()]).encode())
    ingest_landing(warehouse, source=Source.PARTNER)
    before = partner_rows(warehouse)
    bad = drop(warehouse, "broken.csv", render([base_row(), base_row(netWgt="12,5 t")]).encode())
    february = base_row(refMonth="2", period="202502", refPeriodId="20250201")
    good = drop(warehouse, "good.csv", render([february]).encode())

    outcomes = {o.file_name: o for o in ingest_landing(warehouse, source=Source.PARTNER).outcomes}

    assert outcomes[good].status == "loaded"
    refused = outcomes[bad]
    assert refused.status == "quarantined"
    assert refused.reason is not None
    assert refused.reason.startswith(f"{bad}, line 3:") and "netWgt" in refused.reason
    after = partner_rows(warehouse)
    assert after[: len(before)] == before and len(after) == len(before) + 1  # only the good file's line came


def test_a_customs_file_in_the_partner_folder_is_quarantined_saying_where_it_belongs(warehouse: Warehouse) -> None:
    name = drop(warehouse, "gacc_exports_2025-10.csv", csv_text(GOOD).encode("gb18030"))

    [outcome] = ingest_landing(warehouse, source=Source.PARTNER).outcomes

    assert outcome.status == "quarantined" and outcome.reason is not None
    assert outcome.reason.startswith(name) and "exports/ or imports/" in outcome.reason
    assert partner_rows(warehouse) == []


def test_each_source_loads_only_its_own_folder(warehouse: Warehouse) -> None:
    partner = drop(warehouse, "usa.csv", render([base_row()]).encode())
    customs = warehouse.landing / "exports" / "gacc_exports_2025-12.csv"
    customs.parent.mkdir(parents=True)
    customs.write_bytes(csv_text(GOOD).encode("gb18030"))

    assert [o.file_name for o in ingest_landing(warehouse, source=Source.CUSTOMS).outcomes] == [
        "exports/gacc_exports_2025-12.csv"
    ]
    assert [o.file_name for o in ingest_landing(warehouse, source=Source.PARTNER).outcomes] == [partner]


def test_a_later_file_is_a_new_vintage_and_supersedes_what_it_replaces(warehouse: Warehouse) -> None:
    first = drop(warehouse, "usa_2025.csv", render([base_row(), base_row(cmdCode="280530")]).encode())
    ingest_landing(warehouse, source=Source.PARTNER)
    revised = drop(warehouse, "usa_2025_revised.csv", render([base_row(netWgt="160000")]).encode())
    copy = drop(warehouse, "usa_2025_copy.csv", (Path(warehouse.landing) / first).read_bytes())

    outcomes = {o.file_name: o for o in ingest_landing(warehouse, source=Source.PARTNER).outcomes}

    assert outcomes[revised].status == "loaded" and outcomes[copy].status == "duplicate"
    with build_db(warehouse) as con:
        current = con.execute(
            "select cmdCode, netWgt, source_file from raw.current_partner_lines order by cmdCode"
        ).fetchall()
        [(all_lines,)] = con.execute("select count(*) from raw.partner_lines").fetchall()
        [(status,)] = con.execute("select status from audit.files where file_name = ?", [first]).fetchall()
    # The revision replaces the magnets only; the earlier file keeps its current metals line, so it is not superseded.
    assert current == [("280530", 152345.0, first), ("850511", 160000.0, revised)]
    assert (all_lines, status) == (3, "loaded")

    replaced = drop(warehouse, "usa_2025_final.csv", render([base_row(cmdCode="280530", netWgt="9")]).encode())
    [outcome] = ingest_landing(warehouse, source=Source.PARTNER).outcomes
    assert (outcome.file_name, outcome.superseded) == (replaced, (first,))


def test_a_breakdown_file_adds_to_the_totals_and_never_replaces_them(warehouse: Warehouse) -> None:
    totals = drop(warehouse, "usa_2025.csv", render([base_row()]).encode())
    ingest_landing(warehouse, source=Source.PARTNER)
    by_sea = base_row(motCode="2100", motDesc="Sea", netWgt="100000")
    by_air = base_row(motCode="1000", motDesc="Air", netWgt="52345")
    breakdown = drop(warehouse, "usa_2025_by_mode.csv", render([by_sea, by_air]).encode())

    [outcome] = ingest_landing(warehouse, source=Source.PARTNER).outcomes

    assert (outcome.file_name, outcome.status, outcome.superseded) == (breakdown, "loaded", ())
    with build_db(warehouse) as con:
        current = con.execute(
            "select motCode, netWgt, source_file from raw.current_partner_lines order by motCode"
        ).fetchall()
    assert current == [(0, 152345.0, totals), (1000, 52345.0, breakdown), (2100, 100000.0, breakdown)]


def test_a_comtrade_file_among_the_customs_files_is_quarantined_saying_where_it_belongs(warehouse: Warehouse) -> None:
    path = warehouse.landing / "exports" / "comtrade_USA_2025.csv"
    path.parent.mkdir(parents=True)
    path.write_text(render([base_row()]), encoding="utf-8")

    [outcome] = ingest_landing(warehouse, source=Source.CUSTOMS).outcomes

    assert outcome.status == "quarantined" and outcome.reason is not None
    assert outcome.reason == (
        "exports/comtrade_USA_2025.csv, line 1: this is a UN Comtrade download (partner-reported statistics), not a "
        "China Customs file: put it under partner/ in the landing folder"
    )
