"""Telling a portal download (GB18030) from a re-saved UTF-8 file, and spotting files that are not CSV text."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from orchestration.gacc.decoding import CONTROL_BYTES
from orchestration.gacc.errors import GaccFileError

_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CHUNK = 1 << 20
_HEAD = 1 << 16  # where line endings are judged
_SNIFF = 1 << 12  # where binary content is judged
_WINDOW = 1 << 12  # where the encoding is judged
_SIGNATURES = {
    codecs.BOM_UTF16_LE: "the file is UTF-16; save it as UTF-8 or GB18030 CSV",
    codecs.BOM_UTF16_BE: "the file is UTF-16; save it as UTF-8 or GB18030 CSV",
    b"PK\x03\x04": "the file is a zip or Excel workbook named .csv; name it .xlsx",
    b"\xd0\xcf\x11\xe0": "the file is an old Excel .xls workbook; save it as .xlsx or as CSV",
}
_HTML = re.compile(rb"\s*<(!doctype html|html)", re.IGNORECASE)


def detect_encoding(path: Path, name: str | None = None) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' (a superset of GBK), judged on the first line with non-ASCII bytes.

    ASCII reads the same in every candidate, so only the first stretch of non-ASCII text can tell them
    apart; a line of GB18030 Chinese text is practically never valid UTF-8. `name` is how errors call the file.
    Raises GaccFileError for a file that is not CSV text at all.
    """
    name = name or str(path)
    with path.open("rb") as f:
        head = f.read(_HEAD)
        _refuse_non_text(head, name)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        f.seek(0)
        while chunk := f.read(_CHUNK):
            found = None if chunk.isascii() else _NON_ASCII.search(chunk)
            if found is None:
                continue
            # The rest of that line only: a file that starts as UTF-8 and goes on in GB18030 is UTF-8 here,
            # and its first GB18030 line is reported as such when the rows are read.
            end = chunk.find(b"\n", found.start(), found.start() + _WINDOW)
            window = chunk[found.start() : end if end >= 0 else found.start() + _WINDOW]
            try:
                window.decode("utf-8")
            except UnicodeDecodeError as err:
                # A character cut by the window's end is no evidence against UTF-8.
                if not (err.reason == "unexpected end of data" and err.start >= len(window) - 3):
                    return "gb18030"
            return "utf-8"
    return "utf-8"


def _refuse_non_text(head: bytes, name: str) -> None:
    """A file that is something else named .csv, or text that Arrow would read as one endless line."""
    problem = next((p for signature, p in _SIGNATURES.items() if head.startswith(signature)), None)
    if problem is None and _HTML.match(head):
        problem = "the file is a web page (a portal error or login page?), not the CSV download; download it again"
    if problem is None:
        problem = _binary_problem(head[:_SNIFF])
    if problem is not None:
        raise GaccFileError(name, problem)
    if b"\n" not in head and b"\r" in head:
        raise GaccFileError(
            name, "lines end with CR only (old Mac format); save the file with LF or CRLF line endings", line=1
        )


def _binary_problem(sniff: bytes) -> str | None:
    # Text holds a stray control character at most (reported on its line when the rows are read); binary
    # data is full of them. UTF-16 text of ASCII characters has a NUL in every other byte, and only there.
    if len(CONTROL_BYTES.findall(sniff)) * 20 <= len(sniff):
        return None
    fewer, more = sorted((sniff[0::2].count(0), sniff[1::2].count(0)))
    if more * 4 > len(sniff) and fewer * 10 < more:
        return "the file looks like UTF-16 without a byte-order mark; save it as UTF-8 or GB18030 CSV"
    return "the file holds binary data (NUL or other control bytes), not CSV text"
