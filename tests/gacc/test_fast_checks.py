"""The numpy checks that let cleaning skip its kernels and regular expressions say yes only when that is so."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import ZH_HEADER, render_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import CSV_ROWS

from orchestration.gacc import GaccFileError, open_gacc_file
from orchestration.gacc import reader as reader_module

FAST_CHECKS = ("_nothing_to_clean", "_plain_amount_digits", "_all_digits", "_all_same")
AMOUNT = re.compile(reader_module._AMOUNT_TEXT)
# Whitespace of every kind Arrow trims, and characters around it in UTF-8.
WHITE = " \t\r\n\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u0085"
TEXT = st.text(
    st.sampled_from([*WHITE, "?", "a", "稀", "（", "）", "。", "€", "Å", "𠀀", "\u200b", "\ufeff"]), max_size=6
)


def with_nulls(values: list[str | None]) -> pa.Array:
    return pa.array(values, pa.string())


@settings(derandomize=True, max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=8))
def test_nothing_to_clean_only_when_cleaning_changes_nothing(values: list[str | None]) -> None:
    array = with_nulls(values)
    trimmed = pc.utf8_trim_whitespace(array)
    cleaned = pc.if_else(pc.is_in(trimmed, pa.array(["", "?"])), pa.scalar(None, pa.string()), trimmed)
    if reader_module._nothing_to_clean(array):
        assert cleaned.equals(array)


def test_nothing_to_clean_says_so_for_names() -> None:
    names = ["稀土的永磁铁", "钕（未相混合）", "ABC 123", "美国", "€", None, "Å", "x"]
    assert reader_module._nothing_to_clean(with_nulls(names))
    assert reader_module._nothing_to_clean(with_nulls(names).slice(2, 4))
    for bad in ["", "?", " 美国", "美国\u3000", "a\u00a0", "\t"]:
        assert not reader_module._nothing_to_clean(with_nulls([*names, bad]))


def test_arrow_trims_no_character_outside_the_basic_multilingual_plane() -> None:
    # _edge_safe asks Arrow about U+0000-U+FFFF only.
    text = pa.array(["x" + chr(p) for p in range(0x10000, 0x110000)])
    assert pc.all(pc.equal(pc.binary_length(pc.utf8_trim_whitespace(text)), pc.binary_length(text))).as_py()


SPELLINGS = st.one_of(
    st.text(st.sampled_from("0123456789,.- "), min_size=1, max_size=12),
    st.integers(0, 10**15).map(lambda n: f"{n:,}"),
    st.tuples(st.integers(0, 10**12), st.integers(0, 9999)).map(lambda t: f"{t[0]:,}.{t[1]}"),
    st.sampled_from(["1,234", "12,34", "1,2345", ",123", "123,", "1.2.3", ".5", "5.", "1,234.5,6", "1234,567"]),
)


@settings(derandomize=True, max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.none(), SPELLINGS), min_size=1, max_size=6))
def test_plain_amounts_only_when_the_expression_matches_every_value(values: list[str | None]) -> None:
    array = with_nulls(values)
    digits = reader_module._plain_amount_digits(array)
    if digits is not None:
        assert all(v is None or AMOUNT.fullmatch(v) for v in values)
        # and the separators are dropped as replace_substring drops them
        assert digits.equals(pc.replace_substring(array, ",", ""))
        sliced = reader_module._plain_amount_digits(array.slice(1))
        assert sliced is not None and sliced.equals(pc.replace_substring(array.slice(1), ",", ""))
    if all(v is None or (AMOUNT.fullmatch(v) and not v.startswith("-")) for v in values):
        assert digits is not None  # and it takes every unsigned one


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10**16).map(str), st.just("007")), min_size=1, max_size=8))
def test_whole_amounts_are_the_decimal_cast(values: list[str | None]) -> None:
    for array in (with_nulls(values), with_nulls(values).slice(1)):
        whole = reader_module._whole_amounts(array)
        try:
            cast = pc.cast(array, reader_module.AMOUNT)
        except pa.ArrowInvalid:
            assert whole is None  # too large for an amount: the decimal cast's error path decides
            continue
        assert whole is None or whole.equals(cast)
        if all(v is None or int(v) < 10**15 for v in values):
            assert whole is not None


def test_digits_and_same_values() -> None:
    assert reader_module._all_digits(with_nulls(["85051110", None, "00000000"]), 8)
    for bad in ["8505111", "850511100", "8505111a", "８５０５１１１０", ""]:
        assert not reader_module._all_digits(with_nulls(["85051110", bad]), 8)
    assert reader_module._all_same(with_nulls(["202511"] * 3))
    assert not reader_module._all_same(with_nulls(["202511", "202512"]))
    assert not reader_module._all_same(with_nulls(["202511", "2025111"]))
    assert reader_module._all_same(with_nulls(["202511", "202511", "202511"]).slice(1))


def outcome(path: Path, name: str, block_size: int) -> object:
    try:
        gacc = open_gacc_file(path, relative_path=PurePath(name), block_size=block_size)
        return [row for batch in gacc.batches() for row in batch.to_pylist()]
    except GaccFileError as err:
        return str(err), err.line, err.column


def without_fast_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    for check in FAST_CHECKS:
        refused = None if check == "_plain_amount_digits" else False
        monkeypatch.setattr(reader_module, check, lambda *args, refused=refused: refused)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fast") / "exports"
    folder.mkdir()
    return folder


@settings(derandomize=True, max_examples=300, deadline=None)
@given(rows=CSV_ROWS, encoding=st.sampled_from(["gb18030", "utf-8"]))
def test_files_read_the_same_with_and_without_the_checks(
    landing: Path, rows: list[tuple[str, ...]], encoding: str
) -> None:
    try:
        data = render_csv(ZH_HEADER, rows).encode(encoding)
    except UnicodeEncodeError:
        return
    path = landing / "gacc_2025-11.csv"
    path.write_bytes(data)
    fast = outcome(path, "exports/gacc_2025-11.csv", 1 << 20)
    with pytest.MonkeyPatch.context() as patch:
        without_fast_checks(patch)
        reference = outcome(path, "exports/gacc_2025-11.csv", 1 << 20)
    assert fast == reference


def test_a_portal_file_takes_the_fast_checks(landing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        [
            "202511",
            f"{85051110 + i % 7}",
            "稀土的永磁铁（其他）",
            "502",
            "美国",
            f"{i * 1001:,}",
            "千克",
            f"{i * 7:,}.5",
        ]
        for i in range(1, 2000)
    ]
    path = landing / "gacc_2025-11.csv"
    path.write_bytes(render_csv(ZH_HEADER, rows).encode("gb18030"))
    taken: list[str] = []
    for check in FAST_CHECKS:
        real = getattr(reader_module, check)

        def spy(*args: object, real: object = real, check: str = check) -> object:
            result = real(*args)  # type: ignore[operator]
            assert result is not None and result is not False, check
            taken.append(check)
            return result

        monkeypatch.setattr(reader_module, check, spy)
    assert len(outcome(path, "exports/gacc_2025-11.csv", 1 << 20)) == len(rows)  # type: ignore[arg-type]
    assert set(taken) == set(FAST_CHECKS)
