"""Fuzzing the reader: values written by a CSV writer come back as they were; mutated bytes of a valid download
read as typed batches or raise ComtradeFileError, nothing else. Derandomized: the same quick run every time."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from comtrade_files import base_row, render
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.comtrade import COMTRADE_COLUMNS, PARTNER_LINE_SCHEMA, ComtradeFileError, open_comtrade_file
from orchestration.comtrade.layout import (
    AMOUNT_COLUMNS,
    BOOLEAN_COLUMNS,
    INTEGER_COLUMNS,
    MISSING_UNIT_ABBREVIATIONS,
    MISSING_UNIT_CODES,
)
from orchestration.gacc.months import FIRST_MONTH, last_complete_month

FUZZ = settings(derandomize=True, max_examples=150, deadline=None)

# Text as people and portals write it: no control characters, no surrounding blanks (the reader trims them).
_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30).map(str.strip).filter(bool)
_MONTHS = st.dates(FIRST_MONTH, last_complete_month()).map(lambda d: d.replace(day=1))


def _value(column: str) -> st.SearchStrategy[object]:
    if column in BOOLEAN_COLUMNS:
        return st.none() | st.booleans()
    if column in INTEGER_COLUMNS:
        return st.none() | st.integers(0, 10**15)
    if column in AMOUNT_COLUMNS:
        return st.none() | st.floats(0, 1e15, allow_nan=False, allow_infinity=False)
    if column in MISSING_UNIT_ABBREVIATIONS:
        return st.none() | _TEXT.filter(lambda t: t.upper() != "N/A")
    return st.none() | _TEXT


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    """One row's typed values, consistent in its month."""
    row = {c: draw(_value(c)) for c in COMTRADE_COLUMNS}
    month: date = draw(_MONTHS)
    row |= {"freqCode": "M", "period": f"{month:%Y%m}", "refYear": month.year, "refMonth": month.month}
    row["refPeriodId"] = draw(st.sampled_from([None, int(f"{month:%Y%m%d}")]))
    row["month"] = month
    return row


def _text(column: str, value: object) -> str:
    if value is None:
        return "-1" if column in MISSING_UNIT_CODES else ""
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, float) else str(value)


@FUZZ
@given(st.lists(rows(), min_size=1, max_size=5), st.booleans())
def test_values_round_trip_through_the_csv_writer(tmp_path_factory, typed: list[dict[str, object]], bom: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COMTRADE_COLUMNS)
    for row in typed:
        writer.writerow([*(_text(c, row[c]) for c in COMTRADE_COLUMNS), ""])  # and the trailing comma
    path = tmp_path_factory.mktemp("fuzz") / "partner.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8-sig" if bom else "utf-8", newline="")
    batches = list(open_comtrade_file(path).batches())
    assert all(b.schema == PARTNER_LINE_SCHEMA for b in batches)
    read = [r for b in batches for r in b.to_pylist()]
    assert [r.pop("row_number") for r in read] == list(range(1, len(typed) + 1))
    assert read == typed


SEED = render([base_row(), base_row(cmdCode="2846", netWgt="12.5", isNetWgtEstimated="true")]).encode("utf-8")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = SEED
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if kind == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 16)) :]
        elif kind == "truncate":
            data = data[:at]
    return data


@FUZZ
@given(mutated())
def test_mutated_files_read_or_raise_comtrade_file_error(tmp_path_factory, data: bytes) -> None:
    path: Path = tmp_path_factory.mktemp("mutated") / "partner.csv"
    path.write_bytes(data)
    try:
        comtrade = open_comtrade_file(path)
        for batch in comtrade.batches():
            assert batch.schema == PARTNER_LINE_SCHEMA
        comtrade.months()
    except ComtradeFileError as err:
        assert str(err).startswith(str(path))
