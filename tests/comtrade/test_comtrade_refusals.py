"""Broken files are refused whole, with a ComtradeFileError naming the file, the line, the column and what was
expected: one test per kind of breakage."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from comtrade_files import HEADER_LINE, NAME, base_row, put, read, refusal, render, workbook_bytes

from orchestration.comtrade import COMTRADE_COLUMNS, ComtradeFileError, open_comtrade_file
from orchestration.gacc.months import last_complete_month


def refused(tmp_path: Path, data: bytes | str, name: str = NAME) -> ComtradeFileError:
    err = refusal(put(tmp_path, data, name), tmp_path)
    assert err.path == name and str(err).startswith(name)
    return err


def test_a_missing_column_is_named_and_the_layout_expected(tmp_path: Path) -> None:
    header = [c for c in COMTRADE_COLUMNS if c != "netWgt"]
    err = refused(tmp_path, render([base_row()], header=header))
    assert err.line == 1 and err.column == "netWgt"
    assert "lacks 1 column: netWgt" in err.problem and "47-column UN Comtrade layout" in err.problem


def test_an_unknown_column_is_named(tmp_path: Path) -> None:
    header = [*COMTRADE_COLUMNS, "tradeValue"]
    err = refused(tmp_path, render([base_row()], header=header, trailing_comma=False))
    assert err.line == 1 and err.column == "tradeValue"
    assert "header column 48 'tradeValue' is not a Comtrade column" in err.problem
    assert "47-column UN Comtrade layout" in err.problem


def test_a_repeated_column_is_named(tmp_path: Path) -> None:
    header = [*COMTRADE_COLUMNS[:-1], "cmdCode"]
    err = refused(tmp_path, render([base_row()], header=header))
    assert err.column == "cmdCode" and "header columns 21 and 47 are both 'cmdCode'" in err.problem


@pytest.mark.parametrize(
    "header",
    [
        "Date of data,Commodity code,Commodity,Trading partner code,Trading partner,Quantity,Unit,US dollar",
        '"数据年月","商品编码","商品名称","贸易伙伴编码","贸易伙伴名称","第一数量","第一计量单位","美元",',
    ],
)
def test_a_gacc_customs_file_in_the_partner_folder_says_so(tmp_path: Path, header: str) -> None:
    err = refused(tmp_path, f"{header}\n202511,85051110,magnets,502,USA,582000,kg,5848714\n")
    assert err.line == 1
    assert "China Customs (GACC) download, not partner-reported UN Comtrade data" in err.problem
    assert "exports/ or imports/, not partner/" in err.problem


def test_a_row_with_the_wrong_number_of_fields(tmp_path: Path) -> None:
    good = render([base_row(), base_row()])
    short = good.splitlines()[2].rsplit(",", 3)[0]  # the third line loses two fields and its trailing comma
    err = refused(tmp_path, "\n".join([*good.splitlines()[:2], short, ""]))
    assert err.line == 3 and "expected 47 fields like the header (a trailing comma allowed), found 45" in err.problem


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("netWgt", "12,345.6", "expected a number, found '12,345.6'"),
        ("primaryValue", "n/a", "expected a number, found 'n/a'"),
        ("qty", "NaN", "expected a number, found 'NaN'"),
        ("reporterCode", "USA", "expected a whole number, found 'USA'"),
        ("aggrLevel", "6.5", "expected a whole number, found '6.5'"),
        ("isLeaf", "yes", "expected true or false, found 'yes'"),
        ("isReported", "2", "expected true or false, found '2'"),
        ("netWgt", "-12.5", "expected a non-negative amount, found '-12.5'"),
        ("cifvalue", "-8234567.12", "expected a non-negative amount, found '-8234567.12'"),
    ],
)
def test_a_bad_value_names_line_column_and_what_was_expected(
    tmp_path: Path, column: str, text: str, expected: str
) -> None:
    err = refused(tmp_path, render([base_row(), base_row(), base_row(**{column: text})]))
    assert err.line == 4 and err.column == column
    assert err.problem == f"column {column}: {expected}"


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"period": "2025-01"}, "period", "expected a month as YYYYMM, found '2025-01'"),
        ({"period": "202513"}, "period", "expected a month as YYYYMM, found '202513'"),
        ({"period": "2025"}, "period", "expected a month as YYYYMM, found '2025'"),
        ({"refYear": "2024"}, "refYear", "expected 2025, the year of period 202501, found 2024"),
        ({"refMonth": "2"}, "refMonth", "expected 1, the month of period 202501, found 2"),
        ({"refPeriodId": "20250201"}, "refPeriodId", "expected 20250101, the first day of period 202501"),
        ({"period": "", "refYear": "", "refMonth": ""}, "period", "found an empty field"),
    ],
)
def test_a_period_that_is_not_yyyymm_or_disagrees(
    tmp_path: Path, changes: dict[str, str], column: str, expected: str
) -> None:
    err = refused(tmp_path, render([base_row(**changes)]))
    assert err.line == 2 and err.column == column and expected in err.problem


def test_a_future_month(tmp_path: Path) -> None:
    future = last_complete_month().replace(year=last_complete_month().year + 2)
    row = base_row(period=f"{future:%Y%m}", refYear=str(future.year), refMonth=str(future.month),
                   refPeriodId=f"{future:%Y%m%d}")  # fmt: skip
    err = refused(tmp_path, render([row]))
    assert err.column == "period" and "is in the future" in err.problem


def test_annual_data_is_refused_because_the_warehouse_compares_months(tmp_path: Path) -> None:
    row = base_row(freqCode="A", period="2024", refMonth="52", refPeriodId="20240101", refYear="2024")
    err = refused(tmp_path, render([row]))
    assert err.line == 2 and err.column == "freqCode"
    assert "expected 'M' (monthly), found 'A' (annual data?)" in err.problem
    assert "the warehouse compares monthly figures" in err.problem


def test_an_empty_file_and_a_header_only_file_have_no_data_rows(tmp_path: Path) -> None:
    assert "no header and no data rows" in refused(tmp_path, b"", "partner/empty.csv").problem
    assert "no header and no data rows" in refused(tmp_path, b"\n\n", "partner/blank.csv").problem
    only_header = refused(tmp_path, HEADER_LINE + "\n", "partner/header.csv")
    assert only_header.problem == "the file has a header but no data rows" and only_header.line == 1
    xlsx = refused(tmp_path, workbook_bytes({"Sheet1": [COMTRADE_COLUMNS], "Sheet2": []}), "partner/header.xlsx")
    assert xlsx.problem == "the file has a header but no data rows"
    nothing = refused(tmp_path, workbook_bytes({"Sheet1": [], "Sheet2": []}), "partner/nothing.xlsx")
    assert "no header and no data rows in any sheet" in nothing.problem


def test_an_unreadable_workbook(tmp_path: Path) -> None:
    err = refused(tmp_path, b"PK\x03\x04 this is no zip", "partner/broken.xlsx")
    assert err.problem.startswith("not a readable .xlsx workbook")
    csv_named = refused(tmp_path, workbook_bytes({"Sheet1": [COMTRADE_COLUMNS]}), "partner/workbook.csv")
    assert "named .csv; name it .xlsx" in csv_named.problem


def test_a_workbook_with_two_sheets_of_data_names_them(tmp_path: Path) -> None:
    rows = [COMTRADE_COLUMNS, list(base_row().values())]
    err = refused(tmp_path, workbook_bytes({"2024": rows, "Notes": [["downloaded from comtrade"]]}), "partner/t.xlsx")
    assert "the workbook has data in 2 sheets ('2024', 'Notes'); expected one sheet" in err.problem


def test_a_bad_value_in_a_workbook_names_its_sheet_row(tmp_path: Path) -> None:
    rows = [COMTRADE_COLUMNS, list(base_row().values()), [], list(base_row(netWgt="-1").values())]
    err = refused(tmp_path, workbook_bytes({"Sheet1": rows}), "partner/t.xlsx")
    assert err.line == 4 and err.column == "netWgt"


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    text = render([base_row(), base_row(partnerDesc="Côte d'Ivoire")])
    err = refused(tmp_path, text.encode("cp1252"))
    assert err.line == 3 and "byte 0xf4 is not UTF-8 text" in err.problem
    utf16 = refused(tmp_path, text.encode("utf-16"), "partner/utf16.csv")
    assert "UTF-16" in utf16.problem


def test_not_a_download_a_folder_or_another_suffix(tmp_path: Path) -> None:
    (tmp_path / "partner" / "folder.csv").mkdir(parents=True)
    with pytest.raises(ComtradeFileError, match="this is a folder"):
        open_comtrade_file(tmp_path / "partner" / "folder.csv")
    with pytest.raises(ComtradeFileError, match=r"expected a \.csv or \.xlsx file, got '\.json'"):
        open_comtrade_file(put(tmp_path, "{}", "partner/x.json"))


def test_a_file_with_a_bad_row_yields_no_batch_at_all(tmp_path: Path) -> None:
    rows = [base_row()] * 25_000 + [base_row(isLeaf="maybe")]  # more rows than one batch holds
    path = put(tmp_path, render(rows))
    batches = open_comtrade_file(path).batches()
    with pytest.raises(ComtradeFileError, match="line 25002: column isLeaf") as err:
        next(batches)
    assert err.value.column == "isLeaf"
    assert read(put(tmp_path, render(rows[:-1]), "partner/good.csv")).num_rows == 25_000


def test_a_file_changed_to_a_broken_one_after_opening_is_refused_when_read(tmp_path: Path) -> None:
    path = put(tmp_path, render([base_row()]))
    comtrade = open_comtrade_file(path)
    path.write_bytes(codecs.BOM_UTF8 + render([base_row(freqCode="A")]).encode())
    with pytest.raises(ComtradeFileError, match="freqCode"):
        list(comtrade.batches())
