"""A revised copy of a customs file: what a later vintage of a month looks like to the loader."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

_CODE_HEADERS = ("Commodity code", "商品编码")
_PARTNER_HEADERS = ("Trading partner code", "贸易伙伴编码")
_QUANTITY_HEADERS = ("Quantity", "第一数量")
# (header, data rows) -> the data line (1-based) whose quantity changes, and by how many kilograms
LineChange = Callable[[list[str], list[list[str]]], tuple[int, Decimal]]


def revised_copy(original: bytes) -> bytes:
    """The month's file with the quantity of its first line raised by one tonne, every other byte unchanged."""
    return _with_line_quantity(original, lambda header, rows: (1, Decimal(1000)))


def with_partner_quantity(original: bytes, hs_code: str, partner_code: str, kilograms: int) -> bytes:
    """The month's file with the total quantity of one commodity and partner set to `kilograms`: what a revision
    of that figure looks like. A file may split the total over several lines (provinces, regimes); the change is
    made on the first of them, every other byte stays."""

    def change(header: list[str], rows: list[list[str]]) -> tuple[int, Decimal]:
        code, partner, quantity = (
            next(i for i, name in enumerate(header) if name in names)
            for names in (_CODE_HEADERS, _PARTNER_HEADERS, _QUANTITY_HEADERS)
        )
        matching = [
            index
            for index, row in enumerate(rows, start=1)
            if row[code].strip() == hs_code and row[partner].strip() == partner_code
        ]
        if not matching:
            raise ValueError(f"no line of {hs_code} and partner {partner_code}")
        total = sum(Decimal(rows[i - 1][quantity].replace(",", "")) for i in matching)
        return matching[0], kilograms - total

    return _with_line_quantity(original, change)


def _with_line_quantity(original: bytes, change: LineChange) -> bytes:
    """The file with one line's quantity moved by the amount `change(header, rows)` returns as (line index, delta):
    the file's encoding, byte-order mark, quoting, thousands separators and line ends kept."""
    bom = original.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = original.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = original.decode("gb18030"), "gb18030"
    lines = text.splitlines(keepends=True)
    header = [name.strip() for name in next(csv.reader([lines[0]]))]
    rows = [next(csv.reader([line])) for line in lines[1:]]
    index, delta = change(header, rows)
    quantity = next(i for i, name in enumerate(header) if name in _QUANTITY_HEADERS)
    row = rows[index - 1]
    amount = row[quantity].strip()
    changed = Decimal(amount.replace(",", "")) + delta
    if changed <= 0:
        raise ValueError(f"line {index + 1} cannot absorb a change of {delta} kg")
    row[quantity] = f"{changed:,}" if "," in amount else str(changed)
    ending = lines[index][len(lines[index].rstrip("\r\n")) :]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(row)
    lines[index] = buffer.getvalue()
    body = "".join(lines).encode(encoding)
    return (b"\xef\xbb\xbf" + body) if bom else body
