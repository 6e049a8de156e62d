"""Bad input: whatever the bytes, reading raises GaccFileError naming the file, the line and what was expected."""

from __future__ import annotations

import codecs
import io
import os
import zipfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath

import openpyxl
import pyarrow as pa
import pytest
from conftest import EN_HEADER, ZH_HEADER, render_csv

from orchestration.gacc import FIRST_MONTH, MAX_AMOUNT, GaccFileError, month_problem, open_gacc_file, read_gacc_file
from orchestration.gacc import reader as reader_module
from orchestration.gacc.months import last_complete_month
from orchestration.warehouse import Warehouse

ROW = ["202511", "85051110", "稀土的永磁铁", "502", "美国", "582,000", "千克", "5,848,714"]
NAME = "exports/gacc_2025-11.csv"
LAST = last_complete_month()


def lines(rows: Sequence[Sequence[str]], header: Sequence[str] = ZH_HEADER) -> list[str]:
    """The file's lines (header first, so list index i is line i + 1), each with its b'\\n'."""
    return render_csv(header, rows).splitlines(keepends=True)


def with_line(text: list[str], line: int, replacement: str) -> list[str]:
    return [replacement if i + 1 == line else t for i, t in enumerate(text)]


def put(warehouse: Warehouse, data: bytes | str, name: str = NAME) -> Path:
    path = warehouse.landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def error_reading(warehouse: Warehouse, name: str = NAME, *, block_size: int | None = None) -> GaccFileError:
    """The error of opening the file and reading all its batches; nothing but GaccFileError may come out."""
    sizes = {} if block_size is None else {"block_size": block_size}
    with pytest.raises(GaccFileError) as caught:
        gacc = open_gacc_file(warehouse.landing / name, relative_path=PurePath(name), **sizes)
        for _ in gacc.batches():
            pass
    return caught.value


def rows_read(warehouse: Warehouse, name: str = NAME) -> list[dict[str, object]]:
    return read_gacc_file(warehouse.landing / name, relative_path=PurePath(name)).to_pylist()


# --- 1. only GaccFileError, the original kept as its cause ------------------------------------------


def test_an_unexpected_failure_is_a_gacc_file_error_with_the_original_as_cause(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(warehouse, "".join(lines([ROW])))

    def broken(*args: object) -> pa.RecordBatch:
        raise OverflowError("a bug in a kernel")

    monkeypatch.setattr(reader_module, "_typed_batch", broken)
    err = error_reading(warehouse)
    assert str(err) == f"{NAME}: cannot read the file (OverflowError: a bug in a kernel)"
    assert isinstance(err.__cause__, OverflowError)
    with pytest.raises(GaccFileError) as caught:
        open_gacc_file(warehouse.landing / NAME, relative_path=PurePath(NAME)).months()
    assert isinstance(caught.value.__cause__, OverflowError)


def test_an_unexpected_failure_while_opening_is_a_gacc_file_error(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(warehouse, "".join(lines([ROW])))

    def broken(*args: object) -> list[str]:
        raise pa.ArrowInvalid("something Arrow did not like")

    monkeypatch.setattr(reader_module, "_csv_header", broken)
    err = error_reading(warehouse)
    assert str(err) == f"{NAME}: cannot read the file (ArrowInvalid: something Arrow did not like)"
    assert isinstance(err.__cause__, pa.ArrowInvalid)


# --- 2. decoding, with the line ---------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [None, 4093])
def test_a_latin1_byte_in_a_gb18030_file_names_its_line(warehouse: Warehouse, block_size: int | None) -> None:
    text = lines([ROW] * 299)
    bad = with_line(text, 294, "202511,85051110,magnets,204,Lomé,1,kg,2\n")
    put(warehouse, b"".join(t.encode("latin-1" if "Lomé" in t else "gb18030") for t in bad))
    err = error_reading(warehouse, block_size=block_size)
    assert (err.line, err.column) == (294, "partner_name")
    assert str(err) == (
        f"{NAME}, line 294: column 贸易伙伴名称 / Trading partner: byte 0xe9 is not valid GB18030 (Latin-1 text?); "
        "save the whole file in one encoding"
    )
    assert isinstance(err.__cause__, UnicodeDecodeError)


def test_a_utf8_line_in_a_gb18030_file_is_called_utf8(warehouse: Warehouse) -> None:
    text = with_line(lines([ROW] * 20), 12, "202511,85051110,磁铁,276,德,1,千克,2\n")
    put(warehouse, b"".join(t.encode("utf-8" if i == 11 else "gb18030") for i, t in enumerate(text)))
    err = error_reading(warehouse)
    assert err.line == 12
    assert "is not valid GB18030 (UTF-8 text?); save the whole file in one encoding" in str(err)


@pytest.mark.parametrize("block_size", [None, 4093])
def test_a_file_that_starts_as_utf8_and_goes_on_in_gb18030(warehouse: Warehouse, block_size: int | None) -> None:
    text = lines([ROW] * 299)
    put(warehouse, "".join(text[:150]).encode() + "".join(text[150:]).encode("gb18030"))
    assert open_gacc_file(warehouse.landing / NAME).encoding == "utf-8"
    err = error_reading(warehouse, block_size=block_size)
    assert (err.line, err.column) == (151, "commodity_name")
    # 稀 is CF A1 in GB18030, which happens to be valid UTF-8 too; 土 (CD C1) is not.
    assert str(err) == (
        f"{NAME}, line 151: column 商品名称 / Commodity: byte 0xcd is not valid UTF-8 although the file starts as "
        "UTF-8 (it goes on in another encoding, e.g. GB18030); save the whole file in one encoding"
    )


def test_a_utf8_file_cut_inside_a_character(warehouse: Warehouse) -> None:
    put(warehouse, "".join(lines([ROW] * 3)).encode()[:-1] + "稀".encode()[:2])
    err = error_reading(warehouse)
    assert (err.line, err.column) == (4, "value_usd")
    assert str(err) == (
        f"{NAME}, line 4: column 美元 / US dollar: the file ends inside a character (byte 0xe7): it was cut short; "
        "download it again"
    )


def test_a_gb18030_file_cut_inside_a_character(warehouse: Warehouse) -> None:
    put(warehouse, "".join(lines([ROW] * 3)).encode("gb18030")[:-1] + "稀".encode("gb18030")[:1])
    err = error_reading(warehouse)
    assert err.line == 4 and "the file ends inside a character (byte 0xcf): it was cut short" in str(err)


def test_a_utf8_bom_is_not_text(warehouse: Warehouse) -> None:
    put(warehouse, codecs.BOM_UTF8 + "".join(lines([ROW])).encode())
    [row] = rows_read(warehouse)
    assert row["month"] == date(2025, 11, 1)


# --- 4. control characters -------------------------------------------------------------------------


def test_a_nul_byte_names_its_line_and_column(warehouse: Warehouse) -> None:
    text = with_line(lines([ROW] * 9), 7, "202511,85051110,稀土的永磁铁,502,美\x00国,582,千克,1\n")
    put(warehouse, "".join(text).encode("gb18030"))
    err = error_reading(warehouse)
    assert (err.line, err.column) == (7, "partner_name")
    assert str(err) == f"{NAME}, line 7: column 贸易伙伴名称 / Trading partner: control character U+0000 in text"


def test_a_control_character_far_into_a_file_read_in_small_blocks(warehouse: Warehouse) -> None:
    text = with_line(lines([ROW] * 2999), 2500, "202511,85051110,\x1b[31m稀土,502,美国,582,千克,1\n")
    put(warehouse, "".join(text).encode("gb18030"))
    err = error_reading(warehouse, block_size=4093)
    assert (err.line, err.column) == (2500, "commodity_name")
    assert str(err).endswith("line 2500: column 商品名称 / Commodity: control character U+001B in text")


def test_a_control_character_in_a_quoted_field_across_lines_has_no_column(warehouse: Warehouse) -> None:
    text = [*lines([ROW]), '202511,85051110,"稀土\n', '永磁\x07铁",502,美国,582,千克,1\n']
    put(warehouse, "".join(text))
    err = error_reading(warehouse)
    assert (err.line, err.column) == (4, None)
    assert str(err) == f"{NAME}, line 4: control character U+0007 in text"


def test_a_control_character_in_the_header(warehouse: Warehouse) -> None:
    put(warehouse, "".join(with_line(lines([ROW]), 1, ",".join(ZH_HEADER).replace("美元", "美元\x0c") + "\n")))
    err = error_reading(warehouse)
    assert str(err) == f"{NAME}, line 1: column 8: control character U+000C in text"


# --- 5. line endings -------------------------------------------------------------------------------


def test_lines_ending_with_cr_only(warehouse: Warehouse) -> None:
    put(warehouse, "".join(lines([ROW] * 3)).replace("\n", "\r"))
    err = error_reading(warehouse)
    assert err.line == 1
    assert str(err) == (
        f"{NAME}, line 1: lines end with CR only (old Mac format); save the file with LF or CRLF line endings"
    )


def test_mixed_crlf_and_lf_line_endings_load(warehouse: Warehouse) -> None:
    rows = [[*ROW[:5], str(i), *ROW[6:]] for i in range(1, 7)]
    text = lines(rows)
    put(warehouse, "".join(t.replace("\n", "\r\n") if i % 2 else t for i, t in enumerate(text)).encode("gb18030"))
    read = rows_read(warehouse)
    assert [r["quantity"] for r in read] == [Decimal(i) for i in range(1, 7)]
    assert {r["value_usd"] for r in read} == {Decimal(5848714)}  # the last column holds no CR
    assert {r["partner_name"] for r in read} == {"美国"}


def test_a_line_far_too_long_to_be_a_gacc_line(warehouse: Warehouse) -> None:
    put(warehouse, "".join([*lines([ROW]), "x" * 10_000, "\n"]))
    err = error_reading(warehouse, block_size=4096)
    assert str(err) == (
        f"{NAME}, line 3: no line break in 4,096 bytes: a GACC line is a few hundred bytes; is this a CSV file?"
    )


def test_a_row_with_too_few_fields_names_its_line(warehouse: Warehouse) -> None:
    text = [*lines([ROW] * 50), "202511,85051110,x,502\n", *lines([ROW] * 50)[1:]]
    put(warehouse, "".join(text))
    err = error_reading(warehouse)
    assert err.line == 52
    assert str(err) == f"{NAME}, line 52: expected 8 fields like the header, found 4: '202511,85051110,x,502'"


# --- 6. numbers ------------------------------------------------------------------------------------


def quantity_error(warehouse: Warehouse, value: str, *, block_size: int | None = None) -> GaccFileError:
    """The error for `value` as the quantity on line 294 of a 300-line file."""
    text = lines([ROW] * 299)
    put(warehouse, "".join(with_line(text, 294, lines([[*ROW[:5], value, *ROW[6:]]])[1])))
    return error_reading(warehouse, block_size=block_size)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("582,00", "expected a number with ',' between groups of three digits, found '582,00' (a decimal comma?)"),
        ("1,5", "expected a number with ',' between groups of three digits, found '1,5' (a decimal comma?)"),
        ("1,23,456", "expected a number with ',' between groups of three digits, found '1,23,456'"),
        ("1234,567", "expected a number with ',' between groups of three digits, found '1234,567'"),
        ("1,234.567,8", "expected a number, found '1,234.567,8'"),
        ("1e5", "expected a plain decimal number, found '1e5'"),
        ("1.2E+3", "expected a plain decimal number, found '1.2E+3'"),
        ("NaN", "expected a plain decimal number, found 'NaN'"),
        ("nan", "expected a plain decimal number, found 'nan'"),
        ("inf", "expected a plain decimal number, found 'inf'"),
        ("-inf", "expected a plain decimal number, found '-inf'"),
        ("Infinity", "expected a plain decimal number, found 'Infinity'"),
        ("0x1F", "expected a plain decimal number, found '0x1F'"),
        ("+5", "expected a plain decimal number, found '+5'"),
        ("1 000", "expected a plain decimal number, found '1 000'"),
        (".5", "expected a plain decimal number, found '.5'"),
        ("12 tonnes", "expected a number, found '12 tonnes'"),
        ("-5", "expected a non-negative amount, found '-5'"),
        ("1.2345", "expected at most 3 decimals, found '1.2345'"),
        ("1,000,000,000,000", "expected an amount below 1,000,000,000,000, found '1,000,000,000,000'"),
        ("12345678901234567890", "expected an amount below 1,000,000,000,000, found '12345678901234567890'"),
    ],
)
def test_a_bad_amount_names_its_own_line(warehouse: Warehouse, value: str, problem: str) -> None:
    err = quantity_error(warehouse, value)
    assert (err.line, err.column) == (294, "quantity")
    assert str(err) == f"{NAME}, line 294: column 第一数量 / Quantity: {problem}"


@pytest.mark.parametrize("value", ["1.2345", "1,000,000,000,000", "-5", "1e5"])
def test_a_bad_amount_in_a_later_batch_names_its_own_line(warehouse: Warehouse, value: str) -> None:
    assert quantity_error(warehouse, value, block_size=4093).line == 294


def test_the_first_bad_amount_is_reported_whichever_check_finds_it(warehouse: Warehouse) -> None:
    # Line 100 is too large but casts; line 200 does not cast at all: line 100 comes first.
    text = lines([ROW] * 299)
    text = with_line(text, 100, lines([[*ROW[:5], "5,000,000,000,000", *ROW[6:]]])[1])
    text = with_line(text, 200, lines([[*ROW[:5], "1.23456", *ROW[6:]]])[1])
    put(warehouse, "".join(text))
    err = error_reading(warehouse)
    assert err.line == 100 and "expected an amount below 1,000,000,000,000" in str(err)


def test_a_bad_line_comes_before_an_undecodable_byte_further_on(warehouse: Warehouse) -> None:
    text = with_line(lines([ROW] * 2999), 10, lines([[*ROW[:5], "n/a", *ROW[6:]]])[1])
    put(warehouse, "".join(text[:2500]).encode("gb18030") + b"\xff" + "".join(text[2500:]).encode("gb18030"))
    err = error_reading(warehouse, block_size=4093)
    assert err.line == 10 and "expected a number, found 'n/a'" in str(err)


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("5,848,714", Decimal("5848714")),
        ("582,000", Decimal("582000")),
        ("1,234.5", Decimal("1234.5")),
        ("999,999,999,999.999", Decimal("999999999999.999")),
        ("0.500", Decimal("0.5")),
        ("1.2300", Decimal("1.23")),  # zeros past the third decimal lose nothing
        ("  7 ", Decimal("7")),
    ],
)
def test_amounts_that_read(warehouse: Warehouse, value: str, amount: Decimal) -> None:
    put(warehouse, "".join(lines([[*ROW[:5], value, *ROW[6:]]])))
    [row] = rows_read(warehouse)
    assert row["quantity"] == amount


def test_max_amount_stays_far_below_what_the_marts_hold() -> None:
    assert Decimal(MAX_AMOUNT) * 1000 < Decimal(10) ** 18  # thousands of lines still fit DECIMAL(18, 3)


# --- 7. months -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "problem"),
    [
        ("190001", "month 1900-01 is before 2015-01, the first month this warehouse covers"),
        ("2014-12", "month 2014-12 is before 2015-01, the first month this warehouse covers"),
        ("209901", f"month 2099-01 is in the future: the latest month customs can have published is {LAST:%Y-%m}"),
    ],
)
def test_a_month_outside_the_warehouse(warehouse: Warehouse, month: str, problem: str) -> None:
    text = lines([ROW] * 299)
    put(warehouse, "".join(with_line(text, 294, lines([[month, *ROW[1:]]])[1])), "exports/gacc.csv")
    err = error_reading(warehouse, "exports/gacc.csv")
    assert (err.line, err.column) == (294, "month")
    assert str(err) == f"exports/gacc.csv, line 294: column 数据年月 / Date of data: {problem}"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("exports/exports_2099-01.csv", "the file name's month 2099-01 is in the future"),
        ("exports/exports_190001.csv", "the file name's month 1900-01 is before 2015-01"),
    ],
)
def test_a_file_name_month_outside_the_warehouse(warehouse: Warehouse, name: str, problem: str) -> None:
    put(warehouse, "".join(lines([ROW[1:]], ZH_HEADER[1:])), name)
    with pytest.raises(GaccFileError) as caught:
        open_gacc_file(warehouse.landing / name, relative_path=PurePath(name))
    assert str(caught.value).startswith(f"{name}: {problem}")


def test_an_empty_month(warehouse: Warehouse) -> None:
    put(warehouse, "".join(with_line(lines([ROW] * 5), 4, lines([["", *ROW[1:]]])[1])), "exports/gacc.csv")
    assert str(error_reading(warehouse, "exports/gacc.csv")) == (
        "exports/gacc.csv, line 4: column 数据年月 / Date of data: expected a month as YYYYMM, found an empty field"
    )


def test_month_problem_covers_first_month_to_the_last_complete_month() -> None:
    today = date(2026, 3, 17)
    assert month_problem(FIRST_MONTH, today) is None
    assert month_problem(date(2026, 2, 1), today) is None
    assert month_problem(date(2026, 3, 1), today) == (
        "month 2026-03 has not ended yet: the latest month customs can have published is 2026-02"
    )
    assert month_problem(date(2027, 4, 1), today) == (
        "month 2027-04 is in the future: the latest month customs can have published is 2026-02"
    )
    assert month_problem(date(2014, 12, 1), today) == (
        "month 2014-12 is before 2015-01, the first month this warehouse covers"
    )


# --- 8. files that are not GACC CSV or XLSX at all -------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("gacc.csv", "数据年月\n")
    return buffer.getvalue()


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(EN_HEADER)
    workbook.active.append(ROW)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("exports/noise_2025-11.csv", bytes(range(256)) * 8, "the file holds binary data"),
        ("exports/zipped_2025-11.csv", _zip(), "the file is a zip or Excel workbook named .csv; name it .xlsx"),
        ("exports/bom16_2025-11.csv", "".join(lines([ROW])).encode("utf-16"), "the file is UTF-16"),
        (
            "exports/utf16_2025-11.csv",
            "".join(lines([ROW], EN_HEADER)).encode("utf-16-le"),
            "the file looks like UTF-16 without a byte-order mark",
        ),
        ("exports/old_2025-11.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "the file is an old Excel .xls"),
        ("exports/page_2025-11.csv", b"\n <!DOCTYPE html><html>Session expired</html>", "the file is a web page"),
        ("exports/empty_2025-11.csv", b"", "the file is empty (0 bytes); download it again"),
        ("exports/empty_2025-11.xlsx", b"", "the file is empty (0 bytes); download it again"),
        ("exports/header_2025-11.csv", "".join(lines([])), "the file has a header but no data rows"),
        ("exports/cut_2025-11.xlsx", _workbook()[:600], "not a readable .xlsx workbook (BadZipFile"),
        ("exports/text_2025-11.xlsx", "".join(lines([ROW])), "not a readable .xlsx workbook (BadZipFile"),
    ],
)
def test_files_that_are_no_gacc_download(warehouse: Warehouse, name: str, content: bytes | str, message: str) -> None:
    put(warehouse, content, name)
    err = error_reading(warehouse, name)
    assert str(err).startswith(f"{name}: {message}")


def test_a_folder_named_like_a_csv(warehouse: Warehouse) -> None:
    (warehouse.landing / NAME).mkdir(parents=True)
    assert str(error_reading(warehouse)) == (
        f"{NAME}: this is a folder, not a file; put the downloads themselves in the landing folder"
    )


def test_a_pipe_named_like_a_csv_is_not_read(warehouse: Warehouse) -> None:
    (warehouse.landing / "exports").mkdir(parents=True)
    os.mkfifo(warehouse.landing / NAME)  # reading it would wait for a writer for ever
    assert str(error_reading(warehouse)) == (
        f"{NAME}: this is not a regular file (a pipe or a device?); expected a downloaded file"
    )


def test_a_workbook_whose_sheet_is_damaged(warehouse: Warehouse) -> None:
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for item in source.infolist():
            data = source.read(item)
            damaged.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    put(warehouse, buffer.getvalue(), "exports/gacc_2025-11.xlsx")
    err = error_reading(warehouse, "exports/gacc_2025-11.xlsx")
    assert str(err).startswith("exports/gacc_2025-11.xlsx: not a readable .xlsx workbook (")
    assert err.__cause__ is not None


# --- 9. headers ------------------------------------------------------------------------------------


def test_a_cyrillic_look_alike_in_a_header_is_named_by_its_code_point(warehouse: Warehouse) -> None:
    look_alike = "\u0421ommodity code"  # a Cyrillic Es where the Latin C belongs
    put(warehouse, "".join(lines([["202511", "85051110", "5"]], ["Date of data", look_alike, "Quantity"])))
    err = error_reading(warehouse)
    assert (err.line, err.column) == (1, look_alike)
    assert (
        f"header column 2 {look_alike!r} is not a GACC column (it holds U+0421 CYRILLIC CAPITAL LETTER ES, "
        "neither a Latin letter nor Chinese; type the header again); expected one of: 数据年月 / Date of data"
    ) in str(err)


@pytest.mark.parametrize(
    "code_header",
    [
        "Ｃｏｍｍｏｄｉｔｙ ｃｏｄｅ",  # full-width letters
        "Commodity\u200b code",  # a zero-width space
        "\u200bCommodity\u00a0code\u200d",  # zero-width characters and a no-break space
        "商品编码\u3000",  # an ideographic space
    ],
)
def test_header_variants_that_mean_the_same(warehouse: Warehouse, code_header: str) -> None:
    put(warehouse, "".join(lines([["202511", "85051110", "5"]], ["Date of data", code_header, "Quantity"])))
    [row] = rows_read(warehouse)
    assert (row["hs_code"], row["quantity"]) == ("85051110", 5)
