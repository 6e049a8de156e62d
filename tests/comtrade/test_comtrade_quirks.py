"""Every quirk of real Comtrade downloads loads: one test per quirk."""

from __future__ import annotations

import codecs
import hashlib
from datetime import date
from pathlib import Path

import pyarrow as pa
from comtrade_files import HEADER_LINE, NAME, REAL_ROW, base_row, put, read, render, workbook_bytes

from orchestration.comtrade import COMTRADE_COLUMNS, PARTNER_LINE_SCHEMA, open_comtrade_file
from orchestration.comtrade.layout import AMOUNT_COLUMNS, BOOLEAN_COLUMNS, INTEGER_COLUMNS, TEXT_COLUMNS


def test_layout_has_the_47_columns_in_order_and_the_schema_types_them() -> None:
    assert len(COMTRADE_COLUMNS) == 47 == len(set(COMTRADE_COLUMNS))
    assert COMTRADE_COLUMNS[:3] == ("typeCode", "freqCode", "refPeriodId")
    assert COMTRADE_COLUMNS[-3:] == ("legacyEstimationFlag", "isReported", "isAggregate")
    assert PARTNER_LINE_SCHEMA.names == ["row_number", "month", *COMTRADE_COLUMNS]
    assert not PARTNER_LINE_SCHEMA.field("row_number").nullable and not PARTNER_LINE_SCHEMA.field("month").nullable
    assert PARTNER_LINE_SCHEMA.field("month").type == pa.date32()
    kinds = {pa.string(): TEXT_COLUMNS, pa.int64(): INTEGER_COLUMNS, pa.float64(): AMOUNT_COLUMNS}
    kinds[pa.bool_()] = BOOLEAN_COLUMNS
    for kind, columns in kinds.items():
        assert {f.name for f in PARTNER_LINE_SCHEMA if f.type == kind} - {"row_number"} == set(columns)
    assert len(TEXT_COLUMNS) == 21 and len(INTEGER_COLUMNS) == 11 and len(AMOUNT_COLUMNS) == 7


def test_the_real_row_loads_unquoted_header_quoted_fields_and_trailing_comma(tmp_path: Path) -> None:
    path = put(tmp_path, f"{HEADER_LINE}\n{REAL_ROW}\n")
    comtrade = open_comtrade_file(path, relative_path=Path(NAME))
    assert (comtrade.name, comtrade.format, comtrade.encoding) == (NAME, "csv", "utf-8")
    row = read(path).to_pylist()[0]
    assert row["row_number"] == 1 and row["month"] == date(2025, 1, 1)
    assert row["refPeriodId"] == 20250101 and row["refYear"] == 2025 and row["refMonth"] == 1
    assert row["reporterCode"] == 842 and row["partnerCode"] == 156 and row["partner2Code"] == 0
    assert row["period"] == "202501" and row["cmdCode"] == "850511" and row["mosCode"] == "0"
    assert row["flowCode"] == "M" and row["partnerISO"] == "CHN" and row["aggrLevel"] == 6
    assert row["qtyUnitCode"] == 8 and row["qtyUnitAbbr"] == "kg" and row["qty"] == 152345.0
    assert row["netWgt"] == 152345.0 and row["cifvalue"] == 8234567.12 and row["primaryValue"] == 8234567.12
    assert row["fobvalue"] is None  # empty on an import row
    assert row["isLeaf"] is True and row["isReported"] is True and row["isAggregate"] is False


def test_booleans_in_every_spelling(tmp_path: Path) -> None:
    spellings = {"true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False}
    spellings |= {"1": True, "0": False, "": None}
    rows = [base_row(isLeaf=text, isReported=text) for text in spellings]
    table = read(put(tmp_path, render(rows)))
    assert table.column("isLeaf").to_pylist() == list(spellings.values())
    assert table.column("isReported").to_pylist() == list(spellings.values())


def test_a_missing_unit_minus_one_or_n_a_is_null(tmp_path: Path) -> None:
    rows = [base_row(qtyUnitCode="-1", qtyUnitAbbr="N/A", qty="0"), base_row(altQtyUnitCode="8", altQtyUnitAbbr="kg")]
    table = read(put(tmp_path, render(rows))).to_pylist()
    assert (table[0]["qtyUnitCode"], table[0]["qtyUnitAbbr"]) == (None, None)
    assert (table[0]["altQtyUnitCode"], table[0]["altQtyUnitAbbr"]) == (None, None)
    assert (table[1]["altQtyUnitCode"], table[1]["altQtyUnitAbbr"]) == (8, "kg")


def test_estimated_net_weight_with_decimals(tmp_path: Path) -> None:
    row = base_row(netWgt="12345.678", isNetWgtEstimated="true", qty="12345.678")
    loaded = read(put(tmp_path, render([row]))).to_pylist()[0]
    assert loaded["netWgt"] == 12345.678 and loaded["qty"] == 12345.678 and loaded["isNetWgtEstimated"] is True


def test_an_export_row_with_empty_cifvalue(tmp_path: Path) -> None:
    row = base_row(flowCode="X", flowDesc="Export", cifvalue="", fobvalue="5000.5", primaryValue="5000.5")
    loaded = read(put(tmp_path, render([row]))).to_pylist()[0]
    assert (loaded["flowCode"], loaded["cifvalue"], loaded["fobvalue"]) == ("X", None, 5000.5)


def test_an_empty_field_is_null_in_every_column(tmp_path: Path) -> None:
    keep = {"freqCode": "M", "period": "202501"}  # what a row cannot do without
    row = {c: keep.get(c, "") for c in COMTRADE_COLUMNS}
    loaded = read(put(tmp_path, render([row]))).to_pylist()[0]
    assert loaded["month"] == date(2025, 1, 1)
    assert all(loaded[c] is None for c in COMTRADE_COLUMNS if c not in keep)


def test_codes_keep_their_leading_zeros(tmp_path: Path) -> None:
    loaded = read(put(tmp_path, render([base_row(cmdCode="030211", customsCode="C00")]))).to_pylist()[0]
    assert loaded["cmdCode"] == "030211"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = put(tmp_path, codecs.BOM_UTF8 + render([base_row(partnerDesc="Côte d'Ivoire")]).encode("utf-8"))
    assert open_comtrade_file(path).encoding == "utf-8-sig"
    assert read(path).column("partnerDesc").to_pylist() == ["Côte d'Ivoire"]


def test_crlf_line_ends_with_and_without_bom(tmp_path: Path) -> None:
    text = render([base_row(), base_row(cmdCode="2846")], newline="\r\n")
    for name, data in (("crlf.csv", text.encode()), ("bom-crlf.csv", codecs.BOM_UTF8 + text.encode())):
        table = read(put(tmp_path, data, name))
        assert table.column("cmdCode").to_pylist() == ["850511", "2846"]
        assert table.column("isAggregate").to_pylist() == [False, False]


def test_rows_without_trailing_comma_a_header_with_one_and_a_last_blank_line(tmp_path: Path) -> None:
    plain = render([base_row()], trailing_comma=False) + "\n"
    assert read(put(tmp_path, plain, "plain.csv")).num_rows == 1
    header_comma = plain.replace(HEADER_LINE, HEADER_LINE + ",", 1)
    assert read(put(tmp_path, header_comma, "header-comma.csv")).num_rows == 1


def test_columns_are_matched_by_name_whatever_their_order(tmp_path: Path) -> None:
    shuffled = list(reversed(COMTRADE_COLUMNS))
    table = read(put(tmp_path, render([base_row()], header=shuffled)))
    assert table.column("cmdCode").to_pylist() == ["850511"] and table.column("reporterCode").to_pylist() == [842]


def test_row_numbers_months_and_batches(tmp_path: Path) -> None:
    rows = [base_row(period=f"2024{m:02d}", refMonth=str(m), refYear="2024", refPeriodId=f"2024{m:02d}01")
            for m in (3, 1, 3, 2)]  # fmt: skip
    path = put(tmp_path, render(rows))
    table = read(path)
    assert table.column("row_number").to_pylist() == [1, 2, 3, 4]
    assert open_comtrade_file(path).months() == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def test_the_digest_is_fed_every_byte_once_in_order(tmp_path: Path) -> None:
    csv_path = put(tmp_path, render([base_row()] * 3), "a.csv")
    xlsx_path = put(tmp_path, workbook_bytes({"Sheet1": [COMTRADE_COLUMNS, list(base_row().values())]}), "b.xlsx")
    for path in (csv_path, xlsx_path):
        digest = hashlib.sha256()
        list(open_comtrade_file(path).batches(digest))
        assert digest.hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_xlsx_with_an_empty_second_sheet_numbers_and_booleans_as_cells(tmp_path: Path) -> None:
    row: list[object] = list(base_row().values())
    typed = dict(zip(COMTRADE_COLUMNS, row, strict=True))
    typed |= {"cmdCode": 850511.0, "refYear": 2025.0, "refMonth": 1, "period": 202501, "reporterCode": 842}
    typed |= {"isLeaf": True, "isReported": True, "isAggregate": False, "netWgt": 12345.678, "cifvalue": 8234567.12}
    typed |= {"fobvalue": None, "qtyUnitCode": -1, "qtyUnitAbbr": "N/A"}
    leading_zero = typed | {"cmdCode": 30211}  # a code Excel stored as a number lost its leading zero
    data = workbook_bytes({"Data": [COMTRADE_COLUMNS, list(typed.values()), list(leading_zero.values())], "Sheet2": []})
    path = put(tmp_path, data, "partner/comtrade_JPN_2025.xlsx")
    comtrade = open_comtrade_file(path)
    assert (comtrade.format, comtrade.encoding) == ("xlsx", "xlsx")
    loaded = read(path).to_pylist()
    assert [r["cmdCode"] for r in loaded] == ["850511", "030211"]
    first = loaded[0]
    assert first["refYear"] == 2025 and first["period"] == "202501" and first["month"] == date(2025, 1, 1)
    assert first["isLeaf"] is True and first["isAggregate"] is False and first["isOriginalClassification"] is False
    assert first["netWgt"] == 12345.678 and first["fobvalue"] is None and first["qtyUnitCode"] is None
    assert first["qtyUnitAbbr"] is None


def test_xlsx_rows_whose_last_cells_are_empty(tmp_path: Path) -> None:
    row = [*list(base_row().values())[:-3], None, None, None]  # legacyEstimationFlag, isReported, isAggregate
    path = put(tmp_path, workbook_bytes({"Sheet1": [COMTRADE_COLUMNS, row]}), "partner/short.xlsx")
    loaded = read(path).to_pylist()[0]
    assert (loaded["legacyEstimationFlag"], loaded["isReported"], loaded["isAggregate"]) == (None, None, None)
