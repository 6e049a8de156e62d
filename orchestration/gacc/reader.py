"""Reading one GACC download into typed Arrow batches, streaming, with every rule of the file format.

The reader never holds a file as Python objects: Arrow's CSV reader parses blocks in C++ (Python's own
incremental GB18030 codec feeds it UTF-8), and cleaning runs as Arrow compute kernels on whole
columns. Errors name the file, the line and the column, and say what was expected.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path, PurePath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.gacc.encoding import detect_encoding
from orchestration.gacc.errors import GaccFileError
from orchestration.gacc.headers import NON_NEGATIVE_COLUMNS, NUMBER_COLUMNS, TEXT_COLUMNS, HeaderMap, map_header
from orchestration.gacc.paths import Period, flow_from_path, is_cumulative, period_from_name, release_label

AMOUNT = pa.decimal128(18, 3)

RAW_LINE_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),
        ("month", pa.date32()),
        ("period_months", pa.int8()),
        *((name, pa.string()) for name in TEXT_COLUMNS),
        *((name, AMOUNT) for name in NUMBER_COLUMNS),
    ]
)
"""One customs line as the raw layer stores it (lineage columns are added by the loader)."""

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# Arrow reads ahead by dozens of blocks when cleaning is the slower stage: 1 MB blocks keep a 5-million
# row load near 700 MB peak (8 MB blocks: 1.2 GB) at about the same speed (tests/benchmarks).
_BLOCK_SIZE = 1 << 20
_XLSX_BATCH_ROWS = 50_000
_CLEANING_THREADS = 2
_MISSING = ("", "?")
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_MONTH = r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$"
_COLUMN_LABELS = {
    "month": "数据年月 / Date of data",
    "quantity": "第一数量 / Quantity",
    "quantity_2": "第二数量 / Supplementary Quantity",
    "value_usd": "美元 / US dollar",
    "value_cny": "人民币 / Renminbi Yuan",
}


@dataclass(frozen=True)
class GaccFile:
    """A GACC download whose format, header, flow and month source have been checked; rows not yet read."""

    path: Path
    name: str  # how errors name the file: its path below the landing folder
    flow: str
    encoding: str  # 'gb18030', 'utf-8', 'utf-8-sig' or 'xlsx'
    header: HeaderMap
    name_period: Period | None
    block_size: int = _BLOCK_SIZE
    cumulative: bool = False  # year-to-date values for the month in its rows, not that month's own
    release: str | None = None  # 'flash', 'detailed' or 'revised' when the name says so

    @property
    def has_month_column(self) -> bool:
        return "month" in self.header.columns

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Typed batches in RAW_LINE_SCHEMA; raises GaccFileError at the first bad line."""
        raw = _xlsx_string_batches(self) if self.encoding == "xlsx" else _csv_string_batches(self)
        produced = 0
        for batch in _in_order_ahead(self, raw):
            if batch.num_rows:
                produced += batch.num_rows
                yield batch
        if produced == 0:
            raise GaccFileError(self.name, "the file has a header but no data rows")

    def months(self) -> list[date]:
        """The months the file covers, without typing the other columns (cheap enough for a sensor)."""
        if not self.has_month_column:
            assert self.name_period is not None
            return self.name_period.covered_months()
        month_only = replace(self, header=self.header.only("month"))
        found: set[date] = set()
        for batch in month_only.batches():
            found.update(pc.unique(batch.column("month")).to_pylist())
        return sorted(found)


def _in_order_ahead(gacc: GaccFile, raw: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Type the next batches on a second core while the consumer (DuckDB's insert) takes this one.

    Arrow's kernels release the GIL, so two threads really run in parallel; batches come out in file
    order, so the first bad line in the file is the one reported.
    """
    with ThreadPoolExecutor(max_workers=_CLEANING_THREADS) as pool:
        ahead: deque[Future[pa.RecordBatch]] = deque()
        offset = 0
        try:
            for strings in raw:
                ahead.append(pool.submit(_typed_batch, gacc, strings, offset))
                offset += strings.num_rows
                if len(ahead) > _CLEANING_THREADS:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:
            for future in ahead:
                future.cancel()


def open_gacc_file(path: Path, *, relative_path: PurePath | None = None, block_size: int = _BLOCK_SIZE) -> GaccFile:
    """Check what can be checked before reading rows: format, encoding, header, flow and month source.

    `relative_path` (the path below the landing folder) is where the flow is read from, so that the
    folders above the landing folder cannot lend a file a flow.
    """
    shown = str(relative_path or path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise GaccFileError(
            shown, f"not a GACC download: expected a .csv or .xlsx file, got {path.suffix or 'no extension'!r}"
        )
    flow = flow_from_path(relative_path or path)
    name_period = period_from_name(PurePath(shown))
    if path.suffix.lower() == ".xlsx":
        encoding = "xlsx"
        header_row = _xlsx_header(path, shown)
    else:
        encoding = detect_encoding(path, shown)
        header_row = _csv_header(path, encoding, shown)
    header = map_header(shown, header_row)
    if "month" not in header.columns and name_period is None:
        raise GaccFileError(
            shown, "cannot tell the month: no 数据年月 / Date of data column and no YYYY-MM in the file name"
        )
    named = PurePath(shown)
    return GaccFile(
        path, shown, flow, encoding, header, name_period, block_size, is_cumulative(named), release_label(named)
    )


def read_gacc_file(path: Path, *, relative_path: PurePath | None = None) -> pa.Table:
    """The whole file as one table: for small files and tests; loads stream `open_gacc_file(...).batches()`."""
    gacc = open_gacc_file(path, relative_path=relative_path)
    return pa.Table.from_batches(list(gacc.batches()), schema=RAW_LINE_SCHEMA)


# --- CSV ------------------------------------------------------------------------------------------


def _csv_header(path: Path, encoding: str, shown: str) -> list[str]:
    # '\n' never occurs inside a GB18030 multi-byte character, so the first line can be cut as bytes.
    with path.open("rb") as f:
        first = f.readline(1 << 16)
    try:
        text = first.decode(encoding)
    except UnicodeDecodeError as err:
        raise GaccFileError(shown, f"the header is not valid {encoding}: {err.reason}", line=1) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(field.strip() for field in rows[0]):
        raise GaccFileError(shown, "the first line is empty; expected the header row", line=1)
    return rows[0]


def _csv_string_batches(gacc: GaccFile) -> Iterator[pa.RecordBatch]:
    bad_rows: list[pacsv.InvalidRow] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    width = len(gacc.header.positions)
    names = [f"c{i}" for i in range(width)]
    wanted = [names[i] for i, canonical in enumerate(gacc.header.positions) if canonical is not None]
    reader = pacsv.open_csv(
        gacc.path,
        read_options=pacsv.ReadOptions(
            column_names=names,
            skip_rows=1,
            block_size=gacc.block_size,
            encoding="utf8" if gacc.encoding.startswith("utf-8") else gacc.encoding,
        ),
        # Commodity names in the portal's own lists hold line breaks inside quotes.
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            include_columns=wanted,
            # Missing values become nulls while parsing, in C++: '' and the portal's '?'.
            null_values=list(_MISSING),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    try:
        for batch in reader:
            if bad_rows:
                break
            yield batch.rename_columns([gacc.header.positions[int(n[1:])] for n in batch.schema.names])
    except pa.ArrowInvalid as err:
        raise GaccFileError(gacc.name, f"cannot parse as CSV ({gacc.encoding}): {err}") from None
    if bad_rows:
        row = bad_rows[0]
        line = row.number if row.number is not None else None
        raise GaccFileError(
            gacc.name,
            f"expected {row.expected_columns} fields like the header, found {row.actual_columns}: {row.text[:120]!r}",
            line=line,
        )


# --- XLSX -----------------------------------------------------------------------------------------


def _xlsx_rows(path: Path, shown: str) -> Iterator[tuple[object, ...]]:
    import zipfile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise GaccFileError(shown, f"not a readable .xlsx workbook: {err}") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            if any(cell is not None and str(cell).strip() for cell in row):
                yield row
    finally:
        workbook.close()


def _xlsx_header(path: Path, shown: str) -> list[str]:
    header = next(_xlsx_rows(path, shown), None)
    if header is None:
        raise GaccFileError(shown, "the first sheet is empty; expected a header row")
    while header and header[-1] is None:
        header = header[:-1]
    return ["" if cell is None else str(cell) for cell in header]


def _cell_text(cell: object, canonical: str) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return f"{cell:%Y%m}"
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int) and canonical in {"hs_code", "partner_code"}:
        # Excel turns codes into numbers and drops their leading zeros.
        return str(cell).zfill(8 if canonical == "hs_code" else 3)
    return str(cell)


def _xlsx_string_batches(gacc: GaccFile) -> Iterator[pa.RecordBatch]:
    positions = [(i, c) for i, c in enumerate(gacc.header.positions) if c is not None]
    rows = _xlsx_rows(gacc.path, gacc.name)
    next(rows)  # the header
    buffer: list[tuple[object, ...]] = []

    def flush() -> pa.RecordBatch:
        columns = {
            canonical: pa.array([_cell_text(r[i] if i < len(r) else None, canonical) for r in buffer], pa.string())
            for i, canonical in positions
        }
        buffer.clear()
        return pa.RecordBatch.from_pydict(columns)

    for row in rows:
        buffer.append(row)
        if len(buffer) >= _XLSX_BATCH_ROWS:
            yield flush()
    if buffer:
        yield flush()


# --- cleaning and typing --------------------------------------------------------------------------


def _first_true(mask: pa.Array) -> int | None:
    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index < 0 else index


def _fail(gacc: GaccFile, offset: int, index: int, column: str, problem: str) -> GaccFileError:
    # Data row n (1-based) sits on line n + 1: the header is line 1.
    label = _COLUMN_LABELS.get(column, column)
    return GaccFileError(gacc.name, f"column {label}: {problem}", line=offset + index + 2, column=column)


def _clean_text(values: pa.Array) -> pa.Array:
    # '' and '?' are already null from the CSV parser; an XLSX cell or padded field may still hold them.
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.is_in(trimmed, pa.array(_MISSING)), pa.scalar(None, pa.string()), trimmed)


def _to_amount(text: pa.Array) -> pa.Array | None:
    try:
        return pc.cast(text, AMOUNT)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _clean_number(gacc: GaccFile, values: pa.Array, column: str, offset: int) -> pa.Array:
    # Fast path first: most columns cast as they are. "5,848,714" is a portal amount with thousands
    # separators; only when a cast fails is the column searched for the line to blame.
    text = pc.replace_substring(values, ",", "") if pc.any(pc.match_substring(values, ",")).as_py() else values
    amounts = _to_amount(text)
    if amounts is None:
        text = _clean_text(text)
        amounts = _to_amount(text)
        if amounts is None:
            bad = _first_true(pc.invert(pc.match_substring_regex(text, _NUMBER)))
            if bad is not None:
                raise _fail(gacc, offset, bad, column, f"expected a number, found {values[bad].as_py()!r}")
            decimals = pc.greater(pc.utf8_length(pc.extract_regex(text, r"\.(?P<d>[0-9]*)$").field("d")), 3)
            bad = _first_true(decimals) or 0
            raise _fail(gacc, offset, bad, column, f"expected at most 3 decimals, found {values[bad].as_py()!r}")
    if column in NON_NEGATIVE_COLUMNS:
        negative = _first_true(pc.less(amounts, pa.scalar(0, AMOUNT)))
        if negative is not None:
            raise _fail(
                gacc, offset, negative, column, f"expected a non-negative amount, found {values[negative].as_py()!r}"
            )
    return amounts


def _clean_month(gacc: GaccFile, values: pa.Array, offset: int) -> pa.Array:
    # A file holds a handful of distinct months, most often one: parse each once, then spread it.
    first = values[0]
    if first.is_valid and pc.all(pc.equal(values, first)).as_py():
        encoded = pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(values), dtype=np.int32)), pa.array([first]))
    else:
        encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(distinct), r"[-/.年月]", "")
    valid = pc.fill_null(pc.match_substring_regex(text, _MONTH), False)
    bad = _first_true(pc.invert(pc.take(valid, encoded.indices)))
    if bad is not None or encoded.null_count:
        bad = _first_true(pc.is_null(encoded)) if bad is None else bad
        raise _fail(gacc, offset, bad, "month", f"expected a month as YYYYMM, found {values[bad].as_py()!r}")
    parsed = pc.strptime(pc.binary_join_element_wise(text, "01", ""), format="%Y%m%d", unit="s")
    months = pc.take(pc.cast(parsed, pa.date32()), encoded.indices)
    period = gacc.name_period
    if period is not None:
        allowed = period.covered_months()
        outside = _first_true(pc.invert(pc.is_in(months, pa.array(allowed, pa.date32()))))
        if outside is not None:
            raise _fail(
                gacc,
                offset,
                outside,
                "month",
                f"the row says {values[outside].as_py()!r} but the file name says {period}; "
                "rename the file or download the right month",
            )
    return months


def _typed_batch(gacc: GaccFile, strings: pa.RecordBatch, offset: int) -> pa.RecordBatch:
    n = strings.num_rows
    present = set(strings.schema.names)
    columns: dict[str, pa.Array] = {"row_number": pa.array(np.arange(offset + 1, offset + n + 1, dtype=np.int64))}
    if "month" in present:
        columns["month"] = _clean_month(gacc, strings.column("month"), offset)
        columns["period_months"] = pa.array(np.ones(n, dtype=np.int8))
    else:
        assert gacc.name_period is not None  # open_gacc_file refuses a file with no month source
        columns["month"] = pa.array(np.full(n, np.datetime64(gacc.name_period.month, "D")), pa.date32())
        columns["period_months"] = pa.array(np.full(n, gacc.name_period.months, dtype=np.int8))
    for name in TEXT_COLUMNS:
        columns[name] = _clean_text(strings.column(name)) if name in present else pa.nulls(n, pa.string())
    for name in NUMBER_COLUMNS:
        columns[name] = (
            _clean_number(gacc, strings.column(name), name, offset) if name in present else pa.nulls(n, AMOUNT)
        )
    missing_code = _first_true(pc.is_null(columns["hs_code"]))
    if missing_code is not None and "hs_code" in present:
        raise _fail(gacc, offset, missing_code, "hs_code", "expected a commodity code, found an empty field")
    return pa.RecordBatch.from_pydict(columns, schema=RAW_LINE_SCHEMA)
