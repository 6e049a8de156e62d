"""Shared fixtures: GACC-shaped files written the way the portal (or a person re-saving one) writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from orchestration.warehouse import Warehouse

ZH_HEADER = ["数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "第一数量", "第一计量单位", "美元"]
EN_HEADER = [
    "Date of data",
    "Commodity code",
    "Commodity",
    "Trading partner code",
    "Trading partner",
    "Quantity",
    "Unit",
    "US dollar",
]

WriteCsv = Callable[..., Path]


def render_csv(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, trailing_comma: bool = False, quote_all: bool = False
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    for row in [header, *rows]:
        writer.writerow([*row, ""] if trailing_comma else row)
    return buffer.getvalue()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse").ensure()


@pytest.fixture
def write_csv(warehouse: Warehouse) -> WriteCsv:
    """Write a CSV below the landing folder: `write_csv("exports/x_2025-11.csv", header, rows, encoding=...)`."""

    def write(
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        encoding: str = "utf-8",
        trailing_comma: bool = False,
        quote_all: bool = False,
    ) -> Path:
        path = warehouse.landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_csv(header, rows, trailing_comma=trailing_comma, quote_all=quote_all).encode(encoding))
        return path

    return write
