"""Codes missing from the dimensions and quantities in other units: kept, never summed, and warned about."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ZH_HEADER, WriteCsv
from test_marts import dbt_build, query

from orchestration.loading.ingest import ingest_landing
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_unknown_codes_flow_through_and_other_units_stay_out_of_tonnes(
    warehouse: Warehouse, write_csv: WriteCsv, tmp_path: Path
) -> None:
    write_csv(
        "exports/gacc_exports_2025-11.csv",
        ZH_HEADER,
        [
            ["202511", "85051110", "稀土永磁", "502", "美国", "582,000", "千克", "1"],
            ["202511", "85051110", "稀土永磁", "998", "?", "1,000", "千克", "1"],  # no such partner
            ["202511", "28469097", "?", "304", "德国", "2,000", "千克", "1"],  # no such code in 2023
            ["202511", "85051110", "稀土永磁", "304", "德国", "7", "个", "1"],  # pieces, not kilograms
        ],
    )
    ingest_landing(warehouse)
    output = dbt_build(warehouse, tmp_path)
    assert "WARN 1 assert_every_partner_code_known" in output
    assert "WARN 1 assert_every_commodity_code_known" in output
    assert "WARN 1 assert_quantities_are_kilograms" in output
    rows = query(
        warehouse,
        """select hs_code, partner_code, partner_name_en, product_group, tonnes, non_kilogram_lines
           from marts.fct_trade_monthly order by all""",
    )
    assert rows == [
        ("28469097", "304", "Germany", "compounds", Decimal(2), 0),
        ("85051110", "304", "Germany", "magnets", Decimal(0), 1),
        ("85051110", "502", "United States", "magnets", Decimal(582), 0),
        ("85051110", "998", "Unknown partner 998", "magnets", Decimal(1), 0),
    ]
    # The warnings' failing rows name the codes, in the audit schema.
    assert query(warehouse, "select partner_code from audit.assert_every_partner_code_known") == [("998",)]
    assert query(warehouse, "select hs_code from audit.assert_every_commodity_code_known") == [("28469097",)]
    [(world,)] = query(
        warehouse,
        """select tonnes from marts.magnet_exports_monthly where partner_code = 'WORLD'
           and month = '2025-11-01'""",
    )
    assert world == Decimal(583)
