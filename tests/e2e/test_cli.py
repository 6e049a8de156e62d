"""The commands people type, on the bundled sample: `rare-earth sample`, `load`, `status`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, PUBLISHED_MARTS, ZH_HEADER, SampleLoad, WriteCsv, rare_earth
from data_docs_text import expectations, explained, page_text
from playwright.sync_api import expect, sync_playwright

from orchestration.quality.suites import SUITES
from orchestration.sample.revision import with_partner_quantity
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded_sample(sample_load: SampleLoad) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return sample_load.warehouse, sample_load.load


def test_load_ingests_every_sample_file(loaded_sample: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    warehouse, load = loaded_sample
    assert load.returncode == 0, load.stderr
    assert "56 files loaded, 0 quarantined" in load.stdout  # 48 customs files and 8 partner-reported ones
    assert re.search(r"^\d+ checks passed, 2 with warnings \(published\), 0 failed$", load.stdout, re.M)
    assert (warehouse / "rare_earth.duckdb").exists()
    # Not a terminal: progress comes as plain timestamped lines.
    assert re.search(
        r"^\d\d:\d\d:\d\d file 48/48 imports/2025/gacc_imports_2025-12.csv: loaded 2025-12", load.stderr, re.M
    )
    assert re.search(
        r"^\d\d:\d\d:\d\d dbt build of the staging, intermediate and marts models for 2024-01..2025-12$",
        load.stderr,
        re.M,
    )
    assert f"report: {warehouse / 'reports' / 'index.html'}" in load.stdout
    # Dagster's home is inside the warehouse folder, and the run is in its history.
    assert (warehouse / "dagster_home" / "dagster.yaml").exists()
    assert any((warehouse / "dagster_home").rglob("*.db"))


def test_a_load_prints_what_people_read_and_no_more(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, load = loaded_sample
    output = load.stdout + load.stderr
    # 56 progress lines (one a file), the two warning blocks (month-on-month moves, mirror gaps), the summary.
    assert len(output.splitlines()) <= 100, output
    # dbt's own log stays in the run's event log (`--verbose` shows it).
    assert not re.search(r"\d+ of \d+ (START|PASS|OK)|Running with dbt|partial parsing", output), output
    # Each file once: its progress line; the end report counts them and lists only the files not plainly loaded.
    for path in (warehouse / "landing").rglob("*.csv"):
        assert output.count(path.relative_to(warehouse / "landing").as_posix()) == 1, path
    assert "Traceback" not in output and "failed (WARN)" not in output and "**" not in output


def test_warnings_come_once_per_series_with_rounded_numbers(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, load = loaded_sample
    # The May 2025 collapse of US-bound magnets is a warning with its size; the warehouse still publishes.
    assert (
        "warnings from marts/exports_by_group_monthly:marts_month_expectations for 2024-01..2025-12 (published):\n"
        in load.stderr
    )
    [us_magnets] = [line for line in load.stderr.splitlines() if "magnets exports to United States:" in line]
    assert "2025-05 -85.2% (band=53.0" in us_magnets and "2025-06 +667.4%" in us_magnets
    assert load.stderr.count("Month-on-month moves stay within a band") == 1  # the explanation, once
    assert not re.search(r"\d\.\d{3,}", load.stderr)  # no float at full precision


def test_us_magnets_in_november_2025_are_582_tonnes(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    con = duckdb.connect(str(warehouse / "build" / "rare_earth_build.duckdb"), read_only=True)
    try:
        [(tonnes,)] = con.execute(
            """select sum(quantity_kg)/1000 from raw.customs_lines where flow='export' and hs_code='85051110'
               and partner_code='502' and month='2025-11-01'"""
        ).fetchall()
    finally:
        con.close()
    assert tonnes == 582


def test_load_builds_the_marts_and_records_row_counts_in_dagster(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, load = loaded_sample
    assert "latest headline: 2025-12: US-bound rare-earth magnet exports fell 3.1% month on month to 564 t" in (
        load.stdout
    )
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(warehouse / "dagster_home")
    try:
        instance = dg.DagsterInstance.get()
    finally:
        del os.environ["DAGSTER_HOME"]
    with instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "monthly_headlines"]))
        assert event is not None
        metadata = event.asset_materialization.metadata  # type: ignore[union-attr]
        assert metadata["dagster/row_count"].value == 24
        assert "headline" in [c.name for c in metadata["dagster/column_schema"].value.columns]


def test_status_lists_24_months_per_flow(loaded_sample: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    warehouse, _ = loaded_sample
    status = rare_earth(warehouse, "status")
    assert status.returncode == 0
    assert "exports: 24 months loaded" in status.stdout
    assert "imports: 24 months loaded" in status.stdout
    assert "2025-11  vintage" in status.stdout and "exports/2025/gacc_exports_2025-11.csv" in status.stdout
    assert "quarantined files: 0" in status.stdout
    assert "last publish: 20" in status.stdout
    assert re.search(r"^  warnings: marts_month_expectations in \d+ of 24 months \(2024-05, ", status.stdout, re.M)
    assert "  errors: none\n" in status.stdout
    assert "failing" not in status.stdout


def test_a_second_load_is_a_no_op_and_a_bad_file_fails_the_load(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    again = rare_earth(warehouse, "load")
    assert again.returncode == 0
    assert "nothing new" in again.stdout
    bad = warehouse / "landing" / "exports" / "2025" / "gacc_exports_2025-11 (revised).csv"
    bad.write_text("商品编码,第一数量\n85051110,lots\n", encoding="utf-8")
    load = rare_earth(warehouse, "load")
    assert load.returncode != 0
    assert "0 files loaded, 1 quarantined" in load.stdout
    assert (
        "quarantined, not loaded: exports/2025/gacc_exports_2025-11 (revised).csv, line 2: column 第一数量 / Quantity: "
        "expected a number, found 'lots'" in load.stderr
    )
    status = rare_earth(warehouse, "status")
    assert "quarantined files: 1" in status.stdout and "(revised).csv" in status.stdout


def test_the_warehouse_folder_comes_from_the_flag_before_or_after_the_command(tmp_path: Path) -> None:
    for args in (("--warehouse", str(tmp_path / "a"), "status"), ("status", "--warehouse", str(tmp_path / "a"))):
        result = rare_earth(tmp_path / "elsewhere", *args)
        assert result.returncode == 0
        assert f"no warehouse at {tmp_path / 'a'} yet" in result.stdout
    assert not (tmp_path / "elsewhere").exists()


def test_the_published_warehouse_opens_read_only_in_duckdb_1_5_storage_with_parquet_exports(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, load = loaded_sample
    assert f"published: {warehouse / 'rare_earth.duckdb'}" in load.stdout
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        [(tonnes, mom)] = con.execute(
            """select tonnes, round(mom_pct, 1) from marts.magnet_exports_monthly
               where month = '2025-11-01' and partner_code = '502'"""
        ).fetchall()
        [(storage,)] = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'rare_earth'"
        ).fetchall()
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert (tonnes, mom) == (582, -11.3)
    assert storage == "v1.5.0+"
    assert schemas == {"marts", "audit"}  # never the raw layer or the build's staging
    import pyarrow.parquet as pq

    headlines = pq.read_table(warehouse / "exports" / "monthly_headlines.parquet")
    assert headlines.num_rows == 24
    assert sorted(p.name for p in (warehouse / "exports").iterdir()) == [f"{t}.parquet" for t in PUBLISHED_MARTS]


def test_readers_see_how_fresh_the_published_marts_are(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        meta = con.execute(
            """select flow, first_month::varchar, last_month::varchar, months, last_vintage, files,
                      dbt_version like '1.11.%', suite_versions
               from marts.meta_publish order by flow"""
        ).fetchall()
        [(published_at, meta_published_at)] = con.execute(
            "select max(published_at), (select max(published_at) from marts.meta_publish) from audit.publishes"
        ).fetchall()
    finally:
        con.close()
    assert [row[:7] for row in meta] == [
        ("export", "2024-01-01", "2025-12-01", 24, 24, 24, True),
        ("import", "2024-01-01", "2025-12-01", 24, 48, 24, True),
        ("partner", "2024-01-01", "2025-12-01", 24, 56, 8, True),  # the UN Comtrade files, loaded after customs
    ]
    suites = ("marts_month", "mirror_month", "partner_month", "raw_month", "staged_month")
    assert re.fullmatch(", ".join(f"{suite}@[0-9a-f]{{12}}" for suite in suites), meta[0][7])
    assert published_at == meta_published_at  # the file holds the record of its own publish


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select tonnes from marts.magnet_exports_monthly where month = '2025-10-01' and partner_code = '502'"
print(con.execute(query).fetchall()[0][0], flush=True)
sys.stdin.readline()  # hold the file open while the parent loads and publishes
print(con.execute(query).fetchall()[0][0], flush=True)
"""


def test_a_reader_holding_the_published_file_neither_blocks_a_load_nor_sees_a_partial_state(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    published = warehouse / "rare_earth.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "656.0"  # type: ignore[union-attr]
        october = warehouse / "landing" / "exports" / "2025" / "gacc_exports_2025-10.csv"
        revised = october.with_name("gacc_exports_2025-10_revised.csv")
        revised.write_bytes(with_partner_quantity(october.read_bytes(), "85051110", "502", 600_000))
        load = rare_earth(warehouse, "load")
        assert load.returncode == 0, load.stderr
        reader.stdin.write("\n")  # type: ignore[union-attr]
        reader.stdin.flush()  # type: ignore[union-attr]
        assert reader.stdout.readline().strip() == "656.0"  # type: ignore[union-attr]  # its old snapshot
    finally:
        reader.kill()
        reader.wait()
    con = duckdb.connect(str(published), read_only=True)
    try:
        [(tonnes,)] = con.execute(
            "select tonnes from marts.magnet_exports_monthly where month = '2025-10-01' and partner_code = '502'"
        ).fetchall()
    finally:
        con.close()
    assert tonnes == 600  # a new reader sees the new warehouse


@pytest.fixture(scope="module")
def rendered_docs(loaded_sample: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    """`rare-earth docs` on the loaded sample; returns the warehouse's docs folder."""
    warehouse, _ = loaded_sample
    docs = rare_earth(warehouse, "docs")
    assert docs.returncode == 0, docs.stderr
    return warehouse / "docs"


def _inlined(page: str, artifact: str) -> dict:
    """manifest.json or catalog.json as the static dbt docs page carries it (`{manifest:{...},catalog:{...}}`)."""
    start = page.index(f'{artifact}:{{"metadata"') + len(artifact) + 1
    return json.JSONDecoder().raw_decode(page, start)[0]


def test_docs_render_dbt_docs_and_gx_data_docs_as_offline_html(rendered_docs: Path) -> None:
    dbt_page = (rendered_docs / "dbt" / "index.html").read_text(encoding="utf-8")
    assert "monthly_headlines" in dbt_page and "exports_by_group_monthly" in dbt_page
    assert not re.search(r'(src|href)="https?://(?!\[::1\])', dbt_page)  # nothing fetched from the network
    gx = rendered_docs / "gx"
    pages = sorted(p.relative_to(gx).as_posix() for p in gx.rglob("*.html"))
    suites = ("marts_month", "mirror_month", "partner_month", "raw_month", "staged_month")
    assert pages == [
        "index.html",
        *(f"suites/{suite}.html" for suite in suites),
        *(f"validations/{suite}_2025_12.html" for suite in suites),
    ]
    for page in pages:
        text = (gx / page).read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), page
        assert "<link" not in text and "<img" not in text, page
    index = (gx / "index.html").read_text(encoding="utf-8")
    assert '<a href="validations/raw_month_2025_12.html">raw_month 2025-12</a>' in index
    suite = (gx / "suites" / "raw_month.html").read_text(encoding="utf-8")
    assert re.search(r"quantity_kg.*values must be greater than or equal to.*0\.0", suite, re.S)


def test_dbt_docs_open_on_the_projects_overview_and_name_owners_and_published_relations(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]], rendered_docs: Path
) -> None:
    warehouse, _ = loaded_sample
    page = (rendered_docs / "dbt" / "index.html").read_text(encoding="utf-8")
    manifest, catalog = _inlined(page, "manifest"), _inlined(page, "catalog")
    overview = manifest["docs"]["doc.rare_earth.__overview__"]["block_contents"]
    for words in ("staging", "intermediate", "all_rare_earth", "rare_earths_headline", "DOUBLE", "GACC", "owns"):
        assert words in overview, words
    owners = {g["name"]: g["owner"] for g in manifest["groups"].values()}
    assert owners == {
        "data_engineering": {"name": "Data engineering", "email": "data-engineering@example.org"},
        "analytics_engineering": {"name": "Analytics engineering", "email": "analytics-engineering@example.org"},
    }
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        published = set(
            con.execute("select table_catalog, table_schema, table_name from information_schema.tables").fetchall()
        )
    finally:
        con.close()
    for name, model in models.items():
        relation = (model["database"], model["schema"], model["alias"])
        in_catalog = catalog["nodes"][model["unique_id"]]["metadata"]["database"]
        if model["schema"] == "marts":  # as analysts query it: the relation exists in the published file
            assert model["group"] == "analytics_engineering", name
            assert relation in published and in_catalog == "rare_earth", name
            assert model["relation_name"] == f'"rare_earth"."marts"."{name}"'
        else:  # staging and intermediate live in the build database only
            assert model["group"] == "data_engineering", name
            assert model["database"] == in_catalog == "rare_earth_build", name
    assert manifest["sources"]["source.rare_earth.raw.customs_lines"]["database"] == "rare_earth_build"


def test_dbt_docs_in_a_browser_show_the_overview_and_each_models_owner_and_relation(rendered_docs: Path) -> None:
    index = (rendered_docs / "dbt" / "index.html").as_uri()
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(index)
            body = page.locator("body")
            expect(body).to_contain_text("China rare-earth trade warehouse", timeout=60_000)  # not dbt's "Welcome!"
            expect(body).to_contain_text('customs\' own "rare earths" line')
            for model, owner, relation in (
                (
                    "fct_trade_monthly",
                    "Analytics engineering <analytics-engineering@example.org>",
                    "rare_earth.marts.fct_trade_monthly",
                ),
                (
                    "int_trade__monthly_lines",
                    "Data engineering <data-engineering@example.org>",
                    "rare_earth_build.intermediate.int_trade__monthly_lines",
                ),
            ):
                page.goto(f"{index}#!/model/model.rare_earth.{model}")
                details = page.locator("dl.detail")
                expect(details.filter(has=page.locator("dt", has_text="Owner"))).to_contain_text(owner, timeout=60_000)
                expect(details.filter(has=page.locator("dt", has_text="Relation"))).to_contain_text(relation)
        finally:
            browser.close()
    assert [url for url in requested if not url.startswith("file:")] == []  # nothing from the network


def test_data_docs_name_each_validations_data_asset_and_explain_each_expectation(rendered_docs: Path) -> None:
    for suite in SUITES:
        validation = page_text(rendered_docs / "gx" / "validations" / f"{suite.name}_2025_12.html")
        assert f"Data asset: {suite.table}, 2025-12 Status:" in validation  # e.g. marts.exports_by_group_monthly
        assert "Data asset: None" not in validation and "__none__" not in validation
        suite_page = page_text(rendered_docs / "gx" / "suites" / f"{suite.name}.html")
        for expectation in expectations(suite.name):
            assert explained(expectation) in validation, expectation["meta"]["description"]
            assert explained(expectation) in suite_page, expectation["meta"]["description"]


def test_docs_reuse_the_data_docs_the_load_rendered_until_the_build_database_changes(
    sample_load: SampleLoad, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(sample_load.pristine, warehouse)  # as the load left it, modification times too
    index = warehouse / "docs" / "gx" / "index.html"
    build_db = warehouse / "build" / "rare_earth_build.duckdb"
    assert index.stat().st_mtime > build_db.stat().st_mtime  # the load rendered them after its publish
    marker = "<!-- as rendered by the load -->"
    index.write_text(index.read_text(encoding="utf-8") + marker, encoding="utf-8")

    docs = rare_earth(warehouse, "docs")
    assert docs.returncode == 0, docs.stderr
    assert f"Great Expectations Data Docs: {index} (up to date: the last load rendered them)" in docs.stdout
    assert index.read_text(encoding="utf-8").endswith(marker)

    # The database changed since (here: its time set after the pages'): the pages are rendered again.
    later = index.stat().st_mtime + 60
    os.utime(build_db, (later, later))
    docs = rare_earth(warehouse, "docs")
    assert docs.returncode == 0, docs.stderr
    assert f"Great Expectations Data Docs: {index}\n" in docs.stdout
    assert marker not in index.read_text(encoding="utf-8")


def test_a_truncated_file_for_a_new_month_fails_the_load_and_leaves_the_published_file_unchanged(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    published_before = (warehouse / "rare_earth.duckdb").read_bytes()
    rows = "".join(f"202601,85051110,{100 + i % 800:03d},{i + 1},千克\n" for i in range(10_000))
    capped = warehouse / "landing" / "exports" / "2026" / "gacc_exports_2026-01.csv"
    capped.parent.mkdir(parents=True)
    capped.write_text("数据年月,商品编码,贸易伙伴编码,第一数量,第一计量单位\n" + rows, encoding="utf-8")
    load = rare_earth(warehouse, "load")
    assert load.returncode != 0
    assert (
        "exports/2026/gacc_exports_2026-01.csv: exactly 10,000 data rows: probably truncated at the portal's "
        "download cap" in load.stderr
    )
    assert "a blocking check failed" in load.stderr
    assert (warehouse / "rare_earth.duckdb").read_bytes() == published_before
    capped.unlink()
    again = rare_earth(warehouse, "load")
    assert again.returncode == 0, again.stderr
    assert "publishing the audit trail recorded since the last publish" in again.stdout
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        [(status,)] = con.execute(
            "select status from audit.files where file_name = 'exports/2026/gacc_exports_2026-01.csv'"
        ).fetchall()
    finally:
        con.close()
    assert status == "quarantined"  # readers see the quarantine; the marts are as they were


def test_a_blocking_raw_expectation_stops_the_dbt_build_and_fails_the_load(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    headlines_before = _marts_snapshot(warehouse)
    published_before = (warehouse / "rare_earth.duckdb").read_bytes()
    exports_before = {p.name: p.read_bytes() for p in (warehouse / "exports").glob("*.parquet")}
    duplicate = (
        "数据年月,商品编码,贸易伙伴编码,第一数量,第一计量单位\n202511,85051110,502,5,千克\n202511,85051110,502,6,千克\n"
    )
    (warehouse / "landing" / "exports" / "dup_2025-11.csv").write_text(duplicate, encoding="utf-8")
    load = rare_earth(warehouse, "load")
    assert load.returncode != 0
    assert "errors: raw/customs_lines:raw_month_expectations failed for 2025-11..2025-11:" in load.stderr
    assert "raw_month.expect_compound_columns_to_be_unique" in load.stderr
    assert "source_file=exports/dup_2025-11.csv row_number=1" in load.stderr
    assert "a blocking check failed" in load.stderr
    assert _marts_snapshot(warehouse) == headlines_before  # dbt did not run on the bad month
    assert (warehouse / "rare_earth.duckdb").read_bytes() == published_before  # nothing was published
    assert {p.name: p.read_bytes() for p in (warehouse / "exports").glob("*.parquet")} == exports_before
    status = rare_earth(warehouse, "status")
    assert "  errors: raw_month_expectations in 1 of 24 months (2025-11)" in status.stdout


def test_a_failing_month_is_held_back_while_the_other_months_of_the_load_are_published(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    published = warehouse / "rare_earth.duckdb"
    december_before = _published_us_magnets(published, "2025-12-01")
    exports = warehouse / "landing" / "exports"
    september = exports / "2025" / "gacc_exports_2025-09.csv"
    september.with_name("gacc_exports_2025-09_revised.csv").write_bytes(
        with_partner_quantity(september.read_bytes(), "85051110", "502", 400_000)
    )
    duplicate = "数据年月,商品编码,贸易伙伴编码,第一数量,第一计量单位\n" + "202512,85051110,502,5,千克\n" * 2
    (exports / "dup_2025-12.csv").write_text(duplicate, encoding="utf-8")
    load = rare_earth(warehouse, "load")
    assert load.returncode == 1
    assert "publishing the months that passed with a second run" in load.stdout
    assert (
        "held back, not published: 2025-12 export from exports/dup_2025-12.csv, by raw_month_expectations: "
        "[error] raw_month.expect_compound_columns_to_be_unique on vintage,month,hs_code,partner_code,regime_code,"
        "province_code (No duplicate (commodity, partner, regime, province) key within a vintage and month.): "
        "2 unexpected, e.g. vintage="
    ) in load.stderr
    assert "source_file=exports/dup_2025-12.csv row_number=2" in load.stderr
    assert _published_us_magnets(published, "2025-09-01") == 400  # the month that passed went out
    assert _published_us_magnets(published, "2025-12-01") == december_before  # the failing one kept its state
    status = rare_earth(warehouse, "status")
    assert "months held back by a blocking check: 2" in status.stdout  # with the duplicate 2025-11 file above
    assert "2025-12 export from exports/dup_2025-12.csv" in status.stdout
    con = duckdb.connect(str(published), read_only=True)
    try:
        held = con.execute("select file_name, check_name from audit.held_months order by all").fetchall()
        [(file_status,)] = con.execute(
            "select status from audit.files where file_name = 'exports/dup_2025-12.csv'"
        ).fetchall()
    finally:
        con.close()
    assert held == [
        ("exports/dup_2025-11.csv", "raw_month_expectations"),
        ("exports/dup_2025-12.csv", "raw_month_expectations"),
    ]
    assert file_status == "quarantined"


def _published_us_magnets(published: Path, month: str) -> float:
    con = duckdb.connect(str(published), read_only=True)
    try:
        [(tonnes,)] = con.execute(
            "select tonnes from marts.magnet_exports_monthly where month = ? and partner_code = '502'", [month]
        ).fetchall()
    finally:
        con.close()
    return float(tonnes)


def test_a_revised_cumulative_republishes_the_month_derived_from_it(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    def ytd(name: str, month: str, kg: str) -> None:
        write_csv(f"exports/{name}", ZH_HEADER, [[month, "85051110", "稀土永磁", "502", "美国", kg, "千克", "1"]])

    ytd("exports_2025-09_ytd.csv", "202509", "5,000,000")
    ytd("exports_2025-10_ytd.csv", "202510", "5,600,000")
    ytd("exports_2025-11_ytd.csv", "202511", "6,182,000")
    first = rare_earth(warehouse.root, "load")
    assert first.returncode == 0, first.stderr
    published = warehouse.published_db
    assert (_published_us_magnets(published, "2025-10-01"), _published_us_magnets(published, "2025-11-01")) == (
        600,
        582,
    )
    # October's year-to-date is revised down by 100 t: October falls, and November, YTD(Nov) − YTD(Oct), rises.
    ytd("exports_2025-10_ytd_revised.csv", "202510", "5,500,000")
    second = rare_earth(warehouse.root, "load")
    assert second.returncode == 0, second.stderr
    assert "loading 2025-10 .. 2025-11" in second.stdout
    assert (_published_us_magnets(published, "2025-10-01"), _published_us_magnets(published, "2025-11-01")) == (
        500,
        682,
    )


def _marts_snapshot(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "build" / "rare_earth_build.duckdb"), read_only=True)
    try:
        return con.execute("select * from marts.magnet_exports_monthly order by all").fetchall()
    finally:
        con.close()


def test_the_duckdb_1_5_cli_opens_the_published_file_while_a_load_runs(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    warehouse, _ = loaded_sample
    july = warehouse / "landing" / "exports" / "2025" / "gacc_exports_2025-07.csv"
    revised = with_partner_quantity(july.read_bytes(), "85051110", "502", 610_000)
    july.with_name("gacc_exports_2025-07_revised.csv").write_bytes(revised)
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    env.pop("DAGSTER_HOME", None)
    load = subprocess.Popen(
        [str(Path(sys.executable).with_name("rare-earth")), "load"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert load.stdout is not None
        assert load.stdout.readline().startswith("loading 2025-07 .. 2025-07")  # the load has started
        cli = subprocess.run(
            [
                str(Path(sys.executable).with_name("duckdb")),
                "-readonly",
                str(warehouse / "rare_earth.duckdb"),
                "-csv",
                "-c",
                "select version(), tonnes from marts.magnet_exports_monthly "
                "where month = '2025-07-01' and partner_code = '502'",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        still_loading = load.poll() is None
    finally:
        _, errors = load.communicate(timeout=600)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.splitlines()[1] == "v1.5.6,619.0"  # DuckDB 1.5, the marts as last published
    assert still_loading
    assert load.returncode == 0, errors
    assert _published_us_magnets(warehouse / "rare_earth.duckdb", "2025-07-01") == 610


def test_serve_bi_starts_postgres_on_loopback_that_psql_and_every_load_keep_current(
    loaded_sample: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from orchestration.serving.local_postgres import postgres_binary

    warehouse, _ = loaded_sample
    serve = rare_earth(warehouse, "serve-bi")
    assert serve.returncode == 0, serve.stderr
    [url] = re.findall(r"^  url       (postgresql://bi_reader:\S+@127\.0\.0\.1:\d+/rare_earth)$", serve.stdout, re.M)
    query = (
        "select month, partner_name_en, tonnes from marts.magnet_exports_monthly "
        "where month = '2025-11-01' and partner_code = '502'"
    )

    def psql(sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([postgres_binary("psql"), url, "-X", "-At", "-c", sql], capture_output=True, text=True)

    try:
        assert psql(query).stdout.strip() == "2025-11-01|United States|582.0"
        assert "PostgreSQL replica: 127.0.0.1:" in rare_earth(warehouse, "status").stdout
        june = warehouse / "landing" / "exports" / "2025" / "gacc_exports_2025-06.csv"
        june.with_name("gacc_exports_2025-06_revised.csv").write_bytes(
            with_partner_quantity(june.read_bytes(), "85051110", "502", 350_000)  # was 353 t
        )
        load = rare_earth(warehouse, "load")
        assert load.returncode == 0, load.stderr
        june_us = "select tonnes from marts.magnet_exports_monthly where month = '2025-06-01' and partner_code = '502'"
        assert psql(june_us).stdout.strip() == "350.0"  # the load's publish updated the replica
    finally:
        stop = rare_earth(warehouse, "serve-bi", "--stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert psql(query).returncode != 0
