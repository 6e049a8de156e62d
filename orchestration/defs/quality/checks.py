"""Expectation suites as partitioned, blocking asset checks: a failing raw month stops its dbt build."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.ingest.assets import raw_customs_lines
from orchestration.defs.partitions import month_range, monthly_partitions
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.ingest import build_db
from orchestration.loading.summary import quarantined_since
from orchestration.quality.frames import (
    marts_month_frame,
    raw_month_frame,
    raw_month_parameters,
    staged_month_frame,
)
from orchestration.quality.runner import SuiteReport, run_suite


def check_result(reports: dict[str, SuiteReport], quarantined: list[tuple[str, str]]) -> dg.AssetCheckResult:
    """One check result for a suite run per flow: ERROR blocks downstream, WARN is reported only.

    A file quarantined by this run's ingest is an error too: its months must not be published as if
    the file had never been dropped.
    """
    errors = [o for r in reports.values() for o in r.errors]
    warnings = [o for r in reports.values() for o in r.warnings]
    failed = [f"- **quarantined** {reason}" for _, reason in quarantined]
    failed += [f"- **{flow}** {o.summary()}" for flow, r in reports.items() for o in (*r.errors, *r.warnings)]
    return dg.AssetCheckResult(
        passed=not errors and not warnings and not quarantined,
        severity=dg.AssetCheckSeverity.ERROR if errors or quarantined else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_validated": sum(r.rows for r in reports.values()),
            "expectations": sum(len(r.outcomes) for r in reports.values()),
            "failed_errors": len(errors),
            "failed_warnings": len(warnings),
            "files_quarantined": len(quarantined),
            "failures": dg.MetadataValue.md("\n".join(failed) or "every expectation passed"),
        },
    )


@dg.asset_check(
    asset=raw_customs_lines,
    name="raw_month_expectations",
    description=(
        "expectations/raw_month.json per flow: columns, 8-digit codes, known partners, non-negative quantities, "
        "kilograms for rare-earth codes, rows of the partition's months, no 10,000-row file, no duplicate keys; "
        "and no file quarantined by this run."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def raw_month_expectations(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    first, last = month_range(context)
    wh = warehouse.get()
    record = context.instance.get_run_record_by_id(context.run.run_id)
    run_started = datetime.fromtimestamp(record.start_time if record and record.start_time else 0, UTC)
    with build_db(wh) as con:
        frames = {flow: raw_month_frame(con, flow, first, last) for flow in ("export", "import")}
        quarantined = quarantined_since(con, run_started)
    parameters = raw_month_parameters(first, last)
    reports = {
        flow: run_suite("raw_month", frame, parameters, locate_by=("source_file", "row_number"))
        for flow, frame in frames.items()
        if len(frame)
    }
    return check_result(reports, quarantined)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "exports_by_group_monthly"]),
    name="marts_month_expectations",
    description=(
        "expectations/marts_month.json: WORLD = sum over partners, YTD = sum of the months, all_rare_earth = "
        "its four groups (errors, blocking the publish); month-on-month moves beyond the series' historical "
        "band (warnings naming the series and the size of the move)."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def marts_month_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _validate_built_months(
        context, warehouse, marts_month_frame, "marts_month", ("series", "month", "mom_pct", "band")
    )


@dg.asset_check(
    asset=dg.AssetKey(["marts", "fct_trade_monthly"]),
    name="staged_month_expectations",
    description=(
        "expectations/staged_month.json (warnings): every code joins to dim_product and dim_partner; value per "
        "kilogram within 1/5 to 5 times its commodity's median over the earlier months."
    ),
    blocking=True,
    partitions_def=monthly_partitions,
)
def staged_month_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _validate_built_months(
        context, warehouse, staged_month_frame, "staged_month", ("source_file", "hs_code", "partner_code", "usd_per_kg")
    )


def _validate_built_months(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    frame_of: Callable[[duckdb.DuckDBPyConnection, date, date], pd.DataFrame],
    suite: str,
    locate_by: tuple[str, ...],
) -> dg.AssetCheckResult:
    """Run a suite on what dbt built for the run's months."""
    first, last = month_range(context)
    with build_db(warehouse.get()) as con:
        frame = frame_of(con, first, last)
    return check_result({suite: run_suite(suite, frame, locate_by=locate_by)}, [])
