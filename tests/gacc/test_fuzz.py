"""Fuzzing the reader: whatever a valid download is mutated into, reading it yields typed batches or GaccFileError.

Mutations work on bytes (flip, insert, delete, duplicate, truncate) and on lines (duplicate, delete), so
that they reach every layer: encoding detection, decoding, CSV parsing, the zip and XML of a workbook,
and the typing of values. The examples are derandomized: a run is the same every time, and quick.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path, PurePath

import openpyxl
import pytest
from bad_files import xlsx_bytes
from conftest import EN_HEADER, ZH_HEADER, render_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.gacc import RAW_LINE_SCHEMA, GaccFileError, open_gacc_file

FUZZ = settings(derandomize=True, max_examples=150, deadline=None)
ROWS = [
    ["202511", "85051110", "稀土的永磁铁及磁化后准备制永磁铁的物品", "502", "美国", "582,000", "千克", "5,848,714"],
    ["202511", "28053011", "钕，未相混合或相互熔合", "304", "德国", "1200", "千克", "?"],
    ["202511", "28469019", "其他稀土金属化合物 𠀀", "116", "日本", "3.5", "千克", "1,234.5"],
]
SEEDS = {
    "zh-gb18030.csv": render_csv(ZH_HEADER, ROWS, trailing_comma=True, quote_all=True).encode("gb18030"),
    "en-utf8.csv": render_csv(EN_HEADER, ROWS).encode("utf-8"),
    "zh-utf8-bom.csv": render_csv(ZH_HEADER, ROWS).encode("utf-8-sig"),
}


SEEDS["en.xlsx"] = xlsx_bytes([[85051110 if i == 0 else c for i, c in enumerate(row)] for row in ROWS])


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` after one to four mutations of its bytes or lines."""
    data = seed
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        span = draw(st.integers(1, 16))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "line"]))
        if kind == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=span)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + span :]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + span] + data[at:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "line":
            lines = data.split(b"\n")
            index = at % len(lines)
            twice = draw(st.booleans())
            data = b"\n".join(lines[: index + 1] + lines[index:] if twice else lines[:index] + lines[index + 1 :])
    return data


def read_all(path: Path, name: str) -> None:
    """Open and read the file; fail the test on anything but typed batches or GaccFileError."""
    try:
        gacc = open_gacc_file(path, relative_path=PurePath(name))
        for batch in gacc.batches():
            assert batch.schema == RAW_LINE_SCHEMA
        gacc.months()
    except GaccFileError as err:
        assert str(err).startswith(name)


def write(landing: Path, name: str, data: bytes) -> Path:
    path = landing / PurePath(name).name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "exports"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("seed", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_mutated_downloads_are_read_or_refused(landing: Path, seed: str, data: st.DataObject) -> None:
    name = f"exports/gacc_2025-11{Path(seed).suffix}"
    read_all(write(landing, name, data.draw(mutated(SEEDS[seed]))), name)


def _with_sheet(workbook: bytes, sheet: bytes) -> bytes:
    """The workbook with its first sheet's XML replaced: a zip that opens, holding XML that may not."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, sheet if item.filename == SHEET else source.read(item))
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


@FUZZ
@given(data=st.data())
def test_mutated_sheet_xml_is_read_or_refused(landing: Path, data: st.DataObject) -> None:
    name = "exports/gacc_2025-11.xlsx"
    sheet = data.draw(mutated(zipfile.ZipFile(io.BytesIO(SEEDS["en.xlsx"])).read(SHEET)))
    read_all(write(landing, name, _with_sheet(SEEDS["en.xlsx"], sheet)), name)


# Text of any script, with line breaks and quotes (control characters are the byte mutations' part), and the
# spellings of numbers that people and programs write.
TEXT = st.text(st.characters(exclude_categories=["Cs", "Cc"], include_characters='\t\r\n"'), max_size=12)
SPELLINGS = ["1e5", "-0", "0", "1,234", "12,34", "1,2345", "NaN", "-inf", "0x1F", "٣", "１２", "1_000", "+1", ".", "?"]
NUMBERS = st.one_of(
    st.sampled_from(SPELLINGS), st.integers().map(str), st.floats().map(str), st.decimals().map(str), TEXT
)


def mostly(usual: st.SearchStrategy[object], other: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """`usual` four times in five: a row whose month or code is wrong stops the reader before its amounts."""
    return st.integers(0, 4).flatmap(lambda k: other if k == 0 else usual)


MONTHS = mostly(st.sampled_from(["202511", "2025-11", "2015/01", "201412", "209901", "2025年11月"]), TEXT)
CODES = mostly(st.just("85051110"), TEXT)
# One of each column of ZH_HEADER.
CSV_ROWS = st.lists(
    st.tuples(MONTHS, CODES, TEXT, TEXT, TEXT, NUMBERS, TEXT, NUMBERS),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(rows=CSV_ROWS, encoding=st.sampled_from(["gb18030", "utf-8"]))
def test_any_field_values_are_read_or_refused(landing: Path, rows: list[tuple[str, ...]], encoding: str) -> None:
    name = "exports/fields.csv"
    read_all(write(landing, name, render_csv(ZH_HEADER, rows).encode(encoding)), name)


CELL_TEXT = TEXT.filter(lambda t: openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.search(t) is None)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.decimals(allow_nan=False, places=4),
    st.dates(),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    CELL_TEXT,
)
# One of each column of EN_HEADER, as a workbook holds them: numbers, dates and text.
XLSX_ROWS = st.lists(
    st.tuples(
        mostly(st.sampled_from([202511, "2025-11", datetime(2025, 11, 1)]), CELLS),
        mostly(st.integers(0, 10**9), CELLS),
        CELLS,
        CELLS,
        CELLS,
        CELLS,
        CELLS,
        CELLS,
    ),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(rows=XLSX_ROWS)
def test_any_workbook_cells_are_read_or_refused(landing: Path, rows: list[tuple[object, ...]]) -> None:
    name = "exports/cells.xlsx"
    read_all(write(landing, name, xlsx_bytes([list(row) for row in rows])), name)
