"""A January–February combined release: one period of two months, never split; March compares with its average."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ZH_HEADER, render_csv
from test_marts import dbt_build, query

from orchestration.loading.ingest import ingest_landing
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_march_compares_with_the_jan_feb_average_and_yoy_compares_like_with_like(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    files = {  # name -> (month column, US magnet kilograms)
        "exports_2024-01.csv": ("202401", "300,000"),
        "exports_2024-02.csv": ("202402", "500,000"),
        "exports_2025-01-02.csv": (None, "1,000,000"),  # the combined release, named YYYY-01-02
        "exports_2025-03.csv": ("202503", "600,000"),
    }
    for name, (month, kg) in files.items():
        header = ZH_HEADER if month else ZH_HEADER[1:]
        row = ([month] if month else []) + ["85051110", "稀土永磁", "502", "美国", kg, "千克", "1"]
        (warehouse.landing / "exports").mkdir(parents=True, exist_ok=True)
        (warehouse.landing / "exports" / name).write_text(render_csv(header, [row]), encoding="utf-8")
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path)
    rows = query(
        warehouse,
        """select month, period_months, tonnes, tonnes_prev_month, round(mom_pct, 1), mom_basis,
                  tonnes_prev_year, round(yoy_pct, 1), ytd_tonnes
           from marts.magnet_exports_monthly where partner_code = '502' and year(month) = 2025 order by month""",
    )
    assert rows == [
        (date(2025, 1, 1), 2, Decimal(1000), None, None, None, Decimal(800), 25.0, Decimal(1000)),
        (date(2025, 3, 1), 1, Decimal(600), Decimal(500), 20.0, "January–February monthly average", None, None,
         Decimal(1600)),
    ]  # fmt: skip
