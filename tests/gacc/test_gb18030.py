"""GB18030 parsed as it is: the chunk check agrees with Python's codec, and reading gives what transcoding gives.

The reader checks GB18030 chunks with numpy instead of decoding them, parses the bytes, and decodes each
column's distinct values. These tests hold that to the reference: Python's own codec, and the reader that
transcodes every byte before parsing (`reader._PARSE_GB18030 = False`).
"""

from __future__ import annotations

import itertools
from pathlib import Path, PurePath

import numpy as np
import pyarrow as pa
import pytest
from conftest import ZH_HEADER, render_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import CSV_ROWS, SEEDS, mutated

from orchestration.gacc import GaccFileError, open_gacc_file
from orchestration.gacc import reader as reader_module
from orchestration.gacc.decoding import NotGB18030, gb18030_column, gb18030_decodes, gb18030_values_decode

SECOND_BYTES = [*range(0x40, 0x7F), *range(0x81, 0xFF)]
# Bytes where the decoder's rules change: ASCII, digits, the ends of the lead, four-byte and trail ranges.
EDGES = [0x0A, 0x22, 0x2C, 0x2F, 0x30, 0x35, 0x39, 0x3A, 0x3F, 0x40, 0x7E, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x85]
EDGES += [0x8F, 0x90, 0x99, 0xA1, 0xB0, 0xD6, 0xE3, 0xE4, 0xFE, 0xFF]


def python_decodes(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def check(data: bytes) -> bool:
    return gb18030_decodes(np.frombuffer(data, dtype=np.uint8))


def test_every_two_byte_character_the_check_accepts_is_one_character_to_python() -> None:
    pairs = [bytes(pair) for pair in itertools.product(range(0x81, 0xFF), SECOND_BYTES)]
    for pair in pairs:
        assert len(pair.decode("gb18030")) == 1
    assert check(b"".join(pairs))
    assert check(b",".join(pairs))


@pytest.mark.parametrize("first", [0x81, 0x82, 0x84, 0x85, 0x8F, 0x90, 0xA0, 0xE3, 0xE4, 0xFE])
def test_four_byte_characters_as_pythons_decoder_reads_them(first: int) -> None:
    thirds = [0x81, 0x82, 0x99, 0x9A, 0xA4, 0xA5, 0xFE]
    for second, third, fourth in itertools.product(range(0x30, 0x3A), thirds, [0x30, 0x35, 0x39]):
        data = bytes([first, second, third, fourth])
        for text in (data, b"a" + data + b",", "稀".encode("gb18030") + data + data):
            assert check(text) == python_decodes(text), text.hex()


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex("8431a439"),  # U+FFFF, the last of the BMP range
        bytes.fromhex("8431a530"),  # one past it: invalid
        bytes.fromhex("90308130"),  # U+10000
        bytes.fromhex("e3329a35"),  # U+10FFFF
        bytes.fromhex("e3329a36"),  # one past it: invalid
        bytes.fromhex("81308130") * 3,  # chains of four-byte characters
        bytes.fromhex("813081"),  # a half and a lone byte
        bytes.fromhex("81308130")[:3],  # cut inside
        b"\x81",  # cut after a lead byte
        b"\xd6\xd0\x81",
        b"\xd6\xd0\x81\x40",  # a second byte below 0x80
        b"\x81\x7f",
        b"\x81\x2c",  # a comma never ends a character
        b"\x80",
        b"\x81\x80",  # 0x80 is valid as a second byte: the check leaves it to the codec
        b"\xff\xa1",
        "稀土𠀀镧€ÅÄÖ﹏·ḿ".encode("gb18030"),
    ],
)
def test_edge_cases(data: bytes) -> None:
    assert not check(data) or python_decodes(data)
    if b"\x80" not in data:
        assert check(data) == python_decodes(data)


@settings(derandomize=True, max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(EDGES), min_size=1, max_size=14))
def test_the_check_never_passes_what_python_refuses(data: list[int]) -> None:
    text = bytes(data)
    assert not check(text) or python_decodes(text)
    if 0x80 not in data:
        assert check(text) == python_decodes(text)  # and it leaves nothing else to the codec


# Whole characters of every kind, and single bytes that may break them: runs of any length and parity,
# across the 64-byte words the check works in.
TOKENS = [c.encode("gb18030") for c in '稀土永磁铁镧€ÅÄ﹏丂·𠀀😀䶮¥ḿ,"\n9aZ?'] + [bytes([b]) for b in EDGES]


@settings(derandomize=True, max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=160), st.integers(0, 63))
def test_long_runs_across_words(tokens: list[bytes], shift: int) -> None:
    text = b"a" * shift + b"".join(tokens)
    assert not check(text) or python_decodes(text)
    if b"\x80" not in text:
        assert check(text) == python_decodes(text)


@pytest.mark.parametrize("length", [63, 64, 65, 127, 128, 129, 200, 513])
@pytest.mark.parametrize("shift", [0, 1, 63])
def test_runs_of_every_length_and_start(length: int, shift: int) -> None:
    run = ("稀" * 300).encode("gb18030")[:length]
    for after in (b",", b"A", b"5", b"\x815", b""):
        text = b"x" * shift + run + after + b"1\n"
        assert check(text) == python_decodes(text), (length, shift, after)


def test_a_column_decodes_like_pythons_codec() -> None:
    values = ["稀土永磁𠀀体", None, "", "ASCII", "镧铈㐀合金", "稀土永磁𠀀体", "€ 欧元区", "ÅÄÖ", None, "﹏"]
    raw = pa.array([None if v is None else v.encode("gb18030") for v in values], pa.binary())
    assert gb18030_column(raw).to_pylist() == values
    assert gb18030_column(raw.slice(3, 4)).to_pylist() == values[3:7]
    ascii_only = pa.array([b"85051110", None, b"?"], pa.binary())
    assert gb18030_column(ascii_only).to_pylist() == ["85051110", None, "?"]
    assert gb18030_column(pa.array([None, None], pa.binary())).to_pylist() == [None, None]


def outcome(path: Path, name: str, block_size: int, parse_gb18030: bool) -> object:
    """The rows (as Python values) or the error's message, reading the file one way or the other."""
    reader_module._PARSE_GB18030 = parse_gb18030
    try:
        gacc = open_gacc_file(path, relative_path=PurePath(name), block_size=block_size)
        return [row for batch in gacc.batches() for row in batch.to_pylist()], gacc.months()
    except GaccFileError as err:
        return str(err), err.line, err.column
    finally:
        reader_module._PARSE_GB18030 = True


def assert_same_outcome(landing: Path, data: bytes, block_size: int = 1 << 20) -> None:
    name = "exports/gacc_2025-11.csv"
    path = landing / "gacc_2025-11.csv"
    path.write_bytes(data)
    assert outcome(path, name, block_size, parse_gb18030=True) == outcome(path, name, block_size, parse_gb18030=False)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gb18030") / "exports"
    folder.mkdir()
    return folder


@settings(derandomize=True, max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_downloads_read_as_when_transcoded(landing: Path, data: st.DataObject) -> None:
    assert_same_outcome(landing, data.draw(mutated(SEEDS["zh-gb18030.csv"])))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(rows=CSV_ROWS)
def test_any_field_values_read_as_when_transcoded(landing: Path, rows: list[tuple[str, ...]]) -> None:
    try:
        data = render_csv(ZH_HEADER, rows).encode("gb18030")
    except UnicodeEncodeError:  # lone surrogates have no GB18030 form
        return
    assert_same_outcome(landing, data)


def test_a_large_file_in_small_blocks_reads_as_when_transcoded(landing: Path) -> None:
    names = ["稀土永磁𠀀体", "镧铈㐀合金", "€ 欧元区", "ÅÄÖ", "钕铁硼（包括﹏）", "  空格  ", "?"]
    rows = [
        ["202511", f"{28460000 + i % 97:08d}", names[i % 7] * (1 + i % 5), "304", "德国", f"{i:,}", "千克", "1"]
        for i in range(5_000)
    ]
    assert_same_outcome(landing, render_csv(ZH_HEADER, rows).encode("gb18030"), block_size=4093)


def test_a_value_that_does_not_decode_is_found_on_its_row() -> None:
    good, bad = "稀土永磁".encode("gb18030"), b"\x81\x20"
    raw = pa.array([good, None, b"ASCII", bad, good, bad], pa.binary())
    with pytest.raises(NotGB18030) as caught:
        gb18030_column(raw)
    assert caught.value.row == 3


def test_columns_no_one_reads_are_checked_too() -> None:
    # 0x81 0x80 is a character although the numpy check leaves text holding 0x80 to the codec.
    assert gb18030_values_decode(pa.array(["稀土".encode("gb18030"), None, b"\x81\x80", b""], pa.binary()))
    # Each value on its own: a lead byte at the end of one is not completed by the next.
    assert not gb18030_values_decode(pa.array([b"ab\x81", b"\x40"], pa.binary()))
    assert not gb18030_values_decode(pa.array([b"\xff"], pa.binary()))


@pytest.mark.parametrize("bad", [b"\x81\x20", b"\xff", b"\x81"])
@pytest.mark.parametrize("where", ["name", "trailing"])
def test_a_bad_byte_is_reported_as_when_transcoded(landing: Path, bad: bytes, where: str) -> None:
    rows = [["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "29,100,000"]] * 3
    lines = render_csv(ZH_HEADER, rows, trailing_comma=True).encode("gb18030").split(b"\n")
    if where == "name":
        lines[2] = lines[2].replace("永磁".encode("gb18030"), bad)
    else:
        lines[2] += bad  # after the portal's trailing comma: a column no one reads
    data = b"\n".join(lines)
    assert_same_outcome(landing, data)
    gacc = open_gacc_file(landing / "gacc_2025-11.csv", relative_path=PurePath("exports/gacc_2025-11.csv"))
    with pytest.raises(GaccFileError, match=r"line 3: .*not valid GB18030"):
        list(gacc.batches())
