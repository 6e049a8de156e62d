"""Telling a portal download (GB18030) from a re-saved UTF-8 file, and spotting files that are not text."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from orchestration.gacc.errors import GaccFileError

_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CHUNK = 1 << 20


def detect_encoding(path: Path, name: str | None = None) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' (a superset of GBK), judged on the first non-ASCII bytes.

    ASCII reads the same in every candidate, so only the first stretch of non-ASCII text can tell them
    apart; a GB18030 Chinese text is practically never valid UTF-8. `name` is how errors call the file.
    """
    name = name or str(path)
    with path.open("rb") as f:
        head = f.read(4)
        if not head:
            raise GaccFileError(name, "the file is empty (0 bytes); download it again")
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise GaccFileError(name, "the file is UTF-16; save it as UTF-8 or GB18030 CSV")
        if head.startswith(b"PK\x03\x04"):
            raise GaccFileError(name, "the file is a zip or Excel workbook named .csv; name it .xlsx")
        f.seek(0)
        while chunk := f.read(_CHUNK):
            if b"\x00" in chunk:
                raise GaccFileError(name, "the file holds binary data (NUL bytes), not CSV text")
            found = _NON_ASCII.search(chunk)
            if found is None:
                continue
            window = chunk[found.start() : found.start() + 4096]
            try:
                window.decode("utf-8")
            except UnicodeDecodeError as err:
                # A character cut by the window's end is no evidence against UTF-8.
                if not (err.reason == "unexpected end of data" and err.start >= len(window) - 3):
                    return "gb18030"
            return "utf-8"
    return "utf-8"
