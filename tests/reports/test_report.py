"""The monthly report from the published sample: offline HTML with every part, valid PNGs, the 2025 trough; the
quality notes and the data vintage in a reader's words."""

from __future__ import annotations

import re
import shutil
import struct
from datetime import date
from pathlib import Path

import altair as alt
import duckdb
import jsonschema
import pytest
from conftest import SampleLoad, rare_earth

from orchestration.reports.report import SECTIONS, Report, build_report
from orchestration.sample.revision import with_partner_quantity

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
    assert re.search(
        r"Data vintage: exports 2024-01 to 2025-12, 24 months from 24 files; imports 2024-01 to 2025-12, 24 months "
        r"from 24 files; partner-reported statistics \(UN Comtrade\) 2024-01 to 2025-12, 24 months from 8 files; no "
        r"month revised since first loaded\.",
        page,
    )
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


MAY_US_MAGNETS = (
    "May 2025: magnet exports to the US fell 85.2% on the month, beyond their usual range (±53%); published as is"
)


def test_each_month_carries_its_data_quality_status_in_words(report: Report) -> None:
    quality = {month: (status, detail) for month, _, status, detail in report.takeaways}
    assert quality[date(2025, 11, 1)] == ("all checks passed", "")
    status, detail = quality[date(2025, 5, 1)]
    assert status == "published with warnings"
    assert detail.splitlines() == [
        MAY_US_MAGNETS,
        "May 2025: magnet exports to the world fell 52.9% on the month, beyond their usual range (±33%); published as "
        "is",
        'May 2025: exports on the customs "rare earths" line (metals and compounds) to the US rose 71.0% on the month, '
        "beyond their usual range (±66%); published as is",
        # The mirror check: goods at sea kept partner-reported imports above China's collapsing exports.
        "May 2025: the US reported 173.3% more magnet imports from China than China reported exporting to it "
        "(usually -0.5%, ±30 points); published as is",
        *(
            f"May 2025: {partner} reported {gap} more magnet imports from China than China reported exporting to it "
            f"(usually {usual}, ±30 points); published as is"
            for partner, gap, usual in (
                ("Germany", "30.7%", "-0.3%"),
                ("Japan", "30.8%", "-0.1%"),
                ("South Korea", "30.2%", "-0.3%"),
            )
        ),
    ]
    page = report.index.read_text(encoding="utf-8")
    assert f"<li>{MAY_US_MAGNETS}</li>" in page
    # Nothing of Great Expectations' internals reaches the reader (the scripts hold Vega and the chart specs).
    shown = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "Key takeaways" in shown and MAY_US_MAGNETS in shown
    for internal in ("expect_column", "mom_beyond_band", "gap_beyond_band", "marts_month", "[warning]", "series="):
        assert internal not in shown, internal


def test_each_month_names_the_file_its_figures_come_from(report: Report) -> None:
    assert report.sources[("export", date(2025, 11, 1))] == "gacc_exports_2025-11.csv"
    assert report.sources[("import", date(2024, 1, 1))] == "gacc_imports_2024-01.csv"
    assert len(report.sources) == 48
    page = report.index.read_text(encoding="utf-8")
    assert "<summary>Which release and file each month comes from</summary>" in page
    assert "<tr><td>2025-11</td><td>gacc_exports_2025-11.csv</td><td>gacc_imports_2025-11.csv</td></tr>" in page


@pytest.fixture(scope="module")
def revised(sample_load: SampleLoad, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample warehouse after a revised November 2025 export file, loaded by the real CLI (which
    renders the report after its publish)."""
    warehouse = tmp_path_factory.mktemp("revised") / "warehouse"
    shutil.copytree(sample_load.pristine, warehouse)
    november = warehouse / "landing" / "exports" / "2025" / "gacc_exports_2025-11.csv"
    november.with_name("gacc_exports_2025-11_revised.csv").write_bytes(
        with_partner_quantity(november.read_bytes(), "85051110", "502", 580_000)
    )
    load = rare_earth(warehouse, "load")
    assert load.returncode == 0, load.stderr
    return warehouse


def test_a_revised_month_names_its_release_and_the_file_it_replaced(revised: Path) -> None:
    page = (revised / "reports" / "index.html").read_text(encoding="utf-8")
    assert "; 1 month revised since first loaded: exports 2025-11." in page
    assert (
        "<tr><td>2025-11</td><td>revised release (gacc_exports_2025-11_revised.csv), first loaded from "
        "gacc_exports_2025-11.csv</td><td>gacc_imports_2025-11.csv</td></tr>"
    ) in page
    assert "<tr><td>2025-10</td><td>gacc_exports_2025-10.csv</td>" in page  # the other months as they were


def test_a_note_stored_by_an_earlier_release_is_named_not_shown(sample_load: SampleLoad, tmp_path: Path) -> None:
    published = tmp_path / "rare_earth.duckdb"
    shutil.copyfile(sample_load.pristine / "rare_earth.duckdb", published)
    con = duckdb.connect(str(published))
    try:  # the engineer's summary, as the release before this one recorded it
        con.execute(
            """update audit.check_outcomes set summary = '[warning] marts_month.expect_column_values_to_be_between on '
               || 'mom_beyond_band (Month-on-month moves ...): 1 unexpected, e.g. mom_beyond_band=32.2'
               where month = '2025-05-01' and check_name = 'marts_month_expectations'"""
        )
    finally:
        con.close()
    report = build_report(published, tmp_path / "report")
    [(status, detail)] = [(s, d) for month, _, s, d in report.takeaways if month == date(2025, 5, 1)]
    assert status == "published with warnings"
    assert detail.splitlines()[0] == (
        "May 2025: a warning from the check marts_month_expectations, recorded by an earlier release without a note "
        "in words (the next load of this month writes one)"
    )
    assert all("mom_beyond_band" not in line for line in detail.splitlines())  # the mirror's notes follow, in words


def test_every_chart_is_valid_vega_lite(report: Report) -> None:
    """The report skips Altair's schema check at each load; the specs it rendered pass it here."""
    schema = alt.vegalite.v6.schema.load_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    for name, spec in report.specs.items():
        errors = list(validator.iter_errors(spec))
        assert errors == [], (name, [e.message for e in errors[:3]])
