"""The file's text for Arrow's CSV parser, checked chunk by chunk, naming the line of any byte that is not text.

Arrow's own transcoding reports a bad byte with no file and no line. Here the file is read in chunks of
whole lines, each checked strictly, while the newlines before each chunk are counted: a problem is reported
on its line, and in its column when that can be told.

A GB18030 file is not transcoded before parsing: no byte of a GB18030 multi-byte character is below 0x30,
so commas, quotes and line ends parse the same in GB18030 as in UTF-8. Arrow parses the GB18030 bytes into
binary columns, and `gb18030_column` decodes each column's distinct values: customs names repeat, so the
codec, which runs on one core and holds the GIL, sees a small fraction of the file. That decoding is also
the check of the bytes: a text decodes exactly when each of its fields does (a field ends at one of those
bytes, which no character holds), so a chunk is not checked as a whole; a column of ASCII needs no check,
and a column read for no value is checked with `gb18030_values_decode`. A problem found there is reported
by reading the file again the transcoding way, which names the line and column of the first bad byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.gacc.errors import GaccFileError
from orchestration.gacc.headers import column_label

CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 control characters other than tab, LF and CR: never text, and never inside a UTF-8 or GB18030 character."""

_IS_CONTROL = np.array([CONTROL_BYTES.match(bytes([b])) is not None for b in range(256)])
_READ_ALL = 1 << 20
_CUT_SHORT = ("unexpected end of data", "incomplete multibyte sequence")  # what Python's UTF-8 and GB18030 say


class Digest(Protocol):
    """What `line_chunks` needs of a hashlib object such as hashlib.sha256()."""

    def update(self, data: bytes | memoryview, /) -> None: ...


class LineTooLong(Exception):
    """`limit` bytes or more with no b"\\n": not CSV lines."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def line_chunks(f: BinaryIO, size: int, digest: Digest | None = None) -> Iterator[memoryview]:
    """The file's bytes in chunks of whole lines, at most `size` bytes each; only the last may lack its b"\\n".

    A chunk cut after b"\\n" decodes on its own, so chunks can be decoded independently (in parallel too):
    no byte of a UTF-8 or GB18030 multi-byte character is below 0x30, so b"\\n" is always a character of
    its own. Every byte of the chunks is fed to `digest` once, in file order. `size` bytes with no b"\\n"
    raise LineTooLong rather than make a chunk grow without bound.
    """
    while block := f.read(size):
        cut = block.rfind(b"\n") + 1
        if not cut and len(block) == size:
            raise LineTooLong(size)
        if 0 < cut < len(block):
            # The cut line is read again with the next chunk: a seek costs less than copying chunks together.
            f.seek(cut - len(block), io.SEEK_CUR)
        chunk = memoryview(block)[: cut or len(block)]
        if digest is not None:
            digest.update(chunk)
        yield chunk


def _is_utf8(data: bytes | memoryview) -> bool:
    # Arrow's validation (SIMD, no copy) is an order of magnitude faster than bytes.decode; Python's codec
    # runs only to find where a chunk that failed it goes wrong.
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def gb18030_decodes(data: np.ndarray) -> bool:
    """True only if `bytes(data).decode('gb18030')` succeeds; False when it fails or the check cannot tell.

    Python's decoder reads a byte below 0x80 as a character, and any other byte as the first of two (or,
    when the second is a digit, of four). So in a valid text the characters of a run of bytes >= 0x80 start
    at its even offsets, and a run of odd length ends in a character whose second byte is the byte after
    the run: it must be 0x40-0x7E, or a digit that starts the second half of a four-byte character. Every
    two-byte character with both bytes in 0x81-0xFE or a second byte in 0x40-0x7E is valid (tests check
    all of them against the codec); text holding 0x80 or 0xFF is left to the codec.
    """
    top = int(data.max()) if len(data) else 0
    if top < 0x80:
        return True
    if top == 0xFF or np.count_nonzero(data == 0x80):
        return False
    seconds = _odd_run_ends(data >= 0x80)
    if not len(seconds):
        return True
    if seconds[-1] >= len(data):
        return False  # the data ends inside a character
    second = data[seconds]
    if np.count_nonzero((second < 0x30) | ((second > 0x39) & (second < 0x40)) | (second == 0x7F)):
        return False
    digit = second <= 0x39
    if not digit.any():
        return True
    return _four_byte_characters_decode(data, seconds[digit] - 1)


_EVEN_BITS = np.uint64(0x5555_5555_5555_5555)
_ODD_BITS = np.uint64(0xAAAA_AAAA_AAAA_AAAA)


def _odd_run_ends(high: np.ndarray) -> np.ndarray:
    """Where each run of odd length of True in `high` ends (the index after it), in order.

    Runs are found 64 at a time in bit words, the way simdjson finds odd runs of backslashes: adding a
    run's start bit to the word carries through the run and lands after it, and the run is odd when that
    position's parity differs from its start's. A carry out of a word goes on into the next one.
    """
    words = np.zeros(len(high) // 64 + 2, dtype=np.uint64)
    packed = np.packbits(high, bitorder="little")
    words.view(np.uint8)[: len(packed)] = packed
    carried_in = np.zeros_like(words)
    carried_in[1:] = words[:-1] >> np.uint64(63)
    starts = words & ~((words << np.uint64(1)) | carried_in)
    ends = np.zeros_like(words)
    for start_bits, odd_end_bits in ((_EVEN_BITS, _ODD_BITS), (_ODD_BITS, _EVEN_BITS)):
        total = words + (starts & start_bits)
        carry = total < words
        while carry.any():
            carried = np.zeros_like(words)
            carried[1:] = carry[:-1]
            before, total = total, total + carried
            carry = total < before
        ends |= total & ~words & odd_end_bits
    hit = np.flatnonzero(ends)
    if not len(hit):
        return hit
    bits = np.unpackbits(ends[hit].view(np.uint8), bitorder="little").reshape(len(hit), 64)
    rows, columns = np.nonzero(bits)
    return hit[rows] * 64 + columns


def _four_byte_characters_decode(data: np.ndarray, halves: np.ndarray) -> bool:
    """Whether the two-byte halves starting at `halves` (each a byte >= 0x81 and a digit) pair into valid characters.

    Adjacent halves form chains; the decoder pairs each chain from its start, so a chain of odd length
    leaves a half that the next bytes cannot complete. The ranges are those of CPython's GB18030 decoder:
    U+0080-U+FFFF for first bytes 0x81-0x84 below linear index 39420, U+10000-U+10FFFF from 0x90.
    """
    follows = np.zeros(len(halves), dtype=bool)
    follows[1:] = halves[1:] == halves[:-1] + 2
    chain_starts = np.flatnonzero(~follows)
    lengths = np.diff(np.append(chain_starts, len(halves)))
    if np.count_nonzero(lengths & 1):
        return False
    first = halves[((np.arange(len(halves)) - np.repeat(chain_starts, lengths)) & 1) == 0]
    b0, b1, b2, b3 = (data[first + k].astype(np.int64) for k in range(4))
    linear = ((b0 - 0x81) * 10 + (b1 - 0x30)) * 1260 + (b2 - 0x81) * 10 + (b3 - 0x30)
    bmp = (b0 <= 0x84) & (linear < 39420)
    supplementary = (b0 >= 0x90) & (linear - 189000 + 0x10000 <= 0x10FFFF)
    return bool(np.all(bmp | supplementary))


def value_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of a binary or string array's values (its slice of them) and its character data, as numpy."""
    _, offsets, data = values.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[values.offset : values.offset + len(values) + 1]
    return bounds, np.zeros(0, np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)


def gb18030_column(values: pa.Array, then: Callable[[pa.Array], pa.Array] | None = None) -> pa.Array:
    """A binary column parsed from GB18030 text, as UTF-8 strings: the same values as decoding first.

    A column of ASCII is its own UTF-8 (no copy). Otherwise each distinct value is decoded once: names
    repeat, and a batch holds a few hundred distinct ones among thousands of rows. A value is whole
    characters, since the bytes that end a field (comma, quote, line end) are never inside one. `then`, a
    function of each value on its own (such as trimming), runs on the distinct values only. Raises
    NotGB18030 when a value does not decode.
    """
    bounds, data = value_buffers(values)
    if bounds[0] == bounds[-1] or int(data[bounds[0] : bounds[-1]].max()) < 0x80:
        text = values.view(pa.string())
        return text if then is None else then(text)
    encoded = pc.dictionary_encode(values)
    try:
        distinct = _decode_distinct(encoded.dictionary)
    except UnicodeDecodeError as err:
        # Distinct values come in the order of their first rows: the first that fails is on the first bad row.
        bad = int(np.count_nonzero(_joined(encoded.dictionary)[: err.start] == 0))
        raise NotGB18030(int(np.argmax(encoded.indices.to_numpy(zero_copy_only=False) == bad))) from err
    return pc.take(distinct if then is None else then(distinct), encoded.indices)


class NotGB18030(ValueError):
    """A value of a column parsed from unchecked GB18030 bytes does not decode; `row` is the first such row."""

    def __init__(self, row: int) -> None:
        super().__init__(f"row {row} is not valid GB18030")
        self.row = row


def gb18030_values_decode(values: pa.Array) -> bool:
    """Whether every value of a binary array decodes as GB18030 (each on its own), for columns no one reads."""
    joined = _joined(values)
    if gb18030_decodes(joined):
        return True
    try:  # the check could not tell, or the text is bad: the codec says which
        joined.tobytes().decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _joined(words: pa.Array) -> np.ndarray:
    """The values' bytes with a NUL between each two: NUL ends any character, and the file holds none
    (`TextStream` refuses control characters)."""
    bounds, data = value_buffers(words)
    return np.insert(data[bounds[0] : bounds[-1]], bounds[1:-1] - bounds[0], 0)


def _decode_distinct(words: pa.Array) -> pa.Array:
    """Binary values (no nulls) of GB18030 as a string array: one call of the codec for all of them.

    They are joined with NUL, which the file never holds (`TextStream` refuses it), and split again after
    decoding. Raises UnicodeDecodeError when a value does not decode.
    """
    text = np.frombuffer(_joined(words).tobytes().decode("gb18030").encode("utf-8"), dtype=np.uint8)
    breaks = np.flatnonzero(text == 0)
    offsets = np.concatenate(([0], breaks - np.arange(len(breaks)), [len(text) - len(breaks)])).astype(np.int32)
    return pa.StringArray.from_buffers(len(words), pa.py_buffer(offsets), pa.py_buffer(np.delete(text, breaks)))


class Pace:
    """Holds reading back to a few chunks ahead of the consumer of the rows, whatever Arrow reads ahead.

    Arrow's streaming CSV reader reads up to 32 blocks ahead in the background, more than the rows need
    when typing or inserting is the slower stage. `TextStream` waits before a chunk while the lines it
    handed out run `chunks` chunks ahead of the rows taken; a consumer that takes none for a second while
    reading waits goes on anyway (it may need a row that the next chunk completes).
    """

    def __init__(self, chunks: int = 8) -> None:
        self._chunks = chunks
        self._changed = threading.Condition()
        self._taken = 0
        self._closed = False

    def took(self, rows: int) -> None:
        with self._changed:
            self._taken += rows
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait(self, lines: int, chunks_read: int) -> None:
        """Return when reading past `lines` lines (in `chunks_read` chunks) keeps within the pace."""
        if not chunks_read:
            return
        ahead = self._chunks * max(lines // chunks_read, 1)
        with self._changed:
            while not self._closed and lines - self._taken > ahead:
                taken = self._taken
                if not self._changed.wait(timeout=1.0) and self._taken == taken:
                    return


class TextStream(io.RawIOBase):
    """A file-like object of checked text for `pyarrow.csv.open_csv`, made from `line_chunks` of the file.

    `encoding` is what `detect_encoding` found. The text is UTF-8, except for a GB18030 file read with
    `transcode=False`: then it is the file's own bytes, checked here for control characters only, for binary
    columns and `gb18030_column`, whose decoding checks the rest.
    `positions` are the header's canonical columns, to name the column of a bad byte; `pace` holds reading
    back to the consumer of the rows. `read` raises GaccFileError at the first problem in the bytes.
    """

    def __init__(
        self,
        chunks: Iterator[memoryview],
        encoding: str,
        name: str,
        positions: Sequence[str | None] = (),
        *,
        transcode: bool = True,
        pace: Pace | None = None,
    ) -> None:
        super().__init__()
        self._chunks = chunks
        self._pace = pace
        self._chunks_read = 0
        self._codec = "gb18030" if encoding == "gb18030" else "utf-8"
        self._transcode = transcode or self._codec != "gb18030"
        self._name = name
        self._positions = positions
        self._lines = 0  # b"\n" before the current chunk
        self._quotes = 0  # b'"' before the current chunk: whether a line starts inside a quoted field
        self._first = True
        self._pending: bytes | memoryview = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes | memoryview:  # type: ignore[override]
        """Up to `size` bytes of UTF-8 (everything for -1), as any bytes-like object; empty at the end.

        A read returns the rest of one chunk at most, without a copy: Arrow takes each read as a block,
        and blocks that end at a line end are what its parser handles best.
        """
        if size < 0:
            return b"".join(iter(lambda: self.read(_READ_ALL), b""))
        if not self._pending:
            self._pending = self._next_text()
        text, self._pending = self._pending[:size], self._pending[size:]
        return text

    def _next_text(self) -> bytes | memoryview:
        if self._pace is not None:
            self._pace.wait(self._lines, self._chunks_read)
        self._chunks_read += 1
        try:
            chunk = next(self._chunks, memoryview(b""))
        except LineTooLong as err:
            raise GaccFileError(
                self._name,
                f"no line break in {err.limit:,} bytes: a GACC line is a few hundred bytes; is this a CSV file?",
                line=self._lines + 1,
            ) from None
        data = np.frombuffer(chunk, dtype=np.uint8)
        line_ends = np.count_nonzero(data == ord("\n"))
        # Bytes below 0x20 are line ends, CRs and tabs, or control characters: counting is faster than a search.
        others = np.count_nonzero(data < 0x20) - line_ends
        if others and others > np.count_nonzero(data == ord("\r")) + np.count_nonzero(data == ord("\t")):
            at = int(np.argmax(_IS_CONTROL[data]))
            raise self._error(bytes(chunk), at, f"control character U+{chunk[at]:04X} in text")
        text = self._decode(chunk, data)
        self._lines += int(line_ends)
        self._quotes += int(np.count_nonzero(data == ord('"')))
        return text

    def _decode(self, chunk: memoryview, data: np.ndarray) -> bytes | memoryview:
        if self._codec == "gb18030":
            if not self._transcode:
                return chunk  # checked per column as it is decoded (gb18030_column)
            try:
                text = str(chunk, "gb18030")
            except UnicodeDecodeError as err:
                raise self._decode_error(bytes(chunk), err) from err
            return text.encode("utf-8") if self._transcode else chunk
        if not _is_utf8(chunk):
            try:
                str(chunk, "utf-8")
            except UnicodeDecodeError as err:
                raise self._decode_error(bytes(chunk), err) from err
        if self._first and chunk[: len(codecs.BOM_UTF8)] == codecs.BOM_UTF8:
            chunk = chunk[len(codecs.BOM_UTF8) :]  # the mark, not text: Arrow would read it into the first field
        self._first = False
        return chunk

    def _decode_error(self, chunk: bytes, err: UnicodeDecodeError) -> GaccFileError:
        byte = f"byte 0x{chunk[err.start]:02x}"
        if err.reason in _CUT_SHORT:
            # Only the last chunk can end inside a character: the others end with b"\n".
            problem = f"the file ends inside a character ({byte}): it was cut short; download it again"
        elif self._codec == "gb18030":
            # Mixed files are mostly GB18030 with lines pasted from a UTF-8 or a Latin-1 (Excel) source.
            hint = "UTF-8 text?" if _is_utf8(_line_at(chunk, err.start)) else "Latin-1 text?"
            problem = f"{byte} is not valid GB18030 ({hint}); save the whole file in one encoding"
        else:
            problem = (
                f"{byte} is not valid UTF-8 although the file starts as UTF-8 (it goes on in another encoding, "
                "e.g. GB18030); save the whole file in one encoding"
            )
        return self._error(chunk, err.start, problem)

    def _error(self, chunk: bytes, at: int, problem: str) -> GaccFileError:
        """The problem at byte `at` of `chunk`, on its line and, when it can be told, in its column."""
        line = self._lines + chunk.count(b"\n", 0, at) + 1
        column = self._column(chunk, at)
        if column is None:
            return GaccFileError(self._name, problem, line=line)
        canonical = self._positions[column] if column < len(self._positions) else None
        label = column_label(canonical) if canonical else str(column + 1)
        return GaccFileError(self._name, f"column {label}: {problem}", line=line, column=canonical)

    def _column(self, chunk: bytes, at: int) -> int | None:
        line_start = chunk.rfind(b"\n", 0, at) + 1
        # A line that starts inside a quoted field (after an odd number of quotes) goes on with an earlier
        # line's field: its own commas tell nothing.
        if (self._quotes + chunk.count(b'"', 0, line_start)) % 2:
            return None
        try:
            fields = next(csv.reader([chunk[line_start:at].decode(self._codec, errors="replace")]), [])
        except csv.Error:
            return None
        return max(len(fields) - 1, 0)


def _line_at(chunk: bytes, at: int) -> bytes:
    end = chunk.find(b"\n", at)
    return chunk[chunk.rfind(b"\n", 0, at) + 1 : len(chunk) if end < 0 else end]
