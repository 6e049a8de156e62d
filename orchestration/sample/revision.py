"""A revised copy of a customs file: what a later vintage of a month looks like to the loader."""

from __future__ import annotations

import csv
import io
from decimal import Decimal


def revised_copy(original: bytes) -> bytes:
    """The month's file with the quantity of its first line raised by one tonne, every other byte unchanged."""
    bom = original.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = original.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = original.decode("gb18030"), "gb18030"
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    column = next(i for i, name in enumerate(header) if name.strip() in ("Quantity", "第一数量"))
    row = next(csv.reader([lines[1]]))
    amount = row[column].strip()
    raised = Decimal(amount.replace(",", "")) + 1000
    row[column] = f"{raised:,}" if "," in amount else str(raised)
    ending = lines[1][len(lines[1].rstrip("\r\n")) :]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(row)
    lines[1] = buffer.getvalue()
    body = "".join(lines).encode(encoding)
    return (b"\xef\xbb\xbf" + body) if bom else body
