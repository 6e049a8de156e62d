"""Reading one UN Comtrade download (CSV or XLSX) into typed Arrow batches in PARTNER_LINE_SCHEMA.

A file is read, checked and typed whole before the first batch is yielded: partner files are small, and a
file with a bad row then yields nothing at all (never half a file). Every problem is a ComtradeFileError
naming the file, the line (CSV line, or sheet row) and the column, and saying what was expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath
from stat import S_ISDIR, S_ISREG
from typing import Protocol

import pyarrow as pa

from orchestration.comtrade.errors import ComtradeFileError
from orchestration.comtrade.header import map_header
from orchestration.comtrade.layout import COMTRADE_COLUMNS, PARTNER_LINE_SCHEMA
from orchestration.comtrade.source import Rows, csv_rows, xlsx_rows
from orchestration.comtrade.values import BadValue, Value, typed_row

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
_BATCH_ROWS = 10_000


class Digest(Protocol):
    """What `ComtradeFile.batches` needs of a hashlib object such as hashlib.sha256()."""

    def update(self, data: bytes | memoryview, /) -> None: ...


@dataclass(frozen=True)
class ComtradeFile:
    """A Comtrade download whose format, encoding and header have been checked; rows not yet read."""

    path: Path
    name: str  # how errors name the file: its path below the landing folder
    format: str  # 'csv' or 'xlsx'
    encoding: str  # 'utf-8', 'utf-8-sig' or 'xlsx'

    def batches(self, digest: Digest | None = None) -> Iterator[pa.RecordBatch]:
        """Typed batches in PARTNER_LINE_SCHEMA; raises ComtradeFileError at the first bad row, before any batch.

        `digest` (a hashlib object such as sha256()) is fed every byte read from the file, once and in order:
        after the last batch it is the hash of exactly what was read, even if the file changed since it was opened.
        """
        data = _read_bytes(self.path, self.name)
        if digest is not None:
            digest.update(data)
        table = _typed_table(self, _rows(self.format, data, self.name))
        yield from table.to_batches(max_chunksize=_BATCH_ROWS)

    def months(self) -> list[date]:
        """The distinct months of the file's rows, in order."""
        found: set[date] = set()
        for batch in self.batches():
            found.update(batch.column("month").to_pylist())
        return sorted(found)


def open_comtrade_file(path: Path, *, relative_path: PurePath | None = None) -> ComtradeFile:
    """Check what can be checked before typing rows: that it is a file, its format, encoding and header.

    `relative_path` (the path below the landing folder) is how messages name the file.
    """
    shown = str(relative_path or path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ComtradeFileError(
            shown, f"not a Comtrade download: expected a .csv or .xlsx file, got {path.suffix or 'no extension'!r}"
        )
    try:
        status = path.stat()
    except OSError as err:
        raise ComtradeFileError(shown, f"cannot read the file ({type(err).__name__}: {err})") from err
    if S_ISDIR(status.st_mode):
        raise ComtradeFileError(shown, "this is a folder, not a file; put the downloads themselves in partner/")
    if not S_ISREG(status.st_mode):
        raise ComtradeFileError(shown, "this is not a regular file (a pipe or a device?); expected a downloaded file")
    if status.st_size == 0:
        raise ComtradeFileError(shown, "the file is empty (0 bytes): no header and no data rows; download it again")
    file_format = suffix.removeprefix(".")
    # Files are small: the whole of it is decoded here, so a non-UTF-8 file is refused before any row is read.
    rows = _rows(file_format, _read_bytes(path, shown), shown)
    return ComtradeFile(path, shown, file_format, rows.encoding)


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:  # gone or unreadable since it was listed: the file's problem, said with its name
        raise ComtradeFileError(name, f"cannot read the file ({type(err).__name__}: {err})") from err


def _rows(file_format: str, data: bytes, name: str) -> Rows:
    """The file's text rows with its header checked; refuses a file with a header and no data rows."""
    rows = xlsx_rows(data, name) if file_format == "xlsx" else csv_rows(data, name)
    map_header(name, rows.header, rows.header_line)
    if not rows.rows:
        raise ComtradeFileError(name, "the file has a header but no data rows", line=rows.header_line)
    return rows


def _typed_table(comtrade: ComtradeFile, rows: Rows) -> pa.Table:
    positions = map_header(comtrade.name, rows.header, rows.header_line)
    width = len(positions)
    columns: dict[str, list[Value]] = {name: [] for name in PARTNER_LINE_SCHEMA.names}
    for row_number, (line, fields) in enumerate(rows.rows, start=1):
        if len(fields) == width + 1 and not fields[-1].strip():
            fields = fields[:-1]  # the trailing comma of every data row of a real download
        if len(fields) != width:
            raise ComtradeFileError(
                comtrade.name,
                f"expected {width} fields like the header (a trailing comma allowed), found {len(fields)}",
                line=line,
            )
        texts = dict(zip(positions, fields, strict=True))
        if comtrade.format == "xlsx":
            texts["cmdCode"] = _xlsx_code(texts["cmdCode"])
        try:
            values = typed_row(texts)
        except BadValue as err:
            raise ComtradeFileError(comtrade.name, str(err), line=line, column=err.column) from err
        columns["row_number"].append(row_number)
        for name in ("month", *COMTRADE_COLUMNS):
            columns[name].append(values[name])
    return pa.Table.from_pydict(columns, schema=PARTNER_LINE_SCHEMA)


def _xlsx_code(code: str) -> str:
    # HS codes have 2, 4 or 6 digits; one stored as a number lost its leading zero ('30211' was '030211').
    return "0" + code if code.isdigit() and len(code) % 2 else code
