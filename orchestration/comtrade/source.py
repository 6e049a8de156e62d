"""A Comtrade file's rows as text, each with the line (CSV) or sheet row (XLSX) it came from.

Files are small (a reporter-year is thousands of rows), so a file is read whole: the stdlib csv module and
openpyxl are plenty, and reading everything before typing lets the reader refuse a file without yielding any
of it. Every problem of the bytes themselves (not UTF-8, a damaged workbook) is a ComtradeFileError here.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from orchestration.comtrade.errors import ComtradeFileError
from orchestration.comtrade.header import refuse_gacc_header

NumberedRow = tuple[int, list[str]]

_SIGNATURES = {
    codecs.BOM_UTF16_LE: "the file is UTF-16; save it as UTF-8 CSV",
    codecs.BOM_UTF16_BE: "the file is UTF-16; save it as UTF-8 CSV",
    b"PK\x03\x04": "the file is a zip or Excel workbook named .csv; name it .xlsx",
    b"\xd0\xcf\x11\xe0": "the file is an old Excel .xls workbook; save it as .xlsx or as CSV",
}


@dataclass(frozen=True)
class Rows:
    """A file's header and its data rows as text (blank rows dropped), with where each came from."""

    encoding: str  # 'utf-8', 'utf-8-sig' or 'xlsx'
    header_line: int
    header: list[str]
    rows: list[NumberedRow]


def csv_rows(data: bytes, name: str) -> Rows:
    """The rows of a CSV file of UTF-8 text (with or without BOM, LF or CRLF line ends)."""
    problem = next((p for signature, p in _SIGNATURES.items() if data.startswith(signature)), None)
    if problem is not None:
        raise ComtradeFileError(name, problem)
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        _refuse_portal_customs_file(data, name)
        line = data.count(b"\n", 0, err.start) + 1
        raise ComtradeFileError(
            name,
            f"byte 0x{data[err.start]:02x} is not UTF-8 text (re-saved as Windows-1252 or Latin-1?); "
            "Comtrade downloads are UTF-8: download the file again or save it as UTF-8 CSV",
            line=line,
        ) from err
    if "\x00" in text:
        raise ComtradeFileError(
            name, "the file holds NUL bytes, not CSV text", line=text.count("\n", 0, text.index("\x00")) + 1
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    numbered: list[NumberedRow] = []
    try:
        for fields in reader:
            # A blank line (often the last) holds no row; a line of only commas is a row of empty fields.
            if fields:
                numbered.append((reader.line_num, fields))
    except csv.Error as err:
        raise ComtradeFileError(name, f"cannot read as CSV: {err}", line=reader.line_num) from err
    if not numbered:
        raise ComtradeFileError(name, "the file is empty: no header and no data rows; download it again")
    (header_line, header), *rows = numbered
    return Rows(encoding, header_line, header, rows)


def _refuse_portal_customs_file(data: bytes, name: str) -> None:
    """The customs portal's own GB18030 download dropped here is refused for what it is, not as text that is not
    UTF-8."""
    try:
        first_line = data.split(b"\n", 1)[0].decode("gb18030")
    except UnicodeDecodeError:
        return
    refuse_gacc_header(name, next(csv.reader([first_line]), []))


def xlsx_rows(data: bytes, name: str) -> Rows:
    """The rows of the one sheet of a workbook that holds data; an empty sheet beside it is ignored."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises whatever its zip and XML layers raise for a damaged workbook
        raise ComtradeFileError(name, f"not a readable .xlsx workbook ({type(err).__name__}: {err})") from err
    try:
        sheets = {sheet.title: list(_sheet_rows(sheet)) for sheet in workbook.worksheets}
    except Exception as err:
        raise ComtradeFileError(name, f"not a readable .xlsx workbook ({type(err).__name__}: {err})") from err
    finally:
        workbook.close()
    with_data = [title for title, rows in sheets.items() if rows]
    if not with_data:
        raise ComtradeFileError(name, "the workbook is empty: no header and no data rows in any sheet")
    if len(with_data) > 1:
        named = ", ".join(repr(title) for title in with_data)
        raise ComtradeFileError(
            name, f"the workbook has data in {len(with_data)} sheets ({named}); expected one sheet of Comtrade rows"
        )
    (header_line, header), *rows = sheets[with_data[0]]
    # A sheet stores no cell for an empty value: a row whose last values are empty is short, not malformed.
    padded = [(line, fields + [""] * (len(header) - len(fields))) for line, fields in rows]
    return Rows("xlsx", header_line, header, padded)


def _sheet_rows(sheet: object) -> Iterator[NumberedRow]:
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        texts = [cell_text(cell) for cell in cells]
        while texts and not texts[-1]:
            texts.pop()  # a workbook's used range often runs past the last column
        if texts:
            yield number, texts


def cell_text(cell: object) -> str:
    """A workbook cell as the CSV download would write it: Excel stores codes and counts as numbers."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # 850511.0 -> '850511', the code it was
    if isinstance(cell, datetime | date):
        return f"{cell:%Y%m}"
    return str(cell).strip()
