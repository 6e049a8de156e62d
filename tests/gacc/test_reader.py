"""The reader's rules: encodings, headers, numbers, months, flows, currencies, XLSX, and clear errors."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath

import openpyxl
import pyarrow as pa
import pytest
from conftest import EN_HEADER, ZH_HEADER, WriteCsv

from orchestration.gacc import GaccFileError, open_gacc_file, read_gacc_file
from orchestration.warehouse import Warehouse

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "gacc"
ROWS = [
    ["202511", "85051110", "稀土的永磁铁及磁化后准备制永磁铁的物品", "502", "美国", "582,000", "千克", "5,848,714"],
    ["202511", "28053011", "钕，未相混合或相互熔合", "304", "德国", "1200", "千克", "?"],
]


def read(warehouse: Warehouse, name: str) -> pa.Table:
    return read_gacc_file(warehouse.landing / name, relative_path=PurePath(name))


def error_of(warehouse: Warehouse, name: str) -> GaccFileError:
    with pytest.raises(GaccFileError) as caught:
        read(warehouse, name)
    return caught.value


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")],
)
def test_encoding_is_detected_and_text_decoded_exactly(
    warehouse: Warehouse, write_csv: WriteCsv, encoding: str, expected: str
) -> None:
    write_csv("exports/gacc_2025-11.csv", ZH_HEADER, ROWS, encoding=encoding)
    gacc = open_gacc_file(warehouse.landing / "exports/gacc_2025-11.csv")
    assert gacc.encoding == expected
    table = read(warehouse, "exports/gacc_2025-11.csv")
    assert table.column("commodity_name").to_pylist() == [ROWS[0][2], ROWS[1][2]]
    assert table.column("partner_name").to_pylist() == ["美国", "德国"]


def test_portal_format_trailing_comma_quotes_thousands_and_missing(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_2025-11.csv", ZH_HEADER, ROWS, encoding="gb18030", trailing_comma=True, quote_all=True)
    table = read(warehouse, "exports/gacc_2025-11.csv")
    rows = table.to_pylist()
    assert [r["quantity"] for r in rows] == [Decimal("582000"), Decimal("1200")]
    assert [r["value_usd"] for r in rows] == [Decimal("5848714"), None]  # '?' is missing, not zero
    assert [r["month"] for r in rows] == [date(2025, 11, 1)] * 2
    assert [r["row_number"] for r in rows] == [1, 2]
    assert rows[0]["hs_code"] == "85051110" and rows[0]["partner_code"] == "502" and rows[0]["unit"] == "千克"
    assert rows[0]["value_cny"] is None and rows[0]["regime_code"] is None


def test_the_real_gb18030_code_list_decodes_like_pythons_codec() -> None:
    # The portal's own code list: GB18030, quoted header, trailing comma on every line.
    raw = (REFERENCE / "zh-hs8-2023.csv").read_bytes()
    from orchestration.gacc.encoding import detect_encoding

    assert detect_encoding(REFERENCE / "zh-hs8-2023.csv") == "gb18030"
    assert "稀土的永磁铁" in raw.decode("gb18030")


def test_english_headers_in_any_order_and_subset(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    header = ["Unit", "Quantity", "Trading partner code", "Commodity code", "Date of data"]
    write_csv("imports/2025/gacc_imports_2025-10.csv", header, [["Kilogram", "1,000", "106", "28469019", "202510"]])
    [row] = read(warehouse, "imports/2025/gacc_imports_2025-10.csv").to_pylist()
    assert (row["hs_code"], row["partner_code"], row["quantity"], row["unit"]) == ("28469019", "106", 1000, "Kilogram")
    assert row["commodity_name"] is None and row["value_usd"] is None


def test_supplementary_quantity_misspelt_by_the_portal_and_regime_province(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    header = [
        *EN_HEADER[:5],
        "Customs Regime code",
        "Customs Regime",
        "Locations of importers and exporters code",
        "Locations of importers and exporters",
        "Quantity",
        "Unit",
        "Supplimentary Quantity",
        "Supplimentary Unit",
        "Renminbi Yuan",
    ]
    row = [
        "202511",
        "85051110",
        "Magnets",
        "502",
        "United States",
        "10",
        "Ordinary Trade",
        "36",
        "Jiangxi",
        "5,000",
        "Kilogram",
        "7",
        "Piece",
        "1,234,567.5",
    ]
    write_csv("exports/gacc_2025-11.csv", header, [row])
    gacc = open_gacc_file(warehouse.landing / "exports/gacc_2025-11.csv")
    assert gacc.header.currencies == ("CNY",)
    [out] = read(warehouse, "exports/gacc_2025-11.csv").to_pylist()
    assert (out["regime_code"], out["province_code"], out["province_name"]) == ("10", "36", "Jiangxi")
    assert (out["quantity_2"], out["unit_2"], out["value_cny"]) == (7, "Piece", Decimal("1234567.5"))


def test_month_from_file_name_when_there_is_no_month_column(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_exports_202503.csv", ZH_HEADER[1:], [r[1:] for r in ROWS], encoding="gb18030")
    table = read(warehouse, "exports/gacc_exports_202503.csv")
    assert set(table.column("month").to_pylist()) == {date(2025, 3, 1)}
    assert set(table.column("period_months").to_pylist()) == {1}


def test_jan_feb_combined_file_is_one_period_of_two_months(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_exports_2025-01-02.csv", ZH_HEADER[1:], [r[1:] for r in ROWS])
    table = read(warehouse, "exports/gacc_exports_2025-01-02.csv")
    assert set(table.column("month").to_pylist()) == {date(2025, 1, 1)}
    assert set(table.column("period_months").to_pylist()) == {2}
    assert open_gacc_file(warehouse.landing / "exports/gacc_exports_2025-01-02.csv").months() == [
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


def test_one_file_may_hold_many_months(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    rows = [["202509", *ROWS[0][1:]], ["202510", *ROWS[0][1:]], ["2025-11", *ROWS[0][1:]]]
    write_csv("出口/稀土出口.csv", ZH_HEADER, rows)
    gacc = open_gacc_file(warehouse.landing / "出口/稀土出口.csv", relative_path=PurePath("出口/稀土出口.csv"))
    assert gacc.flow == "export"
    assert gacc.months() == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]


@pytest.mark.parametrize(
    ("name", "flow"),
    [
        ("exports/2025/a_2025-11.csv", "export"),
        ("import/a_2025-11.csv", "import"),
        ("2025/imports_rare_earth_2025-11.csv", "import"),
        ("进口/稀土_2025-11.csv", "import"),
        ("data/稀土出口_2025-11.csv", "export"),
    ],
)
def test_flow_comes_from_the_path(warehouse: Warehouse, write_csv: WriteCsv, name: str, flow: str) -> None:
    write_csv(name, ZH_HEADER, ROWS)
    assert open_gacc_file(warehouse.landing / name, relative_path=PurePath(name)).flow == flow


def test_xlsx_first_sheet_with_numeric_codes(warehouse: Warehouse) -> None:
    path = warehouse.landing / "exports" / "gacc_exports_2025-08.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Commodity code", "Trading partner code", "Date of data", "Quantity", "Unit", "US dollar"])
    sheet.append([85051110, 502, 202508, 590000, "Kilogram", 31_000_000.0])
    sheet.append(["01012100", "110", "202508", "12", "Kilogram", None])  # codes typed as text keep their zeros
    workbook.create_sheet("notes").append(["ignored"])
    workbook.save(path)
    gacc = open_gacc_file(path, relative_path=PurePath("exports/gacc_exports_2025-08.xlsx"))
    assert gacc.encoding == "xlsx"
    rows = read_gacc_file(path, relative_path=PurePath("exports/gacc_exports_2025-08.xlsx")).to_pylist()
    assert [(r["hs_code"], r["partner_code"], r["quantity"], r["value_usd"]) for r in rows] == [
        ("85051110", "502", 590000, 31_000_000),
        ("01012100", "110", 12, None),
    ]


def test_gb18030_is_exact_across_many_block_boundaries(warehouse: Warehouse, tmp_path: Path) -> None:
    # Small blocks force thousands of boundaries through multi-byte characters, including the
    # four-byte GB18030 ones (𠀀, 㐀) that GBK lacks.
    names = ["稀土永磁𠀀体", "镧铈㐀合金", "€ 欧元区", "ÅÄÖ", "钕铁硼"]
    rows = [
        ["202511", f"{28460000 + i % 97:08d}", names[i % 5] * (1 + i % 7), "304", "德国", str(i), "千克", "1"]
        for i in range(20_000)
    ]
    from conftest import render_csv

    text = render_csv(ZH_HEADER, rows, trailing_comma=True)
    path = warehouse.landing / "exports" / "big_2025-11.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("gb18030"))
    gacc = open_gacc_file(path, relative_path=PurePath("exports/big_2025-11.csv"), block_size=4093)
    decoded = [name for batch in gacc.batches() for name in batch.column("commodity_name").to_pylist()]
    assert decoded == [r[2] for r in rows]
    assert codecs.decode(path.read_bytes(), "gb18030") == text


# --- bad input: the message a person reads ------------------------------------------------------


def test_empty_file(warehouse: Warehouse) -> None:
    (warehouse.landing / "exports").mkdir()
    (warehouse.landing / "exports/empty_2025-11.csv").write_bytes(b"")
    assert str(error_of(warehouse, "exports/empty_2025-11.csv")) == (
        "exports/empty_2025-11.csv: the file is empty (0 bytes); download it again"
    )


def test_header_only(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/header_2025-11.csv", ZH_HEADER, [], trailing_comma=True)
    assert "the file has a header but no data rows" in str(error_of(warehouse, "exports/header_2025-11.csv"))


def test_unknown_header_names_the_column_and_what_was_expected(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/odd_2025-11.csv", ["商品编码", "金额", "第一数量"], [["85051110", "1", "2"]])
    err = error_of(warehouse, "exports/odd_2025-11.csv")
    assert err.line == 1 and err.column == "金额"
    assert "header column 2 '金额' is not a GACC column; expected one of: 数据年月 / Date of data" in str(err)


def test_header_without_code_or_amount(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/a_2025-11.csv", ["商品编码", "贸易伙伴编码"], [["85051110", "502"]])
    assert "neither a quantity" in str(error_of(warehouse, "exports/a_2025-11.csv"))
    write_csv("exports/b_2025-11.csv", ["贸易伙伴编码", "第一数量"], [["502", "1"]])
    assert "no commodity code column" in str(error_of(warehouse, "exports/b_2025-11.csv"))


def test_month_column_disagreeing_with_file_name(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    rows = [ROWS[0], ["202510", *ROWS[1][1:]]]
    write_csv("exports/gacc_2025-11.csv", ZH_HEADER, rows, encoding="gb18030")
    err = error_of(warehouse, "exports/gacc_2025-11.csv")
    assert str(err) == (
        "exports/gacc_2025-11.csv, line 3: column 数据年月 / Date of data: the row says '202510' but the file "
        "name says 2025-11; rename the file or download the right month"
    )


def test_text_in_a_number_column(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    rows = [ROWS[0], ROWS[1], [*ROWS[1][:5], "12 tonnes", *ROWS[1][6:]]]
    write_csv("exports/gacc_2025-11.csv", ZH_HEADER, rows)
    err = error_of(warehouse, "exports/gacc_2025-11.csv")
    assert (err.line, err.column) == (4, "quantity")
    assert str(err).endswith("line 4: column 第一数量 / Quantity: expected a number, found '12 tonnes'")


def test_negative_quantity(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc_2025-11.csv", ZH_HEADER, [[*ROWS[0][:5], "-5", *ROWS[0][6:]]])
    assert str(error_of(warehouse, "exports/gacc_2025-11.csv")).endswith(
        "line 2: column 第一数量 / Quantity: expected a non-negative amount, found '-5'"
    )


def test_bad_month_value(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/gacc.csv", ZH_HEADER, [["2025-13", *ROWS[0][1:]]])
    assert "line 2: column 数据年月 / Date of data: expected a month as YYYYMM, found '2025-13'" in str(
        error_of(warehouse, "exports/gacc.csv")
    )


def test_unknown_flow(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("downloads/rare_earth_2025-11.csv", ZH_HEADER, ROWS)
    assert "cannot tell the trade flow: put the file under exports/ or imports/" in str(
        error_of(warehouse, "downloads/rare_earth_2025-11.csv")
    )


def test_no_month_anywhere(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    write_csv("exports/rare_earth.csv", ZH_HEADER[1:], [r[1:] for r in ROWS])
    assert "cannot tell the month" in str(error_of(warehouse, "exports/rare_earth.csv"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("exports/report_2025-11.pdf", b"%PDF-1.4", "expected a .csv or .xlsx file, got '.pdf'"),
        ("exports/data_2025-11.csv", b"PK\x03\x04rest", "a zip or Excel workbook named .csv"),
        ("exports/blob_2025-11.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "the file holds binary data"),
        ("exports/fake_2025-11.xlsx", "商品编码,第一数量\n".encode(), "not a readable .xlsx workbook"),
    ],
)
def test_files_that_are_not_csv_or_xlsx(warehouse: Warehouse, name: str, content: bytes, message: str) -> None:
    path = warehouse.landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert message in str(error_of(warehouse, name))


def test_row_with_the_wrong_number_of_fields(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    path = write_csv("exports/gacc_2025-11.csv", ZH_HEADER, ROWS)
    path.write_bytes(path.read_bytes() + b"202511,85051110,x,502\n")
    err = error_of(warehouse, "exports/gacc_2025-11.csv")
    assert "expected 8 fields like the header, found 4" in str(err)
