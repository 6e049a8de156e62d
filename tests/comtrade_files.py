"""Comtrade-shaped files for the reader's tests, written the way real downloads (or re-saved copies) are."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path, PurePath

import openpyxl
import pyarrow as pa

from orchestration.comtrade import COMTRADE_COLUMNS, PARTNER_LINE_SCHEMA, ComtradeFileError, open_comtrade_file

# The typical real row of the brief, field by field (US imports of magnets from China, January 2025).
REAL_ROW = (
    '"C","M","20250101","2025","1","202501","842","USA","USA","M","Import","156","CHN","China","0","W00","World",'
    '"H6","HS","false","850511","Permanent magnets...: Of metal","6","true","C00","TOTAL CPC","0","0","TOTAL MOT",'
    '"8","kg","152345","false","-1","N/A","0","false","152345","false","0","false","8234567.12","","8234567.12",'
    '"0","true","false",'
)
HEADER_LINE = ",".join(COMTRADE_COLUMNS)
NAME = "partner/comtrade_USA_2025.csv"


def base_row(**changes: str) -> dict[str, str]:
    """The real row as text by column, with `changes`."""
    fields = REAL_ROW.rstrip(",").removeprefix('"').removesuffix('"').split('","')
    row = dict(zip(COMTRADE_COLUMNS, fields, strict=True))
    unknown = set(changes) - set(row)
    assert not unknown, unknown
    return row | changes


def render(
    rows: Sequence[dict[str, str]],
    *,
    header: Sequence[str] = COMTRADE_COLUMNS,
    trailing_comma: bool = True,
    newline: str = "\n",
) -> str:
    """A download's text: the header bare, every field of a data row quoted, a trailing comma on data rows."""
    end = "," if trailing_comma else ""
    lines = [",".join(header)]
    lines += [",".join('"' + row.get(c, "").replace('"', '""') + '"' for c in header) + end for row in rows]
    return newline.join(lines) + newline


def put(folder: Path, data: bytes | str, name: str = NAME) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def workbook_bytes(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """A workbook with a sheet of each name holding its rows (an empty list: an empty sheet)."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(path: Path, folder: Path | None = None) -> pa.Table:
    """The whole file as one table, opened as the loader opens it (named by its path below `folder`)."""
    relative = PurePath(path.relative_to(folder)) if folder is not None else None
    comtrade = open_comtrade_file(path, relative_path=relative)
    batches = list(comtrade.batches())
    for batch in batches:
        assert batch.schema == PARTNER_LINE_SCHEMA
    return pa.Table.from_batches(batches, schema=PARTNER_LINE_SCHEMA)


def refusal(path: Path, folder: Path) -> ComtradeFileError:
    """The error that opening or reading the file raises (the test fails if it reads)."""
    try:
        read(path, folder)
    except ComtradeFileError as err:
        return err
    raise AssertionError(f"{path} was read without an error")
