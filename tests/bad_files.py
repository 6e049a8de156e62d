"""Kinds of bad file a person drops into the landing folder, and what the reason must say about each."""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

import openpyxl
from conftest import EN_HEADER, ZH_HEADER, render_csv

ROW = ["202511", "85051110", "稀土的永磁铁", "502", "美国", "582,000", "千克", "5,848,714"]
GOOD = [["202512", *ROW[1:]], ["202512", "28053011", "钕", "304", "德国", "1,200", "千克", "?"]]


def csv_text(rows: list[list[str]], header: list[str] = ZH_HEADER) -> str:
    return render_csv(header, rows)


def with_quantity(value: str, line: int = 5, lines: int = 9) -> str:
    """A file of `lines` data rows whose row on physical line `line` has `value` as its quantity."""
    rows = [[*ROW[:3], f"{100 + i}", *ROW[4:]] for i in range(lines)]
    rows[line - 2] = [*rows[line - 2][:5], value, *rows[line - 2][6:]]
    return csv_text(rows)


def with_row(row: list[str], line: int = 4) -> str:
    rows = [[*ROW[:3], f"{100 + i}", *ROW[4:]] for i in range(6)]
    rows[line - 2] = row
    return csv_text(rows)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [EN_HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("exports_2025-11.csv", csv_text([ROW]))
    return buffer.getvalue()


@dataclass(frozen=True)
class BadFile:
    content: bytes
    message: str  # what the reason says after the file name (and line)
    name: str = "exports/bad_2025-11.csv"


TEN_THOUSAND = csv_text([[*ROW[:3], f"{i % 900 + 100}", *ROW[4:]] for i in range(10_000)])

BAD_FILES: dict[str, BadFile] = {
    # size and shape
    "zero_bytes": BadFile(b"", ": the file is empty (0 bytes)"),
    "header_only": BadFile(csv_text([]).encode("gb18030"), ": the file has a header but no data rows"),
    "binary_garbage": BadFile(bytes(range(256)) * 16, ": the file holds binary data"),
    "truncated_mid_row": BadFile(
        (csv_text([ROW, ROW]) + "202511,85051110,稀土").encode("gb18030"), ", line 4: expected 8 fields"
    ),
    "exactly_10000_rows": BadFile(TEN_THOUSAND.encode(), ": exactly 10,000 data rows: probably truncated"),
    # encoding
    "utf16": BadFile(csv_text([ROW]).encode("utf-16"), ": the file is UTF-16"),
    "latin1_mid_file": BadFile(
        csv_text([ROW] * 3).encode("gb18030") + "202511,85051110,aimants,204,Lomé,1,kg,2\n".encode("latin-1"),
        ", line 5: column 贸易伙伴名称 / Trading partner: byte 0xe9 is not valid GB18030 (Latin-1 text?)",
    ),
    "utf8_then_gb18030": BadFile(
        csv_text([ROW] * 3).encode() + "202511,85051110,土,204,多哥,1,千克,2\n".encode("gb18030"),
        ", line 5: column 商品名称 / Commodity: byte 0xcd is not valid UTF-8 although the file starts as UTF-8",
    ),
    "utf8_bom_before_gb18030": BadFile(
        codecs.BOM_UTF8 + csv_text([ROW] * 2).encode("gb18030"),
        "is not valid UTF-8 although the file starts as UTF-8",
    ),
    # header
    "unknown_column": BadFile("商品编码,金额\n85051110,5\n".encode(), ": header column 2 '金额' is not a GACC column"),
    "duplicated_column": BadFile(
        "商品编码,第一数量,第一数量\n85051110,5,6\n".encode(), ": header columns 2 and 3 both mean 'quantity'"
    ),
    "no_code_column": BadFile("第一数量,美元\n5,6\n".encode(), ": header has no commodity code column"),
    "cyrillic_look_alike_header": BadFile(
        csv_text([ROW], [*EN_HEADER[:1], "Сommodity code", *EN_HEADER[2:]]).encode(), "U+0421"
    ),
    # codes
    "six_digit_code": BadFile(
        with_row([*ROW[:1], "850511", *ROW[2:]]).encode(),
        ", line 4: column 商品编码 / Commodity code: expected an 8-digit commodity code, found '850511'",
    ),
    "ten_digit_code": BadFile(
        with_row([*ROW[:1], "8505111000", *ROW[2:]]).encode(), ", line 4: column 商品编码 / Commodity code: expected"
    ),
    "letters_in_code": BadFile(
        with_row([*ROW[:1], "85O51110", *ROW[2:]]).encode(), "expected an 8-digit commodity code, found '85O51110'"
    ),
    # numbers
    "negative_quantity": BadFile(
        with_quantity("-582").encode(), ", line 5: column 第一数量 / Quantity: expected a non-negative"
    ),
    "nan_quantity": BadFile(
        with_quantity("NaN").encode(), ", line 5: column 第一数量 / Quantity: expected a plain decimal"
    ),
    "inf_quantity": BadFile(
        with_quantity("inf").encode(), ", line 5: column 第一数量 / Quantity: expected a plain decimal"
    ),
    "scientific_quantity": BadFile(
        with_quantity("5.82E+5").encode(), "expected a plain decimal number, found '5.82E+5'"
    ),
    "misplaced_separators": BadFile(
        with_quantity("1,23,456").encode(), ", line 5: column 第一数量 / Quantity: expected a number with ','"
    ),
    "decimal_comma": BadFile(with_quantity("582,00").encode(), "found '582,00' (a decimal comma?)"),
    "beyond_the_marts": BadFile(
        with_quantity("1,000,000,000,741.256", line=9).encode(),
        ", line 9: column 第一数量 / Quantity: expected an amount below",
    ),
    "nul_in_text": BadFile(
        with_row([*ROW[:4], "美\x00国", *ROW[5:]]).encode(),
        ", line 4: column 贸易伙伴名称 / Trading partner: control character U+0000",
    ),
    "control_character_in_text": BadFile(
        with_row([*ROW[:2], "\x1b[31m稀土", *ROW[3:]]).encode(), "control character U+001B in text"
    ),
    "cr_only_line_endings": BadFile(
        csv_text([ROW] * 3).replace("\n", "\r").encode(), ", line 1: lines end with CR only"
    ),
    # months
    "month_disagrees_with_name": BadFile(
        with_row(["202510", *ROW[1:]]).encode(), ", line 4: column 数据年月 / Date of data: the row says '202510'"
    ),
    "month_1900": BadFile(
        with_row(["190001", *ROW[1:]]).encode(), "month 1900-01 is before 2015-01", "exports/old.csv"
    ),
    "month_2099": BadFile(with_row(["209901", *ROW[1:]]).encode(), "month 2099-01 is in the future", "exports/far.csv"),
    # not CSV at all
    "zero_byte_xlsx": BadFile(b"", ": the file is empty (0 bytes)", "exports/bad_2025-11.xlsx"),
    "corrupt_xlsx": BadFile(xlsx_bytes([ROW])[:700], ": not a readable .xlsx workbook", "exports/bad_2025-11.xlsx"),
    "zip_renamed_csv": BadFile(_zip(), ": the file is a zip or Excel workbook named .csv"),
}
