"""Vintages and revisions: a revised October after November was published, through real dbt builds."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from test_marts import dbt_build, months_vars, query

from orchestration.loading.ingest import ingest_landing
from orchestration.sample import write_sample_files
from orchestration.sample.revision import with_partner_quantity
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_a_revision_of_october_changes_novembers_mom_and_shows_in_revisions(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path)
    november_us = (
        "select tonnes, round(mom_pct, 1) from marts.magnet_exports_monthly "
        "where month = '2025-11-01' and partner_code = '502'"
    )
    assert query(warehouse, november_us) == [(Decimal(582), -11.3)]

    october = warehouse.landing / "exports" / "2025" / "gacc_exports_2025-10.csv"
    october.with_name("gacc_exports_2025-10_revised.csv").write_bytes(
        with_partner_quantity(october.read_bytes(), "85051110", "502", 600_000)
    )
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path, *months_vars("2025-10-01", "2025-11-01"))

    assert query(warehouse, november_us) == [(Decimal(582), -3.0)]  # November's MoM follows the revision
    revised = query(
        warehouse,
        """select month::varchar, flow, product_group, partner_code, first_tonnes, current_tonnes, change_tonnes,
                  round(change_pct, 1), first_file, first_release, current_file, current_release
           from marts.revisions where partner_code = '502' and product_group = 'magnets'""",
    )
    assert revised == [
        (
            "2025-10-01", "export", "magnets", "502", Decimal(656), Decimal(600), Decimal(-56), -8.5,
            "exports/2025/gacc_exports_2025-10.csv", None, "exports/2025/gacc_exports_2025-10_revised.csv", "revised",
        )
    ]  # fmt: skip
    headlines = dict(
        query(
            warehouse,
            "select month::varchar, revised_after_first_publication from marts.monthly_headlines "
            "where month in ('2025-10-01', '2025-11-01')",
        )
    )
    assert headlines == {"2025-10-01": True, "2025-11-01": False}
    # The old vintage stays queryable in the raw layer.
    [(old,)] = query(
        warehouse,
        """select sum(quantity_kg) / 1000 from raw.customs_lines
           where source_file = 'exports/2025/gacc_exports_2025-10.csv'
             and hs_code = '85051110' and partner_code = '502'""",
    )
    assert old == 656
