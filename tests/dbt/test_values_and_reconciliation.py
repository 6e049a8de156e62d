"""Values an analyst can sum (US dollars complete, derived or flagged; renminbi carried) and a reconciliation that
tells a figure the warehouse disagrees with from one whose months it does not hold: real dbt builds."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_marts import dbt_build, query

from orchestration.loading.ingest import ingest_landing
from orchestration.sample import write_sample_files
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow
CNY_PER_USD = 7.1


def add_renminbi(path: Path) -> None:
    """The file with a renminbi column beside its US dollars, at CNY_PER_USD (as portal downloads that carry both)."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    usd = rows[0].index("US dollar")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*rows[0], "Renminbi Yuan"])
    for row in rows[1:]:
        writer.writerow([*row, f"{round(int(row[usd].replace(',', '')) * CNY_PER_USD):,}"])
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def valued(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The sample, with May 2025's import file carrying both currencies: its exports came in renminbi only."""
    tmp = tmp_path_factory.mktemp("values")
    warehouse = Warehouse(tmp / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    [may_imports] = warehouse.landing.glob("imports/2025/*2025-05*")
    add_renminbi(may_imports)
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp)
    return warehouse


def test_renminbi_only_exports_get_us_dollars_at_the_months_own_rate_flagged_as_derived(valued: Warehouse) -> None:
    [(lines, derived, complete, worst_rate_error)] = query(
        valued,
        f"""select count(*), count(*) filter (where value_usd_derived), count(*) filter (where value_usd_complete),
                   max(abs(value_cny / value_usd / {CNY_PER_USD} - 1))
            from marts.fct_trade_monthly where flow = 'export' and month = '2025-05-01'""",
    )
    assert lines > 100 and derived == lines and complete == lines
    assert worst_rate_error < 0.001
    [(usd, cny, derived_flag, complete_flag)] = query(
        valued,
        """select value_usd, value_cny, value_usd_derived, value_usd_complete from marts.exports_by_group_monthly
           where month = '2025-05-01' and product_group = 'magnets' and partner_code = 'WORLD'""",
    )
    assert usd is not None and cny is not None and (derived_flag, complete_flag) == (True, True)
    assert abs(cny / usd - CNY_PER_USD) < 0.01


def test_a_month_without_a_rate_keeps_its_us_dollars_null_and_says_so(valued: Warehouse) -> None:
    # April 2025: exports in renminbi only, imports in US dollars only: no line carries both currencies.
    rows = query(
        valued,
        """select month::varchar, value_usd, value_cny is not null, value_usd_complete, value_usd_derived
           from marts.exports_by_group_monthly
           where month in ('2025-04-01', '2025-07-01') and product_group = 'all_rare_earth' and partner_code = 'WORLD'
           order by month""",
    )
    april, july = rows
    assert april == ("2025-04-01", None, True, False, False)
    assert july[1] is not None and july[2:] == (False, True, False)  # July's files carried US dollars only
    # A year's value is never silently partial: the incomplete months say so, the sum over them is NULL.
    [(incomplete_months,)] = query(
        valued,
        """select count(*) from marts.exports_by_group_monthly
           where year(month) = 2025 and product_group = 'all_rare_earth' and partner_code = 'WORLD'
             and not value_usd_complete""",
    )
    assert incomplete_months == 4  # January, February, April, June (May has its own rate, March came in USD)


def test_a_warehouse_without_the_published_months_reports_them_not_loaded_not_disagreeing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    sample = tmp_path / "sample"
    write_sample_files(sample)
    for path in sample.rglob("*2025-12*"):
        target = warehouse.landing / path.relative_to(sample)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    ingest_landing(warehouse)
    output = dbt_build(warehouse, tmp_path)
    assert "assert_published_figures_reconcile" not in output.split("Completed", 1)[-1]  # no warning from it
    counts = dict(query(warehouse, "select reconciliation, count(*) from marts.published_reconciliation group by all"))
    [(december, tonnes_agree_of_unloaded)] = query(
        warehouse,
        """select count(*) filter (where period = '2025-12'),
                  count(tonnes_agree) filter (where reconciliation = 'not loaded')
           from marts.published_reconciliation""",
    )
    assert counts.get("disagrees", 0) == 0
    assert counts["agrees"] == december > 0
    assert counts["not loaded"] == 60 - december
    assert tonnes_agree_of_unloaded == 0  # NULL: nothing to agree or disagree with
