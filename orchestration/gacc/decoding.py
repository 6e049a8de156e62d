"""The file as UTF-8 for Arrow's CSV parser, decoded chunk by chunk, naming the line of any byte that is not text.

Arrow's own transcoding reports a bad byte with no file and no line. Here the file is read in chunks of
whole lines, each checked and decoded strictly by Python's codecs, while the newlines before each chunk are
counted: a problem is reported on its line, and in its column when that can be told.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa

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


class Utf8Stream(io.RawIOBase):
    """A file-like object of UTF-8 text for `pyarrow.csv.open_csv`, made from `line_chunks` of the file.

    `encoding` is what `detect_encoding` found; `positions` are the header's canonical columns, to name
    the column of a bad byte. `read` raises GaccFileError at the first problem in the bytes.
    """

    def __init__(
        self, chunks: Iterator[memoryview], encoding: str, name: str, positions: Sequence[str | None] = ()
    ) -> None:
        super().__init__()
        self._chunks = chunks
        self._codec = "gb18030" if encoding == "gb18030" else "utf-8"
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
        text = self._decode(chunk)
        self._lines += int(line_ends)
        self._quotes += int(np.count_nonzero(data == ord('"')))
        return text

    def _decode(self, chunk: memoryview) -> bytes | memoryview:
        if self._codec == "gb18030":
            try:
                return str(chunk, "gb18030").encode("utf-8")
            except UnicodeDecodeError as err:
                raise self._decode_error(bytes(chunk), err) from err
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
