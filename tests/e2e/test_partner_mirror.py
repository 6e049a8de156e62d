"""The partner's side of the trade, end to end: the bundled sample's UN Comtrade files load beside the customs files,
the mirror mart compares the two sides, the gap check names the sample's anomaly in words, the report shows what the
partners report, and a partner file failing its blocking suite is held back while everything else is published."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from comtrade_files import base_row, render
from conftest import SampleLoad, rare_earth

from orchestration.sample.comtrade import ANOMALY

pytestmark = pytest.mark.slow


def published(database: Path, query: str, parameters: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(query, parameters).fetchall()
    finally:
        con.close()


def test_the_sample_load_reads_the_partner_files_and_runs_their_suite(sample_load: SampleLoad) -> None:
    assert sample_load.load.returncode == 0, sample_load.load.stderr
    assert "56 files loaded, 0 quarantined" in sample_load.load.stdout
    assert re.search(
        r"^\d\d:\d\d:\d\d partner_month_expectations: 24 months checked, 24 passed", sample_load.load.stderr, re.M
    )
    status = rare_earth(sample_load.pristine, "status")
    assert "partner-reported (UN Comtrade): 24 months loaded from 8 files" in status.stdout
    assert "partner/sample_comtrade_JPN_2025.xlsx" in status.stdout


def test_us_magnets_are_mirrored_in_every_month_of_2025_with_the_anomaly_in_june(published_sample: Path) -> None:
    rows = published(
        published_sample,
        """select month, china_reported_tonnes, partner_reported_tonnes, partner_reported_tonnes_next_month,
                  tonnes_gap_pct, partner_reported_value_usd, mirror_hs_code, partner_code, partner_name_en
           from marts.mirror_trade_monthly
           where partner_iso3 = 'USA' and product_group = 'magnets' and month >= date '2025-01-01' order by month""",
    )
    assert [r[0] for r in rows] == [date(2025, m, 1) for m in range(1, 13)]
    assert all(r[2] is not None and r[2] > 0 for r in rows)
    assert {r[6:] for r in rows} == {("850511", "502", "United States")}
    june = next(r for r in rows if r[0] == date(2025, 6, 1))
    assert ANOMALY.month == "2025-06"
    assert (june[1], round(june[2], 2), round(june[4], 1)) == (353.0, round(353.0 * ANOMALY.ratio, 2), 45.0)
    may = next(r for r in rows if r[0] == date(2025, 5, 1))
    assert may[3] == june[2]  # the partner's figure one month later sits beside China's May
    december = rows[-1]
    assert december[3] is None  # no partner figure for January 2026 yet


def test_the_mirror_compares_four_partners_and_three_groups_and_goes_to_parquet(published_sample: Path) -> None:
    [(partners, groups, rows)] = published(
        published_sample,
        """select list(distinct partner_iso3 order by partner_iso3),
                  list(distinct product_group order by product_group), count(*)
           from marts.mirror_trade_monthly""",
    )
    assert (partners, groups, rows) == (["DEU", "JPN", "KOR", "USA"], ["compounds", "magnets", "metals"], 4 * 3 * 24)
    exported = pq.read_table(published_sample.parent / "exports" / "mirror_trade_monthly.parquet")
    assert exported.num_rows == rows
    assert exported.schema.field("tonnes_gap_pct").type == "double"


def test_the_gap_check_names_the_anomaly_in_words_and_publishes_it(published_sample: Path) -> None:
    [(status, summary)] = published(
        published_sample,
        """select status, summary from audit.check_outcomes
           where check_name = 'mirror_month_expectations' and month = date '2025-06-01'""",
    )
    assert status == "warning"
    assert (
        "June 2025: the US reported 45.0% more magnet imports from China than China reported exporting to it" in summary
    )
    assert summary.splitlines()[0].endswith("published as is")


def test_the_report_shows_what_the_partners_report(sample_load: SampleLoad) -> None:
    reports = sample_load.pristine / "reports"
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert "<h2>What the partners report</h2>" in page
    assert "US-reported imports from China" in page  # the chart's series, in the embedded spec
    table = page[page.index('<table id="mirror-gaps">') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + 4 * 3  # a header and each partner's three groups
    assert "<td>magnets</td><td>United States</td><td>564</td>" in table
    assert (reports / "partners.png").stat().st_size > 10_000


def test_a_partner_file_failing_its_suite_is_held_back_and_the_rest_published(
    sample_load: SampleLoad, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    landing = warehouse / "landing"
    for month in ("2025-05", "2025-06"):
        source = sample_load.pristine / "landing" / "exports" / "2025" / f"gacc_exports_{month}.csv"
        (landing / "exports").mkdir(parents=True, exist_ok=True)
        shutil.copy(source, landing / "exports" / source.name)
    may = base_row(refMonth="5", period="202505", refPeriodId="20250501", netWgt="231900")
    june = base_row(refMonth="6", period="202506", refPeriodId="20250601", netWgt="511900")
    (landing / "partner").mkdir()
    (landing / "partner" / "usa_may.csv").write_text(render([may]), encoding="utf-8")
    (landing / "partner" / "usa_june_twice.csv").write_text(render([june, june]), encoding="utf-8")

    load = rare_earth(warehouse, "load")

    assert load.returncode == 1
    assert "publishing the months that passed with a second run" in load.stdout
    assert (
        "held back, not published: 2025-06 partner from partner/usa_june_twice.csv, by partner_month_expectations: "
        "[error] partner_month.expect_compound_columns_to_be_unique"
    ) in load.stderr
    assert "Traceback" not in load.stdout + load.stderr
    rows = published(
        warehouse / "rare_earth.duckdb",
        """select month, china_reported_tonnes, partner_reported_tonnes from marts.mirror_trade_monthly
           where product_group = 'magnets' order by month""",
    )
    assert [(m, c is not None, p) for m, c, p in rows] == [
        (date(2025, 5, 1), True, 231.9),
        (date(2025, 6, 1), True, None),  # held back: China's side is published, the partner's June is not
    ]
