"""Year-to-date (cumulative) files: the months derived from them, and their edge cases, through real dbt builds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ZH_HEADER, WriteCsv
from test_marts import dbt_build, months_vars, query

from orchestration.loading.ingest import ingest_landing
from orchestration.sample import write_sample_files
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow

# Renminbi only: the monthly sample files of exports 2025-01..06 carry no dollars; the cumulative ones carry both.
RENMINBI_MONTHS = "month between '2025-01-01' and '2025-06-01'"


def built(root: Path, cumulative: bool) -> Warehouse:
    warehouse = Warehouse(root / "warehouse").ensure()
    write_sample_files(warehouse.landing, cumulative=cumulative)
    ingest_landing(warehouse)
    dbt_build(warehouse, root)
    return warehouse


def test_cumulative_files_for_2025_give_the_same_magnet_marts_as_monthly_files(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    monthly = built(tmp_path_factory.mktemp("monthly"), cumulative=False)
    cumulative = built(tmp_path_factory.mktemp("cumulative"), cumulative=True)
    # The cumulative files carry both currencies where the monthly ones carry one: values compare below.
    values = "value_usd, value_cny, value_usd_complete, value_usd_derived"
    every_column = f"select * exclude ({values}) from marts.magnet_exports_monthly order by month, partner_code"
    assert query(cumulative, every_column) == query(monthly, every_column)
    assert len(query(monthly, every_column)) > 600
    dollars = f"select month, partner_code, value_usd from marts.magnet_exports_monthly where not ({RENMINBI_MONTHS})"
    assert query(cumulative, dollars + " order by all") == query(monthly, dollars + " order by all")
    [(derived, months)] = query(
        cumulative,
        "select count(*), count(distinct month) from marts.fct_trade_monthly where derivation like 'ytd:%'",
    )
    assert derived > 0 and months == 12


def test_a_downward_revision_inside_a_cumulative_is_a_negative_month_kept_and_reported(
    warehouse: Warehouse, write_csv: WriteCsv, tmp_path: Path
) -> None:
    us = ["85051110", "稀土永磁", "502", "美国"]
    write_csv("exports/exports_2025-09_ytd.csv", ZH_HEADER, [["202509", *us, "5,000,000", "千克", "1"]])
    # October's year-to-date is below September's: a revision of earlier months, hidden in the cumulative.
    write_csv("exports/exports_2025-10_累计.csv", ZH_HEADER, [["202510", *us, "4,900,000", "千克", "1"]])
    ingest_landing(warehouse)
    output = dbt_build(warehouse, tmp_path)
    [(tonnes, derivation)] = query(
        warehouse,
        "select tonnes, derivation from marts.fct_trade_monthly where month = '2025-10-01' and partner_code = '502'",
    )
    assert (tonnes, derivation) == (Decimal("-100.000000"), "ytd: difference from the previous month")
    assert "assert_no_negative_derived_month" in output and "WARN=" in output
    [(month, kg)] = query(warehouse, "select month, quantity_kg from audit.assert_no_negative_derived_month")
    assert (month, kg) == (date(2025, 10, 1), Decimal("-100000.000"))
    # September has no earlier month in 2025 to subtract: it is not derived (never split by invention).
    assert query(warehouse, "select count(*) from marts.fct_trade_monthly where month = '2025-09-01'") == [(0,)]


def test_a_cumulative_through_february_without_january_is_one_jan_feb_period(
    warehouse: Warehouse, write_csv: WriteCsv, tmp_path: Path
) -> None:
    write_csv(
        "exports/exports_2025-02_cumulative.csv",
        ZH_HEADER,
        [["202502", "85051110", "稀土永磁", "502", "美国", "900,000", "千克", "1"]],
    )
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path)
    rows = query(warehouse, "select month, period_months, tonnes, derivation from marts.fct_trade_monthly")
    assert rows == [(date(2025, 1, 1), 2, Decimal("900.000000"), "ytd: January–February combined")]


def test_a_monthly_file_wins_over_the_cumulatives_and_their_difference_is_reported(
    warehouse: Warehouse, write_csv: WriteCsv, tmp_path: Path
) -> None:
    us = ["85051110", "稀土永磁", "502", "美国"]
    write_csv("exports/exports_2025-09_ytd.csv", ZH_HEADER, [["202509", *us, "5,000,000", "千克", "1"]])
    write_csv("exports/exports_2025-10_ytd.csv", ZH_HEADER, [["202510", *us, "5,600,000", "千克", "1"]])
    # The monthly file for October says 582 t; the cumulatives imply 600 t.
    write_csv("exports/exports_2025-10.csv", ZH_HEADER, [["202510", *us, "582,000", "千克", "1"]])
    ingest_landing(warehouse)
    output = dbt_build(warehouse, tmp_path, *months_vars("2025-10-01"))
    assert query(
        warehouse,
        "select tonnes, derivation from marts.fct_trade_monthly where month = '2025-10-01' and partner_code = '502'",
    ) == [(Decimal("582.000000"), "monthly file")]
    assert "assert_monthly_and_cumulative_files_agree" in output and "WARN=" in output
    assert query(
        warehouse,
        "select flow, month, hs_code, monthly_tonnes, derived_tonnes, difference_tonnes "
        "from audit.assert_monthly_and_cumulative_files_agree",
    ) == [("export", date(2025, 10, 1), "85051110", 582.0, 600.0, 18.0)]
