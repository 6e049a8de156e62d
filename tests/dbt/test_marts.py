"""The marts from the sample files, through real dbt builds: published figures, incremental = full."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.loading.ingest import ingest_landing
from orchestration.sample import write_sample_files
from orchestration.sample.revision import with_partner_quantity
from orchestration.warehouse import REPO_ROOT, Warehouse

pytestmark = pytest.mark.slow
MARTS = (
    "fct_trade_monthly",
    "exports_by_group_monthly",
    "magnet_exports_monthly",
    "monthly_headlines",
    "exports_by_province_monthly",
    "exports_by_regime_monthly",
)
SPLIT_COLUMNS = [
    "month",
    "product_group",
    "partner_code",
    "partner_iso3",
    "partner_name_en",
    "partner_name_zh",
    "{split}_code",
    "{split}_name_zh",
    "{split}_name_en",
    "tonnes",
    "value_usd",
    "value_cny",
    "value_usd_complete",
    "tonnes_prev_month",
    "mom_pct",
    "tonnes_prev_year",
    "yoy_pct",
    "share_pct",
]


def run_dbt(warehouse_dir: Path, tmp: Path, *args: str) -> str:
    """`dbt <args>` in this project on a warehouse folder, its target and logs under `tmp`; dbt's stdout."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--project-dir",
            "dbt_project",
            "--profiles-dir",
            "dbt_project",
            "--target-path",
            str(tmp / "dbt-target"),
            "--log-path",
            str(tmp / "dbt-logs"),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "WAREHOUSE_DIR": str(warehouse_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def dbt_build(warehouse: Warehouse, tmp: Path, *args: str) -> str:
    return run_dbt(warehouse.root, tmp, "build", *args)


def months_vars(first: str, last: str | None = None) -> list[str]:
    return ["--vars", f"{{month_start: '{first}', month_end: '{last or first}'}}"]


def query(warehouse: Warehouse, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sample_marts(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("marts")
    warehouse = Warehouse(tmp / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp)
    return warehouse


def test_us_magnets_in_november_2025_fell_11_3_percent_to_582_tonnes(sample_marts: Warehouse) -> None:
    nov = query(
        sample_marts,
        """select tonnes, round(mom_pct, 1) from marts.magnet_exports_monthly
                                 where month = '2025-11-01' and partner_code = '502'""",
    )
    may = query(
        sample_marts,
        """select tonnes from marts.magnet_exports_monthly
                                 where month = '2025-05-01' and partner_code = '502'""",
    )
    assert nov == [(Decimal(582), -11.3)]
    assert may == [(Decimal(46),)]


def test_the_november_2025_headline(sample_marts: Warehouse) -> None:
    [row] = query(
        sample_marts,
        """select world_magnet_tonnes, magnets_lagging, us_magnet_trough_tonnes,
                                          us_magnet_trough_month, headline
                                   from marts.monthly_headlines where month = '2025-11-01'""",
    )
    world, lagging, trough, trough_month, headline = row
    assert (world, lagging, trough, str(trough_month)) == (Decimal(6150), True, Decimal(46), "2025-05-01")
    assert headline.startswith("US-bound rare-earth magnet exports fell 11.3% month on month to 582 t, while all ")


def published_export_figures() -> list[dict[str, str]]:
    with (REPO_ROOT / "dbt_project" / "seeds" / "published_figures.csv").open(encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["flow"] == "export"]


@pytest.mark.parametrize(
    "figure",
    published_export_figures(),
    ids=lambda r: f"{r['period']}-{r['series']}-{r['partner_code'] or 'world'}",
)
def test_every_published_export_figure_is_reproduced_to_the_tonne(
    sample_marts: Warehouse, figure: dict[str, str]
) -> None:
    period = figure["period"]
    if ".." in period:  # a Jan–Feb combined release: the sum of the two months
        year = period[:4]
        where = f"month in ('{year}-01-01', '{year}-02-01')"
    elif len(period) == 4:  # a year total
        where = f"year(month) = {period}"
    else:
        where = f"month = '{period}-01'"
    partner = figure["partner_code"] or "WORLD"
    [(tonnes,)] = query(
        sample_marts,
        f"""select sum(tonnes) from marts.exports_by_group_monthly
        where product_group = '{figure["series"]}' and partner_code = '{partner}' and {where}""",
    )
    assert tonnes is not None
    assert abs(float(tonnes) - float(figure["tonnes"])) <= 0.5, (figure, tonnes)


def test_the_warehouse_reproduces_every_published_figure_to_its_rounding(sample_marts: Warehouse) -> None:
    [(figures, off_by_more_than_rounding, missing, worst)] = query(
        sample_marts,
        """select count(*), count(*) filter (where abs(difference_tonnes) > 0.5),
                  count(*) filter (where warehouse_tonnes is null), max(abs(difference_tonnes))
           from marts.published_reconciliation""",
    )
    assert (figures, off_by_more_than_rounding, missing) == (60, 0, 0)
    assert worst <= 0.1
    [(agree, disagree)] = query(
        sample_marts,
        "select count(*) filter (where change_agrees), count(*) filter (where not change_agrees) "
        "from marts.published_reconciliation",
    )
    assert (agree, disagree) == (42, 1)  # the press rounded June's +667% to "+660%"


def test_an_altered_sample_value_fails_the_reconciliation_with_the_series_named(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    november = warehouse.landing / "exports" / "2025" / "gacc_exports_2025-11.csv"
    november.write_bytes(with_partner_quantity(november.read_bytes(), "85051110", "502", 590_000))  # was 582 t
    ingest_landing(warehouse)
    output = dbt_build(
        warehouse, tmp_path, "--select", "+published_reconciliation", "assert_published_figures_reconcile"
    )
    assert "WARN=1 " in output and "assert_published_figures_reconcile" in output
    failing = query(
        warehouse,
        "select period, series, partner_code, difference_tonnes from audit.assert_published_figures_reconcile "
        "order by all",
    )
    eight = Decimal("8.000")  # November's US figure, and the world and year totals it is part of
    assert failing == [
        ("2025", "magnets", "502", eight),
        ("2025", "magnets", "WORLD", eight),
        ("2025-11", "magnets", "502", eight),
        ("2025-11", "magnets", "WORLD", eight),
    ]


def test_contracts_hold_on_every_mart(sample_marts: Warehouse) -> None:
    columns = dict(
        query(
            sample_marts,
            """select table_name, list(column_name order by ordinal_position)
                                          from information_schema.columns where table_schema = 'marts'
                                          group by table_name""",
        )
    )
    assert columns["fct_trade_monthly"][:14] == [
        "month",
        "period_months",
        "flow",
        "hs_code",
        "product_group",
        "partner_code",
        "partner_name_en",
        "partner_iso3",
        "quantity_kg",
        "tonnes",
        "value_usd",
        "value_cny",
        "vintage",
        "source_file",
    ]
    assert columns["exports_by_group_monthly"] == [
        "month",
        "product_group",
        "partner_code",
        "partner_name_en",
        "tonnes",
        "value_usd",
        "tonnes_prev_month",
        "mom_pct",
        "tonnes_prev_year",
        "yoy_pct",
        "share_of_world_pct",
        "ytd_tonnes",
        "rank_in_month",
        "period_months",
        "mom_basis",
        "partner_iso3",
        "partner_name_zh",
        "value_cny",
        "value_usd_complete",
        "value_usd_derived",
    ]
    assert columns["magnet_exports_monthly"] == columns["exports_by_group_monthly"]
    assert columns["monthly_headlines"] == [
        "month",
        "us_magnet_tonnes",
        "us_magnet_mom_pct",
        "us_magnet_yoy_pct",
        "world_magnet_tonnes",
        "world_magnet_mom_pct",
        "all_rare_earth_tonnes",
        "all_rare_earth_mom_pct",
        "magnets_lagging",
        "us_magnet_trough_tonnes",
        "us_magnet_trough_month",
        "headline",
        "revised_after_first_publication",
        "all_rare_earth_yoy_pct",
        "rare_earths_headline_tonnes",
        "rare_earths_headline_mom_pct",
        "rare_earths_headline_yoy_pct",
    ]
    assert columns["revisions"][:7] == [
        "month",
        "flow",
        "product_group",
        "partner_code",
        "partner_name_en",
        "first_tonnes",
        "current_tonnes",
    ]
    assert columns["published_reconciliation"][:9] == [
        "period",
        "period_months",
        "flow",
        "series",
        "partner_code",
        "partner_name",
        "published_tonnes",
        "warehouse_tonnes",
        "difference_tonnes",
    ]
    for split in ("province", "regime"):
        assert columns[f"exports_by_{split}_monthly"] == [c.format(split=split) for c in SPLIT_COLUMNS]
        assert columns[f"dim_{split}"] == [f"{split}_code", "name_zh", "name_en"]
    assert columns["fct_trade_monthly"][-1] == "derivation"
    assert columns["dim_partner"][:5] == ["partner_code", "name_zh", "name_en", "iso3", "region"]
    assert columns["dim_product"][:3] == ["hs_code", "description_zh", "description_en"]
    assert {"product_group", "is_rare_earth"} <= set(columns["dim_product"])


@pytest.mark.parametrize("split", ["province", "regime"])
def test_the_splits_by_province_and_regime_sum_to_exports_by_group_monthly(sample_marts: Warehouse, split: str) -> None:
    """Nothing is dropped: over provinces (regimes), every month x group x partner of exports_by_group_monthly has
    exactly its tonnes and values, and the shares add up to 100."""
    [(rows, missing, extra, tonnes_off, usd_off, cny_off, shares_off)] = query(
        sample_marts,
        f"""with split as (
                select month, product_group, partner_code, sum(tonnes) as tonnes, sum(value_usd) as value_usd,
                       sum(value_cny) as value_cny, sum(share_pct) as shares
                from marts.exports_by_{split}_monthly group by all)
            select count(*), count(*) filter (where split.month is null), count(*) filter (where g.month is null),
                   count(*) filter (where abs(split.tonnes - g.tonnes) > 1e-6),
                   count(*) filter (where abs(split.value_usd - g.value_usd) > 1e-3
                                    or (split.value_usd is null) <> (g.value_usd is null)),
                   count(*) filter (where abs(split.value_cny - g.value_cny) > 1e-3
                                    or (split.value_cny is null) <> (g.value_cny is null)),
                   count(*) filter (where g.tonnes > 0 and abs(split.shares - 100) > 1e-9)
            from split full join marts.exports_by_group_monthly as g using (month, product_group, partner_code)""",
    )
    assert rows == 3408 and (missing, extra, tonnes_off, usd_off, cny_off, shares_off) == (0, 0, 0, 0, 0, 0)


def test_magnet_exports_come_from_several_provinces_under_several_regimes(sample_marts: Warehouse) -> None:
    """The 2025 export files carry the province and regime columns (the GB18030 one of March and the workbook of
    August too): every 2025 month has magnets from at least 5 provinces under at least 2 regimes. The 2024 files
    have no such columns: all of their exports are 'unspecified', never dropped."""
    for split, at_least in (("province", 5), ("regime", 2)):
        by_month = dict(
            query(
                sample_marts,
                f"""select strftime(month, '%Y-%m'), count(*) filter (where {split}_code <> 'unspecified')
                    from marts.exports_by_{split}_monthly
                    where product_group = 'magnets' and partner_code = 'WORLD' and tonnes > 0
                    group by all order by 1""",
            )
        )
        assert len(by_month) == 24
        assert all(count >= at_least for month, count in by_month.items() if month >= "2025"), by_month
        [(codes, names, unspecified_2025)] = query(
            sample_marts,
            f"""select list(distinct {split}_code) filter (where year(month) = 2024),
                       list(distinct {split}_name_en || ' / ' || {split}_name_zh) filter (where year(month) = 2024),
                       count(*) filter (where year(month) = 2025 and {split}_code = 'unspecified')
                from marts.exports_by_{split}_monthly""",
        )
        assert (codes, names, unspecified_2025) == (["unspecified"], ["Unspecified / 未指定"], 0)
    names = dict(
        query(
            sample_marts,
            """select province_code, province_name_en from marts.exports_by_province_monthly
               where month = '2025-11-01' and product_group = 'magnets' and partner_code = 'WORLD'""",
        )
    )
    assert {"33": "Zhejiang", "36": "Jiangxi", "15": "Inner Mongolia"}.items() <= names.items()


def snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    # Vintage numbers count loads, so they differ between two load orders; everything else must not.
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        return {
            table: con.execute(
                f"select * exclude ({'vintage, source_file' if table == 'fct_trade_monthly' else 'month'}) "
                f"{', month' if table != 'fct_trade_monthly' else ''} from marts.{table} order by all"
            ).fetchall()
            for table in MARTS
        }
    finally:
        con.close()


def test_month_by_month_builds_equal_a_full_rebuild_and_follow_a_revision(
    sample_marts: Warehouse, tmp_path: Path
) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    staged = tmp_path / "all-files"
    write_sample_files(staged)

    def land(month: str) -> None:
        for path in staged.rglob(f"*_{month}.*"):
            target = warehouse.landing / path.relative_to(staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)

    for month in [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 10)]:
        land(month)
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path)
    for month in ("2025-10", "2025-11", "2025-12"):
        land(month)
        ingest_landing(warehouse)
        dbt_build(warehouse, tmp_path, *months_vars(f"{month}-01"))
    assert snapshot(warehouse) == snapshot(sample_marts)

    # A revision lowers US-bound magnets in October after November is built: only October is rebuilt,
    # and November's month-on-month change must follow.
    october = warehouse.landing / "exports" / "2025" / "gacc_exports_2025-10_revised.csv"
    original = (warehouse.landing / "exports" / "2025" / "gacc_exports_2025-10.csv").read_bytes()
    october.write_bytes(with_partner_quantity(original, "85051110", "502", 600_000))  # was 656 t
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "loaded"
    dbt_build(warehouse, tmp_path, *months_vars("2025-10-01"))
    [(oct_t, nov_mom)] = query(
        warehouse,
        """
        select max(tonnes) filter (month = '2025-10-01'), max(mom_pct) filter (month = '2025-11-01')
        from marts.magnet_exports_monthly where partner_code = '502'""",
    )
    assert oct_t == Decimal(600)
    assert round(nov_mom, 1) == round((582 / 600 - 1) * 100, 1) == -3.0
    incremental = snapshot(warehouse)
    dbt_build(warehouse, tmp_path, "--full-refresh")
    assert snapshot(warehouse) == incremental
