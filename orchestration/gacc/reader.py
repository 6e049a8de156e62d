"""Reading one GACC download into typed Arrow batches, streaming, with every rule of the file format.

The reader never holds a file as Python objects: Arrow's CSV reader parses blocks in C++ (fed by
`TextStream`, which checks the file chunk by chunk), and cleaning runs as Arrow compute kernels and
numpy on whole columns. A GB18030 file is parsed as it is, into binary columns that cleaning decodes
(`gb18030_column`). Every problem, expected or not, is a GaccFileError: it names the file, the line and
the column, and says what was expected.
"""

from __future__ import annotations

import csv
import functools
import io
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePath
from stat import S_ISDIR, S_ISREG
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.gacc.decoding import (
    Digest,
    NotGB18030,
    Pace,
    TextStream,
    gb18030_column,
    gb18030_values_decode,
    line_chunks,
    value_buffers,
)
from orchestration.gacc.encoding import detect_encoding
from orchestration.gacc.errors import GaccFileError
from orchestration.gacc.headers import (
    NON_NEGATIVE_COLUMNS,
    NUMBER_COLUMNS,
    TEXT_COLUMNS,
    HeaderMap,
    column_label,
    map_header,
)
from orchestration.gacc.months import month_problem
from orchestration.gacc.paths import Period, flow_from_path, is_cumulative, period_from_name, release_label

AMOUNT = pa.decimal128(18, 3)
MAX_AMOUNT = 10**12
"""Amounts from here up are refused. The marts sum lines into DECIMAL(18, 6) tonnes and DECIMAL(18, 3) values,
which hold less than 10**12 and 10**15: one line must stay far below that for thousands to sum safely, and a
line of a trillion is a typo or a wrong unit (all of China's exports are about 3.5 * 10**12 USD a year)."""

RAW_LINE_SCHEMA = pa.schema(
    [
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("month", pa.date32(), nullable=False),
        pa.field("period_months", pa.int8(), nullable=False),
        *(pa.field(name, pa.string(), nullable=name != "hs_code") for name in TEXT_COLUMNS),
        *(pa.field(name, AMOUNT) for name in NUMBER_COLUMNS),
    ]
)
"""One customs line as the raw layer stores it: the raw table is built from this schema (the loader adds
lineage columns), so a new column here is a new raw column."""

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# Every batch costs a hundred kernel and numpy calls whatever its size: 4 MB blocks (about 25,000 rows) take
# a fifth less CPU than 1 MB ones. `Pace` and _AHEAD bound what is read and typed ahead of the consumer,
# so a 5-million-row load peaks near 800 MB (tests/benchmarks/bench_ingest.py reports it).
_BLOCK_SIZE = 4 << 20
_XLSX_BATCH_ROWS = 50_000
_CLEANING_THREADS = 2
_AHEAD = 3  # batches parsed and being typed ahead of the consumer
# GB18030 is parsed as it is and decoded per column; False transcodes every byte first (the reference way,
# which tests compare with).
_PARSE_GB18030 = True
_HEADER_LIMIT = 1 << 16
_HS_CODE = r"^[0-9]{8}$"
_MISSING = ("", "?")
# A plain decimal, with ',' only between groups of three digits ("5,848,714", the portal's style).
_AMOUNT_TEXT = r"^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$"
# For messages only: a number with misplaced separators, one with a decimal comma ("582,00"), and
# notations other than plain decimals that float() does not take (hexadecimal, digits spaced "1 000").
_GROUPED = re.compile(r"-?[0-9,]+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})")
_OTHER_NOTATION = re.compile(r"[+-]?(?:0x[0-9a-f]+|[0-9]+(?: [0-9]+)+(?:\.[0-9]+)?)", re.IGNORECASE)
_MONTH = r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$"


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

    def batches(self, digest: Digest | None = None) -> Iterator[pa.RecordBatch]:
        """Typed batches in RAW_LINE_SCHEMA; raises GaccFileError at the first bad line.

        `digest` (a hashlib object such as sha256()) is fed every byte this pass reads from the file, once
        and in file order: after the last batch it is the hash of exactly what was read, even when the file
        changed after it was opened or hashed.
        """
        with _reading(self.name):
            read = _xlsx_string_batches if self.encoding == "xlsx" else _csv_string_batches
            produced = 0
            pace = Pace()
            try:
                for batch in _in_order_ahead(self, read(self, digest, pace), pace):
                    if batch.num_rows:
                        produced += batch.num_rows
                        yield batch
            except GaccFileError:
                if read is _csv_string_batches and self.encoding == "gb18030" and _PARSE_GB18030:
                    self._fail_as_transcoded()
                raise
            if produced == 0:
                raise GaccFileError(self.name, "the file has a header but no data rows")

    def _fail_as_transcoded(self) -> None:
        """Read a GB18030 file that failed again, transcoding it first, and raise what that reading raises.

        Parsed as it is, a file is cut into other blocks and its malformed rows come with no text (Arrow
        gives a row's text to Python as UTF-8). The reference reading says which problem comes first, on
        which line, in the same words for every block size; its batches are thrown away.
        """
        for _ in _in_order_ahead(self, _transcoded_batches(self, None)):
            pass

    def months(self) -> list[date]:
        """The months the file covers, without typing the other columns (cheap enough for a sensor)."""
        if not self.has_month_column:
            assert self.name_period is not None
            return self.name_period.covered_months()
        month_only = replace(self, header=self.header.only("month"))
        found: set[date] = set()
        with _reading(self.name):
            for batch in month_only.batches():
                found.update(pc.unique(batch.column("month")).to_pylist())
        return sorted(found)


@contextmanager
def _reading(name: str, what: str = "cannot read the file") -> Iterator[None]:
    """Any other failure while reading becomes a GaccFileError naming the file, the original its __cause__.

    A machine out of memory is not the file's fault: MemoryError goes on rather than quarantine a good file.
    """
    try:
        yield
    except (GaccFileError, MemoryError):
        raise
    except Exception as err:
        raise GaccFileError(name, f"{what} ({type(err).__name__}: {err})") from err


def _in_order_ahead(
    gacc: GaccFile, raw: Iterator[pa.RecordBatch], pace: Pace | None = None
) -> Iterator[pa.RecordBatch]:
    """Parse on a thread of its own and type on two more while the consumer (DuckDB's insert) takes batches.

    Arrow's parser and kernels release the GIL, so the threads really run in parallel, and the consumer,
    in a load DuckDB's own thread, only waits for typed batches. They come out in file order, so the first
    bad line in the file is the one reported.
    """
    ahead: queue.Queue[Future[pa.RecordBatch] | Exception | None] = queue.Queue(maxsize=_AHEAD)
    stop = threading.Event()

    def hand_on(item: Future[pa.RecordBatch] | Exception | None) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    with ThreadPoolExecutor(max_workers=_CLEANING_THREADS) as pool:

        def parse() -> None:
            offset = 0
            try:
                for strings in raw:
                    if not hand_on(pool.submit(_typed_batch, gacc, strings, offset)):
                        return
                    offset += strings.num_rows
                hand_on(None)
            except Exception as err:
                hand_on(err)  # a problem further on in the file: the batches before it may hold an earlier one
            finally:
                close = getattr(raw, "close", None)
                if close is not None:
                    close()

        parser = threading.Thread(target=parse, name="gacc-parse", daemon=True)
        parser.start()
        try:
            while (item := ahead.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                batch = item.result()
                if pace is not None:
                    pace.took(batch.num_rows)
                yield batch
        finally:
            stop.set()
            if pace is not None:
                pace.close()
            while parser.is_alive() or not ahead.empty():
                try:
                    left = ahead.get(timeout=0.05)
                except queue.Empty:
                    continue
                if isinstance(left, Future):
                    left.cancel()
            parser.join()


def open_gacc_file(path: Path, *, relative_path: PurePath | None = None, block_size: int = _BLOCK_SIZE) -> GaccFile:
    """Check what can be checked before reading rows: format, encoding, header, flow and month source.

    `relative_path` (the path below the landing folder) is where the flow is read from, so that the
    folders above the landing folder cannot lend a file a flow.
    """
    shown = str(relative_path or path)
    with _reading(shown):
        return _open(path, relative_path or path, shown, block_size)


def _open(path: Path, relative_path: PurePath, shown: str, block_size: int) -> GaccFile:
    _refuse_non_files(path, shown)
    flow = flow_from_path(relative_path)
    named = PurePath(shown)
    name_period = period_from_name(named)
    if name_period is not None:
        problem = next(filter(None, map(month_problem, name_period.covered_months())), None)
        if problem is not None:
            raise GaccFileError(shown, f"the file name's {problem}; rename the file or download the right month")
    if path.suffix.lower() == ".xlsx":
        encoding = "xlsx"
        header_row = _xlsx_header(path.read_bytes(), shown)
    else:
        encoding = detect_encoding(path, shown)
        header_row = _csv_header(path, encoding, shown)
    header = map_header(shown, header_row)
    if "month" not in header.columns and name_period is None:
        raise GaccFileError(
            shown, "cannot tell the month: no 数据年月 / Date of data column and no YYYY-MM in the file name"
        )
    return GaccFile(
        path, shown, flow, encoding, header, name_period, block_size, is_cumulative(named), release_label(named)
    )


def _refuse_non_files(path: Path, shown: str) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise GaccFileError(
            shown, f"not a GACC download: expected a .csv or .xlsx file, got {path.suffix or 'no extension'!r}"
        )
    status = path.stat()
    if S_ISDIR(status.st_mode):
        raise GaccFileError(shown, "this is a folder, not a file; put the downloads themselves in the landing folder")
    if not S_ISREG(status.st_mode):
        # A pipe would block the reader until something writes to it.
        raise GaccFileError(shown, "this is not a regular file (a pipe or a device?); expected a downloaded file")
    if status.st_size == 0:
        raise GaccFileError(shown, "the file is empty (0 bytes); download it again")


def read_gacc_file(path: Path, *, relative_path: PurePath | None = None) -> pa.Table:
    """The whole file as one table: for small files and tests; loads stream `open_gacc_file(...).batches()`."""
    gacc = open_gacc_file(path, relative_path=relative_path)
    return pa.Table.from_batches(list(gacc.batches()), schema=RAW_LINE_SCHEMA)


# --- CSV ------------------------------------------------------------------------------------------


def _csv_header(path: Path, encoding: str, shown: str) -> list[str]:
    # The header line goes through the same checks and decoding as the data lines, with the same messages.
    with path.open("rb") as f:
        first = f.readline(_HEADER_LIMIT)
    text = TextStream(iter([memoryview(first)]), encoding, shown).read().decode("utf-8")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise GaccFileError(shown, f"cannot read the header as CSV: {err}", line=1) from err
    if not rows or not any(field.strip() for field in rows[0]):
        raise GaccFileError(shown, "the first line is empty; expected the header row", line=1)
    return rows[0]


def _open_csv(
    gacc: GaccFile,
    f: BinaryIO,
    digest: Digest | None,
    on_invalid_row: Callable[[pacsv.InvalidRow], str] | None,
    threads: bool,
    transcode: bool = True,
    pace: Pace | None = None,
) -> pacsv.CSVStreamingReader:
    names = [f"c{i}" for i in range(len(gacc.header.positions))]
    # Untranscoded GB18030 parses into binary columns: Arrow's strings must be UTF-8. Their bytes are checked
    # as they are decoded, so the columns no one reads are parsed too, to be checked (`_typed_batch`).
    unchecked = not transcode and gacc.encoding == "gb18030"
    kind = pa.binary() if unchecked else pa.string()
    wanted = [names[i] for i, canonical in enumerate(gacc.header.positions) if unchecked or canonical is not None]
    chunks = line_chunks(f, gacc.block_size, digest)
    text = TextStream(chunks, gacc.encoding, gacc.name, gacc.header.positions, transcode=transcode, pace=pace)
    return pacsv.open_csv(
        text,
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=gacc.block_size, use_threads=threads
        ),
        # Commodity names in the portal's own lists hold line breaks inside quotes.
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: kind for name in names},
            include_columns=wanted,
            # Missing values become nulls while parsing, in C++: '' and the portal's '?'.
            null_values=list(_MISSING),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=False,  # TextStream has checked UTF-8; GB18030 is parsed as binary and checked as decoded
        ),
        memory_pool=_parser_pool(),
    )


@functools.cache
def _parser_pool() -> pa.MemoryPool | None:
    """jemalloc for the parsed columns where pyarrow has it: Arrow's default (mimalloc) keeps memory that
    another thread frees (DuckDB frees the batches) until the allocating thread allocates again, and a
    5-million-row load peaked 120 MB higher with it (tests/benchmarks)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


def _csv_string_batches(gacc: GaccFile, digest: Digest | None, pace: Pace | None = None) -> Iterator[pa.RecordBatch]:
    if gacc.encoding == "gb18030" and _PARSE_GB18030:
        return _gb18030_batches(gacc, digest, pace)
    return _transcoded_batches(gacc, digest, pace)


def _gb18030_batches(gacc: GaccFile, digest: Digest | None, pace: Pace | None = None) -> Iterator[pa.RecordBatch]:
    """A GB18030 file's batches, parsed without transcoding: binary columns for `_typed_batch` to decode.

    Arrow would give an invalid row's text to a handler as UTF-8, so this reading has none: it stops at
    the first malformed row, and `GaccFile.batches` reads the file again the transcoding way to say what
    is wrong, where.
    """
    with gacc.path.open("rb") as f:
        try:
            for batch in _open_csv(gacc, f, digest, None, threads=True, transcode=False, pace=pace):
                # A column read for no value keeps its position's name, to be checked and dropped.
                yield batch.rename_columns([gacc.header.positions[int(n[1:])] or n for n in batch.schema.names])
        except pa.ArrowInvalid as err:
            raise GaccFileError(gacc.name, f"cannot parse as CSV: {err}") from err


def _transcoded_batches(gacc: GaccFile, digest: Digest | None, pace: Pace | None = None) -> Iterator[pa.RecordBatch]:
    """The batches of a CSV file fed to Arrow as UTF-8; a malformed row raises GaccFileError once the rows
    before it are out, so that a problem on an earlier line is found first whatever the timing of threads."""
    malformed: list[pacsv.InvalidRow] = []
    first: pacsv.InvalidRow | None = None

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        malformed.append(row)
        return "skip"

    rows = 0
    with gacc.path.open("rb") as f:
        try:
            for batch in _open_csv(gacc, f, digest, on_invalid_row, threads=True, pace=pace):
                if malformed and first is None:
                    # Parsing on several threads numbers no row and may meet a later one first: ask again.
                    first = _first_invalid_row(gacc) or malformed[0]
                if first is not None:
                    # Rows after the malformed one are shifted by its skipping: only those before it go on.
                    before = (first.number - 2 - rows) if first.number else 0
                    if before <= 0:
                        break
                    batch = batch.slice(0, before)
                rows += batch.num_rows
                yield batch.rename_columns([gacc.header.positions[int(n[1:])] for n in batch.schema.names])
        except pa.ArrowInvalid as err:
            raise GaccFileError(gacc.name, f"cannot parse as CSV: {err}") from err
    if malformed:
        row = first or _first_invalid_row(gacc) or malformed[0]
        raise GaccFileError(
            gacc.name,
            f"expected {row.expected_columns} fields like the header, found {row.actual_columns}: {row.text[:120]!r}",
            line=row.number,
        )


def _first_invalid_row(gacc: GaccFile) -> pacsv.InvalidRow | None:
    """The file's first malformed row, numbered: Arrow numbers rows only when it parses on one thread."""
    found: list[pacsv.InvalidRow] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        found.append(row)
        return "skip"

    with gacc.path.open("rb") as f:
        for _ in _open_csv(gacc, f, None, on_invalid_row, threads=False):
            if found:
                break
    return found[0] if found else None


# --- XLSX -----------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, shown: str) -> Iterator[tuple[object, ...]]:
    import openpyxl

    # openpyxl raises whatever its zip and XML layers raise for a damaged workbook, and only when it gets there.
    with _reading(shown, "not a readable .xlsx workbook"):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                if any(cell is not None and str(cell).strip() for cell in row):
                    yield row
        finally:
            workbook.close()


def _xlsx_header(data: bytes, shown: str) -> list[str]:
    header = next(_xlsx_rows(data, shown), None)
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


def _xlsx_string_batches(gacc: GaccFile, digest: Digest | None, pace: Pace | None = None) -> Iterator[pa.RecordBatch]:
    positions = [(i, c) for i, c in enumerate(gacc.header.positions) if c is not None]
    # The whole workbook is read once (a zip is not read front to back), so the digest is of what is parsed.
    data = gacc.path.read_bytes()
    if digest is not None:
        digest.update(data)
    rows = _xlsx_rows(data, gacc.name)
    next(rows, None)  # the header
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
    if not mask.true_count:  # a bit count: the usual answer, without a scan
        return None
    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index < 0 else index


def _valid_bounds(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Where each non-null value starts and ends in the character data, and that data; None if nulls hold bytes.

    The checks below read values on the bytes with numpy, a few calls per column instead of a kernel call
    or a regular expression per value.
    """
    bounds, data = value_buffers(values)
    starts, ends = bounds[:-1], bounds[1:]
    if values.null_count:
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        starts, ends = starts[valid], ends[valid]
    if int(np.sum(ends - starts)) != bounds[-1] - bounds[0]:
        return None
    return starts, ends, data


@functools.cache
def _edge_safe() -> np.ndarray:
    """Which first two bytes of a UTF-8 character tell it is not whitespace that utf8_trim_whitespace trims.

    Indexed by first byte * 256 + second byte. Arrow itself is asked once which characters of the Basic
    Multilingual Plane it trims (none outside it is whitespace; a test holds Arrow to that).
    """
    points = np.arange(0x10000)
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    trimmed = pc.binary_length(pc.utf8_trim_whitespace(pa.array([chr(p) for p in points]))).to_numpy() == 0
    safe = np.zeros((256, 256), dtype=bool)
    safe[0x21:0x7F, :] = True  # printable ASCII: its own character, whatever follows
    safe[0xC2:0xF5, :] = True  # the first bytes of longer characters
    for point in points[trimmed]:
        head = chr(point).encode("utf-8")
        if len(head) == 1:
            safe[head[0], :] = False
        else:
            safe[head[0], head[1]] = False
    return safe.reshape(-1)


def _nothing_to_clean(values: pa.Array) -> bool:
    """True only if `_clean_text` would return `values` as they are: no value is '' or '?' or starts or ends
    with whitespace."""
    bounds = _valid_bounds(values)
    if bounds is None:
        return False
    starts, ends, data = bounds
    if not len(starts):
        return True
    lengths = ends - starts
    if not lengths.all():
        return False
    safe = _edge_safe()
    first = data[starts]
    if np.count_nonzero((lengths == 1) & (first == ord("?"))):
        return False
    if not _safe_characters(safe, data, first, starts):
        return False
    # The last character: one byte, or a continuation byte (0x80-0xBF) after a lead one or two bytes back.
    last = data[ends - 1]
    if (last < 0x80).all():
        return bool(safe[last.astype(np.intp) << 8].all())
    before = data[np.maximum(ends - 2, 0)]
    lead = np.where(last < 0x80, ends - 1, np.where((before & 0xE0) == 0xC0, ends - 2, ends - 3))
    lead_bytes = data[np.maximum(lead, 0)]
    # A lead byte of a longer character, or a continuation byte at `lead`, is left to the kernels.
    if (lead < 0).any() or ((lead_bytes >= 0xF0) | ((lead_bytes & 0xC0) == 0x80)).any():
        return False
    return _safe_characters(safe, data, lead_bytes, lead)


def _safe_characters(safe: np.ndarray, data: np.ndarray, lead_bytes: np.ndarray, at: np.ndarray) -> bool:
    """Whether every character starting at `at` (its first bytes `lead_bytes`) is certainly not whitespace."""
    if (lead_bytes < 0x80).all():
        return bool(safe[lead_bytes.astype(np.intp) << 8].all())
    seconds = data[np.minimum(at + 1, len(data) - 1)]
    return bool(safe[(lead_bytes.astype(np.intp) << 8) | seconds].all())


def _fail(gacc: GaccFile, offset: int, index: int, column: str, problem: str) -> GaccFileError:
    # Data row n (1-based) sits on line n + 1: the header is line 1.
    return GaccFileError(gacc.name, f"column {column_label(column)}: {problem}", line=offset + index + 2, column=column)


def _clean_text(values: pa.Array) -> pa.Array:
    # '' and '?' are already null from the CSV parser; an XLSX cell or padded field may still hold them.
    if _nothing_to_clean(values):
        return values
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.is_in(trimmed, pa.array(_MISSING)), pa.scalar(None, pa.string()), trimmed)


def _to_amount(text: pa.Array) -> pa.Array | None:
    try:
        return pc.cast(text, AMOUNT)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _first_not_amount(text: pa.Array) -> int | None:
    # Arrow's cast takes 1e5, +5 and .5 too: the format is checked on every value, not left to the cast.
    return _first_true(pc.invert(pc.match_substring_regex(text, _AMOUNT_TEXT)))


def _plain_amount_digits(text: pa.Array) -> pa.Array | None:
    """`text` without its thousands separators, if every value matches _AMOUNT_TEXT without a sign; None if
    not, or if the bytes cannot tell (then the regular expression decides).

    Checked on the bytes, not per value: digits, ',' and '.' only; a digit first and last; one '.' at
    most; and ',' exactly every fourth byte back from the end of the whole part, with one to three digits
    before the first.
    """
    checked = _valid_bounds(text)
    if checked is None:
        return None
    starts, ends, data = checked
    if not len(starts):
        return text
    if not (ends > starts).all():
        return None
    bounds, _ = value_buffers(text)  # of every value: a null one holds no bytes (_valid_bounds saw to it)
    base = int(bounds[0])
    body = data[base : bounds[-1]]
    digit = (body - np.uint8(ord("0"))) < 10
    comma, dot = body == ord(","), body == ord(".")
    if np.count_nonzero(digit) + np.count_nonzero(comma) + np.count_nonzero(dot) != len(body):
        return None
    if not (digit[starts - base].all() and digit[ends - 1 - base].all()):
        return None
    dots, commas = np.flatnonzero(dot), np.flatnonzero(comma)
    if not len(dots) and not len(commas):
        return text
    lengths = np.diff(bounds)
    owner_of = np.repeat(np.arange(len(text), dtype=np.int32), lengths)  # the value each byte is in
    whole_ends = (bounds[1:] - base).astype(np.int64)
    if len(dots):
        owner = owner_of[dots]
        if (owner[1:] == owner[:-1]).any():
            return None
        whole_ends[owner] = dots
    if not len(commas):
        return text
    owner = owner_of[commas]
    back = whole_ends[owner] - commas
    if (back <= 0).any() or (back & 3).any():
        return None
    same = owner[1:] == owner[:-1]
    first, last = np.ones(len(commas), dtype=bool), np.ones(len(commas), dtype=bool)
    first[1:], last[:-1] = ~same, ~same
    if not (
        (back[last] == 4).all()
        and (back[:-1][same] - back[1:][same] == 4).all()
        and (commas[first] - (bounds[:-1] - base)[owner[first]] <= 3).all()
    ):
        return None
    offsets = np.zeros(len(text) + 1, dtype=np.int32)
    np.cumsum(lengths - np.bincount(owner, minlength=len(text)), out=offsets[1:])
    validity = text.is_valid().buffers()[1] if text.null_count else None
    return pa.StringArray.from_buffers(
        len(text), pa.py_buffer(offsets), pa.py_buffer(body[~comma]), validity, text.null_count
    )


def _whole_amounts(digits: pa.Array) -> pa.Array | None:
    """Values of digits only, as amounts: Arrow parses integers three times faster than decimals.

    None if a value holds anything else ('.') or is too large for an amount (then the decimal cast decides).
    """
    bounds, data = value_buffers(digits)
    if (data[bounds[0] : bounds[-1]] == ord(".")).any():
        return None
    try:
        whole = pc.cast(digits, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    validity, buffer = whole.buffers()
    units = np.frombuffer(buffer, dtype=np.int64)[: whole.offset + len(whole)]
    present = units[whole.offset :]
    if whole.null_count:
        present = present[whole.is_valid().to_numpy(zero_copy_only=False)]
    if len(present) and not (present.min() >= 0 and present.max() < 10**15):
        return None
    scaled = np.zeros((len(units), 2), dtype=np.int64)  # decimal128: low and high 64 bits, little-endian
    np.multiply(units, 1000, out=scaled[:, 0])
    return pa.Array.from_buffers(
        AMOUNT, len(whole), [validity, pa.py_buffer(scaled)], null_count=whole.null_count, offset=whole.offset
    )


def _all_digits(values: pa.Array, width: int) -> bool:
    """True only if every non-null value is `width` ASCII digits."""
    bounds = _valid_bounds(values)
    if bounds is None:
        return False
    starts, ends, data = bounds
    if not len(starts):
        return True
    body = data[starts[0] : ends[-1]]
    return bool((ends - starts == width).all() and ((body - np.uint8(ord("0"))) < 10).all())


def _holds_comma(text: pa.Array) -> bool:
    # One byte search over the column's character data: a kernel call per value costs 20 times more.
    _, offsets, data = text.buffers()
    if data is None:
        return False
    bounds = np.frombuffer(offsets, dtype=np.int32)[[text.offset, text.offset + len(text)]]
    return bool((np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[1]] == ord(",")).any())


def _number_problem(value: str) -> str:
    plain = value.strip()
    if "," in plain and _GROUPED.fullmatch(plain):
        hint = " (a decimal comma?)" if _DECIMAL_COMMA.fullmatch(plain) else ""
        return f"expected a number with ',' between groups of three digits, found {value!r}{hint}"
    try:
        float(plain)
        other_notation = True
    except ValueError:
        other_notation = _OTHER_NOTATION.fullmatch(plain) is not None
    if other_notation:
        return f"expected a plain decimal number, found {value!r}"
    return f"expected a number, found {value!r}"


def _first_uncastable(text: pa.Array) -> int:
    """The first row of `text` (which does not cast as a whole) that does not cast: a bisection of casts."""
    low, high = 0, len(text)
    while high - low > 1:
        middle = (low + high) // 2
        if _to_amount(text.slice(low, middle - low)) is None:
            high = middle
        else:
            low = middle
    return low


def _check_range(gacc: GaccFile, amounts: pa.Array, values: pa.Array, column: str, offset: int) -> None:
    low, high = (m.as_py() for m in pc.min_max(amounts).values())
    negative = column in NON_NEGATIVE_COLUMNS and low is not None and low < 0
    if not negative and (high is None or high < MAX_AMOUNT):
        return
    out = pc.greater_equal(amounts, pa.scalar(MAX_AMOUNT, AMOUNT))
    if negative:
        out = pc.or_(out, pc.less(amounts, pa.scalar(0, AMOUNT)))
    bad = _first_true(out)
    assert bad is not None
    value = values[bad].as_py()
    if amounts[bad].as_py() < 0:
        raise _fail(gacc, offset, bad, column, f"expected a non-negative amount, found {value!r}")
    raise _fail(gacc, offset, bad, column, f"expected an amount below {MAX_AMOUNT:,}, found {value!r}")


def _clean_number(gacc: GaccFile, values: pa.Array, column: str, offset: int) -> pa.Array:
    text = values
    digits = _plain_amount_digits(text)
    if digits is not None:
        text = digits
        whole = _whole_amounts(text)
        if whole is not None:
            _check_range(gacc, whole, values, column, offset)
            return whole
    else:
        if _first_not_amount(text) is not None:
            text = _clean_text(values)  # a padded field, or a workbook's '' or '?'
            bad = _first_not_amount(text)
            if bad is not None:
                raise _fail(gacc, offset, bad, column, _number_problem(values[bad].as_py()))
        if _holds_comma(text):
            text = pc.replace_substring(text, ",", "")
    amounts = _to_amount(text)
    if amounts is None:
        # Only more than 3 decimals or 16 digits and more fail the cast; a line before may be out of range.
        bad = _first_uncastable(text)
        before = _to_amount(text.slice(0, bad))
        assert before is not None
        _check_range(gacc, before, values, column, offset)
        value = values[bad].as_py()
        if abs(Decimal(text[bad].as_py())) >= MAX_AMOUNT:
            raise _fail(gacc, offset, bad, column, f"expected an amount below {MAX_AMOUNT:,}, found {value!r}")
        raise _fail(gacc, offset, bad, column, f"expected at most 3 decimals, found {value!r}")
    _check_range(gacc, amounts, values, column, offset)
    return amounts


def _clean_month(gacc: GaccFile, values: pa.Array, offset: int) -> pa.Array:
    # A file holds a handful of distinct months, most often one: parse each once, then spread it.
    first = values[0]
    if values.null_count == 0 and _all_same(values):
        encoded = pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(values), dtype=np.int32)), pa.array([first]))
    else:
        encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(distinct), r"[-/.年月]", "")
    valid = pc.fill_null(pc.match_substring_regex(text, _MONTH), False)
    bad = _first_true(pc.invert(pc.take(valid, encoded.indices)))
    if bad is not None or encoded.null_count:
        bad = _first_true(pc.is_null(encoded)) if bad is None else bad
        found = values[bad].as_py()
        shown = "an empty field" if found is None else repr(found)
        raise _fail(gacc, offset, bad, "month", f"expected a month as YYYYMM, found {shown}")
    parsed = pc.strptime(pc.binary_join_element_wise(text, "01", ""), format="%Y%m%d", unit="s")
    distinct_months = pc.cast(parsed, pa.date32())
    # Per distinct month, not per row: a few calls.
    problems = [month_problem(month) for month in distinct_months.to_pylist()]
    if any(problems):
        bad = _first_true(pc.take(pa.array([p is not None for p in problems]), encoded.indices))
        assert bad is not None
        raise _fail(gacc, offset, bad, "month", problems[encoded.indices[bad].as_py()])
    months = pc.take(distinct_months, encoded.indices)
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


def _all_same(values: pa.Array) -> bool:
    """Whether every value (none null) equals the first, comparing the bytes at once."""
    bounds, data = value_buffers(values)
    width = int(bounds[1] - bounds[0])
    if not (np.diff(bounds) == width).all():
        return False
    body = data[bounds[0] : bounds[-1]]
    return bool(width == 0 or (body.reshape(-1, width) == body[:width]).all())


def _typed_batch(gacc: GaccFile, strings: pa.RecordBatch, offset: int) -> pa.RecordBatch:
    n = strings.num_rows
    given = dict(zip(strings.schema.names, strings.columns, strict=True))
    for name in [name for name in given if name not in RAW_LINE_SCHEMA.names]:
        # A column no one reads, parsed from GB18030 only to check its bytes (the file is refused for any).
        if not gb18030_values_decode(given.pop(name)):
            raise GaccFileError(gacc.name, "a column that is not read holds bytes that are not valid GB18030")
    present = set(given)

    def column(name: str, then: Callable[[pa.Array], pa.Array] | None = None) -> pa.Array:
        values = given[name]
        if values.type != pa.binary():
            return values if then is None else then(values)
        # GB18030 parsed as it is: decoded (and so checked) here, `then` on distinct values. GaccFile.batches
        # reads a file that fails again the transcoding way, to name the first bad byte in the reference words.
        try:
            return gb18030_column(values, then)
        except NotGB18030 as err:
            raise _fail(gacc, offset, err.row, name, "not valid GB18030") from err

    columns: dict[str, pa.Array] = {"row_number": pa.array(np.arange(offset + 1, offset + n + 1, dtype=np.int64))}
    if "month" in present:
        columns["month"] = _clean_month(gacc, column("month"), offset)
        columns["period_months"] = pa.array(np.ones(n, dtype=np.int8))
    else:
        assert gacc.name_period is not None  # open_gacc_file refuses a file with no month source
        columns["month"] = pa.array(np.full(n, np.datetime64(gacc.name_period.month, "D")), pa.date32())
        columns["period_months"] = pa.array(np.full(n, gacc.name_period.months, dtype=np.int8))
    for name in TEXT_COLUMNS:
        columns[name] = column(name, _clean_text) if name in present else pa.nulls(n, pa.string())
    for name in NUMBER_COLUMNS:
        columns[name] = _clean_number(gacc, column(name), name, offset) if name in present else pa.nulls(n, AMOUNT)
    if "hs_code" in present:
        codes = columns["hs_code"]
        missing_code = _first_true(pc.is_null(codes))
        if missing_code is not None:
            raise _fail(gacc, offset, missing_code, "hs_code", "expected a commodity code, found an empty field")
        # China's tariff lines have 8 digits: a 6-digit HS code or a 10-digit one is another classification.
        wrong_code = (
            None if _all_digits(codes, 8) else _first_true(pc.invert(pc.match_substring_regex(codes, _HS_CODE)))
        )
        if wrong_code is not None:
            raise _fail(
                gacc,
                offset,
                wrong_code,
                "hs_code",
                f"expected an 8-digit commodity code, found {codes[wrong_code].as_py()!r}",
            )
    return pa.RecordBatch.from_pydict(columns, schema=RAW_LINE_SCHEMA)
