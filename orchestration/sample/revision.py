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


_CODE_HEADERS = ("Commodity code", "商品编码")
_PARTNER_HEADERS = ("Trading partner code", "贸易伙伴编码")
_QUANTITY_HEADERS = ("Quantity", "第一数量")


def with_partner_quantity(original: bytes, hs_code: str, partner_code: str, kilograms: int) -> bytes:
    """The month's file with the total quantity of one commodity and partner set to `kilograms`: what a revision
    of that figure looks like. A file may split the total over several lines (provinces, regimes); the change is
    made on the first of them, every other byte stays."""
    bom = original.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = original.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = original.decode("gb18030"), "gb18030"
    lines = text.splitlines(keepends=True)
    header = [name.strip() for name in next(csv.reader([lines[0]]))]
    code, partner, quantity = (
        next(i for i, name in enumerate(header) if name in names)
        for names in (_CODE_HEADERS, _PARTNER_HEADERS, _QUANTITY_HEADERS)
    )
    matching = [
        (index, row)
        for index, row in ((i, next(csv.reader([line]))) for i, line in enumerate(lines[1:], start=1))
        if row[code].strip() == hs_code and row[partner].strip() == partner_code
    ]
    if not matching:
        raise ValueError(f"no line of {hs_code} and partner {partner_code}")
    total = sum(Decimal(row[quantity].replace(",", "")) for _, row in matching)
    index, row = matching[0]
    amount = row[quantity].strip()
    changed = Decimal(amount.replace(",", "")) + kilograms - total
    if changed <= 0:
        raise ValueError(f"the first line of {hs_code} and {partner_code} cannot absorb a change to {kilograms} kg")
    row[quantity] = f"{changed:,}" if "," in amount else str(changed)
    ending = lines[index][len(lines[index].rstrip("\r\n")) :]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(row)
    lines[index] = buffer.getvalue()
    body = "".join(lines).encode(encoding)
    return (b"\xef\xbb\xbf" + body) if bom else body
