"""The monthly report from the published sample: offline HTML with every part, valid PNGs, the 2025 trough."""

from __future__ import annotations

import re
import struct
from datetime import date
from pathlib import Path

import pytest
from conftest import SampleLoad

from orchestration.reports.report import SECTIONS, Report, build_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(sample_load: SampleLoad, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return build_report(sample_load.pristine / "rare_earth.duckdb", tmp_path_factory.mktemp("report"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_page_needs_no_network_and_holds_every_part(report: Report) -> None:
    page = report.index.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=\"https?:", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    for name in SECTIONS:
        assert f'<div class="chart" id="chart-{name}"></div>' in page
        assert f"vegaEmbed('#chart-{name}'" in page
    assert "function vegaEmbed" in page or "vegaEmbed" in page.split("<script", 2)[1]  # the bundle is inline
    assert "Key takeaways" in page
    assert (
        "<tr><td>2025-11</td><td>US-bound rare-earth magnet exports fell 11.3% month on month to 582 t, while all "
        "rare-earth exports rose 18.5%, magnets included (the customs &quot;rare earths&quot; line, metals and "
        "compounds, "
    ) in page
    assert re.search(r"Data vintage: exports 2024-01 to 2025-12 \(24 months, 24 files, newest vintage 24\)", page)
    assert re.search(r"Published \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)


def test_the_trough_is_may_2025_at_46_tonnes_and_annotated(report: Report) -> None:
    assert report.trough == (date(2025, 5, 1), 46.0)
    assert report.latest_month == date(2025, 12, 1)
    assert "trough 2025-05: 46 t" in report.index.read_text(encoding="utf-8")


def test_every_chart_is_a_png_of_sensible_size(report: Report) -> None:
    assert sorted(report.pngs) == sorted(SECTIONS)
    for name, path in report.pngs.items():
        width, height = png_size(path)
        assert 800 <= width <= 3000 and 300 <= height <= 2500, (name, width, height)
        assert path.stat().st_size > 20_000, name  # a chart, not an empty canvas


def test_each_month_carries_its_data_quality_status(report: Report) -> None:
    quality = {month: (status, detail) for month, _, status, detail in report.takeaways}
    assert quality[date(2025, 11, 1)] == ("all checks passed", "")
    status, detail = quality[date(2025, 5, 1)]
    assert status == "warnings from marts_month_expectations"
    assert "series=magnets exports to United States month=2025-05-01 mom_pct=-85.2" in detail
